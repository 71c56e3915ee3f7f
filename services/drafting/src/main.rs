fn main() -> std::process::ExitCode {
    rrm_platform::service::main("drafting", rrm_drafting::run)
}
