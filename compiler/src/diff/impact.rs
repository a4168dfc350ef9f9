//! Exactly which transactions get another decision.
//!
//! Per jurisdiction, the two versions are explored side by side
//! ([`super::explore`]): only boxes that changed rows touch are cut, so the
//! work follows the changed rows, not the size of the policy. Boxes whose
//! decisions differ are grouped by their pair of decisions and merged back
//! where they differ in one column only, which gives few readable regions.

use std::collections::BTreeMap;

use super::explore::{Explorer, Versioned, mark_changed, tier_rows};
use super::space::Space;
use super::{DiffError, Direction, Region};
use crate::eval::Decision;
use crate::hir::Review;
use crate::table::sets::ColSet;
use crate::table::{Cell, Table};

/// The regions where decisions differ, sorted, and notes on the schema.
pub fn regions(old: &Table, new: &Table) -> Result<(Vec<Region>, Vec<String>), DiffError> {
    let (space, notes) = Space::new(old, new)?;
    let mut names: Vec<&String> = old.jurisdictions.iter().chain(&new.jurisdictions).collect();
    names.sort();
    names.dedup();
    let tiers_equal = old.tiers == new.tiers && old.tier_table == new.tier_table;
    let tier_old = tier_rows(&space, old);
    let tier_new = tier_rows(&space, new);
    let mut out = Vec::new();
    for j in names {
        let sides = [
            Versioned::new(&space, old, j, tier_old.clone()),
            Versioned::new(&space, new, j, tier_new.clone()),
        ];
        let pairs = differences(&space, sides, tiers_equal);
        out.extend(readable(&space, j, pairs, [old, new]));
    }
    out.sort_by(|a, b| {
        (&a.jurisdiction, a.direction, &a.description).cmp(&(
            &b.jurisdiction,
            b.direction,
            &b.description,
        ))
    });
    Ok((out, notes))
}

/// The boxes where two sides decide differently, with both decisions:
/// rows equal on both sides are paired first, so the work follows the
/// rows that differ.
pub(crate) fn differences(
    space: &Space,
    mut sides: [Versioned<'_>; 2],
    tiers_equal: bool,
) -> Vec<(Vec<ColSet>, (Decision, Decision))> {
    mark_changed(&mut sides);
    for side in &mut sides {
        side.build_index(space);
    }
    let explorer = Explorer {
        space,
        sides: &sides,
        tiers_equal,
        scope: None,
        budget: None,
    };
    let differ = &mut |d: &[Decision]| substance(&d[0]) != substance(&d[1]);
    // INVARIANT: without a budget the exploration always finishes.
    let leaves = explorer.run(differ).unwrap_or_default();
    leaves
        .into_iter()
        .filter_map(|leaf| {
            let [before, after] = <[Decision; 2]>::try_from(leaf.decisions).ok()?;
            Some((leaf.region, (before, after)))
        })
        .collect()
}

/// What a decision says about the transaction (not which rules or
/// citations say it: those are shown, but a renamed rule or a corrected
/// citation changes no decision).
pub(crate) fn substance(d: &Decision) -> impl PartialEq + '_ {
    (
        d.outcome,
        d.basis,
        &d.tier,
        &d.reasons,
        d.review,
        &d.authorizations,
        &d.obligations,
    )
}

/// Tightening, loosening or lateral: by severity, then tier (by rank in
/// each version's scale), then review policy.
pub(crate) fn direction(before: &Decision, after: &Decision, tiers: [&[String]; 2]) -> Direction {
    let rank = |d: &Decision, t: &[String]| {
        d.tier
            .as_ref()
            .and_then(|n| t.iter().position(|x| **x == **n))
    };
    let review = |r: Option<Review>| r.map(|r| r as u8 + 1).unwrap_or(0);
    let order = before
        .outcome
        .cmp(&after.outcome)
        .then(rank(before, tiers[0]).cmp(&rank(after, tiers[1])))
        .then(review(before.review).cmp(&review(after.review)));
    match order {
        std::cmp::Ordering::Less => Direction::Tightening,
        std::cmp::Ordering::Greater => Direction::Loosening,
        std::cmp::Ordering::Equal => Direction::Lateral,
    }
}

