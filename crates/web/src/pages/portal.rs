//! The client portal home.

use askama::Template;
use axum::extract::State;
use threshold_store::locations::LocationRow;

use crate::error::AppResult;
use crate::extract::Signed;
use crate::state::AppState;
use crate::views::{Chrome, PageCtx, page};

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    chrome: Chrome,
    name: String,
    contact: Option<LocationRow>,
    stage: Option<threshold_domain::journey::Stage>,
    tasks: Vec<threshold_service::questionnaires::Task>,
    care: threshold_service::consents::MyCare,
    appointments: Vec<threshold_store::schedule::AppointmentRow>,
    /// When the client's calendar feed was created, if they have one.
    feed_since: Option<jiff::Timestamp>,
    /// Places freed for the client from a waitlist.
    offers: Vec<threshold_service::groups::Offer>,
}

impl PortalPage {
    fn at_intake(&self) -> bool {
        self.stage == Some(threshold_domain::journey::Stage::Intake)
    }
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    fn kind_label(&self, k: &str) -> &'static str {
        k.parse::<threshold_domain::schedule::AppointmentKind>()
            .map_or("Appointment", |k| k.label())
    }
    fn is_medicine(&self, k: &str) -> bool {
        k.parse::<threshold_domain::schedule::AppointmentKind>()
            .is_ok_and(|k| k.is_medicine())
    }
    fn consents_to_sign(&self) -> usize {
        self.care
            .consents
            .iter()
            .filter(|c| c.required && !c.counts && c.current.is_some())
            .count()
    }
    fn open_tasks(&self) -> usize {
        self.tasks.iter().filter(|t| !t.done).count()
    }
}

pub async fn home(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    let h = st.services.portal_home(&p).await?;
    let care = match h.stage {
        Some(_) => st.services.my_care(&p).await?,
        None => Default::default(),
    };
    let appointments = st.services.my_appointments(&p).await?;
    let feed_since = st.services.my_feed_status(&p).await?;
    let offers = st.services.my_offers(&p).await?;
    Ok(page(&PortalPage {
        offers,
        appointments,
        feed_since,
        care,
        chrome: ctx.chrome("Your portal"),
        name: h.client.name,
        contact: h.contact,
        stage: h.stage,
        tasks: h.tasks,
    }))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ChangeFields {
    note: String,
}

/// The client asks to change one of their appointments.
pub async fn request_change(
    State(st): State<AppState>,
    Signed(p): Signed,
    axum::extract::Path(id): axum::extract::Path<String>,
    crate::extract::Form(f): crate::extract::Form<ChangeFields>,
) -> AppResult {
    match st.services.request_change(&p, &id, &f.note).await {
        Ok(()) => Ok(crate::views::see_other("/portal?done=change-requested")),
        Err(threshold_service::Error::Invalid(inv)) => {
            Err(crate::error::AppError::bad_request(inv.0.first().map_or(
                "Write what you would like to change.".to_owned(),
                |e| e.message.clone(),
            )))
        }
        Err(e) => Err(e.into()),
    }
}
