//! A member of the network as the roster keeps them, and the one way in: [`MemberInput`] is
//! parsed at the edge (API, console form, CSV row) into a [`Member`], field by field, against
//! the configured [`Vocabulary`]. A value that does not parse changes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rrm_contracts::{EmailAddress, LanguageCode, PanelMember};
use rrm_platform::FieldProblem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::ToSchema;
use uuid::Uuid;

/// A member of the network of eminent persons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub member_id: Uuid,
    /// As printed in a byline.
    #[schema(example = "Amina Haddad")]
    pub name: String,
    /// How they sign: their title…
    #[schema(example = "Professor of Islamic Studies")]
    pub title: String,
    /// …and their affiliation.
    #[schema(example = "University of Beirut")]
    pub affiliation: String,
    /// Unique on the roster.
    #[schema(value_type = String, example = "amina.haddad@example.org")]
    pub email: EmailAddress,
    /// The cultural, religious and national lines they speak from (configured vocabulary).
    #[schema(example = json!(["muslim", "arab-world"]))]
    pub lines: Vec<String>,
    /// Languages they write in (an op-ed can be written in these).
    #[schema(value_type = Vec<String>, example = json!(["ar", "en"]))]
    pub languages_written: Vec<LanguageCode>,
    /// Languages they read (besides those they write).
    #[schema(value_type = Vec<String>, example = json!(["fr"]))]
    pub languages_read: Vec<LanguageCode>,
    #[schema(example = json!(["religion", "migration"]))]
    pub topics: Vec<String>,
    /// Regions they know; `global` matches any alert.
    #[schema(example = json!(["middle-east", "europe"]))]
    pub regions: Vec<String>,
    /// IANA time zone: invitations prefer members for whom it is day.
    #[schema(value_type = String, example = "Asia/Beirut")]
    pub time_zone: Tz,
    /// On leave up to and including this day (UTC): not invited until the day after.
    pub on_leave_until: Option<NaiveDate>,
    /// Inactive members are never invited (they stay on the roster, with their history).
    pub active: bool,
    /// Erased on request: personal data removed, the facts of invitations and answers kept.
    #[serde(default)]
    pub erased: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Member {
    /// What selection reads of them.
    pub fn profile(&self) -> Profile {
        Profile {
            member_id: self.member_id,
            name: self.name.clone(),
            lines: self.lines.clone(),
            topics: self.topics.clone(),
            regions: self.regions.clone(),
            languages_written: self.languages_written.clone(),
            languages_read: self.languages_read.clone(),
            time_zone: self.time_zone,
            on_leave_until: self.on_leave_until,
            active: self.active && !self.erased,
        }
    }

    /// As events carry members (their first line stands for them in one-line summaries).
    pub fn panel_member(&self) -> PanelMember {
        PanelMember {
            member_id: self.member_id,
            name: self.name.clone(),
            email: self.email.clone(),
            line: self.lines.join(", "),
            signs_as: self.signs_as(),
        }
    }

    /// How they sign after their name: title and affiliation, those they have.
    pub fn signs_as(&self) -> String {
        [self.title.as_str(), self.affiliation.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The member as stored once erased: the id and the facts stay, the person is gone.
    pub fn erase(&self, now: DateTime<Utc>) -> Member {
        let short = &self.member_id.simple().to_string()[..8];
        Member {
            name: format!("Erased member {short}"),
            title: String::new(),
            affiliation: String::new(),
            // A syntactically valid address nobody can receive at (RFC 2606 `.invalid`).
            email: EmailAddress::parse(&format!(
                "erased-{}@erased.invalid",
                self.member_id.simple()
            ))
            .unwrap_or_else(|_| self.email.clone()),
            topics: Vec::new(),
            regions: Vec::new(),
            languages_read: Vec::new(),
            languages_written: Vec::new(),
            lines: Vec::new(),
            time_zone: Tz::UTC,
            on_leave_until: None,
            active: false,
            erased: true,
            updated_at: now,
            ..self.clone()
        }
    }
}

/// What selection reads of a member: their values that score, and nothing personal beyond the
/// name. Kept in the selection index beside each topic the member covers, so that finding and
/// scoring candidates reads the index alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub member_id: Uuid,
    pub name: String,
    pub lines: Vec<String>,
    pub topics: Vec<String>,
    pub regions: Vec<String>,
    pub languages_written: Vec<LanguageCode>,
    pub languages_read: Vec<LanguageCode>,
    pub time_zone: Tz,
    pub on_leave_until: Option<NaiveDate>,
    pub active: bool,
}

impl Profile {
    /// Can be invited on `day` (UTC).
    pub fn available_on(&self, day: NaiveDate) -> bool {
        self.active && self.on_leave_until.is_none_or(|until| day > until)
    }

    /// Reads `language`, written ones included.
    pub fn reads(&self, language: &LanguageCode) -> bool {
        let primary = language.primary();
        self.languages_written
            .iter()
            .chain(&self.languages_read)
            .any(|l| l.primary() == primary)
    }

    pub fn writes(&self, language: &str) -> bool {
        self.languages_written
            .iter()
            .any(|l| l.primary() == language)
    }
}

/// The configured vocabulary members' values are checked against.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Lines (cultural, religious, national): lower-case tags.
    pub lines: BTreeSet<String>,
    /// Language codes (primary subtags) members may write and read.
    pub languages: BTreeSet<String>,
}

