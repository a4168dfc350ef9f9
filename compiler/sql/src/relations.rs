//! The table as data: the relation `edict_rows`, one line per decision
//! row plus one "no rule" line per jurisdiction, and `edict_keys`, the
//! keys each line is found by (every transaction meets the "no rule"
//! lines).

use edict_engine::table::{Cell, Row, TIER_COLUMN};

use crate::cells::{self, Kind};
use crate::dialect::Dialect;
use crate::plan::Plan;

/// Lines per `INSERT` statement.
const CHUNK: usize = 500;

/// Lines per Spark view: at least this many, and at most 64 views, since
/// Spark analyses a union of many views as a deep tree.
const SPARK_CHUNK: usize = 5_000;
const SPARK_PARTS: usize = 64;

/// The statements that create `edict_rows` (one line per decision row,
/// then one per jurisdiction's "no rule" line, numbered by `n`) and
/// `edict_keys` (the key each line is found by).
pub(crate) fn rows_relation(plan: &Plan<'_>) -> String {
    let d = plan.dialect;
    let table = plan.table;
    let mut lines = Vec::new();
    let mut keys = Vec::new();
    for (n, row) in table.decision_table.iter().enumerate() {
        let row_keys = &plan.keys.rows[n];
        // No key: no transaction can match the row.
        if row_keys.is_empty() {
            continue;
        }
        keys.extend(row_keys.iter().map(|k| key_line(d, k, n)));
        let data = row_data(plan, row, &plan.keys.covered[n]);
        lines.push(format!("({n}, {})", data.join(", ")));
    }
    for (j, name) in table.jurisdictions.iter().enumerate() {
        let n = table.decision_table.len() + j;
        keys.push(key_line(d, crate::keys::EVERY, n));
        lines.push(format!("({n}, {})", no_rule(plan, name).join(", ")));
    }
    let key_columns = [
        ("edict_k".to_string(), d.text_type().to_string()),
        ("n".to_string(), d.int_type().to_string()),
    ];
    let mut out = create(d, "edict_rows", &columns(plan), &lines);
    out.push_str(&create(d, "edict_keys", &key_columns, &keys));
    out
}

fn key_line(d: Dialect, key: &str, n: usize) -> String {
    format!("({}, {n})", d.string(key))
}

/// Every column of `edict_rows` with its SQL type.
fn columns(plan: &Plan<'_>) -> Vec<(String, String)> {
    let d = plan.dialect;
    let mut out: Vec<(String, String)> = vec![
        ("n".into(), d.int_type().into()),
        ("jurisdiction".into(), d.text_type().into()),
        ("severity".into(), d.int_type().into()),
        ("tier_rank".into(), d.int_type().into()),
        ("review_rank".into(), d.int_type().into()),
    ];
    for list in LISTS {
        out.push((list.into(), d.array_type()));
    }
    for (prefix, kind) in plan.tested_fields() {
        for (field, ty) in kind.fields().iter().zip(kind.field_types(d)) {
            out.push((format!("{prefix}_{field}"), ty));
        }
    }
    out
}

/// The list columns of a row, merged as sorted unions.
pub(crate) const LISTS: [&str; 5] = [
    "rules",
    "reasons",
    "authorizations",
    "obligations",
    "citations",
];

/// A decision row's values after its number `n`; of a cell its keys
/// decide (`covered`), only what they leave to check.
fn row_data(plan: &Plan<'_>, row: &Row, covered: &[usize]) -> Vec<String> {
    let d = plan.dialect;
    let table = plan.table;
    let mut out = vec![
        d.string(&row.jurisdiction),
        row.outcome.severity().to_string(),
        row.tier
            .as_ref()
            .and_then(|t| table.tiers.iter().position(|x| x == t))
            .map_or("NULL".into(), |r| r.to_string()),
        row.review
            .map_or("NULL".into(), |r| crate::plan::review_rank(r).to_string()),
        d.text_array(std::slice::from_ref(&row.rule)),
        d.text_array(&row.reasons),
        d.text_array(&row.authorizations),
        d.text_array(&row.obligations),
        d.text_array(&row.citations),
    ];
    for (k, kind) in plan.tested_columns() {
        let column = k.map(|k| &table.columns[k]);
        let name = column.map_or(TIER_COLUMN, |c| c.name.as_str());
        let domain = column.map_or(&[][..], |c| &c.domain[..]);
        match row.cells.get(name) {
            Some(cell) if k.is_some_and(|k| covered.contains(&k)) => {
                out.extend(cells::covered(d, kind, cell));
            }
            cell => out.extend(fields_of(d, kind, cell, domain)),
        }
    }
    out
}

