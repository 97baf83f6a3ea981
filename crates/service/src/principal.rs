//! Who is asking. Every use case takes an [`Actor`]; those that touch personal
//! data take a [`Principal`], which only the authentication functions create.

use jiff::Timestamp;
use threshold_domain::ids::{TokenId, UserId};
use threshold_domain::{Permission, RoleSet};

/// Facts about the request, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: String,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// How the principal proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session; `id_hash` identifies it server-side.
    Session {
        id_hash: String,
        reauth_at: Option<Timestamp>,
    },
    /// A staff API token.
    Token { id: TokenId },
}

/// An authenticated person, fully signed in (second factor done where required).
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub roles: RoleSet,
    pub via: Via,
    pub meta: RequestMeta,
}

impl Principal {
    pub fn can(&self, p: Permission) -> bool {
        self.roles.allows(p)
    }

    pub fn session_hash(&self) -> Option<&str> {
        match &self.via {
            Via::Session { id_hash, .. } => Some(id_hash),
            Via::Token { .. } => None,
        }
    }
}

/// Whoever an audit entry is about.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A visitor who is not signed in.
    Anonymous(&'a RequestMeta),
    /// A signed-in person or token.
    User(&'a Principal),
    /// Someone at the server's command line (`threshold user add`, ...).
    Operator,
    /// Threshold itself (the mail sender, demo seeding).
    System,
}

impl Actor<'_> {
    pub fn meta(&self) -> Option<&RequestMeta> {
        match self {
            Actor::Anonymous(m) => Some(m),
            Actor::User(p) => Some(&p.meta),
            Actor::Operator | Actor::System => None,
        }
    }
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User(p) => Some(p.user_id),
            _ => None,
        }
    }
}
