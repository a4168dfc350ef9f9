#!/usr/bin/env bash
# Fuzzes the Edict targets with cargo fuzz (libFuzzer, coverage-guided).
#
#   bash tests/fuzz/run.sh [--smoke SECONDS | --runs N | --time SECONDS] [TARGET...]
#
# --smoke S: each target for S seconds on a scratch copy of its corpus (CI);
# --runs N:  each target for N executions, new inputs kept in the corpus;
# --time S:  each target for S seconds, new inputs kept in the corpus.
# Targets (default: all): parse check fmt table transaction diff lsp_framing
# signature serve.
# Needs `cargo install cargo-fuzz` (`.ci/run` installs it). A crash is
# written to target/fuzz-artifacts/ and fails the run; add it as a
# regression test (tests/tests/hostile.rs) once fixed. Afterwards,
# `cargo +nightly fuzz cmin -s none --fuzz-dir tests/fuzz TARGET` keeps the
# corpus small.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=smoke amount=20
case "${1:-}" in
  --smoke) mode=smoke amount=$2; shift 2 ;;
  --runs) mode=runs amount=$2; shift 2 ;;
  --time) mode=time amount=$2; shift 2 ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse check fmt table transaction diff lsp_framing signature serve)
# The nightly toolchain when there is one; cargo-fuzz also works on stable
# without a sanitizer (`-s none`, used either way).
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  fuzz=(cargo fuzz)
fi
"${fuzz[@]}" build -s none --fuzz-dir tests/fuzz >/dev/null
mkdir -p target/fuzz-artifacts
for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$t
  mkdir -p "$corpus"
  opts=(-max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix=target/fuzz-artifacts/$t-)
  case $mode in
    smoke) scratch=$(mktemp -d); dirs=("$scratch" "$corpus"); opts+=(-max_total_time="$amount") ;;
    runs) dirs=("$corpus"); opts+=(-runs="$amount") ;;
    time) dirs=("$corpus"); opts+=(-max_total_time="$amount") ;;
  esac
  log=target/fuzz-artifacts/$t.log
  if ! "${fuzz[@]}" run -s none --fuzz-dir tests/fuzz "$t" "${dirs[@]}" -- "${opts[@]}" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz $t: FAILED (input in target/fuzz-artifacts/)" >&2
    exit 1
  fi
  runs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  echo "fuzz $t: ${runs:-?} executions, no crash"
  [ "$mode" = smoke ] && rm -rf "$scratch"
done
