//! Translators: who translates and reviews, between which languages, and how many jobs they
//! take at once.

use chrono::{DateTime, Utc};
use rrm_contracts::{EmailAddress, LanguageCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A direction a translator works in: from one language into another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguagePair {
    pub from: LanguageCode,
    pub to: LanguageCode,
}

impl LanguagePair {
    /// Whether this pair covers translating `from` into `to` (regional variants count as their
    /// language: a translator into `pt` translates into `pt-BR`).
    pub fn covers(&self, from: &LanguageCode, to: &LanguageCode) -> bool {
        self.from.primary() == from.primary() && self.to.primary() == to.primary()
    }
}

impl std::fmt::Display for LanguagePair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}>{}", self.from, self.to)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranslatorStatus {
    /// Offered jobs.
    #[default]
    Active,
    /// Kept, but offered nothing.
    Paused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translator {
    pub id: Uuid,
    pub name: String,
    pub email: EmailAddress,
    pub pairs: Vec<LanguagePair>,
    /// Jobs offered to or claimed by them at once, at most.
    pub capacity: u32,
    #[serde(default)]
    pub status: TranslatorStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Translator {
    /// Whether they may be offered a job from `from` into `to` while holding `load` jobs.
    pub fn can_take(&self, from: &LanguageCode, to: &LanguageCode, load: u32) -> bool {
        self.status == TranslatorStatus::Active
            && load < self.capacity
            && self.pairs.iter().any(|p| p.covers(from, to))
    }
}
