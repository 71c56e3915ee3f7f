//! The stand-in intake and a runner for the `rrm` binary.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "stand-in-coordinator-token-0123456789";
/// The alert every canned answer is about, and the one a repeated dedup key finds.
pub const ALERT_ID: &str = "0196b3a4-5c1d-7e2f-8a9b-0c1d2e3f4a5b";
pub const SECOND_ID: &str = "0196b3a4-5c1d-7e2f-8a9b-0c1d2e3f4a5c";
pub const THIRD_ID: &str = "0196b3a4-5c1d-7e2f-8a9b-0c1d2e3f4a5d";
pub const TOKEN_ID: &str = "0196b3a4-0000-7000-8000-00000000000a";
/// The secret `POST /api/v1/tokens` answers with.
pub const NEW_SECRET: &str = "rrm_new-secret-shown-once-abcdefghijklmnop";

/// How the stand-in behaves where tests need it to differ.
#[derive(Clone, Default)]
pub struct Options {
    /// Answer `GET /api/v1/alerts` as today's intake does: every alert, no `next_cursor`, no
    /// `status`.
    pub todays_intake: bool,
    /// Wait this long before answering `GET /api/v1/tokens`.
    pub tokens_delay: Option<std::time::Duration>,
    /// Answer `GET /api/v1/tokens` with this (status, content type, body, location) instead.
    pub tokens_answer: Option<(u16, &'static str, String, Option<&'static str>)>,
}

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: &'static str,
    pub path: String,
    pub query: HashMap<String, String>,
    pub body: Value,
}

#[derive(Clone)]
struct AppState {
    options: Options,
    seen: Arc<Mutex<Vec<Seen>>>,
    cancelled: Arc<Mutex<bool>>,
}

pub struct StandIn {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    pub fn start() -> Self {
        Self::with(Options::default())
    }

    pub fn with(options: Options) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = AppState {
            options,
            seen: seen.clone(),
            cancelled: Arc::new(Mutex::new(false)),
        };
        let url = serve(listener, router(state));
        Self { url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Runs `rrm` against this stand-in with the right token in `RRM_TOKEN`.
    pub fn rrm(&self, args: &[&str]) -> Run {
        run_rrm(args, &[("RRM_URL", &self.url), ("RRM_TOKEN", TOKEN)])
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `rrm` binary with only the given `RRM_*` variables set.
pub fn run_rrm(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rrm"));
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("RRM_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    let output = command.output().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    // Never a panic or a debug dump, whatever happened.
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!run.stderr.contains("{ "), "debug output: {}", run.stderr);
    run
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/alerts", get(list_alerts).post(raise_alert))
        .route("/api/v1/alerts/{id}", get(show_alert))
        .route("/api/v1/alerts/{id}/cancel", post(cancel_alert))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}/revoke", post(revoke_token))
        .with_state(state)
}

pub fn problem(status: u16, title: &str, detail: &str, errors: Value) -> Response {
    let mut body =
        json!({"type": "about:blank", "title": title, "status": status, "detail": detail});
    if errors.as_array().is_some_and(|e| !e.is_empty()) {
        body["errors"] = errors;
    }
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// Serves `router` on `listener` on its own thread and runtime (the tests run the binary with
/// blocking calls; it ends with the test process). Its base URL.
pub fn serve(listener: std::net::TcpListener, router: Router) -> String {
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, router).await.unwrap();
        });
    });
    url
}

/// Records the request in `seen` and checks the token as the services do: nothing else is
/// looked at first.
pub fn admit(
    seen: &Mutex<Vec<Seen>>,
    headers: &HeaderMap,
    method: &'static str,
    path: String,
    query: HashMap<String, String>,
    body: Value,
) -> Result<(), Response> {
    seen.lock().unwrap().push(Seen {
        method,
        path,
        query,
        body,
    });
    let expected = format!("Bearer {TOKEN}");
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(expected.as_str())
    {
        return Err(problem(
            401,
            "Authentication required",
            "send a coordinator token as `Authorization: Bearer <token>`",
            json!([]),
        ));
    }
    Ok(())
}

/// An alert as intake answers it (`AlertView`: the alert, `duplicate` and `timeline` are added
/// where intake adds them), with the `status` that cancellation brings.
pub fn alert(id: &str, title: &str, status: &str) -> Value {
    let now = chrono::Utc::now();
    json!({
        "alert_id": id, "title": title, "summary": "Clashes after a burning.\nCalls for calm.",
        "regions": ["europe"], "topics": ["religion"], "severity": "high",
        "languages": ["ar", "en", "fr"],
        "deadline": (now + chrono::Duration::hours(6)).to_rfc3339(),
        "dedup_key": null, "raised_by": "desk", "raised_at": now.to_rfc3339(),
        "status": status,
        "stage": "mobilisation", "overdue": false, "completed": false,
    })
}

