//! A large bucket of the ECCN index, refined by a country or enum column.
//!
//! A table that files hundreds of rows under one ECCN prefix (one rule per
//! destination, say) would have every transaction on that ECCN test them
//! all. Such a bucket also files its rows by the values of the country or
//! enum column most of them test: a transaction then tests only the rows
//! that admit its value there, and the rows that do not test that column.
//! A row left out admits none of the transaction's value, so it could not
//! have matched: the decision is the same (the tests comparing the index
//! with a full scan check it).

use super::{Evaluator, Ids, Test, Val};

/// Buckets of more rows than this are refined.
const REFINE_MIN: usize = 24;

/// The rows of one ECCN prefix.
#[derive(Debug, Clone, Default)]
pub(super) struct Bucket {
    pub(super) ids: Ids,
    refined: Option<Box<Refined>>,
}

#[derive(Debug, Clone)]
struct Refined {
    /// The column read.
    col: usize,
    /// For each value of its domain, the rows whose cell admits it.
    by_value: Vec<Vec<u32>>,
    /// The rows without a cell on that column.
    rest: Vec<u32>,
}

impl Bucket {
    /// The candidates for a transaction with these values.
    pub(super) fn extend_into(&self, values: &[Val], out: &mut Vec<u32>) {
        if let Some(r) = &self.refined
            && let Some(Val::Symbol(v)) = values.get(r.col)
            && let Some(ids) = r.by_value.get(*v as usize)
        {
            out.extend_from_slice(&r.rest);
            out.extend_from_slice(ids);
            return;
        }
        self.ids.extend_into(out);
    }

    /// Refines the bucket when it is large and most of its rows test one
    /// country or enum column.
    pub(super) fn refine(&mut self, ev: &Evaluator) {
        let Ids::Many(ids) = &self.ids else {
            return;
        };
        if ids.len() <= REFINE_MIN {
            return;
        }
        // The symbol column tested by the most rows of the bucket.
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
        let Some(&(col, rows, universe)) =
            counts.iter().max_by_key(|(c, n, _)| (*n, usize::MAX - c))
        else {
            return;
        };
        if rows * 2 < ids.len() {
            return;
        }
        let mut r = Refined {
            col,
            by_value: vec![Vec::new(); universe],
            rest: Vec::new(),
        };
        for &id in ids {
            let cell = ev.cells(id as usize).iter().find_map(|(c, t)| match t {
                Test::Symbols(bits) if *c == col => Some(bits),
                _ => None,
            });
            match cell {
                Some(bits) => {
                    for v in bits.iter() {
                        if let Some(list) = r.by_value.get_mut(v) {
                            list.push(id);
                        }
                    }
                }
                None => r.rest.push(id),
            }
        }
        self.refined = Some(Box::new(r));
    }
}
