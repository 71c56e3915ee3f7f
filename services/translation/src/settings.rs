//! The `[translation]` configuration section, beside the settings every service shares.

use crate::domain::Policy;
use crate::providers::{self, ChainOptions, ProviderSettings, Providers};
use rrm_contracts::LanguageCode;
use rrm_platform::CommonSettings;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub translation: TranslationSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TranslationSettings {
    /// Machine-translation providers, in order of preference.
    #[serde(deserialize_with = "providers::deserialize_providers")]
    pub providers: Vec<ProviderSettings>,
    pub allowed_hosts: Vec<String>,
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    /// Jobs translated at once.
    pub concurrency: usize,
    /// Largest provider answer read, in bytes.
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: usize,
    /// Attempts per provider within one try of a job.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Failed requests in a row after which a provider is skipped for `breaker_cooldown`.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    #[serde(default = "default_breaker_cooldown", with = "humantime_serde")]
    pub breaker_cooldown: std::time::Duration,
    /// How long a language may take from the approval before its job fails.
    #[serde(default = "default_budget", with = "humantime_serde")]
    pub budget: std::time::Duration,
    /// Glossary terms never translated (signatories' names never are either).
    #[serde(default)]
    pub protected_terms: Vec<String>,
    /// How each language is translated: by machine, by a human translator, or by machine then
    /// reviewed by a human.
    #[serde(default)]
    pub policy: PolicySettings,
    /// How long a translator has to claim an offered job before it goes to the next one.
    #[serde(default = "default_offer_ttl", with = "humantime_serde")]
    pub offer_ttl: std::time::Duration,
    /// Who is e-mailed when a language cannot be delivered ("Name <address>" or an address).
    #[serde(default)]
    pub coordinators_mail_to: Vec<String>,
    /// How often the translation clock (offers, deadlines) looks at its timers at most.
    #[serde(default = "default_clock_tick", with = "humantime_serde")]
    pub clock_tick: std::time::Duration,
}

/// `[translation.policy]`: `default` for every language, `languages` for exceptions
/// (`ar = "machine+review"`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicySettings {
    #[serde(default)]
    pub default: Policy,
    #[serde(default)]
    pub languages: BTreeMap<String, Policy>,
}

impl PolicySettings {
    /// The policy of `language`: its own (exact code first, then its primary language), else
    /// the default.
    pub fn of(&self, language: &LanguageCode) -> Policy {
        let lower = |s: &str| s.trim().to_ascii_lowercase();
        let exact = lower(language.as_str());
        let primary = lower(language.primary());
        self.languages
            .iter()
            .find(|(k, _)| lower(k) == exact)
            .or_else(|| self.languages.iter().find(|(k, _)| lower(k) == primary))
            .map_or(self.default, |(_, p)| *p)
    }
}

fn default_offer_ttl() -> std::time::Duration {
    std::time::Duration::from_secs(20 * 60)
}
fn default_clock_tick() -> std::time::Duration {
    std::time::Duration::from_secs(5)
}

fn default_max_response_bytes() -> usize {
    1024 * 1024
}
fn default_max_attempts() -> u32 {
    3
}
fn default_breaker_failures() -> u32 {
    5
}
fn default_breaker_cooldown() -> std::time::Duration {
    std::time::Duration::from_secs(60)
}
fn default_budget() -> std::time::Duration {
    std::time::Duration::from_secs(2 * 3600)
}

impl TranslationSettings {
    /// The provider chain these settings describe, checked.
    pub fn providers(&self) -> anyhow::Result<Providers> {
        Providers::new(
            &self.providers,
            ChainOptions {
                allowed_hosts: self.allowed_hosts.clone(),
                connect_timeout: std::time::Duration::from_millis(self.connect_timeout_ms),
                request_timeout: std::time::Duration::from_millis(self.request_timeout_ms),
                max_response_bytes: self.max_response_bytes,
                max_attempts: self.max_attempts,
                base_backoff: std::time::Duration::from_millis(250),
                max_backoff: std::time::Duration::from_secs(10),
                breaker_failures: self.breaker_failures,
                breaker_cooldown: self.breaker_cooldown,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_language_takes_its_own_policy_else_its_primary_language_s_else_the_default() {
        let policy = PolicySettings {
            default: Policy::Machine,
            languages: [
                ("ar".to_owned(), Policy::MachineReview),
                ("pt-BR".to_owned(), Policy::Human),
            ]
            .into_iter()
            .collect(),
        };
        let of = |code: &str| policy.of(&LanguageCode::parse(code).unwrap());
        assert_eq!(of("ar"), Policy::MachineReview);
        assert_eq!(of("ar-EG"), Policy::MachineReview);
        assert_eq!(of("pt-br"), Policy::Human);
        assert_eq!(of("pt"), Policy::Machine);
        assert_eq!(of("fr"), Policy::Machine);
    }

    #[test]
    fn policies_are_written_as_the_configuration_says() {
        #[derive(Deserialize)]
        struct Only {
            policy: PolicySettings,
        }
        let read: Only = serde_json::from_value(serde_json::json!({
            "policy": {"default": "human", "languages": {"ar": "machine+review", "fr": "machine"}}
        }))
        .unwrap();
        assert_eq!(read.policy.default, Policy::Human);
        assert_eq!(read.policy.languages["ar"], Policy::MachineReview);
        assert!(
            serde_json::from_value::<Policy>(serde_json::json!("machine-review")).is_err(),
            "a misspelt policy stops the start"
        );
    }
}
