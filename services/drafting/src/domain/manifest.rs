//! The signature manifest: what an approved op-ed's signatories signed, signed in turn by
//! drafting with Ed25519, so an editor can check that the list of signatories they publish is
//! the one the panel approved.
//!
//! The rules:
//!
//! - A manifest names the op-ed, the version's hash, its title and language, each signatory
//!   (name, title, byline, role, when they signed), who signed it off and when it was approved,
//!   and the id of the key that signs it. Its `format` is always [`FORMAT`].
//! - The signed bytes are [`Manifest::to_bytes`]: compact JSON, fields in declaration order, no
//!   trailing newline. Those exact bytes are what is served as `manifest.json`, and the
//!   signature covers them as served — a verifier checks the file it downloaded, never a
//!   re-serialisation of it (whose spacing, field order or number formats could differ).
//! - The signature is raw Ed25519 (64 bytes, served as `manifest.sig`). The public key is served
//!   as a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`); its id is the first 16 hex
//!   characters of the SHA-256 of its 32 raw bytes.
//! - The private key lives in one PKCS#8 PEM file ([`crate::key_file`] reads and creates it).
//!
//! # How an editor verifies a manifest
//!
//! With `manifest.json`, `manifest.sig` and the public key saved as `key.pem`, OpenSSL 3:
//!
//! ```text
//! openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in manifest.json -sigfile manifest.sig
//! ```
//!
//! prints `Signature Verified Successfully` and exits 0 when the manifest is intact; any change
//! to the file, however small, makes it print `Signature Verification Failure` and exit 1.

use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The manifest format this module writes.
pub const FORMAT: &str = "rrm-signature-manifest/1";

/// Hex characters of a key's id.
const KEY_ID_LEN: usize = 16;

/// One person who signed the approved version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestSignatory {
    pub name: String,
    pub title: String,
    /// The byline as published.
    pub line: String,
    /// `"author"` or `"co-signer"`.
    pub role: String,
    pub signed_at: DateTime<Utc>,
}

/// What an approved op-ed's signatories signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    pub oped_id: Uuid,
    pub alert_id: Uuid,
    /// SHA-256 of the approved version.
    pub version_hash: String,
    pub title: String,
    pub language: String,
    pub signatories: Vec<ManifestSignatory>,
    /// The coordinator who signed the op-ed off, when one did.
    pub signed_off_by: Option<String>,
    /// On a correction: the hash of the version it replaces. When the authors were notified
    /// of the correction instead of signing it again (`corrections = "notify"`), the
    /// signatories and their signing times are those of that earlier version, and
    /// `signed_off_by` names the coordinator who made the correction.
    pub corrects: Option<String>,
    /// When this text was approved (or the correction published).
    pub approved_at: DateTime<Utc>,
    /// [`ManifestKey::id`] of the key that signs this manifest.
    pub key_id: String,
}

impl Manifest {
    /// The bytes that are signed and served: compact JSON in field order, no trailing newline.
    /// The signature covers these bytes as served, not any re-serialisation of them.
    #[expect(
        clippy::expect_used,
        reason = "strings, UUIDs, times and options always serialise to JSON"
    )]
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest always serialises")
    }
}

/// Drafting's manifest signing key and its id.
pub struct ManifestKey {
    key: SigningKey,
    id: String,
}

impl std::fmt::Debug for ManifestKey {
    /// The id only: the secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManifestKey").field("id", &self.id).finish()
    }
}

impl ManifestKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self::new(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// The key in a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> anyhow::Result<Self> {
        let key = SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| anyhow::anyhow!("not an Ed25519 PKCS#8 private key: {e}"))?;
        Ok(Self::new(key))
    }

    /// The secret key as PKCS#8 PEM, as the key file keeps it ([`crate::key_file`]).
    #[expect(
        clippy::expect_used,
        reason = "encoding a valid Ed25519 key as PKCS#8 cannot fail"
    )]
    pub fn to_pkcs8_pem(&self) -> String {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .expect("an Ed25519 key always encodes")
            .to_string()
    }

    /// Id of the public key: the first 16 hex characters of the SHA-256 of its raw bytes.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public key as a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), the form
    /// `openssl pkey -pubin` and `openssl pkeyutl -pubin` read.
    #[expect(
        clippy::expect_used,
        reason = "encoding a valid Ed25519 public key cannot fail"
    )]
    pub fn public_key_pem(&self) -> String {
        self.key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("an Ed25519 public key always encodes")
    }

    /// The raw 32-byte public key, standard base64.
    pub fn public_key_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.verifying_key().as_bytes())
    }

    /// The 64-byte Ed25519 signature of `bytes`.
    pub fn sign(&self, bytes: &[u8]) -> Vec<u8> {
        self.key.sign(bytes).to_bytes().to_vec()
    }

    fn new(key: SigningKey) -> Self {
        let id = key_id(&key.verifying_key());
        Self { key, id }
    }
}

fn key_id(public: &VerifyingKey) -> String {
    let mut id = hex::encode(Sha256::digest(public.as_bytes()));
    id.truncate(KEY_ID_LEN);
    id
}

/// Why a manifest's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the public key is not an Ed25519 SubjectPublicKeyInfo PEM")]
    BadKey,
    #[error("the signature does not match the manifest")]
    BadSignature,
}

