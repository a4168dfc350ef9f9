//! `edict screen`: every format in and out decides like `edict eval`, one
//! output row per input row whatever the rows hold, and a failure writes
//! nothing.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, StringArray, StructArray,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};

use edict_tests::{edict, repo, scratch};

/// A small policy: two jurisdictions, a number, a boolean and a country.
const POLICY: &str = r#"policy t.screen

use std.countries.*

input {
  item: Eccn
  destination: Country
  value: Number
  urgent: Bool
}

jurisdiction US {
  rule china {
    when item in {3A001} and destination in {CN, HK}
    then require license
    cite "15 CFR 742.4"
    sunset 2100-01-01
  }

  rule large overrides china {
    when value > 1000 and urgent
    then deny
    obligation "Report it."
    cite "x"
    sunset 2100-01-01
  }
}

jurisdiction EU {
  rule listed {
    when item in {3A001} and destination not in {DE, FR}
    then require license
    cite "Regulation (EU) 2021/821, Art. 3"
    sunset 2100-01-01
  }
}
"#;

/// Good transactions, as JSON objects (with an order number the table does
/// not know, which screening ignores).
fn good() -> Vec<Value> {
    let mut rows = Vec::new();
    for (i, (item, dest, value, urgent)) in [
        ("3A001.a", "CN", 10.0, false),
        ("3A001.b", "HK", 5000.0, true),
        ("3A001", "DE", 1.0, false),
        ("EAR99", "CN", 2000.0, true),
        ("5A002", "JP", 0.5, false),
        ("3A001.c", "BR", 1000.0, true),
    ]
    .into_iter()
    .enumerate()
    {
        rows.push(json!({
            "order": format!("PO-{i}"),
            "date": "2025-06-01",
            "item": item,
            "destination": dest,
            "value": value,
            "urgent": urgent,
        }));
    }
    rows
}

fn setup(name: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let policy = dir.join("policy.edict");
    std::fs::write(&policy, POLICY).unwrap_or_else(|e| panic!("{e}"));
    let table = dir.join("table.json");
    let (code, _, err) = edict(&["compile", &s(&policy), "-o", &s(&table)], "");
    assert_eq!(code, 0, "{err}");
    (dir, table)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn jsonl(rows: &[Value]) -> String {
    rows.iter().map(|r| format!("{r}\n")).collect()
}

fn csv(rows: &[Value]) -> String {
    let mut out = String::from("order,date,item,destination,value,urgent\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r["order"].as_str().unwrap_or(""),
            r["date"].as_str().unwrap_or(""),
            r["item"].as_str().unwrap_or(""),
            r["destination"].as_str().unwrap_or(""),
            r["value"],
            r["urgent"]
        ));
    }
    out
}

fn write_parquet(path: &Path, rows: &[Value]) {
    let text = |k: &str| -> ArrayRef {
        Arc::new(StringArray::from(
            rows.iter()
                .map(|r| r[k].as_str().map(str::to_string))
                .collect::<Vec<_>>(),
        ))
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("order", DataType::Utf8, true),
        Field::new("date", DataType::Utf8, true),
        Field::new("item", DataType::Utf8, true),
        Field::new("destination", DataType::Utf8, true),
        Field::new("value", DataType::Float64, true),
        Field::new("urgent", DataType::Boolean, true),
    ]));
    let value: ArrayRef = Arc::new(Float64Array::from(
        rows.iter().map(|r| r["value"].as_f64()).collect::<Vec<_>>(),
    ));
    let urgent: ArrayRef = Arc::new(BooleanArray::from(
        rows.iter()
            .map(|r| r["urgent"].as_bool())
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text("order"),
            text("date"),
            text("item"),
            text("destination"),
            value,
            urgent,
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    write_batch(path, &batch);
}

/// Writes one record batch as a Parquet file.
fn write_batch(path: &Path, batch: &RecordBatch) {
    let file = File::create(path).unwrap_or_else(|e| panic!("{e}"));
    let mut w = ArrowWriter::try_new(file, batch.schema(), None).unwrap_or_else(|e| panic!("{e}"));
    w.write(batch).unwrap_or_else(|e| panic!("{e}"));
    w.close().unwrap_or_else(|e| panic!("{e}"));
}

/// `edict screen ARGS... --no-progress`, nothing on stdin.
fn screen(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["screen"];
    all.extend_from_slice(args);
    all.push("--no-progress");
    edict(&all, "")
}

/// Each output row as `{id, rejected: [codes], decisions: {J: {…}}}`.
fn canonical_jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            canonical_output(v["id"].clone(), &v)
        })
        .collect()
}

