//! Intake's trees and their records: the only file that names a tree.
//!
//! - `alerts`: [`Alert`] by alert id (UUIDv7 bytes, so key order is raising order).
//! - `dedup`: alert id by dedup key (`key:<caller's key>`, `title:<normalised title>|<regions>`).
//! - `timeline`: [`TimelineEntry`] by alert id bytes followed by event id bytes.
//! - `tokens`: [`TokenRecord`] by token id (UUIDv7 bytes): coordinator tokens for listing and
//!   revoking. Hashes stay in the platform's credentials tree.
//! - `pipelines`: [`Pipeline`] by alert id: each alert's stages, projected from the events.
//! - `timers`: the pipeline clock's timers, by due time (milliseconds since the epoch, big-endian)
//!   followed by the alert id and the stage's index, so the first key is the next one due. The
//!   value is `(alert id, stage)`. A timer outlives a restart; one whose stage finished meanwhile
//!   is dropped when it comes due.
//! - `meta`: markers: `bootstrap:<sha256>` → the bootstrap token's id; `bootstrap_tokens` → the
//!   ids of every bootstrap token announced (to revoke them once a real admin exists);
//!   `am-resolved:<dedup key>:<endsAt>` → the alert id an Alertmanager resolution was recorded on.

use crate::domain::{Alert, Pipeline, Stage, TimelineEntry, TokenRecord, Verdict};
use chrono::{DateTime, Utc};
use rrm_bus::{Store, StoreError, Tx};
use uuid::Uuid;

const ALERTS: &str = "alerts";
const DEDUP: &str = "dedup";
const TIMELINE: &str = "timeline";
const META: &str = "meta";
const TOKENS: &str = "tokens";
const PIPELINES: &str = "pipelines";
const TIMERS: &str = "timers";
const BOOTSTRAP_TOKENS: &str = "bootstrap_tokens";

/// Every tree intake opens (besides those the platform adds).
pub const TREES: &[&str] = &[ALERTS, DEDUP, TIMELINE, META, TOKENS, PIPELINES, TIMERS];

pub fn alert(store: &Store, id: Uuid) -> Result<Option<Alert>, StoreError> {
    store.get(ALERTS, id.as_bytes())
}

pub fn alert_in(tx: &Tx<'_>, id: Uuid) -> Result<Option<Alert>, StoreError> {
    tx.get(ALERTS, id.as_bytes())
}

pub fn put_alert(tx: &Tx<'_>, alert: &Alert) -> Result<(), StoreError> {
    tx.put(ALERTS, alert.alert_id.as_bytes(), alert)
}

/// Number of alerts stored.
pub fn alert_count(store: &Store) -> Result<u64, StoreError> {
    store.count(ALERTS)
}

/// Up to `want` alerts raised before the alert `before` (from the newest when `None`), newest
/// first, as `verdict` takes, skips or stops. Reads no further than it must. Blocking: call it
/// inside [`Store::read`].
pub fn alerts_page(
    store: &Store,
    before: Option<Uuid>,
    want: usize,
    verdict: impl Fn(&Alert) -> Verdict,
) -> Result<Vec<Alert>, StoreError> {
    let mut page = Vec::new();
    if want == 0 {
        return Ok(page);
    }
    for item in
        store.scan_back::<Alert>(ALERTS, before.as_ref().map(|id| id.as_bytes().as_slice()))?
    {
        let (_, alert) = item?;
        match verdict(&alert) {
            Verdict::Take => page.push(alert),
            Verdict::Skip => continue,
            Verdict::Stop => break,
        }
        if page.len() >= want {
            break;
        }
    }
    Ok(page)
}

pub fn dedup(tx: &Tx<'_>, key: &str) -> Result<Option<Uuid>, StoreError> {
    tx.get(DEDUP, key)
}

pub fn put_dedup(tx: &Tx<'_>, key: &str, alert_id: Uuid) -> Result<(), StoreError> {
    tx.put(DEDUP, key, &alert_id)
}

/// An alert's timeline, oldest first. Blocking: call it inside [`Store::read`].
pub fn timeline(store: &Store, alert_id: Uuid) -> Result<Vec<TimelineEntry>, StoreError> {
    let mut entries = store
        .scan::<TimelineEntry>(TIMELINE, alert_id.as_bytes())?
        .map(|item| item.map(|(_, entry)| entry))
        .collect::<Result<Vec<_>, _>>()?;
    // Keys follow event ids, which producers mint on their own clocks: order by time.
    entries.sort_by_key(|e| e.occurred_at);
    Ok(entries)
}

/// An alert, its pipeline (when intake has one) and its timeline, oldest first.
pub type Shown = (Alert, Option<Pipeline>, Vec<TimelineEntry>);

/// Alert `id` with its pipeline and its timeline (oldest first), as pages and answers show it;
/// `None` when there is no such alert. Blocking: call it inside [`Store::read`].
pub fn alert_shown(store: &Store, id: Uuid) -> Result<Option<Shown>, StoreError> {
    let Some(alert) = alert(store, id)? else {
        return Ok(None);
    };
    Ok(Some((alert, pipeline(store, id)?, timeline(store, id)?)))
}

pub fn put_timeline_entry(
    tx: &Tx<'_>,
    alert_id: Uuid,
    entry: &TimelineEntry,
) -> Result<(), StoreError> {
    let mut key = alert_id.as_bytes().to_vec();
    key.extend_from_slice(entry.event_id.as_bytes());
    tx.put(TIMELINE, key, entry)
}

