//! Explanations: which rows matched, which were set aside and why, and
//! which rows missed by a single cell (near misses).
//!
//! Explaining looks at every row of the table, not just the indexed
//! candidates; it is meant for people, not for throughput.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{DecisionSet, Evaluator, TIER_SLOT, Transaction, Val, holds, value};
use crate::table::Cell;
use crate::table::OutcomeKind;

/// Why one jurisdiction decided as it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// The jurisdiction.
    pub jurisdiction: String,
    /// The tier the tier table assessed, if any.
    pub assessed_tier: Option<String>,
    /// Rows that matched and make the decision.
    pub matched: Vec<RowNote>,
    /// Rows that matched but were outranked by a more severe outcome.
    pub set_aside: Vec<RowNote>,
    /// Rules with no matching row, and one of their rows that failed by a
    /// single cell: which cell, and the value it saw.
    pub near_misses: Vec<NearMiss>,
}

/// A row that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RowNote {
    /// The row's `id`.
    pub row: usize,
    /// Its rule.
    pub rule: String,
    /// Its outcome.
    pub outcome: OutcomeKind,
    /// For a row set aside: why.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub why: Option<String>,
}

/// A row that failed by exactly one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NearMiss {
    /// The row's `id`.
    pub row: usize,
    /// Its rule.
    pub rule: String,
    /// Its outcome.
    pub outcome: OutcomeKind,
    /// The column whose cell failed (`tier` for the assessed tier).
    pub column: String,
    /// The cell.
    pub cell: Cell,
    /// The transaction's value in that column (`null`: no assessed tier).
    pub value: serde_json::Value,
}

impl Eq for NearMiss {}

impl Evaluator {
    /// Decides `tx` and explains each jurisdiction's decision.
    pub fn explain(&self, tx: &Transaction) -> DecisionSet {
        let mut set = self.decide(tx);
        let tier = self.assess(tx);
        let tier_val = tier.map(|t| Val::Number(t as f64));
        let table = self.table();
        let mut out = Vec::new();
        for (ji, decision) in set.decisions.iter().enumerate() {
            let mut e = Explanation {
                jurisdiction: decision.jurisdiction.to_string(),
                assessed_tier: tier.and_then(|t| table.tiers.get(t).cloned()),
                matched: Vec::new(),
                set_aside: Vec::new(),
                near_misses: Vec::new(),
            };
            let rows: Vec<usize> = (0..self.rows.len())
                .filter(|&i| self.rows[i].jurisdiction as usize == ji)
                .collect();
            let mut matched_rules = BTreeSet::new();
            for &i in &rows {
                if self.row_holds(i, tx, tier) {
                    let row = &table.decision_table[i];
                    matched_rules.insert(row.rule.as_str());
                    let mut note = RowNote {
                        row: row.id,
                        rule: row.rule.clone(),
                        outcome: row.outcome,
                        why: None,
                    };
                    if row.outcome == decision.outcome {
                        e.matched.push(note);
                    } else {
                        note.why = Some(format!(
                            "outranked by the more severe `{}`",
                            decision.outcome.as_str()
                        ));
                        e.set_aside.push(note);
                    }
                }
            }
            let mut missed = BTreeSet::new();
            for &i in &rows {
                let row = &table.decision_table[i];
                if matched_rules.contains(row.rule.as_str()) || missed.contains(row.rule.as_str()) {
                    continue;
                }
                let failing: Vec<usize> = self
                    .cells(i)
                    .iter()
                    .enumerate()
                    .filter(|(_, (col, t))| !holds(t, value(tx, *col, tier_val.as_ref())))
                    .map(|(k, _)| k)
                    .collect();
                let [k] = failing.as_slice() else { continue };
                let (col, _) = &self.cells(i)[*k];
                let column = if *col == TIER_SLOT {
                    crate::table::TIER_COLUMN.to_string()
                } else {
                    table.columns[*col].name.clone()
                };
                let Some(cell) = row.cells.get(&column) else {
                    continue;
                };
                missed.insert(row.rule.as_str());
                e.near_misses.push(NearMiss {
                    row: row.id,
                    rule: row.rule.clone(),
                    outcome: row.outcome,
                    value: self.shown(tx, *col, tier),
                    column,
                    cell: cell.clone(),
                });
            }
            out.push(e);
        }
        set.explanation = Some(out);
        set
    }

    /// A transaction value as JSON, for explanations.
    fn shown(&self, tx: &Transaction, col: usize, tier: Option<usize>) -> serde_json::Value {
        let table = self.table();
        if col == TIER_SLOT {
            return tier
                .and_then(|t| table.tiers.get(t))
                .map_or(serde_json::Value::Null, |t| t.clone().into());
        }
        match tx.values.get(col) {
            Some(Val::Symbol(i)) => table.columns[col]
                .domain
                .get(*i as usize)
                .map_or(serde_json::Value::Null, |s| s.clone().into()),
            Some(Val::Text(s) | Val::Eccn(s)) => s.clone().into(),
            Some(Val::Number(n)) => serde_json::to_value(crate::table::Num(*n)).unwrap_or_default(),
            Some(Val::Day(d)) => crate::date::Date::from_days_since_epoch(*d as i64)
                .to_string()
                .into(),
            Some(Val::Bool(b)) => (*b).into(),
            None => serde_json::Value::Null,
        }
    }
}
