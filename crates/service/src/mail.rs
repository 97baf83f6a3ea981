//! Mail: the messages Threshold sends, queued in the outbox inside the transaction
//! that causes them, and the background sender that delivers them over SMTP.
//!
//! Mail never carries health information: it says there is something to see and
//! links to the signed-in page.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use threshold_domain::ids::MailId;
use threshold_store::Conn;
use threshold_store::outbox::{MailRow, MailStatus, NewMail};

use crate::Services;
use crate::error::{Error, Result};

/// Attempts before a message is marked failed (about six hours of retries).
pub const MAX_ATTEMPTS: i64 = 10;
/// How long a sender holds its claim on a message.
const LEASE: SignedDuration = SignedDuration::from_mins(2);

/// The wait before attempt `n + 1` after `n` failed attempts: 1, 2, 4 … minutes,
/// at most an hour.
pub fn backoff(failed_attempts: i64) -> SignedDuration {
    let exp = failed_attempts.clamp(1, 7) - 1;
    SignedDuration::from_mins((1_i64 << exp).min(60))
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues `m` in the caller's transaction.
pub fn queue_in(c: &mut dyn Conn, m: &Outgoing, now: Timestamp) -> threshold_store::Result<MailId> {
    let id = MailId::new();
    threshold_store::outbox::enqueue(
        c,
        &NewMail {
            id,
            kind: m.kind,
            to_addr: &m.to,
            subject: &m.subject,
            body_text: &m.body,
            now,
        },
    )?;
    Ok(id)
}

pub(crate) const CRISIS: &str = "Threshold is not an emergency service. If you are in crisis or thinking about harming yourself, call or text 988 (Suicide & Crisis Lifeline, US), call 911 or go to the nearest emergency department.";

impl Services {
    fn sign_off(&self) -> String {
        format!("\n\n{}\n\n— {}\n", CRISIS, self.settings.clinic_name)
    }

    /// "We received your request" — with nothing of what they wrote.
    pub(crate) fn mail_inquiry_received(&self, to: &str, name: &str) -> Outgoing {
        Outgoing {
            kind: "inquiry-received",
            to: to.to_owned(),
            subject: format!("{}: we received your request", self.settings.clinic_name),
            body: format!(
                "Dear {name},\n\nThank you for contacting {clinic}. We have received your request for a consultation. A care coordinator will contact you within two working days, the way you asked us to.\n\nIf you did not send this request, you can ignore this message.{sign}",
                clinic = self.settings.clinic_name,
                sign = self.sign_off()
            ),
        }
    }

    pub(crate) fn mail_invitation(
        &self,
        to: &str,
        name: &str,
        token: &str,
        expires: Timestamp,
        staff: bool,
    ) -> Outgoing {
        let link = self.link(&format!("/invitation/{token}"));
        let until = expires.strftime("%Y-%m-%d %H:%M UTC");
        let what = if staff {
            format!(
                "An account has been created for you at {}.",
                self.settings.clinic_name
            )
        } else {
            format!(
                "Your client portal at {} is ready.",
                self.settings.clinic_name
            )
        };
        Outgoing {
            kind: "invitation",
            to: to.to_owned(),
            subject: format!("{}: set up your account", self.settings.clinic_name),
            body: format!(
                "Dear {name},\n\n{what} To choose your password and sign in, open this link:\n\n{link}\n\nThe link works once and until {until}. If it has expired, ask us for a new one.{sign}",
                sign = self.sign_off()
            ),
        }
    }

    pub(crate) fn mail_password_reset(
        &self,
        to: &str,
        token: &str,
        expires: Timestamp,
    ) -> Outgoing {
        let link = self.link(&format!("/password/reset/{token}"));
        let until = expires.strftime("%Y-%m-%d %H:%M UTC");
        Outgoing {
            kind: "password-reset",
            to: to.to_owned(),
            subject: format!("{}: reset your password", self.settings.clinic_name),
            body: format!(
                "Someone (we hope you) asked to reset the password of your {clinic} account. To choose a new password, open this link:\n\n{link}\n\nThe link works once and until {until}. If you did not ask for this, ignore this message: your password has not changed.{sign}",
                clinic = self.settings.clinic_name,
                sign = self.sign_off()
            ),
        }
    }

    /// Wakes the sender after a commit that queued mail.
    pub(crate) fn mail_queued(&self) {
        self.mail_wake.notify_one();
    }

    /// The outbox for administrators, newest first.
    pub async fn outbox(
        &self,
        p: &crate::Principal,
        status: Option<MailStatus>,
        page: i64,
    ) -> Result<(Vec<MailRow>, (i64, i64, i64))> {
        use threshold_domain::Permission;
        use threshold_domain::audit::AuditAction;
        self.require(p, Permission::ViewMailOutbox).await?;
        let offset = (page.max(1) - 1) * 50;
        let (rows, counts) = self
            .db
            .read(move |c| {
                Ok::<_, Error>((
                    threshold_store::outbox::list(c, status, 50, offset)?,
                    threshold_store::outbox::counts(c)?,
                ))
            })
            .await?;
        self.audit(
            crate::Actor::User(p),
            crate::audit::Entry::ok(AuditAction::MailViewed)
                .subjects("mail", rows.iter().map(|m| m.id)),
        )
        .await?;
        Ok((rows, counts))
    }

    /// An administrator retries a message that was given up on.
    pub async fn retry_mail(&self, p: &crate::Principal, id: MailId) -> Result<()> {
        use threshold_domain::Permission;
        use threshold_domain::audit::AuditAction;
        self.require(p, Permission::ViewMailOutbox).await?;
        let now = self.now();
        let actor_p = p.clone();
        self.db
            .write(move |c| {
                let n = threshold_store::outbox::retry(c, id, now)?;
                if n == 0 {
                    return Err(Error::NotFound);
                }
                crate::audit::write_in(
                    c,
                    crate::Actor::User(&actor_p),
                    crate::audit::Entry::ok(AuditAction::MailRetried).subject("mail", id),
                    now,
                )?;
                Ok(())
            })
            .await?;
        self.mail_queued();
        Ok(())
    }
}

/// Delivers queued mail over SMTP. Several server copies may each run one: a
/// message is claimed before it is sent, so none is sent twice.
pub struct MailSender {
    services: Services,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    worker: String,
    from: lettre::message::Mailbox,
}

impl MailSender {
    /// `smtp_url` as lettre reads it: `smtp://host:port` (plain, for a local relay),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465`.
    pub fn new(services: Services, smtp_url: &str) -> Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| Error::Internal(format!("THRESHOLD_SMTP_URL is not usable: {e}")))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = services.settings.mail_from.parse().map_err(|e| {
            Error::Internal(format!("THRESHOLD_MAIL_FROM is not a mail address: {e}"))
        })?;
        Ok(Self {
            services,
            transport,
            worker: format!("sender-{}", uuid::Uuid::now_v7().simple()),
            from,
        })
    }

    /// Sends every message that is due now; returns how many were sent.
    pub async fn run_once(&self) -> Result<usize> {
        let now = self.services.now();
        let worker = self.worker.clone();
        let batch = self
            .services
            .db
            .write(move |c| threshold_store::outbox::claim_due(c, &worker, now, now + LEASE, 20))
            .await?;
        let mut sent = 0;
        for m in batch {
            let outcome = self.send(&m).await;
            let worker = self.worker.clone();
            let now = self.services.now();
            match outcome {
                Ok(()) => {
                    sent += 1;
                    self.services
                        .db
                        .write(move |c| threshold_store::outbox::mark_sent(c, m.id, &worker, now))
                        .await?;
                }
                Err(err) => {
                    let attempts = m.attempts + 1;
                    let give_up = attempts >= MAX_ATTEMPTS;
                    let next = now + backoff(attempts);
                    tracing::warn!(mail_id = %m.id, attempts, give_up, error = %err, "mail delivery failed");
                    self.services
                        .db
                        .write(move |c| {
                            threshold_store::outbox::mark_failed_attempt(
                                c, m.id, &worker, next, &err, give_up,
                            )
                        })
                        .await?;
                }
            }
        }
        Ok(sent)
    }

    async fn send(&self, m: &MailRow) -> std::result::Result<(), String> {
        let to = m
            .to_addr
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(m.body_text.clone())
            .map_err(|e| format!("could not build the message: {e}"))?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Runs until `stop` resolves: a round when woken or every few seconds.
    /// A round in progress finishes before it stops, so no claim is left dangling.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let wake = self.services.mail_wake.clone();
        loop {
            if *stop.borrow() {
                break;
            }
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %e, "mail sender round failed");
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff(1), SignedDuration::from_mins(1));
        assert_eq!(backoff(2), SignedDuration::from_mins(2));
        assert_eq!(backoff(4), SignedDuration::from_mins(8));
        assert_eq!(backoff(7), SignedDuration::from_mins(60));
        assert_eq!(backoff(100), SignedDuration::from_mins(60));
    }
}
