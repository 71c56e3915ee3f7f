//! DeepL-compatible protocol: `POST {url}/v2/translate` with the header
//! `Authorization: DeepL-Auth-Key <key>` and
//! `{"text": [...], "source_lang": "EN", "target_lang": "FR", "formality": ..., "glossary_id": ...}`
//! (formality and glossary only when configured), answered with
//! `{"translations": [{"detected_source_language": "EN", "text": "..."}]}` in the same order.
//!
//! DeepL's codes are upper-case. Source languages are primary codes (`EN`); two targets need a
//! variant, and get the European one: `en` → `EN-GB`, `pt` → `PT-PT`. Any other target is its
//! primary code upper-cased (`zh-Hans` → `ZH`).

use super::{ProviderError, Request};
use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Clone)]
pub struct Deepl {
    endpoint: reqwest::Url,
    api_key: SecretString,
    formality: Option<String>,
    glossary_id: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    text: &'a [String],
    source_lang: String,
    target_lang: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    formality: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    glossary_id: Option<&'a str>,
}

#[derive(Deserialize)]
struct Answer {
    translations: Vec<Translation>,
}

#[derive(Deserialize)]
struct Translation {
    text: String,
}

fn primary(code: &str) -> String {
    code.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

/// DeepL's source language code for an ISO 639 code.
pub fn source_lang(code: &str) -> String {
    primary(code)
}

/// DeepL's target language code for an ISO 639 code.
pub fn target_lang(code: &str) -> String {
    match primary(code).as_str() {
        "EN" => "EN-GB".into(),
        "PT" => "PT-PT".into(),
        other => other.into(),
    }
}

impl Deepl {
    /// `base` is checked and ends with `/`.
    pub fn new(
        base: &reqwest::Url,
        api_key: SecretString,
        formality: Option<String>,
        glossary_id: Option<String>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            endpoint: base.join("v2/translate").context("provider URL")?,
            api_key,
            formality,
            glossary_id,
        })
    }

    pub(super) fn request(
        &self,
        client: &reqwest::Client,
        request: Request<'_>,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let body = Body {
            text: request.texts,
            source_lang: source_lang(request.source),
            target_lang: target_lang(request.target),
            formality: self.formality.as_deref(),
            glossary_id: self.glossary_id.as_deref(),
        };
        Ok(client
            .post(self.endpoint.clone())
            .header(
                reqwest::header::AUTHORIZATION,
                format!("DeepL-Auth-Key {}", self.api_key.expose_secret()),
            )
            .json(&body))
    }

    pub(super) fn answer(body: &[u8]) -> Result<Vec<String>, ProviderError> {
        serde_json::from_slice::<Answer>(body)
            .map(|a| a.translations.into_iter().map(|t| t.text).collect())
            .map_err(|e| ProviderError::Unusable(format!("not a DeepL answer: {e}")))
    }
}
