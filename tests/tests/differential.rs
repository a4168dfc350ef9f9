//! The differential test: an interpreter that evaluates the resolved
//! program directly by section 3 of the language reference (no table)
//! agrees with the compiled table, decided by the reference evaluator, on
//! more than 100,000 generated transactions over every shipped policy.
//!
//! Transactions are built from the constants each policy mentions — every
//! date of a rule, block or dated group term with the days on both sides,
//! every number with its neighbours, every ECCN with sub-paragraphs under
//! it, the countries and enum values named — mixed with unrelated values.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::collections::BTreeSet;
use std::path::PathBuf;

use edict_compiler::date::Date;
use edict_compiler::eval::Evaluator;
use edict_compiler::hir::{Elem, Mentions, Program, Value, interpret};
use edict_compiler::table::generate::Rng;
use edict_tests::{compile, repo, shipped_policies};

/// Every constant and date the program mentions, its tests' values, and
/// the days on both sides of every date.
fn mentions(p: &Program) -> Mentions {
    let mut m = p.mentions();
    for t in &p.tests {
        m.dates.insert(t.at);
        m.values.extend(t.given.values().cloned());
    }
    let dates: Vec<Date> = m.dates.iter().copied().collect();
    for d in dates {
        let days = d.days_since_epoch();
        m.dates.insert(Date::from_days_since_epoch(days - 1));
        m.dates.insert(Date::from_days_since_epoch(days + 1));
    }
    m
}

/// Candidate values of one column.
fn candidates(p: &Program, elem: &Elem, m: &Mentions) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    match elem {
        Elem::Date => {
            out.extend(m.dates.iter().map(|d| Value::Date(*d)));
            for text in ["2000-01-01", "2024-06-30", "2099-12-31"] {
                if let Ok(d) = Date::parse(text) {
                    out.push(Value::Date(d));
                }
            }
        }
        Elem::Number | Elem::Tier => {
            for v in &m.values {
                if let Value::Number(n) = v {
                    out.extend([n - 1.0, n - 0.5, *n, n + 0.5, n + 1.0].map(Value::Number));
                }
            }
            out.extend([0.0, -3.0, 1e12].map(Value::Number));
        }
        Elem::Bool => out.extend([Value::Bool(false), Value::Bool(true)]),
        Elem::Eccn => {
            for v in &m.values {
                if let Value::Eccn(e) = v {
                    out.push(Value::Eccn(e.clone()));
                    if e != "EAR99" {
                        for sub in [".a", ".b.2", ".z", ".c"] {
                            out.push(Value::Eccn(format!("{e}{sub}")));
                        }
                    }
                }
            }
            out.extend(["EAR99", "9E999", "0A001.a"].map(|e| Value::Eccn(e.into())));
        }
        Elem::Str => {
            for v in &m.values {
                if let Value::Text(t) = v {
                    out.push(Value::Text(t.clone()));
                }
            }
            out.push(Value::Text("someone else".into()));
        }
        Elem::Country | Elem::Enum(_) => {
            let domain: BTreeSet<&str> = p.variants(elem).iter().map(|v| v.name.as_str()).collect();
            for v in &m.values {
                if let Value::Text(t) = v
                    && domain.contains(t.as_str())
                {
                    out.push(Value::Text(t.clone()));
                }
            }
            out.extend(
                p.variants(elem)
                    .iter()
                    .step_by(7)
                    .map(|v| Value::Text(v.name.clone())),
            );
        }
    }
    out
}

fn policies() -> Vec<PathBuf> {
    let mut out = shipped_policies();
    out.push(repo().join("tests/fixtures/tables/two_modules"));
    out.push(repo().join("tests/fixtures/tables/stdlib_dates"));
    out
}

#[test]
fn the_table_decides_like_the_program() {
    const TOTAL: usize = 110_000;
    let policies = policies();
    assert!(policies.len() >= 10, "{policies:?}");
    let per_policy = TOTAL.div_ceil(policies.len());
    let mut compared = 0;
    let mut by_rule = 0;
    for dir in &policies {
        let compiled = compile(std::slice::from_ref(dir));
        let program = &compiled.program;
        let ev = Evaluator::new(compiled.lowered.table.clone(), compiled.digest.clone())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let m = mentions(program);
        let columns: Vec<Vec<Value>> = program
            .columns
            .iter()
            .map(|c| candidates(program, &c.elem, &m))
            .collect();
        for (c, values) in program.columns.iter().zip(&columns) {
            assert!(
                !values.is_empty(),
                "{}: no candidates for `{}`",
                dir.display(),
                c.name
            );
        }
        let mut rng = Rng::new(compared as u64 + 17);
        for _ in 0..per_policy {
            let values: Vec<Value> = columns
                .iter()
                .map(|vs| vs[rng.below(vs.len())].clone())
                .collect();
            let json: serde_json::Map<String, serde_json::Value> = program
                .columns
                .iter()
                .zip(&values)
                .map(|(c, v)| (c.name.clone(), v.to_json()))
                .collect();
            let tx = ev
                .transaction(&serde_json::Value::Object(json.clone()))
                .unwrap_or_else(|e| panic!("{}: {e:?} for {json:?}", dir.display()));
            let expected = interpret::decide(program, &values);
            let actual = ev.decide(&tx).decisions;
            assert!(
                expected == actual,
                "{}: the table and the program disagree on {}\nprogram: {expected:#?}\ntable:   {actual:#?}",
                dir.display(),
                serde_json::Value::Object(json)
            );
            by_rule += actual.iter().filter(|d| !d.rules.is_empty()).count();
            compared += 1;
        }
    }
    assert!(compared >= 100_000, "only {compared} transactions");
    // Not vacuous: a good share of decisions come from rules.
    assert!(
        by_rule * 10 >= compared,
        "only {by_rule} rule decisions of {compared}"
    );
}
