//! Drafting: on `panel.formed` each author gets a link to the shared draft page. Every save is an
//! immutable version identified by the SHA-256 of its text. Submitting a version opens a signing
//! round and sends each author a signing link bound to that hash and round; its page shows the
//! full text and hash, and signing is a POST from it. A newer version, saved or submitted, voids
//! all signatures; a text submitted again (even one signed before) is signed again. When every
//! author signed the submitted version: `oped.approved` with text, hash and signatories.

pub mod domain;

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Handler, Prepared, Store, Tx, TxError, TxResult, abort};
use rrm_contracts::{
    DraftSubmitted, DraftVersionCreated, Envelope, Event, LanguageCode, OpedApproved, PanelFormed,
    PanelMember, Signatory, SignatureRecorded,
};
use rrm_platform::console::Console;
use rrm_platform::mail::{self, MailWaker, MailWorker, NewMail, NoHook};
use rrm_platform::{CommonSettings, LinkSigner, Pages, Service, Worker};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const SERVICE: &str = "drafting";
const DRAFTS: &str = "drafts";
const BY_ALERT: &str = "drafts_by_alert";
const VERSIONS: &str = "versions";
const SIGNATURES: &str = "signatures";
const EDIT: &str = "edit-draft";
const SIGN: &str = "sign-version";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub drafting: DraftingSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DraftingSettings {
    pub source_language: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Draft {
    pub draft_id: Uuid,
    pub panel: PanelFormed,
    /// Hash of the latest version.
    pub current: Option<String>,
    /// Hash of the version out for signature; `None` once a newer version replaced it.
    pub submitted: Option<String>,
    /// Signing round: counts submissions. Signatures, signing links and their mails belong to
    /// one round, so no signature or link outlives the submission it was given for.
    #[serde(default)]
    pub round: u32,
    pub approved: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub hash: String,
    pub title: String,
    pub body: String,
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Signatures(pub Vec<Signatory>);

impl Signatures {
    fn members(&self) -> BTreeSet<Uuid> {
        self.0.iter().map(|s| s.member_id).collect()
    }
}

fn key(draft: Uuid, hash: &str) -> Vec<u8> {
    let mut k = draft.as_bytes().to_vec();
    k.extend_from_slice(hash.as_bytes());
    k
}

/// Where the signatures given in signing round `round` to version `hash` are kept. Round 0 is
/// where drafts submitted before rounds existed keep theirs (rounds start at 1).
fn signatures_key(draft: Uuid, round: u32, hash: &str) -> Vec<u8> {
    if round == 0 {
        return key(draft, hash);
    }
    let mut k = draft.as_bytes().to_vec();
    k.extend_from_slice(&round.to_be_bytes());
    k.extend_from_slice(hash.as_bytes());
    k
}

/// A signing link's object: the draft and the round it was sent for.
fn signing_object(draft: Uuid, round: u32) -> String {
    format!("{draft}:{round}")
}

#[derive(Clone)]
struct Drafting {
    store: Store,
    links: LinkSigner,
    pages: Arc<Pages>,
    public_url: String,
    mail_domain: String,
    source_language: LanguageCode,
    waker: MailWaker,
}

fn pages() -> anyhow::Result<Pages> {
    Pages::new("op-ed drafting")?
        .html("draft", include_str!("templates/draft.html"))?
        .html("sign", include_str!("templates/sign.html"))?
        .html("done", include_str!("templates/done.html"))?
        .text("draft_subject", "Write the op-ed: {{panel.title}}")?
        .text("draft_text", include_str!("templates/draft_mail.txt"))?
        .text("sign_subject", "Please sign the op-ed: {{version.title}}")?
        .text("sign_text", include_str!("templates/sign_mail.txt"))
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let source_language = LanguageCode::parse(&settings.drafting.source_language)
        .map_err(|e| anyhow::anyhow!("drafting.source_language: {e}"))?;
    let service = Service::open(
        SERVICE,
        settings.common.clone(),
        &[DRAFTS, BY_ALERT, VERSIONS, SIGNATURES],
    )?;
    let waker = MailWaker::default();
    let drafting = Drafting {
        store: service.store.clone(),
        links: service.links.clone(),
        pages: Arc::new(pages()?),
        public_url: service.public_url(SERVICE),
        mail_domain: service.mail_domain(),
        source_language,
        waker: waker.clone(),
    };
    let worker = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(NoHook),
        &waker,
    )?;
    let workers: Vec<Worker> = vec![Box::new(move |stop| Box::pin(worker.run(stop)))];
    let router = routes(drafting.clone()).merge(Console::new(&service).shell());
    service.run(router, Arc::new(drafting), workers, stop).await
}

fn routes(drafting: Drafting) -> Router {
    Router::new()
        .route("/drafts/{token}", get(show_draft).post(save_version))
        .route("/sign/{token}", get(show_signing).post(sign_version))
        .with_state(drafting)
}

fn permanent(e: anyhow::Error) -> TxError<HandleError> {
    abort(HandleError::Permanent(format!("{e:#}")))
}

impl Drafting {
    fn open_draft(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        panel: &PanelFormed,
    ) -> TxResult<(), HandleError> {
        if tx
            .get::<Uuid>(BY_ALERT, panel.alert_id.as_bytes())?
            .is_some()
        {
            return Ok(());
        }
        let draft = Draft {
            draft_id: Uuid::now_v7(),
            panel: panel.clone(),
            current: None,
            submitted: None,
            round: 0,
            approved: None,
        };
        for author in &panel.authors {
            let token = self.links.sign(
                EDIT,
                &author.member_id.to_string(),
                &draft.draft_id.to_string(),
                None,
            );
            let data = json!({ "panel": panel, "author": author, "link": format!("{}/drafts/{token}", self.public_url) });
            let mail = NewMail {
                key: format!("draft:{}:{}", draft.draft_id, author.member_id),
                to_name: author.name.clone(),
                to: author.email.clone(),
                subject: self
                    .pages
                    .render_text("draft_subject", &data)
                    .map_err(permanent)?,
                text: self
                    .pages
                    .render_text("draft_text", &data)
                    .map_err(permanent)?,
                html: None,
                language: Some(self.source_language.clone()),
                correlation_id: envelope.correlation_id,
                tag: serde_json::Value::Null,
            };
            mail::enqueue(tx, mail, &self.mail_domain)?;
        }
        tx.put(DRAFTS, draft.draft_id.as_bytes(), &draft)?;
        tx.put(BY_ALERT, panel.alert_id.as_bytes(), &draft.draft_id)?;
        self.waker.wake();
        Ok(())
    }

    fn sign_request(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        version: &Version,
        author: &PanelMember,
    ) -> TxResult<(), HandleError> {
        let token = self.links.sign(
            SIGN,
            &author.member_id.to_string(),
            &signing_object(draft.draft_id, draft.round),
            Some(&version.hash),
        );
        let data = json!({ "version": version, "author": author, "link": format!("{}/sign/{token}", self.public_url) });
        let mail = NewMail {
            key: format!(
                "sign:{}:{}:{}:{}",
                draft.draft_id, draft.round, version.hash, author.member_id
            ),
            to_name: author.name.clone(),
            to: author.email.clone(),
            subject: self
                .pages
                .render_text("sign_subject", &data)
                .map_err(permanent)?,
            text: self
                .pages
                .render_text("sign_text", &data)
                .map_err(permanent)?,
            html: None,
            language: Some(self.source_language.clone()),
            correlation_id: Some(draft.panel.alert_id),
            tag: serde_json::Value::Null,
        };
        mail::enqueue(tx, mail, &self.mail_domain)?;
        Ok(())
    }
}

impl Handler for Drafting {
    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        _: &Prepared,
    ) -> TxResult<(), HandleError> {
        match event {
            Event::PanelFormed(panel) => self.open_draft(tx, envelope, panel),
            _ => Ok(()),
        }
    }
}

