//! The provider chain and the protection of names, terms and Markdown, against mock providers on
//! loopback that "translate" by upper-casing (so anything unprotected visibly changes).

use super::*;
use crate::protect::Prepared;
use crate::providers::{ChainError, ProviderError, Request};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration as StdDuration;
use tokio::time::Instant;

type Behaviour = Arc<dyn Fn(u64, &Value, &HeaderMap) -> Response + Send + Sync>;

/// A mock provider speaking both protocols; `behaviour` answers the n-th request (from 0).
/// Returns its URL and a request counter.
async fn mock(behaviour: Behaviour) -> (String, Arc<AtomicU64>) {
    let count = Arc::new(AtomicU64::new(0));
    let seen = count.clone();
    let handler = move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        let behaviour = behaviour.clone();
        async move { behaviour(n, &body, &headers) }
    };
    let app = axum::Router::new()
        .route("/translate", axum::routing::post(handler.clone()))
        .route("/v2/translate", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, count)
}

/// The translation both protocols' mocks apply: upper-case, line by line prefixed.
fn upper(text: &str) -> String {
    text.split('\n')
        .map(|l| format!("XX {}", l.to_uppercase()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Answers in the protocol of the request.
fn translating() -> Behaviour {
    Arc::new(|_, body, _| answer(body))
}

fn answer(body: &Value) -> Response {
    if let Some(q) = body.get("q") {
        let texts: Vec<String> = q
            .as_array()
            .unwrap()
            .iter()
            .map(|t| upper(t.as_str().unwrap()))
            .collect();
        axum::Json(json!({ "translatedText": texts })).into_response()
    } else {
        let texts: Vec<Value> = body["text"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| json!({"detected_source_language": "EN", "text": upper(t.as_str().unwrap())}))
            .collect();
        axum::Json(json!({ "translations": texts })).into_response()
    }
}

fn texts() -> Vec<String> {
    vec!["Hello".into(), "World".into()]
}

fn request(texts: &[String]) -> Request<'_> {
    Request {
        texts,
        source: "en",
        target: "fr",
    }
}

fn soon(secs: u64) -> Instant {
    Instant::now() + StdDuration::from_secs(secs)
}

async fn run(
    chain: &Providers,
    deadline: Instant,
) -> Result<providers::Answer<Vec<String>>, ChainError> {
    let texts = texts();
    chain.translate(request(&texts), deadline, Ok).await
}

#[tokio::test]
async fn both_protocols_translate_every_text_in_order() {
    for kind in ["libretranslate", "deepl"] {
        let (url, _) = mock(translating()).await;
        let chain = settings(&[(kind, &url)]).providers().unwrap();
        let answer = run(&chain, soon(10)).await.unwrap();
        assert_eq!(answer.value, ["XX HELLO", "XX WORLD"], "{kind}");
        assert_eq!(answer.attempts, 1);
        assert!(answer.provider.starts_with(kind), "{}", answer.provider);
    }
}

#[tokio::test]
async fn deepl_gets_its_key_formality_glossary_and_upper_case_codes() {
    let seen: Arc<std::sync::Mutex<Option<(Value, String)>>> = Arc::default();
    let keep = seen.clone();
    let (url, _) = mock(Arc::new(move |_, body, headers| {
        let auth = headers["authorization"].to_str().unwrap().to_owned();
        *keep.lock().unwrap() = Some((body.clone(), auth));
        answer(body)
    }))
    .await;
    let mut s = settings(&[("deepl", &url)]);
    s.providers[0].formality = Some("prefer_more".into());
    s.providers[0].glossary_id = Some("g-42".into());
    let chain = s.providers().unwrap();
    let texts = texts();
    let req = Request {
        texts: &texts,
        source: "fr",
        target: "en",
    };
    chain.translate(req, soon(10), Ok).await.unwrap();
    let (body, auth) = seen.lock().unwrap().clone().unwrap();
    assert_eq!(auth, "DeepL-Auth-Key k3y");
    assert_eq!(body["source_lang"], "FR");
    assert_eq!(body["target_lang"], "EN-GB");
    assert_eq!(body["formality"], "prefer_more");
    assert_eq!(body["glossary_id"], "g-42");
    assert_eq!(providers::deepl::target_lang("pt"), "PT-PT");
    assert_eq!(providers::deepl::target_lang("zh-Hans"), "ZH");
}

#[tokio::test]
async fn a_busy_provider_is_waited_for_as_its_retry_after_says() {
    let (url, count) = mock(Arc::new(|n, body, _| {
        if n == 0 {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                "slow down",
            )
                .into_response()
        } else {
            answer(body)
        }
    }))
    .await;
    let chain = settings(&[("libretranslate", &url)]).providers().unwrap();
    let started = std::time::Instant::now();
    let answer = run(&chain, soon(10)).await.unwrap();
    assert!(
        started.elapsed() >= StdDuration::from_secs(1),
        "Retry-After ignored"
    );
    assert_eq!(answer.attempts, 2);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_server_error_is_retried_on_the_same_provider() {
    let (url, _) = mock(Arc::new(|n, body, _| {
        if n == 0 {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        } else {
            answer(body)
        }
    }))
    .await;
    let chain = settings(&[("deepl", &url)]).providers().unwrap();
    let answer = run(&chain, soon(10)).await.unwrap();
    assert_eq!(answer.attempts, 2);
}

#[tokio::test]
async fn a_malformed_answer_falls_back_to_the_next_provider() {
    let (bad, bad_count) = mock(Arc::new(|_, _, _| {
        axum::Json(json!({"oops": 1})).into_response()
    }))
    .await;
    let (good, _) = mock(translating()).await;
    let chain = settings(&[("libretranslate", &bad), ("deepl", &good)])
        .providers()
        .unwrap();
    let answer = run(&chain, soon(10)).await.unwrap();
    assert!(answer.provider.starts_with("deepl"));
    assert_eq!(
        bad_count.load(Ordering::SeqCst),
        1,
        "an unusable answer is not retried"
    );
}

#[tokio::test]
async fn an_endless_answer_is_refused_without_reading_it_whole() {
    let (url, _) = mock(Arc::new(|_, _, _| {
        let chunk = axum::body::Bytes::from(vec![b' '; 16 * 1024]);
        let stream = futures_util::stream::repeat_with(move || {
            Ok::<_, std::convert::Infallible>(chunk.clone())
        });
        Response::new(Body::from_stream(stream))
    }))
    .await;
    let chain = settings(&[("libretranslate", &url)]).providers().unwrap();
    let err = run(&chain, soon(10)).await.unwrap_err();
    assert!(
        matches!(&err.failures[0].error, ProviderError::Unusable(m) if m.contains("larger than")),
        "{err}"
    );
    assert!(!err.is_permanent());
}

#[tokio::test]
async fn a_provider_down_for_good_is_passed_over_for_the_next() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (good, _) = mock(translating()).await;
    let chain = settings(&[("libretranslate", &down), ("libretranslate", &good)])
        .providers()
        .unwrap();
    let answer = run(&chain, soon(20)).await.unwrap();
    assert_eq!(answer.value, ["XX HELLO", "XX WORLD"]);
    assert_eq!(
        answer.attempts, 4,
        "three tries on the one down, one on the next"
    );
}

#[tokio::test]
async fn a_provider_that_hangs_times_out_and_the_next_delivers() {
    // A server that accepts and never answers.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hung = format!("http://{}", hang.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hang.accept().await {
            held.push(socket);
        }
    });
    let (good, _) = mock(translating()).await;
    let mut s = settings(&[("libretranslate", &hung), ("deepl", &good)]);
    s.request_timeout_ms = 200;
    s.max_attempts = 2;
    let chain = s.providers().unwrap();
    let answer = run(&chain, soon(20)).await.unwrap();
    assert!(answer.provider.starts_with("deepl"));
}

