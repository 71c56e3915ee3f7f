//! The outbox relay: publishes committed events — durable, since every commit is — with publisher
//! confirms, in emission order, and removes an entry only after the broker confirmed it *and* routed it (`mandatory`, so
//! an event no queue is bound to comes back instead of vanishing). Whatever is unconfirmed when
//! the channel dies stays in the outbox and is published again on the next connection; consumers
//! deduplicate.

use crate::BusError;
use crate::store::Store;
use crate::topology::EVENTS_EXCHANGE;
use lapin::Confirmation;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel};
use std::time::Duration;
use tracing::{error, warn};

/// How many events are in flight between the relay and the broker at once.
const BATCH: usize = 256;

/// Runs until the channel fails. `channel` must be in confirm mode.
pub(crate) async fn run(store: Store, channel: Channel) -> Result<(), BusError> {
    loop {
        let published = publish_batch(&store, &channel).await?;
        match published {
            BatchOutcome::Empty => {
                // Woken by a commit that emitted events; the timeout is a safety net only.
                let _ = tokio::time::timeout(Duration::from_secs(1), store.relay_woken()).await;
            }
            BatchOutcome::AllConfirmed => {}
            BatchOutcome::SomeRefused => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

enum BatchOutcome {
    Empty,
    AllConfirmed,
    SomeRefused,
}

async fn publish_batch(store: &Store, channel: &Channel) -> Result<BatchOutcome, BusError> {
    // Read from a committed snapshot: only what a crash can no longer take back is announced.
    let batch = store.read(|s| s.outbox_batch(BATCH)).await?;
    if batch.is_empty() {
        return Ok(BatchOutcome::Empty);
    }
    let mut pending = Vec::with_capacity(batch.len());
    for (key, envelope) in batch {
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
                &envelope.to_bytes(),
                properties,
            )
            .await?;
        pending.push((key, envelope, confirm));
    }
    let mut outcome = BatchOutcome::AllConfirmed;
    let mut confirmed = Vec::with_capacity(pending.len());
    for (key, envelope, confirm) in pending {
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
                outcome = BatchOutcome::SomeRefused;
            }
            Confirmation::Nack(_) => {
                warn!(event_id = %envelope.id, event_type = %envelope.event_type, "broker refused an event; will retry");
                outcome = BatchOutcome::SomeRefused;
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
    Ok(outcome)
}
