//! Wire types of rrm's events.
//!
//! # Layout
//! - [`Envelope`]: the versioned JSON envelope every message travels in.
//! - [`Event`]: the typed union of all v1 payloads; [`EventType`] names them (and is the routing key).
//! - [`values`]: small parsed values shared by payloads (language codes, e-mail addresses).
//!
//! See this crate's README for how a schema evolves.

pub mod values;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use values::{EmailAddress, LanguageCode, ValueError};

/// The schema version every payload in this crate is written at.
pub const SCHEMA_VERSION: u16 = 1;

/// The envelope every event travels in on the bus. Fields it does not know are ignored, so an
/// optional field can be added to it without a new version (see the README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// UUIDv7: unique per event and roughly time-ordered; consumers deduplicate on it.
    pub id: Uuid,
    /// The event type, e.g. `alert.raised`; also the routing key.
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: u16,
    pub occurred_at: DateTime<Utc>,
    /// The service that emitted the event.
    pub producer: String,
    /// The alert this event belongs to; `None` for events outside any alert (credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Uuid>,
    /// The event that caused this one, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    pub payload: serde_json::Value,
}

/// Why a message could not be turned into an [`Event`]. All three are permanent: the message goes
/// to the dead-letter queue and is never retried as it is.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("message is not a valid envelope: {0}")]
    Malformed(#[source] serde_json::Error),
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    #[error("unsupported schema version {version} for {event_type}")]
    UnsupportedVersion { event_type: String, version: u16 },
    #[error("payload of {event_type} does not match its schema: {source}")]
    BadPayload {
        event_type: String,
        #[source]
        source: serde_json::Error,
    },
}

impl Envelope {
    /// Wraps `event` in a new envelope with a fresh UUIDv7 and the current time.
    pub fn new(
        event: &Event,
        producer: &str,
        correlation_id: Option<Uuid>,
        causation_id: Option<Uuid>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            event_type: event.event_type().as_str().to_owned(),
            schema_version: SCHEMA_VERSION,
            occurred_at: Utc::now(),
            producer: producer.to_owned(),
            correlation_id,
            causation_id,
            payload: event.payload_json(),
        }
    }

    /// A new envelope caused by `self`: same correlation id, `causation_id = self.id`.
    pub fn caused(&self, event: &Event, producer: &str) -> Self {
        Self::new(event, producer, self.correlation_id, Some(self.id))
    }

    /// Parses raw message bytes into an envelope (not yet the typed payload).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        serde_json::from_slice(bytes).map_err(DecodeError::Malformed)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // An envelope is plain data (strings, numbers, a JSON value): serialising it cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The typed payload, checked against the type and schema version this build understands.
    pub fn decode(&self) -> Result<Event, DecodeError> {
        let Some(kind) = EventType::parse(&self.event_type) else {
            return Err(DecodeError::UnknownType(self.event_type.clone()));
        };
        if self.schema_version != SCHEMA_VERSION {
            return Err(DecodeError::UnsupportedVersion {
                event_type: self.event_type.clone(),
                version: self.schema_version,
            });
        }
        Event::from_payload(kind, self.payload.clone()).map_err(|source| DecodeError::BadPayload {
            event_type: self.event_type.clone(),
            source,
        })
    }
}

macro_rules! events {
    ($( $variant:ident ( $payload:ident ) = $name:literal ),+ $(,)?) => {
        /// Every event type; its string form is the routing key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType { $( $variant ),+ }

        impl EventType {
            pub const ALL: &'static [EventType] = &[ $( EventType::$variant ),+ ];

            pub const fn as_str(self) -> &'static str {
                match self { $( EventType::$variant => $name ),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $( $name => Some(EventType::$variant), )+ _ => None }
            }
        }

        /// A typed event payload.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub enum Event { $( $variant($payload) ),+ }

        impl Event {
            pub fn event_type(&self) -> EventType {
                match self { $( Event::$variant(_) => EventType::$variant ),+ }
            }

            fn payload_json(&self) -> serde_json::Value {
                // Payloads are plain data: serialising them cannot fail.
                match self { $( Event::$variant(p) => serde_json::to_value(p).unwrap_or_default() ),+ }
            }

            fn from_payload(kind: EventType, value: serde_json::Value) -> Result<Self, serde_json::Error> {
                Ok(match kind { $( EventType::$variant => Event::$variant(serde_json::from_value(value)?) ),+ })
            }
        }
    };
}

