//! The stand-in roster: an axum server on 127.0.0.1:0 speaking roster's coordinator API
//! (`/api/v1/members…`, `/api/v1/panels…`) with canned answers in roster's shapes. Like the
//! stand-in intake it checks the bearer token first and refuses the bodies roster would refuse:
//! unknown or missing fields, a CSV import that is not `text/csv` or has invalid rows.

use crate::helpers::{Run, Seen, TOKEN, admit, problem, run_rrm, serve};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Amina Diallo: on the roster, her e-mail taken, already invited to [`PANEL_ALERT`]'s panel.
pub const AMINA: &str = "0196b3a4-1111-7000-8000-000000000001";
/// Jonas Berg: on leave until 2099-12-01.
pub const JONAS: &str = "0196b3a4-1111-7000-8000-000000000002";
/// Li Wei: on the second page of the list.
pub const LI: &str = "0196b3a4-1111-7000-8000-000000000003";
/// The member `POST /api/v1/members` creates.
pub const NEW_MEMBER: &str = "0196b3a4-1111-7000-8000-00000000000f";
/// The alert whose panel the stand-in knows.
pub const PANEL_ALERT: &str = "0196b3a4-5c1d-7e2f-8a9b-0c1d2e3f4a5b";
pub const AMINA_EMAIL: &str = "amina@example.org";

/// The columns of roster's CSV, in import and export alike.
pub const CSV_HEADER: &str = "name,title,affiliation,email,lines,languages_written,languages_read,topics,regions,time_zone,on_leave_until,active";

#[derive(Clone)]
struct AppState {
    seen: Arc<Mutex<Vec<Seen>>>,
}

pub struct StandInRoster {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandInRoster {
    pub fn start() -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = AppState { seen: seen.clone() };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = serve(listener, router(state));
        Self { url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Runs `rrm` against this roster with the right token. Intake's URL points nowhere: a
    /// `members` or `panel` command must not need it.
    pub fn rrm(&self, args: &[&str]) -> Run {
        run_rrm(
            args,
            &[
                ("RRM_ROSTER_URL", &self.url),
                ("RRM_URL", "not a url at all"),
                ("RRM_TOKEN", TOKEN),
            ],
        )
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/members", get(list_members).post(add_member))
        .route("/api/v1/members/import", post(import_members))
        .route("/api/v1/members/export", get(export_members))
        .route(
            "/api/v1/members/{id}",
            get(show_member).patch(edit_member).delete(erase_member),
        )
        .route("/api/v1/members/{id}/data", get(member_data))
        .route("/api/v1/panels/{alert_id}", get(show_panel))
        .route("/api/v1/panels/{alert_id}/invitations", post(invite))
        .with_state(state)
}

/// A member as roster answers it.
pub fn member(id: &str, name: &str, email: &str) -> Value {
    json!({
        "member_id": id, "name": name, "title": "Professor of theology",
        "affiliation": "University of Dakar", "email": email,
        "lines": ["faith"], "languages_written": ["fr", "en"], "languages_read": ["ar"],
        "topics": ["religion"], "regions": ["africa"], "time_zone": "Africa/Dakar",
        "on_leave_until": null, "active": true,
        "created_at": "2026-11-01T09:00:00Z", "updated_at": "2026-11-20T09:00:00Z"
    })
}

fn known(id: &str) -> Option<Value> {
    match id {
        AMINA => Some(member(AMINA, "Amina Diallo", AMINA_EMAIL)),
        JONAS => {
            let mut m = member(JONAS, "Jonas Berg", "jonas@example.org");
            m["lines"] = json!(["secular", "academia"]);
            m["languages_written"] = json!(["sv", "en"]);
            m["on_leave_until"] = json!("2099-12-01");
            Some(m)
        }
        LI => {
            let mut m = member(LI, "Li Wei", "li@example.org");
            m["languages_written"] = json!(["zh-Hans"]);
            Some(m)
        }
        _ => None,
    }
}

fn not_found(what: &str) -> Response {
    problem(404, "Not found", &format!("no such {what}"), json!([]))
}

fn invalid(errors: Vec<Value>) -> Response {
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
    problem(422, "Invalid fields", &detail, Value::Array(errors))
}

async fn list_members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "GET",
        "/api/v1/members".into(),
        query.clone(),
        Value::Null,
    ) {
        return r;
    }
    if let Some(limit) = query.get("limit")
        && !limit.parse::<u32>().is_ok_and(|l| (1..=200).contains(&l))
    {
        return invalid(vec![
            json!({"field": "limit", "message": "must be 1 to 200"}),
        ]);
    }
    let page_one = [known(AMINA).unwrap(), known(JONAS).unwrap()];
    match query.get("cursor").map(String::as_str) {
        None => Json(json!({ "members": page_one, "next_cursor": "page-2" })).into_response(),
        Some("page-2") => {
            Json(json!({ "members": [known(LI).unwrap()], "next_cursor": null })).into_response()
        }
        Some(_) => problem(400, "Invalid request", "unknown cursor", json!([])),
    }
}

/// MemberInput: every field roster accepts, and no other.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct MemberInput {
    name: String,
    email: String,
    lines: Vec<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    affiliation: Option<String>,
    #[serde(default)]
    languages_written: Option<Vec<String>>,
    #[serde(default)]
    languages_read: Option<Vec<String>>,
    #[serde(default)]
    topics: Option<Vec<String>>,
    #[serde(default)]
    regions: Option<Vec<String>>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    on_leave_until: Option<chrono::NaiveDate>,
    #[serde(default)]
    active: Option<bool>,
}

