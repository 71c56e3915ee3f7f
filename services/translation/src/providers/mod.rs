//! Machine-translation providers, tried in order of preference.
//!
//! Rules:
//! - Calls go only to the configured providers, whose hosts must be on the allow-list (checked at
//!   start); never through a proxy from the environment; redirects are not followed; connect and
//!   total timeouts are set; answers are read in chunks and refused past `max_response_bytes`,
//!   never buffered whole.
//! - For one request, each provider is tried in turn until one gives a usable answer. A provider
//!   gets up to `max_attempts` attempts, with exponential backoff and full jitter, on timeouts,
//!   connection errors, 429 (its `Retry-After` seconds are honoured) and 5xx.
//! - Nothing ever waits past the caller's deadline: a wait that would end after it is not begun,
//!   and each attempt's timeout is cut to the time left.
//!   `Retry-After` is read as seconds; an HTTP-date there is ignored (plain backoff instead).
//! - A refusal (any other 4xx, or a redirect, never followed) is final for that provider and
//!   request: the next one is tried. Only when every provider refused is the request refused.
//! - An unusable answer (malformed, oversize, missing texts, or rejected by the caller's check,
//!   e.g. a lost placeholder) is not retried on the same provider (it would likely answer the same
//!   again), but it is not a refusal either: the next provider is tried, and the whole request may
//!   be tried again later.
//! - Each provider has a circuit breaker: after `breaker_failures` failed requests in a row
//!   (unavailable or unusable; refusals do not count) it is skipped for `breaker_cooldown`, then
//!   one trial request is let through; success closes the breaker, failure opens it again.
//! - Each provider has its own concurrency limit.

pub mod deepl;
pub mod libre;

use anyhow::{Context, bail};
use rand::Rng;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// The protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// LibreTranslate-compatible: `POST {url}/translate`.
    Libretranslate,
    /// DeepL-compatible: `POST {url}/v2/translate`.
    Deepl,
}

/// One `[[translation.providers]]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub url: String,
    /// The key itself; better kept out of files: see `api_key_env`.
    #[serde(default)]
    pub api_key: Option<SecretString>,
    /// The name of an environment variable holding the key, read at start.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Requests in flight to this provider at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// DeepL only: `prefer_more`, `prefer_less`, `more`, `less` or `default`.
    #[serde(default)]
    pub formality: Option<String>,
    /// DeepL only: a glossary for the language pair.
    #[serde(default)]
    pub glossary_id: Option<String>,
}

fn default_concurrency() -> usize {
    4
}

/// The provider list, from a TOML array of tables or, from environment variables
/// (`RRM_TRANSLATION__PROVIDERS__0__KIND`, `…__0__URL`), a table keyed by position: the
/// configuration library turns indexed variables into such a table, replacing the file's list.
pub fn deserialize_providers<'de, D>(d: D) -> Result<Vec<ProviderSettings>, D::Error>
where
    D: Deserializer<'de>,
{
    rrm_platform::config::list_or_indexed(d)
}

/// Settings shared by every provider of the chain.
#[derive(Debug, Clone)]
pub struct ChainOptions {
    pub allowed_hosts: Vec<String>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_response_bytes: usize,
    /// Attempts per provider and request (at least 1).
    pub max_attempts: u32,
    /// First backoff ceiling; doubles per attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub breaker_failures: u32,
    pub breaker_cooldown: Duration,
}

/// Why one provider did not deliver.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// Worth trying again: network trouble, timeouts, 429 and 5xx.
    #[error("unavailable: {message}")]
    Unavailable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// The answer could not be used: malformed, oversize, texts missing or damaged.
    #[error("unusable answer: {0}")]
    Unusable(String),
    /// The provider refused this request; repeating it will not help.
    #[error("refused: {0}")]
    Refused(String),
    /// The provider was not called: its breaker is open, or the deadline came first.
    #[error("skipped: {0}")]
    Skipped(String),
}

impl ProviderError {
    fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// One provider's last error for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderFailure {
    pub provider: String,
    pub attempts: u32,
    pub error: ProviderError,
}

