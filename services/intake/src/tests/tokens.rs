//! Coordinator tokens: issued by admins with a secret shown once, listed without secrets,
//! revoked for good; the bootstrap token gives way to the first real admin.

use super::*;
use serde_json::json;

/// Creates a token through the API with the bootstrap admin; returns the whole answer.
pub async fn create(app: &App, scopes: &[&str]) -> Value {
    let body = json!({ "name": "Night desk", "scopes": scopes }).to_string();
    let (status, _, created) = call(app, "POST", "/api/v1/tokens", Some(TOKEN), Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn list(app: &App, token: &str) -> Vec<Value> {
    let (status, _, body) = call(app, "GET", "/api/v1/tokens", Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    body["tokens"].as_array().unwrap().clone()
}

async fn revoke(app: &App, token: &str, id: &str) -> (u16, Value) {
    let path = format!("/api/v1/tokens/{id}/revoke");
    let (status, _, body) = call(app, "POST", &path, Some(token), None).await;
    (status, body)
}

#[tokio::test]
async fn an_admin_creates_a_token_that_authenticates_and_only_its_hash_travels() {
    let (_dir, app) = app().await;

    let created = create(&app, &["alerts:read", "alerts:write"]).await;

    let secret = created["token"].as_str().unwrap();
    assert!(secret.len() >= 32, "{secret}");
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(created["scopes"], json!(["alerts:read", "alerts:write"]));
    let (status, _, _) = call(&app, "GET", "/api/v1/alerts", Some(secret), None).await;
    assert_eq!(status, 200);
    let issued = emitted(&app, "coordinator.token_issued");
    assert_eq!(issued.len(), 2, "the bootstrap token and this one");
    let payload = issued[1].payload.to_string();
    assert!(!payload.contains(secret), "the secret never travels");
    assert!(payload.contains(&rrm_platform::auth::token_hash(secret)));
}

#[tokio::test]
async fn the_list_shows_every_token_without_secrets_or_hashes() {
    let (_dir, app) = app().await;
    let created = create(&app, &["alerts:read"]).await;
    let secret = created["token"].as_str().unwrap();

    let tokens = list(&app, TOKEN).await;

    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0]["name"], "bootstrap coordinator");
    assert_eq!(tokens[1]["token_id"], created["token_id"]);
    for token in &tokens {
        let keys: Vec<&String> = token.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "created_at",
                "expires_at",
                "name",
                "revoked",
                "scopes",
                "token_id"
            ]
        );
    }
    let text = serde_json::to_string(&tokens).unwrap();
    assert!(!text.contains(secret));
    assert!(!text.contains(&rrm_platform::auth::token_hash(secret)));
}

#[tokio::test]
async fn a_revoked_token_is_refused_and_revoking_again_changes_nothing() {
    let (_dir, app) = app().await;
    let created = create(&app, &["alerts:read"]).await;
    let (secret, id) = (
        created["token"].as_str().unwrap(),
        created["token_id"].as_str().unwrap(),
    );

    let (status, body) = revoke(&app, TOKEN, id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], true);
    assert_eq!(
        call(&app, "GET", "/api/v1/alerts", Some(secret), None)
            .await
            .0,
        401
    );

    let (again, body) = revoke(&app, TOKEN, id).await;
    assert_eq!((again, &body["revoked"]), (200, &json!(true)));
    assert_eq!(emitted(&app, "coordinator.token_revoked").len(), 1);

    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(revoke(&app, TOKEN, &unknown).await.0, 404);
    assert_eq!(revoke(&app, TOKEN, "nope").await.0, 400);
}

#[tokio::test]
async fn only_an_admin_manages_tokens() {
    let (_dir, app) = app().await;
    let writer = create(&app, &["alerts:read", "alerts:write"]).await;
    let writer = writer["token"].as_str().unwrap();
    let body = json!({ "name": "Me too", "scopes": ["admin"] }).to_string();

    assert_eq!(
        call(&app, "POST", "/api/v1/tokens", Some(writer), Some(&body))
            .await
            .0,
        403
    );
    assert_eq!(
        call(&app, "POST", "/api/v1/tokens", None, Some(&body))
            .await
            .0,
        401
    );
    assert_eq!(
        call(&app, "GET", "/api/v1/tokens", Some(writer), None)
            .await
            .0,
        403
    );
    let bootstrap_id = list(&app, TOKEN).await[0]["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(revoke(&app, writer, &bootstrap_id).await.0, 403);

    assert_eq!(emitted(&app, "coordinator.token_issued").len(), 2);
    assert!(emitted(&app, "coordinator.token_revoked").is_empty());
}

#[tokio::test]
async fn unknown_scopes_and_fields_are_refused_and_nothing_is_issued() {
    let (_dir, app) = app().await;
    for body in [
        json!({ "name": "Desk", "scopes": ["alerts:delete"] }),
        json!({ "name": "Desk", "scopes": [] }),
        json!({ "name": "", "scopes": ["alerts:read"] }),
        json!({ "name": "Desk", "scopes": ["alerts:read"], "expires_at": "2001-01-01T00:00:00Z" }),
        json!({ "name": "Desk", "scopes": ["alerts:read"], "owner": "me" }),
        json!({ "scopes": ["alerts:read"] }),
    ] {
        let (status, content_type, problem) = call(
            &app,
            "POST",
            "/api/v1/tokens",
            Some(TOKEN),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(
            (status, content_type.as_str()),
            (422, "application/problem+json"),
            "{body}: {problem}"
        );
    }
    assert_eq!(
        emitted(&app, "coordinator.token_issued").len(),
        1,
        "only the bootstrap token"
    );
    assert_eq!(list(&app, TOKEN).await.len(), 1);
}

#[tokio::test]
async fn the_bootstrap_token_is_revoked_once_a_real_admin_exists() {
    let (_dir, app) = app().await;
    // A token without admin leaves the bootstrap token alone.
    create(&app, &["alerts:write"]).await;
    assert!(emitted(&app, "coordinator.token_revoked").is_empty());

    let admin = create(&app, &["admin"]).await;

    let admin = admin["token"].as_str().unwrap();
    assert_eq!(
        call(&app, "GET", "/api/v1/tokens", Some(TOKEN), None)
            .await
            .0,
        401
    );
    let tokens = list(&app, admin).await;
    assert_eq!(tokens[0]["name"], "bootstrap coordinator");
    assert_eq!(tokens[0]["revoked"], true);
    let revoked = emitted(&app, "coordinator.token_revoked");
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].payload["token_id"], tokens[0]["token_id"]);

    // A restart with the same bootstrap value does not bring it back.
    api::tokens::bootstrap(&app.service, &SecretString::from(TOKEN.to_owned()))
        .await
        .unwrap();
    assert_eq!(
        call(&app, "GET", "/api/v1/alerts", Some(TOKEN), None)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn the_bootstrap_token_can_be_revoked_by_hand() {
    let (_dir, app) = app().await;
    let bootstrap_id = list(&app, TOKEN).await[0]["token_id"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(revoke(&app, TOKEN, &bootstrap_id).await.0, 200);

    assert_eq!(
        call(&app, "GET", "/api/v1/alerts", Some(TOKEN), None)
            .await
            .0,
        401
    );
}
