fn main() -> std::process::ExitCode {
    rrm_platform::service::main("translation", rrm_translation::run)
}
