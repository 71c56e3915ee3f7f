//! `/api/v1/members`: the network's members — list (search, filters, pages), create, show,
//! edit (deactivate included), erase, export one member's data, import and export the CSV.
//! Every route needs a coordinator token with `roster:write` (members' data is personal).
//! The console's pages call the same functions ([`create`], [`update`], [`import`], [`erase`]).

use crate::Roster;
use crate::domain::csv::{self, RowError};
use crate::domain::{Answer, Invitation, Member, MemberInput, member};
use crate::mobilisation::Alternates;
use crate::store::{self, MemberFilter};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use rrm_platform::import::ImportProblem;
use rrm_platform::{ApiJson, FieldProblem, Problem, auth};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

const SCOPE: &str = "roster:write";

/// Why a change to a member was refused.
#[derive(Debug)]
pub enum Refused {
    Invalid(Vec<FieldProblem>),
    /// The address belongs to another member.
    Duplicate(String),
    NotFound,
    Store(String),
}

impl From<rrm_bus::StoreError> for Refused {
    fn from(e: rrm_bus::StoreError) -> Self {
        Refused::Store(e.to_string())
    }
}

impl From<Refused> for Problem {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Invalid(errors) => Problem::invalid_fields(errors),
            Refused::Duplicate(email) => Problem::new(
                StatusCode::CONFLICT,
                "Already on the roster",
                format!("{email} is the address of another member"),
            ),
            Refused::NotFound => Problem::not_found("member"),
            Refused::Store(e) => Problem::internal(e),
        }
    }
}

fn transaction_error(e: rrm_bus::TxError<Refused>) -> Refused {
    match e {
        rrm_bus::TxError::Abort(r) => r,
        rrm_bus::TxError::Storage(e) => Refused::Store(e.to_string()),
    }
}

/// Adds a member. Refused: invalid values, or an address already on the roster.
pub async fn create(roster: &Roster, input: MemberInput) -> Result<Member, Refused> {
    let now = Utc::now();
    let member = member::apply(input, None, &roster.vocabulary, now).map_err(Refused::Invalid)?;
    roster
        .store
        .transact(move |tx| {
            if store::id_by_email_in(tx, member.email.as_str())?.is_some() {
                return Err(rrm_bus::abort(Refused::Duplicate(
                    member.email.as_str().into(),
                )));
            }
            store::put_member(tx, None, &member)?;
            Ok(member)
        })
        .await
        .map_err(transaction_error)
}

/// Changes what `input` names of a member.
pub async fn update(roster: &Roster, id: Uuid, input: MemberInput) -> Result<Member, Refused> {
    let vocabulary = roster.vocabulary.clone();
    roster
        .store
        .transact(move |tx| {
            let Some(before) = store::member_in(tx, id)? else {
                return Err(rrm_bus::abort(Refused::NotFound));
            };
            let after = member::apply(input, Some(&before), &vocabulary, Utc::now())
                .map_err(|e| rrm_bus::abort(Refused::Invalid(e)))?;
            if let Some(owner) = store::id_by_email_in(tx, after.email.as_str())?
                && owner != id
            {
                return Err(rrm_bus::abort(Refused::Duplicate(
                    after.email.as_str().into(),
                )));
            }
            store::put_member(tx, Some(&before), &after)?;
            Ok(after)
        })
        .await
        .map_err(transaction_error)
}

/// Erases a member's personal data; their invitations and answers stay, anonymised (notes
/// removed). An invitation still waiting for their answer is withdrawn and, while its panel is
/// forming, an alternate is invited in their place. Erasing twice is harmless.
pub async fn erase(roster: &Roster, id: Uuid) -> Result<Member, Refused> {
    let now = (roster.now)();
    // Their invitations, and the candidates of the panels still forming that may need an
    // alternate, read before the transaction.
    let r = roster.clone();
    let (invitations, alternates) = roster
        .store
        .read(move |s| {
            let invitations = store::invitations_of(s, id)?;
            let mut forming = Vec::new();
            for inv in invitations.iter().filter(|i| i.answer == Answer::Pending) {
                if let Some(panel) = store::panel(s, inv.alert_id)?
                    && panel.open()
                {
                    forming.push(panel.alert);
                }
            }
            let alternates = Alternates::rank(&r, &forming, now)?;
            let ids: Vec<Uuid> = invitations.iter().map(|i| i.invitation_id).collect();
            Ok((ids, alternates))
        })
        .await?;
    let r = roster.clone();
    roster
        .store
        .transact(move |tx| {
            let Some(before) = store::member_in(tx, id)? else {
                return Err(rrm_bus::abort(Refused::NotFound));
            };
            let after = before.erase(now);
            store::put_member(tx, Some(&before), &after)?;
            for invitation_id in &invitations {
                // Read again inside the transaction: an answer may have come since.
                let Some(mut inv) = store::invitation_in(tx, *invitation_id)? else {
                    continue;
                };
                let pending = inv.answer == Answer::Pending;
                if inv.note.is_none() && !pending {
                    continue;
                }
                inv.note = None;
                if pending {
                    inv.answer = Answer::Withdrawn;
                    inv.answered_at = Some(now);
                }
                store::put_invitation(tx, &inv)?;
                if pending
                    && inv.replaced_at.is_none()
                    && let Some(mut panel) = store::panel_in(tx, inv.alert_id)?
                    && panel.open()
                {
                    let why = "was removed from the roster";
                    r.replace(tx, &mut panel, &before, why, &alternates, now)
                        .map_err(|e| match e {
                            rrm_bus::TxError::Abort(e) => {
                                rrm_bus::abort(Refused::Store(e.to_string()))
                            }
                            rrm_bus::TxError::Storage(e) => rrm_bus::TxError::Storage(e),
                        })?;
                    store::put_panel(tx, &panel)?;
                }
            }
            Ok(after)
        })
        .await
        .map_err(transaction_error)
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
}

