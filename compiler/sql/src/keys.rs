//! How a transaction finds the rows that can match it: keys.
//!
//! Each decision row is filed under **keys** drawn from its cells, and each
//! transaction computes the keys it could be filed under; an equi-join of
//! the two gives the candidate rows, whose cells are then all checked. A
//! key only has to **cover** the row — every transaction the row holds for
//! must share one of its keys — so keys may over-approximate (a shared key
//! with a row that fails is only a wasted check), and the result stays
//! exact.
//!
//! A row's key combines several **dimensions**, one per cell that can
//! narrow it down: an `eccn_in` cell (its outermost prefixes; the
//! transaction offers every ancestor of its ECCN), an `in` cell (its
//! values), a country or enum `not_in` cell (the rest of the domain), and a
//! number or date range (the **epochs** it overlaps: the stretches between
//! consecutive bounds that any row of the table names on that column).
//! The most selective dimensions are combined while the row has at most
//! a few hundred keys: a row "3A090 or 4A090, to China or Macau, from 2023-10-17
//! to 2024-04-04" is filed under four keys of (ECCN, destination, epoch),
//! and a transaction meets only the few rows of its own ECCN, destination
//! and epoch. The set of columns a row is keyed on is its **signature**;
//! a transaction offers keys for every signature of the table.

use std::collections::{BTreeMap, HashMap, HashSet};

use edict_engine::date::Date;
use edict_engine::table::{Cell, ColumnSpec, ColumnType, Literal, Table};

use crate::cells::{Kind, text_of};

/// The most keys a row gets by combining dimensions (a single dimension,
/// such as 600 prefixes, may have more): [`BUDGET`] shared by the rows,
/// between [`CAP_MIN`] and [`CAP_MAX`] each. More keys find fewer
/// candidates per transaction, but make a longer script to load.
const CAP_MIN: usize = 256;
const CAP_MAX: usize = 1024;
const BUDGET: usize = 1_000_000;

/// Keys of a table.
pub(crate) struct Keys {
    /// Per decision row: its keys; empty when no transaction can match it.
    pub rows: Vec<Vec<String>>,
    /// Per decision row: the columns whose cell its keys decide exactly (an
    /// `in` cell; the prefixes of an `eccn_in` cell, not its `except`),
    /// which need no further check.
    pub covered: Vec<Vec<usize>>,
    /// The column sets rows are keyed on; the first is the empty set, the
    /// key of rows (and "no rule" lines) tried for every transaction.
    pub signatures: Vec<Vec<usize>>,
    /// Per range column that some signature holds: the bounds rows name on
    /// it, sorted; the epoch of a value is the number of bounds at or
    /// below it.
    pub bounds: BTreeMap<usize, Vec<f64>>,
}

/// One way to narrow a row down: key values on a column.
struct Dim {
    col: usize,
    values: Vec<String>,
    /// Whether sharing a key means the cell holds.
    exact: bool,
    /// The share of the column's values the row admits (ECCN prefixes
    /// count as the most selective).
    share: f64,
}

