use crate::helpers::{NEW_SECRET, StandIn, TOKEN_ID};
use serde_json::{Value, json};

#[test]
fn creating_a_token_prints_its_secret_exactly_once_with_a_warning() {
    let intake = StandIn::start();

    let run = intake.rrm(&[
        "token",
        "create",
        "--name",
        "monitoring",
        "--scope",
        "alerts:read",
        "--scope",
        "alerts:write",
        "--expires",
        "2099-01-01T00:00:00Z",
    ]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches(NEW_SECRET).count(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("\n{NEW_SECRET}\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  scopes   alerts:read, alerts:write\n"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("shown only now"), "{}", run.stderr);
    assert!(!run.stderr.contains(NEW_SECRET));
    assert_eq!(
        intake.seen()[0].body,
        json!({"name": "monitoring", "scopes": ["alerts:read", "alerts:write"], "expires_at": "2099-01-01T00:00:00Z"})
    );
}

#[test]
fn a_token_without_expiry_is_sent_with_a_null_expiry() {
    let intake = StandIn::start();

    let run = intake.rrm(&[
        "token", "create", "--name", "desk", "--scope", "admin", "--json",
    ]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(intake.seen()[0].body["expires_at"], Value::Null);
    let printed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed["token"], NEW_SECRET);
}

#[test]
fn creating_a_token_needs_at_least_one_scope() {
    let intake = StandIn::start();

    let run = intake.rrm(&["token", "create", "--name", "desk"]);

    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--scope"), "{}", run.stderr);
    assert!(intake.seen().is_empty());
}

#[test]
fn listing_tokens_shows_each_ones_state() {
    let intake = StandIn::start();

    let run = intake.rrm(&["token", "list"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].starts_with("ID") && lines[0].contains("STATE"));
    assert!(
        lines[1].starts_with(TOKEN_ID) && lines[1].contains("active") && lines[1].contains("never")
    );
    assert!(lines[2].contains("bootstrap coordinator") && lines[2].contains("revoked"));
}

#[test]
fn revoking_a_token_prints_it_revoked() {
    let intake = StandIn::start();

    let run = intake.rrm(&["token", "revoke", TOKEN_ID]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(&format!("revoked: {TOKEN_ID}\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  state    revoked\n"),
        "{}",
        run.stdout
    );
    let seen = &intake.seen()[0];
    assert_eq!(
        (seen.method, seen.path.as_str()),
        ("POST", format!("/api/v1/tokens/{TOKEN_ID}/revoke").as_str())
    );
}
