//! Who the request comes from, and the cookies that say so.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use threshold_service::Principal;
use threshold_service::auth::PartialSession;

/// The outcome of authenticating a request.
#[derive(Debug, Clone)]
pub enum Auth {
    Anonymous,
    /// Password accepted; second factor (or its set-up) still owed.
    Partial(PartialSession),
    Full(Principal),
}

impl Auth {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Auth::Full(p) => Some(p),
            _ => None,
        }
    }
}

/// The CSRF token for this request's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// A named cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path /, and Secure behind TLS.
/// No expiry: the server ends sessions; the browser forgets the cookie on close.
pub fn set_cookie(name: &str, value: &str, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(name: &str, secure: bool) -> String {
    format!(
        "{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A response extension asking the middleware to set the session cookie (after
/// sign-in) or to clear it (after sign-out).
#[derive(Debug, Clone)]
pub enum SessionCookie {
    Set(String),
    Clear,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; threshold_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "threshold_session"), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
