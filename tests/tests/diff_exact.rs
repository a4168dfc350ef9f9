//! `edict diff` is exact: on every transaction of a small grid, the
//! decisions of the two versions differ exactly where a reported region
//! holds, and there the region's before and after are the decisions the
//! evaluator gives. Regions are disjoint; each witness lies in its region
//! and gets the region's decisions.
//!
//! The grid of each column is built from the constants of both tables'
//! cells (every bound with values on both sides and between, every domain
//! value named plus one that is not, every ECCN prefix with a child and
//! an unrelated ECCN), so it meets every class the tables tell apart. It
//! runs over random version pairs of a generated policy with small
//! domains (the whole grid) and over the shipped version pairs.
//!
//! Siblings check the same way that assertion verdicts (`assert`) and
//! comparisons of two jurisdictions (`edict compare`) are exact.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use edict_compiler::compare::{Comparison, Difference, compare};
use edict_compiler::date::Date;
use edict_compiler::db::Settings;
use edict_compiler::diff::{Region, Report, Version, diff};
use edict_compiler::eval::{Decision, Evaluator};
use edict_compiler::hir::{
    Assurance, Elem, Outcome, OutcomeKind, OutcomeTest, Value as HirValue, interpret,
};
use edict_compiler::project::{MemoryFs, load};
use edict_compiler::prove;
use edict_compiler::table::generate::Rng;
use edict_compiler::table::{self, Cell, ColumnType, Literal, Table};
use edict_tests::{compile, repo};
use serde_json::{Value, json};

