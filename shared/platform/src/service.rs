//! The life of one service process: open its store, connect its bus, serve HTTP, drive its
//! workers, and stop cleanly on SIGTERM or Ctrl-C (in-flight requests and SMTP transactions
//! finish; every answered write is already on disk).

use crate::auth;
use crate::config::{CommonSettings, Endpoint};
use crate::http;
use crate::links::LinkSigner;
use anyhow::Context;
use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::future::BoxFuture;
use rrm_bus::{
    BusConfig, HandleError, Handler, Prepared, Readiness, Store, Topology, Tx, TxResult,
};
use rrm_contracts::{Envelope, Event};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span};

/// A background task of the service, stopped by the token.
pub type Worker = Box<dyn FnOnce(CancellationToken) -> BoxFuture<'static, ()> + Send>;

/// What every service has once started.
#[derive(Clone)]
pub struct Service {
    pub name: &'static str,
    /// Shared, not copied: a `Service` is cloned into every request's state.
    pub settings: Arc<CommonSettings>,
    pub store: Store,
    pub links: LinkSigner,
    pub ready: Readiness,
}

impl Service {
    /// Opens the service's store at `<data_dir>/<name>` with its own `trees`, plus the trees for
    /// coordinator credentials and outgoing mail.
    pub fn open(
        name: &'static str,
        settings: CommonSettings,
        trees: &[&str],
    ) -> anyhow::Result<Self> {
        settings.validate()?;
        let mut all: Vec<&str> = trees.to_vec();
        all.push(auth::TREE);
        all.extend(crate::mail::TREES);
        let path = settings.storage.data_dir.join(name);
        let store = Store::open(&path, &settings.storage.store_options(), &all)
            .with_context(|| format!("opening the store at {}", path.display()))?;
        let links = settings.links.signer();
        Ok(Self {
            name,
            settings: Arc::new(settings),
            store,
            links,
            ready: Readiness::default(),
        })
    }

    pub fn endpoint(&self) -> anyhow::Result<&Endpoint> {
        self.settings.services.get(self.name)
    }

    /// The configured public URL of `service` (links are built from it, never from `Host`).
    pub fn public_url(&self, service: &str) -> String {
        self.settings
            .services
            .get(service)
            .map(|e| e.public_url.trim_end_matches('/').to_owned())
            .unwrap_or_default()
    }

    /// The domain of the sender address: what `Message-ID`s are made unique with.
    pub fn mail_domain(&self) -> String {
        self.settings
            .smtp
            .from
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').trim().to_owned())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "rrm.invalid".into())
    }

    /// Runs until SIGTERM/Ctrl-C (or `stop` is cancelled): the bus consuming the service's queue
    /// (bound as [`crate::routing::ROUTES`] says), the HTTP `app` with the ops routes, and the
    /// `workers`.
    pub async fn run(
        self,
        app: Router,
        handler: Arc<dyn Handler>,
        workers: Vec<Worker>,
        stop: CancellationToken,
    ) -> anyhow::Result<()> {
        let endpoint = self.endpoint()?.clone();
        let listener = tokio::net::TcpListener::bind(&endpoint.bind)
            .await
            .with_context(|| format!("binding {}", endpoint.bind))?;
        info!(service = self.name, bind = %endpoint.bind, public_url = %endpoint.public_url, "listening");

        let amqp = &self.settings.amqp;
        let bus = BusConfig {
            url: amqp.url.expose_secret().to_owned(),
            topology: Topology {
                service: self.name.to_owned(),
                queues: crate::routing::queues(self.name, amqp.declare_every_queue)?,
                delivery_limit: amqp.delivery_limit,
            },
            prefetch: amqp.prefetch,
            max_backoff: Duration::from_millis(amqp.max_backoff_ms),
        };

        let signal_stop = stop.clone();
        tokio::spawn(async move {
            http::shutdown_signal().await;
            info!("shutdown requested");
            signal_stop.cancel();
        });

        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(rrm_bus::run(
            bus,
            self.store.clone(),
            Arc::new(WithCredentials(handler)),
            self.ready.clone(),
            stop.clone(),
        ));
        for worker in workers {
            tasks.spawn(worker(stop.clone()));
        }
        let ready = self.ready.clone();
        let ready_store = self.store.clone();
        let outbox_store = self.store.clone();
        let ops = http::ops_router(
            move || {
                if !ready_store.is_healthy() {
                    Err("the store cannot commit".into())
                } else if ready.is_ready() {
                    Ok(())
                } else {
                    Err("not connected to the broker".into())
                }
            },
            move || {
                metrics::gauge!("rrm_outbox_pending").set(outbox_store.outbox_len() as f64);
                if let Ok(pending) = outbox_store.count(crate::mail::PENDING) {
                    metrics::gauge!("rrm_mail_pending").set(pending as f64);
                }
            },
        );
        let router =
            http::with_limits(app.merge(ops)).layer(axum::middleware::from_fn(trace_request));
        let served = http::serve(listener, router, stop.clone()).await;
        stop.cancel();
        // Every commit was durable when it was answered: nothing is left to flush.
        while tasks.join_next().await.is_some() {}
        info!(service = self.name, "stopped");
        served.context("HTTP server")
    }
}

/// Logs each request by its route template — never its path, which may carry a link token.
async fn trace_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let span = info_span!("request", %method, route = %route);
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    metrics::histogram!("rrm_http_request_seconds", "route" => route.clone(), "status" => status.to_string())
        .record(started.elapsed().as_secs_f64());
    if route != "/healthz" && route != "/readyz" && route != "/metrics" {
        span.in_scope(|| {
            info!(
                status,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request"
            )
        });
    }
    response
}

/// Applies coordinator credential events before the service's own handler sees any event.
struct WithCredentials(Arc<dyn Handler>);

impl Handler for WithCredentials {
    fn prepare(&self, envelope: &Envelope, event: &Event) -> Result<Prepared, HandleError> {
        self.0.prepare(envelope, event)
    }

    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        prepared: &Prepared,
    ) -> TxResult<(), HandleError> {
        auth::apply(tx, event)?;
        metrics::counter!("rrm_events_handled_total", "type" => envelope.event_type.clone())
            .increment(1);
        self.0.handle(tx, envelope, event, prepared)
    }
}

/// Settings that carry the common section (every service's `Settings`).
pub trait HasCommon: serde::de::DeserializeOwned {
    fn common(&self) -> &CommonSettings;
}

/// A service binary's whole `main`: load the layered configuration (exit 2 with the reason when
/// it is unusable), start JSON logs, and run `run` on a small runtime until it stops. Idle
/// blocking threads exit after a second, so an idle service holds few threads.
pub fn main<S, F, Fut>(name: &'static str, run: F) -> std::process::ExitCode
where
    S: HasCommon,
    F: FnOnce(S, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let settings: S = match crate::config::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rrm-{name}: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    crate::telemetry::init(name, &settings.common().log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(16)
        .thread_keep_alive(Duration::from_secs(1))
        .thread_name(format!("rrm-{name}"))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("rrm-{name}: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(settings, CancellationToken::new())) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "{name} stopped");
            std::process::ExitCode::FAILURE
        }
    }
}