#[tokio::test]
async fn nothing_waits_past_the_deadline() {
    let (url, _) = mock(Arc::new(|_, _, _| {
        (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "30")], "").into_response()
    }))
    .await;
    let chain = settings(&[("libretranslate", &url)]).providers().unwrap();
    let started = std::time::Instant::now();
    let err = run(&chain, soon(2)).await.unwrap_err();
    assert!(started.elapsed() < StdDuration::from_secs(2));
    assert!(!err.is_permanent());
    assert!(err.to_string().contains("503"), "{err}");
}

#[tokio::test]
async fn a_refusal_is_final_and_says_so_for_every_provider() {
    let (a, _) = mock(Arc::new(|_, _, _| StatusCode::FORBIDDEN.into_response())).await;
    let (b, count) = mock(Arc::new(|_, _, _| StatusCode::BAD_REQUEST.into_response())).await;
    let chain = settings(&[("libretranslate", &a), ("deepl", &b)])
        .providers()
        .unwrap();
    let err = run(&chain, soon(10)).await.unwrap_err();
    assert!(err.is_permanent());
    assert_eq!(err.failures.len(), 2);
    assert_eq!(count.load(Ordering::SeqCst), 1, "a refusal is not retried");
    let text = err.to_string();
    assert!(text.contains("403") && text.contains("400"), "{text}");
}

