//! Tests in the editor: failing `test` blocks as diagnostics on their
//! `expect` lines, and code lenses — on each test its result, on each rule
//! how many tests it decides, and on rules whose decisions change against
//! the git `HEAD` of their folder, how many regions change.

use std::path::Path;

use edict_compiler::db::{Database, Workspace, workspace_diagnostics};
use edict_compiler::diagnostics::Diagnostic;
use edict_compiler::diff::{Version, diff};
use edict_compiler::ide::{self, SymbolKind};
use edict_compiler::project::MemoryFs;
use edict_compiler::table::{CompileError, Compiled, compile};
use edict_compiler::testing::{self, TestResult};
use tower_lsp_server::ls_types::{self as lsp, CodeLens, Command};

use crate::convert::LineIndex;
use crate::state::Doc;

/// The diagnostics of a project (the same as `edict check`) and, when it
/// compiles, the compiled policy.
pub fn check(db: &Database, ws: Workspace) -> (Vec<Diagnostic>, Option<Compiled>) {
    match compile(db, ws) {
        Ok(c) => (c.warnings.clone(), Some(c)),
        Err(CompileError::Diagnostics(d)) => (d, None),
        Err(CompileError::Internal(_)) => (workspace_diagnostics(db, ws), None),
    }
}

/// Failing tests of `doc`, as LSP diagnostics on their `expect` lines (or
/// the test's name when the test could not run).
pub fn test_failures(db: &Database, doc: &Doc, results: &[TestResult<'_>]) -> Vec<lsp::Diagnostic> {
    let text = doc.file.text(db);
    let index = LineIndex::new(text);
    let shown = doc.file.path(db);
    let mut out = Vec::new();
    for r in results.iter().filter(|r| r.test.source.file == *shown) {
        let mut one = |span, message: String| {
            out.push(lsp::Diagnostic {
                range: index.range(text, span),
                severity: Some(lsp::DiagnosticSeverity::ERROR),
                code: Some(lsp::NumberOrString::String("test".into())),
                source: Some("edict test".into()),
                message,
                ..Default::default()
            });
        };
        if let Some(e) = &r.error {
            one(
                r.test.source.span,
                format!("test `{}` cannot run: {e}", r.test.name),
            );
        }
        for f in &r.failures {
            one(
                f.expectation.source.span,
                format!(
                    "test `{}` fails: expected {}, got {}",
                    r.test.name, f.expected, f.actual
                ),
            );
        }
    }
    out
}

/// The code lenses of a document.
pub fn lenses(db: &Database, doc: &Doc, baseline: Option<&Version>) -> Vec<CodeLens> {
    let (_, compiled) = check(db, doc.ws);
    let Some(compiled) = compiled else {
        return Vec::new();
    };
    let Ok(results) = testing::run(&compiled) else {
        return Vec::new();
    };
    let text = doc.file.text(db);
    let index = LineIndex::new(text);
    let shown = doc.file.path(db);
    let lens = |span, title: String, command: &str| CodeLens {
        range: index.range(text, span),
        command: Some(Command {
            title,
            command: command.into(),
            arguments: Some(vec![serde_json::json!(doc.uri.as_str())]),
        }),
        data: None,
    };
    let mut out = Vec::new();
    for r in results.iter().filter(|r| r.test.source.file == *shown) {
        let title = if r.passed() {
            "✓ test passes".to_string()
        } else {
            format!(
                "✗ test fails ({} of {})",
                r.failures.len().max(1),
                r.test.expects.len()
            )
        };
        out.push(lens(r.test.source.span, title, "edict.runTests"));
    }
    let changes = baseline.and_then(|old| {
        let new = Version::from_compiled("buffer", &compiled);
        diff(old, &new).ok()
    });
    let mut stack = ide::symbols(db, doc.file);
    while let Some(s) = stack.pop() {
        if s.kind == SymbolKind::Jurisdiction {
            for rule in &s.children {
                let covering = results
                    .iter()
                    .filter(|r| {
                        r.decisions.as_ref().is_some_and(|d| {
                            d.decisions
                                .iter()
                                .any(|x| *x.jurisdiction == *s.name && x.rules.contains(&rule.name))
                        })
                    })
                    .count();
                let title = if covering == 1 {
                    "1 test covers this rule".to_string()
                } else {
                    format!("{covering} tests cover this rule")
                };
                out.push(lens(rule.name_span, title, "edict.runTests"));
                if let Some(report) = &changes {
                    let regions = report
                        .impact
                        .iter()
                        .filter(|g| {
                            g.jurisdiction == s.name
                                && (g.before.rules.contains(&rule.name)
                                    || g.after.rules.contains(&rule.name))
                        })
                        .count();
                    if regions > 0 {
                        let plural = if regions == 1 { "" } else { "s" };
                        out.push(lens(
                            rule.name_span,
                            format!("changes decisions in {regions} region{plural} vs HEAD"),
                            "edict.showDiff",
                        ));
                    }
                }
            }
        }
    }
    out.sort_by_key(|l| (l.range.start.line, l.range.start.character));
    out
}

/// The policy of `folder` at git `HEAD`, when it is in a repository there.
pub fn head_version(folder: &Path) -> Option<Version> {
    let fs: MemoryFs = edict_compiler::cli::diff::git_files("HEAD", folder).ok()?;
    let mut sink = Vec::new();
    edict_compiler::cli::diff::version(
        &fs,
        folder,
        format!("HEAD:{}", folder.display()),
        &edict_compiler::db::Settings::default(),
        &mut sink,
    )
    .ok()
}
