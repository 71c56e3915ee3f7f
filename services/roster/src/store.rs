//! Roster's trees and typed reads and writes; the only file naming a tree.
//!
//! - `members`: member id → [`Member`]; `members_by_email`: lower-case address → id;
//!   `members_by_name`: lower-case name, NUL, id → id (listing order).
//! - `selection`: the index panel selection reads instead of every member. One key per topic,
//!   region and line of each member who can be invited (active, not erased):
//!   `t:<topic>`, `r:<region>`, `l:<line>`, and `p:<topic>|<region>` for each topic and region
//!   they cover together, then NUL and the member's id (16 bytes). The `p:` entries hold the
//!   member's [`Card`] (what scores: their [`Profile`] and [`History`]), so the usual selection
//!   — members who cover a topic of the alert and know one of its regions — is range scans over
//!   exactly those members; the other entries hold nothing.
//! - `history`: member id → [`History`] (answers, authorships: the score's history part).
//! - `panels`: alert id → [`Panel`]; `invitations`: invitation id → [`Invitation`].
//! - `timers`: due time (ms, big-endian), invitation id, kind → [`Timer`]: the mobilisation
//!   clock's reminders and replacements, in due order.
//! - `cancelled_alerts`: alert id → `()`, so that an alert cancelled before roster saw it
//!   raised (events of different types are not ordered) mobilises nobody.

use crate::domain::{Ask, History, Invitation, Member, Panel, Profile};
use chrono::{DateTime, Utc};
use rrm_bus::{Store, StoreError, Tx};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

pub(crate) const MEMBERS: &str = "members";
pub(crate) const BY_EMAIL: &str = "members_by_email";
pub(crate) const BY_NAME: &str = "members_by_name";
pub(crate) const SELECTION: &str = "selection";
pub(crate) const HISTORY: &str = "history";
pub(crate) const PANELS: &str = "panels";
pub(crate) const INVITATIONS: &str = "invitations";
pub(crate) const TIMERS: &str = "timers";
pub(crate) const CANCELLED: &str = "cancelled_alerts";
/// Every tree roster opens.
pub const TREES: &[&str] = &[
    MEMBERS,
    BY_EMAIL,
    BY_NAME,
    SELECTION,
    HISTORY,
    PANELS,
    INVITATIONS,
    TIMERS,
    CANCELLED,
];

fn email_key(email: &str) -> String {
    email.to_lowercase()
}

fn name_key(member: &Member) -> Vec<u8> {
    let mut key = member.name.to_lowercase().into_bytes();
    key.push(0);
    key.extend_from_slice(member.member_id.as_bytes());
    key
}

fn selection_keys(member: &Member) -> Vec<Vec<u8>> {
    if !member.active || member.erased {
        return Vec::new();
    }
    let tagged = member
        .topics
        .iter()
        .map(|t| ("t", t))
        .chain(member.regions.iter().map(|r| ("r", r)))
        .chain(member.lines.iter().map(|l| ("l", l)));
    let mut keys: Vec<Vec<u8>> = tagged
        .map(|(kind, tag)| tag_key(kind, tag, Some(member.member_id)))
        .collect();
    // One entry per topic and region the member covers together: where their card is.
    for topic in &member.topics {
        for region in &member.regions {
            keys.push(tag_key("p", &pair(topic, region), Some(member.member_id)));
        }
    }
    keys
}

/// A topic and a region as one tag (tags never hold `|`).
fn pair(topic: &str, region: &str) -> String {
    format!("{topic}|{region}")
}

fn tag_key(kind: &str, tag: &str, member: Option<Uuid>) -> Vec<u8> {
    let mut key = format!("{kind}:{tag}").into_bytes();
    key.push(0);
    if let Some(id) = member {
        key.extend_from_slice(id.as_bytes());
    }
    key
}

/// What a member's `p:` entries in the selection index hold: all that scores them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Card {
    pub profile: Profile,
    #[serde(default)]
    pub history: History,
}

/// Writes a member's selection entries (the `p:` ones with their card).
fn put_selection(tx: &Tx<'_>, member: &Member, history: &History) -> Result<(), StoreError> {
    let card = Card {
        profile: member.profile(),
        history: history.clone(),
    };
    for key in selection_keys(member) {
        if key.starts_with(b"p:") {
            tx.put(SELECTION, key, &card)?;
        } else {
            tx.put(SELECTION, key, &())?;
        }
    }
    Ok(())
}

