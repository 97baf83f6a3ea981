//! The middleware every request passes: request id, source address, who is
//! asking (bearer token or session cookie), CSRF checks on every state-changing
//! request, error rendering, security headers, metrics and an access log without
//! personal data.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use threshold_service::crypto::random_token;
use threshold_service::{Error as ServiceError, RequestMeta};

use crate::csrf;
use crate::error::ErrorInfo;
use crate::metrics::{MailLabels, RequestLabels, RouteLabels};
use crate::session::{Auth, CsrfToken, SessionCookie, clear_cookie, cookie, set_cookie};
use crate::state::AppState;
use crate::views::{ErrorPage, Rendered, chrome, page_with};

/// The address the request came from: the peer, or (when the peer is a trusted
/// proxy) the last address in `X-Forwarded-For` that is not a trusted proxy.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/fhir/")
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses requests a browser marked as coming from another site.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        // "null" is what a browser sends under a no-referrer policy or from a
        // sandboxed frame: it proves nothing either way, and the token decides.
        if origin != "null" && origin_host != host {
            return true;
        }
    }
    false
}

fn form_field<'a>(body: &'a [u8], name: &str) -> Option<String> {
    body.split(|b| *b == b'&').find_map(|pair: &'a [u8]| {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = it.next()?;
        if k != name.as_bytes() {
            return None;
        }
        let v = it.next().unwrap_or_default();
        percent_encoding::percent_decode(v)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    })
}

fn error_response(info: ErrorInfo) -> Response {
    crate::error::AppError::from(info).into_response()
}

