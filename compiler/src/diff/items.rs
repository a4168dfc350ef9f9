//! Declarations added, removed and edited, and the timeline of rule dates.
//!
//! A version compiled from source is read declaration by declaration from
//! its modules' syntax trees: each declaration is a list of clauses, each
//! clause its source text with white space folded, so a change of layout
//! or of comments is no change. A version read as a table has no source:
//! both versions are then described from their tables — a rule by its
//! payload and its rows — so that the two sides are alike.

use std::collections::BTreeMap;

use super::{Change, ClauseChange, Declared, Event, EventKind, ItemKind, Status, Version};
use crate::date::Date;
use crate::hir::Program;
use crate::syntax::ast::{Item, JurisdictionMember, Provenance, Span};
use crate::table::{Cell, Literal, Table};

/// One declaration: its clauses (name → texts) and where it stands.
#[derive(Debug, Clone)]
struct Decl {
    clauses: BTreeMap<String, Vec<String>>,
    declared: Declared,
}

type Inventory = BTreeMap<(ItemKind, String), Decl>;

/// The declarations that differ, rules first, then by kind and name.
pub fn changes(old: &Version, new: &Version) -> Vec<Change> {
    let (a, b) = match (&old.program, &new.program) {
        (Some(p), Some(q)) => (from_source(p), from_source(q)),
        _ => (from_table(&old.table), from_table(&new.table)),
    };
    let mut keys: Vec<&(ItemKind, String)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let (before, after) = (a.get(key), b.get(key));
        let status = match (before, after) {
            (Some(_), None) => Status::Removed,
            (None, Some(_)) => Status::Added,
            _ => Status::Edited,
        };
        let empty = BTreeMap::new();
        let old_clauses = before.map_or(&empty, |d| &d.clauses);
        let new_clauses = after.map_or(&empty, |d| &d.clauses);
        let mut names: Vec<&String> = old_clauses.keys().chain(new_clauses.keys()).collect();
        names.sort_by_key(|n| (clause_rank(n), n.to_string()));
        names.dedup();
        let clauses: Vec<ClauseChange> = names
            .into_iter()
            .filter_map(|n| {
                let o = old_clauses.get(n).cloned().unwrap_or_default();
                let w = new_clauses.get(n).cloned().unwrap_or_default();
                (o != w).then(|| ClauseChange {
                    clause: n.clone(),
                    old: o,
                    new: w,
                })
            })
            .collect();
        if clauses.is_empty() {
            continue;
        }
        out.push(Change {
            kind: key.0,
            name: key.1.clone(),
            status,
            clauses,
            old: before.map(|d| d.declared.clone()),
            new: after.map(|d| d.declared.clone()),
        });
    }
    out
}

/// Clauses in the order a rule is written.
fn clause_rank(name: &str) -> usize {
    const ORDER: [&str; 16] = [
        "doc",
        "overrides",
        "effective",
        "sunset",
        "when",
        "unless",
        "then",
        "tier",
        "reasons",
        "review",
        "obligation",
        "cite",
        "unverified",
        "because",
        "rows",
        "authority",
    ];
    ORDER.iter().position(|o| *o == name).unwrap_or(ORDER.len())
}

