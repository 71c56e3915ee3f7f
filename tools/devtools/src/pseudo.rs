//! A local stand-in for a LibreTranslate server, so rrm can run without a paid
//! or remote machine-translation provider.
//!
//! It speaks LibreTranslate's HTTP API (`POST /translate`, `GET /languages`) and
//! "translates" deterministically and visibly: every non-blank line of text
//! (for `format=html`: every text node) gets the prefix `⟦<target>⟧ `. Text
//! inside elements marked `translate="no"` or `class="notranslate"`, and inside
//! `<script>`/`<style>`, is left alone, as real providers do; markup is never
//! changed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::html::{Token, tokenize};

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Supported languages: code and English name.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("ru", "Russian"),
    ("zh", "Chinese"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("hi", "Hindi"),
    ("ur", "Urdu"),
    ("tr", "Turkish"),
    ("id", "Indonesian"),
    ("fa", "Persian"),
    ("ja", "Japanese"),
];

/// Server behaviour.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Answer the first `fail_first` `/translate` requests with 503.
    pub fail_first: u64,
    /// Sleep this long before answering each `/translate` request.
    pub delay: Duration,
    /// When set, `/translate` requires this `api_key` (403 otherwise).
    pub api_key: Option<String>,
    /// Target languages answered as unsupported (400), as a provider lacking them does.
    pub refuse: Vec<String>,
}

/// `text` (plain lines) or `html` (text nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
}

struct AppState {
    opts: Options,
    translate_requests: AtomicU64,
}

/// The pseudo-translation itself, as the server applies it.
pub fn pseudo_translate(input: &str, target: &str, format: Format) -> String {
    let marker = format!("⟦{target}⟧ ");
    match format {
        Format::Text => prefix_lines(input, &marker),
        Format::Html => prefix_text_nodes(input, &marker),
    }
}

fn prefix_lines(input: &str, marker: &str) -> String {
    let mut out = String::with_capacity(input.len() + marker.len() * 8);
    for line in input.split_inclusive('\n') {
        if !line.trim().is_empty() {
            out.push_str(marker);
        }
        out.push_str(line);
    }
    out
}

fn prefix_text_nodes(input: &str, marker: &str) -> String {
    let mut out = String::with_capacity(input.len() + marker.len() * 8);
    // Element name and nesting depth of an open `translate="no"` element.
    let mut skip: Option<(String, usize)> = None;
    for token in tokenize(input) {
        match token {
            Token::Text(text) => {
                let content = text.trim_start();
                if skip.is_none() && !content.trim_end().is_empty() {
                    out.push_str(&text[..text.len() - content.len()]);
                    out.push_str(marker);
                    out.push_str(content);
                } else {
                    out.push_str(text);
                }
            }
            Token::Other(raw) => out.push_str(raw),
            Token::Tag(tag) => {
                out.push_str(tag.raw);
                let opens = !tag.closing && !tag.self_closing && !tag.is_void();
                match &mut skip {
                    Some((name, depth)) if *name == tag.name => {
                        if opens {
                            *depth += 1;
                        } else if tag.closing {
                            *depth -= 1;
                            if *depth == 0 {
                                skip = None;
                            }
                        }
                    }
                    Some(_) => {}
                    None if opens && no_translate(&tag.attributes()) => {
                        skip = Some((tag.name.clone(), 1));
                    }
                    None => {}
                }
            }
        }
    }
    out
}

fn no_translate(attributes: &[(String, String)]) -> bool {
    attributes.iter().any(|(name, value)| {
        (name == "translate" && value.trim().eq_ignore_ascii_case("no"))
            || (name == "class" && value.split_whitespace().any(|c| c == "notranslate"))
    })
}

/// A crude script-based guess, only for `source=auto` responses.
fn detect(text: &str) -> &'static str {
    for c in text.chars() {
        match c as u32 {
            0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                return "ar";
            }
            0x0400..=0x04FF => return "ru",
            0x0900..=0x097F => return "hi",
            0x3040..=0x30FF => return "ja",
            0x4E00..=0x9FFF => return "zh",
            _ => {}
        }
    }
    "en"
}

fn supported(code: &str) -> bool {
    LANGUAGES.iter().any(|(c, _)| *c == code)
}

/// The router: `POST /translate`, `GET /languages`, `GET /healthz`, `GET /stats`.
pub fn router(opts: Options) -> Router {
    let state = Arc::new(AppState {
        opts,
        translate_requests: AtomicU64::new(0),
    });
    Router::new()
        .route("/translate", post(translate))
        .route("/languages", get(languages))
        .route("/healthz", get(|| async { "ok" }))
        .route("/stats", get(stats))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not Found") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn languages() -> Json<Value> {
    let list: Vec<Value> = LANGUAGES
        .iter()
        .map(|(code, name)| {
            let targets: Vec<&str> = LANGUAGES
                .iter()
                .map(|(c, _)| *c)
                .filter(|c| c != code)
                .collect();
            json!({ "code": code, "name": name, "targets": targets })
        })
        .collect();
    Json(Value::Array(list))
}

