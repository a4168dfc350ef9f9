//! Harmonization between jurisdictions: `edict compare`.
//!
//! Stage: after `table`. [`compare`] takes two jurisdictions — of one
//! compiled policy, or of two — and finds exactly the transactions (every
//! field, every date) that they decide differently: stricter in the first,
//! stricter in the second, or as strict but on other conditions (review
//! policy, tier, authorizations, obligations, reasons). It is the
//! exploration under `edict diff` ([`crate::diff::explore`]) with the two
//! jurisdictions as its two sides: rows that say the same in both (cells
//! and payload) are common and cost nothing, so the work follows where the
//! jurisdictions differ. Differences are merged back into regions in words,
//! each with a witness transaction, and grouped into findings a negotiator
//! can read ("the EU allows under EU001 where the U.S. requires a license:
//! 3 regions"). [`render`] writes the comparison as text, Markdown or a
//! self-contained HTML page; JSON is its serde form, with a schema
//! (`compiler/docs/compare.schema.json`).

pub mod render;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diff::explore::{Versioned, tier_rows};
use crate::diff::impact::{described, differences, direction, grouped};
use crate::diff::space::Space;
use crate::diff::{DiffError, Direction, Version};
use crate::eval::{Basis, Decision};
use crate::table::{Cell, OutcomeKind};

/// The `format` of every comparison.
pub const FORMAT: &str = "edict-compare";
/// The comparison version this compiler writes.
pub const VERSION: u32 = 1;

/// Two jurisdictions compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "Edict jurisdiction comparison",
    extend("$id" = "https://edict.invalid/schema/compare-v1.json")
)]
pub struct Comparison {
    /// Always `edict-compare`.
    pub format: String,
    /// The comparison version (this is version 1).
    pub version: u32,
    /// The first jurisdiction.
    pub a: Party,
    /// The second jurisdiction.
    pub b: Party,
    /// Whether the two decide every transaction alike.
    pub equivalent: bool,
    /// Counts, for a first look.
    pub summary: Summary,
    /// The differences grouped by what each side decides, largest first.
    pub findings: Vec<Finding>,
    /// The transactions decided differently, as disjoint regions.
    pub regions: Vec<Difference>,
    /// How the comparison treated differences of the transaction schema.
    pub notes: Vec<String>,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The jurisdiction.
    pub jurisdiction: String,
    /// What the user named (a policy folder, file or table).
    pub label: String,
    /// The policy name.
    pub policy: String,
    /// `sha256:` of its compiled table.
    pub table: String,
}

/// Counts of a comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Regions decided differently.
    pub regions: usize,
    /// Regions where the first jurisdiction is stricter.
    pub stricter_in_a: usize,
    /// Regions where the second is stricter.
    pub stricter_in_b: usize,
    /// Regions as strict in both, on other conditions.
    pub different_conditions: usize,
}

/// Which side is stricter on a region.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Stricter {
    /// The first jurisdiction: a more severe outcome, else a higher tier,
    /// else a more restrictive review policy.
    A,
    /// The second, by the same order.
    B,
    /// As strict in both, but different (authorizations, obligations,
    /// reasons, whether a rule decides).
    Neither,
}

impl Stricter {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Stricter::A => "stricter in A",
            Stricter::B => "stricter in B",
            Stricter::Neither => "different conditions",
        }
    }
}

/// Regions on which both sides decide the same pair of ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The finding in one sentence.
    pub sentence: String,
    /// Which side is stricter.
    pub stricter: Stricter,
    /// How many regions.
    pub regions: usize,
    /// Their indices into [`Comparison::regions`].
    pub region_indices: Vec<usize>,
}

/// Transactions decided differently by the two sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Difference {
    /// Which side is stricter.
    pub stricter: Stricter,
    /// The region, as table cells (all of which hold); a column not named
    /// is any value.
    pub cells: BTreeMap<String, Cell>,
    /// The region in words.
    pub description: String,
    /// The first jurisdiction's decision on every transaction of the region.
    pub a: Decision,
    /// The second's.
    pub b: Decision,
    /// A transaction of the region (every column of either side).
    pub witness: BTreeMap<String, serde_json::Value>,
}

