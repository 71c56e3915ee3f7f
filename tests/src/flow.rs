//! The pipeline driven as its people would drive it, step by step, so tests can break things
//! between steps.

use crate::{Stack, link};
use anyhow::{Context, Result, bail, ensure};
use rrm_devtools::maildump::CapturedMail;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub const TITLE: &str = "Burning a holy book burns bridges for us all";
pub const STANDFIRST: &str = "Four faiths answer one provocation together.";
pub const BODY: &str = "We write as a Muslim, a Jew, a Christian and a Hindu.\n\nWhatever the law allows, *contempt* is not an argument. We ask every community to answer provocation with presence, not violence.";

const STEP: Duration = Duration::from_secs(60);

/// The mails as their recipients' mail clients show them: a resend carries the `Message-ID` of
/// the first copy (after a crash mid-SMTP, the one duplicate SMTP cannot rule out) and is shown
/// once. Keeps the first copy of each.
fn unique(mails: &[CapturedMail]) -> Vec<CapturedMail> {
    let mut seen = BTreeSet::new();
    mails
        .iter()
        .filter(|m| {
            m.message_id
                .as_ref()
                .is_none_or(|id| seen.insert(id.clone()))
        })
        .cloned()
        .collect()
}

/// How many copies of each `Message-ID` were captured.
fn copies<'a>(mails: impl IntoIterator<Item = &'a CapturedMail>) -> BTreeMap<&'a str, usize> {
    let mut copies = BTreeMap::new();
    for id in mails.into_iter().filter_map(|m| m.message_id.as_deref()) {
        *copies.entry(id).or_default() += 1;
    }
    copies
}

/// How many captured mails are resends: copies of a `Message-ID` already captured.
pub fn resends(mails: &[CapturedMail]) -> usize {
    copies(mails).values().map(|c| c - 1).sum()
}

/// Resends among the mails whose subject starts with `prefix`.
pub fn resends_of(mails: &[CapturedMail], prefix: &str) -> usize {
    copies(mails.iter().filter(|m| m.subject.starts_with(prefix)))
        .values()
        .map(|c| c - 1)
        .sum()
}

/// The most copies of one `Message-ID` captured.
pub fn most_copies(mails: &[CapturedMail]) -> usize {
    copies(mails).into_values().max().unwrap_or(0)
}

fn subject_starts(mails: &[CapturedMail], prefix: &str) -> Vec<CapturedMail> {
    unique(mails)
        .into_iter()
        .filter(|m| m.subject.starts_with(prefix))
        .collect()
}

/// Raises the demo alert; returns its id.
pub async fn raise(stack: &Stack) -> Result<String> {
    let alert = stack
        .raise_alert(json!({
            "title": "Holy book burned outside a place of worship",
            "summary": "A holy book was burned in a public square; protests are spreading and communities blame each other.",
            "regions": ["europe", "middle-east"],
            "topics": ["religion", "media"],
            "severity": "high",
        }))
        .await?;
    Ok(alert["alert_id"].as_str().unwrap_or_default().to_owned())
}

/// Waits for the invitations and accepts them all, following each link (GET, then POST).
pub async fn accept_invitations(stack: &Stack, expected: usize) -> Result<()> {
    let mails = stack
        .wait_mails("the invitations", STEP, |m| {
            subject_starts(m, "Mobilisation:").len() >= expected
        })
        .await?;
    for mail in subject_starts(&mails, "Mobilisation:") {
        let link = link(&mail, &format!("{}/invitations/", stack.url("roster")))?;
        let page = stack.follow(&link, Some("accept"), &[]).await?;
        ensure!(
            page.status == 200,
            "accepting answered {}: {}",
            page.status,
            page.text()
        );
    }
    Ok(())
}

