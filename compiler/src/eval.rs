//! The reference evaluator of decision tables.
//!
//! Stage: consumes a [`Table`] (compiled here or read from JSON) and
//! transactions; produces [`DecisionSet`]s. It follows the consumer spec
//! (`compiler/docs/consumer-spec.md`) and nothing else: it never sees the
//! policy source. Loading compiles the cells into a compact form (domain
//! values become bit indices, dates day numbers) and builds an index, so a
//! decision looks at the rows that can match rather than at every row:
//! each row is filed under the prefixes of one of its `eccn_in` cells, or
//! else the values of one of its `in` cells on a country or enum column, or
//! else in a short list scanned for every transaction.

mod decision;
pub mod explain;
pub mod input;

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use decision::{Basis, Contribution, Decision, Merge};
pub use input::{Transaction, TxError, Val};

use crate::diagnostics::Code;
use crate::hir::interpret::under;
use crate::table::sets::BitSet;
use crate::table::{Cell, ColumnSpec, ColumnType, FORMAT, Literal, TIER_COLUMN, Table, VERSION};

/// The decisions of every jurisdiction on one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionSet {
    /// `sha256:` of the table's bytes.
    pub table: String,
    /// The transaction's date.
    pub date: String,
    /// One decision per jurisdiction, in name order.
    pub decisions: Vec<Decision>,
    /// With `--explain`: why, per jurisdiction.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub explanation: Option<Vec<explain::Explanation>>,
}

/// A transaction that could not be decided, as `edict eval` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejected {
    /// The 1-based line of a JSON Lines input.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<usize>,
    /// Every problem found, each with its code.
    pub errors: Vec<TxError>,
}

/// One line of `edict eval` output: a decision, or a rejected transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(title = "Edict evaluation output", extend("$id" = "https://edict.invalid/schema/decision-v1.json"))]
pub enum Output {
    /// The decisions on a transaction.
    Decided(DecisionSet),
    /// Why a transaction was not decided.
    Rejected(Rejected),
}

