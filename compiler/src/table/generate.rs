//! Synthetic decision tables, for the evaluation benchmark and for tests
//! that compare the indexed evaluator with a full scan.
//!
//! The shape follows compiled policies: most rows test an ECCN prefix and
//! a set of destinations (`in` or `not_in`) within a date window; a share
//! chosen by the caller are country-wide controls on a few destinations,
//! some above a value. Real policies have few country-wide rows (the
//! embargoes); the benchmark also runs with ten times more, as a stress.

use std::collections::BTreeMap;

use super::{
    Cell, ColumnSpec, ColumnType, FORMAT, Literal, ModuleDigest, Num, Row, Sources, Table, TierRow,
    VERSION,
};
use crate::hir::{OutcomeKind, Source};

/// A small deterministic generator (64-bit LCG), so runs are repeatable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1))
    }

    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

/// The synthetic country domain: `AA` … `HZ` (208 codes).
pub fn countries() -> Vec<String> {
    let mut out = Vec::new();
    for a in b'A'..=b'H' {
        for b in b'A'..=b'Z' {
            out.push(String::from_utf8_lossy(&[a, b]).into_owned());
        }
    }
    out
}

/// ECCN number `i` of the synthetic pool (`0A000` … `9E999`).
pub fn eccn(i: usize) -> String {
    let group = ["A", "B", "C", "D", "E"][(i / 1000) % 5];
    format!("{}{group}{:03}", (i / 5000) % 10, i % 1000)
}

/// The number of distinct ECCNs rows draw from.
pub const ECCN_POOL: usize = 50_000;

/// A table of `rows` decision rows over two jurisdictions, of which
/// `country_wide` in 1,000 control no ECCN (embargo-like rows, which every
/// transaction to their destinations must check).
pub fn table(rows: usize, seed: u64, country_wide: usize) -> Table {
    let mut rng = Rng::new(seed);
    let countries = countries();
    let source = Source {
        module: "generated".into(),
        path: "generated.edict".into(),
        file: "generated.edict".into(),
        line: 1,
        column: 1,
        span: Default::default(),
    };
    let outcomes = [
        OutcomeKind::Allow,
        OutcomeKind::AllowUnder,
        OutcomeKind::RequireLicense,
        OutcomeKind::Deny,
    ];
    let mut decision_table = Vec::with_capacity(rows);
    for id in 0..rows {
        let mut cells = BTreeMap::new();
        let eccn_row = rng.below(1000) >= country_wide;
        if eccn_row {
            let mut prefix = eccn(rng.below(ECCN_POOL));
            if rng.below(4) == 0 {
                prefix.push_str(".a");
            }
            cells.insert(
                "item".into(),
                Cell::EccnIn {
                    prefixes: vec![prefix],
                    except: Vec::new(),
                },
            );
        } else if rng.below(2) == 0 {
            cells.insert(
                "value".into(),
                Cell::Range {
                    min: Some(Literal::Number(Num(rng.below(1_000_000) as f64))),
                    min_inclusive: Some(true),
                    max: None,
                    max_inclusive: None,
                },
            );
        }
        let size = if eccn_row {
            1 + rng.below(12)
        } else {
            1 + rng.below(3)
        };
        let mut picked: Vec<Literal> = (0..size)
            .map(|_| Literal::Text(countries[rng.below(countries.len())].clone()))
            .collect();
        picked.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        picked.dedup();
        cells.insert(
            "destination".into(),
            if eccn_row && rng.below(3) == 0 {
                Cell::NotIn { values: picked }
            } else {
                Cell::In { values: picked }
            },
        );
        let year = 2020 + rng.below(8);
        cells.insert(
            "date".into(),
            Cell::Range {
                min: Some(Literal::Text(format!("{year}-01-01"))),
                min_inclusive: Some(true),
                max: Some(Literal::Text(format!("{}-01-01", year + 1 + rng.below(3)))),
                max_inclusive: Some(false),
            },
        );
        let outcome = outcomes[rng.below(4)];
        decision_table.push(Row {
            id,
            jurisdiction: ["EU", "US"][rng.below(2)].into(),
            rule: format!("rule_{id}"),
            cells,
            outcome,
            severity: outcome.severity(),
            authorizations: if outcome == OutcomeKind::AllowUnder {
                vec!["GEN".into()]
            } else {
                Vec::new()
            },
            tier: None,
            reasons: vec!["NS".into()],
            review: None,
            obligations: Vec::new(),
            citations: vec![format!("generated § {id}")],
            rationale: None,
            description: None,
            source: source.clone(),
        });
    }
    Table {
        format: FORMAT.into(),
        version: VERSION,
        policy: "generated".into(),
        compiler: format!("edict {}", env!("CARGO_PKG_VERSION")),
        sources: Sources {
            digest: super::sha256(b"generated"),
            modules: vec![ModuleDigest {
                module: "generated".into(),
                path: "generated.edict".into(),
                sha256: super::sha256(b"generated"),
            }],
        },
        tiers: vec!["low".into(), "high".into()],
        columns: vec![
            column("date", ColumnType::Date, Vec::new()),
            column("destination", ColumnType::Country, countries),
            column("item", ColumnType::Eccn, Vec::new()),
            column("value", ColumnType::Number, Vec::new()),
        ],
        jurisdictions: vec!["EU".into(), "US".into()],
        authorizations: BTreeMap::new(),
        tier_table: vec![
            TierRow {
                cells: BTreeMap::from([(
                    "value".to_string(),
                    Cell::Range {
                        min: Some(Literal::Number(Num(500_000.0))),
                        min_inclusive: Some(true),
                        max: None,
                        max_inclusive: None,
                    },
                )]),
                tier: "high".into(),
                source: source.clone(),
            },
            TierRow {
                cells: BTreeMap::new(),
                tier: "low".into(),
                source,
            },
        ],
        decision_table,
    }
}