pub fn alert_with_timeline() -> Value {
    let mut a = alert(ALERT_ID, "Quran burning in Stockholm", "open");
    a["duplicate"] = json!(false);
    a["stage"] = json!("drafting");
    a["overdue"] = json!(true);
    let stage = |stage: &str,
                 state: &str,
                 started: Value,
                 finished: Value,
                 due: Value,
                 late: bool,
                 progress: &str,
                 actors: Value| {
        json!({ "stage": stage, "state": state, "started_at": started, "finished_at": finished,
                "due_at": due, "budget_seconds": null, "late": late, "progress": progress, "actors": actors })
    };
    a["stages"] = json!([
        stage(
            "mobilisation",
            "done",
            json!("2026-11-23T13:16:00Z"),
            json!("2026-11-23T13:40:00Z"),
            json!("2026-11-23T13:46:00Z"),
            false,
            "4 invited, 2 accepted, 0 declined",
            json!(["Amina Diallo", "Jonas Berg"])
        ),
        stage(
            "drafting",
            "overdue",
            json!("2026-11-23T13:40:00Z"),
            Value::Null,
            json!("2026-11-23T15:40:00Z"),
            false,
            "3 versions",
            json!(["Jonas Berg"])
        ),
        stage(
            "signatures",
            "waiting",
            Value::Null,
            Value::Null,
            Value::Null,
            false,
            "not submitted for signature yet",
            json!([])
        ),
        stage(
            "translation",
            "waiting",
            Value::Null,
            Value::Null,
            Value::Null,
            false,
            "0 of 3 languages",
            json!([])
        ),
        stage(
            "distribution",
            "waiting",
            Value::Null,
            Value::Null,
            Value::Null,
            false,
            "0 of 3 languages to 0 editors",
            json!([])
        ),
    ]);
    a["timeline"] = json!([
        {"event_id": "e1", "type": "alert.raised", "occurred_at": "2026-11-23T13:16:00Z", "producer": "intake", "summary": "alert raised by desk: Quran burning in Stockholm"},
        {"event_id": "e2", "type": "panel.mobilized", "occurred_at": "2026-11-23T13:16:02Z", "producer": "roster", "summary": "4 members invited"},
        {"event_id": "e3", "type": "panel.formed", "occurred_at": "2026-11-23T13:40:00Z", "producer": "roster", "summary": "panel formed: Amina Diallo, Jonas Berg"}
    ]);
    a
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NewAlert {
    title: String,
    summary: String,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    topics: Vec<String>,
    severity: String,
    #[serde(default)]
    languages: Option<Vec<String>>,
    #[serde(default)]
    deadline: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    dedup_key: Option<String>,
}

async fn raise_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "POST",
        "/api/v1/alerts".into(),
        HashMap::new(),
        body.clone(),
    ) {
        return r;
    }
    let input: NewAlert = match serde_json::from_value(body) {
        Ok(input) => input,
        Err(e) => return problem(422, "Invalid fields", &e.to_string(), json!([])),
    };
    let mut errors = Vec::new();
    for l in input.languages.iter().flatten() {
        if l.len() != 2 {
            errors.push(
                json!({"field": "languages", "message": format!("{l:?} is not a language code")}),
            );
        }
    }
    for r in &input.regions {
        if !r.chars().all(|c| c.is_alphanumeric() || c == '-') {
            errors.push(json!({"field": "regions", "message": format!("{r:?} is not a tag (letters, digits, '-' and '_', at most 64)")}));
        }
    }
    if !["low", "medium", "high", "critical"].contains(&input.severity.as_str()) {
        errors.push(json!({"field": "severity", "message": "unknown severity"}));
    }
    if !errors.is_empty() {
        let detail = errors
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    e["field"].as_str().unwrap(),
                    e["message"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return problem(422, "Invalid fields", &detail, Value::Array(errors));
    }
    if input.dedup_key.as_deref() == Some("same-event") {
        let mut existing = alert_with_timeline();
        existing["duplicate"] = json!(true);
        return (StatusCode::OK, Json(existing)).into_response();
    }
    let mut created = alert(SECOND_ID, &input.title, "open");
    created["summary"] = json!(input.summary);
    created["severity"] = json!(input.severity);
    created["regions"] = json!(input.regions);
    if let Some(deadline) = input.deadline {
        created["deadline"] = json!(deadline.to_rfc3339());
    }
    created["duplicate"] = json!(false);
    created["timeline"] = json!([]);
    (
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/alerts/{SECOND_ID}"))],
        Json(created),
    )
        .into_response()
}

