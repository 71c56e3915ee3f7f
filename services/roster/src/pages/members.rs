//! `/console/members`: the roster for coordinators with `roster:write` — search and filters a
//! page at a time, add, edit (deactivate, leave), erase, one member's data, CSV import (pasted)
//! and export. Every change goes through the API's functions.

use crate::Roster;
use crate::api::members::{self as api, ImportRefused, MemberData, Refused};
use crate::domain::{MemberInput, member::list as split};
use crate::store;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_platform::FieldProblem;
use rrm_platform::console::{ConsoleForm, SignedIn, see_other};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

const SCOPE: &str = "roster:write";

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    cursor: String,
}

pub(crate) async fn list(
    State(roster): State<Roster>,
    who: SignedIn,
    query: Result<Query<Search>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    let Query(search) = query.unwrap_or_else(|_| Query(Search::default()));
    let none = |v: &str| (!v.trim().is_empty()).then(|| v.to_owned());
    let status = if search.status.is_empty() {
        "active"
    } else {
        search.status.as_str()
    };
    let filter = match api::filter(
        none(&search.q),
        none(&search.line),
        none(&search.language),
        None,
        None,
        Some(status),
    ) {
        Ok(f) => f,
        Err(_) => {
            return roster.console.error(
                &who,
                StatusCode::BAD_REQUEST,
                "Unknown status",
                "Choose active, inactive or all.",
            );
        }
    };
    let after = api::decode_cursor(&search.cursor).filter(|c| !c.is_empty());
    let page = roster
        .store
        .read(move |s| store::list_members(s, &filter, after.as_deref(), 50))
        .await;
    let (members, next) = match page {
        Ok(page) => page,
        Err(e) => return roster.console.unavailable(&who, e),
    };
    let next = next.map(|k| {
        let query = [
            ("q", search.q.as_str()),
            ("line", search.line.as_str()),
            ("language", search.language.as_str()),
            ("status", status),
            ("cursor", &api::encode_cursor(&k)),
        ];
        serde_urlencoded::to_string(query).unwrap_or_default()
    });
    let lines: Vec<&String> = roster.vocabulary.lines.iter().collect();
    roster.console_page(
        &who,
        StatusCode::OK,
        "Members",
        "members",
        json!({
            "members": members,
            "next": next,
            "search": { "q": search.q, "line": search.line, "language": search.language, "status": status },
            "lines": lines,
        }),
    )
}

/// The member form's fields as typed (lists `;`- or comma-separated).
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub(crate) struct MemberForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    affiliation: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    lines: String,
    #[serde(default)]
    languages_written: String,
    #[serde(default)]
    languages_read: String,
    #[serde(default)]
    topics: String,
    #[serde(default)]
    regions: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    on_leave_until: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    active: Option<String>,
}

impl MemberForm {
    fn input(&self) -> MemberInput {
        let items = |v: &str| split(&v.replace(',', ";"));
        MemberInput {
            name: Some(self.name.clone()),
            title: Some(self.title.clone()),
            affiliation: Some(self.affiliation.clone()),
            email: Some(self.email.clone()),
            lines: Some(items(&self.lines)),
            languages_written: Some(items(&self.languages_written)),
            languages_read: Some(items(&self.languages_read)),
            topics: Some(items(&self.topics)),
            regions: Some(items(&self.regions)),
            time_zone: Some(self.time_zone.clone()),
            on_leave_until: Some(Some(self.on_leave_until.clone())),
            active: Some(self.active.is_some()),
        }
    }

    fn of(m: &crate::domain::Member) -> Self {
        let langs = |v: &[rrm_contracts::LanguageCode]| {
            v.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")
        };
        Self {
            name: m.name.clone(),
            title: m.title.clone(),
            affiliation: m.affiliation.clone(),
            email: m.email.as_str().to_owned(),
            lines: m.lines.join(", "),
            languages_written: langs(&m.languages_written),
            languages_read: langs(&m.languages_read),
            topics: m.topics.join(", "),
            regions: m.regions.join(", "),
            time_zone: m.time_zone.to_string(),
            on_leave_until: m.on_leave_until.map(|d| d.to_string()).unwrap_or_default(),
            active: m.active.then(|| "on".into()),
        }
    }
}

fn form_page(
    roster: &Roster,
    who: &SignedIn,
    status: StatusCode,
    member: Option<&crate::domain::Member>,
    form: &MemberForm,
    refused: Option<&Refused>,
) -> Response {
    let (errors, conflict) = match refused {
        Some(Refused::Invalid(errors)) => (FieldProblem::by_field(errors), None),
        Some(Refused::Duplicate(email)) => (
            FieldProblem::by_field(&[FieldProblem::new(
                "email",
                "is the address of another member",
            )]),
            Some(email.clone()),
        ),
        _ => Default::default(),
    };
    let lines: Vec<&String> = roster.vocabulary.lines.iter().collect();
    let title = member.map_or("Add a member".to_owned(), |m| m.name.clone());
    roster.console_page(
        who,
        status,
        &title,
        "member",
        json!({
            "member": member,
            "form": form,
            "errors": if errors.is_empty() { serde_json::Value::Null } else { json!(errors) },
            "conflict": conflict,
            "lines": lines,
        }),
    )
}

