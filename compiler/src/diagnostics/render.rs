//! Rendering diagnostics: ariadne text for people, JSON for tools.

use std::collections::BTreeMap;
use std::io::Write;

use ariadne::{Config, IndexType, Label as ALabel, Report, ReportKind};
use serde::Serialize;

use super::{Diagnostic, Severity};

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: u32) -> (usize, usize) {
    let offset = (offset as usize).min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Writes `diagnostics` with ariadne; `sources` maps display paths to text.
pub fn render_text(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sources: &BTreeMap<String, String>,
    color: bool,
) -> std::io::Result<()> {
    let config = Config::default()
        .with_index_type(IndexType::Byte)
        .with_color(color);
    for d in diagnostics {
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        // Spans are clamped to the text and to character boundaries, so that
        // no span can make the renderer slice inside a character.
        let clamp = |file: &str, span: crate::syntax::ast::Span| {
            let text = sources.get(file).map_or("", String::as_str);
            let boundary = |mut i: usize| {
                i = i.min(text.len());
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                i
            };
            let start = boundary(span.start as usize);
            (
                file.to_string(),
                start..boundary(span.end as usize).max(start),
            )
        };
        let primary = clamp(&d.primary.file, d.primary.span);
        let mut report = Report::build(kind, primary.clone())
            .with_config(config)
            .with_code(d.code.as_str())
            .with_message(&d.message)
            .with_label(
                ALabel::new(primary)
                    .with_message(&d.primary.message)
                    .with_order(0),
            );
        for (i, l) in d.secondary.iter().enumerate() {
            let mut label = ALabel::new(clamp(&l.file, l.span)).with_order(i as i32 + 1);
            if !l.message.is_empty() {
                label = label.with_message(&l.message);
            }
            report = report.with_label(label);
        }
        for note in &d.notes {
            report = report.with_note(note);
        }
        if let Some(help) = &d.help {
            report = report.with_help(help);
        }
        let cache = ariadne::sources(sources.iter().map(|(k, v)| (k.clone(), v.clone())));
        report.finish().write(cache, &mut *out)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonPosition {
    start: u32,
    end: u32,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    span: JsonPosition,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    lint: Option<&'static str>,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    span: JsonPosition,
    label: &'a str,
    related: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
    fix: Option<&'a super::Fix>,
}

/// The JSON form of `diagnostics`: one array, stable field order.
pub fn render_json(diagnostics: &[Diagnostic], sources: &BTreeMap<String, String>) -> String {
    let position = |file: &str, span: crate::syntax::ast::Span| {
        let text = sources.get(file).map_or("", |t| t.as_str());
        let (line, column) = line_col(text, span.start);
        JsonPosition {
            start: span.start,
            end: span.end,
            line,
            column,
        }
    };
    let items: Vec<JsonDiagnostic> = diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code.as_str(),
            lint: d.code.lint(),
            severity: d.severity,
            message: &d.message,
            file: &d.primary.file,
            span: position(&d.primary.file, d.primary.span),
            label: &d.primary.message,
            related: d
                .secondary
                .iter()
                .map(|l| JsonLabel {
                    file: &l.file,
                    span: position(&l.file, l.span),
                    message: &l.message,
                })
                .collect(),
            notes: &d.notes,
            help: d.help.as_deref(),
            fix: d.fix.as_ref(),
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "ab\nÉtats x";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 10), (2, 7));
    }
}