async fn list_alerts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "GET",
        "/api/v1/alerts".into(),
        query.clone(),
        Value::Null,
    ) {
        return r;
    }
    let all = [
        alert(ALERT_ID, "Quran burning in Stockholm", "open"),
        alert(SECOND_ID, "Riots in Leicester", "cancelled"),
        alert(THIRD_ID, "Cartoon controversy", "open"),
    ];
    if state.options.todays_intake {
        let all: Vec<Value> = all
            .into_iter()
            .map(|mut a| {
                a.as_object_mut().unwrap().remove("status");
                a
            })
            .collect();
        return Json(json!({ "alerts": all })).into_response();
    }
    match query.get("cursor").map(String::as_str) {
        None => Json(json!({ "alerts": all[..2], "next_cursor": "page-2" })).into_response(),
        Some("page-2") => Json(json!({ "alerts": all[2..], "next_cursor": null })).into_response(),
        Some(_) => problem(400, "Invalid request", "unknown cursor", json!([])),
    }
}

async fn show_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "GET",
        format!("/api/v1/alerts/{id}"),
        HashMap::new(),
        Value::Null,
    ) {
        return r;
    }
    if id == ALERT_ID {
        Json(alert_with_timeline()).into_response()
    } else {
        problem(404, "Not found", "no such alert", json!([]))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cancel {
    reason: String,
}

async fn cancel_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "POST",
        format!("/api/v1/alerts/{id}/cancel"),
        HashMap::new(),
        body.clone(),
    ) {
        return r;
    }
    let Ok(Cancel { reason }) = serde_json::from_value(body) else {
        return problem(422, "Invalid fields", "expected {\"reason\"}", json!([]));
    };
    if id != ALERT_ID {
        return problem(404, "Not found", "no such alert", json!([]));
    }
    let mut cancelled = state.cancelled.lock().unwrap();
    if *cancelled {
        return problem(
            409,
            "Already cancelled",
            "this alert was cancelled before",
            json!([]),
        );
    }
    *cancelled = true;
    let mut view = alert_with_timeline();
    view["status"] = json!("cancelled");
    view["timeline"].as_array_mut().unwrap().push(json!({
        "event_id": "e4", "type": "alert.cancelled", "occurred_at": chrono::Utc::now().to_rfc3339(),
        "producer": "intake", "summary": format!("alert cancelled: {reason}")
    }));
    Json(view).into_response()
}

pub fn token_view(revoked: bool) -> Value {
    json!({
        "token_id": TOKEN_ID, "name": "monitoring", "scopes": ["alerts:write"],
        "expires_at": null, "revoked": revoked, "created_at": chrono::Utc::now().to_rfc3339()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    scopes: Vec<String>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "POST",
        "/api/v1/tokens".into(),
        HashMap::new(),
        body.clone(),
    ) {
        return r;
    }
    let input: NewToken = match serde_json::from_value(body) {
        Ok(input) => input,
        Err(e) => return problem(422, "Invalid fields", &e.to_string(), json!([])),
    };
    let mut view = token_view(false);
    view["name"] = json!(input.name);
    view["scopes"] = json!(input.scopes);
    view["expires_at"] = json!(input.expires_at.map(|t| t.to_rfc3339()));
    view["token"] = json!(NEW_SECRET);
    view.as_object_mut().unwrap().remove("revoked");
    view.as_object_mut().unwrap().remove("created_at");
    (StatusCode::CREATED, Json(view)).into_response()
}

async fn list_tokens(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "GET",
        "/api/v1/tokens".into(),
        HashMap::new(),
        Value::Null,
    ) {
        return r;
    }
    if let Some(delay) = state.options.tokens_delay {
        tokio::time::sleep(delay).await;
    }
    if let Some((status, content_type, body, location)) = state.options.tokens_answer.clone() {
        let mut response = (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, content_type)],
            body,
        )
            .into_response();
        if let Some(location) = location {
            response
                .headers_mut()
                .insert(header::LOCATION, location.parse().unwrap());
        }
        return response;
    }
    let mut old = token_view(true);
    old["token_id"] = json!("0196b3a4-0000-7000-8000-00000000000b");
    old["name"] = json!("bootstrap coordinator");
    old["scopes"] = json!(["admin"]);
    Json(json!({ "tokens": [token_view(false), old] })).into_response()
}

async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "POST",
        format!("/api/v1/tokens/{id}/revoke"),
        HashMap::new(),
        Value::Null,
    ) {
        return r;
    }
    if id == TOKEN_ID {
        Json(token_view(true)).into_response()
    } else {
        problem(404, "Not found", "no such token", json!([]))
    }
}
