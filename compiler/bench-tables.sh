# Sourced by compiler/screen/bench.sh and compiler/sql/bench.sh (from the
# repository root): builds the release tools, makes a scratch folder
# `$dir` (removed on exit) and writes the two benchmark tables into it —
# `advanced_computing.json` (the example policy) and `rules_10000.json` (a
# generated table of 10,000 rules). `$bin` is the release folder.
cargo build --release -q --bin edict --example generated_table --example screen_data
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bin=target/release
"$bin/edict" compile examples/advanced_computing -o "$dir/advanced_computing.json" 2>/dev/null
"$bin/examples/generated_table" 10000 "$dir/rules_10000.json"
