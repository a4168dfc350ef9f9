//! A downstream engine in a few lines: read a compiled table, then decide
//! each JSON Lines transaction of standard input, printing one line per
//! input line — the decision set, or the line's coded rejection — exactly
//! as `edict eval TABLE --input -` does.
//!
//!     cargo run -q -p edict-engine --example decide -- TABLE.json < transactions.jsonl

use std::io::Write;

use edict_engine::eval::Evaluator;
use edict_engine::eval::lines::Lines;

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: decide TABLE.json < transactions.jsonl");
        return std::process::ExitCode::from(2);
    };
    let loaded = std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            Evaluator::from_bytes(&bytes)
                .map_err(|e| format!("{}: {}", e.code.info().code, e.message))
        });
    let evaluator = match loaded {
        Ok(evaluator) => evaluator,
        Err(e) => {
            eprintln!("{path}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let stdin = std::io::stdin();
    let mut lines = Lines::new(stdin.lock());
    let mut out = std::io::stdout().lock();
    while let Ok(Some((n, line))) = lines.next_line() {
        let output = evaluator.decide_input(Some(n), &line, false);
        let text = serde_json::to_string(&output).unwrap_or_default();
        if writeln!(out, "{text}").is_err() {
            break;
        }
    }
    std::process::ExitCode::SUCCESS
}
