//! What differs between the engines: quoting, literals, arrays, regular
//! expressions, and the few functions without a common name.

/// A SQL engine the script is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB (1.3 and later: lambdas are written `lambda x: …`).
    DuckDb,
    /// Apache Spark SQL (3.4 and later), ANSI mode or not.
    Spark,
    /// PostgreSQL (13 and later).
    Postgres,
}

use Dialect::{DuckDb, Postgres, Spark};

impl Dialect {
    /// Every dialect, with the name `--dialect` takes.
    pub const ALL: [(&'static str, Dialect); 3] =
        [("duckdb", DuckDb), ("spark", Spark), ("postgres", Postgres)];

    /// The dialect named `name` (`duckdb`, `spark`, `postgres`).
    pub fn from_name(name: &str) -> Option<Dialect> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
    }

    /// Its `--dialect` name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, d)| *d == self)
            .map_or("duckdb", |(n, _)| n)
    }

    /// A quoted identifier (any text: quotes inside are doubled).
    pub(crate) fn ident(self, name: &str) -> String {
        match self {
            Spark => format!("`{}`", name.replace('`', "``")),
            DuckDb | Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A relation name given on the command line: dotted parts, each quoted.
    pub(crate) fn relation(self, name: &str) -> String {
        name.split('.')
            .map(|p| self.ident(p))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// A string literal. Control characters are written as `chr(n)` so that
    /// a statement never spans lines inside a literal; Spark's literals
    /// also escape backslashes. The caller has refused NUL.
    pub(crate) fn string(self, s: &str) -> String {
        let mut out = String::from("'");
        let mut pieces = Vec::new();
        for c in s.chars() {
            match c {
                '\'' if self == Spark => out.push_str("\\'"),
                '\'' => out.push_str("''"),
                '\\' if self == Spark => out.push_str("\\\\"),
                c if c.is_control() && (c as u32) < 0x80 => {
                    out.push('\'');
                    pieces.push(std::mem::replace(&mut out, String::from("'")));
                    pieces.push(format!("chr({})", c as u32));
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        if pieces.is_empty() {
            return out;
        }
        pieces.push(out);
        format!("({})", pieces.join(" || "))
    }

    /// A double-precision constant, exactly the given value.
    pub(crate) fn double(self, v: f64) -> String {
        format!("CAST('{v:e}' AS {})", self.double_type())
    }

    /// A boolean constant.
    pub(crate) fn boolean(self, b: bool) -> &'static str {
        if b { "TRUE" } else { "FALSE" }
    }

    pub(crate) fn text_type(self) -> &'static str {
        match self {
            DuckDb => "VARCHAR",
            Spark => "STRING",
            Postgres => "text",
        }
    }

    pub(crate) fn double_type(self) -> &'static str {
        match self {
            DuckDb | Spark => "DOUBLE",
            Postgres => "double precision",
        }
    }

    pub(crate) fn int_type(self) -> &'static str {
        match self {
            DuckDb | Spark => "INT",
            Postgres => "integer",
        }
    }

    pub(crate) fn bool_type(self) -> &'static str {
        "BOOLEAN"
    }

    /// The type of a list of strings.
    pub(crate) fn array_type(self) -> String {
        match self {
            DuckDb => "VARCHAR[]".into(),
            Spark => "ARRAY<STRING>".into(),
            Postgres => "text[]".into(),
        }
    }

    /// A list of string constants, typed even when empty.
    pub(crate) fn text_array(self, items: &[String]) -> String {
        let items: Vec<String> = items.iter().map(|s| self.string(s)).collect();
        self.list(&items)
    }

    /// A list of text expressions, typed even when empty.
    pub(crate) fn list(self, items: &[String]) -> String {
        match self {
            DuckDb => format!("CAST([{}] AS VARCHAR[])", items.join(", ")),
            Spark => format!("CAST(array({}) AS ARRAY<STRING>)", items.join(", ")),
            Postgres => format!("ARRAY[{}]::text[]", items.join(", ")),
        }
    }

    /// `expr` converted to text.
    pub(crate) fn text(self, expr: &str) -> String {
        format!("CAST({expr} AS {})", self.text_type())
    }

    /// `expr` converted, or NULL when it cannot be (PostgreSQL has no
    /// `TRY_CAST`: its columns must already have the type).
    pub(crate) fn try_cast(self, expr: &str, ty: &str) -> String {
        match self {
            DuckDb => format!("TRY_CAST({expr} AS {ty})"),
            Spark => format!("try_cast({expr} AS {ty})"),
            Postgres => format!("CAST({expr} AS {ty})"),
        }
    }

    /// Whether text `s` matches regular expression `re` whole. `re` uses
    /// no backslash, so it reads the same in every dialect's literals.
    pub(crate) fn full_match(self, s: &str, re: &str) -> String {
        match self {
            DuckDb => format!("regexp_full_match({s}, '{re}')"),
            // Java's `$` also matches before a final line break: `\z` does not.
            Spark => format!("({s} RLIKE '^(?:{re})\\\\z')"),
            Postgres => format!("({s} ~ '^(?:{re})$')"),
        }
    }

    /// Whether list `list` holds `v`.
    pub(crate) fn contains(self, list: &str, v: &str) -> String {
        match self {
            DuckDb => format!("list_contains({list}, {v})"),
            Spark => format!("array_contains({list}, {v})"),
            Postgres => format!("({v} = ANY({list}))"),
        }
    }

    /// Whether list `list` holds one of `values` (which may be NULL).
    pub(crate) fn contains_any(self, list: &str, values: &[String]) -> String {
        let tests: Vec<String> = values
            .iter()
            .map(|v| format!("COALESCE({}, FALSE)", self.contains(list, v)))
            .collect();
        format!("({})", tests.join(" OR "))
    }

    /// A list of strings with its NULL elements left out.
    pub(crate) fn compact(self, items: &[String]) -> String {
        let list = self.list(items);
        match self {
            DuckDb => format!("list_filter({list}, lambda x: x IS NOT NULL)"),
            Spark => format!("filter({list}, x -> x IS NOT NULL)"),
            Postgres => format!("array_remove({list}, NULL)"),
        }
    }

    /// The prefix of the ECCN `s` made of its first `depth` parts (`3A090.a`
    /// for `3A090.a.1` and 2), or NULL when it has fewer parts.
    pub(crate) fn ancestor(self, s: &str, depth: usize) -> String {
        let (parts, len, join) = match self {
            DuckDb => (
                format!("string_split({s}, '.')"),
                "len",
                format!("array_to_string(string_split({s}, '.')[1:{depth}], '.')"),
            ),
            Spark => (
                format!("split({s}, '[.]')"),
                "size",
                format!("array_join(slice(split({s}, '[.]'), 1, {depth}), '.')"),
            ),
            Postgres => (
                format!("string_to_array({s}, '.')"),
                "cardinality",
                format!("array_to_string((string_to_array({s}, '.'))[1:{depth}], '.')"),
            ),
        };
        format!("CASE WHEN {len}({parts}) >= {depth} THEN {join} END")
    }

    /// The lists one after the other.
    pub(crate) fn concat(self, lists: &[String]) -> String {
        match self {
            DuckDb | Postgres => lists.join(" || "),
            Spark => format!("concat({})", lists.join(", ")),
        }
    }

    /// One output row per element of `list` (in a select list).
    pub(crate) fn explode(self, list: &str) -> String {
        match self {
            DuckDb | Postgres => format!("unnest({list})"),
            Spark => format!("explode({list})"),
        }
    }

    /// The aggregate joining the lists of a group into one.
    pub(crate) fn concat_agg(self, list: &str) -> String {
        match self {
            DuckDb => format!("flatten(list({list}))"),
            Spark => format!("flatten(collect_list({list}))"),
            Postgres => format!("pg_temp.edict_concat({list})"),
        }
    }

    /// A list's distinct elements sorted by code point.
    pub(crate) fn sorted_set(self, list: &str) -> String {
        match self {
            DuckDb => format!("list_sort(list_distinct({list}))"),
            Spark => format!("array_sort(array_distinct({list}))"),
            Postgres => format!(
                "ARRAY(SELECT DISTINCT x COLLATE \"C\" FROM unnest({list}) AS x ORDER BY 1)"
            ),
        }
    }

    /// Whether a double is finite (not NaN, not infinite).
    pub(crate) fn finite(self, x: &str) -> String {
        match self {
            DuckDb => format!("isfinite({x})"),
            Spark => format!("(NOT isnan({x}) AND abs({x}) < CAST('Infinity' AS DOUBLE))"),
            Postgres => format!(
                "({x} NOT IN (CAST('NaN' AS double precision), \
                 CAST('Infinity' AS double precision), CAST('-Infinity' AS double precision)))"
            ),
        }
    }

    /// A key unique to each input row, for grouping.
    pub(crate) fn row_key(self) -> &'static str {
        match self {
            DuckDb | Postgres => "row_number() OVER ()",
            Spark => "monotonically_increasing_id()",
        }
    }

    /// The 1-based row number, given the row key.
    pub(crate) fn row_number(self, key: &str) -> String {
        match self {
            DuckDb | Postgres => key.to_string(),
            Spark => format!("row_number() OVER (ORDER BY {key})"),
        }
    }

    /// `AS MATERIALIZED` where a common table expression can be forced to
    /// be computed once (its row numbers must not change between uses).
    pub(crate) fn materialized(self) -> &'static str {
        match self {
            DuckDb | Postgres => " MATERIALIZED",
            Spark => "",
        }
    }

    /// `CREATE … VIEW` of a session-scoped view.
    pub(crate) fn create_view(self, name: &str) -> String {
        match self {
            DuckDb => format!("CREATE OR REPLACE TEMP VIEW {name} AS"),
            Spark => format!("CREATE OR REPLACE TEMPORARY VIEW {name} AS"),
            Postgres => format!("DROP VIEW IF EXISTS pg_temp.{name};\nCREATE TEMP VIEW {name} AS"),
        }
    }
}
