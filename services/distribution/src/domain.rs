//! Distribution rules: who gets which language, and how an op-ed becomes safe HTML.

use rrm_contracts::{EmailAddress, LanguageCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Editor {
    pub editor_id: Uuid,
    pub name: String,
    pub email: EmailAddress,
    pub outlet: String,
    pub languages: Vec<LanguageCode>,
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    #[serde(default)]
    pub unsubscribed: bool,
}

impl Editor {
    /// Whether the editor takes op-eds in `language` (`zh` takes `zh-Hans`, and the reverse).
    pub fn reads(&self, language: &LanguageCode) -> bool {
        !self.unsubscribed
            && self
                .languages
                .iter()
                .any(|l| l == language || l.primary() == language.primary())
    }
}

/// One row of the editors CSV: `name,email,outlet,languages,regions,topics` (lists `;`-separated).
#[derive(Debug, Deserialize)]
pub struct EditorRow {
    pub name: String,
    pub email: String,
    pub outlet: String,
    pub languages: String,
    #[serde(default)]
    pub regions: String,
    #[serde(default)]
    pub topics: String,
}

fn list(raw: &str) -> Vec<String> {
    raw.split(';')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// An editor as read from the CSV, before it gets (or keeps) its id.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEditor {
    pub email: EmailAddress,
    pub name: String,
    pub outlet: String,
    pub languages: Vec<LanguageCode>,
    pub regions: Vec<String>,
    pub topics: Vec<String>,
}

/// Reads an editors CSV; any bad row fails the whole import (nothing half-loaded).
pub fn parse_editors(reader: impl std::io::Read) -> anyhow::Result<Vec<ParsedEditor>> {
    let mut rows = Vec::new();
    for (i, row) in csv::Reader::from_reader(reader)
        .deserialize::<EditorRow>()
        .enumerate()
    {
        let line = i + 2;
        let row = row.map_err(|e| anyhow::anyhow!("editors CSV line {line}: {e}"))?;
        let email = EmailAddress::parse(&row.email)
            .map_err(|e| anyhow::anyhow!("editors CSV line {line}: {e}"))?;
        let languages = list(&row.languages)
            .iter()
            .map(|l| LanguageCode::parse(l))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("editors CSV line {line}: {e}"))?;
        if languages.is_empty() || row.name.trim().is_empty() {
            anyhow::bail!("editors CSV line {line}: name and at least one language are required");
        }
        rows.push(ParsedEditor {
            email,
            name: row.name.trim().to_owned(),
            outlet: row.outlet.trim().to_owned(),
            languages,
            regions: list(&row.regions),
            topics: list(&row.topics),
        });
    }
    Ok(rows)
}

/// Op-ed Markdown as HTML safe to put in an e-mail: the platform's rules, shared with every page
/// that shows an op-ed (no scripts, event handlers, unsafe links or remote images).
pub fn markdown_html(markdown: &str) -> String {
    rrm_platform::markdown::to_safe_html(markdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editors_read_their_languages_only() {
        let p = parse_editors(
            "name,email,outlet,languages,regions,topics\nA,a@x.org,X,ar;fr,,\n".as_bytes(),
        )
        .unwrap()
        .remove(0);
        let editor = Editor {
            editor_id: Uuid::now_v7(),
            name: p.name,
            email: p.email,
            outlet: p.outlet,
            languages: p.languages,
            regions: p.regions,
            topics: p.topics,
            unsubscribed: false,
        };
        assert!(editor.reads(&LanguageCode::parse("ar").unwrap()));
        assert!(editor.reads(&LanguageCode::parse("fr").unwrap()));
        assert!(!editor.reads(&LanguageCode::parse("en").unwrap()));
        let gone = Editor {
            unsubscribed: true,
            ..editor
        };
        assert!(!gone.reads(&LanguageCode::parse("ar").unwrap()));
    }

    #[test]
    fn op_ed_markdown_cannot_carry_scripts() {
        let html =
            markdown_html("Hello *world*\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))");
        assert!(html.contains("<em>world</em>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
    }

    #[test]
    fn a_bad_language_names_its_line() {
        let err = parse_editors(
            "name,email,outlet,languages,regions,topics\nA,a@x.org,X,klingon!,,\n".as_bytes(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2"));
    }
}
