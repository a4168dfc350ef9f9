//! Exact sets of column values, the algebra the table lowering runs on.
//!
//! Every column's values fall into finitely many classes as far as the
//! policy can tell them apart:
//! - enums and countries: their variants; booleans: `false`, `true`;
//! - strings: each string the policy mentions, plus "any other string";
//! - ECCNs: each prefix the policy mentions (an ECCN belongs to the deepest
//!   mentioned prefix it lies under), plus "under none of them";
//! - numbers, dates and tier ranks: intervals between the constants
//!   mentioned, each bound open or closed ([`IntervalSet`]).
//!
//! So a condition on one column is a [`ColSet`] — a bit set of classes or
//! a union of intervals — with exact complement, union and intersection,
//! and a conjunction of conditions is empty exactly when one column's set
//! is. Dated group membership is a [`Dated`] value: one set per stretch of
//! days between the dates where it changes.

use std::cmp::Ordering;

pub use edict_engine::bitset::BitSet;

/// A point between real numbers: just before or just after a value, or an end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cut {
    /// Below every value.
    Bottom,
    /// Just below `v` (so `v` lies above it).
    Before(f64),
    /// Just above `v`.
    After(f64),
    /// Above every value.
    Top,
}

impl Cut {
    fn key(self) -> (u8, f64, u8) {
        match self {
            Cut::Bottom => (0, 0.0, 0),
            Cut::Before(v) => (1, v, 0),
            Cut::After(v) => (1, v, 1),
            Cut::Top => (2, 0.0, 0),
        }
    }
}

impl PartialOrd for Cut {
    fn partial_cmp(&self, other: &Cut) -> Option<Ordering> {
        Some(self.cmp_total(*other))
    }
}

impl Cut {
    /// Total order: Bottom < Before(v) < After(v) < Before(w) (v < w) < Top.
    pub fn cmp_total(self, other: Cut) -> Ordering {
        let (a0, a1, a2) = self.key();
        let (b0, b1, b2) = other.key();
        a0.cmp(&b0).then(a1.total_cmp(&b1)).then(a2.cmp(&b2))
    }
}

/// A union of disjoint intervals `[lo, hi)` between cuts, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalSet {
    /// The intervals; integer-valued columns use only `Before` cuts.
    pub parts: Vec<(Cut, Cut)>,
    discrete: bool,
}

impl IntervalSet {
    /// Everything.
    pub fn full(discrete: bool) -> Self {
        IntervalSet {
            parts: vec![(Cut::Bottom, Cut::Top)],
            discrete,
        }
    }

    /// One interval (normalised; empty if `lo >= hi`).
    pub fn between(lo: Cut, hi: Cut, discrete: bool) -> Self {
        let (lo, hi) = if discrete {
            (normal(lo), normal(hi))
        } else {
            (lo, hi)
        };
        let parts = if lo.cmp_total(hi) == Ordering::Less {
            vec![(lo, hi)]
        } else {
            Vec::new()
        };
        IntervalSet { parts, discrete }
    }

    /// The single value `v`.
    pub fn point(v: f64, discrete: bool) -> Self {
        IntervalSet::between(Cut::Before(v), Cut::After(v), discrete)
    }

    /// Whether nothing is in.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Whether everything is in.
    pub fn is_full(&self) -> bool {
        self.parts == [(Cut::Bottom, Cut::Top)]
    }

    /// Whether the value `v` is in.
    pub fn contains(&self, v: f64) -> bool {
        let (at, past) = (Cut::Before(v), Cut::After(v));
        self.parts.iter().any(|&(lo, hi)| {
            lo.cmp_total(at) != Ordering::Greater && past.cmp_total(hi) != Ordering::Greater
        })
    }

    /// Whether the values are whole (days, tier ranks).
    pub fn is_discrete(&self) -> bool {
        self.discrete
    }

