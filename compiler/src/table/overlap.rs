//! Which rule regions can meet, without comparing every pair.
//!
//! Stage: table-level analysis (`W0502`, `W0503`), over the regions the
//! lowering computed. Each region's *footprint* on a class column (ECCN
//! prefixes, countries, enums) is the union of its conjunctions' sets
//! there, or "any value" when one conjunction leaves the column free. An
//! inverted index from class to regions gives, for a region, the regions
//! whose footprint shares a class with it on the most selective column:
//! only those can overlap it, and only those are compared exactly. On real
//! policies (rules about distinct items or destinations) this is near
//! linear; when every rule constrains the same few classes the candidate
//! lists are long but each look-up is cheap.

use std::collections::BTreeSet;

use super::lower::{Conj, Key};
use super::sets::{BitSet, ColSet};

/// The regions, indexed by their footprints.
pub struct OverlapIndex<'a> {
    regions: Vec<&'a [Conj]>,
    only: Option<&'a BTreeSet<Key>>,
    /// Per indexed column: its key, class → regions, and the regions free on it.
    columns: Vec<(Key, Vec<Vec<u32>>, Vec<u32>)>,
    /// Per region, per indexed column: its footprint (`None`: any value).
    footprints: Vec<Vec<Option<BitSet>>>,
}

impl<'a> OverlapIndex<'a> {
    /// Indexes `regions`, looking only at the columns in `only` (every
    /// column when `None`).
    pub fn new(regions: Vec<&'a [Conj]>, only: Option<&'a BTreeSet<Key>>) -> Self {
        let mut keys: BTreeSet<(Key, usize)> = BTreeSet::new();
        for conj in regions.iter().flat_map(|r| r.iter()) {
            for (k, set) in conj {
                if let ColSet::Classes(bits) = set
                    && only.is_none_or(|o| o.contains(k))
                {
                    keys.insert((*k, bits.universe()));
                }
            }
        }
        let mut columns: Vec<(Key, Vec<Vec<u32>>, Vec<u32>)> = keys
            .iter()
            .map(|&(k, universe)| (k, vec![Vec::new(); universe], Vec::new()))
            .collect();
        let mut footprints = Vec::with_capacity(regions.len());
        for (id, region) in regions.iter().enumerate() {
            let mut prints = Vec::with_capacity(columns.len());
            for (key, by_class, free) in &mut columns {
                let print = footprint(region, *key, by_class.len());
                match &print {
                    Some(bits) => bits.iter().for_each(|c| by_class[c].push(id as u32)),
                    None => free.push(id as u32),
                }
                prints.push(print);
            }
            footprints.push(prints);
        }
        OverlapIndex {
            regions,
            only,
            columns,
            footprints,
        }
    }

    /// Calls `visit` once with each region (other than `i`) that may
    /// overlap region `i`, until `visit` returns `false`. `seen` is scratch
    /// space reused across calls.
    pub fn candidates(&self, i: usize, seen: &mut Vec<u32>, mut visit: impl FnMut(usize) -> bool) {
        // The column where region `i` has the fewest candidates.
        let cost = |c: usize| -> Option<usize> {
            let (_, by_class, free) = &self.columns[c];
            let bits = self.footprints[i][c].as_ref()?;
            Some(free.len() + bits.iter().map(|b| by_class[b].len()).sum::<usize>())
        };
        let best = (0..self.columns.len())
            .filter_map(|c| cost(c).map(|n| (n, c)))
            .min();
        let Some((_, c)) = best else {
            for j in (0..self.regions.len()).filter(|&j| j != i) {
                if !visit(j) {
                    return;
                }
            }
            return;
        };
        seen.resize(self.regions.len(), u32::MAX);
        let stamp = i as u32;
        let (_, by_class, free) = &self.columns[c];
        let bits = self.footprints[i][c].iter().flat_map(|b| b.iter());
        let lists = std::iter::once(free).chain(bits.map(|b| &by_class[b]));
        for list in lists {
            for &j in list {
                let j = j as usize;
                if j == i || seen[j] == stamp {
                    continue;
                }
                seen[j] = stamp;
                if !visit(j) {
                    return;
                }
            }
        }
    }

    /// Whether regions `i` and `j` overlap, exactly.
    pub fn overlap(&self, i: usize, j: usize) -> bool {
        any_overlap(self.regions[i], self.regions[j], self.only)
    }
}

/// The union of a region's sets on column `key`, or `None` when one of its
/// conjunctions leaves the column free.
fn footprint(region: &[Conj], key: Key, universe: usize) -> Option<BitSet> {
    let mut out = BitSet::empty(universe);
    for conj in region {
        match conj.get(&key) {
            Some(ColSet::Classes(bits)) => bits.iter().for_each(|c| out.insert(c)),
            _ => return None,
        }
    }
    Some(out)
}

/// Whether some conjunction of `a` meets one of `b`, looking only at the
/// columns in `only` (all of them, the tier included, when `None`).
pub fn any_overlap(a: &[Conj], b: &[Conj], only: Option<&BTreeSet<Key>>) -> bool {
    let considered = |k: &Key| only.is_none_or(|keys| keys.contains(k));
    a.iter().any(|x| {
        b.iter().any(|y| {
            x.iter()
                .all(|(k, sx)| !considered(k) || y.get(k).is_none_or(|sy| sx.intersects(sy)))
        })
    })
}
