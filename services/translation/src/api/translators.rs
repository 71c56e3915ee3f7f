//! `/api/v1/translators`: who translates and reviews — list (by target language), create,
//! show, replace, remove, import and export the CSV. Every route needs a coordinator token with
//! `translators:write`. The console's pages call the same functions ([`create`], [`update`],
//! [`remove`], [`import`], [`export`]).

use crate::Translation;
use crate::domain::csv::{self, RowError};
use crate::domain::translator::{self, Translator, TranslatorInput};
use crate::store;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rrm_contracts::LanguageCode;
use rrm_platform::import::ImportProblem;
use rrm_platform::{ApiJson, FieldProblem, Problem, auth};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub const SCOPE: &str = "translators:write";

/// A translator as the API shows it, with the jobs they hold now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TranslatorView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    /// `from>to`.
    #[schema(example = json!(["en>ar"]))]
    pub pairs: Vec<String>,
    pub capacity: u32,
    /// `active` or `paused`.
    pub status: String,
    /// Jobs offered to or claimed by them now.
    pub load: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TranslatorView {
    pub fn of(t: &Translator, load: u32) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            email: t.email.as_str().to_owned(),
            pairs: t.pairs.iter().map(ToString::to_string).collect(),
            capacity: t.capacity,
            status: t.status.as_str().to_owned(),
            load,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Why a change to a translator was refused.
#[derive(Debug)]
pub enum Refused {
    Invalid(Vec<FieldProblem>),
    /// The address belongs to another translator.
    Duplicate(String),
    /// They hold jobs: removing them would strand those jobs.
    Busy(u32),
    NotFound,
    Store(String),
}

impl From<rrm_bus::StoreError> for Refused {
    fn from(e: rrm_bus::StoreError) -> Self {
        Refused::Store(e.to_string())
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Invalid(p) => write!(
                f,
                "{}",
                p.iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Refused::Duplicate(email) => write!(f, "{email} is the address of another translator"),
            Refused::Busy(n) => write!(
                f,
                "they hold {n} job(s) now: pause them instead, and remove them once the jobs are done or offered to someone else"
            ),
            Refused::NotFound => write!(f, "no such translator"),
            Refused::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<Refused> for Problem {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Invalid(errors) => Problem::invalid_fields(errors),
            Refused::Duplicate(_) => Problem::new(
                StatusCode::CONFLICT,
                "Already a translator",
                refused.to_string(),
            ),
            Refused::Busy(_) => Problem::new(
                StatusCode::CONFLICT,
                "The translator holds jobs",
                refused.to_string(),
            ),
            Refused::NotFound => Problem::not_found("translator"),
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

/// Adds a translator. Refused: invalid values, or an address already on the list.
pub async fn create(app: &Translation, input: TranslatorInput) -> Result<Translator, Refused> {
    let t = translator::apply(input, None, (app.now)()).map_err(Refused::Invalid)?;
    app.store
        .transact(move |tx| {
            if store::translator_by_email_tx(tx, t.email.as_str())?.is_some() {
                return Err(rrm_bus::abort(Refused::Duplicate(t.email.as_str().into())));
            }
            store::put_translator(tx, &t)?;
            Ok(t)
        })
        .await
        .map_err(transaction_error)
}

/// Changes what `input` names of a translator.
pub async fn update(
    app: &Translation,
    id: Uuid,
    input: TranslatorInput,
) -> Result<Translator, Refused> {
    let now = (app.now)();
    app.store
        .transact(move |tx| {
            let Some(before) = store::translator_tx(tx, id)? else {
                return Err(rrm_bus::abort(Refused::NotFound));
            };
            let after = translator::apply(input, Some(&before), now)
                .map_err(|e| rrm_bus::abort(Refused::Invalid(e)))?;
            if let Some(owner) = store::translator_by_email_tx(tx, after.email.as_str())?
                && owner != id
            {
                return Err(rrm_bus::abort(Refused::Duplicate(
                    after.email.as_str().into(),
                )));
            }
            store::put_translator(tx, &after)?;
            Ok(after)
        })
        .await
        .map_err(transaction_error)
}

/// Removes a translator who holds no job.
pub async fn remove(app: &Translation, id: Uuid) -> Result<(), Refused> {
    app.store
        .transact(move |tx| {
            let held = store::load(tx, id)?;
            if held > 0 {
                return Err(rrm_bus::abort(Refused::Busy(held)));
            }
            if !store::remove_translator(tx, id)? {
                return Err(rrm_bus::abort(Refused::NotFound));
            }
            Ok(())
        })
        .await
        .map_err(transaction_error)
}

/// What an import did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
}

#[derive(Debug)]
pub enum ImportRefused {
    Rows(Vec<RowError>),
    Store(String),
}

/// Imports a translators CSV: every row checked first (values, and addresses repeated in the
/// file); any bad row and nothing is imported. A row whose address is on the list updates that
/// translator.
pub async fn import(app: &Translation, bytes: Vec<u8>) -> Result<ImportReport, ImportRefused> {
    let rows = csv::read(&bytes).map_err(ImportRefused::Rows)?;
    let now = (app.now)();
    app.store
        .transact(move |tx| {
            let mut errors = Vec::new();
            let mut seen = std::collections::BTreeMap::new();
            let mut changes = Vec::new();
            for (row, input) in rows {
                let existing = match input.email.as_deref() {
                    Some(email) => match store::translator_by_email_tx(tx, email.trim())? {
                        Some(id) => store::translator_tx(tx, id)?,
                        None => None,
                    },
                    None => None,
                };
                match translator::apply(input, existing.as_ref(), now) {
                    Err(problems) => {
                        errors.extend(problems.into_iter().map(|p| RowError::new(row, p)));
                    }
                    Ok(t) => {
                        let key = t.email.as_str().to_lowercase();
                        if let Some(first) = seen.insert(key, row) {
                            errors.push(RowError {
                                row,
                                field: "email".into(),
                                message: format!("{} is also on line {first}", t.email.as_str()),
                            });
                        }
                        changes.push((existing.is_some(), t));
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
            for (existed, t) in &changes {
                if *existed {
                    report.updated += 1;
                } else {
                    report.created += 1;
                }
                store::put_translator(tx, t)?;
            }
            Ok(report)
        })
        .await
        .map_err(|e| match e {
            rrm_bus::TxError::Abort(r) => r,
            rrm_bus::TxError::Storage(e) => ImportRefused::Store(e.to_string()),
        })
}

impl IntoResponse for ImportRefused {
    fn into_response(self) -> Response {
        match self {
            ImportRefused::Store(e) => Problem::internal(e).into_response(),
            ImportRefused::Rows(rows) => rrm_platform::import::refused(rows),
        }
    }
}

/// Every translator with their load, in the order they were added; only those working into
/// `language` when given.
pub async fn listed(
    app: &Translation,
    language: Option<LanguageCode>,
) -> Result<Vec<TranslatorView>, rrm_bus::StoreError> {
    app.store
        .read(move |s| {
            let mut views = Vec::new();
            for t in store::translators(s)? {
                if let Some(l) = &language
                    && !t.pairs.iter().any(|p| p.to.primary() == l.primary())
                {
                    continue;
                }
                let load = store::load_committed(s, t.id)?;
                views.push(TranslatorView::of(&t, load));
            }
            Ok(views)
        })
        .await
}

/// `GET /api/v1/translators` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only translators working into this language (`ar` also finds `en>ar-EG`).
    language: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TranslatorList {
    pub translators: Vec<TranslatorView>,
}

#[utoipa::path(
    get, path = "/api/v1/translators", tag = "translators", operation_id = "list_translators",
    summary = "List translators",
    description = "Scope translators:write. In the order they were added, each with the jobs \
                   they hold now (`load`).",
    params(ListQuery),
    responses(
        (status = 200, description = "The translators", body = TranslatorList),
        (status = 400, description = "An unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks translators:write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a language", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["translators:write"]))
)]
pub async fn list(
    State(app): State<Translation>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TranslatorList>, Problem> {
    auth::authenticate(&app.store, &headers, SCOPE)?;
    let Query(q) = query.map_err(|e| Problem::bad_request(e.body_text()))?;
    let language = match q
        .language
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        None => None,
        Some(raw) => Some(LanguageCode::parse(raw).map_err(|e| {
            Problem::invalid_fields(vec![FieldProblem::new("language", e.to_string())])
        })?),
    };
    let translators = listed(&app, language).await.map_err(Problem::internal)?;
    Ok(Json(TranslatorList { translators }))
}

#[utoipa::path(
    post, path = "/api/v1/translators", tag = "translators", operation_id = "create_translator",
    summary = "Add a translator",
    description = "Scope translators:write. `name`, `email` and `pairs` are required.",
    request_body(content = TranslatorInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = TranslatorView,
            headers(("Location" = String, description = "The translator's URL"))),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks translators:write", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address is another translator's", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["translators:write"]))
)]
pub async fn add(
    State(app): State<Translation>,
    headers: HeaderMap,
    body: Result<ApiJson<TranslatorInput>, Problem>,
) -> Result<Response, Problem> {
    auth::authenticate(&app.store, &headers, SCOPE)?;
    let ApiJson(input) = body?;
    let t = create(&app, input).await?;
    let location = format!("/api/v1/translators/{}", t.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(TranslatorView::of(&t, 0)),
    )
        .into_response())
}

