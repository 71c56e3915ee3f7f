//! rrm's RabbitMQ bus.
//!
//! # Layout
//! - [`store`]: the service's database (redb) with the transactional **outbox** and idempotent
//!   **inbox** built in — the only way a service writes state: one writer thread, group commit.
//! - [`topology`]: exchanges and the service's quorum queue with delivery limit and
//!   at-least-once dead-lettering, declared at every connection.
//! - [`relay`]: publishes the outbox with publisher confirms and `mandatory`.
//! - [`consumer`]: manual acks after commit, inbox dedup, dead-lettering of poison messages.
//! - [`run`] (this file): the supervisor that connects, wires the three together and, when the
//!   broker goes away, marks the service not-ready and reconnects with backoff.
//!
//! lapin 4's automatic recovery is deliberately not used (see its issue #450): on any connection
//! or channel error the supervisor drops everything and builds a fresh connection, topology, QoS
//! and confirm mode. Nothing is lost doing so: unpublished events wait in the outbox, unacked
//! deliveries are redelivered and deduplicated by the inbox.

pub mod consumer;
mod relay;
pub mod store;
pub mod topology;

pub use consumer::{HandleError, Handler, Outcome, Prepared};
pub use store::{Store, StoreError, StoreOptions, Tx, TxError, TxResult, abort};
pub use topology::Topology;

use backon::BackoffBuilder;
use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("broker: {0}")]
    Amqp(#[from] lapin::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("protocol: {0}")]
    Protocol(String),
}

/// Whether the service is connected to the broker with its topology declared. Shared with
/// `/readyz`.
#[derive(Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Relaxed);
    }
}

/// How to reach the broker and behave on it.
#[derive(Debug, Clone)]
pub struct BusConfig {
    /// `amqp://user:pass@host:port/vhost`.
    pub url: String,
    pub topology: Topology,
    /// Unacked deliveries in flight (low hundreds; never unlimited).
    pub prefetch: u16,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
}

/// Runs the bus until `shutdown` is cancelled: connect, declare, relay the outbox and consume;
/// on failure mark not-ready and reconnect with exponential backoff.
pub async fn run(
    config: BusConfig,
    store: Store,
    handler: Arc<dyn Handler>,
    ready: Readiness,
    shutdown: CancellationToken,
) {
    let new_backoff = || {
        backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(config.max_backoff)
            .with_jitter()
            .without_max_times()
            .build()
    };
    let mut backoff = new_backoff();
    loop {
        let mut connected = None;
        let session = serve(&config, &store, &handler, &ready, &shutdown, &mut connected);
        let result = tokio::select! {
            r = session => r,
            () = shutdown.cancelled() => Ok(()),
        };
        ready.set(false);
        if shutdown.is_cancelled() {
            return;
        }
        // After a connection that held, the next outage starts again from the shortest wait; a
        // broker that accepts and drops at once keeps being retried ever more slowly.
        if connected.is_some_and(|at: std::time::Instant| at.elapsed() >= config.max_backoff) {
            backoff = new_backoff();
        }
        if let Err(e) = result {
            warn!(error = %e, "bus connection lost; reconnecting");
        }
        // Jitter may add up to the delay again: the configured maximum is the real maximum.
        let delay = backoff
            .next()
            .unwrap_or(config.max_backoff)
            .min(config.max_backoff);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// AMQP frame size asked of the broker unless the URL sets `frame_max`. lapin keeps two buffers of
/// 32 frames per connection; with RabbitMQ's default of 128 KiB they take 8 MiB of resident
/// memory, with 16 KiB 1 MiB. Events are a few KiB: larger ones simply span several frames.
const FRAME_MAX: u32 = 16 * 1024;

/// The broker URL, with [`FRAME_MAX`] unless it sets a frame size of its own.
fn broker_uri(url: &str) -> Result<lapin::uri::AMQPUri, BusError> {
    let mut uri: lapin::uri::AMQPUri = url
        .parse()
        .map_err(|e| BusError::Protocol(format!("the broker URL is invalid: {e}")))?;
    uri.query.frame_max.get_or_insert(FRAME_MAX);
    Ok(uri)
}

/// One connection's life. Returns `Err` when anything on it fails.
async fn serve(
    config: &BusConfig,
    store: &Store,
    handler: &Arc<dyn Handler>,
    ready: &Readiness,
    shutdown: &CancellationToken,
    connected: &mut Option<std::time::Instant>,
) -> Result<(), BusError> {
    let service = &config.topology.service;
    let properties =
        ConnectionProperties::default().with_connection_name(format!("rrm-{service}").into());
    let connection = Connection::connect_uri(broker_uri(&config.url)?, properties).await?;
    let mut events = connection.events_listener();

    let setup = connection.create_channel().await?;
    config.topology.declare(&setup).await?;

    let publish = connection.create_channel().await?;
    publish
        .confirm_select(ConfirmSelectOptions::default())
        .await?;

    let retry = connection.create_channel().await?;
    retry
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let retry = consumer::Retry {
        channel: retry,
        queue: topology::retry_queue_name(service),
        limit: config.topology.delivery_limit,
    };

    let consume = connection.create_channel().await?;
    consume
        .basic_qos(config.prefetch, BasicQosOptions::default())
        .await?;
    let consumer = consume
        .basic_consume(
            config.topology.queue().into(),
            format!("rrm-{service}").into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;

    ready.set(true);
    *connected = Some(std::time::Instant::now());
    info!(queue = %config.topology.queue(), "connected to the broker");

    let watch_connection = async {
        while let Some(event) = events.next().await {
            if let lapin::Event::Error(e) = event {
                return Err(BusError::Amqp(e));
            }
        }
        Err(BusError::Protocol("connection event stream ended".into()))
    };

    let result = tokio::select! {
        r = relay::run(store.clone(), publish) => r,
        r = consumer::run(store.clone(), handler.clone(), consumer, retry) => r,
        r = watch_connection => r,
        () = shutdown.cancelled() => Ok(()),
    };
    ready.set(false);
    if result.is_ok() {
        let _ = connection.close(200, "service shutting down".into()).await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_size_is_modest_unless_the_url_sets_one() {
        let uri = broker_uri("amqp://guest:guest@127.0.0.1:5672/%2f").unwrap();
        assert_eq!(uri.query.frame_max, Some(FRAME_MAX));
        let uri = broker_uri("amqp://127.0.0.1/%2f?frame_max=131072").unwrap();
        assert_eq!(uri.query.frame_max, Some(131_072));
        assert!(broker_uri("http://nope").is_err());
    }
}
