//! `rrm-translation`: the translation service; `rrm-translation import-translators FILE.csv`
//! imports a translators CSV into its store while the service is stopped (the first
//! translators before the first start, as the local run does with the demo's). With the service
//! running, import through the API instead (`rrm translators import`, or the console).

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => rrm_platform::service::main("translation", rrm_translation::run),
        [command, file] if command == "import-translators" => rrm_translation::import_offline(file),
        _ => {
            eprintln!(
                "usage: rrm-translation                              run the service\n       \
                 rrm-translation import-translators FILE.csv  import translators while the service is stopped"
            );
            std::process::ExitCode::from(2)
        }
    }
}
