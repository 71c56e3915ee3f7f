fn main() -> std::process::ExitCode {
    rrm_platform::service::main("roster", rrm_roster::run)
}
