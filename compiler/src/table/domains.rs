//! The classes of values a policy can tell apart, per type, and the cells
//! that admit exactly a given set of classes.
//!
//! Enums, countries and booleans have their values as classes; strings
//! have each mentioned string plus "any other"; ECCNs have each mentioned
//! prefix (an ECCN belongs to the deepest one it lies under) plus "under
//! none". Numbers, dates and tier ranks are ordered and use intervals
//! instead ([`super::sets::IntervalSet`]).

use std::collections::{BTreeMap, BTreeSet};

use super::sets::{BitSet, ColSet, Cut, IntervalSet};
use super::{Cell, Literal, Num};
use crate::date::Date;
use crate::hir::interpret::under;
use crate::hir::{Elem, Program, Value};

/// The classes of every type, as the policy can tell values apart.
#[derive(Debug, Clone)]
pub struct Domains {
    /// Every ECCN prefix the policy mentions, sorted; the class after the
    /// last is "under none of them".
    pub eccns: Vec<String>,
    /// For each mentioned prefix, and last for the root, the mentioned
    /// prefixes whose deepest mentioned ancestor it is.
    eccn_children: Vec<Vec<usize>>,
    /// For each mentioned prefix, its deepest mentioned strict ancestor.
    eccn_parent: Vec<Option<usize>>,
    /// Every string the policy mentions, sorted; the class after the last
    /// is "any other string".
    pub strings: Vec<String>,
    /// Variant names of each enum (countries too), by key.
    pub enums: BTreeMap<String, Vec<String>>,
}

impl Domains {
    pub(super) fn new(program: &Program) -> Self {
        Domains::with(program, &[])
    }

    /// The classes of a program and of `extra` conditions.
    pub(super) fn with(program: &Program, extra: &[&crate::hir::Cond]) -> Self {
        let mut eccns = BTreeSet::new();
        let mut strings = BTreeSet::new();
        for v in program.mentions_with(extra).values {
            match v {
                Value::Eccn(e) => {
                    eccns.insert(e);
                }
                Value::Text(t) => {
                    strings.insert(t);
                }
                _ => {}
            }
        }
        let enums = program
            .enums
            .iter()
            .map(|(k, vs)| (k.clone(), vs.iter().map(|v| v.name.clone()).collect()))
            .collect();
        Domains::from_parts(eccns, strings, enums)
    }

    /// Classes from the mentioned ECCN prefixes and strings and the
    /// variants of each enum (by key; countries under
    /// [`crate::hir::COUNTRY_ENUM`]).
    pub fn from_parts(
        eccns: BTreeSet<String>,
        strings: BTreeSet<String>,
        enums: BTreeMap<String, Vec<String>>,
    ) -> Self {
        let eccns: Vec<String> = eccns.into_iter().collect();
        Domains {
            eccn_parent: eccn_parents(&eccns),
            eccn_children: eccn_children(&eccns),
            eccns,
            strings: strings.into_iter().collect(),
            enums,
        }
    }

    /// The number of classes of a finite type; `None` for ordered types.
    pub fn classes(&self, elem: &Elem) -> Option<usize> {
        match elem {
            Elem::Bool => Some(2),
            Elem::Str => Some(self.strings.len() + 1),
            Elem::Eccn => Some(self.eccns.len() + 1),
            Elem::Country => Some(self.enum_variants(elem).len()),
            Elem::Enum(_) => Some(self.enum_variants(elem).len()),
            Elem::Date | Elem::Number | Elem::Tier => None,
        }
    }

    /// The variant names of an enum or country type (empty for others).
    pub fn enum_variants(&self, elem: &Elem) -> &[String] {
        let key = match elem {
            Elem::Country => crate::hir::COUNTRY_ENUM,
            Elem::Enum(k) => k.as_str(),
            _ => return &[],
        };
        self.enums.get(key).map_or(&[], Vec::as_slice)
    }

    /// Everything of a type.
    pub fn full(&self, elem: &Elem) -> ColSet {
        match self.classes(elem) {
            Some(n) => ColSet::Classes(BitSet::full(n)),
            None => ColSet::Ranges(IntervalSet::full(*elem != Elem::Number)),
        }
    }

