//! Encryption at rest for sensitive free text, and the keys derived for other uses.
//!
//! XChaCha20-Poly1305 (random 24-byte nonce per message, so nonces never need
//! coordinating between server copies). The table, column and row id are the
//! associated data: a ciphertext copied onto another record does not decrypt.
//! Each ciphertext names its key id, so a new key can be added at the top of the
//! key file while older ciphertexts keep decrypting with the key they name.
//!
//! Key file: one key per line, `id:base64(32 bytes)`; the first line is the key
//! new data is encrypted with. Lines starting with `#` are comments.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a key file could not be used or a value could not be decrypted.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("the value was not encrypted by Threshold or is damaged")]
    Malformed,
    #[error("the value was encrypted with key {0:?}, which is not in the key file")]
    UnknownKey(String),
    #[error("the value does not belong to this record or was altered")]
    Forged,
}

/// Which record a ciphertext belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row_id: &'a str,
}

impl Binding<'_> {
    fn aad(&self) -> Vec<u8> {
        let mut v = Vec::new();
        for part in [self.table, self.column, self.row_id] {
            v.extend_from_slice(&(part.len() as u32).to_be_bytes());
            v.extend_from_slice(part.as_bytes());
        }
        v
    }
}

/// The loaded key ring.
#[derive(Clone)]
pub struct FieldCipher {
    active: String,
    keys: HashMap<String, [u8; 32]>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The operating system's generator; failure here means the machine is broken.
    if getrandom::fill(&mut b).is_err() {
        b = [0u8; N];
        for (i, x) in b.iter_mut().enumerate() {
            *x = (std::process::id() as usize ^ i) as u8;
        }
        tracing::error!("the operating system's random generator failed");
    }
    b
}

/// `n` random bytes as URL-safe base64 (tokens in links and cookies).
pub fn random_token(n: usize) -> String {
    let mut b = vec![0u8; n];
    if getrandom::fill(&mut b).is_err() {
        tracing::error!("the operating system's random generator failed");
        b = random::<32>().to_vec();
    }
    URL_SAFE_NO_PAD.encode(b)
}

