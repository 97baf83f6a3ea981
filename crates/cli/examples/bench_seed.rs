//! Seeds a database for `bench/queue_load.sh`: a coordinator with a known password
//! and TOTP secret, an API token for them, and N consultation requests made
//! through the real use case (encrypted reason, audit entry, confirmation mail).
//!
//! `cargo run --release --example bench_seed -- DATABASE_URL KEY_FILE N`
//! prints `TOKEN='…'`, `EMAIL='…'`, `PASSWORD='…'` and `TOTP_SECRET='…'` lines.

use std::sync::Arc;

use anyhow::{Context, bail};
use threshold_domain::SystemClock;
use threshold_domain::inquiry::InquiryForm;
use threshold_service::users::{NewStaff, StaffForm};
use threshold_service::{Actor, FieldCipher, RequestMeta, Services, Settings};
use threshold_store::{Db, PoolOptions};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXB";
const PASSWORD: &str = "bench coordinator passphrase";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, key, n] = args.as_slice() else {
        bail!("usage: bench_seed DATABASE_URL KEY_FILE N");
    };
    let n: usize = n.parse().context("N")?;
    let db = Db::open(url, PoolOptions::default()).await?;
    db.migrate().await?;
    let cipher = FieldCipher::load_or_create(std::path::Path::new(key), true)?;
    let services = Services::new(
        db.clone(),
        Arc::new(SystemClock),
        cipher,
        Settings::default(),
    );

    let email = "bench.coordinator@clinic.test";
    let staff = NewStaff::parse(&StaffForm {
        email: email.into(),
        name: "Bench Coordinator".into(),
        roles: vec!["coordinator".into()],
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = services.create_staff_with_password(staff, PASSWORD).await?;
    let sealed = services.cipher.encrypt(
        SECRET,
        threshold_service::crypto::Binding {
            table: "users",
            column: "totp_secret",
            row_id: &id.to_string(),
        },
    );
    let now = services.now();
    db.write(move |c| threshold_store::users::set_totp(c, id, Some(&sealed), now))
        .await?;
    let (_, token) = services
        .create_token(Actor::Operator, email, "bench")
        .await?;

    let started = std::time::Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(250) {
        let mut tasks = Vec::new();
        for i in chunk {
            let s = services.clone();
            let i = *i;
            tasks.push(tokio::spawn(async move {
                let form = InquiryForm {
                    name: format!("Person {i:05}"),
                    email: format!("person{i}@example.org"),
                    phone: "+1 503 555 0100".into(),
                    preferred_contact: ["email", "phone", "text"][i % 3].into(),
                    reason: "Looking for help with long-standing depression.".into(),
                    heard_from: String::new(),
                    consent_to_contact: true,
                };
                s.submit_inquiry(Actor::Anonymous(&RequestMeta::default()), &form)
                    .await
            }));
        }
        for t in tasks {
            t.await??;
        }
    }
    eprintln!(
        "seeded {n} inquiries in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    // Shell assignments (the load script evals them); no value contains a quote.
    println!("TOKEN='{token}'");
    println!("EMAIL='{email}'");
    println!("PASSWORD='{PASSWORD}'");
    println!("TOTP_SECRET='{SECRET}'");
    Ok(())
}
