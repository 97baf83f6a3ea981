//! The client's intake form in the portal: one long page in sections, saved as a
//! draft whenever the client likes and submitted once.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use threshold_domain::clinical::{Answer, HistoryItem, MedicationClass, MedicationForm, Sex};
use threshold_domain::intake::IntakeDraft;
use threshold_domain::{FieldError, Invalid};
use threshold_service::Error;

use crate::error::AppResult;
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page_with, see_other};

/// How many empty medication rows the form offers beyond those filled in (no
/// JavaScript: saving the draft offers more).
const SPARE_ROWS: usize = 3;

/// Reads the form's fields into a draft. Only a malformed choice (an unknown sex)
/// is refused here; everything else is the draft's to check.
pub fn draft_from_form(fields: &[(String, String)]) -> Result<(IntakeDraft, bool), Invalid> {
    let mut d = IntakeDraft::default();
    let mut meds: BTreeMap<usize, MedicationForm> = BTreeMap::new();
    let mut history = BTreeMap::new();
    let mut submit = false;
    for (k, v) in fields {
        let v = v.clone();
        match k.as_str() {
            "legal_name" => d.legal_name = v,
            "preferred_name" => d.preferred_name = v,
            "date_of_birth" => d.date_of_birth = v,
            "sex" => {
                d.sex = match v.trim() {
                    "" => None,
                    s => Some(
                        s.parse::<Sex>()
                            .map_err(|_| Invalid::field("sex", "Choose one of the options."))?,
                    ),
                }
            }
            "pronouns" => d.pronouns = v,
            "address" => d.address = v,
            "emergency_contact_name" => d.emergency_contact_name = v,
            "emergency_contact_relationship" => d.emergency_contact_relationship = v,
            "emergency_contact_phone" => d.emergency_contact_phone = v,
            "support_ride_home_name" => d.support_ride_home_name = v,
            "support_ride_home_phone" => d.support_ride_home_phone = v,
            "support_sitter_name" => d.support_sitter_name = v,
            "support_sitter_phone" => d.support_sitter_phone = v,
            "support_notes" => d.support_notes = v,
            "goals" => d.goals = v,
            "what_brings_you" => d.what_brings_you = v,
            "prior_treatments" => d.prior_treatments = v,
            "prior_ketamine" => d.prior_ketamine = v,
            "prior_ect" => d.prior_ect = v,
            "prior_tms" => d.prior_tms = v,
            "prior_psychedelics" => d.prior_psychedelics = v,
            "no_medications" => d.no_medications = !v.is_empty(),
            "allergies" => d.allergies = v,
            "weight_kg" => d.weight_kg = v,
            "height_cm" => d.height_cm = v,
            "action" => submit = v == "submit",
            key => {
                if let Some(item) = key.strip_prefix("history.") {
                    if !v.is_empty() {
                        history.insert(item.to_owned(), v);
                    }
                } else if let Some(rest) = key.strip_prefix("medications[")
                    && let Some((idx, field)) = rest.split_once("].")
                    && let Ok(i) = idx.parse::<usize>()
                    && i < 60
                {
                    let m = meds.entry(i).or_default();
                    match field {
                        "name" => m.name = v,
                        "class" => m.class = v,
                        "dose" => m.dose = v,
                        "frequency" => m.frequency = v,
                        "lorazepam_equivalent_mg_per_day" => m.lorazepam_equivalent_mg_per_day = v,
                        "morphine_equivalent_mg_per_day" => m.morphine_equivalent_mg_per_day = v,
                        _ => {}
                    }
                }
            }
        }
    }
    // Blank rows are spare rows, not medications.
    d.medications = meds
        .into_values()
        .filter(|m| {
            [
                &m.name,
                &m.dose,
                &m.frequency,
                &m.lorazepam_equivalent_mg_per_day,
                &m.morphine_equivalent_mg_per_day,
            ]
            .iter()
            .any(|s| !s.trim().is_empty())
        })
        .collect();
    d.history = history;
    Ok((d, submit))
}

pub struct HistoryRow {
    pub id: &'static str,
    pub question: &'static str,
    pub answer: String,
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    chrome: Chrome,
    d: IntakeDraft,
    meds: Vec<MedicationForm>,
    history: Vec<HistoryRow>,
    answers: Vec<Choice>,
    classes: Vec<Choice>,
    sexes: Vec<Choice>,
    sex: String,
    errors: Errors,
    editable: bool,
    submitted: bool,
}

impl IntakePage {
    fn prior(&self, which: &str) -> &str {
        match which {
            "prior_ketamine" => &self.d.prior_ketamine,
            "prior_ect" => &self.d.prior_ect,
            "prior_tms" => &self.d.prior_tms,
            _ => &self.d.prior_psychedelics,
        }
    }
    fn med_field(&self, i: &usize, f: &str) -> String {
        format!("medications[{i}].{f}")
    }
}

fn render(
    ctx: &PageCtx,
    d: IntakeDraft,
    editable: bool,
    submitted: bool,
    status: StatusCode,
    errors: Errors,
) -> axum::response::Response {
    let mut meds = d.medications.clone();
    meds.extend(std::iter::repeat_with(MedicationForm::default).take(SPARE_ROWS));
    let history = HistoryItem::ALL
        .iter()
        .map(|h| HistoryRow {
            id: h.as_str(),
            question: h.question(),
            answer: d.history.get(h.as_str()).cloned().unwrap_or_default(),
        })
        .collect();
    let sex = d.sex.map(|s| s.as_str().to_owned()).unwrap_or_default();
    page_with(
        status,
        &IntakePage {
            chrome: ctx.chrome("Your intake form"),
            meds,
            history,
            answers: Answer::ALL
                .iter()
                .map(|a| Choice {
                    value: a.as_str(),
                    label: a.label(),
                })
                .collect(),
            classes: MedicationClass::ALL
                .iter()
                .map(|c| Choice {
                    value: c.as_str(),
                    label: c.label(),
                })
                .collect(),
            sexes: Sex::ALL
                .iter()
                .map(|s| Choice {
                    value: s.as_str(),
                    label: s.label(),
                })
                .collect(),
            sex,
            d,
            errors,
            editable,
            submitted,
        },
    )
}

pub async fn form(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    let v = st.services.my_intake(&p).await?;
    Ok(render(
        &ctx,
        v.draft,
        v.editable,
        v.submitted,
        StatusCode::OK,
        Errors::default(),
    ))
}

pub async fn save(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult {
    let (draft, submit) = match draft_from_form(&fields) {
        Ok(x) => x,
        Err(inv) => {
            let v = st.services.my_intake(&p).await?;
            return Ok(render(
                &ctx,
                v.draft,
                v.editable,
                v.submitted,
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors(inv.0),
            ));
        }
    };
    match st.services.save_my_intake(&p, draft.clone(), submit).await {
        Ok(true) => Ok(see_other("/portal?done=intake-submitted")),
        Ok(false) => Ok(see_other("/portal/intake?done=draft-saved")),
        Err(Error::Invalid(inv)) => Ok(render(
            &ctx,
            draft,
            true,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors(inv.0),
        )),
        Err(Error::Conflict(m)) => {
            let v = st.services.my_intake(&p).await?;
            Ok(render(
                &ctx,
                v.draft,
                v.editable,
                v.submitted,
                StatusCode::CONFLICT,
                Errors(vec![FieldError {
                    field: "legal_name".into(),
                    message: m,
                }]),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
