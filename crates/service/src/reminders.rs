//! Appointment reminders through the mail outbox, driven by the service's clock
//! (tests move time instead of waiting). Every appointment with a client gets one
//! the clinic's lead time before; a medicine session also gets one on its
//! morning. Reminders say what the client needs to prepare and nothing else:
//! no diagnosis, no scores, no treatment beyond "your session".

use std::time::Duration;

use jiff::tz::TimeZone;
use threshold_domain::schedule::AppointmentKind;
use threshold_store::schedule::ReminderCandidate;

use crate::Services;
use crate::error::Result;
use crate::mail::{Outgoing, queue_in};

/// Which reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Ahead,
    Morning,
}

impl Which {
    fn as_str(self) -> &'static str {
        match self {
            Which::Ahead => "ahead",
            Which::Morning => "morning",
        }
    }
}

impl Services {
    /// Queues every reminder that is due now and was not sent before; returns
    /// how many. Safe to run on several copies at once.
    pub async fn queue_due_reminders(&self) -> Result<usize> {
        let now = self.now();
        let settings = self.db.read(|c| crate::careplan::settings_in(c)).await?.1;
        let lead = jiff::SignedDuration::from_hours(i64::from(settings.reminder_lead_hours));
        // Morning reminders can be due up to a day ahead; ask for the longer span.
        let until = now + lead.max(jiff::SignedDuration::from_hours(24));
        let candidates = self
            .db
            .read(move |c| threshold_store::schedule::reminder_candidates(c, now, until))
            .await?;
        let mut sent = 0;
        for a in candidates {
            let tz = TimeZone::get(&a.location_zone).unwrap_or(TimeZone::UTC);
            let kind: Option<AppointmentKind> = a.kind.parse().ok();
            let medicine = kind.is_some_and(|k| k.is_medicine());
            let mut due = Vec::new();
            if a.starts_at - lead <= now {
                due.push(Which::Ahead);
            }
            if medicine {
                let day = a.starts_at.to_zoned_datetime(tz.clone()).date();
                let morning = threshold_domain::schedule::resolve_local(
                    day.at(
                        i8::try_from(settings.morning_reminder_hour).unwrap_or(7),
                        0,
                        0,
                        0,
                    ),
                    &tz,
                );
                if morning.is_some_and(|m| m <= now && m < a.starts_at) {
                    due.push(Which::Morning);
                }
            }
            for which in due {
                let mail = self.reminder_mail(&a, &tz, which, medicine);
                let id = a.appointment_id.clone();
                // A group's members each get their own reminder.
                let key = if a.member {
                    format!("{}:{}", which.as_str(), a.client_id)
                } else {
                    which.as_str().to_owned()
                };
                let claimed = self
                    .db
                    .write(move |c| {
                        if !threshold_store::schedule::claim_reminder(c, &id, &key, now)? {
                            return Ok::<_, crate::error::Error>(false);
                        }
                        queue_in(c, &mail, now)?;
                        Ok(true)
                    })
                    .await?;
                if claimed {
                    sent += 1;
                }
            }
        }
        if sent > 0 {
            self.mail_wake.notify_one();
        }
        Ok(sent)
    }

    fn reminder_mail(
        &self,
        a: &ReminderCandidate,
        tz: &TimeZone,
        which: Which,
        medicine: bool,
    ) -> Outgoing {
        let when = a
            .starts_at
            .to_zoned_datetime(tz.clone())
            .strftime("%A %e %B at %H:%M %Z")
            .to_string();
        let clinic = &self.settings.clinic_name;
        let place = if a.video {
            "by video; the link will be in your portal".to_owned()
        } else {
            format!(
                "at {}, {}",
                a.location_name,
                a.location_address.replace('\n', ", ")
            )
        };
        let mut body = format!(
            "Hello {},\n\nA reminder of your appointment with {clinic} on {when}, {place}.\n",
            a.client_name
        );
        if medicine {
            body.push_str(
                "\nTo prepare for your session:\n\
                 - do not eat for the hours your care team asked before the session;\n\
                 - no alcohol or other substances on the day;\n\
                 - make sure the person on your plan can take you home afterwards (no driving until the next day, after a night's sleep), or that your session monitor will be with you at home;\n\
                 - fill in the short questionnaires in your portal before the session.\n",
            );
        }
        body.push_str(&format!(
            "\nYour portal: {}\n\nIf you need to change the time, reply to this email or call us.\n",
            self.link("/portal")
        ));
        Outgoing {
            kind: "appointment-reminder",
            to: a.client_email.clone(),
            subject: match which {
                Which::Morning => format!("Today: your appointment with {clinic}"),
                Which::Ahead => format!("Reminder: your appointment with {clinic} on {when}"),
            },
            body,
        }
    }
}

/// Runs [`Services::queue_due_reminders`] every minute until stopped.
pub async fn run(services: Services, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            break;
        }
        if let Err(e) = services.queue_due_reminders().await {
            tracing::error!(error = %e, "queueing reminders failed");
        }
        if let Err(e) = services.lapse_offers().await {
            tracing::error!(error = %e, "lapsing waitlist offers failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.changed() => {}
        }
    }
}
