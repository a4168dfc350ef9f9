//! Generates the parser from `src/syntax/grammar.lalrpop` into `OUT_DIR`.

#[expect(
    clippy::unwrap_used,
    reason = "a build script reports failure by panicking"
)]
fn main() {
    lalrpop::Configuration::new()
        .use_cargo_dir_conventions()
        .process()
        .unwrap();
}
