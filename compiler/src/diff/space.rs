//! The transactions two tables are compared over: the union of their
//! columns, each split into the classes of values either table can tell
//! apart (as [`crate::table::sets`] does for one policy), so that every
//! cell of either table is an exact [`ColSet`].
//!
//! A column only one table has is ignored by the other; a domain value
//! only one table knows (a new enum variant) is, for the other, a value
//! none of its sets name — its `not_in` cells admit it, its `in` cells do
//! not. The language reference states both rules.

use std::collections::{BTreeMap, BTreeSet};

use super::DiffError;
use crate::check::eccn_problem;
use crate::date::Date;
use crate::hir::interpret::under;
use crate::hir::{COUNTRY_ENUM, Elem, Value};
use crate::table::domains::Domains;
use crate::table::sets::{ColSet, Cut, IntervalSet};
use crate::table::{Cell, ColumnType, Literal, Num, TIER_COLUMN, Table};

/// A column of the shared space.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    /// The field name.
    pub name: String,
    /// Its type, as the set algebra knows it.
    pub elem: Elem,
}

/// The shared space of two tables.
#[derive(Debug, Clone)]
pub(crate) struct Space {
    /// Columns of the old table in its order, then those only the new has.
    pub columns: Vec<Column>,
    /// The classes of each type.
    pub domains: Domains,
}

/// A row's cells as sets: `(column, set)` by column, and the test of the
/// assessed tier (ranks) when it has one.
#[derive(Debug, Clone)]
pub(crate) struct Conj {
    pub sets: Vec<(usize, ColSet)>,
    pub tier: Option<IntervalSet>,
}

impl Space {
    /// The space of both tables; fails when a column has two types.
    pub fn new(old: &Table, new: &Table) -> Result<(Space, Vec<String>), DiffError> {
        Space::with_cells(old, new, &[])
    }

    /// The space of both tables, where `extra` rows of cells (an
    /// assertion's scope) are exact sets too.
    pub fn with_cells(
        old: &Table,
        new: &Table,
        extra: &[BTreeMap<String, Cell>],
    ) -> Result<(Space, Vec<String>), DiffError> {
        let mut columns: Vec<Column> = Vec::new();
        let mut types: BTreeMap<String, (ColumnType, Option<String>)> = BTreeMap::new();
        let mut enums: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut notes = Vec::new();
        for (side, table) in [("old", old), ("new", new)] {
            for c in &table.columns {
                let ty = (c.ty, c.enum_name.clone());
                match types.get(&c.name) {
                    Some(seen) if *seen != ty => {
                        return Err(DiffError(format!(
                            "field `{}` is {} in the old version and {} in the new one",
                            c.name,
                            type_name(seen.0, seen.1.as_deref()),
                            type_name(c.ty, c.enum_name.as_deref()),
                        )));
                    }
                    Some(_) => {}
                    None => {
                        if side == "new" {
                            notes.push(format!(
                                "field `{}` is new: the old version ignores it",
                                c.name
                            ));
                        }
                        types.insert(c.name.clone(), ty);
                        columns.push(Column {
                            name: c.name.clone(),
                            elem: elem_of(c.ty, c.enum_name.as_deref(), &c.name),
                        });
                    }
                }
                if let Some(key) = enum_key(c.ty, c.enum_name.as_deref(), &c.name) {
                    let domain = enums.entry(key).or_default();
                    for v in &c.domain {
                        if !domain.contains(v) {
                            if side == "new" {
                                notes.push(format!(
                                    "`{v}` is a new value of field `{}`: the old version \
                                     treats it as a value none of its sets name",
                                    c.name
                                ));
                            }
                            domain.push(v.clone());
                        }
                    }
                }
            }
        }
        for c in &old.columns {
            match new.columns.iter().find(|n| n.name == c.name) {
                None => notes.push(format!(
                    "field `{}` is removed: the new version ignores it",
                    c.name
                )),
                Some(n) => {
                    for v in c.domain.iter().filter(|v| !n.domain.contains(v)) {
                        notes.push(format!(
                            "`{v}` is no longer a value of field `{}`: the new version treats \
                             it as a value none of its sets name",
                            c.name
                        ));
                    }
                }
            }
        }
        let mut eccns = BTreeSet::new();
        let mut strings = BTreeSet::new();
        for table in [old, new] {
            let rows = table.decision_table.iter().map(|r| &r.cells);
            let tier_rows = table.tier_table.iter().map(|r| &r.cells);
            for cells in rows.chain(tier_rows).chain(extra) {
                for (name, cell) in cells {
                    let ty = types.get(name).map(|t| t.0);
                    collect_constants(cell, ty, &mut eccns, &mut strings);
                }
            }
        }
        Ok((
            Space {
                columns,
                domains: Domains::from_parts(eccns, strings, enums),
            },
            notes,
        ))
    }

