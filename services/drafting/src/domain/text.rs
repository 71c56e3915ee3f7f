//! The text of a version and its identity: what authors write (title, standfirst, body in
//! Markdown, the language it is written in), the byline it goes out under, how it is checked and
//! normalised, and the SHA-256 that identifies it.
//!
//! # The canonical serialisation
//!
//! A version's hash is the lower-case hex SHA-256 of these bytes: the compact JSON (UTF-8, no
//! whitespace between tokens, strings escaped as JSON requires and nothing more) of one object
//! whose keys come in exactly this order:
//!
//! ```json
//! {"format":"rrm-oped/1","title":"…","standfirst":"…","language":"en",
//!  "byline":[{"name":"…","title":"…"}],"body":"…"}
//! ```
//!
//! - `title` and `standfirst` have their whitespace collapsed to single spaces; `standfirst` is
//!   `""` when there is none.
//! - `body` is the Markdown with line endings turned into `\n`, trailing spaces of every line
//!   and whitespace at both ends removed.
//! - `byline` lists the authors in the panel's order, each with the name and title they sign
//!   with (`title` is `""` when they sign with their name alone). Co-signers who join later are
//!   not in it: they sign the text as it is, and the signature manifest names them.
//!
//! The format never changes meaning under the same `format` value: a different serialisation
//! would be `rrm-oped/2`, so every hash ever given keeps identifying the same text. A test pins
//! the hash of a fixed text.

use rrm_contracts::{LanguageCode, PanelMember};
use rrm_platform::FieldProblem;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const FORMAT: &str = "rrm-oped/1";
pub const MAX_TITLE: usize = 200;
pub const MAX_STANDFIRST: usize = 600;
pub const MAX_BODY: usize = 60_000;

/// What authors write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub title: String,
    pub standfirst: String,
    pub body: String,
    pub language: LanguageCode,
}

/// One name under the op-ed, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BylineEntry {
    pub name: String,
    /// Their title or affiliation as they sign (`""`: the name alone).
    pub title: String,
}

/// The byline of a panel's authors, in the panel's order.
pub fn byline(authors: &[PanelMember]) -> Vec<BylineEntry> {
    authors
        .iter()
        .map(|a| BylineEntry {
            name: a.name.clone(),
            title: a.signs_as.clone(),
        })
        .collect()
}

#[derive(Serialize)]
struct Canonical<'a> {
    format: &'a str,
    title: &'a str,
    standfirst: &'a str,
    language: &'a str,
    byline: &'a [BylineEntry],
    body: &'a str,
}

/// The bytes a version's hash covers (see the module's documentation).
pub fn canonical(text: &Text, byline: &[BylineEntry]) -> Vec<u8> {
    let canonical = Canonical {
        format: FORMAT,
        title: &text.title,
        standfirst: &text.standfirst,
        language: text.language.as_str(),
        byline,
        body: &text.body,
    };
    // Strings and arrays of strings: serialising cannot fail.
    serde_json::to_vec(&canonical).unwrap_or_default()
}

/// SHA-256 (lower-case hex) of the canonical serialisation: the version's identity, and what a
/// signature is bound to.
pub fn version_hash(text: &Text, byline: &[BylineEntry]) -> String {
    hex::encode(Sha256::digest(canonical(text, byline)))
}

/// Line endings normalised to LF, trailing whitespace of every line and blank lines at both
/// ends removed, so the same text typed on any system has the same hash.
pub fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// Whitespace collapsed to single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A title or standfirst may not carry control characters: they would reach mail subjects
/// and feeds as they are.
fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// The raw form of a draft page or correction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TextForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub standfirst: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub language: String,
}

