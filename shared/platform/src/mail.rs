//! Outgoing e-mail, durable and at-most-once-in-practice.
//!
//! A service never talks SMTP from a request or an event handler. It *enqueues* a mail inside the
//! same transaction as the state change that calls for it ([`enqueue`]), keyed by an
//! idempotency key (`distribution:<oped>:<lang>:<editor>` …): enqueueing the same key twice is a
//! no-op, so a redelivered event can never mail anyone twice.
//!
//! A [`MailWorker`] drives the queue in rounds of at most [`CONCURRENCY`] mails: it records the
//! round's mails as *sending* in one durable commit before their SMTP transactions, and their
//! outcomes (*sent*, *failed*, or *queued* again for later) in one commit after them. A crash in between resends it after restart with the same
//! `Message-ID`, the one duplicate SMTP itself cannot rule out (RFC 1047). Transient failures
//! (server down, 4xx, a pooled connection the server dropped) are retried with exponential backoff;
//! permanent ones (5xx for that recipient) are recorded as failed. The service's [`MailHook`] sees
//! each outcome inside the transaction that records it, so "all mails sent → emit an event" commits
//! atomically with the last mail's state.

use crate::config::SmtpSettings;
use anyhow::Context;
use chrono::{DateTime, Utc};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rrm_bus::{HandleError, Store, Tx, TxResult};
use rrm_contracts::{EmailAddress, LanguageCode};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};
use uuid::Uuid;

/// Every mail ever queued, by idempotency key.
pub const TREE: &str = "mail";
/// Keys of the mails not yet sent or failed.
pub const PENDING: &str = "mail_pending";
/// The trees a service sending mail must open.
pub const TREES: [&str; 2] = [TREE, PENDING];

/// Attempts before a mail that keeps failing transiently is given up (≈ 4 h with the backoff).
pub const MAX_ATTEMPTS: u32 = 60;

/// SMTP transactions a worker runs at once: also the most mails a crash can leave cut off
/// mid-transaction, and so resent after restart.
pub const CONCURRENCY: usize = 8;

/// A mail to send, as the domain describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMail {
    /// Idempotency key: one mail per key, ever.
    pub key: String,
    pub to_name: String,
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub language: Option<LanguageCode>,
    pub correlation_id: Option<Uuid>,
    /// Whatever the service's [`MailHook`] needs to know about this mail.
    #[serde(default)]
    pub tag: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    Queued,
    Sending,
    Sent,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMail {
    #[serde(flatten)]
    pub mail: NewMail,
    pub message_id: String,
    pub state: MailState,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Queues `mail` unless a mail with its key was queued before. Returns whether it was new.
pub fn enqueue(
    tx: &Tx<'_>,
    mail: NewMail,
    message_domain: &str,
) -> Result<bool, rrm_bus::StoreError> {
    if tx.get::<OutgoingMail>(TREE, &mail.key)?.is_some() {
        return Ok(false);
    }
    let now = Utc::now();
    let message_id = message_id_for(&mail.key, message_domain);
    let key = mail.key.clone();
    let outgoing = OutgoingMail {
        mail,
        message_id,
        state: MailState::Queued,
        attempts: 0,
        created_at: now,
        next_attempt_at: now,
        sent_at: None,
        last_error: None,
    };
    tx.put(TREE, &key, &outgoing)?;
    tx.put(PENDING, &key, &())?;
    Ok(true)
}

/// A configured recipient, `Name <address>` or a bare address (read as e-mail headers read it):
/// the name (`default_name` when there is none) and the address.
pub fn recipient(raw: &str, default_name: &str) -> anyhow::Result<(String, EmailAddress)> {
    let mailbox: Mailbox = raw
        .trim()
        .parse()
        .with_context(|| format!("{raw:?} is not an e-mail address"))?;
    let address =
        EmailAddress::parse(mailbox.email.as_ref()).map_err(|e| anyhow::anyhow!("{raw:?}: {e}"))?;
    let name = mailbox
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| default_name.to_owned());
    Ok((name, address))
}

