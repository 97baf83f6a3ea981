//! The first flow: a consultation request, the coordinator's queue, and
//! converting an inquiry into a client with a portal invitation.

use jiff::Timestamp;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{ClientId, InquiryEventId, InquiryId, UserId};
use threshold_domain::inquiry::{
    ClosedReason, ContactMethod, ContactOutcome, InquiryForm, InquirySource, InquiryStatus,
    NewInquiry,
};
use threshold_domain::text::FreeText;
use threshold_domain::{Invalid, Permission, Role};
use threshold_store::Conn;
use threshold_store::clients::NewClient;
use threshold_store::inquiries::{
    EventKind, InquiryRow, NewEvent, NewInquiryRow, QueueFilter, QueueItem, Sort,
};
use threshold_store::users::NewUser;

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::crypto::Binding;
use crate::error::{Error, Result};
use crate::invitations::Invitee;
use crate::principal::{Actor, Principal};

/// Queue page size.
pub const PAGE_SIZE: i64 = 50;
/// The longest name search accepted.
pub const SEARCH_MAX: usize = 100;

/// What the coordinator asked the queue for (already parsed from the request).
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub status: Option<InquiryStatus>,
    pub open_only: bool,
    pub search: Option<String>,
    pub sort: Sort,
    pub mine: bool,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Figures for the staff home (no personal data, so not an audited read).
#[derive(Debug, Clone, Copy, Default)]
pub struct InquiryCounts {
    pub new: i64,
    pub open: i64,
    pub mine: i64,
}

impl QueuePage {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// One entry of an inquiry's history, decrypted for display.
#[derive(Debug, Clone)]
pub struct HistoryItem {
    pub at: Timestamp,
    pub actor_name: Option<String>,
    pub kind: EventKind,
    pub contact_method: Option<ContactMethod>,
    pub contact_outcome: Option<ContactOutcome>,
    pub note: Option<String>,
    pub from_status: Option<InquiryStatus>,
    pub to_status: Option<InquiryStatus>,
    pub closed_reason: Option<ClosedReason>,
    pub assigned_name: Option<String>,
}

/// The client an inquiry became, and where their invitation stands.
#[derive(Debug, Clone)]
pub struct ConvertedClient {
    pub client_id: ClientId,
    pub user_id: UserId,
    pub has_password: bool,
    pub invitation_expires: Option<Timestamp>,
    pub invitation_open: bool,
}

#[derive(Debug, Clone)]
pub struct InquiryDetail {
    pub inquiry: InquiryRow,
    pub reason: String,
    pub history: Vec<HistoryItem>,
    pub client: Option<ConvertedClient>,
}

fn reason_binding(id: &str) -> Binding<'_> {
    Binding {
        table: "inquiries",
        column: "reason_enc",
        row_id: id,
    }
}

fn note_binding(id: &str) -> Binding<'_> {
    Binding {
        table: "inquiry_events",
        column: "note_enc",
        row_id: id,
    }
}