#[tokio::test]
async fn a_failing_provider_is_skipped_after_repeated_failures_then_tried_again() {
    let healthy = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let state = healthy.clone();
    let (flaky, flaky_count) = mock(Arc::new(move |_, body, _| {
        if state.load(Ordering::SeqCst) {
            answer(body)
        } else {
            StatusCode::BAD_GATEWAY.into_response()
        }
    }))
    .await;
    let (good, _) = mock(translating()).await;
    let mut s = settings(&[("libretranslate", &flaky), ("deepl", &good)]);
    s.max_attempts = 1;
    let chain = s.providers().unwrap();
    // Two failures open the breaker (breaker_failures = 2).
    for _ in 0..2 {
        assert!(
            run(&chain, soon(10))
                .await
                .unwrap()
                .provider
                .starts_with("deepl")
        );
    }
    assert_eq!(flaky_count.load(Ordering::SeqCst), 2);
    let answer = run(&chain, soon(10)).await.unwrap();
    assert!(answer.provider.starts_with("deepl"));
    assert_eq!(flaky_count.load(Ordering::SeqCst), 2, "skipped while open");
    // After the cool-down, one trial; it succeeds and the provider is back.
    healthy.store(true, Ordering::SeqCst);
    tokio::time::sleep(StdDuration::from_millis(350)).await;
    let answer = run(&chain, soon(10)).await.unwrap();
    assert!(
        answer.provider.starts_with("libretranslate"),
        "{}",
        answer.provider
    );
    assert_eq!(flaky_count.load(Ordering::SeqCst), 3);
}

#[test]
fn only_allow_listed_hosts_are_accepted_at_start() {
    assert!(
        settings(&[("libretranslate", "http://127.0.0.1:5005")])
            .providers()
            .is_ok()
    );
    let err = settings(&[("deepl", "https://evil.example")])
        .providers()
        .err()
        .unwrap();
    assert!(format!("{err:#}").contains("allowed_hosts"), "{err:#}");
    assert!(
        settings(&[("libretranslate", "file:///etc/passwd")])
            .providers()
            .is_err()
    );
    assert!(settings(&[]).providers().is_err());
}

#[tokio::test]
async fn names_and_glossary_terms_come_back_untranslated_with_both_providers() {
    for kind in ["libretranslate", "deepl"] {
        let (url, _) = mock(translating()).await;
        let chain = settings(&[(kind, &url)]).providers().unwrap();
        let terms = vec!["Amina Haddad".to_owned(), "Interfaith Council".to_owned()];
        let prepared = Prepared::new(
            "Amina Haddad speaks",
            "For the Interfaith Council",
            "Amina Haddad and the Interfaith Council agree.",
            &terms,
        );
        let answer = chain
            .translate(
                Request {
                    texts: prepared.texts(),
                    source: "en",
                    target: "fr",
                },
                soon(10),
                |t| prepared.restore(t),
            )
            .await
            .unwrap();
        let r = answer.value;
        assert_eq!(r.title, "XX Amina Haddad SPEAKS", "{kind}");
        assert_eq!(r.standfirst, "XX FOR THE Interfaith Council");
        assert_eq!(r.body, "XX Amina Haddad AND THE Interfaith Council AGREE.");
    }
}

