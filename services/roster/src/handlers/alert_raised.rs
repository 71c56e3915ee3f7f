//! `alert.raised`: pick a balanced panel and e-mail each member an invitation link.

use crate::domain::{self, Answer, Invitation, Member, Panel, panel_member};
use crate::store::{self, INVITATIONS, PANELS};
use crate::{PURPOSE, Roster, SERVICE};
use rrm_bus::{HandleError, Handler, Prepared, Tx, TxResult, abort};
use rrm_contracts::{AlertRaised, Envelope, Event, LanguageCode, PanelMobilized};
use rrm_platform::mail::{self, NewMail};
use serde_json::json;
use uuid::Uuid;

impl Roster {
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
                let members = store::all_members(&self.store)
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
