//! Hostile input, class by class: streams whose lines are broken in every
//! way, JSON that parsers read differently, file-system traps (FIFOs,
//! devices, links out of the project, link loops), and a bare file name.
//! Each test failed before the behaviour it checks was fixed.
#![expect(clippy::panic, clippy::expect_used, reason = "tests fail by panicking")]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use edict_compiler::db::Settings;
use edict_compiler::project::{RealFs, load};
use edict_compiler::table::policy_diagnostics;
use edict_tests::{edict, repo, scratch};

/// Runs `f` on a thread and fails the test if it takes longer than a minute
/// (a hang is the bug some of these tests look for).
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("did not finish within a minute"))
}

/// The codes `edict check` reports for the given paths, or the load error.
fn check_codes(paths: Vec<PathBuf>) -> Result<Vec<String>, String> {
    within_a_minute(move || {
        let project = load(&RealFs, &paths, Settings::default()).map_err(|e| e.to_string())?;
        Ok(policy_diagnostics(&project.db, project.ws)
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect())
    })
}

fn table() -> String {
    repo()
        .join("tests/conformance/strict_lines/table.json")
        .display()
        .to_string()
}

const GOOD: &str = r#"{"date": "2025-01-01", "item": "3A001.a", "destination": "CN", "value": 1}"#;