impl Output {
    /// The JSON Schema of `edict eval` output lines, as written to
    /// `compiler/docs/decision.schema.json`.
    pub fn schema() -> String {
        let schema = schemars::schema_for!(Output);
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A table that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    /// `E0502` (format or version) or `E0503` (malformed).
    pub code: Code,
    /// What is wrong.
    pub message: String,
}

/// A test on one column, compiled.
#[derive(Debug, Clone)]
enum Test {
    /// Domain indices admitted (countries, enums).
    Symbols(BitSet),
    /// Strings admitted (`negated`: all but these).
    Strings(Vec<String>, bool),
    /// Booleans admitted.
    Bools([bool; 2]),
    /// Under one of `prefixes` and none of `except` (`negated`: under none of `prefixes`).
    Eccn {
        prefixes: Vec<String>,
        except: Vec<String>,
        negated: bool,
    },
    /// Between bounds: `(value, inclusive)`.
    Range {
        min: Option<(f64, bool)>,
        max: Option<(f64, bool)>,
    },
}

/// Which value a compiled cell reads.
const TIER_SLOT: usize = usize::MAX;

#[derive(Debug, Clone)]
struct CompiledRow {
    cells: Vec<(usize, Test)>,
    jurisdiction: usize,
}

/// A loaded, indexed table.
#[derive(Debug, Clone)]
pub struct Evaluator {
    table: Table,
    digest: String,
    tier_rows: Vec<(Vec<(usize, Test)>, usize)>,
    rows: Vec<CompiledRow>,
    /// Rows filed by (column, ECCN prefix).
    eccn_index: Vec<(usize, HashMap<String, Vec<u32>>)>,
    /// Rows filed by (column, domain index).
    symbol_index: Vec<(usize, Vec<Vec<u32>>)>,
    /// Rows with neither: checked for every transaction.
    scan: Vec<u32>,
}

impl Evaluator {
    /// Reads a table from its JSON bytes; the digest is of those bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Evaluator, TableError> {
        let malformed = |message: String| TableError {
            code: Code::MalformedTable,
            message,
        };
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| malformed(format!("the table is not JSON: {e}")))?;
        let format = value.get("format").and_then(|f| f.as_str());
        let version = value.get("version").and_then(|v| v.as_u64());
        if format != Some(FORMAT) {
            return Err(TableError {
                code: Code::UnsupportedTable,
                message: match format {
                    Some(f) => format!("the table's format is `{f}`, not `{FORMAT}`"),
                    None => format!("the file has no `format`; expected `{FORMAT}`"),
                },
            });
        }
        if version != Some(u64::from(VERSION)) {
            return Err(TableError {
                code: Code::UnsupportedTable,
                message: match version {
                    Some(v) => format!(
                        "the table has format version {v}; this evaluator reads version {VERSION}"
                    ),
                    None => "the table has no format `version`".to_string(),
                },
            });
        }
        let table: Table = serde_json::from_value(value)
            .map_err(|e| malformed(format!("the table does not match the format: {e}")))?;
        Evaluator::new(table, crate::table::sha256(bytes))
    }

    /// Indexes a table whose bytes have the given digest.
    pub fn new(table: Table, digest: String) -> Result<Evaluator, TableError> {
        let mut tier_rows = Vec::new();
        for (i, row) in table.tier_table.iter().enumerate() {
            let cells = compile_cells(&table, &row.cells)
                .map_err(|m| malformed_at(&format!("tier_table[{i}]"), m))?;
            let rank = table
                .tiers
                .iter()
                .position(|t| *t == row.tier)
                .ok_or_else(|| {
                    malformed_at(
                        &format!("tier_table[{i}]"),
                        format!("unknown tier `{}`", row.tier),
                    )
                })?;
            tier_rows.push((cells, rank));
        }
        let mut rows = Vec::new();
        for (i, row) in table.decision_table.iter().enumerate() {
            let at = format!("decision_table[{i}]");
            let cells = compile_cells(&table, &row.cells).map_err(|m| malformed_at(&at, m))?;
            let jurisdiction = table
                .jurisdictions
                .iter()
                .position(|j| *j == row.jurisdiction)
                .ok_or_else(|| {
                    malformed_at(&at, format!("unknown jurisdiction `{}`", row.jurisdiction))
                })?;
            if let Some(t) = &row.tier
                && !table.tiers.contains(t)
            {
                return Err(malformed_at(&at, format!("unknown tier `{t}`")));
            }
            if row.severity != row.outcome.severity() {
                return Err(malformed_at(
                    &at,
                    "`severity` does not match `outcome`".into(),
                ));
            }
            rows.push(CompiledRow {
                cells,
                jurisdiction,
            });
        }
        let mut ev = Evaluator {
            table,
            digest,
            tier_rows,
            rows,
            eccn_index: Vec::new(),
            symbol_index: Vec::new(),
            scan: Vec::new(),
        };
        ev.build_index();
        Ok(ev)
    }

    fn build_index(&mut self) {
        for (id, row) in self.rows.iter().enumerate() {
            let id = id as u32;
            let eccn = row.cells.iter().find_map(|(col, t)| match t {
                Test::Eccn {
                    prefixes,
                    negated: false,
                    ..
                } => Some((*col, prefixes)),
                _ => None,
            });
            if let Some((col, prefixes)) = eccn {
                let slot = match self.eccn_index.iter().position(|(c, _)| *c == col) {
                    Some(s) => s,
                    None => {
                        self.eccn_index.push((col, HashMap::new()));
                        self.eccn_index.len() - 1
                    }
                };
                for p in prefixes {
                    self.eccn_index[slot]
                        .1
                        .entry(p.clone())
                        .or_default()
                        .push(id);
                }
                continue;
            }
            let symbols = row.cells.iter().find_map(|(col, t)| match t {
                Test::Symbols(bits) if bits.count() * 2 <= bits.universe() => Some((*col, bits)),
                _ => None,
            });
            if let Some((col, bits)) = symbols {
                let slot = match self.symbol_index.iter().position(|(c, _)| *c == col) {
                    Some(s) => s,
                    None => {
                        self.symbol_index
                            .push((col, vec![Vec::new(); bits.universe()]));
                        self.symbol_index.len() - 1
                    }
                };
                for v in bits.iter() {
                    self.symbol_index[slot].1[v].push(id);
                }
                continue;
            }
            self.scan.push(id);
        }
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// `sha256:` of the table's bytes.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The assessed tier's rank: the first tier row whose cells all hold.
    pub fn assess(&self, tx: &Transaction) -> Option<usize> {
        self.tier_rows
            .iter()
            .find(|(cells, _)| cells.iter().all(|(col, t)| holds(t, value(tx, *col, None))))
            .map(|(_, rank)| *rank)
    }

    /// The rows that may match `tx`, ascending, without duplicates.
    fn candidates(&self, tx: &Transaction) -> Vec<u32> {
        let mut out: Vec<u32> = self.scan.clone();
        for (col, index) in &self.eccn_index {
            if let Some(Val::Eccn(v)) = tx.values.get(*col) {
                for (end, _) in v.match_indices('.').chain(std::iter::once((v.len(), ""))) {
                    if let Some(ids) = v.get(..end).and_then(|p| index.get(p)) {
                        out.extend_from_slice(ids);
                    }
                }
            }
        }
        for (col, index) in &self.symbol_index {
            if let Some(Val::Symbol(i)) = tx.values.get(*col)
                && let Some(ids) = index.get(*i as usize)
            {
                out.extend_from_slice(ids);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn row_holds(&self, id: usize, tx: &Transaction, tier: Option<usize>) -> bool {
        self.rows[id]
            .cells
            .iter()
            .all(|(col, t)| holds(t, value(tx, *col, tier)))
    }

    /// Decides `tx` for every jurisdiction.
    pub fn decide(&self, tx: &Transaction) -> DecisionSet {
        let tier = self.assess(tx);
        let mut merges: Vec<Merge<'_>> = self
            .table
            .jurisdictions
            .iter()
            .map(|_| Merge::default())
            .collect();
        for id in self.candidates(tx) {
            let id = id as usize;
            if self.row_holds(id, tx, tier) {
                merges[self.rows[id].jurisdiction].add(self.contribution(id, tier));
            }
        }
        self.finish(tx, merges, tier)
    }

    /// Decides `tx` by testing every row, without the index: slower, and
    /// kept so tests can show the index changes nothing.
    pub fn decide_scanning(&self, tx: &Transaction) -> DecisionSet {
        let tier = self.assess(tx);
        let mut merges: Vec<Merge<'_>> = self
            .table
            .jurisdictions
            .iter()
            .map(|_| Merge::default())
            .collect();
        for id in 0..self.rows.len() {
            if self.row_holds(id, tx, tier) {
                merges[self.rows[id].jurisdiction].add(self.contribution(id, tier));
            }
        }
        self.finish(tx, merges, tier)
    }

    fn finish(&self, tx: &Transaction, merges: Vec<Merge<'_>>, tier: Option<usize>) -> DecisionSet {
        DecisionSet {
            table: self.digest.clone(),
            date: tx.date.clone(),
            decisions: merges
                .into_iter()
                .zip(&self.table.jurisdictions)
                .map(|(m, j)| m.finish(j, &self.table.tiers, tier))
                .collect(),
            explanation: None,
        }
    }

    /// What row `id` contributes when it matches.
    fn contribution(&self, id: usize, assessed: Option<usize>) -> Contribution<'_> {
        let row = &self.table.decision_table[id];
        Contribution {
            rule: &row.rule,
            outcome: row.outcome,
            authorizations: &row.authorizations,
            tier: match &row.tier {
                Some(t) => self.table.tiers.iter().position(|x| x == t),
                None => assessed,
            },
            reasons: &row.reasons,
            review: row.review,
            obligations: &row.obligations,
            citations: &row.citations,
        }
    }

    /// Parses a transaction against the table's columns.
    pub fn transaction(&self, json: &serde_json::Value) -> Result<Transaction, Vec<TxError>> {
        input::parse(&self.table.columns, json)
    }
}

fn malformed_at(at: &str, message: String) -> TableError {
    TableError {
        code: Code::MalformedTable,
        message: format!("{at}: {message}"),
    }
}

/// The value a cell reads: a column, or the assessed tier.
fn value(tx: &Transaction, col: usize, tier: Option<usize>) -> Option<Val> {
    if col == TIER_SLOT {
        return tier.map(|t| Val::Number(t as f64));
    }
    tx.values.get(col).cloned()
}

fn holds(t: &Test, v: Option<Val>) -> bool {
    let Some(v) = v else { return false };
    match (t, &v) {
        (Test::Symbols(bits), Val::Symbol(i)) => bits.contains(*i as usize),
        (Test::Strings(list, negated), Val::Text(s)) => list.contains(s) != *negated,
        (Test::Bools(allowed), Val::Bool(b)) => allowed[usize::from(*b)],
        (
            Test::Eccn {
                prefixes,
                except,
                negated,
            },
            Val::Eccn(e),
        ) => {
            let inside =
                prefixes.iter().any(|p| under(e, p)) && !except.iter().any(|x| under(e, x));
            inside != *negated
        }
        (Test::Range { min, max }, Val::Number(x) | Val::Day(x)) => {
            let x = *x;
            min.is_none_or(|(m, inc)| if inc { x >= m } else { x > m })
                && max.is_none_or(|(m, inc)| if inc { x <= m } else { x < m })
        }
        _ => false,
    }
}

fn compile_cells(
    table: &Table,
    cells: &std::collections::BTreeMap<String, Cell>,
) -> Result<Vec<(usize, Test)>, String> {
    let mut out = Vec::with_capacity(cells.len());
    for (name, cell) in cells {
        if name == TIER_COLUMN {
            out.push((TIER_SLOT, compile_range(cell, None)?));
            continue;
        }
        let (col, spec) = table
            .columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == *name)
            .ok_or_else(|| format!("a cell tests unknown column `{name}`"))?;
        out.push((col, compile_cell(spec, cell)?));
    }
    Ok(out)
}

fn compile_cell(spec: &ColumnSpec, cell: &Cell) -> Result<Test, String> {
    let wrong = || {
        format!(
            "cell `{}` does not fit column `{}` ({:?})",
            op_name(cell),
            spec.name,
            spec.ty
        )
    };
    match (spec.ty, cell) {
        (ColumnType::Country | ColumnType::Enum, Cell::In { values } | Cell::NotIn { values }) => {
            let mut bits = BitSet::empty(spec.domain.len());
            for v in values {
                let Literal::Text(t) = v else {
                    return Err(wrong());
                };
                let i = spec
                    .domain
                    .iter()
                    .position(|d| d == t)
                    .ok_or_else(|| format!("`{t}` is not in the domain of `{}`", spec.name))?;
                bits.insert(i);
            }
            if matches!(cell, Cell::NotIn { .. }) {
                let mut all = BitSet::empty(bits.universe());
                for i in (0..bits.universe()).filter(|&i| !bits.contains(i)) {
                    all.insert(i);
                }
                bits = all;
            }
            Ok(Test::Symbols(bits))
        }
        (ColumnType::String, Cell::In { values } | Cell::NotIn { values }) => {
            let list = values
                .iter()
                .map(|v| match v {
                    Literal::Text(t) => Ok(t.clone()),
                    _ => Err(wrong()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Test::Strings(list, matches!(cell, Cell::NotIn { .. })))
        }
        (ColumnType::Bool, Cell::In { values } | Cell::NotIn { values }) => {
            let mut allowed = [false; 2];
            for v in values {
                let Literal::Bool(b) = v else {
                    return Err(wrong());
                };
                allowed[usize::from(*b)] = true;
            }
            if matches!(cell, Cell::NotIn { .. }) {
                allowed = [!allowed[0], !allowed[1]];
            }
            Ok(Test::Bools(allowed))
        }
        (ColumnType::Eccn, Cell::EccnIn { prefixes, except }) => Ok(Test::Eccn {
            prefixes: prefixes.clone(),
            except: except.clone(),
            negated: false,
        }),
        (ColumnType::Eccn, Cell::EccnNotIn { prefixes }) => Ok(Test::Eccn {
            prefixes: prefixes.clone(),
            except: Vec::new(),
            negated: true,
        }),
        (ColumnType::Number | ColumnType::Date, Cell::Range { .. }) => {
            compile_range(cell, Some(spec.ty))
        }
        _ => Err(wrong()),
    }
}

/// A range cell; `ty` is `None` for the tier (ranks).
fn compile_range(cell: &Cell, ty: Option<ColumnType>) -> Result<Test, String> {
    let Cell::Range {
        min,
        min_inclusive,
        max,
        max_inclusive,
    } = cell
    else {
        return Err(format!("cell `{}` cannot test the tier", op_name(cell)));
    };
    let bound =
        |lit: &Option<Literal>, inclusive: &Option<bool>| -> Result<Option<(f64, bool)>, String> {
            let Some(lit) = lit else { return Ok(None) };
            let v = match (ty, lit) {
                (Some(ColumnType::Date), Literal::Text(t)) => crate::date::Date::parse(t)
                    .map_err(|_| format!("`{t}` is not a date"))?
                    .days_since_epoch()
                    as f64,
                (Some(ColumnType::Number) | None, Literal::Number(n)) => n.0,
                _ => return Err("a range bound of the wrong type".into()),
            };
            let inclusive = inclusive.ok_or("a range bound without its `_inclusive` flag")?;
            Ok(Some((v, inclusive)))
        };
    Ok(Test::Range {
        min: bound(min, min_inclusive)?,
        max: bound(max, max_inclusive)?,
    })
}

fn op_name(cell: &Cell) -> &'static str {
    match cell {
        Cell::In { .. } => "in",
        Cell::NotIn { .. } => "not_in",
        Cell::EccnIn { .. } => "eccn_in",
        Cell::EccnNotIn { .. } => "eccn_not_in",
        Cell::Range { .. } => "range",
    }
}
