//! Reads the per-transaction dump files written by Postfix `smtp-sink`:
//!
//! ```text
//! smtp-sink -u nobody -d "DIR/%Y%m%d%H%M%S." 127.0.0.1:2525 100
//! ```
//!
//! Each file holds one SMTP transaction: smtp-sink's own pseudo headers
//! (`X-Client-Addr`, `X-Client-Proto`, `X-Helo-Args`, `X-Mail-Args`, one
//! `X-Rcpt-Args` per recipient), a three-line `Received:` header, then the
//! message exactly as the client sent it after dot-unstuffing, with every CR
//! removed.
//!
//! smtp-sink creates the file at `MAIL FROM`, writes it while the transaction runs
//! and deletes it if the transaction is aborted. Once the final `.` arrives, it
//! writes that line's LF, so a finished file always ends with an empty line
//! (`"\n\n"`). [`read_all`] only returns files that end like that, parse, and
//! have not been modified for `min_age`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use mail_parser::{Addr, Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use serde::Serialize;

use crate::html::{Token, tokenize};

/// A sensible `min_age` for [`read_all`]: smtp-sink flushes its buffer in
/// 4 KiB blocks, so a file still being written is normally touched far more often.
pub const DEFAULT_MIN_AGE: Duration = Duration::from_millis(250);

/// One captured SMTP transaction, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapturedMail {
    /// Path of the dump file.
    pub file: PathBuf,
    /// The `MAIL FROM` address without angle brackets (empty for the null sender `<>`).
    pub envelope_from: String,
    /// The `RCPT TO` addresses without angle brackets, in order.
    pub envelope_to: Vec<String>,
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// Decoded subject; empty when there is none.
    pub subject: String,
    /// First `From` mailbox as `Name <addr>` (or `addr` when there is no name).
    pub from: String,
    /// `To` mailboxes as `Name <addr>` (or `addr`).
    pub to: Vec<String>,
    /// The `Date` header as written.
    pub date: Option<String>,
    /// Message headers in order (smtp-sink's pseudo headers and `Received` excluded),
    /// with encoded words and address lists decoded.
    pub headers: Vec<(String, String)>,
    /// The first `text/plain` body part, decoded, with LF line ends.
    pub text: Option<String>,
    /// The first `text/html` body part, decoded, with LF line ends.
    pub html: Option<String>,
    /// `http`/`https` URLs found in the text part (or, when it has none, the
    /// `href`s of the HTML part), de-duplicated, in order of appearance.
    pub links: Vec<String>,
    /// `Content-Language` of the message, or else of its first body part.
    pub content_language: Option<String>,
    /// The dump file's modification time: when smtp-sink finished writing it.
    pub captured_at: Option<DateTime<Utc>>,
    /// Size of the message in bytes as stored (LF line ends).
    pub size: usize,
}