/// Waits for the draft links (one per author), then the first author writes the op-ed and
/// submits it for signature. Returns the authors' addresses.
pub async fn write_and_submit(stack: &Stack) -> Result<Vec<String>> {
    stack
        .wait_mails("the draft links", STEP, |m| {
            subject_starts(m, "Write the op-ed:").len() >= 2
        })
        .await?;
    // All draft links are queued in one transaction: let the rest of them arrive.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let drafts = subject_starts(&stack.mails(), "Write the op-ed:");
    let authors: Vec<String> = drafts.iter().flat_map(|m| m.envelope_to.clone()).collect();
    let link = link(&drafts[0], &format!("{}/drafts/", stack.url("drafting")))?;
    let page = stack
        .follow(
            &link,
            Some("submit"),
            &[("title", TITLE), ("standfirst", STANDFIRST), ("body", BODY)],
        )
        .await?;
    ensure!(
        page.status == 200,
        "saving the draft answered {}: {}",
        page.status,
        page.text()
    );
    ensure!(
        page.text().contains("every signatory has been sent a link"),
        "unexpected page: {}",
        page.text()
    );
    Ok(authors)
}

/// Waits until each of the `authors` has their link to sign the op-ed; returns those mails.
pub async fn signing_links(stack: &Stack, authors: &[String]) -> Result<Vec<CapturedMail>> {
    let mails = stack
        .wait_mails("the signing links", STEP, |m| {
            subject_starts(m, "Please sign the op-ed:")
                .iter()
                .filter(|m| m.envelope_to.iter().any(|to| authors.contains(to)))
                .count()
                >= authors.len()
        })
        .await?;
    // Co-signers (members who accepted after the panel formed) are sent links too; the op-ed
    // waits for the authors only.
    Ok(subject_starts(&mails, "Please sign the op-ed:")
        .into_iter()
        .filter(|m| m.envelope_to.iter().any(|to| authors.contains(to)))
        .collect())
}

/// Every author opens the signing link, checks the hash shown, and co-signs.
pub async fn sign_all(stack: &Stack, authors: &[String]) -> Result<()> {
    for mail in signing_links(stack, authors).await? {
        let hash = crate::signed_hash(&mail)?;
        let link = link(&mail, &format!("{}/sign/", stack.url("drafting")))?;
        let page = stack.get_page(&link).await?;
        ensure!(page.status == 200, "signing page answered {}", page.status);
        ensure!(
            page.text().contains(&hash),
            "the signing page does not show the version's SHA-256"
        );
        ensure!(
            page.text().contains("contempt"),
            "the signing page does not show the full text"
        );
        let done = page.submit(&stack.http, &link, None, &[]).await?;
        ensure!(
            done.status == 200,
            "signing answered {}: {}",
            done.status,
            done.text()
        );
    }
    Ok(())
}

/// (editor address, language) → how many e-mails the demo editors must get for an alert in the
/// six default languages: one per language they read.
pub fn expected_deliveries() -> Result<BTreeMap<(String, String), usize>> {
    let csv = std::fs::read_to_string(crate::workspace().join("config/demo/editors.csv"))?;
    let mut expected = BTreeMap::new();
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        for lang in cols[3].split(';') {
            if ["ar", "en", "es", "fr", "ru", "zh"].contains(&lang) {
                expected.insert((cols[1].to_owned(), lang.to_owned()), 1);
            }
        }
    }
    Ok(expected)
}

/// The op-ed e-mails received, counted per (recipient, language); a resend of the same
/// `Message-ID` is not counted again (see [`unique`]).
pub fn deliveries(mails: &[CapturedMail]) -> BTreeMap<(String, String), usize> {
    let mut got = BTreeMap::new();
    for m in subject_starts(mails, "Op-ed:") {
        for to in &m.envelope_to {
            *got.entry((to.clone(), m.content_language.clone().unwrap_or_default()))
                .or_insert(0) += 1;
        }
    }
    got
}

