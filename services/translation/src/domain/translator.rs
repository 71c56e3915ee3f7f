//! Translators: who translates and reviews, between which languages, and how many jobs they
//! take at once; and the rules a translator's values keep, whoever enters them (API, console,
//! CSV): a name of one line without control characters (it goes into e-mail headers), a valid
//! address, at least one pair of two different languages, a capacity from 1 to
//! [`MAX_CAPACITY`].

use chrono::{DateTime, Utc};
use rrm_contracts::{EmailAddress, LanguageCode};
use rrm_platform::FieldProblem;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most jobs one translator may hold at once.
pub const MAX_CAPACITY: u32 = 50;
/// The longest name, in characters.
pub const MAX_NAME: usize = 200;

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

impl LanguagePair {
    /// `en>ar` (or `en→ar`, `en-ar` is refused: `-` belongs to regional codes).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (from, to) = raw
            .split_once('>')
            .or_else(|| raw.split_once('→'))
            .ok_or_else(|| format!("{raw:?} is not a pair: write it from>to, e.g. en>ar"))?;
        let code = |c: &str| LanguageCode::parse(c.trim()).map_err(|e| format!("{raw:?}: {e}"));
        let (from, to) = (code(from)?, code(to)?);
        if from.primary() == to.primary() {
            return Err(format!("{raw:?} translates a language into itself"));
        }
        Ok(LanguagePair { from, to })
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

impl TranslatorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TranslatorStatus::Active => "active",
            TranslatorStatus::Paused => "paused",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "active" => Some(TranslatorStatus::Active),
            "paused" => Some(TranslatorStatus::Paused),
            _ => None,
        }
    }
}

/// A translator as entered: every field optional here, so that each missing or bad one is
/// named, and an edit can leave out what it does not change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslatorInput {
    #[schema(example = "Layla Nasser")]
    pub name: Option<String>,
    #[schema(example = "layla@translators.example.org")]
    pub email: Option<String>,
    /// The directions they translate in, `from>to`.
    #[schema(example = json!(["en>ar", "fr>ar"]))]
    pub pairs: Option<Vec<String>>,
    /// Jobs offered to or claimed by them at once, at most (1 to 50; 1 when absent).
    #[schema(example = 2)]
    pub capacity: Option<u32>,
    /// `active` (offered jobs; the default) or `paused`.
    #[schema(example = "active")]
    pub status: Option<String>,
}

