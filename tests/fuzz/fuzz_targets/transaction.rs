//! Arbitrary bytes as a JSON Lines stream for a shipped table: one output
//! per non-blank line, each a decision or E06xx codes.
#![no_main]
use edict_compiler::eval::Evaluator;
use edict_compiler::eval::json::parse_strict;
use edict_compiler::eval::lines::{Line, Lines};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static TABLE: &str = include_str!("../../conformance/bad_transactions/table.json");

fn evaluator() -> &'static Evaluator {
    static EV: OnceLock<Evaluator> = OnceLock::new();
    EV.get_or_init(|| Evaluator::from_bytes(TABLE.as_bytes()).expect("the shipped table loads"))
}

fuzz_target!(|data: &[u8]| {
    let ev = evaluator();
    let mut lines = Lines::with_limit(data, 4096);
    let mut last = 0;
    while let Ok(Some((n, line))) = lines.next_line() {
        assert!(n > last, "line numbers go up");
        last = n;
        if let Line::Bytes(bytes) = line
            && let Ok(json) = parse_strict(bytes)
        {
            match ev.transaction(&json) {
                Ok(tx) => {
                    let _ = ev.explain(&tx);
                }
                Err(errors) => assert!(errors.iter().all(|e| e.code.starts_with("E06"))),
            }
        }
    }
});
