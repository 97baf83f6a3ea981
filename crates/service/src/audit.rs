//! Writing the audit trail, browsing it, and verifying its chain.

use threshold_domain::audit::{
    AuditAction, AuditRecord, ChainBreak, ChainVerifier, ChainedRecord, Outcome,
};
use threshold_domain::ids::ClientId;
use threshold_domain::{Permission, Timestamp};
use threshold_store::Conn;
use threshold_store::audit::AuditFilter;

use crate::Services;
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// One thing to record. Built with the helpers below.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: AuditAction,
    pub outcome: Outcome,
    pub subject_type: Option<&'static str>,
    pub subject_ids: Vec<String>,
    pub client_id: Option<ClientId>,
    pub detail: Option<String>,
}

impl Entry {
    pub fn ok(action: AuditAction) -> Self {
        Self {
            action,
            outcome: Outcome::Ok,
            subject_type: None,
            subject_ids: Vec::new(),
            client_id: None,
            detail: None,
        }
    }
    pub fn denied(action: AuditAction) -> Self {
        Self {
            outcome: Outcome::Denied,
            ..Self::ok(action)
        }
    }
    pub fn failed(action: AuditAction) -> Self {
        Self {
            outcome: Outcome::Failed,
            ..Self::ok(action)
        }
    }
    pub fn subject(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.subject_type = Some(kind);
        self.subject_ids.push(id.to_string());
        self
    }
    pub fn subjects<I: ToString>(
        mut self,
        kind: &'static str,
        ids: impl IntoIterator<Item = I>,
    ) -> Self {
        self.subject_type = Some(kind);
        self.subject_ids
            .extend(ids.into_iter().map(|i| i.to_string()));
        self
    }
    pub fn client(mut self, id: Option<ClientId>) -> Self {
        self.client_id = id;
        self
    }
    /// Non-clinical detail only (a status, a role list, a path).
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    pub(crate) fn record(self, actor: Actor<'_>, now: Timestamp) -> AuditRecord {
        let (actor_user_id, actor_roles) = match actor {
            Actor::User(p) => (Some(p.user_id.to_string()), p.roles.names()),
            Actor::Anonymous(_) => (None, "anonymous".to_owned()),
            Actor::Operator => (None, "operator".to_owned()),
            Actor::System => (None, "system".to_owned()),
        };
        let meta = actor.meta();
        AuditRecord {
            seq: 0,
            at_ms: now.as_millisecond(),
            actor_user_id,
            actor_roles,
            action: self.action.as_str().to_owned(),
            outcome: self.outcome.as_str().to_owned(),
            subject_type: self.subject_type.map(str::to_owned),
            subject_ids: self.subject_ids.join(","),
            client_id: self.client_id.map(|c| c.to_string()),
            request_id: meta.map(|m| m.request_id.clone()).filter(|r| !r.is_empty()),
            source_ip: meta.and_then(|m| m.source_ip.clone()),
            detail: self.detail,
        }
    }
}

/// Appends inside the caller's transaction: the change and its record commit
/// together or not at all.
pub fn write_in(
    c: &mut dyn Conn,
    actor: Actor<'_>,
    entry: Entry,
    now: Timestamp,
) -> threshold_store::Result<i64> {
    threshold_store::audit::append(c, entry.record(actor, now))
}

/// What `threshold audit verify` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: i64 },
    Broken(ChainBreak),
}

impl Services {
    /// Records an entry in a transaction of its own (reads, denials, sign-ins).
    /// Returns once it is durable.
    pub async fn audit(&self, actor: Actor<'_>, entry: Entry) -> Result<()> {
        let record = entry.record(actor, self.now());
        self.db
            .write(move |c| threshold_store::audit::append(c, record))
            .await?;
        Ok(())
    }

    /// Refuses (and records the refusal) unless the principal holds `perm`.
    pub async fn require(&self, p: &Principal, perm: Permission) -> Result<()> {
        if p.can(perm) {
            return Ok(());
        }
        self.audit(
            Actor::User(p),
            Entry::denied(AuditAction::AccessDenied).detail(format!("{perm:?}")),
        )
        .await?;
        Err(Error::Forbidden)
    }

    /// A page of the trail for an administrator, newest first, with the names of
    /// the people who acted (by user id). Viewing the trail is itself recorded.
    pub async fn audit_search(
        &self,
        p: &Principal,
        filter: AuditFilter,
        limit: i64,
    ) -> Result<(Vec<ChainedRecord>, Vec<(String, String)>)> {
        self.require(p, Permission::ViewAudit).await?;
        let f = filter.clone();
        let (rows, names) = self
            .db
            .read(move |c| {
                let rows = threshold_store::audit::search(c, &f, limit.clamp(1, 500))?;
                let mut ids: Vec<String> = rows
                    .iter()
                    .filter_map(|r| r.record.actor_user_id.clone())
                    .collect();
                ids.sort();
                ids.dedup();
                let names = threshold_store::users::names(c, &ids)?;
                Ok::<_, threshold_store::StoreError>((rows, names))
            })
            .await?;
        self.audit(Actor::User(p), Entry::ok(AuditAction::AuditViewed))
            .await?;
        Ok((rows, names))
    }

    /// Walks the whole chain, oldest first, and names the first bad entry.
    pub async fn audit_verify(&self) -> Result<Verification> {
        let mut verifier = ChainVerifier::default();
        let mut after = 0;
        loop {
            let page = self
                .db
                .read(move |c| threshold_store::audit::page_after(c, after, 5000))
                .await?;
            if page.is_empty() {
                break;
            }
            for e in &page {
                if let Err(b) = verifier.check(e) {
                    return Ok(Verification::Broken(b));
                }
                after = e.record.seq;
            }
        }
        let head = self.db.read(|c| threshold_store::audit::head(c)).await?;
        Ok(match verifier.finish(head) {
            Ok(n) => Verification::Intact { entries: n },
            Err(b) => Verification::Broken(b),
        })
    }
}