/// Writes a member and keeps every index in step with it; `before` is what was stored.
pub fn put_member(tx: &Tx<'_>, before: Option<&Member>, member: &Member) -> Result<(), StoreError> {
    if let Some(old) = before {
        tx.remove(BY_EMAIL, email_key(old.email.as_str()))?;
        tx.remove(BY_NAME, name_key(old))?;
        for key in selection_keys(old) {
            tx.remove(SELECTION, key)?;
        }
    }
    tx.put(MEMBERS, member.member_id.as_bytes(), member)?;
    if !member.erased {
        tx.put(
            BY_EMAIL,
            email_key(member.email.as_str()),
            &member.member_id,
        )?;
    }
    tx.put(BY_NAME, name_key(member), &member.member_id)?;
    let history = history_in(tx, member.member_id)?;
    put_selection(tx, member, &history)
}

pub(crate) fn member_in(tx: &Tx<'_>, id: Uuid) -> Result<Option<Member>, StoreError> {
    tx.get(MEMBERS, id.as_bytes())
}

pub(crate) fn id_by_email_in(tx: &Tx<'_>, email: &str) -> Result<Option<Uuid>, StoreError> {
    tx.get(BY_EMAIL, email_key(email))
}

pub fn member(store: &Store, id: Uuid) -> Result<Option<Member>, StoreError> {
    store.get(MEMBERS, id.as_bytes())
}

/// The member an address belongs to, for tools and tests.
pub fn member_by_email(store: &Store, email: &str) -> Result<Option<Member>, StoreError> {
    match store.get::<Uuid>(BY_EMAIL, email_key(email))? {
        Some(id) => member(store, id),
        None => Ok(None),
    }
}

/// Which members a listing shows.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// In the name, title, affiliation or address (case-insensitive).
    pub q: Option<String>,
    pub line: Option<String>,
    pub language: Option<String>,
    pub topic: Option<String>,
    pub region: Option<String>,
    /// `None`: every member; else only active (`true`) or inactive (`false`) ones.
    pub active: Option<bool>,
}

impl MemberFilter {
    fn keeps(&self, m: &Member) -> bool {
        let q = self.q.as_ref().map(|q| q.to_lowercase());
        q.is_none_or(|q| {
            [
                &m.name,
                &m.title,
                &m.affiliation,
                &m.email.as_str().to_owned(),
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(&q))
        }) && self.line.as_ref().is_none_or(|l| m.lines.contains(l))
            && self.topic.as_ref().is_none_or(|t| m.topics.contains(t))
            && self.region.as_ref().is_none_or(|r| m.regions.contains(r))
            && self.language.as_ref().is_none_or(|l| {
                m.languages_written
                    .iter()
                    .chain(&m.languages_read)
                    .any(|c| c.primary() == l.as_str())
            })
            && self.active.is_none_or(|a| m.active == a && !m.erased)
    }
}

/// One page of members in name order, after `cursor` (the key of the last one shown); the
/// cursor of the next page if there is one.
pub fn list_members(
    store: &Store,
    filter: &MemberFilter,
    after: Option<&[u8]>,
    limit: usize,
) -> Result<(Vec<Member>, Option<Vec<u8>>), StoreError> {
    let mut page = Vec::new();
    let mut last = None;
    for item in store.scan_after::<Uuid>(BY_NAME, after)? {
        let (key, id) = item?;
        let Some(m) = member(store, id)? else {
            continue;
        };
        if !filter.keeps(&m) {
            continue;
        }
        if page.len() == limit {
            return Ok((page, last));
        }
        last = Some(key);
        page.push(m);
    }
    Ok((page, None))
}

/// Every member, in name order: for the CSV export.
pub fn all_members(store: &Store) -> Result<Vec<Member>, StoreError> {
    let ids: Vec<Uuid> = store
        .scan::<Uuid>(BY_NAME, b"")?
        .map(|r| r.map(|(_, id)| id))
        .collect::<Result<_, _>>()?;
    Ok(store
        .get_many::<Member, _>(MEMBERS, ids.iter().map(|id| *id.as_bytes()))?
        .into_iter()
        .flatten()
        .collect())
}

/// Ids in the selection index under one tag.
fn tagged(store: &Store, kind: &str, tag: &str) -> Result<BTreeSet<Uuid>, StoreError> {
    let prefix = tag_key(kind, tag, None);
    store
        .scan_keys(SELECTION, &prefix)?
        .map(|r| {
            r.map(|key| {
                let bytes: [u8; 16] = key[prefix.len()..].try_into().unwrap_or_default();
                Uuid::from_bytes(bytes)
            })
        })
        .collect()
}