/// Compares jurisdiction `ja` of version `a` with `jb` of version `b`
/// (the same version for two jurisdictions of one policy).
pub fn compare(a: &Version, ja: &str, b: &Version, jb: &str) -> Result<Comparison, DiffError> {
    for (v, j) in [(a, ja), (b, jb)] {
        if !v.table.jurisdictions.iter().any(|x| x == j) {
            return Err(DiffError(format!(
                "`{}` has no jurisdiction `{j}` (it has {})",
                v.label,
                v.table.jurisdictions.join(", ")
            )));
        }
    }
    let (space, notes) = Space::new(&a.table, &b.table)?;
    let sides = [
        Versioned::new(&space, &a.table, ja, tier_rows(&space, &a.table)),
        Versioned::new(&space, &b.table, jb, tier_rows(&space, &b.table)),
    ];
    let tiers_equal = a.table.tiers == b.table.tiers && a.table.tier_table == b.table.tier_table;
    let pairs = differences(&space, sides, tiers_equal);
    let mut regions = Vec::new();
    for ((da, db), boxes) in grouped(pairs.into_iter()) {
        let stricter = match direction(&da, &db, [&a.table.tiers, &b.table.tiers]) {
            Direction::Tightening => Stricter::B,
            Direction::Loosening => Stricter::A,
            Direction::Lateral => Stricter::Neither,
        };
        for (cells, description, witness) in described(&space, boxes) {
            regions.push(Difference {
                stricter,
                cells,
                description,
                a: da.clone(),
                b: db.clone(),
                witness,
            });
        }
    }
    regions.sort_by(|x, y| (x.stricter, &x.description).cmp(&(y.stricter, &y.description)));
    let count = |s: Stricter| regions.iter().filter(|r| r.stricter == s).count();
    let summary = Summary {
        regions: regions.len(),
        stricter_in_a: count(Stricter::A),
        stricter_in_b: count(Stricter::B),
        different_conditions: count(Stricter::Neither),
    };
    let party = |v: &Version, j: &str| Party {
        jurisdiction: j.to_string(),
        label: v.label.clone(),
        policy: v.table.policy.clone(),
        table: v.digest.clone(),
    };
    Ok(Comparison {
        format: FORMAT.into(),
        version: VERSION,
        a: party(a, ja),
        b: party(b, jb),
        equivalent: regions.is_empty(),
        summary,
        findings: findings(ja, jb, &regions),
        regions,
        notes,
    })
}

impl Comparison {
    /// The JSON form: pretty, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The JSON Schema of comparisons, as written to
    /// `compiler/docs/compare.schema.json`.
    pub fn schema() -> String {
        let schema = schemars::schema_for!(Comparison);
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The regions grouped by what each side decides (outcome and
/// authorizations), largest group first.
fn findings(ja: &str, jb: &str, regions: &[Difference]) -> Vec<Finding> {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in regions.iter().enumerate() {
        groups.entry((verb(&r.a), verb(&r.b))).or_default().push(i);
    }
    let mut out: Vec<Finding> = groups
        .into_iter()
        .map(|((va, vb), indices)| {
            let stricter = regions[indices[0]].stricter;
            let mixed = indices.iter().any(|&i| regions[i].stricter != stricter);
            let n = indices.len();
            let sentence = if va == vb {
                format!(
                    "{ja} and {jb} both {}, on different conditions: {} region{}",
                    plural_verb(&va),
                    n,
                    if n == 1 { "" } else { "s" }
                )
            } else {
                format!(
                    "{ja} {va} where {jb} {vb}: {n} region{}",
                    if n == 1 { "" } else { "s" }
                )
            };
            Finding {
                sentence,
                stricter: if mixed { Stricter::Neither } else { stricter },
                regions: n,
                region_indices: indices,
            }
        })
        .collect();
    out.sort_by(|x, y| y.regions.cmp(&x.regions).then(x.sentence.cmp(&y.sentence)));
    out
}

/// What a decision does, as a verb phrase: "requires a license",
/// "allows under EU001", "allows (no rule applies)".
pub fn verb(d: &Decision) -> String {
    match d.outcome {
        OutcomeKind::Allow if d.basis == Basis::NoRule => "allows (no rule applies)".into(),
        OutcomeKind::Allow => "allows".into(),
        OutcomeKind::AllowUnder => format!("allows under {}", d.authorizations.join(", ")),
        OutcomeKind::RequireLicense => "requires a license".into(),
        OutcomeKind::Deny => "denies".into(),
    }
}

/// The verb phrase of [`verb`] for two subjects: "require a license".
fn plural_verb(singular: &str) -> String {
    for (one, many) in [
        ("allows", "allow"),
        ("requires", "require"),
        ("denies", "deny"),
    ] {
        if let Some(rest) = singular.strip_prefix(one) {
            return format!("{many}{rest}");
        }
    }
    singular.to_string()
}