impl Services {
    /// A consultation request from the public form or API (`Actor::Anonymous`), or
    /// one a coordinator records after a phone call (`Actor::User`).
    pub async fn submit_inquiry(&self, actor: Actor<'_>, form: &InquiryForm) -> Result<InquiryId> {
        let (source, entered_by) = match actor {
            Actor::User(p) => {
                self.require(p, Permission::RecordPhoneInquiry).await?;
                (InquirySource::Phone, Some(p.user_id))
            }
            _ => (InquirySource::Web, None),
        };
        let new = NewInquiry::parse(form)?;
        let id = InquiryId::new();
        let id_text = id.to_string();
        let reason_enc = self
            .cipher
            .encrypt(new.reason.as_str(), reason_binding(&id_text));
        let mail = self.mail_inquiry_received(new.email.as_str(), new.name.as_str());
        let now = self.now();
        let record = Entry::ok(AuditAction::InquiryCreated)
            .subject("inquiry", id)
            .detail(source.as_str())
            .record(actor, now);
        self.db
            .write(move |c| {
                threshold_store::inquiries::insert(
                    c,
                    &NewInquiryRow {
                        id,
                        now,
                        name: new.name.as_str(),
                        search_name: &new.name.search_key(),
                        email: new.email.as_str(),
                        phone: new.phone.as_ref().map(|p| p.as_str()),
                        preferred_contact: new.preferred_contact,
                        reason_enc: &reason_enc,
                        heard_from: new.heard_from.as_ref().map(|h| h.as_str()),
                        source,
                        entered_by,
                    },
                )?;
                threshold_store::inquiries::add_event(
                    c,
                    InquiryEventId::new(),
                    id,
                    EventKind::Created,
                    entered_by,
                    now,
                    &NewEvent::default(),
                )?;
                crate::mail::queue_in(c, &mail, now)?;
                threshold_store::audit::append(c, record)?;
                Ok::<_, Error>(())
            })
            .await?;
        self.mail_queued();
        Ok(id)
    }

    pub async fn inquiry_counts(&self, p: &Principal) -> Result<InquiryCounts> {
        self.require(p, Permission::ViewInquiries).await?;
        let uid = p.user_id;
        let (new, open, mine) = self
            .db
            .read(move |c| threshold_store::inquiries::status_counts(c, uid))
            .await?;
        Ok(InquiryCounts { new, open, mine })
    }

