//! Client records: people in care, each with a portal account.

use jiff::Timestamp;
use threshold_domain::ids::{ClientId, InquiryId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

#[derive(Debug, Clone)]
pub struct ClientRow {
    pub id: ClientId,
    pub user_id: UserId,
    pub inquiry_id: Option<InquiryId>,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub preferred_contact: Option<String>,
    pub created_at: Timestamp,
}

pub struct NewClient<'a> {
    pub id: ClientId,
    pub user_id: UserId,
    pub inquiry_id: Option<InquiryId>,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
    pub preferred_contact: Option<&'a str>,
    pub now: Timestamp,
    pub created_by: Option<UserId>,
}

pub fn insert(c: &mut dyn Conn, n: &NewClient<'_>) -> Result<()> {
    c.execute(
        "insert into clients (id, user_id, inquiry_id, name, email, phone, preferred_contact, created_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            n.id,
            n.user_id,
            n.inquiry_id,
            n.name,
            n.email,
            n.phone,
            n.preferred_contact,
            n.now,
            n.created_by
        ],
    )?;
    Ok(())
}

const COLUMNS: &str = "id, user_id, inquiry_id, name, email, phone, preferred_contact, created_at";

fn row(r: &crate::Row) -> Result<ClientRow> {
    Ok(ClientRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        inquiry_id: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        phone: r.get(5)?,
        preferred_contact: r.get(6)?,
        created_at: r.get(7)?,
    })
}

pub fn get(c: &mut dyn Conn, id: ClientId) -> Result<Option<ClientRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from clients where id = $1"),
        params![id],
    )?
    .map(|r| row(&r))
    .transpose()
}

pub fn by_user(c: &mut dyn Conn, user: UserId) -> Result<Option<ClientRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from clients where user_id = $1"),
        params![user],
    )?
    .map(|r| row(&r))
    .transpose()
}

pub fn by_inquiry(c: &mut dyn Conn, inquiry: InquiryId) -> Result<Option<ClientRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from clients where inquiry_id = $1"),
        params![inquiry],
    )?
    .map(|r| row(&r))
    .transpose()
}