/// Every provider failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(.failures))]
pub struct ChainError {
    /// Each provider's last error, in order of preference.
    pub failures: Vec<ProviderFailure>,
}

fn describe(failures: &[ProviderFailure]) -> String {
    if failures.is_empty() {
        return "no translation provider configured".into();
    }
    failures
        .iter()
        .map(|f| format!("{} ({} attempts): {}", f.provider, f.attempts, f.error))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ChainError {
    /// Every provider refused: trying again later will not help.
    pub fn is_permanent(&self) -> bool {
        !self.failures.is_empty()
            && self
                .failures
                .iter()
                .all(|f| matches!(f.error, ProviderError::Refused(_)))
    }

    /// HTTP attempts made over all providers.
    pub fn attempts(&self) -> u32 {
        self.failures.iter().map(|f| f.attempts).sum()
    }
}

/// A usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer<T> {
    pub value: T,
    /// The provider that answered, e.g. `deepl@api.deepl.com`.
    pub provider: String,
    /// HTTP attempts made over all providers tried, the answering one's included.
    pub attempts: u32,
}

/// What to translate: texts in order, from `source` into `target` (ISO 639 codes, lower-case).
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub texts: &'a [String],
    pub source: &'a str,
    pub target: &'a str,
}

/// The protocol side of a provider: builds its request and reads its answer.
#[derive(Clone)]
enum Protocol {
    Libre(libre::Libre),
    Deepl(deepl::Deepl),
}

struct Provider {
    name: String,
    protocol: Protocol,
    permits: Arc<Semaphore>,
    breaker: Mutex<Breaker>,
}

#[derive(Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
    trial_running: bool,
}

/// The chain of providers built from the configuration.
pub struct Providers {
    providers: Vec<Provider>,
    client: reqwest::Client,
    options: ChainOptions,
}

