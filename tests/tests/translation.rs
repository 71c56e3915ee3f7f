//! Translation as its people drive it, through the real services, e-mails and pages (the
//! translator's and the signatory's in a real browser: headless Chromium over WebDriver): the
//! first machine-translation provider is down for good, so every machine language is delivered
//! by the second (the fallback); Arabic goes through human review — its translator, added
//! with `rrm translators add`, is e-mailed an offer, opens the link, sees the source and the
//! machine's pre-draft side by side, claims the job, corrects the text and submits it — and
//! editors receive every language once, the Arabic credited to its translator. The
//! coordinators' console shows each language's provider; a signatory follows the link on their
//! signing page and reads the French translated back into English.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared with the console's test, which uses more of it.
#[allow(dead_code)]
mod browser;

use anyhow::{Context, Result, ensure};
use browser::Browser;
use rrm_devtools::maildump::CapturedMail;
use rrm_e2e::{BOOTSTRAP_TOKEN, Stack, exclusive, flow, free_port, link};
use std::time::{Duration, Instant};

const STEP: Duration = Duration::from_secs(60);
const TRANSLATOR: &str = "Layla Nasser";
const TRANSLATOR_EMAIL: &str = "layla.nasser@translators.example.org";
const REVIEWED: &str = "Reviewed by a person.";

