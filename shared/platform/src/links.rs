//! Signed link tokens: what members, translators and editors act with instead of a login.
//!
//! A token binds exactly one purpose (`accept-invitation`, `sign-version`, …), subject (who may act),
//! object (on what), optional version (the text hash a signature is bound to) and expiry, signed
//! with HMAC-SHA256 under the service's link secret. Verification is constant-time. Whether a token
//! is single-use is the domain's business (an answered invitation cannot be answered again).
//!
//! Tokens are never logged: log the claims, not the token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a token allows, and to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// `p`: the one action the token is for.
    #[serde(rename = "p")]
    pub purpose: String,
    /// `s`: who may act (member, translator or editor id).
    #[serde(rename = "s")]
    pub subject: String,
    /// `o`: what they act on (invitation, draft, job, feed…).
    #[serde(rename = "o")]
    pub object: String,
    /// `v`: the version hash the action is bound to, when there is one.
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `e`: expiry, seconds since the epoch.
    #[serde(rename = "e")]
    pub expires: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link is damaged or was not issued by us")]
    Tampered,
    #[error("this link has expired")]
    Expired,
    #[error("this link is for a different action")]
    WrongPurpose,
}

/// Signs and verifies link tokens under one secret.
#[derive(Clone)]
pub struct LinkSigner {
    secret: SecretString,
    ttl: Duration,
}

impl LinkSigner {
    pub fn new(secret: SecretString, ttl: Duration) -> Self {
        Self { secret, ttl }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
        HmacSha256::new_from_slice(self.secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    /// A token for `purpose` by `subject` on `object`, valid for the configured time.
    pub fn sign(
        &self,
        purpose: &str,
        subject: &str,
        object: &str,
        version: Option<&str>,
    ) -> String {
        self.sign_claims(&Claims {
            purpose: purpose.to_owned(),
            subject: subject.to_owned(),
            object: object.to_owned(),
            version: version.map(str::to_owned),
            expires: (Utc::now() + self.ttl).timestamp(),
        })
    }

    pub fn sign_claims(&self, claims: &Claims) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{body}.{tag}")
    }

    /// Checks signature, purpose and expiry (in that order: nothing of a forged token is trusted).
    pub fn verify(
        &self,
        token: &str,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<Claims, LinkError> {
        let (body, tag) = token.split_once('.').ok_or(LinkError::Tampered)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| LinkError::Tampered)?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&tag).map_err(|_| LinkError::Tampered)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| LinkError::Tampered)?;
        let claims: Claims = serde_json::from_slice(&bytes).map_err(|_| LinkError::Tampered)?;
        if claims.purpose != purpose {
            return Err(LinkError::WrongPurpose);
        }
        if claims.expires <= now.timestamp() {
            return Err(LinkError::Expired);
        }
        Ok(claims)
    }

    /// The CSRF value a page embeds in its form for this token: only someone who holds the token
    /// (and so could read the page) can produce it.
    pub fn csrf_for(&self, token: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"csrf:");
        mac.update(token.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    pub fn verify_csrf(&self, token: &str, csrf: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(csrf) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(b"csrf:");
        mac.update(token.as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> LinkSigner {
        LinkSigner::new(
            "0123456789abcdef0123456789abcdef".to_string().into(),
            Duration::hours(48),
        )
    }

    #[test]
    fn a_signed_token_verifies_for_its_purpose() {
        let s = signer();
        let token = s.sign("sign-version", "member-1", "draft-9", Some("abc"));
        let claims = s.verify(&token, "sign-version", Utc::now()).unwrap();
        assert_eq!(claims.subject, "member-1");
        assert_eq!(claims.object, "draft-9");
        assert_eq!(claims.version.as_deref(), Some("abc"));
    }

    #[test]
    fn a_token_for_another_purpose_is_refused() {
        let s = signer();
        let token = s.sign("accept-invitation", "m", "i", None);
        assert_eq!(
            s.verify(&token, "sign-version", Utc::now()),
            Err(LinkError::WrongPurpose)
        );
    }

    #[test]
    fn an_expired_token_is_refused() {
        let s = signer();
        let token = s.sign("accept-invitation", "m", "i", None);
        assert_eq!(
            s.verify(
                &token,
                "accept-invitation",
                Utc::now() + Duration::hours(49)
            ),
            Err(LinkError::Expired)
        );
    }

    #[test]
    fn a_token_with_edited_claims_is_refused() {
        let s = signer();
        let token = s.sign("accept-invitation", "member-1", "inv-1", None);
        let (_, tag) = token.split_once('.').unwrap();
        let forged_claims = Claims {
            purpose: "accept-invitation".into(),
            subject: "member-2".into(),
            object: "inv-1".into(),
            version: None,
            expires: i64::MAX,
        };
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged_claims).unwrap());
        assert_eq!(
            s.verify(
                &format!("{forged_body}.{tag}"),
                "accept-invitation",
                Utc::now()
            ),
            Err(LinkError::Tampered)
        );
        assert_eq!(
            s.verify("garbage", "accept-invitation", Utc::now()),
            Err(LinkError::Tampered)
        );
    }

    #[test]
    fn a_token_from_another_secret_is_refused() {
        let other = LinkSigner::new(
            "another-secret-another-secret-xx".to_string().into(),
            Duration::hours(1),
        );
        let token = other.sign("accept-invitation", "m", "i", None);
        assert_eq!(
            signer().verify(&token, "accept-invitation", Utc::now()),
            Err(LinkError::Tampered)
        );
    }

    #[test]
    fn csrf_values_are_bound_to_their_token() {
        let s = signer();
        let a = s.sign("p", "m", "a", None);
        let b = s.sign("p", "m", "b", None);
        assert!(s.verify_csrf(&a, &s.csrf_for(&a)));
        assert!(!s.verify_csrf(&b, &s.csrf_for(&a)));
    }
}