/// The draft and the author a token of `purpose` is for, and the signing round of a signing link.
fn resolve(
    app: &Drafting,
    token: &str,
    purpose: &str,
) -> Result<(Draft, PanelMember, rrm_platform::Claims, u32), Response> {
    let claims = app
        .links
        .verify(token, purpose, Utc::now())
        .map_err(|e| app.pages.link_error(e))?;
    let not_found = || {
        app.pages.error(
            StatusCode::NOT_FOUND,
            "Draft not found",
            "This draft no longer exists.",
        )
    };
    let (draft_id, round) = match claims.object.split_once(':') {
        Some((draft, round)) => (draft, round.parse::<u32>().map_err(|_| not_found())?),
        None => (claims.object.as_str(), 0),
    };
    let draft_id = Uuid::parse_str(draft_id).map_err(|_| not_found())?;
    let draft: Draft = app
        .store
        .get(DRAFTS, draft_id.as_bytes())
        .map_err(|e| app.pages.unavailable(e))?
        .ok_or_else(not_found)?;
    let author = draft
        .panel
        .authors
        .iter()
        .find(|a| a.member_id.to_string() == claims.subject)
        .cloned()
        .ok_or_else(not_found)?;
    Ok((draft, author, claims, round))
}

fn version(store: &Store, draft: Uuid, hash: &str) -> Result<Option<Version>, rrm_bus::StoreError> {
    store.get(VERSIONS, key(draft, hash))
}