fn canonical_output(id: Value, v: &Value) -> Value {
    let mut decisions = serde_json::Map::new();
    for d in v["decisions"].as_array().into_iter().flatten() {
        let mut d = d.clone();
        let j = d["jurisdiction"].as_str().unwrap_or("").to_string();
        if let Some(m) = d.as_object_mut() {
            m.remove("jurisdiction");
        }
        decisions.insert(j, d);
    }
    let mut codes: Vec<String> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["code"].as_str().unwrap_or("").to_string())
        .collect();
    codes.sort();
    json!({ "id": id, "rejected": codes, "decisions": decisions })
}

fn canonical_csv(text: &str) -> Vec<Value> {
    let mut records = csv_records(text);
    if records.is_empty() {
        return Vec::new();
    }
    let header = records.remove(0);
    let mut out = Vec::new();
    for record in &records {
        let get = |name: &str| -> String {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let list =
            |name: &str| -> Value { serde_json::from_str(&get(name)).unwrap_or(Value::Null) };
        let mut decisions = serde_json::Map::new();
        for j in ["EU", "US"] {
            if get(&format!("{j}.outcome")).is_empty() {
                continue;
            }
            let opt = |p: &str| {
                let v = get(&format!("{j}.{p}"));
                if v.is_empty() {
                    Value::Null
                } else {
                    Value::String(v)
                }
            };
            decisions.insert(
                j.to_string(),
                json!({
                    "outcome": get(&format!("{j}.outcome")),
                    "basis": get(&format!("{j}.basis")),
                    "tier": opt("tier"),
                    "review": opt("review"),
                    "authorizations": list(&format!("{j}.authorizations")),
                    "obligations": list(&format!("{j}.obligations")),
                    "reasons": list(&format!("{j}.reasons")),
                    "rules": list(&format!("{j}.rules")),
                    "citations": list(&format!("{j}.citations")),
                }),
            );
        }
        let mut codes: Vec<String> = serde_json::from_value(list("rejected")).unwrap_or_default();
        codes.sort();
        let id = get("id");
        let id = id
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or(Value::String(id));
        out.push(json!({ "id": id, "rejected": codes, "decisions": decisions }));
    }
    out
}

/// The records of a CSV text, header first (quotes with doubled quotes).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

fn canonical_parquet(path: &Path) -> Vec<Value> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{e}"));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.unwrap_or_else(|e| panic!("{e}"));
        let col = |name: &str| {
            batch
                .column_by_name(name)
                .cloned()
                .unwrap_or_else(|| panic!("no column {name}"))
        };
        let ids = col("id");
        let rejected = col("rejected");
        let rejected = rejected
            .as_any()
            .downcast_ref::<ListArray>()
            .unwrap_or_else(|| panic!("rejected"));
        for r in 0..batch.num_rows() {
            let id = if let Some(a) = ids.as_any().downcast_ref::<Int64Array>() {
                Value::from(a.value(r))
            } else if let Some(a) = ids.as_any().downcast_ref::<StringArray>() {
                if a.is_valid(r) {
                    Value::String(a.value(r).to_string())
                } else {
                    Value::Null
                }
            } else {
                panic!("id type")
            };
            let mut codes = strings(&rejected.value(r));
            codes.sort();
            let mut decisions = serde_json::Map::new();
            for j in ["EU", "US"] {
                let s = col(j);
                let s = s
                    .as_any()
                    .downcast_ref::<StructArray>()
                    .unwrap_or_else(|| panic!("{j}"));
                if !s.is_valid(r) {
                    continue;
                }
                let text = |p: &str| {
                    let a = s.column_by_name(p).unwrap_or_else(|| panic!("{p}"));
                    let a = a
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .unwrap_or_else(|| panic!("{p}"));
                    if a.is_valid(r) {
                        Value::String(a.value(r).to_string())
                    } else {
                        Value::Null
                    }
                };
                let list = |p: &str| {
                    let a = s.column_by_name(p).unwrap_or_else(|| panic!("{p}"));
                    let a = a
                        .as_any()
                        .downcast_ref::<ListArray>()
                        .unwrap_or_else(|| panic!("{p}"));
                    json!(strings(&a.value(r)))
                };
                decisions.insert(
                    j.to_string(),
                    json!({
                        "outcome": text("outcome"), "basis": text("basis"), "tier": text("tier"),
                        "review": text("review"), "authorizations": list("authorizations"),
                        "obligations": list("obligations"), "reasons": list("reasons"),
                        "rules": list("rules"), "citations": list("citations"),
                    }),
                );
            }
            out.push(json!({ "id": id, "rejected": codes, "decisions": decisions }));
        }
    }
    out
}