    /// The index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Every value of a column.
    pub fn full(&self, col: usize) -> ColSet {
        self.domains.full(&self.columns[col].elem)
    }

    /// The cells of a row as sets (cells on unknown columns are dropped:
    /// the table was validated when read).
    pub fn conj(&self, cells: &BTreeMap<String, Cell>) -> Conj {
        let mut sets = Vec::new();
        let mut tier = None;
        for (name, cell) in cells {
            if name == TIER_COLUMN {
                if let ColSet::Ranges(r) = self.set(&Elem::Tier, cell) {
                    tier = Some(r);
                }
            } else if let Some(i) = self.column(name) {
                sets.push((i, self.set(&self.columns[i].elem, cell)));
            }
        }
        sets.sort_by_key(|(i, _)| *i);
        Conj { sets, tier }
    }

    /// The values of type `elem` a cell admits.
    fn set(&self, elem: &Elem, cell: &Cell) -> ColSet {
        let d = &self.domains;
        let union = |elem: &Elem, values: &mut dyn Iterator<Item = Value>| {
            let mut acc = d.full(elem).complement();
            for v in values {
                acc = acc.union(&d.of_value(elem, &v));
            }
            acc
        };
        let value = |l: &Literal| match l {
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Number(n) => Value::Number(n.0),
            Literal::Text(t) => Value::Text(t.clone()),
        };
        match cell {
            Cell::In { values } => union(elem, &mut values.iter().map(value)),
            Cell::NotIn { values } => union(elem, &mut values.iter().map(value)).complement(),
            Cell::EccnIn { prefixes, except } => {
                let eccn = |p: &String| Value::Eccn(p.clone());
                union(elem, &mut prefixes.iter().map(eccn))
                    .minus(&union(elem, &mut except.iter().map(eccn)))
            }
            Cell::EccnNotIn { prefixes } => {
                union(elem, &mut prefixes.iter().map(|p| Value::Eccn(p.clone()))).complement()
            }
            Cell::Range {
                min,
                min_inclusive,
                max,
                max_inclusive,
            } => {
                let point = |l: &Literal| match l {
                    Literal::Number(n) => n.0,
                    Literal::Text(t) => Date::parse(t).map_or(0.0, |d| d.days_since_epoch() as f64),
                    Literal::Bool(b) => f64::from(u8::from(*b)),
                };
                let lo = match min {
                    Some(m) if *min_inclusive == Some(false) => Cut::After(point(m)),
                    Some(m) => Cut::Before(point(m)),
                    None => Cut::Bottom,
                };
                let hi = match max {
                    Some(m) if *max_inclusive == Some(true) => Cut::After(point(m)),
                    Some(m) => Cut::Before(point(m)),
                    None => Cut::Top,
                };
                ColSet::Ranges(IntervalSet::between(lo, hi, *elem != Elem::Number))
            }
        }
    }

    /// The cells that admit exactly `set` on a column (several when one
    /// cell cannot say it: each is an alternative).
    pub fn cells(&self, col: usize, set: &ColSet) -> Vec<Cell> {
        self.domains.cells(&self.columns[col].elem, set)
    }

    /// A value of `set` on a column, as a transaction gives it.
    pub fn witness(&self, col: usize, set: &ColSet) -> serde_json::Value {
        let elem = &self.columns[col].elem;
        match set {
            ColSet::Classes(bits) => {
                let Some(class) = bits.iter().next() else {
                    return serde_json::Value::Null;
                };
                let d = &self.domains;
                match elem {
                    Elem::Bool => (class == 1).into(),
                    Elem::Eccn => match d.eccns.get(class) {
                        Some(prefix) => prefix.clone().into(),
                        None => unmentioned_eccn(&d.eccns).into(),
                    },
                    Elem::Str => match d.strings.get(class) {
                        Some(s) => s.clone().into(),
                        None => unmentioned_string(&d.strings).into(),
                    },
                    _ => d
                        .enum_variants(elem)
                        .get(class)
                        .cloned()
                        .unwrap_or_default()
                        .into(),
                }
            }
            ColSet::Ranges(r) => {
                let Some(&(lo, hi)) = r.parts.first() else {
                    return serde_json::Value::Null;
                };
                let v = point_in(lo, hi, r.is_discrete());
                if *elem == Elem::Date {
                    let day = if matches!((lo, hi), (Cut::Bottom, Cut::Top)) {
                        DEFAULT_DAY
                    } else {
                        v as i64
                    };
                    Date::from_days_since_epoch(day).to_string().into()
                } else {
                    serde_json::to_value(Num(v)).unwrap_or_default()
                }
            }
        }
    }
}