/// The normalised text of `form`, or every problem with it. `languages` are those the op-ed
/// may be written in.
pub fn validate(form: &TextForm, languages: &[LanguageCode]) -> Result<Text, Vec<FieldProblem>> {
    let title = one_line(&form.title);
    let standfirst = one_line(&form.standfirst);
    let body = normalize(&form.body);
    let mut errors = Vec::new();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        errors.push(FieldProblem::new(
            "title",
            format!("must be 1 to {MAX_TITLE} characters"),
        ));
    } else if has_control(&title) {
        errors.push(FieldProblem::new(
            "title",
            "must not contain control characters",
        ));
    }
    if standfirst.chars().count() > MAX_STANDFIRST {
        errors.push(FieldProblem::new(
            "standfirst",
            format!("must be at most {MAX_STANDFIRST} characters"),
        ));
    } else if has_control(&standfirst) {
        errors.push(FieldProblem::new(
            "standfirst",
            "must not contain control characters",
        ));
    }
    if body.is_empty() || body.chars().count() > MAX_BODY {
        errors.push(FieldProblem::new(
            "body",
            format!("must be 1 to {MAX_BODY} characters"),
        ));
    } else if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.push(FieldProblem::new(
            "body",
            "must not contain control characters",
        ));
    }
    let language = match LanguageCode::parse(&form.language) {
        Ok(l) if languages.contains(&l) => Some(l),
        _ => {
            let allowed: Vec<&str> = languages.iter().map(LanguageCode::as_str).collect();
            errors.push(FieldProblem::new(
                "language",
                format!("must be one of {}", allowed.join(", ")),
            ));
            None
        }
    };
    match language {
        Some(language) if errors.is_empty() => Ok(Text {
            title,
            standfirst,
            body,
            language,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> LanguageCode {
        LanguageCode::parse("en").unwrap()
    }

    fn form(title: &str, standfirst: &str, body: &str) -> TextForm {
        TextForm {
            title: title.into(),
            standfirst: standfirst.into(),
            body: body.into(),
            language: "en".into(),
        }
    }

    fn amina() -> Vec<BylineEntry> {
        vec![BylineEntry {
            name: "Amina Diallo".into(),
            title: "Imam, Dakar".into(),
        }]
    }

    #[test]
    fn the_canonical_serialisation_is_pinned() {
        let text = Text {
            title: "Our common ground".into(),
            standfirst: "Two faiths, one answer.".into(),
            body: "We stand together.\n\n« Ensemble » — معًا".into(),
            language: en(),
        };
        let bytes = canonical(&text, &amina());
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"format":"rrm-oped/1","title":"Our common ground","standfirst":"Two faiths, one answer.","language":"en","byline":[{"name":"Amina Diallo","title":"Imam, Dakar"}],"body":"We stand together.\n\n« Ensemble » — معًا"}"#
        );
        // Every hash ever given keeps naming the same text: this value must never change.
        assert_eq!(
            version_hash(&text, &amina()),
            "cb8ca5d97356a14f8b959dc76cf66b2794847ce8f1f120017eb08a60ddc9005e"
        );
    }

    #[test]
    fn the_same_text_typed_anywhere_has_the_same_hash() {
        let a = validate(
            &form(
                " Our  common ground ",
                "  Two  faiths. ",
                "\n\nFirst line.  \r\nSecond line.\r\n\r\n",
            ),
            &[en()],
        )
        .unwrap();
        let b = validate(
            &form(
                "Our common ground",
                "Two faiths.",
                "First line.\nSecond line.",
            ),
            &[en()],
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(version_hash(&a, &amina()), version_hash(&b, &amina()));
        assert_eq!(version_hash(&a, &amina()).len(), 64);
    }

    #[test]
    fn every_part_of_the_text_and_byline_is_covered() {
        let base = validate(&form("T", "S", "We stand together."), &[en()]).unwrap();
        let hash = version_hash(&base, &amina());
        let changed = |f: &dyn Fn(&mut Text)| {
            let mut t = base.clone();
            f(&mut t);
            version_hash(&t, &amina())
        };
        assert_ne!(changed(&|t| t.body = "We stand together!".into()), hash);
        assert_ne!(changed(&|t| t.title = "T2".into()), hash);
        assert_ne!(changed(&|t| t.standfirst = String::new()), hash);
        assert_ne!(
            changed(&|t| t.language = LanguageCode::parse("fr").unwrap()),
            hash
        );
        let mut other = amina();
        other[0].title = "Imam".into();
        assert_ne!(version_hash(&base, &other), hash);
        // A field's end cannot slide into the next one: JSON strings are delimited.
        let a = Text {
            title: "A".into(),
            standfirst: "B C".into(),
            ..base.clone()
        };
        let b = Text {
            title: "A B".into(),
            standfirst: "C".into(),
            ..base
        };
        assert_ne!(version_hash(&a, &amina()), version_hash(&b, &amina()));
    }

    #[test]
    fn bad_texts_are_refused_field_by_field() {
        let errors = validate(
            &TextForm {
                title: String::new(),
                standfirst: "x".repeat(MAX_STANDFIRST + 1),
                body: "x".repeat(MAX_BODY + 1),
                language: "de".into(),
            },
            &[en()],
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "standfirst", "body", "language"]);
        let errors = validate(&form("Bell\u{7}", "ok", "body\u{1b}[31m"), &[en()]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "body"]);
    }
}
