//! What the services publish, seen from outside: a queue owned by the test, bound to the events
//! exchange of the test's virtual host, so a test can count the events a service announced
//! (each alert raised, each language distributed) without touching the service's own queues.

use crate::Stack;
use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use rrm_contracts::Envelope;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The topic exchange every service publishes its events to (SPEC §4).
pub const EVENTS_EXCHANGE: &str = "rrm.events";

/// Every message routed to the test's queue since [`Observer::bind`], in arrival order.
#[derive(Debug, Default)]
struct Seen {
    envelopes: Vec<Envelope>,
    /// Bodies that are not an event envelope at all.
    undecodable: Vec<Vec<u8>>,
}

/// A test-owned queue on the events exchange and a consumer filling a list from it. The queue is
/// exclusive to the observer's connection: it goes away with the observer.
pub struct Observer {
    seen: Arc<Mutex<Seen>>,
    consuming: tokio::task::JoinHandle<()>,
    _connection: Connection,
}

impl Observer {
    /// Binds a fresh queue to the events exchange with `routing_keys` (event types) and starts
    /// collecting what arrives. Declares the exchange as the services do, so it does not matter
    /// whether a service has connected yet.
    pub async fn bind(stack: &Stack, routing_keys: &[&str]) -> Result<Self> {
        let connection = Connection::connect(&stack.amqp_url, ConnectionProperties::default())
            .await
            .context("the observer cannot connect to RabbitMQ")?;
        let channel = connection.create_channel().await?;
        channel
            .exchange_declare(
                EVENTS_EXCHANGE.into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;
        let queue = format!("e2e.observer.{}", Uuid::now_v7().simple());
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;
        for key in routing_keys {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    EVENTS_EXCHANGE.into(),
                    (*key).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        let mut consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "e2e-observer".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let sink = seen.clone();
        let consuming = tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let mut seen = sink.lock().unwrap();
                match Envelope::from_bytes(&delivery.data) {
                    Ok(envelope) => seen.envelopes.push(envelope),
                    Err(_) => seen.undecodable.push(delivery.data),
                }
            }
        });
        Ok(Self {
            seen,
            consuming,
            _connection: connection,
        })
    }

    /// The envelopes received so far, in arrival order. Fails on a message that is not an
    /// envelope: a service published something no consumer could read.
    pub fn envelopes(&self) -> Result<Vec<Envelope>> {
        let seen = self.seen.lock().unwrap();
        if let Some(body) = seen.undecodable.first() {
            bail!(
                "{} message(s) on the events exchange are not event envelopes, e.g. {:?}",
                seen.undecodable.len(),
                String::from_utf8_lossy(body)
            );
        }
        Ok(seen.envelopes.clone())
    }

    /// Waits until `done` holds for the envelopes received, then for `quiet` more so a late
    /// duplicate has its chance to show up; returns everything received. Fails after `timeout`.
    pub async fn settle(
        &self,
        what: &str,
        timeout: Duration,
        quiet: Duration,
        done: impl Fn(&[Envelope]) -> bool,
    ) -> Result<Vec<Envelope>> {
        let deadline = Instant::now() + timeout;
        loop {
            let envelopes = self.envelopes()?;
            if done(&envelopes) {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "timed out after {timeout:?} waiting for {what}: {} event(s) observed",
                    envelopes.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(quiet).await;
        self.envelopes()
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.consuming.abort();
    }
}

/// The alert an event belongs to: its envelope's `correlation_id`, else the payload's `alert_id`.
pub fn alert_of(envelope: &Envelope) -> Option<Uuid> {
    envelope.correlation_id.or_else(|| {
        envelope.payload["alert_id"]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok())
    })
}

/// For each alert, the ids of the distinct events observed for it and how many copies of each
/// arrived (more than one copy: the same event published again, as at-least-once allows).
pub fn events_per_alert(envelopes: &[Envelope]) -> BTreeMap<Uuid, BTreeMap<Uuid, usize>> {
    let mut per_alert: BTreeMap<Uuid, BTreeMap<Uuid, usize>> = BTreeMap::new();
    for envelope in envelopes {
        if let Some(alert) = alert_of(envelope) {
            *per_alert
                .entry(alert)
                .or_default()
                .entry(envelope.id)
                .or_default() += 1;
        }
    }
    per_alert
}
