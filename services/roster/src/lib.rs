//! Roster: the network of eminent persons. On `alert.raised` it picks a panel balanced across
//! lines and e-mails each member an invitation link; members accept or decline on the link's page
//! (GET shows the ask, POST answers); once enough members from enough lines accepted,
//! `panel.formed`.

pub mod domain;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use domain::Member;
use rrm_bus::{HandleError, Handler, Prepared, Store, Tx, TxResult, abort};
use rrm_contracts::{
    AlertRaised, EmailAddress, Envelope, Event, LanguageCode, MemberResponded, PanelFormed,
    PanelMember, PanelMobilized,
};
use rrm_platform::mail::{self, MailWaker, MailWorker, NewMail, NoHook};
use rrm_platform::{CommonSettings, LinkSigner, Pages, Service, Worker};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const SERVICE: &str = "roster";
const MEMBERS: &str = "members";
const BY_EMAIL: &str = "members_by_email";
const PANELS: &str = "panels";
const INVITATIONS: &str = "invitations";
const PURPOSE: &str = "respond-invitation";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub roster: RosterSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RosterSettings {
    pub members_csv: String,
    pub invite: usize,
    pub authors_needed: usize,
    pub min_lines: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Panel {
    pub panel_id: Uuid,
    pub alert: AlertRaised,
    pub invitations: Vec<Uuid>,
    pub formed: bool,
    /// The members who became its authors when it formed.
    #[serde(default)]
    pub authors: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Pending,
    Accepted,
    Declined,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    pub invitation_id: Uuid,
    pub alert_id: Uuid,
    pub member_id: Uuid,
    pub answer: Answer,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Clone)]
struct Roster {
    store: Store,
    links: LinkSigner,
    pages: Arc<Pages>,
    public_url: String,
    mail_domain: String,
    settings: RosterSettings,
    waker: MailWaker,
}

fn pages() -> anyhow::Result<Pages> {
    Pages::new("network roster")?
        .html("invitation", include_str!("templates/invitation.html"))?
        .html("answered", include_str!("templates/answered.html"))?
        .text("mail_subject", "Mobilisation: {{alert.title}}")?
        .text("mail_text", include_str!("templates/invitation_mail.txt"))?
        .html("mail_html", include_str!("templates/invitation_mail.html"))
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let service = Service::open(
        SERVICE,
        settings.common.clone(),
        &[MEMBERS, BY_EMAIL, PANELS, INVITATIONS],
    )?;
    if !settings.roster.members_csv.is_empty() {
        let count = import_members(&service.store, &settings.roster.members_csv).await?;
        tracing::info!(count, path = %settings.roster.members_csv, "members loaded");
    }
    let waker = MailWaker::default();
    let roster = Roster {
        store: service.store.clone(),
        links: service.links.clone(),
        pages: Arc::new(pages()?),
        public_url: service.public_url(SERVICE),
        mail_domain: service.mail_domain(),
        settings: settings.roster.clone(),
        waker: waker.clone(),
    };
    let worker = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(NoHook),
        &waker,
    )?;
    let workers: Vec<Worker> = vec![Box::new(move |stop| Box::pin(worker.run(stop)))];
    let router = routes(roster.clone());
    service.run(router, Arc::new(roster), workers, stop).await
}

fn routes(roster: Roster) -> Router {
    Router::new()
        .route(
            "/invitations/{token}",
            get(show_invitation).post(answer_invitation),
        )
        .with_state(roster)
}