/// The witness date when no date matters (2000-01-01).
const DEFAULT_DAY: i64 = 10_957;

/// A readable value inside `[lo, hi)`: the lower bound when it is in, a
/// whole number near it otherwise.
fn point_in(lo: Cut, hi: Cut, discrete: bool) -> f64 {
    let set = IntervalSet::between(lo, hi, discrete);
    let candidates: Vec<f64> = match (lo, hi) {
        (Cut::Before(a), _) => vec![a],
        (Cut::After(a), Cut::Before(b) | Cut::After(b)) => {
            vec![a + 1.0, a.floor() + 1.0, (a + b) / 2.0]
        }
        (Cut::After(a), _) => vec![a + 1.0, a.floor() + 1.0],
        (Cut::Bottom | Cut::Top, Cut::Before(b)) => vec![b - 1.0, b.ceil() - 1.0],
        (Cut::Bottom | Cut::Top, Cut::After(b)) => vec![b],
        _ => vec![0.0],
    };
    candidates
        .into_iter()
        .find(|&v| set.contains(v))
        .unwrap_or(0.0)
}

/// An ECCN under none of `mentioned`.
fn unmentioned_eccn(mentioned: &[String]) -> String {
    let free = |e: &str| !mentioned.iter().any(|p| under(e, p)) && eccn_problem(e).is_none();
    let mut candidates = vec!["EAR99".to_string()];
    for cat in 0..10 {
        for group in ["A", "B", "C", "D", "E"] {
            candidates.push(format!("{cat}{group}999"));
        }
    }
    candidates
        .into_iter()
        .find(|e| free(e))
        .unwrap_or_else(|| "EAR99".to_string())
}

/// A string not in `mentioned`.
fn unmentioned_string(mentioned: &[String]) -> String {
    (0..)
        .map(|i| {
            if i == 0 {
                "other".to_string()
            } else {
                format!("other {i}")
            }
        })
        .find(|s| mentioned.binary_search(s).is_err())
        .unwrap_or_default()
}

fn type_name(ty: ColumnType, enum_name: Option<&str>) -> String {
    match (ty, enum_name) {
        (ColumnType::Enum, Some(e)) => format!("the enum `{e}`"),
        (ty, _) => {
            let name = serde_json::to_value(ty).unwrap_or_default();
            format!("a {}", name.as_str().unwrap_or("value"))
        }
    }
}

fn enum_key(ty: ColumnType, enum_name: Option<&str>, column: &str) -> Option<String> {
    match ty {
        ColumnType::Country => Some(COUNTRY_ENUM.to_string()),
        ColumnType::Enum => Some(format!("{}#{column}", enum_name.unwrap_or(""))),
        _ => None,
    }
}

fn elem_of(ty: ColumnType, enum_name: Option<&str>, column: &str) -> Elem {
    match ty {
        ColumnType::Date => Elem::Date,
        ColumnType::Number => Elem::Number,
        ColumnType::Bool => Elem::Bool,
        ColumnType::String => Elem::Str,
        ColumnType::Eccn => Elem::Eccn,
        ColumnType::Country => Elem::Country,
        ColumnType::Enum => Elem::Enum(enum_key(ty, enum_name, column).unwrap_or_default()),
    }
}

fn collect_constants(
    cell: &Cell,
    ty: Option<ColumnType>,
    eccns: &mut BTreeSet<String>,
    strings: &mut BTreeSet<String>,
) {
    match cell {
        Cell::EccnIn { prefixes, except } => {
            eccns.extend(prefixes.iter().chain(except).cloned());
        }
        Cell::EccnNotIn { prefixes } => eccns.extend(prefixes.iter().cloned()),
        Cell::In { values } | Cell::NotIn { values } if ty == Some(ColumnType::String) => {
            for v in values {
                if let Literal::Text(t) = v {
                    strings.insert(t.clone());
                }
            }
        }
        _ => {}
    }
}
