//! Signed link tokens: what members, translators and editors act with instead of a login.
//!
//! A token binds exactly one purpose (`accept-invitation`, `sign-version`, …), subject (who may act),
//! object (on what), optional version (the text hash a signature is bound to) and expiry, signed
//! with HMAC-SHA256. Verification is constant-time. Whether a token is single-use is the domain's
//! business (an answered invitation cannot be answered again).
//!
//! **Keys.** Tokens are signed with the active key and name it: `<key id>.<claims>.<tag>`, the
//! tag covering the key id and the claims. Keys retired by a rotation still verify the tokens
//! they signed until their `until` time (set it at least `links.ttl_hours` after the rotation:
//! then every link sent before the rotation keeps working to its own expiry), and sign nothing.
//! Tokens from before key ids (`<claims>.<tag>`) are verified with every key still verifying.
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

/// A key that verifies tokens: its id, its secret and, for a retired key, until when.
#[derive(Clone)]
struct Key {
    id: String,
    secret: SecretString,
    until: Option<DateTime<Utc>>,
}

impl Key {
    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
        HmacSha256::new_from_slice(self.secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    fn verifies_at(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| now < until)
    }
}

/// Signs link tokens with the active key, and verifies them with it and the retired keys.
#[derive(Clone)]
pub struct LinkSigner {
    /// The active key first, then the retired ones.
    keys: std::sync::Arc<Vec<Key>>,
    ttl: Duration,
}

/// The id the only key has when none is configured.
pub const DEFAULT_KEY_ID: &str = "k1";

impl LinkSigner {
    /// A signer with one key, `secret`, under the default id.
    pub fn new(secret: SecretString, ttl: Duration) -> Self {
        Self::with_keys(DEFAULT_KEY_ID, secret, Vec::new(), ttl)
    }

    /// A signer signing with `secret` under `id`; `retired` keys (id, secret, until) still
    /// verify until their time.
    pub fn with_keys(
        id: &str,
        secret: SecretString,
        retired: Vec<(String, SecretString, DateTime<Utc>)>,
        ttl: Duration,
    ) -> Self {
        let mut keys = vec![Key {
            id: id.to_owned(),
            secret,
            until: None,
        }];
        keys.extend(retired.into_iter().map(|(id, secret, until)| Key {
            id,
            secret,
            until: Some(until),
        }));
        Self {
            keys: std::sync::Arc::new(keys),
            ttl,
        }
    }

    fn active(&self) -> &Key {
        &self.keys[0]
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
        let key = self.active();
        let signed = format!(
            "{}.{}",
            key.id,
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default())
        );
        let mut mac = key.mac();
        mac.update(signed.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signed}.{tag}")
    }

    /// The key that signed `token` and still verifies at `now`, with what it signed and the
    /// claims' part: by the token's key id, or — for a token from before key ids — the first
    /// key whose tag matches.
    fn key_of<'t>(&self, token: &'t str, now: DateTime<Utc>) -> Option<(&Key, &'t str)> {
        let (signed, tag) = token.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let candidates: Vec<&Key> = match signed.split_once('.') {
            Some((id, _)) => self.keys.iter().filter(|k| k.id == id).collect(),
            None => self.keys.iter().collect(),
        };
        let key = candidates
            .into_iter()
            .filter(|k| k.verifies_at(now))
            .find(|k| {
                let mut mac = k.mac();
                mac.update(signed.as_bytes());
                mac.verify_slice(&tag).is_ok()
            })?;
        let body = signed.split_once('.').map_or(signed, |(_, b)| b);
        Some((key, body))
    }

    /// Checks signature, purpose and expiry (in that order: nothing of a forged token is trusted).
    pub fn verify(
        &self,
        token: &str,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<Claims, LinkError> {
        let (_, body) = self.key_of(token, now).ok_or(LinkError::Tampered)?;
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

    /// The key CSRF values for `token` are made with: the one that signed it (so a page served
    /// before a rotation can still be answered after it), else the active key.
    fn csrf_key(&self, token: &str) -> &Key {
        self.key_of(token, Utc::now())
            .map_or_else(|| self.active(), |(k, _)| k)
    }

    /// The CSRF value a page embeds in its form for this token: only someone who holds the token
    /// (and so could read the page) can produce it.
    pub fn csrf_for(&self, token: &str) -> String {
        let mut mac = self.csrf_key(token).mac();
        mac.update(b"csrf:");
        mac.update(token.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    pub fn verify_csrf(&self, token: &str, csrf: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(csrf) else {
            return false;
        };
        let mut mac = self.csrf_key(token).mac();
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
        let (_, tag) = token.rsplit_once('.').unwrap();
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
                &format!("k1.{forged_body}.{tag}"),
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

    const OLD: &str = "old-secret-old-secret-old-secret-0";
    const NEW: &str = "new-secret-new-secret-new-secret-1";

    fn rotated(until: DateTime<Utc>) -> LinkSigner {
        LinkSigner::with_keys(
            "2026-12",
            NEW.to_string().into(),
            vec![("2026-11".into(), OLD.to_string().into(), until)],
            Duration::hours(48),
        )
    }

    #[test]
    fn a_token_names_the_key_that_signed_it() {
        let s = rotated(Utc::now() + Duration::hours(72));
        let token = s.sign("p", "m", "o", None);
        assert!(token.starts_with("2026-12."), "{token}");
        assert_eq!(token.split('.').count(), 3);
    }

    #[test]
    fn after_a_rotation_links_in_flight_keep_working_until_the_old_key_retires() {
        let before = LinkSigner::with_keys(
            "2026-11",
            OLD.to_string().into(),
            Vec::new(),
            Duration::hours(48),
        );
        let in_flight = before.sign("accept-invitation", "m", "i", None);
        let csrf = before.csrf_for(&in_flight);
        let until = Utc::now() + Duration::hours(72);
        let after = rotated(until);
        assert!(
            after
                .verify(&in_flight, "accept-invitation", Utc::now())
                .is_ok()
        );
        assert!(
            after.verify_csrf(&in_flight, &csrf),
            "a page served before still answers"
        );
        // New links are signed with the new key only.
        let fresh = after.sign("accept-invitation", "m", "i", None);
        assert!(
            before
                .verify(&fresh, "accept-invitation", Utc::now())
                .is_err()
        );
        // Once retired, the old key verifies nothing.
        assert_eq!(
            after.verify(
                &in_flight,
                "accept-invitation",
                until + Duration::seconds(1)
            ),
            Err(LinkError::Tampered)
        );
    }

    #[test]
    fn a_token_cannot_borrow_another_key_id() {
        let s = rotated(Utc::now() + Duration::hours(72));
        let token = s.sign("p", "m", "o", None);
        let renamed = token.replacen("2026-12.", "2026-11.", 1);
        assert_eq!(
            s.verify(&renamed, "p", Utc::now()),
            Err(LinkError::Tampered)
        );
    }

    #[test]
    fn tokens_from_before_key_ids_still_verify() {
        let claims = Claims {
            purpose: "p".into(),
            subject: "m".into(),
            object: "o".into(),
            version: None,
            expires: (Utc::now() + Duration::hours(1)).timestamp(),
        };
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        let mut mac = HmacSha256::new_from_slice(OLD.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        let legacy = format!(
            "{body}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        let s = rotated(Utc::now() + Duration::hours(72));
        assert_eq!(s.verify(&legacy, "p", Utc::now()).unwrap().object, "o");
    }
}
