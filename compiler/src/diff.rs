//! What changed between two versions of a policy: `edict diff`.
//!
//! Stage: after `table`. A [`Version`] is a compiled decision table, with
//! the resolved program when it was compiled from source. [`diff`]
//! compares two versions and gives a [`Report`]:
//! - [`items`]: declarations added, removed and edited — rules matched by
//!   qualified name (`US::advanced_chips`), clause by clause, with their
//!   old and new source text; groups, authorizations, enums, the input,
//!   the tier scale and assessment, jurisdiction blocks;
//! - [`impact`]: exactly which transactions get another decision, per
//!   jurisdiction, over every column and over time, as few readable
//!   regions, each with a witness transaction, the decisions before and
//!   after and a direction (tightening, loosening, lateral);
//! - the timeline of effective and sunset dates, old against new.
//!
//! [`render`] writes the report as terminal text or Markdown, [`html`] as a
//! self-contained page; JSON is the report's serde form, with a schema
//! (`compiler/docs/diff.schema.json`). The comparison is pure: no I/O.

#[cfg(feature = "screen")]
pub mod data;
pub(crate) mod explore;
pub mod html;
pub mod impact;
pub mod items;
pub mod render;
pub(crate) mod space;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::eval::Decision;
use crate::hir::Program;
use crate::table::{Cell, Compiled, Table};

/// The `format` of every diff report.
pub const FORMAT: &str = "edict-diff";
/// The report version this compiler writes.
pub const VERSION: u32 = 1;

/// One side of a comparison.
#[derive(Debug, Clone)]
pub struct Version {
    /// What the user named (`examples/x`, `HEAD:examples/x`, `old.json`).
    pub label: String,
    /// The compiled table.
    pub table: Table,
    /// `sha256:` of the table's bytes.
    pub digest: String,
    /// The resolved program, when the version was compiled from source.
    pub program: Option<Program>,
}

impl Version {
    /// A version compiled from source.
    pub fn from_compiled(label: impl Into<String>, compiled: &Compiled) -> Version {
        Version {
            label: label.into(),
            table: compiled.lowered.table.clone(),
            digest: compiled.digest.clone(),
            program: Some(compiled.program.clone()),
        }
    }

    /// A version given as a compiled table only.
    pub fn from_table(label: impl Into<String>, table: Table, digest: String) -> Version {
        Version {
            label: label.into(),
            table,
            digest,
            program: None,
        }
    }
}

/// Why two versions cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffError(pub String);

/// What changed between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Edict diff report", extend("$id" = "https://edict.invalid/schema/diff-v1.json"))]
pub struct Report {
    /// Always `edict-diff`.
    pub format: String,
    /// The report version (this is version 1).
    pub version: u32,
    /// The old version.
    pub old: Side,
    /// The new version.
    pub new: Side,
    /// Whether every transaction gets the same decision from both.
    pub equivalent: bool,
    /// Counts, for a first look.
    pub summary: Summary,
    /// Declarations added, removed or edited.
    pub changes: Vec<Change>,
    /// The transactions whose decision changes, as disjoint regions.
    pub impact: Vec<Region>,
    /// Effective and sunset dates of the rules, old against new.
    pub timeline: Vec<Event>,
    /// How the comparison treated differences of the transaction schema.
    pub notes: Vec<String>,
    /// With `--data`: how many rows of real data change decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataImpact>,
}

/// The impact of a change on rows of real data (`edict diff --data`):
/// every row decided under both versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataImpact {
    /// The files read, in order.
    pub inputs: Vec<String>,
    /// Rows read.
    pub rows: u64,
    /// Rows either version rejects (their codes are `edict eval`'s); they
    /// are not compared.
    pub rejected: u64,
    /// Rows whose decision changes in at least one jurisdiction.
    pub changed: u64,
    /// Rows with a tightening change in some jurisdiction (a row changing
    /// in two jurisdictions two ways counts in both directions).
    pub tightening: u64,
    /// Rows with a loosening change.
    pub loosening: u64,
    /// Rows with a lateral change.
    pub lateral: u64,
    /// Per region of `impact`, in the same order: its rows.
    pub regions: Vec<RegionRows>,
    /// Changed decisions (row and jurisdiction) that lie in no region:
    /// always 0, since the regions are exact; a check, not a figure.
    pub outside_regions: u64,
}

/// The rows of real data in one region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionRows {
    /// How many rows lie in the region.
    pub rows: u64,
    /// The ids of the first few (the `--id` column, else row numbers).
    pub sample: Vec<serde_json::Value>,
}

/// A compared version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Side {
    /// What the user named.
    pub label: String,
    /// The policy name.
    pub policy: String,
    /// `sha256:` of its compiled table.
    pub table: String,
    /// Whether it was compiled from source (else read as a table: rules are
    /// then compared by their rows, without source text).
    pub from_source: bool,
}

