//! The audit trail's record and its hash chain.
//!
//! Every entry carries the hash of the one before it, so changing or removing a row
//! breaks the chain at that point and `threshold audit verify` names it. The hash is
//! SHA-256 over a length-prefixed encoding of every field (no separator can be
//! forged by putting it inside a value).

use sha2::{Digest, Sha256};

/// The hash that the first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. Stored by name; names never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SecondFactor,
    SecondFactorFailed,
    SignOut,
    SignOutEverywhere,
    Reauthenticated,
    TotpEnrolled,
    RecoveryCodeUsed,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    AccessDenied,
    TokenCreated,
    TokenRevoked,
    TokenRefused,
    UserCreated,
    UserRolesChanged,
    UserDeactivated,
    UserReactivated,
    SecondFactorReset,
    UserListed,
    UserViewed,
    LocationCreated,
    LocationChanged,
    RoomCreated,
    RoomChanged,
    InquiryCreated,
    InquiryListed,
    InquiryViewed,
    InquiryAssigned,
    InquiryContactLogged,
    InquiryStatusChanged,
    InquiryConverted,
    InvitationSent,
    InvitationRevoked,
    InvitationAccepted,
    ClientViewed,
    ClientListed,
    JourneyOpened,
    CareTeamChanged,
    IntakeViewed,
    IntakeSaved,
    IntakeSubmitted,
    JourneyMoved,
    QuestionnaireOpened,
    QuestionnaireSubmitted,
    AlertRaised,
    AlertsViewed,
    AlertAcknowledged,
    AuditViewed,
    MailViewed,
    MailRetried,
    AssessmentRecorded,
    ReviewRequested,
    ReviewQueueViewed,
    EligibilityDecided,
    PlanSaved,
    PrescriptionSigned,
    PrescriptionViewed,
    ConsentSigned,
    ConsentWithdrawn,
    ConsentViewed,
    ConsentPublished,
    SettingsChanged,
    PartnerCreated,
    PartnerChanged,
    ProfileChanged,
    SlotsSearched,
    AppointmentBooked,
    AppointmentChanged,
    CalendarViewed,
    AvailabilityChanged,
    CalendarFeedCreated,
    CalendarFeedRevoked,
    RosterViewed,
    RosterChanged,
    AttendanceRecorded,
    WaitlistChanged,
    WaitlistViewed,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        use AuditAction::*;
        match self {
            SignIn => "auth.sign-in",
            SignInFailed => "auth.sign-in-failed",
            SecondFactor => "auth.second-factor",
            SecondFactorFailed => "auth.second-factor-failed",
            SignOut => "auth.sign-out",
            SignOutEverywhere => "auth.sign-out-everywhere",
            Reauthenticated => "auth.reauthenticated",
            TotpEnrolled => "auth.totp-enrolled",
            RecoveryCodeUsed => "auth.recovery-code-used",
            PasswordChanged => "auth.password-changed",
            PasswordResetRequested => "auth.password-reset-requested",
            PasswordReset => "auth.password-reset",
            AccessDenied => "access.denied",
            TokenCreated => "token.created",
            TokenRevoked => "token.revoked",
            TokenRefused => "token.refused",
            UserCreated => "user.created",
            UserRolesChanged => "user.roles-changed",
            UserDeactivated => "user.deactivated",
            UserReactivated => "user.reactivated",
            SecondFactorReset => "user.second-factor-reset",
            UserListed => "user.listed",
            UserViewed => "user.viewed",
            LocationCreated => "location.created",
            LocationChanged => "location.changed",
            RoomCreated => "room.created",
            RoomChanged => "room.changed",
            InquiryCreated => "inquiry.created",
            InquiryListed => "inquiry.listed",
            InquiryViewed => "inquiry.viewed",
            InquiryAssigned => "inquiry.assigned",
            InquiryContactLogged => "inquiry.contact-logged",
            InquiryStatusChanged => "inquiry.status-changed",
            InquiryConverted => "inquiry.converted",
            InvitationSent => "invitation.sent",
            InvitationRevoked => "invitation.revoked",
            InvitationAccepted => "invitation.accepted",
            ClientViewed => "client.viewed",
            ClientListed => "client.listed",
            JourneyOpened => "journey.opened",
            CareTeamChanged => "journey.care-team-changed",
            IntakeViewed => "intake.viewed",
            IntakeSaved => "intake.saved",
            IntakeSubmitted => "intake.submitted",
            JourneyMoved => "journey.moved",
            QuestionnaireOpened => "questionnaire.opened",
            QuestionnaireSubmitted => "questionnaire.submitted",
            AlertRaised => "alert.raised",
            AlertsViewed => "alert.listed",
            AlertAcknowledged => "alert.acknowledged",
            AuditViewed => "audit.viewed",
            MailViewed => "mail.viewed",
            MailRetried => "mail.retried",
            AssessmentRecorded => "assessment.recorded",
            ReviewRequested => "review.requested",
            ReviewQueueViewed => "review.queue-viewed",
            EligibilityDecided => "review.decided",
            PlanSaved => "plan.saved",
            PrescriptionSigned => "prescription.signed",
            PrescriptionViewed => "prescription.viewed",
            ConsentSigned => "consent.signed",
            ConsentWithdrawn => "consent.withdrawn",
            ConsentViewed => "consent.viewed",
            ConsentPublished => "consent.published",
            SettingsChanged => "settings.changed",
            PartnerCreated => "partner.created",
            PartnerChanged => "partner.changed",
            ProfileChanged => "user.profile-changed",
            SlotsSearched => "schedule.slots-searched",
            AppointmentBooked => "appointment.booked",
            AppointmentChanged => "appointment.changed",
            CalendarViewed => "schedule.calendar-viewed",
            AvailabilityChanged => "schedule.availability-changed",
            CalendarFeedCreated => "calendar-feed.created",
            CalendarFeedRevoked => "calendar-feed.revoked",
            RosterViewed => "group.roster-viewed",
            RosterChanged => "group.roster-changed",
            AttendanceRecorded => "group.attendance-recorded",
            WaitlistChanged => "waitlist.changed",
            WaitlistViewed => "waitlist.viewed",
        }
    }
}

