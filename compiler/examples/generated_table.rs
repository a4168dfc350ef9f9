//! Writes a generated decision table of ROWS rows (the tables of the
//! evaluator benchmark: two jurisdictions, 1 row in 100 country-wide) to
//! OUT.json, for benchmarks of engines on large tables:
//!
//!     cargo run --release -p edict-compiler --example generated_table -- 10000 /tmp/t.json

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, rows, out] = args.as_slice() else {
        return Err("usage: generated_table ROWS OUT.json".into());
    };
    let table = edict_compiler::table::generate::table(rows.parse()?, 7, 10);
    std::fs::write(out, table.to_json())?;
    Ok(())
}
