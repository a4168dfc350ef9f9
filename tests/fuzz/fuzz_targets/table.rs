//! Loading arbitrary bytes as a decision table: a coded refusal, or a table
//! whose index decides like a scan of every row.
#![no_main]
use edict_compiler::eval::Evaluator;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(ev) = Evaluator::from_bytes(data) else {
        return;
    };
    // A transaction built from the table's own columns and first values.
    let mut tx = serde_json::Map::new();
    for col in &ev.table().columns {
        let value = match col.ty {
            edict_compiler::table::ColumnType::Date => "2025-01-01".into(),
            edict_compiler::table::ColumnType::Number => 1.into(),
            edict_compiler::table::ColumnType::Bool => true.into(),
            edict_compiler::table::ColumnType::Eccn => "3A090.a".into(),
            _ => col.domain.first().cloned().unwrap_or_default().into(),
        };
        tx.insert(col.name.clone(), value);
    }
    if let Ok(tx) = ev.transaction(&serde_json::Value::Object(tx)) {
        assert_eq!(ev.decide(&tx), ev.decide_scanning(&tx));
        let _ = ev.explain(&tx);
    }
});
