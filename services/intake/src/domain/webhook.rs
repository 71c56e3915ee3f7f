//! Prometheus Alertmanager's webhook notification (payload `version` "4"), mapped onto rrm
//! alerts. No I/O: [`plan`] turns a notification into what to do per alert.
//!
//! # Mapping
//!
//! Each alert with `status: firing` becomes an rrm alert:
//!
//! | rrm field | from the Alertmanager alert |
//! |---|---|
//! | title | annotation `summary`, else label `alertname` (cut to 200 characters) |
//! | summary | annotation `description`, else the title (cut to 5,000 characters) |
//! | regions | label `region` or `regions`, comma-separated; spaces inside a name become `-` |
//! | topics | label `topic` or `topics`, comma-separated, likewise |
//! | severity | label `severity`: `critical`/`page` → critical; `high`/`error`/`major` → high; `medium`/`warning`/`warn` → medium; `low`/`info`/`minor`/`none` → low; missing or anything else → medium, with a note in the answer |
//! | languages | label `languages`, comma-separated; the configured defaults without it |
//! | dedup key | `am:<groupKey>:<fingerprint>` (`am:<sha256 of groupKey>:<fingerprint>` when that would pass 200 characters) |
//!
//! A re-notification of the same alert (same group key and fingerprint) returns the alert
//! already raised — even once it was cancelled, so Alertmanager's repeats never raise a
//! cancelled event again. An alert with `status: resolved` whose dedup key belongs to an rrm
//! alert is recorded on that alert's timeline ("resolved in Alertmanager"); it does **not**
//! cancel it (only a coordinator decides the op-eds are no longer needed). A resolved alert rrm
//! never saw is ignored.
//!
//! # What is refused
//!
//! Malformed JSON is 400; a `version` other than "4", a missing required field (`version`,
//! `groupKey`, `status`, `alerts`, and each alert's `status`, `labels`, `startsAt`,
//! `fingerprint`), an empty `alerts` list or an alert that maps to an invalid rrm alert is 422,
//! field by field, and nothing of the notification is stored. Fields rrm does not know are
//! **ignored**, unlike rrm's own API: Alertmanager owns this format, and a field added by a later
//! Alertmanager release must not stop alerts from arriving.

use super::alerts::NewAlert;
use chrono::{DateTime, Utc};
use rrm_contracts::Severity;
use rrm_platform::FieldProblem;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The only payload version Alertmanager has sent since 0.16, and the one understood here.
pub const VERSION: &str = "4";

/// The schema of `version`: the one value understood.
fn version_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([VERSION]))
        .description(Some(
            "The payload version; Alertmanager has sent \"4\" since 0.16, and only it is understood.",
        ))
        .build()
}

/// Prometheus Alertmanager's webhook payload, version 4: one notification, a group of alerts.
/// Fields not listed are ignored (Alertmanager owns this format). Firing alerts are raised
/// (title ← annotation `summary` or label `alertname`; summary ← annotation `description`;
/// regions ← label `region`/`regions`; topics ← `topic`/`topics`; severity ← label `severity`,
/// unknown → medium with a note; languages ← label `languages`, comma-separated; dedup key
/// `am:<groupKey>:<fingerprint>`); resolved ones are recorded on their alert's timeline.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AlertmanagerNotification, example = json!({
    "version": "4",
    "groupKey": "{}:{alertname=\"Polarisation\"}",
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "rrm",
    "groupLabels": { "alertname": "Polarisation" },
    "commonLabels": { "alertname": "Polarisation" },
    "commonAnnotations": {},
    "externalURL": "http://alertmanager.example:9093",
    "alerts": [{
        "status": "firing",
        "labels": { "alertname": "Polarisation", "severity": "critical",
                    "regions": "europe, Middle East", "topic": "religion", "languages": "en,fr" },
        "annotations": { "summary": "Holy book burned in Stockholm", "description": "Protests spread." },
        "startsAt": "2026-11-23T09:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": "c6a4b3f2e1d0a9b8"
    }]
}))]
pub struct Notification {
    #[schema(schema_with = version_schema)]
    pub version: String,
    /// Identifies the group; with an alert's fingerprint, it makes the alert's dedup key.
    #[schema(min_length = 1)]
    pub group_key: String,
    /// How many alerts Alertmanager left out (the receiver's `max_alerts`).
    #[serde(default)]
    pub truncated_alerts: u64,
    #[schema(inline)]
    pub status: AmStatus,
    /// The Alertmanager receiver that sent it; logged.
    #[serde(default)]
    pub receiver: String,
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    #[serde(default, rename = "externalURL")]
    pub external_url: String,
    /// At least one.
    #[schema(min_items = 1)]
    pub alerts: Vec<AmAlert>,
}

