//! The reference evaluator of decision tables.
//!
//! Stage: consumes a [`Table`] (compiled here or read from JSON) and
//! transactions; produces [`DecisionSet`]s. It follows the consumer spec
//! (`compiler/docs/consumer-spec.md`) and nothing else: it never sees the
//! policy source. Loading compiles the cells into a compact form (domain
//! values become bit indices, dates day numbers) and builds an index, so a
//! decision looks at the rows that can match rather than at every row:
//! each row is filed under the prefixes of one of its `eccn_in` cells
//! (hashed), or else under the values its narrowest country or enum cell
//! admits, or else in a short list scanned for every transaction. A row's
//! compiled tests sit in one array, ranges (dates) first.

mod bucket;
mod decision;
pub mod explain;
pub mod input;
pub mod json;
pub mod lines;

use std::collections::HashMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use decision::{Basis, Contribution, Decision, Merge};
pub use input::{ColumnIndex, Transaction, TxError, Val};

use crate::bitset::BitSet;
use crate::codes::Code;
use crate::eccn::under;
use crate::table::{Cell, ColumnSpec, ColumnType, FORMAT, Literal, TIER_COLUMN, Table, VERSION};

/// The decisions of every jurisdiction on one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionSet {
    /// `sha256:` of the table's bytes.
    pub table: Arc<str>,
    /// The id of the key whose signature over the table was verified
    /// (`--trusted-key`): with `table`, a receipt of which table decided.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub key: Option<Arc<str>>,
    /// The transaction's date.
    pub date: Arc<str>,
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
    Symbols(Bits),
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

/// Admitted domain indices: inline for domains of up to 256 values (every
/// country fits), on the heap beyond.
#[derive(Debug, Clone)]
enum Bits {
    Inline([u64; 4], usize),
    Heap(BitSet),
}

impl Bits {
    fn from(set: &BitSet) -> Bits {
        if set.universe() <= 256 {
            let mut words = [0u64; 4];
            for i in set.iter() {
                words[i / 64] |= 1 << (i % 64);
            }
            Bits::Inline(words, set.universe())
        } else {
            Bits::Heap(set.clone())
        }
    }

    fn contains(&self, i: usize) -> bool {
        match self {
            Bits::Inline(words, n) => i < *n && words[i / 64] & (1 << (i % 64)) != 0,
            Bits::Heap(set) => set.contains(i),
        }
    }

    fn count(&self) -> usize {
        match self {
            Bits::Inline(words, _) => words.iter().map(|w| w.count_ones() as usize).sum(),
            Bits::Heap(set) => set.count(),
        }
    }

    fn universe(&self) -> usize {
        match self {
            Bits::Inline(_, n) => *n,
            Bits::Heap(set) => set.universe(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.universe()).filter(|&i| self.contains(i))
    }
}

/// Which value a compiled cell reads.
const TIER_SLOT: usize = usize::MAX;

/// A fast hasher for the short ECCN keys of the index (the multiply-rotate
/// scheme of rustc's FxHash). Keys come from the table, not from an
/// adversary choosing collisions, so a keyed hash buys nothing here.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// The rows filed under one key: most keys have one row, kept inline.
#[derive(Debug, Clone, Default)]
enum Ids {
    #[default]
    None,
    One(u32),
    Many(Vec<u32>),
}

impl Ids {
    fn push(&mut self, id: u32) {
        *self = match std::mem::take(self) {
            Ids::None => Ids::One(id),
            Ids::One(first) if first == id => Ids::One(first),
            Ids::One(first) => Ids::Many(vec![first, id]),
            Ids::Many(mut ids) => {
                if ids.last() != Some(&id) {
                    ids.push(id);
                }
                Ids::Many(ids)
            }
        };
    }

