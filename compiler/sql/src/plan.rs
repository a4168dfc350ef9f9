//! What the script needs to know about a table: the columns its rows
//! test, the key each decision row is found by, and the names of ranks.

use std::collections::{BTreeSet, HashMap};

use edict_engine::table::{Cell, ColumnType, Review, TIER_COLUMN, Table};

use crate::cells::Kind;
use crate::dialect::Dialect;
use crate::keys::Keys;

/// A table planned for one dialect.
pub(crate) struct Plan<'a> {
    pub dialect: Dialect,
    pub table: &'a Table,
    /// How transactions find rows.
    pub keys: Keys,
    /// Columns some decision row tests, in column order.
    tested: Vec<usize>,
    /// Whether some decision row tests the assessed tier.
    tier_tested: bool,
    /// Each column's position, by name.
    pub index: HashMap<&'a str, usize>,
    /// Per column: for ECCNs, the most parts a prefix of any cell on it
    /// has (at least 1); 0 for other columns.
    pub depth: Vec<usize>,
}

impl<'a> Plan<'a> {
    pub(crate) fn new(dialect: Dialect, table: &'a Table) -> Plan<'a> {
        let index: HashMap<&'a str, usize> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        let mut tested = BTreeSet::new();
        let mut tier_tested = false;
        for row in &table.decision_table {
            for name in row.cells.keys() {
                match index.get(name.as_str()) {
                    Some(i) => {
                        tested.insert(*i);
                    }
                    None => tier_tested |= name == TIER_COLUMN,
                }
            }
        }
        let mut depth = vec![0; table.columns.len()];
        for (k, c) in table.columns.iter().enumerate() {
            if c.ty == ColumnType::Eccn {
                depth[k] = 1;
            }
        }
        let rows = table.decision_table.iter().map(|r| &r.cells);
        for cells in rows.chain(table.tier_table.iter().map(|r| &r.cells)) {
            for (name, cell) in cells {
                let Some(&k) = index.get(name.as_str()) else {
                    continue;
                };
                let prefixes = match cell {
                    Cell::EccnIn { prefixes, except } => prefixes.iter().chain(except),
                    Cell::EccnNotIn { prefixes } => prefixes.iter().chain(&[]),
                    _ => continue,
                };
                for p in prefixes {
                    depth[k] = depth[k].max(p.split('.').count());
                }
            }
        }
        Plan {
            dialect,
            depth,
            table,
            keys: Keys::new(table, &index),
            index,
            tested: tested.into_iter().collect(),
            tier_tested,
        }
    }

    /// The kind of column `k`.
    pub(crate) fn kind(&self, k: usize) -> Kind {
        Kind::of(self.table.columns[k].ty)
    }

    /// What decision rows test: columns (`Some`) then the tier (`None`).
    pub(crate) fn tested_columns(&self) -> Vec<(Option<usize>, Kind)> {
        let mut out: Vec<(Option<usize>, Kind)> = self
            .tested
            .iter()
            .map(|k| (Some(*k), self.kind(*k)))
            .collect();
        if self.tier_tested {
            out.push((None, Kind::Number));
        }
        out
    }

    /// [`Plan::tested_columns`] with the prefix of their fields' names in
    /// `edict_rows` (`c3` for column 3, `tier`).
    pub(crate) fn tested_fields(&self) -> Vec<(String, Kind)> {
        self.tested_columns()
            .into_iter()
            .map(|(k, kind)| (field_prefix(k), kind))
            .collect()
    }
}

/// The prefix of a tested column's fields: `c3`, or `tier`.
pub(crate) fn field_prefix(k: Option<usize>) -> String {
    k.map_or_else(|| TIER_COLUMN.to_string(), |k| format!("c{k}"))
}

/// A review's rank: 0 (presumption of approval) to 3 (policy of denial).
pub(crate) fn review_rank(r: Review) -> usize {
    Review::ALL.iter().position(|x| *x == r).unwrap_or(0)
}
