//! The dispatch and the translation worker against a real LibreTranslate-compatible server on
//! loopback, without a broker: events go in through the consumer's own `process`, and what the
//! service would publish is read from its outbox.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use rrm_bus::Outcome;
use rrm_bus::consumer::process;
use rrm_contracts::Signatory;
use rrm_devtools::pseudo;
use std::collections::BTreeMap;

#[test]
fn retries_back_off_to_two_minutes() {
    assert_eq!(retry_delay(1).num_seconds(), 1);
    assert_eq!(retry_delay(2).num_seconds(), 2);
    assert_eq!(retry_delay(30).num_seconds(), 120);
}

fn approved() -> OpedApproved {
    OpedApproved {
        alert_id: Uuid::now_v7(),
        oped_id: Uuid::now_v7(),
        title: "Burning a holy book burns bridges".into(),
        body: "Whatever the law allows, contempt is not an argument.".into(),
        source_language: LanguageCode::parse("en").unwrap(),
        target_languages: ["ar", "en", "es", "fr", "ru", "zh"]
            .iter()
            .map(|l| LanguageCode::parse(l).unwrap())
            .collect(),
        version_hash: "ab".repeat(32),
        signatories: vec![Signatory {
            member_id: Uuid::now_v7(),
            name: "Amina Haddad".into(),
            line: "Muslim".into(),
            signs_as: String::new(),
            signed_at: Utc::now(),
        }],
        embargo_until: None,
        standfirst: "Four faiths answer one provocation.".into(),
        manifest: Some(rrm_contracts::SignedManifest {
            manifest: "{}".into(),
            signature: String::new(),
            key_id: "0123456789abcdef".into(),
            url: "https://rrm.example.org/drafting/manifests/x/ab.json".into(),
            public_key_url: "https://rrm.example.org/drafting/keys/0123456789abcdef.pem".into(),
        }),
    }
}

/// A pseudo LibreTranslate server on a free loopback port; returns its base URL.
async fn provider_server(options: pseudo::Options) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, pseudo::router(options)).await });
    url
}

/// Translation settings with `providers` (kind, url) on loopback, quick to give up.
fn settings(providers: &[(&str, &str)]) -> TranslationSettings {
    TranslationSettings {
        providers: providers
            .iter()
            .map(|(kind, url)| ProviderSettings {
                kind: if *kind == "deepl" {
                    providers::ProviderKind::Deepl
                } else {
                    providers::ProviderKind::Libretranslate
                },
                url: (*url).to_owned(),
                api_key: Some("k3y".to_owned().into()),
                api_key_env: None,
                concurrency: 4,
                formality: None,
                glossary_id: None,
            })
            .collect(),
        allowed_hosts: vec!["127.0.0.1".into()],
        connect_timeout_ms: 500,
        request_timeout_ms: 2000,
        concurrency: 4,
        max_response_bytes: 64 * 1024,
        max_attempts: 3,
        breaker_failures: 2,
        breaker_cooldown: std::time::Duration::from_millis(300),
        budget: std::time::Duration::from_secs(60),
        protected_terms: vec!["Interfaith Council".into()],
    }
}

