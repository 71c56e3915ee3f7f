//! Coordinators in drafting's console, signed in with their token: reading needs a session and
//! `alerts:read`, acting needs `alerts:write`; the final sign-off is bound to the version shown;
//! the published signature manifest verifies with the published key; corrections are signed
//! again or notified as configured; a withdrawal needs a reason and closes the op-ed; the audit
//! log's chain is checked on the page, as JSON and through the API, and tampering is detected;
//! versions and diffs are readable; overdue signatures show.

use super::*;
use crate::domain::manifest;
use base64::Engine;
use serde_json::Value;

fn draft_path(f: &Fixture) -> String {
    format!("/console/drafts/{}", f.draft_id)
}

/// An approved op-ed: Amina wrote it, both authors signed. Its hash.
async fn approved(f: &Fixture) -> String {
    let hash = f.save(0, "Common ground", "We stand together.").await;
    f.both_sign(&hash).await;
    assert_eq!(f.approved().len(), 1);
    hash
}

fn corrected(f: &Fixture) -> Vec<rrm_contracts::OpedCorrected> {
    f.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::OpedCorrected(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn withdrawn(f: &Fixture) -> Vec<rrm_contracts::OpedWithdrawn> {
    f.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::OpedWithdrawn(w) => Some(w),
            _ => None,
        })
        .collect()
}

fn manifest_json(signed: &rrm_contracts::SignedManifest) -> Value {
    serde_json::from_str(&signed.manifest).unwrap()
}

/// A coordinator's POST to one of the draft's actions, with the session's CSRF value.
async fn act(f: &Fixture, cookie: &str, action: &str, form: &[(&str, &str)]) -> Page {
    let page = f.get_as(&draft_path(f), Some(cookie)).await;
    let csrf = page.csrf();
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    f.post_as(
        &format!("{}/{action}", draft_path(f)),
        Some(cookie),
        &fields,
    )
    .await
}

async fn correct(f: &Fixture, cookie: &str, body: &str, note: &str) -> Page {
    act(
        f,
        cookie,
        "correct",
        &[
            ("title", "Common ground"),
            ("standfirst", ""),
            ("language", "en"),
            ("body", body),
            ("note", note),
        ],
    )
    .await
}

#[tokio::test]
async fn the_console_needs_a_session_and_a_reader_may_read_but_not_act() {
    let f = fixture().await;
    let page = f.get("/console").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        page.location().contains("/console/sign-in?next="),
        "{}",
        page.location()
    );
    let hash = approved(&f).await;

    let reader = f.sign_in(READER).await;
    let list = f.get_as("/console", Some(&reader)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("Burning"), "{}", list.body);
    let page = f.get_as(&draft_path(&f), Some(&reader)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("Correct the op-ed"), "no forms to act");

    let events = f.events().len();
    for (action, form) in [
        ("sign-off", vec![("hash", hash.as_str())]),
        (
            "correct",
            vec![
                ("title", "Common ground"),
                ("language", "en"),
                ("body", "Changed."),
                ("note", "A fix."),
            ],
        ),
        ("withdraw", vec![("reason", "Because.")]),
    ] {
        let refused = act(&f, &reader, action, &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action}");
        assert!(
            refused.body.contains("alerts:write"),
            "{action}: {}",
            refused.body
        );
    }
    assert_eq!(f.events().len(), events, "nothing changed");
    assert!(f.draft().withdrawn.is_none());
    assert_eq!(f.draft().current.as_deref(), Some(hash.as_str()));
}

