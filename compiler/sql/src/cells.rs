//! Cells as SQL: the fields that describe a cell, one predicate template
//! per kind of column over those fields, and the keys a row is found by.
//!
//! A cell is written as a few typed fields (a list of values and a
//! negation flag; prefixes and exceptions; bounds and their flags). The
//! decision rows carry them as data, one set of columns per tested column,
//! NULL where a row does not test it; the tier rows, which are few and
//! tried in order, carry them as literals. Either way one template per
//! kind turns them into the predicate, so the two never disagree.

use std::collections::HashSet;

use edict_engine::table::{Cell, ColumnType, Literal};

use crate::dialect::Dialect;

/// How a column is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `in` / `not_in` on text: countries, enums, strings, and booleans
    /// (as `true` / `false`).
    Set,
    /// `eccn_in` / `eccn_not_in`, against the ECCN's ancestors.
    Eccn,
    /// `range` over doubles: numbers and the tier's rank.
    Number,
    /// `range` over days written as the integer `YYYYMMDD`.
    Date,
}

impl Kind {
    pub(crate) fn of(ty: ColumnType) -> Kind {
        match ty {
            ColumnType::Country | ColumnType::Enum | ColumnType::String | ColumnType::Bool => {
                Kind::Set
            }
            ColumnType::Eccn => Kind::Eccn,
            ColumnType::Number => Kind::Number,
            ColumnType::Date => Kind::Date,
        }
    }

    /// The fields of a cell of this kind, in order.
    pub(crate) fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Set => &["set", "neg"],
            Kind::Eccn => &["pre", "exc", "neg"],
            Kind::Number | Kind::Date => &["on", "min", "mini", "max", "maxi"],
        }
    }

    /// Every field NULL: the column is not tested.
    pub(crate) fn nulls(self) -> Vec<String> {
        self.fields().iter().map(|_| "NULL".to_string()).collect()
    }

    /// The SQL type of each field.
    pub(crate) fn field_types(self, d: Dialect) -> Vec<String> {
        let bool = d.bool_type().to_string();
        match self {
            Kind::Set => vec![d.array_type(), bool],
            Kind::Eccn => vec![d.array_type(), d.array_type(), bool],
            Kind::Number | Kind::Date => {
                let bound = if self == Kind::Number {
                    d.double_type()
                } else {
                    d.int_type()
                };
                vec![bool.clone(), bound.into(), bool.clone(), bound.into(), bool]
            }
        }
    }

    /// The predicate "the cell holds for `v`", given each field's SQL; a
    /// NULL list or flag means "nothing to check". For ECCNs `v` names the
    /// value's ancestors `v_1` … `v_depth` (a prefix of `k` parts can only
    /// be the ancestor of `k` parts), and `except` is checked apart from
    /// the prefixes (which a row's keys may already decide); a range tests
    /// that `v` is not NULL (the tier may be unassessed).
    pub(crate) fn holds(
        self,
        d: Dialect,
        v: &str,
        depth: usize,
        f: &dyn Fn(&str) -> String,
    ) -> String {
        let ancestors: Vec<String> = (1..=depth).map(|i| format!("{v}_{i}")).collect();
        match self {
            Kind::Set => format!(
                "({set} IS NULL OR {has} <> {neg})",
                set = f("set"),
                has = d.contains(&f("set"), v),
                neg = f("neg")
            ),
            Kind::Eccn => format!(
                "(({pre} IS NULL OR {inside} <> {neg}) AND ({exc} IS NULL OR NOT {out}))",
                pre = f("pre"),
                inside = d.contains_any(&f("pre"), &ancestors),
                exc = f("exc"),
                out = d.contains_any(&f("exc"), &ancestors),
                neg = f("neg")
            ),
            Kind::Number | Kind::Date => format!(
                "({on} IS NULL OR ({v} IS NOT NULL \
                 AND ({min} IS NULL OR {v} > {min} OR ({mini} AND {v} = {min})) \
                 AND ({max} IS NULL OR {v} < {max} OR ({maxi} AND {v} = {max}))))",
                on = f("on"),
                min = f("min"),
                mini = f("mini"),
                max = f("max"),
                maxi = f("maxi")
            ),
        }
    }
}

/// The fields of `cell` as SQL literals, in [`Kind::fields`] order, for a
/// column with `domain` (countries and enums; empty otherwise). The table
/// was validated by the evaluator, so a cell fits its column.
pub(crate) fn literals(d: Dialect, kind: Kind, cell: &Cell, domain: &[String]) -> Vec<String> {
    let bool = |b: bool| d.boolean(b).to_string();
    match (kind, cell) {
        (Kind::Set, Cell::In { values } | Cell::NotIn { values }) => {
            let (list, negated) = shorter_side(values, domain, matches!(cell, Cell::NotIn { .. }));
            vec![d.text_array(&list), bool(negated)]
        }
        (Kind::Eccn, Cell::EccnIn { prefixes, except }) => {
            vec![d.text_array(prefixes), excepted(d, except), bool(false)]
        }
        (Kind::Eccn, Cell::EccnNotIn { prefixes }) => {
            vec![d.text_array(prefixes), "NULL".into(), bool(true)]
        }
        (
            Kind::Number | Kind::Date,
            Cell::Range {
                min,
                min_inclusive,
                max,
                max_inclusive,
            },
        ) => {
            let bound = |b: &Option<Literal>| match b {
                None => "NULL".to_string(),
                Some(lit) => bound_of(d, kind, lit),
            };
            let flag = |f: &Option<bool>| f.map_or("NULL".to_string(), bool);
            vec![
                bool(true),
                bound(min),
                flag(min_inclusive),
                bound(max),
                flag(max_inclusive),
            ]
        }
        // Refused by the evaluator's validation; never holds.
        _ => kind.nulls(),
    }
}

/// The fields of a cell whose row's keys already decide it: nothing left
/// to check, but an `eccn_in` cell's `except`.
pub(crate) fn covered(d: Dialect, kind: Kind, cell: &Cell) -> Vec<String> {
    let mut out = kind.nulls();
    if let Cell::EccnIn { except, .. } = cell {
        out[1] = excepted(d, except);
    }
    out
}

/// An `except` list, NULL when empty (nothing to check).
fn excepted(d: Dialect, except: &[String]) -> String {
    if except.is_empty() {
        "NULL".into()
    } else {
        d.text_array(except)
    }
}

/// A set as a list and a negation: `in V` is `not in D - V` for a
/// transaction's value, which is always in the domain `D`, so the shorter
/// of the two is written (a row admitting all but five countries names
/// five).
fn shorter_side(values: &[Literal], domain: &[String], negated: bool) -> (Vec<String>, bool) {
    let listed: HashSet<String> = values.iter().map(text_of).collect();
    if domain.is_empty() || listed.len() * 2 <= domain.len() {
        let mut list: Vec<String> = listed.into_iter().collect();
        list.sort();
        return (list, negated);
    }
    (crate::keys::complement(values, domain), !negated)
}

/// A set value as the text the transaction's value is compared with.
pub(crate) fn text_of(lit: &Literal) -> String {
    match lit {
        Literal::Bool(b) => b.to_string(),
        Literal::Text(t) => t.clone(),
        Literal::Number(n) => n.0.to_string(),
    }
}

fn bound_of(d: Dialect, kind: Kind, lit: &Literal) -> String {
    match (kind, crate::keys::bound_value(kind, lit)) {
        (Kind::Date, Some(day)) => (day as i64).to_string(),
        (_, Some(x)) => d.double(x),
        (_, None) => "NULL".to_string(),
    }
}