async fn stats(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({
        "translate_requests": state.translate_requests.load(Ordering::SeqCst),
    }))
}

enum Query {
    One(String),
    Many(Vec<String>),
}

#[derive(Default)]
struct Request {
    q: Option<Query>,
    source: Option<String>,
    target: Option<String>,
    format: Option<String>,
    api_key: Option<String>,
}

async fn translate(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let n = state.translate_requests.fetch_add(1, Ordering::SeqCst) + 1;
    if !state.opts.delay.is_zero() {
        tokio::time::sleep(state.opts.delay).await;
    }
    if n <= state.opts.fail_first {
        return error(StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable");
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "Request body too large".to_string()
            } else {
                format!("Invalid request: {}", rejection.body_text())
            };
            return error(status, &message);
        }
    };
    let request = match parse_request(&headers, &body) {
        Ok(r) => r,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    if let Some(key) = &state.opts.api_key
        && request.api_key.as_deref() != Some(key.as_str())
    {
        return error(StatusCode::FORBIDDEN, "Invalid API key");
    }
    if let Some(target) = &request.target
        && state.opts.refuse.iter().any(|r| r == target)
    {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("{target} is not supported"),
        );
    }
    match respond(request) {
        Ok(v) => Json(v).into_response(),
        Err(message) => error(StatusCode::BAD_REQUEST, &message),
    }
}

fn respond(request: Request) -> Result<Value, String> {
    let q = match request.q {
        Some(Query::One(s)) if !s.is_empty() => Query::One(s),
        Some(Query::Many(v)) if !v.is_empty() => Query::Many(v),
        _ => return Err("Invalid request: missing q parameter".into()),
    };
    let source = request
        .source
        .filter(|s| !s.is_empty())
        .ok_or("Invalid request: missing source parameter")?;
    let target = request
        .target
        .filter(|s| !s.is_empty())
        .ok_or("Invalid request: missing target parameter")?;
    if source != "auto" && !supported(&source) {
        return Err(format!("{source} is not supported"));
    }
    if !supported(&target) {
        return Err(format!("{target} is not supported"));
    }
    let format = match request.format.as_deref().unwrap_or("text") {
        "text" | "" => Format::Text,
        "html" => Format::Html,
        other => return Err(format!("{other} format is not supported")),
    };
    let detected = |text: &str| json!({ "confidence": 90.0, "language": detect(text) });
    let auto = source == "auto";
    let mut out = serde_json::Map::new();
    match q {
        Query::One(text) => {
            out.insert(
                "translatedText".into(),
                Value::String(pseudo_translate(&text, &target, format)),
            );
            if auto {
                out.insert("detectedLanguage".into(), detected(&text));
            }
        }
        Query::Many(texts) => {
            let translated = texts
                .iter()
                .map(|t| Value::String(pseudo_translate(t, &target, format)))
                .collect();
            out.insert("translatedText".into(), Value::Array(translated));
            if auto {
                let d = texts.iter().map(|t| detected(t)).collect();
                out.insert("detectedLanguage".into(), Value::Array(d));
            }
        }
    }
    Ok(Value::Object(out))
}

fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<Request, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_json = if content_type.starts_with("application/json") || content_type.contains("+json")
    {
        true
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        false
    } else if content_type.is_empty() || content_type.starts_with("text/plain") {
        body.trim_ascii_start().starts_with(b"{")
    } else {
        return Err(format!(
            "Invalid request: unsupported content type {content_type:?}"
        ));
    };
    if is_json {
        parse_json(body)
    } else {
        parse_form(body)
    }
}

fn parse_json(body: &[u8]) -> Result<Request, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("Invalid request: bad JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err("Invalid request: expected a JSON object".into());
    };
    let string = |key: &str| -> Result<Option<String>, String> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("Invalid request: {key} must be a string")),
        }
    };
    let q =
        match map.get("q") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(Query::One(s.clone())),
            Some(Value::Array(items)) => Some(Query::Many(
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s.clone()),
                        _ => Err("Invalid request: q must be a string or an array of strings"
                            .to_string()),
                    })
                    .collect::<Result<_, _>>()?,
            )),
            Some(_) => {
                return Err("Invalid request: q must be a string or an array of strings".into());
            }
        };
    Ok(Request {
        q,
        source: string("source")?,
        target: string("target")?,
        format: string("format")?,
        api_key: string("api_key")?,
    })
}