/// Adds the Arabic reviewer with the coordinators' command line (`rrm translators add`),
/// retrying while the bootstrap token is still on its way to translation; then lists them.
async fn add_translator(stack: &Stack) -> Result<()> {
    let give_up = Instant::now() + STEP;
    loop {
        let out = stack.rrm(&[
            "translators",
            "add",
            "--name",
            TRANSLATOR,
            "--email",
            TRANSLATOR_EMAIL,
            "--pair",
            "en>ar",
            "--capacity",
            "2",
        ])?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            ensure!(
                stdout.starts_with("added: "),
                "rrm translators add printed {stdout}"
            );
            break;
        }
        // Exit 1: the service refused (401 until the token has arrived).
        ensure!(
            out.status.code() == Some(1) && Instant::now() < give_up,
            "rrm translators add failed: {stdout}{stderr}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed = stack.rrm(&["translators", "list", "--language", "ar"])?;
    let table = String::from_utf8_lossy(&listed.stdout);
    ensure!(
        listed.status.success() && table.contains(TRANSLATOR) && table.contains("en>ar"),
        "rrm translators list: {table}"
    );
    Ok(())
}

fn offers(mails: &[CapturedMail]) -> Vec<CapturedMail> {
    mails
        .iter()
        .filter(|m| {
            m.subject.starts_with("Review into ar")
                && m.envelope_to.iter().any(|t| t == TRANSLATOR_EMAIL)
        })
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_down_for_good_falls_back_and_a_reviewed_language_credits_its_translator()
-> Result<()> {
    let _guard = exclusive().await;
    let mut stack = Stack::start_only(&["intake", "roster", "drafting", "distribution"]).await?;
    // The first provider answers nothing, ever; the second is the harness's pseudo translator.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let fallback = stack.translate_url();
    stack.set_env("translation", "RRM_TRANSLATION__PROVIDERS__0__URL", &dead);
    stack.set_env(
        "translation",
        "RRM_TRANSLATION__PROVIDERS__1__KIND",
        "libretranslate",
    );
    stack.set_env(
        "translation",
        "RRM_TRANSLATION__PROVIDERS__1__URL",
        &fallback,
    );
    stack.set_env("translation", "RRM_TRANSLATION__MAX_ATTEMPTS", "1");
    stack.set_env(
        "translation",
        "RRM_TRANSLATION__POLICY__LANGUAGES__AR",
        "machine+review",
    );
    stack.start_service("translation")?;
    stack.wait_ready("translation").await?;
    add_translator(&stack).await?;

    let alert_id = flow::raise(&stack).await?;
    flow::accept_invitations(&stack, 4).await?;
    let authors = flow::write_and_submit(&stack).await?;
    flow::sign_all(&stack, &authors).await?;

    // The reviewer is offered Arabic, with the machine's pre-draft beside the source.
    let mails = stack
        .wait_mails("the Arabic offer", STEP, |m| !offers(m).is_empty())
        .await?;
    let offer = offers(&mails).remove(0);
    let page_link = link(&offer, &format!("{}/offers/", stack.url("translation")))?;
    let browser = Browser::start().await?;
    browser.goto(&page_link).await?;
    let text = browser.text("main").await?;
    ensure!(
        text.contains("contempt"),
        "the offer page lacks the source: {text}"
    );
    ensure!(
        text.contains("⟦ar⟧"),
        "the offer page lacks the machine pre-draft: {text}"
    );
    browser.click("button[value=claim]").await?;
    wait_for_text(&browser, "Submit the translation").await?;
    // The form starts from the machine's text: the reviewer adds a sentence and submits.
    let body = browser
        .client
        .find(fantoccini::Locator::Css("textarea[name=body]"))
        .await?;
    ensure!(
        body.prop("value")
            .await?
            .unwrap_or_default()
            .contains("⟦ar⟧"),
        "the review form does not start from the machine text"
    );
    body.send_keys(&format!("\n\n{REVIEWED}")).await?;
    browser.click("button[value=submit]").await?;
    wait_for_text(&browser, "was submitted").await?;

    // Every editor gets each of their languages once; Arabic is the reviewed text, credited.
    let names = flow::author_names(&authors)?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let delivered = flow::assert_distributed(&stack, &names, 0).await?;
    for m in &delivered {
        let lang = m.content_language.clone().unwrap_or_default();
        let text = m.text.clone().unwrap_or_default();
        if lang == "ar" {
            ensure!(
                text.contains(REVIEWED),
                "the Arabic mail is not the reviewed text"
            );
            ensure!(
                text.contains(&format!("Translated by {TRANSLATOR}")),
                "the Arabic mail does not credit its translator"
            );
        } else {
            ensure!(
                !text.contains("Translated by"),
                "{lang} credits a translator"
            );
        }
    }

    // The first provider was never usable: each machine language came from the fallback,
    // which the console shows with the attempts.
    let jobs = console_jobs(&stack, &alert_id).await?;
    for language in ["es", "fr", "ru", "zh"] {
        let row = jobs
            .iter()
            .find(|r| r.starts_with(language))
            .with_context(|| format!("no {language} row in the console: {jobs:?}"))?;
        ensure!(
            row.contains("done (machine)") && row.contains(&fallback.replace("http://", "")),
            "{language}: {row}"
        );
    }
    let ar = jobs
        .iter()
        .find(|r| r.starts_with("ar"))
        .context("no ar row")?;
    ensure!(
        ar.contains("machine_reviewed") && ar.contains(TRANSLATOR),
        "ar: {ar}"
    );

    // A signatory follows the link on their signing page and has the French translated back.
    let signing = stack
        .mails()
        .into_iter()
        .find(|m| {
            m.subject.starts_with("Please sign the op-ed:")
                && m.envelope_to.iter().any(|to| authors.contains(to))
        })
        .context("no signing request to an author")?;
    let signing_link = link(&signing, &format!("{}/sign/", stack.url("drafting")))?;
    browser.goto(&signing_link).await?;
    browser.click("a[href*='/check/']").await?;
    wait_for_text(&browser, "in other languages").await?;
    browser.click("#lang-fr button").await?;
    wait_for_text(&browser, "Translated back into en").await?;
    let back = browser.text("#lang-fr .back-translation").await?;
    ensure!(
        back.contains("⟦en⟧"),
        "the back-translation is not in English: {back}"
    );
    browser.close().await?;

    // The reviewer is done: the command line pauses her, exports the list, and removes her.
    let listed = stack.rrm(&["--json", "translators", "list"])?;
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout)?;
    let layla = &listed["translators"][0];
    ensure!(layla["load"] == 0, "her job is done: {layla}");
    let id = layla["id"].as_str().context("no id")?.to_owned();
    let paused = stack.rrm(&["translators", "pause", &id])?;
    ensure!(
        String::from_utf8_lossy(&paused.stdout).contains("status    paused"),
        "rrm translators pause: {}",
        String::from_utf8_lossy(&paused.stdout)
    );
    let exported = stack.rrm(&["translators", "export"])?;
    ensure!(
        String::from_utf8_lossy(&exported.stdout)
            .contains(&format!("{TRANSLATOR},{TRANSLATOR_EMAIL},en>ar,2,paused")),
        "rrm translators export: {}",
        String::from_utf8_lossy(&exported.stdout)
    );
    ensure!(stack.rrm(&["translators", "remove", &id])?.status.success());
    let again = stack.rrm(&["translators", "remove", &id])?;
    ensure!(
        again.status.code() == Some(1),
        "removing twice is refused (404)"
    );
    Ok(())
}

/// Waits (up to 20 s) for the page's main text to contain `wanted`: a click returns before
/// the page it leads to has loaded.
async fn wait_for_text(browser: &Browser, wanted: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = browser.text("main").await.unwrap_or_default();
        if text.contains(wanted) {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "the page never said {wanted:?}: {text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The rows of the alert's op-ed in translation's console, as text, one per language.
async fn console_jobs(stack: &Stack, alert_id: &str) -> Result<Vec<String>> {
    let base = stack.url("translation");
    let signed_in = stack
        .http
        .post(format!("{base}/console/sign-in"))
        .form(&[("token", BOOTSTRAP_TOKEN), ("next", "/console")])
        .send()
        .await?;
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .context("no session cookie")?
        .to_str()?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let to_oped = stack
        .http
        .get(format!("{base}/console/alerts/{alert_id}"))
        .header("cookie", &cookie)
        .send()
        .await?;
    let location = to_oped
        .headers()
        .get("location")
        .context("the alert's op-ed is not in translation's console")?
        .to_str()?
        .to_owned();
    let html = stack
        .http
        .get(&location)
        .header("cookie", &cookie)
        .send()
        .await?
        .text()
        .await?;
    let doc = scraper::Html::parse_document(&html);
    let rows = scraper::Selector::parse("tr[id^=job-]").unwrap();
    Ok(doc
        .select(&rows)
        .map(|r| {
            r.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect())
}
