//! Answering a questionnaire: the client in the portal, or a clinician on the
//! client's behalf from the chart. Every item is a fieldset of radio buttons, so
//! it works without JavaScript; skip logic is explained next to the items it
//! governs and enforced by the server.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use threshold_domain::Permission;
use threshold_domain::ids::ClientId;
use threshold_domain::questionnaire::{Condition, Instrument};
use threshold_service::questionnaires::Opened;
use threshold_service::{Error, Principal};

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page, page_with, see_other};

pub struct OptView {
    pub id: String,
    pub value: u8,
    pub label: &'static str,
    pub checked: bool,
}

pub struct ItemView {
    pub field: String,
    pub label: &'static str,
    pub text: &'static str,
    pub help: Option<&'static str>,
    pub when: Option<String>,
    pub options: Vec<OptView>,
}

fn condition_text(instrument: &Instrument, c: &Condition) -> String {
    let answer = |item: u8, value: u8| {
        let it = instrument.item(item);
        let q = it.map_or(item.to_string(), |i| i.label.to_owned());
        let a = it
            .and_then(|i| i.option(value))
            .map_or(value.to_string(), |o| o.label.to_owned());
        (q, a)
    };
    match c {
        Condition::AnswerIs { item, value } => {
            let (q, a) = answer(*item, *value);
            format!(
                "Answer this only if you answered “{a}” to question {q}; otherwise leave it blank."
            )
        }
        Condition::AnswerAtLeast { item, value } => {
            let (q, a) = answer(*item, *value);
            format!(
                "Answer this only if your answer to question {q} was “{a}” or more; otherwise leave it blank."
            )
        }
        _ => "Answer this only if it applies to your earlier answers; otherwise leave it blank."
            .to_owned(),
    }
}

fn items(instrument: &'static Instrument, raw: &[(String, String)]) -> Vec<ItemView> {
    instrument
        .items
        .iter()
        .map(|it| {
            let field = it.field();
            let given = raw
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| v.as_str());
            ItemView {
                options: it
                    .options
                    .iter()
                    .map(|o| OptView {
                        id: format!("{field}-{}", o.value),
                        value: o.value,
                        label: o.label,
                        checked: given == Some(o.value.to_string().as_str()),
                    })
                    .collect(),
                label: it.label,
                text: it.text,
                help: it.help,
                when: it.show_if.as_ref().map(|c| condition_text(instrument, c)),
                field,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "questionnaire.html")]
struct QuestionnairePage {
    chrome: Chrome,
    title: &'static str,
    instructions: &'static str,
    items: Vec<ItemView>,
    errors: Errors,
    action: String,
    on_behalf: bool,
    client_name: String,
}

fn render(
    ctx: &PageCtx,
    o: &Opened,
    action: String,
    raw: &[(String, String)],
    status: StatusCode,
    errors: Errors,
) -> axum::response::Response {
    page_with(
        status,
        &QuestionnairePage {
            chrome: ctx.chrome(o.instrument.title),
            title: o.instrument.title,
            instructions: o.instrument.instructions,
            items: items(o.instrument, raw),
            errors,
            action,
            on_behalf: o.on_behalf,
            client_name: o.client_name.clone(),
        },
    )
}

#[derive(Template)]
#[template(path = "crisis.html")]
struct CrisisPage {
    chrome: Chrome,
}

async fn submit(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    task: &str,
    action: String,
    raw: Vec<(String, String)>,
    done: String,
) -> AppResult {
    match st.services.submit_questionnaire(p, task, &raw).await {
        Ok(s) if s.alert && p.can(Permission::ClientPortal) => Ok(page(&CrisisPage {
            chrome: ctx.chrome("Thank you — please read this now"),
        })),
        Ok(s) if s.alert => Ok(see_other(&format!("{done}?done=alert-raised"))),
        Ok(_) => Ok(see_other(&format!("{done}?done=answered"))),
        Err(Error::Invalid(inv)) => {
            let o = st.services.open_questionnaire(p, task).await?;
            Ok(render(
                ctx,
                &o,
                action,
                &raw,
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors(inv.0),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn portal_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(task): Path<String>,
) -> AppResult {
    let o = st.services.open_questionnaire(&p, &task).await?;
    Ok(render(
        &ctx,
        &o,
        format!("/portal/questionnaires/{task}"),
        &[],
        StatusCode::OK,
        Errors::default(),
    ))
}

pub async fn portal_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(task): Path<String>,
    Form(raw): Form<Vec<(String, String)>>,
) -> AppResult {
    let action = format!("/portal/questionnaires/{task}");
    submit(&st, &ctx, &p, &task, action, raw, "/portal".into()).await
}

fn client_id(id: &str) -> Result<ClientId, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

pub async fn staff_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path((client, task)): Path<(String, String)>,
) -> AppResult {
    let client = client_id(&client)?;
    let o = st.services.open_questionnaire(&p, &task).await?;
    if o.client_id != client || !o.on_behalf {
        return Err(AppError::not_found());
    }
    Ok(render(
        &ctx,
        &o,
        format!("/clients/{client}/questionnaires/{task}"),
        &[],
        StatusCode::OK,
        Errors::default(),
    ))
}

pub async fn staff_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path((client, task)): Path<(String, String)>,
    Form(raw): Form<Vec<(String, String)>>,
) -> AppResult {
    let client = client_id(&client)?;
    let o = st.services.open_questionnaire(&p, &task).await?;
    if o.client_id != client || !o.on_behalf {
        return Err(AppError::not_found());
    }
    let action = format!("/clients/{client}/questionnaires/{task}");
    submit(
        &st,
        &ctx,
        &p,
        &task,
        action,
        raw,
        format!("/clients/{client}"),
    )
    .await
}
