//! Deciding every row of some inputs under two tables at once, for the
//! impact of a rule change on real data (`edict diff OLD NEW --data`).
//! Each table reads the columns it has; a row either table rejects still
//! comes out, with both outputs.

use std::collections::HashSet;

use edict_engine::eval::{Evaluator, Output};
use rayon::prelude::*;

use crate::decide::{self, Columns, Fields, Id};
use crate::{Format, read};

/// One row under both tables.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The `id` column's value, or the row number.
    pub id: Id,
    /// The row's fields that either table reads; `None` when the row
    /// cannot be read.
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// What the old table decides (or why it rejects the row).
    pub old: Output,
    /// What the new table decides.
    pub new: Output,
}

/// Reads `inputs` (Parquet, CSV, JSON Lines, by extension) in batches and
/// hands each batch of pairs to `each`, in input order; returns the number
/// of rows. `Err`: an input cannot be read (nothing is half-counted: the
/// caller reports nothing).
pub fn pairs(
    old: &Evaluator,
    new: &Evaluator,
    inputs: &[String],
    id: Option<&str>,
    each: &mut dyn FnMut(Vec<Pair>),
) -> Result<u64, String> {
    let formats = inputs
        .iter()
        .map(|i| {
            Format::of(i).ok_or_else(|| {
                format!("`{i}`: the data must end in .parquet, .csv or .jsonl (or be -)")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let names = |ev: &Evaluator| -> HashSet<String> {
        ev.table().columns.iter().map(|c| c.name.clone()).collect()
    };
    let (old_names, new_names) = (names(old), names(new));
    let columns = Columns {
        table: old_names.union(&new_names).cloned().collect(),
        id: id.map(str::to_string),
    };
    let mut types: Vec<_> = Vec::new();
    for c in old.table().columns.iter().chain(&new.table().columns) {
        if !types.iter().any(|(n, _)| *n == c.name) {
            types.push((c.name.clone(), c.ty));
        }
    }
    let mut rows = 0u64;
    for (input, format) in inputs.iter().zip(&formats) {
        let mut source = read::open(input, *format, &columns, &types, 16_384)?;
        while let Some(batch) = source.next_batch()? {
            let first = rows;
            let pairs: Vec<Pair> = batch
                .into_par_iter()
                .enumerate()
                .map(|(i, raw)| {
                    let line = raw.line;
                    let (id, fields) = decide::fields(&columns, first + i as u64 + 1, raw);
                    let only = |keep: &HashSet<String>| -> Result<Fields, _> {
                        match &fields {
                            Ok(f) => Ok(f
                                .iter()
                                .filter(|(k, _)| keep.contains(*k))
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect()),
                            Err(e) => Err(e.clone()),
                        }
                    };
                    let old = decide::decide(old, false, line, only(&old_names));
                    let new = decide::decide(new, false, line, only(&new_names));
                    Pair {
                        fields: fields.ok(),
                        id,
                        old,
                        new,
                    }
                })
                .collect();
            rows += pairs.len() as u64;
            each(pairs);
        }
    }
    Ok(rows)
}
