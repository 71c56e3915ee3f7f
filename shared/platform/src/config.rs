//! Layered configuration: `config/default.toml` → `config/<RRM_ENV>.toml` (optional) →
//! `RRM_SECTION__KEY` environment variables. Secrets (link signing key, broker and SMTP passwords,
//! the bootstrap coordinator token) are never in the repository: they come from the environment
//! and are wrapped so they never print.

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::PathBuf;

/// Settings every service reads. A service's own settings struct flattens this and adds its own
/// section (`[roster]`, …).
#[derive(Debug, Clone, Deserialize)]
pub struct CommonSettings {
    pub amqp: AmqpSettings,
    pub smtp: SmtpSettings,
    pub links: LinkSettings,
    pub storage: StorageSettings,
    pub log: LogSettings,
    pub services: ServiceEndpoints,
    pub console: ConsoleSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConsoleSettings {
    /// How long a coordinator stays signed in to the console (never longer than their token).
    /// The session cookie is signed with a key derived from `links.secret`.
    pub session_hours: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AmqpSettings {
    /// `amqp://user:password@host:port/vhost`; carries a password, so it is a secret.
    pub url: SecretString,
    pub prefetch: u16,
    pub delivery_limit: u32,
    pub max_backoff_ms: u64,
    /// Declare every service's queues, not only this one's: what lets a fresh broker work with
    /// any start order. Off where each service's broker user may touch its own queues only, and
    /// the operators import `deploy/rabbitmq/definitions.json` before the services start.
    pub declare_every_queue: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `Name <address>` the mechanism sends from.
    pub from: String,
    /// Use STARTTLS/TLS. Off only for a relay on loopback.
    pub tls: bool,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<SecretString>,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LinkSettings {
    /// HMAC key for every signed link. At least 32 bytes; from `RRM_LINKS__SECRET`.
    pub secret: SecretString,
    /// How long an e-mailed link stays valid.
    pub ttl_hours: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    /// Each service keeps its database in `<data_dir>/<service>/store.redb`.
    pub data_dir: PathBuf,
    /// The store's page cache per service, in MiB.
    pub cache_mb: u64,
    /// The most transactions one durable commit (one `fsync`) takes. Every commit is durable;
    /// this only bounds how many waiting transactions share one.
    pub group_commit_max: usize,
}

impl StorageSettings {
    pub fn store_options(&self) -> rrm_bus::StoreOptions {
        rrm_bus::StoreOptions {
            cache_bytes: usize::try_from(self.cache_mb.saturating_mul(1024 * 1024))
                .unwrap_or(usize::MAX),
            group_commit_max: self.group_commit_max,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    /// `json` (default: structured, for machines) or `pretty` (for a terminal).
    pub format: String,
    /// A `tracing` filter, e.g. `info,rrm=debug`. `RUST_LOG` wins when set.
    pub level: String,
}

/// Where every service listens and the public URL its links are built from (never the request's
/// `Host`).
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceEndpoints {
    pub intake: Endpoint,
    pub roster: Endpoint,
    pub drafting: Endpoint,
    pub translation: Endpoint,
    pub distribution: Endpoint,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Endpoint {
    pub bind: String,
    pub public_url: String,
}

impl ServiceEndpoints {
    pub fn get(&self, service: &str) -> anyhow::Result<&Endpoint> {
        Ok(match service {
            "intake" => &self.intake,
            "roster" => &self.roster,
            "drafting" => &self.drafting,
            "translation" => &self.translation,
            "distribution" => &self.distribution,
            other => bail!("unknown service {other:?}"),
        })
    }
}

impl CommonSettings {
    /// Refuses to start with settings that would be unsafe or cannot work.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.links.secret.expose_secret().len() < 32 {
            bail!("links.secret must be at least 32 characters: set RRM_LINKS__SECRET");
        }
        if self.links.ttl_hours <= 0 {
            bail!("links.ttl_hours must be positive");
        }
        if self.console.session_hours <= 0 {
            bail!("console.session_hours must be positive");
        }
        Ok(())
    }
}

/// The folder holding `default.toml`: `RRM_CONFIG_DIR`, else `./config`.
pub fn config_dir() -> PathBuf {
    std::env::var_os("RRM_CONFIG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("config"))
}

/// Loads `T` from the layers described in the module docs.
pub fn load<T: DeserializeOwned>() -> anyhow::Result<T> {
    load_from(
        &config_dir(),
        &std::env::var("RRM_ENV").unwrap_or_else(|_| "local".into()),
    )
}

pub fn load_from<T: DeserializeOwned>(
    dir: &std::path::Path,
    environment: &str,
) -> anyhow::Result<T> {
    let base = dir.join("default.toml");
    if !base.exists() {
        bail!(
            "no configuration at {} (set RRM_CONFIG_DIR)",
            base.display()
        );
    }
    config::Config::builder()
        .add_source(config::File::from(base))
        .add_source(config::File::from(dir.join(format!("{environment}.toml"))).required(false))
        .add_source(
            config::Environment::with_prefix("RRM")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                // Lists in variables are comma-separated: RRM_INTAKE__DEFAULT_LANGUAGES=ar,en
                .with_list_parse_key("intake.default_languages")
                .with_list_parse_key("intake.supported_languages")
                .with_list_parse_key("intake.overdue_mail_to")
                .with_list_parse_key("translation.allowed_hosts")
                .with_list_parse_key("translation.coordinators_mail_to"),
        )
        .build()
        .context("reading configuration")?
        .try_deserialize()
        .context("configuration does not match the settings")
}
