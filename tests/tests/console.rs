//! The coordinator console in a real browser (headless Chromium over WebDriver) against the
//! real pipeline: sign in, raise an alert through the form — refused first for a bad field,
//! then raised with an Arabic title laid out right to left — and watch its stages advance as
//! members, authors and signatories act; then follow it to roster's console: the alert's panel
//! and why each member was invited, the members searched, one added after a refused line; and to
//! drafting's: the approved op-ed, its manifest and its audit log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;

use anyhow::{Result, bail};
use browser::Browser;
use rrm_e2e::{BOOTSTRAP_TOKEN, Stack, exclusive, flow};
use std::time::{Duration, Instant};

const TITLE: &str = "حرق كتاب مقدس في مالمو";

/// Reloads the alert page until stage `stage` is in `state` (the page also reloads itself).
async fn wait_for_stage(browser: &Browser, stage: &str, state: &str) -> Result<()> {
    let css = format!("ol.stages li[data-stage=\"{stage}\"]");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        // The page may be reloading itself just then: that is "not yet", not a failure.
        let now = browser
            .attr(&css, "data-state")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if now == state {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "stage {stage} is {now:?}, not {state:?}, after 90 s:\n{}",
                browser.text("ol.stages").await.unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let _ = browser.client.refresh().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_raises_an_alert_in_the_browser_and_watches_it_reach_the_editors() {
    let _one_at_a_time = exclusive().await;
    let stack = Stack::start().await.unwrap();
    let browser = Browser::start().await.unwrap();
    let intake = stack.url("intake");

    // Signed out, the console sends to the sign-in form; signing in comes back to it.
    browser.goto(&format!("{intake}/console")).await.unwrap();
    assert!(browser.url().await.unwrap().contains("/console/sign-in"));
    browser.fill("token", BOOTSTRAP_TOKEN).await.unwrap();
    browser
        .click("main form button[type=submit]")
        .await
        .unwrap();
    let console = format!("{intake}/console");
    browser.wait_for_url(|u| u == console).await.unwrap();
    assert_eq!(browser.text("h1").await.unwrap(), "Alerts");

    // The form refuses a language nobody translates to, says so under the field, keeps the rest.
    browser
        .click("a[href$=\"/console/alerts/new\"]")
        .await
        .unwrap();
    browser.fill("title", TITLE).await.unwrap();
    browser
        .fill("summary", "A holy book was burned in a public square; protests are spreading and communities blame each other.")
        .await
        .unwrap();
    browser
        .fill("regions", "europe, middle-east")
        .await
        .unwrap();
    browser.fill("topics", "religion, media").await.unwrap();
    browser.fill("languages", "ar, tlh").await.unwrap();
    browser
        .click("form.raise button[type=submit]")
        .await
        .unwrap();
    let message = browser.text("#languages-error").await.unwrap();
    assert!(message.contains("not a supported language"), "{message}");
    assert_eq!(
        browser.attr("#title", "value").await.unwrap().as_deref(),
        Some(TITLE),
        "what was typed is kept"
    );
    assert!(
        browser
            .url()
            .await
            .unwrap()
            .ends_with("/console/alerts/new")
    );

    // Empty languages: the six defaults. Raised, the alert's own page opens.
    browser.fill("languages", "").await.unwrap();
    browser
        .click("form.raise button[type=submit]")
        .await
        .unwrap();
    let url = browser
        .wait_for_url(|u| u.contains("/console/alerts/") && !u.contains("/console/alerts/new"))
        .await;
    let Ok(url) = url else {
        panic!("not on an alert page: {url:?}\n{}", browser.source().await);
    };
    let alert_id = url
        .split("/console/alerts/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .unwrap()
        .to_owned();
    assert_eq!(browser.text("#alert-title").await.unwrap(), TITLE);
    assert_eq!(
        browser.computed("#alert-title", "direction").await.unwrap(),
        "rtl",
        "an Arabic title is laid out right to left on the English page"
    );
    assert_eq!(browser.computed("html", "direction").await.unwrap(), "ltr");
    assert_eq!(
        browser
            .attr("ol.stages li[data-stage=\"mobilisation\"]", "data-state")
            .await
            .unwrap()
            .as_deref(),
        Some("running")
    );
    let api = stack.alert(&alert_id).await.unwrap();
    assert_eq!(api["title"], TITLE);
    assert_eq!(api["languages"].as_array().unwrap().len(), 6);

    // The people act; the page shows each stage finish.
    flow::accept_invitations(&stack, 4).await.unwrap();
    wait_for_stage(&browser, "mobilisation", "done")
        .await
        .unwrap();
    let authors = flow::write_and_submit(&stack).await.unwrap();
    wait_for_stage(&browser, "drafting", "done").await.unwrap();
    flow::sign_all(&stack, &authors).await.unwrap();
    wait_for_stage(&browser, "signatures", "done")
        .await
        .unwrap();
    wait_for_stage(&browser, "translation", "done")
        .await
        .unwrap();
    wait_for_stage(&browser, "distribution", "done")
        .await
        .unwrap();
    let progress = browser
        .text("ol.stages li[data-stage=\"distribution\"] .progress")
        .await
        .unwrap();
    assert!(progress.starts_with("6 of 6 languages"), "{progress}");
    let timeline = browser.text("table.timeline").await.unwrap();
    assert!(
        !timeline.contains("T0") && !timeline.contains("+00:00"),
        "readable times: {timeline}"
    );

    // The list shows it with the stage it reached.
    browser.goto(&format!("{intake}/console")).await.unwrap();
    let row = browser
        .text(&format!("tr[data-alert=\"{alert_id}\"]"))
        .await
        .unwrap();
    assert!(row.contains(TITLE) && row.contains("distributed"), "{row}");

    // The alert's page links to its panel in roster's console, which checks the same session
    // on its own: why each member was invited, and their answers.
    browser
        .goto(&format!("{intake}/console/alerts/{alert_id}"))
        .await
        .unwrap();
    browser
        .click("a[href*=\"/console/panels/\"]")
        .await
        .unwrap();
    let roster = stack.url("roster");
    browser
        .wait_for_url(|u| u.starts_with(&format!("{roster}/console/panels/")))
        .await
        .unwrap();
    let explanation = browser.text("p.explanation").await.unwrap();
    assert!(explanation.contains("share no line"), "{explanation}");
    let invitations = browser.text("table.invitations").await.unwrap();
    assert!(
        invitations.contains("accepted") && invitations.contains("topic religion +3"),
        "{invitations}"
    );

    // The navigation leads to roster's console: the members, searched.
    browser
        .click(&format!("nav a[href=\"{roster}/console\"]"))
        .await
        .unwrap();
    browser
        .wait_for_url(|u| u == format!("{roster}/console"))
        .await
        .unwrap();
    assert_eq!(browser.text("h1").await.unwrap(), "Members");
    browser.fill("q", "haddad").await.unwrap();
    browser.click("form.filters button").await.unwrap();
    browser
        .wait_for_url(|u| u.contains("q=haddad"))
        .await
        .unwrap();
    let members = browser.text("table.members").await.unwrap();
    assert!(
        members.contains("Amina Haddad") && !members.contains("David Levin"),
        "{members}"
    );

    // A member added by hand: an unknown line is refused under its field, what was typed kept.
    browser
        .goto(&format!("{roster}/console/members/new"))
        .await
        .unwrap();
    browser.fill("name", "Nadia Benali").await.unwrap();
    browser
        .fill("email", "nadia.benali@members.rrm.localhost")
        .await
        .unwrap();
    browser.fill("lines", "muslim, martian").await.unwrap();
    browser.fill("languages_written", "fr, ar").await.unwrap();
    browser
        .click("main form button[type=submit]")
        .await
        .unwrap();
    let message = browser.text("#lines-error").await.unwrap();
    assert!(message.contains("not a configured line"), "{message}");
    assert_eq!(
        browser.attr("#name", "value").await.unwrap().as_deref(),
        Some("Nadia Benali")
    );
    browser.fill("lines", "muslim, africa").await.unwrap();
    browser
        .click("main form button[type=submit]")
        .await
        .unwrap();
    browser
        .wait_for_url(|u| u.contains("/console/members/") && !u.ends_with("/new"))
        .await
        .unwrap();
    assert_eq!(browser.text("h1").await.unwrap(), "Nadia Benali");

    // The alert's page links to its op-ed in drafting's console: approved, who signed, the
    // manifest editors verify, and the audit log with its chain intact.
    browser
        .goto(&format!("{intake}/console/alerts/{alert_id}"))
        .await
        .unwrap();
    let drafting = stack.url("drafting");
    browser
        .click(&format!("a[href^=\"{drafting}/console/alerts/\"]"))
        .await
        .unwrap();
    browser
        .wait_for_url(|u| u.starts_with(&format!("{drafting}/console/drafts/")))
        .await
        .unwrap();
    let page = browser.text("main").await.unwrap();
    assert!(page.contains("It stands: approved"), "{page}");
    assert!(page.contains("What editors have: version 1"), "{page}");
    assert!(page.contains("Signature manifest"), "{page}");
    browser.click("a[href$=\"/audit\"]").await.unwrap();
    browser
        .wait_for_url(|u| u.ends_with("/audit"))
        .await
        .unwrap();
    let audit = browser.text("main").await.unwrap();
    assert!(audit.contains("The chain is intact"), "{audit}");
    assert!(
        audit.contains("version saved") && audit.contains("approved"),
        "{audit}"
    );

    // Distribution's status page, signed in, nothing left to send.
    browser
        .goto(&format!("{}/console", stack.url("distribution")))
        .await
        .unwrap();
    assert_eq!(
        browser.text("h1").await.unwrap(),
        "Distribution: status",
        "{}",
        browser.source().await
    );
    let status = browser.text("main").await.unwrap();
    assert!(status.contains("0 still to send"), "{status}");
    assert!(
        browser
            .text("header")
            .await
            .unwrap()
            .contains("Signed in as")
    );

    browser.close().await.unwrap();
}