/// A configured list of recipients ([`recipient`] each), naming the `setting` when one is wrong.
pub fn recipients(
    setting: &str,
    list: &[String],
    default_name: &str,
) -> anyhow::Result<Vec<(String, EmailAddress)>> {
    list.iter()
        .map(|raw| recipient(raw, default_name).map_err(|e| anyhow::anyhow!("{setting}: {e:#}")))
        .collect()
}

/// The `Message-ID` of the mail with idempotency key `key`: stable, so a resend is recognisable.
pub fn message_id_for(key: &str, domain: &str) -> String {
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("<{}@{domain}>", &digest[..32])
}

/// What a service does when one of its mails is sent or given up. Runs inside the transaction
/// recording that outcome, on the store's writer thread (no blocking, no side effects outside
/// `tx`).
pub trait MailHook: Send + Sync + 'static {
    fn on_sent(&self, _tx: &Tx<'_>, _mail: &OutgoingMail) -> TxResult<(), HandleError> {
        Ok(())
    }
    fn on_failed(&self, _tx: &Tx<'_>, _mail: &OutgoingMail) -> TxResult<(), HandleError> {
        Ok(())
    }
}

/// A hook that does nothing.
pub struct NoHook;
impl MailHook for NoHook {}

/// `Content-Language`, a typed header built from a validated language code only.
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(LanguageCode::parse(s)?.as_str().to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834), so auto-responders stay quiet.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// Removes CR and LF (and other control characters) from text that ends up in a header.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the RFC 5322 message for `mail` with lettre's typed headers only.
pub fn build_message(from: &Mailbox, mail: &OutgoingMail) -> anyhow::Result<Message> {
    let address: Address = mail.mail.to.as_str().parse().context("recipient address")?;
    let name = one_line(&mail.mail.to_name);
    let to = Mailbox::new((!name.is_empty()).then_some(name), address);
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(one_line(&mail.mail.subject))
        .message_id(Some(mail.message_id.clone()))
        .header(AutoSubmitted);
    if let Some(language) = &mail.mail.language {
        builder = builder.header(ContentLanguage(language.as_str().to_owned()));
    }
    let message = match &mail.mail.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            mail.mail.text.clone(),
            html.clone(),
        ))?,
        None => builder.singlepart(SinglePart::plain(mail.mail.text.clone()))?,
    };
    Ok(message)
}

