//! Small helpers shared by the binaries: flag parsing, logging, serving with
//! graceful shutdown.

use std::io::IsTerminal;
use std::net::SocketAddr;

use anyhow::{Context, Result};
use axum::Router;
use tokio::net::TcpListener;

/// Outcome of parsing the command line when it does not yield flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// `-h` or `--help` was given.
    Help,
    /// The command line is wrong; the message says why.
    Usage(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Help => f.write_str("help requested"),
            CliError::Usage(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CliError {}

/// Parsed `--name value` / `--name=value` flags.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    values: Vec<(String, String)>,
}

impl Flags {
    /// Parses `args` (without the program name). Every flag in `known` takes a
    /// value; anything else is an error.
    pub fn parse<I>(args: I, known: &[&str]) -> Result<Flags, CliError>
    where
        I: IntoIterator<Item = String>,
    {
        let mut values = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "-h" || arg == "--help" {
                return Err(CliError::Help);
            }
            let Some(flag) = arg.strip_prefix("--") else {
                return Err(CliError::Usage(format!("unexpected argument {arg:?}")));
            };
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (flag.to_string(), None),
            };
            if !known.contains(&name.as_str()) {
                return Err(CliError::Usage(format!("unknown flag --{name}")));
            }
            let value = match inline {
                Some(v) => v,
                None => args
                    .next()
                    .ok_or_else(|| CliError::Usage(format!("--{name} needs a value")))?,
            };
            values.push((name, value));
        }
        Ok(Flags { values })
    }

    /// The last value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The flag, else the environment variable `env` (if non-empty).
    pub fn get_or_env(&self, name: &str, env: &str) -> Option<String> {
        self.get(name)
            .map(str::to_string)
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
    }

    /// Parses the flag's value as a number.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, CliError> {
        self.get(name)
            .map(|v| {
                v.parse::<T>().map_err(|_| {
                    CliError::Usage(format!(
                        "--{name} expects a non-negative integer, got {v:?}"
                    ))
                })
            })
            .transpose()
    }
}

/// Installs a stderr logger honouring `RUST_LOG` (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves when the process receives Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Binds `bind`, prints `<name>: http://<address>/` on stdout (the actual
/// address, so `--bind 127.0.0.1:0` reveals the port), and serves `router`
/// until Ctrl-C or SIGTERM.
pub async fn serve(name: &str, bind: &str, router: Router) -> Result<()> {
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    let addr: SocketAddr = listener.local_addr()?;
    println!("{name}: http://{addr}/");
    tracing::info!(%addr, "{name} listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    tracing::info!("{name} stopped");
    Ok(())
}

/// Prints `usage` (and the error, if any) and exits: 0 for help, 2 otherwise.
pub fn exit_with_usage(err: &CliError, usage: &str) -> ! {
    match err {
        CliError::Help => {
            println!("{usage}");
            std::process::exit(0)
        }
        CliError::Usage(msg) => {
            eprintln!("error: {msg}\n\n{usage}");
            std::process::exit(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_both_forms() {
        let f = Flags::parse(
            args(&["--bind", "a:1", "--dir=/x", "--bind=b:2"]),
            &["bind", "dir"],
        )
        .unwrap();
        assert_eq!(f.get("bind"), Some("b:2"));
        assert_eq!(f.get("dir"), Some("/x"));
        assert_eq!(f.get("other"), None);
    }

    #[test]
    fn errors() {
        assert_eq!(
            Flags::parse(args(&["-h"]), &[]).unwrap_err(),
            CliError::Help
        );
        assert!(matches!(
            Flags::parse(args(&["--nope", "1"]), &["bind"]),
            Err(CliError::Usage(_))
        ));
        assert!(matches!(
            Flags::parse(args(&["--bind"]), &["bind"]),
            Err(CliError::Usage(_))
        ));
        assert!(matches!(
            Flags::parse(args(&["stray"]), &["bind"]),
            Err(CliError::Usage(_))
        ));
        let f = Flags::parse(args(&["--n", "x"]), &["n"]).unwrap();
        assert!(f.number::<u64>("n").is_err());
        let f = Flags::parse(args(&["--n", "7"]), &["n"]).unwrap();
        assert_eq!(f.number::<u64>("n").unwrap(), Some(7));
    }
}
