//! `edict diff` of two fuzzed versions (the input split at its first NUL):
//! when both compile, each region's witness gets the region's before and
//! after decisions from the two tables. And `edict compare` of the old
//! version's first two jurisdictions: each region's witness gets the
//! region's decisions from each.
#![no_main]
use edict_compiler::compare::compare;
use edict_compiler::diff::{Version, diff};
use edict_compiler::eval::Evaluator;
use edict_compiler::table::compile;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fn version(text: &str) -> Option<(Version, Evaluator)> {
    let compiled = common::with_policy(text, |p| compile(&p.db, p.ws).ok())?;
    let ev = Evaluator::from_bytes(compiled.json.as_bytes()).ok()?;
    Some((Version::from_compiled("v", &compiled), ev))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (old, new) = text.split_once('\0').unwrap_or((&text, &text));
    let (Some((a, ea)), Some((b, eb))) = (version(old), version(new)) else {
        return;
    };
    if let [ja, jb, ..] = a.table.jurisdictions.as_slice()
        && let Ok(c) = compare(&a, ja, &a, jb)
    {
        for r in &c.regions {
            let tx = serde_json::to_value(&r.witness).unwrap_or_default();
            let Ok(t) = ea.transaction(&tx) else {
                continue;
            };
            let decisions = ea.decide(&t).decisions;
            let of = |j: &str| decisions.iter().find(|d| *d.jurisdiction == *j);
            assert_eq!(of(ja), Some(&r.a), "{}", r.description);
            assert_eq!(of(jb), Some(&r.b), "{}", r.description);
        }
    }
    let Ok(report) = diff(&a, &b) else {
        return;
    };
    for region in &report.impact {
        let tx = serde_json::to_value(&region.witness).unwrap_or_default();
        let (Ok(ta), Ok(tb)) = (ea.transaction(&tx), eb.transaction(&tx)) else {
            continue;
        };
        let of = |ev: &Evaluator, tx| {
            ev.decide(tx)
                .decisions
                .into_iter()
                .find(|d| *d.jurisdiction == *region.jurisdiction)
        };
        // A jurisdiction only one version has is decided there alone.
        if let Some(before) = of(&ea, &ta) {
            assert_eq!(before, region.before, "{}", region.description);
        }
        if let Some(after) = of(&eb, &tb) {
            assert_eq!(after, region.after, "{}", region.description);
        }
    }
});
