//! What is never translated, and the Markdown structure that must survive translation.
//!
//! Rules:
//! - Signatories' names and glossary terms (whole words, longest first), inline code spans,
//!   link and image targets (`](...)`) and any literal `⟦`/`⟧` are replaced by opaque placeholders
//!   `⟦n⟧` before sending, and put back after. Providers keep such bracketed numbers as they are;
//!   an answer in which a placeholder is missing, repeated or unknown is unusable.
//! - The body is sent block by block (paragraphs are separated by blank lines), one text per
//!   block with its lines joined by newlines. Each line's leading Markdown markers (indentation,
//!   `#`, `>`, `-`, `*`, `+`, `1.`, task boxes) stay out of the text sent and are put back on the
//!   same line, so an answer must keep the block's line count. Blank lines, fenced code blocks
//!   and lines with nothing left to translate (`---`) are kept as they are, unsent.
//! - Texts sent, in order: the title, the standfirst (when not empty), the body's blocks.

use std::collections::BTreeSet;

/// Texts ready to send, and how to put the answer back together.
#[derive(Debug, Clone)]
pub struct Prepared {
    texts: Vec<String>,
    /// Placeholder ids in each text.
    ids: Vec<BTreeSet<usize>>,
    /// The original of each placeholder.
    originals: Vec<String>,
    has_standfirst: bool,
    body: Vec<Line>,
}

#[derive(Debug, Clone)]
enum Line {
    Verbatim(String),
    Sent { prefix: String, text: usize },
}

pub use super::job::Texts as Restored;

impl Prepared {
    /// Prepares an op-ed; `terms` are the names and glossary terms never to translate.
    pub fn new(title: &str, standfirst: &str, body: &str, terms: &[String]) -> Self {
        let mut terms: Vec<&str> = terms
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
        terms.dedup();
        let mut p = Self {
            texts: Vec::new(),
            ids: Vec::new(),
            originals: Vec::new(),
            has_standfirst: !standfirst.trim().is_empty(),
            body: Vec::new(),
        };
        let title = p.shield(title, &terms);
        p.push(title);
        if p.has_standfirst {
            let standfirst = p.shield(standfirst, &terms);
            p.push(standfirst);
        }
        let mut in_fence = false;
        // The text index of the block being built, if its last line was sent.
        let mut open: Option<usize> = None;
        for line in body.split('\n') {
            let fence =
                line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~");
            if in_fence || fence || line.trim().is_empty() {
                if fence {
                    in_fence = !in_fence;
                }
                p.body.push(Line::Verbatim(line.to_owned()));
                open = None;
                continue;
            }
            let split = marker_len(line);
            let (prefix, rest) = line.split_at(split);
            if !rest.chars().any(char::is_alphanumeric) {
                p.body.push(Line::Verbatim(line.to_owned()));
                continue;
            }
            let shielded = p.shield(rest, &terms);
            let text = match open {
                Some(i) => {
                    let (sent, ids) = shielded;
                    p.texts[i].push('\n');
                    p.texts[i].push_str(&sent);
                    p.ids[i].extend(ids);
                    i
                }
                None => {
                    p.push(shielded);
                    p.texts.len() - 1
                }
            };
            open = Some(text);
            p.body.push(Line::Sent {
                prefix: prefix.to_owned(),
                text,
            });
        }
        p
    }

