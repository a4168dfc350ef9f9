//! Exactly which transactions get another decision.
//!
//! Per jurisdiction, the transaction space is cut into boxes (one
//! [`ColSet`] per column) until, in each box and for each version, the
//! assessed tier is one tier and every row either holds on the whole box
//! or on none of it; the decision is then constant on the box and is
//! computed once, by the merge every evaluator uses ([`Merge`]). A box is
//! cut along one column of a row that holds on part of it, so boxes stay
//! disjoint and together cover the space.
//!
//! Only boxes that can differ are cut: a row present in both versions with
//! the same cells and payload is *common*; a box that no other row touches
//! (and where the tier assessment cannot differ) gets the same decision
//! from both versions and is dropped at once. So the work follows the
//! changed rows, not the size of the policy. Boxes whose decisions differ
//! are grouped by their pair of decisions and merged back where they
//! differ in one column only, which gives few readable regions.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use super::space::{Conj, Space};
use super::{DiffError, Direction, Region};
use crate::eval::{Contribution, Decision, Merge};
use crate::hir::Review;
use crate::table::sets::{BitSet, ColSet};
use crate::table::{Row, Table};

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
        let mut sides = [
            Versioned::new(&space, old, j, tier_old.clone()),
            Versioned::new(&space, new, j, tier_new.clone()),
        ];
        mark_changed(&mut sides);
        for side in &mut sides {
            side.build_index(&space);
        }
        let explorer = Explorer {
            space: &space,
            sides: &sides,
            tiers_equal,
            jurisdiction: Arc::from(j.as_str()),
        };
        let leaves = explorer.run();
        out.extend(readable(&space, j, leaves, [old, new]));
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

/// One version's rows of one jurisdiction, as sets.
struct Versioned<'t> {
    table: &'t Table,
    rows: Vec<(&'t Row, Conj)>,
    /// Whether the row has no equal in the other version.
    changed: Vec<bool>,
    /// The common rows by column and class, to find those touching a box.
    index: Vec<Option<ColumnIndex>>,
    /// The tier table: cells and the rank given.
    tier_rows: Vec<(Conj, usize)>,
    tiers: Vec<Arc<str>>,
}

/// For one column of finitely many classes: the common rows admitting
/// each class, and those that do not test the column (or admit most of
/// it), which touch every box.
struct ColumnIndex {
    by_class: Vec<Vec<u32>>,
    everywhere: Vec<u32>,
}

/// A box narrower than this many classes on an indexed column finds its
/// rows through the index.
const INDEXED_CLASSES: usize = 64;

impl<'t> Versioned<'t> {
    fn new(space: &Space, table: &'t Table, j: &str, tier_rows: Vec<(Conj, usize)>) -> Self {
        let rows: Vec<(&Row, Conj)> = table
            .decision_table
            .iter()
            .filter(|r| r.jurisdiction == j)
            .map(|r| (r, space.conj(&r.cells)))
            .collect();
        Versioned {
            table,
            changed: vec![true; rows.len()],
            rows,
            index: Vec::new(),
            tier_rows,
            tiers: table.tiers.iter().map(|t| Arc::from(t.as_str())).collect(),
        }
    }

    /// Indexes the common rows (once they are known).
    fn build_index(&mut self, space: &Space) {
        self.index = (0..space.columns.len())
            .map(|c| {
                let ColSet::Classes(full) = space.full(c) else {
                    return None;
                };
                let universe = full.universe();
                let mut ix = ColumnIndex {
                    by_class: vec![Vec::new(); universe],
                    everywhere: Vec::new(),
                };
                for (i, (_, conj)) in self.rows.iter().enumerate() {
                    if self.changed[i] {
                        continue;
                    }
                    match conj.sets.iter().find(|(k, _)| *k == c) {
                        Some((_, ColSet::Classes(bits))) if bits.count() * 2 <= universe => {
                            for class in bits.iter() {
                                ix.by_class[class].push(i as u32);
                            }
                        }
                        _ => ix.everywhere.push(i as u32),
                    }
                }
                Some(ix)
            })
            .collect();
    }