fn strings(a: &ArrayRef) -> Vec<String> {
    let a = a
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap_or_else(|| panic!("strings"));
    (0..a.len()).map(|i| a.value(i).to_string()).collect()
}

fn read_output(path: &Path) -> Vec<Value> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("parquet") => canonical_parquet(path),
        Some("csv") => canonical_csv(&std::fs::read_to_string(path).unwrap_or_default()),
        _ => canonical_jsonl(&std::fs::read_to_string(path).unwrap_or_default()),
    }
}

/// What `edict eval` says of the rows (without the order number, which it
/// would reject as an unknown field), in canonical form with row ids.
fn eval_reference(table: &Path, rows: &[Value]) -> Vec<Value> {
    let input: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if let Some(m) = r.as_object_mut() {
                m.remove("order");
            }
            r
        })
        .collect();
    let (_, out, _) = edict(&["eval", &s(table), "--input", "-"], jsonl(&input));
    out.lines()
        .enumerate()
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(l).unwrap_or_default();
            canonical_output(Value::from(i as u64 + 1), &v)
        })
        .collect()
}

#[test]
fn every_format_in_and_out_decides_like_eval() {
    let (dir, table) = setup("screen-formats");
    let rows = good();
    let reference = eval_reference(&table, &rows);
    assert_eq!(reference.len(), rows.len());
    assert!(
        reference
            .iter()
            .any(|r| r["decisions"]["US"]["outcome"] == "deny")
    );
    let inputs = ["in.jsonl", "in.csv", "in.parquet"];
    std::fs::write(dir.join("in.jsonl"), jsonl(&rows)).unwrap_or_default();
    std::fs::write(dir.join("in.csv"), csv(&rows)).unwrap_or_default();
    write_parquet(&dir.join("in.parquet"), &rows);
    for input in inputs {
        for output in ["out.jsonl", "out.csv", "out.parquet"] {
            let out = dir.join(output);
            let (code, msg, err) = screen(&[&s(&table), &s(&dir.join(input)), "-o", &s(&out)]);
            assert_eq!(code, 0, "{input} → {output}: {err}");
            assert!(msg.contains("6 rows screened"), "{msg}");
            assert_eq!(read_output(&out), reference, "{input} → {output}");
        }
    }
}