#[test]
fn markdown_headings_lists_quotes_links_and_emphasis_survive() {
    let body = "# A heading\n\nFirst *line*\nsecond line with `code` and [a link](https://x.org/a_b).\n\n- one\n- two\n1. first\n> quoted\n\n```\nfn main() {}\n```\n\n---";
    let prepared = Prepared::new("Title", "", body, &[]);
    assert_eq!(
        prepared.texts().len(),
        4,
        "title and three blocks: {:?}",
        prepared.texts()
    );
    assert!(
        prepared
            .texts()
            .iter()
            .all(|t| !t.contains("x.org") && !t.starts_with('#'))
    );
    let translated = prepared.texts().iter().map(|t| upper(t)).collect();
    let r = prepared.restore(translated).unwrap();
    assert_eq!(
        r.body,
        "# XX A HEADING\n\nXX FIRST *LINE*\nXX SECOND LINE WITH `code` AND [A LINK](https://x.org/a_b).\n\n- XX ONE\n- XX TWO\n1. XX FIRST\n> XX QUOTED\n\n```\nfn main() {}\n```\n\n---"
    );
}

#[test]
fn an_answer_that_lost_a_placeholder_is_unusable() {
    let prepared = Prepared::new("Amina Haddad writes", "", "", &["Amina Haddad".into()]);
    assert!(prepared.restore(vec!["XX WRITES".into()]).is_err());
    assert!(prepared.restore(vec!["⟦0⟧ ⟦0⟧".into()]).is_err());
    let literal = Prepared::new("a ⟦7⟧ b", "", "", &[]);
    let back = literal.restore(literal.texts().to_vec()).unwrap();
    assert_eq!(
        back.title, "a ⟦7⟧ b",
        "literal brackets in the text survive"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_no_provider_delivers_by_its_deadline_fails_and_says_so() {
    let (url, _) = mock(Arc::new(|_, _, _| {
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    }))
    .await;
    let f = Fixture::new(
        "max_attempts = 1\nbudget = \"3s\"",
        &providers_toml(&[("libretranslate", &url)]),
    )
    .await;
    let mut oped = approved();
    oped.target_languages = vec![LanguageCode::parse("fr").unwrap()];
    f.deliver(Event::OpedApproved(oped.clone())).await;
    let give_up = std::time::Instant::now() + StdDuration::from_secs(20);
    while !store::machine_pending(&f.app.store, 1).unwrap().is_empty() {
        assert!(std::time::Instant::now() < give_up, "job still pending");
        f.machine().await;
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let failed = f.failed();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].language.as_str(), "fr");
    assert!(failed[0].attempts >= 2, "retried before failing");
    assert!(
        failed[0].reason.contains("deadline"),
        "{}",
        failed[0].reason
    );
    assert!(!f.completed().contains_key("fr"));
    let desk = f.mails_to("desk@coordinators.test");
    assert_eq!(desk.len(), 1, "the coordinators are e-mailed");
    assert!(desk[0].mail.text.contains("503"), "{}", desk[0].mail.text);
}

#[test]
fn providers_are_named_by_kind_host_and_port_and_never_alike() {
    let chain = settings(&[
        ("libretranslate", "http://127.0.0.1:5005"),
        ("deepl", "http://127.0.0.1:5006"),
        ("libretranslate", "http://127.0.0.1:5005"),
    ])
    .providers()
    .unwrap();
    assert_eq!(
        chain.names(),
        [
            "libretranslate@127.0.0.1:5005",
            "deepl@127.0.0.1:5006",
            "libretranslate@127.0.0.1:5005#3"
        ]
    );
}
