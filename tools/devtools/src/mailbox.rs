//! A small web mailbox over an smtp-sink dump directory.
//!
//! - `GET /`: messages, newest first (auto-refreshes every 5 s)
//! - `GET /messages/{file}`: one message: headers, links, plain text, and the
//!   HTML part in a sandboxed `<iframe srcdoc>`
//! - `GET /messages/{file}/raw`: the dump file as text
//! - `GET /api/messages`, `GET /api/messages/{file}`: [`CapturedMail`] as JSON
//! - `GET /healthz`
//!
//! All mail content goes through handlebars' HTML escaping; only `http`/`https`
//! URLs are ever put in an `href`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use handlebars::Handlebars;
use serde::Serialize;

use crate::maildump::{self, CapturedMail};

/// At most this many messages are decoded for the list page.
pub const LIST_LIMIT: usize = 500;

/// Mailbox settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// The smtp-sink dump directory.
    pub dir: PathBuf,
    /// Files modified more recently than this are not shown yet (see [`maildump::read_all`]).
    pub min_age: Duration,
}

impl Options {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Options {
            dir: dir.into(),
            min_age: maildump::DEFAULT_MIN_AGE,
        }
    }
}

struct AppState {
    opts: Options,
    templates: Handlebars<'static>,
}

/// The mailbox router over `dir`, with the default `min_age`.
pub fn router(dir: impl Into<PathBuf>) -> Result<Router> {
    router_with(Options::new(dir))
}

/// The mailbox router with explicit options.
pub fn router_with(opts: Options) -> Result<Router> {
    let mut templates = Handlebars::new();
    templates.set_strict_mode(true);
    templates
        .register_template_string("list", LIST)
        .context("list template")?;
    templates
        .register_template_string("message", MESSAGE)
        .context("message template")?;
    templates
        .register_template_string("error", ERROR)
        .context("error template")?;
    let state = Arc::new(AppState { opts, templates });
    Ok(Router::new()
        .route("/", get(list))
        .route("/messages/{file}", get(message))
        .route("/messages/{file}/raw", get(raw))
        .route("/api/messages", get(api_list))
        .route("/api/messages/{file}", get(api_one))
        .route("/style.css", get(style))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state))
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Scripts and forms are off everywhere, including the srcdoc frame, which
    // inherits this policy. Styles and images stay on so mail renders as sent.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
        ),
    );
    res
}

enum Error {
    NotFound(String),
    Unprocessable(String),
    Internal(String),
}

