//! Threshold's HTTP face: server-rendered pages, the JSON API under `/api/v1`,
//! authentication, CSRF protection, security headers and error rendering.
//!
//! Build with [`app`] and serve with [`serve`] on a listener the caller bound (tests
//! bind `127.0.0.1:0`).
#![forbid(unsafe_code)]

pub mod api;
pub mod api_care;
pub mod api_clinic;
pub mod api_groups;
pub mod api_schedule;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod routes;
pub mod session;
pub mod state;
pub mod views;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};

use threshold_service::Services;

/// Web settings (the use cases' settings live in [`threshold_service::Settings`]).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Served behind TLS (directly or by a proxy): `__Host-` Secure cookies and HSTS.
    pub behind_tls: bool,
    /// Proxies whose `X-Forwarded-For` is believed (exact addresses).
    pub trusted_proxies: Vec<IpAddr>,
    /// Consultation requests accepted per source address per hour (public form and
    /// anonymous API), and password-reset requests likewise.
    pub public_requests_per_hour: u32,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            behind_tls: false,
            trusted_proxies: Vec::new(),
            public_requests_per_hour: 10,
            max_body_bytes: 64 * 1024,
        }
    }
}

/// The complete application.
pub fn app(services: Services, config: WebConfig) -> axum::Router {
    routes::router(state::AppState::new(services, config))
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and
/// finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    services: Services,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = app(services, config);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