    /// The common rows touching a box: from the indexed column whose lists
    /// for the box's classes are shortest, or from `superset` (rows known to
    /// include them) when that is shorter.
    fn common_in(&self, region: &[ColSet], superset: &[u32]) -> Vec<u32> {
        let lists = |c: usize| -> Option<(usize, &ColumnIndex, &BitSet)> {
            let (ColSet::Classes(bits), Some(Some(ix))) = (&region[c], self.index.get(c)) else {
                return None;
            };
            if bits.count() > INDEXED_CLASSES {
                return None;
            }
            let size =
                bits.iter().map(|k| ix.by_class[k].len()).sum::<usize>() + ix.everywhere.len();
            Some((size, ix, bits))
        };
        let best = (0..region.len())
            .filter_map(lists)
            .min_by_key(|(size, _, _)| *size);
        let mut found: Vec<u32> = match best {
            Some((size, ix, bits)) if size < superset.len() => {
                let mut v: Vec<u32> = bits
                    .iter()
                    .flat_map(|class| ix.by_class[class].iter().copied())
                    .chain(ix.everywhere.iter().copied())
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            }
            _ => superset.to_vec(),
        };
        found.retain(|&r| touches_box(region, &self.rows[r as usize].1));
        found
    }
}

/// Whether a row holds somewhere in the box.
fn touches_box(region: &[ColSet], conj: &Conj) -> bool {
    conj.sets.iter().all(|(c, s)| region[*c].intersects(s))
}

fn tier_rows(space: &Space, table: &Table) -> Vec<(Conj, usize)> {
    table
        .tier_table
        .iter()
        .map(|r| {
            let rank = table.tiers.iter().position(|t| *t == r.tier).unwrap_or(0);
            (space.conj(&r.cells), rank)
        })
        .collect()
}

/// What a row contributes to decisions and where: its identity for the
/// comparison (the source location and prose do not change decisions).
/// What of a row a decision compares: a row whose cells and decision
/// payload are equal in both versions cannot change a decision, whatever
/// its rule's name or citations (shown in regions, never compared), so a
/// citation fix costs no exploration.
fn content_key(row: &Row, tiers: &[String]) -> String {
    // A test of the tier is by rank: equal only on the same scale.
    let scale = row
        .cells
        .contains_key(crate::table::TIER_COLUMN)
        .then_some(tiers);
    serde_json::to_string(&(
        &row.cells,
        scale,
        row.outcome,
        &row.authorizations,
        &row.tier,
        &row.reasons,
        row.review,
        &row.obligations,
    ))
    .unwrap_or_default()
}

/// Pairs rows equal in both versions; the others stay changed.
fn mark_changed(sides: &mut [Versioned<'_>; 2]) {
    let mut by_key: BTreeMap<String, [Vec<usize>; 2]> = BTreeMap::new();
    for (s, side) in sides.iter().enumerate() {
        for (i, (row, _)) in side.rows.iter().enumerate() {
            by_key
                .entry(content_key(row, &side.table.tiers))
                .or_default()[s]
                .push(i);
        }
    }
    for [a, b] in by_key.values() {
        for (&i, &k) in a.iter().zip(b) {
            sides[0].changed[i] = false;
            sides[1].changed[k] = false;
        }
    }
}

/// The assessed tier of a box: known, or the tier rows (in order) that
/// still touch it.
#[derive(Debug, Clone)]
enum TierState {
    Known(Option<usize>),
    Pending(Vec<u32>),
}

/// One version's view of a box: the rows touching it and its tier.
/// Changed rows are kept exact as the box narrows; common rows may be a
/// superset (shared with the parent box) until a step needs them.
#[derive(Debug, Clone)]
struct View {
    changed: Vec<u32>,
    common: Rc<Vec<u32>>,
    exact: bool,
    tier: TierState,
}

#[derive(Debug, Clone)]
struct Node {
    region: Vec<ColSet>,
    views: [View; 2],
}

/// A box whose decisions differ.
struct Leaf {
    region: Vec<ColSet>,
    before: Decision,
    after: Decision,
}

struct Explorer<'a> {
    space: &'a Space,
    sides: &'a [Versioned<'a>; 2],
    tiers_equal: bool,
    jurisdiction: Arc<str>,
}

/// What to do with a box.
enum Step {
    Drop,
    Split(usize, ColSet),
    Tier(usize, Option<usize>),
    Decide,
}

fn covers(region: &[ColSet], conj: &Conj) -> bool {
    conj.sets.iter().all(|(c, s)| region[*c].subset_of(s))
}

