//! Which events reach which service: the routing keys each service's queue is bound to, for all
//! five services in one table (what each consumes, plus the coordinator credential
//! events every service applies to check tokens locally).
//!
//! Every service declares the whole table at each connection, not only its own queue: an event
//! published before one of its consumers ever started — intake's bootstrap credential at first
//! start, an alert raised while roster is still starting — then waits in that consumer's queue
//! instead of reaching no queue at all. `deploy/rabbitmq/definitions.json` lists the same
//! (a test checks it); where broker users may touch their own queues only
//! (`amqp.declare_every_queue = false`), operators import it and each service declares its own.

use rrm_contracts::EventType;

const TOKEN_ISSUED: &str = EventType::CoordinatorTokenIssued.as_str();
const TOKEN_REVOKED: &str = EventType::CoordinatorTokenRevoked.as_str();

/// Each service and the routing keys (event types, or `#` for all) of its queue.
pub const ROUTES: [(&str, &[&str]); 5] = [
    // Intake keeps every alert's timeline, a projection of every event.
    ("intake", &["#"]),
    (
        "roster",
        &[
            EventType::AlertRaised.as_str(),
            EventType::AlertCancelled.as_str(),
            TOKEN_ISSUED,
            TOKEN_REVOKED,
        ],
    ),
    (
        "drafting",
        &[
            EventType::PanelFormed.as_str(),
            EventType::CosignerJoined.as_str(),
            EventType::StageOverdue.as_str(),
            TOKEN_ISSUED,
            TOKEN_REVOKED,
        ],
    ),
    (
        "translation",
        &[
            EventType::OpedApproved.as_str(),
            EventType::OpedCorrected.as_str(),
            EventType::OpedWithdrawn.as_str(),
            TOKEN_ISSUED,
            TOKEN_REVOKED,
        ],
    ),
    (
        "distribution",
        &[
            EventType::TranslationCompleted.as_str(),
            TOKEN_ISSUED,
            TOKEN_REVOKED,
        ],
    ),
];

/// The queues `service` declares, with their routing keys: every service's, or only its own
/// (`amqp.declare_every_queue`). Fails for a service the table does not know.
pub fn queues(service: &str, every: bool) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    anyhow::ensure!(
        ROUTES.iter().any(|(s, _)| *s == service),
        "{service} has no queue in the routing table"
    );
    Ok(ROUTES
        .iter()
        .filter(|(s, _)| every || *s == service)
        .map(|(s, keys)| {
            (
                (*s).to_owned(),
                keys.iter().map(|k| (*k).to_owned()).collect(),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_a_queue_and_receives_the_coordinator_credentials() {
        let services: Vec<&str> = ROUTES.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            services,
            [
                "intake",
                "roster",
                "drafting",
                "translation",
                "distribution"
            ]
        );
        for (service, keys) in ROUTES {
            assert!(
                keys.contains(&"#")
                    || (keys.contains(&TOKEN_ISSUED) && keys.contains(&TOKEN_REVOKED)),
                "{service} would not learn about coordinator tokens"
            );
        }
    }

    #[test]
    fn a_service_declares_every_queue_or_only_its_own() {
        assert_eq!(queues("roster", true).unwrap().len(), ROUTES.len());
        let own = queues("roster", false).unwrap();
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].0, "roster");
        assert!(queues("rooster", true).is_err());
    }
}