/// The id of the bootstrap token with this hash, once it was announced.
pub fn bootstrap_marker(tx: &Tx<'_>, hash: &str) -> Result<Option<Uuid>, StoreError> {
    tx.get(META, format!("bootstrap:{hash}"))
}

pub fn put_bootstrap_marker(tx: &Tx<'_>, hash: &str, token_id: Uuid) -> Result<(), StoreError> {
    tx.put(META, format!("bootstrap:{hash}"), &token_id)
}

pub fn token(store: &Store, id: Uuid) -> Result<Option<TokenRecord>, StoreError> {
    store.get(TOKENS, id.as_bytes())
}

pub fn token_in(tx: &Tx<'_>, id: Uuid) -> Result<Option<TokenRecord>, StoreError> {
    tx.get(TOKENS, id.as_bytes())
}

pub fn put_token(tx: &Tx<'_>, token: &TokenRecord) -> Result<(), StoreError> {
    tx.put(TOKENS, token.token_id.as_bytes(), token)
}

/// Every token, oldest first. Blocking: call it inside [`Store::read`].
pub fn all_tokens(store: &Store) -> Result<Vec<TokenRecord>, StoreError> {
    store
        .scan::<TokenRecord>(TOKENS, b"")?
        .map(|item| item.map(|(_, token)| token))
        .collect()
}

/// The ids of every bootstrap token ever announced.
pub fn bootstrap_tokens(tx: &Tx<'_>) -> Result<Vec<Uuid>, StoreError> {
    Ok(tx.get(META, BOOTSTRAP_TOKENS)?.unwrap_or_default())
}

pub fn add_bootstrap_token(tx: &Tx<'_>, id: Uuid) -> Result<(), StoreError> {
    let mut ids = bootstrap_tokens(tx)?;
    if !ids.contains(&id) {
        ids.push(id);
    }
    tx.put(META, BOOTSTRAP_TOKENS, &ids)
}

/// Whether the Alertmanager resolution `(dedup_key, ends_at)` was recorded already; records it.
pub fn first_resolution(
    tx: &Tx<'_>,
    dedup_key: &str,
    ends_at: &str,
    alert_id: Uuid,
) -> Result<bool, StoreError> {
    let key = format!("am-resolved:{dedup_key}:{ends_at}");
    if tx.get::<Uuid>(META, &key)?.is_some() {
        return Ok(false);
    }
    tx.put(META, key, &alert_id)?;
    Ok(true)
}

pub fn pipeline(store: &Store, alert_id: Uuid) -> Result<Option<Pipeline>, StoreError> {
    store.get(PIPELINES, alert_id.as_bytes())
}

pub fn pipeline_in(tx: &Tx<'_>, alert_id: Uuid) -> Result<Option<Pipeline>, StoreError> {
    tx.get(PIPELINES, alert_id.as_bytes())
}

/// Stores `pipeline`, and sets the clock's timers from what it was (`before`) to what it is:
/// a stage that finished loses its timer, a stage that started gains one.
pub fn put_pipeline(
    tx: &Tx<'_>,
    before: Option<&Pipeline>,
    pipeline: &Pipeline,
) -> Result<(), StoreError> {
    let old = before.map(Pipeline::timers).unwrap_or_default();
    let new = pipeline.timers();
    for (stage, due) in old.iter().filter(|t| !new.contains(t)) {
        tx.remove(TIMERS, timer_key(*due, pipeline.alert_id, *stage))?;
    }
    for (stage, due) in new.iter().filter(|t| !old.contains(t)) {
        tx.put(
            TIMERS,
            timer_key(*due, pipeline.alert_id, *stage),
            &(pipeline.alert_id, *stage),
        )?;
    }
    tx.put(PIPELINES, pipeline.alert_id.as_bytes(), pipeline)
}

/// A timer's key. Its time is rounded up to the millisecond, so a timer never comes due before
/// its stage does.
fn timer_key(due: DateTime<Utc>, alert_id: Uuid, stage: Stage) -> Vec<u8> {
    let millis =
        due.timestamp_millis() + i64::from(!due.timestamp_subsec_nanos().is_multiple_of(1_000_000));
    let mut key = (millis.max(0) as u64).to_be_bytes().to_vec();
    key.extend_from_slice(alert_id.as_bytes());
    key.push(stage.index() as u8);
    key
}

/// A timer of the pipeline clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub due: DateTime<Utc>,
    pub alert_id: Uuid,
    pub stage: Stage,
}

/// The timers due first, up to `want`, earliest first. Blocking: call it inside
/// [`Store::read`].
pub fn next_timers(store: &Store, want: usize) -> Result<Vec<Timer>, StoreError> {
    let mut timers = Vec::new();
    for item in store.scan::<(Uuid, Stage)>(TIMERS, b"")? {
        let (key, (alert_id, stage)) = item?;
        let millis = key
            .get(..8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes)
            .unwrap_or_default();
        let due = DateTime::from_timestamp_millis(millis as i64).unwrap_or_default();
        timers.push(Timer {
            due,
            alert_id,
            stage,
        });
        if timers.len() >= want {
            break;
        }
    }
    Ok(timers)
}

pub fn remove_timer(tx: &Tx<'_>, timer: &Timer) -> Result<(), StoreError> {
    tx.remove(TIMERS, timer_key(timer.due, timer.alert_id, timer.stage))
}
