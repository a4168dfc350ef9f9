//! The portable decision table: its model, JSON form and schema.
//!
//! Stage: the format itself, shared by the compiler (which writes it) and
//! every consumer (which reads it). The types here *are* the format: serde
//! writes them, schemars derives the checked-in JSON Schema from them
//! (`compiler/docs/table.schema.json`), and the consumer spec
//! (`compiler/docs/consumer-spec.md`) states how an engine evaluates them.
//! All maps are `BTreeMap`, so output is deterministic.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

/// Where a declaration stands.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct Source {
    /// The module.
    pub module: String,
    /// The file, relative to the project root.
    pub path: String,
    /// The file as diagnostics name it (not serialized: it depends on
    /// where the compiler ran).
    #[serde(skip)]
    #[schemars(skip)]
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The byte span (not serialized: tools use line and column).
    #[serde(skip)]
    pub span: Span,
}

/// A license exception or general authorisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Authorization {
    /// Display label.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub label: Option<String>,
    /// Citations.
    pub citations: Vec<String>,
}

/// The four outcomes as the table and decisions name them, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(JsonSchema)]
pub enum OutcomeKind {
    /// No license required.
    Allow,
    /// Eligible for a license exception or general authorisation.
    AllowUnder,
    /// A license is required.
    RequireLicense,
    /// Prohibited.
    Deny,
}

impl OutcomeKind {
    /// 0 (`allow`) to 3 (`deny`).
    pub fn severity(self) -> u8 {
        self as u8
    }

    /// The name used in tables and decisions.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Allow => "allow",
            OutcomeKind::AllowUnder => "allow_under",
            OutcomeKind::RequireLicense => "require_license",
            OutcomeKind::Deny => "deny",
        }
    }
}

/// Review policies, least restrictive first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(JsonSchema)]
pub enum Review {
    /// `presumption_of_approval`
    PresumptionOfApproval,
    /// `case_by_case`
    CaseByCase,
    /// `presumption_of_denial`
    PresumptionOfDenial,
    /// `policy_of_denial`
    PolicyOfDenial,
}

impl Review {
    /// Every policy, least restrictive first.
    pub const ALL: [Review; 4] = [
        Review::PresumptionOfApproval,
        Review::CaseByCase,
        Review::PresumptionOfDenial,
        Review::PolicyOfDenial,
    ];

    /// The name written in policies, tables and decisions.
    pub fn as_str(self) -> &'static str {
        match self {
            Review::PresumptionOfApproval => "presumption_of_approval",
            Review::CaseByCase => "case_by_case",
            Review::PresumptionOfDenial => "presumption_of_denial",
            Review::PolicyOfDenial => "policy_of_denial",
        }
    }

    /// The policy named `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Review> {
        Review::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// Byte offsets `[start, end)` into one file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets (files are limited to 4 GiB).
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range, for slicing text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
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