async fn add_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "POST",
        "/api/v1/members".into(),
        HashMap::new(),
        body.clone(),
    ) {
        return r;
    }
    let input: MemberInput = match serde_json::from_value(body.clone()) {
        Ok(input) => input,
        Err(e) => return problem(422, "Invalid fields", &e.to_string(), json!([])),
    };
    let mut errors = Vec::new();
    if !input.email.contains('@') {
        errors.push(json!({"field": "email", "message": "not an e-mail address"}));
    }
    if input.lines.is_empty() {
        errors.push(json!({"field": "lines", "message": "at least one line"}));
    }
    if !errors.is_empty() {
        return invalid(errors);
    }
    if input.email.eq_ignore_ascii_case(AMINA_EMAIL) {
        return problem(
            409,
            "Already on the roster",
            &format!("{AMINA_EMAIL} is already on the roster as member {AMINA}"),
            json!([]),
        );
    }
    let mut created = member(NEW_MEMBER, &input.name, &input.email);
    for (key, value) in body.as_object().unwrap() {
        created[key] = value.clone();
    }
    (
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/members/{NEW_MEMBER}"))],
        Json(created),
    )
        .into_response()
}

async fn show_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "GET",
        format!("/api/v1/members/{id}"),
        HashMap::new(),
        Value::Null,
    ) {
        return r;
    }
    known(&id).map_or_else(|| not_found("member"), |m| Json(m).into_response())
}

async fn edit_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "PATCH",
        format!("/api/v1/members/{id}"),
        HashMap::new(),
        body.clone(),
    ) {
        return r;
    }
    // Any subset of MemberInput: check the names and types with every field made present.
    let Some(mut member) = known(&id) else {
        return not_found("member");
    };
    let Some(changes) = body.as_object().filter(|o| !o.is_empty()) else {
        return problem(422, "Invalid fields", "nothing to change", json!([]));
    };
    let mut whole = member.clone();
    for key in ["member_id", "created_at", "updated_at"] {
        whole.as_object_mut().unwrap().remove(key);
    }
    for (key, value) in changes {
        whole[key] = value.clone();
        member[key] = value.clone();
    }
    if let Err(e) = serde_json::from_value::<MemberInput>(whole) {
        return problem(422, "Invalid fields", &e.to_string(), json!([]));
    }
    Json(member).into_response()
}

async fn erase_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "DELETE",
        format!("/api/v1/members/{id}"),
        HashMap::new(),
        Value::Null,
    ) {
        return r;
    }
    if known(&id).is_none() {
        return not_found("member");
    }
    Json(json!({ "member_id": id, "erased": true })).into_response()
}

async fn member_data(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "GET",
        format!("/api/v1/members/{id}/data"),
        HashMap::new(),
        Value::Null,
    ) {
        return r;
    }
    let Some(member) = known(&id) else {
        return not_found("member");
    };
    Json(json!({
        "member": member,
        "invitations": [invitation(AMINA, "Amina Diallo", "accepted")],
        "exported_at": "2026-11-23T14:00:00Z"
    }))
    .into_response()
}

