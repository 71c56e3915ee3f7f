//! `rrm-roster`: the roster service; `rrm-roster import-members FILE.csv` imports a members CSV
//! into the roster's store while the service is stopped (a first roster before the first start,
//! as the local run does with the demo members). With the service running, import through the
//! API instead (`rrm members import`, or the console).

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => rrm_platform::service::main("roster", rrm_roster::run),
        [command, file] if command == "import-members" => rrm_roster::import_offline(file),
        _ => {
            eprintln!(
                "usage: rrm-roster                          run the service\n       \
                 rrm-roster import-members FILE.csv  import members while the service is stopped"
            );
            std::process::ExitCode::from(2)
        }
    }
}