/// Checks `signature` over `bytes` (the manifest as served) with the public key in PEM.
pub fn verify(public_key_pem: &str, bytes: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    let key = VerifyingKey::from_public_key_pem(public_key_pem).map_err(|_| VerifyError::BadKey)?;
    let signature = Signature::from_slice(signature).map_err(|_| VerifyError::BadSignature)?;
    key.verify_strict(bytes, &signature)
        .map_err(|_| VerifyError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::path::Path;
    use std::process::Command;

    fn manifest(key: &ManifestKey) -> Manifest {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 19, 16, 0).unwrap();
        Manifest {
            format: FORMAT.to_owned(),
            oped_id: Uuid::now_v7(),
            alert_id: Uuid::now_v7(),
            version_hash: "ab".repeat(32),
            title: "Water is a right — «ليس سلعة»".to_owned(),
            language: "en".to_owned(),
            signatories: vec![
                ManifestSignatory {
                    name: "Amina Diallo".to_owned(),
                    title: "Hydrologist".to_owned(),
                    line: "Amina Diallo, hydrologist, Dakar".to_owned(),
                    role: "author".to_owned(),
                    signed_at: at,
                },
                ManifestSignatory {
                    name: "Ruth Cohen".to_owned(),
                    title: "Economist".to_owned(),
                    line: "Ruth Cohen, economist".to_owned(),
                    role: "co-signer".to_owned(),
                    signed_at: at,
                },
            ],
            signed_off_by: Some("coordinator Ruth".to_owned()),
            corrects: None,
            approved_at: at,
            key_id: key.id().to_owned(),
        }
    }

    #[test]
    fn a_signed_manifest_verifies() {
        let key = ManifestKey::generate();
        let bytes = manifest(&key).to_bytes();
        let signature = key.sign(&bytes);
        assert_eq!(signature.len(), 64);
        assert_eq!(verify(&key.public_key_pem(), &bytes, &signature), Ok(()));
    }

    #[test]
    fn the_bytes_are_compact_json_in_field_order() {
        let key = ManifestKey::generate();
        let bytes = manifest(&key).to_bytes();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(r#"{"format":"rrm-signature-manifest/1","oped_id":""#));
        assert!(!text.ends_with('\n'));
        assert!(!text.contains(": ") && !text.contains(", \""));
        let back: Manifest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, manifest_with_ids(&key, &back));
    }

    /// The test manifest with the ids of `like` (ids are random).
    fn manifest_with_ids(key: &ManifestKey, like: &Manifest) -> Manifest {
        Manifest {
            oped_id: like.oped_id,
            alert_id: like.alert_id,
            ..manifest(key)
        }
    }

    #[test]
    fn a_changed_byte_of_the_manifest_fails() {
        let key = ManifestKey::generate();
        let mut bytes = manifest(&key).to_bytes();
        let signature = key.sign(&bytes);
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
        assert_eq!(
            verify(&key.public_key_pem(), &bytes, &signature),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn a_changed_byte_of_the_signature_fails() {
        let key = ManifestKey::generate();
        let bytes = manifest(&key).to_bytes();
        let mut signature = key.sign(&bytes);
        signature[10] ^= 0x80;
        assert_eq!(
            verify(&key.public_key_pem(), &bytes, &signature),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(&key.public_key_pem(), &bytes, &signature[..63]),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn another_key_or_no_key_fails() {
        let key = ManifestKey::generate();
        let bytes = manifest(&key).to_bytes();
        let signature = key.sign(&bytes);
        let other = ManifestKey::generate();
        assert_eq!(
            verify(&other.public_key_pem(), &bytes, &signature),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify("not a key", &bytes, &signature),
            Err(VerifyError::BadKey)
        );
    }

    #[test]
    fn pem_round_trip_keeps_the_key_and_its_id() {
        let key = ManifestKey::generate();
        let pem = key.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = ManifestKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(back.id(), key.id());
        assert_eq!(back.id().len(), 16);
        assert_eq!(back.public_key_pem(), key.public_key_pem());
        assert!(
            key.public_key_pem()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        let raw = base64::engine::general_purpose::STANDARD
            .decode(key.public_key_base64())
            .unwrap();
        assert_eq!(raw.len(), 32);
        assert_eq!(hex::encode(Sha256::digest(&raw))[..16], *key.id());
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }

    /// Runs openssl with `args` in `dir`; fails the test when openssl cannot be run.
    fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "this test needs the openssl command line (OpenSSL 3) on PATH, \
                     as editors use it to verify manifests: {e}"
                )
            })
    }

    #[test]
    fn editors_verify_with_the_openssl_command_line() {
        let key = ManifestKey::generate();
        let bytes = manifest(&key).to_bytes();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), &bytes).unwrap();
        std::fs::write(dir.path().join("manifest.sig"), key.sign(&bytes)).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.public_key_pem()).unwrap();
        let command = [
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "key.pem",
            "-rawin",
            "-in",
            "manifest.json",
            "-sigfile",
            "manifest.sig",
        ];

        let intact = openssl(dir.path(), &command);
        let stdout = String::from_utf8_lossy(&intact.stdout);
        assert!(
            intact.status.success(),
            "openssl rejected an intact manifest: {stdout} {}",
            String::from_utf8_lossy(&intact.stderr)
        );
        assert!(
            stdout.contains("Signature Verified Successfully"),
            "{stdout}"
        );

        let mut altered = bytes.clone();
        let at = altered.len() - 3;
        altered[at] ^= 1;
        std::fs::write(dir.path().join("manifest.json"), &altered).unwrap();
        let tampered = openssl(dir.path(), &command);
        assert!(
            !tampered.status.success(),
            "openssl accepted an altered manifest: {}",
            String::from_utf8_lossy(&tampered.stdout)
        );
    }

    #[test]
    fn openssl_reads_the_public_key() {
        let key = ManifestKey::generate();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key.pem"), key.public_key_pem()).unwrap();
        let out = openssl(
            dir.path(),
            &["pkey", "-pubin", "-in", "key.pem", "-noout", "-text"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("ED25519"));
    }
}
