use std::process::ExitCode;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let settings: rrm_distribution::Settings = match rrm_platform::config::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rrm-distribution: {e:#}");
            return ExitCode::from(2);
        }
    };
    rrm_platform::telemetry::init("distribution", &settings.common.log);
    match rrm_distribution::run(settings, Default::default()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "distribution stopped");
            ExitCode::FAILURE
        }
    }
}