/// The main request middleware.
pub async fn context(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::now_v7().simple().to_string();
    let path = req.uri().path().to_owned();
    let api = is_api(&path);
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = client_ip(peer, req.headers(), &st.config.trusted_proxies);
    let meta = RequestMeta {
        request_id: request_id.clone(),
        source_ip: ip.map(|i| i.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect()),
    };
    let secure = st.config.behind_tls;

    let mut auth = Auth::Anonymous;
    let mut clear_session = false;
    let mut via_bearer = false;
    let mut early: Option<Response> = None;

    // Oversize bodies are refused before anything reads them.
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > st.config.max_body_bytes);
    if too_large {
        early = Some(error_response(ErrorInfo::for_status(
            StatusCode::PAYLOAD_TOO_LARGE,
        )));
    }

    // 1. Who is asking.
    if early.is_none() {
        if let Some(authz) = req.headers().get(header::AUTHORIZATION) {
            via_bearer = true;
            let token = authz
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .unwrap_or("");
            match st.services.authenticate_token(token, meta.clone()).await {
                Ok(p) => auth = Auth::Full(p),
                Err(ServiceError::Unauthenticated) => {
                    let mut res = error_response(ErrorInfo::new(
                        StatusCode::UNAUTHORIZED,
                        "invalid_token",
                        "The API token is not valid: it is unknown, revoked, or its account is deactivated.",
                    ));
                    res.headers_mut()
                        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                    early = Some(res);
                }
                Err(e) => early = Some(crate::error::AppError::from(e).into_response()),
            }
        } else if let Some(token) = cookie(req.headers(), st.session_cookie) {
            match st.services.session(token, meta.clone()).await {
                Ok(Some(threshold_service::auth::SessionState::Full(p))) => auth = Auth::Full(p),
                Ok(Some(threshold_service::auth::SessionState::Partial(p))) => {
                    auth = Auth::Partial(p)
                }
                Ok(None) => clear_session = true,
                Err(e) => early = Some(crate::error::AppError::from(e).into_response()),
            }
        }
    }

    // 2. The CSRF token this request's pages carry.
    let mut new_visitor_cookie = None;
    let session_hash = match &auth {
        Auth::Full(p) => p.session_hash().map(str::to_owned),
        Auth::Partial(p) => Some(p.id_hash.clone()),
        Auth::Anonymous => None,
    };
    let csrf_token = match &session_hash {
        Some(h) => csrf::for_session(&st.csrf_key, h),
        None => {
            let visitor = match cookie(req.headers(), st.csrf_cookie) {
                Some(v) if !v.is_empty() && v.len() <= 64 => v.to_owned(),
                _ => {
                    let v = random_token(24);
                    new_visitor_cookie = Some(v.clone());
                    v
                }
            };
            csrf::for_visitor(&st.csrf_key, &visitor)
        }
    };

    // 3. State-changing requests must come from our own pages (or a bearer token).
    if early.is_none() && unsafe_method(&method) && !via_bearer {
        let has_cookie = session_hash.is_some();
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let refused = || {
            error_response(ErrorInfo::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "This form has expired or did not come from this site. Go back, reload the page and try again.",
            ))
        };
        if (has_cookie || is_form) && cross_site(req.headers()) {
            early = Some(refused());
        } else if is_form && !api {
            let (parts, body) = req.into_parts();
            match axum::body::to_bytes(body, st.config.max_body_bytes).await {
                Ok(bytes) => {
                    let given = form_field(&bytes, csrf::FIELD).unwrap_or_default();
                    if !csrf::matches(&csrf_token, &given) {
                        early = Some(refused());
                    }
                    req = Request::from_parts(parts, Body::from(bytes));
                }
                Err(_) => {
                    early = Some(error_response(ErrorInfo::for_status(
                        StatusCode::PAYLOAD_TOO_LARGE,
                    )));
                    req = Request::from_parts(parts, Body::empty());
                }
            }
        } else if has_cookie {
            let given = req
                .headers()
                .get(csrf::HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !csrf::matches(&csrf_token, given) {
                early = Some(refused());
            }
        }
    }

    req.extensions_mut().insert(auth.clone());
    req.extensions_mut().insert(meta.clone());
    req.extensions_mut().insert(CsrfToken(csrf_token.clone()));

    let mut res = match early {
        Some(r) => r,
        None => next.run(req).await,
    };

    // 4. Errors become pages or JSON bodies.
    let status = res.status();
    let info = res.extensions_mut().remove::<ErrorInfo>();
    let rendered = res.extensions().get::<Rendered>().is_some();
    if info.is_some() || (status.as_u16() >= 400 && !rendered) {
        let info = info.unwrap_or_else(|| ErrorInfo::for_status(status));
        if let Some(cause) = &info.internal {
            tracing::error!(request_id = %request_id, route = %route, cause = %cause, "request failed");
        }
        let mut out = if api {
            (info.status(), axum::Json(&info)).into_response()
        } else {
            let heading = match info.status {
                403 => "You do not have access to this page",
                404 => "Page not found",
                410 => "This link is no longer valid",
                413 => "That was too much to send",
                429 => "Please wait a moment",
                s if s >= 500 => "Something went wrong",
                _ => "That did not work",
            };
            let c = chrome(
                &auth,
                &csrf_token,
                &meta,
                &st.services.settings.clinic_name,
                &path,
                heading.to_owned(),
                None,
            );
            page_with(
                info.status(),
                &ErrorPage {
                    chrome: c,
                    status: info.status,
                    heading: heading.to_owned(),
                    message: info.message.clone(),
                },
            )
        };
        if let Some(secs) = info.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            out.headers_mut().insert(header::RETRY_AFTER, v);
        }
        for (k, v) in res.headers() {
            if k == header::WWW_AUTHENTICATE || k == header::SET_COOKIE {
                out.headers_mut().append(k, v.clone());
            }
        }
        if let Some(sc) = res.extensions_mut().remove::<SessionCookie>() {
            out.extensions_mut().insert(sc);
        }
        res = out;
    }

    // 5. Cookies.
    match res_session_cookie(&mut res) {
        Some(SessionCookie::Set(token)) => {
            append_cookie(&mut res, &set_cookie(st.session_cookie, &token, secure))
        }
        Some(SessionCookie::Clear) => {
            append_cookie(&mut res, &clear_cookie(st.session_cookie, secure))
        }
        None if clear_session => append_cookie(&mut res, &clear_cookie(st.session_cookie, secure)),
        None => {}
    }
    if let Some(v) = new_visitor_cookie {
        append_cookie(&mut res, &set_cookie(st.csrf_cookie, &v, secure));
    }

    // 6. Headers every response carries.
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    // 7. Figures and the access log: the route template, never the path itself.
    let elapsed = started.elapsed();
    st.metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.to_string(),
            route: route.clone(),
            status: res.status().as_u16(),
        })
        .inc();
    st.metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(elapsed.as_secs_f64());
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status = res.status().as_u16(),
        micros = elapsed.as_micros() as u64,
        "request"
    );
    res
}

fn res_session_cookie(res: &mut Response) -> Option<SessionCookie> {
    res.extensions_mut().remove::<SessionCookie>()
}

fn append_cookie(res: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `/metrics`: refreshes the outbox figures, then renders.
pub async fn metrics(State(st): State<AppState>) -> Response {
    if let Ok((queued, sent, failed)) = st
        .services
        .db
        .read(|c| threshold_store::outbox::counts(c))
        .await
    {
        for (s, n) in [("queued", queued), ("sent", sent), ("failed", failed)] {
            st.metrics
                .mail
                .get_or_create(&MailLabels { status: s.into() })
                .set(n);
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().unwrap());
        assert_eq!(
            client_ip(Some(proxy), &h, &[proxy]),
            Some("203.0.113.9".parse().unwrap())
        );
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(client_ip(Some(stranger), &h, &[proxy]), Some(stranger));
    }

    #[test]
    fn a_foreign_origin_is_cross_site() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "clinic.example".parse().unwrap());
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(cross_site(&h));
        h.insert(header::ORIGIN, "https://clinic.example".parse().unwrap());
        assert!(!cross_site(&h));
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(cross_site(&h));
    }
}