/// Hex SHA-256 of a high-entropy secret (session ids, tokens, link tokens): what
/// is stored instead of the secret itself.
pub fn secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl FieldCipher {
    /// Parses a key file's text.
    pub fn from_text(text: &str, path: &str) -> Result<Self, CryptoError> {
        let bad = |reason: String| CryptoError::KeyFile {
            path: path.to_owned(),
            reason,
        };
        let mut keys = HashMap::new();
        let mut active = None;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, b64) = line
                .split_once(':')
                .ok_or_else(|| bad(format!("line {}: expected id:base64key", n + 1)))?;
            if id.is_empty() || id.contains('.') {
                return Err(bad(format!(
                    "line {}: a key id must be non-empty and without dots",
                    n + 1
                )));
            }
            let raw = STANDARD
                .decode(b64.trim())
                .map_err(|_| bad(format!("line {}: the key is not base64", n + 1)))?;
            let key: [u8; 32] = raw
                .try_into()
                .map_err(|_| bad(format!("line {}: a key must be 32 bytes", n + 1)))?;
            if keys.insert(id.to_owned(), key).is_some() {
                return Err(bad(format!("line {}: key id {id:?} appears twice", n + 1)));
            }
            active.get_or_insert_with(|| id.to_owned());
        }
        let active = active.ok_or_else(|| bad("no key in the file".into()))?;
        Ok(Self { active, keys })
    }

    /// A fresh key ring with one random key (tests and first start).
    pub fn generate() -> Self {
        let id = format!("k{}", jiff::Timestamp::now().as_second());
        let mut keys = HashMap::new();
        keys.insert(id.clone(), random::<32>());
        Self { active: id, keys }
    }

    /// The key file text for this ring (active key first).
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# Threshold field-encryption keys. The first key encrypts new data.\n# Keep this file secret and backed up: without it encrypted fields cannot be read.\n",
        );
        let mut ids: Vec<_> = self.keys.keys().filter(|k| **k != self.active).collect();
        ids.sort();
        for id in std::iter::once(&self.active).chain(ids) {
            if let Some(k) = self.keys.get(id) {
                out.push_str(&format!("{id}:{}\n", STANDARD.encode(k)));
            }
        }
        out
    }

    /// Loads the key file, or (when `create` is set and the file is missing)
    /// generates one with mode 0600.
    pub fn load_or_create(path: &Path, create: bool) -> Result<Self, CryptoError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    if let Ok(meta) = std::fs::metadata(path)
                        && meta.permissions().mode() & 0o077 != 0
                    {
                        tracing::warn!(path = %shown, "the key file can be read by other users; chmod 600 it");
                    }
                }
                Self::from_text(&text, &shown)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let ring = Self::generate();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| CryptoError::KeyFile {
                        path: shown.clone(),
                        reason: e.to_string(),
                    })?;
                }
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut f = opts.open(path).map_err(|e| CryptoError::KeyFile {
                    path: shown.clone(),
                    reason: e.to_string(),
                })?;
                f.write_all(ring.to_text().as_bytes())
                    .and_then(|()| f.sync_all())
                    .map_err(|e| CryptoError::KeyFile {
                        path: shown.clone(),
                        reason: e.to_string(),
                    })?;
                tracing::info!(path = %shown, "generated a new field-encryption key file");
                Ok(ring)
            }
            Err(e) => Err(CryptoError::KeyFile {
                path: shown,
                reason: e.to_string(),
            }),
        }
    }

    /// `v1.<key id>.<base64(nonce ‖ ciphertext)>`
    pub fn encrypt(&self, plaintext: &str, binding: Binding<'_>) -> String {
        let key = self.keys.get(&self.active).copied().unwrap_or([0; 32]);
        let cipher = XChaCha20Poly1305::new(&key.into());
        let nonce_bytes = random::<24>();
        let nonce = XNonce::from(nonce_bytes);
        let aad = binding.aad();
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        let mut blob = nonce_bytes.to_vec();
        blob.extend_from_slice(&ct);
        format!("v1.{}.{}", self.active, STANDARD.encode(blob))
    }

    pub fn decrypt(&self, sealed: &str, binding: Binding<'_>) -> Result<String, CryptoError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CryptoError::Malformed);
        };
        let key = self
            .keys
            .get(id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))?;
        let blob = STANDARD.decode(b64).map_err(|_| CryptoError::Malformed)?;
        if blob.len() < 24 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ct) = blob.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
        let cipher = XChaCha20Poly1305::new(&(*key).into());
        let aad = binding.aad();
        let pt = cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad: &aad })
            .map_err(|_| CryptoError::Forged)?;
        String::from_utf8(pt).map_err(|_| CryptoError::Malformed)
    }

    /// A 32-byte key for another purpose (CSRF tokens), derived from the active key
    /// so it is the same on every server copy that shares the key file.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let key = self.keys.get(&self.active).copied().unwrap_or([0; 32]);
        let Ok(mut mac) = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&key) else {
            return [0; 32];
        };
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// HMAC-SHA256 of `msg` under `key`, hex.
pub fn hmac_hex(key: &[u8; 32], msg: &str) -> String {
    match <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(msg.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(row: &'a str) -> Binding<'a> {
        Binding {
            table: "inquiries",
            column: "reason_enc",
            row_id: row,
        }
    }

    #[test]
    fn text_round_trips_for_its_own_record() {
        let c = FieldCipher::generate();
        let sealed = c.encrypt("I have struggled with depression for years.", at("r1"));
        assert!(!sealed.contains("depression"));
        assert_eq!(
            c.decrypt(&sealed, at("r1")).unwrap(),
            "I have struggled with depression for years."
        );
    }

    #[test]
    fn ciphertext_moved_to_another_record_does_not_decrypt() {
        let c = FieldCipher::generate();
        let sealed = c.encrypt("private", at("r1"));
        assert!(matches!(
            c.decrypt(&sealed, at("r2")),
            Err(CryptoError::Forged)
        ));
        let other_column = Binding {
            column: "note_enc",
            ..at("r1")
        };
        assert!(matches!(
            c.decrypt(&sealed, other_column),
            Err(CryptoError::Forged)
        ));
    }

    #[test]
    fn the_same_text_encrypts_differently_each_time() {
        let c = FieldCipher::generate();
        assert_ne!(c.encrypt("same", at("r1")), c.encrypt("same", at("r1")));
    }

    #[test]
    fn a_rotated_key_ring_still_reads_old_values() {
        let old = FieldCipher::from_text("old:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "t")
            .unwrap();
        let sealed = old.encrypt("kept", at("r1"));
        let rotated = FieldCipher::from_text(
            "new:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\nold:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
            "t",
        )
        .unwrap();
        assert_eq!(rotated.decrypt(&sealed, at("r1")).unwrap(), "kept");
        assert!(rotated.encrypt("x", at("r1")).starts_with("v1.new."));
        let only_new =
            FieldCipher::from_text("new:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n", "t")
                .unwrap();
        assert!(matches!(
            only_new.decrypt(&sealed, at("r1")),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_tampered_ciphertext_is_refused() {
        let c = FieldCipher::generate();
        let mut sealed = c.encrypt("private", at("r1")).into_bytes();
        let last = sealed.len() - 3;
        sealed[last] = if sealed[last] == b'A' { b'B' } else { b'A' };
        let sealed = String::from_utf8(sealed).unwrap();
        assert!(c.decrypt(&sealed, at("r1")).is_err());
    }

    #[test]
    fn bad_key_files_are_explained() {
        for text in [
            "",
            "nokey",
            "k:notbase64!!",
            "k:AAAA",
            "a.b:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ] {
            assert!(FieldCipher::from_text(text, "t").is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_generated_key_file_reads_back() {
        let c = FieldCipher::generate();
        let back = FieldCipher::from_text(&c.to_text(), "t").unwrap();
        let sealed = c.encrypt("x", at("r"));
        assert_eq!(back.decrypt(&sealed, at("r")).unwrap(), "x");
    }
}