    fn extend_into(&self, out: &mut Vec<u32>) {
        match self {
            Ids::None => {}
            Ids::One(id) => out.push(*id),
            Ids::Many(ids) => out.extend_from_slice(ids),
        }
    }
}

/// The index key of an ECCN prefix.
fn key_of(prefix: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = FxHasher::default();
    h.write(prefix.as_bytes());
    h.finish()
}

/// A row's tests are `tests[start..start + len]` of the evaluator: one
/// contiguous array for all rows, so that checking a candidate row touches
/// one place in memory.
#[derive(Debug, Clone, Copy)]
struct CompiledRow {
    start: u32,
    len: u32,
    jurisdiction: u32,
    /// The rank of the row's own `tier`, if it has one.
    tier: Option<u32>,
}

/// A loaded, indexed table.
#[derive(Debug, Clone)]
pub struct Evaluator {
    table: Table,
    index: ColumnIndex,
    digest: Arc<str>,
    /// The verified signing key's id, named in every decision.
    key: Option<Arc<str>>,
    /// Jurisdiction and tier names, shared by every decision.
    jurisdictions: Vec<Arc<str>>,
    tiers: Vec<Arc<str>>,
    tier_rows: Vec<(Vec<(usize, Test)>, usize)>,
    rows: Vec<CompiledRow>,
    tests: Vec<(usize, Test)>,
    /// Rows filed by (column, ECCN prefix).
    /// (Keys are hashes of the prefixes: a collision only adds candidates,
    /// which the full check of each row then rejects.)
    eccn_index: Vec<(usize, FxMap<u64, bucket::Bucket>)>,
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
        let value = json::parse_strict(bytes)
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
        let index = ColumnIndex::new(&table.columns).map_err(|m| malformed_at("columns", m))?;
        for (what, names) in [
            ("jurisdiction", &table.jurisdictions),
            ("tier", &table.tiers),
        ] {
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = names.iter().find(|n| !seen.insert(n.as_str())) {
                return Err(malformed_at(
                    &format!("{what}s"),
                    format!("{what} `{twice}` is listed twice"),
                ));
            }
        }
        let mut tier_rows = Vec::new();
        for (i, row) in table.tier_table.iter().enumerate() {
            let cells = compile_cells(&table, &index, &row.cells)
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
        let mut tests = Vec::new();
        for (i, row) in table.decision_table.iter().enumerate() {
            let at = format!("decision_table[{i}]");
            let mut cells =
                compile_cells(&table, &index, &row.cells).map_err(|m| malformed_at(&at, m))?;
            // Cheap and selective tests first: ranges (dates), then sets.
            cells.sort_by_key(|(_, t)| !matches!(t, Test::Range { .. }));
            let jurisdiction = table
                .jurisdictions
                .iter()
                .position(|j| *j == row.jurisdiction)
                .ok_or_else(|| {
                    malformed_at(&at, format!("unknown jurisdiction `{}`", row.jurisdiction))
                })?;
            let tier = match &row.tier {
                Some(t) => Some(
                    table
                        .tiers
                        .iter()
                        .position(|x| x == t)
                        .ok_or_else(|| malformed_at(&at, format!("unknown tier `{t}`")))?
                        as u32,
                ),
                None => None,
            };
            if row.severity != row.outcome.severity() {
                return Err(malformed_at(
                    &at,
                    "`severity` does not match `outcome`".into(),
                ));
            }
            rows.push(CompiledRow {
                start: tests.len() as u32,
                len: cells.len() as u32,
                jurisdiction: jurisdiction as u32,
                tier,
            });
            tests.extend(cells);
        }
        let mut ev = Evaluator {
            jurisdictions: table
                .jurisdictions
                .iter()
                .map(|j| Arc::from(j.as_str()))
                .collect(),
            tiers: table.tiers.iter().map(|t| Arc::from(t.as_str())).collect(),
            table,
            index,
            digest: Arc::from(digest),
            key: None,
            tier_rows,
            rows,
            tests,
            eccn_index: Vec::new(),
            symbol_index: Vec::new(),
            scan: Vec::new(),
        };
        ev.build_index();
        Ok(ev)
    }

    /// The compiled tests of row `id`.
    fn cells(&self, id: usize) -> &[(usize, Test)] {
        let row = self.rows[id];
        &self.tests[row.start as usize..(row.start + row.len) as usize]
    }