impl CapturedMail {
    /// The dump file's name (the part the mailbox UI uses in URLs).
    pub fn file_name(&self) -> String {
        self.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Looks up a header by name (case-insensitive); the first one wins.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads and decodes one dump file. No completeness check is made: use this
/// for a file you know is finished (or to inspect one that is not).
pub fn read_one(path: impl AsRef<Path>) -> Result<CapturedMail> {
    let path = path.as_ref();
    let data = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut mail = parse(path.to_path_buf(), &data)?;
    mail.captured_at = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(DateTime::<Utc>::from);
    Ok(mail)
}

/// Reads every finished dump file in `dir` (not recursively), oldest first.
///
/// A file counts as finished when it ends with smtp-sink's end-of-data empty
/// line, parses, and was last modified at least `min_age` ago (see
/// [`DEFAULT_MIN_AGE`]); other files, including unrelated ones, are skipped.
/// Order: the time stamp in the file name, then modification time, then name.
pub fn read_all(dir: &Path, min_age: Duration) -> Result<Vec<CapturedMail>> {
    read_sorted(dir, min_age, None)
}

/// Like [`read_all`] but decodes only the newest `limit` finished files
/// (still returned oldest first). Cheap on a directory holding a benchmark run.
pub fn read_latest(dir: &Path, min_age: Duration, limit: usize) -> Result<Vec<CapturedMail>> {
    read_sorted(dir, min_age, Some(limit))
}

/// Polls `dir` (every 50 ms) until `done` returns true for the finished mails
/// read so far, and returns them. Fails after `timeout`. A directory that does
/// not exist yet counts as empty. Blocking: in async code use [`wait_for_async`].
pub fn wait_for<F>(dir: &Path, timeout: Duration, mut done: F) -> Result<Vec<CapturedMail>>
where
    F: FnMut(&[CapturedMail]) -> bool,
{
    let deadline = Instant::now() + timeout;
    loop {
        let mails = read_or_empty(dir)?;
        if done(&mails) {
            return Ok(mails);
        }
        if Instant::now() >= deadline {
            bail!(
                "timed out after {timeout:?} waiting for mail in {}: {} finished message(s), condition not met",
                dir.display(),
                mails.len()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Async version of [`wait_for`]; file reading happens on the blocking pool.
pub async fn wait_for_async<F>(
    dir: &Path,
    timeout: Duration,
    mut done: F,
) -> Result<Vec<CapturedMail>>
where
    F: FnMut(&[CapturedMail]) -> bool,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let owned = dir.to_path_buf();
        let mails = tokio::task::spawn_blocking(move || read_or_empty(&owned)).await??;
        if done(&mails) {
            return Ok(mails);
        }
        if tokio::time::Instant::now() >= deadline {
            bail!(
                "timed out after {timeout:?} waiting for mail in {}: {} finished message(s), condition not met",
                dir.display(),
                mails.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn read_or_empty(dir: &Path) -> Result<Vec<CapturedMail>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    read_all(dir, DEFAULT_MIN_AGE)
}

/// True when `data` ends the way smtp-sink ends a finished transaction.
pub fn is_complete_dump(data: &[u8]) -> bool {
    data.ends_with(b"\n\n") || data.ends_with(b"\n\r\n")
}

struct Candidate {
    path: PathBuf,
    stamp: String,
    modified: SystemTime,
    name: String,
}

fn read_sorted(dir: &Path, min_age: Duration, limit: Option<usize>) -> Result<Vec<CapturedMail>> {
    let entries = fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    let now = SystemTime::now();
    let mut candidates = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue, // aborted transaction
            Err(e) => return Err(e).with_context(|| format!("stat {}", entry.path().display())),
        };
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        // A clock step backwards makes the age negative: treat as fresh.
        let age = now.duration_since(modified).unwrap_or(Duration::ZERO);
        if age < min_age {
            continue;
        }
        let stamp = name.split('.').next().unwrap_or_default().to_string();
        candidates.push(Candidate {
            path: entry.path(),
            stamp,
            modified,
            name,
        });
    }
    candidates
        .sort_by(|a, b| (&a.stamp, a.modified, &a.name).cmp(&(&b.stamp, b.modified, &b.name)));

    let mut mails = Vec::new();
    // Walk newest first so that `limit` counts finished, parseable files only.
    for c in candidates.into_iter().rev() {
        if limit.is_some_and(|l| mails.len() >= l) {
            break;
        }
        let data = match fs::read(&c.path) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", c.path.display())),
        };
        if !is_complete_dump(&data) {
            tracing::debug!(file = %c.path.display(), "skipping unfinished dump file");
            continue;
        }
        match parse(c.path.clone(), &data) {
            Ok(mut mail) => {
                mail.captured_at = Some(DateTime::<Utc>::from(c.modified));
                mails.push(mail);
            }
            Err(e) => {
                tracing::debug!(file = %c.path.display(), error = %e, "skipping unparseable file");
            }
        }
    }
    mails.reverse();
    Ok(mails)
}

/// Decodes the bytes of one dump file. `file` is only recorded in the result.
/// `captured_at` is left empty.
pub fn parse(file: PathBuf, data: &[u8]) -> Result<CapturedMail> {
    let envelope = split_envelope(data)?;
    let message = MessageParser::default()
        .parse(envelope.message)
        .ok_or_else(|| anyhow!("{}: message does not parse", file.display()))?;
    if message.headers().is_empty() {
        bail!("{}: message has no headers", file.display());
    }

    let headers = message
        .headers()
        .iter()
        .map(|h| {
            let name = h.name.as_str().to_string();
            let raw = message
                .raw_message
                .get(h.offset_start as usize..h.offset_end as usize)
                .map(|b| unfold(&String::from_utf8_lossy(b)))
                .unwrap_or_default();
            let value = header_display(&name, &h.value).unwrap_or(raw);
            (name, value)
        })
        .collect();

    // Line ends are normalised to LF: smtp-sink strips the CRs of the SMTP
    // stream, but base64-encoded parts keep theirs.
    let text = message.text_bodies().find_map(|p| match &p.body {
        PartType::Text(t) => Some(t.replace("\r\n", "\n")),
        _ => None,
    });
    let html = message.html_bodies().find_map(|p| match &p.body {
        PartType::Html(t) => Some(t.replace("\r\n", "\n")),
        _ => None,
    });
    let mut links = text.as_deref().map(text_links).unwrap_or_default();
    if links.is_empty() {
        links = html.as_deref().map(html_links).unwrap_or_default();
    }

    let content_language = language(message.content_language()).or_else(|| {
        message
            .text_bodies()
            .chain(message.html_bodies())
            .find_map(|p| language(p.content_language()))
    });

    Ok(CapturedMail {
        file,
        envelope_from: envelope.from,
        envelope_to: envelope.to,
        message_id: message.message_id().map(str::to_string),
        subject: message.subject().unwrap_or_default().to_string(),
        from: message
            .from()
            .and_then(|a| a.first())
            .map(format_addr)
            .unwrap_or_default(),
        to: message.to().map(format_addresses).unwrap_or_default(),
        date: message.header_raw("Date").map(unfold),
        headers,
        text,
        html,
        links,
        content_language,
        captured_at: None,
        size: envelope.message.len(),
    })
}

struct Envelope<'a> {
    from: String,
    to: Vec<String>,
    message: &'a [u8],
}

fn split_envelope(data: &[u8]) -> Result<Envelope<'_>> {
    let mut pos = 0;
    let mut from = None;
    let mut to = Vec::new();
    let line_at = |pos: usize| -> Option<(&[u8], usize)> {
        let rest = data.get(pos..)?;
        let nl = rest.iter().position(|&b| b == b'\n')?;
        Some((&rest[..nl], pos + nl + 1))
    };
    loop {
        let Some((line, next)) = line_at(pos) else {
            bail!("no Received header after smtp-sink's pseudo headers (unfinished or not a dump)");
        };
        let line = String::from_utf8_lossy(line);
        if let Some(v) = line.strip_prefix("X-Mail-Args:") {
            from = Some(envelope_address(v));
        } else if let Some(v) = line.strip_prefix("X-Rcpt-Args:") {
            to.push(envelope_address(v));
        } else if line.starts_with("Received:") {
            pos = next;
            // Continuation lines of the Received header.
            while let Some((l, n)) = line_at(pos) {
                if l.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                    pos = n;
                } else {
                    break;
                }
            }
            break;
        } else if !(line.starts_with("X-Client-Addr:")
            || line.starts_with("X-Client-Proto:")
            || line.starts_with("X-Helo-Args:"))
        {
            bail!("unexpected line before smtp-sink's Received header: {line:?}");
        }
        pos = next;
    }
    let from = from.ok_or_else(|| anyhow!("no X-Mail-Args line"))?;
    if to.is_empty() {
        bail!("no X-Rcpt-Args line");
    }
    let mut message = &data[pos..];
    // The final LF is that of smtp-sink's "." line, not part of the message.
    if message.ends_with(b"\n\n") {
        message = &message[..message.len() - 1];
    }
    Ok(Envelope { from, to, message })
}

/// `" <a@b> SIZE=12"` → `"a@b"`; `"<>"` → `""`.
fn envelope_address(args: &str) -> String {
    let args = args.trim();
    match args.strip_prefix('<') {
        Some(rest) => match rest.find('>') {
            Some(end) => rest[..end].to_string(),
            None => rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string(),
        },
        None => args
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn unfold(raw: &str) -> String {
    raw.split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decoded display form for headers whose parsed value is friendlier than the
/// raw one. Identifiers, dates and MIME parameters stay raw.
fn header_display(name: &str, value: &HeaderValue<'_>) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let keep_raw = matches!(
        lower.as_str(),
        "message-id"
            | "in-reply-to"
            | "references"
            | "resent-message-id"
            | "content-id"
            | "date"
            | "resent-date"
            | "received"
            | "content-type"
            | "content-disposition"
            | "content-transfer-encoding"
            | "mime-version"
            | "return-path"
            | "list-unsubscribe"
            | "list-unsubscribe-post"
    );
    if keep_raw {
        return None;
    }
    match value {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(l) => Some(l.join(", ")),
        HeaderValue::Address(a) => Some(format_addresses(a).join(", ")),
        _ => None,
    }
}

fn language(value: &HeaderValue<'_>) -> Option<String> {
    let s = match value {
        HeaderValue::Text(t) => t.trim().to_string(),
        HeaderValue::TextList(l) => l.join(", "),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn format_addresses(a: &Address<'_>) -> Vec<String> {
    a.iter()
        .map(format_addr)
        .filter(|s| !s.is_empty())
        .collect()
}

fn format_addr(a: &Addr<'_>) -> String {
    let name = a.name().map(str::trim).filter(|n| !n.is_empty());
    match (name, a.address()) {
        (Some(n), Some(addr)) => {
            if n.contains([',', ';', '<', '>', '"', '(', ')', '@', ':', '[', ']', '\\']) {
                let escaped = n.replace('\\', "\\\\").replace('"', "\\\"");
                format!("\"{escaped}\" <{addr}>")
            } else {
                format!("{n} <{addr}>")
            }
        }
        (None, Some(addr)) => addr.to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => String::new(),
    }
}

fn is_http_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    (lower.starts_with("http://") && s.len() > 7) || (lower.starts_with("https://") && s.len() > 8)
}

fn push_unique(out: &mut Vec<String>, url: String) {
    if !out.contains(&url) {
        out.push(url);
    }
}

/// `http`/`https` URLs in plain text, in order, de-duplicated. Trailing
/// punctuation and unbalanced closing brackets are not part of a URL.
pub fn text_links(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase(); // same byte offsets as `text`
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(found) = lower[search..].find("http") {
        let start = search + found;
        search = start + 4;
        let tail = &lower[start..];
        if !(tail.starts_with("http://") || tail.starts_with("https://")) {
            continue;
        }
        if text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let end = text[start..]
            .char_indices()
            .find(|(_, c)| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`')
            })
            .map_or(text.len(), |(i, _)| start + i);
        let mut url = &text[start..end];
        while let Some(last) = url.chars().next_back() {
            let unbalanced = |open: char, close: char| {
                last == close && url.matches(open).count() < url.matches(close).count()
            };
            if matches!(
                last,
                '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '،' | '؛' | '؟' | '。' | '、'
            ) || unbalanced('(', ')')
                || unbalanced('[', ']')
                || unbalanced('{', '}')
            {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        search = start + url.len().max(4);
        if is_http_url(url) {
            push_unique(&mut out, url.to_string());
        }
    }
    out
}

/// `http`/`https` `href`s of `<a>` and `<area>` elements, entity-decoded, in
/// order, de-duplicated.
pub fn html_links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in tokenize(html) {
        if let Token::Tag(tag) = token {
            if tag.closing || !matches!(tag.name.as_str(), "a" | "area") {
                continue;
            }
            if let Some(href) = tag.attribute("href") {
                let href = href.trim();
                if is_http_url(href) {
                    push_unique(&mut out, href.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    const FRENCH: &[u8] = include_bytes!("../tests/fixtures/20261122220311.398047db");
    const ARABIC: &[u8] = include_bytes!("../tests/fixtures/20261122220312.4763e920");
    const PLAIN: &[u8] = include_bytes!("../tests/fixtures/20261122220313.4aa498de");
    const HTML_ONLY: &[u8] = include_bytes!("../tests/fixtures/20261122220314.0fb3d6ea");

    const LONG_LINK: &str = "https://rrm.example/e/read/7f3a9c?lang=fr&token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlZGl0b3ItNDIiLCJleHAiOjE3NjM4MDAwMDB9.c2lnbmF0dXJl";

    fn write_old(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, data).unwrap();
        let old = SystemTime::now() - Duration::from_secs(5);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        path
    }

    #[test]
    fn multipart_alternative_two_recipients_encoded_subject() {
        let m = parse("f".into(), FRENCH).unwrap();
        assert_eq!(m.envelope_from, "bounces+ed-42@rrm.example");
        assert_eq!(
            m.envelope_to,
            ["marie.dupont@lemonde.example", "ed2@liberation.example"]
        );
        assert_eq!(
            m.subject,
            "Tribune : appel à co-signer — « Climat & océans »"
        );
        assert_eq!(m.from, "Desk RRM <desk@rrm.example>");
        assert_eq!(
            m.to,
            [
                "\"Dupont, Marie\" <marie.dupont@lemonde.example>",
                "ed2@liberation.example"
            ]
        );
        assert_eq!(
            m.message_id.as_deref(),
            Some("01JAB3K9Q0W7S5X2@rrm.example")
        );
        assert_eq!(m.date.as_deref(), Some("Sat, 22 Nov 2025 09:30:15 +0000"));
        assert_eq!(m.content_language.as_deref(), Some("fr"));
        assert_eq!(
            m.header("subject"),
            Some("Tribune : appel à co-signer — « Climat & océans »")
        );
        assert_eq!(
            m.header("Message-ID"),
            Some("<01JAB3K9Q0W7S5X2@rrm.example>")
        );
        assert!(m.header("Received").is_none(), "{:?}", m.headers);
        assert!(m.header("X-Mail-Args").is_none());
        assert_eq!(
            m.header("Content-Type"),
            Some("multipart/alternative; boundary=\"===============5960016767688805871==\"")
        );

        // Quoted-printable soft line breaks are joined.
        let text = m.text.as_deref().unwrap();
        assert!(text.contains("Une nouvelle tribune est prête en français"));
        assert!(text.contains(LONG_LINK));
        // Base64 HTML is decoded.
        let html = m.html.as_deref().unwrap();
        assert!(html.contains("<p>Bonjour Marie,</p>"), "{html}");

        // Links from the text part, in order, de-duplicated, punctuation stripped.
        assert_eq!(
            m.links,
            [
                LONG_LINK,
                "https://rrm.example/feeds/ed-42/atom.xml",
                "https://rrm.example/e/unsubscribe/ed-42",
            ]
        );
    }

    #[test]
    fn arabic_rtl() {
        let m = parse("f".into(), ARABIC).unwrap();
        assert_eq!(m.subject, "مقال رأي جديد: المناخ والمحيطات");
        assert_eq!(m.from, "مكتب RRM <desk@rrm.example>");
        assert_eq!(m.to, ["محرر الأهرام <editor@ahram.example>"]);
        assert_eq!(m.envelope_to, ["editor@ahram.example"]);
        assert_eq!(m.content_language.as_deref(), Some("ar"));
        let text = m.text.as_deref().unwrap();
        assert!(
            text.contains("الموقعون: ماري دوبون، أحمد خليل.\n"),
            "{text}"
        );
        assert!(!text.contains('\r'));
        let html = m.html.as_deref().unwrap();
        assert!(html.contains(r#"<html lang="ar" dir="rtl">"#));
        assert!(html.contains("اقرأ المقال"));
        // The Arabic comma right after the URL is not part of it.
        assert_eq!(m.links, ["https://rrm.example/e/read/7f3a9c?lang=ar"]);
    }

    #[test]
    fn plain_text_null_sender_and_rcpt_args() {
        let m = parse("f".into(), PLAIN).unwrap();
        assert_eq!(m.envelope_from, "");
        assert_eq!(m.envelope_to, ["prof.ng@uni.example"]);
        assert_eq!(m.from, "rrm <noreply@rrm.example>");
        assert!(m.html.is_none());
        let text = m.text.as_deref().unwrap();
        assert!(text.contains("\n.\n..leading dots survive\n"), "{text}");
        assert_eq!(
            m.links,
            [
                "https://rrm.example/i/accept/abc123",
                "https://rrm.example/i/decline/abc123",
                "https://en.wikipedia.org/wiki/Op-ed_(journalism)",
            ]
        );
        assert!(m.content_language.is_none());
    }

    #[test]
    fn html_only_links_come_from_hrefs() {
        let m = parse("f".into(), HTML_ONLY).unwrap();
        assert!(m.text.is_none());
        assert!(m.html.is_some());
        assert_eq!(
            m.links,
            [
                "https://rrm.example/a?x=1&y=2",
                "https://rrm.example/b",
                "HTTPS://rrm.example/a?x=1&y=2",
            ]
        );
    }

    #[test]
    fn html_links_skip_other_schemes() {
        let m = parse("f".into(), FRENCH).unwrap();
        let links = html_links(m.html.as_deref().unwrap());
        assert_eq!(
            links,
            [
                "https://rrm.example/e/read/7f3a9c?lang=fr&token=abc",
                "https://rrm.example/feeds/ed-42/atom.xml"
            ]
        );
    }

    #[test]
    fn text_link_edge_cases() {
        assert_eq!(
            text_links(
                "see (https://a.example/x), [https://b.example/y] or \"https://c.example/z\"."
            ),
            [
                "https://a.example/x",
                "https://b.example/y",
                "https://c.example/z"
            ]
        );
        assert!(text_links("nohttps://a.example http:// https://").is_empty());
        assert_eq!(text_links("HTTP://A.example/Q"), ["HTTP://A.example/Q"]);
    }

    #[test]
    fn envelope_addresses() {
        assert_eq!(
            envelope_address(" <a@b.example> SIZE=10 BODY=8BITMIME"),
            "a@b.example"
        );
        assert_eq!(envelope_address("<>"), "");
        assert_eq!(envelope_address("a@b.example"), "a@b.example");
    }

    #[test]
    fn incomplete_dumps_are_rejected() {
        // Only pseudo headers: the transaction is before DATA.
        let head = b"X-Client-Addr: 127.0.0.1\nX-Client-Proto: ESMTP\nX-Helo-Args: h\nX-Mail-Args: <a@b>\n";
        assert!(parse("f".into(), head).is_err());
        assert!(parse("f".into(), b"").is_err());
        assert!(parse("f".into(), b"hello world\n\n").is_err());
        // Cut in the middle of the message: parses, but lacks the end marker.
        let cut = &FRENCH[..FRENCH.len() / 2];
        assert!(!is_complete_dump(cut));
        assert!(is_complete_dump(FRENCH));
    }

    #[test]
    fn read_all_sorts_and_skips_unfinished_and_fresh_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Written out of order: sorting follows the name's time stamp.
        write_old(d, "20261122220314.0fb3d6ea", HTML_ONLY);
        write_old(d, "20261122220311.398047db", FRENCH);
        write_old(d, "20261122220312.4763e920", ARABIC);
        // Unfinished: cut mid-message.
        write_old(d, "20261122220315.00000001", &PLAIN[..PLAIN.len() - 30]);
        // Finished but too fresh.
        fs::write(d.join("20261122220316.00000002"), PLAIN).unwrap();
        // Unrelated files.
        write_old(d, ".gitkeep", b"");
        write_old(d, "README", b"not a dump\n\n");
        fs::create_dir(d.join("sub")).unwrap();

        let all = read_all(d, Duration::from_secs(2)).unwrap();
        let names: Vec<_> = all.iter().map(CapturedMail::file_name).collect();
        assert_eq!(
            names,
            [
                "20261122220311.398047db",
                "20261122220312.4763e920",
                "20261122220314.0fb3d6ea"
            ]
        );
        assert!(all.iter().all(|m| m.captured_at.is_some()));

        let with_fresh = read_all(d, Duration::ZERO).unwrap();
        assert_eq!(with_fresh.len(), 4);
        assert_eq!(
            with_fresh[3].subject,
            "Reminder: please answer the invitation"
        );

        let latest = read_latest(d, Duration::ZERO, 2).unwrap();
        let names: Vec<_> = latest.iter().map(CapturedMail::file_name).collect();
        assert_eq!(
            names,
            ["20261122220314.0fb3d6ea", "20261122220316.00000002"]
        );

        let one = read_one(d.join("20261122220312.4763e920")).unwrap();
        assert_eq!(one.subject, "مقال رأي جديد: المناخ والمحيطات");
        assert!(one.captured_at.is_some());
        assert!(read_all(&d.join("missing"), Duration::ZERO).is_err());
    }

    #[test]
    fn wait_for_returns_when_condition_holds() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not-yet");
        let err = wait_for(&missing, Duration::from_millis(120), |m| !m.is_empty()).unwrap_err();
        assert!(err.to_string().contains("timed out"), "{err}");
        write_old(dir.path(), "20261122220311.398047db", FRENCH);
        let mails = wait_for(dir.path(), Duration::from_secs(2), |m| {
            m.iter()
                .any(|m| m.envelope_to.iter().any(|t| t == "ed2@liberation.example"))
        })
        .unwrap();
        assert_eq!(mails.len(), 1);
    }

    #[test]
    fn serializes_to_json() {
        let m = parse("dir/f".into(), ARABIC).unwrap();
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["file"], "dir/f");
        assert_eq!(v["envelope_to"][0], "editor@ahram.example");
        assert_eq!(v["headers"][0][0], "Subject");
        assert_eq!(v["content_language"], "ar");
    }
}
