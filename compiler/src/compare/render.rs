//! A [`Comparison`] as terminal text, Markdown for a negotiating brief, or
//! one self-contained HTML page. Every text from a policy is escaped for
//! where it is shown (terminal, Markdown, HTML), as the diff's reports do.

use std::fmt::Write as _;

use super::{Comparison, Difference, Stricter};
use crate::diff::render::{decision_text, rules_text};
use crate::escape::{html as esc, markdown as md, markdown_code as code, terminal};

/// The counts in one sentence.
pub fn summary_text(c: &Comparison) -> String {
    if c.equivalent {
        return format!(
            "{} and {} decide every transaction alike",
            c.a.jurisdiction, c.b.jurisdiction
        );
    }
    let s = &c.summary;
    format!(
        "{} region{} decided differently: {} stricter in {}, {} stricter in {}, {} on different conditions",
        s.regions,
        if s.regions == 1 { "" } else { "s" },
        s.stricter_in_a,
        c.a.jurisdiction,
        s.stricter_in_b,
        c.b.jurisdiction,
        s.different_conditions
    )
}

/// Which side is stricter, named.
fn stricter_text(c: &Comparison, s: Stricter) -> String {
    match s {
        Stricter::A => format!("stricter in {}", c.a.jurisdiction),
        Stricter::B => format!("stricter in {}", c.b.jurisdiction),
        Stricter::Neither => "different conditions".into(),
    }
}

fn side_label(c: &Comparison, a: bool) -> String {
    let p = if a { &c.a } else { &c.b };
    format!("{} ({})", p.jurisdiction, p.label)
}

/// The comparison as terminal text (escaped).
pub fn text(c: &Comparison) -> String {
    let e = |t: &str| terminal(t).into_owned();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "edict compare {} ↔ {}",
        e(&side_label(c, true)),
        e(&side_label(c, false))
    );
    let _ = writeln!(o, "{}\n", e(&summary_text(c)));
    for n in &c.notes {
        let _ = writeln!(o, "note: {}", e(n));
    }
    if !c.findings.is_empty() {
        let _ = writeln!(o, "Findings");
        for f in &c.findings {
            let _ = writeln!(o, "  - {}", e(&f.sentence));
        }
        o.push('\n');
    }
    if !c.regions.is_empty() {
        let _ = writeln!(o, "Regions");
    }
    for (i, r) in c.regions.iter().enumerate() {
        let _ = writeln!(
            o,
            "  {}. [{}] {}",
            i + 1,
            e(&stricter_text(c, r.stricter)),
            e(&r.description)
        );
        let _ = writeln!(
            o,
            "       {}: {}",
            e(&c.a.jurisdiction),
            e(&decision_text(&r.a))
        );
        let _ = writeln!(
            o,
            "       {}: {}",
            e(&c.b.jurisdiction),
            e(&decision_text(&r.b))
        );
        let _ = writeln!(
            o,
            "       rules:  {} ↔ {}",
            e(&rules_text(&r.a)),
            e(&rules_text(&r.b))
        );
        let _ = writeln!(o, "       e.g.    {}", e(&witness_json(r)));
    }
    o
}

fn witness_json(r: &Difference) -> String {
    serde_json::to_string(&r.witness).unwrap_or_default()
}

/// The comparison as Markdown.
pub fn markdown(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Where {} and {} differ\n",
        code(&c.a.jurisdiction),
        code(&c.b.jurisdiction)
    );
    let _ = writeln!(
        o,
        "{} from {} (table `{}`) against {} from {} (table `{}`). {}.\n",
        code(&c.a.jurisdiction),
        code(&c.a.label),
        c.a.table,
        code(&c.b.jurisdiction),
        code(&c.b.label),
        c.b.table,
        md(&summary_text(c))
    );
    for n in &c.notes {
        let _ = writeln!(o, "> Note: {}\n", md(n));
    }
    if !c.findings.is_empty() {
        let _ = writeln!(o, "## Findings\n");
        for f in &c.findings {
            let _ = writeln!(o, "- {}", md(&f.sentence));
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Regions\n");
    if c.regions.is_empty() {
        let _ = writeln!(o, "None: every transaction gets the same decision.");
        return o;
    }
    let _ = writeln!(
        o,
        "| # | Stricter | Transactions | {} | {} | Rules | Example |\n|---|---|---|---|---|---|---|",
        md(&c.a.jurisdiction),
        md(&c.b.jurisdiction)
    );
    for (i, r) in c.regions.iter().enumerate() {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} ↔ {} | {} |",
            i + 1,
            md(&stricter_text(c, r.stricter)),
            md(&r.description),
            md(&decision_text(&r.a)),
            md(&decision_text(&r.b)),
            md(&rules_text(&r.a)),
            md(&rules_text(&r.b)),
            code(&witness_json(r))
        );
    }
    o
}

