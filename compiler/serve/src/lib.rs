//! `edict serve`: decisions over HTTP.
//!
//! Stage: consumption, as a service. A licensing system or a screening
//! module posts transactions and gets the decisions `edict eval` would
//! give, from the same evaluator (`edict-engine`), with the table digest
//! and signing key in every response. The table is reloaded when its file
//! (or its signature) changes or on SIGHUP, verified by the loader the
//! caller gives, and swapped atomically: a request is decided entirely with
//! the table current when it arrived; a table that fails to load is
//! refused and the old one keeps serving. SIGTERM or SIGINT drains the
//! requests in flight, then stops. Endpoints and limits are in
//! `compiler/docs/serve.md` and `compiler/docs/openapi.json`
//! ([`openapi::document`]).

mod decisions;
mod metrics;
pub mod openapi;
mod problem;
mod reload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use edict_engine::eval::{Evaluator, Output};
use serde_json::json;

/// Loads (and verifies) the table; called at start and on every reload.
/// The error is the message to log.
pub type Loader = Arc<dyn Fn() -> Result<Evaluator, String> + Send + Sync>;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (default 127.0.0.1:8080: loopback only).
    pub listen: SocketAddr,
    /// The most transactions in one request.
    pub max_batch: usize,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// How long a request body may take to arrive.
    pub timeout: Duration,
    /// Files whose change reloads the table (the table and its signature).
    pub watch: Vec<PathBuf>,
    /// How often they are looked at.
    pub poll: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_batch: 10_000,
            max_body: 16 << 20,
            timeout: Duration::from_secs(30),
            watch: Vec::new(),
            poll: Duration::from_millis(200),
        }
    }
}

/// What every request sees.
pub struct Shared {
    table: RwLock<Arc<Evaluator>>,
    metrics: metrics::Metrics,
    config: Config,
    loader: Loader,
    draining: AtomicBool,
}

impl Shared {
    /// The table current now (a request keeps it to the end).
    fn current(&self) -> Arc<Evaluator> {
        match self.table.read() {
            Ok(t) => Arc::clone(&t),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Loads the table again; swaps it in when it loads, else keeps the
    /// old one. Logs either way (to stderr).
    fn reload(&self, why: &str) {
        let old = self.current();
        match (self.loader)() {
            Ok(new) if new.digest() == old.digest() && new.key() == old.key() => {}
            Ok(new) => {
                eprintln!(
                    "edict serve: {why}: now serving {}{}",
                    new.digest(),
                    new.key()
                        .map(|k| format!(" signed by {k}"))
                        .unwrap_or_default()
                );
                match self.table.write() {
                    Ok(mut t) => *t = Arc::new(new),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(new),
                }
                self.metrics.reload(true);
            }
            Err(message) => {
                eprintln!(
                    "edict serve: {why}: the new table is refused, {} keeps serving: {}",
                    old.digest(),
                    message.trim_end()
                );
                self.metrics.reload(false);
            }
        }
    }
}

/// Loads the table and returns the service's shared state.
pub fn start(config: Config, loader: Loader) -> Result<Arc<Shared>, String> {
    let table = loader()?;
    Ok(Arc::new(Shared {
        table: RwLock::new(Arc::new(table)),
        metrics: metrics::Metrics::default(),
        config,
        loader,
        draining: AtomicBool::new(false),
    }))
}

/// The routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/v1/decisions",
            post(decisions::decide).fallback(problem::method_not_allowed),
        )
        .route(
            "/v1/table",
            get(table).fallback(problem::method_not_allowed),
        )
        .route(
            "/v1/schema/decision",
            get(|| async { json_response(Output::schema()) }).fallback(problem::method_not_allowed),
        )
        .route(
            "/openapi.json",
            get(|| async { json_response(openapi::document()) })
                .fallback(problem::method_not_allowed),
        )
        .route(
            "/healthz",
            get(|| async { "ok\n" }).fallback(problem::method_not_allowed),
        )
        .route("/readyz", get(ready).fallback(problem::method_not_allowed))
        .route(
            "/metrics",
            get(metrics).fallback(problem::method_not_allowed),
        )
        .fallback(problem::not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            timed,
        ))
        .with_state(shared)
}

fn json_response(text: String) -> Response {
    let mut r = text.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn timed(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let response = next.run(request).await;
    shared.metrics.latency(start.elapsed());
    response
}

/// `GET /v1/table`: what a client form needs.
async fn table(State(shared): State<Arc<Shared>>) -> Response {
    let ev = shared.current();
    let t = ev.table();
    let body = json!({
        "policy": t.policy,
        "table": ev.digest(),
        "key": ev.key(),
        "jurisdictions": t.jurisdictions,
        "tiers": t.tiers,
        "columns": t.columns,
    });
    let mut r = json_response(body.to_string());
    decisions::receipt(r.headers_mut(), &ev);
    r
}

async fn ready(State(shared): State<Arc<Shared>>) -> Response {
    if shared.draining.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response();
    }
    format!("ready {}\n", shared.current().digest()).into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let ev = shared.current();
    let mut r = shared.metrics.render(ev.digest(), ev.key()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// Serves until SIGTERM or SIGINT, then drains the requests in flight.
/// `ready` is told the address once the socket is bound.
pub async fn serve(shared: Arc<Shared>, ready: impl FnOnce(SocketAddr)) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(shared.config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", shared.config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    ready(addr);
    let watcher = tokio::spawn(reload::watch(Arc::clone(&shared)));
    let stopping = Arc::clone(&shared);
    let result = axum::serve(listener, router(Arc::clone(&shared)))
        .with_graceful_shutdown(async move {
            reload::stop_signal().await;
            stopping.draining.store(true, Ordering::SeqCst);
            eprintln!("edict serve: stopping; finishing the requests in flight");
        })
        .await
        .map_err(|e| e.to_string());
    watcher.abort();
    result
}

/// Loads the table, then serves on a runtime of its own until stopped
/// (the whole of `edict serve`). `ready` is told the bound address.
pub fn run(
    config: Config,
    loader: Loader,
    ready: impl FnOnce(SocketAddr, &Evaluator),
) -> Result<(), String> {
    let shared = start(config, loader)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let first = shared.current();
    runtime.block_on(serve(shared, |addr| ready(addr, &first)))
}
