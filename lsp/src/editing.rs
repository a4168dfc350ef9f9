//! Editing answers computed on a database clone: completion, references,
//! rename, semantic tokens, inlay hints, code actions, workspace symbols.
//! Each converts between the compiler's byte offsets and LSP positions.

use std::collections::HashMap;

use edict_compiler::db::{Database, Origin, SourceFile, Workspace};
use edict_compiler::ide::edit::{self, CompletionKind, TokenClass};
use edict_compiler::ide::{self, SymbolKind as Kind};
use edict_compiler::syntax::ast::Span;
use tower_lsp_server::ls_types::*;

use crate::convert::text_of;
use crate::state::Doc;

/// The token types of [`legend`], in order.
const TOKEN_TYPES: [SemanticTokenType; 6] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
];

/// The semantic token legend the server announces.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TOKEN_TYPES.to_vec(),
        token_modifiers: Vec::new(),
    }
}

fn class_index(c: TokenClass) -> u32 {
    match c {
        TokenClass::Keyword => 0,
        TokenClass::Name => 1,
        TokenClass::String => 2,
        TokenClass::Number => 3,
        TokenClass::Comment => 4,
        TokenClass::Operator => 5,
    }
}

/// Completion items at a position.
pub fn completion(db: &Database, doc: &Doc, pos: Position) -> Vec<CompletionItem> {
    let (text, index) = text_of(db, doc.file);
    let offset = index.offset(&text, pos);
    edit::completions(db, doc.ws, doc.file, offset)
        .into_iter()
        .map(|c| CompletionItem {
            kind: Some(match c.kind {
                CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                CompletionKind::Symbol(Kind::Group) => CompletionItemKind::CONSTANT,
                CompletionKind::Symbol(Kind::Variant) => CompletionItemKind::ENUM_MEMBER,
                CompletionKind::Symbol(Kind::Enum) => CompletionItemKind::ENUM,
                CompletionKind::Symbol(Kind::Field) => CompletionItemKind::FIELD,
                CompletionKind::Symbol(_) => CompletionItemKind::VALUE,
            }),
            detail: c.detail,
            label: c.label,
            ..Default::default()
        })
        .collect()
}

/// Where a file of a project is shown to the client: `(uri, text)`.
pub type Locate<'a> = dyn Fn(SourceFile) -> Option<Uri> + 'a;

fn location(db: &Database, file: SourceFile, span: Span, locate: &Locate<'_>) -> Option<Location> {
    let (text, index) = text_of(db, file);
    Some(Location::new(locate(file)?, index.range(&text, span)))
}

/// Every reference to the name at a position.
pub fn references(db: &Database, doc: &Doc, pos: Position, locate: &Locate<'_>) -> Vec<Location> {
    let (text, index) = text_of(db, doc.file);
    let offset = index.offset(&text, pos);
    edit::references(db, doc.ws, doc.file, offset)
        .into_iter()
        .filter_map(|(f, span)| location(db, f, span, locate))
        .collect()
}

/// The range of a renamable name at a position.
pub fn prepare_rename(db: &Database, doc: &Doc, pos: Position) -> Option<Range> {
    let (text, index) = text_of(db, doc.file);
    let offset = index.offset(&text, pos);
    edit::renamable(db, doc.ws, doc.file, offset).map(|span| index.range(&text, span))
}

/// The edits renaming the name at a position everywhere; `Err` says why not.
pub fn rename(
    db: &Database,
    doc: &Doc,
    pos: Position,
    new_name: &str,
    locate: &Locate<'_>,
) -> Result<WorkspaceEdit, String> {
    let valid = new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && new_name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !edit::KEYWORDS.contains(&new_name);
    if !valid {
        return Err(format!("`{new_name}` is not a name"));
    }
    if prepare_rename(db, doc, pos).is_none() {
        return Err(
            "only groups, enums, values, authorizations and rules of the project can be renamed"
                .into(),
        );
    }
    let (text, index) = text_of(db, doc.file);
    let offset = index.offset(&text, pos);
    if let Some(why) = edit::rename_conflict(db, doc.ws, doc.file, offset, new_name) {
        return Err(format!("cannot rename to `{new_name}`: {why}"));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for loc in references(db, doc, pos, locate) {
        changes
            .entry(loc.uri)
            .or_default()
            .push(TextEdit::new(loc.range, new_name.to_string()));
    }
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

/// Semantic tokens of a whole file (relative encoding).
pub fn semantic_tokens(db: &Database, file: SourceFile) -> SemanticTokens {
    let (text, index) = text_of(db, file);
    let mut data = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for (span, class) in edit::token_classes(&text) {
        let start = index.position(&text, span.start as usize);
        let end = index.position(&text, span.end as usize);
        // Tokens never span lines, but a doc comment may end at one.
        let length = if end.line == start.line {
            end.character - start.character
        } else {
            0
        };
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 {
            start.character - col
        } else {
            start.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: class_index(class),
            token_modifiers_bitset: 0,
        });
        (line, col) = (start.line, start.character);
    }
    SemanticTokens {
        result_id: None,
        data,
    }
}

/// A hint after each rule's name: its status today.
pub fn inlay_hints(db: &Database, doc: &Doc) -> Vec<InlayHint> {
    let (text, index) = text_of(db, doc.file);
    edit::rule_hints(db, doc.ws, doc.file)
        .into_iter()
        .map(|(at, status)| InlayHint {
            position: index.position(&text, at as usize),
            label: InlayHintLabel::String(format!(" {status}")),
            kind: None,
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: None,
        })
        .collect()
}

/// Quick fixes: the fixes the diagnostics in the request carry.
pub fn code_actions(uri: &Uri, context: &CodeActionContext) -> Vec<CodeActionOrCommand> {
    context
        .diagnostics
        .iter()
        .filter_map(|d| {
            let data = d.data.as_ref()?;
            let title = data["title"].as_str()?.to_string();
            let range: Range = serde_json::from_value(data["range"].clone()).ok()?;
            let replacement = data["replacement"].as_str()?.to_string();
            let mut changes = HashMap::new();
            changes.insert(uri.clone(), vec![TextEdit::new(range, replacement)]);
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            }))
        })
        .collect()
}

/// Declarations of the projects' files whose name contains `query`.
pub fn workspace_symbols(
    db: &Database,
    projects: &[Workspace],
    query: &str,
    locate: &Locate<'_>,
) -> Vec<WorkspaceSymbol> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for ws in projects {
        for f in ws
            .files(db)
            .iter()
            .copied()
            .filter(|f| f.origin(db) == Origin::Project)
        {
            let mut stack: Vec<(ide::Symbol, Option<String>)> =
                ide::symbols(db, f).into_iter().map(|s| (s, None)).collect();
            while let Some((s, container)) = stack.pop() {
                if s.name.to_lowercase().contains(&query)
                    && let Some(loc) = location(db, f, s.name_span, locate)
                {
                    out.push(WorkspaceSymbol {
                        name: s.name.clone(),
                        kind: crate::handlers::symbol_kind(s.kind),
                        tags: None,
                        container_name: container.clone(),
                        location: OneOf::Left(loc),
                        data: None,
                    });
                }
                let name = s.name.clone();
                stack.extend(s.children.into_iter().map(|c| (c, Some(name.clone()))));
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