fn column(name: &str, ty: ColumnType, domain: Vec<String>) -> ColumnSpec {
    ColumnSpec {
        name: name.into(),
        ty,
        enum_name: None,
        domain,
        labels: BTreeMap::new(),
    }
}

/// A transaction for [`table`]'s columns, as JSON.
pub fn transaction(rng: &mut Rng) -> serde_json::Value {
    let countries = countries();
    let mut item = eccn(rng.below(ECCN_POOL));
    if rng.below(2) == 0 {
        item.push_str([".a", ".b", ".a.1"][rng.below(3)]);
    }
    serde_json::json!({
        "date": format!("{}-{:02}-15", 2020 + rng.below(10), 1 + rng.below(12)),
        "destination": countries[rng.below(countries.len())],
        "item": item,
        "value": rng.below(1_000_000),
    })
}

/// Destinations the generated policies name (real ISO codes).
const POLICY_COUNTRIES: [&str; 24] = [
    "AE", "AR", "BR", "BY", "CN", "CU", "DE", "EG", "FR", "IL", "IN", "IR", "JP", "KP", "KR", "MO",
    "MX", "MY", "RU", "SA", "SG", "SY", "TR", "VE",
];

/// The source of a policy of `rules` rules, for the diff benchmark: each
/// rule controls one ECCN for a few destinations, a third above a TPP
/// value, every tenth overrides the rule before it. `version` 1 changes
/// `changed_per_mille` rules in 1,000 (a threshold, a destination, the
/// outcome or the review, drawn per rule) and leaves the others as in
/// version 0, so two versions differ in that share of their rules.
pub fn policy_source(rules: usize, seed: u64, changed_per_mille: usize, version: u8) -> String {
    let mut out = String::from(
        "policy generated.diff\n\nuse std.countries.*\nuse std.ear.reasons.{NS, RS}\n\n\
         input {\n  item: Eccn\n  destination: Country\n  tpp: Number\n}\n\n\
         jurisdiction US {\n  effective 2025-01-01\n",
    );
    for i in 0..rules {
        push_rule(&mut out, i, seed, changed_per_mille, version);
    }
    out.push_str("}\n\nauthorization LPP \"Low processing performance\" cite \"15 CFR 740.29\"\n");
    out
}

/// Appends rule `i` of the generated policies to `out`.
fn push_rule(out: &mut String, i: usize, seed: u64, changed_per_mille: usize, version: u8) {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
    let draw = rng.below(1000);
    let changed = version == 1 && draw < changed_per_mille;
    let mut destinations: Vec<&str> = (0..1 + rng.below(4))
        .map(|_| POLICY_COUNTRIES[rng.below(POLICY_COUNTRIES.len())])
        .collect();
    let mut threshold = (1 + rng.below(50)) * 1000;
    let mut outcome = ["require license", "deny", "allow under LPP"][rng.below(3)];
    let mut review = ["case_by_case", "presumption_of_denial"][rng.below(2)];
    let with_tpp = rng.below(3) == 0;
    if changed {
        match rng.below(4) {
            0 => threshold += 500,
            1 => destinations.push(POLICY_COUNTRIES[rng.below(POLICY_COUNTRIES.len())]),
            2 => {
                outcome = if outcome == "deny" {
                    "require license"
                } else {
                    "deny"
                }
            }
            _ => {
                review = if review == "case_by_case" {
                    "presumption_of_denial"
                } else {
                    "case_by_case"
                }
            }
        }
    }
    destinations.sort_unstable();
    destinations.dedup();
    let overrides = if i % 10 == 9 {
        format!(" overrides r{}", i - 1)
    } else {
        String::new()
    };
    let tpp = if with_tpp {
        format!(" and tpp >= {threshold}")
    } else {
        String::new()
    };
    out.push_str(&format!(
        "  rule r{i}{overrides} {{\n    when item in {{{}}} and destination in {{{}}}{tpp}\n    \
         then {outcome}\n    reasons NS\n    review {review}\n    cite \"generated § {i}\"\n  }}\n",
        eccn(i % ECCN_POOL),
        destinations.join(", ")
    ));
}

/// A generated project of `files` modules of `rules_per_file` rules each
/// (plus one module with the input and the authorization), as (file name,
/// text) pairs, for the language server's latency benchmark.
pub fn workspace_sources(files: usize, rules_per_file: usize, seed: u64) -> Vec<(String, String)> {
    let mut out = vec![(
        "input.edict".to_string(),
        "policy generated.input\n\ninput {\n  item: Eccn\n  destination: Country\n  tpp: Number\n}\n\n\
         authorization LPP \"Low processing performance\" cite \"15 CFR 740.29\"\n"
            .to_string(),
    )];
    for f in 0..files {
        let mut text = format!(
            "policy generated.rules_{f}\n\nuse std.countries.*\nuse std.ear.reasons.{{NS}}\n\
             use generated.input.{{LPP}}\n\njurisdiction US {{\n  effective 2025-01-01\n"
        );
        for i in f * rules_per_file..(f + 1) * rules_per_file {
            push_rule(&mut text, i, seed, 0, 0);
        }
        text.push_str("}\n");
        out.push((format!("rules_{f}.edict"), text));
    }
    out
}
