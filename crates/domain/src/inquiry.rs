//! A stranger's request for a consultation, and what the coordinator does with it.
//! The first step of the journey in DESIGN.md: inquiry → consultation → client.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::text::{Email, FreeText, PersonName, Phone};
use crate::validation::Invalid;

/// Where an inquiry stands in the coordinator's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InquiryStatus {
    New,
    Contacted,
    ConsultationBooked,
    Closed,
    /// Became a client; the inquiry is kept as the record of how they arrived.
    Converted,
}

impl InquiryStatus {
    pub const ALL: [InquiryStatus; 5] = [
        InquiryStatus::New,
        InquiryStatus::Contacted,
        InquiryStatus::ConsultationBooked,
        InquiryStatus::Closed,
        InquiryStatus::Converted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InquiryStatus::New => "new",
            InquiryStatus::Contacted => "contacted",
            InquiryStatus::ConsultationBooked => "consultation-booked",
            InquiryStatus::Closed => "closed",
            InquiryStatus::Converted => "converted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InquiryStatus::New => "New",
            InquiryStatus::Contacted => "Contacted",
            InquiryStatus::ConsultationBooked => "Consultation booked",
            InquiryStatus::Closed => "Closed",
            InquiryStatus::Converted => "Converted to client",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, InquiryStatus::Closed | InquiryStatus::Converted)
    }

    /// Whether a coordinator may move an inquiry from `self` to `to` by hand.
    /// Conversion has its own use case and is never a plain status change; a closed
    /// inquiry may be reopened as new or contacted.
    pub fn can_change_to(self, to: InquiryStatus) -> bool {
        use InquiryStatus::*;
        match (self, to) {
            (_, Converted) | (Converted, _) => false,
            (a, b) if a == b => false,
            (Closed, New | Contacted) => true,
            (Closed, _) => false,
            _ => true,
        }
    }
}

impl fmt::Display for InquiryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InquiryStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        InquiryStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

/// Why an inquiry was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClosedReason {
    NotAFit,
    ReferredElsewhere,
    NoResponse,
    ChoseAnotherProvider,
    Duplicate,
    Other,
}

impl ClosedReason {
    pub const ALL: [ClosedReason; 6] = [
        ClosedReason::NotAFit,
        ClosedReason::ReferredElsewhere,
        ClosedReason::NoResponse,
        ClosedReason::ChoseAnotherProvider,
        ClosedReason::Duplicate,
        ClosedReason::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ClosedReason::NotAFit => "not-a-fit",
            ClosedReason::ReferredElsewhere => "referred-elsewhere",
            ClosedReason::NoResponse => "no-response",
            ClosedReason::ChoseAnotherProvider => "chose-another-provider",
            ClosedReason::Duplicate => "duplicate",
            ClosedReason::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ClosedReason::NotAFit => "KAP is not a fit",
            ClosedReason::ReferredElsewhere => "Referred elsewhere",
            ClosedReason::NoResponse => "No response",
            ClosedReason::ChoseAnotherProvider => "Chose another provider",
            ClosedReason::Duplicate => "Duplicate inquiry",
            ClosedReason::Other => "Other",
        }
    }
}

impl FromStr for ClosedReason {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ClosedReason::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

/// How the person would like to be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactMethod {
    Email,
    Phone,
    Text,
}

impl ContactMethod {
    pub const ALL: [ContactMethod; 3] = [
        ContactMethod::Email,
        ContactMethod::Phone,
        ContactMethod::Text,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ContactMethod::Email => "email",
            ContactMethod::Phone => "phone",
            ContactMethod::Text => "text",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ContactMethod::Email => "Email",
            ContactMethod::Phone => "Phone call",
            ContactMethod::Text => "Text message",
        }
    }
}

impl FromStr for ContactMethod {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ContactMethod::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

/// How an inquiry reached the clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InquirySource {
    /// The public form or the public API.
    Web,
    /// Entered by staff after a phone call.
    Phone,
}

impl InquirySource {
    pub fn as_str(self) -> &'static str {
        match self {
            InquirySource::Web => "web",
            InquirySource::Phone => "phone",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "web" => Some(InquirySource::Web),
            "phone" => Some(InquirySource::Phone),
            _ => None,
        }
    }
}

/// The raw fields of a consultation request, exactly as a form or JSON body sent
/// them. Parsed into [`NewInquiry`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InquiryForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub preferred_contact: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub heard_from: String,
    #[serde(default)]
    pub consent_to_contact: bool,
}

/// A valid consultation request.
#[derive(Debug, Clone)]
pub struct NewInquiry {
    pub name: PersonName,
    pub email: Email,
    pub phone: Option<Phone>,
    pub preferred_contact: ContactMethod,
    pub reason: FreeText,
    pub heard_from: Option<FreeText>,
}

