//! A large bucket of the ECCN index, refined by a country or enum column
//! and by a range column (the date, usually).
//!
//! A table that files hundreds of rows under one ECCN prefix (one rule per
//! destination group and period, say) would have every transaction on that
//! ECCN test them all. Such a bucket also files its rows by the values of
//! the country or enum column most of them test, and each of those lists
//! (when still long) by the stretches of the range column most of them
//! test: a transaction then tests only the rows that admit its value and
//! whose range reaches its date, and the rows that do not test those
//! columns. A row left out cannot hold for the transaction, so the decision
//! is the same (the tests comparing the index with a full scan check it).

use super::{Evaluator, Ids, Test, Val};

/// Lists of more rows than this are refined.
const REFINE_MIN: usize = 24;
/// A refinement may file a row under at most this many values on average
/// (memory stays within a bounded factor of the table)...
const SYMBOL_COPIES: usize = 64;
/// ... and under at most this many stretches on average.
const STRETCH_COPIES: usize = 4;

/// The rows of one ECCN prefix.
#[derive(Debug, Clone, Default)]
pub(super) struct Bucket {
    pub(super) ids: Ids,
    refined: Option<Box<Refined>>,
}

#[derive(Debug, Clone)]
enum Refined {
    /// By the values of a country or enum column, then by range.
    Symbol {
        col: usize,
        /// For each value of its domain, the rows whose cell admits it.
        by_value: Vec<List>,
        /// The rows without a cell on that column.
        rest: List,
    },
    /// By range only.
    Range(List),
}

/// A list of rows, split by the stretches of a range column when long.
#[derive(Debug, Clone)]
enum List {
    Plain(Vec<u32>),
    Ranged {
        col: usize,
        /// The finite bounds of the rows' ranges, ascending.
        bounds: Vec<f64>,
        /// For each elementary stretch — below the first bound, at it,
        /// between it and the next, … — the rows whose range reaches it.
        stretches: Vec<Vec<u32>>,
        /// Rows without a range on the column.
        rest: Vec<u32>,
        all: Vec<u32>,
    },
}

/// The elementary stretch holding `x`: `2i + 1` at bound `i`, `2i` just
/// below it.
fn stretch(bounds: &[f64], x: f64) -> usize {
    let i = bounds.partition_point(|b| *b < x);
    if bounds.get(i) == Some(&x) {
        2 * i + 1
    } else {
        2 * i
    }
}

impl List {
    fn new(ids: Vec<u32>, ev: &Evaluator) -> List {
        if ids.len() <= REFINE_MIN {
            return List::Plain(ids);
        }
        // The range column tested by the most rows of the list.
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for &id in &ids {
            for (col, test) in ev.cells(id as usize) {
                if let Test::Range { .. } = test {
                    match counts.iter_mut().find(|(c, _)| c == col) {
                        Some(entry) => entry.1 += 1,
                        None => counts.push((*col, 1)),
                    }
                }
            }
        }
        let Some(&(col, rows)) = counts.iter().max_by_key(|(c, n)| (*n, usize::MAX - c)) else {
            return List::Plain(ids);
        };
        if rows * 2 < ids.len() {
            return List::Plain(ids);
        }
        let range = |id: u32| {
            ev.cells(id as usize).iter().find_map(|(c, t)| match t {
                Test::Range { min, max } if *c == col => Some((
                    min.map_or(f64::NEG_INFINITY, |m| m.0),
                    max.map_or(f64::INFINITY, |m| m.0),
                )),
                _ => None,
            })
        };
        let mut bounds: Vec<f64> = ids
            .iter()
            .filter_map(|&id| range(id))
            .flat_map(|(lo, hi)| [lo, hi])
            .filter(|b| b.is_finite())
            .collect();
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        let span = |(lo, hi): (f64, f64)| {
            let first = if lo.is_finite() {
                stretch(&bounds, lo)
            } else {
                0
            };
            let last = if hi.is_finite() {
                stretch(&bounds, hi)
            } else {
                2 * bounds.len()
            };
            (first, last.max(first))
        };
        let copies: usize = ids
            .iter()
            .filter_map(|&id| range(id))
            .map(|r| span(r).1 - span(r).0 + 1)
            .sum();
        if copies > STRETCH_COPIES * ids.len() {
            return List::Plain(ids);
        }
        let mut stretches = vec![Vec::new(); 2 * bounds.len() + 1];
        let mut rest = Vec::new();
        for &id in &ids {
            match range(id) {
                Some(r) => {
                    let (first, last) = span(r);
                    for s in stretches.iter_mut().take(last + 1).skip(first) {
                        s.push(id);
                    }
                }
                None => rest.push(id),
            }
        }
        List::Ranged {
            col,
            bounds,
            stretches,
            rest,
            all: ids,
        }
    }

