//! The staff home: what this person can do, and what is waiting.

use askama::Template;
use axum::extract::State;
use threshold_domain::Permission;

use crate::error::AppResult;
use crate::extract::Signed;
use crate::state::AppState;
use crate::views::{Chrome, PageCtx, page};

#[derive(Template)]
#[template(path = "staff_home.html")]
struct StaffHome {
    chrome: Chrome,
    name: String,
    roles: String,
    inquiries: bool,
    admin: bool,
    new_count: i64,
    open_count: i64,
    mine_count: i64,
    clinical: bool,
    /// Charts and alerts: not for medical partners, who see only their sessions.
    sees_clinical: bool,
    /// The physician review queue.
    reviews: bool,
}

pub async fn home(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    let inquiries = p.can(Permission::ViewInquiries);
    let counts = if inquiries {
        st.services.inquiry_counts(&p).await?
    } else {
        Default::default()
    };
    Ok(page(&StaffHome {
        chrome: ctx.chrome("Home"),
        name: p.name.clone(),
        roles: p
            .roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", "),
        inquiries,
        admin: p.can(Permission::ManageUsers),
        sees_clinical: p.can(Permission::ViewClinical),
        reviews: p.can(Permission::DecideEligibility),
        new_count: counts.new,
        open_count: counts.open,
        mine_count: counts.mine,
        clinical: p.roles.iter().any(|r| {
            matches!(
                r,
                threshold_domain::Role::Clinician
                    | threshold_domain::Role::Physician
                    | threshold_domain::Role::MedicalPartner
            )
        }),
    }))
}
