//! Mobilising a panel, step by step, each inside the caller's transaction so that the state,
//! its e-mails, its timers and its events are written together or not at all: the first
//! invitations on `alert.raised`, an answer, a reminder, an alternate in place of a decline or
//! a silence, an invitation by hand, telling coordinators the panel cannot form, and standing
//! everyone down when the alert is cancelled.

use crate::domain::selection::{first_invitations, next_alternate, rank, score, score_with};
use crate::domain::{Answer, Ask, Invitation, Member, NotRecorded, Panel, Role, Scored};
use crate::store::{self, Timer, TimerKind};
use crate::{PURPOSE, Roster, SERVICE};
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, StoreError, Tx, TxResult, abort};
use rrm_contracts::{
    AlertRaised, CosignerJoined, Envelope, Event, LanguageCode, MemberReminded, MemberResponded,
    PanelFormed, PanelMobilized, PanelShortfall,
};
use rrm_platform::mail::{self, NewMail};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Languages the member e-mails exist in; others get English.
pub const MAIL_LANGUAGES: [&str; 2] = ["en", "fr"];

/// Candidates ranked for alerts whose panels may need an alternate, read before the
/// transaction that invites one (so the writer never scans the selection index), by alert.
#[derive(Debug, Default)]
pub struct Alternates(BTreeMap<Uuid, Vec<Scored>>);

impl Alternates {
    /// The candidates for each of `alerts` at `now` (best first, no one excluded yet).
    pub(crate) fn rank<'a>(
        roster: &Roster,
        alerts: impl IntoIterator<Item = &'a AlertRaised>,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let mut ranked = BTreeMap::new();
        for alert in alerts {
            if let std::collections::btree_map::Entry::Vacant(slot) = ranked.entry(alert.alert_id) {
                slot.insert(roster.ranked(alert, &BTreeSet::new(), now)?.0);
            }
        }
        Ok(Self(ranked))
    }

    /// Those ranked for `alert` who are not in `invited`, best first.
    fn for_alert(&self, alert: Uuid, invited: &BTreeSet<Uuid>) -> Vec<Scored> {
        self.0
            .get(&alert)
            .into_iter()
            .flatten()
            .filter(|c| !invited.contains(&c.member_id))
            .cloned()
            .collect()
    }
}

/// How an answer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// Recorded now; `role` when it made them an author or a co-signer.
    Now {
        accepted: bool,
        role: Option<Role>,
    },
    NotRecorded(NotRecorded),
}

fn permanent(e: anyhow::Error) -> rrm_bus::TxError<HandleError> {
    abort(HandleError::Permanent(format!("{e:#}")))
}

/// The members of the roster scored for an alert, best first, without `exclude`; and how the
/// candidates were found. Read from committed snapshots of the selection index (never every
/// member): what `alert.raised`, alternates and the selection benchmark use.
pub fn rank_for(
    store: &rrm_bus::Store,
    settings: &crate::RosterSettings,
    lines: &[String],
    alert: &AlertRaised,
    exclude: &BTreeSet<Uuid>,
    now: DateTime<Utc>,
) -> Result<(Vec<Scored>, String), StoreError> {
    let ask = Ask::of(alert, &settings.drafting_language, now);
    let enough = settings.invite * 3;
    let (found, how) = store::candidates(store, &ask, lines, enough, settings.min_lines)?;
    let mut scored: Vec<Scored> = found
        .iter()
        .filter(|(p, _)| !exclude.contains(&p.member_id))
        .filter_map(|(m, h)| score_with(m, h, &ask, false))
        .collect();
    rank(&mut scored);
    Ok((scored, how))
}

/// A ranked candidate's score again, with its reasons: ranking keeps only the points.
fn explained(
    tx: &Tx<'_>,
    settings: &crate::RosterSettings,
    alert: &AlertRaised,
    chosen: &Scored,
    now: DateTime<Utc>,
) -> Result<Option<(Member, Scored)>, StoreError> {
    let Some(member) = store::member_in(tx, chosen.member_id)? else {
        return Ok(None);
    };
    let history = store::history_in(tx, chosen.member_id)?;
    let ask = Ask::of(alert, &settings.drafting_language, now);
    Ok(score_with(&member.profile(), &history, &ask, true).map(|scored| (member, scored)))
}