/// Waits until every demo editor has the op-ed in each of their languages, then checks that
/// nobody got two different e-mails for one language, that each e-mail carries the op-ed and its
/// signatories, and that at most `max_resends` e-mails of the whole run (of any kind) were resent
/// with the `Message-ID` of a copy already delivered: 0 when no service crashed; after SIGKILLs,
/// no more than the SMTP transactions in flight when they hit.
pub async fn assert_distributed(
    stack: &Stack,
    authors_names: &[&str],
    max_resends: usize,
) -> Result<Vec<CapturedMail>> {
    let expected = expected_deliveries()?;
    let total: usize = expected.values().sum();
    stack
        .wait_mails("every editor's op-ed", Duration::from_secs(120), |m| {
            deliveries(m).len() >= expected.len()
        })
        .await?;
    // A duplicate would come right behind: give it the time to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = stack.mails();
    let got = deliveries(&mails);
    if got != expected {
        bail!("deliveries differ.\nexpected {expected:#?}\ngot {got:#?}");
    }
    let resent = resends(&mails);
    ensure!(
        resent <= max_resends,
        "{resent} e-mails were sent twice (at most {max_resends} allowed here)"
    );
    ensure!(
        most_copies(&mails) <= 2,
        "an e-mail went out {} times: a crash resends it once at most",
        most_copies(&mails)
    );
    if resent > 0 {
        eprintln!(
            "{resent} e-mail(s) cut off mid-SMTP by a crash were resent with their Message-ID"
        );
    }
    // The version the authors signed last: what editors must be sent.
    let signed = subject_starts(&mails, "Please sign the op-ed:");
    let hash = crate::signed_hash(signed.last().context("no signing request was sent")?)?;
    let oped = subject_starts(&mails, "Op-ed:");
    ensure!(
        oped.len() == total,
        "{} op-ed mails for {total} deliveries",
        oped.len()
    );
    for m in &oped {
        let lang = m.content_language.clone().unwrap_or_default();
        let text = m.text.clone().unwrap_or_default();
        let html = m.html.clone().unwrap_or_default();
        for name in authors_names {
            ensure!(
                text.contains(name) && html.contains(name),
                "{lang} mail to {:?} lacks signatory {name}",
                m.envelope_to
            );
        }
        ensure!(
            text.contains(&hash),
            "{lang} mail lacks the signature manifest"
        );
        ensure!(
            text.contains("/manifests/") && html.contains("/manifests/"),
            "{lang} mail lacks the link to the signature manifest"
        );
        if lang == "en" {
            ensure!(
                m.subject.contains(TITLE),
                "English mail has subject {:?}",
                m.subject
            );
            ensure!(
                text.contains(STANDFIRST) && html.contains(STANDFIRST),
                "English mail lacks the standfirst"
            );
        } else {
            let marker = format!("⟦{lang}⟧");
            ensure!(
                m.subject.contains(&marker) && text.contains(&marker),
                "{lang} mail is not in {lang}: {:?}",
                m.subject
            );
        }
        if lang == "ar" {
            ensure!(
                html.contains("dir=\"rtl\""),
                "Arabic mail is not right-to-left"
            );
        }
    }
    Ok(oped)
}

/// Names of the signatories as the drafting service will list them: the demo members whose
/// addresses got a draft link.
pub fn author_names(addresses: &[String]) -> Result<Vec<String>> {
    let csv = std::fs::read_to_string(crate::workspace().join("config/demo/members.csv"))?;
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let column = |name: &str| header.iter().position(|c| *c == name);
    let (Some(name), Some(email)) = (column("name"), column("email")) else {
        bail!("the demo members CSV has no name or email column");
    };
    // The demo file quotes nothing, so a plain split is enough.
    Ok(lines
        .filter_map(|l| {
            let cols: Vec<&str> = l.split(',').collect();
            addresses
                .iter()
                .any(|a| a == cols[email])
                .then(|| cols[name].to_owned())
        })
        .collect())
}

/// A finished translation of one op-ed into `language`, as translation announces it.
pub fn translation(
    alert_id: uuid::Uuid,
    oped_id: uuid::Uuid,
    language: &str,
    title: &str,
    body: &str,
) -> rrm_contracts::TranslationCompleted {
    rrm_contracts::TranslationCompleted {
        alert_id,
        oped_id,
        language: rrm_contracts::LanguageCode::parse(language).unwrap(),
        title: title.into(),
        body: body.into(),
        source_version_hash: "ab".repeat(32),
        signatories: vec![rrm_contracts::Signatory {
            member_id: uuid::Uuid::now_v7(),
            name: "Amina Haddad".into(),
            line: "Muslim · Arab world".into(),
            signs_as: String::new(),
            signed_at: chrono::Utc::now(),
        }],
        method: rrm_contracts::TranslationMethod::Machine,
        embargo_until: None,
        standfirst: String::new(),
        manifest_url: None,
        translator: None,
    }
}
