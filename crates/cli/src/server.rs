//! The running server, shared by `serve` and `demo`: built from the configuration
//! (database, key, listener, mail sender), then run until SIGTERM or Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context as _;
use threshold_service::Services;
use threshold_service::mail::MailSender;
use threshold_web::WebConfig;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::context;

pub struct Server {
    pub services: Services,
    /// The address the listener is bound to (the real port when 0 was asked for).
    pub address: SocketAddr,
    pub public_url: String,
    listener: TcpListener,
    web: WebConfig,
    sender: Option<MailSender>,
    shutdown: Shutdown,
}

impl Server {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let shutdown = Shutdown::listen()?;
        let key = context::key_before_open(config)?;
        let (db, _) = context::open_migrated(config).await?;
        let listener = TcpListener::bind(&config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let address = listener
            .local_addr()
            .context("the listener has no address")?;
        let public_url = config.public_url_or(&address.to_string());
        let services = context::services_on(config, db, key, &public_url).await?;
        let sender = match &config.smtp_url {
            Some(url) => Some(MailSender::new(services.clone(), url)?),
            None => None,
        };
        if sender.is_some() && config.public_url.is_none() && address.ip().is_unspecified() {
            tracing::warn!(
                "links in mail point at {public_url}; set THRESHOLD_PUBLIC_URL to the address people use"
            );
        }
        Ok(Self {
            web: config.web_config(&public_url),
            services,
            address,
            public_url,
            listener,
            sender,
            shutdown,
        })
    }

    /// Serves until SIGTERM or Ctrl-C; then stops accepting, finishes the requests in
    /// flight, lets the mail sender finish its round, and closes the database
    /// (which commits every queued write).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let reminders = tokio::spawn(threshold_service::reminders::run(
            self.services.clone(),
            stop_rx.clone(),
        ));
        let sender = self.sender.map(|s| tokio::spawn(s.run(stop_rx)));
        tracing::info!(address = %self.address, "listening");
        let served = threshold_web::serve(
            self.listener,
            self.services.clone(),
            self.web,
            self.shutdown.wait(),
        )
        .await;
        tracing::info!("stopped accepting requests; finishing");
        let _ = stop_tx.send(true);
        if let Err(e) = reminders.await {
            tracing::error!(error = %e, "the reminder task ended abnormally");
        }
        if let Some(task) = sender
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "the mail sender ended abnormally");
        }
        self.services.db.close().await;
        tracing::info!("stopped");
        served.context("the server failed")
    }
}

/// SIGTERM (how service managers and containers stop a process) and Ctrl-C,
/// listened for from the moment the server is built, so a signal that arrives
/// while it starts still stops it gracefully.
struct Shutdown {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn listen() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    #[cfg(unix)]
    async fn wait(mut self) {
        tokio::select! {
            _ = self.terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = self.interrupt.recv() => tracing::info!("Ctrl-C: shutting down"),
        }
    }

    #[cfg(not(unix))]
    async fn wait(self) {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C: shutting down");
        } else {
            std::future::pending::<()>().await;
        }
    }
}
