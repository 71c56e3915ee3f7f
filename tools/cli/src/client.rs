//! The one HTTP client every command uses, pointed at the service its command talks to (intake,
//! roster for `members` and `panel`, translation for `translators`). It sends the coordinator token on every request, follows
//! no redirect (a redirect would carry the request, token included, somewhere `--url` or
//! `--roster-url` did not name), gives up after the timeout, and turns every answer that is not a
//! success into a [`Failure`].

use crate::failure::{Failure, Problem};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde_json::Value;
use std::time::Duration;

/// A coordinator's bearer token. Its `Debug` never shows it; it leaves the process only in the
/// `Authorization` header.
pub struct Token(String);

impl Token {
    pub fn new(token: String) -> Self {
        Self(token)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

/// The service a command talks to; it names the service and its flag in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Intake,
    Roster,
    Translation,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Intake => "intake",
            Service::Roster => "roster",
            Service::Translation => "translation",
        }
    }

    /// The flag that sets its base URL.
    pub fn flag(self) -> &'static str {
        match self {
            Service::Intake => "--url",
            Service::Roster => "--roster-url",
            Service::Translation => "--translation-url",
        }
    }
}

/// A successful answer: its status and its JSON body.
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// A request body that is not JSON, sent as it is (a CSV file).
pub struct Raw {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// What a request carries.
enum Body<'a> {
    None,
    Json(&'a Value),
    Raw(Raw),
}

pub struct Client {
    http: reqwest::Client,
    service: Service,
    /// The service's base URL; API paths are appended to it, so a path prefix (`/intake`) is kept.
    base: Url,
    authorization: HeaderValue,
    timeout: Duration,
}

impl Client {
    pub fn new(
        service: Service,
        base: Url,
        token: &Token,
        timeout: Duration,
    ) -> Result<Self, Failure> {
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", token.0)).map_err(|_| {
                Failure::Usage("the token contains characters a header cannot carry".into())
            })?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("rrm-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::Unexpected(format!("cannot set up HTTP: {}", chain(&e))))?;
        Ok(Self {
            http,
            service,
            base,
            authorization,
            timeout,
        })
    }

    /// The URL of `path` (`/api/v1/...`) under the base URL, with `query` pairs encoded.
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url.set_query(None);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    pub fn service(&self) -> Service {
        self.service
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, Failure> {
        self.json(Method::GET, self.url(path, query), Body::None)
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Answer, Failure> {
        self.json(Method::POST, self.url(path, &[]), Body::Json(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Result<Answer, Failure> {
        self.json(Method::PATCH, self.url(path, &[]), Body::Json(body))
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Result<Answer, Failure> {
        self.json(Method::PUT, self.url(path, &[]), Body::Json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Result<Answer, Failure> {
        self.json(Method::DELETE, self.url(path, &[]), Body::None)
            .await
    }

    /// POSTs `body` as it is; the answer is JSON.
    pub async fn post_raw(&self, path: &str, body: Raw) -> Result<Answer, Failure> {
        self.json(Method::POST, self.url(path, &[]), Body::Raw(body))
            .await
    }

    /// GETs something that is not JSON: the answer's bytes, which must be of `content_type`
    /// (`text/csv`).
    pub async fn get_text(&self, path: &str, content_type: &str) -> Result<Vec<u8>, Failure> {
        let (status, kind, bytes) = self
            .send(Method::GET, self.url(path, &[]), Body::None, content_type)
            .await?;
        let kind = kind.unwrap_or_default();
        let essence = kind.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case(content_type) {
            return Err(Failure::Unexpected(format!(
                "{} answered {status} with {} instead of {content_type}: is {} {}'s address?",
                origin(&self.base),
                if essence.is_empty() {
                    "no content type".to_owned()
                } else {
                    crate::display::one_line(essence)
                },
                self.service.flag(),
                self.service.name()
            )));
        }
        Ok(bytes)
    }

    async fn json(&self, method: Method, url: Url, body: Body<'_>) -> Result<Answer, Failure> {
        let (status, _, bytes) = self.send(method, url, body, "application/json").await?;
        if status == reqwest::StatusCode::NO_CONTENT {
            // Done, with nothing to say (a removal).
            return Ok(Answer {
                status: status.as_u16(),
                body: Value::Null,
            });
        }
        let body = serde_json::from_slice(&bytes).map_err(|_| {
            Failure::Unexpected(format!(
                "{} answered {status} with something that is not JSON: is {} {}'s address?",
                origin(&self.base),
                self.service.flag(),
                self.service.name()
            ))
        })?;
        Ok(Answer {
            status: status.as_u16(),
            body,
        })
    }

    /// Sends the request; a success's status, content type and bytes, or the failure.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Body<'_>,
        accept: &str,
    ) -> Result<(reqwest::StatusCode, Option<String>, Vec<u8>), Failure> {
        let mut request = self
            .http
            .request(method, url.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, format!("{accept}, application/problem+json"));
        match body {
            Body::None => {}
            Body::Json(body) => request = request.json(body),
            Body::Raw(raw) => {
                request = request
                    .header(CONTENT_TYPE, raw.content_type)
                    .body(raw.bytes);
            }
        }
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let reason = status.canonical_reason().unwrap_or("").to_owned();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(crate::display::one_line);
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|c| c.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(|e| self.unreachable(&e))?;
        if status.is_redirection() {
            return Err(Failure::Unexpected(format!(
                "{} answered {status} (a redirect{}), which rrm does not follow: check {}",
                origin(&self.base),
                location.map(|l| format!(" to {l}")).unwrap_or_default(),
                self.service.flag()
            )));
        }
        if status.is_client_error() || status.is_server_error() {
            let problem = serde_json::from_slice::<Problem>(&bytes).ok();
            let body = crate::display::truncate(
                &crate::display::one_line(&String::from_utf8_lossy(&bytes)),
                200,
            );
            return Err(Failure::Answered {
                service: self.service,
                status: status.as_u16(),
                reason,
                problem,
                body,
            });
        }
        Ok((status, content_type, bytes.to_vec()))
    }

    fn unreachable(&self, error: &reqwest::Error) -> Failure {
        let at = origin(&self.base);
        if error.is_timeout() {
            Failure::Connection(format!(
                "no answer from {at} within {} s (--timeout)",
                self.timeout.as_secs()
            ))
        } else if error.is_connect() {
            Failure::Connection(format!("cannot connect to {at}: {}", chain(error)))
        } else {
            Failure::Connection(format!("request to {at} failed: {}", chain(error)))
        }
    }
}

/// Scheme, host and port of `url`: enough to say where, without a path or query.
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The innermost cause of `error`: "Connection refused (os error 111)" rather than reqwest's
/// "error sending request".
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::new(
            Service::Intake,
            Url::parse(base).unwrap(),
            &Token::new("t".into()),
            Duration::from_secs(1),
        )
        .unwrap()
    }

    #[test]
    fn paths_are_appended_to_a_base_with_a_prefix() {
        let c = client("https://example.org/intake/");
        assert_eq!(
            c.url(
                "/api/v1/alerts",
                &[("since", "2026-11-23T10:00:00+01:00".into())]
            )
            .as_str(),
            "https://example.org/intake/api/v1/alerts?since=2026-11-23T10%3A00%3A00%2B01%3A00"
        );
        let c = client("http://127.0.0.1:8081");
        assert_eq!(
            c.url("/api/v1/tokens", &[]).as_str(),
            "http://127.0.0.1:8081/api/v1/tokens"
        );
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        assert_eq!(format!("{:?}", Token::new("secret".into())), "Token(…)");
    }
}