#[tokio::test]
async fn the_list_shows_each_draft_where_it_stands_and_an_alert_leads_to_its_draft() {
    let f = fixture().await;
    let cookie = f.sign_in(TOKEN).await;
    let list = f.get_as("/console", Some(&cookie)).await;
    assert!(list.body.contains("Burning"), "{}", list.body);
    assert!(list.body.contains("<td>writing</td>"), "{}", list.body);
    f.save(0, "Common ground", "We stand together.").await;
    let list = f.get_as("/console", Some(&cookie)).await;
    assert!(
        list.body.contains("<td>out for signature</td>"),
        "{}",
        list.body
    );
    assert!(list.body.contains(&draft_path(&f)), "links to the draft");

    let alert = f.draft().panel.alert_id;
    let page = f
        .get_as(&format!("/console/alerts/{alert}"), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), format!("{PUBLIC}{}", draft_path(&f)));

    for unknown in [Uuid::now_v7().to_string(), "not-an-id".to_owned()] {
        let page = f
            .get_as(&format!("/console/alerts/{unknown}"), Some(&cookie))
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(
            page.body.contains("No draft for this alert yet"),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn with_final_sign_off_the_op_ed_is_approved_only_when_the_coordinator_signs_off_the_version_shown()
 {
    let f = fixture_with("final_signoff = true").await;
    let cookie = f.sign_in(TOKEN).await;
    let old = f.save(0, "Common ground", "We stand together.").await;
    let hash = f.save(1, "Common ground", "We stand united.").await;
    f.both_sign(&hash).await;
    assert!(f.approved().is_empty(), "the sign-off is awaited");
    let page = f.get_as(&draft_path(&f), Some(&cookie)).await;
    assert!(
        page.body.contains("awaiting the coordinator"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Sign off version 2"), "{}", page.body);
    assert_eq!(page.hidden("hash"), hash);

    for stale in [old.as_str(), "", "0123"] {
        let refused = act(&f, &cookie, "sign-off", &[("hash", stale)]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{stale:?}");
        assert!(
            refused.body.contains("Nothing was changed"),
            "{}",
            refused.body
        );
    }
    assert!(f.approved().is_empty());

    let done = act(&f, &cookie, "sign-off", &[("hash", &hash)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("{PUBLIC}{}", draft_path(&f)));
    let approved = f.approved();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].version_hash, hash);
    let manifest = manifest_json(approved[0].manifest.as_ref().unwrap());
    assert_eq!(manifest["signed_off_by"], "admin desk");

    // Once more: nothing is approved twice.
    let again = act(&f, &cookie, "sign-off", &[("hash", &hash)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(f.approved().len(), 1);
}

#[tokio::test]
async fn an_author_withdrawing_their_signature_while_the_sign_off_is_awaited_removes_the_sign_off()
{
    let f = fixture_with("final_signoff = true").await;
    let cookie = f.sign_in(TOKEN).await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    f.both_sign(&hash).await;
    assert!(
        f.get_as(&draft_path(&f), Some(&cookie))
            .await
            .body
            .contains("Sign off version")
    );
    let page = f.answer(1, &hash, "withdraw", "").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = f.get_as(&draft_path(&f), Some(&cookie)).await;
    assert!(!page.body.contains("Sign off version"), "{}", page.body);
    assert!(
        !page.body.contains("awaiting the coordinator"),
        "{}",
        page.body
    );
    assert!(page.body.contains("out for signature"), "{}", page.body);
    let refused = act(&f, &cookie, "sign-off", &[("hash", &hash)]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(f.approved().is_empty());
}

#[tokio::test]
async fn the_published_manifest_is_served_byte_for_byte_and_verifies_with_the_published_key() {
    let f = fixture().await;
    let hash = approved(&f).await;
    let approved = f.approved().remove(0);
    let signed = approved.manifest.unwrap();
    let path = signed.url.strip_prefix(PUBLIC).unwrap();
    let served = f.get(path).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body, signed.manifest, "the bytes as signed");

    let sig_path = path.replace(".json", ".sig");
    let request = Request::get(&sig_path).body(Body::empty()).unwrap();
    let router = api::routes(f.app.clone());
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let signature = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(signature.len(), 64);
    let given = base64::engine::general_purpose::STANDARD
        .decode(&signed.signature)
        .unwrap();
    assert_eq!(signature.as_ref(), given.as_slice());

    let pem = f.get("/keys/manifest.pem").await;
    assert_eq!(pem.status, StatusCode::OK);
    let by_id = f
        .get(signed.public_key_url.strip_prefix(PUBLIC).unwrap())
        .await;
    assert_eq!(by_id.body, pem.body);
    // The key served is the one kept on disk, which a restart loads again.
    let kept = crate::key_file::load_or_create(&f.dir.path().join("manifest-key.pem")).unwrap();
    assert_eq!(kept.public_key_pem(), pem.body);

    manifest::verify(&pem.body, served.body.as_bytes(), &signature).unwrap();
    let mut altered = served.body.clone().into_bytes();
    let at = served.body.find("Common ground").unwrap();
    altered[at] = b'K';
    assert!(manifest::verify(&pem.body, &altered, &signature).is_err());

    let json: Value = serde_json::from_str(&served.body).unwrap();
    assert_eq!(json["version_hash"], hash);
    assert_eq!(json["corrects"], Value::Null);
    assert_eq!(json["signed_off_by"], Value::Null);
    let signatories = json["signatories"].as_array().unwrap();
    assert_eq!(signatories.len(), 2);
    for (s, author) in signatories.iter().zip(&f.authors) {
        assert_eq!(s["name"], author.name.as_str());
        assert_eq!(s["title"], author.signs_as.as_str());
        assert_eq!(s["role"], "author");
        assert!(s["signed_at"].is_string(), "{s}");
    }
    let missing = f.get(&path.replace(&hash, &"0".repeat(64))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_correction_reaches_editors_once_every_author_signed_it_again() {
    let f = fixture().await;
    let cookie = f.sign_in(TOKEN).await;
    let first = approved(&f).await;
    let done = correct(&f, &cookie, "We stand united.", "A word was wrong.").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let new = f.hash_of("Common ground", "We stand united.");
    assert_eq!(f.draft().current.as_deref(), Some(new.as_str()));
    assert!(f.version(&new).correction);
    for author in &f.authors {
        let mails = f.mails_to(&author.email);
        let request = &mails.last().unwrap().mail;
        assert!(
            request.subject.starts_with("Please sign"),
            "{}",
            request.subject
        );
        assert!(
            request.text.contains("A word was wrong."),
            "{}",
            request.text
        );
        assert!(
            request.text.contains("[-together.-]{+united.+}"),
            "{}",
            request.text
        );
        assert!(request.text.contains(&new));
    }
    let page = f.get_as(&draft_path(&f), Some(&cookie)).await;
    assert!(
        page.body.contains("correction out for signature"),
        "{}",
        page.body
    );
    assert!(corrected(&f).is_empty());
    assert_eq!(f.sign(0, &new).await.status, StatusCode::OK);
    assert!(corrected(&f).is_empty(), "one author signed");
    assert_eq!(f.sign(1, &new).await.status, StatusCode::OK);

    let all = corrected(&f);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].note, "A word was wrong.");
    assert_eq!(all[0].version_hash, new);
    assert_eq!(all[0].body, "We stand united.");
    let names: Vec<&str> = all[0].signatories.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Amina", "David"]);
    let manifest = manifest_json(all[0].manifest.as_ref().unwrap());
    assert_eq!(manifest["corrects"], first.as_str());
    assert_eq!(manifest["version_hash"], new.as_str());
    assert_eq!(f.approved().len(), 1, "approved once");
}

#[tokio::test]
async fn a_correction_without_a_note_or_without_a_change_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let cookie = f.sign_in(TOKEN).await;
    let first = approved(&f).await;
    let events = f.events().len();
    let refused = correct(&f, &cookie, "We stand united, kept.", "  ").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("note:"), "{}", refused.body);
    assert!(
        refused.body.contains("We stand united, kept."),
        "the form is kept: {}",
        refused.body
    );
    let same = correct(&f, &cookie, "We stand together.", "Nothing really.").await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same.body.contains("nothing was changed"), "{}", same.body);
    assert_eq!(f.events().len(), events);
    assert_eq!(f.draft().current.as_deref(), Some(first.as_str()));
    assert_eq!(f.draft().versions, 1);
}

#[tokio::test]
async fn with_notified_corrections_the_correction_is_published_at_once_and_signatories_told() {
    let f = fixture_with("corrections = \"notify\"").await;
    let cookie = f.sign_in(TOKEN).await;
    let first = approved(&f).await;
    let approved_signatories = f.approved()[0].signatories.clone();
    let done = correct(&f, &cookie, "We stand united.", "A word was wrong.").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let new = f.hash_of("Common ground", "We stand united.");
    let all = corrected(&f);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].version_hash, new);
    assert_eq!(all[0].note, "A word was wrong.");
    assert_eq!(all[0].signatories, approved_signatories);
    let manifest = manifest_json(all[0].manifest.as_ref().unwrap());
    assert_eq!(manifest["signed_off_by"], "admin desk");
    assert_eq!(manifest["corrects"], first.as_str());
    let names: Vec<&str> = manifest["signatories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Amina", "David"]);
    for author in &f.authors {
        let mails = f.mails_to(&author.email);
        let told = &mails.last().unwrap().mail;
        assert!(told.subject.contains("was corrected"), "{}", told.subject);
        assert!(
            told.text.contains("[-together.-]{+united.+}"),
            "{}",
            told.text
        );
        assert!(told.text.contains("A word was wrong."), "{}", told.text);
    }
    assert_eq!(f.draft().published.unwrap().version_hash, new);
}

