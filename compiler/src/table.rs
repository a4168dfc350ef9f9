//! The portable decision table: its model, JSON form and schema.
//!
//! Stage: after `hir`. [`lower::table`] compiles a [`crate::hir::Program`]
//! into a [`Table`]; [`Table::to_json`] gives its canonical bytes. The types
//! here *are* the format: serde writes them, schemars derives the checked-in
//! JSON Schema from them (`compiler/docs/table.schema.json`), and the
//! consumer spec (`compiler/docs/consumer-spec.md`) states how an engine
//! evaluates them. All maps are `BTreeMap`, so output is deterministic.

pub mod analysis;
pub mod domains;
pub mod generate;
pub mod lower;
pub mod overlap;
pub mod sets;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::db::{Db, Workspace, workspace_diagnostics};
use crate::diagnostics::{Diagnostic, Severity};
use crate::hir::{Authorization, OutcomeKind, Review, Source};

/// The `format` of every table.
pub const FORMAT: &str = "edict-decision-table";
/// The format version this compiler writes and reads.
pub const VERSION: u32 = 1;
/// The cell key of the assessed tier (a keyword, so never a field name).
pub const TIER_COLUMN: &str = "tier";

/// A compiled policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Edict decision table", extend("$id" = "https://edict.invalid/schema/table-v1.json"))]
pub struct Table {
    /// Always `edict-decision-table`.
    pub format: String,
    /// The format version (this is version 1).
    pub version: u32,
    /// The policy: its module name, or the common prefix of several.
    pub policy: String,
    /// The compiler that wrote the table (`edict 0.1.0`).
    pub compiler: String,
    /// The sources and their digest.
    pub sources: Sources,
    /// The tier scale, lowest first; a tier's rank is its index. Empty when
    /// the policy declares no tiers.
    pub tiers: Vec<String>,
    /// The transaction's fields, by name. `date` is always one.
    pub columns: Vec<ColumnSpec>,
    /// Every jurisdiction, by name; a decision is given for each.
    pub jurisdictions: Vec<String>,
    /// The authorizations that rows name, with their labels and citations.
    pub authorizations: BTreeMap<String, Authorization>,
    /// Rows giving the assessed tier: the first whose cells all hold wins.
    pub tier_table: Vec<TierRow>,
    /// Rows giving decisions: every row whose cells all hold is collected.
    pub decision_table: Vec<Row>,
}

/// What the table was compiled from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// `sha256:` of the module list (see the consumer spec).
    pub digest: String,
    /// Each project module with the digest of its text.
    pub modules: Vec<ModuleDigest>,
}

/// One compiled module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleDigest {
    /// The module name.
    pub module: String,
    /// Its file, relative to the project root.
    pub path: String,
    /// `sha256:` of its text.
    pub sha256: String,
}

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// `YYYY-MM-DD`.
    Date,
    /// A JSON number.
    Number,
    /// `true` / `false`.
    Bool,
    /// A JSON string.
    String,
    /// An ECCN string such as `3A090.a.1` or `EAR99`.
    Eccn,
    /// An ISO 3166-1 alpha-2 code from `domain`.
    Country,
    /// A value from `domain`.
    Enum,
}

/// A column: a field of the transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The field name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// For enums: the enum's name.
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none", default)]
    pub enum_name: Option<String>,
    /// For countries and enums: every allowed value, in declaration order.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub domain: Vec<String>,
    /// Display labels of domain values that have one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub labels: BTreeMap<String, String>,
}

/// A test on one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Cell {
    /// The value is one of `values`.
    In {
        /// Strings (countries, enums, strings) or booleans.
        values: Vec<Literal>,
    },
    /// The value is none of `values`.
    NotIn {
        /// Strings (countries, enums, strings) or booleans.
        values: Vec<Literal>,
    },
    /// The ECCN lies under one of `prefixes` and under none of `except`.
    EccnIn {
        /// ECCN prefixes.
        prefixes: Vec<String>,
        /// ECCN prefixes excluded again (each lies under one of `prefixes`).
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        except: Vec<String>,
    },
    /// The ECCN lies under none of `prefixes`.
    EccnNotIn {
        /// ECCN prefixes.
        prefixes: Vec<String>,
    },
    /// The value lies between the bounds (numbers, dates, tier ranks).
    Range {
        /// Lower bound; absent = unbounded.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        min: Option<Literal>,
        /// Whether `min` itself is in the range.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        min_inclusive: Option<bool>,
        /// Upper bound; absent = unbounded.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        max: Option<Literal>,
        /// Whether `max` itself is in the range.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        max_inclusive: Option<bool>,
    },
}

/// A constant in a cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Literal {
    /// A boolean.
    Bool(bool),
    /// A number (or a tier rank).
    Number(Num),
    /// A string, country, enum value or date.
    Text(String),
}

/// A finite number, written as an integer when it is one.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Num(pub f64);

/// The largest integer a double holds exactly (2^53).
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.fract() == 0.0 && v.abs() <= EXACT_INT {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64::deserialize(d).map(Num)
    }
}

impl JsonSchema for Num {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Num".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number" })
    }
}

/// A row of the tier table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierRow {
    /// Tests by column name; a column not named is not tested.
    pub cells: BTreeMap<String, Cell>,
    /// The tier this row gives.
    pub tier: String,
    /// The `assess` line it comes from.
    pub source: Source,
}