fn signature_status(
    store: &Store,
    draft: &Draft,
    round: u32,
    hash: &str,
) -> Result<Vec<serde_json::Value>, rrm_bus::StoreError> {
    let signed = store
        .get::<Signatures>(SIGNATURES, signatures_key(draft.draft_id, round, hash))?
        .unwrap_or_default()
        .members();
    Ok(draft
        .panel
        .authors
        .iter()
        .map(|a| json!({ "name": a.name, "line": a.line, "signed": signed.contains(&a.member_id) }))
        .collect())
}

async fn show_draft(State(app): State<Drafting>, Path(token): Path<String>) -> Response {
    let (draft, author, _, _) = match resolve(&app, &token, EDIT) {
        Ok(found) => found,
        Err(page) => return page,
    };
    render_draft(&app, &token, &draft, &author, None, StatusCode::OK)
}

fn render_draft(
    app: &Drafting,
    token: &str,
    draft: &Draft,
    author: &PanelMember,
    problems: Option<(&str, &str, Vec<rrm_platform::FieldProblem>)>,
    status: StatusCode,
) -> Response {
    let current = match draft
        .current
        .as_deref()
        .map(|h| version(&app.store, draft.draft_id, h))
        .transpose()
    {
        Ok(v) => v.flatten(),
        Err(e) => return app.pages.unavailable(e),
    };
    let signatures = match draft
        .submitted
        .as_deref()
        .map(|h| signature_status(&app.store, draft, draft.round, h))
        .transpose()
    {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => return app.pages.unavailable(e),
    };
    let (title, body, errors) = match problems {
        Some((t, b, errors)) => (t.to_owned(), b.to_owned(), errors),
        None => (
            current
                .as_ref()
                .map(|v| v.title.clone())
                .unwrap_or_default(),
            current.as_ref().map(|v| v.body.clone()).unwrap_or_default(),
            Vec::new(),
        ),
    };
    let data = json!({
        "panel": draft.panel,
        "author": author,
        "current": current,
        "title": title,
        "body": body,
        "errors": errors,
        "submitted": draft.submitted,
        "submitted_is_current": draft.submitted.is_some() && draft.submitted == draft.current,
        "signatures": signatures,
        "approved": draft.approved.is_some(),
        "csrf": app.links.csrf_for(token),
    });
    app.pages.page(status, "Draft", "draft", &data)
}

#[derive(Debug, Deserialize)]
struct DraftForm {
    csrf: String,
    title: String,
    body: String,
    #[serde(default)]
    action: String,
}

enum Saved {
    Approved,
    Version {
        hash: String,
        new: bool,
        submitted: bool,
        /// A version out for signature was replaced without this one being submitted.
        voided: bool,
    },
}

