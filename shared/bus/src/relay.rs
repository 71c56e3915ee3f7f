//! The outbox relay: publishes committed events — durable, since every commit is — with publisher
//! confirms, in emission order, and removes an entry only after the broker confirmed it *and*
//! routed it (`mandatory`, so an event no queue is bound to comes back instead of vanishing).
//! Whatever is unconfirmed when the channel dies stays in the outbox and is published again on the
//! next connection; consumers deduplicate.
//!
//! Two batches are on their way at once: while the broker confirms one (its quorum queues write
//! it to disk), the next is already being published, and confirmed entries leave the outbox in one
//! transaction per batch.

use crate::BusError;
use crate::store::{EnvelopeHeader, OutboxEntry, Store};
use crate::topology::EVENTS_EXCHANGE;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel, Confirmation, PublisherConfirm};
use std::time::Duration;
use tracing::{error, warn};

/// How many events one batch carries; two batches are in flight at most.
const BATCH: usize = 512;

/// One batch handed to the broker, waiting for its confirms.
struct InFlight(Vec<(Vec<u8>, EnvelopeHeader, PublisherConfirm)>);

/// Runs until the channel fails. `channel` must be in confirm mode.
pub(crate) async fn run(store: Store, channel: Channel) -> Result<(), BusError> {
    // The last outbox key handed to the broker on this channel: the next batch starts after it.
    let mut cursor: Option<Vec<u8>> = None;
    let mut in_flight: Option<InFlight> = None;
    loop {
        let after = cursor.clone();
        let batch = store
            .read(move |s| s.outbox_after(after.as_deref(), BATCH))
            .await?;
        if batch.is_empty() {
            match in_flight.take() {
                Some(previous) => {
                    if !settle(&store, previous).await? {
                        cursor = start_over().await;
                    }
                }
                None => {
                    // Woken by a commit that emitted events; the timeout is a safety net only.
                    let _ = tokio::time::timeout(Duration::from_secs(1), store.relay_woken()).await;
                }
            }
            continue;
        }
        cursor = batch.last().map(|entry| entry.key.clone());
        let current = publish(&channel, batch).await?;
        if let Some(previous) = in_flight.replace(current) {
            let previous_ok = settle(&store, previous).await?;
            if !previous_ok {
                // Settle what is on its way before reading the outbox from its oldest entry.
                if let Some(current) = in_flight.take() {
                    settle(&store, current).await?;
                }
                cursor = start_over().await;
            }
        }
    }
}

/// After the broker refused or returned an event: wait, then read the outbox from its start.
async fn start_over() -> Option<Vec<u8>> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    None
}

async fn publish(channel: &Channel, batch: Vec<OutboxEntry>) -> Result<InFlight, BusError> {
    let mut pending = Vec::with_capacity(batch.len());
    for OutboxEntry {
        key,
        bytes,
        header: envelope,
    } in batch
    {
        let mut properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_message_id(envelope.id.to_string().into())
            .with_type(envelope.event_type.as_str().into())
            .with_app_id(envelope.producer.as_str().into());
        if let Some(correlation) = envelope.correlation_id {
            properties = properties.with_correlation_id(correlation.to_string().into());
        }
        let confirm = channel
            .basic_publish(
                EVENTS_EXCHANGE.into(),
                envelope.event_type.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                &bytes,
                properties,
            )
            .await?;
        pending.push((key, envelope, confirm));
    }
    Ok(InFlight(pending))
}

/// Waits for a batch's confirms and removes what the broker took. Returns `false` when it
/// refused or returned any event (those stay in the outbox).
async fn settle(store: &Store, batch: InFlight) -> Result<bool, BusError> {
    let mut all_taken = true;
    let mut confirmed = Vec::with_capacity(batch.0.len());
    for (key, envelope, confirm) in batch.0 {
        match confirm.await? {
            Confirmation::Ack(None) => {
                confirmed.push(key);
                metrics::counter!("rrm_events_published_total", "type" => envelope.event_type.clone()).increment(1);
            }
            Confirmation::Ack(Some(returned)) => {
                error!(
                    event_id = %envelope.id,
                    event_type = %envelope.event_type,
                    reply = %returned.reply_text,
                    "broker returned an event no queue is bound to; it stays in the outbox"
                );
                all_taken = false;
            }
            Confirmation::Nack(_) => {
                warn!(event_id = %envelope.id, event_type = %envelope.event_type, "broker refused an event; will retry");
                all_taken = false;
            }
            Confirmation::NotRequested => {
                return Err(BusError::Protocol(
                    "publish channel is not in confirm mode".into(),
                ));
            }
        }
    }
    // One transaction for the whole batch. Lost in a crash, these entries are published again
    // and the consumers' inboxes drop the copies.
    store.outbox_remove(confirmed).await?;
    Ok(all_taken)
}
