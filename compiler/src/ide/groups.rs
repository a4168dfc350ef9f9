//! A group's members on a date, the dates they change, and the sources
//! it states, for hover.
//!
//! Evaluated from the syntax trees, with names resolved as the checker
//! resolves them, so it works while the policy still has errors elsewhere.
//! Members are the names written (countries, enum values, ECCN prefixes);
//! ECCN prefixes are combined as names, not hierarchically.

use std::collections::{BTreeMap, BTreeSet};

use crate::check::scope::Binding;
use crate::check::summary::Export;
use crate::date::Date;
use crate::db::{Db, SourceFile, Workspace, module_file, parse_file};
use crate::escape;
use crate::syntax::ast::{Expr, ExprKind, GroupDecl, Item, Provenance, SetOp};

/// How many cited terms a hover lists.
const SOURCES_SHOWN: usize = 60;

/// How deep groups may refer to groups before evaluation gives up.
const MAX_DEPTH: usize = 64;

/// A group's members today, with labels, and its dated changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members {
    /// Members on the date asked, each with its label when it has one.
    pub now: Vec<(String, Option<String>)>,
    /// Each date where membership changes: members added and removed.
    pub changes: Vec<(Date, Vec<String>, Vec<String>)>,
}

struct Eval<'a> {
    db: &'a dyn Db,
    ws: Workspace,
    scopes: std::collections::HashMap<SourceFile, BTreeMap<String, Binding>>,
    dates: BTreeSet<Date>,
    labels: BTreeMap<String, String>,
}

impl Eval<'_> {
    fn binding(&mut self, file: SourceFile, name: &str) -> Option<Binding> {
        if !self.scopes.contains_key(&file) {
            let names = super::scope(self.db, self.ws, file);
            self.scopes.insert(file, names);
        }
        self.scopes.get(&file)?.get(name).cloned()
    }

    /// The group `name` of `module`: its file and value.
    fn group(&self, module: &str, name: &str) -> Option<(SourceFile, Expr)> {
        let file = module_file(self.db, self.ws, module)?;
        parse_file(self.db, file)
            .module
            .items
            .iter()
            .find_map(|i| match i {
                Item::Group(g) if g.name.name == name => Some((file, g.value.clone())),
                _ => None,
            })
    }

    fn set(
        &mut self,
        file: SourceFile,
        e: &Expr,
        on: Option<Date>,
        depth: usize,
    ) -> BTreeSet<String> {
        if depth > MAX_DEPTH {
            return BTreeSet::new();
        }
        match &e.kind {
            ExprKind::Name(n) => match self.binding(file, n) {
                Some(Binding::Decl {
                    module,
                    export: Export::Group { .. },
                }) => match self.group(&module, n) {
                    Some((f, value)) => self.set(f, &value, on, depth + 1),
                    None => BTreeSet::new(),
                },
                Some(Binding::Decl {
                    export: Export::Variant { label, .. },
                    ..
                }) => {
                    if let Some(l) = label {
                        self.labels.insert(n.clone(), l);
                    }
                    BTreeSet::from([n.clone()])
                }
                _ => BTreeSet::from([n.clone()]),
            },
            ExprKind::Eccn(x) | ExprKind::Str(x) | ExprKind::Number(x) => {
                BTreeSet::from([x.clone()])
            }
            ExprKind::SetLit(items) => {
                let mut acc = BTreeSet::new();
                for i in items {
                    acc.extend(self.set(file, i, on, depth + 1));
                }
                acc
            }
            ExprKind::Paren(inner) => self.set(file, inner, on, depth + 1),
            ExprKind::SetOps { first, rest } => {
                let mut acc = self.set(file, first, on, depth + 1);
                for (op, operand) in rest {
                    let rhs = self.set(file, operand, on, depth + 1);
                    acc = match op {
                        SetOp::Union => acc.union(&rhs).cloned().collect(),
                        SetOp::Intersect => acc.intersection(&rhs).cloned().collect(),
                        SetOp::Minus => acc.difference(&rhs).cloned().collect(),
                    };
                }
                acc
            }
            ExprKind::Dated {
                term,
                effective,
                sunset,
                ..
            } => {
                let from = effective.as_ref().and_then(|l| Date::parse(&l.text).ok());
                let to = sunset.as_ref().and_then(|l| Date::parse(&l.text).ok());
                self.dates.extend(from.into_iter().chain(to));
                let inside =
                    on.is_none_or(|d| from.is_none_or(|f| f <= d) && to.is_none_or(|t| d < t));
                if inside {
                    self.set(file, term, on, depth + 1)
                } else {
                    BTreeSet::new()
                }
            }
            _ => BTreeSet::new(),
        }
    }
}

