//! Intake's trees and their records: the only file that names a tree.
//!
//! - `alerts`: [`Alert`] by alert id (UUIDv7 bytes, so key order is raising order).
//! - `dedup`: alert id by dedup key (`key:<caller's key>`, `title:<normalised title>|<regions>`).
//! - `timeline`: [`TimelineEntry`] by alert id bytes followed by event id bytes.
//! - `tokens`: [`TokenRecord`] by token id (UUIDv7 bytes): coordinator tokens for listing and
//!   revoking. Hashes stay in the platform's credentials tree.
//! - `meta`: markers: `bootstrap:<sha256>` → the bootstrap token's id; `bootstrap_tokens` → the
//!   ids of every bootstrap token announced (to revoke them once a real admin exists);
//!   `am-resolved:<dedup key>:<endsAt>` → the alert id an Alertmanager resolution was recorded on.

use crate::domain::{Alert, TimelineEntry, TokenRecord, Verdict};
use rrm_bus::{Store, StoreError, Tx};
use uuid::Uuid;

const ALERTS: &str = "alerts";
const DEDUP: &str = "dedup";
const TIMELINE: &str = "timeline";
const META: &str = "meta";
const TOKENS: &str = "tokens";
const BOOTSTRAP_TOKENS: &str = "bootstrap_tokens";

/// Every tree intake opens (besides those the platform adds).
pub const TREES: &[&str] = &[ALERTS, DEDUP, TIMELINE, META, TOKENS];

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

/// An alert's timeline, in key order (the caller sorts by time). Blocking: call it inside
/// [`Store::read`].
pub fn timeline(store: &Store, alert_id: Uuid) -> Result<Vec<TimelineEntry>, StoreError> {
    store
        .scan::<TimelineEntry>(TIMELINE, alert_id.as_bytes())?
        .map(|item| item.map(|(_, entry)| entry))
        .collect()
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
