//! Drafting as its people drive it, through the real services, e-mails and pages: a signatory
//! asks for changes with a comment; the author gets it by e-mail, changes the text and sends it
//! out again; everyone is asked to sign anew with what changed shown word by word, and the old
//! signing link answers 409 and signs nothing. Signed by every author, the op-ed reaches the
//! editors, and its signature manifest verifies with the openssl CLI exactly as editors check it
//! (and fails once one byte is changed). A coordinator then corrects it in drafting's console —
//! the authors sign the correction — and withdraws it: intake's timeline says both, with the note
//! and the reason, and the signatories are e-mailed the withdrawal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, Result, bail, ensure};
use rrm_devtools::maildump::CapturedMail;
use rrm_e2e::{BOOTSTRAP_TOKEN, Page, Stack, exclusive, flow, link, signed_hash};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const STEP: Duration = Duration::from_secs(60);
const COMMENT: &str = "Please say plainly that we condemn the violence on every side.";
const CHANGED_BODY: &str = "We write as a Muslim, a Jew, a Christian and a Hindu.\n\nWhatever the law allows, *contempt* is not an argument. We condemn violence on every side, and we ask every community to answer provocation with presence.";
const CORRECTED_BODY: &str = "We write as a Muslim, a Jew, a Christian and a Hindu.\n\nWhatever the law allows, *contempt* is not an argument. We condemn violence on every side, and we ask every community to answer provocation with presence and patience.";
const NOTE: &str = "Adds and patience to the closing sentence.";
const REASON: &str = "The event was misreported: no holy book was burned.";

/// The captured mails to `to` whose subject starts with `prefix`, oldest first, one per
/// `Message-ID`.
fn mails_to(mails: &[CapturedMail], to: &str, prefix: &str) -> Vec<CapturedMail> {
    let mut seen = std::collections::BTreeSet::new();
    mails
        .iter()
        .filter(|m| m.subject.starts_with(prefix) && m.envelope_to.iter().any(|t| t == to))
        .filter(|m| {
            m.message_id
                .as_ref()
                .is_none_or(|id| seen.insert(id.clone()))
        })
        .cloned()
        .collect()
}

/// Waits until each of `authors` has a signing request for a version other than those in
/// `seen`; returns each author's newest one, in the order of `authors`.
async fn new_signing_requests(
    stack: &Stack,
    authors: &[String],
    seen: &[String],
) -> Result<Vec<CapturedMail>> {
    let newest = |mails: &[CapturedMail], to: &str| {
        mails_to(mails, to, "Please sign the op-ed:")
            .into_iter()
            .rfind(|m| signed_hash(m).is_ok_and(|h| !seen.contains(&h)))
    };
    let mails = stack
        .wait_mails("new signing requests", STEP, |m| {
            authors.iter().all(|a| newest(m, a).is_some())
        })
        .await?;
    Ok(authors.iter().filter_map(|a| newest(&mails, a)).collect())
}

/// Every author opens their link from `requests`, checks the hash and `shown` on the page, and
/// co-signs; returns the heading of the last answer.
async fn sign(stack: &Stack, requests: &[CapturedMail], shown: &str) -> Result<String> {
    let mut last = String::new();
    for mail in requests {
        let hash = signed_hash(mail)?;
        let url = link(mail, &format!("{}/sign/", stack.url("drafting")))?;
        let page = stack.get_page(&url).await?;
        ensure!(page.status == 200, "signing page answered {}", page.status);
        ensure!(
            page.text().contains(&hash) && page.text().contains(shown),
            "the signing page lacks the hash or {shown:?}: {}",
            page.text()
        );
        let done = page.submit_form(&stack.http, &url, "sign", &[]).await?;
        ensure!(
            done.status == 200,
            "signing answered {}: {}",
            done.status,
            done.text()
        );
        last = done.text();
    }
    Ok(last)
}