fn fields_of(d: Dialect, kind: Kind, cell: Option<&Cell>, domain: &[String]) -> Vec<String> {
    match cell {
        Some(cell) => cells::literals(d, kind, cell, domain),
        None => kind.nulls(),
    }
}

/// The line every transaction meets, for the jurisdiction's `no_rule`
/// decision when nothing more severe matched (severity -1).
fn no_rule(plan: &Plan<'_>, jurisdiction: &str) -> Vec<String> {
    let d = plan.dialect;
    let mut out = vec![
        d.string(jurisdiction),
        "-1".into(),
        "NULL".into(),
        "NULL".into(),
    ];
    out.extend(LISTS.iter().map(|_| d.text_array(&[])));
    for (_, kind) in plan.tested_columns() {
        out.extend(fields_of(d, kind, None, &[]));
    }
    out
}

/// Creates a session-scoped relation holding `lines`.
fn create(d: Dialect, name: &str, columns: &[(String, String)], lines: &[String]) -> String {
    match d {
        // Spark parses one statement at a time into memory: parts of
        // `SPARK_CHUNK` lines or more each, and their union, cached.
        Dialect::Spark => {
            let select: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(i, (c, ty))| format!("CAST(v{i} AS {ty}) AS {c}"))
                .collect();
            let aliases: Vec<String> = (0..columns.len()).map(|i| format!("v{i}")).collect();
            let mut out = String::new();
            let mut parts = Vec::new();
            let size = SPARK_CHUNK.max(lines.len().div_ceil(SPARK_PARTS));
            for (i, chunk) in lines.chunks(size).enumerate() {
                let part = format!("{name}_{i}");
                out.push_str(&format!(
                    "CREATE OR REPLACE TEMPORARY VIEW {part} AS SELECT {} FROM VALUES\n{}\nAS v({});\n",
                    select.join(", "),
                    chunk.join(",\n"),
                    aliases.join(", ")
                ));
                parts.push(format!("SELECT * FROM {part}"));
            }
            if parts.is_empty() {
                let nulls = vec!["NULL"; columns.len()].join(", ");
                parts.push(format!(
                    "SELECT {} FROM VALUES ({nulls}) AS v({}) WHERE FALSE",
                    select.join(", "),
                    aliases.join(", ")
                ));
            }
            // Cached in one partition: the parts are many small ones.
            out.push_str(&format!(
                "DROP VIEW IF EXISTS {name};\nCACHE TABLE {name} AS SELECT /*+ COALESCE(1) */ * FROM ({}) AS u;\n",
                parts.join(" UNION ALL ")
            ));
            out
        }
        Dialect::DuckDb | Dialect::Postgres => {
            let defs: Vec<String> = columns.iter().map(|(c, ty)| format!("{c} {ty}")).collect();
            let mut out = if d == Dialect::DuckDb {
                format!(
                    "CREATE OR REPLACE TEMP TABLE {name} ({});\n",
                    defs.join(", ")
                )
            } else {
                format!(
                    "DROP TABLE IF EXISTS pg_temp.{name};\nCREATE TEMP TABLE {name} ({});\n",
                    defs.join(", ")
                )
            };
            for chunk in lines.chunks(CHUNK) {
                out.push_str(&format!(
                    "INSERT INTO {name} VALUES\n{};\n",
                    chunk.join(",\n")
                ));
            }
            out
        }
    }
}