/// Counts of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Rules added.
    pub rules_added: usize,
    /// Rules removed.
    pub rules_removed: usize,
    /// Rules edited.
    pub rules_edited: usize,
    /// Other declarations added, removed or edited.
    pub other_changes: usize,
    /// Regions of changed decisions.
    pub regions: usize,
    /// Regions where the new decision is more restrictive.
    pub tightening: usize,
    /// Regions where it is less restrictive.
    pub loosening: usize,
    /// Regions where it is as restrictive but differs.
    pub lateral: usize,
}

/// The kind of a declaration.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A rule, named `JURISDICTION::rule`.
    Rule,
    /// A jurisdiction block, named `JURISDICTION` (with its module).
    Jurisdiction,
    /// A group, named `module.Group`.
    Group,
    /// An authorization.
    Authorization,
    /// An enum, named `module.Enum`.
    Enum,
    /// The transaction's fields.
    Input,
    /// The tier scale.
    Tiers,
    /// The tier assessment.
    Assess,
}

impl ItemKind {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Rule => "rule",
            ItemKind::Jurisdiction => "jurisdiction",
            ItemKind::Group => "group",
            ItemKind::Authorization => "authorization",
            ItemKind::Enum => "enum",
            ItemKind::Input => "input",
            ItemKind::Tiers => "tiers",
            ItemKind::Assess => "assess",
        }
    }
}

/// Whether a declaration was added, removed or edited.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// In both, with different clauses.
    Edited,
}

/// A declaration that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// What it is.
    pub kind: ItemKind,
    /// Its qualified name.
    pub name: String,
    /// Added, removed or edited.
    pub status: Status,
    /// The clauses that differ (every clause for an added or removed one).
    pub clauses: Vec<ClauseChange>,
    /// Where it stands in the old version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old: Option<Declared>,
    /// Where it stands in the new version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new: Option<Declared>,
}

/// Where a declaration stands, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Declared {
    /// The file, relative to the project root.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// Its source text (absent for a version read as a table).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text: Option<String>,
}

/// One clause that differs; a clause absent from a side has no values there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClauseChange {
    /// The clause (`when`, `sunset`, `cite`, `members`, …).
    pub clause: String,
    /// Its old text, one entry per occurrence.
    pub old: Vec<String>,
    /// Its new text.
    pub new: Vec<String>,
}

/// Which way a decision moved.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More restrictive: a more severe outcome, else a higher tier, else a
    /// more restrictive review policy.
    Tightening,
    /// Less restrictive, by the same order.
    Loosening,
    /// As restrictive, but different (reasons, obligations, authorizations,
    /// whether a rule or no rule decides).
    Lateral,
}

impl Direction {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Tightening => "tightening",
            Direction::Loosening => "loosening",
            Direction::Lateral => "lateral",
        }
    }
}

/// Transactions that all get the same old and the same new decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// The jurisdiction deciding.
    pub jurisdiction: String,
    /// Which way the decision moved.
    pub direction: Direction,
    /// The region, as table cells (the cells of the table format, all of
    /// which hold); a column not named is any value.
    pub cells: BTreeMap<String, Cell>,
    /// The region in words.
    pub description: String,
    /// The old decision on every transaction of the region.
    pub before: Decision,
    /// The new decision.
    pub after: Decision,
    /// A transaction of the region (every column of either version).
    pub witness: BTreeMap<String, serde_json::Value>,
}

/// A rule taking effect or ending on a date.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    /// `JURISDICTION::rule`.
    pub rule: String,
    /// What happens.
    pub event: EventKind,
    /// Whether the old version has it.
    pub old: bool,
    /// Whether the new version has it.
    pub new: bool,
}

/// What happens to a rule on a date.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Its first day in force.
    TakesEffect,
    /// Its sunset: the first day it is no longer in force.
    Ends,
}

/// Compares two versions.
pub fn diff(old: &Version, new: &Version) -> Result<Report, DiffError> {
    let (impact, notes) = impact::regions(&old.table, &new.table)?;
    let changes = items::changes(old, new);
    let timeline = items::timeline(old, new);
    let mut summary = Summary::default();
    for c in &changes {
        match (c.kind, c.status) {
            (ItemKind::Rule, Status::Added) => summary.rules_added += 1,
            (ItemKind::Rule, Status::Removed) => summary.rules_removed += 1,
            (ItemKind::Rule, Status::Edited) => summary.rules_edited += 1,
            _ => summary.other_changes += 1,
        }
    }
    summary.regions = impact.len();
    for r in &impact {
        match r.direction {
            Direction::Tightening => summary.tightening += 1,
            Direction::Loosening => summary.loosening += 1,
            Direction::Lateral => summary.lateral += 1,
        }
    }
    let side = |v: &Version| Side {
        label: v.label.clone(),
        policy: v.table.policy.clone(),
        table: v.digest.clone(),
        from_source: v.program.is_some(),
    };
    Ok(Report {
        format: FORMAT.into(),
        version: VERSION,
        old: side(old),
        new: side(new),
        equivalent: impact.is_empty(),
        summary,
        changes,
        impact,
        timeline,
        notes,
        data: None,
    })
}

impl Report {
    /// The JSON form: pretty, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The JSON Schema of reports, as written to `compiler/docs/diff.schema.json`.
    pub fn schema() -> String {
        let schema = schemars::schema_for!(Report);
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }
}