/// A column where `conj` holds on part of the region only: of those, the
/// one where it keeps the smallest share of the region's classes (so a
/// box inside a rule about one ECCN is cut to that ECCN first, and finds
/// few rows there).
fn cut(region: &[ColSet], conj: &Conj) -> Option<(usize, ColSet)> {
    let share = |c: usize, s: &ColSet| match (&region[c], s) {
        (ColSet::Classes(r), ColSet::Classes(_)) => {
            let kept = match region[c].intersect(s) {
                ColSet::Classes(k) => k.count(),
                ColSet::Ranges(_) => 0,
            };
            kept as f64 / r.count().max(1) as f64
        }
        _ => 0.5,
    };
    conj.sets
        .iter()
        .filter(|(c, s)| !region[*c].subset_of(s))
        .map(|(c, s)| (share(*c, s), *c, s))
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|(_, c, s)| (c, s.clone()))
}

impl Explorer<'_> {
    fn run(&self) -> Vec<Leaf> {
        let view = |s: &Versioned<'_>| {
            let ids = 0..s.rows.len() as u32;
            View {
                changed: ids.clone().filter(|&r| s.changed[r as usize]).collect(),
                common: Rc::new(ids.filter(|&r| !s.changed[r as usize]).collect()),
                exact: true,
                tier: if s.tier_rows.is_empty() {
                    TierState::Known(None)
                } else {
                    TierState::Pending((0..s.tier_rows.len() as u32).collect())
                },
            }
        };
        let root = Node {
            region: (0..self.space.columns.len())
                .map(|c| self.space.full(c))
                .collect(),
            views: [view(&self.sides[0]), view(&self.sides[1])],
        };
        let mut leaves = Vec::new();
        let mut stack = vec![root];
        while let Some(mut node) = stack.pop() {
            match self.step(&mut node) {
                Step::Drop => {}
                Step::Tier(s, t) => {
                    node.views[s].tier = TierState::Known(t);
                    stack.push(node);
                }
                Step::Split(col, set) => {
                    let outside = node.region[col].minus(&set);
                    let inside = node.region[col].intersect(&set);
                    let other = self.narrowed(&node, col, outside);
                    let this = self.narrowed(&node, col, inside);
                    stack.push(other);
                    stack.push(this);
                }
                Step::Decide => {
                    let [before, after] = [0, 1].map(|s| self.decision(&node, s));
                    if substance(&before) != substance(&after) {
                        leaves.push(Leaf {
                            region: node.region,
                            before,
                            after,
                        });
                    }
                }
            }
        }
        leaves
    }

    /// The box with column `col` narrowed to `set`. Only that column
    /// changed, so only it is tested: changed rows and tier rows now;
    /// common rows now when they are few, else when a step needs them.
    fn narrowed(&self, node: &Node, col: usize, set: ColSet) -> Node {
        let touches = |conj: &Conj| {
            conj.sets
                .iter()
                .find(|(c, _)| *c == col)
                .is_none_or(|(_, s)| s.intersects(&set))
        };
        let views = [0, 1].map(|s| {
            let side = &self.sides[s];
            let v = &node.views[s];
            let keep = |ids: &[u32], f: &dyn Fn(u32) -> bool| -> Vec<u32> {
                ids.iter().copied().filter(|&r| f(r)).collect()
            };
            let row = |r: u32| touches(&side.rows[r as usize].1);
            let (common, exact) = if v.exact && v.common.len() <= INDEXED_CLASSES {
                (Rc::new(keep(&v.common, &row)), true)
            } else {
                (Rc::clone(&v.common), false)
            };
            View {
                changed: keep(&v.changed, &row),
                common,
                exact,
                tier: match &v.tier {
                    TierState::Known(t) => TierState::Known(*t),
                    TierState::Pending(ids) => {
                        TierState::Pending(keep(ids, &|r| touches(&side.tier_rows[r as usize].0)))
                    }
                },
            }
        });
        let mut region = node.region.clone();
        region[col] = set;
        Node { region, views }
    }

    fn step(&self, node: &mut Node) -> Step {
        let any_changed = node.views.iter().any(|v| !v.changed.is_empty());
        let same_tier = self.tiers_equal
            || (self.sides[0].tiers == self.sides[1].tiers
                && matches!(
                    (&node.views[0].tier, &node.views[1].tier),
                    (TierState::Known(a), TierState::Known(b)) if a == b
                ));
        if !any_changed && same_tier {
            return Step::Drop;
        }
        // Follow the changed rows first: boxes they leave are dropped.
        for s in 0..2 {
            for &r in &node.views[s].changed {
                if let Some((col, set)) = cut(&node.region, &self.sides[s].rows[r as usize].1) {
                    return Step::Split(col, set);
                }
            }
        }
        for s in 0..2 {
            if let TierState::Pending(ids) = &node.views[s].tier {
                let Some(&first) = ids.first() else {
                    return Step::Tier(s, None);
                };
                let (conj, rank) = &self.sides[s].tier_rows[first as usize];
                return match cut(&node.region, conj) {
                    Some((col, set)) => Step::Split(col, set),
                    None => Step::Tier(s, Some(*rank)),
                };
            }
        }
        for s in 0..2 {
            let v = &mut node.views[s];
            if !v.exact {
                v.common = Rc::new(self.sides[s].common_in(&node.region, &v.common));
                v.exact = true;
            }
            for &r in v.common.iter() {
                if let Some((col, set)) = cut(&node.region, &self.sides[s].rows[r as usize].1) {
                    return Step::Split(col, set);
                }
            }
        }
        Step::Decide
    }

    /// The decision of version `s` on the box (every row touching it holds
    /// on all of it, and the tier is known).
    fn decision(&self, node: &Node, s: usize) -> Decision {
        let side = &self.sides[s];
        let view = &node.views[s];
        let assessed = match view.tier {
            TierState::Known(t) => t,
            TierState::Pending(_) => None,
        };
        let ranks = |name: &Option<String>| {
            name.as_ref()
                .and_then(|n| side.table.tiers.iter().position(|t| t == n))
        };
        let mut merge = Merge::default();
        for &r in view.changed.iter().chain(view.common.iter()) {
            let (row, conj) = &side.rows[r as usize];
            debug_assert!(covers(&node.region, conj));
            let tier_ok = conj
                .tier
                .as_ref()
                .is_none_or(|t| assessed.is_some_and(|a| t.contains(a as f64)));
            if !tier_ok {
                continue;
            }
            merge.add(Contribution {
                rule: &row.rule,
                outcome: row.outcome,
                authorizations: &row.authorizations,
                tier: ranks(&row.tier).or(assessed),
                reasons: &row.reasons,
                review: row.review,
                obligations: &row.obligations,
                citations: &row.citations,
            });
        }
        merge.finish(&self.jurisdiction, &side.tiers, assessed)
    }
}

