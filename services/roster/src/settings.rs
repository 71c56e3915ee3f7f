//! The `[roster]` configuration section, beside the settings every service shares.

use crate::domain::{Balance, Vocabulary};
use rrm_platform::CommonSettings;
use serde::Deserialize;
use std::time::Duration;

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
    /// Members invited at first (more than the authors needed: some say no, some are silent).
    pub invite: usize,
    /// Authors who must accept before the panel forms…
    pub authors_needed: usize,
    /// …at least this many of whom share no line with one another.
    pub min_lines: usize,
    /// The language authors write in (members who write it score higher).
    pub drafting_language: String,
    /// How long members have to answer: a reminder at half of it, an alternate at the end.
    #[serde(with = "humantime_serde")]
    pub mobilisation_budget: Duration,
    /// Who is e-mailed when a panel cannot form ("Name <address>" or an address).
    pub coordinators_mail_to: Vec<String>,
    /// How often the mobilisation clock looks at its timers at most.
    #[serde(with = "humantime_serde")]
    pub clock_tick: Duration,
    pub vocabulary: VocabularySettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VocabularySettings {
    pub lines: Vec<String>,
    pub languages: Vec<String>,
}

impl RosterSettings {
    /// The mobilisation budget as a span of time (30 minutes should it not fit one).
    pub fn budget(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.mobilisation_budget)
            .unwrap_or_else(|_| chrono::Duration::minutes(30))
    }

    pub fn balance(&self) -> Balance {
        Balance {
            authors_needed: self.authors_needed,
            min_lines: self.min_lines,
        }
    }

    pub fn vocabulary(&self) -> Vocabulary {
        Vocabulary {
            lines: self
                .vocabulary
                .lines
                .iter()
                .map(|l| l.trim().to_lowercase())
                .collect(),
            languages: self
                .vocabulary
                .languages
                .iter()
                .map(|l| l.trim().to_lowercase())
                .collect(),
        }
    }
}
