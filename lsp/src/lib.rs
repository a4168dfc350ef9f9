//! Edict language server: LSP over stdio on `tower-lsp-server`, sharing the
//! compiler's salsa database ([`edict_compiler::db::Database`]).
//!
//! Ordering: tower-lsp runs handlers concurrently, so every notification
//! that changes documents applies its edit to [`state::State`] under one
//! lock *before its first await*; edits therefore apply in arrival order,
//! and an edit whose version is not newer than the document's is refused.
//! Readers (diagnostics, hover, …) take a clone of the database under the
//! lock, release it, and compute on a blocking thread; a newer edit cancels
//! them through salsa, and a request so cancelled is answered with
//! `ContentModified` instead of late. Diagnostics are debounced (two passes,
//! [`publish`]) and never
//! published for a document version that is no longer current.
//!
//! Positions are UTF-16 ([`convert`]); the compiler's editor queries live
//! in [`edict_compiler::ide`].

pub mod client;
pub mod convert;
mod editing;
pub mod framing;
mod handlers;
mod lenses;
pub mod publish;
pub mod state;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use edict_compiler::db::Database;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::{Client, LspService, Server};

use state::State;

/// The name the server reports in `initialize`.
pub const SERVER_NAME: &str = "edict-lsp";

/// The version the server reports: the compiler's.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// How long diagnostics wait for further edits.
pub const DEBOUNCE_MS: u64 = 10;

/// The server.
pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    /// Bumped by every edit: a computation started before the last edit
    /// publishes nothing.
    generation: Arc<AtomicU64>,
    publisher: publish::Publisher,
}

impl Backend {
    fn new(client: Client) -> Backend {
        let state = Arc::new(Mutex::new(State::default()));
        let generation = Arc::new(AtomicU64::new(0));
        let publisher = publish::Publisher {
            client: client.clone(),
            state: Arc::clone(&state),
            generation: Arc::clone(&generation),
            extras: Default::default(),
        };
        Backend {
            client,
            state,
            generation,
            publisher,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half
        // written (every write is one salsa input set): keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bump(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Runs a read-only query on a clone of the database, on a blocking
    /// thread; a cancelled query answers `ContentModified`.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> T + Send + 'static,
    ) -> jsonrpc::Result<T> {
        let db = self.lock().db.clone();
        let job = tokio::task::spawn_blocking(move || {
            salsa::Cancelled::catch(std::panic::AssertUnwindSafe(|| f(&db)))
        });
        match job.await {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(_cancelled)) => Err(jsonrpc::Error::content_modified()),
            Err(e) => Err(jsonrpc::Error {
                code: jsonrpc::ErrorCode::InternalError,
                message: format!("the query failed: {e}").into(),
                data: None,
            }),
        }
    }
}

/// Serves LSP on stdin and stdout until the client exits.
pub async fn serve_stdio() {
    let (service, socket) = LspService::build(Backend::new)
        .custom_method("edict/diff", Backend::diff_request)
        .custom_method("edict/stdlib", Backend::stdlib_request)
        .custom_method(framing::MALFORMED, Backend::malformed)
        .custom_method(framing::INVALID, Backend::invalid)
        .finish();
    let (reader, writer) = tokio::io::duplex(1 << 16);
    tokio::spawn(framing::sanitize(tokio::io::stdin(), writer));
    Server::new(reader, tokio::io::stdout(), socket)
        .serve(service)
        .await;
}
