//! `/api/v1` for what administrators manage for the care journey: clinic
//! settings, partner organisations and consent documents. Same permissions as
//! the pages (`ManageClinic`, administrators).
//!
//! The settings travel as one flat object whose keys are the names the settings
//! form uses, so a refusal's `field` is a key of the body that was sent.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use threshold_domain::journey::ConsentKind;
use threshold_domain::settings::ClinicSettings;
use threshold_service::clinic::PartnerForm;
use threshold_store::careplan::{ConsentDocRow, PartnerRow};
use utoipa::{OpenApi, ToSchema};

use crate::api::Created;
use crate::error::{AppError, AppResult, ErrorInfo};
use crate::extract::{ApiJson, Signed};
use crate::pages::admin_clinic::{SettingField, build_settings};
use crate::state::AppState;

/// Every clinic setting. Units: years, mmHg, readings, mg lorazepam-equivalent
/// a day, morphine milligram equivalents a day, mg/kg, mg, members, hours,
/// sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsValues {
    pub minimum_age_years: u8,
    pub hypertension_systolic_above: u16,
    pub hypertension_diastolic_above: u16,
    pub hypertension_readings_required: u8,
    pub benzodiazepine_lorazepam_mg_per_day_max: f64,
    pub high_dose_opioid_mme_per_day: f64,
    pub iv_dose_min: f64,
    pub iv_dose_max: f64,
    pub lozenge_dose_min: f64,
    pub lozenge_dose_max: f64,
    pub group_size_min: u8,
    pub group_size_max: u8,
    pub min_hours_between_sessions: u16,
    pub default_series_sessions: u8,
    pub reminder_lead_hours: u16,
    pub morning_reminder_hour: u8,
}

impl From<&ClinicSettings> for SettingsValues {
    fn from(s: &ClinicSettings) -> Self {
        let t = &s.thresholds;
        Self {
            minimum_age_years: t.minimum_age_years,
            hypertension_systolic_above: t.hypertension_systolic_above,
            hypertension_diastolic_above: t.hypertension_diastolic_above,
            hypertension_readings_required: t.hypertension_readings_required,
            benzodiazepine_lorazepam_mg_per_day_max: t.benzodiazepine_lorazepam_mg_per_day_max,
            high_dose_opioid_mme_per_day: t.high_dose_opioid_mme_per_day,
            iv_dose_min: s.iv_dose_mg_per_kg.min,
            iv_dose_max: s.iv_dose_mg_per_kg.max,
            lozenge_dose_min: s.lozenge_dose_mg.min,
            lozenge_dose_max: s.lozenge_dose_mg.max,
            group_size_min: s.group_size_min,
            group_size_max: s.group_size_max,
            min_hours_between_sessions: s.min_hours_between_sessions,
            default_series_sessions: s.default_series_sessions,
            reminder_lead_hours: s.reminder_lead_hours,
            morning_reminder_hour: s.morning_reminder_hour,
        }
    }
}

/// The settings in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsBody {
    /// The version in force; 0 means the defaults, never changed.
    pub version: i64,
    pub settings: SettingsValues,
}

/// A whole new version of the settings: every key is required, with the keys
/// and units of `SettingsValues`. Each value is checked against its allowed
/// range; refusals name the key.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SettingsInput {
    #[schema(required = true, value_type = i64)]
    pub minimum_age_years: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub hypertension_systolic_above: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub hypertension_diastolic_above: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub hypertension_readings_required: Option<i64>,
    #[schema(required = true, value_type = f64)]
    pub benzodiazepine_lorazepam_mg_per_day_max: Option<f64>,
    #[schema(required = true, value_type = f64)]
    pub high_dose_opioid_mme_per_day: Option<f64>,
    #[schema(required = true, value_type = f64)]
    pub iv_dose_min: Option<f64>,
    #[schema(required = true, value_type = f64)]
    pub iv_dose_max: Option<f64>,
    #[schema(required = true, value_type = f64)]
    pub lozenge_dose_min: Option<f64>,
    #[schema(required = true, value_type = f64)]
    pub lozenge_dose_max: Option<f64>,
    #[schema(required = true, value_type = i64)]
    pub group_size_min: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub group_size_max: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub min_hours_between_sessions: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub default_series_sessions: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub reminder_lead_hours: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub morning_reminder_hour: Option<i64>,
}

