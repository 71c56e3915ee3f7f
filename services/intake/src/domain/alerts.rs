//! Alert rules: validation, defaults and duplicate detection.

use chrono::{DateTime, Duration, Utc};
use rrm_contracts::{LanguageCode, Severity};
use rrm_platform::FieldProblem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a coordinator sends to raise an alert. Fields not listed are refused.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Holy book burned in Stockholm",
    "summary": "Protests spread after a burning outside a mosque.",
    "regions": ["europe"],
    "topics": ["religion"],
    "severity": "high",
    "languages": ["ar", "en"],
    "deadline": "2026-11-23T15:00:00Z",
    "dedup_key": "stockholm-2026-11-23"
}))]
pub struct NewAlert {
    /// One line of text, trimmed.
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Holy book burned in Stockholm"
    )]
    pub title: String,
    /// Trimmed.
    #[schema(min_length = 1, max_length = 5000)]
    pub summary: String,
    /// Tags of letters, digits, `-` and `_` (at most 64 characters each), lower-cased;
    /// duplicates are dropped.
    #[serde(default)]
    #[schema(example = json!(["europe"]))]
    pub regions: Vec<String>,
    /// Tags, as `regions`.
    #[serde(default)]
    #[schema(example = json!(["religion"]))]
    pub topics: Vec<String>,
    #[schema(inline)]
    pub severity: Severity,
    /// Target languages, BCP 47 codes (e.g. ar, en, zh-Hant) of supported languages; the
    /// configured defaults when absent (default: ar, en, es, fr, ru, zh).
    #[serde(default)]
    #[schema(min_items = 1, example = json!(["ar", "en"]))]
    pub languages: Option<Vec<String>>,
    /// When the op-eds must be with editors, in the future; now + the default budget when absent
    /// (default: now + 6 h).
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// The caller's own key for the event: a repeat with the same key returns the first alert.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub dedup_key: Option<String>,
}

/// An alert as stored, and as a listing shows it (without its timeline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = ListedAlert)]
pub struct Alert {
    pub alert_id: Uuid,
    /// As raised, trimmed.
    #[schema(example = "Holy book burned in Stockholm")]
    pub title: String,
    pub summary: String,
    /// Region tags, lower-case.
    #[schema(example = json!(["europe"]))]
    pub regions: Vec<String>,
    /// Topic tags, lower-case.
    #[schema(example = json!(["religion"]))]
    pub topics: Vec<String>,
    #[schema(inline)]
    pub severity: Severity,
    /// The languages the op-eds are delivered in.
    #[schema(example = json!(["ar", "en"]))]
    pub languages: Vec<LanguageCode>,
    /// When the op-eds must be with editors.
    pub deadline: DateTime<Utc>,
    /// The caller's key for the event, if it gave one (`am:…` for Alertmanager's alerts).
    #[schema(required = true)]
    pub dedup_key: Option<String>,
    /// The name of the coordinator token that raised it.
    #[schema(example = "desk")]
    pub raised_by: String,
    pub raised_at: DateTime<Utc>,
    /// `open` until a coordinator cancels it; alerts stored before cancelling existed are open.
    #[serde(default)]
    #[schema(inline, required = true)]
    pub status: AlertStatus,
    /// Who cancelled the alert, when and why; present once cancelled, absent while it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
}

/// Whether an alert still needs its op-eds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    #[default]
    Open,
    Cancelled,
}

impl AlertStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "open" => Some(Self::Open),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// Who cancelled an alert, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cancellation {
    #[schema(example = "raised by mistake")]
    pub reason: String,
    /// The name of the coordinator token that cancelled it.
    pub cancelled_by: String,
    pub cancelled_at: DateTime<Utc>,
}

/// What a coordinator sends to cancel an alert. Fields not listed are refused.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelAlert {
    /// Why the op-eds are no longer needed, trimmed.
    #[schema(min_length = 1, max_length = 500, example = "raised by mistake")]
    pub reason: String,
}

/// Why an alert cannot be cancelled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CancelError {
    #[error("the alert was already cancelled")]
    AlreadyCancelled,
}

/// The reason for a cancellation, trimmed: 1 to 500 characters.
pub fn cancel_reason(input: CancelAlert) -> Result<String, Vec<FieldProblem>> {
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(vec![FieldProblem {
            field: "reason".into(),
            message: "must be 1 to 500 characters".into(),
        }]);
    }
    Ok(reason)
}

/// `alert`, cancelled by `by` for `reason`. An alert is cancelled once: cancelling is final, and
/// nothing that happens later reopens it.
pub fn cancel(
    alert: Alert,
    reason: String,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Alert, CancelError> {
    if alert.status == AlertStatus::Cancelled {
        return Err(CancelError::AlreadyCancelled);
    }
    Ok(Alert {
        status: AlertStatus::Cancelled,
        cancellation: Some(Cancellation {
            reason,
            cancelled_by: by.to_owned(),
            cancelled_at: now,
        }),
        ..alert
    })
}

/// Which alerts a listing shows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ListFilter {
    pub status: Option<AlertStatus>,
    /// Raised at or after.
    pub since: Option<DateTime<Utc>>,
}

