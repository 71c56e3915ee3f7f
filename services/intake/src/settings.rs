//! Intake's section of the configuration (`[intake]`, `RRM_INTAKE__*`).

use rrm_contracts::LanguageCode;
use rrm_platform::CommonSettings;
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub intake: IntakeSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct IntakeSettings {
    pub default_languages: Vec<String>,
    pub supported_languages: Vec<String>,
    pub default_deadline_hours: i64,
    pub dedup_window_hours: i64,
    /// The first coordinator's token, from `RRM_INTAKE__BOOTSTRAP_TOKEN`; announced once, by hash.
    /// It is revoked automatically once an admin token has been created through the API.
    #[serde(default)]
    pub bootstrap_token: Option<SecretString>,
}

/// Parses a configured list of language codes, naming the setting when one is wrong.
pub fn language_list(setting: &str, list: &[String]) -> anyhow::Result<Vec<LanguageCode>> {
    list.iter()
        .map(|l| LanguageCode::parse(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("intake.{setting}: {e}"))
}
