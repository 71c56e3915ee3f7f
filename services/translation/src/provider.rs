//! A LibreTranslate-compatible machine-translation provider (`POST /translate`).
//!
//! Calls go only to the configured host, which must be on the allow-list, never through a proxy;
//! redirects are not followed; connect and total timeouts are set. Only the op-ed's title and
//! body are sent — signatories' names never are, so they can never be translated.

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, Debug, thiserror::Error)]
pub enum ProviderError {
    /// Worth trying again later: network trouble, timeouts, 429 and 5xx.
    #[error("provider unavailable: {0}")]
    Transient(String),
    /// The provider refused this request; repeating it will not help.
    #[error("provider refused the request: {0}")]
    Permanent(String),
}

#[derive(Clone)]
pub struct Provider {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    api_key: Option<SecretString>,
}

#[derive(Serialize)]
struct Request<'a> {
    q: [&'a str; 2],
    source: &'a str,
    target: &'a str,
    format: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
}

#[derive(Deserialize)]
struct Response {
    #[serde(rename = "translatedText")]
    translated_text: Vec<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

impl Provider {
    pub fn new(
        base_url: &str,
        allowed_hosts: &[String],
        connect_timeout: Duration,
        timeout: Duration,
        api_key: Option<SecretString>,
    ) -> anyhow::Result<Self> {
        let base = reqwest::Url::parse(base_url)
            .with_context(|| format!("translation.provider_url {base_url:?}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            bail!("translation.provider_url must be http(s)");
        }
        let host = base.host_str().unwrap_or_default();
        if !allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            bail!("translation.provider_url host {host:?} is not in translation.allowed_hosts");
        }
        let endpoint = base.join("translate").context("provider URL")?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Straight to the allow-listed host: never through a proxy from the environment.
            .no_proxy()
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .user_agent("rrm-translation")
            .build()?;
        Ok(Self {
            client,
            endpoint,
            api_key,
        })
    }

    /// `(title, body)` translated from `source` into `target`.
    pub async fn translate(
        &self,
        title: &str,
        body: &str,
        source: &str,
        target: &str,
    ) -> Result<(String, String), ProviderError> {
        let request = Request {
            q: [title, body],
            source,
            target,
            format: "text",
            api_key: self.api_key.as_ref().map(|k| k.expose_secret()),
        };
        let response = self
            .client
            .post(self.endpoint.clone())
            .json(&request)
            .send()
            .await
            .map_err(|e| ProviderError::Transient(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            let body: Response = response.json().await.map_err(|e| {
                ProviderError::Transient(format!("unreadable answer: {}", e.without_url()))
            })?;
            let mut texts = body.translated_text.into_iter();
            return match (texts.next(), texts.next()) {
                (Some(t), Some(b)) => Ok((t, b)),
                _ => Err(ProviderError::Transient("answer is missing texts".into())),
            };
        }
        let detail = response
            .json::<ErrorBody>()
            .await
            .map(|e| e.error)
            .unwrap_or_else(|_| status.to_string());
        if status.is_server_error() || status.as_u16() == 429 || status.is_redirection() {
            Err(ProviderError::Transient(format!("{status}: {detail}")))
        } else {
            Err(ProviderError::Permanent(format!("{status}: {detail}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allow_listed_hosts_are_called() {
        let d = Duration::from_secs(1);
        assert!(Provider::new("http://127.0.0.1:5005", &["127.0.0.1".into()], d, d, None).is_ok());
        let err = Provider::new("https://evil.example", &["127.0.0.1".into()], d, d, None)
            .err()
            .unwrap();
        assert!(err.to_string().contains("allowed_hosts"));
        assert!(Provider::new("file:///etc/passwd", &["".into()], d, d, None).is_err());
    }
}
