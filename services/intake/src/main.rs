fn main() -> std::process::ExitCode {
    rrm_platform::service::main("intake", rrm_intake::run)
}