    fn build_index(&mut self) {
        for id in 0..self.rows.len() {
            let cells = self.cells(id).to_vec();
            let id = id as u32;
            let eccn = cells.iter().find_map(|(col, t)| match t {
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
                        self.eccn_index.push((col, FxMap::default()));
                        self.eccn_index.len() - 1
                    }
                };
                for p in prefixes {
                    let bucket = self.eccn_index[slot].1.entry(key_of(p)).or_default();
                    bucket.ids.push(id);
                }
                continue;
            }
            // Else under the values of its narrowest country or enum cell
            // (a `not_in` cell too: it is filed under every value it admits).
            let symbols = cells
                .iter()
                .filter_map(|(col, t)| match t {
                    Test::Symbols(bits) => Some((*col, bits)),
                    _ => None,
                })
                .min_by_key(|(_, bits)| bits.count());
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
        // Large ECCN buckets are filed again by a country or enum column.
        let mut index = std::mem::take(&mut self.eccn_index);
        for (_, buckets) in &mut index {
            for bucket in buckets.values_mut() {
                bucket.refine(self);
            }
        }
        self.eccn_index = index;
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// `sha256:` of the table's bytes.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Names `kid`, the key whose signature over the table the caller has
    /// verified, in every decision from now on.
    pub fn with_key(mut self, kid: &str) -> Evaluator {
        self.key = Some(Arc::from(kid));
        self
    }

    /// The verified signing key's id, if any.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The assessed tier's rank: the first tier row whose cells all hold.
    pub fn assess(&self, tx: &Transaction) -> Option<usize> {
        self.tier_rows
            .iter()
            .find(|(cells, _)| all_hold(cells, tx, None))
            .map(|(_, rank)| *rank)
    }

    /// The rows that may match `tx`, ascending, without duplicates.
    fn candidates(&self, tx: &Transaction) -> Vec<u32> {
        let mut out: Vec<u32> = self.scan.clone();
        for (col, index) in &self.eccn_index {
            if let Some(Val::Eccn(v)) = tx.values.get(*col) {
                for (end, _) in v.match_indices('.').chain(std::iter::once((v.len(), ""))) {
                    if let Some(bucket) = v.get(..end).and_then(|p| index.get(&key_of(p))) {
                        bucket.extend_into(&tx.values, &mut out);
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
        // Each bucket is ascending: sort only when several contributed.
        if !out.windows(2).all(|w| w[0] < w[1]) {
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    fn row_holds(&self, id: usize, tx: &Transaction, tier: Option<usize>) -> bool {
        all_hold(self.cells(id), tx, tier)
    }

    /// Decides `tx` for every jurisdiction.
    pub fn decide(&self, tx: &Transaction) -> DecisionSet {
        let candidates = self.candidates(tx);
        self.decide_among(tx, candidates.into_iter().map(|id| id as usize))
    }

    /// Decides `tx` by testing every row, without the index: slower, and
    /// kept so tests can show the index changes nothing.
    pub fn decide_scanning(&self, tx: &Transaction) -> DecisionSet {
        self.decide_among(tx, 0..self.rows.len())
    }

    /// Decides `tx` from the rows `ids` (ascending) that may match.
    fn decide_among(&self, tx: &Transaction, ids: impl Iterator<Item = usize>) -> DecisionSet {
        let tier = self.assess(tx);
        let mut merges: Vec<Merge<'_>> = self
            .table
            .jurisdictions
            .iter()
            .map(|_| Merge::default())
            .collect();
        for id in ids {
            if self.row_holds(id, tx, tier) {
                merges[self.rows[id].jurisdiction as usize].add(self.contribution(id, tier));
            }
        }
        self.finish(tx, merges, tier)
    }

    fn finish(&self, tx: &Transaction, merges: Vec<Merge<'_>>, tier: Option<usize>) -> DecisionSet {
        DecisionSet {
            table: Arc::clone(&self.digest),
            key: self.key.clone(),
            date: Arc::clone(&tx.date),
            decisions: merges
                .into_iter()
                .zip(&self.jurisdictions)
                .map(|(m, j)| m.finish(j, &self.tiers, tier))
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
            tier: self.rows[id].tier.map(|t| t as usize).or(assessed),
            reasons: &row.reasons,
            review: row.review,
            obligations: &row.obligations,
            citations: &row.citations,
        }
    }

    /// One input decided, as `edict eval` decides each line: `input` is
    /// the bytes of one JSON Lines line (or of a whole one-transaction
    /// document), parsed as strict JSON, checked against the table's
    /// columns, then decided (`explain`: with the rows that matched and
    /// missed). `line` numbers a rejection.
    pub fn decide_input(
        &self,
        line: Option<usize>,
        input: &lines::Line<'_>,
        explain: bool,
    ) -> Output {
        let tx = match input {
            lines::Line::Bytes(bytes) => json::parse_strict(bytes)
                .map_err(|e| {
                    vec![TxError::new(
                        Code::MalformedTransaction,
                        None,
                        format!("not valid JSON: {e}"),
                    )]
                })
                .and_then(|json| self.transaction(&json)),
            lines::Line::TooLong(len) => Err(vec![TxError::new(
                Code::MalformedTransaction,
                None,
                format!(
                    "{}; a transaction may have at most {} bytes",
                    match line {
                        Some(_) => format!("the line has {len} bytes"),
                        None => "the input is longer".to_string(),
                    },
                    lines::MAX_LINE
                ),
            )]),
        };
        self.output(line, tx, explain)
    }

    /// One transaction already parsed (strictly: see [`json::parse_strict`])
    /// decided, as [`Evaluator::decide_input`] decides its bytes; `line`
    /// numbers a rejection (an item of a batch).
    pub fn decide_value(
        &self,
        line: Option<usize>,
        json: &serde_json::Value,
        explain: bool,
    ) -> Output {
        self.output(line, self.transaction(json), explain)
    }

    fn output(
        &self,
        line: Option<usize>,
        tx: Result<Transaction, Vec<TxError>>,
        explain: bool,
    ) -> Output {
        match tx {
            Ok(tx) if explain => Output::Decided(self.explain(&tx)),
            Ok(tx) => Output::Decided(self.decide(&tx)),
            Err(errors) => Output::Rejected(Rejected { line, errors }),
        }
    }

    /// Parses a transaction against the table's columns.
    pub fn transaction(&self, json: &serde_json::Value) -> Result<Transaction, Vec<TxError>> {
        input::parse(&self.table.columns, &self.index, json)
    }
}

fn malformed_at(at: &str, message: String) -> TableError {
    TableError {
        code: Code::MalformedTable,
        message: format!("{at}: {message}"),
    }
}

/// Whether every cell holds; `tier` is the assessed tier's rank.
fn all_hold(cells: &[(usize, Test)], tx: &Transaction, tier: Option<usize>) -> bool {
    let tier = tier.map(|t| Val::Number(t as f64));
    cells
        .iter()
        .all(|(col, t)| holds(t, value(tx, *col, tier.as_ref())))
}

/// The value a cell reads: a column, or the assessed tier.
fn value<'a>(tx: &'a Transaction, col: usize, tier: Option<&'a Val>) -> Option<&'a Val> {
    if col == TIER_SLOT {
        return tier;
    }
    tx.values.get(col)
}

fn holds(t: &Test, v: Option<&Val>) -> bool {
    let Some(v) = v else { return false };
    match (t, v) {
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
    index: &ColumnIndex,
    cells: &std::collections::BTreeMap<String, Cell>,
) -> Result<Vec<(usize, Test)>, String> {
    let mut out = Vec::with_capacity(cells.len());
    for (name, cell) in cells {
        if name == TIER_COLUMN {
            out.push((TIER_SLOT, compile_range(cell, None)?));
            continue;
        }
        let col = index
            .column(name)
            .ok_or_else(|| format!("a cell tests unknown column `{name}`"))?;
        let symbol = |text: &str| index.symbol(col, text);
        out.push((col, compile_cell(&table.columns[col], symbol, cell)?));
    }
    Ok(out)
}

fn compile_cell(
    spec: &ColumnSpec,
    symbol: impl Fn(&str) -> Option<u32>,
    cell: &Cell,
) -> Result<Test, String> {
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
                let i = symbol(t)
                    .ok_or_else(|| format!("`{t}` is not in the domain of `{}`", spec.name))?;
                bits.insert(i as usize);
            }
            if matches!(cell, Cell::NotIn { .. }) {
                bits = bits.complement();
            }
            Ok(Test::Symbols(Bits::from(&bits)))
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
