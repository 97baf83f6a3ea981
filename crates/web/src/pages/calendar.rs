//! Private calendar feeds: the public `.ics` URL (its token is the credential)
//! and the account page's buttons to create or revoke one's own feed.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::error::{AppError, AppResult};
use crate::extract::Signed;
use crate::pages::account;
use crate::state::AppState;
use crate::views::{Errors, PageCtx, see_other};

/// `GET /calendar/{token}.ics`: the owner's appointments as iCalendar. Unknown,
/// revoked or malformed tokens all answer the same plain 404.
pub async fn feed(State(st): State<AppState>, Path(file): Path<String>) -> AppResult {
    let token = file
        .strip_suffix(".ics")
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .ok_or_else(AppError::not_found)?;
    let body = st.services.feed_ics(token).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// Creates (or replaces) the caller's feed and shows its URL this once.
pub async fn create(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    let url = st.services.create_my_feed(&p).await?;
    account::render_page(&st, &ctx, &p, StatusCode::OK, Errors::default(), Some(url)).await
}

/// Revokes the caller's feed: its URL stops working at once.
pub async fn revoke(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    st.services.revoke_my_feed(&p).await?;
    Ok(see_other("/account?done=feed-revoked"))
}