    /// The texts to send, in order.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    fn push(&mut self, (text, ids): (String, BTreeSet<usize>)) {
        self.texts.push(text);
        self.ids.push(ids);
    }

    fn placeholder(&mut self, original: &str, out: &mut String, ids: &mut BTreeSet<usize>) {
        let id = self.originals.len();
        self.originals.push(original.to_owned());
        ids.insert(id);
        out.push_str(&format!("⟦{id}⟧"));
    }

    /// `text` with every protected part replaced by a placeholder.
    fn shield(&mut self, text: &str, terms: &[&str]) -> (String, BTreeSet<usize>) {
        let mut out = String::with_capacity(text.len());
        let mut ids = BTreeSet::new();
        let mut i = 0;
        'scan: while i < text.len() {
            let rest = &text[i..];
            if rest.starts_with('`') {
                let ticks = rest.len() - rest.trim_start_matches('`').len();
                let fence = &rest[..ticks];
                if let Some(end) = rest[ticks..].find(fence) {
                    let span = &rest[..ticks + end + ticks];
                    self.placeholder(span, &mut out, &mut ids);
                    i += span.len();
                    continue;
                }
            }
            if rest.starts_with("](")
                && let Some(end) = rest.find(')')
            {
                let target = &rest[..=end];
                self.placeholder(target, &mut out, &mut ids);
                i += target.len();
                continue;
            }
            if rest.starts_with('⟦') || rest.starts_with('⟧') {
                let c = &rest[..'⟦'.len_utf8()];
                self.placeholder(c, &mut out, &mut ids);
                i += c.len();
                continue;
            }
            let word_start = text[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            if word_start {
                for term in terms {
                    if rest.starts_with(term)
                        && rest[term.len()..]
                            .chars()
                            .next()
                            .is_none_or(|c| !c.is_alphanumeric())
                    {
                        self.placeholder(term, &mut out, &mut ids);
                        i += term.len();
                        continue 'scan;
                    }
                }
            }
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8().max(1);
        }
        (out, ids)
    }

    /// Puts the translated `texts` (in the order sent) back together, or says why they cannot be.
    pub fn restore(&self, texts: Vec<String>) -> Result<Restored, String> {
        if texts.len() != self.texts.len() {
            return Err(format!(
                "{} texts sent, {} returned",
                self.texts.len(),
                texts.len()
            ));
        }
        let mut unshielded = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            unshielded.push(self.unshield(text, &self.ids[i])?);
        }
        let mut texts = unshielded.into_iter();
        let title = texts.next().unwrap_or_default();
        let standfirst = if self.has_standfirst {
            texts.next().unwrap_or_default()
        } else {
            String::new()
        };
        let offset = if self.has_standfirst { 2 } else { 1 };
        let mut blocks: Vec<std::vec::IntoIter<String>> = Vec::new();
        for (i, text) in texts.enumerate() {
            let expected = self
                .body
                .iter()
                .filter(|l| matches!(l, Line::Sent { text, .. } if *text == i + offset))
                .count();
            let lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
            if lines.len() != expected {
                return Err(format!(
                    "a paragraph of {expected} lines came back with {}",
                    lines.len()
                ));
            }
            blocks.push(lines.into_iter());
        }
        let mut body = Vec::with_capacity(self.body.len());
        for line in &self.body {
            match line {
                Line::Verbatim(l) => body.push(l.clone()),
                Line::Sent { prefix, text } => {
                    let translated = blocks
                        .get_mut(text - offset)
                        .and_then(Iterator::next)
                        .unwrap_or_default();
                    body.push(format!("{prefix}{}", translated.trim_start()));
                }
            }
        }
        Ok(Restored {
            title,
            standfirst,
            body: body.join("\n"),
        })
    }

    /// `text` with its placeholders replaced by their originals; each of `expected` exactly once.
    fn unshield(&self, text: &str, expected: &BTreeSet<usize>) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut seen = BTreeSet::new();
        let mut rest = text;
        while let Some(start) = rest.find('⟦') {
            out.push_str(&rest[..start]);
            let after = &rest[start + '⟦'.len_utf8()..];
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 && after[digits..].starts_with('⟧') {
                let id: usize = after[..digits]
                    .parse()
                    .map_err(|_| "a placeholder came back mangled".to_owned())?;
                if !expected.contains(&id) || !seen.insert(id) {
                    return Err(format!("placeholder ⟦{id}⟧ came back unknown or twice"));
                }
                out.push_str(&self.originals[id]);
                rest = &after[digits + '⟧'.len_utf8()..];
            } else {
                // Not one of ours (a provider's own bracket): kept as it is.
                out.push('⟦');
                rest = after;
            }
        }
        out.push_str(rest);
        if let Some(lost) = expected.difference(&seen).next() {
            return Err(format!(
                "placeholder ⟦{lost}⟧ for {:?} was lost",
                self.originals[*lost]
            ));
        }
        Ok(out)
    }
}

/// The length of `line`'s leading Markdown markers and indentation.
fn marker_len(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut i = 0;
    let skip_spaces = |mut i: usize| {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        i
    };
    i = skip_spaces(i);
    loop {
        let start = i;
        match bytes.get(i) {
            Some(b'#') => {
                let hashes = bytes[i..].iter().take_while(|b| **b == b'#').count();
                if hashes <= 6 && bytes.get(i + hashes) == Some(&b' ') {
                    return skip_spaces(i + hashes);
                }
            }
            Some(b'>') => i = skip_spaces(i + 1),
            Some(b'-' | b'*' | b'+') if bytes.get(i + 1) == Some(&b' ') => {
                i = skip_spaces(i + 1);
                for task in ["[ ] ", "[x] ", "[X] "] {
                    if line[i..].starts_with(task) {
                        i += task.len();
                    }
                }
            }
            Some(b'0'..=b'9') => {
                let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                if digits <= 9
                    && matches!(bytes.get(i + digits), Some(b'.' | b')'))
                    && bytes.get(i + digits + 1) == Some(&b' ')
                {
                    i = skip_spaces(i + digits + 1);
                }
            }
            _ => {}
        }
        if i == start {
            return i;
        }
    }
}
