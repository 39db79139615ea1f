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
    fn hash_comparison_is_exact() {
        let h = hash("x");
        assert!(same(&h, &hash("x")));
        assert!(!same(&h, &hash("y")));
        assert!(!same(&h, &h[..31]));
    }
}
