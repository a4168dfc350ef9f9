//! `edict diff OLD NEW --data FILE`: the counts of rows whose decision
//! changes equal a row-by-row comparison with the reference evaluator —
//! in total, per direction's regions, and per pair of decisions (the rows
//! each group of regions is given are exactly the rows that change from
//! the group's old decision to its new one) — and do not depend on the
//! file's format.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::collections::BTreeMap;
use std::path::Path;

use edict_compiler::diff::render::thousands;
use edict_compiler::eval::{Decision, Evaluator};
use edict_compiler::table::Table;
use edict_tests::{edict, random_transactions, repo, scratch};
use serde_json::Value;

/// What a decision says, as the diff compares it (not which rules say it).
fn substance(d: &Decision) -> String {
    serde_json::to_string(&(
        d.outcome,
        d.basis,
        &d.tier,
        &d.reasons,
        d.review,
        &d.authorizations,
        &d.obligations,
    ))
    .unwrap_or_default()
}

fn compiled(policy: &Path, out: &Path) -> (Table, Evaluator) {
    let (code, _, err) = edict(
        &[
            "compile",
            &policy.to_string_lossy(),
            "-o",
            &out.to_string_lossy(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let bytes = edict_tests::read_bytes(out);
    let table: Table = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let ev = Evaluator::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e:?}"));
    (table, ev)
}

#[test]
fn data_counts_equal_a_row_by_row_comparison() {
    let dir = scratch("diff-data");
    let pair = repo().join("examples/version_pair");
    let (_, old) = compiled(&pair.join("proposed"), &dir.join("old.json"));
    let (new_table, new) = compiled(&pair.join("final"), &dir.join("new.json"));
    // 20,000 rows, each with an order number the tables do not read.
    let lines: Vec<Value> = random_transactions(&new_table, 20_000, 3)
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"));
            v["order"] = Value::from(format!("PO-{}", i + 1));
            v
        })
        .collect();
    let jsonl: String = lines.iter().map(|v| format!("{v}\n")).collect();
    let data = dir.join("orders.jsonl");
    std::fs::write(&data, &jsonl).unwrap_or_else(|e| panic!("{e}"));

    // Row by row, with the reference evaluator.
    let mut changed = 0u64;
    let mut rejected = 0u64;
    let mut by_pair: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut changed_ids = std::collections::BTreeSet::new();
    for v in &lines {
        let mut tx = v.clone();
        let id = tx
            .as_object_mut()
            .and_then(|m| m.remove("order"))
            .unwrap_or_default();
        let (Ok(a), Ok(b)) = (old.transaction(&tx), new.transaction(&tx)) else {
            rejected += 1;
            continue;
        };
        let (a, b) = (old.decide(&a).decisions, new.decide(&b).decisions);
        let mut any = false;
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.jurisdiction, y.jurisdiction, "same jurisdictions");
            if substance(x) != substance(y) {
                any = true;
                let key = (x.jurisdiction.to_string(), substance(x), substance(y));
                *by_pair.entry(key).or_default() += 1;
            }
        }
        if any {
            changed += 1;
            changed_ids.insert(id.to_string());
        }
    }
    assert!(changed > 100, "the sample exercises the change: {changed}");
    assert!(rejected > 0, "and has rows a version rejects");

    let report = |data: &Path| -> Value {
        let (code, out, err) = edict(
            &[
                "diff",
                "--format",
                "json",
                "--id",
                "order",
                &dir.join("old.json").to_string_lossy(),
                &dir.join("new.json").to_string_lossy(),
                "--data",
                &data.to_string_lossy(),
            ],
            "",
        );
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"))
    };
    let r = report(&data);
    let d = &r["data"];
    assert_eq!(d["rows"], 20_000);
    assert_eq!(d["changed"], changed);
    assert_eq!(d["rejected"], rejected);
    assert_eq!(d["outside_regions"], 0);
    let regions = r["impact"].as_array().cloned().unwrap_or_default();
    let counts = d["regions"].as_array().cloned().unwrap_or_default();
    assert_eq!(regions.len(), counts.len());
    let mut got: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut directions: BTreeMap<String, u64> = BTreeMap::new();
    for (region, rows) in regions.iter().zip(&counts) {
        let decision = |v: &Value| -> Decision {
            serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}"))
        };
        let key = (
            region["jurisdiction"].as_str().unwrap_or("").to_string(),
            substance(&decision(&region["before"])),
            substance(&decision(&region["after"])),
        );
        let n = rows["rows"].as_u64().unwrap_or(0);
        *got.entry(key).or_default() += n;
        *directions
            .entry(region["direction"].as_str().unwrap_or("").into())
            .or_default() += n;
        for id in rows["sample"].as_array().into_iter().flatten() {
            assert!(
                changed_ids.contains(&id.to_string()),
                "sampled {id} does not change"
            );
        }
        assert!(rows["sample"].as_array().map_or(0, Vec::len) as u64 <= n.min(5));
    }
    got.retain(|_, n| *n > 0);
    assert_eq!(got, by_pair, "rows per pair of decisions");
    // One jurisdiction: a row changes one way.
    let total: u64 = ["tightening", "loosening", "lateral"]
        .iter()
        .map(|k| d[k].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, changed);
    for k in ["tightening", "loosening", "lateral"] {
        assert_eq!(d[k], directions.get(k).copied().unwrap_or(0), "{k}");
    }

    // The same rows as CSV give the same counts.
    let columns: Vec<String> = new_table.columns.iter().map(|c| c.name.clone()).collect();
    let mut csv = format!("order,{}\n", columns.join(","));
    for v in &lines {
        let cell = |c: &str| match &v[c] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let row: Vec<String> = columns.iter().map(|c| cell(c)).collect();
        csv.push_str(&format!("{},{}\n", cell("order"), row.join(",")));
    }
    let data_csv = dir.join("orders.csv");
    std::fs::write(&data_csv, csv).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report(&data_csv)["data"]["regions"], d["regions"]);

    // Text and Markdown say it in words; a missing file writes no report.
    let (_, text, _) = edict(
        &[
            "diff",
            &dir.join("old.json").to_string_lossy(),
            &dir.join("new.json").to_string_lossy(),
            "--data",
            &data.to_string_lossy(),
        ],
        "",
    );
    let words = format!("{} of 20,000 rows", thousands(changed));
    assert!(text.contains(&words), "{words} in {text}");
    let (code, out, err) = edict(
        &[
            "diff",
            &dir.join("old.json").to_string_lossy(),
            &dir.join("new.json").to_string_lossy(),
            "--data",
            &dir.join("missing.parquet").to_string_lossy(),
        ],
        "",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        out.is_empty() && err.contains("no report was written"),
        "{err}"
    );
}
