#!/usr/bin/env python3
"""Run every conformance vector with the Python evaluator.

    python3 run_conformance.py [CONFORMANCE_DIR]   # default: tests/conformance

For each case folder (table.json, transactions.jsonl, expected.jsonl) it
decides every transaction and compares with the expected line: decisions
must be equal as JSON values; a rejected line must carry the same codes
and fields, in any order (messages may differ between engines). Then each
vector of signatures/vectors.json must get its verdict (valid, with the
key id; or refused, with the code). Exit 1 on any mismatch.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from edict_eval import Table, read_lines  # noqa: E402


def comparable(out):
    if "errors" in out:
        return {"line": out.get("line"), "errors": sorted((e["code"], e.get("field") or "") for e in out["errors"])}
    out = dict(out)
    out.pop("explanation", None)
    return out


def run_case(folder):
    with open(os.path.join(folder, "table.json"), "rb") as f:
        table = Table(f.read())
    with open(os.path.join(folder, "expected.jsonl"), encoding="utf-8") as f:
        expected = [json.loads(l) for l in f if l.strip()]
    got = []
    with open(os.path.join(folder, "transactions.jsonl"), "rb") as f:
        for n, line in read_lines(f):
            got.append(table.evaluate_text(line, n))
    problems = []
    if len(got) != len(expected):
        problems.append(f"{len(got)} outputs for {len(expected)} expected lines")
    for i, (g, e) in enumerate(zip(got, expected), start=1):
        if comparable(g) != comparable(e):
            problems.append(f"output {i}:\n  expected {json.dumps(comparable(e))}\n  got      {json.dumps(comparable(g))}")
    return len(got), problems


def run_signatures(folder):
    """Each signature vector's verdict; returns (count, problems)."""
    from edict_verify import SignatureError, load_public_key, verify  # needs `cryptography`

    with open(os.path.join(folder, "vectors.json"), encoding="utf-8") as f:
        vectors = json.load(f)["vectors"]
    problems = []
    for v in vectors:
        def data(name):
            with open(os.path.join(folder, name), "rb") as f:
                return f.read()
        keys = [load_public_key(data(k)) for k in v["trusted_keys"]]
        try:
            if v["signature"] is None:
                raise SignatureError("E0801", "no signature")
            header = verify(data(v["table"]), data(v["signature"]), keys)
            got = ("valid", header["kid"])
        except SignatureError as e:
            got = ("refused", e.code)
        expected = ("valid", v["key"]) if v["verdict"] == "valid" else ("refused", v["code"])
        if got != expected:
            problems.append(f"{v['name']}: expected {expected}, got {got}")
    return len(vectors), problems


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "conformance")
    cases = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "transactions.jsonl")))
    failed = 0
    total = 0
    for case in cases:
        n, problems = run_case(os.path.join(root, case))
        total += n
        status = "ok" if not problems else "FAILED"
        print(f"{case}: {n} transactions ... {status}")
        for p in problems:
            print("  " + p)
        failed += bool(problems)
    print(f"{len(cases) - failed} of {len(cases)} cases passed ({total} transactions)")
    signatures = os.path.join(root, "signatures")
    if os.path.isfile(os.path.join(signatures, "vectors.json")):
        n, problems = run_signatures(signatures)
        for p in problems:
            print("  " + p)
        print(f"{n - len(problems)} of {n} signature vectors passed")
        failed += bool(problems)
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