impl Error {
    fn status(&self) -> (StatusCode, &str) {
        match self {
            Error::NotFound(m) => (StatusCode::NOT_FOUND, m),
            Error::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
            Error::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "mailbox error");
    Error::Internal(e.to_string())
}

fn error_page(state: &AppState, err: &Error) -> Response {
    let (status, message) = err.status();
    let body = state
        .templates
        .render(
            "error",
            &serde_json::json!({ "status": status.as_u16(), "message": message }),
        )
        .unwrap_or_else(|_| "error".to_string());
    (status, Html(body)).into_response()
}

fn error_json(err: &Error) -> Response {
    let (status, message) = err.status();
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

async fn not_found(State(state): State<Arc<AppState>>) -> Response {
    error_page(&state, &Error::NotFound("No such page.".into()))
}

/// The dump file `name` in `dir`, if `name` is a plain file name of a regular
/// file directly in `dir` (no separators, no dot files, no symlinks).
fn resolve(dir: &Path, name: &str) -> Result<PathBuf, Error> {
    let plain = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0']);
    let missing = || Error::NotFound("No such message.".into());
    if !plain {
        return Err(missing());
    }
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        _ => Err(missing()),
    }
}

async fn blocking<T, F>(f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(internal)?
}

async fn load_one(state: &Arc<AppState>, file: String) -> Result<CapturedMail, Error> {
    let dir = state.opts.dir.clone();
    blocking(move || {
        let path = resolve(&dir, &file)?;
        maildump::read_one(&path).map_err(|e| {
            Error::Unprocessable(format!(
                "{file} is not a finished smtp-sink dump ({e:#}). If it is still being written, reload in a moment."
            ))
        })
    })
    .await
}

#[derive(Serialize)]
struct ListRow {
    href: String,
    time: String,
    from: String,
    to: String,
    subject: String,
    lang: String,
}

async fn list(State(state): State<Arc<AppState>>) -> Response {
    let opts = state.opts.clone();
    let loaded = blocking(move || {
        if !opts.dir.is_dir() {
            return Ok(None);
        }
        maildump::read_latest(&opts.dir, opts.min_age, LIST_LIMIT)
            .map(Some)
            .map_err(internal)
    })
    .await;
    let mails = match loaded {
        Ok(m) => m,
        Err(e) => return error_page(&state, &e),
    };
    let missing = mails.is_none();
    let rows: Vec<ListRow> = mails
        .unwrap_or_default()
        .iter()
        .rev()
        .map(|m| ListRow {
            href: format!("/messages/{}", url_encode(&m.file_name())),
            time: format_time(m),
            from: m.from.clone(),
            to: m.envelope_to.join(", "),
            subject: display_subject(&m.subject),
            lang: m.content_language.clone().unwrap_or_default(),
        })
        .collect();
    let ctx = serde_json::json!({
        "dir": state.opts.dir.display().to_string(),
        "missing": missing,
        "count": rows.len(),
        "limited": rows.len() >= LIST_LIMIT,
        "limit": LIST_LIMIT,
        "messages": rows,
    });
    render(&state, "list", &ctx)
}

#[derive(Serialize)]
struct HeaderRow {
    name: String,
    value: String,
}

async fn message(State(state): State<Arc<AppState>>, UrlPath(file): UrlPath<String>) -> Response {
    let mail = match load_one(&state, file).await {
        Ok(m) => m,
        Err(e) => return error_page(&state, &e),
    };
    let dir = if mail
        .content_language
        .as_deref()
        .is_some_and(is_rtl_language)
    {
        "rtl"
    } else {
        "auto"
    };
    let name = mail.file_name();
    let links: Vec<&String> = mail.links.iter().filter(|l| is_http_url(l)).collect();
    let headers: Vec<HeaderRow> = mail
        .headers
        .iter()
        .map(|(n, v)| HeaderRow {
            name: n.clone(),
            value: v.clone(),
        })
        .collect();
    let ctx = serde_json::json!({
        "file": name,
        "raw_href": format!("/messages/{}/raw", url_encode(&name)),
        "json_href": format!("/api/messages/{}", url_encode(&name)),
        "subject": display_subject(&mail.subject),
        "from": mail.from,
        "to": mail.to.join(", "),
        "envelope_from": if mail.envelope_from.is_empty() { "<>".to_string() } else { mail.envelope_from.clone() },
        "envelope_to": mail.envelope_to.join(", "),
        "date": mail.date.clone().unwrap_or_default(),
        "message_id": mail.message_id.clone().unwrap_or_default(),
        "language": mail.content_language.clone().unwrap_or_default(),
        "captured": format_time(&mail),
        "dir": dir,
        "link_count": links.len(),
        "links": links,
        "has_text": mail.text.is_some(),
        "text": mail.text.clone().unwrap_or_default(),
        "has_html": mail.html.is_some(),
        "html": mail.html.clone().unwrap_or_default(),
        "headers": headers,
    });
    render(&state, "message", &ctx)
}

async fn raw(State(state): State<Arc<AppState>>, UrlPath(file): UrlPath<String>) -> Response {
    let dir = state.opts.dir.clone();
    let data = blocking(move || {
        let path = resolve(&dir, &file)?;
        std::fs::read(&path).map_err(internal)
    })
    .await;
    match data {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            String::from_utf8_lossy(&bytes).into_owned(),
        )
            .into_response(),
        Err(e) => error_page(&state, &e),
    }
}

async fn api_list(State(state): State<Arc<AppState>>) -> Response {
    let opts = state.opts.clone();
    let result = blocking(move || {
        if !opts.dir.is_dir() {
            return Err(Error::NotFound(format!(
                "directory {} does not exist",
                opts.dir.display()
            )));
        }
        maildump::read_all(&opts.dir, opts.min_age).map_err(internal)
    })
    .await;
    match result {
        Ok(mails) => Json(mails).into_response(),
        Err(e) => error_json(&e),
    }
}

async fn api_one(State(state): State<Arc<AppState>>, UrlPath(file): UrlPath<String>) -> Response {
    match load_one(&state, file).await {
        Ok(m) => Json(m).into_response(),
        Err(e) => error_json(&e),
    }
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        STYLE,
    )
        .into_response()
}