impl NewInquiry {
    pub const REASON_MAX: usize = 4000;
    pub const HEARD_MAX: usize = 500;

    /// Checks every field and reports every problem at once.
    pub fn parse(form: &InquiryForm) -> Result<Self, Invalid> {
        let mut errors = Invalid::new();
        let name = errors.check(PersonName::parse("name", &form.name));
        let email = errors.check(Email::parse("email", &form.email));
        let preferred = match form.preferred_contact.trim().parse::<ContactMethod>() {
            Ok(m) => Some(m),
            Err(()) => {
                errors.push(
                    "preferred_contact",
                    "Choose how you would like us to contact you: email, phone call or text message.",
                );
                None
            }
        };
        let phone = if form.phone.trim().is_empty() {
            if matches!(preferred, Some(ContactMethod::Phone | ContactMethod::Text)) {
                errors.push(
                    "phone",
                    "Enter a phone number, since you would like us to call or text you.",
                );
            }
            None
        } else {
            errors.check(Phone::parse("phone", &form.phone))
        };
        let reason = errors.check(FreeText::parse(
            "reason",
            "what brings you to us",
            &form.reason,
            Self::REASON_MAX,
        ));
        let heard_from = errors
            .check(FreeText::parse_optional(
                "heard_from",
                "how you heard of us",
                &form.heard_from,
                Self::HEARD_MAX,
            ))
            .flatten();
        if !form.consent_to_contact {
            errors.push(
                "consent_to_contact",
                "Tick the box to let us contact you about your request; we cannot reply without it.",
            );
        }
        match (name, email, preferred, reason) {
            (Some(name), Some(email), Some(preferred_contact), Some(reason))
                if errors.is_empty() =>
            {
                Ok(NewInquiry {
                    name,
                    email,
                    phone,
                    preferred_contact,
                    reason,
                    heard_from,
                })
            }
            _ => Err(errors),
        }
    }
}

/// How a contact attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactOutcome {
    Reached,
    LeftMessage,
    NoAnswer,
    WrongNumber,
    Bounced,
}

impl ContactOutcome {
    pub const ALL: [ContactOutcome; 5] = [
        ContactOutcome::Reached,
        ContactOutcome::LeftMessage,
        ContactOutcome::NoAnswer,
        ContactOutcome::WrongNumber,
        ContactOutcome::Bounced,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ContactOutcome::Reached => "reached",
            ContactOutcome::LeftMessage => "left-message",
            ContactOutcome::NoAnswer => "no-answer",
            ContactOutcome::WrongNumber => "wrong-number",
            ContactOutcome::Bounced => "bounced",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ContactOutcome::Reached => "Reached them",
            ContactOutcome::LeftMessage => "Left a message",
            ContactOutcome::NoAnswer => "No answer",
            ContactOutcome::WrongNumber => "Wrong number",
            ContactOutcome::Bounced => "Email bounced",
        }
    }
}

impl FromStr for ContactOutcome {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ContactOutcome::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> InquiryForm {
        InquiryForm {
            name: "Ada Lovelace".into(),
            email: "ada@example.org".into(),
            phone: String::new(),
            preferred_contact: "email".into(),
            reason: "Long-standing depression; my therapist suggested KAP.".into(),
            heard_from: String::new(),
            consent_to_contact: true,
        }
    }

    #[test]
    fn a_complete_request_parses() {
        let i = NewInquiry::parse(&form()).unwrap();
        assert_eq!(i.email.as_str(), "ada@example.org");
        assert_eq!(i.phone, None);
        assert_eq!(i.heard_from, None);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let bad = InquiryForm {
            preferred_contact: "phone".into(),
            ..InquiryForm::default()
        };
        let e = NewInquiry::parse(&bad).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "email", "phone", "reason", "consent_to_contact"]
        );
    }

    #[test]
    fn an_unknown_contact_method_is_refused() {
        let e = NewInquiry::parse(&InquiryForm {
            preferred_contact: "pigeon".into(),
            ..form()
        })
        .unwrap_err();
        assert_eq!(e.0[0].field, "preferred_contact");
    }

    #[test]
    fn status_changes_follow_the_queue_rules() {
        use InquiryStatus::*;
        assert!(New.can_change_to(Contacted));
        assert!(Contacted.can_change_to(Closed));
        assert!(Closed.can_change_to(New));
        assert!(!Closed.can_change_to(ConsultationBooked));
        assert!(!New.can_change_to(Converted));
        assert!(!Converted.can_change_to(New));
        assert!(!New.can_change_to(New));
    }
}