fn id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| Problem::not_found("translator"))
}

async fn view(app: &Translation, id: Uuid) -> Result<TranslatorView, Problem> {
    app.store
        .read(move |s| Ok(store::translator(s, id)?.map(|t| (store::load_committed(s, id), t))))
        .await
        .map_err(Problem::internal)?
        .map(|(load, t)| Ok(TranslatorView::of(&t, load.unwrap_or(0))))
        .unwrap_or_else(|| Err(Problem::not_found("translator")))
}

#[utoipa::path(
    get, path = "/api/v1/translators/{id}", tag = "translators", operation_id = "show_translator",
    summary = "One translator",
    description = "Scope translators:write.",
    params(("id" = Uuid, Path, description = "The translator's id")),
    responses(
        (status = 200, description = "The translator", body = TranslatorView),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks translators:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such translator", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["translators:write"]))
)]
pub async fn show(
    State(app): State<Translation>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Json<TranslatorView>, Problem> {
    auth::authenticate(&app.store, &headers, SCOPE)?;
    Ok(Json(view(&app, id(&raw)?).await?))
}

#[utoipa::path(
    put, path = "/api/v1/translators/{id}", tag = "translators", operation_id = "edit_translator",
    summary = "Edit a translator (pause with `status: paused`)",
    description = "Scope translators:write. Fields absent are kept; `pairs` given replaces the \
                   list. A paused translator is offered nothing; jobs they hold stay theirs.",
    params(("id" = Uuid, Path, description = "The translator's id")),
    request_body(content = TranslatorInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The translator as they are now", body = TranslatorView),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks translators:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such translator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address is another translator's", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["translators:write"]))
)]
pub async fn edit(
    State(app): State<Translation>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<ApiJson<TranslatorInput>, Problem>,
) -> Result<Json<TranslatorView>, Problem> {
    auth::authenticate(&app.store, &headers, SCOPE)?;
    let id = id(&raw)?;
    let ApiJson(input) = body?;
    update(&app, id, input).await?;
    Ok(Json(view(&app, id).await?))
}