/// A row of the decision table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The row's index in `decision_table`.
    pub id: usize,
    /// The jurisdiction deciding.
    pub jurisdiction: String,
    /// The rule it comes from (a rule may give several rows).
    pub rule: String,
    /// Tests by column name (and `tier`); a column not named is not tested.
    pub cells: BTreeMap<String, Cell>,
    /// The outcome.
    pub outcome: OutcomeKind,
    /// 0 `allow`, 1 `allow_under`, 2 `require_license`, 3 `deny`.
    pub severity: u8,
    /// For `allow_under`: the authorizations available.
    pub authorizations: Vec<String>,
    /// The rule's `tier`; absent = the assessed tier.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tier: Option<String>,
    /// Reasons for control.
    pub reasons: Vec<String>,
    /// Review policy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub review: Option<Review>,
    /// Obligations attached.
    pub obligations: Vec<String>,
    /// Citations of the legal text.
    pub citations: Vec<String>,
    /// The rule's `because`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rationale: Option<String>,
    /// The rule's doc comment.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Where the rule is declared.
    pub source: Source,
}

impl Table {
    /// The canonical bytes: pretty JSON (two-space indent) and a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The JSON Schema of the format (draft 2020-12), as written to
    /// `compiler/docs/table.schema.json`.
    pub fn schema() -> String {
        let schema = schemars::schema_for!(Table);
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A compiled policy, with what the compiler found along the way.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The resolved program (tests and the direct interpreter read it).
    pub program: crate::hir::Program,
    /// The table and rule regions.
    pub lowered: lower::Lowered,
    /// The table's bytes, as `edict compile` writes them.
    pub json: String,
    /// `sha256:` of `json`.
    pub digest: String,
    /// Warnings of the checker and of the table analysis, sorted.
    pub warnings: Vec<Diagnostic>,
}

/// Why a workspace did not compile.
#[derive(Debug, Clone)]
pub enum CompileError {
    /// Errors (and warnings) of the checker or the lowering, sorted.
    Diagnostics(Vec<Diagnostic>),
    /// The checker passed something the lowering cannot resolve (a bug).
    Internal(String),
}

/// Checks, lowers and compiles the workspace.
pub fn compile(db: &dyn Db, ws: Workspace) -> Result<Compiled, CompileError> {
    compile_resolved(resolve(db, ws)?)
}

/// A checked workspace without errors, resolved: all that compiling it
/// further needs, with no reference to the database (so a reader can let
/// go of its database before the longer table lowering).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The resolved program.
    pub program: crate::hir::Program,
    /// The checker's warnings.
    pub warnings: Vec<Diagnostic>,
    /// The lints allowed by the settings.
    pub allowed: std::collections::BTreeSet<String>,
}

/// A table's meaning: its JSON without provenance (the sources' digests
/// and each row's source position), which reformatting changes while every
/// decision, description and citation stays. Two policies with equal
/// meanings decide every transaction alike and document it alike.
pub fn meaning(table: &Table) -> serde_json::Value {
    let mut v = serde_json::to_value(table).unwrap_or(serde_json::Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.remove("sources");
    }
    for rows in ["decision_table", "tier_table"] {
        for row in v[rows].as_array_mut().into_iter().flatten() {
            if let Some(row) = row.as_object_mut() {
                row.remove("source");
            }
        }
    }
    v
}

/// Checks the workspace and resolves it; `Err` with the diagnostics when
/// it has errors.
pub fn resolve(db: &dyn Db, ws: Workspace) -> Result<Resolved, CompileError> {
    let diagnostics = workspace_diagnostics(db, ws);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(CompileError::Diagnostics(diagnostics));
    }
    let program = crate::hir::lower::program(db, ws).map_err(CompileError::Internal)?;
    Ok(Resolved {
        program,
        warnings: diagnostics,
        allowed: ws.settings(db).allowed.clone(),
    })
}

/// Lowers and compiles a resolved workspace.
pub fn compile_resolved(resolved: Resolved) -> Result<Compiled, CompileError> {
    let (program, lowered, warnings) = lower_resolved(resolved)?;
    let json = lowered.table.to_json();
    let digest = sha256(json.as_bytes());
    Ok(Compiled {
        program,
        lowered,
        json,
        digest,
        warnings,
    })
}

/// Everything `edict check` reports: the checker's diagnostics, and when
/// there are no errors, those of lowering the table (rows past the limit,
/// the table-level warnings). The table is not serialized.
pub fn policy_diagnostics(db: &dyn Db, ws: Workspace) -> Vec<Diagnostic> {
    match resolve(db, ws).and_then(lower_resolved) {
        Ok((_, _, warnings)) => warnings,
        Err(CompileError::Diagnostics(d)) => d,
        Err(CompileError::Internal(_)) => workspace_diagnostics(db, ws),
    }
}

/// Lowers; returns the program, the table model and every warning
/// (checker and analysis, sorted, allowed lints removed).
fn lower_resolved(
    r: Resolved,
) -> Result<(crate::hir::Program, lower::Lowered, Vec<Diagnostic>), CompileError> {
    let Resolved {
        program,
        warnings: mut diagnostics,
        allowed,
    } = r;
    let lowered = match lower::table(&program) {
        Ok(l) => l,
        Err(errors) => {
            diagnostics.extend(errors);
            crate::diagnostics::sort_and_dedup(&mut diagnostics);
            return Err(CompileError::Diagnostics(diagnostics));
        }
    };
    diagnostics.extend(
        analysis::warnings(&program, &lowered, &allowed)
            .into_iter()
            .filter(|d| d.code.lint().is_none_or(|l| !allowed.contains(l))),
    );
    crate::diagnostics::sort_and_dedup(&mut diagnostics);
    Ok((program, lowered, diagnostics))
}

/// `sha256:` and the hex digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let mut out = String::from("sha256:");
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