/// `cite` and `unverified` as clauses of a declaration.
fn provenance_clauses(p: &Provenance) -> impl Iterator<Item = (&'static str, String)> + '_ {
    let cites = p.cites.iter().map(|c| ("cite", c.text.clone()));
    cites.chain(p.unverified.iter().map(|u| ("unverified", u.text.clone())))
}

/// White space folded to single spaces.
fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The declarations of every module of a program.
fn from_source(program: &Program) -> Inventory {
    let mut inv = Inventory::new();
    let docs: BTreeMap<(&str, &str), Option<String>> = program
        .jurisdictions
        .iter()
        .flat_map(|j| {
            j.rules
                .iter()
                .map(move |r| ((j.name.as_str(), r.name.as_str()), r.description.clone()))
        })
        .collect();
    for m in &program.modules {
        let text = m.text.as_str();
        let parsed = crate::syntax::parse(text);
        let slice = |s: Span| fold(text.get(s.range()).unwrap_or(""));
        let newlines: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter_map(|(i, b)| (b == b'\n').then_some(i))
            .collect();
        let declared = |s: Span| Declared {
            path: m.path.clone(),
            line: newlines.partition_point(|&i| i < s.start as usize) as u32 + 1,
            text: Some(crate::ide::declaration_text(text, s, true)),
        };
        let mut add = |kind: ItemKind, name: String, span: Span, clauses: Vec<(&str, String)>| {
            let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (c, t) in clauses {
                map.entry(c.to_string()).or_default().push(t);
            }
            inv.insert(
                (kind, name),
                Decl {
                    clauses: map,
                    declared: declared(span),
                },
            );
        };
        for item in &parsed.module.items {
            match item {
                Item::Enum(e) => {
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| ("variant", crate::fmt::variant(v)));
                    add(
                        ItemKind::Enum,
                        format!("{}.{}", m.name, e.name.name),
                        e.span,
                        variants.collect(),
                    );
                }
                Item::Group(g) => {
                    let mut clauses = vec![("type", g.ty.name.clone())];
                    clauses.extend(provenance_clauses(&g.provenance));
                    clauses.push(("members", slice(g.value.span)));
                    add(
                        ItemKind::Group,
                        format!("{}.{}", m.name, g.name.name),
                        g.span,
                        clauses,
                    );
                }
                Item::Input(i) => {
                    let fields = i
                        .fields
                        .iter()
                        .map(|f| ("field", format!("{}: {}", f.name.name, f.ty.name)));
                    add(ItemKind::Input, m.name.clone(), i.span, fields.collect());
                }
                Item::Tiers(t) => {
                    let names: Vec<&str> = t.tiers.iter().map(|t| t.name.as_str()).collect();
                    add(
                        ItemKind::Tiers,
                        m.name.clone(),
                        t.span,
                        vec![("tiers", names.join(", "))],
                    );
                }
                Item::Assess(a) => {
                    let lines = a.lines.iter().map(|l| ("line", slice(l.span)));
                    add(ItemKind::Assess, m.name.clone(), a.span, lines.collect());
                }
                Item::Authorization(a) => {
                    let mut clauses = vec![];
                    clauses.extend(a.label.iter().map(|l| ("label", l.text.clone())));
                    clauses.extend(provenance_clauses(&a.provenance));
                    add(
                        ItemKind::Authorization,
                        format!("{}.{}", m.name, a.name.name),
                        a.span,
                        clauses,
                    );
                }
                Item::Jurisdiction(j) => {
                    let mut settings = Vec::new();
                    for member in &j.members {
                        match member {
                            JurisdictionMember::Authority(l) => {
                                settings.push(("authority", l.text.clone()))
                            }
                            JurisdictionMember::Effective(l) => {
                                settings.push(("effective", l.text.clone()))
                            }
                            JurisdictionMember::Sunset(l) => {
                                settings.push(("sunset", l.text.clone()))
                            }
                            JurisdictionMember::Rule(r) => {
                                let doc = docs
                                    .get(&(j.name.name.as_str(), r.name.name.as_str()))
                                    .cloned()
                                    .flatten();
                                let mut clauses: Vec<(&str, String)> =
                                    doc.into_iter().map(|d| ("doc", fold(&d))).collect();
                                if !r.overrides.is_empty() {
                                    let names: Vec<&str> =
                                        r.overrides.iter().map(|o| o.name.as_str()).collect();
                                    clauses.push(("overrides", names.join(", ")));
                                }
                                for c in &r.clauses {
                                    let keyword = c.kind.keyword();
                                    if !keyword.is_empty() {
                                        clauses.push((keyword, slice(c.span)));
                                    }
                                }
                                add(
                                    ItemKind::Rule,
                                    format!("{}::{}", j.name.name, r.name.name),
                                    r.span,
                                    clauses,
                                );
                            }
                            JurisdictionMember::Error(_) => {}
                        }
                    }
                    add(
                        ItemKind::Jurisdiction,
                        format!("{} ({})", j.name.name, m.name),
                        j.span,
                        settings,
                    );
                }
                Item::Use(_) | Item::Test(_) | Item::Assert(_) | Item::Error(_) => {}
            }
        }
    }
    // A block's text is all of its rules: show only its first line.
    for ((kind, _), decl) in inv.iter_mut() {
        if *kind == ItemKind::Jurisdiction {
            decl.declared.text = None;
        }
    }
    inv
}