async fn save_version(
    State(app): State<Drafting>,
    Path(token): Path<String>,
    form: Result<Form<DraftForm>, FormRejection>,
) -> Response {
    let (draft, author, _, _) = match resolve(&app, &token, EDIT) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return app.pages.error(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Please go back to the draft page and use its buttons.",
        );
    };
    if !app.links.verify_csrf(&token, &form.csrf) {
        tracing::warn!("refused a draft save without a valid CSRF value");
        return app.pages.error(
            StatusCode::FORBIDDEN,
            "Please use the draft page",
            "This save did not come from the draft page. Open the link from your e-mail again.",
        );
    }
    let submit = match form.action.as_str() {
        "save" => false,
        "submit" => true,
        _ => {
            return app.pages.error(
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "Please use the page's buttons.",
            );
        }
    };
    let (title, body) = match domain::validate(&form.title, &form.body) {
        Ok(text) => text,
        Err(errors) => {
            return render_draft(
                &app,
                &token,
                &draft,
                &author,
                Some((&form.title, &form.body, errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let hash = domain::version_hash(&title, &body);
    let (writer, draft_id, author_id) = (app.clone(), draft.draft_id, author.member_id);
    let result = app.store.transact::<_, HandleError, _>(move |tx| {
        let Some(mut draft) = tx.get::<Draft>(DRAFTS, draft_id.as_bytes())? else {
            return Err(abort(HandleError::Permanent("draft vanished".into())));
        };
        if draft.approved.is_some() {
            return Ok(Saved::Approved);
        }
        let correlation = Some(draft.panel.alert_id);
        let new = draft.current.as_deref() != Some(hash.as_str());
        // A new text voids the version out for signature, submitted or not.
        let voided = new && draft.submitted.take().is_some();
        if new {
            let version = Version {
                hash: hash.clone(),
                title: title.clone(),
                body: body.clone(),
                author_id,
                created_at: Utc::now(),
                parent: draft.current.clone(),
            };
            if tx
                .get::<Version>(VERSIONS, key(draft.draft_id, &hash))?
                .is_none()
            {
                tx.put(VERSIONS, key(draft.draft_id, &hash), &version)?;
            }
            draft.current = Some(hash.clone());
            tx.emit(&Envelope::new(
                &Event::DraftVersionCreated(DraftVersionCreated {
                    alert_id: draft.panel.alert_id,
                    draft_id: draft.draft_id,
                    version_hash: hash.clone(),
                    author_id: Some(author_id),
                }),
                SERVICE,
                correlation,
                None,
            ))?;
        }
        let submitted = submit && draft.submitted.as_deref() != Some(hash.as_str());
        if submitted {
            // A new signing round: signatures are per round, so none given before counts, even
            // to this very text.
            draft.submitted = Some(hash.clone());
            draft.round += 1;
            let Some(version) = tx.get::<Version>(VERSIONS, key(draft.draft_id, &hash))? else {
                return Err(abort(HandleError::Permanent("version vanished".into())));
            };
            for a in &draft.panel.authors {
                writer.sign_request(tx, &draft, &version, a)?;
            }
            tx.emit(&Envelope::new(
                &Event::DraftSubmitted(DraftSubmitted {
                    alert_id: draft.panel.alert_id,
                    draft_id: draft.draft_id,
                    version_hash: hash.clone(),
                    round: draft.round,
                    signatories: draft.panel.authors.len() as u32,
                }),
                SERVICE,
                correlation,
                None,
            ))?;
        }
        tx.put(DRAFTS, draft.draft_id.as_bytes(), &draft)?;
        Ok(Saved::Version {
            hash,
            new,
            submitted,
            voided: voided && !submitted,
        })
    });
    // Durable when it returns: only then is the author told the version is saved.
    let saved = match result.await {
        Ok(saved) => saved,
        Err(e) => return app.pages.unavailable(e),
    };
    app.waker.wake();
    match saved {
        Saved::Approved => app.pages.error(StatusCode::CONFLICT, "Already approved", "Every author has signed this op-ed and it is on its way to editors; it can no longer be edited here."),
        Saved::Version { hash, new, submitted, voided } => {
            tracing::info!(correlation_id = %draft.panel.alert_id, new, submitted, voided, "draft saved");
            let message = match (new, submitted, voided) {
                (_, true, _) => "Your version is saved and every author has been sent a link to sign it.",
                (true, false, true) => "Your version is saved. The version that was out for signature is replaced: its signatures no longer count. Submit this version for signature when it is ready.",
                (true, false, false) => "Your version is saved.",
                (false, false, _) => "This text is already the current version; nothing was changed.",
            };
            app.pages.page(StatusCode::OK, "Saved", "done", &json!({ "heading": "Saved", "message": message, "hash": hash }))
        }
    }
}

async fn show_signing(State(app): State<Drafting>, Path(token): Path<String>) -> Response {
    let (draft, author, claims, round) = match resolve(&app, &token, SIGN) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let hash = claims.version.unwrap_or_default();
    let Ok(Some(v)) = version(&app.store, draft.draft_id, &hash) else {
        return app.pages.error(
            StatusCode::NOT_FOUND,
            "Version not found",
            "This version of the op-ed does not exist.",
        );
    };
    let signatures = match signature_status(&app.store, &draft, round, &hash) {
        Ok(s) => s,
        Err(e) => return app.pages.unavailable(e),
    };
    let signed = signatures
        .iter()
        .zip(&draft.panel.authors)
        .any(|(s, a)| a.member_id == author.member_id && s["signed"] == true);
    let data = json!({
        "version": v,
        "author": author,
        "signatures": signatures,
        "signed": signed,
        "replaced": !domain::signable(draft.submitted.as_deref(), draft.round, &hash, round),
        "csrf": app.links.csrf_for(&token),
    });
    app.pages
        .page(StatusCode::OK, "Sign the op-ed", "sign", &data)
}

#[derive(Debug, Deserialize)]
struct SignForm {
    csrf: String,
}

enum Signed {
    Replaced,
    Already,
    Now { approved: bool },
}

async fn sign_version(
    State(app): State<Drafting>,
    Path(token): Path<String>,
    form: Result<Form<SignForm>, FormRejection>,
) -> Response {
    let (draft, author, claims, round) = match resolve(&app, &token, SIGN) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return app.pages.error(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Please go back to the page and use its button.",
        );
    };
    if !app.links.verify_csrf(&token, &form.csrf) {
        tracing::warn!("refused a signature without a valid CSRF value");
        return app.pages.error(StatusCode::FORBIDDEN, "Please use the signing page", "This signature did not come from the signing page. Open the link from your e-mail again.");
    }
    let hash = claims.version.unwrap_or_default();
    let source_language = app.source_language.clone();
    let (draft_id, signer, signed_hash) = (draft.draft_id, author.clone(), hash.clone());
    let result = app.store.transact::<_, HandleError, _>(move |tx| {
        let (author, hash) = (signer, signed_hash);
        let Some(mut draft) = tx.get::<Draft>(DRAFTS, draft_id.as_bytes())? else {
            return Err(abort(HandleError::Permanent("draft vanished".into())));
        };
        if !domain::signable(draft.submitted.as_deref(), draft.round, &hash, round) {
            return Ok(Signed::Replaced);
        }
        let sig_key = signatures_key(draft.draft_id, round, &hash);
        let mut signatures = tx
            .get::<Signatures>(SIGNATURES, &sig_key)?
            .unwrap_or_default();
        if signatures.members().contains(&author.member_id) {
            return Ok(Signed::Already);
        }
        signatures.0.push(Signatory {
            member_id: author.member_id,
            name: author.name.clone(),
            line: author.line.clone(),
            signed_at: Utc::now(),
        });
        tx.put(SIGNATURES, &sig_key, &signatures)?;
        let correlation = Some(draft.panel.alert_id);
        tx.emit(&Envelope::new(
            &Event::SignatureRecorded(SignatureRecorded {
                alert_id: draft.panel.alert_id,
                draft_id: draft.draft_id,
                version_hash: hash.clone(),
                member_id: author.member_id,
            }),
            SERVICE,
            correlation,
            None,
        ))?;
        let authors: Vec<Uuid> = draft.panel.authors.iter().map(|a| a.member_id).collect();
        if draft.approved.is_some() || !domain::all_signed(&authors, &signatures.members()) {
            return Ok(Signed::Now { approved: false });
        }
        let Some(v) = tx.get::<Version>(VERSIONS, key(draft.draft_id, &hash))? else {
            return Err(abort(HandleError::Permanent("version vanished".into())));
        };
        let oped_id = Uuid::now_v7();
        draft.approved = Some(oped_id);
        tx.put(DRAFTS, draft.draft_id.as_bytes(), &draft)?;
        // Signatories in the panel's order.
        let signatories: Vec<Signatory> = authors
            .iter()
            .filter_map(|id| signatures.0.iter().find(|s| s.member_id == *id).cloned())
            .collect();
        tx.emit(&Envelope::new(
            &Event::OpedApproved(OpedApproved {
                alert_id: draft.panel.alert_id,
                oped_id,
                title: v.title,
                body: v.body,
                source_language: source_language.clone(),
                target_languages: draft.panel.languages.clone(),
                version_hash: hash.clone(),
                signatories,
                embargo_until: None,
            }),
            SERVICE,
            correlation,
            None,
        ))?;
        Ok(Signed::Now { approved: true })
    });
    // Durable when it returns: only then is the signatory told the signature is recorded.
    let signed = match result.await {
        Ok(s) => s,
        Err(e) => return app.pages.unavailable(e),
    };
    let (heading, message, status) = match signed {
        Signed::Replaced => (
            "This signing request was withdrawn",
            "The op-ed was changed or sent out for signature again since this link was sent, so it can no longer be signed here. Nothing was changed. Every author gets a new link whenever a version is sent out for signature.",
            StatusCode::CONFLICT,
        ),
        Signed::Already => (
            "Already signed",
            "Your signature on this version was already recorded; nothing was changed.",
            StatusCode::OK,
        ),
        Signed::Now { approved: true } => (
            "Signed — the op-ed is approved",
            "Every author has signed. The op-ed is now being translated and sent to editors.",
            StatusCode::OK,
        ),
        Signed::Now { approved: false } => (
            "Signed",
            "Your signature is recorded. The op-ed goes out once every author has signed.",
            StatusCode::OK,
        ),
    };
    tracing::info!(correlation_id = %draft.panel.alert_id, heading, "signing answered");
    app.pages.page(
        status,
        heading,
        "done",
        &json!({ "heading": heading, "message": message, "hash": hash }),
    )
}

#[cfg(test)]
mod tests;
