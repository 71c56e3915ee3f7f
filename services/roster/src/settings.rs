//! The `[roster]` configuration section, beside the settings every service shares.

use rrm_platform::CommonSettings;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub roster: RosterSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RosterSettings {
    pub members_csv: String,
    pub invite: usize,
    pub authors_needed: usize,
    pub min_lines: usize,
}
