//! Server-rendered pages, one module per area. Handlers parse, call one use case,
//! and render; rules live in the service and domain crates.

pub mod account;
pub mod admin_audit;
pub mod admin_clinic;
pub mod admin_locations;
pub mod admin_mail;
pub mod admin_types;
pub mod admin_users;
pub mod alerts;
pub mod availability;
pub mod calendar;
pub mod care;
pub mod clients;
pub mod consents;
pub mod groups;
pub mod inquiries;
pub mod intake;
pub mod portal;
pub mod public;
pub mod questionnaires;
pub mod schedule;
pub mod signin;
pub mod staff;

/// A `next` parameter is followed only to a path on this site.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() < 200
        && next.chars().all(|c| c.is_ascii_graphic());
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::safe_next("/inquiries"), Some("/inquiries"));
        assert_eq!(super::safe_next("//evil.example"), None);
        assert_eq!(super::safe_next("https://evil.example"), None);
        assert_eq!(super::safe_next("/\\evil.example"), None);
    }
}
