//! Errors as people and programs see them.
//!
//! Handlers return [`AppError`]; it becomes a response carrying an [`ErrorInfo`]
//! and no body. The request middleware, which knows the request id, the path and
//! who is signed in, renders it: JSON `{code, message, field?, errors?}` under
//! `/api/` and an HTML page elsewhere. Responses that axum itself produced (an
//! unknown route, a wrong method, an unparsable path) are rendered the same way.
//! Internal causes are logged with the request id and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use threshold_domain::FieldError;
use threshold_service::Error;

/// What went wrong, ready to render.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorInfo {
    #[serde(skip)]
    #[schema(ignore)]
    pub status: u16,
    /// Stable machine-readable code (`validation_failed`, `not_found`, ...).
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The first field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorSchema>)]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    #[schema(ignore)]
    pub retry_after: Option<u64>,
    /// Logged, never shown.
    #[serde(skip)]
    #[schema(ignore)]
    pub internal: Option<String>,
}

/// One field's problem (OpenAPI description of `FieldError`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldErrorSchema {
    pub field: String,
    pub message: String,
}

impl ErrorInfo {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: status.as_u16(),
            code,
            message: message.into(),
            field: None,
            errors: Vec::new(),
            retry_after: None,
            internal: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The standard rendering of a bare status (axum's own rejections).
    pub fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status.as_u16() {
            400 => ("bad_request", "The request could not be understood."),
            401 => ("unauthenticated", "Sign in to continue."),
            403 => ("forbidden", "You do not have permission to do this."),
            404 => (
                "not_found",
                "There is nothing here. Check the address, or go back to the start page.",
            ),
            405 => (
                "method_not_allowed",
                "This address does not accept that kind of request.",
            ),
            408 => ("timeout", "The request took too long."),
            409 => (
                "conflict",
                "The record changed in the meantime; reload and try again.",
            ),
            410 => ("link_expired", "This link is no longer valid."),
            413 => ("payload_too_large", "The request is too large."),
            415 => (
                "unsupported_media_type",
                "Send the body as the content type this address expects.",
            ),
            422 => ("validation_failed", "Some fields need attention."),
            429 => (
                "rate_limited",
                "Too many requests; wait a while and try again.",
            ),
            _ if status.is_server_error() => (
                "internal",
                "Something went wrong on our side. Nothing you entered was lost; please try again.",
            ),
            _ => ("error", "The request failed."),
        };
        Self::new(status, code, message)
    }
}

/// A handler's failure.
#[derive(Debug)]
pub struct AppError(pub Box<ErrorInfo>);

impl From<ErrorInfo> for AppError {
    fn from(i: ErrorInfo) -> Self {
        Self(Box::new(i))
    }
}

impl AppError {
    pub fn status(status: StatusCode) -> Self {
        ErrorInfo::for_status(status).into()
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        ErrorInfo::new(StatusCode::BAD_REQUEST, "bad_request", message).into()
    }
    pub fn not_found() -> Self {
        Self::status(StatusCode::NOT_FOUND)
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        let info = match e {
            Error::Invalid(inv) => {
                let mut i = ErrorInfo::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    inv.0
                        .first()
                        .map_or("Some fields need attention.".to_owned(), |f| {
                            f.message.clone()
                        }),
                );
                i.field = inv.0.first().map(|f| f.field.clone());
                i.errors = inv.0;
                i
            }
            Error::NotFound => ErrorInfo::for_status(StatusCode::NOT_FOUND),
            Error::Forbidden => ErrorInfo::for_status(StatusCode::FORBIDDEN),
            Error::Unauthenticated => ErrorInfo::for_status(StatusCode::UNAUTHORIZED),
            Error::BadCredentials => ErrorInfo::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "The email address or password is not right.",
            ),
            Error::BadCode => ErrorInfo::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_code",
                "That code is not right.",
            ),
            Error::Conflict(m) => ErrorInfo::new(StatusCode::CONFLICT, "conflict", m),
            Error::RateLimited { retry_after_secs } => {
                let mut i = ErrorInfo::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!(
                        "Too many attempts. Wait {} and try again.",
                        minutes(retry_after_secs)
                    ),
                );
                i.retry_after = Some(retry_after_secs);
                i
            }
            Error::LinkExpired => ErrorInfo::new(
                StatusCode::GONE,
                "link_expired",
                "This link has expired, was already used, or was replaced by a newer one. Ask for a new one.",
            ),
            Error::Store(s) => {
                let mut i = ErrorInfo::for_status(StatusCode::INTERNAL_SERVER_ERROR);
                i.internal = Some(format!("store: {s}"));
                i
            }
            Error::Internal(s) => {
                let mut i = ErrorInfo::for_status(StatusCode::INTERNAL_SERVER_ERROR);
                i.internal = Some(s);
                i
            }
        };
        info.into()
    }
}

/// "3 minutes", "1 minute", "45 seconds".
pub fn minutes(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} seconds"),
        60..=119 => "1 minute".to_owned(),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let mut res = status.into_response();
        res.extensions_mut().insert(*self.0);
        res
    }
}

pub type AppResult<T = Response> = Result<T, AppError>;
