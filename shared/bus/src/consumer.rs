//! The consumer: manual acks, sent only after the handler's transaction is committed — durably,
//! as every commit is; an idempotent inbox so a redelivery changes nothing; permanent failures
//! (undecodable, unknown type or version, refused by the handler) rejected without requeue, into
//! the dead-letter queue, while consuming goes on.
//!
//! Deliveries already waiting are taken together: their transactions are handed to the store in
//! delivery order (so handlers see events in the order the queue gave them) and share durable
//! commits, then each is acked or rejected in that order.
//!
//! An event that failed transiently is never held while the events behind it wait: a copy goes
//! to the service's retry queue (confirmed by the broker first), which hands it back to the work
//! queue after [`crate::topology::RETRY_DELAY`], and the delivery is acked. The copy carries how
//! many times it was retried (`x-rrm-retries`); past the delivery limit it is dead-lettered.
//! Should the retry queue not take it, the delivery is handed back after a pause instead.

use crate::BusError;
use crate::store::{Store, StoreError, Tx, TxError, TxResult};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions, BasicRejectOptions};
use lapin::types::AMQPValue;
use lapin::{Channel, Confirmation, Consumer};
use rrm_contracts::{Envelope, Event};
use std::sync::Arc;
use tracing::{Span, debug, error, info_span, warn};

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
/// `handle` runs inside the same transaction that records the event as handled, so its state
/// changes, the events it emits (`tx.emit`) and the inbox entry commit together. It runs on the
/// store's writer thread, once: no blocking and no side effects outside `tx` (schedule e-mails
/// and API calls as records that a worker drives).
pub trait Handler: Send + Sync + 'static {
    /// Reads, on a blocking thread *before* the transaction, what `handle` needs beyond point
    /// lookups through `tx` (scanning a directory, say), so the writer never waits on a scan.
    /// It may run before the transactions of the deliveries just ahead of this one commit: read
    /// only what events do not change, and check anything else again in `handle` through `tx`.
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

/// The most deliveries taken together (bounded anyway by the channel's prefetch).
const MAX_TOGETHER: usize = 256;

/// One delivery on its way: decided already, or waiting for its transaction's commit.
enum Started {
    Done(Outcome),
    Committing(
        BoxFuture<'static, Result<Outcome, TxError<HandleError>>>,
        Span,
    ),
}

/// A decoded delivery that still has to be handled.
struct Decoded {
    envelope: Envelope,
    event: Event,
    span: Span,
}

/// Handles one message body: decode, handle in a transaction with the inbox, wait until durable.
pub async fn process(
    store: &Store,
    handler: &Arc<dyn Handler>,
    body: &[u8],
) -> Result<Outcome, BusError> {
    let mut started = start_all(store, handler, &[body]).await?;
    match started.pop() {
        Some(started) => finish(started).await,
        None => Err(BusError::Protocol("nothing was started".into())),
    }
}

