//! The `[drafting]` configuration section, beside the settings every service shares.

use rrm_platform::CommonSettings;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub drafting: DraftingSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DraftingSettings {
    /// The language authors write in unless they choose one of the alert's languages.
    pub source_language: String,
    /// Every author's signature is not enough: a coordinator signs off in the console too.
    #[serde(default)]
    pub final_signoff: bool,
    /// What a coordinator's correction of an approved op-ed needs.
    #[serde(default)]
    pub corrections: Corrections,
    /// When, after a version goes out for signature, those who have not signed are reminded
    /// (each offset once; keep them inside the signatures stage's budget).
    #[serde(default = "default_reminders")]
    pub signature_reminders: Vec<humantime_serde::Serde<Duration>>,
    /// The Ed25519 key signature manifests are signed with (PKCS#8 PEM). Created at first start
    /// when missing; default `<data_dir>/drafting/manifest-key.pem`.
    #[serde(default)]
    pub manifest_key_file: Option<PathBuf>,
    /// How often the reminder clock looks at its timers at most.
    #[serde(default = "default_tick", with = "humantime_serde")]
    pub clock_tick: Duration,
}

/// What a correction of an approved op-ed needs before it reaches editors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corrections {
    /// The authors sign the corrected text again (and the coordinator signs off, when
    /// required); only then is it published.
    #[default]
    Resign,
    /// The correction is published at once; the signatories are e-mailed what changed.
    Notify,
}

fn default_reminders() -> Vec<humantime_serde::Serde<Duration>> {
    vec![
        Duration::from_secs(20 * 60).into(),
        Duration::from_secs(40 * 60).into(),
    ]
}

fn default_tick() -> Duration {
    Duration::from_secs(5)
}

impl DraftingSettings {
    /// The reminder offsets, shortest first, at most 255.
    pub fn reminders(&self) -> Vec<chrono::Duration> {
        let mut all: Vec<chrono::Duration> = self
            .signature_reminders
            .iter()
            .filter_map(|d| chrono::Duration::from_std(**d).ok())
            .collect();
        all.sort();
        all.truncate(255);
        all
    }
}
