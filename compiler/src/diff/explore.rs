//! The exploration under `edict diff`, assertions and `edict compare`:
//! the transaction space cut into boxes (one [`ColSet`] per column) until,
//! in each box and for each side, the assessed tier is one tier and every
//! row either holds on the whole box or on none of it; each side's
//! decision is then constant on the box and is computed once, by the merge
//! every evaluator uses ([`Merge`]). A box is cut along one column of a
//! row that holds on part of it, so boxes stay disjoint and together cover
//! the space.
//!
//! A side is one jurisdiction of one table ([`Versioned`]): two versions
//! of a jurisdiction for a diff, two jurisdictions of a policy for a
//! comparison, one for an assertion. With two sides, only boxes that can
//! differ are cut: a row equal on both sides (cells and payload) is
//! *common*; a box that no other row touches (and where the tier
//! assessment cannot differ) gets the same decision from both and is
//! dropped at once, so the work follows the changed rows. With a *scope*
//! (an assertion's `when` and dates, as conjunctions), boxes outside it
//! are dropped and every box inside it is decided.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use super::space::{Conj, Space};
use crate::eval::{Contribution, Decision, Merge};
use crate::table::sets::{BitSet, ColSet};
use crate::table::{Row, Table};

/// One side: the rows of one jurisdiction of one table, as sets.
pub(crate) struct Versioned<'t> {
    pub table: &'t Table,
    /// The jurisdiction, as its decisions name it.
    jurisdiction: Arc<str>,
    rows: Vec<(&'t Row, Conj)>,
    /// Whether the row has no equal in the other version.
    changed: Vec<bool>,
    /// The common rows by column and class, to find those touching a box.
    index: Vec<Option<ColumnIndex>>,
    /// The tier table: cells and the rank given.
    tier_rows: Vec<(Conj, usize)>,
    pub tiers: Vec<Arc<str>>,
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

/// Past this many common rows that may touch a box, a scoped exploration
/// halves the box rather than peel rows off it.
const HALVE_ROWS: usize = 256;

impl<'t> Versioned<'t> {
    /// The rows of jurisdiction `j`, all changed until [`mark_changed`] or
    /// [`Versioned::all_common`] says otherwise.
    pub fn new(space: &Space, table: &'t Table, j: &str, tier_rows: Vec<(Conj, usize)>) -> Self {
        let rows: Vec<(&Row, Conj)> = table
            .decision_table
            .iter()
            .filter(|r| r.jurisdiction == j)
            .map(|r| (r, space.conj(&r.cells)))
            .collect();
        Versioned {
            table,
            jurisdiction: Arc::from(j),
            changed: vec![true; rows.len()],
            rows,
            index: Vec::new(),
            tier_rows,
            tiers: table.tiers.iter().map(|t| Arc::from(t.as_str())).collect(),
        }
    }

    /// Marks every row common: a side explored alone finds its rows
    /// through the index.
    pub fn all_common(&mut self) {
        self.changed.iter_mut().for_each(|c| *c = false);
    }

    /// Indexes the common rows (once they are known).
    pub fn build_index(&mut self, space: &Space) {
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

/// The tier table as sets, with the rank each row gives.
pub(crate) fn tier_rows(space: &Space, table: &Table) -> Vec<(Conj, usize)> {
    table
        .tier_table
        .iter()
        .map(|r| {
            let rank = table.tiers.iter().position(|t| *t == r.tier).unwrap_or(0);
            (space.conj(&r.cells), rank)
        })
        .collect()
}

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

/// Pairs rows equal on both sides; the others stay changed.
pub(crate) fn mark_changed(sides: &mut [Versioned<'_>; 2]) {
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
    views: Vec<View>,
}

/// A box kept, with each side's decision on it.
pub(crate) struct Leaf {
    pub region: Vec<ColSet>,
    pub decisions: Vec<Decision>,
}

/// An exploration of one or two sides.
pub(crate) struct Explorer<'a> {
    pub space: &'a Space,
    pub sides: &'a [Versioned<'a>],
    /// Whether the sides assess the tier alike (same scale and table).
    pub tiers_equal: bool,
    /// Where to look (a disjunction); `None`: everywhere, and only where
    /// two sides can differ.
    pub scope: Option<&'a [Conj]>,
    /// The most boxes visited before giving up; `None`: no limit.
    pub budget: Option<usize>,
}

/// An exploration stopped at its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exhausted;

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
    /// The boxes where `keep` holds of the sides' decisions.
    pub fn run(&self, keep: &mut dyn FnMut(&[Decision]) -> bool) -> Result<Vec<Leaf>, Exhausted> {
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
            views: self.sides.iter().map(view).collect(),
        };
        let mut leaves = Vec::new();
        let mut stack = vec![root];
        let mut visited = 0usize;
        while let Some(mut node) = stack.pop() {
            visited += 1;
            if self.budget.is_some_and(|b| visited > b) {
                return Err(Exhausted);
            }
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
                    if !self.in_scope(&node) {
                        continue;
                    }
                    let decisions: Vec<Decision> = (0..self.sides.len())
                        .map(|s| self.decision(&node, s))
                        .collect();
                    if keep(&decisions) {
                        leaves.push(Leaf {
                            region: node.region,
                            decisions,
                        });
                    }
                }
            }
        }
        Ok(leaves)
    }

    /// Whether a decided box lies in the scope: inside one of its
    /// conjunctions, the test of the tier included (the first side's).
    fn in_scope(&self, node: &Node) -> bool {
        let Some(scope) = self.scope else {
            return true;
        };
        let assessed = match node.views[0].tier {
            TierState::Known(t) => t,
            TierState::Pending(_) => None,
        };
        scope.iter().any(|c| {
            covers(&node.region, c)
                && c.tier
                    .as_ref()
                    .is_none_or(|t| assessed.is_some_and(|a| t.contains(a as f64)))
        })
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
        let views = (0..self.sides.len())
            .map(|s| {
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
                        TierState::Pending(ids) => TierState::Pending(keep(ids, &|r| {
                            touches(&side.tier_rows[r as usize].0)
                        })),
                    },
                }
            })
            .collect();
        let mut region = node.region.clone();
        region[col] = set;
        Node { region, views }
    }

    fn step(&self, node: &mut Node) -> Step {
        if let Some(scope) = self.scope {
            // Outside every conjunction of the scope: nothing to decide.
            let mut touching = scope.iter().filter(|c| touches_box(&node.region, c));
            let Some(first) = touching.next() else {
                return Step::Drop;
            };
            for c in std::iter::once(first).chain(touching) {
                if let Some((col, set)) = cut(&node.region, c) {
                    return Step::Split(col, set);
                }
            }
        } else {
            let any_changed = node.views.iter().any(|v| !v.changed.is_empty());
            let same_tier = self.tiers_equal
                || node.views.windows(2).all(|w| {
                    matches!(
                        (&w[0].tier, &w[1].tier),
                        (TierState::Known(a), TierState::Known(b)) if a == b
                    )
                }) && self.sides.windows(2).all(|w| w[0].tiers == w[1].tiers);
            if !any_changed && same_tier {
                return Step::Drop;
            }
        }
        // Follow the changed rows first: boxes they leave are dropped.
        for s in 0..self.sides.len() {
            for &r in &node.views[s].changed {
                if let Some((col, set)) = cut(&node.region, &self.sides[s].rows[r as usize].1) {
                    return Step::Split(col, set);
                }
            }
        }
        for s in 0..self.sides.len() {
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
        if self.scope.is_some()
            && let Some((col, half)) = self.halve(node)
        {
            return Step::Split(col, half);
        }
        for s in 0..self.sides.len() {
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

    /// In a scoped exploration, a box that many common rows may touch is
    /// halved along its widest indexed column first: peeling one row's
    /// set at a time off a wide box costs a pass over those rows each time
    /// (quadratic over a whole policy), halving a pass per level, until the
    /// index finds each half's rows.
    fn halve(&self, node: &Node) -> Option<(usize, ColSet)> {
        if node
            .views
            .iter()
            .all(|v| v.exact || v.common.len() <= HALVE_ROWS)
        {
            return None;
        }
        let index = &self.sides[0].index;
        let (col, bits) = node
            .region
            .iter()
            .enumerate()
            .filter_map(|(c, set)| match (set, index.get(c)) {
                (ColSet::Classes(b), Some(Some(_))) if b.count() > INDEXED_CLASSES => Some((c, b)),
                _ => None,
            })
            .max_by_key(|(c, b)| (b.count(), usize::MAX - c))?;
        let mut half = BitSet::empty(bits.universe());
        for class in bits.iter().take(bits.count() / 2) {
            half.insert(class);
        }
        Some((col, ColSet::Classes(half)))
    }

    /// The decision of side `s` on the box (every row touching it holds
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
        merge.finish(&side.jurisdiction, &side.tiers, assessed)
    }
}
