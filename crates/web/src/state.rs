//! What every handler can reach.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::ops::Deref;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use threshold_service::Services;

use crate::WebConfig;
use crate::metrics::Metrics;

/// Shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub services: Services,
    pub config: WebConfig,
    pub metrics: Metrics,
    /// Per source address, for anonymous consultation requests and password-reset
    /// requests. Kept in memory: with several server copies each copy counts on
    /// its own (documented in the README).
    pub public_limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Keys CSRF tokens; derived from the field-encryption key so every copy that
    /// shares the key file agrees.
    pub csrf_key: [u8; 32],
    pub session_cookie: &'static str,
    pub csrf_cookie: &'static str,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(services: Services, config: WebConfig) -> Self {
        let per_hour =
            NonZeroU32::new(config.public_requests_per_hour.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_hour(per_hour).allow_burst(per_hour);
        let csrf_key = services.cipher.derive("threshold csrf v1");
        let (session_cookie, csrf_cookie) = if config.behind_tls {
            // The __Host- prefix makes browsers refuse the cookie unless it is
            // Secure, host-only and for path /.
            ("__Host-threshold_session", "__Host-threshold_csrf")
        } else {
            ("threshold_session", "threshold_csrf")
        };
        Self(Arc::new(Inner {
            services,
            config,
            metrics: Metrics::new(),
            public_limiter: RateLimiter::keyed(quota),
            csrf_key,
            session_cookie,
            csrf_cookie,
        }))
    }
}
