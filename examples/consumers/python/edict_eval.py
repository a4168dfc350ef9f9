#!/usr/bin/env python3
"""Evaluate Edict decision tables (format version 1) — standard library only.

Written from compiler/docs/consumer-spec.md, independently of the Rust
evaluator. Usage:

    python3 edict_eval.py TABLE.json --input tx.json      # one transaction
    python3 edict_eval.py TABLE.json --input - < tx.jsonl # JSON Lines stream
    python3 edict_eval.py TABLE.json --trusted-key PUB [--sig SIG] --input -

Prints one decision (or rejection) per transaction, as JSON. With
`--trusted-key` (repeatable), the table must carry a valid signature by one
of those keys (TABLE.sig, or --sig), checked by edict_verify.py (which needs
the `cryptography` package), and every decision names the key.
"""

import datetime
import hashlib
import json
import math
import re
import sys

FORMAT = "edict-decision-table"
VERSION = 1
SEVERITY = {"allow": 0, "allow_under": 1, "require_license": 2, "deny": 3}
REVIEWS = ["presumption_of_approval", "case_by_case", "presumption_of_denial", "policy_of_denial"]
ECCN = re.compile(r"^(EAR99|[0-9]([A-E][0-9]{3}|Y521)(\.[a-z0-9]+)*)$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


MAX_LINE = 1 << 20  # bytes of one transaction (consumer spec, section 2)


def _object(pairs):
    """An object whose member names are distinct (the spec refuses repeats)."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the member {key!r} is given twice")
        out[key] = value
    return out


def _constant(name):
    raise ValueError(f"{name} is not JSON")


def _float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is out of range")
    return value


def _no_lone_surrogates(value):
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    elif isinstance(value, list):
        for v in value:
            _no_lone_surrogates(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_lone_surrogates(k)
            _no_lone_surrogates(v)


def parse_json(data):
    """Strict JSON from UTF-8 bytes: raises ValueError on anything RFC 8259
    does not define one meaning for (repeated member names, NaN, numbers out
    of range, lone surrogates, invalid UTF-8)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    value = json.loads(text, object_pairs_hook=_object, parse_constant=_constant, parse_float=_float)
    _no_lone_surrogates(value)
    return value


def read_lines(stream):
    """Yields (line number, bytes or None when longer than MAX_LINE) for each
    non-blank line of a binary stream. Lines end at b"\n" only."""
    n = 0
    while True:
        chunk = stream.readline(MAX_LINE + 1)
        if not chunk:
            return
        n += 1
        if chunk.endswith(b"\n"):
            line = chunk[:-1]
        elif len(chunk) <= MAX_LINE:
            line = chunk  # the last line, without a final newline
        else:
            while True:  # too long: consume the rest of it without keeping it
                more = stream.readline(MAX_LINE)
                if not more or more.endswith(b"\n"):
                    break
            yield n, None
            continue
        if line.strip(b" \t\r"):
            yield n, line


class TableError(Exception):
    """The table cannot be used (E0502: format or version; E0503: malformed)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Rejected(Exception):
    """The transaction cannot be decided."""

    def __init__(self, errors):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


def error(code, field, message):
    e = {"code": code, "message": message}
    if field is not None:
        e["field"] = field
    return e


class Table:
    def __init__(self, data: bytes, key=None):
        self.digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.key = key  # the verified signing key's id, if any
        try:
            doc = parse_json(data)
        except ValueError as e:
            raise TableError("E0503", f"the table is not JSON: {e}")
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise TableError("E0502", f"not an {FORMAT} document")
        if doc.get("version") != VERSION:
            raise TableError("E0502", f"format version {doc.get('version')!r}; this evaluator reads {VERSION}")
        try:
            self.tiers = list(doc["tiers"])
            self.columns = {c["name"]: c for c in doc["columns"]}
            self.jurisdictions = list(doc["jurisdictions"])
            self.tier_rows = doc["tier_table"]
            self.rows = doc["decision_table"]
        except (KeyError, TypeError) as e:
            raise TableError("E0503", f"the table misses {e}")
        # Section 1, step 4: nothing listed twice, and a `date` column.
        for what, names in [("column", [c["name"] for c in doc["columns"]]), ("jurisdiction", self.jurisdictions),
                            ("tier", self.tiers)] + [(f"value of {c['name']}", c.get("domain", [])) for c in doc["columns"]]:
            if len(set(names)) != len(names):
                raise TableError("E0503", f"a {what} is listed twice")
        if self.columns.get("date", {}).get("type") != "date":
            raise TableError("E0503", "the table has no column `date` of type `date`")
        for row in self.tier_rows + self.rows:
            for name, cell in row["cells"].items():
                if name != "tier" and name not in self.columns:
                    raise TableError("E0503", f"a cell tests unknown column {name!r}")
                self.check_cell(cell)

    @staticmethod
    def check_cell(cell):
        """Rejects a cell this evaluator could not apply (section 3)."""
        needs = {
            "in": ["values"],
            "not_in": ["values"],
            "eccn_in": ["prefixes"],
            "eccn_not_in": ["prefixes"],
            "range": [],
        }
        op = cell.get("op") if isinstance(cell, dict) else None
        if op not in needs or any(k not in cell for k in needs[op]):
            raise TableError("E0503", f"malformed cell {cell!r}")
        for bound in ("min", "max"):
            if op == "range" and bound in cell and f"{bound}_inclusive" not in cell:
                raise TableError("E0503", f"a range bound without its flag: {cell!r}")

    # -- transactions (section 2) -------------------------------------------

    def transaction(self, tx):
        if not isinstance(tx, dict):
            raise Rejected([error("E0601", None, "a transaction is a JSON object")])
        errors = []
        for key in tx:
            if key not in self.columns:
                errors.append(error("E0602", key, f"unknown field {key!r}"))
        values = {}
        for name, col in self.columns.items():
            if name not in tx:
                errors.append(error("E0603", name, f"missing field {name!r}"))
                continue
            try:
                values[name] = self.value(col, tx[name])
            except Rejected as r:
                errors.extend(r.errors)
        if errors:
            raise Rejected(errors)
        return values

    @staticmethod
    def value(col, v):
        name, ty = col["name"], col["type"]
        wrong = Rejected([error("E0604", name, f"field {name!r} has the wrong type")])
        if ty == "number":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise wrong
            return v
        if ty == "bool":
            if not isinstance(v, bool):
                raise wrong
            return v
        if not isinstance(v, str):
            raise wrong
        if ty == "date":
            try:
                if not DATE.match(v):
                    raise ValueError(v)
                datetime.date.fromisoformat(v)
            except ValueError:
                raise Rejected([error("E0606", name, f"{v!r} is not a date")])
            return v
        if ty == "eccn":
            if not ECCN.match(v):
                raise Rejected([error("E0607", name, f"{v!r} is not an ECCN")])
            return v
        if ty in ("country", "enum"):
            if v not in col.get("domain", []):
                raise Rejected([error("E0605", name, f"{v!r} is not in the domain of {name!r}")])
            return v
        return v  # string

    # -- cells (section 3) ---------------------------------------------------

    @staticmethod
    def under(v, p):
        return v == p or v.startswith(p + ".")

    def cell_holds(self, cell, v):
        if v is None:
            return False
        op = cell["op"]
        if op == "in":
            return v in cell["values"]
        if op == "not_in":
            return v not in cell["values"]
        if op == "eccn_in":
            return any(self.under(v, p) for p in cell["prefixes"]) and not any(
                self.under(v, x) for x in cell.get("except", [])
            )
        if op == "eccn_not_in":
            return not any(self.under(v, p) for p in cell["prefixes"])
        if op == "range":
            if "min" in cell:
                if v < cell["min"] or (v == cell["min"] and not cell["min_inclusive"]):
                    return False
            if "max" in cell:
                if v > cell["max"] or (v == cell["max"] and not cell["max_inclusive"]):
                    return False
            return True
        raise TableError("E0503", f"unknown cell op {op!r}")

    def holds(self, cells, values, tier):
        for name, cell in cells.items():
            v = tier if name == "tier" else values[name]
            if not self.cell_holds(cell, v):
                return False
        return True

    # -- deciding (section 4) -----------------------------------------------

    def decide(self, values):
        tier = None
        for row in self.tier_rows:
            if self.holds(row["cells"], values, None):
                tier = self.tiers.index(row["tier"])
                break
        matched = [r for r in self.rows if self.holds(r["cells"], values, tier)]
        decisions = []
        for j in self.jurisdictions:
            m = [r for r in matched if r["jurisdiction"] == j]
            if not m:
                decisions.append({
                    "jurisdiction": j, "outcome": "allow", "basis": "no_rule",
                    "tier": None if tier is None else self.tiers[tier],
                    "reasons": [], "review": None, "authorizations": [],
                    "obligations": [], "citations": [], "rules": [],
                })
                continue
            top = max(SEVERITY[r["outcome"]] for r in m)
            kept = [r for r in m if SEVERITY[r["outcome"]] == top]
            ranks = [self.tiers.index(r["tier"]) if r.get("tier") else tier for r in kept]
            ranks = [r for r in ranks if r is not None]
            reviews = [REVIEWS.index(r["review"]) for r in kept if r.get("review")]

            def union(key):
                return sorted({x for r in kept for x in r[key]})

            decisions.append({
                "jurisdiction": j, "outcome": kept[0]["outcome"], "basis": "rule",
                "tier": self.tiers[max(ranks)] if ranks else None,
                "reasons": union("reasons"),
                "review": REVIEWS[max(reviews)] if reviews else None,
                "authorizations": union("authorizations"),
                "obligations": union("obligations"),
                "citations": union("citations"),
                "rules": sorted({r["rule"] for r in kept}),
            })
        receipt = {"table": self.digest}
        if self.key is not None:
            receipt["key"] = self.key
        return {**receipt, "date": values["date"], "decisions": decisions}

    def evaluate_text(self, text, line=None):
        """Decides one transaction given as JSON bytes or text (None: a line
        longer than MAX_LINE); returns the output object."""
        try:
            if text is None:
                raise Rejected([error("E0601", None, f"a transaction may have at most {MAX_LINE} bytes")])
            try:
                tx = parse_json(text)
            except ValueError as e:
                raise Rejected([error("E0601", None, f"not valid JSON: {e}")])
            return self.decide(self.transaction(tx))
        except Rejected as r:
            out = {"errors": r.errors}
            if line is not None:
                out = {"line": line, **out}
            return out


def options(argv):
    """TABLE, --input, --trusted-key (list) and --sig; None on a usage error."""
    opts = {"table": None, "input": None, "trusted": [], "sig": None}
    args = iter(argv[1:])
    for arg in args:
        if arg in ("--input", "--trusted-key", "--sig"):
            value = next(args, None)
            if value is None:
                return None
            if arg == "--trusted-key":
                opts["trusted"].append(value)
            else:
                opts[arg[2:]] = value
        elif opts["table"] is None and not arg.startswith("-"):
            opts["table"] = arg
        else:
            return None
    if opts["table"] is None or opts["input"] is None or (opts["sig"] and not opts["trusted"]):
        return None
    return opts


def load_table(opts):
    """The table, its signature verified first when keys are trusted."""
    with open(opts["table"], "rb") as f:
        data = f.read()
    if not opts["trusted"]:
        return Table(data)
    import edict_verify  # needs `cryptography`; only signed tables need it

    keys = []
    for path in opts["trusted"]:
        with open(path, "rb") as f:
            keys.append(edict_verify.load_public_key(f.read()))
    try:
        with open(opts["sig"] or opts["table"] + ".sig", "rb") as f:
            signature = f.read(edict_verify.MAX_SIGNATURE + 1)
    except FileNotFoundError:
        raise edict_verify.SignatureError("E0801", "the table has no signature")
    header = edict_verify.verify(data, signature, keys)
    return Table(data, key=header["kid"])


def main(argv):
    opts = options(argv)
    if opts is None:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        table = load_table(opts)
    except Exception as e:  # TableError or edict_verify.SignatureError
        if not hasattr(e, "code"):
            raise
        print(f"error[{e.code}]: {e}", file=sys.stderr)
        return 1
    failed = 0
    source = opts["input"]
    if source == "-" or source.endswith(".jsonl"):
        stream = sys.stdin.buffer if source == "-" else open(source, "rb")
        for n, line in read_lines(stream):
            out = table.evaluate_text(line, n)
            failed += "errors" in out
            print(json.dumps(out, ensure_ascii=False), flush=True)
    else:
        with open(source, "rb") as f:
            data = f.read(MAX_LINE + 1)
        out = table.evaluate_text(data if len(data) <= MAX_LINE else None)
        failed += "errors" in out
        print(json.dumps(out, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
