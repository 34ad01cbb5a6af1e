//! Field encryption for personal data, and keyed blind indexes for exact lookups.
//!
//! Each value is sealed with the field's name as associated data (a ciphertext moved
//! to another column fails to open). Lookups use HMAC-SHA256 under a key of their own,
//! so equal values can be found without storing them in clear.
//!
//! A value with a blind index of its own (an ID number, a phone) is sealed with
//! AES-256-GCM under that index as its nonce ([`FieldKeys::seal_under_index`]): the
//! index is stored beside it anyway, so the value keeps only its ciphertext and tag.
//! Such a nonce is the same for equal values, so equal values seal to the same bytes,
//! which tells a reader of the file only what the index beside them already tells
//! (which rows hold the same number). Two different values share a nonce only if the
//! first 96 bits of their indexes collide: about N²/2⁹⁷ for N values, 10⁻¹³ for a
//! hundred million. A value and its index are written together, from one
//! [`crate::ledger::pii::seal`]: an index rewritten alone would leave its value unopenable.
//! With the processor's AES instructions this seals a short value several times
//! faster than XChaCha20-Poly1305, which seals a value without an index (an exact
//! birth date) under a random 192-bit nonce stored with it.
//!
//! The keys derive from one 256-bit master key kept outside the database: a key file
//! in the data directory (owner-only) or the `CIVICGRID_MASTER_KEY` environment
//! variable.

use std::fmt;
use std::path::Path;

use aes_gcm::Aes256Gcm;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, Nonce, Payload};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use thiserror::Error;

/// Name of the key file inside the data directory.
pub const KEY_FILE: &str = "civicgrid.key";
/// Environment variable that may carry the master key (64 hex characters).
pub const KEY_ENV: &str = "CIVICGRID_MASTER_KEY";

const PREFIX: &str = "v1:";

#[derive(Debug, Error)]
pub enum CryptoError {
    #[error("stored value is not in the expected format")]
    Format,
    #[error("stored value does not open with this key (wrong key, or the value was altered)")]
    Open,
    #[error("the master key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    #[error("key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
}

/// The keys for sealing fields and computing blind indexes.
#[derive(Clone)]
pub struct FieldKeys {
    cipher: XChaCha20Poly1305,
    /// Seals values under their blind indexes (see the module's notes).
    index_sealer: Aes256Gcm,
    /// HMAC keyed with the index key, its key schedule done once and cloned per use.
    index_mac: Hmac<Sha256>,
}

/// First byte of a value sealed by [`FieldKeys::seal_bytes`]; a value stored by
/// [`FieldKeys::seal`] (and converted to bytes) starts with `v1:` instead.
const BINARY_V2: u8 = 2;
/// First byte of a value sealed by [`FieldKeys::seal_under_index`].
const BINARY_V3: u8 = 3;
/// Bytes of a blind index that make the nonce of a value sealed under it.
const INDEX_NONCE: usize = 12;

impl fmt::Debug for FieldKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FieldKeys(..)")
    }
}

