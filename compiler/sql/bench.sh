#!/usr/bin/env bash
# SQL benchmark: rows per second of the view `decisions` written by
# `edict sql`, on DuckDB (the `duckdb` Python package) and on Spark in
# local mode (`pyspark`), for two tables — the `examples/advanced_computing`
# policy and a generated table of 10,000 rules — over generated Parquet
# transactions whose ECCNs are all ones the table names (`listed`, the slow
# path) or one in ten (`book`).
#
#   bash compiler/sql/bench.sh [ROWS...]        # default: 1000000 10000000
#   SPARK_ROWS=1000000 bash compiler/sql/bench.sh   # Spark's size (default 1000000; 0: skip)
#
# Each run materializes the whole view (CREATE TABLE … AS SELECT * FROM
# decisions): every decision of every row is computed. The time counts the
# script (creating edict_rows and edict_keys) and the query, not writing
# the Parquet input. Prints one line per run.
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
spark_rows=${SPARK_ROWS:-1000000}
# shellcheck source=../bench-tables.sh
source compiler/bench-tables.sh
for table in advanced_computing rules_10000; do
  for dialect in duckdb spark; do
    "$bin/edict" sql "$dir/$table.json" --dialect "$dialect" -o "$dir/$table.$dialect.sql"
  done
  for shape in listed:100 book:10; do
    for rows in "${sizes[@]}" "spark:$spark_rows"; do
      engine=duckdb
      if [ "${rows%%:*}" = spark ]; then engine=spark rows=${rows#spark:}; fi
      [ "$rows" -gt 0 ] || continue
      "$bin/examples/screen_data" "$dir/$table.json" "$rows" "$dir/in.parquet" "${shape#*:}"
      python3 - "$engine" "$dir/$table.$engine.sql" "$dir/in.parquet" "$table/${shape%:*}" "$rows" <<'PY'
import sys, time
engine, script, parquet, label, rows = sys.argv[1:]
sys.path.insert(0, "tests/sql")
from engines import statements
text = open(script).read()
start = time.time()
if engine == "duckdb":
    import duckdb
    con = duckdb.connect()
    con.execute(f"CREATE VIEW transactions AS SELECT * FROM read_parquet('{parquet}')")
    for s in statements(text):
        con.execute(s)
    con.execute("CREATE TABLE out AS SELECT * FROM decisions")
    n = con.execute("SELECT count(*) FROM out").fetchone()[0]
else:
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "4g").config("spark.sql.shuffle.partitions", "8")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    start = time.time()
    spark.read.parquet(parquet).createOrReplaceTempView("transactions")
    for s in statements(text):
        spark.sql(s)
    # Every column of every row computed, written nowhere.
    spark.sql("SELECT * FROM decisions").write.format("noop").mode("overwrite").save()
    n = "all"
secs = time.time() - start
print(f"{engine:7s} {label:26s} {int(rows):9d} rows  {secs:7.2f} s  {int(rows) / secs:9.0f} rows/s  ({n} decision rows)")
PY
    done
  done
done