pub(crate) async fn new_form(State(roster): State<Roster>, who: SignedIn) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    let form = MemberForm {
        time_zone: "UTC".into(),
        active: Some("on".into()),
        ..MemberForm::default()
    };
    form_page(&roster, &who, StatusCode::OK, None, &form, None)
}

pub(crate) async fn create(
    State(roster): State<Roster>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<MemberForm>,
) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    match api::create(&roster, form.input()).await {
        Ok(m) => see_other(&format!(
            "{}/console/members/{}",
            roster.public_url, m.member_id
        )),
        Err(Refused::Store(e)) => roster.console.unavailable(&who, e),
        Err(refused) => form_page(
            &roster,
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &form,
            Some(&refused),
        ),
    }
}

fn not_found(roster: &Roster, who: &SignedIn) -> Response {
    roster.console.error(
        who,
        StatusCode::NOT_FOUND,
        "No such member",
        "This member is not on the roster.",
    )
}

async fn found(
    roster: &Roster,
    who: &SignedIn,
    raw: &str,
) -> Result<crate::domain::Member, Response> {
    let id = Uuid::parse_str(raw).map_err(|_| not_found(roster, who))?;
    match store::member(&roster.store, id) {
        Ok(Some(m)) => Ok(m),
        Ok(None) => Err(not_found(roster, who)),
        Err(e) => Err(roster.console.unavailable(who, e)),
    }
}

pub(crate) async fn show(
    State(roster): State<Roster>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    match found(&roster, &who, &raw).await {
        Ok(m) => form_page(
            &roster,
            &who,
            StatusCode::OK,
            Some(&m),
            &MemberForm::of(&m),
            None,
        ),
        Err(page) => page,
    }
}

pub(crate) async fn save(
    State(roster): State<Roster>,
    Path(raw): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<MemberForm>,
) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    let member = match found(&roster, &who, &raw).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    match api::update(&roster, member.member_id, form.input()).await {
        Ok(m) => see_other(&format!(
            "{}/console/members/{}",
            roster.public_url, m.member_id
        )),
        Err(Refused::Store(e)) => roster.console.unavailable(&who, e),
        Err(refused) => form_page(
            &roster,
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&member),
            &form,
            Some(&refused),
        ),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct EraseForm {
    #[serde(default)]
    confirm: Option<String>,
}

pub(crate) async fn erase(
    State(roster): State<Roster>,
    Path(raw): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<EraseForm>,
) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    let member = match found(&roster, &who, &raw).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    if form.confirm.is_none() {
        return roster.console.error(
            &who,
            StatusCode::BAD_REQUEST,
            "Not erased",
            "Tick the box that confirms the erasure: it cannot be undone. Nothing was changed.",
        );
    }
    match api::erase(&roster, member.member_id).await {
        Ok(m) => {
            tracing::info!(member_id = %m.member_id, by = %who.coordinator.name, "member erased");
            see_other(&format!(
                "{}/console/members/{}",
                roster.public_url, m.member_id
            ))
        }
        Err(e) => roster.console.unavailable(&who, format!("{e:?}")),
    }
}

pub(crate) async fn data(
    State(roster): State<Roster>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    let read = match Uuid::parse_str(&raw) {
        Ok(id) => MemberData::read(&roster, id).await,
        Err(_) => Ok(None),
    };
    match read {
        Ok(Some(data)) => data.download(),
        Ok(None) => not_found(&roster, &who),
        Err(e) => roster.console.unavailable(&who, e),
    }
}

pub(crate) async fn import_form(State(roster): State<Roster>, who: SignedIn) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    roster.console_page(
        &who,
        StatusCode::OK,
        "Import members",
        "import",
        json!({ "columns": crate::domain::csv::COLUMNS.join(",") }),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct ImportForm {
    #[serde(default)]
    csv: String,
}

pub(crate) async fn import(
    State(roster): State<Roster>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<ImportForm>,
) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    let columns = crate::domain::csv::COLUMNS.join(",");
    match api::import(&roster, form.csv.clone().into_bytes()).await {
        Ok(report) => roster.console_page(
            &who,
            StatusCode::OK,
            "Members imported",
            "import",
            json!({ "report": report, "columns": columns }),
        ),
        Err(ImportRefused::Rows(rows)) => roster.console_page(
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Import refused",
            "import",
            json!({ "rows": rows, "csv": form.csv, "columns": columns }),
        ),
        Err(ImportRefused::Store(e)) => roster.console.unavailable(&who, e),
    }
}

pub(crate) async fn export(State(roster): State<Roster>, who: SignedIn) -> Response {
    if !who.may(SCOPE) {
        return roster
            .console
            .lacks_scope(&who, SCOPE, "managing the roster");
    }
    match api::export(&roster).await {
        Ok(response) => response,
        Err(problem) => roster.console.unavailable(&who, problem.detail),
    }
}