events! {
    AlertRaised(AlertRaised) = "alert.raised",
    AlertCancelled(AlertCancelled) = "alert.cancelled",
    CoordinatorTokenIssued(CoordinatorTokenIssued) = "coordinator.token_issued",
    CoordinatorTokenRevoked(CoordinatorTokenRevoked) = "coordinator.token_revoked",
    PanelMobilized(PanelMobilized) = "panel.mobilized",
    MemberResponded(MemberResponded) = "member.responded",
    PanelFormed(PanelFormed) = "panel.formed",
    MemberReminded(MemberReminded) = "member.reminded",
    PanelShortfall(PanelShortfall) = "panel.shortfall",
    CosignerJoined(CosignerJoined) = "panel.cosigner_joined",
    DraftVersionCreated(DraftVersionCreated) = "draft.version_created",
    DraftSubmitted(DraftSubmitted) = "draft.submitted",
    SignatureRecorded(SignatureRecorded) = "signature.recorded",
    SignatureWithdrawn(SignatureWithdrawn) = "signature.withdrawn",
    ChangesRequested(ChangesRequested) = "draft.changes_requested",
    SignaturesReminded(SignaturesReminded) = "signature.reminded",
    OpedApproved(OpedApproved) = "oped.approved",
    OpedCorrected(OpedCorrected) = "oped.corrected",
    OpedWithdrawn(OpedWithdrawn) = "oped.withdrawn",
    TranslationCompleted(TranslationCompleted) = "translation.completed",
    TranslationFailed(TranslationFailed) = "translation.failed",
    DistributionCompleted(DistributionCompleted) = "distribution.completed",
    StageOverdue(StageOverdue) = "alert.stage_overdue",
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How grave an alert's event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// A coordinator raised an alert about an event that threatens to polarise societies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRaised {
    pub alert_id: Uuid,
    pub title: String,
    pub summary: String,
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    pub severity: Severity,
    /// Languages the op-eds must reach editors in.
    pub languages: Vec<LanguageCode>,
    /// When the op-eds must be in editors' inboxes.
    pub deadline: DateTime<Utc>,
    /// Name of the coordinator (credential) who raised it.
    pub raised_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertCancelled {
    pub alert_id: Uuid,
    pub reason: String,
}

/// A coordinator credential exists; every service stores the hash to authenticate locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoordinatorTokenIssued {
    pub token_id: Uuid,
    /// Who holds it (shown in timelines as the actor).
    pub name: String,
    /// Lower-case hex SHA-256 of the bearer token; the token itself never travels.
    pub token_sha256: String,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoordinatorTokenRevoked {
    pub token_id: Uuid,
}

/// A member of the network as events carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelMember {
    pub member_id: Uuid,
    pub name: String,
    pub email: EmailAddress,
    /// The cultural, religious or national lines the member writes from.
    pub line: String,
    /// How they sign, after their name: title and affiliation (`Professor, University of
    /// Beirut`); empty when the roster has neither.
    #[serde(default)]
    pub signs_as: String,
}

/// Members were invited to write on an alert: the first ones, an alternate, or one a
/// coordinator named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelMobilized {
    pub alert_id: Uuid,
    pub panel_id: Uuid,
    pub invited: Vec<PanelMember>,
    /// Why these members, in words (scores and their reasons, whom an alternate replaces).
    #[serde(default)]
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberResponded {
    pub alert_id: Uuid,
    pub panel_id: Uuid,
    pub member_id: Uuid,
    pub accepted: bool,
    #[serde(default)]
    pub name: String,
    /// What they wrote with their answer.
    #[serde(default)]
    pub note: Option<String>,
}

/// An invited member had not answered by half the mobilisation budget: they were reminded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberReminded {
    pub alert_id: Uuid,
    pub panel_id: Uuid,
    pub member_id: Uuid,
    pub name: String,
}

/// The panel cannot form from the roster as it is (too few members, too few lines, the pool of
/// alternates ran dry): coordinators must step in. Said once per panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelShortfall {
    pub alert_id: Uuid,
    pub panel_id: Uuid,
    /// What is missing, in words.
    pub reason: String,
}

/// A member accepted after the panel formed: they co-sign the op-ed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CosignerJoined {
    pub alert_id: Uuid,
    pub panel_id: Uuid,
    pub member: PanelMember,
}

