//! The console's session cookie and the CSRF value derived from it: pure functions of a key, a
//! cookie value and a clock, tested without a server.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;
use sha2::Sha256;

/// The cookie's name.
pub const COOKIE: &str = "rrm_session";

/// What the cookie says about its holder. Trusted only once its signature verified, and even then
/// only with the credential it names still active in the service's own `coordinators` tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// `t`: the coordinator token the session was opened with; revoking it ends the session.
    #[serde(rename = "t")]
    pub token_id: Uuid,
    /// `n`: the coordinator's name when they signed in.
    #[serde(rename = "n")]
    pub name: String,
    /// `s`: the token's scopes when they signed in.
    #[serde(rename = "s")]
    pub scopes: Vec<String>,
    /// `i`: when the session was opened, seconds since the epoch.
    #[serde(rename = "i")]
    pub issued_at: i64,
    /// `e`: when it ends, seconds since the epoch.
    #[serde(rename = "e")]
    pub expires: i64,
    /// `r`: random, so that two sessions opened with one token in the same second still have
    /// different cookies, and so different CSRF values.
    #[serde(rename = "r")]
    pub nonce: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("the session cookie is damaged or was not issued by us")]
    Tampered,
    #[error("the session has expired")]
    Expired,
    #[error("the session's coordinator token is unknown, revoked or expired")]
    Revoked,
}

/// The session key: HMAC-SHA256(`links.secret`, `"rrm session v1"`). Deriving it keeps one
/// secret to manage (every service already shares `RRM_LINKS__SECRET`, which is what lets a
/// session opened on one service be verified by all), while a link token can never pass for a
/// cookie nor a cookie for a link: they are signed under different keys. Changing the links
/// secret signs every coordinator out.
#[derive(Clone)]
pub struct SessionKeys {
    key: Arc<SecretSlice<u8>>,
}

impl SessionKeys {
    pub fn derive(links_secret: &SecretString) -> Self {
        let mut mac = HmacSha256::new_from_slice(links_secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"rrm session v1");
        Self {
            key: Arc::new(mac.finalize().into_bytes().to_vec().into()),
        }
    }

    fn mac(&self, domain: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(self.key.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(domain);
        mac
    }

    /// A new session for a coordinator, from `now` for `ttl` (never past the token's own expiry).
    pub fn open(
        &self,
        coordinator: &crate::auth::Coordinator,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Session {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let mut expires = now + ttl;
        if let Some(token_expiry) = coordinator.expires_at {
            expires = expires.min(token_expiry);
        }
        Session {
            token_id: coordinator.token_id,
            name: coordinator.name.clone(),
            scopes: coordinator.scopes.clone(),
            issued_at: now.timestamp(),
            expires: expires.timestamp(),
            nonce: URL_SAFE_NO_PAD.encode(nonce),
        }
    }

    /// The cookie value: `base64url(JSON).base64url(HMAC)`.
    pub fn sign(&self, session: &Session) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(session).unwrap_or_default());
        let mut mac = self.mac(b"cookie:");
        mac.update(body.as_bytes());
        format!(
            "{body}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    /// Checks the signature (constant-time), then the expiry. Nothing of a forged value is read.
    pub fn verify(&self, value: &str, now: DateTime<Utc>) -> Result<Session, SessionError> {
        let (body, tag) = value.split_once('.').ok_or(SessionError::Tampered)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| SessionError::Tampered)?;
        let mut mac = self.mac(b"cookie:");
        mac.update(body.as_bytes());
        mac.verify_slice(&tag).map_err(|_| SessionError::Tampered)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SessionError::Tampered)?;
        let session: Session =
            serde_json::from_slice(&bytes).map_err(|_| SessionError::Tampered)?;
        if session.expires <= now.timestamp() {
            return Err(SessionError::Expired);
        }
        Ok(session)
    }