    fn complement(&self) -> IntervalSet {
        let mut parts = Vec::new();
        let mut at = Cut::Bottom;
        for &(lo, hi) in &self.parts {
            if at.cmp_total(lo) == Ordering::Less {
                parts.push((at, lo));
            }
            at = hi;
        }
        if at.cmp_total(Cut::Top) == Ordering::Less {
            parts.push((at, Cut::Top));
        }
        IntervalSet {
            parts,
            discrete: self.discrete,
        }
    }

    fn intersect(&self, other: &IntervalSet) -> IntervalSet {
        let mut parts = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.parts.len() && j < other.parts.len() {
            let (a_lo, a_hi) = self.parts[i];
            let (b_lo, b_hi) = other.parts[j];
            let lo = max_cut(a_lo, b_lo);
            let hi = min_cut(a_hi, b_hi);
            if lo.cmp_total(hi) == Ordering::Less {
                parts.push((lo, hi));
            }
            if a_hi.cmp_total(b_hi) == Ordering::Less {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet {
            parts,
            discrete: self.discrete,
        }
    }

    /// Whether some value is in both, in O(k log n) for sets of k and n
    /// intervals (no set is built): each interval of the smaller set is
    /// looked up in the larger by binary search.
    pub fn intersects(&self, other: &IntervalSet) -> bool {
        let (small, large) = if self.parts.len() <= other.parts.len() {
            (self, other)
        } else {
            (other, self)
        };
        small.parts.iter().any(|&(lo, hi)| {
            // The first interval of `large` ending above `lo` is the only
            // one that can meet (lo, hi): those after it start later still.
            let k = large
                .parts
                .partition_point(|&(_, h)| h.cmp_total(lo) != Ordering::Greater);
            large
                .parts
                .get(k)
                .is_some_and(|&(l, h)| max_cut(l, lo).cmp_total(min_cut(h, hi)) == Ordering::Less)
        })
    }

    fn union(&self, other: &IntervalSet) -> IntervalSet {
        self.complement()
            .intersect(&other.complement())
            .complement()
    }
}

/// Integer columns: "just after v" is "just before v + 1".
fn normal(c: Cut) -> Cut {
    match c {
        Cut::After(v) => Cut::Before(v + 1.0),
        other => other,
    }
}

fn max_cut(a: Cut, b: Cut) -> Cut {
    if a.cmp_total(b) == Ordering::Less {
        b
    } else {
        a
    }
}

fn min_cut(a: Cut, b: Cut) -> Cut {
    if a.cmp_total(b) == Ordering::Less {
        a
    } else {
        b
    }
}

/// The values of one column a condition admits.
#[derive(Debug, Clone, PartialEq)]
pub enum ColSet {
    /// Classes of a finite-class column.
    Classes(BitSet),
    /// Intervals of an ordered column.
    Ranges(IntervalSet),
}

impl ColSet {
    /// Whether no value is admitted.
    pub fn is_empty(&self) -> bool {
        match self {
            ColSet::Classes(b) => b.count() == 0,
            ColSet::Ranges(r) => r.is_empty(),
        }
    }

    /// Whether every value is admitted.
    pub fn is_full(&self) -> bool {
        match self {
            ColSet::Classes(b) => b.count() == b.universe(),
            ColSet::Ranges(r) => r.is_full(),
        }
    }

    /// The values not admitted.
    pub fn complement(&self) -> ColSet {
        match self {
            ColSet::Classes(b) => ColSet::Classes(b.complement()),
            ColSet::Ranges(r) => ColSet::Ranges(r.complement()),
        }
    }

    /// Values admitted by both.
    pub fn intersect(&self, other: &ColSet) -> ColSet {
        match (self, other) {
            (ColSet::Classes(a), ColSet::Classes(b)) => ColSet::Classes(a.zip(b, |x, y| x & y)),
            (ColSet::Ranges(a), ColSet::Ranges(b)) => ColSet::Ranges(a.intersect(b)),
            // INVARIANT: one column always has one kind of set.
            (a, _) => a.clone(),
        }
    }

    /// Values admitted by either.
    pub fn union(&self, other: &ColSet) -> ColSet {
        match (self, other) {
            (ColSet::Classes(a), ColSet::Classes(b)) => ColSet::Classes(a.zip(b, |x, y| x | y)),
            (ColSet::Ranges(a), ColSet::Ranges(b)) => ColSet::Ranges(a.union(b)),
            (a, _) => a.clone(),
        }
    }

    /// Whether some value is admitted by both.
    pub fn intersects(&self, other: &ColSet) -> bool {
        match (self, other) {
            (ColSet::Classes(a), ColSet::Classes(b)) => a.intersects(b),
            (ColSet::Ranges(a), ColSet::Ranges(b)) => a.intersects(b),
            _ => !self.intersect(other).is_empty(),
        }
    }

    /// A key equal for equal sets (for grouping sets by value).
    pub fn fingerprint(&self) -> Vec<u64> {
        match self {
            ColSet::Classes(b) => b.words().to_vec(),
            ColSet::Ranges(r) => r
                .parts
                .iter()
                .flat_map(|&(lo, hi)| [lo, hi])
                .flat_map(|c| {
                    let (tag, v, side) = c.key();
                    [u64::from(tag) << 8 | u64::from(side), v.to_bits()]
                })
                .collect(),
        }
    }

    /// Values admitted by `self` and not by `other`.
    pub fn minus(&self, other: &ColSet) -> ColSet {
        self.intersect(&other.complement())
    }

    /// Whether every value of `self` is admitted by `other`.
    pub fn subset_of(&self, other: &ColSet) -> bool {
        match (self, other) {
            (ColSet::Classes(a), ColSet::Classes(b)) => a.is_subset(b),
            _ => self.minus(other).is_empty(),
        }
    }
}

/// A value that changes on given days: `parts[i]` holds from `breaks[i-1]`
/// (inclusive) to `breaks[i]` (exclusive); days are counted from 1970-01-01.
#[derive(Debug, Clone, PartialEq)]
pub struct Dated<T> {
    /// Ascending days where the value may change.
    pub breaks: Vec<i64>,
    /// One value per stretch: `breaks.len() + 1` of them.
    pub parts: Vec<T>,
}

impl<T: Clone + PartialEq> Dated<T> {
    /// The same value on every day.
    pub fn constant(value: T) -> Self {
        Dated {
            breaks: Vec::new(),
            parts: vec![value],
        }
    }

    /// The value on the stretch starting at `start` (`None`: the first).
    fn at(&self, start: Option<i64>) -> &T {
        let i = start.map_or(0, |day| self.breaks.partition_point(|b| *b <= day));
        &self.parts[i]
    }

    /// The value stretch by stretch over `breaks` (ascending, distinct),
    /// computed from each stretch's first day.
    fn build(breaks: Vec<i64>, f: impl Fn(Option<i64>) -> T) -> Dated<T> {
        let starts = std::iter::once(None).chain(breaks.iter().map(|b| Some(*b)));
        let parts = starts.map(f).collect();
        Dated { breaks, parts }.coalesced()
    }

    /// Combines two dated values stretch by stretch.
    pub fn zip(&self, other: &Dated<T>, f: impl Fn(&T, &T) -> T) -> Dated<T> {
        let mut breaks: Vec<i64> = self.breaks.iter().chain(&other.breaks).copied().collect();
        breaks.sort_unstable();
        breaks.dedup();
        Dated::build(breaks, |start| f(self.at(start), other.at(start)))
    }

    /// `self` on days in `[from, to)`, `outside` elsewhere.
    pub fn window(&self, from: Option<i64>, to: Option<i64>, outside: T) -> Dated<T> {
        let mut breaks: Vec<i64> = self.breaks.iter().copied().chain(from).chain(to).collect();
        breaks.sort_unstable();
        breaks.dedup();
        // A stretch lies inside the window when its first day does (the
        // first stretch starts before every day).
        let inside = |start: Option<i64>| match start {
            None => from.is_none(),
            Some(day) => from.is_none_or(|f| day >= f) && to.is_none_or(|t| day < t),
        };
        Dated::build(breaks, |start| {
            if inside(start) {
                self.at(start).clone()
            } else {
                outside.clone()
            }
        })
    }

    /// Merges neighbouring stretches with equal values.
    fn coalesced(self) -> Dated<T> {
        let mut breaks = Vec::new();
        let mut parts: Vec<T> = Vec::new();
        for (i, part) in self.parts.into_iter().enumerate() {
            if parts.last() == Some(&part) {
                continue;
            }
            if i > 0 {
                breaks.push(self.breaks[i - 1]);
            }
            parts.push(part);
        }
        Dated { breaks, parts }
    }

    /// Each stretch as `(from, to, value)`.
    pub fn stretches(&self) -> Vec<(Option<i64>, Option<i64>, &T)> {
        self.parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let from = if i == 0 {
                    None
                } else {
                    Some(self.breaks[i - 1])
                };
                (from, self.breaks.get(i).copied(), p)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_exact() {
        let lt5 = IntervalSet::between(Cut::Bottom, Cut::Before(5.0), false);
        let ge5 = IntervalSet::between(Cut::Before(5.0), Cut::Top, false);
        assert_eq!(lt5.complement(), ge5);
        assert!(lt5.intersect(&ge5).is_empty());
        assert!(lt5.union(&ge5).is_full());
        // (3, 4) is empty for days but not for numbers.
        let open = |d| IntervalSet::between(Cut::After(3.0), Cut::Before(4.0), d);
        assert!(open(true).is_empty());
        assert!(!open(false).is_empty());
        assert!(!IntervalSet::point(7.0, false).is_empty());
    }

    #[test]
    fn intersects_agrees_with_intersect() {
        // Unions of random points and ranges over a few values, both kinds.
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        for _ in 0..5_000 {
            let discrete = next(2) == 0;
            let mut make = || {
                let mut set = IntervalSet {
                    parts: Vec::new(),
                    discrete,
                };
                for _ in 0..next(5) {
                    let a = next(10) as f64;
                    let part = match next(3) {
                        0 => IntervalSet::point(a, discrete),
                        1 => IntervalSet::between(
                            Cut::Before(a),
                            Cut::Before(a + next(4) as f64),
                            discrete,
                        ),
                        _ => IntervalSet::between(Cut::After(a), Cut::Top, discrete),
                    };
                    set = set.union(&part);
                }
                set
            };
            let (a, b) = (make(), make());
            assert_eq!(a.intersects(&b), !a.intersect(&b).is_empty(), "{a:?} {b:?}");
        }
    }

    #[test]
    fn bitsets_complement_within_length() {
        let mut s = BitSet::empty(70);
        s.insert(3);
        s.insert(69);
        let c = s.complement();
        assert_eq!(c.count(), 68);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![3, 69]);
        assert_eq!(c.iter().count(), 68);
        assert!(!c.contains(3) && !c.contains(69) && c.contains(0));
    }

    #[test]
    fn dated_values_split_and_merge() {
        let base = Dated::constant(1);
        let windowed = base.window(Some(10), Some(20), 0);
        assert_eq!(windowed.breaks, vec![10, 20]);
        assert_eq!(windowed.parts, vec![0, 1, 0]);
        let only_from = base.window(Some(10), None, 0);
        assert_eq!(only_from.parts, vec![0, 1]);
        let sum = windowed.zip(&Dated::constant(1).window(None, Some(10), 0), |a, b| a + b);
        assert_eq!(sum.breaks, vec![20]);
        assert_eq!(sum.parts, vec![1, 0]);
    }
}