impl Keys {
    /// The keys of `table`, whose columns are at `index` by name.
    pub(crate) fn new(table: &Table, index: &HashMap<&str, usize>) -> Keys {
        let mut all_bounds: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for row in &table.decision_table {
            for (name, cell) in &row.cells {
                let Some(&k) = index.get(name.as_str()) else {
                    continue;
                };
                if let Cell::Range { min, max, .. } = cell {
                    let kind = Kind::of(table.columns[k].ty);
                    let values = [min, max].into_iter().flatten();
                    let entry = all_bounds.entry(k).or_default();
                    entry.extend(values.filter_map(|b| bound_value(kind, b)));
                }
            }
        }
        for b in all_bounds.values_mut() {
            b.sort_by(f64::total_cmp);
            b.dedup();
        }
        let dims: Vec<Vec<Dim>> = table
            .decision_table
            .iter()
            .map(|row| {
                row.cells
                    .iter()
                    .filter_map(|(name, cell)| {
                        let k = *index.get(name.as_str())?;
                        dim(k, &table.columns[k], cell, all_bounds.get(&k))
                    })
                    .collect()
            })
            .collect();
        let ladder = ladder(table.columns.len(), &dims);
        let cap = (BUDGET / dims.len().max(1)).clamp(CAP_MIN, CAP_MAX);
        let mut keys = Keys {
            rows: Vec::with_capacity(table.decision_table.len()),
            covered: Vec::with_capacity(table.decision_table.len()),
            signatures: vec![Vec::new()],
            bounds: BTreeMap::new(),
        };
        for row_dims in dims {
            if row_dims.iter().any(|d| d.values.is_empty()) {
                keys.rows.push(Vec::new());
                keys.covered.push(Vec::new());
                continue;
            }
            let chosen = choose(row_dims, &ladder, cap, |k| {
                table.columns[k].ty == ColumnType::Eccn
            });
            let columns: Vec<usize> = chosen.iter().map(|d| d.col).collect();
            for d in &chosen {
                if let Some(b) = all_bounds.get(&d.col) {
                    keys.bounds.entry(d.col).or_insert_with(|| b.clone());
                }
            }
            let sig = match keys.signatures.iter().position(|s| *s == columns) {
                Some(i) => i,
                None => {
                    keys.signatures.push(columns);
                    keys.signatures.len() - 1
                }
            };
            keys.covered
                .push(chosen.iter().filter(|d| d.exact).map(|d| d.col).collect());
            keys.rows.push(product(sig, &chosen));
        }
        keys
    }
}

/// The columns in the order rows are keyed on them: by the share of rows
/// a column leaves on average (a row without a cell on it leaves all), so
/// that rows share few signatures and a transaction offers few keys.
fn ladder(columns: usize, dims: &[Vec<Dim>]) -> Vec<usize> {
    let mut left = vec![dims.len() as f64; columns];
    for row in dims {
        for d in row {
            left[d.col] -= 1.0 - d.share.max(0.0);
        }
    }
    let mut order: Vec<usize> = (0..columns).collect();
    order.sort_by(|a, b| left[*a].total_cmp(&left[*b]).then(a.cmp(b)));
    order
}

/// The row's `eccn_in` dimension if it has one (the most selective: a
/// transaction's ECCN has only its ancestors), then its dimensions on the
/// first other columns of the ladder while the row keeps at most `cap`
/// keys (or the first dimension's count); returned in column order.
/// Signatures are thus an ECCN column or none, then a prefix of the
/// ladder: a table has few, and a transaction offers a handful of keys.
fn choose(
    dims: Vec<Dim>,
    ladder: &[usize],
    cap: usize,
    is_eccn: impl Fn(usize) -> bool,
) -> Vec<Dim> {
    let mut by_column: HashMap<usize, Dim> = dims.into_iter().map(|d| (d.col, d)).collect();
    let mut chosen: Vec<Dim> = Vec::new();
    let first_eccn = ladder
        .iter()
        .filter(|c| is_eccn(**c))
        .filter_map(|c| by_column.get(c).map(|d| (d.values.len(), *c)))
        .min();
    if let Some((_, c)) = first_eccn {
        chosen.extend(by_column.remove(&c));
    }
    let mut count = chosen.first().map_or(1, |d| d.values.len());
    for col in ladder.iter().filter(|c| !is_eccn(**c)) {
        let Some(d) = by_column.remove(col) else {
            break;
        };
        let limit = chosen
            .first()
            .map_or(usize::MAX, |f| cap.max(f.values.len()));
        let after = count.saturating_mul(d.values.len());
        if after > limit {
            break;
        }
        count = after;
        chosen.push(d);
    }
    chosen.sort_by_key(|d| d.col);
    chosen
}

/// Every combination of the dimensions' values: `sig:v1|v2|…`.
fn product(sig: usize, dims: &[Dim]) -> Vec<String> {
    let mut keys = vec![format!("{sig}:")];
    for (i, d) in dims.iter().enumerate() {
        let sep = if i == 0 { "" } else { "|" };
        keys = keys
            .iter()
            .flat_map(|k| d.values.iter().map(move |v| format!("{k}{sep}{v}")))
            .collect();
    }
    keys
}

