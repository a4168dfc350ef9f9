//! Edict language server (skeleton).
//!
//! The server will speak LSP over stdio on `tower-lsp-server`, sharing the
//! compiler's salsa database ([`edict_compiler::db::Database`]) so that an
//! edit recomputes only what it touched. For now it exposes the name the
//! server reports to clients.

/// The name the server reports in `initialize`.
pub const SERVER_NAME: &str = "edict-lsp";

/// The version the server reports: the compiler's.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