/// A member's fields as given: every one optional, so the same shape creates (where name,
/// e-mail and lines are required) and edits (where what is absent is kept).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    #[schema(example = "Amina Haddad")]
    pub name: Option<String>,
    #[schema(example = "Professor of Islamic Studies")]
    pub title: Option<String>,
    #[schema(example = "University of Beirut")]
    pub affiliation: Option<String>,
    #[schema(example = "amina.haddad@example.org")]
    pub email: Option<String>,
    #[schema(example = json!(["muslim", "arab-world"]))]
    pub lines: Option<Vec<String>>,
    #[schema(example = json!(["ar", "en"]))]
    pub languages_written: Option<Vec<String>>,
    #[schema(example = json!(["fr"]))]
    pub languages_read: Option<Vec<String>>,
    pub topics: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    #[schema(example = "Asia/Beirut")]
    pub time_zone: Option<String>,
    /// `YYYY-MM-DD`; null or `""` clears it.
    #[serde(default, deserialize_with = "some_or_null")]
    #[schema(value_type = Option<String>, example = "2026-12-24")]
    pub on_leave_until: Option<Option<String>>,
    pub active: Option<bool>,
}

/// `null` as `Some(None)` (clear), absent as `None` (keep).
fn some_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem::new(field, message)
}

const NAME_MAX: usize = 120;
const TEXT_MAX: usize = 200;
const TAG_MAX: usize = 40;
const LIST_MAX: usize = 24;

/// A name, title or affiliation: trimmed, no control characters (they could forge lines in
/// e-mails and CSV exports), at most `max` characters.
fn text(field: &str, raw: &str, required: bool, max: usize) -> Result<String, FieldProblem> {
    let value = raw.trim();
    if value.chars().any(char::is_control) {
        return Err(problem(field, "must not contain control characters"));
    }
    if required && value.is_empty() {
        return Err(problem(field, "is required"));
    }
    if value.chars().count() > max {
        return Err(problem(field, format!("must be at most {max} characters")));
    }
    Ok(value.to_owned())
}

/// Tags: lower-case, trimmed, deduplicated, each `a-z 0-9 -`.
fn tags(field: &str, raw: &[String]) -> Result<Vec<String>, FieldProblem> {
    let mut out: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.len() > TAG_MAX || !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(problem(
                field,
                format!(
                    "{tag:?} is not a tag (lower-case letters, digits and -, at most {TAG_MAX})"
                ),
            ));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > LIST_MAX {
        return Err(problem(field, format!("at most {LIST_MAX} values")));
    }
    Ok(out)
}

fn languages(
    field: &str,
    raw: &[String],
    vocabulary: &Vocabulary,
) -> Result<Vec<LanguageCode>, FieldProblem> {
    let mut out: Vec<LanguageCode> = Vec::new();
    for code in raw.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let language = LanguageCode::parse(code).map_err(|e| problem(field, e.to_string()))?;
        if !vocabulary.languages.contains(language.primary()) {
            return Err(problem(
                field,
                format!(
                    "{code:?} is not a language the roster knows (roster.vocabulary.languages)"
                ),
            ));
        }
        if !out.contains(&language) {
            out.push(language);
        }
    }
    Ok(out)
}

/// The value of a parsed field, its error kept aside.
fn keep<T>(errors: &mut Vec<FieldProblem>, parsed: Result<Option<T>, FieldProblem>) -> Option<T> {
    parsed.unwrap_or_else(|e| {
        errors.push(e);
        None
    })
}

