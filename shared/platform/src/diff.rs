//! What changed between two versions of a text, word by word: for the people asked to sign an
//! op-ed again, and for translators of a corrected one.
//!
//! The rules:
//!
//! - Texts are compared word by word; whitespace (spaces, line breaks) is kept exactly, so the
//!   unchanged parts and the removed parts put back together give the old text, and the
//!   unchanged parts and the added parts give the new one.
//! - A replaced stretch shows what was removed, then what was added. Words replaced one after
//!   another read as one replacement (`[-quick brown-]{+slow red+}`), not as alternating pieces.
//! - In text ([`to_text`], for mails), changes read as git's word diff does, `[-removed-]` and
//!   `{+added+}`, and an unchanged stretch of more than 12 words keeps only its first and last
//!   six words around ` … `: a mail shows what changed, in context, not the whole op-ed.
//! - In HTML ([`to_html`], for pages), changes are in `<del>` and `<ins>`, every piece of text is
//!   escaped, and line breaks are kept as they are (the page shows it with
//!   `white-space: pre-wrap`).

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// One piece of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Change {
    Same(String),
    Added(String),
    Removed(String),
}

/// Unchanged stretches longer than this many words are shortened in [`to_text`].
const LONG_STRETCH_WORDS: usize = 12;
/// Words kept at each end of a shortened stretch.
const CONTEXT_WORDS: usize = 6;
/// What stands for the words left out of a shortened stretch.
const ELISION: &str = " … ";

/// The word-level diff from `old` to `new`.
pub fn words(old: &str, new: &str) -> Vec<Change> {
    let diff = TextDiff::configure().diff_words(old, new);
    let mut segments: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        push_token(&mut segments, change.tag(), change.value());
    }
    to_changes(join_replacements(segments))
}

/// Whether a diff shows any change.
pub fn changed(changes: &[Change]) -> bool {
    changes.iter().any(|c| !matches!(c, Change::Same(_)))
}

/// The diff as plain text, git's word-diff style, long unchanged stretches shortened.
pub fn to_text(changes: &[Change]) -> String {
    let mut text = String::new();
    for change in changes {
        match change {
            Change::Same(same) => text.push_str(&shorten(same)),
            Change::Removed(removed) => {
                text.push_str("[-");
                text.push_str(removed);
                text.push_str("-]");
            }
            Change::Added(added) => {
                text.push_str("{+");
                text.push_str(added);
                text.push_str("+}");
            }
        }
    }
    text
}

/// The diff as HTML: `<del>` and `<ins>` around changes, all text escaped, line breaks kept.
pub fn to_html(changes: &[Change]) -> String {
    let mut html = String::new();
    for change in changes {
        match change {
            Change::Same(same) => html.push_str(&escape(same)),
            Change::Removed(removed) => wrap(&mut html, "del", removed),
            Change::Added(added) => wrap(&mut html, "ins", added),
        }
    }
    html
}

/// The fields of a version that the diff covers.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub title: &'a str,
    pub standfirst: &'a str,
    pub body: &'a str,
}

/// What changed in one field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldDiff {
    /// `"title"`, `"standfirst"` or `"body"`.
    pub field: &'static str,
    pub changes: Vec<Change>,
    /// [`to_text`] of the changes.
    pub text: String,
    /// [`to_html`] of the changes.
    pub html: String,
}

/// The fields that changed from `old` to `new`, in the order title, standfirst, body.
pub fn fields(old: &Fields, new: &Fields) -> Vec<FieldDiff> {
    [
        ("title", old.title, new.title),
        ("standfirst", old.standfirst, new.standfirst),
        ("body", old.body, new.body),
    ]
    .into_iter()
    .filter_map(|(field, old, new)| field_diff(field, old, new))
    .collect()
}

fn field_diff(field: &'static str, old: &str, new: &str) -> Option<FieldDiff> {
    let changes = words(old, new);
    changed(&changes).then(|| FieldDiff {
        field,
        text: to_text(&changes),
        html: to_html(&changes),
        changes,
    })
}

/// An unchanged stretch, or a changed one: what was removed and what was added in its place.
#[derive(Debug)]
enum Segment {
    Same(String),
    Changed { removed: String, added: String },
}