impl Providers {
    /// Checks every provider (URL, allow-listed host, key) and builds the HTTP client.
    pub fn new(settings: &[ProviderSettings], options: ChainOptions) -> anyhow::Result<Self> {
        if settings.is_empty() {
            bail!("translation.providers is empty: configure at least one provider");
        }
        let mut providers = Vec::with_capacity(settings.len());
        for (i, p) in settings.iter().enumerate() {
            let base = allowed_base(&p.url, &options.allowed_hosts)
                .with_context(|| format!("translation.providers[{i}]"))?;
            let api_key = match (&p.api_key, &p.api_key_env) {
                (Some(key), _) => Some(key.clone()),
                (None, Some(var)) => Some(SecretString::from(std::env::var(var).with_context(
                    || format!("translation.providers[{i}].api_key_env: {var} is not set"),
                )?)),
                (None, None) => None,
            };
            // The host and any explicit port: what the console names the provider by.
            let host = match base.port() {
                Some(port) => format!("{}:{port}", base.host_str().unwrap_or_default()),
                None => base.host_str().unwrap_or_default().to_owned(),
            };
            let protocol = match p.kind {
                ProviderKind::Libretranslate => Protocol::Libre(libre::Libre::new(&base, api_key)?),
                ProviderKind::Deepl => {
                    let Some(api_key) = api_key else {
                        bail!("translation.providers[{i}]: DeepL needs an api_key or api_key_env");
                    };
                    Protocol::Deepl(deepl::Deepl::new(
                        &base,
                        api_key,
                        p.formality.clone(),
                        p.glossary_id.clone(),
                    )?)
                }
            };
            let kind = match p.kind {
                ProviderKind::Libretranslate => "libretranslate",
                ProviderKind::Deepl => "deepl",
            };
            // Names are unique: coordinators choose a provider by its name.
            let mut name = format!("{kind}@{host}");
            if providers.iter().any(|p: &Provider| p.name == name) {
                name = format!("{name}#{}", i + 1);
            }
            providers.push(Provider {
                name,
                protocol,
                permits: Arc::new(Semaphore::new(p.concurrency.max(1))),
                breaker: Mutex::new(Breaker::default()),
            });
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Straight to the allow-listed hosts: never through a proxy from the environment.
            .no_proxy()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent("rrm-translation")
            .build()?;
        Ok(Self {
            providers,
            client,
            options,
        })
    }

    /// The providers' names, in order of preference.
    pub fn names(&self) -> Vec<&str> {
        self.providers.iter().map(|p| p.name.as_str()).collect()
    }

    /// Translates `request` with the first provider giving an answer `accept` takes (it maps the
    /// translated texts to the result, or says why they are unusable), before `deadline`.
    pub async fn translate<T>(
        &self,
        request: Request<'_>,
        deadline: Instant,
        accept: impl Fn(Vec<String>) -> Result<T, String>,
    ) -> Result<Answer<T>, ChainError> {
        self.translate_on(None, request, deadline, accept).await
    }

    /// [`Providers::translate`] on the provider named `only` alone, when given (a
    /// coordinator's choice); an unknown name fails as a refusal.
    pub async fn translate_on<T>(
        &self,
        only: Option<&str>,
        request: Request<'_>,
        deadline: Instant,
        accept: impl Fn(Vec<String>) -> Result<T, String>,
    ) -> Result<Answer<T>, ChainError> {
        let mut failures = Vec::new();
        let mut total = 0;
        if let Some(only) = only
            && !self.providers.iter().any(|p| p.name == only)
        {
            failures.push(ProviderFailure {
                provider: only.to_owned(),
                attempts: 0,
                error: ProviderError::Refused(format!("{only} is not a configured provider")),
            });
        }
        for provider in self
            .providers
            .iter()
            .filter(|p| only.is_none_or(|o| p.name == o))
        {
            let (result, attempts) = self
                .with_provider(provider, request, deadline, &accept)
                .await;
            total += attempts;
            match result {
                Ok(value) => {
                    return Ok(Answer {
                        value,
                        provider: provider.name.clone(),
                        attempts: total,
                    });
                }
                Err(error) => {
                    tracing::warn!(provider = %provider.name, attempts, error = %error, "translation provider failed");
                    failures.push(ProviderFailure {
                        provider: provider.name.clone(),
                        attempts,
                        error,
                    });
                }
            }
        }
        Err(ChainError { failures })
    }

    async fn with_provider<T>(
        &self,
        provider: &Provider,
        request: Request<'_>,
        deadline: Instant,
        accept: &impl Fn(Vec<String>) -> Result<T, String>,
    ) -> (Result<T, ProviderError>, u32) {
        if let Err(e) = provider.admit(Instant::now()) {
            return (Err(e), 0);
        }
        let mut attempts = 0;
        let result = loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break Err(ProviderError::Skipped("deadline reached".into()));
            };
            attempts += 1;
            let outcome = self.attempt(provider, request, deadline, left).await;
            let error = match outcome {
                Ok(texts) => match accept(texts) {
                    Ok(value) => break Ok(value),
                    Err(why) => break Err(ProviderError::Unusable(why)),
                },
                Err(e @ ProviderError::Unavailable { .. }) => e,
                Err(e) => break Err(e),
            };
            if attempts >= self.options.max_attempts.max(1) {
                break Err(error);
            }
            let wait = match &error {
                ProviderError::Unavailable {
                    retry_after: Some(after),
                    ..
                } => *after,
                _ => self.backoff(attempts),
            };
            if Instant::now() + wait >= deadline {
                // Waiting would take us past the deadline: give the next provider the time left.
                break Err(error);
            }
            tracing::debug!(provider = %provider.name, ?wait, error = %error, "retrying translation provider");
            tokio::time::sleep(wait).await;
        };
        provider.record(&result, Instant::now(), &self.options);
        (result, attempts)
    }

    /// Full jitter: a random wait up to `base · 2^(attempt-1)`, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .options
            .base_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.options.max_backoff);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
    }

    async fn attempt(
        &self,
        provider: &Provider,
        request: Request<'_>,
        deadline: Instant,
        left: Duration,
    ) -> Result<Vec<String>, ProviderError> {
        let permit = tokio::time::timeout_at(deadline, provider.permits.clone().acquire_owned())
            .await
            .map_err(|_| ProviderError::Skipped("deadline reached waiting for a slot".into()))?
            .map_err(|_| ProviderError::Skipped("provider closed".into()))?;
        let builder = match &provider.protocol {
            Protocol::Libre(p) => p.request(&self.client, request),
            Protocol::Deepl(p) => p.request(&self.client, request),
        }?;
        let body = post(
            builder.timeout(left.min(self.options.request_timeout)),
            self.options.max_response_bytes,
        )
        .await;
        drop(permit);
        let body = body?;
        let texts = match &provider.protocol {
            Protocol::Libre(_) => libre::Libre::answer(&body),
            Protocol::Deepl(_) => deepl::Deepl::answer(&body),
        }?;
        if texts.len() != request.texts.len() {
            return Err(ProviderError::Unusable(format!(
                "{} texts sent, {} returned",
                request.texts.len(),
                texts.len()
            )));
        }
        Ok(texts)
    }
}