impl SettingsInput {
    fn value(&self, f: SettingField) -> Option<f64> {
        let w = |v: Option<i64>| v.map(|n| n as f64);
        match f {
            SettingField::MinimumAge => w(self.minimum_age_years),
            SettingField::Systolic => w(self.hypertension_systolic_above),
            SettingField::Diastolic => w(self.hypertension_diastolic_above),
            SettingField::HighReadings => w(self.hypertension_readings_required),
            SettingField::Lorazepam => self.benzodiazepine_lorazepam_mg_per_day_max,
            SettingField::OpioidMme => self.high_dose_opioid_mme_per_day,
            SettingField::IvMin => self.iv_dose_min,
            SettingField::IvMax => self.iv_dose_max,
            SettingField::LozengeMin => self.lozenge_dose_min,
            SettingField::LozengeMax => self.lozenge_dose_max,
            SettingField::GroupMin => w(self.group_size_min),
            SettingField::GroupMax => w(self.group_size_max),
            SettingField::Spacing => w(self.min_hours_between_sessions),
            SettingField::Series => w(self.default_series_sessions),
            SettingField::ReminderLead => w(self.reminder_lead_hours),
            SettingField::MorningHour => w(self.morning_reminder_hour),
        }
    }

    fn settings(&self) -> Result<ClinicSettings, threshold_domain::Invalid> {
        build_settings(SettingField::ALL.into_iter().map(|f| {
            let v = self
                .value(f)
                .ok_or_else(|| format!("Give {}: every setting is required.", f.name()));
            (f, v)
        }))
    }
}

/// A partner medical provider organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerBody {
    pub id: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    /// Inactive organisations are not offered for new plans.
    pub active: bool,
}

