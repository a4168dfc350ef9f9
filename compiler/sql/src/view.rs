//! The view `decisions`: one fixed pipeline of common table expressions
//! over the relation of transactions.
//!
//! 1. `edict_src`: the input's columns, a key per row and the row's `id`
//!    (computed once: materialized where the engine allows it);
//! 2. `edict_pre` … `edict_val`: each value normalized — text, a double,
//!    `true`/`false`, a day as `YYYYMMDD` — or NULL when it is invalid, and
//!    the row's coded problems (`E0603:column` …);
//! 3. `edict_ok` … `edict_cand`: for a valid transaction, its ECCNs'
//!    ancestors (a column per depth), its tier (the first tier row that
//!    holds, as a `CASE`), the epochs of its keyed dates and numbers, and
//!    its keys, one set per signature, values in column order (`0:`,
//!    `2:4|CN|3A090`: epoch, destination, an ancestor of the ECCN);
//! 4. `edict_hit`: an equi-join of keys with `edict_keys` and `edict_rows`
//!    — rows are found through their keys, never by scanning — then every
//!    cell of the row checked, and the most severe outcome per
//!    jurisdiction by a window;
//! 5. `edict_merged`: the most severe rows joined with their lists and
//!    merged (maxima and unions);
//! 6. the decided rows, and every jurisdiction of a rejected transaction
//!    with its codes.

use edict_engine::table::{ColumnType, OutcomeKind, Review, TierRow};

use crate::Options;
use crate::cells::{self, Kind};
use crate::dialect::Dialect;
use crate::plan::{Plan, field_prefix};
use crate::relations::LISTS;

/// An ECCN: `EAR99`, or a digit, a product group A–E and three digits (or
/// `Y521`), then paragraphs of lowercase letters and digits.
const ECCN: &str = "EAR99|[0-9]([A-E][0-9]{3}|Y521)([.][a-z0-9]+)*";
const DATE: &str = "[0-9]{4}-[0-9]{2}-[0-9]{2}";

