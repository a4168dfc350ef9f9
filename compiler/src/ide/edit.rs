//! Editing queries: completion, references (and so rename), token
//! classes for highlighting, and rule status hints.

use std::collections::BTreeMap;

use super::{SymbolKind, Target, definition, name_at, rule_status, scope, symbols};
use crate::check::scope::Binding;
use crate::check::summary::Export;
use crate::db::{Db, Origin, SourceFile, Workspace, parse_file, policy_env};
use crate::syntax::ast::Span;
use crate::syntax::lexer::{Token, lex};

/// The keywords of the language, for completion.
pub const KEYWORDS: &[&str] = &[
    "policy",
    "use",
    "enum",
    "group",
    "input",
    "tiers",
    "assess",
    "tier",
    "when",
    "otherwise",
    "authorization",
    "cite",
    "unverified",
    "jurisdiction",
    "authority",
    "effective",
    "sunset",
    "rule",
    "overrides",
    "unless",
    "then",
    "allow",
    "under",
    "require",
    "license",
    "deny",
    "reasons",
    "review",
    "because",
    "obligation",
    "test",
    "at",
    "given",
    "expect",
    "assert",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "presumption_of_approval",
    "case_by_case",
    "presumption_of_denial",
    "policy_of_denial",
];

/// Words that are keywords inside an `assert` block only (names
/// elsewhere): offered as completions, never refused as names.
pub const ASSERT_WORDS: &[&str] = &["from", "until", "least", "authorizations", "none"];

/// What a completion offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A keyword or built-in word.
    Keyword,
    /// A declared name of this kind.
    Symbol(SymbolKind),
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The text inserted.
    pub label: String,
    /// A short description (a country's name, a group's type).
    pub detail: Option<String>,
    /// What it is.
    pub kind: CompletionKind,
}

/// The completions at `offset`: names in scope (countries with their
/// names, enum values, groups, authorizations), input fields, tiers and
/// keywords, starting with the word typed so far. After `in`, sets first:
/// groups, then values.
pub fn completions(db: &dyn Db, ws: Workspace, file: SourceFile, offset: usize) -> Vec<Completion> {
    let text = file.text(db);
    let offset = offset.min(text.len());
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '.')
        .last()
        .map_or(offset, |(i, _)| i);
    let typed = &text[start..offset];
    let scope = super::scope(db, ws, file);
    let mut out = Vec::new();
    for (name, binding) in &scope {
        let Binding::Decl { export, .. } = binding else {
            continue;
        };
        let (kind, detail) = match export {
            Export::Enum => (SymbolKind::Enum, None),
            Export::Variant { enum_name, label } => (
                SymbolKind::Variant,
                Some(
                    label
                        .as_ref()
                        .map_or(enum_name.clone(), |l| format!("{l} ({enum_name})")),
                ),
            ),
            Export::Group { ty } => (SymbolKind::Group, Some(format!("group of {ty}"))),
            Export::Authorization => (SymbolKind::Authorization, None),
        };
        out.push(Completion {
            label: name.clone(),
            detail,
            kind: CompletionKind::Symbol(kind),
        });
    }
    let env = policy_env(db, ws);
    for (field, (_, ty)) in &env.fields {
        out.push(Completion {
            label: field.clone(),
            detail: Some(ty.clone()),
            kind: CompletionKind::Symbol(SymbolKind::Field),
        });
    }
    for t in env.tiers.iter().flat_map(|(_, t)| t) {
        out.push(Completion {
            label: t.clone(),
            detail: Some("tier".into()),
            kind: CompletionKind::Symbol(SymbolKind::Tiers),
        });
    }
    for k in KEYWORDS.iter().chain(ASSERT_WORDS) {
        out.push(Completion {
            label: (*k).to_string(),
            detail: None,
            kind: CompletionKind::Keyword,
        });
    }
    // After `FIELD in`, `FIELD not in`, `FIELD ==` (or inside the set):
    // only values and groups of the field's type, and for ECCN fields the
    // ECCNs of the groups in scope.
    if let Some(ty) = expected_type(&text[..start])
        .and_then(|f| env.fields.get(&f))
        .map(|(_, t)| t.clone())
    {
        out.retain(|c| match (&c.kind, &c.detail) {
            (CompletionKind::Symbol(SymbolKind::Group), Some(d)) => *d == format!("group of {ty}"),
            (CompletionKind::Symbol(SymbolKind::Variant), Some(d)) => {
                d == &ty || d.ends_with(&format!("({ty})"))
            }
            _ => false,
        });
        if ty == "Eccn" {
            out.extend(eccns_in_scope(db, ws, &scope));
        }
    }
    out.retain(|c| c.label.starts_with(typed));
    // After `in`, a set is expected: groups first, then values.
    let before = text[..start].trim_end();
    let after_in = before.ends_with(" in") || before.ends_with('{') || before.ends_with(',');
    let rank = |c: &Completion| match (after_in, c.kind) {
        (true, CompletionKind::Symbol(SymbolKind::Group)) => 0,
        (true, CompletionKind::Symbol(SymbolKind::Variant)) => 1,
        (_, CompletionKind::Keyword) => 3,
        _ => 2,
    };
    out.sort_by(|a, b| (rank(a), &a.label).cmp(&(rank(b), &b.label)));
    out.dedup_by(|a, b| a.label == b.label);
    out
}