/// Checks a CSV import as roster does: `text/csv`, the header, an e-mail in every row. Row
/// numbers count data rows from 1.
async fn import_members(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "POST",
        "/api/v1/members/import".into(),
        HashMap::new(),
        Value::String(text.clone()),
    ) {
        return r;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != "text/csv" {
        return problem(
            415,
            "Unsupported media type",
            "send the CSV file as text/csv",
            json!([]),
        );
    }
    let mut lines = text.lines();
    if lines.next() != Some(CSV_HEADER) {
        return problem(
            422,
            "Invalid CSV",
            "the header is not roster's columns",
            json!([]),
        );
    }
    let (mut rows, mut created, mut updated, mut errors) = (0, 0, 0, Vec::new());
    for (i, line) in lines.enumerate() {
        rows += 1;
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != 12 {
            errors.push(json!({"row": i + 1, "field": "", "message": format!("{} columns, expected 12", cells.len())}));
            continue;
        }
        if !cells[1].contains('@') {
            errors.push(json!({"row": i + 1, "field": "email", "message": format!("{:?} is not an e-mail address", cells[1])}));
        } else if cells[1] == AMINA_EMAIL {
            updated += 1;
        } else {
            created += 1;
        }
    }
    if !errors.is_empty() {
        return problem(
            422,
            "Invalid rows",
            &format!("{} rows are invalid; nothing was imported", errors.len()),
            Value::Array(errors),
        );
    }
    Json(json!({"rows": rows, "created": created, "updated": updated})).into_response()
}

/// What `GET /api/v1/members/export` answers.
pub fn export_csv() -> String {
    format!(
        "{CSV_HEADER}\r\nAmina Diallo,{AMINA_EMAIL},Professor,University of Dakar,faith,fr;en,ar,religion,africa,Africa/Dakar,,true\r\n\"Berg, Jonas\",jonas@example.org,,,secular,sv,,,,Europe/Stockholm,2099-12-01,true\r\n"
    )
}

async fn export_members(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "GET",
        "/api/v1/members/export".into(),
        HashMap::new(),
        Value::Null,
    ) {
        return r;
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        export_csv(),
    )
        .into_response()
}

pub fn invitation(member_id: &str, name: &str, state: &str) -> Value {
    json!({
        "invitation_id": format!("inv-{member_id}"), "member_id": member_id, "name": name,
        "lines": ["faith"], "state": state, "score": 87,
        "reasons": ["writes ar", "covers religion", "answered fast before"],
        "invited_at": "2026-11-23T13:16:02Z", "reminded_at": null,
        "answered_at": if state == "pending" { Value::Null } else { json!("2026-11-23T13:30:00Z") },
        "note": null, "alternate": false, "invited_by": null,
        "role": if state == "accepted" { json!("author") } else { Value::Null }
    })
}

pub fn panel() -> Value {
    let mut jonas = invitation(JONAS, "Jonas Berg", "declined");
    jonas["lines"] = json!(["secular", "academia"]);
    jonas["score"] = json!(64);
    jonas["reasons"] = json!(["writes sv", "covers europe"]);
    jonas["note"] = json!("travelling this week");
    let mut li = invitation(LI, "Li Wei", "pending");
    li["alternate"] = json!(true);
    li["score"] = json!(51);
    li["reasons"] = json!(["writes zh-Hans"]);
    json!({
        "alert_id": PANEL_ALERT, "panel_id": "0196b3a4-2222-7000-8000-000000000001",
        "title": "Quran burning in Stockholm", "formed": false, "cancelled": false,
        "shortfall": null, "needed": 3, "min_lines": 2,
        "explanation": "Invited the 3 best-scoring active members from 2 lines,\nand 1 alternate.",
        "invitations": [invitation(AMINA, "Amina Diallo", "accepted"), jonas, li]
    })
}

async fn show_panel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alert_id): Path<String>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "GET",
        format!("/api/v1/panels/{alert_id}"),
        HashMap::new(),
        Value::Null,
    ) {
        return r;
    }
    if alert_id == PANEL_ALERT {
        Json(panel()).into_response()
    } else {
        not_found("alert")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Invite {
    member_id: uuid::Uuid,
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alert_id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = admit(
        &state.seen,
        &headers,
        "POST",
        format!("/api/v1/panels/{alert_id}/invitations"),
        HashMap::new(),
        body.clone(),
    ) {
        return r;
    }
    let Ok(Invite { member_id }) = serde_json::from_value(body) else {
        return problem(422, "Invalid fields", "expected {\"member_id\"}", json!([]));
    };
    let member_id = member_id.to_string();
    if alert_id != PANEL_ALERT {
        return not_found("alert");
    }
    let Some(member) = known(&member_id) else {
        return not_found("member");
    };
    if member_id == AMINA {
        return problem(
            409,
            "Already invited",
            "Amina Diallo is already invited to this panel",
            json!([]),
        );
    }
    let mut invited = invitation(&member_id, member["name"].as_str().unwrap(), "pending");
    invited["invited_by"] = json!("Night desk");
    invited["lines"] = member["lines"].clone();
    (StatusCode::CREATED, Json(invited)).into_response()
}