/// `input` applied over `existing` (a new translator when `None`), checked: every problem named.
pub fn apply(
    input: TranslatorInput,
    existing: Option<&Translator>,
    now: DateTime<Utc>,
) -> Result<Translator, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let name = match (input.name, existing) {
        (Some(n), _) => {
            let n = n.trim().to_owned();
            if n.is_empty() || n.chars().count() > MAX_NAME {
                problems.push(FieldProblem::new(
                    "name",
                    format!("must be 1 to {MAX_NAME} characters"),
                ));
            } else if n.chars().any(char::is_control) {
                problems.push(FieldProblem::new(
                    "name",
                    "must not contain control characters (line breaks, tabs)",
                ));
            }
            n
        }
        (None, Some(e)) => e.name.clone(),
        (None, None) => {
            problems.push(FieldProblem::new("name", "is required"));
            String::new()
        }
    };
    let email = match (input.email, existing) {
        (Some(raw), _) => match EmailAddress::parse(&raw) {
            Ok(e) => Some(e),
            Err(_) => {
                problems.push(FieldProblem::new(
                    "email",
                    format!("{:?} is not an e-mail address", raw.trim()),
                ));
                None
            }
        },
        (None, Some(e)) => Some(e.email.clone()),
        (None, None) => {
            problems.push(FieldProblem::new("email", "is required"));
            None
        }
    };
    let pairs = match (input.pairs, existing) {
        (Some(raw), _) => {
            let mut pairs: Vec<LanguagePair> = Vec::new();
            for (i, p) in raw.iter().enumerate() {
                match LanguagePair::parse(p) {
                    Ok(p) if pairs.contains(&p) => {}
                    Ok(p) => pairs.push(p),
                    Err(e) => problems.push(FieldProblem::new(&format!("pairs[{i}]"), e)),
                }
            }
            if raw.is_empty() {
                problems.push(FieldProblem::new(
                    "pairs",
                    "name at least one pair, e.g. en>ar",
                ));
            }
            pairs
        }
        (None, Some(e)) => e.pairs.clone(),
        (None, None) => {
            problems.push(FieldProblem::new(
                "pairs",
                "is required: name at least one pair, e.g. en>ar",
            ));
            Vec::new()
        }
    };
    let capacity = input.capacity.or(existing.map(|e| e.capacity)).unwrap_or(1);
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        problems.push(FieldProblem::new(
            "capacity",
            format!("must be 1 to {MAX_CAPACITY}"),
        ));
    }
    let status = match input.status {
        Some(raw) => TranslatorStatus::parse(&raw).unwrap_or_else(|| {
            problems.push(FieldProblem::new(
                "status",
                format!("{raw:?} is not active or paused"),
            ));
            TranslatorStatus::Active
        }),
        None => existing.map_or(TranslatorStatus::Active, |e| e.status),
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Translator {
        id: existing.map_or_else(Uuid::now_v7, |e| e.id),
        name,
        email: email.unwrap_or_else(|| unreachable!("checked above")),
        pairs,
        capacity,
        status,
        created_at: existing.map_or(now, |e| e.created_at),
        updated_at: now,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn input() -> TranslatorInput {
        TranslatorInput {
            name: Some(" Layla Nasser ".into()),
            email: Some("Layla@Translators.Example".into()),
            pairs: Some(vec!["en>ar".into(), "fr→ar".into(), "en>ar".into()]),
            capacity: Some(2),
            status: None,
        }
    }

    #[test]
    fn a_translator_is_tidied_and_checked() {
        let t = apply(input(), None, Utc::now()).unwrap();
        assert_eq!(t.name, "Layla Nasser");
        assert_eq!(t.email.as_str(), "Layla@translators.example");
        let pairs: Vec<String> = t.pairs.iter().map(ToString::to_string).collect();
        assert_eq!(pairs, ["en>ar", "fr>ar"], "a pair named twice counts once");
        assert_eq!(t.status, TranslatorStatus::Active);
    }

    #[test]
    fn every_bad_value_is_named() {
        let bad = TranslatorInput {
            name: Some("Layla\r\nBcc: x@y.z".into()),
            email: Some("not an address".into()),
            pairs: Some(vec!["en-ar".into(), "ar>ar".into(), "en>??".into()]),
            capacity: Some(0),
            status: Some("asleep".into()),
        };
        let fields: Vec<String> = apply(bad, None, Utc::now())
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                "name", "email", "pairs[0]", "pairs[1]", "pairs[2]", "capacity", "status"
            ]
        );
        let missing: Vec<String> = apply(TranslatorInput::default(), None, Utc::now())
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(missing, ["name", "email", "pairs"]);
    }

    #[test]
    fn an_edit_keeps_what_it_does_not_name() {
        let t = apply(input(), None, Utc::now()).unwrap();
        let paused = TranslatorInput {
            status: Some("paused".into()),
            ..TranslatorInput::default()
        };
        let after = apply(paused, Some(&t), Utc::now()).unwrap();
        assert_eq!(after.id, t.id);
        assert_eq!(after.pairs, t.pairs);
        assert_eq!(after.status, TranslatorStatus::Paused);
        assert!(!after.can_take(
            &LanguageCode::parse("en").unwrap(),
            &LanguageCode::parse("ar").unwrap(),
            0
        ));
    }

    #[test]
    fn a_pair_covers_regional_variants() {
        let pair = LanguagePair::parse("en>pt").unwrap();
        assert!(pair.covers(
            &LanguageCode::parse("en-GB").unwrap(),
            &LanguageCode::parse("pt-BR").unwrap()
        ));
        assert!(!pair.covers(
            &LanguageCode::parse("en").unwrap(),
            &LanguageCode::parse("es").unwrap()
        ));
    }
}
