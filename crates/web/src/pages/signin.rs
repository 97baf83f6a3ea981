//! Signing in and out, the second factor and its set-up, password resets and
//! invitations.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use threshold_domain::{FieldError, Permission};
use threshold_service::Error;
use threshold_service::auth::Next;

use crate::error::{AppError, AppResult, minutes};
use crate::extract::{Form, Meta};
use crate::pages::safe_next;
use crate::session::{Auth, SessionCookie};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page, page_with, see_other};

fn with_cookie(mut res: Response, c: SessionCookie) -> Response {
    res.extensions_mut().insert(c);
    res
}

fn field(field: &str, message: impl Into<String>) -> Errors {
    Errors(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    chrome: Chrome,
    email: String,
    next: String,
    errors: Errors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

pub async fn signin_form(ctx: PageCtx, Query(q): Query<NextQuery>) -> Response {
    if let Auth::Full(_) = ctx.auth {
        return see_other("/");
    }
    page(&SignInPage {
        chrome: ctx.chrome("Sign in"),
        email: String::new(),
        next: safe_next(&q.next).unwrap_or("").to_owned(),
        errors: Errors::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInFields {
    email: String,
    password: String,
    next: String,
}

pub async fn signin_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Meta(meta): Meta,
    Form(f): Form<SignInFields>,
) -> AppResult {
    let again = |status: StatusCode, errors: Errors| {
        page_with(
            status,
            &SignInPage {
                chrome: ctx.chrome("Sign in"),
                email: f.email.clone(),
                next: safe_next(&f.next).unwrap_or("").to_owned(),
                errors,
            },
        )
    };
    if f.email.trim().is_empty() || f.password.is_empty() {
        let mut e = Vec::new();
        if f.email.trim().is_empty() {
            e.push(FieldError {
                field: "email".into(),
                message: "Enter your email address.".into(),
            });
        }
        if f.password.is_empty() {
            e.push(FieldError {
                field: "password".into(),
                message: "Enter your password.".into(),
            });
        }
        return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, Errors(e)));
    }
    match st
        .services
        .sign_in(&f.email, f.password.clone(), &meta)
        .await
    {
        Ok(s) => {
            let to = match s.next {
                Next::Done => safe_next(&f.next).unwrap_or("/").to_owned(),
                Next::SecondFactor => "/signin/code".to_owned(),
                Next::Enrol => "/signin/setup".to_owned(),
            };
            Ok(with_cookie(see_other(&to), SessionCookie::Set(s.token)))
        }
        Err(Error::BadCredentials) => Ok(again(
            StatusCode::UNAUTHORIZED,
            field("email", "The email address or password is not right."),
        )),
        Err(Error::RateLimited { retry_after_secs }) => Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            field(
                "email",
                format!(
                    "Too many failed attempts. Wait {} and try again, or reset your password.",
                    minutes(retry_after_secs)
                ),
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "signin_code.html")]
struct CodePage {
    chrome: Chrome,
    errors: Errors,
}

pub async fn code_form(ctx: PageCtx) -> Response {
    match &ctx.auth {
        Auth::Partial(p) if p.stage == threshold_store::sessions::Stage::Enrol => {
            see_other("/signin/setup")
        }
        _ => page(&CodePage {
            chrome: ctx.chrome("Enter your code"),
            errors: Errors::default(),
        }),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeFields {
    code: String,
}

pub async fn code_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<CodeFields>,
) -> AppResult {
    let Auth::Partial(partial) = &ctx.auth else {
        return Ok(see_other("/signin"));
    };
    let again = |status, errors| {
        page_with(
            status,
            &CodePage {
                chrome: ctx.chrome("Enter your code"),
                errors,
            },
        )
    };
    if f.code.trim().is_empty() {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            field("code", "Enter the code from your authenticator app."),
        ));
    }
    match st.services.second_factor(partial, &f.code).await {
        Ok(token) => {
            let home = if partial.roles.allows(Permission::StaffArea) {
                "/staff"
            } else {
                "/portal"
            };
            Ok(with_cookie(see_other(home), SessionCookie::Set(token)))
        }
        Err(Error::BadCode) => Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            field(
                "code",
                "That code is not right. Enter the 6-digit code your app shows now, or one of your recovery codes.",
            ),
        )),
        Err(Error::RateLimited { retry_after_secs }) => Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            field(
                "code",
                format!(
                    "Too many wrong codes. Wait {} and try again.",
                    minutes(retry_after_secs)
                ),
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "signin_setup.html")]
struct SetupPage {
    chrome: Chrome,
    secret: String,
    qr_svg: String,
    errors: Errors,
}

fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

async fn setup_page(st: &AppState, ctx: &PageCtx, status: StatusCode, errors: Errors) -> AppResult {
    let Auth::Partial(partial) = &ctx.auth else {
        return Ok(see_other("/signin"));
    };
    if partial.stage != threshold_store::sessions::Stage::Enrol {
        return Ok(see_other("/signin/code"));
    }
    let e = st.services.begin_enrolment(partial).await?;
    Ok(page_with(
        status,
        &SetupPage {
            chrome: ctx.chrome("Set up your second factor"),
            secret: e.secret_base32,
            qr_svg: qr_svg(&e.otpauth_url),
            errors,
        },
    ))
}

pub async fn setup_form(State(st): State<AppState>, ctx: PageCtx) -> AppResult {
    setup_page(&st, &ctx, StatusCode::OK, Errors::default()).await
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryPage {
    chrome: Chrome,
    codes: Vec<String>,
    home: &'static str,
}

pub async fn setup_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<CodeFields>,
) -> AppResult {
    let Auth::Partial(partial) = &ctx.auth else {
        return Ok(see_other("/signin"));
    };
    match st.services.confirm_enrolment(partial, &f.code).await {
        Ok((token, codes)) => {
            let home = if partial.roles.allows(Permission::StaffArea) {
                "/staff"
            } else {
                "/portal"
            };
            let res = page(&RecoveryPage {
                chrome: ctx.chrome("Save your recovery codes"),
                codes,
                home,
            });
            Ok(with_cookie(res, SessionCookie::Set(token)))
        }
        Err(Error::Invalid(inv)) => {
            setup_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Errors(inv.0)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Signs out (or abandons a half-finished sign-in).
pub async fn signout(State(st): State<AppState>, ctx: PageCtx) -> AppResult {
    match &ctx.auth {
        Auth::Full(p) => {
            if let Some(h) = p.session_hash() {
                st.services.sign_out(h, p).await?;
            }
        }
        Auth::Partial(p) => st.services.abandon_partial(p).await?,
        Auth::Anonymous => {}
    }
    Ok(with_cookie(
        see_other("/signin?done=signed-out"),
        SessionCookie::Clear,
    ))
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    email: String,
    errors: Errors,
}

pub async fn forgot_form(ctx: PageCtx) -> Response {
    page(&ForgotPage {
        chrome: ctx.chrome("Reset your password"),
        email: String::new(),
        errors: Errors::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForgotFields {
    email: String,
}

pub async fn forgot_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Meta(meta): Meta,
    Form(f): Form<ForgotFields>,
) -> AppResult {
    if let Some(ip) = meta.source_ip.as_ref().and_then(|s| s.parse().ok())
        && st.public_limiter.check_key(&ip).is_err()
    {
        return Err(AppError::from(Error::RateLimited {
            retry_after_secs: 600,
        }));
    }
    match st.services.request_password_reset(&f.email, &meta).await {
        Ok(()) => Ok(see_other("/signin?done=reset-sent")),
        Err(Error::Invalid(inv)) => Ok(page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotPage {
                chrome: ctx.chrome("Reset your password"),
                email: f.email,
                errors: Errors(inv.0),
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "password_set.html")]
struct SetPasswordPage {
    chrome: Chrome,
    heading: String,
    intro: String,
    action: String,
    button: &'static str,
    email: String,
    errors: Errors,
}

pub async fn reset_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> AppResult {
    if !st.services.reset_link_valid(&token).await? {
        return Err(Error::LinkExpired.into());
    }
    Ok(page(&SetPasswordPage {
        chrome: ctx.chrome("Choose a new password"),
        heading: "Choose a new password".into(),
        intro: "Choose a password of at least 12 characters. A few unrelated words make a strong one that is easy to remember.".into(),
        action: format!("/password/reset/{token}"),
        button: "Save new password",
        email: String::new(),
        errors: Errors::default(),
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordFields {
    password: String,
    password_confirm: String,
}

pub async fn reset_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Meta(meta): Meta,
    Path(token): Path<String>,
    Form(f): Form<PasswordFields>,
) -> AppResult {
    match st
        .services
        .reset_password(&token, &f.password, &f.password_confirm, &meta)
        .await
    {
        Ok(()) => Ok(with_cookie(
            see_other("/signin?done=password-reset"),
            SessionCookie::Clear,
        )),
        Err(Error::Invalid(inv)) => Ok(page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetPasswordPage {
                chrome: ctx.chrome("Choose a new password"),
                heading: "Choose a new password".into(),
                intro: "Choose a password of at least 12 characters.".into(),
                action: format!("/password/reset/{token}"),
                button: "Save new password",
                email: String::new(),
                errors: Errors(inv.0),
            },
        )),
        Err(e) => Err(e.into()),
    }
}

fn invitation_page(
    chrome: Chrome,
    token: &str,
    name: &str,
    email: &str,
    errors: Errors,
) -> SetPasswordPage {
    SetPasswordPage {
        chrome,
        heading: format!("Welcome, {name}"),
        intro: "Choose a password to finish setting up your account. Use at least 12 characters; a few unrelated words make a strong one that is easy to remember.".into(),
        action: format!("/invitation/{token}"),
        button: "Set password and continue",
        email: email.to_owned(),
        errors,
    }
}

pub async fn invitation_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> AppResult {
    let v = st.services.invitation(&token).await?;
    Ok(page(&invitation_page(
        ctx.chrome("Set up your account"),
        &token,
        &v.name,
        &v.email,
        Errors::default(),
    )))
}

pub async fn invitation_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Meta(meta): Meta,
    Path(token): Path<String>,
    Form(f): Form<PasswordFields>,
) -> AppResult {
    match st
        .services
        .accept_invitation(&token, &f.password, &f.password_confirm, &meta)
        .await
    {
        Ok(s) => {
            let to = match s.next {
                Next::Enrol => "/signin/setup",
                _ => "/portal",
            };
            Ok(with_cookie(see_other(to), SessionCookie::Set(s.token)))
        }
        Err(Error::Invalid(inv)) => {
            let v = st.services.invitation(&token).await?;
            Ok(page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &invitation_page(
                    ctx.chrome("Set up your account"),
                    &token,
                    &v.name,
                    &v.email,
                    Errors(inv.0),
                ),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// For the router: a plain redirect.
pub async fn to_signin() -> impl IntoResponse {
    see_other("/signin")
}