/// The members of the group `value` (declared in `file`) on `today`, and
/// the dates its membership changes.
pub fn members(db: &dyn Db, ws: Workspace, file: SourceFile, value: &Expr, today: Date) -> Members {
    let mut ev = Eval {
        db,
        ws,
        scopes: std::collections::HashMap::new(),
        dates: BTreeSet::new(),
        labels: BTreeMap::new(),
    };
    let now = ev.set(file, value, Some(today), 0);
    // A pass with every dated term in force finds every date.
    let _ = ev.set(file, value, None, 0);
    let mut changes = Vec::new();
    for d in ev.dates.clone() {
        let before = ev.set(
            file,
            value,
            Some(Date::from_days_since_epoch(d.days_since_epoch() - 1)),
            0,
        );
        let after = ev.set(file, value, Some(d), 0);
        let added: Vec<String> = after.difference(&before).cloned().collect();
        let removed: Vec<String> = before.difference(&after).cloned().collect();
        if !added.is_empty() || !removed.is_empty() {
            changes.push((d, added, removed));
        }
    }
    Members {
        now: now
            .into_iter()
            .map(|m| {
                let label = ev.labels.get(&m).cloned();
                (m, label)
            })
            .collect(),
        changes,
    }
}

/// The sources a group states, as Markdown list lines: the group's own
/// (`cite` before `=`), then each term's that has some, with the term's
/// text and dates; at most [`SOURCES_SHOWN`] terms, then a count.
pub fn sources(text: &str, group: &GroupDecl) -> Vec<String> {
    let mut out: Vec<String> = provenance_parts(&group.provenance)
        .into_iter()
        .map(|p| format!("- {p}"))
        .collect();
    let terms = group
        .value
        .dated_terms()
        .into_iter()
        .filter_map(|e| match &e.kind {
            ExprKind::Dated {
                term,
                effective,
                sunset,
                provenance,
            } if !provenance.is_empty() => Some((term, effective, sunset, provenance)),
            _ => None,
        });
    let mut terms = terms.peekable();
    for (term, effective, sunset, provenance) in terms.by_ref().take(SOURCES_SHOWN) {
        let mut what: String = text
            .get(term.span.range())
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        what = what.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut dates = String::new();
        if let Some(d) = effective {
            dates.push_str(&format!(" from {}", d.text));
        }
        if let Some(d) = sunset {
            dates.push_str(&format!(" until {}", d.text));
        }
        out.push(format!(
            "- {}{dates}: {}",
            escape::markdown_code(&what),
            provenance_parts(provenance).join("; ")
        ));
    }
    let more = terms.count();
    if more > 0 {
        out.push(format!("- and {more} more cited terms"));
    }
    out
}

/// `source: 15 CFR …` and `unverified: …`, escaped for Markdown.
pub fn provenance_parts(p: &Provenance) -> Vec<String> {
    let mut parts: Vec<String> = p
        .cites
        .iter()
        .map(|c| format!("source: {}", escape::markdown(&c.text)))
        .collect();
    if let Some(u) = &p.unverified {
        parts.push(format!("**unverified**: {}", escape::markdown(&u.text)));
    }
    parts
}

#[cfg(test)]
#[expect(clippy::panic, reason = "tests fail by panicking")]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn group(text: &str) -> GroupDecl {
        let parsed = parse(text);
        match parsed.module.items.into_iter().next() {
            Some(Item::Group(g)) => g,
            other => panic!("not a group: {other:?}"),
        }
    }

    #[test]
    fn sources_list_nested_terms_and_stop_after_the_limit() {
        let nested = "group G: Country cite \"top\" = ({A} | {B} effective 2020-01-01 cite \"inner\") effective 2019-01-01 cite \"outer\"";
        let lines = sources(nested, &group(nested));
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("top"), "{lines:?}");
        assert!(
            lines[1].contains("outer") && lines[2].contains("inner"),
            "{lines:?}"
        );

        let terms: Vec<String> = (0..SOURCES_SHOWN + 10)
            .map(|i| format!("{{C{i}}} cite \"s{i}\""))
            .collect();
        let many = format!("group G: Country = {}", terms.join(" | "));
        let lines = sources(&many, &group(&many));
        assert_eq!(lines.len(), SOURCES_SHOWN + 1, "{lines:?}");
        assert_eq!(lines[SOURCES_SHOWN], "- and 10 more cited terms");
    }
}
