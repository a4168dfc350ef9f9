//! Editor queries: the outline of a file, folding ranges, and for a byte
//! offset the declaration a name refers to and a hover text.
//!
//! Stage: beside `check`, on the same database. Everything here works in
//! byte offsets of one file's text; the language server converts to and
//! from editor positions. Names resolve as the checker resolves them (the
//! module's declarations, then its imports), then as input fields, rules
//! of the jurisdiction and tier names.

pub mod edit;
pub mod groups;

use std::collections::BTreeMap;

use crate::check::scope::Binding;
use crate::check::summary::Export;
use crate::date::Date;
use crate::db::{Db, SourceFile, Workspace, module_file, module_name, parse_file};
use crate::escape;
use crate::syntax::ast::{ClauseKind, Item, JurisdictionMember, Span, TestMember};
use crate::syntax::docs::DocIndex;
use crate::syntax::lexer::{Token, lex};

/// Every name the module of `file` sees, with what it stands for, resolved
/// as the checker resolves them.
pub(crate) fn scope(db: &dyn Db, ws: Workspace, file: SourceFile) -> BTreeMap<String, Binding> {
    let parsed = parse_file(db, file);
    crate::check::with_ctx(db, ws, file, |ctx| {
        ctx.build_scope(&parsed.module);
        let names: Vec<String> = ctx.scope.names().map(str::to_string).collect();
        names
            .into_iter()
            .filter_map(|n| ctx.scope.get(&n).cloned().map(|b| (n, b)))
            .collect()
    })
}

/// What an outline entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A jurisdiction block.
    Jurisdiction,
    /// A rule.
    Rule,
    /// A group.
    Group,
    /// An enum.
    Enum,
    /// An enum variant.
    Variant,
    /// An authorization.
    Authorization,
    /// The `input` block.
    Input,
    /// An input field.
    Field,
    /// The tier scale.
    Tiers,
    /// The tier assessment.
    Assess,
    /// A `test` block.
    Test,
    /// An `assert` block.
    Assertion,
}

/// An entry of a file's outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Its name as shown.
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// The whole declaration.
    pub span: Span,
    /// The name within it.
    pub name_span: Span,
    /// Entries inside it (rules of a block, variants, fields).
    pub children: Vec<Symbol>,
}

fn leaf(name: &str, kind: SymbolKind, span: Span, name_span: Span) -> Symbol {
    Symbol {
        name: name.to_string(),
        kind,
        span,
        name_span,
        children: Vec::new(),
    }
}

/// The outline of a file, in source order.
pub fn symbols(db: &dyn Db, file: SourceFile) -> Vec<Symbol> {
    let parsed = parse_file(db, file);
    let mut out = Vec::new();
    for item in &parsed.module.items {
        match item {
            Item::Enum(e) => {
                let mut s = leaf(&e.name.name, SymbolKind::Enum, e.span, e.name.span);
                s.children = e
                    .variants
                    .iter()
                    .map(|v| {
                        let span = v
                            .label
                            .as_ref()
                            .map_or(v.name.span, |l| v.name.span.to(l.span));
                        leaf(&v.name.name, SymbolKind::Variant, span, v.name.span)
                    })
                    .collect();
                out.push(s);
            }
            Item::Group(g) => out.push(leaf(&g.name.name, SymbolKind::Group, g.span, g.name.span)),
            Item::Authorization(a) => out.push(leaf(
                &a.name.name,
                SymbolKind::Authorization,
                a.span,
                a.name.span,
            )),
            Item::Input(i) => {
                let mut s = leaf("input", SymbolKind::Input, i.span, first_line(i.span));
                s.children = i
                    .fields
                    .iter()
                    .map(|f| {
                        leaf(
                            &f.name.name,
                            SymbolKind::Field,
                            f.name.span.to(f.ty.span),
                            f.name.span,
                        )
                    })
                    .collect();
                out.push(s);
            }
            Item::Tiers(t) => {
                out.push(leaf("tiers", SymbolKind::Tiers, t.span, first_line(t.span)))
            }
            Item::Assess(a) => out.push(leaf(
                "assess tier",
                SymbolKind::Assess,
                a.span,
                first_line(a.span),
            )),
            Item::Jurisdiction(j) => {
                let mut s = leaf(&j.name.name, SymbolKind::Jurisdiction, j.span, j.name.span);
                for m in &j.members {
                    if let JurisdictionMember::Rule(r) = m {
                        s.children
                            .push(leaf(&r.name.name, SymbolKind::Rule, r.span, r.name.span));
                    }
                }
                out.push(s);
            }
            Item::Test(t) => out.push(leaf(&t.name.text, SymbolKind::Test, t.span, t.name.span)),
            Item::Assert(a) => out.push(leaf(
                &a.name.text,
                SymbolKind::Assertion,
                a.span,
                a.name.span,
            )),
            Item::Use(_) | Item::Error(_) => {}
        }
    }
    out
}

/// A zero-width span at the start of `span` (for entries without a name).
fn first_line(span: Span) -> Span {
    Span {
        start: span.start,
        end: span.start,
    }
}

