fn main() -> std::process::ExitCode {
    rrm_platform::service::main("distribution", rrm_distribution::run)
}
