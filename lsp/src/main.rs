//! `edict-lsp`: the Edict language server (not yet implemented; see lib.rs).

fn main() {
    eprintln!(
        "{} {}: the language server is not implemented yet; use `edict check`",
        edict_lsp::SERVER_NAME,
        edict_lsp::version()
    );
    std::process::exit(2);
}