/// `application/x-www-form-urlencoded`. A repeated `q` makes an array.
fn parse_form(body: &[u8]) -> Result<Request, String> {
    let mut request = Request::default();
    let mut qs = Vec::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let key = percent_decode(k)?;
        let value = percent_decode(v)?;
        match key.as_str() {
            "q" | "q[]" => qs.push(value),
            "source" => request.source = Some(value),
            "target" => request.target = Some(value),
            "format" => request.format = Some(value),
            "api_key" => request.api_key = Some(value),
            _ => {}
        }
    }
    request.q = match qs.len() {
        0 => None,
        1 => qs.pop().map(Query::One),
        _ => Some(Query::Many(qs)),
    };
    Ok(request)
}

fn percent_decode(input: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = input
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "Invalid request: form data is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request as HttpRequest;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn call(app: &Router, req: HttpRequest<Body>) -> (StatusCode, Value) {
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    fn json_req(body: Value) -> HttpRequest<Body> {
        HttpRequest::post("/translate")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    }

    fn form_req(body: &str) -> HttpRequest<Body> {
        HttpRequest::post("/translate")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap()
    }

    async fn requests(app: &Router) -> u64 {
        let (_, v) = call(app, HttpRequest::get("/stats").body(Body::empty()).unwrap()).await;
        v["translate_requests"].as_u64().unwrap()
    }

    #[test]
    fn text_lines_are_prefixed() {
        assert_eq!(
            pseudo_translate("Hello\n\nWorld\r\n  \nend", "fr", Format::Text),
            "⟦fr⟧ Hello\n\n⟦fr⟧ World\r\n  \n⟦fr⟧ end"
        );
        assert_eq!(pseudo_translate("", "fr", Format::Text), "");
    }

    #[test]
    fn html_text_nodes_are_prefixed_and_tags_survive() {
        let input = "<!doctype html><p class=\"x\">Hello <b>world</b>!</p>\n<p>Signed: <span translate=\"no\">Marie <i>Dupont</i></span>, <span class=\"sig notranslate\">Ahmed</span></p><script>var a = '<p>x</p>';</script><style>p>b{}</style><br/>tail";
        let out = pseudo_translate(input, "ar", Format::Html);
        assert_eq!(
            out,
            "<!doctype html><p class=\"x\">⟦ar⟧ Hello <b>⟦ar⟧ world</b>⟦ar⟧ !</p>\n<p>⟦ar⟧ Signed: <span translate=\"no\">Marie <i>Dupont</i></span>⟦ar⟧ , <span class=\"sig notranslate\">Ahmed</span></p><script>var a = '<p>x</p>';</script><style>p>b{}</style><br/>⟦ar⟧ tail"
        );
        // Removing the markers gives the input back.
        assert_eq!(out.replace("⟦ar⟧ ", ""), input);
        // Nested same-name elements inside a no-translate element.
        let nested = "<div translate=no><div>a</div>b</div>c";
        assert_eq!(
            pseudo_translate(nested, "de", Format::Html),
            "<div translate=no><div>a</div>b</div>⟦de⟧ c"
        );
    }

    #[tokio::test]
    async fn json_string() {
        let app = router(Options::default());
        let (status, v) = call(
            &app,
            json_req(json!({"q": "Hello\nWorld", "source": "en", "target": "fr"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v, json!({"translatedText": "⟦fr⟧ Hello\n⟦fr⟧ World"}));
    }

    #[tokio::test]
    async fn json_array_and_auto() {
        let app = router(Options::default());
        let (status, v) = call(
            &app,
            json_req(json!({"q": ["Hello", "مرحبا"], "source": "auto", "target": "es"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["translatedText"], json!(["⟦es⟧ Hello", "⟦es⟧ مرحبا"]));
        assert_eq!(v["detectedLanguage"][0]["language"], "en");
        assert_eq!(v["detectedLanguage"][1]["language"], "ar");
    }

    #[tokio::test]
    async fn form_body() {
        let app = router(Options::default());
        let (status, v) = call(
            &app,
            form_req("q=Hello+world%21%0AL%C3%A0&source=en&target=ar&format=text"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v, json!({"translatedText": "⟦ar⟧ Hello world!\n⟦ar⟧ Là"}));

        let (status, v) = call(&app, form_req("q=a&q=b&source=en&target=de")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v, json!({"translatedText": ["⟦de⟧ a", "⟦de⟧ b"]}));
    }

    #[tokio::test]
    async fn html_format() {
        let app = router(Options::default());
        let (status, v) = call(
            &app,
            json_req(json!({
                "q": "<p>Hello <a href=\"https://x.example/?a=1&amp;b=2\">link</a></p>",
                "source": "en", "target": "zh", "format": "html"
            })),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            v["translatedText"],
            "<p>⟦zh⟧ Hello <a href=\"https://x.example/?a=1&amp;b=2\">⟦zh⟧ link</a></p>"
        );
    }

    #[tokio::test]
    async fn validation_errors() {
        let app = router(Options::default());
        let cases = [
            (
                json!({"source": "en", "target": "fr"}),
                "Invalid request: missing q parameter",
            ),
            (
                json!({"q": "", "source": "en", "target": "fr"}),
                "Invalid request: missing q parameter",
            ),
            (
                json!({"q": [], "source": "en", "target": "fr"}),
                "Invalid request: missing q parameter",
            ),
            (
                json!({"q": "x", "target": "fr"}),
                "Invalid request: missing source parameter",
            ),
            (
                json!({"q": "x", "source": "en"}),
                "Invalid request: missing target parameter",
            ),
            (
                json!({"q": "x", "source": "xx", "target": "fr"}),
                "xx is not supported",
            ),
            (
                json!({"q": "x", "source": "en", "target": "klingon"}),
                "klingon is not supported",
            ),
            (
                json!({"q": "x", "source": "en", "target": "fr", "format": "pdf"}),
                "pdf format is not supported",
            ),
            (
                json!({"q": 5, "source": "en", "target": "fr"}),
                "Invalid request: q must be a string or an array of strings",
            ),
            (json!(["x"]), "Invalid request: expected a JSON object"),
        ];
        for (body, message) in cases {
            let (status, v) = call(&app, json_req(body.clone())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(v, json!({ "error": message }), "{body}");
        }
        let (status, v) = call(
            &app,
            HttpRequest::post("/translate")
                .header("content-type", "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(v["error"].as_str().unwrap().starts_with("Invalid request"));
    }

    #[tokio::test]
    async fn fail_first_then_succeed() {
        let app = router(Options {
            fail_first: 2,
            ..Options::default()
        });
        let body = json!({"q": "x", "source": "en", "target": "fr"});
        for _ in 0..2 {
            let (status, v) = call(&app, json_req(body.clone())).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(v, json!({"error": "temporarily unavailable"}));
        }
        let (status, v) = call(&app, json_req(body)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["translatedText"], "⟦fr⟧ x");
        assert_eq!(requests(&app).await, 3);
    }

    #[tokio::test]
    async fn api_key_required() {
        let app = router(Options {
            api_key: Some("s3cret".into()),
            ..Options::default()
        });
        let (status, v) = call(
            &app,
            json_req(json!({"q": "x", "source": "en", "target": "fr"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(v, json!({"error": "Invalid API key"}));
        let (status, _) = call(
            &app,
            json_req(json!({"q": "x", "source": "en", "target": "fr", "api_key": "wrong"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, v) = call(
            &app,
            json_req(json!({"q": "x", "source": "en", "target": "fr", "api_key": "s3cret"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["translatedText"], "⟦fr⟧ x");
        let (status, _) = call(&app, form_req("q=x&source=en&target=fr&api_key=s3cret")).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn delay_is_applied() {
        let app = router(Options {
            delay: Duration::from_millis(150),
            ..Options::default()
        });
        let started = std::time::Instant::now();
        let (status, _) = call(
            &app,
            json_req(json!({"q": "x", "source": "en", "target": "fr"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(started.elapsed() >= Duration::from_millis(150));
    }

    #[tokio::test]
    async fn body_limit() {
        let app = router(Options::default());
        let big = "a".repeat(BODY_LIMIT + 10);
        let (status, v) = call(
            &app,
            json_req(json!({"q": big, "source": "en", "target": "fr"})),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(v, json!({"error": "Request body too large"}));
    }

    #[tokio::test]
    async fn languages_healthz_stats_and_404() {
        let app = router(Options::default());
        let (status, v) = call(
            &app,
            HttpRequest::get("/languages").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let list = v.as_array().unwrap();
        assert_eq!(list.len(), 14);
        let ar = list.iter().find(|l| l["code"] == "ar").unwrap();
        assert_eq!(ar["name"], "Arabic");
        let targets = ar["targets"].as_array().unwrap();
        assert!(targets.contains(&json!("en")) && !targets.contains(&json!("ar")));

        let (status, v) = call(
            &app,
            HttpRequest::get("/healthz").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!((status, v), (StatusCode::OK, json!("ok")));
        assert_eq!(requests(&app).await, 0);
        let (status, v) = call(&app, HttpRequest::get("/nope").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(v, json!({"error": "Not Found"}));
    }

    #[tokio::test]
    async fn over_a_real_socket() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, router(Options::default()))
                .await
                .unwrap();
        });
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let body = r#"{"q":"Bonjour","source":"fr","target":"en"}"#;
        let request = format!(
            "POST /translate HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(
            response.ends_with(r#"{"translatedText":"⟦en⟧ Bonjour"}"#),
            "{response}"
        );
        server.abort();
    }
}