/// The dimension a cell gives, if it narrows the row down.
fn dim(col: usize, spec: &ColumnSpec, cell: &Cell, bounds: Option<&Vec<f64>>) -> Option<Dim> {
    let domain = match spec.ty {
        ColumnType::Bool => 2,
        ColumnType::String => 1 << 20,
        _ => spec.domain.len().max(1),
    };
    let mut exact = true;
    let (values, share) = match (Kind::of(spec.ty), cell) {
        // `except` stays in the row's check.
        (Kind::Eccn, Cell::EccnIn { prefixes, .. }) => (outermost(prefixes), 0.0),
        (Kind::Set, Cell::In { values }) => {
            let mut v: Vec<String> = values.iter().map(text_of).collect();
            v.sort();
            v.dedup();
            let share = v.len() as f64 / domain as f64;
            (v, share)
        }
        (Kind::Set, Cell::NotIn { values }) if !spec.domain.is_empty() => {
            let rest = complement(values, &spec.domain);
            let share = rest.len() as f64 / domain as f64;
            (rest, share)
        }
        (
            kind @ (Kind::Number | Kind::Date),
            Cell::Range {
                min,
                max,
                max_inclusive,
                ..
            },
        ) => {
            let bounds = bounds?;
            let epoch = |v: f64| bounds.partition_point(|b| *b <= v);
            let lo = min
                .as_ref()
                .and_then(|m| bound_value(kind, m))
                .map_or(0, epoch);
            let hi = match max.as_ref().and_then(|m| bound_value(kind, m)) {
                None => bounds.len(),
                // The epoch that starts at an excluded bound is out.
                Some(m) if *max_inclusive != Some(true) => epoch(m).saturating_sub(1),
                Some(m) => epoch(m),
            };
            // A long range (an open end over many bounds) narrows little,
            // and would cost a key per epoch: not a dimension.
            if hi.saturating_sub(lo) >= CAP_MAX {
                return None;
            }
            exact = false;
            let values: Vec<String> = (lo..=hi).map(|e| e.to_string()).collect();
            let share = values.len() as f64 / (bounds.len() + 1) as f64;
            (values, share)
        }
        _ => return None,
    };
    Some(Dim {
        col,
        values,
        exact,
        share,
    })
}

/// The domain's values that `values` leaves out, in domain order.
pub(crate) fn complement(values: &[Literal], domain: &[String]) -> Vec<String> {
    let out: HashSet<String> = values.iter().map(text_of).collect();
    domain
        .iter()
        .filter(|v| !out.contains(*v))
        .cloned()
        .collect()
}

/// The key of the "no rule" lines and of rows keyed on nothing: every
/// valid transaction offers it (signature 0, no values).
pub(crate) const EVERY: &str = "0:";

/// A range bound as a number: a double, or a day as `YYYYMMDD`.
pub(crate) fn bound_value(kind: Kind, lit: &Literal) -> Option<f64> {
    match (kind, lit) {
        (Kind::Date, Literal::Text(t)) => Date::parse(t).ok().map(|day| {
            (i64::from(day.year) * 10_000 + i64::from(day.month) * 100 + i64::from(day.day)) as f64
        }),
        (Kind::Number, Literal::Number(n)) => Some(n.0),
        _ => None,
    }
}

/// The prefixes that lie under no other prefix of the list, once each
/// (in time linear in their length: only a prefix's own ancestors can hold it).
fn outermost(prefixes: &[String]) -> Vec<String> {
    let all: HashSet<&str> = prefixes.iter().map(String::as_str).collect();
    let mut out: Vec<String> = all
        .iter()
        .filter(|p| !p.match_indices('.').any(|(i, _)| all.contains(&p[..i])))
        .map(|p| (*p).to_string())
        .collect();
    out.sort();
    out
}