    /// The CSRF value of the session whose cookie is `value`: every console form carries it in a
    /// hidden `csrf` field. A page of another origin cannot read the cookie, so cannot compute it.
    pub fn csrf_for(&self, value: &str) -> String {
        let mut mac = self.mac(b"csrf:");
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    pub fn verify_csrf(&self, value: &str, given: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(given.trim()) else {
            return false;
        };
        let mut mac = self.mac(b"csrf:");
        mac.update(value.as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}

/// The `Set-Cookie` value for a session cookie that lives until `expires`.
pub fn set_cookie(value: &str, now: DateTime<Utc>, expires: i64, secure: bool) -> String {
    let max_age = (expires - now.timestamp()).max(0);
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
}

/// Every `rrm_session` value in the request's `Cookie` headers (a browser may send more than one
/// when cookies of the same name were set for different paths).
pub fn cookie_values(headers: &axum::http::HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// `next` if it is a path on this service — `/…`, never `//host` or `/\host` (which browsers
/// read as another origin), never a backslash, whitespace, a control or non-ASCII character (a
/// browser sends paths percent-encoded). What the sign-in page redirects to, after the service's
/// public URL.
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && next.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Coordinator;

    fn keys() -> SessionKeys {
        SessionKeys::derive(&"0123456789abcdef0123456789abcdef".to_string().into())
    }

    fn desk() -> Coordinator {
        Coordinator {
            token_id: Uuid::now_v7(),
            name: "Desk".into(),
            scopes: vec!["alerts:write".into()],
            expires_at: None,
            token_sha256: "ab".repeat(32),
            revoked: false,
        }
    }

    #[test]
    fn a_signed_session_verifies_and_carries_who_and_until_when() {
        let k = keys();
        let now = Utc::now();
        let session = k.open(&desk(), now, Duration::hours(12));
        let cookie = k.sign(&session);
        let back = k.verify(&cookie, now).unwrap();
        assert_eq!(back, session);
        assert_eq!(back.name, "Desk");
        assert_eq!(back.expires - back.issued_at, 12 * 3600);
    }

    #[test]
    fn a_session_never_outlives_its_token() {
        let now = Utc::now();
        let coordinator = Coordinator {
            expires_at: Some(now + Duration::hours(1)),
            ..desk()
        };
        let session = keys().open(&coordinator, now, Duration::hours(12));
        assert_eq!(session.expires, (now + Duration::hours(1)).timestamp());
    }

    #[test]
    fn an_expired_session_is_refused() {
        let k = keys();
        let now = Utc::now();
        let cookie = k.sign(&k.open(&desk(), now, Duration::hours(12)));
        assert_eq!(
            k.verify(&cookie, now + Duration::hours(12)),
            Err(SessionError::Expired)
        );
    }

    #[test]
    fn a_tampered_session_is_refused() {
        let k = keys();
        let now = Utc::now();
        let session = k.open(&desk(), now, Duration::hours(12));
        let cookie = k.sign(&session);
        let (_, tag) = cookie.split_once('.').unwrap();
        let forged = Session {
            scopes: vec!["admin".into()],
            ..session
        };
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        for bad in [
            format!("{forged_body}.{tag}"),
            format!("{cookie}x"),
            "garbage".into(),
            ".".into(),
            String::new(),
        ] {
            assert_eq!(k.verify(&bad, now), Err(SessionError::Tampered), "{bad}");
        }
    }

    #[test]
    fn a_session_signed_under_another_key_is_refused() {
        let other = SessionKeys::derive(&"another-secret-another-secret-xx".to_string().into());
        let now = Utc::now();
        let cookie = other.sign(&other.open(&desk(), now, Duration::hours(1)));
        assert_eq!(keys().verify(&cookie, now), Err(SessionError::Tampered));
    }

    #[test]
    fn a_link_token_does_not_pass_for_a_session_cookie() {
        let secret: SecretString = "0123456789abcdef0123456789abcdef".to_string().into();
        let links = crate::LinkSigner::new(secret.clone(), Duration::hours(1));
        let token = links.sign("accept-invitation", "m", "i", None);
        assert_eq!(
            SessionKeys::derive(&secret).verify(&token, Utc::now()),
            Err(SessionError::Tampered)
        );
    }

    #[test]
    fn csrf_values_are_bound_to_their_session() {
        let k = keys();
        let now = Utc::now();
        let coordinator = desk();
        let a = k.sign(&k.open(&coordinator, now, Duration::hours(1)));
        let b = k.sign(&k.open(&coordinator, now, Duration::hours(1)));
        assert_ne!(a, b, "two sessions of one token differ");
        assert!(k.verify_csrf(&a, &k.csrf_for(&a)));
        assert!(!k.verify_csrf(&b, &k.csrf_for(&a)));
        assert!(!k.verify_csrf(&a, ""));
        assert!(!k.verify_csrf(&a, "not base64 !"));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        for good in ["/console", "/console/alerts?state=open", "/"] {
            assert_eq!(local_path(good), Some(good));
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "console",
            "",
            "/a b",
            "/a\r\nSet-Cookie: x=y",
            "/caf\u{e9}",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_over_https() {
        let now = Utc::now();
        let set = set_cookie("v", now, now.timestamp() + 60, true);
        assert_eq!(
            set,
            "rrm_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(!set_cookie("v", now, now.timestamp() + 60, false).contains("Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));

        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            "other=1; rrm_session=abc.def; x=y".parse().unwrap(),
        );
        assert_eq!(cookie_values(&headers).collect::<Vec<_>>(), ["abc.def"]);
    }
}