/// Splits a `;`-separated list (CSV cells, console fields).
pub fn list(raw: &str) -> Vec<String> {
    raw.split(';')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The values of an input, checked: the member it describes over `current` (a new member when
/// `None`), or every field that is wrong.
pub fn apply(
    input: MemberInput,
    current: Option<&Member>,
    vocabulary: &Vocabulary,
    now: DateTime<Utc>,
) -> Result<Member, Vec<FieldProblem>> {
    let mut errors = Vec::new();
    let creating = current.is_none();
    let name = keep(
        &mut errors,
        input
            .name
            .as_deref()
            .map(|v| text("name", v, true, NAME_MAX))
            .transpose(),
    );
    let title = keep(
        &mut errors,
        input
            .title
            .as_deref()
            .map(|v| text("title", v, false, TEXT_MAX))
            .transpose(),
    );
    let affiliation = keep(
        &mut errors,
        input
            .affiliation
            .as_deref()
            .map(|v| text("affiliation", v, false, TEXT_MAX))
            .transpose(),
    );
    let email = keep(
        &mut errors,
        input
            .email
            .as_deref()
            .map(|v| EmailAddress::parse(v).map_err(|e| problem("email", e.to_string())))
            .transpose(),
    );
    let lines = keep(
        &mut errors,
        input
            .lines
            .as_deref()
            .map(|v| {
                let lines = tags("lines", v)?;
                if lines.is_empty() {
                    return Err(problem("lines", "at least one line is required"));
                }
                if let Some(unknown) = lines.iter().find(|l| !vocabulary.lines.contains(*l)) {
                    return Err(problem(
                        "lines",
                        format!(
                            "{unknown:?} is not a configured line (roster.vocabulary.lines: {})",
                            vocabulary
                                .lines
                                .iter()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                Ok(lines)
            })
            .transpose(),
    );
    let written = keep(
        &mut errors,
        input
            .languages_written
            .as_deref()
            .map(|v| languages("languages_written", v, vocabulary))
            .transpose(),
    );
    let read = keep(
        &mut errors,
        input
            .languages_read
            .as_deref()
            .map(|v| languages("languages_read", v, vocabulary))
            .transpose(),
    );
    let topics = keep(
        &mut errors,
        input
            .topics
            .as_deref()
            .map(|v| tags("topics", v))
            .transpose(),
    );
    let regions = keep(
        &mut errors,
        input
            .regions
            .as_deref()
            .map(|v| tags("regions", v))
            .transpose(),
    );
    let time_zone = keep(
        &mut errors,
        input
            .time_zone
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<Tz>().map_err(|_| {
                    problem(
                        "time_zone",
                        format!("{v:?} is not an IANA time zone such as Europe/Paris"),
                    )
                })
            })
            .transpose(),
    );
    let leave = keep(
        &mut errors,
        input
            .on_leave_until
            .map(|v| match v.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(day) => NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| {
                        problem(
                            "on_leave_until",
                            format!("{day:?} is not a date (YYYY-MM-DD)"),
                        )
                    }),
            })
            .transpose(),
    );
    if creating {
        for (field, missing) in [
            ("name", input.name.is_none()),
            ("email", input.email.is_none()),
            ("lines", input.lines.is_none()),
        ] {
            if missing {
                errors.push(problem(field, "is required"));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let base = match current {
        Some(m) => m.clone(),
        None => Member {
            member_id: Uuid::now_v7(),
            name: String::new(),
            title: String::new(),
            affiliation: String::new(),
            email: email
                .clone()
                .ok_or_else(|| vec![problem("email", "is required")])?,
            lines: Vec::new(),
            languages_written: Vec::new(),
            languages_read: Vec::new(),
            topics: Vec::new(),
            regions: Vec::new(),
            time_zone: Tz::UTC,
            on_leave_until: None,
            active: true,
            erased: false,
            created_at: now,
            updated_at: now,
        },
    };
    if base.erased {
        return Err(vec![problem(
            "member_id",
            "this member was erased and cannot be edited",
        )]);
    }
    Ok(Member {
        name: name.unwrap_or(base.name.clone()),
        title: title.unwrap_or(base.title.clone()),
        affiliation: affiliation.unwrap_or(base.affiliation.clone()),
        email: email.unwrap_or(base.email.clone()),
        lines: lines.unwrap_or(base.lines.clone()),
        languages_written: written.unwrap_or(base.languages_written.clone()),
        languages_read: read.unwrap_or(base.languages_read.clone()),
        topics: topics.unwrap_or(base.topics.clone()),
        regions: regions.unwrap_or(base.regions.clone()),
        time_zone: time_zone.unwrap_or(base.time_zone),
        on_leave_until: leave.unwrap_or(base.on_leave_until),
        active: input.active.unwrap_or(base.active),
        updated_at: now,
        ..base
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn vocabulary() -> Vocabulary {
        Vocabulary {
            lines: [
                "muslim",
                "jewish",
                "christian",
                "hindu",
                "secular",
                "arab-world",
                "europe",
            ]
            .map(String::from)
            .into(),
            languages: ["ar", "en", "fr", "he", "hi", "tr"]
                .map(String::from)
                .into(),
        }
    }

    fn input(name: &str, email: &str, lines: &[&str]) -> MemberInput {
        MemberInput {
            name: Some(name.into()),
            email: Some(email.into()),
            lines: Some(lines.iter().map(|l| l.to_string()).collect()),
            ..MemberInput::default()
        }
    }

    #[test]
    fn a_new_member_needs_a_name_an_address_and_a_configured_line() {
        let errors = apply(MemberInput::default(), None, &vocabulary(), Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "lines"]);
        let errors = apply(
            input("A", "a@x.org", &["martian"]),
            None,
            &vocabulary(),
            Utc::now(),
        )
        .unwrap_err();
        assert!(
            errors[0].message.contains("not a configured line"),
            "{errors:?}"
        );
    }

    #[test]
    fn values_are_parsed_field_by_field() {
        let mut bad = input("A\u{7}lice", "not-an-address", &["muslim"]);
        bad.languages_written = Some(vec!["english".into()]);
        bad.languages_read = Some(vec!["xx".into()]);
        bad.time_zone = Some("Mars/Olympus".into());
        bad.on_leave_until = Some(Some("next week".into()));
        bad.topics = Some(vec!["Religion & media".into()]);
        let errors = apply(bad, None, &vocabulary(), Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "email",
                "languages_written",
                "languages_read",
                "topics",
                "time_zone",
                "on_leave_until"
            ]
        );
        assert_eq!(errors[0].message, "must not contain control characters");
    }

    #[test]
    fn an_edit_keeps_what_it_does_not_name_and_null_clears_the_leave() {
        let mut new = input(
            "Amina Haddad",
            "Amina@Example.ORG",
            &["Muslim", "muslim", "arab-world"],
        );
        new.on_leave_until = Some(Some("2026-12-01".into()));
        new.time_zone = Some("Asia/Beirut".into());
        let member = apply(new, None, &vocabulary(), Utc::now()).unwrap();
        assert_eq!(member.email.as_str(), "Amina@example.org");
        assert_eq!(member.lines, ["muslim", "arab-world"]);
        let edit: MemberInput =
            serde_json::from_str(r#"{"title": "Professor", "on_leave_until": null}"#).unwrap();
        let edited = apply(edit, Some(&member), &vocabulary(), Utc::now()).unwrap();
        assert_eq!(
            (edited.title.as_str(), edited.on_leave_until),
            ("Professor", None)
        );
        assert_eq!(edited.name, "Amina Haddad");
        assert_eq!(edited.time_zone, chrono_tz::Asia::Beirut);
        assert_eq!(edited.member_id, member.member_id);
    }

    #[test]
    fn leave_and_deactivation_keep_a_member_from_being_invited() {
        let mut member = apply(
            input("A", "a@x.org", &["muslim"]),
            None,
            &vocabulary(),
            Utc::now(),
        )
        .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert!(member.profile().available_on(day));
        member.on_leave_until = Some(day);
        assert!(
            !member.profile().available_on(day),
            "on leave through the day itself"
        );
        assert!(member.profile().available_on(day.succ_opt().unwrap()));
        member.on_leave_until = None;
        member.active = false;
        assert!(!member.profile().available_on(day));
    }

    #[test]
    fn erasing_keeps_the_id_and_removes_the_person() {
        let member = apply(
            input("Amina", "amina@x.org", &["muslim"]),
            None,
            &vocabulary(),
            Utc::now(),
        )
        .unwrap();
        let erased = member.erase(Utc::now());
        assert_eq!(erased.member_id, member.member_id);
        assert!(erased.erased && !erased.active);
        assert!(!erased.name.contains("Amina") && !erased.email.as_str().contains("amina"));
        assert!(erased.lines.is_empty());
    }
}
