//! Intake's section of the configuration (`[intake]`, `RRM_INTAKE__*`).

use crate::domain::Budgets;
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
    /// Who is e-mailed when a stage runs past its budget.
    #[serde(default)]
    pub overdue_mail_to: Vec<String>,
    /// The longest the clock sleeps between two looks at its timers.
    #[serde(with = "humantime_serde")]
    pub clock_tick: std::time::Duration,
    pub budgets: BudgetSettings,
}

/// `[intake.budgets]`: each stage's time budget.
#[derive(Debug, Clone, Deserialize)]
pub struct BudgetSettings {
    #[serde(with = "humantime_serde")]
    pub mobilisation: std::time::Duration,
    #[serde(with = "humantime_serde")]
    pub drafting: std::time::Duration,
    #[serde(with = "humantime_serde")]
    pub signatures: std::time::Duration,
    #[serde(with = "humantime_serde")]
    pub translation: std::time::Duration,
    #[serde(with = "humantime_serde")]
    pub distribution: std::time::Duration,
}

impl BudgetSettings {
    /// The budgets, each at least a second and at most a year.
    pub fn budgets(&self) -> anyhow::Result<Budgets> {
        let each = [
            ("mobilisation", self.mobilisation),
            ("drafting", self.drafting),
            ("signatures", self.signatures),
            ("translation", self.translation),
            ("distribution", self.distribution),
        ]
        .map(|(name, d)| {
            if d < std::time::Duration::from_secs(1)
                || d > std::time::Duration::from_secs(366 * 86_400)
            {
                anyhow::bail!("intake.budgets.{name} must be between 1s and a year");
            }
            Ok(chrono::Duration::from_std(d)?)
        });
        let mut budgets = [chrono::Duration::zero(); 5];
        for (slot, budget) in budgets.iter_mut().zip(each) {
            *slot = budget?;
        }
        Ok(Budgets::new(budgets))
    }
}

/// Parses a configured list of language codes, naming the setting when one is wrong.
pub fn language_list(setting: &str, list: &[String]) -> anyhow::Result<Vec<LanguageCode>> {
    list.iter()
        .map(|l| LanguageCode::parse(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("intake.{setting}: {e}"))
}