/// The statement creating the view.
pub(crate) fn decisions(plan: &Plan<'_>, options: &Options) -> String {
    let d = plan.dialect;
    let table = plan.table;
    let n = table.columns.len();
    let all = |f: &dyn Fn(usize) -> String| -> String {
        (0..n).map(f).map(|s| format!(", {s}")).collect::<String>()
    };
    let (carried, id) = match &options.id {
        Some(col) => (
            format!(", {} AS edict_id", d.ident(col)),
            "edict_id".to_string(),
        ),
        None => (String::new(), d.row_number("edict_rid")),
    };
    let src = format!(
        "SELECT {} AS edict_rid{carried}{} FROM {}",
        d.row_key(),
        all(&|k| format!("{} AS s{k}", d.ident(&table.columns[k].name))),
        d.relation(&options.input)
    );
    // A date's shape is checked once, here; its parts are read below.
    let with_id = format!(
        "SELECT edict_rid, {id} AS id{} FROM edict_src",
        all(&|k| match table.columns[k].ty {
            ColumnType::Date => {
                let text = d.text(&format!("s{k}"));
                let shape = d.full_match(&text, DATE);
                format!("s{k}, CASE WHEN {shape} THEN {text} END AS t{k}")
            }
            _ => format!("s{k}"),
        })
    );
    let pre = format!(
        "SELECT edict_rid, id{} FROM edict_in",
        all(&|k| pre_column(d, table.columns[k].ty, k))
    );
    let tx = format!(
        "SELECT edict_rid, id{} FROM edict_pre",
        all(&|k| format!("s{k}, {} AS c{k}", normalized(d, plan, k)))
    );
    // The list of problems is built for invalid transactions only.
    let problems: Vec<String> = (0..n).map(|k| problem(d, plan, k)).collect();
    let invalid: Vec<String> = (0..n).map(|k| format!("c{k} IS NULL")).collect();
    let val = format!(
        "SELECT *, CASE WHEN {} THEN {} END AS edict_errors FROM edict_tx",
        invalid.join(" OR "),
        d.compact(&problems)
    );
    let eccns: Vec<usize> = (0..n).filter(|k| plan.kind(*k) == Kind::Eccn).collect();
    let ok = format!(
        "SELECT edict_rid, id{}{} FROM edict_val WHERE edict_errors IS NULL",
        all(&|k| format!("c{k}")),
        eccns
            .iter()
            .flat_map(|&k| {
                (1..=plan.depth[k])
                    .map(move |i| format!(", {} AS a{k}_{i}", d.ancestor(&format!("c{k}"), i)))
            })
            .collect::<String>(),
    );
    let ranked = format!(
        "SELECT *, {} AS edict_rank{} FROM edict_ok",
        tier_case(plan),
        epochs(plan)
    );
    let cand = format!(
        "SELECT *, {} AS edict_k FROM edict_ranked",
        d.explode(&keys(plan))
    );
    // Candidates carry what the check and the merge need, not the lists:
    // those are read for the kept rows only.
    let hit = format!(
        "SELECT t.edict_rid, t.id, k.n, r.jurisdiction, r.severity, \
         COALESCE(r.tier_rank, t.edict_rank) AS tier_rank, r.review_rank, \
         max(r.severity) OVER (PARTITION BY t.edict_rid, r.jurisdiction) AS edict_top \
         FROM edict_cand AS t JOIN edict_keys AS k ON k.edict_k = t.edict_k \
         JOIN edict_rows AS r ON r.n = k.n\n  WHERE {residual}",
        residual = residual(plan)
    );
    let merged = format!(
        "SELECT h.edict_rid, h.id, h.jurisdiction, max(h.severity) AS severity, \
         max(h.tier_rank) AS tier_rank, max(h.review_rank) AS review_rank{} \
         FROM edict_hit AS h JOIN edict_rows AS l ON l.n = h.n \
         WHERE h.severity = h.edict_top GROUP BY h.edict_rid, h.id, h.jurisdiction",
        LISTS
            .iter()
            .map(|l| format!(", {} AS {l}", d.concat_agg(&format!("l.{l}"))))
            .collect::<String>()
    );
    let arr = d.array_type();
    let text = d.text_type();
    let decided = format!(
        "SELECT id, jurisdiction, {outcome} AS outcome, \
         CASE WHEN severity < 0 THEN 'no_rule' ELSE 'rule' END AS basis, \
         {tier} AS tier, {review} AS review{lists}, CAST(NULL AS {arr}) AS rejected \
         FROM edict_merged",
        outcome = outcome_case(d),
        tier = names_case(d, "tier_rank", &table.tiers),
        review = names_case(
            d,
            "review_rank",
            &Review::ALL.map(|r| r.as_str().to_string())
        ),
        lists = OUTPUT_LISTS
            .iter()
            .map(|l| format!(", {} AS {l}", d.sorted_set(l)))
            .collect::<String>(),
    );
    let rejected = format!(
        "SELECT v.id, j.jurisdiction, CAST(NULL AS {text}) AS outcome, \
         CAST(NULL AS {text}) AS basis, CAST(NULL AS {text}) AS tier, \
         CAST(NULL AS {text}) AS review{lists}, v.edict_errors AS rejected \
         FROM edict_val AS v CROSS JOIN \
         (SELECT jurisdiction FROM edict_rows WHERE severity < 0) AS j \
         WHERE v.edict_errors IS NOT NULL",
        lists = OUTPUT_LISTS
            .iter()
            .map(|l| format!(", CAST(NULL AS {arr}) AS {l}"))
            .collect::<String>(),
    );
    let ctes = [
        ("edict_src", src, d.materialized()),
        ("edict_in", with_id, ""),
        ("edict_pre", pre, ""),
        ("edict_tx", tx, ""),
        ("edict_val", val, ""),
        ("edict_ok", ok, ""),
        ("edict_ranked", ranked, ""),
        ("edict_cand", cand, ""),
        ("edict_hit", hit, ""),
        ("edict_merged", merged, ""),
    ];
    let with: Vec<String> = ctes
        .iter()
        .map(|(name, body, how)| format!("{name} AS{how} (\n  {body}\n)"))
        .collect();
    format!(
        "{} WITH\n{}\n{decided}\nUNION ALL\n{rejected};\n",
        d.create_view("decisions"),
        with.join(",\n")
    )
}

/// The lists of the output, in the column order of the view.
const OUTPUT_LISTS: [&str; 5] = [
    "authorizations",
    "obligations",
    "reasons",
    "rules",
    "citations",
];