/// Imports a members CSV: every row checked first (values, vocabulary, addresses repeated in
/// the file); any bad row and nothing is imported. Rows whose address is on the roster update
/// that member; erased members are never brought back.
pub async fn import(roster: &Roster, bytes: Vec<u8>) -> Result<ImportReport, ImportRefused> {
    let rows = csv::read(&bytes).map_err(ImportRefused::Rows)?;
    let vocabulary = roster.vocabulary.clone();
    roster
        .store
        .transact(move |tx| {
            let now = Utc::now();
            let mut errors = Vec::new();
            let mut seen = std::collections::BTreeMap::new();
            let mut changes = Vec::new();
            for (row, input) in rows {
                let existing = match input.email.as_deref() {
                    Some(email) => match store::id_by_email_in(tx, email.trim())? {
                        Some(id) => store::member_in(tx, id)?,
                        None => None,
                    },
                    None => None,
                };
                match member::apply(input, existing.as_ref(), &vocabulary, now) {
                    Err(problems) => {
                        errors.extend(problems.into_iter().map(|p| RowError::new(row, p)))
                    }
                    Ok(m) => {
                        let key = m.email.as_str().to_lowercase();
                        if let Some(first) = seen.insert(key, row) {
                            errors.push(RowError {
                                row,
                                field: "email".into(),
                                message: format!("{} is also on line {first}", m.email.as_str()),
                            });
                        }
                        changes.push((existing, m));
                    }
                }
            }
            if !errors.is_empty() {
                return Err(rrm_bus::abort(ImportRefused::Rows(errors)));
            }
            let mut report = ImportReport {
                rows: changes.len(),
                created: 0,
                updated: 0,
            };
            for (before, after) in &changes {
                if before.is_some() {
                    report.updated += 1;
                } else {
                    report.created += 1;
                }
                store::put_member(tx, before.as_ref(), after)?;
            }
            Ok(report)
        })
        .await
        .map_err(|e| match e {
            rrm_bus::TxError::Abort(r) => r,
            rrm_bus::TxError::Storage(e) => ImportRefused::Store(e.to_string()),
        })
}

#[derive(Debug)]
pub enum ImportRefused {
    Rows(Vec<RowError>),
    Store(String),
}

impl IntoResponse for ImportRefused {
    fn into_response(self) -> Response {
        match self {
            ImportRefused::Store(e) => Problem::internal(e).into_response(),
            ImportRefused::Rows(rows) => rrm_platform::import::refused(rows),
        }
    }
}

/// `GET /api/v1/members` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Text in the name, title, affiliation or address.
    q: Option<String>,
    /// Only members of this line.
    line: Option<String>,
    /// Only members who write or read this language.
    language: Option<String>,
    topic: Option<String>,
    region: Option<String>,
    /// `active` (default), `inactive` or `all`.
    #[param(value_type = Option<String>, example = "active")]
    status: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, default = 50)]
    limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    cursor: Option<String>,
}

/// One page of members, in name order.
#[derive(Serialize, ToSchema)]
pub struct MemberPage {
    pub members: Vec<Member>,
    /// The `cursor` of the next page; null on the last.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

pub(crate) fn encode_cursor(key: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

pub(crate) fn decode_cursor(raw: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
}

/// Reads a listing's filter, naming each bad parameter.
pub(crate) fn filter(
    q: Option<String>,
    line: Option<String>,
    language: Option<String>,
    topic: Option<String>,
    region: Option<String>,
    status: Option<&str>,
) -> Result<MemberFilter, Vec<FieldProblem>> {
    let tidy = |v: Option<String>| v.map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty());
    let active = match status.map(str::trim).unwrap_or("active") {
        "" | "active" => Some(true),
        "inactive" => Some(false),
        "all" => None,
        other => {
            return Err(vec![FieldProblem {
                field: "status".into(),
                message: format!("{other:?} is not active, inactive or all"),
            }]);
        }
    };
    Ok(MemberFilter {
        q: q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()),
        line: tidy(line),
        language: tidy(language),
        topic: tidy(topic),
        region: tidy(region),
        active,
    })
}

