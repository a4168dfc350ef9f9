#!/usr/bin/env python3
"""Growth of `edict check`, `compile` and `diff` with the size of each construct.

    cargo build --release --bin edict
    python3 tests/growth/growth.py [--edict target/release/edict] [--base N] [--steps 4]
                                   [--only SHAPE[,SHAPE]] [--timeout SECONDS]

For every shape below it writes a policy of size n, 2n, 4n, 8n (n = the
shape's base size), times each command once (wall clock, the best of
--repeat runs) and prints a Markdown table with the time per size and the
ratio of the last two sizes (about 2 for linear growth, 4 for quadratic).
The table in compiler/docs/robustness.md comes from this script. It runs
nothing in CI: timing belongs in measurements, not in tests.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

COUNTRIES = """AD AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CF CG CH CI
CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FM FR GA GB GD GE GH GM GN GQ GR GT GW GY HK
HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KZ LA LB LC LI LK LR LS LT LU LV LY MA MC
MD ME MG MH MK ML MM MN MO MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PT PW PY QA RO
RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TD TG TH TJ TL TM TN TO TR TT TV TW TZ UA UG US UY
UZ VA VC VE VN VU WS YE ZA ZM ZW""".split()

HEAD = """policy growth
use std.countries.*

input {
  item: Eccn
  destination: Country
  value: Number
}
"""


def eccn(i):
    return f"{i % 10}A{i % 1000:03d}.z{i}"


def rule(name, cond, extra="", cite=True, sunset="2100-01-01", overrides="", then="require license"):
    head = f"{name} overrides {overrides}" if overrides else name
    out = f"  rule {head} {{\n    when {cond}\n    then {then}\n"
    if extra:
        out += f"    {extra}\n"
    if sunset:
        out += f"    sunset {sunset}\n"
    if cite:
        out += f'    cite "growth {name}"\n'
    return out + "  }\n"


def jurisdiction(body, name="US"):
    return f"jurisdiction {name} {{\n{body}}}\n"


# Each shape: (base size, function n -> {relative path: text}).
def rules(n):
    body = "".join(rule(f"r{i}", f"item in {{{eccn(i)}}} and destination in {{CN}}") for i in range(n))
    return {"policy.edict": HEAD + jurisdiction(body)}


def rules_without_cite_or_sunset(n):
    body = "".join(rule(f"r{i}", f"item in {{{eccn(i)}}}", cite=False, sunset=None) for i in range(n))
    return {"policy.edict": HEAD + jurisdiction(body)}


def unknown_names(n):
    names = ", ".join(f"Q{i}" for i in range(n))
    return {"policy.edict": HEAD + f"group G: Country = {{{names}}}\n"}


def sunsets(n):
    body = "".join(
        rule(f"r{i}", f"item in {{{eccn(i)}}}", sunset=f"{2030 + i % 50}-01-01") for i in range(n))
    return {"policy.edict": HEAD + jurisdiction(body)}


def overlapping(n):
    body = "".join(rule(f"r{i}", f"destination in {{CN}} and value > {i}",
                        then="allow under A" if i % 2 else "allow under B") for i in range(n))
    head = HEAD + 'authorization A "a" cite "x"\nauthorization B "b" cite "x"\n'
    return {"policy.edict": head + jurisdiction(body)}


def modules(n):
    files = {}
    for i in range(n):
        uses = f"use m{i - 1}.*\n" if i else ""
        files[f"m{i}.edict"] = f"policy m{i}\nuse std.countries.*\n{uses}group G{i}: Country = {{CN}}\n"
    files["policy.edict"] = HEAD + "".join(f"use m{i}.*\n" for i in range(0, n, max(1, n // 50)))
    return files


def group_chain(n):
    groups = "group G0: Country = {CN}\n" + "".join(
        f"group G{i}: Country = G{i - 1} + {{{COUNTRIES[i % len(COUNTRIES)]}}}\n" for i in range(1, n))
    body = rule("r", f"destination in G{n - 1}")
    return {"policy.edict": HEAD + groups + jurisdiction(body)}


def eccn_group(n):
    members = ", ".join(eccn(i) for i in range(n))
    body = rule("r", "item in Big and destination in {CN}")
    return {"policy.edict": HEAD + f"group Big: Eccn = {{{members}}}\n" + jurisdiction(body)}


def country_sets(n):
    all_ = ", ".join(COUNTRIES)
    body = "".join(rule(f"r{i}", f"item in {{{eccn(i)}}} and destination in {{{all_}}}") for i in range(n))
    return {"policy.edict": HEAD + jurisdiction(body)}


def overrides_chain(n):
    body = rule("r0", "destination in {CN}")
    for i in range(1, n):
        body += rule(f"r{i}", f"destination in {{CN}} and value > {i}", overrides=f"r{i - 1}", then="deny")
    return {"policy.edict": HEAD + jurisdiction(body)}


def overrides_hub(n):
    body = rule("general", "destination in {CN}")
    for i in range(1, n):
        body += rule(f"x{i}", f"destination in {{CN}} and item in {{{eccn(i)}}}", overrides="general", then="allow")
    return {"policy.edict": HEAD + jurisdiction(body)}


def jurisdictions(n):
    return {"policy.edict": HEAD + "".join(
        jurisdiction(rule("r", f"item in {{{eccn(i)}}}"), name=f"J{i}") for i in range(n))}


def tests(n):
    body = rule("r", "destination in {CN}")
    blocks = "".join(
        f'test "t{i}" {{\n  at 2026-01-01\n  given {{ item: {eccn(i)}, destination: CN, value: {i} }}\n'
        f"  expect US: require license\n}}\n" for i in range(n))
    return {"policy.edict": HEAD + jurisdiction(body) + blocks}


def tiers_and_assess(n):
    names = ", ".join(f"t{i}" for i in range(n))
    arms = "".join(f"  t{n - 1 - i} when value >= {n - i}\n" for i in range(n - 1)) + "  t0 otherwise\n"
    body = rule("r", "tier >= t1")
    return {"policy.edict": HEAD + f"tiers {{ {names} }}\nassess tier {{\n{arms}}}\n" + jurisdiction(body)}


def long_line(n):
    cond = " or ".join(f"value == {i}" for i in range(n))
    return {"policy.edict": HEAD + jurisdiction(rule("r", cond))}


def repeated_members(n):
    members = ", ".join(["CN"] * n)
    return {"policy.edict": HEAD + f"group G: Country = {{{members}}}\n"}


SHAPES = {
    "rules": (1250, rules),
    "rules_without_cite_or_sunset": (1250, rules_without_cite_or_sunset),
    "unknown_names": (1250, unknown_names),
    "sunsets": (1250, sunsets),
    "overlapping": (125, overlapping),
    "modules": (250, modules),
    "group_chain": (250, group_chain),
    "eccn_group": (375, eccn_group),
    "country_sets": (250, country_sets),
    "overrides_chain": (125, overrides_chain),
    "overrides_hub": (250, overrides_hub),
    "jurisdictions": (125, jurisdictions),
    "tests": (250, tests),
    "tiers_and_assess": (25, tiers_and_assess),
    "long_line": (250, long_line),
    "repeated_members": (1250, repeated_members),
}


def write(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def timed(cmd, timeout, repeat):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edict", default="target/release/edict")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every base size")
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    sizes_header = None
    print("| shape | command | " + " | ".join(f"{2 ** k}n" for k in range(args.steps)) + " | last ratio |")
    print("|---|---|" + "---|" * (args.steps + 1))
    for name, (base, make) in SHAPES.items():
        if only and name not in only:
            continue
        base = max(1, int(base * args.scale))
        with tempfile.TemporaryDirectory() as tmp:
            rows = {"check": [], "compile": [], "diff": []}
            for k in range(args.steps):
                n = base * 2 ** k
                old, new = os.path.join(tmp, f"old{n}"), os.path.join(tmp, f"new{n}")
                files = make(n)
                write(old, files)
                # The new version: the first file with one more comment line
                # and its last rule's citation edited, where it has one.
                changed = dict(files)
                key = sorted(changed)[0] if "policy.edict" not in changed else "policy.edict"
                text = changed[key]
                at = text.rfind('cite "')
                if at >= 0:
                    text = text[:at] + 'cite "edited ' + text[at + 6:]
                changed[key] = text
                write(new, changed)
                rows["check"].append((n, timed([args.edict, "check", old], args.timeout, args.repeat)))
                rows["compile"].append((n, timed([args.edict, "compile", old, "-o", os.devnull],
                                                 args.timeout, args.repeat)))
                rows["diff"].append((n, timed([args.edict, "diff", old, new], args.timeout, args.repeat)))
            for cmd, results in rows.items():
                cells = [f"{t * 1000:.0f} ms" if t is not None else "timeout" for _, t in results]
                ts = [t for _, t in results]
                ratio = (f"{ts[-1] / ts[-2]:.1f}" if len(ts) >= 2 and ts[-1] and ts[-2] else "–")
                print(f"| {name} (n={base}) | {cmd} | " + " | ".join(cells) + f" | {ratio} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
