//! Checking and lowering arbitrary source: diagnostics or a table, never a
//! panic; the table compiles to the same bytes twice.
#![no_main]
use edict_compiler::db::Settings;
use edict_compiler::project::load_text;
use edict_compiler::table::{compile, policy_diagnostics};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let compiled = common::with_policy(&text, |project| {
        let _ = policy_diagnostics(&project.db, project.ws);
        compile(&project.db, project.ws).ok()
    });
    if let Some(first) = compiled {
        let again = load_text(&text, Settings::default())
            .ok()
            .and_then(|p| compile(&p.db, p.ws).ok());
        assert_eq!(again.map(|c| c.json), Some(first.json));
    }
});