/// The declarations a table shows: rules by payload and rows, the tier
/// scale and assessment, authorizations, the input columns.
fn from_table(table: &Table) -> Inventory {
    let mut inv = Inventory::new();
    for row in &table.decision_table {
        let key = (
            ItemKind::Rule,
            format!("{}::{}", row.jurisdiction, row.rule),
        );
        let decl = inv.entry(key).or_insert_with(|| {
            let mut clauses: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut put = |k: &str, v: Vec<String>| {
                if !v.is_empty() {
                    clauses.insert(k.to_string(), v);
                }
            };
            let mut then = row.outcome.as_str().replace('_', " ");
            if !row.authorizations.is_empty() {
                then = format!("allow under {}", row.authorizations.join(", "));
            }
            put("then", vec![then]);
            put("tier", row.tier.iter().cloned().collect());
            if !row.reasons.is_empty() {
                put("reasons", vec![row.reasons.join(", ")]);
            }
            put(
                "review",
                row.review.iter().map(|r| r.as_str().into()).collect(),
            );
            put("obligation", row.obligations.clone());
            put("cite", row.citations.clone());
            put("because", row.rationale.iter().cloned().collect());
            put("doc", row.description.iter().map(|d| fold(d)).collect());
            Decl {
                clauses,
                declared: Declared {
                    path: row.source.path.clone(),
                    line: row.source.line,
                    text: None,
                },
            }
        });
        decl.clauses
            .entry("rows".into())
            .or_default()
            .push(cells_text(&row.cells));
    }
    for decl in inv.values_mut() {
        if let Some(rows) = decl.clauses.get_mut("rows") {
            rows.sort();
        }
    }
    let at = |path: &str, line: u32| Declared {
        path: path.to_string(),
        line,
        text: None,
    };
    let module = table.policy.clone();
    if !table.tiers.is_empty() {
        let mut clauses = BTreeMap::new();
        clauses.insert("tiers".into(), vec![table.tiers.join(", ")]);
        inv.insert(
            (ItemKind::Tiers, module.clone()),
            Decl {
                clauses,
                declared: at("", 0),
            },
        );
    }
    if let Some(first) = table.tier_table.first() {
        let lines = table
            .tier_table
            .iter()
            .map(|r| format!("{} when {}", r.tier, cells_text(&r.cells)))
            .collect();
        let mut clauses = BTreeMap::new();
        clauses.insert("line".into(), lines);
        inv.insert(
            (ItemKind::Assess, module.clone()),
            Decl {
                clauses,
                declared: at(&first.source.path, first.source.line),
            },
        );
    }
    for (name, a) in &table.authorizations {
        let mut clauses = BTreeMap::new();
        if let Some(l) = &a.label {
            clauses.insert("label".into(), vec![l.clone()]);
        }
        clauses.insert("cite".into(), a.citations.clone());
        inv.insert(
            (ItemKind::Authorization, name.clone()),
            Decl {
                clauses,
                declared: at("", 0),
            },
        );
    }
    let fields = table
        .columns
        .iter()
        .map(|c| {
            let ty = serde_json::to_value(c.ty).unwrap_or_default();
            format!(
                "{}: {}",
                c.name,
                c.enum_name.as_deref().or(ty.as_str()).unwrap_or("")
            )
        })
        .collect();
    let mut clauses = BTreeMap::new();
    clauses.insert("field".into(), fields);
    inv.insert(
        (ItemKind::Input, module),
        Decl {
            clauses,
            declared: at("", 0),
        },
    );
    inv
}

/// A row's cells in one line, in the words of the reports.
fn cells_text(cells: &BTreeMap<String, Cell>) -> String {
    if cells.is_empty() {
        return "always".into();
    }
    cells
        .iter()
        .map(|(name, cell)| super::render::cell_text(name, cell))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Each rule's first day in force and sunset, old against new.
pub fn timeline(old: &Version, new: &Version) -> Vec<Event> {
    let mut events: BTreeMap<(String, String, EventKind), (bool, bool)> = BTreeMap::new();
    for (s, v) in [old, new].into_iter().enumerate() {
        for (rule, (from, to)) in rule_dates(v) {
            for (date, kind) in [(from, EventKind::TakesEffect), (to, EventKind::Ends)] {
                if let Some(d) = date {
                    let e = events
                        .entry((d.to_string(), rule.clone(), kind))
                        .or_default();
                    if s == 0 {
                        e.0 = true;
                    } else {
                        e.1 = true;
                    }
                }
            }
        }
    }
    events
        .into_iter()
        .map(|((date, rule, event), (old, new))| Event {
            date,
            rule,
            event,
            old,
            new,
        })
        .collect()
}

/// `J::rule` → (effective, sunset): from the program when there is one
/// (its dates narrowed by the block), else the date range of its rows.
fn rule_dates(v: &Version) -> BTreeMap<String, (Option<Date>, Option<Date>)> {
    let mut out = BTreeMap::new();
    if let Some(p) = &v.program {
        for j in &p.jurisdictions {
            for r in &j.rules {
                out.insert(format!("{}::{}", j.name, r.name), (r.effective, r.sunset));
            }
        }
        return out;
    }
    // Rows: the earliest lower bound and the latest upper bound, unbounded
    // when some row is.
    for row in &v.table.decision_table {
        let (lo, hi) = match row.cells.get("date") {
            Some(Cell::Range {
                min,
                min_inclusive,
                max,
                max_inclusive,
            }) => (
                bound(min.as_ref(), *min_inclusive == Some(false)),
                bound(max.as_ref(), *max_inclusive == Some(true)),
            ),
            _ => (None, None),
        };
        let both = |a: Option<Date>, b: Option<Date>, f: fn(Date, Date) -> Date| {
            a.zip(b).map(|(a, b)| f(a, b))
        };
        out.entry(format!("{}::{}", row.jurisdiction, row.rule))
            .and_modify(|e: &mut (Option<Date>, Option<Date>)| {
                *e = (both(e.0, lo, Date::min), both(e.1, hi, Date::max));
            })
            .or_insert((lo, hi));
    }
    out
}

/// A date bound of a cell as the first day in (or out): an exclusive
/// lower bound or an inclusive upper bound moves one day on.
fn bound(l: Option<&Literal>, next_day: bool) -> Option<Date> {
    let Some(Literal::Text(t)) = l else {
        return None;
    };
    let d = Date::parse(t).ok()?;
    Some(if next_day {
        Date::from_days_since_epoch(d.days_since_epoch() + 1)
    } else {
        d
    })
}