#[tokio::test]
async fn a_withdrawal_needs_a_reason_and_closes_the_op_ed() {
    let f = fixture().await;
    let cookie = f.sign_in(TOKEN).await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    let early = act(&f, &cookie, "withdraw", &[("reason", "Too early.")]).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "before approval");
    assert!(withdrawn(&f).is_empty());
    f.both_sign(&hash).await;

    let refused = act(&f, &cookie, "withdraw", &[("reason", " ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("a reason is needed"),
        "{}",
        refused.body
    );
    assert!(withdrawn(&f).is_empty());

    let done = act(
        &f,
        &cookie,
        "withdraw",
        &[("reason", "A signatory was misquoted.")],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let all = withdrawn(&f);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].reason, "A signatory was misquoted.");
    assert_eq!(Some(all[0].oped_id), f.draft().approved);
    for author in &f.authors {
        let mails = f.mails_to(&author.email);
        let told = &mails.last().unwrap().mail;
        assert!(told.subject.contains("was withdrawn"), "{}", told.subject);
        assert!(told.text.contains("A signatory was misquoted."));
    }
    let page = f.get(&f.edit_link(0)).await;
    assert!(page.body.contains("withdrew this op-ed"), "{}", page.body);
    let page = f.get_as(&draft_path(&f), Some(&cookie)).await;
    assert!(page.body.contains("Withdrawn"), "{}", page.body);

    let events = f.events().len();
    let again = act(&f, &cookie, "withdraw", &[("reason", "Twice.")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let correction = correct(&f, &cookie, "We stand united.", "A fix.").await;
    assert_eq!(correction.status, StatusCode::CONFLICT);
    assert_eq!(f.events().len(), events);

    let signing = f.get(&f.sign_link(1, &hash)).await;
    assert!(
        signing.body.contains("Signing is closed"),
        "{}",
        signing.body
    );
    let answer = f.sign(1, &hash).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer.body.contains("Signing is closed"), "{}", answer.body);
}

#[tokio::test]
async fn the_audit_log_shows_an_intact_chain_and_detects_an_altered_entry() {
    let f = fixture().await;
    let cookie = f.sign_in(TOKEN).await;
    let first = f.save(0, "Common ground", "We stand together.").await;
    assert_eq!(f.sign(0, &first).await.status, StatusCode::OK);
    let asked = f.answer(1, &first, "request_changes", "Say united.").await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let second = f.save(0, "Common ground", "We stand united.").await;
    f.both_sign(&second).await;
    assert_eq!(f.approved().len(), 1);

    let audit = format!("{}/audit", draft_path(&f));
    let page = f.get_as(&audit, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("The chain is intact"), "{}", page.body);
    for label in [
        "version saved",
        "submitted for signature",
        "signed",
        "changes requested",
        "signatures voided",
        "approved",
    ] {
        assert!(page.body.contains(&format!("<td>{label}</td>")), "{label}");
    }
    assert!(page.body.contains("Amina (author)"), "{}", page.body);
    assert!(page.body.contains("David (author)"), "{}", page.body);
    assert!(page.body.contains("Say united."), "{}", page.body);

    let json = f.get_as(&format!("{audit}.json"), Some(&cookie)).await;
    assert_eq!(json.status, StatusCode::OK);
    let report: Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(report["intact"], true);
    let entries = report["entries"].as_array().unwrap();
    let stored = store::audit_log(&f.app.store, f.draft_id).unwrap();
    assert_eq!(entries.len(), stored.len());
    assert!(entries.len() >= 9, "{entries:?}");

    let api = format!("/api/v1/drafts/{}/audit", f.draft_id);
    assert_eq!(f.get(&api).await.status, StatusCode::UNAUTHORIZED);
    let bearer = |token: &str| {
        Request::get(&api)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let answer = f.send(bearer(TOKEN)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let by_api: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(by_api["intact"], true);
    assert_eq!(by_api["entries"], report["entries"]);

    // Someone with access to the store rewrites what a request for changes said.
    let mut entry = stored
        .iter()
        .find(|e| e.action == crate::domain::audit::Action::ChangesRequested)
        .unwrap()
        .clone();
    let seq = entry.seq;
    entry.detail = "Looks fine.".into();
    let draft_id = f.draft_id;
    f.app
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            Ok(store::tamper_audit(tx, draft_id, &entry)?)
        })
        .await
        .unwrap();
    let page = f.get_as(&audit, Some(&cookie)).await;
    assert!(
        page.body
            .contains(&format!("The chain is broken at entry {seq}")),
        "{}",
        page.body
    );
    let json = f.get_as(&format!("{audit}.json"), Some(&cookie)).await;
    let report: Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["broken"]["seq"], seq);
    let by_api: Value = serde_json::from_str(&f.send(bearer(TOKEN)).await.body).unwrap();
    assert_eq!(by_api["intact"], false);
}