    /// The values equal to `v` (for ECCNs: lying under `v`).
    pub fn of_value(&self, elem: &Elem, v: &Value) -> ColSet {
        let mut bits = self.classes(elem).map(BitSet::empty);
        match (elem, v, &mut bits) {
            (Elem::Bool, Value::Bool(b), Some(bits)) => bits.insert(usize::from(*b)),
            (Elem::Str, Value::Text(t), Some(bits)) => {
                if let Ok(i) = self.strings.binary_search(t) {
                    bits.insert(i);
                }
            }
            (Elem::Eccn, Value::Eccn(p), Some(bits)) => {
                // Sorted, a prefix's descendants follow it: `p`, then `p.…`
                // (`/` is the character after `.`).
                let start = self.eccns.partition_point(|e| e.as_str() < p.as_str());
                let end = self.eccns.partition_point(|e| *e < format!("{p}/"));
                for i in start..end {
                    if under(&self.eccns[i], p) {
                        bits.insert(i);
                    }
                }
            }
            (Elem::Country | Elem::Enum(_), Value::Text(t), Some(bits)) => {
                if let Some(i) = self.enum_variants(elem).iter().position(|n| n == t) {
                    bits.insert(i);
                }
            }
            (Elem::Number, Value::Number(n), None) => {
                return ColSet::Ranges(IntervalSet::point(*n, false));
            }
            (Elem::Date, Value::Date(d), None) => {
                return ColSet::Ranges(IntervalSet::point(d.days_since_epoch() as f64, true));
            }
            (Elem::Tier, Value::Tier(r), None) => {
                return ColSet::Ranges(IntervalSet::point(*r as f64, true));
            }
            _ => {}
        }
        match bits {
            Some(bits) => ColSet::Classes(bits),
            None => ColSet::Ranges(IntervalSet::between(Cut::Top, Cut::Top, false)),
        }
    }

    /// The cell alternatives that together admit exactly `set` (one cell
    /// each; several when one cell cannot say it). Empty = no test needed.
    pub fn cells(&self, elem: &Elem, set: &ColSet) -> Vec<Cell> {
        if set.is_full() {
            return Vec::new();
        }
        match (elem, set) {
            (Elem::Eccn, ColSet::Classes(bits)) => {
                eccn_cells(&self.eccns, &self.eccn_children, &self.eccn_parent, bits)
            }
            (Elem::Str, ColSet::Classes(bits)) => {
                let other = self.strings.len();
                let pick = |keep: bool| -> Vec<Literal> {
                    (0..other)
                        .filter(|&i| bits.contains(i) == keep)
                        .map(|i| Literal::Text(self.strings[i].clone()))
                        .collect()
                };
                if bits.contains(other) {
                    vec![Cell::NotIn {
                        values: pick(false),
                    }]
                } else {
                    vec![Cell::In { values: pick(true) }]
                }
            }
            (Elem::Bool, ColSet::Classes(bits)) => vec![Cell::In {
                values: bits.iter().map(|i| Literal::Bool(i == 1)).collect(),
            }],
            (_, ColSet::Classes(bits)) => {
                let names = self.enum_variants(elem);
                let lits = |keep: bool| -> Vec<Literal> {
                    names
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| bits.contains(*i) == keep)
                        .map(|(_, n)| Literal::Text(n.clone()))
                        .collect()
                };
                if bits.count() * 2 <= bits.universe() {
                    vec![Cell::In { values: lits(true) }]
                } else {
                    vec![Cell::NotIn {
                        values: lits(false),
                    }]
                }
            }
            (_, ColSet::Ranges(r)) => r
                .parts
                .iter()
                .map(|&(lo, hi)| range_cell(elem, lo, hi))
                .collect(),
        }
    }
}