/// Enough members accepted, across at least two lines: they are the authors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelFormed {
    pub alert_id: Uuid,
    pub panel_id: Uuid,
    pub title: String,
    pub summary: String,
    pub languages: Vec<LanguageCode>,
    pub deadline: DateTime<Utc>,
    pub authors: Vec<PanelMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftVersionCreated {
    pub alert_id: Uuid,
    pub draft_id: Uuid,
    /// Lower-case hex SHA-256 of the version's text; identifies the version.
    pub version_hash: String,
    /// The author who saved it; `None` when a coordinator did.
    pub author_id: Option<Uuid>,
}

/// A version went out for signature: every author was sent a link bound to its hash. A new
/// version afterwards voids the round; the next submission starts another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftSubmitted {
    pub alert_id: Uuid,
    pub draft_id: Uuid,
    pub version_hash: String,
    /// The signing round (1 for the first submission of the draft).
    pub round: u32,
    /// How many signatures the round needs.
    pub signatories: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureRecorded {
    pub alert_id: Uuid,
    pub draft_id: Uuid,
    pub version_hash: String,
    pub member_id: Uuid,
}

/// A signatory withdrew their signature from the version out for signature, before approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureWithdrawn {
    pub alert_id: Uuid,
    pub draft_id: Uuid,
    pub version_hash: String,
    pub member_id: Uuid,
    pub name: String,
}

/// A signatory answered the version out for signature with "change this" instead of signing.
/// The comment is shown to the authors and on the alert's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangesRequested {
    pub alert_id: Uuid,
    pub draft_id: Uuid,
    pub version_hash: String,
    pub member_id: Uuid,
    pub name: String,
    pub comment: String,
}

/// The signatories who had not signed the version out for signature were reminded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignaturesReminded {
    pub alert_id: Uuid,
    pub draft_id: Uuid,
    pub version_hash: String,
    /// The names of those reminded.
    pub names: Vec<String>,
}

/// The signature manifest of an approved (or corrected) version: who signed exactly which text,
/// signed with drafting's Ed25519 key so that an editor can check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedManifest {
    /// The manifest's JSON, byte for byte as signed (and as served at `url`).
    pub manifest: String,
    /// The Ed25519 signature of `manifest`'s bytes, standard base64.
    pub signature: String,
    /// Which of drafting's keys signed it.
    pub key_id: String,
    /// Where the manifest is published (its signature at `url` + `.sig`).
    pub url: String,
    /// Where the public key is published (PEM).
    pub public_key_url: String,
}

/// A signatory as printed under an op-ed. Names are never translated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signatory {
    pub member_id: Uuid,
    pub name: String,
    pub line: String,
    /// How they sign, after their name (see [`PanelMember::signs_as`]).
    #[serde(default)]
    pub signs_as: String,
    pub signed_at: DateTime<Utc>,
}

/// Every author signed the same version: the op-ed is final in its source language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpedApproved {
    pub alert_id: Uuid,
    pub oped_id: Uuid,
    pub title: String,
    /// The lines under the title that sum the op-ed up, as signed; empty when there are none.
    #[serde(default)]
    pub standfirst: String,
    /// Markdown body as signed.
    pub body: String,
    pub source_language: LanguageCode,
    pub target_languages: Vec<LanguageCode>,
    /// SHA-256 of the signed text (see drafting's version hashing).
    pub version_hash: String,
    pub signatories: Vec<Signatory>,
    /// Not to be published before this time.
    #[serde(default)]
    pub embargo_until: Option<DateTime<Utc>>,
    /// Who signed exactly this text, signed by drafting.
    #[serde(default)]
    pub manifest: Option<SignedManifest>,
}