/// A coordinator signed in to drafting's console: an HTTP client sending the session cookie.
async fn sign_in(stack: &Stack) -> Result<reqwest::Client> {
    let drafting = stack.url("drafting");
    let r = stack
        .http
        .post(format!("{drafting}/console/sign-in"))
        .form(&[("token", BOOTSTRAP_TOKEN)])
        .send()
        .await?;
    ensure!(
        r.status() == 303 || r.status() == 302,
        "signing in answered {}: {}",
        r.status(),
        r.text().await.unwrap_or_default()
    );
    let cookie = r
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("rrm_session="))
        .and_then(|v| v.split(';').next())
        .context("signing in set no session cookie")?
        .to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse()?);
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .default_headers(headers)
        .build()?)
}

/// GETs a console page, which must answer 200.
async fn console_page(console: &reqwest::Client, url: &str) -> Result<Page> {
    let r = console.get(url).send().await?;
    let page = Page {
        status: r.status().as_u16(),
        html: r.text().await?,
    };
    ensure!(
        page.status == 200,
        "GET {url} answered {}: {}",
        page.status,
        page.text()
    );
    Ok(page)
}

/// The href of the first link on `page` for which `wanted` holds.
fn href(page: &Page, wanted: impl Fn(&str) -> bool) -> Option<String> {
    let doc = scraper::Html::parse_document(&page.html);
    let a = scraper::Selector::parse("a[href]").unwrap();
    doc.select(&a)
        .filter_map(|e| e.attr("href"))
        .find(|h| wanted(h))
        .map(str::to_owned)
}