/// The field a set or comparison being written tests: `destination` in
/// `destination in {CN, ` or `end_use == `.
fn expected_type(before: &str) -> Option<String> {
    let mut rest = before.trim_end();
    // Inside a set literal: back to its `{`.
    if let Some(open) = rest.rfind('{')
        && !rest[open..].contains('}')
    {
        rest = rest[..open].trim_end();
    }
    let rest = rest
        .strip_suffix("==")
        .or_else(|| rest.strip_suffix("!="))
        .or_else(|| rest.strip_suffix(" in"))?
        .trim_end();
    let rest = rest.strip_suffix(" not").unwrap_or(rest).trim_end();
    let field: String = rest
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!field.is_empty()).then_some(field)
}

/// The ECCN prefixes of the ECCN groups in scope, for completion.
fn eccns_in_scope(
    db: &dyn Db,
    ws: Workspace,
    scope: &BTreeMap<String, Binding>,
) -> Vec<Completion> {
    let groups = scope.iter().filter_map(|(n, b)| match b {
        Binding::Decl {
            module,
            export: Export::Group { ty },
        } if ty == "Eccn" => Some((n, module)),
        _ => None,
    });
    let today = ws
        .settings(db)
        .today
        .unwrap_or_else(crate::date::Date::today);
    let mut out = Vec::new();
    for (name, module) in groups {
        let Some(f) = crate::db::module_file(db, ws, module) else {
            continue;
        };
        let parsed = parse_file(db, f);
        let value = parsed.module.items.iter().find_map(|i| match i {
            crate::syntax::ast::Item::Group(g) if g.name.name == *name => Some(g.value.clone()),
            _ => None,
        });
        if let Some(value) = value {
            for (eccn, _) in super::groups::members(db, ws, f, &value, today).now {
                out.push(Completion {
                    label: eccn,
                    detail: Some(format!("in group {name}")),
                    kind: CompletionKind::Symbol(SymbolKind::Variant),
                });
            }
        }
    }
    out
}

/// Every place that names the declaration the name at `offset` refers to
/// (the declaration itself included), in the project's files.
pub fn references(
    db: &dyn Db,
    ws: Workspace,
    file: SourceFile,
    offset: usize,
) -> Vec<(SourceFile, Span)> {
    let Some(target) = definition(db, ws, file, offset) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in ws.files(db).iter().copied() {
        if f.origin(db) != Origin::Project && f != target.file {
            continue;
        }
        for (start, token, end) in lex(f.text(db)).tokens {
            let Token::Ident(name) = token else { continue };
            if name != target.name {
                continue;
            }
            let same = definition(db, ws, f, start).is_some_and(|t| same_target(&t, &target));
            if same {
                out.push((f, Span::new(start, end)));
            }
        }
    }
    out
}

fn same_target(a: &Target, b: &Target) -> bool {
    a.file == b.file && a.name_span == b.name_span
}

/// Why renaming the declaration named at `offset` to `new_name` would
/// change or break the policy, if it would: a rule of the same
/// jurisdiction already has that name, or, for a group, enum, value or
/// authorization, the name is already bound (declared, imported, a field or
/// a tier) in a module that declares, imports or refers to it.
pub fn rename_conflict(
    db: &dyn Db,
    ws: Workspace,
    file: SourceFile,
    offset: usize,
    new_name: &str,
) -> Option<String> {
    let target = definition(db, ws, file, offset)?;
    if target.name == new_name {
        return None;
    }
    if target.kind == SymbolKind::Rule {
        let jurisdiction_of = |f: SourceFile, rule: Option<&str>, span: Option<Span>| {
            symbols(db, f)
                .into_iter()
                .filter(|j| j.kind == SymbolKind::Jurisdiction)
                .find_map(|j| {
                    j.children
                        .iter()
                        .any(|r| {
                            r.kind == SymbolKind::Rule
                                && rule.is_none_or(|n| r.name == n)
                                && span.is_none_or(|s| f == target.file && r.name_span == s)
                        })
                        .then(|| j.name.clone())
                })
        };
        let home = jurisdiction_of(target.file, None, Some(target.name_span))?;
        let taken = ws
            .files(db)
            .iter()
            .any(|&f| jurisdiction_of(f, Some(new_name), None).is_some_and(|j| j == home));
        return taken.then(|| format!("jurisdiction `{home}` already has a rule `{new_name}`"));
    }
    let env = policy_env(db, ws);
    if env.fields.contains_key(new_name) {
        return Some(format!("`{new_name}` is an input field"));
    }
    if env
        .tiers
        .as_ref()
        .is_some_and(|(_, t)| t.iter().any(|t| t == new_name))
    {
        return Some(format!("`{new_name}` is a tier"));
    }
    let mut files: Vec<SourceFile> = references(db, ws, file, offset)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    files.push(target.file);
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(*f));
    for f in files {
        if scope(db, ws, f).contains_key(new_name) {
            return Some(format!(
                "`{new_name}` is already a name in `{}`",
                crate::db::module_name(db, f)
            ));
        }
    }
    None
}