/// Column `k` as read, plus a date's year, month and day when it has the
/// shape `YYYY-MM-DD` (`t{k}`, NULL otherwise).
fn pre_column(d: Dialect, ty: ColumnType, k: usize) -> String {
    if ty != ColumnType::Date {
        return format!("s{k}");
    }
    let part =
        |from: usize, len: usize| format!("CAST(substr(t{k}, {from}, {len}) AS {})", d.int_type());
    format!(
        "s{k}, {} AS y{k}, {} AS m{k}, {} AS d{k}",
        part(1, 4),
        part(6, 2),
        part(9, 2)
    )
}

/// Column `k` normalized, NULL when missing or invalid.
fn normalized(d: Dialect, plan: &Plan<'_>, k: usize) -> String {
    let col = &plan.table.columns[k];
    let s = format!("s{k}");
    let text = d.text(&s);
    match col.ty {
        ColumnType::Date => {
            let (y, m, day) = (format!("y{k}"), format!("m{k}"), format!("d{k}"));
            format!(
                "CASE WHEN {y} >= 1 AND {m} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND \
                 CASE WHEN {m} IN (4, 6, 9, 11) THEN 30 WHEN {m} <> 2 THEN 31 \
                 WHEN ({y} % 4 = 0 AND {y} % 100 <> 0) OR {y} % 400 = 0 THEN 29 ELSE 28 END \
                 THEN {y} * 10000 + {m} * 100 + {day} END"
            )
        }
        ColumnType::Number => {
            let x = d.try_cast(&s, d.double_type());
            format!("CASE WHEN {} THEN {x} END", d.finite(&x))
        }
        ColumnType::Bool => format!(
            "CASE {} WHEN TRUE THEN 'true' WHEN FALSE THEN 'false' END",
            d.try_cast(&s, d.bool_type())
        ),
        ColumnType::String => text,
        ColumnType::Eccn => format!("CASE WHEN {} THEN {text} END", d.full_match(&text, ECCN)),
        ColumnType::Country | ColumnType::Enum => {
            if col.domain.is_empty() {
                return format!("CAST(NULL AS {})", d.text_type());
            }
            let domain: Vec<String> = col.domain.iter().map(|v| d.string(v)).collect();
            format!(
                "CASE WHEN {text} IN ({}) THEN {text} END",
                domain.join(", ")
            )
        }
    }
}

/// Column `k`'s problem, as `CODE:column`, or NULL.
fn problem(d: Dialect, plan: &Plan<'_>, k: usize) -> String {
    let col = &plan.table.columns[k];
    let code = match col.ty {
        ColumnType::Date => "E0606",
        ColumnType::Number | ColumnType::Bool | ColumnType::String => "E0604",
        ColumnType::Country | ColumnType::Enum => "E0605",
        ColumnType::Eccn => "E0607",
    };
    format!(
        "CASE WHEN s{k} IS NULL THEN {} WHEN c{k} IS NULL THEN {} END",
        d.string(&format!("E0603:{}", col.name)),
        d.string(&format!("{code}:{}", col.name))
    )
}

/// The value a cell on column `k` (the tier when `None`) reads in `t`.
fn value_of(plan: &Plan<'_>, t: &str, k: Option<usize>) -> String {
    match k {
        None => format!("{t}edict_rank"),
        Some(k) if plan.kind(k) == Kind::Eccn => format!("{t}a{k}"),
        Some(k) => format!("{t}c{k}"),
    }
}

/// The assessed tier's rank: the first tier row whose cells all hold.
fn tier_case(plan: &Plan<'_>) -> String {
    let d = plan.dialect;
    let table = plan.table;
    if table.tier_table.is_empty() {
        return format!("CAST(NULL AS {})", d.int_type());
    }
    let index = &plan.index;
    let whens: Vec<String> = table
        .tier_table
        .iter()
        .map(|row: &TierRow| {
            let rank = table.tiers.iter().position(|t| *t == row.tier).unwrap_or(0);
            let mut tests = Vec::new();
            for (name, cell) in &row.cells {
                // No tier is assessed yet: a cell on it fails.
                let Some(k) = index.get(name.as_str()).copied() else {
                    tests.push("FALSE".to_string());
                    continue;
                };
                let kind = plan.kind(k);
                let literals = cells::literals(d, kind, cell, &table.columns[k].domain);
                let field = |f: &str| {
                    let i = kind.fields().iter().position(|x| *x == f).unwrap_or(0);
                    literals[i].clone()
                };
                tests.push(kind.holds(d, &value_of(plan, "", Some(k)), plan.depth[k], &field));
            }
            let test = if tests.is_empty() {
                "TRUE".to_string()
            } else {
                tests.join(" AND ")
            };
            format!("WHEN {test} THEN {rank}")
        })
        .collect();
    format!("CASE {} END", whens.join(" "))
}

