//! Checking and lowering arbitrary source: diagnostics or a table, never a
//! panic; the table compiles to the same bytes twice.
#![no_main]
use edict_compiler::db::Settings;
use edict_compiler::project::load_text;
use edict_compiler::table::{compile, policy_diagnostics};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(project) = load_text(&text, Settings::default()) else {
        return;
    };
    let _ = policy_diagnostics(&project.db, project.ws);
    if let Ok(first) = compile(&project.db, project.ws) {
        let again = load_text(&text, Settings::default())
            .ok()
            .and_then(|p| compile(&p.db, p.ws).ok());
        assert_eq!(again.map(|c| c.json), Some(first.json));
    }
});
