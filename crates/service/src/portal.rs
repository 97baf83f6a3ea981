//! The client's own portal.

use threshold_domain::Permission;
use threshold_domain::audit::AuditAction;
use threshold_store::clients::ClientRow;
use threshold_store::locations::LocationRow;

use crate::Services;
use crate::audit::Entry;
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// What the portal home shows.
#[derive(Debug, Clone)]
pub struct PortalHome {
    pub client: ClientRow,
    pub contact: Option<LocationRow>,
    /// Where the client's journey stands.
    pub stage: Option<threshold_domain::journey::Stage>,
    /// Questionnaires, due first.
    pub tasks: Vec<crate::questionnaires::Task>,
}

impl Services {
    /// The signed-in client's own record and how to reach the clinic. Only ever
    /// the caller's own record: there is no id to change.
    pub async fn portal_home(&self, p: &Principal) -> Result<PortalHome> {
        self.require(p, Permission::ClientPortal).await?;
        let uid = p.user_id;
        let client = self
            .db
            .read(move |c| threshold_store::clients::by_user(c, uid))
            .await?
            .ok_or(Error::NotFound)?;
        let contact = self.clinic_contact().await?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::ClientViewed)
                .subject("client", client.id)
                .client(Some(client.id)),
        )
        .await?;
        let cid = client.id;
        let journey = self
            .db
            .read(move |c| threshold_store::journeys::current_for_client(c, cid))
            .await?;
        let (stage, tasks) = match journey {
            Some(j) => (j.stage.parse().ok(), self.tasks_of(j.id).await?),
            None => (None, Vec::new()),
        };
        Ok(PortalHome {
            client,
            contact,
            stage,
            tasks,
        })
    }
}