/// Whether an Alertmanager alert (or the whole group) is firing or resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AmStatus {
    Firing,
    Resolved,
}

/// One alert of an Alertmanager notification.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AlertmanagerAlert)]
pub struct AmAlert {
    #[schema(inline)]
    pub status: AmStatus,
    /// `alertname`, `severity`, `region`/`regions`, `topic`/`topics` and `languages` are read.
    pub labels: BTreeMap<String, String>,
    /// `summary` and `description` are read.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    /// `0001-01-01T00:00:00Z` while firing.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: String,
    /// Identifies the alert within its group.
    #[schema(min_length = 1, example = "c6a4b3f2e1d0a9b8")]
    pub fingerprint: String,
}

/// What to do with one alert of a notification.
#[derive(Debug, Clone)]
pub enum Step {
    /// Raise this alert, unless its dedup key (or title and regions) is known already.
    Raise {
        fingerprint: String,
        alert: NewAlert,
        notes: Vec<String>,
    },
    /// Record the resolution on the alert holding `dedup_key`, if any.
    Resolve {
        fingerprint: String,
        dedup_key: String,
        ends_at: Option<DateTime<Utc>>,
    },
}

/// `am:<groupKey>:<fingerprint>`, or with the group key's SHA-256 when that would be too long.
pub fn dedup_key(group_key: &str, fingerprint: &str) -> String {
    let key = format!("am:{group_key}:{fingerprint}");
    if key.chars().count() <= 200 {
        key
    } else {
        format!(
            "am:{}:{fingerprint}",
            rrm_platform::auth::token_hash(group_key)
        )
    }
}

/// Rrm's severity for Alertmanager's `severity` label, or `None` when it has no counterpart.
pub fn severity(label: &str) -> Option<Severity> {
    Some(match label.trim().to_lowercase().as_str() {
        "critical" | "page" => Severity::Critical,
        "high" | "error" | "major" => Severity::High,
        "medium" | "warning" | "warn" => Severity::Medium,
        "low" | "info" | "minor" | "none" => Severity::Low,
        _ => return None,
    })
}

fn list(labels: &BTreeMap<String, String>, one: &str, many: &str) -> Vec<String> {
    [one, many]
        .iter()
        .filter_map(|name| labels.get(*name))
        .flat_map(|v| v.split(','))
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join("-"))
        .filter(|v| !v.is_empty())
        .collect()
}

