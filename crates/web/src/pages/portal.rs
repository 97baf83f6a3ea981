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
    Ok(page(&PortalPage {
        appointments,
        care,
        chrome: ctx.chrome("Your portal"),
        name: h.client.name,
        contact: h.contact,
        stage: h.stage,
        tasks: h.tasks,
    }))
}
