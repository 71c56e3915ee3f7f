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
    /// HMAC key signing every link: the active key. At least 32 bytes; from
    /// `RRM_LINKS__SECRET`.
    pub secret: SecretString,
    /// The active key's id, carried in every token it signs (`RRM_LINKS__KEY_ID`).
    #[serde(default = "default_key_id")]
    pub key_id: String,
    /// Keys retired by a rotation: they verify the links they signed until `until`, and sign
    /// nothing (`RRM_LINKS__RETIRED__0__ID`, `…__0__SECRET`, `…__0__UNTIL`).
    #[serde(default, deserialize_with = "list_or_indexed")]
    pub retired: Vec<RetiredKey>,
    /// How long an e-mailed link stays valid.
    pub ttl_hours: i64,
}

fn default_key_id() -> String {
    crate::links::DEFAULT_KEY_ID.to_owned()
}

/// A link key retired by a rotation.
#[derive(Debug, Clone, Deserialize)]
pub struct RetiredKey {
    pub id: String,
    pub secret: SecretString,
    /// When it stops verifying: at least `ttl_hours` after the rotation, so that every link it
    /// signed keeps working to its own expiry.
    pub until: chrono::DateTime<chrono::Utc>,
}

impl LinkSettings {
    /// The signer these settings describe.
    pub fn signer(&self) -> crate::LinkSigner {
        crate::LinkSigner::with_keys(
            &self.key_id,
            self.secret.clone(),
            self.retired
                .iter()
                .map(|k| (k.id.clone(), k.secret.clone(), k.until))
                .collect(),
            chrono::Duration::hours(self.ttl_hours),
        )
    }

    fn validate(&self) -> anyhow::Result<()> {
        let id_ok = |id: &str| {
            !id.is_empty()
                && id.len() <= 32
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if self.secret.expose_secret().len() < 32 {
            bail!("links.secret must be at least 32 characters: set RRM_LINKS__SECRET");
        }
        if !id_ok(&self.key_id) {
            bail!("links.key_id must be 1 to 32 letters, digits, '-' or '_'");
        }
        if self.ttl_hours <= 0 {
            bail!("links.ttl_hours must be positive");
        }
        let mut ids = vec![self.key_id.as_str()];
        for key in &self.retired {
            if !id_ok(&key.id) {
                bail!(
                    "links.retired: key id {:?} must be 1 to 32 letters, digits, '-' or '_'",
                    key.id
                );
            }
            if ids.contains(&key.id.as_str()) {
                bail!(
                    "links.retired: key id {:?} is used twice: each key needs its own id",
                    key.id
                );
            }
            if key.secret.expose_secret().len() < 32 {
                bail!(
                    "links.retired: key {:?} is shorter than 32 characters",
                    key.id
                );
            }
            ids.push(&key.id);
        }
        Ok(())
    }
}

/// A list from a TOML array or, from environment variables (`RRM_X__LIST__0__FIELD`), a table
/// keyed by position: the configuration library turns indexed variables into such a table,
/// replacing the file's list.
pub fn list_or_indexed<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        List(Vec<T>),
        Indexed(std::collections::BTreeMap<String, T>),
    }
    match Either::<T>::deserialize(d)? {
        Either::List(list) => Ok(list),
        Either::Indexed(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, value) in map {
                let index: usize = key.parse().map_err(|_| {
                    serde::de::Error::custom(format!("list index {key:?} is not a number"))
                })?;
                entries.push((index, value));
            }
            entries.sort_by_key(|(i, _)| *i);
            Ok(entries.into_iter().map(|(_, v)| v).collect())
        }
    }
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
        self.links.validate()?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn links(value: serde_json::Value) -> LinkSettings {
        serde_json::from_value(value).unwrap()
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn retired_link_keys_come_from_a_list_or_indexed_variables() {
        let listed = links(serde_json::json!({
            "secret": SECRET, "key_id": "2026-12", "ttl_hours": 72,
            "retired": [{"id": "2026-11", "secret": SECRET, "until": "2026-12-04T00:00:00Z"}],
        }));
        assert_eq!(listed.retired[0].id, "2026-11");
        // What RRM_LINKS__RETIRED__1__ID=… and RRM_LINKS__RETIRED__0__ID=… become.
        let indexed = links(serde_json::json!({
            "secret": SECRET, "ttl_hours": 72,
            "retired": {
                "1": {"id": "b", "secret": SECRET, "until": "2026-12-04T00:00:00Z"},
                "0": {"id": "a", "secret": SECRET, "until": "2026-12-03T00:00:00Z"},
            },
        }));
        assert_eq!(indexed.key_id, "k1", "the default id");
        let ids: Vec<&str> = indexed.retired.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(indexed.validate().is_ok());
    }

    #[test]
    fn unusable_link_keys_stop_the_start() {
        let with = |key_id: &str, retired: serde_json::Value| {
            links(serde_json::json!({
                "secret": SECRET, "key_id": key_id, "ttl_hours": 72, "retired": retired,
            }))
            .validate()
        };
        assert!(
            with("k.1", serde_json::json!([])).is_err(),
            "a dot would split the token"
        );
        let twice =
            serde_json::json!([{"id": "k1", "secret": SECRET, "until": "2026-12-04T00:00:00Z"}]);
        assert!(with("k1", twice).is_err(), "two keys with one id");
        let short =
            serde_json::json!([{"id": "old", "secret": "short", "until": "2026-12-04T00:00:00Z"}]);
        assert!(with("k2", short).is_err());
    }
}