#[utoipa::path(
    get, path = "/api/v1/members", tag = "members", operation_id = "list_members",
    summary = "List members (search, filters, pages)",
    description = "Scope roster:write. In name order, `limit` at a time.",
    params(ListQuery),
    responses(
        (status = 200, description = "A page", body = MemberPage),
        (status = 400, description = "An unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks roster:write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["roster:write"]))
)]
pub async fn list(
    State(roster): State<Roster>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MemberPage>, Problem> {
    auth::authenticate(&roster.store, &headers, SCOPE)?;
    let Query(q) = query.map_err(|e| Problem::bad_request(e.body_text()))?;
    let mut problems = Vec::new();
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => {
            problems.push(FieldProblem {
                field: "limit".into(),
                message: "must be a whole number from 1 to 200".into(),
            });
            50
        }
    };
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(raw) => decode_cursor(raw).or_else(|| {
            problems.push(FieldProblem {
                field: "cursor".into(),
                message: "is not a cursor this API gave".into(),
            });
            None
        }),
    };
    let filter = filter(
        q.q,
        q.line,
        q.language,
        q.topic,
        q.region,
        q.status.as_deref(),
    )
    .unwrap_or_else(|e| {
        problems.extend(e);
        MemberFilter::default()
    });
    if !problems.is_empty() {
        return Err(Problem::invalid_fields(problems));
    }
    let (members, next) = roster
        .store
        .read(move |s| store::list_members(s, &filter, after.as_deref(), limit))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(MemberPage {
        members,
        next_cursor: next.map(|k| encode_cursor(&k)),
    }))
}

#[utoipa::path(
    post, path = "/api/v1/members", tag = "members", operation_id = "create_member",
    summary = "Add a member",
    description = "Scope roster:write. `name`, `email` and `lines` are required; lines and \
                   languages must be in the configured vocabulary.",
    request_body(content = MemberInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = Member,
            headers(("Location" = String, description = "The member's URL"))),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks roster:write", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address is another member's", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["roster:write"]))
)]
pub async fn add(
    State(roster): State<Roster>,
    headers: HeaderMap,
    body: Result<ApiJson<MemberInput>, Problem>,
) -> Result<Response, Problem> {
    auth::authenticate(&roster.store, &headers, SCOPE)?;
    let ApiJson(input) = body?;
    let member = create(&roster, input).await?;
    let location = format!("/api/v1/members/{}", member.member_id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(member),
    )
        .into_response())
}

fn id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| Problem::not_found("member"))
}

#[utoipa::path(
    get, path = "/api/v1/members/{id}", tag = "members", operation_id = "show_member",
    summary = "One member",
    description = "Scope roster:write.",
    params(("id" = Uuid, Path, description = "The member's id")),
    responses(
        (status = 200, description = "The member", body = Member),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks roster:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["roster:write"]))
)]
pub async fn show(
    State(roster): State<Roster>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Json<Member>, Problem> {
    auth::authenticate(&roster.store, &headers, SCOPE)?;
    let member = store::member(&roster.store, id(&raw)?)
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("member"))?;
    Ok(Json(member))
}

#[utoipa::path(
    patch, path = "/api/v1/members/{id}", tag = "members", operation_id = "edit_member",
    summary = "Edit a member (deactivate with `active: false`)",
    description = "Scope roster:write. Fields absent are kept; lists given replace the list; \
                   `on_leave_until: null` clears the leave.",
    params(("id" = Uuid, Path, description = "The member's id")),
    request_body(content = MemberInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The member as it is now", body = Member),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks roster:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address is another member's", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an erased member", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["roster:write"]))
)]
pub async fn edit(
    State(roster): State<Roster>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<ApiJson<MemberInput>, Problem>,
) -> Result<Json<Member>, Problem> {
    auth::authenticate(&roster.store, &headers, SCOPE)?;
    let id = id(&raw)?;
    let ApiJson(input) = body?;
    Ok(Json(update(&roster, id, input).await?))
}

/// The answer of an erasure.
#[derive(Serialize, ToSchema)]
pub struct Erased {
    pub member_id: Uuid,
    pub erased: bool,
}