/// The SMTP client for `settings`: STARTTLS with credentials in production; plain SMTP only when
/// `tls = false` (a relay on loopback, the local sink).
pub fn transport(
    settings: &SmtpSettings,
    pool_size: u32,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let mut builder = if settings.tls {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
            .context("SMTP relay")?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
    };
    builder = builder
        .port(settings.port)
        .timeout(Some(Duration::from_millis(settings.timeout_ms)))
        .pool_config(
            PoolConfig::new()
                .max_size(pool_size)
                .idle_timeout(Duration::from_secs(30)),
        );
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// Drives a service's mail queue until shutdown.
pub struct MailWorker {
    store: Store,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    hook: Arc<dyn MailHook>,
    wake: Arc<Notify>,
}

/// Wakes the worker after a transaction that queued mail, so it does not wait for its next poll.
#[derive(Clone, Default)]
pub struct MailWaker(Arc<Notify>);

impl MailWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

const POLL: Duration = Duration::from_millis(250);
const BATCH: usize = 256;

impl MailWorker {
    pub fn new(
        store: Store,
        settings: &SmtpSettings,
        hook: Arc<dyn MailHook>,
        waker: &MailWaker,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .context("smtp.from must be `Name <address>`")?;
        Ok(Self {
            store,
            transport: transport(settings, CONCURRENCY as u32)?,
            from,
            hook,
            wake: waker.0.clone(),
        })
    }

    pub async fn run(self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let due = match self.store.read(|s| due(s, Utc::now(), BATCH)).await {
                Ok(due) => due,
                Err(e) => {
                    warn!(error = %e, "reading the mail queue failed");
                    Vec::new()
                }
            };
            if due.is_empty() {
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                    () = shutdown.cancelled() => return,
                }
                continue;
            }
            // One round at a time: its attempts in one commit, then its SMTP transactions
            // together, then its outcomes in one commit. In-flight SMTP transactions finish
            // before shutdown; new rounds do not start.
            for round in due.chunks(CONCURRENCY) {
                if shutdown.is_cancelled() {
                    return;
                }
                if let Err(e) = self.round(round).await {
                    warn!(error = %e, "recording mail attempts or outcomes failed; they will be retried");
                }
            }
        }
    }

    /// Sends one round of mails (at most [`CONCURRENCY`]).
    async fn round(&self, mails: &[OutgoingMail]) -> anyhow::Result<()> {
        // Durable before talking SMTP: after a crash, a mail is sent again with the same
        // Message-ID rather than silently lost.
        let keys: Vec<String> = mails.iter().map(|m| m.mail.key.clone()).collect();
        let sending = record_attempts(&self.store, keys).await?;
        let outcomes =
            futures_util::future::join_all(sending.into_iter().map(|mail| self.deliver(mail)))
                .await;
        record_outcomes(&self.store, self.hook.clone(), outcomes).await
    }

    async fn deliver(&self, mail: OutgoingMail) -> (String, Attempt) {
        let span = info_span!(
            "mail",
            correlation_id = %mail.mail.correlation_id.map(|c| c.to_string()).unwrap_or_default(),
            message_id = %mail.message_id,
        );
        let attempt = async {
            let result = match build_message(&self.from, &mail) {
                Ok(message) => self.transport.send(message).await.map(|_| ()).map_err(|e| {
                    let permanent = e.is_permanent();
                    (e.to_string(), permanent)
                }),
                Err(e) => Err((format!("cannot build the message: {e:#}"), true)),
            };
            match result {
                Ok(()) => {
                    metrics::counter!("rrm_mail_sent_total").increment(1);
                    info!(attempt = mail.attempts, "mail accepted by the SMTP server");
                    Attempt::Sent
                }
                Err((error, permanent)) if permanent || mail.attempts >= MAX_ATTEMPTS => {
                    metrics::counter!("rrm_mail_failed_total").increment(1);
                    warn!(%error, attempt = mail.attempts, "mail given up");
                    Attempt::Failed(error)
                }
                Err((error, _)) => {
                    metrics::counter!("rrm_mail_retried_total").increment(1);
                    let delay = retry_delay(mail.attempts);
                    warn!(%error, attempt = mail.attempts, retry_in_ms = delay.num_milliseconds(), "mail not accepted; will retry");
                    Attempt::Retry(error, delay)
                }
            }
        }
        .instrument(span)
        .await;
        (mail.mail.key, attempt)
    }
}

/// What one SMTP transaction came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// The server accepted the mail.
    Sent,
    /// Given up: refused for good, or too many attempts. The error says why.
    Failed(String),
    /// Not accepted for now: try again after the delay.
    Retry(String, chrono::Duration),
}

