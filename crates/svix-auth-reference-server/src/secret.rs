//! Secrets: random tokens (256 bits), their SHA-256 hashes (the only form that is stored), and
//! constant-time comparison.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The stored form of a token.
pub type TokenHash = [u8; 32];

/// A new random string with `prefix` and `bytes` bytes of entropy, base64url without padding.
pub fn random_string(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The operating system's generator failing is not recoverable: there is nothing safe to issue.
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
    )
}

/// `N` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    buf
}

/// A new token: 256 random bits.
pub fn new_token(prefix: &str) -> String {
    random_string(prefix, 32)
}

/// SHA-256 of a token.
pub fn hash(token: &str) -> TokenHash {
    hash_bytes(token.as_bytes())
}

/// SHA-256 of bytes.
pub fn hash_bytes(bytes: &[u8]) -> TokenHash {
    Sha256::digest(bytes).into()
}

/// A 256-bit key derived from `parts` (length-prefixed, domain-separated by `context`).
pub fn derive_key(context: &str, parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(context.as_bytes());
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Encrypts and authenticates `plaintext` under `key` (ChaCha20-Poly1305, random nonce first).
pub fn seal(key: &[u8; 32], plaintext: &[u8]) -> Vec<u8> {
    use chacha20poly1305::aead::{Aead, KeyInit};
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).expect("the operating system's random generator failed");
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(key.into());
    // Encryption only fails for plaintexts beyond ChaCha20's 256 GiB limit.
    let sealed = cipher
        .encrypt((&nonce).into(), plaintext)
        .expect("plaintext within the cipher's limit");
    [nonce.as_slice(), &sealed].concat()
}

/// Decrypts what [`seal`] produced; `None` when the key is wrong or the data was altered.
pub fn open(key: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit};
    if sealed.len() < 12 {
        return None;
    }
    let (nonce, ciphertext) = sealed.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    chacha20poly1305::ChaCha20Poly1305::new(key.into())
        .decrypt((&nonce).into(), ciphertext)
        .ok()
}

/// Constant-time equality of two hashes.
pub fn same(a: &TokenHash, b: &[u8]) -> bool {
    a.as_slice().ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let a = new_token("appsk_");
        let b = new_token("appsk_");
        assert!(a.starts_with("appsk_"));
        assert_ne!(a, b);
        assert!(
            a.len() >= "appsk_".len() + 43,
            "256 bits in base64url is 43 characters"
        );
    }

    #[test]
    fn sealed_data_opens_only_with_its_key_and_unaltered() {
        let key = derive_key("test", &[b"a", b"b"]);
        let sealed = seal(&key, b"secret body");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(open(&key, &sealed).as_deref(), Some(&b"secret body"[..]));
        assert_eq!(
            open(&derive_key("test", &[b"ab", b""]), &sealed),
            None,
            "length prefixes separate parts"
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(open(&key, &altered), None);
    }

    #[test]
    fn hash_comparison_is_exact() {
        let h = hash("x");
        assert!(same(&h, &hash("x")));
        assert!(!same(&h, &hash("y")));
        assert!(!same(&h, &h[..31]));
    }
}
