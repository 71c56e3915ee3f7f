//! What operators read must match what the code does: the broker definitions in
//! `deploy/rabbitmq/definitions.json`, and the settings in `config/*.toml`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rrm_bus::Topology;
use rrm_bus::topology::{
    DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE, dead_letter_queue_name, queue_name, retry_queue_name,
};
use rrm_e2e::workspace;
use serde_json::Value;

use rrm_platform::routing::ROUTES;

/// Loads `T` from a copy of `config/` whose `environment` overlay also carries the secrets that
/// production takes from the environment.
fn load<T: serde::de::DeserializeOwned>(environment: &str) -> T {
    let dir = tempfile::tempdir().unwrap();
    let config = workspace().join("config");
    std::fs::copy(config.join("default.toml"), dir.path().join("default.toml")).unwrap();
    let overlay =
        std::fs::read_to_string(config.join(format!("{environment}.toml"))).unwrap_or_default();
    let secrets = "\n[links]\nsecret = \"0123456789abcdef0123456789abcdef\"\n";
    std::fs::write(
        dir.path().join(format!("{environment}.toml")),
        overlay + secrets,
    )
    .unwrap();
    rrm_platform::config::load_from(dir.path(), environment).unwrap()
}

#[test]
fn every_service_reads_the_shipped_configuration() {
    for environment in ["local", "production"] {
        let intake: rrm_intake::Settings = load(environment);
        assert_eq!(intake.common.services.intake.bind, "127.0.0.1:8081");
        assert_eq!(
            intake.intake.default_languages,
            ["ar", "en", "es", "fr", "ru", "zh"]
        );
        let _: rrm_roster::Settings = load(environment);
        let _: rrm_drafting::Settings = load(environment);
        let _: rrm_translation::Settings = load(environment);
        let _: rrm_distribution::Settings = load(environment);
        // The documented default ports.
        let s = intake.common.services;
        let ports: Vec<&str> = [
            &s.intake,
            &s.roster,
            &s.drafting,
            &s.translation,
            &s.distribution,
        ]
        .iter()
        .map(|e| e.bind.rsplit(':').next().unwrap())
        .collect();
        assert_eq!(ports, ["8081", "8082", "8083", "8084", "8085"]);
    }
}

#[test]
fn the_broker_definitions_match_the_declared_topology() {
    let settings: rrm_intake::Settings = load("local");
    let delivery_limit = settings.common.amqp.delivery_limit;
    let text =
        std::fs::read_to_string(workspace().join("deploy/rabbitmq/definitions.json")).unwrap();
    let defs: Value = serde_json::from_str(&text).unwrap();

    let exchanges: Vec<(String, String)> = defs["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        exchanges.contains(&(EVENTS_EXCHANGE.into(), "topic".into())),
        "{exchanges:?}"
    );
    assert!(
        exchanges.contains(&(DEAD_LETTER_EXCHANGE.into(), "direct".into())),
        "{exchanges:?}"
    );

    let queue = |name: &str| -> Value {
        defs["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["name"] == name)
            .unwrap_or_else(|| panic!("definitions.json lacks queue {name}"))
            .clone()
    };
    let bindings = defs["bindings"].as_array().unwrap();
    let bound = |exchange: &str, queue: &str| -> Vec<String> {
        let mut keys: Vec<String> = bindings
            .iter()
            .filter(|b| {
                b["source"] == exchange
                    && b["destination"] == queue
                    && b["destination_type"] == "queue"
            })
            .map(|b| b["routing_key"].as_str().unwrap().to_owned())
            .collect();
        keys.sort();
        keys
    };

    for (service, consumes) in ROUTES {
        let work = queue(&queue_name(service));
        assert_eq!(work["durable"], true);
        let expected: serde_json::Map<String, Value> =
            Topology::work_queue_description(service, delivery_limit)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
        assert_eq!(
            work["arguments"],
            Value::Object(expected),
            "arguments of {}",
            queue_name(service)
        );

        let dead = queue(&dead_letter_queue_name(service));
        let expected: serde_json::Map<String, Value> = Topology::dead_letter_queue_description()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(dead["arguments"], Value::Object(expected));

        let retry = queue(&retry_queue_name(service));
        let expected: serde_json::Map<String, Value> = Topology::retry_queue_description(service)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(
            retry["arguments"],
            Value::Object(expected),
            "arguments of {}",
            retry_queue_name(service)
        );

        let mut keys: Vec<String> = consumes.iter().map(|k| (*k).to_owned()).collect();
        keys.sort();
        assert_eq!(
            bound(EVENTS_EXCHANGE, &queue_name(service)),
            keys,
            "bindings of {}",
            queue_name(service)
        );
        assert_eq!(
            bound(DEAD_LETTER_EXCHANGE, &dead_letter_queue_name(service)),
            vec![service.to_owned()]
        );
    }
    assert_eq!(
        defs["queues"].as_array().unwrap().len(),
        15,
        "three queues per service (work, retry, dead letters), nothing else"
    );
}