fn cut(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// Checks a notification and plans each of its alerts; every problem is reported at once,
/// named as a path in the payload (`alerts[0].fingerprint`).
pub fn plan(notification: &Notification) -> Result<Vec<Step>, Vec<FieldProblem>> {
    let mut errors = Vec::new();
    let mut problem = |field: String, message: &str| {
        errors.push(FieldProblem {
            field,
            message: message.into(),
        })
    };
    if notification.version != VERSION {
        problem(
            "version".into(),
            "must be \"4\", Alertmanager's webhook payload version",
        );
    }
    if notification.group_key.is_empty() {
        problem("groupKey".into(), "must not be empty");
    }
    if notification.alerts.is_empty() {
        problem("alerts".into(), "must hold at least one alert");
    }
    let mut steps = Vec::new();
    for (i, am) in notification.alerts.iter().enumerate() {
        let fingerprint = am.fingerprint.trim().to_owned();
        if fingerprint.is_empty() {
            problem(format!("alerts[{i}].fingerprint"), "must not be empty");
            continue;
        }
        let dedup_key = dedup_key(&notification.group_key, &fingerprint);
        if am.status == AmStatus::Resolved {
            steps.push(Step::Resolve {
                fingerprint,
                dedup_key,
                ends_at: am.ends_at,
            });
            continue;
        }
        let title = am
            .annotations
            .get("summary")
            .or_else(|| am.labels.get("alertname"))
            .map(|t| cut(t, 200))
            .unwrap_or_default();
        if title.is_empty() {
            problem(
                format!("alerts[{i}].annotations.summary"),
                "an alert needs an annotation summary or a label alertname for its title",
            );
            continue;
        }
        let summary = am
            .annotations
            .get("description")
            .map(|d| cut(d, 5000))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| title.clone());
        let mut notes = Vec::new();
        let severity = match am.labels.get("severity") {
            Some(label) => severity(label).unwrap_or_else(|| {
                notes.push(format!(
                    "severity {label:?} has no rrm counterpart; raised as medium"
                ));
                Severity::Medium
            }),
            None => {
                notes.push("no severity label; raised as medium".into());
                Severity::Medium
            }
        };
        let languages = am.labels.get("languages").map(|l| {
            l.split(',')
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        });
        steps.push(Step::Raise {
            fingerprint,
            alert: NewAlert {
                title,
                summary,
                regions: list(&am.labels, "region", "regions"),
                topics: list(&am.labels, "topic", "topics"),
                severity,
                languages,
                deadline: None,
                dedup_key: Some(dedup_key),
            },
            notes,
        });
    }
    if errors.is_empty() {
        Ok(steps)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A notification as Alertmanager's documentation shows it.
    pub fn notification(status: &str) -> Notification {
        serde_json::from_value(serde_json::json!({
            "version": "4",
            "groupKey": "{}:{alertname=\"Polarisation\"}",
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "rrm",
            "groupLabels": { "alertname": "Polarisation" },
            "commonLabels": { "alertname": "Polarisation" },
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.example:9093",
            "alerts": [{
                "status": status,
                "labels": { "alertname": "Polarisation", "severity": "critical",
                            "regions": "europe, Middle East", "topic": "religion", "languages": "en,fr" },
                "annotations": { "summary": "Holy book burned in Stockholm", "description": "Protests spread." },
                "startsAt": "2026-11-23T09:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": "c6a4b3f2e1d0a9b8"
            }]
        }))
        .unwrap()
    }

    #[test]
    fn a_firing_alert_maps_onto_an_rrm_alert() {
        let steps = plan(&notification("firing")).unwrap();
        let Step::Raise { alert, notes, .. } = &steps[0] else {
            panic!("{steps:?}")
        };
        assert_eq!(alert.title, "Holy book burned in Stockholm");
        assert_eq!(alert.summary, "Protests spread.");
        assert_eq!(alert.regions, ["europe", "Middle-East"]);
        assert_eq!(alert.topics, ["religion"]);
        assert_eq!(alert.severity, Severity::Critical);
        assert_eq!(
            alert.languages.as_deref(),
            Some(&["en".into(), "fr".into()][..])
        );
        assert_eq!(
            alert.dedup_key.as_deref(),
            Some("am:{}:{alertname=\"Polarisation\"}:c6a4b3f2e1d0a9b8")
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn without_annotations_the_alertname_is_title_and_summary() {
        let mut n = notification("firing");
        n.alerts[0].annotations.clear();
        n.alerts[0]
            .labels
            .insert("severity".into(), "disaster".into());
        let Step::Raise { alert, notes, .. } = &plan(&n).unwrap()[0] else {
            panic!()
        };
        assert_eq!(
            (alert.title.as_str(), alert.summary.as_str()),
            ("Polarisation", "Polarisation")
        );
        assert_eq!(alert.severity, Severity::Medium);
        assert!(notes[0].contains("disaster"), "{notes:?}");
    }

    #[test]
    fn severities_map_onto_rrms_four() {
        assert_eq!(severity("warning"), Some(Severity::Medium));
        assert_eq!(severity("INFO"), Some(Severity::Low));
        assert_eq!(severity("error"), Some(Severity::High));
        assert_eq!(severity("page"), Some(Severity::Critical));
        assert_eq!(severity("whatever"), None);
    }

    #[test]
    fn a_resolved_alert_is_a_resolution_not_a_raise() {
        let steps = plan(&notification("resolved")).unwrap();
        assert!(
            matches!(&steps[0], Step::Resolve { dedup_key, .. } if dedup_key.starts_with("am:"))
        );
    }

    #[test]
    fn another_version_or_a_nameless_alert_is_refused_field_by_field() {
        let mut n = notification("firing");
        n.version = "3".into();
        n.alerts[0].annotations.clear();
        n.alerts[0].labels.clear();
        let fields: Vec<String> = plan(&n).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["version", "alerts[0].annotations.summary"]);
    }

    #[test]
    fn a_long_group_key_is_hashed_into_the_dedup_key() {
        let key = dedup_key(&"x".repeat(300), "abc");
        assert!(
            key.len() <= 200 && key.ends_with(":abc") && key.starts_with("am:"),
            "{key}"
        );
    }
}