/// Decodes a run of deliveries, prepares those not handled yet (together, on one blocking
/// thread) and hands their transactions to the store in delivery order.
async fn start_all(
    store: &Store,
    handler: &Arc<dyn Handler>,
    bodies: &[&[u8]],
) -> Result<Vec<Started>, BusError> {
    let mut started: Vec<Option<Started>> = Vec::with_capacity(bodies.len());
    let mut to_prepare = Vec::new();
    for (position, body) in bodies.iter().enumerate() {
        match decode(store, body)? {
            Ok(decoded) => {
                started.push(None);
                to_prepare.push((position, decoded));
            }
            Err(outcome) => started.push(Some(Started::Done(outcome))),
        }
    }
    if !to_prepare.is_empty() {
        let preparing = handler.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            to_prepare
                .into_iter()
                .map(|(position, decoded)| {
                    let prepared = decoded
                        .span
                        .in_scope(|| preparing.prepare(&decoded.envelope, &decoded.event));
                    (position, decoded, prepared)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| BusError::Store(StoreError::Panicked(e.to_string())))?;
        for (position, decoded, prepared) in prepared {
            let Decoded {
                envelope,
                event,
                span,
            } = decoded;
            let prepared = match prepared {
                Ok(prepared) => prepared,
                Err(e) => {
                    started[position] = Some(Started::Done(span.in_scope(|| refused(e))));
                    continue;
                }
            };
            let handler = handler.clone();
            // Queued now, in delivery order; awaited later, so the run shares commits.
            let committed = store.queue(move |tx| {
                if !tx.mark_handled(envelope.id)? {
                    return Ok(Outcome::Duplicate);
                }
                handler.handle(tx, &envelope, &event, &prepared)?;
                Ok(Outcome::Handled)
            });
            started[position] = Some(Started::Committing(committed.boxed(), span));
        }
    }
    Ok(started
        .into_iter()
        .map(|s| s.unwrap_or(Started::Done(Outcome::Retried)))
        .collect())
}

/// Decodes one delivery, or says at once what becomes of it.
fn decode(store: &Store, body: &[u8]) -> Result<Result<Decoded, Outcome>, BusError> {
    let envelope = match Envelope::from_bytes(body) {
        Ok(envelope) => envelope,
        Err(e) => {
            warn!(error = %e, "undecodable message; dead-lettering");
            return Ok(Err(Outcome::DeadLettered));
        }
    };
    let span = info_span!(
        "event",
        event_id = %envelope.id,
        event_type = %envelope.event_type,
        correlation_id = %envelope.correlation_id.map(|c| c.to_string()).unwrap_or_default(),
    );
    let entered = span.enter();
    let event = match envelope.decode() {
        Ok(event) => event,
        Err(e) => {
            warn!(error = %e, "event this build cannot read; dead-lettering");
            return Ok(Err(Outcome::DeadLettered));
        }
    };
    // A committed entry is a durable one: a redelivery of it can be acked at once.
    if store.was_handled(envelope.id)? {
        return Ok(Err(Outcome::Duplicate));
    }
    drop(entered);
    Ok(Ok(Decoded {
        envelope,
        event,
        span,
    }))
}

/// Waits for a started delivery's transaction to be durable and says what to tell the broker.
async fn finish(started: Started) -> Result<Outcome, BusError> {
    let (committed, span) = match started {
        Started::Done(outcome) => return Ok(outcome),
        Started::Committing(committed, span) => (committed, span),
    };
    let result = committed.await;
    let _entered = span.enter();
    match result {
        Ok(outcome) => {
            debug!(?outcome, "event processed");
            Ok(outcome)
        }
        Err(TxError::Abort(e)) => Ok(refused(e)),
        Err(TxError::Storage(e)) => Err(BusError::Store(e)),
    }
}

fn refused(e: HandleError) -> Outcome {
    match e {
        HandleError::Permanent(reason) => {
            warn!(%reason, "handler refused the event; dead-lettering");
            Outcome::DeadLettered
        }
        HandleError::Transient(reason) => {
            warn!(%reason, "handler failed; the broker will redeliver");
            Outcome::Retried
        }
    }
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

/// The header counting how many times an event went through the retry queue.
pub const RETRIES_HEADER: &str = "x-rrm-retries";

/// Where events that failed transiently wait, and how often they may.
pub(crate) struct Retry {
    /// A channel in confirm mode.
    pub channel: Channel,
    /// The service's retry queue.
    pub queue: String,
    /// Deliveries of one event before it is dead-lettered (the queues' delivery limit).
    pub limit: u32,
}

/// How many times this event went through the retry queue.
fn retries(delivery: &Delivery) -> u32 {
    delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(RETRIES_HEADER))
        .and_then(|v| v.as_long_long_int().or(v.as_long_int().map(i64::from)))
        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

impl Retry {
    /// Puts a copy of `delivery` in the retry queue. Whether the broker took it (confirmed and
    /// routed): only then may the delivery be acked.
    async fn park(&self, delivery: &Delivery, retries: u32) -> Result<bool, BusError> {
        let mut headers = delivery.properties.headers().clone().unwrap_or_default();
        headers.insert(
            RETRIES_HEADER.into(),
            AMQPValue::LongLongInt(i64::from(retries)),
        );
        let properties = delivery.properties.clone().with_headers(headers);
        let confirm = self
            .channel
            .basic_publish(
                "".into(),
                self.queue.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                &delivery.data,
                properties,
            )
            .await?
            .await?;
        Ok(matches!(confirm, Confirmation::Ack(None)))
    }
}

/// Consumes until the channel fails or the stream ends.
pub(crate) async fn run(
    store: Store,
    handler: Arc<dyn Handler>,
    mut consumer: Consumer,
    retry: Retry,
) -> Result<(), BusError> {
    while let Some(first) = consumer.next().await {
        let mut deliveries: Vec<Delivery> = vec![first?];
        while deliveries.len() < MAX_TOGETHER {
            match consumer.next().now_or_never() {
                Some(Some(delivery)) => deliveries.push(delivery?),
                Some(None) | None => break,
            }
        }
        let bodies: Vec<&[u8]> = deliveries.iter().map(|d| d.data.as_slice()).collect();
        let started = match start_all(&store, &handler, &bodies).await {
            Ok(started) => started,
            Err(e) => {
                error!(error = %e, "could not record events; requeueing them");
                deliveries
                    .iter()
                    .map(|_| Started::Done(Outcome::Retried))
                    .collect()
            }
        };
        let mut outcomes = Vec::with_capacity(started.len());
        for started in started {
            outcomes.push(finish(started).await.unwrap_or_else(|e| {
                // Our own storage failed: let the broker redeliver rather than lose the event.
                error!(error = %e, "could not record an event; requeueing it");
                Outcome::Retried
            }));
        }
        let all_acked = outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Handled | Outcome::Duplicate));
        if all_acked && let Some(last) = deliveries.last() {
            // Every delivery of the run is durable: one ack covers them all (they are the only
            // unacked ones on this channel, as each run is settled before the next is taken).
            for outcome in &outcomes {
                count(*outcome);
            }
            last.ack(BasicAckOptions { multiple: true }).await?;
            continue;
        }
        for (delivery, outcome) in deliveries.into_iter().zip(outcomes) {
            settle(delivery, outcome, &retry).await?;
        }
    }
    Err(BusError::Protocol("consumer stream ended".into()))
}

