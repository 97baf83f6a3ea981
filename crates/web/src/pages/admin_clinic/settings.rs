//! The settings page: every setting in one form; saving stores a new version.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use threshold_domain::settings::ClinicSettings;
use threshold_service::{Error, Principal};
use threshold_store::careplan::SettingsChange;

use super::fields::{F, SECTIONS, SettingField, parse_form};
use crate::error::AppResult;
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, after_action, page_with};

pub struct SettingInput {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub hint: &'static str,
    pub step: &'static str,
    pub min: String,
    pub max: String,
    pub value: String,
}

pub struct SettingSection {
    pub legend: &'static str,
    pub inputs: Vec<SettingInput>,
}

pub struct HistoryRow {
    pub version: i64,
    pub when: String,
    pub by: String,
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    version: i64,
    sections: Vec<SettingSection>,
    history: Vec<HistoryRow>,
    errors: Errors,
}

fn sections(value: impl Fn(SettingField) -> String) -> Vec<SettingSection> {
    SECTIONS
        .iter()
        .map(|(legend, fields)| SettingSection {
            legend,
            inputs: fields
                .iter()
                .map(|&f| {
                    let (label, unit, hint) = f.text();
                    let (min, max) = f.bounds();
                    SettingInput {
                        name: f.name(),
                        label,
                        unit,
                        hint,
                        step: if f.whole() { "1" } else { "any" },
                        min: F::show(min),
                        max: F::show(max),
                        value: value(f),
                    }
                })
                .collect(),
        })
        .collect()
}

/// What each listed version changed from the one before it.
fn history_rows(chrome: &Chrome, h: &[SettingsChange]) -> Vec<HistoryRow> {
    let parsed: Vec<Option<ClinicSettings>> = h
        .iter()
        .map(|c| serde_json::from_str(&c.json).ok())
        .collect();
    h.iter()
        .enumerate()
        .map(|(i, c)| {
            let before = match parsed.get(i + 1) {
                Some(p) => p.clone(),
                None if c.version == 1 => Some(ClinicSettings::default()),
                None => None,
            };
            let changes = match (&parsed[i], before) {
                (Some(now), Some(before)) => {
                    let list: Vec<String> = F::ALL
                        .iter()
                        .filter(|f| f.get(now) != f.get(&before))
                        .map(|f| {
                            let (label, unit, _) = f.text();
                            format!(
                                "{label}: {} → {} {unit}",
                                F::show(f.get(&before)),
                                F::show(f.get(now))
                            )
                        })
                        .collect();
                    if list.is_empty() {
                        vec!["No values changed.".to_owned()]
                    } else {
                        list
                    }
                }
                _ => vec!["(The version before is not listed.)".to_owned()],
            };
            HistoryRow {
                version: c.version,
                when: chrome.when(&c.at),
                by: c.by_name.clone().unwrap_or_else(|| "—".to_owned()),
                changes,
            }
        })
        .collect()
}

async fn render_settings(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    status: StatusCode,
    typed: Option<&HashMap<String, String>>,
    errors: Errors,
) -> AppResult {
    let (version, current, history) = st.services.clinic_settings(p).await?;
    let chrome = ctx.chrome("Clinic settings");
    let sections = sections(|f| match typed {
        Some(t) => t.get(f.name()).cloned().unwrap_or_default(),
        None => F::show(f.get(&current)),
    });
    Ok(page_with(
        status,
        &SettingsPage {
            history: history_rows(&chrome, &history),
            chrome,
            version,
            sections,
            errors,
        },
    ))
}

pub async fn settings(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    render_settings(&st, &ctx, &p, StatusCode::OK, None, Errors::default()).await
}

pub async fn save_settings(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(values): Form<HashMap<String, String>>,
) -> AppResult {
    let r = match parse_form(&values) {
        Ok(s) => st.services.save_clinic_settings(&p, s).await.map(|_| ()),
        Err(inv) => Err(Error::Invalid(inv)),
    };
    after_action(r, "/admin/settings?done=saved", |status, errors| {
        render_settings(&st, &ctx, &p, status, Some(&values), errors)
    })
    .await
}
