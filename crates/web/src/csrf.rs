//! CSRF protection: every state-changing form carries a token, API writes made
//! with a session cookie carry it in `X-CSRF-Token`, and cross-site requests are
//! refused by their `Sec-Fetch-Site` / `Origin` headers.
//!
//! Written here rather than taken from a crate because the maintained ones lag
//! axum 0.8 (STACK.md) and the whole mechanism is an HMAC: a signed-in session's
//! token is HMAC(key, session id hash); a visitor's is HMAC(key, a random cookie)
//! (the signed double-submit pattern, OWASP CSRF cheat sheet).

use threshold_service::crypto::hmac_hex;

pub const FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";

pub fn for_session(key: &[u8; 32], id_hash: &str) -> String {
    hmac_hex(key, &format!("session:{id_hash}"))
}

pub fn for_visitor(key: &[u8; 32], cookie: &str) -> String {
    hmac_hex(key, &format!("visitor:{cookie}"))
}

/// Constant-time comparison.
pub fn matches(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_session() {
        let key = [7u8; 32];
        let a = for_session(&key, "a");
        assert!(matches(&a, &for_session(&key, "a")));
        assert!(!matches(&a, &for_session(&key, "b")));
        assert!(!matches(&a, &for_visitor(&key, "a")));
        assert!(!matches("", ""));
    }
}
