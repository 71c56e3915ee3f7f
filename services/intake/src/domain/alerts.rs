//! Alert rules: validation, defaults and duplicate detection.

use chrono::{DateTime, Duration, Utc};
use rrm_contracts::{LanguageCode, Severity};
use rrm_platform::FieldProblem;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a coordinator sends to raise an alert.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAlert {
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    pub severity: Severity,
    /// Target languages; the configured defaults when absent.
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// When the op-eds must be with editors; now + the default budget when absent.
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// The caller's own key for the event: a repeat with the same key returns the first alert.
    #[serde(default)]
    pub dedup_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub alert_id: Uuid,
    pub title: String,
    pub summary: String,
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    pub severity: Severity,
    pub languages: Vec<LanguageCode>,
    pub deadline: DateTime<Utc>,
    pub dedup_key: Option<String>,
    pub raised_by: String,
    pub raised_at: DateTime<Utc>,
}

pub struct Defaults<'a> {
    pub languages: &'a [LanguageCode],
    /// The languages an alert may ask for (by primary subtag): what translation and the editors
    /// cover. Anything else is refused rather than silently never delivered.
    pub supported: &'a [LanguageCode],
    pub deadline_hours: i64,
}

/// Whether `code` is one of the `supported` languages, compared by primary subtag (`zh-Hant` is
/// supported when `zh` is).
pub fn supported(supported: &[LanguageCode], code: &LanguageCode) -> bool {
    supported.iter().any(|s| s.primary() == code.primary())
}

fn tag_list(field: &str, values: &[String], errors: &mut Vec<FieldProblem>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let tag = v.trim().to_lowercase();
        if tag.is_empty()
            || tag.len() > 64
            || !tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(FieldProblem {
                field: field.into(),
                message: format!("{v:?} is not a tag (letters, digits, '-' and '_', at most 64)"),
            });
        } else if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// Checks a new alert and fills in defaults; every problem is reported at once.
pub fn validate(
    input: NewAlert,
    defaults: &Defaults<'_>,
    raised_by: &str,
    now: DateTime<Utc>,
) -> Result<Alert, Vec<FieldProblem>> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: &str| {
        errors.push(FieldProblem {
            field: field.into(),
            message: message.into(),
        })
    };
    let title = input.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        problem("title", "must be 1 to 200 characters");
    }
    if title.chars().any(char::is_control) {
        problem("title", "must be one line of text");
    }
    let summary = input.summary.trim().to_owned();
    if summary.is_empty() || summary.chars().count() > 5000 {
        problem("summary", "must be 1 to 5000 characters");
    }
    let languages = match &input.languages {
        None => defaults.languages.to_vec(),
        Some(list) if list.is_empty() => {
            problem(
                "languages",
                "name at least one language, or leave it out for the defaults",
            );
            Vec::new()
        }
        Some(list) => {
            let mut parsed: Vec<LanguageCode> = Vec::new();
            for raw in list {
                match LanguageCode::parse(raw) {
                    Ok(code) if !supported(defaults.supported, &code) => problem(
                        "languages",
                        &format!(
                            "\"{code}\" is not a supported language; supported are {}",
                            defaults
                                .supported
                                .iter()
                                .map(LanguageCode::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                    Ok(code) if !parsed.contains(&code) => parsed.push(code),
                    Ok(_) => {}
                    Err(e) => problem("languages", &e.to_string()),
                }
            }
            parsed
        }
    };
    let deadline = input
        .deadline
        .unwrap_or(now + Duration::hours(defaults.deadline_hours));
    if deadline <= now {
        problem("deadline", "must be in the future");
    }
    let dedup_key = input
        .dedup_key
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty());
    if dedup_key.as_ref().is_some_and(|k| k.len() > 200) {
        problem("dedup_key", "must be at most 200 characters");
    }
    let regions = tag_list("regions", &input.regions, &mut errors);
    let topics = tag_list("topics", &input.topics, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Alert {
        alert_id: Uuid::now_v7(),
        title,
        summary,
        regions,
        topics,
        severity: input.severity,
        languages,
        deadline,
        dedup_key,
        raised_by: raised_by.to_owned(),
        raised_at: now,
    })
}

/// The keys under which a repeat of `alert` is recognised: the caller's dedup key, and the
/// normalised title with the sorted regions.
pub fn dedup_keys(alert: &Alert) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(k) = &alert.dedup_key {
        keys.push(format!("key:{k}"));
    }
    let title: String = alert
        .title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut regions = alert.regions.clone();
    regions.sort();
    keys.push(format!("title:{title}|{}", regions.join(",")));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(title: &str) -> NewAlert {
        serde_json::from_value(serde_json::json!({
            "title": title, "summary": "Clashes after a burning", "regions": ["Europe"], "topics": ["religion"],
            "severity": "high"
        }))
        .unwrap()
    }

    fn defaults() -> Vec<LanguageCode> {
        ["ar", "en"]
            .iter()
            .map(|l| LanguageCode::parse(l).unwrap())
            .collect()
    }

    /// `validate` with the test's languages (ar, en) as defaults and as the supported ones.
    fn validate_at(alert: NewAlert, now: DateTime<Utc>) -> Result<Alert, Vec<FieldProblem>> {
        let langs = defaults();
        let d = Defaults {
            languages: &langs,
            supported: &langs,
            deadline_hours: 6,
        };
        validate(alert, &d, "desk", now)
    }

    #[test]
    fn defaults_fill_languages_and_deadline() {
        let now = Utc::now();
        let alert = validate_at(input("Burning"), now).unwrap();
        assert_eq!(alert.languages, defaults());
        assert_eq!(alert.deadline, now + Duration::hours(6));
        assert_eq!(alert.regions, vec!["europe"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let mut bad = input("");
        bad.languages = Some(vec!["english".into()]);
        bad.deadline = Some(Utc::now() - Duration::hours(1));
        let errors = validate_at(bad, Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "languages", "deadline"]);
    }

    #[test]
    fn a_language_nobody_can_deliver_is_refused_by_name() {
        let mut asked = input("Burning");
        asked.languages = Some(vec!["xx".into(), "ar".into(), "en-GB".into()]);
        let errors = validate_at(asked, Utc::now()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "languages");
        assert!(
            errors[0]
                .message
                .contains("\"xx\" is not a supported language")
        );
        assert!(errors[0].message.contains("ar, en"));
    }

    #[test]
    fn the_same_event_worded_differently_is_a_duplicate() {
        let a = validate_at(input("Quran burning in Stockholm!"), Utc::now()).unwrap();
        let b = validate_at(input("  quran BURNING in stockholm "), Utc::now()).unwrap();
        assert_eq!(dedup_keys(&a), dedup_keys(&b));
        let c = validate_at(input("Riots in Leicester"), Utc::now()).unwrap();
        assert_ne!(dedup_keys(&a), dedup_keys(&c));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<NewAlert, _> = serde_json::from_value(serde_json::json!({
            "title": "t", "summary": "s", "severity": "low", "priority": 1
        }));
        assert!(r.unwrap_err().to_string().contains("unknown field"));
    }
}