/// The members selection scores for an ask, and how they were found — from the `selection`
/// index, never every member:
///
/// 1. those who cover one of the alert's topics **and** know one of its regions (or `global`):
///    the `p:` entries of each such pair, with their cards — range scans alone;
/// 2. if that gives fewer than `enough` or fewer lines than `min_lines`, those who cover a topic
///    **or** know a region;
/// 3. if still short, everyone on each configured line.
pub fn candidates(
    store: &Store,
    ask: &Ask<'_>,
    lines: &[String],
    enough: usize,
    min_lines: usize,
) -> Result<(Vec<(Profile, History)>, String), StoreError> {
    let today = ask.now.date_naive();
    // The cards under each topic and region of the alert (`global` included): each member
    // once, however many of them they cover.
    let mut regions = ask.regions.to_vec();
    regions.push("global".into());
    let mut by_topic: BTreeMap<Uuid, Card> = BTreeMap::new();
    for topic in ask.topics {
        for region in &regions {
            let prefix = tag_key("p", &pair(topic, region), None);
            for entry in store.scan::<Card>(SELECTION, prefix)? {
                let (_, card) = entry?;
                by_topic.entry(card.profile.member_id).or_insert(card);
            }
        }
    }
    let short = |found: &[(Profile, History)]| {
        let lines: BTreeSet<&str> = found
            .iter()
            .flat_map(|(p, _)| p.lines.iter().map(String::as_str))
            .collect();
        found.len() < enough || lines.len() < min_lines
    };
    let found: Vec<(Profile, History)> = by_topic
        .values()
        .filter(|c| c.profile.available_on(today))
        .map(|c| (c.profile.clone(), c.history.clone()))
        .collect();
    if !short(&found) {
        let how = format!(
            "{} available members cover a topic and a region of the alert",
            found.len()
        );
        return Ok((found, how));
    }
    // Wider: members beyond the topics' cards are looked up by id.
    let load = |ids: BTreeSet<Uuid>| -> Result<Vec<(Profile, History)>, StoreError> {
        let mut all: Vec<(Profile, History)> = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            match by_topic.get(&id) {
                Some(card) => all.push((card.profile.clone(), card.history.clone())),
                None => missing.push(id),
            }
        }
        let members =
            store.get_many::<Member, _>(MEMBERS, missing.iter().map(|id| *id.as_bytes()))?;
        let histories =
            store.get_many::<History, _>(HISTORY, missing.iter().map(|id| *id.as_bytes()))?;
        all.extend(
            members
                .into_iter()
                .zip(histories)
                .filter_map(|(m, h)| m.map(|m| (m.profile(), h.unwrap_or_default()))),
        );
        all.retain(|(p, _)| p.available_on(today));
        Ok(all)
    };
    let union = |kind: &str, tags: &[String]| -> Result<BTreeSet<Uuid>, StoreError> {
        let mut all = BTreeSet::new();
        for tag in tags {
            all.extend(tagged(store, kind, tag)?);
        }
        Ok(all)
    };
    let mut either = union("r", &regions)?;
    either.extend(union("t", ask.topics)?);
    let found = load(either)?;
    if !short(&found) {
        let how = format!(
            "{} available members cover a topic or a region of the alert (fewer than {enough} \
             cover both)",
            found.len()
        );
        return Ok((found, how));
    }
    let found = load(union("l", lines)?)?;
    let how = format!(
        "{} available members on the roster considered (fewer than {enough} cover a topic or a \
         region of the alert)",
        found.len()
    );
    Ok((found, how))
}

pub(crate) fn history_in(tx: &Tx<'_>, member: Uuid) -> Result<History, StoreError> {
    Ok(tx.get(HISTORY, member.as_bytes())?.unwrap_or_default())
}

/// Writes a member's history, and the cards in the selection index that carry it.
pub(crate) fn put_history(tx: &Tx<'_>, member: Uuid, history: &History) -> Result<(), StoreError> {
    tx.put(HISTORY, member.as_bytes(), history)?;
    match member_in(tx, member)? {
        Some(m) => put_selection(tx, &m, history),
        None => Ok(()),
    }
}

pub fn panel(store: &Store, alert_id: Uuid) -> Result<Option<Panel>, StoreError> {
    store.get(PANELS, alert_id.as_bytes())
}