impl Roster {
    /// The scored candidates for a panel, best first, without those already invited.
    pub(crate) fn ranked(
        &self,
        alert: &AlertRaised,
        exclude: &BTreeSet<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Scored>, String), StoreError> {
        let lines: Vec<String> = self.vocabulary.lines.iter().cloned().collect();
        rank_for(&self.store, &self.settings, &lines, alert, exclude, now)
    }

    /// `alert.raised`: the first invitations (once per alert), with why.
    pub(crate) fn mobilise(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        alert: &AlertRaised,
        ranked: &[Scored],
        how: &str,
        now: DateTime<Utc>,
    ) -> TxResult<(), HandleError> {
        if store::panel_in(tx, alert.alert_id)?.is_some()
            || store::cancelled_in(tx, alert.alert_id)?
        {
            return Ok(());
        }
        let balance = self.settings.balance();
        let chosen = first_invitations(ranked, self.settings.invite, balance);
        let lines: BTreeSet<&str> = chosen
            .iter()
            .flat_map(|c| c.lines.iter().map(String::as_str))
            .collect();
        let explanation = format!(
            "{how}; the best {} by score, first members who share no line with those invited \
             until {} are apart (lines invited: {})",
            chosen.len(),
            balance.min_lines,
            lines.into_iter().collect::<Vec<_>>().join(", ")
        );
        let mut panel = Panel {
            panel_id: Uuid::now_v7(),
            alert: alert.clone(),
            invitations: Vec::new(),
            formed: false,
            formed_at: None,
            authors: Vec::new(),
            cosigners: Vec::new(),
            explanation: explanation.clone(),
            shortfall: None,
            cancelled: false,
            mobilised_at: now,
        };
        let mut invited = Vec::new();
        let mut why = Vec::new();
        for chosen in &chosen {
            if let Some((member, scored)) = explained(tx, &self.settings, alert, chosen, now)? {
                self.invite(tx, &mut panel, &member, &scored, None, None, now)?;
                why.push(scored.summary());
                invited.push(member);
            }
        }
        store::put_panel(tx, &panel)?;
        tx.emit(&envelope.caused(
            &Event::PanelMobilized(PanelMobilized {
                alert_id: alert.alert_id,
                panel_id: panel.panel_id,
                invited: invited.iter().map(Member::panel_member).collect(),
                explanation: format!("{explanation}. {}", why.join("; ")),
            }),
            SERVICE,
        ))?;
        let lines_of: Vec<&[String]> = chosen.iter().map(|c| c.lines.as_slice()).collect();
        if !balance.formed(&lines_of) {
            let reason = if chosen.is_empty() {
                "no member of the roster is available".to_owned()
            } else {
                format!(
                    "the {} available members invited cannot make {} authors from {} different lines",
                    chosen.len(),
                    balance.authors_needed,
                    balance.min_lines
                )
            };
            self.shortfall(tx, &mut panel, &reason)?;
            store::put_panel(tx, &panel)?;
        }
        self.waker.wake();
        Ok(())
    }