fn render(state: &AppState, template: &str, ctx: &serde_json::Value) -> Response {
    match state.templates.render(template, ctx) {
        Ok(body) => Html(body).into_response(),
        Err(e) => error_page(state, &internal(e)),
    }
}

fn display_subject(subject: &str) -> String {
    if subject.trim().is_empty() {
        "(no subject)".to_string()
    } else {
        subject.to_string()
    }
}

fn format_time(mail: &CapturedMail) -> String {
    mail.captured_at
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn is_rtl_language(tag: &str) -> bool {
    let primary = tag
        .split([',', '-', '_'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        primary.as_str(),
        "ar" | "fa" | "ur" | "he" | "ps" | "sd" | "yi" | "dv" | "ug" | "ckb"
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; --fg: #1d232a; --muted: #5f6b76; --line: #dde3e8; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Arabic", sans-serif; color: var(--fg); background: #f6f8fa; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: .8rem 1.5rem; }
header h1 { font-size: 1.15rem; margin: 0; }
header h1 a { color: inherit; text-decoration: none; }
main { padding: 1rem 1.5rem 3rem; max-width: 76rem; }
.meta, .muted { color: var(--muted); font-size: .9rem; margin: .2rem 0 0; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: start; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
thead th { background: #eef2f5; font-weight: 600; }
td.nowrap { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
table.kv th { width: 11rem; color: var(--muted); font-weight: 500; }
td, .subject { overflow-wrap: anywhere; }
h2 { font-size: 1rem; margin: 1.6rem 0 .5rem; }
.subject { font-size: 1.3rem; margin: .2rem 0 1rem; }
pre { background: #fff; border: 1px solid var(--line); padding: .8rem; white-space: pre-wrap; overflow-wrap: anywhere; font: 14px/1.5 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
ol.links li { margin: .25rem 0; overflow-wrap: anywhere; }
iframe { width: 100%; height: 36rem; border: 1px solid var(--line); background: #fff; resize: vertical; }
.notice { background: #fff8e1; border: 1px solid #f0d98a; padding: .6rem .8rem; }
.empty { color: var(--muted); }
details { margin-top: 1.6rem; }
summary { cursor: pointer; font-weight: 600; }
code { font-size: .9em; }
"#;

const LIST: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<title>rrm mailbox ({{count}})</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header>
<h1><a href="/">rrm mailbox</a></h1>
<p class="meta">{{count}} message(s) in <code>{{dir}}</code> · newest first · refreshes every 5 s · <a href="/api/messages">JSON</a></p>
</header>
<main>
{{#if missing}}<p class="notice">The directory <code>{{dir}}</code> does not exist yet. Start smtp-sink with <code>-d "{{dir}}/%Y%m%d%H%M%S."</code> and send some mail.</p>{{/if}}
{{#if limited}}<p class="notice">Showing the newest {{limit}} messages only.</p>{{/if}}
{{#if messages}}
<table>
<thead><tr><th>Received</th><th>To</th><th>From</th><th>Subject</th><th>Lang</th></tr></thead>
<tbody>
{{#each messages}}
<tr><td class="nowrap">{{time}}</td><td>{{to}}</td><td dir="auto">{{from}}</td><td dir="auto"><a href="{{href}}">{{subject}}</a></td><td>{{lang}}</td></tr>
{{/each}}
</tbody>
</table>
{{else}}
<p class="empty">No messages yet.</p>
{{/if}}
</main>
</body>
</html>
"#;

const MESSAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{subject}} · rrm mailbox</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header>
<h1><a href="/">rrm mailbox</a></h1>
<p class="meta"><a href="/">← all messages</a> · <a href="{{raw_href}}">raw</a> · <a href="{{json_href}}">JSON</a></p>
</header>
<main>
<p class="subject" dir="auto">{{subject}}</p>
<table class="kv">
<tr><th>From</th><td dir="auto">{{from}}</td></tr>
<tr><th>To</th><td dir="auto">{{to}}</td></tr>
<tr><th>Envelope from</th><td>{{envelope_from}}</td></tr>
<tr><th>Envelope to</th><td>{{envelope_to}}</td></tr>
<tr><th>Date</th><td>{{date}}</td></tr>
<tr><th>Captured</th><td>{{captured}}</td></tr>
<tr><th>Message-ID</th><td>{{message_id}}</td></tr>
<tr><th>Content-Language</th><td>{{language}}</td></tr>
<tr><th>File</th><td><code>{{file}}</code></td></tr>
</table>

<h2>Links ({{link_count}})</h2>
{{#if links}}
<ol class="links">
{{#each links}}<li><a href="{{this}}" rel="noreferrer">{{this}}</a></li>
{{/each}}
</ol>
{{else}}
<p class="empty">No links.</p>
{{/if}}

<h2>Plain text</h2>
{{#if has_text}}<pre dir="{{dir}}">{{text}}</pre>{{else}}<p class="empty">No text/plain part.</p>{{/if}}

<h2>HTML</h2>
{{#if has_html}}<iframe sandbox referrerpolicy="no-referrer" title="HTML part" srcdoc="{{html}}"></iframe>{{else}}<p class="empty">No text/html part.</p>{{/if}}

<details>
<summary>All headers</summary>
<table class="kv">
{{#each headers}}<tr><th>{{name}}</th><td dir="auto">{{value}}</td></tr>
{{/each}}
</table>
</details>
</main>
</body>
</html>
"#;

const ERROR: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{status}} · rrm mailbox</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><h1><a href="/">rrm mailbox</a></h1></header>
<main>
<p class="notice">{{message}}</p>
<p><a href="/">← all messages</a></p>
</main>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use std::fs::{self, File};
    use std::time::SystemTime;
    use tower::ServiceExt;

    const FRENCH: &[u8] = include_bytes!("../tests/fixtures/20261122220311.398047db");
    const ARABIC: &[u8] = include_bytes!("../tests/fixtures/20261122220312.4763e920");

    fn put(dir: &Path, name: &str, data: &[u8]) {
        let path = dir.join(name);
        fs::write(&path, data).unwrap();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(5))
            .unwrap();
    }

    async fn get(app: &Router, uri: &str) -> (StatusCode, String, axum::http::HeaderMap) {
        let res = app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap(), headers)
    }

    /// A temporary root holding the dump directory `root/dump`.
    fn mailbox() -> (tempfile::TempDir, PathBuf, Router) {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("dump");
        fs::create_dir(&dir).unwrap();
        put(&dir, "20261122220311.398047db", FRENCH);
        put(&dir, "20261122220312.4763e920", ARABIC);
        let evil = String::from_utf8(FRENCH.to_vec())
            .unwrap()
            .replace(
                "Subject: Tribune : appel =?utf-8?b?w6AgY28tc2lnbmVyIOKAlCDCqyBDbGltYXQgJiBv?=\n =?utf-8?b?Y8OpYW5zIMK7?=",
                "Subject: <script>alert(1)</script> \"quoted\"",
            );
        put(&dir, "20261122220313.deadbeef", evil.as_bytes());
        let app = router(&dir).unwrap();
        (root, dir, app)
    }

    #[tokio::test]
    async fn list_newest_first_and_escaped() {
        let (_root, _dir, app) = mailbox();
        let (status, body, headers) = get(&app, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
        assert!(body.contains(r#"<meta http-equiv="refresh" content="5">"#));
        let evil = body.find("&lt;script&gt;alert(1)&lt;/script&gt;").unwrap();
        let arabic = body.find("مقال رأي جديد: المناخ والمحيطات").unwrap();
        let french = body.find("Tribune : appel à co-signer").unwrap();
        assert!(evil < arabic && arabic < french, "newest first");
        assert!(!body.contains("<script>"));
        assert!(body.contains(r#"href="/messages/20261122220312.4763e920""#));
        assert!(body.contains("marie.dupont@lemonde.example, ed2@liberation.example"));
        assert!(body.contains("3 message(s)"));
    }

    #[tokio::test]
    async fn message_page() {
        let (_root, _dir, app) = mailbox();
        let (status, body, _) = get(&app, "/messages/20261122220311.398047db").await;
        assert_eq!(status, StatusCode::OK);
        // Links are anchors.
        assert!(body.contains(
            r#"<a href="https://rrm.example/feeds/ed-42/atom.xml" rel="noreferrer">https://rrm.example/feeds/ed-42/atom.xml</a>"#
        ));
        assert!(body.contains("Links (3)"));
        // The HTML part only exists escaped inside srcdoc; its script is inert.
        let start = body.find("<iframe sandbox ").unwrap();
        let frame = &body[start..body[start..].find("</iframe>").unwrap() + start];
        assert!(frame.contains("srcdoc=\"&lt;!doctype html&gt;"));
        assert!(frame.contains("alert(&quot;pwned&quot;)"));
        assert!(!body.contains("<script>"));
        assert!(!body.contains("href=\"javascript:"));
        // Text part in a <pre>; entities escaped.
        assert!(body.contains("<pre dir=\"auto\">Bonjour Marie,"));
        assert!(body.contains("lang&#x3D;fr&amp;token&#x3D;"));

        let (status, body, _) = get(&app, "/messages/20261122220312.4763e920").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("<pre dir=\"rtl\">"));
        assert!(body.contains("الموقعون"));

        let (status, body, _) = get(&app, "/messages/20261122220313.deadbeef").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot;"));
    }

    #[tokio::test]
    async fn raw_and_json() {
        let (_root, _dir, app) = mailbox();
        let (status, body, headers) = get(&app, "/messages/20261122220312.4763e920/raw").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        assert!(body.starts_with("X-Client-Addr: 127.0.0.1\n"));

        let (status, body, _) = get(&app, "/api/messages").await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let list = v.as_array().unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0]["envelope_to"][1], "ed2@liberation.example");
        assert_eq!(list[1]["content_language"], "ar");

        let (status, body, _) = get(&app, "/api/messages/20261122220312.4763e920").await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["subject"], "مقال رأي جديد: المناخ والمحيطات");

        let (status, body, _) = get(&app, "/api/messages/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("\"error\""));
    }

    #[tokio::test]
    async fn path_traversal_is_rejected() {
        let (root, dir, app) = mailbox();
        // A file next to the dump directory that must stay unreachable.
        let secret = root.path().join("secret.txt");
        fs::write(&secret, "X-Client-Addr: secret\n").unwrap();
        fs::create_dir(dir.join("sub")).unwrap();
        put(&dir.join("sub"), "inner", FRENCH);
        put(&dir, ".hidden", FRENCH);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&secret, dir.join("link")).unwrap();
        for uri in [
            "/messages/..%2Fsecret.txt",
            "/messages/%2E%2E%2Fsecret.txt",
            "/messages/..",
            "/messages/.hidden",
            "/messages/sub",
            "/messages/sub%2Finner",
            "/messages/link",
            "/messages/%2Fetc%2Fpasswd",
            "/messages/..%5Csecret.txt",
            "/messages/..%2Fsecret.txt/raw",
            "/messages/link/raw",
            "/api/messages/..%2Fsecret.txt",
            "/messages/nope",
        ] {
            let (status, body, _) = get(&app, uri).await;
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                "{uri}: {status}"
            );
            assert!(!body.contains("X-Client-Addr"), "{uri}");
        }
    }

    #[tokio::test]
    async fn unfinished_file_is_reported_not_crashed() {
        let (_root, dir, app) = mailbox();
        put(
            &dir,
            "20261122220320.0badf11e",
            b"X-Client-Addr: 127.0.0.1\nX-Mail-Args: <a@b>\n",
        );
        let (status, _, _) = get(&app, "/messages/20261122220320.0badf11e").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // Not listed.
        let (_, body, _) = get(&app, "/").await;
        assert!(!body.contains("0badf11e"));
    }

    #[tokio::test]
    async fn missing_dir_healthz_and_404() {
        let dir = tempfile::tempdir().unwrap();
        let app = router(dir.path().join("later")).unwrap();
        let (status, body, _) = get(&app, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("does not exist yet"));
        let (status, _, _) = get(&app, "/api/messages").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body, _) = get(&app, "/healthz").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
        let (status, _, _) = get(&app, "/style.css").await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = get(&app, "/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn helpers() {
        assert_eq!(url_encode("a b/c.d~"), "a%20b%2Fc.d~");
        assert!(is_rtl_language("ar"));
        assert!(is_rtl_language("fa-IR"));
        assert!(!is_rtl_language("fr"));
        assert!(is_http_url("HTTPS://x"));
        assert!(!is_http_url("javascript:alert(1)"));
    }
}