/// Groups boxes by their pair of decisions, merges them back, and writes
/// each as a region with cells, words and a witness.
fn readable(
    space: &Space,
    j: &str,
    leaves: Vec<(Vec<ColSet>, (Decision, Decision))>,
    tables: [&Table; 2],
) -> Vec<Region> {
    let mut out = Vec::new();
    for ((before, after), boxes) in grouped(leaves.into_iter()) {
        let dir = direction(&before, &after, [&tables[0].tiers, &tables[1].tiers]);
        for (cells, description, witness) in described(space, boxes) {
            out.push(Region {
                jurisdiction: j.to_string(),
                direction: dir,
                cells,
                description,
                before: before.clone(),
                after: after.clone(),
                witness,
            });
        }
    }
    out
}

/// Boxes grouped by what was decided on them (in the order of its JSON).
pub(crate) fn grouped<D: serde::Serialize>(
    leaves: impl Iterator<Item = (Vec<ColSet>, D)>,
) -> Vec<(D, Vec<Vec<ColSet>>)> {
    let mut groups: BTreeMap<String, (D, Vec<Vec<ColSet>>)> = BTreeMap::new();
    for (region, decided) in leaves {
        let key = serde_json::to_string(&decided).unwrap_or_default();
        groups
            .entry(key)
            .or_insert_with(|| (decided, Vec::new()))
            .1
            .push(region);
    }
    groups.into_values().collect()
}

/// A region's cells by column name, its words and its witness.
pub(crate) type Described = (
    BTreeMap<String, Cell>,
    String,
    BTreeMap<String, serde_json::Value>,
);

/// Boxes merged back where they differ in one column, each written as
/// cells, words and a witness transaction.
pub(crate) fn described(space: &Space, boxes: Vec<Vec<ColSet>>) -> Vec<Described> {
    let mut out = Vec::new();
    for b in coalesce(boxes) {
        for cells in alternatives(space, &b) {
            let description = super::render::describe(space, &cells);
            let witness = witness(space, &b, &cells);
            let cells = cells
                .into_iter()
                .map(|(c, cell, _)| (space.columns[c].name.clone(), cell))
                .collect();
            out.push((cells, description, witness));
        }
    }
    out
}

/// A box as cells: one per constrained column, several alternatives
/// making several regions when one cell cannot say a column's set. Each
/// entry keeps the exact set of its cell, for the witness.
fn alternatives(space: &Space, b: &[ColSet]) -> Vec<Vec<(usize, Cell, ColSet)>> {
    let mut partial = vec![Vec::new()];
    for (c, set) in b.iter().enumerate() {
        let cells = space.cells(c, set);
        if cells.is_empty() {
            continue;
        }
        let exact: Vec<ColSet> = if cells.len() == 1 {
            vec![set.clone()]
        } else {
            cells
                .iter()
                .map(|cell| {
                    let mut one = std::collections::BTreeMap::new();
                    one.insert(space.columns[c].name.clone(), cell.clone());
                    space
                        .conj(&one)
                        .sets
                        .pop()
                        .map_or_else(|| set.clone(), |(_, s)| s.intersect(set))
                })
                .collect()
        };
        let mut next = Vec::new();
        for p in &partial {
            for (cell, s) in cells.iter().zip(&exact) {
                let mut row: Vec<(usize, Cell, ColSet)> = p.clone();
                row.push((c, cell.clone(), s.clone()));
                next.push(row);
            }
        }
        partial = next;
    }
    partial
}

fn witness(
    space: &Space,
    b: &[ColSet],
    cells: &[(usize, Cell, ColSet)],
) -> BTreeMap<String, serde_json::Value> {
    (0..space.columns.len())
        .map(|c| {
            let set = cells
                .iter()
                .find(|(k, _, _)| *k == c)
                .map_or(&b[c], |(_, _, s)| s);
            (space.columns[c].name.clone(), space.witness(c, set))
        })
        .collect()
}

/// Merges boxes equal in all columns but one, until none are.
fn coalesce(mut boxes: Vec<Vec<ColSet>>) -> Vec<Vec<ColSet>> {
    let columns = boxes.first().map_or(0, Vec::len);
    loop {
        let mut changed = false;
        for c in 0..columns {
            let mut seen: BTreeMap<Vec<Vec<u64>>, usize> = BTreeMap::new();
            let mut out: Vec<Vec<ColSet>> = Vec::with_capacity(boxes.len());
            for b in boxes {
                let key: Vec<Vec<u64>> = b
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != c)
                    .map(|(_, s)| s.fingerprint())
                    .collect();
                match seen.get(&key) {
                    Some(&i) => {
                        out[i][c] = out[i][c].union(&b[c]);
                        changed = true;
                    }
                    None => {
                        seen.insert(key, out.len());
                        out.push(b);
                    }
                }
            }
            boxes = out;
        }
        if !changed {
            return boxes;
        }
    }
}
