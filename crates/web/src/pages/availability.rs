//! Weekly availability and exceptions: coordinators set everyone's (staff and
//! partner organisations), other staff their own.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_service::schedule::{AvailabilityBook, ExceptionForm, RuleForm};
use threshold_service::{Error, Principal};

use crate::error::AppResult;
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, after_action, page_with};

#[derive(Template)]
#[template(path = "availability.html")]
struct Page {
    chrome: Chrome,
    book: AvailabilityBook,
    errors: Errors,
    days: [&'static str; 7],
}

impl Page {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    /// "Monday" for "monday".
    fn day(&self, d: &str) -> String {
        let mut c = d.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }
    fn location_name(&self, id: &threshold_domain::ids::LocationId) -> String {
        self.book
            .locations
            .iter()
            .find(|l| l.id == *id)
            .map_or(String::new(), |l| l.name.clone())
    }
}

async fn render(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    status: StatusCode,
    errors: Errors,
) -> AppResult {
    let book = st.services.availability_book(p).await?;
    Ok(page_with(
        status,
        &Page {
            chrome: ctx.chrome("Availability"),
            book,
            errors,
            days: [
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
            ],
        },
    ))
}

pub async fn show(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    render(&st, &ctx, &p, StatusCode::OK, Errors::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Fields {
    /// `user:<id>` or `partner:<id>`.
    owner: String,
    location: String,
    weekday: String,
    start: String,
    end: String,
    rule: String,
    kind: String,
    from: String,
    to: String,
}

impl Fields {
    fn owner(&self) -> Result<(&str, &str), Error> {
        self.owner.split_once(':').ok_or(Error::NotFound)
    }
}

async fn done(st: &AppState, ctx: &PageCtx, p: &Principal, r: Result<(), Error>) -> AppResult {
    after_action(r, "/schedule/availability?done=saved", |status, errors| {
        render(st, ctx, p, status, errors)
    })
    .await
}

pub async fn add_rule(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<Fields>,
) -> AppResult {
    let r = match f.owner() {
        Ok((kind, id)) => {
            st.services
                .add_availability(
                    &p,
                    &RuleForm {
                        owner_kind: kind.into(),
                        owner_id: id.into(),
                        location: f.location.clone(),
                        weekday: f.weekday.clone(),
                        start: f.start.clone(),
                        end: f.end.clone(),
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    done(&st, &ctx, &p, r).await
}

pub async fn remove_rule(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<Fields>,
) -> AppResult {
    let r = match f.owner() {
        Ok((kind, id)) => st.services.remove_availability(&p, kind, id, &f.rule).await,
        Err(e) => Err(e),
    };
    done(&st, &ctx, &p, r).await
}

pub async fn add_exception(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<Fields>,
) -> AppResult {
    let r = match f.owner() {
        Ok((kind, id)) => {
            st.services
                .add_exception(
                    &p,
                    &ExceptionForm {
                        owner_kind: kind.into(),
                        owner_id: id.into(),
                        location: f.location.clone(),
                        kind: f.kind.clone(),
                        from: f.from.clone(),
                        to: f.to.clone(),
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    done(&st, &ctx, &p, r).await
}