fn hmac_with(key: &[u8; 32]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = hmac_with(master);
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl FieldKeys {
    /// Covered by: crates/civicgrid-store/src/crypto.rs::tests
    /// (every test derives its keys from a master key)
    pub fn from_master(master: &[u8; 32]) -> FieldKeys {
        let enc = derive(master, b"civicgrid field encryption v1");
        FieldKeys {
            cipher: XChaCha20Poly1305::new(&enc.into()),
            index_sealer: Aes256Gcm::new(
                &derive(master, b"civicgrid sealing under an index v3").into(),
            ),
            index_mac: hmac_with(&derive(master, b"civicgrid blind index v1")),
        }
    }

    /// Keys for a throw-away database (tests): random, never stored.
    pub fn ephemeral() -> FieldKeys {
        let mut master = [0u8; 32];
        rand::rng().fill_bytes(&mut master);
        FieldKeys::from_master(&master)
    }

    /// Covered by: crates/civicgrid-store/src/crypto.rs::tests::blind_indexes_are_keyed_and_per_field
    pub fn from_hex(text: &str) -> Result<FieldKeys, CryptoError> {
        let bytes = hex::decode(text.trim()).map_err(|_| CryptoError::BadKey)?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(FieldKeys::from_master(&master))
    }

    /// The key from `CIVICGRID_MASTER_KEY` if set, else from the key file in
    /// `data_dir`, which is created (mode 0600) on first use.
    ///
    /// Covered by: crates/civicgrid-store/src/crypto.rs::tests::key_file_is_created_private_and_reused
    pub fn load_or_create(data_dir: &Path) -> Result<FieldKeys, CryptoError> {
        if let Ok(v) = std::env::var(KEY_ENV)
            && !v.trim().is_empty()
        {
            return FieldKeys::from_hex(&v);
        }
        let path = data_dir.join(KEY_FILE);
        let io = |source| CryptoError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => FieldKeys::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut master = [0u8; 32];
                rand::rng().fill_bytes(&mut master);
                write_private(&path, &format!("{}\n", hex::encode(master))).map_err(io)?;
                Ok(FieldKeys::from_master(&master))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Seals `plain` for the column `field` under a fresh random nonce, appending to
    /// `out` the nonce, then the ciphertext with its tag.
    fn encrypt_into(&self, field: &str, plain: &str, out: &mut Vec<u8>) {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        out.reserve(24 + plain.len() + 16);
        out.extend_from_slice(&nonce);
        seal_with(&self.cipher, &nonce.into(), field, plain, out);
    }

    /// Opens `body` (a nonce, then the ciphertext with its tag) sealed for `field`.
    fn decrypt(&self, field: &str, body: &[u8]) -> Result<String, CryptoError> {
        let (nonce, sealed) = body.split_first_chunk::<24>().ok_or(CryptoError::Format)?;
        open_with(&self.cipher, &(*nonce).into(), field, sealed)
    }

    /// Seals `plain` for the column `field`, as text.
    pub fn seal(&self, field: &str, plain: &str) -> String {
        let mut out = Vec::new();
        self.encrypt_into(field, plain, &mut out);
        format!("{PREFIX}{}", B64.encode(out))
    }

    /// Opens a value sealed by [`FieldKeys::seal`] for the same `field`.
    pub fn open(&self, field: &str, stored: &str) -> Result<String, CryptoError> {
        let body = stored.strip_prefix(PREFIX).ok_or(CryptoError::Format)?;
        let bytes = B64.decode(body).map_err(|_| CryptoError::Format)?;
        self.decrypt(field, &bytes)
    }

    /// Seals `plain` for the column `field` in binary form: a version byte, the
    /// nonce and the ciphertext with its tag — 41 bytes more than the value, where the
    /// text form of [`FieldKeys::seal`] needs about twice that.
    ///
    /// Covered by: crates/civicgrid-store/src/crypto.rs::tests::binary_seal_opens_and_reads_older_text_values
    pub fn seal_bytes(&self, field: &str, plain: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 24 + plain.len() + 16);
        out.push(BINARY_V2);
        self.encrypt_into(field, plain, &mut out);
        out
    }

    /// Seals `plain` for the column `field` under `index`, its blind index as stored
    /// beside it (see the module's notes): a version byte, then the ciphertext with its
    /// tag, 17 bytes more than the value. An index shorter than 12 bytes cannot make a
    /// nonce: the value is sealed under a random one instead (see [`Self::seal_bytes`]).
    ///
    /// Covered by: crates/civicgrid-store/src/crypto.rs::tests::a_value_sealed_under_its_index_opens_only_with_it
    pub fn seal_under_index(&self, field: &str, plain: &str, index: &[u8]) -> Vec<u8> {
        let Some(nonce) = index_nonce(Some(index)) else {
            return self.seal_bytes(field, plain);
        };
        let mut out = Vec::with_capacity(1 + plain.len() + 16);
        out.push(BINARY_V3);
        seal_with(&self.index_sealer, &nonce.into(), field, plain, &mut out);
        out
    }

    /// Opens a value sealed by [`FieldKeys::seal_under_index`] (given the `index`
    /// stored beside it) or [`FieldKeys::seal_bytes`], or the bytes of a value sealed
    /// by [`FieldKeys::seal`] (stored before personal data went binary).
    ///
    /// Covered by: crates/civicgrid-store/src/crypto.rs::tests::binary_seal_opens_and_reads_older_text_values
    pub fn open_bytes(
        &self,
        field: &str,
        stored: &[u8],
        index: Option<&[u8]>,
    ) -> Result<String, CryptoError> {
        if stored.starts_with(PREFIX.as_bytes()) {
            let text = std::str::from_utf8(stored).map_err(|_| CryptoError::Format)?;
            return self.open(field, text);
        }
        match stored.split_first() {
            Some((&BINARY_V2, body)) => self.decrypt(field, body),
            Some((&BINARY_V3, sealed)) => {
                let nonce = index_nonce(index).ok_or(CryptoError::Format)?;
                open_with(&self.index_sealer, &nonce.into(), field, sealed)
            }
            _ => Err(CryptoError::Format),
        }
    }

    fn index_tag(&self, field: &str, normalised: &str) -> [u8; 32] {
        let mut mac = self.index_mac.clone();
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(normalised.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Keyed, deterministic index of a normalised value for the column `field`.
    pub fn blind_index(&self, field: &str, normalised: &str) -> String {
        // 128 bits: collisions are out of reach for any city's ledger.
        hex::encode(&self.index_tag(field, normalised)[..16])
    }

    /// The same index as [`FieldKeys::blind_index`] as its first `len` bytes (at most
    /// 32): 16 where a collision would join two people, fewer where a match is
    /// only a candidate.
    ///
    /// Covered by: crates/civicgrid-store/src/crypto.rs::tests::blind_indexes_are_keyed_and_per_field
    pub fn blind_index_bytes(&self, field: &str, normalised: &str, len: usize) -> Vec<u8> {
        let tag = self.index_tag(field, normalised);
        tag[..len.min(tag.len())].to_vec()
    }
}

/// The nonce of a value sealed under `index`: its first 12 bytes.
fn index_nonce(index: Option<&[u8]>) -> Option<[u8; INDEX_NONCE]> {
    index?.get(..INDEX_NONCE)?.try_into().ok()
}

/// Seals `plain` for the column `field` with `aead` under `nonce`, appending the
/// ciphertext and its tag to `out` (sealed where it lies, so a value costs one buffer).
fn seal_with<A: AeadInPlace>(
    aead: &A,
    nonce: &Nonce<A>,
    field: &str,
    plain: &str,
    out: &mut Vec<u8>,
) {
    out.reserve(plain.len() + 16);
    let start = out.len();
    out.extend_from_slice(plain.as_bytes());
    let tag = aead
        .encrypt_in_place_detached(nonce, field.as_bytes(), &mut out[start..])
        .expect("both ciphers seal any message shorter than 64 GiB");
    out.extend_from_slice(&tag);
}

/// Opens `sealed` (the ciphertext with its tag) sealed for `field` with `aead` under
/// `nonce`.
fn open_with<A: Aead>(
    aead: &A,
    nonce: &Nonce<A>,
    field: &str,
    sealed: &[u8],
) -> Result<String, CryptoError> {
    if sealed.len() < 16 {
        return Err(CryptoError::Format);
    }
    let plain = aead
        .decrypt(
            nonce,
            Payload {
                msg: sealed,
                aad: field.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Open)?;
    String::from_utf8(plain).map_err(|_| CryptoError::Format)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let k = FieldKeys::ephemeral();
        let a = k.seal("id_number", "11010519491231002X");
        let b = k.seal("id_number", "11010519491231002X");
        assert_ne!(a, b, "random nonces");
        assert!(!a.contains("1101051949"));
        assert_eq!(k.open("id_number", &a).unwrap(), "11010519491231002X");
        assert!(matches!(k.open("phone", &a), Err(CryptoError::Open)));
        assert!(matches!(
            FieldKeys::ephemeral().open("id_number", &a),
            Err(CryptoError::Open)
        ));
        assert!(matches!(
            k.open("id_number", "garbage"),
            Err(CryptoError::Format)
        ));
    }

    #[test]
    fn blind_indexes_are_keyed_and_per_field() {
        let k = FieldKeys::from_hex(&"ab".repeat(32)).unwrap();
        let i = k.blind_index("phone", "13812345678");
        assert_eq!(i, k.blind_index("phone", "13812345678"));
        assert_ne!(i, k.blind_index("phone_last4", "13812345678"));
        assert_ne!(
            i,
            FieldKeys::ephemeral().blind_index("phone", "13812345678")
        );
        assert_eq!(i.len(), 32);
        let b = k.blind_index_bytes("phone", "13812345678", 16);
        assert_eq!(
            hex::encode(&b),
            i,
            "the binary index is the text one's bytes"
        );
        assert_eq!(k.blind_index_bytes("phone", "13812345678", 8), b[..8]);
    }

    #[test]
    fn binary_seal_opens_and_reads_older_text_values() {
        let k = FieldKeys::ephemeral();
        let b = k.seal_bytes("residents.phone", "13812345678");
        assert_eq!(b.len(), 1 + 24 + 11 + 16);
        assert_eq!(
            k.open_bytes("residents.phone", &b, None).unwrap(),
            "13812345678"
        );
        assert!(matches!(
            k.open_bytes("residents.id_number", &b, None),
            Err(CryptoError::Open)
        ));
        let text = k.seal("residents.phone", "13812345678");
        assert_eq!(
            k.open_bytes("residents.phone", text.as_bytes(), None)
                .unwrap(),
            "13812345678"
        );
        for bad in [
            &b""[..],
            b"\x02short",
            b"\x09whatever-else-that-is-long-enough-to-open",
        ] {
            assert!(matches!(
                k.open_bytes("residents.phone", bad, None),
                Err(CryptoError::Format)
            ));
        }
    }

    #[test]
    fn a_value_sealed_under_its_index_opens_only_with_it() {
        let k = FieldKeys::ephemeral();
        let (field, phone) = ("residents.phone", "13812345678");
        let idx = k.blind_index_bytes(field, phone, 16);
        let sealed = k.seal_under_index(field, phone, &idx);
        assert_eq!(sealed.len(), 1 + 11 + 16, "no nonce stored");
        assert!(!sealed.windows(4).any(|w| w == b"1381"));
        assert_eq!(sealed, k.seal_under_index(field, phone, &idx));
        assert_eq!(k.open_bytes(field, &sealed, Some(&idx)).unwrap(), phone);
        // Without its index, or under another one, it does not open.
        assert!(matches!(
            k.open_bytes(field, &sealed, None),
            Err(CryptoError::Format)
        ));
        let other = k.blind_index_bytes(field, "13912345678", 16);
        assert!(matches!(
            k.open_bytes(field, &sealed, Some(&other)),
            Err(CryptoError::Open)
        ));
        assert!(matches!(
            k.open_bytes("residents.id_number", &sealed, Some(&idx)),
            Err(CryptoError::Open)
        ));
        assert!(matches!(
            k.open_bytes(field, &sealed[..10], Some(&idx)),
            Err(CryptoError::Format)
        ));
        // An index too short to be a nonce seals under a random one.
        let short = k.seal_under_index(field, phone, &idx[..11]);
        assert_eq!(short.len(), 1 + 24 + 11 + 16);
        assert_eq!(k.open_bytes(field, &short, None).unwrap(), phone);
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let k1 = FieldKeys::load_or_create(dir.path()).unwrap();
        let k2 = FieldKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(k1.blind_index("f", "x"), k2.blind_index("f", "x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(FieldKeys::from_hex("short").is_err());
    }
}
