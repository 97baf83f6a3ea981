//! Test support shared by every crate's tests.
//!
//! Each test gets its own database: a fresh SQLite file in a temporary folder, or a
//! fresh PostgreSQL database (`create database t_<uuid>`) on the server named by
//! `THRESHOLD_TEST_POSTGRES_URL`. Under `CI=true` that variable must be set and the
//! server must answer, or the PostgreSQL half of every test fails loudly.

pub mod app;
pub mod db;
pub mod smtp;

pub use app::{CLIENT_PASSWORD, Client, PASSWORD, Staff, TestApp, csrf_in, link_in, location};
pub use db::{Backend, TestDb, backends};
pub use smtp::SmtpServer;

/// Runs the body once per backend under test, naming the backend in any failure.
///
/// ```ignore
/// both_backends!(async fn creating_a_user_stores_it(db: TestDb) { ... });
/// ```
/// expands to a module with a `sqlite` and a `postgres` test.
#[macro_export]
macro_rules! both_backends {
    ($(#[$m:meta])* async fn $name:ident($db:ident : TestDb $(,)?) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($db: $crate::TestDb) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$m])*
            async fn sqlite() {
                run($crate::TestDb::new($crate::Backend::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$m])*
            async fn postgres() {
                if let Some(db) = $crate::TestDb::postgres_if_configured().await {
                    run(db).await
                }
            }
        }
    };
}

/// Like [`both_backends!`], for tests that need a running app: the body gets a
/// [`TestApp`] on each backend.
#[macro_export]
macro_rules! app_test {
    ($(#[$m:meta])* async fn $name:ident($app:ident : TestApp $(,)?) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$m])*
            async fn sqlite() {
                run($crate::TestApp::spawn($crate::Backend::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$m])*
            async fn postgres() {
                if $crate::db::postgres_url().is_none() {
                    eprintln!("skipping the PostgreSQL half: THRESHOLD_TEST_POSTGRES_URL is not set");
                    return;
                }
                run($crate::TestApp::spawn($crate::Backend::Postgres).await).await
            }
        }
    };
}

/// Like [`app_test!`], with a closure that adjusts the settings first:
/// `app_test_with!(|settings, web| web.public_requests_per_hour = 3, async fn name(app: TestApp) { … })`.
#[macro_export]
macro_rules! app_test_with {
    ($tweak:expr, $(#[$m:meta])* async fn $name:ident($app:ident : TestApp $(,)?) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$m])*
            async fn sqlite() {
                run($crate::TestApp::spawn_with($crate::Backend::Sqlite, $tweak).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$m])*
            async fn postgres() {
                if $crate::db::postgres_url().is_none() {
                    eprintln!("skipping the PostgreSQL half: THRESHOLD_TEST_POSTGRES_URL is not set");
                    return;
                }
                run($crate::TestApp::spawn_with($crate::Backend::Postgres, $tweak).await).await
            }
        }
    };
}
