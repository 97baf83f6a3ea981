//! Administration of what the care journey reads: the clinic settings (each save
//! a new version), partner medical provider organisations, and the consent
//! documents clients sign (each publication a new version).

mod consents;
mod fields;
mod partners;
mod settings;

pub use consents::{consent, consents, publish_consent};
pub(crate) use fields::{SettingField, build_settings};
pub use partners::{create_partner, partner, partners, update_partner};
pub use settings::{save_settings, settings};