impl Provider {
    /// Whether the breaker lets a request through now.
    fn admit(&self, now: Instant) -> Result<(), ProviderError> {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        match b.open_until {
            Some(until) if now < until => Err(ProviderError::Skipped(
                "circuit open after repeated failures".into(),
            )),
            Some(_) if b.trial_running => Err(ProviderError::Skipped(
                "circuit half-open: a trial request is running".into(),
            )),
            Some(_) => {
                b.trial_running = true;
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn record<T>(&self, result: &Result<T, ProviderError>, now: Instant, options: &ChainOptions) {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        let trial = std::mem::take(&mut b.trial_running);
        match result {
            Ok(_) => *b = Breaker::default(),
            Err(ProviderError::Unavailable { .. } | ProviderError::Unusable(_)) => {
                b.failures += 1;
                if trial || b.failures >= options.breaker_failures.max(1) {
                    b.open_until = Some(now + options.breaker_cooldown);
                    tracing::warn!(provider = %self.name, failures = b.failures, "translation provider circuit opened");
                }
            }
            // A refusal says nothing about the provider's health; a skipped call did not reach it.
            Err(ProviderError::Refused(_) | ProviderError::Skipped(_)) => {
                if trial {
                    // Let the next request be the trial.
                    b.trial_running = false;
                }
            }
        }
    }
}

/// The provider's base URL, checked: http(s), host on the allow-list; ends with `/`.
fn allowed_base(url: &str, allowed_hosts: &[String]) -> anyhow::Result<reqwest::Url> {
    let mut base = reqwest::Url::parse(url).with_context(|| format!("url {url:?}"))?;
    if !matches!(base.scheme(), "http" | "https") {
        bail!("url {url:?} must be http(s)");
    }
    let host = base.host_str().unwrap_or_default();
    if host.is_empty() || !allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        bail!("host {host:?} is not in translation.allowed_hosts");
    }
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    Ok(base)
}

/// Sends `builder` and reads a successful answer's body, at most `max_bytes` of it.
async fn post(
    builder: reqwest::RequestBuilder,
    max_bytes: usize,
) -> Result<Vec<u8>, ProviderError> {
    let response = builder
        .send()
        .await
        .map_err(|e| ProviderError::unavailable(e.without_url().to_string()))?;
    let status = response.status();
    if !status.is_success() {
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let detail = read_limited(response, 4096)
            .await
            .ok()
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .chars()
                    .take(200)
                    .collect::<String>()
            })
            .unwrap_or_default();
        let message = format!("{status}: {}", detail.trim());
        return if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(ProviderError::Unavailable {
                message,
                retry_after,
            })
        } else if status.is_redirection() {
            Err(ProviderError::Refused(format!(
                "{message} (redirects are not followed)"
            )))
        } else {
            Err(ProviderError::Refused(message))
        };
    }
    read_limited(response, max_bytes).await
}

/// The body, read chunk by chunk; past `max_bytes` the reading stops and the answer is unusable.
async fn read_limited(
    response: reqwest::Response,
    max_bytes: usize,
) -> Result<Vec<u8>, ProviderError> {
    let too_big = || ProviderError::Unusable(format!("answer larger than {max_bytes} bytes"));
    if response
        .content_length()
        .is_some_and(|n| n > u64::try_from(max_bytes).unwrap_or(u64::MAX))
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    let mut response = response;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ProviderError::unavailable(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