/// Whether the action went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One entry as stored. Field order here is the order they are hashed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    /// Milliseconds since the Unix epoch, UTC.
    pub at_ms: i64,
    pub actor_user_id: Option<String>,
    pub actor_roles: String,
    pub action: String,
    pub outcome: String,
    pub subject_type: Option<String>,
    /// The ids of every record the action touched or showed, comma-separated.
    pub subject_ids: String,
    pub client_id: Option<String>,
    pub request_id: Option<String>,
    pub source_ip: Option<String>,
    /// Non-clinical detail (a status name, a role list): never health information.
    pub detail: Option<String>,
}

impl AuditRecord {
    /// The chain hash of this record given the previous entry's hash.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(prev_hash.as_bytes());
        field(&self.seq.to_be_bytes());
        field(&self.at_ms.to_be_bytes());
        let opt = |o: &Option<String>| match o {
            Some(s) => format!("1{s}"),
            None => "0".to_owned(),
        };
        field(opt(&self.actor_user_id).as_bytes());
        field(self.actor_roles.as_bytes());
        field(self.action.as_bytes());
        field(self.outcome.as_bytes());
        field(opt(&self.subject_type).as_bytes());
        field(self.subject_ids.as_bytes());
        field(opt(&self.client_id).as_bytes());
        field(opt(&self.request_id).as_bytes());
        field(opt(&self.source_ip).as_bytes());
        field(opt(&self.detail).as_bytes());
        hex::encode(h.finalize())
    }
}