fn count(outcome: Outcome) {
    metrics::counter!("rrm_events_consumed_total", "outcome" => format!("{outcome:?}"))
        .increment(1);
}

/// Tells the broker what became of a delivery.
async fn settle(delivery: Delivery, outcome: Outcome, retry: &Retry) -> Result<(), BusError> {
    count(outcome);
    match outcome {
        Outcome::Retried => {
            let retried = retries(&delivery);
            let deliveries = retried
                .saturating_add(delivery_count(&delivery))
                .saturating_add(1);
            if deliveries >= retry.limit {
                warn!(
                    retried,
                    "an event kept failing transiently; dead-lettering it"
                );
                delivery
                    .reject(BasicRejectOptions { requeue: false })
                    .await?;
                return Ok(());
            }
            if retry.park(&delivery, retried + 1).await? {
                delivery.ack(BasicAckOptions::default()).await?;
                return Ok(());
            }
            // The retry queue did not take it: hand it back to the work queue, after a pause.
            warn!("the retry queue refused an event; handing it back to the work queue");
            tokio::time::sleep(retry_delay(delivery_count(&delivery))).await;
            delivery
                .nack(BasicNackOptions {
                    requeue: true,
                    ..Default::default()
                })
                .await?;
        }
        Outcome::Handled | Outcome::Duplicate => {
            delivery.ack(BasicAckOptions::default()).await?;
        }
        Outcome::DeadLettered => {
            delivery
                .reject(BasicRejectOptions { requeue: false })
                .await?;
        }
    }
    Ok(())
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