/// Waits until the alert's timeline (intake's API) has an entry reading `summary`.
async fn wait_timeline(stack: &Stack, alert_id: &str, summary: &str) -> Result<()> {
    let deadline = Instant::now() + STEP;
    loop {
        let r = stack
            .http
            .get(format!(
                "{}/api/v1/alerts/{alert_id}/timeline",
                stack.url("intake")
            ))
            .bearer_auth(BOOTSTRAP_TOKEN)
            .send()
            .await?
            .error_for_status()?;
        let json: serde_json::Value = r.json().await?;
        let entries: Vec<String> = json["timeline"]
            .as_array()
            .context("no timeline in the answer")?
            .iter()
            .filter_map(|e| e["summary"].as_str().map(str::to_owned))
            .collect();
        if entries.iter().any(|e| e == summary) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "the timeline never read {summary:?}:\n{}",
                entries.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `openssl pkeyutl -verify` as editors run it, in `dir`; whether the signature verified.
fn openssl_verifies(dir: &Path) -> Result<bool> {
    let out = Command::new("openssl")
        .args([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "key.pem",
            "-rawin",
            "-in",
            "manifest.json",
            "-sigfile",
            "manifest.sig",
        ])
        .current_dir(dir)
        .output()
        .context(
            "the openssl CLI is needed to check manifests as editors do: apt-get install openssl",
        )?;
    Ok(out.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_asked_by_mail_then_signed_verified_corrected_and_withdrawn() {
    let _one_at_a_time = exclusive().await;
    let stack = Stack::start().await.unwrap();
    let drafting = stack.url("drafting");
    let alert_id = flow::raise(&stack).await.unwrap();
    flow::accept_invitations(&stack, 4).await.unwrap();
    let authors = flow::write_and_submit(&stack).await.unwrap();
    assert!(authors.len() >= 2, "a panel needs two authors: {authors:?}");
    let names = flow::author_names(&authors).unwrap();
    let (writer, reader) = (&authors[0], &authors[1]);

    // The second author reads the text and asks for changes, with a comment.
    let first = flow::signing_links(&stack, &authors).await.unwrap();
    let first_hashes: Vec<String> = first.iter().map(|m| signed_hash(m).unwrap()).collect();
    let mail = first
        .iter()
        .find(|m| m.envelope_to.contains(reader))
        .unwrap();
    let old_link = link(mail, &format!("{drafting}/sign/")).unwrap();
    let old_page = stack.get_page(&old_link).await.unwrap();
    assert_eq!(old_page.status, 200, "{}", old_page.text());
    let asked = old_page
        .submit_form(
            &stack.http,
            &old_link,
            "request_changes",
            &[("comment", COMMENT)],
        )
        .await
        .unwrap();
    assert_eq!(asked.status, 200, "{}", asked.text());
    assert!(
        asked.text().contains("Your request is sent"),
        "{}",
        asked.text()
    );

    // The first author is e-mailed the comment with a link to the draft, and changes the text.
    let mails = stack
        .wait_mails("the request for changes", STEP, |m| {
            m.iter().any(|m| {
                m.subject.contains("asks for changes to the op-ed")
                    && m.envelope_to.contains(writer)
            })
        })
        .await
        .unwrap();
    let request = mails
        .iter()
        .find(|m| m.subject.contains("asks for changes") && m.envelope_to.contains(writer))
        .unwrap();
    assert!(
        request
            .subject
            .starts_with(&flow::author_names(std::slice::from_ref(reader)).unwrap()[0]),
        "the request names who asks: {:?}",
        request.subject
    );
    let text = request.text.clone().unwrap_or_default();
    assert!(text.contains(COMMENT), "the comment is in the mail: {text}");
    let draft_link = link(request, &format!("{drafting}/drafts/")).unwrap();
    let draft = stack.get_page(&draft_link).await.unwrap();
    assert_eq!(draft.status, 200);
    assert!(
        draft.text().contains(COMMENT),
        "the draft shows the request: {}",
        draft.text()
    );
    let saved = draft
        .submit_form(
            &stack.http,
            &draft_link,
            "submit",
            &[("title", flow::TITLE), ("body", CHANGED_BODY)],
        )
        .await
        .unwrap();
    assert_eq!(saved.status, 200, "{}", saved.text());
    assert!(
        saved
            .text()
            .contains("every signatory has been sent a link"),
        "{}",
        saved.text()
    );

    // Both authors are asked to sign the new version, shown what changed word by word.
    let second = new_signing_requests(&stack, &authors, &first_hashes)
        .await
        .unwrap();
    for m in &second {
        let text = m.text.clone().unwrap_or_default();
        assert!(
            text.contains("What changed") && text.contains("[-") && text.contains("{+"),
            "{:?} to {:?} does not show what changed: {text}",
            m.subject,
            m.envelope_to
        );
        assert!(text.contains("condemn"), "{text}");
    }

    // The old link is void: it answers 409 and signs nothing.
    let stale = old_page
        .submit_form(&stack.http, &old_link, "sign", &[])
        .await
        .unwrap();
    assert_eq!(stale.status, 409, "{}", stale.text());
    assert!(
        stale.text().contains("This signing request was withdrawn"),
        "{}",
        stale.text()
    );
    let reopened = stack.get_page(&old_link).await.unwrap();
    assert!(
        reopened
            .text()
            .contains("This signing request was withdrawn")
            && !reopened.html.contains("<form"),
        "the old link still offers to sign: {}",
        reopened.text()
    );
    let reader_new = link(&second[1], &format!("{drafting}/sign/")).unwrap();
    let fresh = stack.get_page(&reader_new).await.unwrap();
    assert!(
        !fresh.text().contains('✓'),
        "a signature was recorded through the void link: {}",
        fresh.text()
    );

    // Both sign the new version: it is approved and reaches every editor.
    let answer = sign(&stack, &second, "condemn").await.unwrap();
    assert!(answer.contains("the op-ed is approved"), "{answer}");
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let oped = flow::assert_distributed(&stack, &refs, 0).await.unwrap();
    let approved_hash = signed_hash(&second[0]).unwrap();
    assert!(
        oped.iter().all(|m| m
            .text
            .as_deref()
            .unwrap_or_default()
            .contains(&approved_hash)),
        "editors got another version than the one signed"
    );

    // The console's page of the draft links to the manifest, its signature and the public key.
    let console = sign_in(&stack).await.unwrap();
    let r = console
        .get(format!("{drafting}/console/alerts/{alert_id}"))
        .send()
        .await
        .unwrap();
    let draft_url = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("the alert's draft is not found: {}", r.status()));
    let deadline = Instant::now() + STEP;
    let (manifest, signature, key) = loop {
        let page = console_page(&console, &draft_url).await.unwrap();
        let manifest = href(&page, |h| h.contains("/manifests/") && h.ends_with(".json"));
        let signature = href(&page, |h| h.contains("/manifests/") && h.ends_with(".sig"));
        let key = href(&page, |h| h.contains("/keys/") && h.ends_with(".pem"));
        if let (Some(m), Some(s), Some(k)) = (manifest, signature, key) {
            break (m, s, k);
        }
        assert!(
            Instant::now() < deadline,
            "the draft page never linked the manifest: {}",
            page.text()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(
        manifest.ends_with(&format!("/{approved_hash}.json")),
        "{manifest}"
    );

    // Editors download the three files and check them with openssl.
    let dir = tempfile::tempdir().unwrap();
    for (url, file) in [
        (&manifest, "manifest.json"),
        (&signature, "manifest.sig"),
        (&key, "key.pem"),
    ] {
        let r = stack.http.get(url).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {url}");
        std::fs::write(dir.path().join(file), r.bytes().await.unwrap()).unwrap();
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert!(
        json.to_string().contains(&approved_hash),
        "the manifest names the signed version: {json}"
    );
    assert!(
        openssl_verifies(dir.path()).unwrap(),
        "openssl does not verify the manifest's signature"
    );
    let mut bytes = std::fs::read(dir.path().join("manifest.json")).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(dir.path().join("manifest.json"), bytes).unwrap();
    assert!(
        !openssl_verifies(dir.path()).unwrap(),
        "openssl verifies a manifest with one byte changed"
    );

    // A coordinator corrects the op-ed with a note; the authors are asked to sign the correction.
    let page = console_page(&console, &draft_url).await.unwrap();
    let corrected = page
        .submit_form(
            &console,
            &draft_url,
            "Correct",
            &[("body", CORRECTED_BODY), ("note", NOTE)],
        )
        .await
        .unwrap();
    assert_eq!(
        corrected.status,
        303,
        "correcting answered {}: {}",
        corrected.status,
        corrected.text()
    );
    let mut seen = first_hashes.clone();
    seen.extend(second.iter().map(|m| signed_hash(m).unwrap()));
    let third = new_signing_requests(&stack, &authors, &seen).await.unwrap();
    for m in &third {
        let text = m.text.clone().unwrap_or_default();
        assert!(
            text.contains("The coordinators corrected the op-ed") && text.contains(NOTE),
            "{:?} does not mention the correction: {text}",
            m.subject
        );
    }
    let answer = sign(&stack, &third, "patience").await.unwrap();
    assert!(answer.contains("the correction is published"), "{answer}");
    wait_timeline(&stack, &alert_id, &format!("op-ed corrected: {NOTE}"))
        .await
        .unwrap();

    // The coordinator withdraws it with a reason: on the timeline, and e-mailed to the signatories.
    let page = console_page(&console, &draft_url).await.unwrap();
    let withdrawn = page
        .submit_form(
            &console,
            &draft_url,
            "Withdraw the op-ed",
            &[("reason", REASON)],
        )
        .await
        .unwrap();
    assert_eq!(
        withdrawn.status,
        303,
        "withdrawing answered {}: {}",
        withdrawn.status,
        withdrawn.text()
    );
    let after = console_page(&console, &draft_url).await.unwrap();
    assert!(
        after.text().contains(REASON) && after.text().contains("Withdrawn"),
        "{}",
        after.text()
    );
    wait_timeline(&stack, &alert_id, &format!("op-ed withdrawn: {REASON}"))
        .await
        .unwrap();
    let mails = stack
        .wait_mails("the withdrawal mails", STEP, |m| {
            authors
                .iter()
                .all(|a| !mails_to(m, a, "The op-ed you signed was withdrawn:").is_empty())
        })
        .await
        .unwrap();
    for a in &authors {
        let m = &mails_to(&mails, a, "The op-ed you signed was withdrawn:")[0];
        assert!(
            m.text.as_deref().unwrap_or_default().contains(REASON),
            "{:?} lacks the reason",
            m.subject
        );
    }
}
