//! Poison messages: undecodable or unknown-version messages land in the service's dead-letter
//! queue, and consuming goes on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lapin::options::{BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use rrm_contracts::{Envelope, Event};
use rrm_e2e::{Stack, exclusive, flow, queue_depth};
use std::time::{Duration, Instant};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_messages_are_dead_lettered_and_the_next_good_one_is_handled() {
    let _one_at_a_time = exclusive().await;
    let stack = Stack::start().await.unwrap();

    let connection = Connection::connect(&stack.amqp_url, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let publish = |body: Vec<u8>| {
        let channel = channel.clone();
        async move {
            channel
                .basic_publish(
                    "".into(),
                    "rrm.distribution".into(),
                    BasicPublishOptions::default(),
                    &body,
                    BasicProperties::default().with_delivery_mode(2),
                )
                .await
                .unwrap()
                .await
                .unwrap();
        }
    };

    let piece = |language: &str| {
        flow::translation(
            Uuid::now_v7(),
            Uuid::now_v7(),
            language,
            "Ensemble",
            "Nous écrivons ensemble.",
        )
    };

    // Not JSON at all.
    publish(b"\x00\xffnot an event{".to_vec()).await;
    // A schema version this build does not know.
    let mut future = Envelope::new(
        &Event::TranslationCompleted(piece("fr")),
        "test",
        None,
        None,
    );
    future.schema_version = 99;
    publish(future.to_bytes()).await;
    // An event type nobody has heard of.
    let mut unknown = Envelope::new(
        &Event::TranslationCompleted(piece("fr")),
        "test",
        None,
        None,
    );
    unknown.event_type = "oped.teleported".into();
    publish(unknown.to_bytes()).await;
    // And then a good one.
    let good = piece("fr");
    let good_envelope = Envelope::new(
        &Event::TranslationCompleted(good.clone()),
        "test",
        Some(good.alert_id),
        None,
    );
    publish(good_envelope.to_bytes()).await;

    // The good message is handled: both editors reading French get it.
    let mails = stack
        .wait_mails("the French op-ed", Duration::from_secs(30), |m| {
            m.iter().filter(|m| m.subject == "Op-ed: Ensemble").count() >= 2
        })
        .await
        .unwrap();
    let mut to: Vec<String> = mails
        .iter()
        .filter(|m| m.subject == "Op-ed: Ensemble")
        .flat_map(|m| m.envelope_to.clone())
        .collect();
    to.sort();
    assert_eq!(
        to,
        vec![
            "editor@al-yawm.editors.rrm.localhost",
            "tribune@le-quotidien.editors.rrm.localhost"
        ]
    );

    // The three poison messages wait in the dead-letter queue, untouched, for an operator.
    let deadline = Instant::now() + Duration::from_secs(20);
    while queue_depth(&stack.vhost, "rrm.distribution.dead-letter").unwrap() < 3 {
        assert!(
            Instant::now() < deadline,
            "poison messages did not reach the dead-letter queue"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        queue_depth(&stack.vhost, "rrm.distribution").unwrap(),
        0,
        "the work queue is drained"
    );
    let first = channel
        .basic_get(
            "rrm.distribution.dead-letter".into(),
            BasicGetOptions::default(),
        )
        .await
        .unwrap()
        .expect("a dead letter");
    assert_eq!(first.delivery.data, b"\x00\xffnot an event{".to_vec());
    assert!(
        stack.readyz("distribution").await == 200,
        "the service kept running"
    );
}