/// Upserts the members of a CSV file by e-mail, in one transaction.
pub async fn import_members(store: &Store, path: &str) -> anyhow::Result<usize> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("members CSV {path}: {e}"))?;
    let rows = domain::parse_members(file)?;
    let count = rows.len();
    store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            for (email, row) in &rows {
                let existing: Option<Uuid> = tx.get(BY_EMAIL, email.as_str())?;
                let member = Member {
                    member_id: existing.unwrap_or_else(Uuid::now_v7),
                    name: row.name.trim().to_owned(),
                    email: email.clone(),
                    line: row.line.trim().to_owned(),
                    regions: domain::list(&row.regions),
                    topics: domain::list(&row.topics),
                    languages: domain::list(&row.languages),
                    available: true,
                };
                tx.put(MEMBERS, member.member_id.as_bytes(), &member)?;
                tx.put(BY_EMAIL, email.as_str(), &member.member_id)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(count)
}

fn panel_member(m: &Member) -> PanelMember {
    PanelMember {
        member_id: m.member_id,
        name: m.name.clone(),
        email: m.email.clone(),
        line: m.line.clone(),
    }
}

impl Roster {
    fn all_members(&self) -> Result<Vec<Member>, rrm_bus::StoreError> {
        self.store
            .scan::<Member>(MEMBERS, b"")?
            .map(|r| r.map(|(_, m)| m))
            .collect()
    }

    fn mobilize(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        alert: &AlertRaised,
        members: &[Member],
    ) -> TxResult<(), HandleError> {
        if tx
            .get::<Panel>(PANELS, alert.alert_id.as_bytes())?
            .is_some()
        {
            return Ok(());
        }
        let chosen = domain::select_panel(
            members,
            &alert.topics,
            &alert.regions,
            self.settings.invite,
            self.settings.min_lines,
        );
        if chosen.is_empty() {
            tracing::error!("no available member to invite: the panel cannot form");
        }
        let panel_id = Uuid::now_v7();
        let mut invitations = Vec::new();
        for member in &chosen {
            let invitation = Invitation {
                invitation_id: Uuid::now_v7(),
                alert_id: alert.alert_id,
                member_id: member.member_id,
                answer: Answer::Pending,
                answered_at: None,
            };
            let token = self.links.sign(
                PURPOSE,
                &member.member_id.to_string(),
                &invitation.invitation_id.to_string(),
                None,
            );
            let link = format!("{}/invitations/{token}", self.public_url);
            let data = json!({ "alert": alert, "member": member, "link": link });
            let render = |r: anyhow::Result<String>| {
                r.map_err(|e| abort(HandleError::Permanent(format!("{e:#}"))))
            };
            let new_mail = NewMail {
                key: format!("invitation:{}", invitation.invitation_id),
                to_name: member.name.clone(),
                to: member.email.clone(),
                subject: render(self.pages.render_text("mail_subject", &data))?,
                text: render(self.pages.render_text("mail_text", &data))?,
                html: Some(render(self.pages.render_html("mail_html", &data))?),
                language: LanguageCode::parse("en").ok(),
                correlation_id: Some(alert.alert_id),
                tag: serde_json::Value::Null,
            };
            mail::enqueue(tx, new_mail, &self.mail_domain)?;
            tx.put(
                INVITATIONS,
                invitation.invitation_id.as_bytes(),
                &invitation,
            )?;
            invitations.push(invitation.invitation_id);
        }
        let panel = Panel {
            panel_id,
            alert: alert.clone(),
            invitations,
            formed: false,
            authors: Vec::new(),
        };
        tx.put(PANELS, alert.alert_id.as_bytes(), &panel)?;
        let event = Event::PanelMobilized(PanelMobilized {
            alert_id: alert.alert_id,
            panel_id,
            invited: chosen.iter().map(|m| panel_member(m)).collect(),
        });
        tx.emit(&envelope.caused(&event, SERVICE))?;
        self.waker.wake();
        Ok(())
    }
}

impl Handler for Roster {
    fn prepare(&self, _: &Envelope, event: &Event) -> Result<Prepared, HandleError> {
        match event {
            Event::AlertRaised(_) => {
                let members = self
                    .all_members()
                    .map_err(|e| HandleError::Transient(e.to_string()))?;
                Ok(Some(Box::new(members)))
            }
            _ => Ok(None),
        }
    }

    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        prepared: &Prepared,
    ) -> TxResult<(), HandleError> {
        match event {
            Event::AlertRaised(alert) => {
                let members = prepared
                    .as_ref()
                    .and_then(|p| p.downcast_ref::<Vec<Member>>())
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                self.mobilize(tx, envelope, alert, members)
            }
            _ => Ok(()),
        }
    }
}

