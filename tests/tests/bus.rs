//! The bus against a real RabbitMQ: an event that fails transiently waits in its service's
//! retry queue and is delivered again later, while the events behind it are handled at once (no
//! head-of-line blocking); one that keeps failing is dead-lettered at the delivery limit, once.
//! The service here consumes its own events (bound to `#`), published through its outbox.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rrm_bus::topology::{RETRY_DELAY, dead_letter_queue_name};
use rrm_bus::{
    BusConfig, HandleError, Handler, Prepared, Readiness, Store, StoreOptions, Topology, Tx,
    TxResult, abort,
};
use rrm_contracts::{AlertCancelled, Envelope, Event};
use rrm_e2e::{exclusive, queue_depth, rabbitmqctl};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Fails the events named in `failing` transiently as many times as said (`u32::MAX`: always),
/// and records when each event was handled and how often it was tried.
struct Flaky {
    failing: BTreeMap<String, u32>,
    tries: Mutex<BTreeMap<String, Vec<Instant>>>,
    handled: Mutex<BTreeMap<String, (Instant, u32)>>,
}

impl Handler for Flaky {
    fn handle(
        &self,
        _: &Tx<'_>,
        _: &Envelope,
        event: &Event,
        _: &Prepared,
    ) -> TxResult<(), HandleError> {
        let Event::AlertCancelled(e) = event else {
            return Ok(());
        };
        let name = e.reason.clone();
        let tries = {
            let mut tries = self.tries.lock().unwrap();
            let at = tries.entry(name.clone()).or_default();
            at.push(Instant::now());
            u32::try_from(at.len()).unwrap()
        };
        if tries <= self.failing.get(&name).copied().unwrap_or(0) {
            return Err(abort(HandleError::Transient(format!(
                "{name} fails for now"
            ))));
        }
        let mut handled = self.handled.lock().unwrap();
        let entry = handled.entry(name).or_insert((Instant::now(), 0));
        entry.1 += 1;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_failure_delays_that_event_only_and_a_persistent_one_is_dead_lettered() {
    let _one_at_a_time = exclusive().await;
    let vhost = format!("rrm-bus-{}", Uuid::now_v7().simple());
    rabbitmqctl(&["add_vhost", &vhost]).unwrap();
    rabbitmqctl(&["set_permissions", "-p", &vhost, "guest", ".*", ".*", ".*"]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default(), &[]).unwrap();
    let limit = 4;
    let flaky = Arc::new(Flaky {
        failing: [("slow".to_owned(), 2), ("poison".to_owned(), u32::MAX)].into(),
        tries: Mutex::default(),
        handled: Mutex::default(),
    });
    let config = BusConfig {
        url: format!("amqp://guest:guest@127.0.0.1:5672/{vhost}"),
        topology: Topology {
            service: "busprobe".into(),
            queues: vec![("busprobe".into(), vec!["#".into()])],
            delivery_limit: limit,
        },
        prefetch: 50,
        max_backoff: Duration::from_secs(1),
    };
    let ready = Readiness::default();
    let stop = CancellationToken::new();
    let bus = tokio::spawn(rrm_bus::run(
        config,
        store.clone(),
        flaky.clone(),
        ready.clone(),
        stop.clone(),
    ));
    let give_up = Instant::now() + Duration::from_secs(20);
    while !ready.is_ready() {
        assert!(Instant::now() < give_up, "never connected to RabbitMQ");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let emit = |names: Vec<&'static str>| {
        store.transact::<_, HandleError, _>(move |tx| {
            for name in names {
                let event = Event::AlertCancelled(AlertCancelled {
                    alert_id: Uuid::now_v7(),
                    reason: name.into(),
                });
                tx.emit(&Envelope::new(&event, "busprobe", None, None))?;
            }
            Ok(())
        })
    };
    let tries = |name: &str| {
        flaky
            .tries
            .lock()
            .unwrap()
            .get(name)
            .cloned()
            .unwrap_or_default()
    };
    let handled = |name: &str| flaky.handled.lock().unwrap().get(name).copied();

    // The failing events first; once they have failed, ten good ones behind them.
    let started = Instant::now();
    emit(vec!["slow", "poison"]).await.unwrap();
    while tries("slow").is_empty() || tries("poison").is_empty() {
        assert!(Instant::now() < give_up, "the failing events never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    emit(vec!["good"; 10]).await.unwrap();

    // The good events do not wait for the failing ones: all are handled before the slow one
    // is tried a second time (RETRY_DELAY after its first try).
    while handled("good").is_none_or(|(_, n)| n < 10) {
        assert!(Instant::now() < give_up, "the good events were held up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let good_done = Instant::now();
    if let Some(second) = tries("slow").get(1) {
        assert!(
            good_done < *second,
            "the good events waited behind the failing one's retry"
        );
    }

    // The slow one comes back twice from the retry queue, then is handled once.
    let give_up = Instant::now() + RETRY_DELAY * 4;
    while handled("slow").is_none() {
        assert!(
            Instant::now() < give_up,
            "the failing event never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (slow_at, slow_times) = handled("slow").unwrap();
    assert!(
        slow_at - started >= RETRY_DELAY * 2,
        "it was retried without waiting"
    );
    assert_eq!(slow_times, 1);
    let slow = tries("slow");
    assert_eq!(slow.len(), 3);
    assert!(
        slow[1] - slow[0] >= RETRY_DELAY,
        "retried without waiting in the retry queue"
    );

    // The poison one is dead-lettered once its deliveries reach the limit.
    let dead = dead_letter_queue_name("busprobe");
    let give_up = Instant::now() + RETRY_DELAY * (limit + 2);
    while queue_depth(&vhost, &dead).unwrap() < 1 {
        assert!(
            Instant::now() < give_up,
            "the poison event was never dead-lettered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(tries("poison").len(), limit as usize);
    assert!(handled("poison").is_none());
    tokio::time::sleep(RETRY_DELAY + Duration::from_secs(1)).await;
    assert_eq!(queue_depth(&vhost, &dead).unwrap(), 1, "dead-lettered once");
    assert_eq!(flaky.handled.lock().unwrap()["slow"].1, 1, "handled once");

    stop.cancel();
    bus.await.unwrap();
    rabbitmqctl(&["delete_vhost", &vhost]).unwrap();
}