/// What a decision says about the transaction (not which rules or
/// citations say it: those are shown, but a renamed rule or a corrected
/// citation changes no decision).
pub(super) fn substance(d: &Decision) -> impl PartialEq + '_ {
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
fn direction(before: &Decision, after: &Decision, tiers: [&[String]; 2]) -> Direction {
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
fn readable(space: &Space, j: &str, leaves: Vec<Leaf>, tables: [&Table; 2]) -> Vec<Region> {
    let mut groups: BTreeMap<String, (Decision, Decision, Vec<Vec<ColSet>>)> = BTreeMap::new();
    for leaf in leaves {
        let key = serde_json::to_string(&(&leaf.before, &leaf.after)).unwrap_or_default();
        groups
            .entry(key)
            .or_insert_with(|| (leaf.before, leaf.after, Vec::new()))
            .2
            .push(leaf.region);
    }
    let mut out = Vec::new();
    for (_, (before, after, boxes)) in groups {
        let dir = direction(&before, &after, [&tables[0].tiers, &tables[1].tiers]);
        for b in coalesce(boxes) {
            for cells in alternatives(space, &b) {
                let description = super::render::describe(space, &cells);
                let witness = witness(space, &b, &cells);
                out.push(Region {
                    jurisdiction: j.to_string(),
                    direction: dir,
                    cells: cells
                        .into_iter()
                        .map(|(c, cell, _)| (space.columns[c].name.clone(), cell))
                        .collect(),
                    description,
                    before: before.clone(),
                    after: after.clone(),
                    witness,
                });
            }
        }
    }
    out
}

/// A box as cells: one per constrained column, several alternatives
/// making several regions when one cell cannot say a column's set. Each
/// entry keeps the exact set of its cell, for the witness.
fn alternatives(space: &Space, b: &[ColSet]) -> Vec<Vec<(usize, crate::table::Cell, ColSet)>> {
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
                let mut row: Vec<(usize, crate::table::Cell, ColSet)> = p.clone();
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
    cells: &[(usize, crate::table::Cell, ColSet)],
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