/// Declarations and blocks that span several lines, for folding.
pub fn folding(db: &dyn Db, file: SourceFile) -> Vec<Span> {
    let text = file.text(db);
    let multi = |s: &Span| text.get(s.range()).is_some_and(|t| t.contains('\n'));
    let mut out = Vec::new();
    let mut stack = symbols(db, file);
    while let Some(s) = stack.pop() {
        if multi(&s.span) {
            out.push(s.span);
        }
        stack.extend(s.children);
    }
    out.sort();
    out
}

/// The name (identifier token) at a byte offset, with its span.
pub fn name_at(text: &str, offset: usize) -> Option<(String, Span)> {
    lex(text)
        .tokens
        .into_iter()
        .find_map(|(start, token, end)| match token {
            Token::Ident(name) if start <= offset && offset <= end => {
                Some((name, Span::new(start, end)))
            }
            _ => None,
        })
}

/// What a name refers to: a declaration in some file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The declaring file.
    pub file: SourceFile,
    /// The declared name's span.
    pub name_span: Span,
    /// The whole declaration's span.
    pub span: Span,
    /// What it is.
    pub kind: SymbolKind,
    /// The declared name.
    pub name: String,
}

/// The declaration the name at `offset` refers to.
pub fn definition(db: &dyn Db, ws: Workspace, file: SourceFile, offset: usize) -> Option<Target> {
    let (name, _) = name_at(file.text(db), offset)?;
    let find_in = |f: SourceFile, kinds: &[SymbolKind]| -> Option<Target> {
        let mut stack = symbols(db, f);
        while let Some(s) = stack.pop() {
            if s.name == name && kinds.contains(&s.kind) {
                return Some(Target {
                    file: f,
                    name_span: s.name_span,
                    span: s.span,
                    kind: s.kind,
                    name: s.name,
                });
            }
            stack.extend(s.children);
        }
        None
    };
    // Names the module's scope binds (groups, enums, variants, authorizations).
    if let Some(crate::check::scope::Binding::Decl { module, export }) =
        scope(db, ws, file).remove(&name)
    {
        let kinds: &[SymbolKind] = match export {
            Export::Enum => &[SymbolKind::Enum],
            Export::Variant { .. } => &[SymbolKind::Variant],
            Export::Group { .. } => &[SymbolKind::Group],
            Export::Authorization => &[SymbolKind::Authorization],
        };
        if let Some(f) = module_file(db, ws, &module) {
            return find_in(f, kinds);
        }
    }
    // Rules (in `overrides`), input fields and the tier scale: any project
    // file of the workspace, this one first.
    let mut files: Vec<SourceFile> = vec![file];
    files.extend(ws.files(db).iter().copied().filter(|f| *f != file));
    files
        .into_iter()
        .find_map(|f| find_in(f, &[SymbolKind::Rule, SymbolKind::Field]))
}

/// The hover text (Markdown) for the name at `offset`.
pub fn hover(
    db: &dyn Db,
    ws: Workspace,
    file: SourceFile,
    offset: usize,
) -> Option<(String, Span)> {
    let (name, at) = name_at(file.text(db), offset)?;
    let target = definition(db, ws, file, offset)?;
    let text = target.file.text(db);
    let decl = declaration_text(text, target.span, false);
    let decl = decl.as_str();
    let module = module_name(db, target.file);
    let mut out = match target.kind {
        SymbolKind::Rule => rule_summary(db, ws, &target, decl),
        SymbolKind::Variant => variant_summary(db, &target, &name),
        SymbolKind::Group => group_summary(db, ws, &target, decl),
        _ => format!("```edict\n{}\n```", first_lines(decl, 12)),
    };
    let comments = &parse_file(db, target.file).comments;
    if let Some(doc) = DocIndex::new(text, comments).before(target.span.start) {
        out = format!("{doc}\n\n{out}");
    }
    out.push_str(&format!("\n\n*{}* in `{module}`", kind_word(target.kind)));
    Some((out, at))
}

/// A group: its declaration, its members today with their names, and the
/// dates its membership changes.
fn group_summary(db: &dyn Db, ws: Workspace, target: &Target, decl: &str) -> String {
    let mut out = format!("```edict\n{}\n```", first_lines(decl, 12));
    let parsed = parse_file(db, target.file);
    let Some(group) = parsed.module.items.iter().find_map(|i| match i {
        Item::Group(g) if g.name.span == target.name_span => Some(g),
        _ => None,
    }) else {
        return out;
    };
    let value = &group.value;
    let today = ws.settings(db).today.unwrap_or_else(Date::today);
    let m = groups::members(db, ws, target.file, value, today);
    const SHOWN: usize = 60;
    let listed: Vec<String> = m
        .now
        .iter()
        .take(SHOWN)
        .map(|(n, label)| match label {
            Some(l) => format!("{n} ({l})"),
            None => n.clone(),
        })
        .collect();
    let more = m.now.len().saturating_sub(SHOWN);
    let plural = if m.now.len() == 1 { "" } else { "s" };
    out.push_str(&format!(
        "\n\n**{} member{plural}** as of {today}: {}{}",
        m.now.len(),
        listed.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    ));
    for (date, added, removed) in &m.changes {
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("joins: {}", added.join(", ")));
        }
        if !removed.is_empty() {
            parts.push(format!("leaves: {}", removed.join(", ")));
        }
        out.push_str(&format!("\n\n- {date}: {}", parts.join("; ")));
    }
    let sources = groups::sources(target.file.text(db), group);
    if !sources.is_empty() {
        out.push_str(&format!("\n\n**Sources**\n\n{}", sources.join("\n")));
    }
    out
}

