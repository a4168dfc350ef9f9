//! A downstream engine depending on this crate — or on the consumer crates
//! built on it (`edict-screen`, `edict-sql`, `edict-signature`,
//! `edict-serve`) — compiles none of the front end: the dependency tree
//! holds no parser, checker database, renderer or language server.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::Path;
use std::process::Command;

#[test]
fn no_consumer_crate_depends_on_any_part_of_the_front_end() {
    let compiler = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for krate in ["engine", "screen", "sql", "signature", "serve"] {
        let manifest = compiler.join(krate).join("Cargo.toml");
        let out = Command::new(env!("CARGO"))
            .args([
                "tree",
                "--offline",
                "-e",
                "normal",
                "--prefix",
                "none",
                "--manifest-path",
            ])
            .arg(&manifest)
            .output()
            .unwrap_or_else(|e| panic!("cargo tree: {e}"));
        let tree = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{krate}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(tree.contains("serde_json"), "{tree}");
        assert!(tree.contains("edict-engine"), "{krate}: {tree}");
        for front_end in [
            "edict-compiler",
            "salsa",
            "lalrpop",
            "logos",
            "ariadne",
            "tower-lsp",
        ] {
            assert!(
                !tree.lines().any(|l| l.starts_with(front_end)),
                "{front_end} is a dependency of edict-{krate}:\n{tree}"
            );
        }
    }
}