#[utoipa::path(
    delete, path = "/api/v1/translators/{id}", tag = "translators", operation_id = "remove_translator",
    summary = "Remove a translator",
    description = "Scope translators:write. Refused while they hold a job (offered or claimed): \
                   pause them, and remove them once their jobs are done or have moved on.",
    params(("id" = Uuid, Path, description = "The translator's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks translators:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such translator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "They hold jobs", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["translators:write"]))
)]
pub async fn delete(
    State(app): State<Translation>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<StatusCode, Problem> {
    auth::authenticate(&app.store, &headers, SCOPE)?;
    remove(&app, id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/translators/import", tag = "translators", operation_id = "import_translators",
    summary = "Import a translators CSV",
    description = "Scope translators:write. The body is the file (`text/csv`), columns \
                   `name,email,pairs,capacity,status` (name, email and pairs required; pairs \
                   `from>to` separated by `;` or spaces). Every row is checked first: any bad \
                   row and nothing is imported. A row whose address is on the list updates that \
                   translator.",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "Imported", body = ImportReport),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks translators:write", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows, each with its line; nothing imported", body = ImportProblem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["translators:write"]))
)]
pub async fn import_csv(
    State(app): State<Translation>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    auth::authenticate(&app.store, &headers, SCOPE)?;
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
    Ok(match import(&app, body.to_vec()).await {
        Ok(report) => Json(report).into_response(),
        Err(refused) => refused.into_response(),
    })
}

#[utoipa::path(
    get, path = "/api/v1/translators/export", tag = "translators", operation_id = "export_translators",
    summary = "Every translator as CSV (the import's columns)",
    description = "Scope translators:write. A cell starting `=`, `+`, `-` or `@` is written with \
                   a leading `'` (spreadsheets would run it); import takes it off again.",
    responses(
        (status = 200, description = "The CSV", body = String, content_type = "text/csv"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks translators:write", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["translators:write"]))
)]
pub async fn export_csv(
    State(app): State<Translation>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    auth::authenticate(&app.store, &headers, SCOPE)?;
    export(&app).await
}

/// The CSV export as a download (the API and the console's link).
pub(crate) async fn export(app: &Translation) -> Result<Response, Problem> {
    let translators = app
        .store
        .read(store::translators)
        .await
        .map_err(Problem::internal)?;
    let bytes = csv::write(&translators).map_err(Problem::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"translators.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