/// Whether a JSON value satisfies a cell (written from the consumer spec,
/// independently of the diff).
fn holds(cell: &Cell, v: &Value, ty: ColumnType) -> bool {
    let under = |x: &str, p: &str| x == p || x.starts_with(&format!("{p}."));
    let lit = |l: &Literal| match l {
        Literal::Bool(b) => json!(b),
        Literal::Number(n) => serde_json::to_value(n).unwrap_or_default(),
        Literal::Text(t) => json!(t),
    };
    let num = |l: &Literal| match l {
        Literal::Number(n) => n.0,
        Literal::Text(t) => Date::parse(t).map_or(f64::NAN, |d| d.days_since_epoch() as f64),
        Literal::Bool(_) => f64::NAN,
    };
    let x = match (ty, v) {
        (ColumnType::Date, Value::String(s)) => {
            Date::parse(s).map_or(f64::NAN, |d| d.days_since_epoch() as f64)
        }
        (_, Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        _ => f64::NAN,
    };
    match cell {
        Cell::In { values } => values.iter().any(|l| lit(l) == *v),
        Cell::NotIn { values } => !values.iter().any(|l| lit(l) == *v),
        Cell::EccnIn { prefixes, except } => {
            let e = v.as_str().unwrap_or("");
            prefixes.iter().any(|p| under(e, p)) && !except.iter().any(|p| under(e, p))
        }
        Cell::EccnNotIn { prefixes } => {
            let e = v.as_str().unwrap_or("");
            !prefixes.iter().any(|p| under(e, p))
        }
        Cell::Range {
            min,
            min_inclusive,
            max,
            max_inclusive,
        } => {
            let lo = min.as_ref().is_none_or(|m| {
                if *min_inclusive == Some(false) {
                    x > num(m)
                } else {
                    x >= num(m)
                }
            });
            let hi = max.as_ref().is_none_or(|m| {
                if *max_inclusive == Some(true) {
                    x <= num(m)
                } else {
                    x < num(m)
                }
            });
            lo && hi
        }
    }
}

fn in_region(
    r: &Region,
    tx: &BTreeMap<String, Value>,
    types: &BTreeMap<String, ColumnType>,
) -> bool {
    in_cells(&r.cells, tx, types)
}

fn in_cells(
    cells: &BTreeMap<String, Cell>,
    tx: &BTreeMap<String, Value>,
    types: &BTreeMap<String, ColumnType>,
) -> bool {
    cells.iter().all(|(col, cell)| {
        let v = tx.get(col).cloned().unwrap_or(Value::Null);
        holds(cell, &v, types[col])
    })
}

/// Grid values of each column of either table.
fn grid(tables: [&Table; 2]) -> BTreeMap<String, (ColumnType, Vec<Value>)> {
    grid_with(tables, &[])
}

/// Grid values of each column of either table and of `extra` rows of
/// cells (an assertion's scope).
fn grid_with(
    tables: [&Table; 2],
    extra: &[BTreeMap<String, Cell>],
) -> BTreeMap<String, (ColumnType, Vec<Value>)> {
    let mut cols: BTreeMap<String, (ColumnType, BTreeSet<String>)> = BTreeMap::new();
    for t in tables {
        for c in &t.columns {
            let e = cols
                .entry(c.name.clone())
                .or_insert((c.ty, BTreeSet::new()));
            let named: BTreeSet<String> = t
                .decision_table
                .iter()
                .map(|r| &r.cells)
                .chain(extra)
                .flat_map(|cells| cells.get(&c.name))
                .flat_map(|cell| match cell {
                    Cell::In { values } | Cell::NotIn { values } => values.clone(),
                    _ => Vec::new(),
                })
                .filter_map(|l| match l {
                    Literal::Text(s) => Some(s),
                    _ => None,
                })
                .collect();
            // Named values, and the first value of the domain named by no cell.
            e.1.extend(named.iter().map(|s| json!(s).to_string()));
            if let Some(other) = c.domain.iter().find(|d| !named.contains(*d)) {
                e.1.insert(json!(other).to_string());
            }
        }
    }
    for t in tables {
        let rows = t.decision_table.iter().map(|r| &r.cells);
        for cells in rows
            .chain(t.tier_table.iter().map(|r| &r.cells))
            .chain(extra)
        {
            for (name, cell) in cells {
                let Some((ty, values)) = cols.get_mut(name) else {
                    continue;
                };
                match cell {
                    Cell::EccnIn { prefixes, except } => {
                        for p in prefixes.iter().chain(except) {
                            values.insert(json!(p).to_string());
                            values.insert(json!(format!("{p}.y")).to_string());
                        }
                    }
                    Cell::EccnNotIn { prefixes } => {
                        for p in prefixes {
                            values.insert(json!(p).to_string());
                            values.insert(json!(format!("{p}.y")).to_string());
                        }
                    }
                    Cell::Range { min, max, .. } => {
                        for b in [min, max].into_iter().flatten() {
                            for v in around(b, *ty) {
                                values.insert(v.to_string());
                            }
                        }
                    }
                    Cell::In { values: vs } | Cell::NotIn { values: vs } => {
                        for l in vs {
                            if let Literal::Bool(b) = l {
                                values.insert(json!(b).to_string());
                                values.insert(json!(!b).to_string());
                            }
                        }
                    }
                }
            }
        }
    }
    cols.into_iter()
        .map(|(name, (ty, values))| {
            let mut vs: Vec<Value> = values
                .iter()
                .filter_map(|v| serde_json::from_str(v).ok())
                .collect();
            match ty {
                ColumnType::Eccn => vs.push(json!("0A999")),
                ColumnType::Bool if vs.is_empty() => vs = vec![json!(false), json!(true)],
                ColumnType::Number if vs.is_empty() => vs.push(json!(0)),
                ColumnType::Date if vs.is_empty() => vs.push(json!("2025-01-01")),
                ColumnType::String => vs.push(json!("unnamed")),
                _ => {}
            }
            (name, (ty, vs))
        })
        .collect()
}

/// A bound with values on both sides and a little beyond.
fn around(b: &Literal, ty: ColumnType) -> Vec<Value> {
    match (b, ty) {
        (Literal::Text(t), ColumnType::Date) => {
            let Ok(d) = Date::parse(t) else {
                return Vec::new();
            };
            let n = d.days_since_epoch();
            [-40, -1, 0, 1, 40]
                .iter()
                .map(|k| json!(Date::from_days_since_epoch(n + k).to_string()))
                .collect()
        }
        (Literal::Number(x), _) => [-1.0, -0.5, 0.0, 0.5, 1.0]
            .iter()
            .map(|k| json!(x.0 + k))
            .collect(),
        _ => Vec::new(),
    }
}

/// The grid's transactions: every one when there are at most `limit`,
/// else `limit` drawn at random (with `seed`).
fn points(
    g: &BTreeMap<String, (ColumnType, Vec<Value>)>,
    limit: usize,
    seed: u64,
) -> impl Iterator<Item = BTreeMap<String, Value>> + '_ {
    let sizes: Vec<usize> = g.values().map(|(_, v)| v.len()).collect();
    let total: usize = sizes.iter().product();
    let mut rng = Rng::new(seed);
    (0..total.min(limit)).map(move |n| {
        let mut index = if total <= limit {
            n
        } else {
            rng.below(usize::MAX / 2) % total
        };
        let mut tx = BTreeMap::new();
        for ((name, (_, vs)), size) in g.iter().zip(&sizes) {
            tx.insert(name.clone(), vs[index % size].clone());
            index /= size;
        }
        tx
    })
}