/// A coordinator corrected an approved op-ed: the corrected text replaces it everywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpedCorrected {
    pub alert_id: Uuid,
    pub oped_id: Uuid,
    pub title: String,
    pub body: String,
    pub version_hash: String,
    /// What changed, for editors.
    pub note: String,
    #[serde(default)]
    pub standfirst: String,
    /// The corrected version's signatories: those who signed it again, or (when authors are
    /// notified instead) those of the approved version.
    #[serde(default)]
    pub signatories: Vec<Signatory>,
    /// The corrected version's signature manifest.
    #[serde(default)]
    pub manifest: Option<SignedManifest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpedWithdrawn {
    pub alert_id: Uuid,
    pub oped_id: Uuid,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranslationMethod {
    /// The op-ed's own language: no translation needed.
    Source,
    Machine,
    Human,
    MachineReviewed,
}

/// One language of an op-ed is ready for editors.
/// Purposes of the signed links one service issues and another answers.
pub mod links {
    /// A signatory's link to the back-translations of their op-ed: drafting signs it (subject
    /// the member, object the op-ed id), translation's page answers it.
    pub const CHECK_TRANSLATIONS: &str = "check-translations";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranslationCompleted {
    pub alert_id: Uuid,
    pub oped_id: Uuid,
    pub language: LanguageCode,
    pub title: String,
    pub body: String,
    /// Hash of the signed source version this translation was made from.
    pub source_version_hash: String,
    pub signatories: Vec<Signatory>,
    pub method: TranslationMethod,
    #[serde(default)]
    pub embargo_until: Option<DateTime<Utc>>,
    /// The standfirst in this language; empty when the op-ed has none.
    #[serde(default)]
    pub standfirst: String,
    /// Where the signature manifest of the source version is published, for editors to check.
    #[serde(default)]
    pub manifest_url: Option<String>,
    /// The translator credited, by name, when a person translated or reviewed it.
    #[serde(default)]
    pub translator: Option<String>,
}

/// One language of an op-ed could not be translated: every provider refused it, or its deadline
/// passed while none delivered. Nothing more happens for that language unless people step in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranslationFailed {
    pub alert_id: Uuid,
    pub oped_id: Uuid,
    pub language: LanguageCode,
    /// Each provider's last error, or the deadline passed.
    pub reason: String,
    /// Tries of the job, the failing one included.
    pub attempts: u32,
}

/// Every editor of one language was sent the op-ed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistributionCompleted {
    pub alert_id: Uuid,
    pub oped_id: Uuid,
    pub language: LanguageCode,
    pub recipients: u64,
}

/// The stages of an alert's pipeline, in order. Each has its own time budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PipelineStage {
    /// From the alert to a panel formed (`panel.formed`).
    Mobilisation,
    /// From the panel to a version submitted for signature (`draft.submitted`).
    Drafting,
    /// From the submission to every signature (`oped.approved`).
    Signatures,
    /// From the approval to every target language translated (`translation.completed`).
    Translation,
    /// From the first translation to every language distributed (`distribution.completed`).
    Distribution,
}

impl PipelineStage {
    pub const ALL: [PipelineStage; 5] = [
        Self::Mobilisation,
        Self::Drafting,
        Self::Signatures,
        Self::Translation,
        Self::Distribution,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mobilisation => "mobilisation",
            Self::Drafting => "drafting",
            Self::Signatures => "signatures",
            Self::Translation => "translation",
            Self::Distribution => "distribution",
        }
    }

    /// The stage's position in the pipeline, from 0.
    pub fn index(self) -> usize {
        Self::ALL
            .iter()
            .position(|s| *s == self)
            .unwrap_or_default()
    }
}