#[test]
fn rows_in_equal_rows_out_whatever_the_rows_hold() {
    let (dir, table) = setup("screen-bad-rows");
    // CSV: a missing field, an unknown country, 1e309, a bad boolean, a
    // cell of invalid UTF-8, too few and too many fields, a bad date.
    let mut csv_text = b"date,item,destination,value,urgent\n".to_vec();
    for line in [
        &b"2025-06-01,3A001,CN,1,false\n"[..],
        b"2025-06-01,3A001,,1,false\n",
        b"2025-06-01,3A001,XX,1,false\n",
        b"2025-06-01,3A001,CN,1e309,false\n",
        b"2025-06-01,3A001,CN,1,maybe\n",
        b"2025-06-01,3A001,C\xffN,1,false\n",
        b"2025-06-01,3A001\n",
        b"2025-06-01,3A001,CN,1,false,extra\n",
        b"2025-13-45,3A001,CN,1,false\n",
        b"2025-06-01,3A001,DE,5,true",
    ] {
        csv_text.extend_from_slice(line);
    }
    std::fs::write(dir.join("bad.csv"), &csv_text).unwrap_or_default();
    // JSON Lines: invalid UTF-8, a NUL, a lone CR, not an object, a
    // duplicated key, a line past the limit, no final newline.
    let good_line =
        r#"{"date":"2025-06-01","item":"3A001","destination":"CN","value":1,"urgent":false}"#;
    let mut jl = Vec::new();
    for line in [
        good_line.as_bytes().to_vec(),
        b"{\"date\":\"2025-06-01\",\"item\":\"3A\xff\"}".to_vec(),
        b"{\"date\":\"2025-06-01\",\0}".to_vec(),
        b"{\"a\":1}\r{\"b\":2}".to_vec(),
        b"[1,2,3]".to_vec(),
        br#"{"date":"2025-06-01","item":"3A001","destination":"DE","destination":"CN","value":1,"urgent":false}"#.to_vec(),
        format!("{{\"x\":\"{}\"}}", "a".repeat(1 << 21)).into_bytes(),
    ] {
        jl.extend_from_slice(&line);
        jl.push(b'\n');
    }
    jl.extend_from_slice(good_line.as_bytes());
    std::fs::write(dir.join("bad.jsonl"), &jl).unwrap_or_default();
    for (input, rows, rejected) in [("bad.csv", 10, 8), ("bad.jsonl", 8, 6)] {
        for output in ["out.jsonl", "out.csv", "out.parquet"] {
            let out = dir.join(output);
            let (code, msg, err) = screen(&[&s(&table), &s(&dir.join(input)), "-o", &s(&out)]);
            assert_eq!(code, 1, "{input}: {err}");
            assert!(
                msg.contains(&format!("{rows} rows screened")),
                "{input}: {msg}"
            );
            let got = read_output(&out);
            assert_eq!(got.len(), rows, "{input} → {output}");
            let bad = got
                .iter()
                .filter(|r| r["rejected"].as_array().is_some_and(|a| !a.is_empty()))
                .count();
            assert_eq!(bad, rejected, "{input} → {output}: {got:#?}");
            // Ids are the row numbers, in order.
            let ids: Vec<u64> = got.iter().map(|r| r["id"].as_u64().unwrap_or(0)).collect();
            assert_eq!(ids, (1..=rows as u64).collect::<Vec<_>>());
            // The first and the last rows are decided.
            assert_eq!(
                got[0]["decisions"]["US"]["outcome"], "require_license",
                "{input}"
            );
            assert!(
                got[rows - 1]["decisions"]["US"]["outcome"].is_string(),
                "{input}"
            );
        }
    }
    // Every rejection carries an E06xx code, and the row's line.
    let out = std::fs::read_to_string(dir.join("out.jsonl")).unwrap_or_default();
    for line in out.lines().filter(|l| l.contains("\"errors\"")) {
        let v: Value = serde_json::from_str(line).unwrap_or_default();
        assert!(v["line"].as_u64().is_some(), "{line}");
        for e in v["errors"].as_array().into_iter().flatten() {
            assert!(
                e["code"].as_str().is_some_and(|c| c.starts_with("E06")),
                "{line}"
            );
        }
    }
}

