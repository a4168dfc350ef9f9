//! Tests in the editor: failing `test` blocks as diagnostics on their
//! `expect` lines, and code lenses — on each test its result, on each
//! assertion whether it holds for all transactions, on each rule
//! how many tests it decides, and on rules whose decisions change against
//! the git `HEAD` of their folder, how many regions change.

use std::path::Path;

use std::collections::BTreeMap;

use edict_compiler::db::{Database, Workspace};
use edict_compiler::diagnostics::Diagnostic;
use edict_compiler::diff::{Version, diff};
use edict_compiler::hir::Source;
use edict_compiler::ide::{self, SymbolKind};
use edict_compiler::project::MemoryFs;
use edict_compiler::prove;
use edict_compiler::table::{CompileError, Compiled, Resolved, compile_resolved, resolve};
use edict_compiler::testing::{self, TestResult};
use tower_lsp_server::ls_types::{self as lsp, CodeLens, Command};

use crate::convert::LineIndex;
use crate::state::Doc;

/// What a project's second stage needs, taken from the database: the
/// checked program (or the diagnostics that stop it) and file texts.
pub struct Snapshot {
    /// The resolved program, or why there is none.
    pub resolved: Result<Resolved, CompileError>,
    /// Every project file's shown path and text.
    pub texts: BTreeMap<String, String>,
}

/// Takes what the database-free stage needs (cancellable: salsa queries).
pub fn snapshot(db: &Database, ws: Workspace) -> Snapshot {
    let resolved = resolve(db, ws);
    let texts = ws
        .files(db)
        .iter()
        .map(|f| (f.path(db).clone(), f.text(db).clone()))
        .collect();
    Snapshot { resolved, texts }
}

/// What the second stage finds.
pub struct Checked {
    /// The same diagnostics as `edict check`.
    pub diagnostics: Vec<Diagnostic>,
    /// The compiled policy, when it compiles (a failing assertion does not
    /// stop it: its tests still run).
    pub compiled: Option<Compiled>,
    /// Every project file's shown path and text.
    pub texts: BTreeMap<String, String>,
    /// Each assertion's source and whether it holds.
    pub assertions: Vec<(Source, bool)>,
}

/// The diagnostics of a project (the same as `edict check`) and, when it
/// compiles, the compiled policy and its assertions' verdicts; no database
/// needed.
pub fn check(snapshot: Snapshot) -> Checked {
    let Snapshot { resolved, texts } = snapshot;
    let mut assertions = Vec::new();
    let (diagnostics, compiled) = match resolved.and_then(compile_resolved) {
        Ok(c) => {
            let mut diagnostics = c.warnings.clone();
            for v in prove::check(&c.program, &c.lowered.table) {
                if !v.holds() {
                    diagnostics.push(prove::diagnostic(&v));
                }
                assertions.push((v.assertion.source.clone(), v.holds()));
            }
            (diagnostics, Some(c))
        }
        Err(CompileError::Diagnostics(d)) => (d, None),
        Err(CompileError::Internal(why)) => {
            eprintln!("edict-lsp: internal compiler error: {why}");
            (Vec::new(), None)
        }
    };
    Checked {
        diagnostics,
        compiled,
        texts,
        assertions,
    }
}

/// Failing tests of the file `shown` (with its `text`), as LSP diagnostics
/// on their `expect` lines (or the test's name when it could not run).
pub fn test_failures(shown: &str, text: &str, results: &[TestResult<'_>]) -> Vec<lsp::Diagnostic> {
    let index = LineIndex::new(text);
    let mut out = Vec::new();
    for r in results.iter().filter(|r| r.test.source.file == shown) {
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

/// Rules of the file `shown` that no test reaches, as hints on their names
/// (`edict test --coverage` lists the same).
pub fn coverage_hints(
    shown: &str,
    text: &str,
    compiled: &Compiled,
    results: &[TestResult<'_>],
) -> Vec<lsp::Diagnostic> {
    if results.is_empty() {
        return Vec::new();
    }
    let index = LineIndex::new(text);
    let report = edict_compiler::coverage::coverage(compiled, results);
    report
        .jurisdictions
        .iter()
        .flat_map(|j| j.unreached_rules.iter().map(move |p| (j, p)))
        .filter(|(_, p)| p.file == shown)
        .map(|(j, p)| lsp::Diagnostic {
            range: index.range(text, p.span),
            severity: Some(lsp::DiagnosticSeverity::HINT),
            code: Some(lsp::NumberOrString::String("coverage".into())),
            source: Some("edict test".into()),
            message: format!(
                "no test reaches rule `{}` of {}: add a test whose transaction it decides",
                p.rule, j.jurisdiction
            ),
            ..Default::default()
        })
        .collect()
}

/// The code lenses of a document (`shown` path and `text`), its symbols
/// taken before from the database.
pub fn lenses(
    doc: &Doc,
    shown: &str,
    text: &str,
    symbols: Vec<ide::Symbol>,
    snapshot: Snapshot,
    baseline: Option<&Version>,
) -> Vec<CodeLens> {
    let checked = check(snapshot);
    let Some(compiled) = checked.compiled else {
        return Vec::new();
    };
    let Ok(results) = testing::run(&compiled) else {
        return Vec::new();
    };
    let index = LineIndex::new(text);
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
    for r in results.iter().filter(|r| r.test.source.file == shown) {
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
    for (source, holds) in checked.assertions.iter().filter(|(s, _)| s.file == shown) {
        let title = if *holds {
            "✓ holds for all transactions"
        } else {
            "✗ does not hold"
        };
        out.push(lens(source.span, title.to_string(), "edict.runTests"));
    }
    let changes = baseline.and_then(|old| {
        let new = Version::from_compiled("buffer", &compiled);
        diff(old, &new).ok()
    });
    for s in symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Jurisdiction)
    {
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
