//! Request extractors that refuse bad input with a clear message naming the field:
//! forms whose values are not valid UTF-8, JSON that does not parse or has a field
//! of the wrong type, and bodies of the wrong content type or size.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use threshold_service::{Principal, RequestMeta};

use crate::error::{AppError, ErrorInfo};
use crate::session::Auth;
use crate::state::AppState;

fn content_type(req: &Request) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

async fn body(req: Request, state: &AppState) -> Result<Bytes, AppError> {
    let limit = state.config.max_body_bytes;
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| AppError::status(StatusCode::PAYLOAD_TOO_LARGE))
}

/// Checks that every name and value of a urlencoded body is valid UTF-8, naming
/// the first field that is not.
pub fn check_form_utf8(bytes: &[u8]) -> Result<(), AppError> {
    for pair in bytes.split(|b| *b == b'&') {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let name_raw = it.next().unwrap_or_default();
        let value_raw = it.next().unwrap_or_default();
        let decode = |raw: &[u8]| {
            let plus: Vec<u8> = raw
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            percent_encoding::percent_decode(&plus)
                .decode_utf8()
                .map(|c| c.into_owned())
        };
        let name = decode(name_raw)
            .map_err(|_| AppError::bad_request("A field name is not valid text."))?;
        if decode(value_raw).is_err() {
            let shown: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(40)
                .collect();
            let mut info = ErrorInfo::new(
                StatusCode::BAD_REQUEST,
                "invalid_encoding",
                format!("The field {shown} contains characters that are not valid text (UTF-8)."),
            );
            info.field = Some(shown);
            return Err(AppError::from(info));
        }
    }
    Ok(())
}

/// A urlencoded form (what a browser sends without JavaScript).
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        if content_type(&req) != "application/x-www-form-urlencoded" {
            return Err(AppError::status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let bytes = body(req, state).await?;
        check_form_utf8(&bytes)?;
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(Form)
            .map_err(|_| {
                AppError::bad_request("The form could not be read; reload the page and try again.")
            })
    }
}

/// A JSON body. Syntax errors are 400 (`malformed_body`); a field of the wrong type
/// is 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        if content_type(&req) != "application/json" {
            return Err(AppError::from(ErrorInfo::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as application/json.",
            )));
        }
        let bytes = body(req, state).await?;
        // Our bodies are JSON objects. serde would also take an array of the fields
        // in order; refuse anything that does not start as an object.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ErrorInfo::new(
                StatusCode::BAD_REQUEST,
                "malformed_body",
                "The body must be a JSON object.",
            )
            .into());
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(ApiJson(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                match inner.classify() {
                    serde_json::error::Category::Data if path != "." && !path.is_empty() => {
                        let mut info = ErrorInfo::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "validation_failed",
                            format!("The field {path} has the wrong type."),
                        );
                        info.field = Some(path.clone());
                        info.errors = vec![threshold_domain::FieldError {
                            field: path,
                            message: "This field has the wrong type.".into(),
                        }];
                        Err(AppError::from(info))
                    }
                    _ => Err(AppError::from(ErrorInfo::new(
                        StatusCode::BAD_REQUEST,
                        "malformed_body",
                        "The body is not valid JSON of the expected shape.",
                    ))),
                }
            }
        }
    }
}

/// The signed-in principal. The route guard has already refused anyone else, so
/// this only fails on a route that forgot its guard (and then it refuses).
pub struct Signed(pub Principal);

impl FromRequestParts<AppState> for Signed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::Full(p)) => Ok(Signed(p.clone())),
            _ => Err(AppError::status(StatusCode::UNAUTHORIZED)),
        }
    }
}

/// Facts about this request (request id, source address) for the audit trail.
pub struct Meta(pub RequestMeta);

impl FromRequestParts<AppState> for Meta {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        Ok(Meta(
            parts
                .extensions
                .get::<RequestMeta>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}