    /// A page of the queue. The read is recorded, naming every inquiry shown.
    pub async fn inquiry_queue(&self, p: &Principal, q: QueueQuery) -> Result<QueuePage> {
        self.require(p, Permission::ViewInquiries).await?;
        let per_page = if q.per_page <= 0 {
            PAGE_SIZE
        } else {
            q.per_page.min(200)
        };
        let page = q.page.max(1);
        let filter = QueueFilter {
            status: q.status,
            open_only: q.open_only,
            name_contains: q
                .search
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_owned()),
            assigned_to: q.mine.then_some(p.user_id),
            sort: q.sort,
        };
        let offset = (page - 1).saturating_mul(per_page);
        let (items, total) = self
            .db
            .read(move |c| threshold_store::inquiries::queue(c, &filter, per_page, offset))
            .await?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::InquiryListed).subjects("inquiry", items.iter().map(|i| i.id)),
        )
        .await?;
        Ok(QueuePage {
            items,
            total,
            page,
            per_page,
        })
    }

    /// One inquiry with its history; the read is recorded.
    pub async fn inquiry(&self, p: &Principal, id: InquiryId) -> Result<InquiryDetail> {
        self.require(p, Permission::ViewInquiries).await?;
        let now = self.now();
        let (row, events, client) = self
            .db
            .read(move |c| {
                let row = threshold_store::inquiries::get(c, id)?.ok_or(Error::NotFound)?;
                let events = threshold_store::inquiries::events(c, id)?;
                let client = match threshold_store::clients::by_inquiry(c, id)? {
                    Some(cl) => {
                        let user = threshold_store::users::get(c, cl.user_id)?;
                        let inv = threshold_store::invitations::latest_for_user(c, cl.user_id)?;
                        Some(ConvertedClient {
                            client_id: cl.id,
                            user_id: cl.user_id,
                            has_password: user.is_some_and(|u| u.password_hash.is_some()),
                            invitation_expires: inv.as_ref().map(|i| i.expires_at),
                            invitation_open: inv.is_some_and(|i| i.is_open(now)),
                        })
                    }
                    None => None,
                };
                Ok::<_, Error>((row, events, client))
            })
            .await?;
        let id_text = row.id.to_string();
        let reason = self
            .cipher
            .decrypt(&row.reason_enc, reason_binding(&id_text))
            .map_err(|e| Error::Internal(format!("inquiry {id_text}: {e}")))?;
        let history = events
            .into_iter()
            .map(|e| {
                let eid = e.id.to_string();
                let note = match &e.note_enc {
                    Some(n) => {
                        Some(self.cipher.decrypt(n, note_binding(&eid)).map_err(|err| {
                            Error::Internal(format!("inquiry event {eid}: {err}"))
                        })?)
                    }
                    None => None,
                };
                Ok(HistoryItem {
                    at: e.at,
                    actor_name: e.actor_name,
                    kind: e.kind,
                    contact_method: e.contact_method,
                    contact_outcome: e.contact_outcome,
                    note,
                    from_status: e.from_status,
                    to_status: e.to_status,
                    closed_reason: e.closed_reason,
                    assigned_name: e.assigned_name,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::InquiryViewed)
                .subject("inquiry", id)
                .client(client.as_ref().map(|c| c.client_id)),
        )
        .await?;
        Ok(InquiryDetail {
            inquiry: row,
            reason,
            history,
            client,
        })
    }

    /// Assigns the inquiry to a coordinator or administrator, or unassigns it.
    pub async fn assign_inquiry(
        &self,
        p: &Principal,
        id: InquiryId,
        to: Option<UserId>,
    ) -> Result<()> {
        self.require(p, Permission::ManageInquiries).await?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::inquiries::get(c, id)?.ok_or(Error::NotFound)?;
                if let Some(to) = to {
                    let ok = threshold_store::users::get(c, to)?.is_some_and(|u| {
                        u.active
                            && (u.roles.contains(Role::Coordinator)
                                || u.roles.contains(Role::Administrator))
                    });
                    if !ok {
                        return Err(Error::Invalid(Invalid::field(
                            "assigned_to",
                            "Choose an active coordinator or administrator.",
                        )));
                    }
                }
                threshold_store::inquiries::assign(c, id, to, now)?;
                threshold_store::inquiries::add_event(
                    c,
                    InquiryEventId::new(),
                    id,
                    EventKind::Assigned,
                    Some(p.user_id),
                    now,
                    &NewEvent {
                        assigned_to: to,
                        ..NewEvent::default()
                    },
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::InquiryAssigned)
                        .subject("inquiry", id)
                        .detail(to.map_or("unassigned".to_owned(), |u| format!("user {u}"))),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// Records a call, message or mail to the person. A first attempt moves a new
    /// inquiry to "contacted".
    pub async fn log_contact(
        &self,
        p: &Principal,
        id: InquiryId,
        method: &str,
        outcome: &str,
        note: &str,
    ) -> Result<()> {
        self.require(p, Permission::ManageInquiries).await?;
        let mut e = Invalid::new();
        let method = method.parse::<ContactMethod>().ok();
        if method.is_none() {
            e.push(
                "method",
                "Choose how you contacted them: email, phone call or text message.",
            );
        }
        let outcome = outcome.parse::<ContactOutcome>().ok();
        if outcome.is_none() {
            e.push("outcome", "Choose what happened.");
        }
        let note = e
            .check(FreeText::parse_optional("note", "the note", note, 2000))
            .flatten();
        e.into_result()?;
        let event_id = InquiryEventId::new();
        let eid = event_id.to_string();
        let note_enc = note.map(|n| self.cipher.encrypt(n.as_str(), note_binding(&eid)));
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let row = threshold_store::inquiries::get(c, id)?.ok_or(Error::NotFound)?;
                if !row.status.is_open() {
                    return Err(Error::Conflict(format!(
                        "This inquiry is {}; reopen it before logging contact.",
                        row.status.label().to_lowercase()
                    )));
                }
                threshold_store::inquiries::add_event(
                    c,
                    event_id,
                    id,
                    EventKind::Contact,
                    Some(p.user_id),
                    now,
                    &NewEvent {
                        contact_method: method,
                        contact_outcome: outcome,
                        note_enc,
                        ..NewEvent::default()
                    },
                )?;
                if row.status == InquiryStatus::New {
                    change_status_in(c, &p, &row, InquiryStatus::Contacted, None, now)?;
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::InquiryContactLogged).subject("inquiry", id),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// Moves the inquiry along the queue; closing needs a reason.
    pub async fn change_inquiry_status(
        &self,
        p: &Principal,
        id: InquiryId,
        to: &str,
        reason: &str,
    ) -> Result<()> {
        self.require(p, Permission::ManageInquiries).await?;
        let Some(to) = to
            .parse::<InquiryStatus>()
            .ok()
            .filter(|s| *s != InquiryStatus::Converted)
        else {
            return Err(Error::Invalid(Invalid::field("status", "Choose a status.")));
        };
        let reason = if to == InquiryStatus::Closed {
            match reason.parse::<ClosedReason>() {
                Ok(r) => Some(r),
                Err(()) => {
                    return Err(Error::Invalid(Invalid::field(
                        "closed_reason",
                        "Choose why the inquiry is being closed.",
                    )));
                }
            }
        } else {
            None
        };
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let row = threshold_store::inquiries::get(c, id)?.ok_or(Error::NotFound)?;
                if !row.status.can_change_to(to) {
                    return Err(Error::Invalid(Invalid::field(
                        "status",
                        format!(
                            "An inquiry that is {} cannot become {}.",
                            row.status.label().to_lowercase(),
                            to.label().to_lowercase()
                        ),
                    )));
                }
                change_status_in(c, &p, &row, to, reason, now)
            })
            .await
    }

    /// Turns the inquiry into a client with a portal account and mails them a
    /// one-time invitation.
    /// The consultation becomes the first entry of the client's journey, which
    /// opens at intake.
    pub async fn convert_inquiry(
        &self,
        p: &Principal,
        id: InquiryId,
        consultation: &crate::journeys::ConsultationForm,
    ) -> Result<ClientId> {
        self.require(p, Permission::ConvertInquiry).await?;
        let now = self.now();
        let today = now.to_zoned_datetime(self.display_zone().await).date();
        let consultation = consultation.parse(today, p.user_id)?;
        let p = p.clone();
        let svc = self.clone();
        let client = self
            .db
            .write(move |c| {
                let row = threshold_store::inquiries::get(c, id)?.ok_or(Error::NotFound)?;
                if !row.status.is_open() {
                    return Err(Error::Conflict(format!(
                        "This inquiry is {}; only an open inquiry can be converted.",
                        row.status.label().to_lowercase()
                    )));
                }
                if threshold_store::users::find_by_email(c, &row.email)?.is_some() {
                    return Err(Error::Conflict(
                        "An account with this email address already exists. Check whether this person is already a client."
                            .into(),
                    ));
                }
                let user = UserId::new();
                threshold_store::users::insert(
                    c,
                    &NewUser {
                        id: user,
                        email: &row.email,
                        name: &row.name,
                        roles: &[Role::Client],
                        password_hash: None,
                        now,
                    },
                )?;
                let client = ClientId::new();
                threshold_store::clients::insert(
                    c,
                    &NewClient {
                        id: client,
                        user_id: user,
                        inquiry_id: Some(id),
                        name: &row.name,
                        email: &row.email,
                        phone: row.phone.as_deref(),
                        preferred_contact: Some(row.preferred_contact.as_str()),
                        now,
                        created_by: Some(p.user_id),
                    },
                )?;
                threshold_store::inquiries::set_status(c, id, InquiryStatus::Converted, None, now)?;
                threshold_store::inquiries::add_event(
                    c,
                    InquiryEventId::new(),
                    id,
                    EventKind::Converted,
                    Some(p.user_id),
                    now,
                    &NewEvent {
                        from_status: Some(row.status),
                        to_status: Some(InquiryStatus::Converted),
                        ..NewEvent::default()
                    },
                )?;
                svc.issue_invitation_in(
                    c,
                    Invitee {
                        user,
                        name: &row.name,
                        email: &row.email,
                        is_staff: false,
                    },
                    Some(p.user_id),
                    now,
                )?;
                crate::journeys::open_journey_in(&svc, c, &p, client, &consultation, now)?;
                threshold_store::inquiries::add_event(
                    c,
                    InquiryEventId::new(),
                    id,
                    EventKind::Invited,
                    Some(p.user_id),
                    now,
                    &NewEvent::default(),
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::InquiryConverted)
                        .subject("inquiry", id)
                        .client(Some(client)),
                    now,
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::InvitationSent).subject("user", user).client(Some(client)),
                    now,
                )?;
                Ok(client)
            })
            .await?;
        self.mail_queued();
        Ok(client)
    }

    /// Sends the converted client a new invitation (the old link stops working).
    pub async fn resend_client_invitation(&self, p: &Principal, inquiry: InquiryId) -> Result<()> {
        self.require(p, Permission::ConvertInquiry).await?;
        let now = self.now();
        let p = p.clone();
        let svc = self.clone();
        self.db
            .write(move |c| {
                let cl = threshold_store::clients::by_inquiry(c, inquiry)?.ok_or(Error::NotFound)?;
                let user = threshold_store::users::get(c, cl.user_id)?.ok_or(Error::NotFound)?;
                if user.password_hash.is_some() {
                    return Err(Error::Conflict(
                        "The client has already set a password; they can reset it from the sign-in page.".into(),
                    ));
                }
                svc.issue_invitation_in(
                    c,
                    Invitee {
                        user: user.id,
                        name: &user.name,
                        email: &user.email,
                        is_staff: false,
                    },
                    Some(p.user_id),
                    now,
                )?;
                threshold_store::inquiries::add_event(
                    c,
                    InquiryEventId::new(),
                    inquiry,
                    EventKind::Invited,
                    Some(p.user_id),
                    now,
                    &NewEvent::default(),
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::InvitationSent).subject("user", user.id).client(Some(cl.id)),
                    now,
                )?;
                Ok(())
            })
            .await?;
        self.mail_queued();
        Ok(())
    }

    /// Revokes the converted client's open invitation.
    pub async fn revoke_client_invitation(&self, p: &Principal, inquiry: InquiryId) -> Result<()> {
        self.require(p, Permission::ConvertInquiry).await?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let cl =
                    threshold_store::clients::by_inquiry(c, inquiry)?.ok_or(Error::NotFound)?;
                let n = threshold_store::invitations::revoke_open(c, cl.user_id, now)?;
                if n == 0 {
                    return Err(Error::Conflict(
                        "There is no open invitation to revoke.".into(),
                    ));
                }
                threshold_store::inquiries::add_event(
                    c,
                    InquiryEventId::new(),
                    inquiry,
                    EventKind::InvitationRevoked,
                    Some(p.user_id),
                    now,
                    &NewEvent::default(),
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::InvitationRevoked)
                        .subject("user", cl.user_id)
                        .client(Some(cl.id)),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}

fn change_status_in(
    c: &mut dyn Conn,
    p: &Principal,
    row: &InquiryRow,
    to: InquiryStatus,
    reason: Option<ClosedReason>,
    now: Timestamp,
) -> Result<()> {
    threshold_store::inquiries::set_status(c, row.id, to, reason, now)?;
    threshold_store::inquiries::add_event(
        c,
        InquiryEventId::new(),
        row.id,
        EventKind::Status,
        Some(p.user_id),
        now,
        &NewEvent {
            from_status: Some(row.status),
            to_status: Some(to),
            closed_reason: reason,
            ..NewEvent::default()
        },
    )?;
    write_in(
        c,
        Actor::User(p),
        Entry::ok(AuditAction::InquiryStatusChanged)
            .subject("inquiry", row.id)
            .detail(format!("{} -> {}", row.status, to)),
        now,
    )?;
    Ok(())
}