/// `translation.completed` events in the outbox, by language.
fn completed_by_language(store: &Store) -> BTreeMap<String, Vec<TranslationCompleted>> {
    let mut by_language: BTreeMap<String, Vec<TranslationCompleted>> = BTreeMap::new();
    for (_, envelope) in store.outbox_batch(1000).unwrap() {
        if let Event::TranslationCompleted(t) = envelope.decode().unwrap() {
            by_language
                .entry(t.language.as_str().to_owned())
                .or_default()
                .push(t);
        }
    }
    by_language
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_down_at_first_still_yields_every_language_once() {
    // Arrange: the provider answers its first three requests with 503.
    let url = provider_server(pseudo::Options {
        fail_first: 3,
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path(),
        &rrm_bus::StoreOptions::default(),
        &[OPEDS, JOBS, PENDING],
    )
    .unwrap();
    let wake = Arc::new(Notify::new());
    let dispatch: Arc<dyn Handler> = Arc::new(Dispatch { wake: wake.clone() });
    let oped = approved();
    let event = Envelope::new(
        &Event::OpedApproved(oped.clone()),
        "drafting",
        Some(oped.alert_id),
        None,
    );
    let translator = Translator {
        store: store.clone(),
        // One attempt per try: the outage reaches the jobs instead of the provider's own retries.
        providers: Arc::new(
            TranslationSettings {
                max_attempts: 1,
                ..settings(&[("libretranslate", &url)])
            }
            .providers()
            .unwrap(),
        ),
        wake,
        concurrency: 4,
        budget: Duration::hours(2),
        protected_terms: Vec::new(),
    };
    let stop = CancellationToken::new();
    let worker = tokio::spawn(translator.run(stop.clone()));

    // Act: the approval arrives, and arrives again (a redelivery).
    let first = process(&store, &dispatch, &event.to_bytes()).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while store.count(PENDING).unwrap() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "jobs still pending after 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let again = process(&store, &dispatch, &event.to_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.cancel();
    worker.await.unwrap();

    // Assert
    assert_eq!(first, Outcome::Handled);
    assert_eq!(again, Outcome::Duplicate);
    let retried = store
        .scan::<Job>(JOBS, b"")
        .unwrap()
        .filter(|j| j.as_ref().unwrap().1.attempts > 1)
        .count();
    assert!(retried >= 1, "no job met the provider's outage");
    let completed = completed_by_language(&store);
    assert_eq!(
        completed.keys().map(String::as_str).collect::<Vec<_>>(),
        ["ar", "en", "es", "fr", "ru", "zh"]
    );
    for (language, events) in &completed {
        assert_eq!(
            events.len(),
            1,
            "{language} completed {} times",
            events.len()
        );
        let t = &events[0];
        assert_eq!(
            t.signatories[0].name, "Amina Haddad",
            "names are never translated"
        );
        assert_eq!(t.source_version_hash, oped.version_hash);
        assert_eq!(
            t.manifest_url.as_deref(),
            Some("https://rrm.example.org/drafting/manifests/x/ab.json"),
            "editors are told where the signature manifest is"
        );
        if language == "en" {
            assert_eq!(t.method, TranslationMethod::Source);
            assert_eq!(t.body, oped.body, "the source language is final as signed");
            assert_eq!(t.standfirst, oped.standfirst);
        } else {
            assert_eq!(t.method, TranslationMethod::Machine);
            assert!(
                t.body.contains(&format!("⟦{language}⟧")),
                "{language}: {}",
                t.body
            );
            assert!(
                t.standfirst.contains(&format!("⟦{language}⟧")),
                "the standfirst is translated too: {language}: {}",
                t.standfirst
            );
        }
    }
}

mod chain;

#[test]
fn the_shipped_configurations_start_with_their_providers() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    #[derive(Deserialize)]
    struct Only {
        translation: TranslationSettings,
    }
    for environment in ["local", "production"] {
        let settings: Only = rrm_platform::config::load_from(&dir, environment).unwrap();
        assert_eq!(settings.translation.providers.len(), 1, "{environment}");
        assert!(settings.translation.providers().is_ok(), "{environment}");
        assert_eq!(settings.translation.budget.as_secs(), 7200);
    }
}

#[test]
fn providers_given_by_indexed_environment_variables_are_read_in_order() {
    // What the configuration library makes of RRM_TRANSLATION__PROVIDERS__<i>__<KEY>.
    let value = serde_json::json!({
        "1": {"kind": "deepl", "url": "http://127.0.0.1:2", "api_key": "k"},
        "0": {"kind": "libretranslate", "url": "http://127.0.0.1:1"},
    });
    let providers = providers::deserialize_providers(value).unwrap();
    assert_eq!(providers.len(), 2);
    assert_eq!(providers[0].kind, providers::ProviderKind::Libretranslate);
    assert_eq!(providers[1].url, "http://127.0.0.1:2");
}

#[test]
fn a_key_named_by_a_missing_variable_stops_the_start() {
    let mut s = settings(&[("deepl", "http://127.0.0.1:1")]);
    s.providers[0].api_key = None;
    s.providers[0].api_key_env = Some("RRM_TEST_NO_SUCH_VARIABLE_FOR_A_KEY".into());
    let err = s.providers().err().unwrap();
    assert!(format!("{err:#}").contains("RRM_TEST_NO_SUCH_VARIABLE_FOR_A_KEY"));
    s.providers[0].api_key_env = None;
    assert!(s.providers().is_err(), "DeepL without a key");
}
