#!/usr/bin/env bash
# Screening benchmark: rows per second end to end and peak RSS of
# `edict screen` on generated Parquet inputs, for two tables — the
# `examples/advanced_computing` policy and a generated table of 10,000
# rules — in two shapes of input — every row's ECCN one the table names
# (`listed`, the evaluator's slow path) and one row in ten (`book`, like
# an order book of mostly EAR99 and unlisted items) — at several input
# sizes (growth: the rate should stay flat and the memory constant).
#
#   bash compiler/screen/bench.sh [ROWS...]     # default: 1000000 2000000 4000000
#
# Prints one line per run. Inputs are written by the `screen_data`
# example (values drawn from what each table names) into a scratch folder
# that is removed at the end. Needs GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 2000000 4000000)
# shellcheck source=../bench-tables.sh
source compiler/bench-tables.sh
for table in advanced_computing rules_10000; do
  for shape in listed:100 book:10; do
  for rows in "${sizes[@]}"; do
    "$bin/examples/screen_data" "$dir/$table.json" "$rows" "$dir/in.parquet" "${shape#*:}"
    status=0
    /usr/bin/time -f "%e %M" -o "$dir/time" "$bin/edict" screen "$dir/$table.json" "$dir/in.parquet" \
      -o "$dir/out.parquet" --no-progress >/dev/null 2>"$dir/err" || status=$?
    if [ "$status" -gt 1 ]; then cat "$dir/err" >&2; exit "$status"; fi
    read -r secs kb <"$dir/time"
    awk -v t="$table/${shape%:*}" -v n="$rows" -v s="$secs" -v kb="$kb" -v sz="$(stat -c %s "$dir/in.parquet")" \
      'BEGIN { printf "%-26s %9d rows  %6.2f s  %9.0f rows/s  peak RSS %4.0f MB  (input %.0f MB)\n", t, n, s, n / s, kb / 1024, sz / 1048576 }'
  done
  done
done