pub(crate) fn panel_in(tx: &Tx<'_>, alert_id: Uuid) -> Result<Option<Panel>, StoreError> {
    tx.get(PANELS, alert_id.as_bytes())
}

pub(crate) fn put_panel(tx: &Tx<'_>, panel: &Panel) -> Result<(), StoreError> {
    tx.put(PANELS, panel.alert.alert_id.as_bytes(), panel)
}

/// The `limit` newest panels, newest alert first (alert ids are time-ordered): the console's
/// list, read from the end of the tree rather than every panel.
pub fn recent_panels(store: &Store, limit: usize) -> Result<Vec<Panel>, StoreError> {
    store
        .scan_back::<Panel>(PANELS, None)?
        .take(limit)
        .map(|r| r.map(|(_, p)| p))
        .collect()
}

pub fn invitation(store: &Store, id: Uuid) -> Result<Option<Invitation>, StoreError> {
    store.get(INVITATIONS, id.as_bytes())
}

pub(crate) fn invitation_in(tx: &Tx<'_>, id: Uuid) -> Result<Option<Invitation>, StoreError> {
    tx.get(INVITATIONS, id.as_bytes())
}

pub(crate) fn put_invitation(tx: &Tx<'_>, invitation: &Invitation) -> Result<(), StoreError> {
    tx.put(INVITATIONS, invitation.invitation_id.as_bytes(), invitation)
}

/// A panel's invitations in the order they went out.
pub fn invitations(store: &Store, panel: &Panel) -> Result<Vec<Invitation>, StoreError> {
    Ok(store
        .get_many::<Invitation, _>(INVITATIONS, panel.invitations.iter().map(|i| *i.as_bytes()))?
        .into_iter()
        .flatten()
        .collect())
}

pub(crate) fn invitations_in(tx: &Tx<'_>, panel: &Panel) -> Result<Vec<Invitation>, StoreError> {
    let mut all = Vec::new();
    for id in &panel.invitations {
        if let Some(inv) = invitation_in(tx, *id)? {
            all.push(inv);
        }
    }
    Ok(all)
}

/// Every invitation a member ever had (for the privacy export): a scan of invitations.
pub fn invitations_of(store: &Store, member: Uuid) -> Result<Vec<Invitation>, StoreError> {
    store
        .scan::<Invitation>(INVITATIONS, b"")?
        .filter_map(|r| match r {
            Ok((_, inv)) if inv.member_id == member => Some(Ok(inv)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect()
}

/// Members by id, for pages that name the invited.
pub fn members_by_id(
    store: &Store,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<BTreeMap<Uuid, Member>, StoreError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(store
        .get_many::<Member, _>(MEMBERS, ids.iter().map(|id| *id.as_bytes()))?
        .into_iter()
        .flatten()
        .map(|m| (m.member_id, m))
        .collect())
}

/// What the mobilisation clock does when a timer comes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimerKind {
    /// Half the budget without an answer: one reminder.
    Remind,
    /// The budget without an answer: an alternate in their place.
    Replace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub due: DateTime<Utc>,
    pub invitation_id: Uuid,
    pub alert_id: Uuid,
    pub kind: TimerKind,
}

fn timer_key(timer: &Timer) -> Vec<u8> {
    let ms = timer.due.timestamp_millis().max(0) as u64;
    let mut key = ms.to_be_bytes().to_vec();
    key.extend_from_slice(timer.invitation_id.as_bytes());
    key.push(timer.kind as u8);
    key
}

pub(crate) fn set_timer(tx: &Tx<'_>, timer: &Timer) -> Result<(), StoreError> {
    tx.put(TIMERS, timer_key(timer), timer)
}

pub(crate) fn remove_timer(tx: &Tx<'_>, timer: &Timer) -> Result<(), StoreError> {
    tx.remove(TIMERS, timer_key(timer))
}

/// The `limit` timers due first.
pub fn next_timers(store: &Store, limit: usize) -> Result<Vec<Timer>, StoreError> {
    store
        .scan::<Timer>(TIMERS, b"")?
        .take(limit)
        .map(|r| r.map(|(_, t)| t))
        .collect()
}

pub(crate) fn mark_cancelled(tx: &Tx<'_>, alert_id: Uuid) -> Result<(), StoreError> {
    tx.put(CANCELLED, alert_id.as_bytes(), &())
}

pub(crate) fn cancelled_in(tx: &Tx<'_>, alert_id: Uuid) -> Result<bool, StoreError> {
    Ok(tx.get::<()>(CANCELLED, alert_id.as_bytes())?.is_some())
}
