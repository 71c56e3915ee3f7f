//! The console's translators pages: the list (`/console/translators`), adding and editing one
//! (pausing, removing), importing a CSV by paste and exporting it. Scope `translators:write`
//! for all of them (translators' addresses are personal). Every form goes through
//! [`ConsoleForm`]; the pages call the API's functions, so they cannot disagree with it.

use crate::Translation;
use crate::api::translators::{self as api, ImportRefused, Refused, TranslatorView};
use crate::domain::TranslatorInput;
use crate::domain::csv::COLUMNS;
use crate::store;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_platform::console::{ConsoleForm, SignedIn, see_other};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

const SCOPE: &str = api::SCOPE;
const WHAT: &str = "managing translators";

pub(crate) async fn list(State(app): State<Translation>, who: SignedIn) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    match api::listed(&app, None).await {
        Ok(translators) => app.console_page(
            &who,
            StatusCode::OK,
            "Translators",
            "translators",
            json!({ "translators": translators }),
        ),
        Err(e) => app.console.unavailable(&who, e),
    }
}

/// The form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TranslatorForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    pairs: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    status: String,
}

impl TranslatorForm {
    fn of(t: &TranslatorView) -> Self {
        Self {
            name: t.name.clone(),
            email: t.email.clone(),
            pairs: t.pairs.join("; "),
            capacity: t.capacity.to_string(),
            status: t.status.clone(),
        }
    }

    fn view(&self) -> Value {
        json!({
            "name": self.name,
            "email": self.email,
            "pairs": self.pairs,
            "capacity": self.capacity,
            "active": self.status != "paused",
        })
    }

    /// The input, or the capacity's problem when it is not a number.
    fn input(&self) -> Result<TranslatorInput, Vec<rrm_platform::FieldProblem>> {
        let capacity = match self.capacity.trim() {
            "" => None,
            raw => Some(raw.parse::<u32>().map_err(|_| {
                vec![rrm_platform::FieldProblem::new(
                    "capacity",
                    format!("{raw:?} is not a whole number"),
                )]
            })?),
        };
        Ok(TranslatorInput {
            name: Some(self.name.clone()),
            email: Some(self.email.clone()),
            pairs: Some(
                self.pairs
                    .split([';', ',', ' '])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            capacity,
            status: Some(self.status.clone()).filter(|s| !s.trim().is_empty()),
        })
    }
}

/// Field problems by field (`pairs[1]` shown at `pairs`).
fn errors(problems: &[rrm_platform::FieldProblem]) -> Value {
    let mut map = Map::new();
    for p in problems {
        let field = p.field.split('[').next().unwrap_or_default().to_owned();
        let entry = map
            .entry(field)
            .or_insert_with(|| Value::String(String::new()));
        if let Value::String(s) = entry {
            if !s.is_empty() {
                s.push_str("; ");
            }
            s.push_str(&p.message);
        }
    }
    Value::Object(map)
}

fn form_page(
    app: &Translation,
    who: &SignedIn,
    status: StatusCode,
    translator: Option<&TranslatorView>,
    form: &TranslatorForm,
    problems: &[rrm_platform::FieldProblem],
    message: Option<String>,
) -> Response {
    let title = translator.map_or("Add a translator".to_owned(), |t| t.name.clone());
    app.console_page(
        who,
        status,
        &title,
        "translator",
        json!({
            "translator": translator,
            "form": form.view(),
            "errors": if problems.is_empty() { Value::Null } else { errors(problems) },
            "message": message,
        }),
    )
}

pub(crate) async fn new_form(State(app): State<Translation>, who: SignedIn) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    let form = TranslatorForm {
        capacity: "1".into(),
        status: "active".into(),
        ..TranslatorForm::default()
    };
    form_page(&app, &who, StatusCode::OK, None, &form, &[], None)
}

/// The refusal shown on the form: field problems next to their fields, anything else above.
fn refused_page(
    app: &Translation,
    who: &SignedIn,
    translator: Option<&TranslatorView>,
    form: &TranslatorForm,
    refused: Refused,
) -> Response {
    match refused {
        Refused::Invalid(problems) => form_page(
            app,
            who,
            StatusCode::UNPROCESSABLE_ENTITY,
            translator,
            form,
            &problems,
            None,
        ),
        Refused::NotFound => no_translator(app, who),
        Refused::Store(e) => app.console.unavailable(who, e),
        other => form_page(
            app,
            who,
            StatusCode::CONFLICT,
            translator,
            form,
            &[],
            Some(format!("Not saved: {other}.")),
        ),
    }
}

