//! One's own account: second factor, API tokens, password, sessions.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_domain::ids::TokenId;
use threshold_service::Error;
use threshold_store::tokens::TokenRow;
use threshold_store::users::UserRow;

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Signed};
use crate::session::SessionCookie;
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page_with, see_other};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    user: UserRow,
    roles: String,
    recovery_left: i64,
    tokens: Vec<TokenRow>,
    /// When the active calendar feed was created, if there is one.
    feed_since: Option<jiff::Timestamp>,
    /// A feed's URL, on the page that answers its creation only.
    new_feed_url: Option<String>,
    errors: Errors,
}

impl AccountPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

async fn render(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    status: StatusCode,
    errors: Errors,
) -> AppResult {
    render_page(st, ctx, p, status, errors, None).await
}

/// The account page, with a new calendar feed's URL when one was just created.
pub(crate) async fn render_page(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    status: StatusCode,
    errors: Errors,
    new_feed_url: Option<String>,
) -> AppResult {
    let (user, recovery_left) = st.services.my_account(p).await?;
    let tokens = st.services.my_tokens(p).await?;
    let feed_since = st.services.my_feed_status(p).await?;
    Ok(page_with(
        status,
        &AccountPage {
            chrome: ctx.chrome("Your account"),
            roles: user
                .roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", "),
            user,
            recovery_left,
            tokens,
            feed_since,
            new_feed_url,
            errors,
        },
    ))
}

pub async fn show(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    render(&st, &ctx, &p, StatusCode::OK, Errors::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

pub async fn change_password(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<PasswordChange>,
) -> AppResult {
    match st
        .services
        .change_password(
            &p,
            f.current_password,
            &f.new_password,
            &f.new_password_confirm,
        )
        .await
    {
        Ok(()) => Ok(see_other("/account?done=password")),
        Err(Error::Invalid(inv)) => {
            render(
                &st,
                &ctx,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors(inv.0),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out_everywhere(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    st.services.sign_out_everywhere(&p).await?;
    let mut res = see_other("/signin?done=signed-out");
    res.extensions_mut().insert(SessionCookie::Clear);
    Ok(res)
}

pub async fn revoke_token(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id: TokenId = id.parse().map_err(|_| AppError::not_found())?;
    st.services.revoke_own_token(&p, id).await?;
    Ok(see_other("/account?done=token-revoked"))
}

/// A client turns on a second factor: on to the enrolment page.
pub async fn start_second_factor(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    st.services.start_client_totp(&p).await?;
    Ok(see_other("/signin/setup"))
}