fn range_cell(elem: &Elem, lo: Cut, hi: Cut) -> Cell {
    let lit = |v: f64| -> Literal {
        match elem {
            Elem::Date => Literal::Text(Date::from_days_since_epoch(v as i64).to_string()),
            _ => Literal::Number(Num(v)),
        }
    };
    let (min, min_inclusive) = match lo {
        Cut::Before(v) => (Some(lit(v)), Some(true)),
        Cut::After(v) => (Some(lit(v)), Some(false)),
        Cut::Bottom | Cut::Top => (None, None),
    };
    let (max, max_inclusive) = match hi {
        Cut::Before(v) => (Some(lit(v)), Some(false)),
        Cut::After(v) => (Some(lit(v)), Some(true)),
        Cut::Bottom | Cut::Top => (None, None),
    };
    Cell::Range {
        min,
        min_inclusive,
        max,
        max_inclusive,
    }
}

/// For each prefix of the sorted list `eccns`, its deepest listed strict
/// ancestor.
fn eccn_parents(eccns: &[String]) -> Vec<Option<usize>> {
    eccns
        .iter()
        .map(|e| {
            // Ancestors of `3A090.a.1` are `3A090.a` and `3A090`: try the
            // longest first.
            e.rmatch_indices('.')
                .filter_map(|(at, _)| eccns.binary_search_by(|x| x.as_str().cmp(&e[..at])).ok())
                .next()
        })
        .collect()
}

/// For each prefix of the sorted list `eccns` (and last, the root), the
/// prefixes whose deepest listed strict ancestor it is.
fn eccn_children(eccns: &[String]) -> Vec<Vec<usize>> {
    let n = eccns.len();
    let mut children = vec![Vec::new(); n + 1];
    for (i, parent) in eccn_parents(eccns).into_iter().enumerate() {
        children[parent.unwrap_or(n)].push(i);
    }
    children
}

/// ECCN cells admitting exactly the classes in `bits` (class `i` < n is
/// "deepest mentioned prefix is `eccns[i]`", class n is "under none").
fn eccn_cells(
    eccns: &[String],
    tree: &[Vec<usize>],
    parent: &[Option<usize>],
    bits: &BitSet,
) -> Vec<Cell> {
    let n = eccns.len();
    let children = |p: Option<usize>| -> &[usize] { &tree[p.unwrap_or(n)] };
    let inside = |i: usize| bits.contains(i);
    // Descends from `tops`, through classes whose membership equals `skip`,
    // to the first classes whose membership differs.
    let frontier = |tops: &[Option<usize>], skip: bool| -> Vec<usize> {
        let mut found = Vec::new();
        let mut stack: Vec<usize> = tops
            .iter()
            .flat_map(|t| children(*t).iter().copied())
            .collect();
        while let Some(c) = stack.pop() {
            if inside(c) == skip {
                stack.extend(children(Some(c)).iter().copied());
            } else {
                found.push(c);
            }
        }
        found.sort_unstable();
        found
    };
    let names = |ids: &[usize]| -> Vec<String> {
        let mut v: Vec<String> = ids.iter().map(|&i| eccns[i].clone()).collect();
        v.sort();
        v
    };
    let mut cells = Vec::new();
    let mut excluded: Vec<Option<usize>> = if bits.contains(n) {
        let out = frontier(&[None], true);
        cells.push(Cell::EccnNotIn {
            prefixes: names(&out),
        });
        out.into_iter().map(Some).collect()
    } else {
        vec![None]
    };
    // The outermost prefixes: from the root, the frontier is the members
    // with no member among their ancestors. Found from the members (a row
    // names few) rather than by walking every prefix of the policy.
    let outermost = |excluded: &[Option<usize>]| -> Vec<usize> {
        if excluded != [None] {
            return frontier(excluded, false);
        }
        bits.iter()
            .filter(|&m| m < n)
            .filter(|&m| {
                let mut up = parent[m];
                while let Some(p) = up {
                    if inside(p) {
                        return false;
                    }
                    up = parent[p];
                }
                true
            })
            .collect()
    };
    loop {
        let tops = outermost(&excluded);
        if tops.is_empty() {
            break;
        }
        let top_ids: Vec<Option<usize>> = tops.iter().map(|&t| Some(t)).collect();
        let except = frontier(&top_ids, true);
        cells.push(Cell::EccnIn {
            prefixes: names(&tops),
            except: names(&except),
        });
        excluded = except.into_iter().map(Some).collect();
    }
    cells
}