impl Segment {
    /// A change that both removes and adds: a replacement.
    fn is_replacement(&self) -> bool {
        matches!(self, Segment::Changed { removed, added } if !removed.is_empty() && !added.is_empty())
    }
}

/// Appends one token of the diff, merging it into the last segment when they are alike.
fn push_token(segments: &mut Vec<Segment>, tag: ChangeTag, token: &str) {
    match (segments.last_mut(), tag) {
        (Some(Segment::Same(same)), ChangeTag::Equal) => same.push_str(token),
        (Some(Segment::Changed { removed, .. }), ChangeTag::Delete) => removed.push_str(token),
        (Some(Segment::Changed { added, .. }), ChangeTag::Insert) => added.push_str(token),
        (_, ChangeTag::Equal) => segments.push(Segment::Same(token.to_owned())),
        (_, ChangeTag::Delete) => segments.push(Segment::Changed {
            removed: token.to_owned(),
            added: String::new(),
        }),
        (_, ChangeTag::Insert) => segments.push(Segment::Changed {
            removed: String::new(),
            added: token.to_owned(),
        }),
    }
}

/// Two replacements separated only by whitespace read as one: the whitespace goes into both
/// the removed and the added text, so either side still puts back together exactly.
fn join_replacements(segments: Vec<Segment>) -> Vec<Segment> {
    let mut joined: Vec<Segment> = Vec::with_capacity(segments.len());
    let mut rest = segments.into_iter().peekable();
    while let Some(segment) = rest.next() {
        let gap_between_replacements = matches!(&segment, Segment::Same(gap) if gap.trim().is_empty())
            && joined.last().is_some_and(Segment::is_replacement)
            && rest.peek().is_some_and(Segment::is_replacement);
        if !gap_between_replacements {
            joined.push(segment);
            continue;
        }
        if let (
            Segment::Same(gap),
            Some(Segment::Changed { removed, added }),
            Some(Segment::Changed {
                removed: next_removed,
                added: next_added,
            }),
        ) = (segment, joined.last_mut(), rest.next())
        {
            removed.push_str(&gap);
            removed.push_str(&next_removed);
            added.push_str(&gap);
            added.push_str(&next_added);
        }
    }
    joined
}

fn to_changes(segments: Vec<Segment>) -> Vec<Change> {
    let mut changes = Vec::with_capacity(segments.len() * 2);
    for segment in segments {
        match segment {
            Segment::Same(same) => changes.push(Change::Same(same)),
            Segment::Changed { removed, added } => {
                if !removed.is_empty() {
                    changes.push(Change::Removed(removed));
                }
                if !added.is_empty() {
                    changes.push(Change::Added(added));
                }
            }
        }
    }
    changes
}

/// An unchanged stretch of more than [`LONG_STRETCH_WORDS`] words as its first and last
/// [`CONTEXT_WORDS`] words around [`ELISION`]; the whitespace kept is the text's own.
fn shorten(text: &str) -> String {
    let spans = word_spans(text);
    if spans.len() <= LONG_STRETCH_WORDS {
        return text.to_owned();
    }
    let head_end = spans[CONTEXT_WORDS - 1].1;
    let tail_start = spans[spans.len() - CONTEXT_WORDS].0;
    format!(
        "{}{ELISION}{}",
        text[..head_end].trim_end(),
        text[tail_start..].trim_start()
    )
}