/// A declaration's text from the start of its line, dedented; with the
/// `///` doc lines directly above it when `with_doc`.
pub fn declaration_text(text: &str, span: Span, with_doc: bool) -> String {
    let start = (span.start as usize).min(text.len());
    let end = (span.end as usize).clamp(start, text.len());
    let mut from = text[..start].rfind('\n').map_or(0, |i| i + 1);
    while with_doc && from > 0 {
        let prev = text[..from - 1].rfind('\n').map_or(0, |i| i + 1);
        if text[prev..from - 1].trim_start().starts_with("///") {
            from = prev;
        } else {
            break;
        }
    }
    let lines: Vec<&str> = text.get(from..end).unwrap_or("").lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn kind_word(kind: SymbolKind) -> &'static str {
    match kind {
        SymbolKind::Jurisdiction => "jurisdiction",
        SymbolKind::Rule => "rule",
        SymbolKind::Group => "group",
        SymbolKind::Enum => "enum",
        SymbolKind::Variant => "value",
        SymbolKind::Authorization => "authorization",
        SymbolKind::Input => "input",
        SymbolKind::Field => "input field",
        SymbolKind::Tiers => "tiers",
        SymbolKind::Assess => "assessment",
        SymbolKind::Test => "test",
        SymbolKind::Assertion => "assertion",
    }
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= n {
        return text.to_string();
    }
    format!("{}\n…", lines[..n].join("\n"))
}

/// A variant with its label: `CN` — China.
fn variant_summary(db: &dyn Db, target: &Target, name: &str) -> String {
    let parsed = parse_file(db, target.file);
    let variant = parsed.module.items.iter().find_map(|i| match i {
        Item::Enum(e) => e.variants.iter().find(|v| v.name.span == target.name_span),
        _ => None,
    });
    let mut out = format!("`{name}`");
    let Some(v) = variant else {
        return out;
    };
    if let Some(label) = &v.label {
        out.push_str(&format!(" — {}", escape::markdown(&label.text)));
    }
    for part in groups::provenance_parts(&v.provenance) {
        out.push_str(&format!("\n\n{part}"));
    }
    out
}

/// A rule: its status today and its text.
fn rule_summary(db: &dyn Db, ws: Workspace, target: &Target, decl: &str) -> String {
    format!(
        "**rule `{}`** — {}\n\n```edict\n{}\n```",
        target.name,
        rule_status(db, ws, target),
        first_lines(decl, 16)
    )
}

/// Whether a rule is in force today, by its dates narrowed by its block's:
/// `in force until 2030-01-01 (as of 2026-12-01)`.
fn rule_status(db: &dyn Db, ws: Workspace, target: &Target) -> String {
    let today = ws.settings(db).today.unwrap_or_else(Date::today);
    let parsed = parse_file(db, target.file);
    let mut effective = None;
    let mut sunset = None;
    for item in &parsed.module.items {
        let Item::Jurisdiction(j) = item else {
            continue;
        };
        if !j
            .members
            .iter()
            .any(|m| matches!(m, JurisdictionMember::Rule(r) if r.span == target.span))
        {
            continue;
        }
        for m in &j.members {
            match m {
                JurisdictionMember::Effective(l) => {
                    effective = effective.max(Date::parse(&l.text).ok())
                }
                JurisdictionMember::Sunset(l) => {
                    sunset = earlier(sunset, Date::parse(&l.text).ok())
                }
                JurisdictionMember::Rule(r) if r.span == target.span => {
                    for c in &r.clauses {
                        match &c.kind {
                            ClauseKind::Effective(l) => {
                                effective = effective.max(Date::parse(&l.text).ok())
                            }
                            ClauseKind::Sunset(l) => {
                                sunset = earlier(sunset, Date::parse(&l.text).ok())
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let status = match (effective, sunset) {
        (Some(e), _) if today < e => format!("not yet in force (from {e})"),
        (_, Some(s)) if today >= s => format!("expired on {s}"),
        (_, Some(s)) => format!("in force until {s}"),
        _ => "in force".to_string(),
    };
    format!("{status} (as of {today})")
}

fn earlier(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Spans of the `expect` clauses of each test, by test name.
pub fn test_expects(db: &dyn Db, file: SourceFile) -> Vec<(String, Span, Vec<Span>)> {
    let parsed = parse_file(db, file);
    parsed
        .module
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Test(t) => Some((
                t.name.text.clone(),
                t.span,
                t.members
                    .iter()
                    .filter_map(|m| match m {
                        TestMember::Expect(e) => Some(e.span),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}