/// The invitation, member and panel a valid token points at, or the page explaining why not.
fn resolve(roster: &Roster, token: &str) -> Result<(Invitation, Member, Panel), Response> {
    let claims = roster
        .links
        .verify(token, PURPOSE, Utc::now())
        .map_err(|e| roster.pages.link_error(e))?;
    let lookup = || -> Result<Option<(Invitation, Member, Panel)>, rrm_bus::StoreError> {
        let Ok(id) = Uuid::parse_str(&claims.object) else {
            return Ok(None);
        };
        let Some(invitation) = roster.store.get::<Invitation>(INVITATIONS, id.as_bytes())? else {
            return Ok(None);
        };
        if invitation.member_id.to_string() != claims.subject {
            return Ok(None);
        }
        let Some(member) = roster
            .store
            .get::<Member>(MEMBERS, invitation.member_id.as_bytes())?
        else {
            return Ok(None);
        };
        let Some(panel) = roster
            .store
            .get::<Panel>(PANELS, invitation.alert_id.as_bytes())?
        else {
            return Ok(None);
        };
        Ok(Some((invitation, member, panel)))
    };
    match lookup() {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(roster.pages.error(
            StatusCode::NOT_FOUND,
            "Invitation not found",
            "This invitation no longer exists.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "reading an invitation failed");
            Err(roster.pages.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "We could not read this invitation just now.",
            ))
        }
    }
}

async fn show_invitation(State(roster): State<Roster>, Path(token): Path<String>) -> Response {
    let (invitation, member, panel) = match resolve(&roster, &token) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let data = json!({
        "alert": panel.alert,
        "member": member,
        "answer": invitation.answer,
        "pending": invitation.answer == Answer::Pending,
        "accepted": invitation.answer == Answer::Accepted,
        "csrf": roster.links.csrf_for(&token),
        "formed": panel.formed,
    });
    roster
        .pages
        .page(StatusCode::OK, "Mobilisation", "invitation", &data)
}

#[derive(Debug, Deserialize)]
struct AnswerForm {
    csrf: String,
    response: String,
}

enum Answered {
    Now { accepted: bool, formed_now: bool },
    Already(Answer),
}

