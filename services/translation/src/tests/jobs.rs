//! Jobs under each policy, translators' offers, coordinators stepping in, corrections,
//! withdrawals and back-translations.

use super::*;
use crate::domain::{LanguagePair, Stage, Translator, TranslatorStatus};

/// Adds a translator between `pairs` ("en>ar"), taking `capacity` jobs at once.
pub async fn add_translator(f: &Fixture, name: &str, pairs: &[&str], capacity: u32) -> Translator {
    let t = Translator {
        id: Uuid::now_v7(),
        name: name.into(),
        email: rrm_contracts::EmailAddress::parse(&format!(
            "{}@translators.test",
            name.to_lowercase().replace(' ', ".")
        ))
        .unwrap(),
        pairs: pairs
            .iter()
            .map(|p| {
                let (from, to) = p.split_once('>').unwrap();
                LanguagePair {
                    from: LanguageCode::parse(from).unwrap(),
                    to: LanguageCode::parse(to).unwrap(),
                }
            })
            .collect(),
        capacity,
        status: TranslatorStatus::Active,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    let kept = t.clone();
    f.app
        .store
        .transact::<_, HandleError, _>(move |tx| Ok(store::put_translator(tx, &kept)?))
        .await
        .unwrap();
    t
}

/// The offer link in the last offer mail to `t`, as a path.
pub fn offer_path(f: &Fixture, t: &Translator) -> String {
    let mail = f
        .mails_to(t.email.as_str())
        .into_iter()
        .rev()
        .find(|m| m.mail.text.contains("/offers/"))
        .unwrap_or_else(|| panic!("no offer mailed to {}", t.name));
    let at = mail.mail.text.find("/offers/").unwrap();
    mail.mail.text[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// Answers an offer page with `action` (and the text for a submit).
pub async fn answer(f: &Fixture, path: &str, action: &str, text: Option<(&str, &str)>) -> Page {
    let token = path.rsplit('/').next().unwrap();
    let csrf = f.app.links.csrf_for(token);
    let mut form = vec![("csrf", csrf.as_str()), ("action", action)];
    if let Some((title, body)) = text {
        form.extend([("title", title), ("standfirst", ""), ("body", body)]);
    }
    f.post(path, None, &form).await
}

fn policy(languages: &str) -> String {
    format!(
        "[translation.policy]\ndefault = \"machine\"\n[translation.policy.languages]\n{languages}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_down_at_first_still_yields_every_language_once() {
    // Arrange: the provider answers its first three requests with 503; one attempt per try, so
    // the outage reaches the jobs instead of the provider's own retries.
    let url = provider_server(pseudo::Options {
        fail_first: 3,
        ..Default::default()
    })
    .await;
    let f = Fixture::new(
        "max_attempts = 1",
        &providers_toml(&[("libretranslate", &url)]),
    )
    .await;
    let oped = approved();

    // Act: the approval arrives (twice); the worker tries until every job is done.
    f.deliver(Event::OpedApproved(oped.clone())).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !store::machine_pending(&f.app.store, 10).unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "jobs still pending after 30 s"
        );
        f.machine().await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Assert
    let retried = ["ar", "es", "fr", "ru", "zh"]
        .iter()
        .filter(|l| f.job(oped.oped_id, l).attempts > 1)
        .count();
    assert!(retried >= 1, "no job met the provider's outage");
    let completed = f.completed();
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
        assert_eq!(t.translator, None, "no person to credit");
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
    assert!(f.failed().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewed_language_goes_out_once_its_translator_submits_and_credits_them() {
    let url = provider_server(pseudo::Options::default()).await;
    let f = Fixture::new(
        "",
        &format!(
            "{}{}",
            policy("ar = \"machine+review\""),
            providers_toml(&[("libretranslate", &url)])
        ),
    )
    .await;
    let layla = add_translator(&f, "Layla Nasser", &["en>ar"], 2).await;
    let mut oped = approved();
    oped.target_languages = ["en", "ar", "fr"]
        .iter()
        .map(|l| LanguageCode::parse(l).unwrap())
        .collect();
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;

    // French is machine-only: out at once. Arabic waits for its reviewer.
    let completed = f.completed();
    assert_eq!(
        completed.keys().map(String::as_str).collect::<Vec<_>>(),
        ["en", "fr"]
    );
    let job = f.job(oped.oped_id, "ar");
    assert!(matches!(job.stage, Stage::Offered { translator, .. } if translator == layla.id));
    let offer = offer_path(&f, &layla);
    let mail = &f.mails_to(layla.email.as_str())[0].mail;
    assert!(
        mail.subject.starts_with("Review into ar"),
        "{}",
        mail.subject
    );

    // The page shows the source and the machine's pre-draft side by side.
    let page = f.get(&offer, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Burning a holy book burns bridges"));
    assert!(page.body.contains("⟦ar⟧"), "the machine pre-draft is shown");
    assert!(page.body.contains("Claim this job"));

    // Claim, then submit an edited text.
    let claimed = answer(&f, &offer, "claim", None).await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.body);
    assert!(claimed.body.contains("Submit the translation"));
    assert!(
        claimed.body.contains("⟦ar⟧"),
        "the form starts from the machine's text"
    );
    let submitted = answer(&f, &offer, "submit", Some(("حرق كتاب مقدس", "نص المراجع"))).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert!(submitted.body.contains("was submitted"));

    let ar = &f.completed()["ar"];
    assert_eq!(ar.len(), 1);
    assert_eq!(ar[0].method, TranslationMethod::MachineReviewed);
    assert_eq!(ar[0].translator.as_deref(), Some("Layla Nasser"));
    assert_eq!(ar[0].body, "نص المراجع");
    // Submitting again changes nothing.
    let again = answer(&f, &offer, "submit", Some(("x", "y"))).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(f.completed()["ar"].len(), 1);
    assert_eq!(
        store::load_committed(&f.app.store, layla.id).unwrap(),
        0,
        "her capacity is free again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_that_expires_goes_to_the_next_translator_and_none_left_is_reported() {
    let url = provider_server(pseudo::Options::default()).await;
    let f = Fixture::new(
        "offer_ttl = \"10m\"",
        &format!(
            "{}{}",
            policy("ar = \"human\""),
            providers_toml(&[("libretranslate", &url)])
        ),
    )
    .await;
    let first = add_translator(&f, "Omar Said", &["en>ar"], 1).await;
    let second = add_translator(&f, "Sara Haddad", &["en>ar"], 1).await;
    let _french = add_translator(&f, "Jean Roux", &["en>fr"], 1).await;
    let mut oped = approved();
    oped.target_languages = vec![LanguageCode::parse("ar").unwrap()];
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    let offered = |t: &Translator| matches!(f.job(oped.oped_id, "ar").stage, Stage::Offered { translator, .. } if translator == t.id);
    assert!(offered(&first), "{:?}", f.job(oped.oped_id, "ar").stage);

    // Someone else cannot claim it.
    let token = f.app.links.sign(
        OFFER,
        &second.id.to_string(),
        &format!("{}:ar", oped.oped_id),
        Some("0"),
    );
    let stolen = answer(&f, &format!("/offers/{token}"), "claim", None).await;
    assert_eq!(stolen.status, StatusCode::CONFLICT);
    assert!(offered(&first));

    // Ten minutes pass: the offer goes to the second translator, and the first cannot claim.
    let first_link = offer_path(&f, &first);
    f.advance(Duration::minutes(11)).await;
    assert!(offered(&second));
    let late = answer(&f, &first_link, "claim", None).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("expired"), "{}", late.body);

    // The second declines: nobody is left, the coordinators hear of it.
    let declined = answer(&f, &offer_path(&f, &second), "decline", None).await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    let failed = f.failed();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].reason.contains("none of the 2 translators"),
        "{}",
        failed[0].reason
    );
    let desk = f.mails_to("desk@coordinators.test");
    assert_eq!(desk.len(), 1);
    assert!(desk[0].mail.subject.contains("Not delivered in ar"));
    assert!(desk[0].mail.text.contains("/console/opeds/"));
    assert!(!f.completed().contains_key("ar"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_every_provider_refuses_is_reported_and_a_coordinator_retries_it_elsewhere() {
    let refusing = provider_server(pseudo::Options {
        refuse: vec!["zh".into()],
        ..Default::default()
    })
    .await;
    let f = Fixture::new("", &providers_toml(&[("libretranslate", &refusing)])).await;
    let mut oped = approved();
    oped.target_languages = ["fr", "zh"]
        .iter()
        .map(|l| LanguageCode::parse(l).unwrap())
        .collect();
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;

    let failed = f.failed();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].language.as_str(), "zh");
    assert_eq!(
        f.mails_to("desk@coordinators.test").len(),
        1,
        "the coordinators are e-mailed"
    );
    assert_eq!(f.job(oped.oped_id, "zh").stage, Stage::Waiting);

    // The console shows it stuck, with the provider's error.
    let cookie = f.sign_in(TOKEN).await;
    let page = f
        .get(&format!("/console/opeds/{}", oped.oped_id), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("stuck:"), "{}", page.body);
    assert!(page.body.contains("Retry machine"));

    // An unknown provider is refused and changes nothing.
    let csrf = f.console_csrf(&cookie).await;
    let path = format!("/console/opeds/{}/zh", oped.oped_id);
    let bad = f
        .post(
            &path,
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("action", "retry"),
                ("provider", "nowhere"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(f.job(oped.oped_id, "zh").stage, Stage::Waiting);

    // A reader may not act.
    let reader = f.sign_in(READER).await;
    let reader_csrf = f.console_csrf(&reader).await;
    let refused = f
        .post(
            &path,
            Some(&reader),
            &[("csrf", &reader_csrf), ("action", "retry")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Retry: the provider still refuses; then accept another translation, credited.
    let retried = f
        .post(
            &path,
            Some(&cookie),
            &[("csrf", &csrf), ("action", "retry"), ("provider", "")],
        )
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    assert_eq!(f.job(oped.oped_id, "zh").stage, Stage::Machine);
    f.machine().await;
    assert_eq!(f.failed().len(), 2, "reported again after the retry failed");
    let accepted = f
        .post(
            &path,
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("action", "accept_text"),
                ("title", "烧书"),
                ("standfirst", ""),
                ("body", "正文"),
                ("credit", "Li Wei"),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let zh = &f.completed()["zh"];
    assert_eq!(zh.len(), 1);
    assert_eq!(zh[0].method, TranslationMethod::Human);
    assert_eq!(zh[0].translator.as_deref(), Some("Li Wei"));
    assert_eq!(zh[0].title, "烧书");
}

/// Translation requests a pseudo provider has answered so far.
async fn requests(url: &str) -> u64 {
    let stats: serde_json::Value = reqwest::get(format!("{url}/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["translate_requests"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_switches_provider_and_only_that_provider_is_asked() {
    // The first provider never has Arabic; the second is briefly down.
    let refusing = provider_server(pseudo::Options {
        refuse: vec!["ar".into()],
        ..Default::default()
    })
    .await;
    let flaky = provider_server(pseudo::Options {
        fail_first: 1,
        ..Default::default()
    })
    .await;
    let f = Fixture::new(
        "max_attempts = 1",
        &providers_toml(&[("libretranslate", &refusing), ("libretranslate", &flaky)]),
    )
    .await;
    let mut oped = approved();
    oped.target_languages = vec![LanguageCode::parse("ar").unwrap()];
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    let job = f.job(oped.oped_id, "ar");
    assert_eq!(
        job.stage,
        Stage::Machine,
        "retried later: the second provider may come back"
    );
    assert!(job.last_error.as_ref().unwrap().contains("not supported"));

    // The coordinator sends it to the second provider alone, at once.
    let cookie = f.sign_in(TOKEN).await;
    let csrf = f.console_csrf(&cookie).await;
    let second = f.app.providers.names()[1].to_owned();
    let asked_first = requests(&refusing).await;
    let path = format!("/console/opeds/{}/ar", oped.oped_id);
    let switched = f
        .post(
            &path,
            Some(&cookie),
            &[("csrf", &csrf), ("action", "retry"), ("provider", &second)],
        )
        .await;
    assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
    assert!(
        switched
            .body
            .contains(&format!("the machine tries again on {second}"))
    );
    f.machine().await;

    let ar = &f.completed()["ar"];
    assert_eq!(ar.len(), 1);
    assert_eq!(
        f.job(oped.oped_id, "ar").provider.as_deref(),
        Some(second.as_str())
    );
    assert_eq!(
        requests(&refusing).await,
        asked_first,
        "the first provider was not asked again"
    );
    // Accepting the machine text of a finished language changes nothing.
    let again = f
        .post(
            &path,
            Some(&cookie),
            &[("csrf", &csrf), ("action", "accept_machine")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(f.completed()["ar"].len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn there_is_no_machine_translation_to_accept_when_no_provider_gave_one() {
    let refusing = provider_server(pseudo::Options {
        refuse: vec!["ar".into()],
        ..Default::default()
    })
    .await;
    let f = Fixture::new(
        "",
        &format!(
            "{}{}",
            policy("ar = \"machine+review\""),
            providers_toml(&[("libretranslate", &refusing)])
        ),
    )
    .await;
    let mut oped = approved();
    oped.target_languages = vec![LanguageCode::parse("ar").unwrap()];
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    // No machine text and no translator: reported, and there is nothing to accept.
    assert_eq!(f.failed().len(), 1);
    let cookie = f.sign_in(TOKEN).await;
    let csrf = f.console_csrf(&cookie).await;
    let path = format!("/console/opeds/{}/ar", oped.oped_id);
    let nothing = f
        .post(
            &path,
            Some(&cookie),
            &[("csrf", &csrf), ("action", "accept_machine")],
        )
        .await;
    assert_eq!(nothing.status, StatusCode::CONFLICT);
    assert!(
        nothing.body.contains("no machine translation"),
        "{}",
        nothing.body
    );
    assert!(f.completed().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_deadline_a_reviewed_language_is_reported_and_its_machine_text_can_be_accepted() {
    let url = provider_server(pseudo::Options::default()).await;
    let f = Fixture::new(
        "budget = \"1h\"",
        &format!(
            "{}{}",
            policy("ar = \"machine+review\""),
            providers_toml(&[("libretranslate", &url)])
        ),
    )
    .await;
    let slow = add_translator(&f, "Nadia Karim", &["en>ar"], 3).await;
    let mut oped = approved();
    oped.target_languages = vec![LanguageCode::parse("ar").unwrap()];
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    answer(&f, &offer_path(&f, &slow), "claim", None).await;

    // The hour passes with the job claimed but not submitted.
    f.advance(Duration::minutes(61)).await;
    let failed = f.failed();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].reason.contains("has not submitted"),
        "{}",
        failed[0].reason
    );
    assert!(
        failed[0]
            .reason
            .contains("machine translation can be accepted")
    );

    let cookie = f.sign_in(TOKEN).await;
    let csrf = f.console_csrf(&cookie).await;
    let path = format!("/console/opeds/{}/ar", oped.oped_id);
    let accepted = f
        .post(
            &path,
            Some(&cookie),
            &[("csrf", &csrf), ("action", "accept_machine")],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let ar = &f.completed()["ar"];
    assert_eq!(ar.len(), 1);
    assert_eq!(ar[0].method, TranslationMethod::Machine);
    // The translator who held it is told, and can no longer submit.
    let told = f.mails_to(slow.email.as_str());
    assert!(
        told.iter()
            .any(|m| m.mail.subject.starts_with("No longer yours")),
        "{told:?}"
    );
    let late = answer(&f, &offer_path(&f, &slow), "submit", Some(("t", "b"))).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(f.completed()["ar"].len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_is_translated_again_and_its_translator_told_what_changed() {
    let url = provider_server(pseudo::Options::default()).await;
    let f = Fixture::new(
        "",
        &format!(
            "{}{}",
            policy("ar = \"human\""),
            providers_toml(&[("libretranslate", &url)])
        ),
    )
    .await;
    let first = add_translator(&f, "Omar Said", &["en>ar"], 1).await;
    let _other = add_translator(&f, "Sara Haddad", &["en>ar"], 5).await;
    let mut oped = approved();
    oped.target_languages = ["en", "ar", "fr"]
        .iter()
        .map(|l| LanguageCode::parse(l).unwrap())
        .collect();
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    let link = offer_path(&f, &first);
    answer(&f, &link, "claim", None).await;
    answer(&f, &link, "submit", Some(("عنوان", "نص"))).await;
    assert_eq!(f.completed()["ar"].len(), 1);

    let corrected = rrm_contracts::OpedCorrected {
        alert_id: oped.alert_id,
        oped_id: oped.oped_id,
        title: oped.title.clone(),
        body: "Whatever the law allows, contempt is never an argument.".into(),
        version_hash: "cd".repeat(32),
        note: "a word".into(),
        standfirst: oped.standfirst.clone(),
        signatories: oped.signatories.clone(),
        manifest: None,
    };
    f.deliver(Event::OpedCorrected(corrected.clone())).await;
    f.machine().await;

    // The translator is told what changed, and offered the corrected text first.
    let mails = f.mails_to(first.email.as_str());
    let told = mails
        .iter()
        .find(|m| m.mail.subject.starts_with("Corrected"))
        .unwrap();
    assert!(told.mail.text.contains("{+never+}"), "{}", told.mail.text);
    let job = f.job(oped.oped_id, "ar");
    assert_eq!(job.round, 1);
    assert!(matches!(job.stage, Stage::Offered { translator, .. } if translator == first.id));
    // The old link is closed; the new one works.
    let old = f.get(&link, None).await;
    assert!(
        old.body.contains("was corrected since this link was sent"),
        "{}",
        old.body
    );
    let new = offer_path(&f, &first);
    assert_ne!(new, link);
    answer(&f, &new, "claim", None).await;
    answer(&f, &new, "submit", Some(("عنوان", "نص مصحح"))).await;

    let completed = f.completed();
    for language in ["en", "ar", "fr"] {
        let events = &completed[language];
        assert_eq!(
            events.len(),
            2,
            "{language}: the approved and the corrected text"
        );
        assert_eq!(events[1].source_version_hash, corrected.version_hash);
    }
    assert_eq!(completed["ar"][1].body, "نص مصحح");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_cancels_open_jobs_and_tells_their_translators() {
    let url = provider_server(pseudo::Options::default()).await;
    let f = Fixture::new(
        "",
        &format!(
            "{}{}",
            policy("ar = \"human\""),
            providers_toml(&[("libretranslate", &url)])
        ),
    )
    .await;
    let t = add_translator(&f, "Omar Said", &["en>ar"], 1).await;
    let mut oped = approved();
    oped.target_languages = ["ar", "fr"]
        .iter()
        .map(|l| LanguageCode::parse(l).unwrap())
        .collect();
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    let link = offer_path(&f, &t);
    answer(&f, &link, "claim", None).await;

    f.deliver(Event::OpedWithdrawn(rrm_contracts::OpedWithdrawn {
        alert_id: oped.alert_id,
        oped_id: oped.oped_id,
        reason: "facts changed".into(),
    }))
    .await;

    assert_eq!(f.job(oped.oped_id, "ar").stage, Stage::Cancelled);
    assert_eq!(
        f.job(oped.oped_id, "fr").stage,
        Stage::Done,
        "what was done stays done"
    );
    let told = f.mails_to(t.email.as_str());
    assert!(
        told.iter()
            .any(|m| m.mail.text.contains("withdrawn: facts changed")),
        "{told:?}"
    );
    let page = answer(&f, &link, "submit", Some(("t", "b"))).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("withdrawn"));
    assert_eq!(store::load_committed(&f.app.store, t.id).unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatories_read_a_machine_translation_translated_back() {
    let url = provider_server(pseudo::Options::default()).await;
    let f = Fixture::new("", &providers_toml(&[("libretranslate", &url)])).await;
    let mut oped = approved();
    oped.body = "Amina Haddad writes: contempt is not an argument.".into();
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    let member = oped.signatories[0].member_id;
    let token = f
        .app
        .links
        .sign(CHECK, &member.to_string(), &oped.oped_id.to_string(), None);
    let path = format!("/check/{token}");
    let page = f.get(&path, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Translate it back into en"));

    let back = f
        .post(
            &path,
            None,
            &[("csrf", &f.app.links.csrf_for(&token)), ("language", "fr")],
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert!(
        back.body.contains("Translated back into en"),
        "{}",
        back.body
    );
    assert!(
        back.body.contains("⟦en⟧"),
        "the pseudo provider marks its target language"
    );
    assert!(
        back.body.contains("Amina Haddad"),
        "names survive both ways"
    );

    // Someone who did not sign is refused; a forged link too.
    let stranger = f.app.links.sign(
        CHECK,
        &Uuid::now_v7().to_string(),
        &oped.oped_id.to_string(),
        None,
    );
    assert_eq!(
        f.get(&format!("/check/{stranger}"), None).await.status,
        StatusCode::FORBIDDEN
    );
    let forged = format!("{}x", &path);
    assert_ne!(f.get(&forged, None).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_lists_op_eds_and_shows_each_language_side_by_side() {
    let url = provider_server(pseudo::Options::default()).await;
    let f = Fixture::new(
        "",
        &format!(
            "{}{}",
            policy("ar = \"machine+review\""),
            providers_toml(&[("libretranslate", &url)])
        ),
    )
    .await;
    let oped = approved();
    f.deliver(Event::OpedApproved(oped.clone())).await;
    f.machine().await;
    let cookie = f.sign_in(READER).await;

    // Signed out, the console sends to the sign-in page.
    let out = f.get("/console", None).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);

    let list = f.get("/console", Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Burning a holy book burns bridges"));
    assert!(
        list.body
            .contains(&format!("/console/opeds/{}", oped.oped_id))
    );

    // Intake's alert page links by alert id.
    let by_alert = f
        .get(&format!("/console/alerts/{}", oped.alert_id), Some(&cookie))
        .await;
    assert_eq!(by_alert.status, StatusCode::SEE_OTHER);
    assert!(
        by_alert
            .location()
            .ends_with(&format!("/console/opeds/{}", oped.oped_id))
    );
    let unknown = f
        .get(
            &format!("/console/alerts/{}", Uuid::now_v7()),
            Some(&cookie),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // One op-ed: each language's row; a reader sees no buttons.
    let page = f
        .get(&format!("/console/opeds/{}", oped.oped_id), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for language in ["ar", "es", "fr", "ru", "zh"] {
        assert!(
            page.body.contains(&format!("id=\"job-{language}\"")),
            "{language}"
        );
    }
    assert!(page.body.contains("machine+review"));
    assert!(
        page.body.contains("libretranslate@127.0.0.1"),
        "the provider is shown"
    );
    assert!(!page.body.contains("Retry machine"), "a reader cannot act");

    // One language: source and machine text side by side, right to left for Arabic.
    let job = f
        .get(
            &format!("/console/opeds/{}/ar", oped.oped_id),
            Some(&cookie),
        )
        .await;
    assert_eq!(job.status, StatusCode::OK);
    assert!(job.body.contains("Machine translation"));
    assert!(job.body.contains("dir=\"rtl\""));
    assert!(job.body.contains("⟦ar⟧"));
    let missing = f
        .get(
            &format!("/console/opeds/{}/xx", oped.oped_id),
            Some(&cookie),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