/// Pending mails whose next attempt is due at `now`, oldest first, at most `limit`. Scans the
/// pending list: call it from a blocking thread.
pub fn due(
    store: &Store,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<OutgoingMail>, rrm_bus::StoreError> {
    let mut due = Vec::new();
    for item in store.scan::<()>(PENDING, b"")? {
        let (key, ()) = item?;
        if let Some(mail) = store.get::<OutgoingMail>(TREE, &key)?
            && mail.next_attempt_at <= now
        {
            due.push(mail);
            if due.len() == limit {
                break;
            }
        }
    }
    Ok(due)
}

/// Records an attempt on each of the mails with these keys — state `sending`, one attempt more —
/// in **one** commit, and returns those still pending (a mail finished meanwhile is left out).
pub async fn record_attempts(
    store: &Store,
    keys: Vec<String>,
) -> anyhow::Result<Vec<OutgoingMail>> {
    store
        .transact::<_, HandleError, _>(move |tx| {
            let mut sending = Vec::with_capacity(keys.len());
            for key in &keys {
                if tx.get::<()>(PENDING, key)?.is_none() {
                    continue;
                }
                let Some(mut mail) = tx.get::<OutgoingMail>(TREE, key)? else {
                    continue;
                };
                mail.state = MailState::Sending;
                mail.attempts += 1;
                tx.put(TREE, key, &mail)?;
                sending.push(mail);
            }
            Ok(sending)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Records the outcomes of a round of attempts in **one** commit, with the service's hook for
/// each final one (so "the last mail is sent → emit an event" commits with that mail's state).
pub async fn record_outcomes(
    store: &Store,
    hook: Arc<dyn MailHook>,
    outcomes: Vec<(String, Attempt)>,
) -> anyhow::Result<()> {
    let now = Utc::now();
    store
        .transact::<_, HandleError, _>(move |tx| {
            for (key, attempt) in &outcomes {
                if tx.get::<()>(PENDING, key)?.is_none() {
                    continue;
                }
                let Some(mut mail) = tx.get::<OutgoingMail>(TREE, key)? else {
                    continue;
                };
                match attempt {
                    Attempt::Sent => {
                        mail.state = MailState::Sent;
                        mail.sent_at = Some(now);
                        mail.last_error = None;
                        hook.on_sent(tx, &mail)?;
                    }
                    Attempt::Failed(error) => {
                        mail.state = MailState::Failed;
                        mail.last_error = Some(error.clone());
                        hook.on_failed(tx, &mail)?;
                    }
                    Attempt::Retry(error, delay) => {
                        mail.state = MailState::Queued;
                        mail.last_error = Some(error.clone());
                        mail.next_attempt_at = now + *delay;
                    }
                }
                tx.put(TREE, key, &mail)?;
                if mail.state != MailState::Queued {
                    tx.remove(PENDING, key)?;
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// 1 s, 2 s, 4 s … capped at 5 minutes.
pub fn retry_delay(attempts: u32) -> chrono::Duration {
    let seconds = 1i64 << attempts.saturating_sub(1).min(9);
    chrono::Duration::seconds(seconds.min(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_recipient_reads_as_a_mail_header_does() {
        let (name, address) = recipient("Coordinators' desk <desk@rrm.example>", "x").unwrap();
        assert_eq!(
            (name.as_str(), address.as_str()),
            ("Coordinators' desk", "desk@rrm.example")
        );
        let (name, address) = recipient(" desk@rrm.example ", "Coordinators").unwrap();
        assert_eq!(
            (name.as_str(), address.as_str()),
            ("Coordinators", "desk@rrm.example")
        );
        let (name, _) = recipient("\"Desk, night shift\" <desk@rrm.example>", "x").unwrap();
        assert_eq!(name, "Desk, night shift");
        assert!(recipient("not an address", "x").is_err());
        assert!(recipient("Desk <>", "x").is_err());
    }

    fn new_mail(key: &str) -> NewMail {
        NewMail {
            key: key.into(),
            to_name: "Amina\r\nBcc: victim@example.org".into(),
            to: EmailAddress::parse("amina@example.org").unwrap(),
            subject: "Op-ed\r\nBcc: victim@example.org".into(),
            text: "Hello".into(),
            html: Some("<p>Hello</p>".into()),
            language: Some(LanguageCode::parse("ar").unwrap()),
            correlation_id: None,
            tag: serde_json::Value::Null,
        }
    }

    #[test]
    fn a_key_is_queued_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &rrm_bus::StoreOptions::default(), &TREES).unwrap();
        let first = store
            .transact_blocking::<_, std::convert::Infallible, _>(|tx| {
                Ok(enqueue(tx, new_mail("k1"), "rrm.test")?)
            })
            .unwrap();
        let second = store
            .transact_blocking::<_, std::convert::Infallible, _>(|tx| {
                Ok(enqueue(tx, new_mail("k1"), "rrm.test")?)
            })
            .unwrap();
        assert!(first);
        assert!(!second);
        assert_eq!(store.count(PENDING).unwrap(), 1);
    }

    /// Counts what the hook saw, inside the outcome's transaction.
    struct Counting(std::sync::atomic::AtomicUsize);
    impl MailHook for Counting {
        fn on_sent(&self, _tx: &Tx<'_>, _mail: &OutgoingMail) -> TxResult<(), HandleError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_round_records_its_attempts_and_its_outcomes_in_one_commit_each() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &rrm_bus::StoreOptions::default(), &TREES).unwrap();
        store
            .transact::<_, std::convert::Infallible, _>(|tx| {
                for key in ["sent", "refused", "later"] {
                    enqueue(tx, new_mail(key), "rrm.test")?;
                }
                Ok(())
            })
            .await
            .unwrap();
        let keys: Vec<String> = ["sent", "refused", "later", "unknown"]
            .map(String::from)
            .to_vec();

        let commits = store.commits();
        let sending = record_attempts(&store, keys).await.unwrap();
        let hook = Arc::new(Counting(Default::default()));
        record_outcomes(
            &store,
            hook.clone(),
            vec![
                ("sent".into(), Attempt::Sent),
                ("refused".into(), Attempt::Failed("550 no such user".into())),
                (
                    "later".into(),
                    Attempt::Retry("421 busy".into(), chrono::Duration::seconds(60)),
                ),
            ],
        )
        .await
        .unwrap();

        assert_eq!(store.commits() - commits, 2, "one commit per batch");
        assert_eq!(sending.len(), 3, "unknown keys are skipped");
        assert!(
            sending
                .iter()
                .all(|m| m.state == MailState::Sending && m.attempts == 1)
        );
        let state = |key: &str| store.get::<OutgoingMail>(TREE, key).unwrap().unwrap();
        assert_eq!(state("sent").state, MailState::Sent);
        assert_eq!(state("refused").state, MailState::Failed);
        assert_eq!(state("later").state, MailState::Queued);
        assert_eq!(hook.0.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert_eq!(
            store.count(PENDING).unwrap(),
            1,
            "only the retried mail is pending"
        );
        assert!(
            due(&store, Utc::now(), 10).unwrap().is_empty(),
            "the retry is not due before its delay"
        );
        assert_eq!(
            due(&store, Utc::now() + chrono::Duration::seconds(61), 10)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn names_and_subjects_cannot_inject_headers() {
        let outgoing = OutgoingMail {
            mail: new_mail("k"),
            message_id: message_id_for("k", "rrm.test"),
            state: MailState::Queued,
            attempts: 0,
            created_at: Utc::now(),
            next_attempt_at: Utc::now(),
            sent_at: None,
            last_error: None,
        };
        let from: Mailbox = "Desk <desk@rrm.test>".parse().unwrap();
        let raw = String::from_utf8(build_message(&from, &outgoing).unwrap().formatted()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(!headers.lines().any(|l| l.starts_with("Bcc:")), "{headers}");
        assert!(headers.contains("Content-Language: ar"));
        assert!(headers.contains(&format!("Message-ID: {}", outgoing.message_id)));
    }

    #[test]
    fn message_ids_are_stable_per_key() {
        assert_eq!(message_id_for("a", "x.test"), message_id_for("a", "x.test"));
        assert_ne!(message_id_for("a", "x.test"), message_id_for("b", "x.test"));
    }

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert_eq!(retry_delay(1).num_seconds(), 1);
        assert_eq!(retry_delay(3).num_seconds(), 4);
        assert_eq!(retry_delay(40).num_seconds(), 300);
    }
}