/// A transaction's keys: for each signature of the table, its values in
/// the signature's columns (every ancestor of an ECCN, the epoch of a date
/// or number), as `sig:v1|v2|…`.
fn keys(plan: &Plan<'_>) -> String {
    let d = plan.dialect;
    let lists: Vec<String> = plan
        .keys
        .signatures
        .iter()
        .enumerate()
        .map(|(sig, columns)| {
            let mut before = vec![d.string(&format!("{sig}:"))];
            let mut after: Vec<String> = Vec::new();
            let mut eccn = None;
            for (i, &k) in columns.iter().enumerate() {
                // The ECCN's ancestors go between what comes before and after.
                let part = if eccn.is_some() {
                    &mut after
                } else {
                    &mut before
                };
                if i > 0 {
                    part.push("'|'".into());
                }
                match plan.kind(k) {
                    Kind::Eccn => eccn = Some(k),
                    Kind::Set => part.push(format!("c{k}")),
                    Kind::Number | Kind::Date => part.push(format!("e{k}")),
                }
            }
            match eccn {
                Some(k) => {
                    let after = if after.is_empty() {
                        String::new()
                    } else {
                        format!(" || {}", after.join(" || "))
                    };
                    let before = before.join(" || ");
                    let keys: Vec<String> = (1..=plan.depth[k])
                        .map(|i| format!("{before} || a{k}_{i}{after}"))
                        .collect();
                    d.list(&keys)
                }
                None => d.list(&[before.join(" || ")]),
            }
        })
        .collect();
    d.concat(&lists)
}

/// The epoch of each keyed range column's value (as text): the number of
/// the column's bounds at or below it, by binary search.
fn epochs(plan: &Plan<'_>) -> String {
    let d = plan.dialect;
    plan.keys
        .bounds
        .iter()
        .map(|(&k, bounds)| {
            let literal = |b: f64| match plan.kind(k) {
                Kind::Date => (b as i64).to_string(),
                _ => d.double(b),
            };
            format!(
                ", {} AS e{k}",
                search(&format!("c{k}"), bounds, 0, bounds.len(), &literal)
            )
        })
        .collect()
}

/// The number of `bounds` at or below `v`, known to lie in `lo..=hi`.
fn search(
    v: &str,
    bounds: &[f64],
    lo: usize,
    hi: usize,
    literal: &dyn Fn(f64) -> String,
) -> String {
    if lo >= hi {
        return format!("'{lo}'");
    }
    let mid = (lo + hi) / 2;
    format!(
        "CASE WHEN {v} < {} THEN {} ELSE {} END",
        literal(bounds[mid]),
        search(v, bounds, lo, mid, literal),
        search(v, bounds, mid + 1, hi, literal)
    )
}

/// Every cell of row `r` holds for transaction `t`.
fn residual(plan: &Plan<'_>) -> String {
    let d = plan.dialect;
    let tests: Vec<String> = plan
        .tested_columns()
        .into_iter()
        .map(|(k, kind)| {
            let prefix = field_prefix(k);
            let depth = k.map_or(0, |k| plan.depth[k]);
            kind.holds(d, &value_of(plan, "t.", k), depth, &|f| {
                format!("r.{prefix}_{f}")
            })
        })
        .collect();
    if tests.is_empty() {
        "TRUE".into()
    } else {
        tests.join("\n    AND ")
    }
}

/// The outcome of a merged severity (-1: no rule, allowed).
fn outcome_case(d: Dialect) -> String {
    let names = [
        OutcomeKind::Allow,
        OutcomeKind::AllowUnder,
        OutcomeKind::RequireLicense,
        OutcomeKind::Deny,
    ]
    .map(|o| format!("WHEN {} THEN {}", o.severity(), d.string(o.as_str())));
    format!(
        "CASE severity WHEN -1 THEN {} {} END",
        d.string(OutcomeKind::Allow.as_str()),
        names.join(" ")
    )
}

/// The name of rank `column` in `names`, NULL when there is none.
fn names_case(d: Dialect, column: &str, names: &[String]) -> String {
    if names.is_empty() {
        return format!("CAST(NULL AS {})", d.text_type());
    }
    let whens: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("WHEN {i} THEN {}", d.string(n)))
        .collect();
    format!("CASE {column} {} END", whens.join(" "))
}