impl std::fmt::Display for PipelineStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage of an alert ran past its budget without finishing. Intake's clock publishes it once
/// per alert and stage; other services may react (reminders, alternates, escalation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageOverdue {
    pub alert_id: Uuid,
    pub stage: PipelineStage,
    pub started_at: DateTime<Utc>,
    /// When the stage should have finished: its start plus its budget, never past the deadline.
    pub due_at: DateTime<Utc>,
    /// The alert's deadline.
    pub deadline: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_alert() -> Event {
        Event::AlertRaised(AlertRaised {
            alert_id: Uuid::now_v7(),
            title: "Burning of a holy book".into(),
            summary: "Protests spread".into(),
            regions: vec!["europe".into()],
            topics: vec!["religion".into()],
            severity: Severity::High,
            languages: vec![
                LanguageCode::parse("en").unwrap(),
                LanguageCode::parse("ar").unwrap(),
            ],
            deadline: Utc::now(),
            raised_by: "coordinator".into(),
        })
    }

    #[test]
    fn an_envelope_survives_a_round_trip_through_json() {
        let event = sample_alert();
        let envelope = Envelope::new(&event, "intake", Some(Uuid::now_v7()), None);

        let back = Envelope::from_bytes(&envelope.to_bytes()).unwrap();

        assert_eq!(back, envelope);
        assert_eq!(back.decode().unwrap(), event);
        assert_eq!(back.event_type, "alert.raised");
    }

    #[test]
    fn every_event_type_round_trips_its_name() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(EventType::ALL.len(), 23);
    }

    #[test]
    fn an_unknown_type_is_refused_not_guessed() {
        let mut envelope = Envelope::new(&sample_alert(), "intake", None, None);
        envelope.event_type = "alert.exploded".into();
        assert!(matches!(
            envelope.decode(),
            Err(DecodeError::UnknownType(_))
        ));
    }

    #[test]
    fn a_future_schema_version_is_refused() {
        let mut envelope = Envelope::new(&sample_alert(), "intake", None, None);
        envelope.schema_version = 2;
        assert!(matches!(
            envelope.decode(),
            Err(DecodeError::UnsupportedVersion { version: 2, .. })
        ));
    }

    #[test]
    fn a_payload_that_does_not_match_its_type_is_refused() {
        let mut envelope = Envelope::new(&sample_alert(), "intake", None, None);
        envelope.payload = serde_json::json!({"alert_id": "not a uuid"});
        assert!(matches!(
            envelope.decode(),
            Err(DecodeError::BadPayload { .. })
        ));
    }

    #[test]
    fn garbage_bytes_are_malformed() {
        assert!(matches!(
            Envelope::from_bytes(b"\xff not json"),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn the_envelope_is_written_with_the_documented_field_names() {
        let envelope = Envelope::new(
            &sample_alert(),
            "intake",
            Some(Uuid::now_v7()),
            Some(Uuid::now_v7()),
        );
        let json = serde_json::to_value(&envelope).unwrap();
        for field in [
            "id",
            "type",
            "schema_version",
            "occurred_at",
            "producer",
            "correlation_id",
            "causation_id",
            "payload",
        ] {
            assert!(json.get(field).is_some(), "missing {field}");
        }
        assert_eq!(envelope.id.get_version_num(), 7);
    }

    fn member() -> PanelMember {
        PanelMember {
            member_id: Uuid::now_v7(),
            name: "Amina Haddad".into(),
            email: EmailAddress::parse("amina@members.example").unwrap(),
            line: "Muslim · Arab world".into(),
            signs_as: String::new(),
        }
    }

    fn signatory() -> Signatory {
        Signatory {
            member_id: Uuid::now_v7(),
            name: "David Levin".into(),
            line: "Jewish · Europe".into(),
            signs_as: String::new(),
            signed_at: Utc::now(),
        }
    }

    /// One event of every type, with every optional field set.
    fn one_of_each() -> Vec<Event> {
        let (alert_id, id) = (Uuid::now_v7(), Uuid::now_v7());
        let en = LanguageCode::parse("en").unwrap();
        let ar = LanguageCode::parse("ar").unwrap();
        let hash = "c4".repeat(32);
        vec![
            sample_alert(),
            Event::AlertCancelled(AlertCancelled {
                alert_id,
                reason: "raised by mistake".into(),
            }),
            Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
                token_id: id,
                name: "desk".into(),
                token_sha256: "ab".repeat(32),
                scopes: vec!["alerts:write".into()],
                expires_at: Some(Utc::now()),
            }),
            Event::CoordinatorTokenRevoked(CoordinatorTokenRevoked { token_id: id }),
            Event::PanelMobilized(PanelMobilized {
                alert_id,
                panel_id: id,
                invited: vec![member()],
                explanation: "Amina Haddad (muslim; 9 = topic religion +3, …)".into(),
            }),
            Event::MemberResponded(MemberResponded {
                alert_id,
                panel_id: id,
                member_id: Uuid::now_v7(),
                accepted: true,
                name: "Amina Haddad".into(),
                note: Some("Glad to write by noon".into()),
            }),
            Event::MemberReminded(MemberReminded {
                alert_id,
                panel_id: id,
                member_id: Uuid::now_v7(),
                name: "David Levin".into(),
            }),
            Event::PanelShortfall(PanelShortfall {
                alert_id,
                panel_id: id,
                reason: "no available member of a second line".into(),
            }),
            Event::CosignerJoined(CosignerJoined {
                alert_id,
                panel_id: id,
                member: member(),
            }),
            Event::PanelFormed(PanelFormed {
                alert_id,
                panel_id: id,
                title: "Holy book burned".into(),
                summary: "Protests spread".into(),
                languages: vec![ar.clone(), en.clone()],
                deadline: Utc::now(),
                authors: vec![member(), member()],
            }),
            Event::DraftVersionCreated(DraftVersionCreated {
                alert_id,
                draft_id: id,
                version_hash: hash.clone(),
                author_id: Some(Uuid::now_v7()),
            }),
            Event::DraftSubmitted(DraftSubmitted {
                alert_id,
                draft_id: id,
                version_hash: hash.clone(),
                round: 2,
                signatories: 3,
            }),
            Event::SignatureRecorded(SignatureRecorded {
                alert_id,
                draft_id: id,
                version_hash: hash.clone(),
                member_id: Uuid::now_v7(),
            }),
            Event::SignatureWithdrawn(SignatureWithdrawn {
                alert_id,
                draft_id: id,
                version_hash: hash.clone(),
                member_id: Uuid::now_v7(),
                name: "Amina Diallo".into(),
            }),
            Event::ChangesRequested(ChangesRequested {
                alert_id,
                draft_id: id,
                version_hash: hash.clone(),
                member_id: Uuid::now_v7(),
                name: "David Levin".into(),
                comment: "Name the city.".into(),
            }),
            Event::SignaturesReminded(SignaturesReminded {
                alert_id,
                draft_id: id,
                version_hash: hash.clone(),
                names: vec!["Amina Diallo".into()],
            }),
            Event::OpedApproved(OpedApproved {
                alert_id,
                oped_id: id,
                title: "Bridges".into(),
                body: "*Contempt* is not an argument.".into(),
                source_language: en.clone(),
                target_languages: vec![ar.clone(), en.clone()],
                version_hash: hash.clone(),
                signatories: vec![signatory()],
                embargo_until: Some(Utc::now()),
                standfirst: "Two faiths, one answer.".into(),
                manifest: Some(SignedManifest {
                    manifest: "{\"format\":\"rrm-signature-manifest/1\"}".into(),
                    signature: "c2lnbmF0dXJl".into(),
                    key_id: "0123456789abcdef".into(),
                    url: "https://rrm.example.org/drafting/manifests/x.json".into(),
                    public_key_url: "https://rrm.example.org/drafting/keys/0123456789abcdef.pem"
                        .into(),
                }),
            }),
            Event::OpedCorrected(OpedCorrected {
                alert_id,
                oped_id: id,
                title: "Bridges".into(),
                body: "Corrected.".into(),
                version_hash: hash.clone(),
                note: "a date was wrong".into(),
                standfirst: String::new(),
                signatories: vec![signatory()],
                manifest: None,
            }),
            Event::OpedWithdrawn(OpedWithdrawn {
                alert_id,
                oped_id: id,
                reason: "withdrawn by the authors".into(),
            }),
            Event::TranslationCompleted(TranslationCompleted {
                alert_id,
                oped_id: id,
                language: ar.clone(),
                title: "جسور".into(),
                body: "الازدراء ليس حجة.".into(),
                source_version_hash: hash,
                signatories: vec![signatory()],
                method: TranslationMethod::MachineReviewed,
                embargo_until: Some(Utc::now()),
                standfirst: "اثنان من الإيمان، جواب واحد.".into(),
                manifest_url: Some("https://rrm.example.org/drafting/manifests/x.json".into()),
                translator: None,
            }),
            Event::TranslationFailed(TranslationFailed {
                alert_id,
                oped_id: id,
                language: ar.clone(),
                reason: "deepl@api.deepl.com (3 attempts): unavailable: 503".into(),
                attempts: 12,
            }),
            Event::DistributionCompleted(DistributionCompleted {
                alert_id,
                oped_id: id,
                language: ar,
                recipients: 1200,
            }),
            Event::StageOverdue(StageOverdue {
                alert_id,
                stage: PipelineStage::Signatures,
                started_at: Utc::now(),
                due_at: Utc::now(),
                deadline: Utc::now(),
            }),
        ]
    }

    #[test]
    fn every_payload_survives_a_round_trip_through_the_wire() {
        let events = one_of_each();
        let types: std::collections::BTreeSet<&str> =
            events.iter().map(|e| e.event_type().as_str()).collect();
        assert_eq!(types.len(), EventType::ALL.len(), "one sample per type");

        for event in events {
            let envelope = Envelope::new(&event, "test", Some(Uuid::now_v7()), None);
            let back = Envelope::from_bytes(&envelope.to_bytes()).unwrap();
            assert_eq!(back.event_type, event.event_type().as_str());
            assert_eq!(back.decode().unwrap(), event, "{}", event.event_type());
        }
    }

    #[test]
    fn an_envelope_field_added_later_is_ignored() {
        let envelope = Envelope::new(&sample_alert(), "intake", None, None);
        let mut json = serde_json::to_value(&envelope).unwrap();
        json["traceparent"] = serde_json::json!("00-abc-def-01");
        let back = Envelope::from_bytes(json.to_string().as_bytes()).unwrap();
        assert_eq!(back, envelope);
    }
}
