//! Record identifiers. Every id is a UUIDv7 (time-ordered, so indexes stay compact)
//! wrapped in its own type, so a `ClientId` can never be passed where a `UserId` is
//! expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Parsing an id from text failed (a malformed id in a URL or a form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid identifier")]
pub struct BadId;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(s: &str) -> Result<Self, BadId> {
                // Only the canonical hyphenated form: one spelling per record.
                if s.len() != 36 {
                    return Err(BadId);
                }
                Uuid::parse_str(s).map(Self).map_err(|_| BadId)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

id_type!(/// A person who signs in: staff member or client.
    UserId);
id_type!(/// A client record (a person in care), created from an inquiry.
    ClientId);
id_type!(/// A request for a consultation.
    InquiryId);
id_type!(/// A clinic location.
    LocationId);
id_type!(/// A room at a location.
    RoomId);
id_type!(/// A staff API token (the id, not the secret).
    TokenId);
id_type!(/// A queued mail message.
    MailId);
id_type!(/// A client's invitation to set up their portal account.
    InvitationId);
id_type!(/// One event in an inquiry's history (contact attempt, status change, ...).
    InquiryEventId);
id_type!(/// One treatment episode of a client.
    JourneyId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = ClientId::new();
        assert_eq!(id.to_string().parse::<ClientId>(), Ok(id));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "1",
            "' or 1=1 --",
            "0190b6a4-7c1e-7000-8000-00000000000g",
        ] {
            assert_eq!(bad.parse::<UserId>(), Err(BadId), "{bad}");
        }
        // The simple (unhyphenated) spelling is refused too: one spelling per record.
        assert!(
            "0190b6a47c1e70008000000000000000"
                .parse::<UserId>()
                .is_err()
        );
    }
}