/// What a listing, reading alerts newest first, does with the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Take,
    Skip,
    /// Every alert from here on is older than wanted: stop reading.
    Stop,
}

impl ListFilter {
    /// Alerts are read in id order, and an id (UUIDv7) is taken just after the alert's
    /// `raised_at` on the same clock; two alerts raised within a second may still swap places,
    /// so reading stops only a second past `since`.
    pub fn verdict(&self, alert: &Alert) -> Verdict {
        if let Some(since) = self.since
            && alert.raised_at < since
        {
            return if alert.raised_at < since - Duration::seconds(1) {
                Verdict::Stop
            } else {
                Verdict::Skip
            };
        }
        match self.status {
            Some(status) if alert.status != status => Verdict::Skip,
            _ => Verdict::Take,
        }
    }
}

/// Whether `existing`, found under dedup `key`, is what a new alert repeats: always for the
/// caller's own key, within `window` for the same title and regions; never once cancelled (a
/// coordinator raising the event again after cancelling it means a new alert).
pub fn repeats(existing: &Alert, key: &str, now: DateTime<Utc>, window: Duration) -> bool {
    existing.status == AlertStatus::Open
        && (key.starts_with("key:") || now - existing.raised_at < window)
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
        status: AlertStatus::Open,
        cancellation: None,
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
    fn an_alert_is_cancelled_once_and_stays_cancelled() {
        let now = Utc::now();
        let open = validate_at(input("Burning"), now).unwrap();
        let cancelled = cancel(open, "raised by mistake".into(), "desk", now).unwrap();
        assert_eq!(cancelled.status, AlertStatus::Cancelled);
        assert_eq!(
            cancelled.cancellation.as_ref().unwrap().reason,
            "raised by mistake"
        );
        assert_eq!(
            cancel(cancelled, "again".into(), "desk", now).unwrap_err(),
            CancelError::AlreadyCancelled
        );
    }

    #[test]
    fn a_cancel_reason_is_one_to_five_hundred_characters() {
        let reason = |r: &str| cancel_reason(CancelAlert { reason: r.into() });
        assert_eq!(reason("  mistake ").unwrap(), "mistake");
        assert!(reason("   ").is_err());
        assert!(reason(&"x".repeat(500)).is_ok());
        assert_eq!(reason(&"x".repeat(501)).unwrap_err()[0].field, "reason");
    }

    #[test]
    fn a_cancelled_alert_is_not_what_a_new_one_repeats() {
        let now = Utc::now();
        let open = validate_at(input("Burning"), now).unwrap();
        assert!(repeats(
            &open,
            "title:burning|europe",
            now,
            Duration::hours(24)
        ));
        assert!(!repeats(
            &open,
            "title:burning|europe",
            now + Duration::hours(25),
            Duration::hours(24)
        ));
        assert!(repeats(
            &open,
            "key:x",
            now + Duration::hours(25),
            Duration::hours(24)
        ));
        let cancelled = cancel(open, "mistake".into(), "desk", now).unwrap();
        assert!(!repeats(&cancelled, "key:x", now, Duration::hours(24)));
    }

    #[test]
    fn an_alert_stored_before_cancelling_existed_reads_as_open() {
        let now = Utc::now();
        let mut old = serde_json::to_value(validate_at(input("Burning"), now).unwrap()).unwrap();
        old.as_object_mut().unwrap().remove("status");
        let alert: Alert = serde_json::from_value(old).unwrap();
        assert_eq!(alert.status, AlertStatus::Open);
    }

    #[test]
    fn a_listing_skips_other_statuses_and_stops_past_since() {
        let now = Utc::now();
        let alert = validate_at(input("Burning"), now).unwrap();
        let open = ListFilter {
            status: Some(AlertStatus::Open),
            since: None,
        };
        assert_eq!(open.verdict(&alert), Verdict::Take);
        let cancelled = ListFilter {
            status: Some(AlertStatus::Cancelled),
            since: None,
        };
        assert_eq!(cancelled.verdict(&alert), Verdict::Skip);
        let since = |t| ListFilter {
            status: None,
            since: Some(t),
        };
        assert_eq!(since(now).verdict(&alert), Verdict::Take);
        assert_eq!(
            since(now + Duration::milliseconds(500)).verdict(&alert),
            Verdict::Skip
        );
        assert_eq!(
            since(now + Duration::hours(1)).verdict(&alert),
            Verdict::Stop
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<NewAlert, _> = serde_json::from_value(serde_json::json!({
            "title": "t", "summary": "s", "severity": "low", "priority": 1
        }));
        assert!(r.unwrap_err().to_string().contains("unknown field"));
    }
}
