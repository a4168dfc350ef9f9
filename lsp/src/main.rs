//! `edict-lsp`: the Edict language server, speaking LSP over stdio.

#[tokio::main]
async fn main() {
    edict_lsp::serve_stdio().await;
    // The reader of stdin may still be blocked in a read: exit without
    // waiting for it once the client has said `exit`.
    std::process::exit(0);
}