/// Decides a transaction, dropping the fields the table does not have;
/// `None` when the table rejects it (a value it does not know).
fn decide(ev: &Evaluator, tx: &BTreeMap<String, Value>) -> Option<Vec<Decision>> {
    let own: serde_json::Map<String, Value> = tx
        .iter()
        .filter(|(k, _)| ev.table().columns.iter().any(|c| c.name == **k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let t = ev.transaction(&Value::Object(own)).ok()?;
    Some(ev.decide(&t).decisions)
}

fn substance(d: &Decision) -> String {
    let mut d = d.clone();
    d.rules.clear();
    d.citations.clear();
    serde_json::to_string(&d).unwrap_or_default()
}

/// The assessed tier, from the tier table read by the consumer spec.
fn assessed(t: &Table, tx: &BTreeMap<String, Value>) -> Option<std::sync::Arc<str>> {
    let ty = |c: &str| t.columns.iter().find(|x| x.name == c).map(|x| x.ty);
    t.tier_table
        .iter()
        .find(|r| {
            r.cells.iter().all(|(c, cell)| {
                holds(
                    cell,
                    tx.get(c).unwrap_or(&Value::Null),
                    ty(c).unwrap_or(ColumnType::String),
                )
            })
        })
        .map(|r| r.tier.as_str().into())
}

/// The decision of `j`: the evaluator's, or for a jurisdiction the table
/// does not have, "no rule applies" (how the diff reads an absent one).
fn decision_of(ds: &[Decision], j: &str, t: &Table, tx: &BTreeMap<String, Value>) -> Decision {
    ds.iter()
        .find(|d| &*d.jurisdiction == j)
        .cloned()
        .unwrap_or_else(|| Decision::no_rule(j.into(), assessed(t, tx)))
}

/// Checks a report against the evaluators on the grid (sampled down to
/// `limit` points when larger); returns the points checked.
fn check_exact(old: &Version, new: &Version, report: &Report, limit: usize) -> usize {
    let ev_old =
        Evaluator::new(old.table.clone(), old.digest.clone()).unwrap_or_else(|e| panic!("{e:?}"));
    let ev_new =
        Evaluator::new(new.table.clone(), new.digest.clone()).unwrap_or_else(|e| panic!("{e:?}"));
    let g = grid([&old.table, &new.table]);
    let types: BTreeMap<String, ColumnType> = g.iter().map(|(k, (t, _))| (k.clone(), *t)).collect();
    let mut jurisdictions: Vec<&String> = old
        .table
        .jurisdictions
        .iter()
        .chain(&new.table.jurisdictions)
        .collect();
    jurisdictions.sort();
    jurisdictions.dedup();
    // Witnesses first: each lies in its region and gets its decisions.
    for r in &report.impact {
        assert!(
            in_region(r, &r.witness, &types),
            "witness outside its region: {r:?}"
        );
        let w = &r.witness;
        if let (Some(a), Some(b)) = (decide(&ev_old, w), decide(&ev_new, w)) {
            assert_eq!(
                decision_of(&a, &r.jurisdiction, &old.table, w),
                r.before,
                "witness before"
            );
            assert_eq!(
                decision_of(&b, &r.jurisdiction, &new.table, w),
                r.after,
                "witness after"
            );
        }
    }
    let mut checked = 0;
    for tx in points(&g, limit, 7) {
        let (Some(a), Some(b)) = (decide(&ev_old, &tx), decide(&ev_new, &tx)) else {
            continue;
        };
        checked += 1;
        for j in &jurisdictions {
            let da = decision_of(&a, j, &old.table, &tx);
            let db = decision_of(&b, j, &new.table, &tx);
            let hits: Vec<&Region> = report
                .impact
                .iter()
                .filter(|r| r.jurisdiction == **j && in_region(r, &tx, &types))
                .collect();
            assert!(hits.len() <= 1, "regions overlap at {tx:?}: {hits:#?}");
            match (substance(&da) != substance(&db), hits.first()) {
                (true, Some(r)) => {
                    assert_eq!(da, r.before, "before at {tx:?}");
                    assert_eq!(db, r.after, "after at {tx:?}");
                }
                (true, None) => {
                    panic!("{j}: decisions differ at {tx:?} but no region says so:\n{da:?}\n{db:?}")
                }
                (false, Some(r)) => panic!(
                    "{j}: region {} holds at {tx:?}, where decisions agree",
                    r.description
                ),
                (false, None) => {}
            }
        }
    }
    checked
}

fn version_of(label: &str, text: &str) -> Version {
    let mut fs = MemoryFs::default();
    fs.files
        .insert(PathBuf::from("p.edict"), text.as_bytes().to_vec());
    let project = load(&fs, &[PathBuf::from("p.edict")], Settings::default())
        .unwrap_or_else(|e| panic!("{e}"));
    match table::compile(&project.db, project.ws) {
        Ok(c) => Version::from_compiled(label, &c),
        Err(e) => panic!("generated policy does not compile: {e:?}\n{text}"),
    }
}

/// A generated rule.
#[derive(Clone)]
struct GenRule {
    name: String,
    overrides: Option<usize>,
    when: Vec<String>,
    unless: Option<String>,
    effective: Option<&'static str>,
    sunset: Option<&'static str>,
    outcome: &'static str,
    tier: Option<&'static str>,
    reasons: Option<&'static str>,
    review: Option<&'static str>,
}

const ATOMS: &[&str] = &[
    "category in {a, c}",
    "category not in {b}",
    "category == d",
    "place == p",
    "place != q",
    "item in {3A090}",
    "item in Chips",
    "item in {3A090.a}",
    "item not in {4A090}",
    "size < 20",
    "size >= 10",
    "size <= 30",
    "size > 20",
    "flag",
    "not flag",
    "tier >= mid",
    "tier == high",
];
const OUTCOMES: &[&str] = &[
    "allow",
    "allow under LPP",
    "allow under ENC",
    "require license",
    "deny",
];

fn gen_rule(rng: &mut Rng, name: String, earlier: usize) -> GenRule {
    let pick = |rng: &mut Rng, xs: &[&'static str]| xs[rng.below(xs.len())];
    let n = 1 + rng.below(3);
    GenRule {
        name,
        overrides: (earlier > 0 && rng.below(3) == 0).then(|| rng.below(earlier)),
        when: (0..n).map(|_| pick(rng, ATOMS).to_string()).collect(),
        unless: (rng.below(4) == 0).then(|| pick(rng, ATOMS).to_string()),
        effective: [None, Some("2025-06-01")][rng.below(2)],
        sunset: [None, None, Some("2026-01-01")][rng.below(3)],
        outcome: pick(rng, OUTCOMES),
        tier: [None, None, Some("high"), Some("low")][rng.below(4)],
        reasons: [None, Some("NS"), Some("RS"), Some("NS, RS")][rng.below(4)],
        review: [None, Some("case_by_case"), Some("presumption_of_denial")][rng.below(3)],
    }
}

fn render_policy(rules: &[Vec<GenRule>; 2], high_at: u32) -> String {
    let mut t = String::from(
        "policy gen.p\nuse std.ear.reasons.{NS, RS}\n\
         input {\n  category: Category\n  place: Place\n  item: Eccn\n  size: Number\n  flag: Bool\n}\n\
         enum Category { a, b, c, d }\nenum Place { p, q, r }\ntiers { low, mid, high }\n",
    );
    t.push_str(&format!(
        "assess tier {{\n  high when size >= {high_at}\n  mid when category in {{a, b}}\n  low otherwise\n}}\n"
    ));
    t.push_str("group Chips: Eccn = {3A090, 4A090}\nauthorization LPP \"Low processing\" cite \"740.29\"\nauthorization ENC \"Encryption\" cite \"740.17\"\n");
    for (j, name) in ["EU", "US"].iter().enumerate() {
        t.push_str(&format!("jurisdiction {name} {{\n  effective 2025-01-01\n"));
        for r in &rules[j] {
            let over = r
                .overrides
                .map(|o| format!(" overrides {}", rules[j][o].name))
                .unwrap_or_default();
            t.push_str(&format!(
                "  rule {}{over} {{\n    when {}\n",
                r.name,
                r.when.join(" and ")
            ));
            if let Some(u) = &r.unless {
                t.push_str(&format!("    unless {u}\n"));
            }
            for (k, v) in [
                ("effective", r.effective),
                ("sunset", r.sunset),
                ("tier", r.tier),
                ("reasons", r.reasons),
                ("review", r.review),
            ] {
                if let Some(v) = v {
                    t.push_str(&format!("    {k} {v}\n"));
                }
            }
            t.push_str(&format!("    then {}\n    cite \"c\"\n  }}\n", r.outcome));
        }
        t.push_str("}\n");
    }
    t
}

#[test]
fn regions_are_exact_on_random_version_pairs() {
    let mut rng = Rng::new(2026);
    let mut checked = 0;
    let mut changed_pairs = 0;
    for pair in 0..24 {
        let mut rules: [Vec<GenRule>; 2] = [Vec::new(), Vec::new()];
        for (j, list) in rules.iter_mut().enumerate() {
            for i in 0..(2 + rng.below(4)) {
                let r = gen_rule(&mut rng, format!("r{j}_{i}"), i);
                list.push(r);
            }
        }
        let old = render_policy(&rules, 30);
        let mut next = rules.clone();
        let mut high_at = 30;
        for _ in 0..(1 + rng.below(3)) {
            let j = rng.below(2);
            let list = &mut next[j];
            let i = rng.below(list.len());
            match rng.below(7) {
                0 => list[i].when = gen_rule(&mut rng, String::new(), 0).when,
                1 => list[i].outcome = OUTCOMES[rng.below(OUTCOMES.len())],
                2 => {
                    let n = list.len();
                    list.push(gen_rule(&mut rng, format!("new{pair}_{n}"), n));
                }
                3 => list[i].sunset = Some("2025-09-01"),
                4 => list[i].tier = [None, Some("mid")][rng.below(2)],
                5 => high_at = 20,
                _ => {
                    // Remove a rule no other rule overrides.
                    let free = (0..list.len())
                        .rev()
                        .find(|&k| !list.iter().any(|r| r.overrides == Some(k)));
                    if let Some(k) = free.filter(|_| list.len() > 1) {
                        list.remove(k);
                        for r in list.iter_mut() {
                            r.overrides = r.overrides.map(|o| if o > k { o - 1 } else { o });
                        }
                    }
                }
            }
        }
        let new = render_policy(&next, high_at);
        let (a, b) = (version_of("old", &old), version_of("new", &new));
        let report = diff(&a, &b).unwrap_or_else(|e| panic!("{e:?}"));
        if !report.impact.is_empty() {
            changed_pairs += 1;
        }
        checked += check_exact(&a, &b, &report, 200_000);
        // The same versions compared with themselves are equivalent.
        assert!(diff(&a, &a).is_ok_and(|r| r.equivalent && r.changes.is_empty()));
    }
    assert!(
        changed_pairs >= 16,
        "too few pairs change decisions: {changed_pairs}"
    );
    assert!(checked > 100_000, "too few transactions checked: {checked}");
}

#[test]
fn regions_are_exact_on_the_shipped_version_pairs() {
    let pairs = [
        (
            "examples/version_pair/proposed",
            "examples/version_pair/final",
        ),
        ("examples/ai_diffusion", "examples/ai_diffusion_enforcement"),
        ("examples/advanced_computing", "examples/version_pair/final"),
    ];
    for (a, b) in pairs {
        let va = Version::from_compiled(a, &compile(&[repo().join(a)]));
        let vb = Version::from_compiled(b, &compile(&[repo().join(b)]));
        let report = diff(&va, &vb).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(!report.impact.is_empty(), "{a} → {b}");
        let checked = check_exact(&va, &vb, &report, 60_000);
        assert!(checked > 10_000, "{a} → {b}: {checked} checked");
        // And the other way round: every region flips direction-wise.
        let back = diff(&vb, &va).unwrap_or_else(|e| panic!("{e:?}"));
        check_exact(&vb, &va, &back, 20_000);
    }
}

// ------------------------------------------------------------- assertions
//
// The sibling of the diff's exactness test: on every transaction of the
// grid (built from the table's cells and the assertion's scope), an
// assertion is refused exactly where a reported counter-example region
// holds, and there the region's decision is the evaluator's. The scope is
// decided by the program's interpreter (no table, no lowering) and the
// expectations by `meets` below, written from the language reference.

const EXPECTATIONS: &[&str] = &[
    "not allow",
    "at least require license",
    "allow or deny",
    "not deny authorizations none",
    "at least allow review at least case_by_case",
    "at least allow tier at least mid",
    "allow under LPP",
    "not allow under ENC",
    "require license or deny",
    "allow authorizations none",
    "at least deny",
];

fn render_assertions(rng: &mut Rng, n: usize) -> String {
    let pick = |rng: &mut Rng, xs: &[&'static str]| xs[rng.below(xs.len())];
    let mut t = String::new();
    for i in 0..n {
        t.push_str(&format!("assert \"a{i}\" {{\n"));
        if rng.below(3) == 0 {
            t.push_str("  from 2025-06-01\n");
        }
        if rng.below(3) == 0 {
            t.push_str("  until 2026-01-01\n");
        }
        match rng.below(4) {
            0 => {}
            1 => t.push_str(&format!("  when {}\n", pick(rng, ATOMS))),
            2 => t.push_str(&format!(
                "  when {} and {}\n",
                pick(rng, ATOMS),
                pick(rng, ATOMS)
            )),
            _ => t.push_str(&format!(
                "  when {} or not ({})\n",
                pick(rng, ATOMS),
                pick(rng, ATOMS)
            )),
        }
        t.push_str(&format!("  expect US: {}\n", pick(rng, EXPECTATIONS)));
        if rng.below(2) == 0 {
            t.push_str(&format!("  expect EU: {}\n", pick(rng, EXPECTATIONS)));
        }
        t.push_str("}\n");
    }
    t
}

/// The program and table of a policy, without deciding its assertions.
fn resolved(text: &str) -> (edict_compiler::hir::Program, Table) {
    let mut fs = MemoryFs::default();
    fs.files
        .insert(PathBuf::from("p.edict"), text.as_bytes().to_vec());
    let project = load(&fs, &[PathBuf::from("p.edict")], Settings::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = table::resolve(&project.db, project.ws)
        .unwrap_or_else(|e| panic!("does not check: {e:?}\n{text}"));
    let lowered = table::lower::table(&r.program).unwrap_or_else(|e| panic!("{e:?}"));
    (r.program, lowered.table)
}

/// Whether a decision meets an assertion's expectation, by the language
/// reference: `allow` is any allow; `allow under A` an allow naming A;
/// `at least` by severity (allow, allow under, require license, deny); `review at least` and `tier at least` need a
/// review and a tier at least that high; `authorizations none` none.
fn meets(e: &Assurance, d: &Decision, tiers: &[String]) -> bool {
    let severity = |k: OutcomeKind| match k {
        OutcomeKind::Allow => 0,
        OutcomeKind::AllowUnder => 1,
        OutcomeKind::RequireLicense => 2,
        OutcomeKind::Deny => 3,
    };
    let is = |o: &Outcome| match o {
        Outcome::Allow => severity(d.outcome) <= 1,
        Outcome::AllowUnder(a) => {
            d.outcome == OutcomeKind::AllowUnder && a.iter().all(|x| d.authorizations.contains(x))
        }
        Outcome::RequireLicense => d.outcome == OutcomeKind::RequireLicense,
        Outcome::Deny => d.outcome == OutcomeKind::Deny,
    };
    let outcome = match &e.outcome {
        OutcomeTest::AnyOf(os) => os.iter().any(is),
        OutcomeTest::Not(o) => !is(o),
        OutcomeTest::AtLeast(k) => severity(d.outcome) >= severity(*k),
    };
    let tier = e.tier_at_least.is_none_or(|t| {
        d.tier
            .as_deref()
            .and_then(|n| tiers.iter().position(|x| x == n))
            .is_some_and(|r| r >= t)
    });
    let review = e
        .review_at_least
        .is_none_or(|r| d.review.is_some_and(|x| x >= r));
    outcome && tier && review && (!e.no_authorizations || d.authorizations.is_empty())
}

/// The program's values of a grid transaction, in column order.
fn values(program: &edict_compiler::hir::Program, tx: &BTreeMap<String, Value>) -> Vec<HirValue> {
    program
        .columns
        .iter()
        .map(|c| {
            let v = tx.get(&c.name).cloned().unwrap_or(Value::Null);
            match (&c.elem, &v) {
                (Elem::Date, Value::String(s)) => {
                    Date::parse(s).map_or(HirValue::Bool(false), HirValue::Date)
                }
                (Elem::Eccn, Value::String(s)) => HirValue::Eccn(s.clone()),
                (_, Value::String(s)) => HirValue::Text(s.clone()),
                (_, Value::Bool(b)) => HirValue::Bool(*b),
                (_, Value::Number(n)) => HirValue::Number(n.as_f64().unwrap_or(f64::NAN)),
                _ => HirValue::Bool(false),
            }
        })
        .collect()
}

/// Checks the verdicts of a program's assertions against the grid;
/// returns (transactions in some scope, counter-examples confirmed).
fn check_verdicts(program: &edict_compiler::hir::Program, table: &Table) -> (usize, usize) {
    let verdicts = prove::check(program, table);
    let ev =
        Evaluator::new(table.clone(), "sha256:grid".into()).unwrap_or_else(|e| panic!("{e:?}"));
    let (mut in_scope, mut refused) = (0, 0);
    for v in &verdicts {
        let a = v.assertion;
        assert!(v.unchecked.is_none(), "{}: {:?}", a.name, v.unchecked);
        let scope = table::lower::scope(program, a).unwrap_or_else(|e| panic!("{e}"));
        let g = grid_with([table, table], &scope);
        let types: BTreeMap<String, ColumnType> =
            g.iter().map(|(k, (t, _))| (k.clone(), *t)).collect();
        let in_period = |tx: &BTreeMap<String, Value>| {
            let date = tx
                .get("date")
                .and_then(Value::as_str)
                .and_then(|s| Date::parse(s).ok());
            date.is_some_and(|d| a.from.is_none_or(|f| f <= d) && a.until.is_none_or(|u| d < u))
        };
        // Witnesses lie in their region and in scope, and are refused.
        for f in &v.failures {
            let w = &f.witness;
            assert!(
                in_cells(&f.cells, w, &types),
                "{}: witness outside: {f:?}",
                a.name
            );
            assert!(in_period(w) && interpret::holds(program, &values(program, w), &a.when));
            let ds = decide(&ev, w).unwrap_or_else(|| panic!("witness rejected: {w:?}"));
            let d = decision_of(&ds, &f.jurisdiction, table, w);
            assert_eq!(d, f.decision, "{}: witness decision", a.name);
        }
        let mut jurisdictions: Vec<&str> =
            a.expects.iter().map(|e| e.jurisdiction.as_str()).collect();
        jurisdictions.sort_unstable();
        jurisdictions.dedup();
        for tx in points(&g, 150_000, 3) {
            let Some(ds) = decide(&ev, &tx) else {
                continue;
            };
            let scoped =
                in_period(&tx) && interpret::holds(program, &values(program, &tx), &a.when);
            in_scope += usize::from(scoped);
            for j in &jurisdictions {
                let d = decision_of(&ds, j, table, &tx);
                let bad = scoped
                    && a.expects
                        .iter()
                        .filter(|e| e.jurisdiction == *j)
                        .any(|e| !meets(e, &d, &table.tiers));
                let hits: Vec<_> = v
                    .failures
                    .iter()
                    .filter(|f| f.jurisdiction == *j && in_cells(&f.cells, &tx, &types))
                    .collect();
                assert!(hits.len() <= 1, "{}: regions overlap at {tx:?}", a.name);
                match (bad, hits.first()) {
                    (true, Some(f)) => {
                        assert_eq!(f.decision, d, "{}: decision at {tx:?}", a.name);
                        refused += 1;
                    }
                    (true, None) => panic!(
                        "{}: {j} refuses at {tx:?} ({d:?}) but no region says so",
                        a.name
                    ),
                    (false, Some(f)) => panic!(
                        "{}: region {} holds at {tx:?}, where {j} meets the assertion",
                        a.name, f.description
                    ),
                    (false, None) => {}
                }
            }
        }
    }
    (in_scope, refused)
}

#[test]
fn assertion_verdicts_are_exact_on_random_policies() {
    let mut rng = Rng::new(1917);
    let (mut scoped, mut refused, mut held) = (0, 0, 0);
    for _ in 0..16 {
        let mut rules: [Vec<GenRule>; 2] = [Vec::new(), Vec::new()];
        for (j, list) in rules.iter_mut().enumerate() {
            for i in 0..(2 + rng.below(4)) {
                list.push(gen_rule(&mut rng, format!("r{j}_{i}"), i));
            }
        }
        let mut text = render_policy(&rules, 30);
        text.push_str(&render_assertions(&mut rng, 4));
        let (program, table) = resolved(&text);
        held += prove::check(&program, &table)
            .iter()
            .filter(|v| v.holds())
            .count();
        let (s, r) = check_verdicts(&program, &table);
        scoped += s;
        refused += r;
    }
    // Not vacuous: many transactions in scope, many refused, and some
    // assertions that hold.
    assert!(scoped > 50_000, "only {scoped} transactions in scope");
    assert!(refused > 5_000, "only {refused} refusals");
    assert!(held >= 4, "only {held} assertions hold");
}

// ------------------------------------------------------------- compare
//
// `edict compare` is exact: two jurisdictions decide a grid transaction
// differently exactly where a reported region holds, and there the
// region's decisions are the evaluator's.

/// Whether two decisions of different jurisdictions say the same about a
/// transaction (which rules and citations say it aside).
fn alike(a: &Decision, b: &Decision) -> bool {
    let strip = |d: &Decision| {
        let mut d = d.clone();
        d.rules.clear();
        d.citations.clear();
        d.jurisdiction = "".into();
        serde_json::to_string(&d).unwrap_or_default()
    };
    strip(a) == strip(b)
}

/// Checks a comparison on the grid (sampled down to `limit` points);
/// returns (points checked, points that differ).
fn check_compare_exact(
    va: &Version,
    ja: &str,
    vb: &Version,
    jb: &str,
    c: &Comparison,
    limit: usize,
) -> (usize, usize) {
    let ev_a =
        Evaluator::new(va.table.clone(), va.digest.clone()).unwrap_or_else(|e| panic!("{e:?}"));
    let ev_b =
        Evaluator::new(vb.table.clone(), vb.digest.clone()).unwrap_or_else(|e| panic!("{e:?}"));
    let g = grid([&va.table, &vb.table]);
    let types: BTreeMap<String, ColumnType> = g.iter().map(|(k, (t, _))| (k.clone(), *t)).collect();
    for r in &c.regions {
        assert!(
            in_cells(&r.cells, &r.witness, &types),
            "witness outside: {r:?}"
        );
        if let (Some(a), Some(b)) = (decide(&ev_a, &r.witness), decide(&ev_b, &r.witness)) {
            assert_eq!(
                decision_of(&a, ja, &va.table, &r.witness),
                r.a,
                "witness {ja}"
            );
            assert_eq!(
                decision_of(&b, jb, &vb.table, &r.witness),
                r.b,
                "witness {jb}"
            );
        }
    }
    let (mut checked, mut differ) = (0, 0);
    for tx in points(&g, limit, 11) {
        let (Some(a), Some(b)) = (decide(&ev_a, &tx), decide(&ev_b, &tx)) else {
            continue;
        };
        checked += 1;
        let (da, db) = (
            decision_of(&a, ja, &va.table, &tx),
            decision_of(&b, jb, &vb.table, &tx),
        );
        let hits: Vec<&Difference> = c
            .regions
            .iter()
            .filter(|r| in_cells(&r.cells, &tx, &types))
            .collect();
        assert!(hits.len() <= 1, "regions overlap at {tx:?}");
        match (!alike(&da, &db), hits.first()) {
            (true, Some(r)) => {
                assert_eq!(da, r.a, "{ja} at {tx:?}");
                assert_eq!(db, r.b, "{jb} at {tx:?}");
                differ += 1;
            }
            (true, None) => {
                panic!("{ja} and {jb} differ at {tx:?} but no region says so:\n{da:?}\n{db:?}")
            }
            (false, Some(r)) => {
                panic!("region {} holds at {tx:?}, where they agree", r.description)
            }
            (false, None) => {}
        }
    }
    (checked, differ)
}

#[test]
fn comparisons_are_exact_between_the_jurisdictions_of_random_policies() {
    let mut rng = Rng::new(4242);
    let (mut checked, mut differ) = (0, 0);
    for _ in 0..16 {
        let mut rules: [Vec<GenRule>; 2] = [Vec::new(), Vec::new()];
        for (j, list) in rules.iter_mut().enumerate() {
            for i in 0..(2 + rng.below(4)) {
                list.push(gen_rule(&mut rng, format!("r{j}_{i}"), i));
            }
        }
        // Often the same rule in both, so that common rows are exercised.
        if rng.below(2) == 0 {
            let shared = rules[0][0].clone();
            rules[1].push(GenRule {
                name: "shared".into(),
                overrides: None,
                ..shared
            });
        }
        let v = version_of("p", &render_policy(&rules, 30));
        let c = compare(&v, "EU", &v, "US").unwrap_or_else(|e| panic!("{e:?}"));
        let (k, d) = check_compare_exact(&v, "EU", &v, "US", &c, 200_000);
        checked += k;
        differ += d;
        // A jurisdiction compared with itself is equivalent.
        assert!(compare(&v, "US", &v, "US").is_ok_and(|c| c.equivalent));
    }
    assert!(checked > 100_000, "only {checked} checked");
    assert!(differ > 10_000, "only {differ} differ");
}

#[test]
fn the_us_and_the_eu_on_a_shipment_from_germany_differ_exactly_where_reported() {
    let dir = "examples/reexport_from_germany";
    let v = Version::from_compiled(dir, &compile(&[repo().join(dir)]));
    let c = compare(&v, "US", &v, "EU").unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        c.summary.stricter_in_a > 0 && c.summary.stricter_in_b > 0,
        "{:?}",
        c.summary
    );
    let (checked, differ) = check_compare_exact(&v, "US", &v, "EU", &c, 200_000);
    assert!(
        checked > 20_000 && differ > 1_000,
        "{checked} checked, {differ} differ"
    );
    // Two policies: the enforcement example's readings against each other.
    let e = "examples/ai_diffusion_enforcement";
    let ve = Version::from_compiled(e, &compile(&[repo().join(e)]));
    let c = compare(&ve, "AsWritten", &ve, "AsEnforced").unwrap_or_else(|e| panic!("{e:?}"));
    check_compare_exact(&ve, "AsWritten", &ve, "AsEnforced", &c, 60_000);
}

#[test]
fn assertion_verdicts_are_exact_on_a_policy_wide_enough_to_be_halved() {
    // advanced_computing compiles to about a thousand rows over two country
    // columns: a scope over every transaction is explored by halving boxes
    // (past 256 common rows), which the random policies never reach.
    let mut text = edict_tests::read(&repo().join("examples/advanced_computing/policy.edict"));
    text.push_str(
        "\nassert \"always at least a license\" {\n  from 2023-11-17\n  expect US: at least require license\n}\n\
         assert \"never denied outright\" {\n  expect US: not deny\n}\n",
    );
    let (program, table) = resolved(&text);
    assert!(
        table.decision_table.len() > 500,
        "{}",
        table.decision_table.len()
    );
    let verdicts = prove::check(&program, &table);
    let failing = verdicts
        .iter()
        .find(|v| v.assertion.name == "always at least a license");
    assert!(failing.is_some_and(|v| !v.failures.is_empty()));
    let holding = verdicts
        .iter()
        .find(|v| v.assertion.name == "never denied outright");
    assert!(holding.is_some_and(|v| v.holds()));
    let (scoped, refused) = check_verdicts(&program, &table);
    assert!(
        scoped > 100_000 && refused > 10_000,
        "{scoped} in scope, {refused} refused"
    );
}
