fn main() -> std::process::ExitCode {
    rrm_cli::main()
}