    /// One invitation: stored, e-mailed, its reminder and replacement timers set, the member's
    /// history counted. The caller stores the panel.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn invite(
        &self,
        tx: &Tx<'_>,
        panel: &mut Panel,
        member: &Member,
        scored: &Scored,
        alternate_for: Option<Uuid>,
        invited_by: Option<&str>,
        now: DateTime<Utc>,
    ) -> TxResult<Invitation, HandleError> {
        let mut invitation = Invitation::new(panel.alert.alert_id, scored, now);
        invitation.alternate_for = alternate_for;
        invitation.invited_by = invited_by.map(str::to_owned);
        self.mail_member(tx, panel, member, &invitation, "invitation")?;
        store::put_invitation(tx, &invitation)?;
        panel.invitations.push(invitation.invitation_id);
        let budget = self.settings.budget();
        for (kind, after) in [
            (TimerKind::Remind, budget / 2),
            (TimerKind::Replace, budget),
        ] {
            store::set_timer(
                tx,
                &Timer {
                    due: now + after,
                    invitation_id: invitation.invitation_id,
                    alert_id: panel.alert.alert_id,
                    kind,
                },
            )?;
        }
        let mut history = store::history_in(tx, member.member_id)?;
        history.invited += 1;
        store::put_history(tx, member.member_id, &history)?;
        Ok(invitation)
    }

    /// The language of a member's e-mails: the first they write that the e-mails exist in.
    fn mail_language(member: &Member) -> &'static str {
        member
            .languages_written
            .iter()
            .chain(&member.languages_read)
            .find_map(|l| MAIL_LANGUAGES.iter().find(|m| **m == l.primary()))
            .copied()
            .unwrap_or("en")
    }

    /// An e-mail to a member about an invitation: `invitation`, `reminder` or `stand_down`.
    fn mail_member(
        &self,
        tx: &Tx<'_>,
        panel: &Panel,
        member: &Member,
        invitation: &Invitation,
        kind: &str,
    ) -> TxResult<(), HandleError> {
        let language = Self::mail_language(member);
        let token = self.links.sign(
            PURPOSE,
            &member.member_id.to_string(),
            &invitation.invitation_id.to_string(),
            None,
        );
        let budget = self.settings.budget();
        let data = json!({
            "alert": panel.alert,
            "member": member,
            "link": format!("{}/invitations/{token}", self.public_url),
            "reminder": kind == "reminder",
            "answer_by": invitation.invited_at + budget,
            "formed": panel.formed,
        });
        let template = if kind == "stand_down" {
            "stand_down"
        } else {
            "invitation"
        };
        let render = |part: &str| -> TxResult<String, HandleError> {
            let name = format!("{template}_{part}_{language}");
            if part == "html" {
                self.pages.render_html(&name, &data).map_err(permanent)
            } else {
                self.pages.render_text(&name, &data).map_err(permanent)
            }
        };
        let mail = NewMail {
            key: format!("{kind}:{}", invitation.invitation_id),
            to_name: member.name.clone(),
            to: member.email.clone(),
            subject: render("subject")?,
            text: render("text")?,
            html: Some(render("html")?),
            language: LanguageCode::parse(language).ok(),
            correlation_id: Some(panel.alert.alert_id),
            tag: serde_json::Value::Null,
        };
        mail::enqueue(tx, mail, &self.mail_domain)?;
        Ok(())
    }

    /// Coordinators are told, once per panel, that it cannot form: on the timeline (the event)
    /// and by e-mail. The caller stores the panel.
    pub(crate) fn shortfall(
        &self,
        tx: &Tx<'_>,
        panel: &mut Panel,
        reason: &str,
    ) -> TxResult<(), HandleError> {
        if panel.shortfall.is_some() {
            return Ok(());
        }
        panel.shortfall = Some(reason.to_owned());
        let alert = &panel.alert;
        tracing::warn!(correlation_id = %alert.alert_id, reason, "the panel cannot form");
        tx.emit(&Envelope::new(
            &Event::PanelShortfall(PanelShortfall {
                alert_id: alert.alert_id,
                panel_id: panel.panel_id,
                reason: reason.to_owned(),
            }),
            SERVICE,
            Some(alert.alert_id),
            None,
        ))?;
        let data = json!({
            "alert": alert,
            "reason": reason,
            "link": format!("{}/console/panels/{}", self.public_url, alert.alert_id),
        });
        for (name, address) in self.coordinators.iter() {
            let mail = NewMail {
                key: format!("shortfall:{}:{address}", alert.alert_id),
                to_name: name.clone(),
                to: address.clone(),
                subject: self
                    .pages
                    .render_text("shortfall_subject", &data)
                    .map_err(permanent)?,
                text: self
                    .pages
                    .render_text("shortfall_text", &data)
                    .map_err(permanent)?,
                html: Some(
                    self.pages
                        .render_html("shortfall_html", &data)
                        .map_err(permanent)?,
                ),
                language: LanguageCode::parse("en").ok(),
                correlation_id: Some(alert.alert_id),
                tag: serde_json::Value::Null,
            };
            mail::enqueue(tx, mail, &self.mail_domain)?;
        }
        self.waker.wake();
        Ok(())
    }

    /// Invites the next-best alternate in place of `instead` (who declined or stayed silent),
    /// from `alternates` (ranked before the transaction), keeping the balance; when nobody left would help and those in play cannot form the
    /// panel, the coordinators are told. The caller stores the panel.
    pub(crate) fn replace(
        &self,
        tx: &Tx<'_>,
        panel: &mut Panel,
        instead: &Member,
        why: &str,
        alternates: &Alternates,
        now: DateTime<Utc>,
    ) -> TxResult<(), HandleError> {
        let invitations = store::invitations_in(tx, panel)?;
        let invited: BTreeSet<Uuid> = invitations.iter().map(|i| i.member_id).collect();
        let mut in_play: Vec<Vec<String>> = Vec::new();
        for inv in invitations.iter().filter(|i| i.in_play()) {
            if let Some(m) = store::member_in(tx, inv.member_id)? {
                in_play.push(m.lines);
            }
        }
        let in_play: Vec<&[String]> = in_play.iter().map(Vec::as_slice).collect();
        let ranked = alternates.for_alert(panel.alert.alert_id, &invited);
        let balance = self.settings.balance();
        match next_alternate(&ranked, &in_play, balance) {
            Some(next) => {
                let Some((member, explained)) =
                    explained(tx, &self.settings, &panel.alert, next, now)?
                else {
                    return Ok(());
                };
                let mut scored = explained.clone();
                scored
                    .reasons
                    .push(format!("alternate for {}, who {why}", instead.name));
                self.invite(
                    tx,
                    panel,
                    &member,
                    &scored,
                    Some(instead.member_id),
                    None,
                    now,
                )?;
                tx.emit(&Envelope::new(
                    &Event::PanelMobilized(PanelMobilized {
                        alert_id: panel.alert.alert_id,
                        panel_id: panel.panel_id,
                        invited: vec![member.panel_member()],
                        explanation: format!(
                            "alternate for {}, who {why}: {}",
                            instead.name,
                            explained.summary()
                        ),
                    }),
                    SERVICE,
                    Some(panel.alert.alert_id),
                    None,
                ))?;
                self.waker.wake();
            }
            None if !balance.formed(&in_play) => {
                let reason = format!(
                    "no alternate is left who could make {} authors from {} lines ({} {why})",
                    balance.authors_needed, balance.min_lines, instead.name
                );
                self.shortfall(tx, panel, &reason)?;
            }
            None => {}
        }
        Ok(())
    }

    /// A member's answer on their invitation's page; a decline is replaced from `alternates`.
    pub(crate) fn answer(
        &self,
        tx: &Tx<'_>,
        invitation_id: Uuid,
        accepted: bool,
        note: Option<String>,
        alternates: &Alternates,
        now: DateTime<Utc>,
    ) -> TxResult<Answered, HandleError> {
        let Some(mut invitation) = store::invitation_in(tx, invitation_id)? else {
            return Ok(Answered::NotRecorded(NotRecorded::Withdrawn));
        };
        if let Err(not) = invitation.answer(accepted, note.clone(), now) {
            return Ok(Answered::NotRecorded(not));
        }
        let (Some(mut panel), Some(member)) = (
            store::panel_in(tx, invitation.alert_id)?,
            store::member_in(tx, invitation.member_id)?,
        ) else {
            return Ok(Answered::NotRecorded(NotRecorded::Withdrawn));
        };
        // The answer and the member's history are stored first: what follows (forming the
        // panel, replacing a decline) reads them back.
        store::put_invitation(tx, &invitation)?;
        let mut history = store::history_in(tx, member.member_id)?;
        history.answered += 1;
        store::put_history(tx, member.member_id, &history)?;
        let correlation = Some(panel.alert.alert_id);
        tx.emit(&Envelope::new(
            &Event::MemberResponded(MemberResponded {
                alert_id: panel.alert.alert_id,
                panel_id: panel.panel_id,
                member_id: member.member_id,
                accepted,
                name: member.name.clone(),
                note,
            }),
            SERVICE,
            correlation,
            None,
        ))?;
        let mut role = None;
        if !accepted {
            if panel.open() && invitation.replaced_at.is_none() {
                invitation.replaced_at = Some(now);
                store::put_invitation(tx, &invitation)?;
                self.replace(tx, &mut panel, &member, "declined", alternates, now)?;
            }
        } else if panel.formed {
            role = Some(Role::Cosigner);
            panel.cosigners.push(member.member_id);
            tx.emit(&Envelope::new(
                &Event::CosignerJoined(CosignerJoined {
                    alert_id: panel.alert.alert_id,
                    panel_id: panel.panel_id,
                    member: member.panel_member(),
                }),
                SERVICE,
                correlation,
                None,
            ))?;
        } else if self.form(tx, &mut panel, now)? {
            role = Some(Role::Author);
        }
        invitation = store::invitation_in(tx, invitation_id)?.unwrap_or(invitation);
        if invitation.role.is_none() && role.is_some() {
            invitation.role = role;
            store::put_invitation(tx, &invitation)?;
        }
        store::put_panel(tx, &panel)?;
        Ok(Answered::Now {
            accepted,
            role: invitation.role,
        })
    }

    /// Forms the panel if the accepted members make one: `panel.formed`, their roles, their
    /// history. Returns whether it formed now.
    fn form(
        &self,
        tx: &Tx<'_>,
        panel: &mut Panel,
        now: DateTime<Utc>,
    ) -> TxResult<bool, HandleError> {
        let mut accepted = Vec::new();
        for inv in store::invitations_in(tx, panel)? {
            if inv.answer == Answer::Accepted
                && let Some(m) = store::member_in(tx, inv.member_id)?
            {
                accepted.push((inv, m));
            }
        }
        let lines: Vec<&[String]> = accepted.iter().map(|(_, m)| m.lines.as_slice()).collect();
        if panel.cancelled || !self.settings.balance().formed(&lines) {
            return Ok(false);
        }
        panel.formed = true;
        panel.formed_at = Some(now);
        panel.authors = accepted.iter().map(|(_, m)| m.member_id).collect();
        for (mut inv, m) in accepted.iter().cloned() {
            inv.role = Some(Role::Author);
            store::put_invitation(tx, &inv)?;
            let mut history = store::history_in(tx, m.member_id)?;
            history.authored_at(now);
            store::put_history(tx, m.member_id, &history)?;
        }
        let alert = &panel.alert;
        tx.emit(&Envelope::new(
            &Event::PanelFormed(PanelFormed {
                alert_id: alert.alert_id,
                panel_id: panel.panel_id,
                title: alert.title.clone(),
                summary: alert.summary.clone(),
                languages: alert.languages.clone(),
                deadline: alert.deadline,
                authors: accepted.iter().map(|(_, m)| m.panel_member()).collect(),
            }),
            SERVICE,
            Some(alert.alert_id),
            None,
        ))?;
        tracing::info!(correlation_id = %alert.alert_id, authors = accepted.len(), "panel formed");
        Ok(true)
    }

    /// A timer come due: a reminder or a replacement, if the invitation still waits for an
    /// answer and the panel is still forming. Returns whether anything was sent.
    pub(crate) fn fire(
        &self,
        tx: &Tx<'_>,
        timer: &Timer,
        alternates: &Alternates,
        now: DateTime<Utc>,
    ) -> TxResult<bool, HandleError> {
        store::remove_timer(tx, timer)?;
        let Some(mut invitation) = store::invitation_in(tx, timer.invitation_id)? else {
            return Ok(false);
        };
        let Some(mut panel) = store::panel_in(tx, timer.alert_id)? else {
            return Ok(false);
        };
        if invitation.answer != Answer::Pending || invitation.replaced_at.is_some() || !panel.open()
        {
            return Ok(false);
        }
        let Some(member) = store::member_in(tx, invitation.member_id)? else {
            return Ok(false);
        };
        match timer.kind {
            TimerKind::Remind => {
                if invitation.reminded_at.is_some() {
                    return Ok(false);
                }
                invitation.reminded_at = Some(now);
                store::put_invitation(tx, &invitation)?;
                self.mail_member(tx, &panel, &member, &invitation, "reminder")?;
                tx.emit(&Envelope::new(
                    &Event::MemberReminded(MemberReminded {
                        alert_id: panel.alert.alert_id,
                        panel_id: panel.panel_id,
                        member_id: member.member_id,
                        name: member.name.clone(),
                    }),
                    SERVICE,
                    Some(panel.alert.alert_id),
                    None,
                ))?;
            }
            TimerKind::Replace => {
                invitation.replaced_at = Some(now);
                store::put_invitation(tx, &invitation)?;
                let budget = humantime_serde::re::humantime::format_duration(
                    self.settings.mobilisation_budget,
                );
                self.replace(
                    tx,
                    &mut panel,
                    &member,
                    &format!("did not answer within {budget}"),
                    alternates,
                    now,
                )?;
                store::put_panel(tx, &panel)?;
            }
        }
        Ok(true)
    }

    /// A coordinator invites a member by name. Refused when the member cannot be invited or
    /// was invited already, or the panel is closed.
    pub(crate) fn invite_by_hand(
        &self,
        tx: &Tx<'_>,
        alert_id: Uuid,
        member_id: Uuid,
        coordinator: &str,
        now: DateTime<Utc>,
    ) -> TxResult<Result<Invitation, ByHand>, HandleError> {
        let Some(mut panel) = store::panel_in(tx, alert_id)? else {
            return Ok(Err(ByHand::NoPanel));
        };
        if panel.cancelled {
            return Ok(Err(ByHand::Cancelled));
        }
        let Some(member) = store::member_in(tx, member_id)?.filter(|m| m.active && !m.erased)
        else {
            return Ok(Err(ByHand::NoMember));
        };
        for inv in store::invitations_in(tx, &panel)? {
            if inv.member_id == member_id {
                return Ok(Err(ByHand::AlreadyInvited));
            }
        }
        let history = store::history_in(tx, member_id)?;
        let alert = panel.alert.clone();
        let ask = Ask::of(&alert, &self.settings.drafting_language, now);
        // Score them as selection would (their leave does not stop a coordinator).
        let mut scored = score(
            &Member {
                on_leave_until: None,
                ..member.clone()
            },
            &history,
            &ask,
        )
        .unwrap_or(Scored {
            member_id,
            name: member.name.clone(),
            lines: member.lines.clone(),
            score: 0,
            reasons: Vec::new(),
        });
        scored
            .reasons
            .push(format!("invited by hand by {coordinator}"));
        let invitation = self.invite(
            tx,
            &mut panel,
            &member,
            &scored,
            None,
            Some(coordinator),
            now,
        )?;
        store::put_panel(tx, &panel)?;
        tx.emit(&Envelope::new(
            &Event::PanelMobilized(PanelMobilized {
                alert_id,
                panel_id: panel.panel_id,
                invited: vec![member.panel_member()],
                explanation: format!("invited by hand by {coordinator}: {}", scored.summary()),
            }),
            SERVICE,
            Some(alert_id),
            None,
        ))?;
        self.waker.wake();
        Ok(Ok(invitation))
    }

    /// `alert.cancelled`: pending invitations are withdrawn (their links say so), members who
    /// accepted get a stand-down e-mail. Before the alert itself arrived, it is remembered so
    /// that nobody is invited.
    pub(crate) fn stand_down(
        &self,
        tx: &Tx<'_>,
        alert_id: Uuid,
        now: DateTime<Utc>,
    ) -> TxResult<(), HandleError> {
        store::mark_cancelled(tx, alert_id)?;
        let Some(mut panel) = store::panel_in(tx, alert_id)? else {
            return Ok(());
        };
        if panel.cancelled {
            return Ok(());
        }
        panel.cancelled = true;
        for mut inv in store::invitations_in(tx, &panel)? {
            match inv.answer {
                Answer::Pending => {
                    inv.answer = Answer::Withdrawn;
                    inv.answered_at = Some(now);
                    store::put_invitation(tx, &inv)?;
                }
                Answer::Accepted => {
                    if let Some(member) = store::member_in(tx, inv.member_id)? {
                        self.mail_member(tx, &panel, &member, &inv, "stand_down")?;
                    }
                }
                Answer::Declined | Answer::Withdrawn => {}
            }
        }
        store::put_panel(tx, &panel)?;
        self.waker.wake();
        Ok(())
    }
}

/// Why a coordinator's invitation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByHand {
    NoPanel,
    Cancelled,
    NoMember,
    AlreadyInvited,
}