#[test]
fn nulls_and_wrong_types_in_parquet_are_rejections_not_failures() {
    let (dir, table) = setup("screen-parquet-nulls");
    let mut rows = good();
    rows[1]["destination"] = Value::Null;
    rows[2]["value"] = Value::Null;
    rows[3]["item"] = Value::Null;
    write_parquet(&dir.join("in.parquet"), &rows);
    // A number column written as text.
    let schema = Arc::new(Schema::new(vec![
        Field::new("date", DataType::Utf8, false),
        Field::new("item", DataType::Utf8, false),
        Field::new("destination", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
        Field::new("urgent", DataType::Boolean, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["2025-06-01", "2025-06-01"])),
            Arc::new(StringArray::from(vec!["3A001", "3A001"])),
            Arc::new(StringArray::from(vec!["CN", "CN"])),
            Arc::new(StringArray::from(vec!["12", "NaN"])),
            Arc::new(BooleanArray::from(vec![false, true])),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    write_batch(&dir.join("text.parquet"), &batch);
    let out = dir.join("out.jsonl");
    let (code, msg, err) = screen(&[
        &s(&table),
        &s(&dir.join("in.parquet")),
        &s(&dir.join("text.parquet")),
        "-o",
        &s(&out),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(msg.contains("8 rows screened into"), "{msg}");
    let got = canonical_jsonl(&std::fs::read_to_string(&out).unwrap_or_default());
    let codes: Vec<Vec<String>> = got
        .iter()
        .map(|r| serde_json::from_value(r["rejected"].clone()).unwrap_or_default())
        .collect();
    assert!(codes[0].is_empty());
    assert_eq!(codes[1], ["E0603"], "a null is a missing field");
    assert_eq!(codes[2], ["E0603"]);
    assert_eq!(codes[3], ["E0603"]);
    assert!(
        codes[6].iter().all(|c| c.starts_with("E06")) && !codes[6].is_empty(),
        "text in a number column"
    );
    assert!(!codes[7].is_empty());
    // Row numbers continue over the second input.
    assert_eq!(got[7]["id"], 8);
}

#[test]
fn empty_inputs_give_empty_outputs() {
    let (dir, table) = setup("screen-empty");
    std::fs::write(dir.join("empty.csv"), "").unwrap_or_default();
    std::fs::write(
        dir.join("header.csv"),
        "date,item,destination,value,urgent\n",
    )
    .unwrap_or_default();
    std::fs::write(dir.join("empty.jsonl"), "").unwrap_or_default();
    write_parquet(&dir.join("empty.parquet"), &[]);
    for input in ["empty.csv", "header.csv", "empty.jsonl", "empty.parquet"] {
        for output in ["out.jsonl", "out.csv", "out.parquet"] {
            let out = dir.join(output);
            let (code, msg, err) = screen(&[&s(&table), &s(&dir.join(input)), "-o", &s(&out)]);
            assert_eq!(code, 0, "{input} → {output}: {err}");
            assert!(msg.contains("0 rows screened"), "{msg}");
            assert!(read_output(&out).is_empty());
        }
    }
}

#[test]
fn a_truncated_parquet_file_writes_nothing_and_keeps_the_old_output() {
    let (dir, table) = setup("screen-truncated");
    let rows: Vec<Value> = good().into_iter().cycle().take(5000).collect();
    write_parquet(&dir.join("full.parquet"), &rows);
    let bytes = std::fs::read(dir.join("full.parquet")).unwrap_or_default();
    std::fs::write(dir.join("cut.parquet"), &bytes[..bytes.len() / 2]).unwrap_or_default();
    std::fs::write(dir.join("zero.parquet"), b"").unwrap_or_default();
    let out = dir.join("out.csv");
    std::fs::write(&out, "previous results\n").unwrap_or_default();
    for input in ["cut.parquet", "zero.parquet"] {
        let (code, _, err) = screen(&[
            &s(&table),
            &s(&dir.join("full.parquet")),
            &s(&dir.join(input)),
            "-o",
            &s(&out),
        ]);
        assert_eq!(code, 2, "{input}");
        assert!(
            err.contains("Parquet") && err.contains("nothing was written"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&out).unwrap_or_default(),
            "previous results\n"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn the_id_column_is_carried_and_formula_cells_are_defused() {
    let (dir, table) = setup("screen-ids");
    let mut rows = good();
    rows[0]["order"] = json!("=HYPERLINK(\"http://x\")");
    std::fs::write(dir.join("in.jsonl"), jsonl(&rows)).unwrap_or_default();
    std::fs::write(dir.join("in.csv"), csv(&rows)).unwrap_or_default();
    for input in ["in.jsonl", "in.csv"] {
        let out = dir.join("out.csv");
        let (code, _, err) = screen(&[
            &s(&table),
            &s(&dir.join(input)),
            "-o",
            &s(&out),
            "--id",
            "order",
        ]);
        // `order` is not a table column: it is carried, never an unknown field.
        assert_eq!(code, 0, "{input}: {err}");
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
        assert!(text.contains("\nPO-1,"), "{text}");
        let got = canonical_csv(&text);
        assert_eq!(got.len(), rows.len());
    }
    // Parquet keeps the id as text.
    let out = dir.join("out.parquet");
    let (code, _, err) = screen(&[
        &s(&table),
        &s(&dir.join("in.csv")),
        "-o",
        &s(&out),
        "--id",
        "order",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(canonical_parquet(&out)[1]["id"], "PO-1");
}

#[test]
fn a_shipped_example_screens_like_its_expected_decisions() {
    let dir = scratch("screen-example");
    let example = repo().join("examples/country_chart");
    let out = dir.join("out.jsonl");
    let (code, _, err) = screen(&[
        &s(&example),
        &s(&example.join("transactions.jsonl")),
        "-o",
        &s(&out),
        "--jobs",
        "2",
    ]);
    assert_eq!(code, 0, "{err}");
    let expected = std::fs::read_to_string(example.join("expected.jsonl")).unwrap_or_default();
    let got = std::fs::read_to_string(&out).unwrap_or_default();
    let strip = |l: &str| {
        let mut v: Value = serde_json::from_str(l).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.remove("id");
        }
        v
    };
    let got: Vec<Value> = got.lines().map(strip).collect();
    let expected: Vec<Value> = expected.lines().map(strip).collect();
    assert_eq!(got, expected);
}

#[test]
fn an_endless_csv_line_stops_the_run_instead_of_filling_memory() {
    let (dir, table) = setup("screen-long-line");
    let mut text = b"date,item,destination,value,urgent\n2025-06-01,3A001,CN,1,false\n".to_vec();
    text.extend(std::iter::repeat_n(b'x', 17 << 20));
    std::fs::write(dir.join("long.csv"), &text).unwrap_or_default();
    let out = dir.join("out.jsonl");
    let (code, _, err) = screen(&[&s(&table), &s(&dir.join("long.csv")), "-o", &s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("longer than 16 MiB") && err.contains("nothing was written"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn an_integer_id_column_in_parquet_is_carried_as_written() {
    let (dir, table) = setup("screen-int-id");
    let schema = Arc::new(Schema::new(vec![
        Field::new("order", DataType::Int64, false),
        Field::new("date", DataType::Utf8, false),
        Field::new("item", DataType::Utf8, false),
        Field::new("destination", DataType::Utf8, false),
        Field::new("value", DataType::Int64, false),
        Field::new("urgent", DataType::Boolean, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(vec![12345, 7])),
            Arc::new(StringArray::from(vec!["2025-06-01", "2025-06-01"])),
            Arc::new(StringArray::from(vec!["3A001", "EAR99"])),
            Arc::new(StringArray::from(vec!["CN", "DE"])),
            Arc::new(Int64Array::from(vec![10, 20])),
            Arc::new(BooleanArray::from(vec![false, true])),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    write_batch(&dir.join("in.parquet"), &batch);
    let out = dir.join("out.jsonl");
    let (code, _, err) = screen(&[
        &s(&table),
        &s(&dir.join("in.parquet")),
        "-o",
        &s(&out),
        "--id",
        "order",
    ]);
    assert_eq!(code, 0, "{err}");
    let got = canonical_jsonl(&std::fs::read_to_string(&out).unwrap_or_default());
    assert_eq!(got[0]["id"], "12345");
    assert_eq!(got[1]["id"], "7");
    // An integer input column is still a number to the evaluator.
    assert_eq!(got[0]["decisions"]["US"]["outcome"], "require_license");
}
