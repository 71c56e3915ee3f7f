//! The consumer: manual acks, sent only after the handler's transaction is committed and flushed;
//! an idempotent inbox so a redelivery changes nothing; permanent failures (undecodable, unknown
//! type or version, refused by the handler) rejected without requeue, into the dead-letter queue,
//! while consuming goes on.

use crate::BusError;
use crate::store::{Store, TransactError, Tx, TxResult};
use futures_util::StreamExt;
use lapin::Consumer;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicRejectOptions};
use rrm_contracts::{Envelope, Event};
use std::sync::Arc;
use tracing::{Instrument, debug, error, info_span, warn};

/// Why a handler did not handle an event.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The event can never be handled as it is: dead-letter it.
    #[error("permanent: {0}")]
    Permanent(String),
    /// Something outside the event failed; the broker redelivers it (up to the delivery limit).
    #[error("transient: {0}")]
    Transient(String),
}

/// A service's reaction to the events it consumes.
///
/// `handle` runs inside the same sled transaction that records the event as handled, so its
/// state changes, the events it emits (`tx.emit`) and the inbox entry commit together. It may run
/// more than once on a transaction conflict: no side effects outside `tx` (schedule e-mails and
/// API calls as records that a worker drives).
pub trait Handler: Send + Sync + 'static {
    /// Reads, *before* the transaction, what `handle` needs beyond point lookups through `tx`
    /// (scanning a tree, say). sled holds a global lock while a transaction runs: reading the
    /// store any other way from inside `handle` would deadlock.
    fn prepare(&self, _envelope: &Envelope, _event: &Event) -> Result<Prepared, HandleError> {
        Ok(None)
    }

    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        prepared: &Prepared,
    ) -> TxResult<(), HandleError>;
}

/// What [`Handler::prepare`] read for [`Handler::handle`].
pub type Prepared = Option<Box<dyn std::any::Any + Send + Sync>>;

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Handled,
    Duplicate,
    DeadLettered,
    Retried,
}

/// Handles one message body: decode, handle in a transaction with the inbox, flush.
pub async fn process(
    store: &Store,
    handler: &dyn Handler,
    body: &[u8],
) -> Result<Outcome, BusError> {
    let envelope = match Envelope::from_bytes(body) {
        Ok(envelope) => envelope,
        Err(e) => {
            warn!(error = %e, "undecodable message; dead-lettering");
            return Ok(Outcome::DeadLettered);
        }
    };
    let span = info_span!(
        "event",
        event_id = %envelope.id,
        event_type = %envelope.event_type,
        correlation_id = %envelope.correlation_id.map(|c| c.to_string()).unwrap_or_default(),
    );
    async {
        let event = match envelope.decode() {
            Ok(event) => event,
            Err(e) => {
                warn!(error = %e, "event this build cannot read; dead-lettering");
                return Ok(Outcome::DeadLettered);
            }
        };
        if store.was_handled(envelope.id)? {
            // Handled before, but perhaps not yet durable (its flush may have failed): make sure
            // before the ack lets the broker forget it.
            store.flush().await?;
            return Ok(Outcome::Duplicate);
        }
        let prepared = match handler.prepare(&envelope, &event) {
            Ok(prepared) => prepared,
            Err(HandleError::Permanent(reason)) => {
                warn!(%reason, "handler refused the event; dead-lettering");
                return Ok(Outcome::DeadLettered);
            }
            Err(HandleError::Transient(reason)) => {
                warn!(%reason, "handler failed; the broker will redeliver");
                return Ok(Outcome::Retried);
            }
        };
        let result = store.transact(|tx| {
            if !tx.mark_handled(envelope.id)? {
                return Ok(Outcome::Duplicate);
            }
            handler.handle(tx, &envelope, &event, &prepared)?;
            Ok(Outcome::Handled)
        });
        match result {
            Ok(outcome) => {
                store.flush().await?;
                debug!(?outcome, "event processed");
                Ok(outcome)
            }
            Err(TransactError::Abort(HandleError::Permanent(reason))) => {
                warn!(%reason, "handler refused the event; dead-lettering");
                Ok(Outcome::DeadLettered)
            }
            Err(TransactError::Abort(HandleError::Transient(reason))) => {
                warn!(%reason, "handler failed; the broker will redeliver");
                Ok(Outcome::Retried)
            }
            Err(TransactError::Storage(e)) => Err(BusError::Store(e.into())),
        }
    }
    .instrument(span)
    .await
}

/// How many times the broker delivered this message before (quorum queues count them).
fn delivery_count(delivery: &Delivery) -> u32 {
    delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("x-delivery-count"))
        .and_then(|v| v.as_long_long_int().or(v.as_long_int().map(i64::from)))
        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// Wait before handing back a delivery that failed transiently for the `previous`-th time:
/// 0.5 s, 1 s, 2 s … at most 15 s.
pub fn retry_delay(previous: u32) -> std::time::Duration {
    std::time::Duration::from_millis((500u64 << previous.min(5)).min(15_000))
}

/// Consumes until the channel fails or the stream ends.
pub(crate) async fn run(
    store: Store,
    handler: Arc<dyn Handler>,
    mut consumer: Consumer,
) -> Result<(), BusError> {
    while let Some(delivery) = consumer.next().await {
        let delivery: Delivery = delivery?;
        let outcome = match process(&store, handler.as_ref(), &delivery.data).await {
            Ok(outcome) => outcome,
            Err(e) => {
                // Our own storage failed: let the broker redeliver rather than lose the event.
                error!(error = %e, "could not record an event; requeueing it");
                Outcome::Retried
            }
        };
        metrics::counter!("rrm_events_consumed_total", "outcome" => format!("{outcome:?}"))
            .increment(1);
        match outcome {
            Outcome::Handled | Outcome::Duplicate => {
                delivery.ack(BasicAckOptions::default()).await?;
            }
            Outcome::DeadLettered => {
                delivery
                    .reject(BasicRejectOptions { requeue: false })
                    .await?;
            }
            Outcome::Retried => {
                // Each try counts against the queue's delivery limit: space them out, so a
                // passing fault (a full disk being cleared) does not dead-letter a good event.
                tokio::time::sleep(retry_delay(delivery_count(&delivery))).await;
                delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..Default::default()
                    })
                    .await?;
            }
        }
    }
    Err(BusError::Protocol("consumer stream ended".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_are_retried_ever_more_slowly() {
        let delays: Vec<u64> = (0..7).map(|n| retry_delay(n).as_millis() as u64).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    }
}
