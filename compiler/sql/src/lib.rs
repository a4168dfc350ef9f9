//! Decision tables as SQL: `edict sql TABLE --dialect duckdb|spark|postgres`.
//!
//! Stage: consumer, on the `edict-engine` table model only. [`script`]
//! writes one SQL script that, run in the engine's session where a relation
//! of transactions exists, creates the view `decisions`: one row per
//! transaction and jurisdiction, decided exactly as the consumer spec
//! (`compiler/docs/consumer-spec.md`) says, or rejected with its E06xx
//! codes.
//!
//! Design (see `compiler/docs/sql.md`): the table becomes **data** — the
//! relations `edict_rows` (one line per decision row, its cells as typed
//! fields) and `edict_keys` — and **one fixed query** per dialect, shaped
//! by the table's columns, joins transactions with rows through keys
//! ([`keys`]: ECCN ancestors, values, epochs of dates and numbers), so a
//! transaction meets only the few rows that can match, never every row.
//! The tier, first match in order over a few rows, is one `CASE`. Both read
//! the cells through the same predicate templates.

mod cells;
mod dialect;
mod keys;
mod plan;
mod relations;
mod view;

use edict_engine::eval::Evaluator;

pub use dialect::Dialect;

/// What `edict sql` writes.
#[derive(Debug, Clone)]
pub struct Options {
    /// The engine.
    pub dialect: Dialect,
    /// The relation of transactions (`transactions`); dotted parts are
    /// schema-qualified names.
    pub input: String,
    /// The column carried to the output as `id`; `None`: the row number.
    pub id: Option<String>,
}

impl Options {
    /// `transactions`, without an id column, for `dialect`.
    pub fn new(dialect: Dialect) -> Options {
        Options {
            dialect,
            input: "transactions".into(),
            id: None,
        }
    }
}

/// Why a table cannot be written as SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    /// What the table holds that SQL cannot.
    pub message: String,
}

/// The SQL script of a (validated) table for `options.dialect`.
pub fn script(evaluator: &Evaluator, options: &Options) -> Result<String, SqlError> {
    let table = evaluator.table();
    // PostgreSQL text cannot hold NUL, and a script for one engine should
    // mean what the scripts for the others mean.
    if table.to_json().contains("\\u0000") {
        return Err(SqlError {
            message: "the table has a string with a NUL character, which SQL text cannot hold"
                .into(),
        });
    }
    // A statement ends with `;` at the end of a line, and identifiers have
    // no escapes: a name with a line break could end one early.
    let names = table.columns.iter().map(|c| c.name.as_str());
    let given = [Some(options.input.as_str()), options.id.as_deref()];
    if let Some(name) = names
        .chain(given.into_iter().flatten())
        .find(|n| n.chars().any(char::is_control))
    {
        return Err(SqlError {
            message: format!(
                "the column or relation name {name:?} has a control character, \
                 which a SQL identifier cannot hold"
            ),
        });
    }
    let plan = plan::Plan::new(options.dialect, table);
    let d = options.dialect;
    let mut out = format!(
        "-- Decision table {} ({}) as {} SQL, written by edict {}.\n\
         -- Run it in the session that queries `decisions`; it reads the relation\n\
         -- {}. Statements end with `;` at the end of a line.\n",
        comment(&table.policy),
        evaluator.digest(),
        d.name(),
        env!("CARGO_PKG_VERSION"),
        comment(&options.input),
    );
    if d == Dialect::Postgres {
        out.push_str(
            "DROP VIEW IF EXISTS pg_temp.decisions;\n\
             DROP AGGREGATE IF EXISTS pg_temp.edict_concat(text[]);\n\
             CREATE AGGREGATE pg_temp.edict_concat(text[]) \
             (SFUNC = array_cat, STYPE = text[], INITCOND = '{}');\n",
        );
    }
    out.push_str(&relations::rows_relation(&plan));
    out.push_str(&view::decisions(&plan, options));
    Ok(out)
}

/// Text safe in a `--` comment: one line, printable.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