/// Byte ranges `(start, end)` of the words of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (at, ch) in text.char_indices() {
        match (start, ch.is_whitespace()) {
            (None, false) => start = Some(at),
            (Some(from), true) => {
                spans.push((from, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        spans.push((from, text.len()));
    }
    spans
}

fn wrap(html: &mut String, tag: &str, text: &str) {
    html.push('<');
    html.push_str(tag);
    html.push('>');
    html.push_str(&escape(text));
    html.push_str("</");
    html.push_str(tag);
    html.push('>');
}

/// Text escaped for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: &str) -> Change {
        Change::Same(s.to_owned())
    }
    fn added(s: &str) -> Change {
        Change::Added(s.to_owned())
    }
    fn removed(s: &str) -> Change {
        Change::Removed(s.to_owned())
    }

    /// Unchanged and removed text give the old text; unchanged and added give the new one.
    fn assert_rebuilds(old: &str, new: &str) {
        let changes = words(old, new);
        let (mut was, mut is) = (String::new(), String::new());
        for change in &changes {
            match change {
                Change::Same(s) => {
                    was.push_str(s);
                    is.push_str(s);
                }
                Change::Removed(s) => was.push_str(s),
                Change::Added(s) => is.push_str(s),
            }
        }
        assert_eq!((was.as_str(), is.as_str()), (old, new), "{changes:?}");
    }

    #[test]
    fn identical_texts_show_no_change() {
        let changes = words(
            "The panel  agrees.\n\nFully.",
            "The panel  agrees.\n\nFully.",
        );
        assert!(!changed(&changes));
        assert_eq!(changes, vec![same("The panel  agrees.\n\nFully.")]);
        assert!(!changed(&words("", "")));
    }

    #[test]
    fn a_replaced_word_shows_removed_then_added() {
        let changes = words("the quick fox", "the slow fox");
        assert!(changed(&changes));
        assert_eq!(
            changes,
            vec![same("the "), removed("quick"), added("slow"), same(" fox")]
        );
        assert_eq!(to_text(&changes), "the [-quick-]{+slow+} fox");
    }

    #[test]
    fn words_replaced_in_a_row_read_as_one_replacement() {
        let changes = words("a quick brown fox", "a slow red fox");
        assert_eq!(to_text(&changes), "a [-quick brown-]{+slow red+} fox");
        assert_rebuilds("a quick brown fox", "a slow red fox");
    }

    #[test]
    fn insertions_at_the_start_and_the_end() {
        let changes = words("panel agrees", "The panel agrees fully");
        assert_eq!(to_text(&changes), "{+The +}panel agrees{+ fully+}");
        assert_rebuilds("panel agrees", "The panel agrees fully");
        assert_eq!(words("", "new"), vec![added("new")]);
        assert_eq!(words("old", ""), vec![removed("old")]);
    }

    #[test]
    fn whitespace_and_line_breaks_are_kept() {
        for (old, new) in [
            ("one\n\ntwo  three", "one\n\ntwo  four\n"),
            ("a b c d e", "a x c y e"),
            ("Line one.\nLine two.", "Line one.\n\nLine 2."),
        ] {
            assert_rebuilds(old, new);
        }
    }

    #[test]
    fn html_escapes_every_piece_and_keeps_line_breaks() {
        let changes = words(
            "Say <b>hi</b> & \"go\"\nnow",
            "Say <script>alert('x')</script>\nnow",
        );
        let html = to_html(&changes);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("&amp; &quot;go&quot;"), "{html}");
        assert!(html.contains("<del>") && html.contains("<ins>"), "{html}");
        assert!(html.contains("\nnow"), "{html}");
    }

    #[test]
    fn long_unchanged_stretches_are_shortened_in_text() {
        let old = "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 end";
        let new = "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 finish";
        let text = to_text(&words(old, new));
        assert_eq!(
            text,
            "w1 w2 w3 w4 w5 w6 … w9 w10 w11 w12 w13 w14 [-end-]{+finish+}"
        );
        // Twelve words or fewer are shown whole.
        let text = to_text(&words(
            "a b c d e f g h i j k l x",
            "a b c d e f g h i j k l y",
        ));
        assert_eq!(text, "a b c d e f g h i j k l [-x-]{+y+}");
        // The HTML shows everything.
        assert!(to_html(&words(old, new)).contains("w7 w8"));
    }

    #[test]
    fn fields_lists_only_what_changed_in_order() {
        let old = Fields {
            title: "Act now",
            standfirst: "Why it matters",
            body: "The body.",
        };
        let new = Fields {
            title: "Act today",
            standfirst: "Why it matters",
            body: "The new body.",
        };
        let diffs = fields(&old, &new);
        let names: Vec<_> = diffs.iter().map(|d| d.field).collect();
        assert_eq!(names, ["title", "body"]);
        assert_eq!(diffs[0].text, "Act [-now-]{+today+}");
        assert_eq!(diffs[0].html, "Act <del>now</del><ins>today</ins>");
        assert_eq!(diffs[1].text, "The {+new +}body.");
        assert!(fields(&old, &old).is_empty());
    }

    #[test]
    fn changes_serialise_with_their_kind() {
        let json = serde_json::to_value(words("a", "b")).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!([{"kind": "removed", "text": "a"}, {"kind": "added", "text": "b"}])
        );
    }
}