async fn answer_invitation(
    State(roster): State<Roster>,
    Path(token): Path<String>,
    form: Result<Form<AnswerForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (invitation, member, panel) = match resolve(&roster, &token) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return roster.pages.error(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Please go back to the page and use its buttons.",
        );
    };
    if !roster.links.verify_csrf(&token, &form.csrf) {
        tracing::warn!("refused an answer without a valid CSRF value");
        return roster.pages.error(StatusCode::FORBIDDEN, "Please use the page's buttons", "This answer did not come from the invitation page. Open the link from your e-mail again.");
    }
    let accepted = match form.response.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return roster.pages.error(
                StatusCode::BAD_REQUEST,
                "Unknown answer",
                "Please accept or decline with the page's buttons.",
            );
        }
    };
    let (authors_needed, min_lines) = (roster.settings.authors_needed, roster.settings.min_lines);
    let (invitation_id, panel_id, member_id) =
        (invitation.invitation_id, panel.panel_id, member.member_id);
    let result = roster
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            let Some(mut current) = tx.get::<Invitation>(INVITATIONS, invitation_id.as_bytes())?
            else {
                return Ok(Answered::Already(Answer::Declined));
            };
            if current.answer != Answer::Pending {
                return Ok(Answered::Already(current.answer));
            }
            current.answer = if accepted {
                Answer::Accepted
            } else {
                Answer::Declined
            };
            current.answered_at = Some(Utc::now());
            tx.put(INVITATIONS, current.invitation_id.as_bytes(), &current)?;
            let correlation = Some(current.alert_id);
            tx.emit(&Envelope::new(
                &Event::MemberResponded(MemberResponded {
                    alert_id: current.alert_id,
                    panel_id,
                    member_id,
                    accepted,
                }),
                SERVICE,
                correlation,
                None,
            ))?;
            let Some(mut panel) = tx.get::<Panel>(PANELS, current.alert_id.as_bytes())? else {
                return Ok(Answered::Now {
                    accepted,
                    formed_now: false,
                });
            };
            if panel.formed || !accepted {
                return Ok(Answered::Now {
                    accepted,
                    formed_now: false,
                });
            }
            let mut authors = Vec::new();
            for id in &panel.invitations {
                if let Some(inv) = tx.get::<Invitation>(INVITATIONS, id.as_bytes())?
                    && inv.answer == Answer::Accepted
                    && let Some(m) = tx.get::<Member>(MEMBERS, inv.member_id.as_bytes())?
                {
                    authors.push(m);
                }
            }
            let refs: Vec<&Member> = authors.iter().collect();
            if !domain::panel_complete(&refs, authors_needed, min_lines) {
                return Ok(Answered::Now {
                    accepted,
                    formed_now: false,
                });
            }
            panel.formed = true;
            panel.authors = authors.iter().map(|a| a.member_id).collect();
            tx.put(PANELS, current.alert_id.as_bytes(), &panel)?;
            let alert = &panel.alert;
            tx.emit(&Envelope::new(
                &Event::PanelFormed(PanelFormed {
                    alert_id: alert.alert_id,
                    panel_id: panel.panel_id,
                    title: alert.title.clone(),
                    summary: alert.summary.clone(),
                    languages: alert.languages.clone(),
                    deadline: alert.deadline,
                    authors: authors.iter().map(panel_member).collect(),
                }),
                SERVICE,
                correlation,
                None,
            ))?;
            Ok(Answered::Now {
                accepted,
                formed_now: true,
            })
        });
    // Durable when it returns: only then is the member told their answer is recorded.
    let answered = match result.await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "recording an answer failed");
            return roster.pages.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "Your answer could not be recorded just now; nothing was changed.",
            );
        }
    };
    // Whether the answer made them an author, or came after the panel was complete.
    let panel = match roster
        .store
        .get::<Panel>(PANELS, invitation.alert_id.as_bytes())
    {
        Ok(Some(now)) => now,
        Ok(None) => panel,
        Err(e) => {
            tracing::error!(error = %e, "reading a panel failed");
            panel
        }
    };
    let author = panel.authors.contains(&member.member_id);
    // Panels formed before they recorded their authors cannot tell who is one.
    let authors_known = !panel.authors.is_empty();
    let span = tracing::info_span!("invitation", correlation_id = %invitation.alert_id);
    let (accepted, already) = match answered {
        Answered::Now {
            accepted,
            formed_now,
        } => {
            span.in_scope(|| tracing::info!(accepted, formed_now, author, "member answered"));
            (accepted, false)
        }
        Answered::Already(answer) => (answer == Answer::Accepted, true),
    };
    let data = json!({
        "member": member,
        "alert": panel.alert,
        "accepted": accepted,
        "already": already,
        "author": author,
        "formed": panel.formed,
        "authors_known": authors_known,
    });
    roster
        .pages
        .page(StatusCode::OK, "Thank you", "answered", &data)
}

/// The e-mail address of a member, for tools and tests.
pub fn member_by_email(
    store: &Store,
    email: &EmailAddress,
) -> Result<Option<Member>, rrm_bus::StoreError> {
    match store.get::<Uuid>(BY_EMAIL, email.as_str())? {
        Some(id) => store.get(MEMBERS, id.as_bytes()),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
