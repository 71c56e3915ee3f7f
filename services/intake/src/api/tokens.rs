//! Coordinator credentials: the bootstrap token from the environment.

use crate::SERVICE;
use crate::store;
use rrm_contracts::{CoordinatorTokenIssued, Envelope, Event};
use rrm_platform::{Service, auth};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// Announces the bootstrap coordinator token once (by hash; the token itself never leaves).
pub async fn bootstrap(service: &Service, token: &SecretString) -> anyhow::Result<()> {
    let token = token.expose_secret();
    if token.len() < 24 {
        anyhow::bail!("intake.bootstrap_token must be at least 24 characters");
    }
    let hash = auth::token_hash(token);
    let issued = service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            if store::bootstrap_marker(tx, &hash)?.is_some() {
                return Ok(false);
            }
            let token_id = Uuid::now_v7();
            let event = Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
                token_id,
                name: "bootstrap coordinator".into(),
                token_sha256: hash.clone(),
                scopes: vec!["admin".into()],
                expires_at: None,
            });
            auth::apply(tx, &event)?;
            tx.emit(&Envelope::new(&event, SERVICE, None, None))?;
            store::put_bootstrap_marker(tx, &hash, token_id)?;
            Ok(true)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if issued {
        tracing::info!("bootstrap coordinator token announced");
    }
    Ok(())
}
