//! The impact of a change on real data: `edict diff OLD NEW --data FILE`.
//!
//! Stage: after the diff. Every row of the data is decided under both
//! versions (through `edict-screen`'s readers, on all cores); a row whose
//! decision changes in a jurisdiction — by the same test as the regions,
//! what the decision says, not which rules say it — is counted in the
//! region of that jurisdiction it lies in. The regions are found by an
//! evaluator of their own: a table with one row per region, whose cells
//! are the region's, so membership is tested by the reference semantics.

use std::collections::BTreeSet;
use std::sync::Arc;

use edict_screen::{Id, Pair};
use serde_json::Value;

use super::impact::substance;
use super::{DataImpact, Direction, Region, RegionRows, Report, Version};
use crate::eval::{Decision, DecisionSet, Evaluator, Output};
use crate::table::{ColumnSpec, OutcomeKind, Row, Source, Sources, Table};

/// Row ids kept per region.
const SAMPLE: usize = 5;

/// Decides every row of `inputs` under both versions and sets
/// `report.data`. `Err`: a table cannot be read back, or an input cannot
/// be read (then nothing is set).
pub fn attach(
    report: &mut Report,
    old: &Version,
    new: &Version,
    inputs: &[String],
    id: Option<&str>,
) -> Result<(), String> {
    let evaluator =
        |v: &Version| Evaluator::new(v.table.clone(), v.digest.clone()).map_err(|e| e.message);
    let (old_ev, new_ev) = (evaluator(old)?, evaluator(new)?);
    let regions = region_evaluator(&old.table, &new.table, &report.impact)?;
    let jurisdictions: BTreeSet<&str> = old
        .table
        .jurisdictions
        .iter()
        .chain(&new.table.jurisdictions)
        .map(String::as_str)
        .collect();
    let mut data = DataImpact {
        inputs: inputs.to_vec(),
        regions: vec![RegionRows::default(); report.impact.len()],
        ..DataImpact::default()
    };
    let sides = [&old_ev, &new_ev];
    let rows = edict_screen::pairs(&old_ev, &new_ev, inputs, id, &mut |batch: Vec<Pair>| {
        for pair in batch {
            let (Output::Decided(a), Output::Decided(b), Some(fields)) =
                (&pair.old, &pair.new, &pair.fields)
            else {
                data.rejected += 1;
                continue;
            };
            let mut moved: BTreeSet<Direction> = BTreeSet::new();
            // The regions the row lies in, found once per row that changes.
            let mut inside: Option<Option<DecisionSet>> = None;
            for j in &jurisdictions {
                let before = decision(a, j, sides[0], fields);
                let after = decision(b, j, sides[1], fields);
                if substance(&before) == substance(&after) {
                    continue;
                }
                let set = inside.get_or_insert_with(|| {
                    regions
                        .transaction(&Value::Object(fields.clone()))
                        .ok()
                        .map(|tx| regions.decide(&tx))
                });
                match set.as_ref().and_then(|set| region_of(set, j)) {
                    Some(i) => {
                        let r = &mut data.regions[i];
                        r.rows += 1;
                        if r.sample.len() < SAMPLE {
                            r.sample.push(id_value(&pair.id));
                        }
                        moved.insert(report.impact[i].direction);
                    }
                    None => data.outside_regions += 1,
                }
            }
            if !moved.is_empty() {
                data.changed += 1;
            }
            data.tightening += u64::from(moved.contains(&Direction::Tightening));
            data.loosening += u64::from(moved.contains(&Direction::Loosening));
            data.lateral += u64::from(moved.contains(&Direction::Lateral));
        }
    })?;
    data.rows = rows;
    report.data = Some(data);
    Ok(())
}

/// Jurisdiction `j`'s decision in `set`; for a jurisdiction the version
/// does not have, "no rule applies" with its assessed tier, as the diff
/// reads an absent jurisdiction.
fn decision(
    set: &DecisionSet,
    j: &str,
    ev: &Evaluator,
    fields: &serde_json::Map<String, Value>,
) -> Decision {
    if let Some(d) = set.decisions.iter().find(|d| &*d.jurisdiction == j) {
        return d.clone();
    }
    let names: BTreeSet<&str> = ev.table().columns.iter().map(|c| c.name.as_str()).collect();
    let own: serde_json::Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| names.contains(k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let tier = ev
        .transaction(&Value::Object(own))
        .ok()
        .and_then(|tx| ev.assess(&tx))
        .and_then(|r| ev.table().tiers.get(r))
        .map(|t| Arc::from(t.as_str()));
    Decision::no_rule(Arc::from(j), tier)
}

/// The region of jurisdiction `j` the row lies in (regions are disjoint),
/// from the regions' decisions on the row.
fn region_of(set: &DecisionSet, j: &str) -> Option<usize> {
    let d = set.decisions.iter().find(|d| &*d.jurisdiction == j)?;
    d.rules.first()?.parse().ok()
}

/// An evaluator whose rows are the regions: row `i` holds exactly where
/// region `i` does, and names rule `i`.
fn region_evaluator(old: &Table, new: &Table, impact: &[Region]) -> Result<Evaluator, String> {
    let mut columns: Vec<ColumnSpec> = Vec::new();
    for c in old.columns.iter().chain(&new.columns) {
        match columns.iter_mut().find(|x| x.name == c.name) {
            Some(seen) => {
                for v in &c.domain {
                    if !seen.domain.contains(v) {
                        seen.domain.push(v.clone());
                    }
                }
            }
            None => columns.push(ColumnSpec {
                labels: Default::default(),
                ..c.clone()
            }),
        }
    }
    let jurisdictions: BTreeSet<String> = impact.iter().map(|r| r.jurisdiction.clone()).collect();
    let source = Source {
        module: String::new(),
        path: String::new(),
        file: String::new(),
        line: 0,
        column: 0,
        span: Default::default(),
    };
    let rows = impact
        .iter()
        .enumerate()
        .map(|(i, r)| Row {
            id: i,
            jurisdiction: r.jurisdiction.clone(),
            rule: i.to_string(),
            cells: r.cells.clone(),
            outcome: OutcomeKind::Deny,
            severity: OutcomeKind::Deny.severity(),
            authorizations: Vec::new(),
            tier: None,
            reasons: Vec::new(),
            review: None,
            obligations: Vec::new(),
            citations: Vec::new(),
            rationale: None,
            description: None,
            source: source.clone(),
        })
        .collect();
    let table = Table {
        format: crate::table::FORMAT.into(),
        version: crate::table::VERSION,
        policy: "regions".into(),
        compiler: String::new(),
        sources: Sources {
            digest: String::new(),
            modules: Vec::new(),
        },
        tiers: Vec::new(),
        columns,
        jurisdictions: jurisdictions.into_iter().collect(),
        authorizations: Default::default(),
        tier_table: Vec::new(),
        decision_table: rows,
    };
    Evaluator::new(table, "regions".into()).map_err(|e| format!("the regions: {}", e.message))
}

fn id_value(id: &Id) -> Value {
    match id {
        Id::Row(n) => Value::from(*n),
        Id::Value(v) => v.clone().unwrap_or(Value::Null),
    }
}
