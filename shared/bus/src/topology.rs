//! The broker topology, declared idempotently by every service at each (re)connection.
//!
//! - one durable **topic** exchange for events, routing key = event type;
//! - per service, one durable **quorum** queue bound to the event types it consumes, with an
//!   explicit delivery limit (quorum queues on RabbitMQ 3.x have none by default, so a poison
//!   message would loop forever) and **at-least-once** dead-lettering (which RabbitMQ only offers
//!   together with `x-overflow=reject-publish`);
//! - a direct dead-letter exchange routing each service's rejects, by service name, into that
//!   service's own dead-letter queue;
//! - per service, a **retry** quorum queue: an event that failed transiently waits there
//!   [`RETRY_DELAY`] (its message TTL), then is dead-lettered — at least once — back into the
//!   work queue through the default exchange. The events behind it are not held up meanwhile.
//!
//! A service declares every service's queues and bindings, not only its own, so that no event is
//! published before the queue of one of its consumers exists.
//!
//! `deploy/rabbitmq/definitions.json` describes the same topology for operators.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

/// The topic exchange all events are published to.
pub const EVENTS_EXCHANGE: &str = "rrm.events";
/// The exchange rejected and over-delivered messages are dead-lettered to.
pub const DEAD_LETTER_EXCHANGE: &str = "rrm.dead-letter";

/// How long an event that failed transiently waits in its service's retry queue before it is
/// delivered again. Part of the queue's declaration: RabbitMQ refuses a queue declared again
/// with other arguments, so it is a constant, not a setting.
pub const RETRY_DELAY: std::time::Duration = std::time::Duration::from_secs(5);

/// What a service declares, and which queue it consumes.
#[derive(Debug, Clone)]
pub struct Topology {
    /// The service consuming: `intake`, `roster`, … Its queue is the one consumed.
    pub service: String,
    /// Every service's name (which names its queues) and the routing keys (event types, or
    /// `#`) its queue is bound to. All of them are declared.
    pub queues: Vec<(String, Vec<String>)>,
    /// Deliveries of one message before the broker dead-letters it.
    pub delivery_limit: u32,
}

impl Topology {
    /// The service's work queue.
    pub fn queue(&self) -> String {
        queue_name(&self.service)
    }

    /// Declares exchanges, every service's queues and their bindings. Safe to call again:
    /// declarations with the same arguments are no-ops on the broker.
    pub async fn declare(&self, channel: &Channel) -> Result<(), lapin::Error> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        channel
            .exchange_declare(
                EVENTS_EXCHANGE.into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await?;
        channel
            .exchange_declare(
                DEAD_LETTER_EXCHANGE.into(),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await?;

        for (service, bindings) in &self.queues {
            self.declare_queues(channel, service, bindings).await?;
        }
        Ok(())
    }

    /// One service's dead-letter queue and work queue, with their bindings.
    async fn declare_queues(
        &self,
        channel: &Channel,
        service: &str,
        bindings: &[String],
    ) -> Result<(), lapin::Error> {
        let queue_options = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        let dead = dead_letter_queue_name(service);
        channel
            .queue_declare(
                dead.as_str().into(),
                queue_options,
                dead_letter_queue_arguments(),
            )
            .await?;
        channel
            .queue_bind(
                dead.as_str().into(),
                DEAD_LETTER_EXCHANGE.into(),
                service.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        let queue = queue_name(service);
        channel
            .queue_declare(
                queue.as_str().into(),
                queue_options,
                field_table(&Self::work_queue_description(service, self.delivery_limit)),
            )
            .await?;
        for key in bindings {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    EVENTS_EXCHANGE.into(),
                    key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }

        // Published to through the default exchange, by name: no binding.
        let retry = retry_queue_name(service);
        channel
            .queue_declare(
                retry.as_str().into(),
                queue_options,
                field_table(&Self::retry_queue_description(service)),
            )
            .await?;
        Ok(())
    }

    /// The arguments of `service`'s retry queue, as declared (and as
    /// `deploy/rabbitmq/definitions.json` must list them): messages expire after
    /// [`RETRY_DELAY`] into the work queue, dead-lettered at least once.
    pub fn retry_queue_description(service: &str) -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("x-queue-type", "quorum".into()),
            ("x-message-ttl", (RETRY_DELAY.as_millis() as u64).into()),
            ("x-dead-letter-exchange", "".into()),
            ("x-dead-letter-routing-key", queue_name(service).into()),
            ("x-dead-letter-strategy", "at-least-once".into()),
            ("x-overflow", "reject-publish".into()),
        ]
    }

    /// The arguments of `service`'s work queue, as declared (and as
    /// `deploy/rabbitmq/definitions.json` must list them).
    pub fn work_queue_description(
        service: &str,
        delivery_limit: u32,
    ) -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("x-queue-type", "quorum".into()),
            ("x-delivery-limit", delivery_limit.into()),
            ("x-dead-letter-exchange", DEAD_LETTER_EXCHANGE.into()),
            ("x-dead-letter-routing-key", service.into()),
            ("x-dead-letter-strategy", "at-least-once".into()),
            ("x-overflow", "reject-publish".into()),
        ]
    }

    /// The dead-letter queue's arguments, as declared.
    pub fn dead_letter_queue_description() -> Vec<(&'static str, serde_json::Value)> {
        vec![("x-queue-type", "quorum".into())]
    }
}

fn dead_letter_queue_arguments() -> FieldTable {
    field_table(&Topology::dead_letter_queue_description())
}

fn field_table(args: &[(&'static str, serde_json::Value)]) -> FieldTable {
    let mut table = FieldTable::default();
    for (name, value) in args {
        let value = match value {
            serde_json::Value::Number(n) => AMQPValue::LongInt(
                n.as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .unwrap_or(i32::MAX),
            ),
            other => AMQPValue::LongString(other.as_str().unwrap_or_default().into()),
        };
        table.insert((*name).into(), value);
    }
    table
}

pub fn queue_name(service: &str) -> String {
    format!("rrm.{service}")
}

pub fn retry_queue_name(service: &str) -> String {
    format!("rrm.{service}.retry")
}

pub fn dead_letter_queue_name(service: &str) -> String {
    format!("rrm.{service}.dead-letter")
}
