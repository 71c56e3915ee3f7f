//! The file drafting's manifest signing key lives in: one PKCS#8 PEM, readable by its owner
//! alone (mode 0600). A missing file is created with a new key (and a warning in the logs, with
//! the new key's id); a file that cannot be read or holds no key is an error, never replaced:
//! replacing it would leave every manifest published before checkable only against a public
//! key no longer served. `runbooks/drafting-and-signatures.md` says how to back it up and
//! rotate it.

use crate::domain::manifest::ManifestKey;
use anyhow::Context;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The key kept at `path`. When no file is there, a new key is generated and written there,
/// readable by its owner only; a file that cannot be read or holds no key is an error.
pub fn load_or_create(path: &Path) -> anyhow::Result<ManifestKey> {
    match std::fs::read_to_string(path) {
        Ok(pem) => from_pem_file(path, &pem),
        Err(e) if e.kind() == ErrorKind::NotFound => create(path),
        Err(e) => {
            Err(e).with_context(|| format!("cannot read the manifest key at {}", path.display()))
        }
    }
}

fn from_pem_file(path: &Path, pem: &str) -> anyhow::Result<ManifestKey> {
    ManifestKey::from_pkcs8_pem(pem)
        .with_context(|| format!("the manifest key at {} is not usable", path.display()))
}

/// Generates a key and writes it to `path`, which must not exist. When another start wrote it
/// first, that key is loaded instead: the file is never overwritten.
fn create(path: &Path) -> anyhow::Result<ManifestKey> {
    let key = ManifestKey::generate();
    match write_new_secret(path, key.to_pkcs8_pem().as_bytes()) {
        Ok(()) => {
            tracing::warn!(
                path = %path.display(),
                key_id = key.id(),
                "generated a new manifest signing key at {} (id {}): publish its public key",
                path.display(),
                key.id(),
            );
            Ok(key)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let pem = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the manifest key at {}", path.display()))?;
            from_pem_file(path, &pem)
        }
        Err(e) => {
            Err(e).with_context(|| format!("cannot write a new manifest key at {}", path.display()))
        }
    }
}

/// Writes `bytes` to a new file at `path` (parents created), readable and writable by its owner
/// only; fails with `AlreadyExists` rather than replace a file.
fn write_new_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_missing_key_file_is_created_owner_only_and_loaded_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("manifest.pem");
        let created = load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let loaded = load_or_create(&path).unwrap();
        assert_eq!(loaded.id(), created.id());
    }

    #[test]
    fn an_invalid_key_file_is_an_error_and_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.pem");
        std::fs::write(&path, "not a key").unwrap();
        let err = load_or_create(&path).unwrap_err();
        assert!(
            format!("{err:#}").contains(&path.display().to_string()),
            "{err:#}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key");
    }
}