/// One output line per non-blank input line, each naming its line.
fn outputs(stdin: &[u8]) -> Vec<serde_json::Value> {
    let (_, out, _) = edict(&["eval", &table(), "--input", "-"], stdin);
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn verdicts(outputs: &[serde_json::Value]) -> Vec<String> {
    outputs
        .iter()
        .map(|o| match o.get("errors") {
            Some(e) => format!("{}:{}", o["line"], e[0]["code"].as_str().unwrap_or("")),
            None => "decided".to_string(),
        })
        .collect()
}

#[test]
fn every_broken_line_gets_exactly_one_output_and_the_next_is_decided() {
    let broken: [(&str, Vec<u8>); 6] = [
        ("invalid UTF-8", b"{\"date\": \"\xff\xfe\"}".to_vec()),
        ("lone invalid byte", vec![0x80]),
        ("NUL", b"\0".to_vec()),
        (
            "NUL inside",
            format!("{}\0{}", &GOOD[..10], &GOOD[10..]).into_bytes(),
        ),
        ("lone CR", format!("{GOOD}\r{GOOD}").into_bytes()),
        ("truncated", GOOD.as_bytes()[..20].to_vec()),
    ];
    for (what, line) in broken {
        let mut stdin = line.clone();
        stdin.push(b'\n');
        stdin.extend_from_slice(GOOD.as_bytes());
        stdin.push(b'\n');
        let got = verdicts(&outputs(&stdin));
        assert_eq!(got, ["1:E0601", "decided"], "{what}");
    }
}

#[test]
fn a_line_of_100_megabytes_is_refused_without_losing_its_neighbours() {
    let mut stdin = Vec::with_capacity(100 << 20);
    stdin.extend_from_slice(GOOD.as_bytes());
    stdin.push(b'\n');
    stdin.extend(std::iter::repeat_n(b' ', 100 << 20));
    stdin.extend_from_slice(b"x\n");
    stdin.extend_from_slice(GOOD.as_bytes()); // no final newline
    let (code, out, err) = edict(&["eval", &table(), "--input", "-"], &stdin);
    let got: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(verdicts(&got), ["decided", "2:E0601", "decided"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("line 2: error[E0601]: the line has 104857601 bytes"),
        "{err}"
    );
}

#[test]
fn repeated_member_names_are_refused_in_transactions_and_tables() {
    let twice = r#"{"date": "2025-01-01", "item": "3A001.a", "destination": "DE", "value": 1, "destination": "CN"}"#;
    assert_eq!(verdicts(&outputs(twice.as_bytes())), ["1:E0601"]);
    let (_, _, err) = edict(&["eval", &table(), "--input", "-"], twice);
    assert!(
        err.contains("the member `destination` is given twice"),
        "{err}"
    );
    // A table whose row tests a column twice: engines could read either cell.
    let text = std::fs::read_to_string(table()).unwrap_or_else(|e| panic!("{e}"));
    let tampered = text.replacen(
        "\"cells\": {",
        "\"cells\": {\"destination\": {\"op\": \"in\", \"values\": [\"DE\"]},",
        1,
    );
    assert!(tampered != text, "the table has no cells");
    let path = scratch("dup-table").join("table.json");
    std::fs::write(&path, tampered).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = edict(&["eval", &path.display().to_string(), "--input", "-"], GOOD);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[E0503]") && err.contains("given twice"),
        "{err}"
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn an_import_linked_to_a_fifo_or_a_device_is_refused_without_reading_it() {
    let dir = scratch("special");
    std::fs::create_dir_all(dir.join("lib")).unwrap_or_else(|e| panic!("{e}"));
    mkfifo(&dir.join("fifo"));
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, dir.join("lib").join(name))
            .unwrap_or_else(|e| panic!("{e}"));
    };
    link(&dir.join("fifo"), "pipe.edict");
    link(Path::new("/dev/zero"), "zero.edict");
    for module in ["pipe", "zero"] {
        let main = dir.join(format!("{module}_main.edict"));
        std::fs::write(&main, format!("policy main\nuse lib.{module}.*\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        // /dev/zero lies outside the root: refused as such, before any read.
        let want = if module == "zero" { "E0103" } else { "E0115" };
        let codes = check_codes(vec![main]).unwrap_or_else(|e| panic!("{e}"));
        assert!(codes.contains(&want.to_string()), "{module}: {codes:?}");
    }
    // Named on the command line, a FIFO is refused with a coded error, not read.
    let err = check_codes(vec![dir.join("lib/pipe.edict")]).expect_err("a FIFO was read");
    assert!(
        err.contains("[E0115]") && err.contains("named pipe"),
        "{err}"
    );
    let (code, _, err) = edict(&["check", "/dev/zero"], "");
    assert_eq!(code, 2);
    assert!(err.contains("[E0115]") && err.contains("a device"), "{err}");
}

#[cfg(unix)]
#[test]
fn links_in_a_policy_folder_stay_inside_it_and_loops_are_walked_once() {
    let base = scratch("links");
    let (root, outside) = (base.join("policy"), base.join("elsewhere"));
    std::fs::create_dir_all(root.join("sub")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(&outside).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(root.join("main.edict"), "policy main\n").unwrap_or_else(|e| panic!("{e}"));
    // A loop: sub/back -> .. ; and a link inside the root.
    std::os::unix::fs::symlink(&root, root.join("sub/back")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(root.join("sub"), root.join("again"))
        .unwrap_or_else(|e| panic!("{e}"));
    let codes = check_codes(vec![root.clone()]).unwrap_or_else(|e| panic!("{e}"));
    assert!(codes.is_empty(), "{codes:?}");
    // A link to a source outside the folder: the load is refused, naming it.
    std::fs::write(outside.join("secret.edict"), "policy secret\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(outside.join("secret.edict"), root.join("sub/secret.edict"))
        .unwrap_or_else(|e| panic!("{e}"));
    let err = check_codes(vec![root.clone()]).expect_err("a link out of the folder was followed");
    assert!(
        err.contains("[E0115]") && err.contains("secret.edict"),
        "{err}"
    );
    std::fs::remove_file(root.join("sub/secret.edict")).unwrap_or_else(|e| panic!("{e}"));
    // A link to a folder outside: refused too.
    std::os::unix::fs::symlink(&outside, root.join("out")).unwrap_or_else(|e| panic!("{e}"));
    let err = check_codes(vec![root]).expect_err("a link to an outside folder was followed");
    assert!(err.contains("[E0115]") && err.contains("out"), "{err}");
}

#[test]
fn a_bare_file_name_finds_its_imports_in_its_own_folder() {
    let dir = scratch("bare");
    std::fs::create_dir_all(dir.join("lib")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("lib/groups.edict"),
        "policy lib.groups\nenum Kind { a }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("policy.edict"),
        "policy main\nuse lib.groups.*\ninput { kind: Kind }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Every other test of this binary uses absolute paths.
    std::env::set_current_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let codes = check_codes(vec![PathBuf::from("policy.edict")]).unwrap_or_else(|e| panic!("{e}"));
    assert!(codes.is_empty(), "{codes:?}");
}

/// A compiled example table as JSON, and its transactions.
fn example_table() -> (serde_json::Value, Vec<serde_json::Value>) {
    let dir = repo().join("examples/advanced_computing");
    let compiled = edict_tests::compile(std::slice::from_ref(&dir));
    let table = serde_json::from_str(&compiled.json).unwrap_or_else(|e| panic!("{e}"));
    let txs = edict_tests::read(&dir.join("transactions.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    (table, txs)
}

/// Loads a table; for each transaction the indexed decision, after checking
/// it equals a scan of every row (the table decides as its cells say).
fn decisions_of(
    table: &serde_json::Value,
    txs: &[serde_json::Value],
) -> Result<Vec<String>, String> {
    use edict_compiler::eval::Evaluator;
    let bytes = serde_json::to_vec(table).unwrap_or_else(|e| panic!("{e}"));
    let ev = Evaluator::from_bytes(&bytes)
        .map_err(|e| format!("{} {}", e.code.info().code, e.message))?;
    Ok(txs
        .iter()
        .map(|json| match ev.transaction(json) {
            Ok(tx) => {
                let fast = ev.decide(&tx);
                assert_eq!(fast, ev.decide_scanning(&tx), "index and scan differ");
                serde_json::to_string(&fast.decisions).unwrap_or_default()
            }
            Err(e) => format!("rejected {e:?}"),
        })
        .collect())
}

type Tamper = fn(&mut serde_json::Value);

fn cells_of(table: &mut serde_json::Value) -> impl Iterator<Item = &mut serde_json::Value> {
    table["decision_table"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .flat_map(|row| {
            row["cells"]
                .as_object_mut()
                .into_iter()
                .flat_map(|c| c.values_mut())
        })
}

#[test]
fn tampered_tables_are_refused_or_decide_as_their_cells_say() {
    let (table, txs) = example_table();
    let original = decisions_of(&table, &txs).unwrap_or_else(|e| panic!("{e}"));
    let refused: [(&str, &str, Tamper); 9] = [
        ("unknown op", "E0503", |t| {
            if let Some(c) = cells_of(t).next() {
                c["op"] = "regex".into();
            }
        }),
        ("column twice", "E0503", |t| {
            let first = t["columns"][1].clone();
            if let Some(a) = t["columns"].as_array_mut() {
                a.push(first);
            }
        }),
        ("domain value twice", "E0503", |t| {
            if let Some(d) = t["columns"]
                .as_array_mut()
                .into_iter()
                .flatten()
                .find_map(|c| c.get_mut("domain").and_then(|d| d.as_array_mut()))
            {
                let first = d[0].clone();
                d.push(first);
            }
        }),
        ("jurisdiction twice", "E0503", |t| {
            if let Some(j) = t["jurisdictions"].as_array_mut() {
                let first = j[0].clone();
                j.push(first);
            }
        }),
        ("no date column", "E0503", |t| {
            for c in t["columns"].as_array_mut().into_iter().flatten() {
                if c["name"] == "date" {
                    c["type"] = "string".into();
                }
            }
        }),
        ("severity edited", "E0503", |t| {
            t["decision_table"][0]["severity"] = 0.into()
        }),
        ("unknown tier", "E0503", |t| {
            t["decision_table"][0]["tier"] = "Tier9".into()
        }),
        ("unknown column", "E0503", |t| {
            t["decision_table"][0]["cells"]["weight"] =
                serde_json::json!({"op": "in", "values": ["x"]});
        }),
        ("other version", "E0502", |t| t["version"] = 2.into()),
    ];
    for (what, code, tamper) in refused {
        let mut t = table.clone();
        tamper(&mut t);
        let err = decisions_of(&t, &txs).expect_err(what);
        assert!(err.starts_with(code), "{what}: {err}");
    }
    // Reordered rows: the same decisions (merging does not depend on order).
    let mut reversed = table.clone();
    if let Some(rows) = reversed["decision_table"].as_array_mut() {
        rows.reverse();
    }
    assert_eq!(decisions_of(&reversed, &txs), Ok(original.clone()));
    // Huge arrays: a value repeated 100,000 times in a cell, and 200,000 new
    // domain values all listed by one cell — loaded in linear time, same decisions.
    let huge = within_a_minute(move || {
        let mut t = table;
        for cell in cells_of(&mut t) {
            if let Some(values) = cell.get_mut("values").and_then(|v| v.as_array_mut()) {
                let first = values[0].clone();
                values.extend(std::iter::repeat_n(first, 100_000));
                break;
            }
        }
        let extra: Vec<serde_json::Value> = (0..200_000).map(|i| format!("ZZ{i}").into()).collect();
        for col in t["columns"].as_array_mut().into_iter().flatten() {
            if col["name"] == "destination"
                && let Some(d) = col.get_mut("domain").and_then(|d| d.as_array_mut())
            {
                d.extend(extra.iter().cloned());
            }
        }
        let rows = t["decision_table"].as_array_mut().into_iter().flatten();
        if let Some(row) = rows
            .into_iter()
            .find(|r| r["cells"].get("destination").is_none())
        {
            row["cells"]["destination"] = serde_json::json!({"op": "not_in", "values": extra});
        }
        let mut edited = t.clone();
        for cell in cells_of(&mut edited) {
            if cell["op"] == "range" && cell.get("min").is_some() && cell.get("max").is_some() {
                let (min, max) = (cell["min"].take(), cell["max"].take());
                cell["min"] = max;
                cell["max"] = min;
            }
        }
        (decisions_of(&t, &txs), decisions_of(&edited, &txs))
    });
    assert_eq!(huge.0, Ok(original.clone()));
    // Edited cells (every closed range turned inside out) still load, and the
    // index agrees with the scan on them (checked inside decisions_of).
    assert!(
        huge.1.is_ok_and(|d| d != original),
        "editing ranges changed nothing"
    );
}

/// The table of one policy file given as text, by its meaning; `None` when
/// the text does not compile.
fn meaning_of(text: &str) -> Option<serde_json::Value> {
    use edict_compiler::project::MemoryFs;
    let mut fs = MemoryFs::default();
    fs.files
        .insert(PathBuf::from("/p/policy.edict"), text.as_bytes().to_vec());
    let project = load(
        &fs,
        &[PathBuf::from("/p/policy.edict")],
        Settings::default(),
    )
    .ok()?;
    let compiled = edict_compiler::table::compile(&project.db, project.ws).ok()?;
    Some(edict_compiler::table::meaning(&compiled.lowered.table))
}

/// One random edit that keeps a file mostly well-formed: lines joined or
/// split, doc and plain comments at the start or the end of lines, blank
/// lines, indentation, a line dropped.
fn mutate(text: &str, rng: &mut edict_compiler::table::generate::Rng, n: usize) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = rng
        .below(lines.len().max(1))
        .min(lines.len().saturating_sub(1));
    match rng.below(10) {
        8 | 9 => {
            // A whole block on one line, often followed by a doc comment.
            if let Some(open) = (at..lines.len()).find(|&i| lines[i].trim_end().ends_with('{')) {
                let mut depth = 0i32;
                let mut end = open;
                for (i, line) in lines.iter().enumerate().skip(open) {
                    depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
                    end = i;
                    if depth <= 0 {
                        break;
                    }
                }
                let joined: Vec<String> = lines
                    .drain(open..=end)
                    .map(|l| l.trim().to_string())
                    .collect();
                let mut one = joined.join(" ");
                if rng.below(2) == 0 {
                    one.push_str(&format!(" /// doc {n}"));
                }
                lines.insert(open, one);
            }
        }
        0 if at + 1 < lines.len() => {
            let next = lines.remove(at + 1);
            lines[at] = format!("{} {}", lines[at], next.trim_start());
        }
        1 => {
            let line = lines[at].clone();
            let cut = line
                .char_indices()
                .filter(|(_, c)| *c == ' ')
                .map(|(i, _)| i)
                .nth(rng.below(4));
            if let Some(i) = cut {
                lines[at] = line[..i].to_string();
                lines.insert(at + 1, line[i..].to_string());
            }
        }
        2 => lines.insert(at, format!("/// doc {n}")),
        3 => lines[at].push_str(&format!(" /// doc {n}")),
        4 => lines[at].push_str(&format!(" // note {n}")),
        5 => lines.insert(at, String::new()),
        6 => lines[at] = format!("{}{}", " ".repeat(rng.below(9)), lines[at].trim_start()),
        _ => {
            lines.remove(at);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[test]
fn formatting_thousands_of_mutated_files_refuses_or_keeps_the_table() {
    use edict_compiler::fmt::format;
    let mut rng = edict_compiler::table::generate::Rng::new(11);
    let files = ["ai_diffusion", "agile_risk_tiers", "reexport_from_germany"]
        .map(|e| edict_tests::read(&repo().join("examples").join(e).join("policy.edict")));
    let (mut refused, mut kept, mut compiled) = (0, 0, 0);
    for n in 0..2_000 {
        let mut text = files[n % files.len()].clone();
        for _ in 0..1 + rng.below(3) {
            text = mutate(&text, &mut rng, n);
        }
        let Ok(formatted) = format(&text) else {
            refused += 1;
            continue;
        };
        kept += 1;
        assert_eq!(
            format(&formatted).as_deref(),
            Ok(formatted.as_str()),
            "not idempotent on mutant {n}:\n{text}"
        );
        if let Some(before) = meaning_of(&text) {
            compiled += 1;
            assert!(
                meaning_of(&formatted) == Some(before),
                "formatting mutant {n} changed its table:\n{text}\n--- formatted:\n{formatted}"
            );
        }
    }
    // Not vacuous: most mutants are formatted, and many compile.
    assert!(
        kept > 1_300 && compiled > 700,
        "{refused} refused, {kept} kept, {compiled} compiled"
    );
}

#[test]
fn a_trailing_doc_comment_keeps_documenting_the_next_rule() {
    let text = "policy p\nuse std.countries.*\ninput { destination: Country }\n\
                jurisdiction US {\n  rule b { when destination in {CN} then deny sunset 2100-01-01 cite \"x\" } /// Doc of rule c\n  \
                rule c { when destination in {RU} then deny sunset 2100-01-01 cite \"y\" }\n}\n";
    let formatted = edict_compiler::fmt::format(text).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        formatted.contains("  /// Doc of rule c\n  rule c {"),
        "{formatted}"
    );
    let before = meaning_of(text).unwrap_or_else(|| panic!("does not compile"));
    assert!(
        before
            .to_string()
            .contains("\"description\":\"Doc of rule c\"")
    );
    assert_eq!(meaning_of(&formatted), Some(before));
}

#[cfg(unix)]
#[test]
fn fmt_writes_through_a_link_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("fmt-link");
    let real = dir.join("real.edict");
    std::fs::write(&real, "policy real\nenum Kind {   a }\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640))
        .unwrap_or_else(|e| panic!("{e}"));
    let link = dir.join("link.edict");
    std::os::unix::fs::symlink(&real, &link).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = edict(&["fmt", &link.display().to_string()], "");
    assert_eq!(code, 0, "{err}");
    let meta = std::fs::symlink_metadata(&link).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let text = edict_tests::read(&real);
    assert!(text.contains("\nenum Kind { a }\n"), "{text}");
    let mode = std::fs::metadata(&real).map(|m| m.permissions().mode() & 0o777);
    assert_eq!(mode.ok(), Some(0o640));
    let leftovers = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 2, "a temporary file was left behind");
}

/// Markdown without its code spans and fenced blocks (a run of n
/// backticks up to the next run of exactly n) and its backslash escapes.
fn outside_code(md: &str) -> String {
    let chars: Vec<char> = md.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|&&c| c == '`').count();
    let (mut out, mut i) = (String::new(), 0);
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '`' => {
                let n = run_at(i);
                let mut j = i + n;
                while j < chars.len() && !(chars[j] == '`' && run_at(j) == n) {
                    j += if chars[j] == '`' { run_at(j) } else { 1 };
                }
                i = j + n;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[test]
fn hostile_text_reaches_no_terminal_or_markdown_reader_as_markup() {
    let dir = scratch("hostile-diff");
    let (old, new) = edict_tests::hostile_version_pair(&dir);
    let (old, new) = (old.display().to_string(), new.display().to_string());
    let (code, plain, err) = edict(&["diff", "--color", "never", &old, &new], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        plain.contains("allow under A"),
        "the change was not reported:\n{plain}"
    );
    for bad in ['\u{1b}', '\u{7}', '\u{202e}', '\u{202c}'] {
        assert!(
            !plain.contains(bad),
            "{bad:?} reached the terminal:\n{plain}"
        );
    }
    assert!(
        plain.contains("\\u{1b}[31mred"),
        "escapes are not shown visibly:\n{plain}"
    );
    // In colour, the only control sequences are the report's own colours.
    let (_, colored, _) = edict(&["diff", "--color", "always", &old, &new], "");
    for (i, _) in colored.match_indices('\u{1b}') {
        let rest = &colored[i + 1..];
        let sgr = rest.strip_prefix('[').and_then(|r| r.split_once('m'));
        assert!(
            sgr.is_some_and(|(code, _)| code.len() <= 2 && code.chars().all(|c| c.is_ascii_digit())),
            "a foreign escape sequence: {:?}",
            &rest[..rest.len().min(20)]
        );
    }
    // Markdown: outside code spans and blocks (literal by definition), once
    // escaped characters are removed, no markup is left.
    let (_, md, _) = edict(&["diff", "--format", "markdown", &old, &new], "");
    let outside_fences = outside_code(&md);
    for bad in [
        "<img", "<script", "<!--", "](", "![", "<b>", "http://", "www.evil",
    ] {
        assert!(
            !outside_fences.contains(bad),
            "{bad} in the Markdown report:\n{md}"
        );
    }
    for bad in ['\u{1b}', '\u{202e}'] {
        assert!(!md.contains(bad), "{bad:?} in the Markdown report");
    }
    // `edict compare` of the two policies' U.S. blocks: the same escaping
    // in its text, Markdown and HTML.
    let compare = |format: &str| {
        let (code, out, err) = edict(
            &[
                "compare",
                &old,
                &new,
                "--jurisdictions",
                "US",
                "US",
                "--format",
                format,
            ],
            "",
        );
        assert_eq!(code, 0, "{err}");
        out
    };
    let plain = compare("text");
    assert!(plain.contains("allow under A"), "{plain}");
    assert!(
        !plain.contains('\u{1b}') && !plain.contains('\u{202e}'),
        "{plain}"
    );
    let md = outside_code(&compare("markdown"));
    for bad in ["<script", "<img", "](", "\u{1b}"] {
        assert!(!md.contains(bad), "{bad} in the compare Markdown:\n{md}");
    }
    let html = compare("html");
    assert!(html.contains("allow under A"), "{html}");
    for bad in ["<script>document", "</script><script>", "<img", "\u{1b}"] {
        assert!(!html.contains(bad), "{bad} in the compare page");
    }
}

#[test]
fn a_repeated_set_member_is_reported_and_conflicts_are_grouped() {
    let dir = scratch("lints");
    let mut text = String::from(
        "policy lints\nuse std.countries.*\ninput { destination: Country }\n\
         authorization A \"a\" cite \"x\"\nauthorization B \"b\" cite \"x\"\n\
         group G: Country = {CN, MO, CN}\njurisdiction US {\n",
    );
    for i in 0..60 {
        let auth = if i % 2 == 0 { "A" } else { "B" };
        text.push_str(&format!(
            "  rule r{i} {{\n    when destination in {{CN}}\n    then allow under {auth}\n    sunset 2100-01-01\n    cite \"x\"\n  }}\n"
        ));
    }
    text.push_str("}\n");
    let path = dir.join("lints.edict");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let codes = check_codes(vec![path]).unwrap_or_else(|e| panic!("{e}"));
    let count = |c: &str| codes.iter().filter(|x| *x == c).count();
    assert_eq!(count("W0101"), 1, "{codes:?}");
    // 60 rules that all overlap with two outcomes: one warning, not 900.
    assert_eq!(count("W0502"), 1, "{codes:?}");
}

#[test]
fn thousands_of_diagnostics_are_summarised_past_the_cap() {
    let dir = scratch("many");
    let mut text = String::from(
        "policy many\nuse std.countries.*\ninput { destination: Country }\njurisdiction US {\n",
    );
    for i in 0..1_000 {
        text.push_str(&format!(
            "  rule r{i} {{ when destination in {{CN}} then deny }}\n"
        ));
    }
    text.push_str("}\ngroup Bad: Country = {Q1}\n");
    let path = dir.join("many.edict");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let path = path.display().to_string();
    let (code, _, err) = edict(&["check", &path], "");
    assert_eq!(code, 1);
    // The one error is shown although it comes after 2,000 warnings.
    assert!(err.contains("[E0101]"), "{err}");
    assert_eq!(err.matches("Warning:").count(), 199, "{err}");
    assert!(
        err.contains("note: 1801 more diagnostics not shown (W0303 ×")
            && err.contains("`edict check --format json` lists every one"),
        "{}",
        &err[err.len().saturating_sub(400)..]
    );
    let (_, json, _) = edict(&["check", "--format", "json", &path], "");
    let all: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.as_array().map(Vec::len), Some(2_001));
}

#[test]
fn a_hundred_thousand_unknown_names_on_one_line_are_reported_without_drawing_it() {
    let dir = scratch("unknown");
    let names: Vec<String> = (0..100_000).map(|i| format!("Q{i}")).collect();
    let text = format!(
        "policy p\nuse std.countries.*\ngroup G: Country = {{{}}}\n",
        names.join(", ")
    );
    let path = dir.join("p.edict");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = edict(&["check", &path.display().to_string()], "");
    assert_eq!(code, 1);
    // 200 shown, without the 700 kB line under each, and the rest counted.
    assert!(err.len() < 100_000, "{} bytes of diagnostics", err.len());
    assert!(err.contains("its source is not drawn"), "{}", &err[..500]);
    assert!(err.contains("note: 99800 more diagnostics not shown (E0101 ×99800)"));
}

#[cfg(unix)]
#[test]
fn writing_to_a_device_writes_into_it_and_never_replaces_it() {
    use std::os::unix::fs::FileTypeExt;
    let table = repo().join("tests/conformance/strict_lines/policy.edict");
    let (code, _, err) = edict(
        &["compile", &table.display().to_string(), "-o", "/dev/null"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let kind = std::fs::metadata("/dev/null").map(|m| m.file_type().is_char_device());
    assert!(kind.unwrap_or(false), "/dev/null was replaced by a file");
}

/// Inputs the fuzz targets found (`tests/fuzz/regressions/TARGET/`), replayed
/// through the same oracle as the target.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = repo().join("tests/fuzz/regressions/fmt");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let text = String::from_utf8_lossy(&edict_tests::read_bytes(&entry.path())).into_owned();
        let name = entry.path().display().to_string();
        if let Ok(formatted) = edict_compiler::fmt::format(&text) {
            assert_eq!(
                edict_compiler::fmt::format(&formatted).as_deref(),
                Ok(formatted.as_str()),
                "{name}: not idempotent"
            );
            if let Some(before) = meaning_of(&text) {
                assert_eq!(
                    meaning_of(&formatted),
                    Some(before),
                    "{name}: table changed"
                );
            }
        }
        replayed += 1;
    }
    assert!(replayed >= 1, "no regression inputs in {}", dir.display());
}

#[test]
fn test_and_assertion_names_reach_the_terminal_escaped() {
    let dir = scratch("hostile-names");
    let policy = dir.join("policy.edict");
    std::fs::write(
        &policy,
        "policy hx\nuse std.countries.*\ninput { destination: Country }\n\
         jurisdiction US {\n  rule r { when destination in {CN} then deny sunset 2030-01-01 cite \"c\" }\n}\n\
         test \"a \u{202e}reversed\u{7} test\" {\n  at 2025-01-01\n  given { destination: CN }\n  expect US: allow\n}\n\
         assert \"a \u{202e}reversed assertion\" {\n  expect US: deny\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, out, err) = edict(&["test", &policy.display().to_string()], "");
    assert_eq!(code, 1, "{out}{err}");
    for text in [&out, &err] {
        assert!(
            !text.contains('\u{202e}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }
    assert!(out.contains("a \\u{202e}reversed\\u{7} test"), "{out}");
    assert!(
        out.contains("a \\u{202e}reversed assertion\" ... FAILED"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
