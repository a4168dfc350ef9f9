//! Rendering diagnostics: ariadne text for people, JSON for tools.

use std::collections::BTreeMap;
use std::io::Write;

use ariadne::{Config, IndexType, Label as ALabel, Report, ReportKind};
use serde::Serialize;

use super::{Diagnostic, Severity};

/// 1-based line and column (in characters) of a byte offset (for many
/// look-ups in one text, [`render_json`] keeps an index of line starts).
pub fn line_col(text: &str, offset: u32) -> (usize, usize) {
    LineIndex::new(text).line_col(offset)
}

/// How many diagnostics [`render_text`] shows in full; the rest are
/// summarised by code (`--format json` lists every one).
pub const TEXT_LIMIT: usize = 200;

/// Writes `diagnostics` with ariadne; `sources` maps display paths to text.
///
/// Linear in the diagnostics and the sources: one source cache for the
/// whole run, buffered output. Errors are shown before warnings when there
/// are more than [`TEXT_LIMIT`]; past it, one line counts the rest by code.
/// Control, bidirectional and invisible characters are escaped in messages
/// and replaced in source snippets ([`crate::escape`]).
pub fn render_text(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sources: &BTreeMap<String, String>,
    color: bool,
) -> std::io::Result<()> {
    use crate::escape::{terminal, terminal_same_len};
    let mut out = std::io::BufWriter::new(out);
    let config = Config::default()
        .with_index_type(IndexType::Byte)
        .with_color(color);
    let mut cache = ariadne::sources(
        sources
            .iter()
            .map(|(k, v)| (k.clone(), terminal_same_len(v).into_owned())),
    );
    let shown = shown(diagnostics);
    let indexes: BTreeMap<&str, LineIndex> = sources
        .iter()
        .map(|(k, v)| (k.as_str(), LineIndex::new(v)))
        .collect();
    for d in diagnostics
        .iter()
        .zip(&shown)
        .filter(|(_, s)| **s)
        .map(|(d, _)| d)
    {
        if let Some(long) = long_line(d, &indexes) {
            plain(&mut out, d, &indexes, long)?;
            continue;
        }
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
            .with_message(terminal(&d.message))
            .with_label(
                ALabel::new(primary)
                    .with_message(terminal(&d.primary.message))
                    .with_order(0),
            );
        for (i, l) in d.secondary.iter().enumerate() {
            let mut label = ALabel::new(clamp(&l.file, l.span)).with_order(i as i32 + 1);
            if !l.message.is_empty() {
                label = label.with_message(terminal(&l.message));
            }
            report = report.with_label(label);
        }
        for note in &d.notes {
            report = report.with_note(terminal(note));
        }
        if let Some(help) = &d.help {
            report = report.with_help(terminal(help));
        }
        report.finish().write(&mut cache, &mut out)?;
    }
    let hidden: Vec<&Diagnostic> = diagnostics
        .iter()
        .zip(&shown)
        .filter(|(_, s)| !**s)
        .map(|(d, _)| d)
        .collect();
    if !hidden.is_empty() {
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &hidden {
            *by_code.entry(d.code.as_str()).or_default() += 1;
        }
        let counts: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} ×{n}")).collect();
        writeln!(
            out,
            "note: {} more diagnostics not shown ({}); `edict check --format json` lists every one",
            hidden.len(),
            counts.join(", ")
        )?;
    }
    out.flush()
}

/// Source lines longer than this are not drawn under a diagnostic.
pub const SNIPPET_LINE: usize = 1_000;

/// The length of the longest line a diagnostic's labels sit on, when one is
/// longer than [`SNIPPET_LINE`].
fn long_line(d: &Diagnostic, indexes: &BTreeMap<&str, LineIndex>) -> Option<usize> {
    std::iter::once(&d.primary)
        .chain(&d.secondary)
        .filter_map(|l| {
            indexes
                .get(l.file.as_str())
                .map(|i| i.line_len(l.span.start))
        })
        .max()
        .filter(|&len| len > SNIPPET_LINE)
}

/// A diagnostic without its source snippet (its line is too long to draw):
/// the message, each label's position and message, notes and help.
fn plain(
    out: &mut dyn Write,
    d: &Diagnostic,
    indexes: &BTreeMap<&str, LineIndex>,
    long: usize,
) -> std::io::Result<()> {
    use crate::escape::terminal;
    let kind = match d.severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    };
    writeln!(
        out,
        "[{}] {kind}: {}",
        d.code.as_str(),
        terminal(&d.message)
    )?;
    for l in std::iter::once(&d.primary).chain(&d.secondary) {
        let (line, col) = indexes
            .get(l.file.as_str())
            .map_or((1, 1), |i| i.line_col(l.span.start));
        writeln!(
            out,
            "   --> {}:{line}:{col}: {}",
            terminal(&l.file),
            terminal(&l.message)
        )?;
    }
    writeln!(
        out,
        "   = note: the line has {long} bytes; its source is not drawn"
    )?;
    for note in &d.notes {
        writeln!(out, "   = note: {}", terminal(note))?;
    }
    if let Some(help) = &d.help {
        writeln!(out, "   = help: {}", terminal(help))?;
    }
    Ok(())
}

/// Which diagnostics [`render_text`] shows: all when they are few, else
/// the first [`TEXT_LIMIT`], errors before warnings (in their order).
fn shown(diagnostics: &[Diagnostic]) -> Vec<bool> {
    let mut shown = vec![false; diagnostics.len()];
    let mut left = TEXT_LIMIT;
    for severity in [Severity::Error, Severity::Warning] {
        for (i, d) in diagnostics.iter().enumerate() {
            if left > 0 && d.severity == severity {
                shown[i] = true;
                left -= 1;
            }
        }
    }
    shown
}

/// The start of each line of a text, for line and column look-ups in
/// logarithmic time.
struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The length in bytes of the line holding a byte offset.
    fn line_len(&self, offset: u32) -> usize {
        let offset = (offset as usize).min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let end = self.starts.get(line).map_or(self.text.len(), |&s| s - 1);
        end - self.starts[line - 1]
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: u32) -> (usize, usize) {
        let mut offset = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
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
    let indexes: BTreeMap<&str, LineIndex> = sources
        .iter()
        .map(|(k, v)| (k.as_str(), LineIndex::new(v)))
        .collect();
    let position = |file: &str, span: crate::syntax::ast::Span| {
        let (line, column) = indexes
            .get(file)
            .map_or((1, 1), |index| index.line_col(span.start));
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
