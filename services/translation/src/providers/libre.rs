//! LibreTranslate-compatible protocol: `POST {url}/translate` with
//! `{"q": [...], "source": "en", "target": "fr", "format": "text", "api_key": "..."}`, answered
//! with `{"translatedText": [...]}` in the same order.

use super::{ProviderError, Request};
use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Clone)]
pub struct Libre {
    endpoint: reqwest::Url,
    api_key: Option<SecretString>,
}

#[derive(Serialize)]
struct Body<'a> {
    q: &'a [String],
    source: &'a str,
    target: &'a str,
    format: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "translatedText")]
    translated_text: Vec<String>,
}

impl Libre {
    /// `base` is checked and ends with `/`.
    pub fn new(base: &reqwest::Url, api_key: Option<SecretString>) -> anyhow::Result<Self> {
        Ok(Self {
            endpoint: base.join("translate").context("provider URL")?,
            api_key,
        })
    }

    pub(super) fn request(
        &self,
        client: &reqwest::Client,
        request: Request<'_>,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let body = Body {
            q: request.texts,
            source: request.source,
            target: request.target,
            format: "text",
            api_key: self.api_key.as_ref().map(|k| k.expose_secret()),
        };
        Ok(client.post(self.endpoint.clone()).json(&body))
    }

    pub(super) fn answer(body: &[u8]) -> Result<Vec<String>, ProviderError> {
        serde_json::from_slice::<Answer>(body)
            .map(|a| a.translated_text)
            .map_err(|e| ProviderError::Unusable(format!("not a LibreTranslate answer: {e}")))
    }
}
