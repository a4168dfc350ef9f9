//! A [`Report`] as one self-contained HTML page for publication: summary,
//! timeline of effective and sunset dates (old against new), the table of
//! decisions that change, and each changed declaration side by side with
//! its changed lines highlighted. No external resources; the report's JSON
//! is embedded, and a short script fills the summary counts from it (so a
//! browser test can check the page against the JSON).

use std::fmt::Write as _;

use super::render::{
    Line, clause_texts, data_text, decision_text, event_text, line_diff, region_rows_text,
    rules_text, status_text, summary_text,
};
use super::{Change, Report};
use crate::escape::html as esc;

/// The page's style sheet (shared with `edict compare`'s page).
pub(crate) const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 78rem; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 2px solid #ddd; }
code, pre, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; }
.meta { color: #555; } table { border-collapse: collapse; width: 100%; margin: .6rem 0; }
th, td { border: 1px solid #d6d6d6; padding: .35rem .5rem; vertical-align: top; text-align: left; }
th { background: #f3f3f3; } #impact td { font-size: .9rem; } #impact td.mono { white-space: nowrap; } .counts { display: flex; gap: .8rem; flex-wrap: wrap; }
.count { border: 1px solid #ccc; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.count b { display: block; font-size: 1.5rem; }
.tightening { color: #a40000; font-weight: 600; } .loosening { color: #0b6b20; font-weight: 600; }
.lateral { color: #7a5b00; font-weight: 600; }
tr.differs td { background: #fff6d6; }
.side { width: 50%; } .side pre { margin: 0; white-space: pre-wrap; }
td.del { background: #ffe3e3; } td.ins { background: #e1f6e1; } td.gap { background: #f6f6f6; }
.equivalent { background: #e1f6e1; padding: .6rem .9rem; border-radius: 6px; }
";

/// The summary counts, filled from the embedded JSON by the script.
const SCRIPT: &str = "
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var s = data.summary;
  var set = function (id, v) { document.getElementById(id).textContent = String(v); };
  set('count-regions', s.regions);
  set('count-tightening', s.tightening);
  set('count-loosening', s.loosening);
  set('count-lateral', s.lateral);
  set('count-rules', s.rules_added + s.rules_removed + s.rules_edited);
  var rows = document.querySelectorAll('#impact tbody tr').length;
  document.body.setAttribute('data-rendered', rows === s.regions ? 'ok' : 'mismatch');
})();
";

/// The report as a page.
pub fn page(r: &Report) -> String {
    let mut o = String::new();
    let title = format!("What changes: {} → {}", r.old.label, r.new.label);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(o, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        o,
        "<p class=\"meta\">Policy <code>{}</code> · old table <code>{}</code> · new table <code>{}</code></p>",
        esc(&r.new.policy),
        esc(&r.old.table),
        esc(&r.new.table)
    );
    summary(&mut o, r);
    timeline(&mut o, r);
    impact(&mut o, r);
    declarations(&mut o, r);
    // No `<`, `>` or `&` in the JSON text: nothing in it can close the
    // element or open a comment or another script.
    let json = crate::escape::json_in_html(&serde_json::to_string(r).unwrap_or_default());
    let _ = writeln!(
        o,
        "<script type=\"application/json\" id=\"report-data\">{json}</script>"
    );
    let _ = writeln!(o, "<script>{SCRIPT}</script>\n</body>\n</html>");
    o
}

fn summary(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2>Summary</h2>");
    let _ = writeln!(o, "<p id=\"summary\">{}.</p>", esc(&summary_text(r)));
    if r.equivalent {
        let _ = writeln!(
            o,
            "<p class=\"equivalent\" id=\"equivalent\">The versions are equivalent: \
             every transaction gets the same decision.</p>"
        );
    }
    let _ = writeln!(o, "<div class=\"counts\">");
    for (id, label) in [
        ("count-regions", "regions of changed decisions"),
        ("count-tightening", "tightening"),
        ("count-loosening", "loosening"),
        ("count-lateral", "lateral"),
        ("count-rules", "rules added, removed or edited"),
    ] {
        let _ = writeln!(
            o,
            "<div class=\"count\"><b id=\"{id}\">…</b>{}</div>",
            esc(label)
        );
    }
    let _ = writeln!(o, "</div>");
    for n in &r.notes {
        let _ = writeln!(o, "<p class=\"meta\">Note: {}</p>", esc(n));
    }
}

fn timeline(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2>Timeline</h2>");
    if r.timeline.is_empty() {
        let _ = writeln!(o, "<p>No rule has an effective or sunset date.</p>");
        return;
    }
    let _ = writeln!(
        o,
        "<table id=\"timeline\"><thead><tr><th>Date</th><th>Rule</th><th>Event</th>\
         <th>Old</th><th>New</th></tr></thead><tbody>"
    );
    for e in &r.timeline {
        let yes = |b: bool| if b { "yes" } else { "—" };
        let _ = writeln!(
            o,
            "<tr{}><td class=\"mono\">{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if e.old != e.new {
                " class=\"differs\""
            } else {
                ""
            },
            esc(&e.date),
            esc(&e.rule),
            event_text(e.event),
            yes(e.old),
            yes(e.new)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

fn impact(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2>Decisions that change</h2>");
    let _ = writeln!(
        o,
        "<table id=\"impact\"><thead><tr><th>#</th><th>Jurisdiction</th><th>Change</th>\
         <th>Transactions</th><th>Before</th><th>After</th><th>Rules (before → after)</th>\
         <th>Example</th></tr></thead><tbody>"
    );
    for (i, g) in r.impact.iter().enumerate() {
        let d = g.direction.as_str();
        let _ = writeln!(
            o,
            "<tr data-direction=\"{d}\"><td>{}</td><td>{}</td><td class=\"{d}\">{d}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{} → {}</td><td class=\"mono\">{}</td></tr>",
            i + 1,
            esc(&g.jurisdiction),
            g.description
                .split(" × ")
                .map(esc)
                .collect::<Vec<_>>()
                .join(" ×<br>"),
            esc(&decision_text(&g.before)),
            esc(&decision_text(&g.after)),
            esc(&rules_text(&g.before)),
            esc(&rules_text(&g.after)),
            witness(&g.witness)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    if r.impact.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
    }
    if let Some(d) = &r.data {
        let _ = writeln!(
            o,
            "<h3>Rows of the data</h3>\n<p id=\"data\">{}.</p>\n<ul>",
            esc(&data_text(d))
        );
        for (i, rows) in d.regions.iter().enumerate() {
            let _ = writeln!(o, "<li>{}: {}</li>", i + 1, esc(&region_rows_text(rows)));
        }
        let _ = writeln!(o, "</ul>");
    }
}

/// A witness transaction, one field a line.
fn witness(w: &std::collections::BTreeMap<String, serde_json::Value>) -> String {
    w.iter()
        .map(|(k, v)| format!("{}: {}", esc(k), esc(&v.to_string())))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn declarations(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2>Declarations that change</h2>");
    if r.changes.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
    }
    for c in &r.changes {
        declaration(o, c);
    }
}

fn declaration(o: &mut String, c: &Change) {
    let _ = writeln!(
        o,
        "<section class=\"change\" data-status=\"{}\"><h3>{} <code>{}</code> — {}</h3>",
        status_text(c.status),
        c.kind.as_str(),
        esc(&c.name),
        status_text(c.status)
    );
    let _ = writeln!(
        o,
        "<table><thead><tr><th>Clause</th><th>Old</th><th>New</th></tr></thead><tbody>"
    );
    for clause in &c.clauses {
        let cell = |v: &[String]| clause_texts(v, |t| format!("<code>{}</code>", esc(t)));
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"del\">{}</td><td class=\"ins\">{}</td></tr>",
            esc(&clause.clause),
            cell(&clause.old),
            cell(&clause.new)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    let old = c.old.as_ref().and_then(|d| d.text.as_deref());
    let new = c.new.as_ref().and_then(|d| d.text.as_deref());
    if old.is_some() || new.is_some() {
        let head = |d: &Option<super::Declared>, side: &str| match d {
            Some(d) if !d.path.is_empty() => format!("{side}: {}:{}", esc(&d.path), d.line),
            _ => side.to_string(),
        };
        let _ = writeln!(
            o,
            "<table class=\"sidebyside\"><thead><tr><th class=\"side\">{}</th><th class=\"side\">{}</th></tr></thead><tbody>",
            head(&c.old, "old"),
            head(&c.new, "new")
        );
        let cell = |t: Option<&str>, class: &str| match t {
            Some(t) => format!("<td class=\"{class}\"><pre>{}</pre></td>", esc(t)),
            None => "<td class=\"gap\"></td>".to_string(),
        };
        // A run of changed lines is shown old beside new, row by row.
        let lines = line_diff(old.unwrap_or(""), new.unwrap_or(""));
        let mut i = 0;
        while i < lines.len() {
            if let Line::Same(t) = lines[i] {
                let _ = writeln!(o, "<tr>{}{}</tr>", cell(Some(t), ""), cell(Some(t), ""));
                i += 1;
                continue;
            }
            let (mut gone, mut came) = (Vec::new(), Vec::new());
            while let Some(line) = lines.get(i) {
                match line {
                    Line::Old(t) => gone.push(*t),
                    Line::New(t) => came.push(*t),
                    Line::Same(_) => break,
                }
                i += 1;
            }
            for k in 0..gone.len().max(came.len()) {
                let _ = writeln!(
                    o,
                    "<tr>{}{}</tr>",
                    cell(gone.get(k).copied(), "del"),
                    cell(came.get(k).copied(), "ins")
                );
            }
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    let _ = writeln!(o, "</section>");
}