impl From<PartnerRow> for PartnerBody {
    fn from(p: PartnerRow) -> Self {
        Self {
            id: p.id,
            name: p.name,
            phone: p.phone,
            email: p.email,
            notes: p.notes,
            active: p.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerList {
    /// Every organisation, active or not, by name.
    pub items: Vec<PartnerBody>,
}

/// A partner organisation as written: the whole record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PartnerInput {
    /// 1–200 characters, unique (case and spacing aside).
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Up to 4000 characters, for staff. Never a client's details.
    #[serde(default)]
    pub notes: Option<String>,
    /// Default true.
    #[serde(default)]
    pub active: Option<bool>,
}

impl PartnerInput {
    fn form(self) -> PartnerForm {
        PartnerForm {
            name: self.name,
            phone: self.phone.unwrap_or_default(),
            email: self.email.unwrap_or_default(),
            notes: self.notes.unwrap_or_default(),
            active: self.active.unwrap_or(true),
        }
    }
}

/// One version of a consent document.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentDocument {
    /// `kap-informed-consent`, `in-home`, `group-confidentiality` or `iv-partner-release`.
    pub kind: String,
    pub label: String,
    pub version: i64,
    pub title: String,
    /// Plain text; paragraphs separated by blank lines.
    pub body: String,
    /// RFC 3339, UTC.
    pub published_at: String,
    pub published_by: Option<String>,
}

impl From<ConsentDocRow> for ConsentDocument {
    fn from(d: ConsentDocRow) -> Self {
        let label = d
            .kind
            .parse::<ConsentKind>()
            .map_or_else(|()| d.kind.clone(), |k| k.label().to_owned());
        Self {
            label,
            kind: d.kind,
            version: d.version,
            title: d.title,
            body: d.body,
            published_at: format!("{:.3}", d.published_at),
            published_by: d.published_by_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentDocumentList {
    /// The version in force of each published document.
    pub items: Vec<ConsentDocument>,
    /// The kinds with no version published yet (clients cannot sign them).
    pub unpublished: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentVersions {
    pub kind: String,
    pub label: String,
    /// Newest (in force) first; empty when never published.
    pub versions: Vec<ConsentDocument>,
}

/// A new version of a consent document.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsentPublish {
    /// One line, 1–200 characters.
    #[serde(default)]
    #[schema(required = true)]
    pub title: String,
    /// Plain text, up to 100,000 characters.
    #[serde(default)]
    #[schema(required = true)]
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    pub kind: String,
    /// The new version's number.
    pub version: i64,
}

fn consent_kind(kind: &str) -> Result<ConsentKind, AppError> {
    kind.parse().map_err(|()| AppError::not_found())
}

/// The settings in force.
#[utoipa::path(
    get,
    path = "/api/v1/settings",
    tag = "clinic",
    responses(
        (status = 200, description = "The settings in force", body = SettingsBody),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not manage the clinic", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn get_settings(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let (version, s, _) = st.services.clinic_settings(&p).await?;
    Ok(Json(SettingsBody {
        version,
        settings: SettingsValues::from(&s),
    })
    .into_response())
}

/// Saves a new version of the settings (audited) and answers with it.
#[utoipa::path(
    put,
    path = "/api/v1/settings",
    tag = "clinic",
    request_body = SettingsInput,
    responses(
        (status = 200, description = "The new version, in force", body = SettingsBody),
        (status = 400, description = "Malformed body", body = ErrorInfo),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not manage the clinic, or a session write lacks its CSRF header", body = ErrorInfo),
        (status = 413, description = "Body too large", body = ErrorInfo),
        (status = 415, description = "Not application/json", body = ErrorInfo),
        (status = 422, description = "A setting is missing, of the wrong type or out of range; `errors` names each key. Nothing is stored.", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn put_settings(
    State(st): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<SettingsInput>,
) -> AppResult {
    let s = body.settings().map_err(threshold_service::Error::Invalid)?;
    let version = st.services.save_clinic_settings(&p, s.clone()).await?;
    Ok(Json(SettingsBody {
        version,
        settings: SettingsValues::from(&s),
    })
    .into_response())
}

/// Every partner organisation, active or not.
#[utoipa::path(
    get,
    path = "/api/v1/partners",
    tag = "clinic",
    responses(
        (status = 200, description = "The organisations, by name", body = PartnerList),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not manage the clinic", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn list_partners(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let items = st.services.partners(&p, true).await?;
    Ok(Json(PartnerList {
        items: items.into_iter().map(PartnerBody::from).collect(),
    })
    .into_response())
}

/// Adds a partner organisation (audited).
#[utoipa::path(
    post,
    path = "/api/v1/partners",
    tag = "clinic",
    request_body = PartnerInput,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 400, description = "Malformed body", body = ErrorInfo),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not manage the clinic, or a session write lacks its CSRF header", body = ErrorInfo),
        (status = 413, description = "Body too large", body = ErrorInfo),
        (status = 415, description = "Not application/json", body = ErrorInfo),
        (status = 422, description = "Validation failed (a duplicate name is refused on `name`)", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn create_partner(
    State(st): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<PartnerInput>,
) -> AppResult {
    let id = st.services.save_partner(&p, None, &body.form()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// Replaces a partner organisation's details (audited); `active: false`
/// deactivates it.
#[utoipa::path(
    put,
    path = "/api/v1/partners/{id}",
    tag = "clinic",
    params(("id" = String, Path, description = "The organisation's id")),
    request_body = PartnerInput,
    responses(
        (status = 200, description = "The organisation as saved", body = PartnerBody),
        (status = 400, description = "Malformed body", body = ErrorInfo),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not manage the clinic, or a session write lacks its CSRF header", body = ErrorInfo),
        (status = 404, description = "No such organisation", body = ErrorInfo),
        (status = 413, description = "Body too large", body = ErrorInfo),
        (status = 415, description = "Not application/json", body = ErrorInfo),
        (status = 422, description = "Validation failed (a duplicate name is refused on `name`)", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn update_partner(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PartnerInput>,
) -> AppResult {
    st.services
        .save_partner(&p, Some(&id), &body.form())
        .await?;
    let row = st.services.partner(&p, &id).await?;
    Ok(Json(PartnerBody::from(row)).into_response())
}

/// The version in force of each consent document.
#[utoipa::path(
    get,
    path = "/api/v1/consent-documents",
    tag = "clinic",
    responses(
        (status = 200, description = "The documents in force", body = ConsentDocumentList),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not manage the clinic", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn list_consent_documents(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let current = st.services.consent_documents(&p).await?;
    let unpublished = ConsentKind::ALL
        .into_iter()
        .filter(|k| !current.iter().any(|d| d.kind == k.as_str()))
        .map(|k| k.as_str().to_owned())
        .collect();
    Ok(Json(ConsentDocumentList {
        items: current.into_iter().map(ConsentDocument::from).collect(),
        unpublished,
    })
    .into_response())
}

/// Every version of one consent document, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/consent-documents/{kind}",
    tag = "clinic",
    params(("kind" = String, Path, description = "`kap-informed-consent`, `in-home`, `group-confidentiality` or `iv-partner-release`")),
    responses(
        (status = 200, description = "The versions", body = ConsentVersions),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not manage the clinic", body = ErrorInfo),
        (status = 404, description = "No such kind of document", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn consent_document_versions(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(kind): Path<String>,
) -> AppResult {
    let kind = consent_kind(&kind)?;
    let (kind, versions) = st
        .services
        .consent_document_versions(&p, kind.as_str())
        .await?;
    Ok(Json(ConsentVersions {
        kind: kind.as_str().to_owned(),
        label: kind.label().to_owned(),
        versions: versions.into_iter().map(ConsentDocument::from).collect(),
    })
    .into_response())
}

/// Publishes a new version of a consent document (audited). It is in force at
/// once: clients who signed an earlier version are asked to sign again.
#[utoipa::path(
    post,
    path = "/api/v1/consent-documents/{kind}",
    tag = "clinic",
    params(("kind" = String, Path, description = "`kap-informed-consent`, `in-home`, `group-confidentiality` or `iv-partner-release`")),
    request_body = ConsentPublish,
    responses(
        (status = 201, description = "Published", body = Published),
        (status = 400, description = "Malformed body", body = ErrorInfo),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not manage the clinic, or a session write lacks its CSRF header", body = ErrorInfo),
        (status = 404, description = "No such kind of document", body = ErrorInfo),
        (status = 413, description = "Body too large", body = ErrorInfo),
        (status = 415, description = "Not application/json", body = ErrorInfo),
        (status = 422, description = "Validation failed; `field` is `title` or `body`", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn publish_consent_document(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(kind): Path<String>,
    ApiJson(body): ApiJson<ConsentPublish>,
) -> AppResult {
    let kind = consent_kind(&kind)?;
    let version = st
        .services
        .publish_consent(&p, kind.as_str(), &body.title, &body.body)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Published {
            kind: kind.as_str().to_owned(),
            version,
        }),
    )
        .into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(
        get_settings,
        put_settings,
        list_partners,
        create_partner,
        update_partner,
        list_consent_documents,
        consent_document_versions,
        publish_consent_document
    ),
    components(schemas(
        SettingsBody,
        SettingsValues,
        SettingsInput,
        PartnerBody,
        PartnerList,
        PartnerInput,
        ConsentDocument,
        ConsentDocumentList,
        ConsentVersions,
        ConsentPublish,
        Published
    )),
    tags((name = "clinic", description = "Clinic settings, partner organisations and consent documents"))
)]
pub struct ClinicApi;

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys the API documents for the settings are the form's field names,
    /// which are the names validation gives its errors.
    #[test]
    fn the_settings_keys_are_the_form_field_names() {
        let v = serde_json::to_value(SettingsValues::from(&ClinicSettings::default()))
            .unwrap_or_default();
        let mut keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        let mut names: Vec<&str> = SettingField::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        assert_eq!(keys, names);
    }

    #[test]
    fn a_missing_setting_is_named() {
        let e = SettingsInput::default().settings().unwrap_err();
        assert_eq!(e.0.len(), SettingField::ALL.len());
        assert_eq!(e.0[0].field, "minimum_age_years");
    }
}
