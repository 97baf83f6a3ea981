//! Parsed text values: names, e-mail addresses, phone numbers, free text and
//! passwords. Each constructor trims, checks length in characters, refuses control
//! characters and says which field was wrong.

use std::fmt;

use serde::Serialize;

use crate::validation::Invalid;

/// Characters a person cannot see or type are refused in one-line fields; free text
/// keeps newlines and tabs.
fn has_control(s: &str, allow_newlines: bool) -> bool {
    s.chars().any(|c| {
        if allow_newlines && (c == '\n' || c == '\r' || c == '\t') {
            return false;
        }
        c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn one_line(field: &str, label: &str, raw: &str, max: usize) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::field(field, format!("Enter {label}.")));
    }
    if s.chars().count() > max {
        return Err(Invalid::field(
            field,
            format!("{} must be at most {max} characters.", capitalise(label)),
        ));
    }
    if has_control(s, false) {
        return Err(Invalid::field(
            field,
            format!(
                "{} contains characters that are not allowed.",
                capitalise(label)
            ),
        ));
    }
    Ok(s.to_owned())
}

fn capitalise(label: &str) -> String {
    let label = label
        .strip_prefix("your ")
        .or_else(|| label.strip_prefix("a "))
        .or_else(|| label.strip_prefix("an "))
        .unwrap_or(label);
    let mut c = label.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A person's name as they want it shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 200;

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        one_line(field, "a name", raw, Self::MAX).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The form used for case-insensitive search: lowercased the same way on every
    /// database (SQLite's `lower()` only folds ASCII).
    pub fn search_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An e-mail address, lowercased so that one address is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::field(field, "Enter an email address."));
        }
        let bad = || {
            Invalid::field(
                field,
                "Enter an email address in the form name@example.org.",
            )
        };
        if s.len() > Self::MAX || has_control(s, false) || s.chars().any(char::is_whitespace) {
            return Err(bad());
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(bad());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.contains(['<', '>', '"', '(', ')', ',', ';', ':', '\\', '[', ']']);
        if !domain_ok || !local_ok {
            return Err(bad());
        }
        Ok(Self(s.to_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A telephone number as the person wrote it, checked for plausible characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::field(field, "Enter a phone number."));
        }
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let allowed = s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'));
        if !allowed || !(6..=20).contains(&digits) || s.len() > 32 {
            return Err(Invalid::field(
                field,
                "Enter a phone number using digits, spaces and + - ( ) only, for example +1 555 010 0199.",
            ));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Free text a person typed (several lines allowed), bounded in length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FreeText(String);

impl FreeText {
    /// `label` is the words used in the message ("what brings you to us").
    pub fn parse(field: &str, label: &str, raw: &str, max: usize) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::field(field, format!("Enter {label}.")));
        }
        Self::parse_optional(field, label, s, max)?
            .ok_or_else(|| Invalid::field(field, format!("Enter {label}.")))
    }

    /// Empty input is `None`; anything else is checked as in [`FreeText::parse`].
    pub fn parse_optional(
        field: &str,
        label: &str,
        raw: &str,
        max: usize,
    ) -> Result<Option<Self>, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if s.chars().count() > max {
            return Err(Invalid::field(
                field,
                format!("{} must be at most {max} characters.", capitalise(label)),
            ));
        }
        if has_control(s, true) {
            return Err(Invalid::field(
                field,
                format!(
                    "{} contains characters that are not allowed.",
                    capitalise(label)
                ),
            ));
        }
        Ok(Some(Self(s.replace("\r\n", "\n"))))
    }

    /// A one-line label (a location's name, a token's label).
    pub fn parse_line(field: &str, label: &str, raw: &str, max: usize) -> Result<Self, Invalid> {
        one_line(field, label, raw, max).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for FreeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A new password chosen by a person. Length is what makes a password strong, so
/// the rule is length (NIST SP 800-63B §5.1.1.2): at least 12 characters, at most
/// 256, and not one of a few that everyone tries first.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: usize = 12;
    pub const MAX: usize = 256;

    pub fn parse(field: &str, raw: &str, confirm: Option<&str>) -> Result<Self, Invalid> {
        let n = raw.chars().count();
        if n < Self::MIN {
            return Err(Invalid::field(
                field,
                format!("Choose a password of at least {} characters.", Self::MIN),
            ));
        }
        if n > Self::MAX {
            return Err(Invalid::field(
                field,
                format!("Choose a password of at most {} characters.", Self::MAX),
            ));
        }
        let lower = raw.to_lowercase();
        let common = [
            "password",
            "123456",
            "qwerty",
            "letmein",
            "threshold",
            "ketamine",
        ];
        if common.iter().any(|c| lower.starts_with(c))
            || raw.chars().all(|c| c == raw.chars().next().unwrap_or(c))
        {
            return Err(Invalid::field(
                field,
                "That password is too easy to guess; choose a longer phrase of your own.",
            ));
        }
        if let Some(confirm) = confirm
            && confirm != raw
        {
            return Err(Invalid::field(
                "password_confirm",
                "The two passwords do not match.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            PersonName::parse("name", "  Ada Lovelace ")
                .unwrap()
                .as_str(),
            "Ada Lovelace"
        );
        assert!(PersonName::parse("name", "   ").is_err());
        assert!(PersonName::parse("name", &"x".repeat(201)).is_err());
        assert!(PersonName::parse("name", &"é".repeat(200)).is_ok());
        let err = PersonName::parse("name", "a\u{0}b").unwrap_err();
        assert_eq!(err.0[0].field, "name");
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse("email", " Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a da@example.org",
            "<script>@x.org",
            "ada@exa..mple.org",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_need_plausible_digits() {
        assert!(Phone::parse("phone", "+1 (555) 010-0199").is_ok());
        assert!(Phone::parse("phone", "12345").is_err());
        assert!(Phone::parse("phone", "call me maybe").is_err());
        assert!(Phone::parse("phone", "555'; drop table users; --").is_err());
    }

    #[test]
    fn free_text_keeps_lines_and_refuses_control_characters() {
        let t = FreeText::parse("reason", "what brings you", "line one\r\nline two", 100).unwrap();
        assert_eq!(t.as_str(), "line one\nline two");
        assert!(FreeText::parse("reason", "what brings you", "bell\u{7}", 100).is_err());
        let long = FreeText::parse("reason", "what brings you", &"x".repeat(101), 100).unwrap_err();
        assert_eq!(
            long.0[0].message,
            "What brings you must be at most 100 characters."
        );
        assert_eq!(
            FreeText::parse_optional("heard", "how you heard", "  ", 10).unwrap(),
            None
        );
    }

    #[test]
    fn passwords_need_length_and_must_match() {
        assert!(NewPassword::parse("password", "short", None).is_err());
        assert!(NewPassword::parse("password", "password12345", None).is_err());
        assert!(NewPassword::parse("password", "aaaaaaaaaaaaaaa", None).is_err());
        assert!(
            NewPassword::parse(
                "password",
                "correct horse battery",
                Some("correct horse battery")
            )
            .is_ok()
        );
        let e = NewPassword::parse("password", "correct horse battery", Some("other")).unwrap_err();
        assert_eq!(e.0[0].field, "password_confirm");
    }
}
