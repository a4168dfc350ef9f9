#!/usr/bin/env bash
# Seeds the fuzz corpora from the shipped files (run from anywhere; adds
# files, never removes any). The corpora under tests/fuzz/corpus/ are kept
# in the repository: after a long run, `cargo +nightly fuzz cmin -s none
# --fuzz-dir tests/fuzz TARGET`, then only the inputs of at most 2 KiB are
# kept (`find tests/fuzz/corpus -type f -size +2048c -delete`) and the
# seeds added back with this script.
set -euo pipefail
cd "$(dirname "$0")"
root=../..
c=corpus
mkdir -p $c/parse $c/check $c/fmt $c/table $c/transaction $c/diff $c/lsp_framing $c/signature $c/serve
seed() { # seed TARGET FILE
  cp "$2" "$1/$(sha256sum "$2" | cut -c1-16)"
}
for f in $(find $root/examples $root/stdlib $root/tests/fixtures $root/tests/conformance -name '*.edict' | sort); do
  for t in parse check fmt; do seed $c/$t "$f"; done
done
for f in $(find $root/tests/conformance -name table.json | sort); do seed $c/table "$f"; done
for f in $(find $root/tests/conformance/signatures -name '*.sig' -o -name 'trusted.*' | sort); do seed $c/signature "$f"; done
for f in $(find $root/tests/conformance $root/examples -name 'transactions.jsonl' | sort); do seed $c/transaction "$f"; done
pair=$(mktemp)
cat $root/examples/version_pair/proposed/policy.edict > "$pair"; printf '\0' >> "$pair"
cat $root/examples/version_pair/final/policy.edict >> "$pair"
seed $c/diff "$pair"
for f in $(find $root/examples -name 'policy.edict' | sort); do
  cat "$f" > "$pair"; printf '\0' >> "$pair"; sed 's/require license/deny/' "$f" >> "$pair"
  seed $c/diff "$pair"
done
rm -f "$pair"
msg() { printf 'Content-Length: %d\r\n\r\n%s' "${#1}" "$1"; }
{ msg '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
  msg '{"jsonrpc":"2.0","method":"initialized","params":{}}'
  msg 'null'; msg '[1]'; printf 'junk'
  msg '{"jsonrpc":"2.0","id":2,"method":"shutdown"}'; } > $c/lsp_framing/session
# serve: a first byte picking Content-Type and query (0: JSON, 1: JSON
# Lines, 5: JSON Lines with explain), then the body.
for f in $(find $root/tests/conformance -name 'transactions.jsonl' | sort); do
  req=$(mktemp)
  { printf '\001'; cat "$f"; } > "$req"; seed $c/serve "$req"
  { printf '\005'; head -3 "$f"; } > "$req"; seed $c/serve "$req"
  { printf '\000'; head -1 "$f"; } > "$req"; seed $c/serve "$req"
  { printf '\000['; head -3 "$f" | paste -sd, -; printf ']'; } > "$req"; seed $c/serve "$req"
  rm -f "$req"
done
echo "seeded: $(for t in $c/*; do printf '%s=%s ' "$(basename $t)" "$(ls $t | wc -l)"; done)"
