//! The engine crate on its own — no compiler, no policy source — decides
//! every conformance vector of `tests/conformance/` as expected, through
//! the same entry point a downstream engine uses.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::Path;

use edict_engine::eval::lines::Lines;
use edict_engine::eval::{Evaluator, Output};
use serde_json::Value;

/// A rejection compared as the conformance README says: the line, and the
/// codes and fields in any order (messages are free text).
fn comparable(v: &Value) -> Value {
    let Some(errors) = v.get("errors").and_then(Value::as_array) else {
        return v.clone();
    };
    let mut keys: Vec<String> = errors
        .iter()
        .map(|e| format!("{}/{}", e["code"], e["field"]))
        .collect();
    keys.sort();
    serde_json::json!({ "line": v["line"], "errors": keys })
}

#[test]
fn the_engine_alone_passes_every_conformance_vector() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let mut cases = 0;
    let mut lines_checked = 0;
    for entry in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{root:?}: {e}")) {
        let dir = entry.map(|e| e.path()).unwrap_or_default();
        if !dir.join("table.json").is_file() {
            continue;
        }
        let table = std::fs::read(dir.join("table.json")).unwrap_or_default();
        let evaluator =
            Evaluator::from_bytes(&table).unwrap_or_else(|e| panic!("{dir:?}: {}", e.message));
        let input = std::fs::read(dir.join("transactions.jsonl")).unwrap_or_default();
        let expected = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap_or_default();
        let mut expected = expected.lines();
        let mut lines = Lines::new(input.as_slice());
        while let Ok(Some((n, line))) = lines.next_line() {
            let got = serde_json::to_value(evaluator.decide_input(Some(n), &line, false))
                .unwrap_or_default();
            let want: Value =
                serde_json::from_str(expected.next().unwrap_or("null")).unwrap_or_default();
            assert_eq!(comparable(&got), comparable(&want), "{dir:?} line {n}");
            lines_checked += 1;
        }
        assert!(
            expected.next().is_none(),
            "{dir:?}: fewer outputs than expected"
        );
        cases += 1;
    }
    assert!(cases >= 10, "{cases} cases");
    assert!(lines_checked >= 90, "{lines_checked} lines");
}

#[test]
fn a_decision_names_the_table_it_came_from() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/outcomes");
    let table = std::fs::read(root.join("table.json")).unwrap_or_default();
    let evaluator = Evaluator::from_bytes(&table).unwrap_or_else(|e| panic!("{}", e.message));
    let first = std::fs::read(root.join("transactions.jsonl")).unwrap_or_default();
    let first = first.split(|b| *b == b'\n').next().unwrap_or_default();
    match evaluator.decide_input(
        Some(1),
        &edict_engine::eval::lines::Line::Bytes(first),
        false,
    ) {
        Output::Decided(set) => {
            assert_eq!(&*set.table, edict_engine::table::sha256(&table));
        }
        Output::Rejected(r) => panic!("rejected: {r:?}"),
    }
}
