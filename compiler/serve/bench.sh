#!/usr/bin/env bash
# Load benchmark of `edict serve` (not a test: figures for the README).
# Starts the release server on a free loopback port for each table and runs
# the load client (compiler/serve/examples/load.rs) on the same machine:
# single-transaction requests from 32 connections, then batches of 1,000
# transactions from 4 connections; prints requests/s, decisions/s, p50/p99
# latency and the server's peak RSS.
#
#   bash compiler/serve/bench.sh [SECONDS]      # each run's length (default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
cargo build --release -q -p edict-compiler --bin edict
cargo build --release -q -p edict-serve --example load
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
bin=target/release
for table in advanced_computing country_chart; do
  "$bin/edict" compile examples/$table -o "$dir/$table.json" 2>/dev/null
  "$bin/edict" serve "$dir/$table.json" --listen 127.0.0.1:0 > "$dir/serve.out" 2>/dev/null &
  pid=$!
  for _ in $(seq 50); do grep -q http "$dir/serve.out" && break; sleep 0.1; done
  url=$(grep -o 'http://[0-9.:]*' "$dir/serve.out")
  echo "$table: $(grep -c '' examples/$table/transactions.jsonl) distinct transactions"
  "$bin/examples/load" "$url" examples/$table/transactions.jsonl --connections 32 --seconds "$seconds"
  "$bin/examples/load" "$url" examples/$table/transactions.jsonl --connections 4 --batch 1000 --seconds "$seconds"
  echo "server peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MiB"}')"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