#[utoipa::path(
    delete, path = "/api/v1/members/{id}", tag = "members", operation_id = "erase_member",
    summary = "Erase a member's personal data",
    description = "Scope roster:write. Irreversible. The member's name, address, affiliation and \
                   every other personal value are removed, as are the notes they wrote with their \
                   answers; the facts (invited, answered, authored) stay under an anonymous name. \
                   An invitation still awaiting their answer is withdrawn, and an alternate \
                   invited in their place while the panel is forming.",
    params(("id" = Uuid, Path, description = "The member's id")),
    responses(
        (status = 200, description = "Erased", body = Erased),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks roster:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["roster:write"]))
)]
pub async fn remove(
    State(roster): State<Roster>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Json<Erased>, Problem> {
    let who = auth::authenticate(&roster.store, &headers, SCOPE)?;
    let member = erase(&roster, id(&raw)?).await?;
    tracing::info!(member_id = %member.member_id, by = %who.name, "member erased");
    Ok(Json(Erased {
        member_id: member.member_id,
        erased: true,
    }))
}

/// Everything roster holds about one member.
#[derive(Serialize, ToSchema)]
pub struct MemberData {
    pub member: Member,
    /// Every invitation they received, with their answers and notes.
    #[schema(value_type = Vec<Object>)]
    pub invitations: Vec<Invitation>,
    pub exported_at: DateTime<Utc>,
}

#[utoipa::path(
    get, path = "/api/v1/members/{id}/data", tag = "members", operation_id = "export_member_data",
    summary = "Everything held about one member (data subject access)",
    description = "Scope roster:write.",
    params(("id" = Uuid, Path, description = "The member's id")),
    responses(
        (status = 200, description = "The member and their invitations", body = MemberData),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks roster:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["roster:write"]))
)]
pub async fn data(
    State(roster): State<Roster>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, Problem> {
    auth::authenticate(&roster.store, &headers, SCOPE)?;
    let data = MemberData::read(&roster, id(&raw)?)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("member"))?;
    Ok(data.download())
}

impl MemberData {
    /// Everything held about member `id`, from one snapshot; `None` when there is no such member.
    pub(crate) async fn read(
        roster: &Roster,
        id: Uuid,
    ) -> Result<Option<Self>, rrm_bus::StoreError> {
        let found = roster
            .store
            .read(move |s| Ok((store::member(s, id)?, store::invitations_of(s, id)?)))
            .await?;
        Ok(match found {
            (Some(member), invitations) => Some(Self {
                member,
                invitations,
                exported_at: Utc::now(),
            }),
            (None, _) => None,
        })
    }

    /// As a download, `member-<id>.json` (the API's answer and the console's link).
    pub(crate) fn download(&self) -> Response {
        let name = format!(
            "attachment; filename=\"member-{}.json\"",
            self.member.member_id
        );
        (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::CONTENT_DISPOSITION, name),
            ],
            serde_json::to_vec_pretty(self).unwrap_or_default(),
        )
            .into_response()
    }
}

#[utoipa::path(
    post, path = "/api/v1/members/import", tag = "members", operation_id = "import_members",
    summary = "Import a members CSV",
    description = "Scope roster:write. The body is the file (`text/csv`), columns \
                   `name,title,affiliation,email,lines,languages_written,languages_read,topics,\
                   regions,time_zone,on_leave_until,active` (name, email and lines required; \
                   lists `;`-separated). Every row is checked first: any bad row and nothing is \
                   imported. A row whose address is on the roster updates that member.",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "Imported", body = ImportReport),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks roster:write", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows, each with its line; nothing imported", body = ImportProblem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["roster:write"]))
)]
pub async fn import_csv(
    State(roster): State<Roster>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    auth::authenticate(&roster.store, &headers, SCOPE)?;
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_lowercase().starts_with("text/csv"));
    if !csv {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "send the file as Content-Type: text/csv",
        ));
    }
    Ok(match import(&roster, body.to_vec()).await {
        Ok(report) => Json(report).into_response(),
        Err(refused) => refused.into_response(),
    })
}

#[utoipa::path(
    get, path = "/api/v1/members/export", tag = "members", operation_id = "export_members",
    summary = "Every member as CSV (the import's columns)",
    description = "Scope roster:write. Erased members are left out. A cell starting `=`, `+`, \
                   `-` or `@` is written with a leading `'` (spreadsheets would run it); import \
                   takes it off again.",
    responses(
        (status = 200, description = "The CSV", body = String, content_type = "text/csv"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks roster:write", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["roster:write"]))
)]
pub async fn export_csv(
    State(roster): State<Roster>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    auth::authenticate(&roster.store, &headers, SCOPE)?;
    export(&roster).await
}

/// The CSV export as a download (the API and the console's button).
pub(crate) async fn export(roster: &Roster) -> Result<Response, Problem> {
    let members = roster
        .store
        .read(store::all_members)
        .await
        .map_err(Problem::internal)?;
    // Erased members have nothing left to export.
    let bytes = csv::write(members.iter().filter(|m| !m.erased)).map_err(Problem::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"members.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
