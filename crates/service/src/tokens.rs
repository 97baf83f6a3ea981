//! Staff API tokens: created by an operator on the server (`threshold token
//! create`), shown once, stored only as a hash, carrying their user's roles,
//! revocable by the operator or by their owner.

use threshold_domain::audit::AuditAction;
use threshold_domain::ids::TokenId;
use threshold_domain::text::{Email, FreeText};
use threshold_store::tokens::TokenRow;

use crate::Services;
use crate::audit::Entry;
use crate::crypto::{random_token, secret_hash};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// Every token starts with this, so a leaked one is recognisable in logs and
/// secret scanners.
pub const PREFIX: &str = "thr_";

impl Services {
    /// Creates a token for the staff account `email`. Returns its id and the
    /// secret, which is not stored and cannot be shown again.
    pub async fn create_token(
        &self,
        actor: Actor<'_>,
        email: &str,
        name: &str,
    ) -> Result<(TokenId, String)> {
        let email = Email::parse("email", email)?;
        let name = FreeText::parse_line("name", "a label for the token", name, 100)?;
        let lookup = email.as_str().to_owned();
        let user = self
            .db
            .read(move |c| threshold_store::users::find_by_email(c, &lookup))
            .await?
            .filter(|u| u.active && u.is_staff)
            .ok_or_else(|| {
                Error::Invalid(threshold_domain::Invalid::field(
                    "email",
                    "No active staff account has this email address.",
                ))
            })?;
        let id = TokenId::new();
        let secret = format!("{PREFIX}{}", random_token(32));
        let hash = secret_hash(&secret);
        let now = self.now();
        let record = Entry::ok(AuditAction::TokenCreated)
            .subject("token", id)
            .detail(format!("user {}", user.id))
            .record(actor, now);
        self.db
            .write(move |c| {
                threshold_store::tokens::insert(c, id, user.id, name.as_str(), &hash, now)?;
                threshold_store::audit::append(c, record)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok((id, secret))
    }

    /// An operator revokes any token.
    pub async fn revoke_token_as_operator(&self, id: TokenId) -> Result<()> {
        self.revoke(Actor::Operator, id, None).await
    }

    /// A person revokes one of their own tokens; others' answer "not found".
    pub async fn revoke_own_token(&self, p: &Principal, id: TokenId) -> Result<()> {
        self.revoke(Actor::User(p), id, Some(p.user_id)).await
    }

    async fn revoke(
        &self,
        actor: Actor<'_>,
        id: TokenId,
        owner: Option<threshold_domain::ids::UserId>,
    ) -> Result<()> {
        let now = self.now();
        let record = Entry::ok(AuditAction::TokenRevoked)
            .subject("token", id)
            .record(actor, now);
        self.db
            .write(move |c| {
                let t = threshold_store::tokens::get(c, id)?.ok_or(Error::NotFound)?;
                if owner.is_some_and(|o| o != t.user_id) {
                    return Err(Error::NotFound);
                }
                if t.revoked_at.is_some() {
                    return Err(Error::Conflict("This token was already revoked.".into()));
                }
                threshold_store::tokens::revoke(c, id, now)?;
                threshold_store::audit::append(c, record)?;
                Ok(())
            })
            .await
    }

    /// One's own tokens with their last use.
    pub async fn my_tokens(&self, p: &Principal) -> Result<Vec<TokenRow>> {
        let uid = p.user_id;
        Ok(self
            .db
            .read(move |c| threshold_store::tokens::list_for_user(c, uid))
            .await?)
    }

    /// Tokens of a staff account (operator's listing).
    pub async fn tokens_of(&self, email: &str) -> Result<Vec<TokenRow>> {
        let email = Email::parse("email", email)?;
        let lookup = email.as_str().to_owned();
        self.db
            .read(move |c| {
                let u =
                    threshold_store::users::find_by_email(c, &lookup)?.ok_or(Error::NotFound)?;
                Ok(threshold_store::tokens::list_for_user(c, u.id)?)
            })
            .await
    }
}
