//! The formatter's contract on arbitrary source: it refuses, or its output
//! is a fixed point that compiles to the same table (docs included).
#![no_main]
use edict_compiler::fmt::format;
use edict_compiler::table::{compile, meaning};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fn table(text: &str) -> Option<serde_json::Value> {
    common::with_policy(text, |project| {
        compile(&project.db, project.ws)
            .ok()
            .map(|c| meaning(&c.lowered.table))
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(formatted) = format(&text) else {
        return;
    };
    assert_eq!(
        format(&formatted).as_deref(),
        Ok(formatted.as_str()),
        "not idempotent"
    );
    if let Some(before) = table(&text) {
        assert_eq!(
            table(&formatted),
            Some(before),
            "formatting changed the table"
        );
    }
});
