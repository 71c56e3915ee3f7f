//! Coordinator authentication, checked locally by every service.
//!
//! Intake issues coordinator tokens and announces them as `coordinator.token_issued` (carrying only
//! the token's SHA-256) and `coordinator.token_revoked`. Every service applies those events to its
//! own `coordinators` tree with [`apply`], and checks an `Authorization: Bearer` header against it
//! with [`authenticate`] — no service asks another whether a token is good.

use crate::http::Problem;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use rrm_bus::{Store, Tx};
use rrm_contracts::Event;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The tree every service keeps coordinator credentials in.
pub const TREE: &str = "coordinators";
const BY_ID: &str = "id:";
const BY_HASH: &str = "sha256:";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coordinator {
    pub token_id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub token_sha256: String,
    pub revoked: bool,
}

impl Coordinator {
    pub fn may(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope || s == "admin")
    }

    /// Known from an issue event, not revoked and not expired at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && !self.token_sha256.is_empty() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// The credential recorded under `token_id`, whatever its state.
pub fn by_id(store: &Store, token_id: Uuid) -> Result<Option<Coordinator>, rrm_bus::StoreError> {
    store.get(TREE, format!("{BY_ID}{token_id}"))
}

/// The credential a bearer token stands for, whatever its state (looked up by its hash).
pub fn by_token(store: &Store, token: &str) -> Result<Option<Coordinator>, rrm_bus::StoreError> {
    let token_id: Option<Uuid> = store.get(TREE, format!("{BY_HASH}{}", token_hash(token)))?;
    match token_id {
        Some(id) => by_id(store, id),
        None => Ok(None),
    }
}

/// Hex SHA-256 of a bearer token: what is stored and sent in events, never the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Applies a credential event to the service's `coordinators` tree. Other events are ignored.
/// Returns whether the event was a credential event.
pub fn apply(tx: &Tx<'_>, event: &Event) -> Result<bool, rrm_bus::StoreError> {
    match event {
        Event::CoordinatorTokenIssued(issued) => {
            let id_key = format!("{BY_ID}{}", issued.token_id);
            // A revocation may have overtaken the issue (events of different types are not ordered).
            let revoked = tx
                .get::<Coordinator>(TREE, &id_key)?
                .is_some_and(|c| c.revoked);
            let coordinator = Coordinator {
                token_id: issued.token_id,
                name: issued.name.clone(),
                scopes: issued.scopes.clone(),
                expires_at: issued.expires_at,
                token_sha256: issued.token_sha256.clone(),
                revoked,
            };
            tx.put(TREE, &id_key, &coordinator)?;
            tx.put(
                TREE,
                format!("{BY_HASH}{}", issued.token_sha256),
                &issued.token_id,
            )?;
            Ok(true)
        }
        Event::CoordinatorTokenRevoked(revoked) => {
            let id_key = format!("{BY_ID}{}", revoked.token_id);
            let coordinator = match tx.get::<Coordinator>(TREE, &id_key)? {
                Some(c) => Coordinator { revoked: true, ..c },
                None => Coordinator {
                    token_id: revoked.token_id,
                    name: String::new(),
                    scopes: Vec::new(),
                    expires_at: None,
                    token_sha256: String::new(),
                    revoked: true,
                },
            };
            tx.put(TREE, &id_key, &coordinator)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The coordinator behind an `Authorization: Bearer` header, if the token is known, unrevoked,
/// unexpired and carries `scope`.
pub fn authenticate(
    store: &Store,
    headers: &HeaderMap,
    scope: &str,
) -> Result<Coordinator, Problem> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(Problem::unauthorized)?;
    let coordinator = by_token(store, token)
        .map_err(Problem::internal)?
        .filter(|c| c.is_active(Utc::now()))
        .ok_or_else(|| {
            tracing::warn!("refused an unknown, revoked or expired coordinator token");
            Problem::unauthorized()
        })?;
    if !coordinator.may(scope) {
        return Err(Problem::new(
            axum::http::StatusCode::FORBIDDEN,
            "Not allowed",
            format!("this token lacks the {scope:?} scope"),
        ));
    }
    Ok(coordinator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rrm_contracts::{CoordinatorTokenIssued, CoordinatorTokenRevoked};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &rrm_bus::StoreOptions::default(), &[TREE]).unwrap();
        (dir, store)
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    fn issue(store: &Store, token: &str, scopes: &[&str]) -> Uuid {
        let token_id = Uuid::now_v7();
        let event = Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
            token_id,
            name: "Desk".into(),
            token_sha256: token_hash(token),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
        });
        store
            .transact_blocking::<_, std::convert::Infallible, _>(move |tx| Ok(apply(tx, &event)?))
            .unwrap();
        token_id
    }

    #[test]
    fn an_issued_token_authenticates_until_revoked() {
        let (_d, store) = store();
        let id = issue(&store, "s3cret-token", &["alerts:write"]);
        assert_eq!(
            authenticate(&store, &bearer("s3cret-token"), "alerts:write")
                .unwrap()
                .token_id,
            id
        );
        assert_eq!(
            authenticate(&store, &bearer("other"), "alerts:write")
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(
            authenticate(&store, &HeaderMap::new(), "alerts:write")
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(
            authenticate(&store, &bearer("s3cret-token"), "roster:write")
                .unwrap_err()
                .status,
            403
        );
        let revoke = Event::CoordinatorTokenRevoked(CoordinatorTokenRevoked { token_id: id });
        store
            .transact_blocking::<_, std::convert::Infallible, _>(move |tx| Ok(apply(tx, &revoke)?))
            .unwrap();
        assert_eq!(
            authenticate(&store, &bearer("s3cret-token"), "alerts:write")
                .unwrap_err()
                .status,
            401
        );
    }

    #[test]
    fn a_revocation_that_overtakes_the_issue_still_wins() {
        let (_d, store) = store();
        let token_id = Uuid::now_v7();
        let revoke = Event::CoordinatorTokenRevoked(CoordinatorTokenRevoked { token_id });
        store
            .transact_blocking::<_, std::convert::Infallible, _>(move |tx| Ok(apply(tx, &revoke)?))
            .unwrap();
        let issued = Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
            token_id,
            name: "Desk".into(),
            token_sha256: token_hash("late"),
            scopes: vec!["admin".into()],
            expires_at: None,
        });
        store
            .transact_blocking::<_, std::convert::Infallible, _>(move |tx| Ok(apply(tx, &issued)?))
            .unwrap();
        assert_eq!(
            authenticate(&store, &bearer("late"), "alerts:write")
                .unwrap_err()
                .status,
            401
        );
    }
}