/// The comparison as one HTML page (no external resources; the JSON is
/// embedded).
pub fn page(c: &Comparison) -> String {
    let mut o = String::new();
    let title = format!("Where {} and {} differ", c.a.jurisdiction, c.b.jurisdiction);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{}{STYLE}</style>\n</head>\n<body>\n",
        esc(&title),
        crate::diff::html::STYLE
    );
    let _ = writeln!(o, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        o,
        "<p class=\"meta\">{} from <code>{}</code> (table <code>{}</code>) · {} from <code>{}</code> (table <code>{}</code>)</p>",
        esc(&c.a.jurisdiction),
        esc(&c.a.label),
        esc(&c.a.table),
        esc(&c.b.jurisdiction),
        esc(&c.b.label),
        esc(&c.b.table)
    );
    let _ = writeln!(o, "<p id=\"summary\">{}.</p>", esc(&summary_text(c)));
    for n in &c.notes {
        let _ = writeln!(o, "<p class=\"meta\">Note: {}</p>", esc(n));
    }
    if !c.findings.is_empty() {
        let _ = writeln!(o, "<h2>Findings</h2>\n<ul id=\"findings\">");
        for f in &c.findings {
            let _ = writeln!(o, "<li>{}</li>", esc(&f.sentence));
        }
        let _ = writeln!(o, "</ul>");
    }
    let _ = writeln!(
        o,
        "<h2>Regions</h2>\n<table id=\"regions\"><thead><tr><th>#</th><th>Stricter</th>\
         <th>Transactions</th><th>{}</th><th>{}</th><th>Rules</th><th>Example</th></tr></thead><tbody>",
        esc(&c.a.jurisdiction),
        esc(&c.b.jurisdiction)
    );
    for (i, r) in c.regions.iter().enumerate() {
        let class = match r.stricter {
            Stricter::A => "stricter-a",
            Stricter::B => "stricter-b",
            Stricter::Neither => "lateral",
        };
        let witness = r
            .witness
            .iter()
            .map(|(k, v)| format!("{}: {}", esc(k), esc(&v.to_string())))
            .collect::<Vec<_>>()
            .join("<br>");
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{} ↔ {}</td><td class=\"mono\">{witness}</td></tr>",
            i + 1,
            esc(&stricter_text(c, r.stricter)),
            r.description
                .split(" × ")
                .map(esc)
                .collect::<Vec<_>>()
                .join(" ×<br>"),
            esc(&decision_text(&r.a)),
            esc(&decision_text(&r.b)),
            esc(&rules_text(&r.a)),
            esc(&rules_text(&r.b))
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    if c.regions.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"equivalent\">None: every transaction gets the same decision.</p>"
        );
    }
    // No `<`, `>` or `&` in the JSON text: nothing in it can close the
    // element or open a comment or another script.
    let json = crate::escape::json_in_html(&serde_json::to_string(c).unwrap_or_default());
    let _ = writeln!(
        o,
        "<script type=\"application/json\" id=\"comparison-data\">{json}</script>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>"
    );
    o
}

/// Neither side is "tightening": each has its own colour.
const STYLE: &str = "
.stricter-a { color: #1f4fbf; font-weight: 600; } .stricter-b { color: #7a2a8c; font-weight: 600; }
";

/// Checks the rendered rows against the embedded JSON (so a browser test
/// can tell the page from its data).
const SCRIPT: &str = "
(function () {
  var data = JSON.parse(document.getElementById('comparison-data').textContent);
  var rows = document.querySelectorAll('#regions tbody tr').length;
  document.body.setAttribute('data-rendered', rows === data.summary.regions ? 'ok' : 'mismatch');
})();
";