/// `text` as the templates print it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('`', "&#x60;")
        .replace('=', "&#x3D;")
}

#[tokio::test]
async fn each_version_page_shows_its_hash_and_canonical_text_and_versions_compare() {
    let f = fixture().await;
    let cookie = f.sign_in(TOKEN).await;
    let first = f.save(0, "Common ground", "We stand together.").await;
    let second = f.save(1, "Common ground", "We stand united.").await;
    for hash in [&first, &second] {
        let page = f
            .get_as(
                &format!("{}/versions/{hash}", draft_path(&f)),
                Some(&cookie),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(hash.as_str()));
        let v = f.version(hash);
        let canonical = String::from_utf8(text::canonical(&v.text(), &v.byline)).unwrap();
        assert!(
            page.body.contains(&escaped(&canonical)),
            "{canonical}: {}",
            page.body
        );
    }
    let page = f
        .get_as(
            &format!("{}/compare?from={first}&to={second}", draft_path(&f)),
            Some(&cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<del>together.</del>"), "{}", page.body);
    assert!(page.body.contains("<ins>united.</ins>"), "{}", page.body);

    let unknown = "0".repeat(64);
    for (path, words) in [
        (
            format!("{}/versions/{unknown}", draft_path(&f)),
            "No such version",
        ),
        (
            format!("{}/compare?from={first}&to={unknown}", draft_path(&f)),
            "No such version",
        ),
        (
            format!("/console/drafts/{}", Uuid::now_v7()),
            "No such draft",
        ),
        ("/console/drafts/not-an-id".to_owned(), "No such draft"),
        (
            format!("/console/drafts/{}/versions/{first}", Uuid::now_v7()),
            "No such version",
        ),
        (
            format!("/console/drafts/{}/audit", Uuid::now_v7()),
            "No such draft",
        ),
    ] {
        let page = f.get_as(&path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains(words), "{path}: {}", page.body);
        assert!(
            page.body.contains("<html"),
            "a readable page: {}",
            page.body
        );
    }
}

fn overdue(f: &Fixture, stage: rrm_contracts::PipelineStage) -> Event {
    let now = Utc::now();
    Event::StageOverdue(rrm_contracts::StageOverdue {
        alert_id: f.draft().panel.alert_id,
        stage,
        started_at: now - chrono::Duration::hours(1),
        due_at: now - chrono::Duration::minutes(5),
        deadline: now + chrono::Duration::hours(5),
    })
}

#[tokio::test]
async fn overdue_signatures_show_in_the_console_and_an_overdue_mobilisation_changes_nothing() {
    let f = fixture().await;
    let cookie = f.sign_in(TOKEN).await;
    f.save(0, "Common ground", "We stand together.").await;

    f.deliver(overdue(&f, rrm_contracts::PipelineStage::Mobilisation))
        .await;
    assert!(f.draft().overdue.is_empty());
    let page = f.get_as(&draft_path(&f), Some(&cookie)).await;
    assert!(!page.body.contains("class=\"overdue\""), "{}", page.body);

    f.deliver(overdue(&f, rrm_contracts::PipelineStage::Signatures))
        .await;
    assert_eq!(f.draft().overdue.len(), 1, "recorded once");
    let list = f.get_as("/console", Some(&cookie)).await;
    assert!(
        list.body
            .contains(r#"<span class="overdue">signatures</span>"#),
        "{}",
        list.body
    );
    let page = f.get_as(&draft_path(&f), Some(&cookie)).await;
    assert!(
        page.body.contains("signatures overdue since"),
        "{}",
        page.body
    );
}

async fn edit(f: &Fixture, cookie: &str, base: &str, body: &str, action: &str) -> Page {
    act(
        f,
        cookie,
        "edit",
        &[
            ("title", "Common ground"),
            ("standfirst", ""),
            ("language", "en"),
            ("base", base),
            ("body", body),
            ("action", action),
        ],
    )
    .await
}

#[tokio::test]
async fn a_coordinator_writes_in_the_draft_as_authors_do_and_loses_no_authors_edit() {
    let f = fixture().await;
    let cookie = f.sign_in(TOKEN).await;
    // The first version, written by the coordinator and sent out for signature.
    let page = edit(&f, &cookie, "", "We stand together.", "submit").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let draft = f.draft();
    let first = draft.current.clone().unwrap();
    assert_eq!(draft.submitted.as_deref(), Some(first.as_str()));
    let version = f.version(&first);
    assert_eq!(version.saved_by, "coordinator admin desk");
    assert_eq!(version.author_id, None);
    assert!(f.events().iter().any(
        |e| matches!(e, Event::DraftVersionCreated(v) if v.version_hash == first && v.author_id.is_none())
    ));
    for author in &f.authors {
        assert!(
            f.mails_to(&author.email)
                .iter()
                .any(|m| m.mail.subject.starts_with("Please sign")),
            "every author is asked to sign the coordinator's version"
        );
    }

    // An author saves meanwhile; the coordinator's edit based on the first version is refused,
    // their text kept, what the author changed shown.
    let second = f
        .save_with(0, "Common ground", "We stand united.", "save")
        .await;
    let page = edit(&f, &cookie, &first, "We stand together, always.", "save").await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("Not saved"), "{}", page.body);
    assert!(
        page.body.contains("We stand together, always."),
        "{}",
        page.body
    );
    assert!(page.body.contains("<ins>"), "{}", page.body);
    assert_eq!(page.hidden("base"), second);
    assert_eq!(f.draft().current.as_deref(), Some(second.as_str()));

    // A reader may not edit; a bad text is refused and saves nothing.
    let reader = f.sign_in(READER).await;
    let page = edit(&f, &reader, &second, "Mine.", "save").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = edit(&f, &cookie, &second, "   ", "save").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(f.draft().versions, 2);

    // Once approved, the console offers a correction, not an edit.
    f.save(1, "Common ground", "We stand united.").await;
    f.both_sign(&second).await;
    let page = edit(&f, &cookie, &second, "We stand, united.", "save").await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("correct it below"), "{}", page.body);
}