    fn extend_into(&self, values: &[Val], out: &mut Vec<u32>) {
        match self {
            List::Plain(ids) => out.extend_from_slice(ids),
            List::Ranged {
                col,
                bounds,
                stretches,
                rest,
                all,
            } => match values.get(*col) {
                Some(Val::Day(x) | Val::Number(x)) if !x.is_nan() => {
                    out.extend_from_slice(rest);
                    if let Some(s) = stretches.get(stretch(bounds, *x)) {
                        out.extend_from_slice(s);
                    }
                }
                _ => out.extend_from_slice(all),
            },
        }
    }

    fn is_ranged(&self) -> bool {
        matches!(self, List::Ranged { .. })
    }
}

impl Bucket {
    /// The candidates for a transaction with these values.
    pub(super) fn extend_into(&self, values: &[Val], out: &mut Vec<u32>) {
        match self.refined.as_deref() {
            Some(Refined::Symbol {
                col,
                by_value,
                rest,
            }) => match values.get(*col) {
                Some(Val::Symbol(v)) if (*v as usize) < by_value.len() => {
                    rest.extend_into(values, out);
                    by_value[*v as usize].extend_into(values, out);
                }
                _ => self.ids.extend_into(out),
            },
            Some(Refined::Range(list)) => list.extend_into(values, out),
            None => self.ids.extend_into(out),
        }
    }

    /// Refines the bucket when it is large.
    pub(super) fn refine(&mut self, ev: &Evaluator) {
        let Ids::Many(ids) = &self.ids else {
            return;
        };
        if ids.len() <= REFINE_MIN {
            return;
        }
        self.refined = match by_symbol(ids, ev) {
            Some(r) => Some(Box::new(r)),
            None => {
                let list = List::new(ids.clone(), ev);
                list.is_ranged().then(|| Box::new(Refined::Range(list)))
            }
        };
    }
}

/// The rows filed by the country or enum column most of them test, if
/// most of them test one.
fn by_symbol(ids: &[u32], ev: &Evaluator) -> Option<Refined> {
    let mut counts: Vec<(usize, usize, usize)> = Vec::new(); // (col, rows, universe)
    for &id in ids {
        for (col, test) in ev.cells(id as usize) {
            if let Test::Symbols(bits) = test {
                match counts.iter_mut().find(|(c, _, _)| c == col) {
                    Some(entry) => entry.1 += 1,
                    None => counts.push((*col, 1, bits.universe())),
                }
            }
        }
    }
    let &(col, rows, universe) = counts.iter().max_by_key(|(c, n, _)| (*n, usize::MAX - c))?;
    if rows * 2 < ids.len() {
        return None;
    }
    let copies: usize = ids
        .iter()
        .flat_map(|&id| ev.cells(id as usize))
        .map(|(c, t)| match t {
            Test::Symbols(bits) if *c == col => bits.count(),
            _ => 0,
        })
        .sum();
    if copies > SYMBOL_COPIES * ids.len() {
        return None;
    }
    let mut by_value = vec![Vec::new(); universe];
    let mut rest = Vec::new();
    for &id in ids {
        let cell = ev.cells(id as usize).iter().find_map(|(c, t)| match t {
            Test::Symbols(bits) if *c == col => Some(bits),
            _ => None,
        });
        match cell {
            Some(bits) => {
                for v in bits.iter() {
                    if let Some(list) = by_value.get_mut(v) {
                        list.push(id);
                    }
                }
            }
            None => rest.push(id),
        }
    }
    Some(Refined::Symbol {
        col,
        by_value: by_value.into_iter().map(|l| List::new(l, ev)).collect(),
        rest: List::new(rest, ev),
    })
}