/// A stored entry with its chain links, as read back for verification.
#[derive(Debug, Clone)]
pub struct ChainedRecord {
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// Why the chain is broken, naming the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq}: its contents do not match its hash (the row was changed)")]
    Altered { seq: i64 },
    #[error(
        "entry {seq}: it does not follow entry {prev_seq} (an entry between them was removed or the chain was re-linked)"
    )]
    Relinked { seq: i64, prev_seq: i64 },
    #[error("entry {seq}: expected sequence number {expected} (an entry was removed)")]
    Gap { seq: i64, expected: i64 },
    #[error(
        "the newest entry is {found:?} but the chain head records {head_seq} (entries at the end were removed)"
    )]
    Truncated { found: Option<i64>, head_seq: i64 },
}

/// Walks entries in sequence order and checks every link. `head` is the last
/// (seq, hash) the store recorded separately, so removing the newest entries is
/// caught too.
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    prev_seq: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
            prev_seq: 0,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, e: &ChainedRecord) -> Result<(), ChainBreak> {
        let seq = e.record.seq;
        if e.record.chain_hash(&e.prev_hash) != e.hash {
            return Err(ChainBreak::Altered { seq });
        }
        if seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                seq,
                expected: self.expected_seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::Relinked {
                seq,
                prev_seq: self.prev_seq,
            });
        }
        self.prev_hash = e.hash.clone();
        self.prev_seq = seq;
        self.expected_seq = seq + 1;
        Ok(())
    }

    /// Call after the last entry with the head the store recorded.
    pub fn finish(&self, head: Option<(i64, String)>) -> Result<i64, ChainBreak> {
        let last = self.expected_seq - 1;
        match head {
            Some((head_seq, head_hash)) if head_seq != last || head_hash != self.prev_hash => {
                Err(ChainBreak::Truncated {
                    found: (last > 0).then_some(last),
                    head_seq,
                })
            }
            _ => Ok(last),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: i64) -> AuditRecord {
        AuditRecord {
            seq,
            at_ms: 1_790_000_000_000 + seq,
            actor_user_id: Some("u1".into()),
            actor_roles: "coordinator".into(),
            action: AuditAction::InquiryViewed.as_str().into(),
            outcome: Outcome::Ok.as_str().into(),
            subject_type: Some("inquiry".into()),
            subject_ids: format!("i{seq}"),
            client_id: None,
            request_id: Some("r".into()),
            source_ip: Some("127.0.0.1".into()),
            detail: None,
        }
    }

    fn chain(n: i64) -> Vec<ChainedRecord> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|s| {
                let r = rec(s);
                let hash = r.chain_hash(&prev);
                let c = ChainedRecord {
                    record: r,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                c
            })
            .collect()
    }

    fn verify(entries: &[ChainedRecord], head: Option<(i64, String)>) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.check(e)?;
        }
        v.finish(head)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        let head = Some((5, c[4].hash.clone()));
        assert_eq!(verify(&c, head), Ok(5));
    }

    #[test]
    fn a_changed_field_is_named() {
        let mut c = chain(5);
        c[2].record.subject_ids = "someone-else".into();
        assert_eq!(verify(&c, None), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c, None),
            Err(ChainBreak::Gap {
                seq: 3,
                expected: 2
            })
        );
    }

    #[test]
    fn removing_the_newest_entry_is_caught_by_the_head() {
        let c = chain(5);
        let head = Some((5, c[4].hash.clone()));
        assert!(matches!(
            verify(&c[..4], head),
            Err(ChainBreak::Truncated { .. })
        ));
    }

    #[test]
    fn values_cannot_leak_across_field_boundaries() {
        let mut a = rec(1);
        let mut b = rec(1);
        a.actor_roles = "ab".into();
        a.action = "c".into();
        b.actor_roles = "a".into();
        b.action = "bc".into();
        assert_ne!(a.chain_hash(GENESIS), b.chain_hash(GENESIS));
    }
}
