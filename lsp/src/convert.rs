//! Positions and diagnostics between the compiler and LSP.
//!
//! The compiler speaks byte offsets; LSP speaks lines and UTF-16 code
//! units. [`LineIndex`] converts both ways, clamping positions past the
//! end of a line or of the text (an editor's stale or wrong ranges never
//! panic). [`diagnostic`] turns a compiler diagnostic into an LSP one: the
//! code with a link to its page, secondary labels as related information,
//! the suggested fix in `data` for code actions.

use edict_compiler::diagnostics::{Diagnostic, Severity};
use edict_compiler::syntax::ast::Span;
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Uri,
};

/// Where each line of a text starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The LSP position of a byte offset.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char(text, offset.min(text.len()));
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of an LSP position, clamped to the line and text.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&next| next.saturating_sub(1));
        let mut units = 0u32;
        for (i, ch) in text[start..end].char_indices() {
            if units >= pos.character {
                return start + i;
            }
            units += ch.len_utf16() as u32;
        }
        end
    }

    /// The LSP range of a span.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start as usize),
            self.position(text, span.end as usize),
        )
    }
}

/// A file's text with its line index, for converting positions.
pub fn text_of(
    db: &edict_compiler::db::Database,
    file: edict_compiler::db::SourceFile,
) -> (String, LineIndex) {
    let text = file.text(db).clone();
    let index = LineIndex::new(&text);
    (text, index)
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The page of a diagnostic code.
pub fn code_page(code: &str) -> Option<Uri> {
    format!("https://edict.invalid/docs/errors/{code}")
        .parse()
        .ok()
}

/// An LSP diagnostic; `locate` gives the URI and text of a file named by a
/// secondary label (labels in files it cannot find are left out).
pub fn diagnostic(
    d: &Diagnostic,
    text: &str,
    index: &LineIndex,
    locate: &dyn Fn(&str) -> Option<(Uri, String)>,
) -> lsp::Diagnostic {
    // The message is `edict check`'s; the primary label, help and notes go
    // with the secondary labels into related information (the primary ones
    // at the diagnostic's own place, when the file can be located).
    let here = locate(&d.primary.file).map(|(uri, _)| uri);
    let at_primary = |message: String| {
        here.as_ref().map(|uri| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), index.range(text, d.primary.span)),
            message,
        })
    };
    let mut related: Vec<DiagnosticRelatedInformation> = Vec::new();
    if !d.primary.message.is_empty() {
        related.extend(at_primary(d.primary.message.clone()));
    }
    related.extend(d.secondary.iter().filter_map(|l| {
        let (uri, other) = locate(&l.file)?;
        let range = LineIndex::new(&other).range(&other, l.span);
        Some(DiagnosticRelatedInformation {
            location: Location::new(uri, range),
            message: l.message.clone(),
        })
    }));
    if let Some(help) = &d.help {
        related.extend(at_primary(format!("help: {help}")));
    }
    for note in &d.notes {
        related.extend(at_primary(format!("note: {note}")));
    }
    let code = d.code.as_str();
    lsp::Diagnostic {
        range: index.range(text, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(code.to_string())),
        code_description: code_page(code).map(|href| lsp::CodeDescription { href }),
        source: Some("edict".into()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: d.fix.as_ref().map(|f| {
            serde_json::json!({
                "title": f.title,
                "range": index.range(text, f.span),
                "replacement": f.replacement,
            })
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        // "Türkiye" has a two-byte ü (one UTF-16 unit); 𝔼 is four bytes (two units).
        let text = "a\n\"Türkiye\" 𝔼 x\n";
        let ix = LineIndex::new(text);
        let x = text.find('x').unwrap_or(0);
        assert_eq!(ix.position(text, x), Position::new(1, 13));
        assert_eq!(ix.offset(text, Position::new(1, 13)), x);
        // Past the end of a line or of the text: clamped.
        assert_eq!(ix.offset(text, Position::new(0, 99)), 1);
        assert_eq!(ix.offset(text, Position::new(9, 0)), text.len());
        // Inside a character: the next boundary is never split.
        let e = text.find('𝔼').unwrap_or(0);
        assert!(text.is_char_boundary(ix.offset(text, Position::new(1, 12))));
        assert_eq!(ix.position(text, e + 1), ix.position(text, e));
    }
}