/// Whether the name at `offset` can be renamed: a project declaration
/// (not the stdlib's) of a group, enum, value, authorization or rule.
pub fn renamable(db: &dyn Db, ws: Workspace, file: SourceFile, offset: usize) -> Option<Span> {
    let (_, at) = name_at(file.text(db), offset)?;
    let t = definition(db, ws, file, offset)?;
    let kinds = [
        SymbolKind::Group,
        SymbolKind::Enum,
        SymbolKind::Variant,
        SymbolKind::Authorization,
        SymbolKind::Rule,
    ];
    (t.file.origin(db) == Origin::Project && kinds.contains(&t.kind)).then_some(at)
}

/// The class of a token, for highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    /// A keyword.
    Keyword,
    /// A name.
    Name,
    /// A string.
    String,
    /// A number, date or ECCN.
    Number,
    /// A comment (`///` doc comments too).
    Comment,
    /// An operator.
    Operator,
}

/// Every token and comment of a file with its class, in order.
pub fn token_classes(text: &str) -> Vec<(Span, TokenClass)> {
    let lexed = lex(text);
    let mut out: Vec<(Span, TokenClass)> = lexed
        .tokens
        .iter()
        .enumerate()
        .filter_map(|(i, (start, token, end))| {
            let span = Span::new(*start, *end);
            let word = &text[*start..*end];
            let class = match token {
                Token::Ident(_) if assert_word(&lexed.tokens, i) => TokenClass::Keyword,
                Token::Ident(_) => TokenClass::Name,
                Token::Str(_) => TokenClass::String,
                Token::Date(_) | Token::Eccn(_) | Token::Number(_) => TokenClass::Number,
                _ if word.chars().all(|c| c.is_ascii_lowercase()) => TokenClass::Keyword,
                _ if word.len() <= 2 && !word.chars().any(char::is_alphanumeric) => match word {
                    "{" | "}" | "(" | ")" | "," | ":" | "." => return None,
                    _ => TokenClass::Operator,
                },
                _ => TokenClass::Name,
            };
            Some((span, class))
        })
        .collect();
    out.extend(lexed.comments.iter().map(|c| (c.span, TokenClass::Comment)));
    out.sort_by_key(|(s, _)| s.start);
    out
}

/// Whether the name at token `i` is a word of an assertion where it
/// stands: `from`/`until` before a date, `least` after `at`,
/// `authorizations` before `none`, `none` after `authorizations`.
fn assert_word(tokens: &[(usize, Token, usize)], i: usize) -> bool {
    let name = |k: usize| match tokens.get(k) {
        Some((_, Token::Ident(n), _)) => n.as_str(),
        _ => "",
    };
    let prev = i.checked_sub(1).map(|k| &tokens[k].1);
    let next = tokens.get(i + 1).map(|t| &t.1);
    match name(i) {
        "from" | "until" => matches!(next, Some(Token::Date(_))),
        "least" => prev == Some(&Token::At),
        "authorizations" => i + 1 < tokens.len() && name(i + 1) == "none",
        "none" => i > 0 && name(i - 1) == "authorizations",
        _ => false,
    }
}

/// Hints after names: each rule's status today (`in force until
/// 2030-01-01`, `expired on …`, `not yet in force`), each group's size
/// today (`24 members`).
pub fn rule_hints(db: &dyn Db, ws: Workspace, file: SourceFile) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let today = ws
        .settings(db)
        .today
        .unwrap_or_else(crate::date::Date::today);
    for item in &parse_file(db, file).module.items {
        if let crate::syntax::ast::Item::Group(g) = item {
            let n = super::groups::members(db, ws, file, &g.value, today)
                .now
                .len();
            let plural = if n == 1 { "" } else { "s" };
            out.push((g.name.span.end, format!("{n} member{plural}")));
        }
    }
    let mut stack = symbols(db, file);
    while let Some(s) = stack.pop() {
        if s.kind == SymbolKind::Rule {
            let target = Target {
                file,
                name_span: s.name_span,
                span: s.span,
                kind: s.kind,
                name: s.name.clone(),
            };
            out.push((s.name_span.end, rule_status(db, ws, &target)));
        }
        stack.extend(s.children);
    }
    out.sort();
    out
}