fn no_translator(app: &Translation, who: &SignedIn) -> Response {
    app.console.error(
        who,
        StatusCode::NOT_FOUND,
        "No such translator",
        "No translator has this id: they may have been removed.",
    )
}

pub(crate) async fn create(
    State(app): State<Translation>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<TranslatorForm>,
) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    let input = match form.input() {
        Ok(i) => i,
        Err(p) => return refused_page(&app, &who, None, &form, Refused::Invalid(p)),
    };
    match api::create(&app, input).await {
        Ok(t) => see_other(&format!("{}/console/translators/{}", app.public_url, t.id)),
        Err(refused) => refused_page(&app, &who, None, &form, refused),
    }
}

async fn current(
    app: &Translation,
    id: Uuid,
) -> Result<Option<TranslatorView>, rrm_bus::StoreError> {
    app.store
        .read(move |s| {
            Ok(match store::translator(s, id)? {
                Some(t) => Some(TranslatorView::of(&t, store::load_committed(s, id)?)),
                None => None,
            })
        })
        .await
}

pub(crate) async fn show(
    State(app): State<Translation>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    let Ok(id) = Uuid::parse_str(&raw) else {
        return no_translator(&app, &who);
    };
    match current(&app, id).await {
        Ok(Some(t)) => form_page(
            &app,
            &who,
            StatusCode::OK,
            Some(&t),
            &TranslatorForm::of(&t),
            &[],
            None,
        ),
        Ok(None) => no_translator(&app, &who),
        Err(e) => app.console.unavailable(&who, e),
    }
}

pub(crate) async fn save(
    State(app): State<Translation>,
    Path(raw): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<TranslatorForm>,
) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    let Ok(id) = Uuid::parse_str(&raw) else {
        return no_translator(&app, &who);
    };
    let before = match current(&app, id).await {
        Ok(Some(t)) => t,
        Ok(None) => return no_translator(&app, &who),
        Err(e) => return app.console.unavailable(&who, e),
    };
    let input = match form.input() {
        Ok(i) => i,
        Err(p) => return refused_page(&app, &who, Some(&before), &form, Refused::Invalid(p)),
    };
    match api::update(&app, id, input).await {
        Ok(_) => see_other(&format!("{}/console/translators/{id}", app.public_url)),
        Err(refused) => refused_page(&app, &who, Some(&before), &form, refused),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Empty {}

pub(crate) async fn remove(
    State(app): State<Translation>,
    Path(raw): Path<String>,
    ConsoleForm { signed_in: who, .. }: ConsoleForm<Empty>,
) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    let Ok(id) = Uuid::parse_str(&raw) else {
        return no_translator(&app, &who);
    };
    let before = match current(&app, id).await {
        Ok(Some(t)) => t,
        Ok(None) => return no_translator(&app, &who),
        Err(e) => return app.console.unavailable(&who, e),
    };
    match api::remove(&app, id).await {
        Ok(()) => see_other(&format!("{}/console/translators", app.public_url)),
        Err(refused) => refused_page(
            &app,
            &who,
            Some(&before),
            &TranslatorForm::of(&before),
            refused,
        ),
    }
}

fn import_page(app: &Translation, who: &SignedIn, status: StatusCode, data: Value) -> Response {
    let mut data = data;
    if let Some(fields) = data.as_object_mut() {
        fields.insert("columns".into(), COLUMNS.join(",").into());
    }
    app.console_page(
        who,
        status,
        "Import translators",
        "translators_import",
        data,
    )
}

pub(crate) async fn import_form(State(app): State<Translation>, who: SignedIn) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    import_page(&app, &who, StatusCode::OK, json!({}))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ImportForm {
    #[serde(default)]
    csv: String,
}

pub(crate) async fn import(
    State(app): State<Translation>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<ImportForm>,
) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    match api::import(&app, form.csv.clone().into_bytes()).await {
        Ok(report) => import_page(&app, &who, StatusCode::OK, json!({ "report": report })),
        Err(ImportRefused::Rows(rows)) => import_page(
            &app,
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "rows": rows, "csv": form.csv }),
        ),
        Err(ImportRefused::Store(e)) => app.console.unavailable(&who, e),
    }
}

pub(crate) async fn export(State(app): State<Translation>, who: SignedIn) -> Response {
    if !who.may(SCOPE) {
        return app.console.lacks_scope(&who, SCOPE, WHAT);
    }
    match api::export(&app).await {
        Ok(r) => r,
        Err(p) => app.console.unavailable(&who, p.detail),
    }
}
