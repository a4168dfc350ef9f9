"""Runs `edict sql` scripts on real engines, for tests/tests/sql.rs.

    python3 tests/sql/engines.py ENGINE MANIFEST.json

ENGINE is duckdb, spark or postgres. MANIFEST lists jobs, each
{"table": T.json, "script": S.sql, "transactions": X.jsonl, "out": O.jsonl,
 "date_type": "text"|"date", "id": true|false}. For each job the engine gets
a relation `transactions` with one typed column per table column (text,
DOUBLE, BOOLEAN; the date as text or DATE) and, with "id", a column
`edict_line` holding the line number; a member left out of a line is NULL.
Lines a typed relation cannot hold (not JSON, not an object, an unknown
member, a value of the wrong JSON type) are written as {"line": N,
"skipped": true}. Every other line gives {"line": N, "decisions": [...]}
(sorted by jurisdiction) or {"line": N, "rejected": ["E0605:destination",
...]} from the view `decisions`, read back whole.

PostgreSQL is started here, in a temporary directory, on a private port
and a socket only (no TCP), and stopped at the end.
"""

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile

LISTS = ["authorizations", "obligations", "reasons", "rules", "citations"]
OUT = ["id", "jurisdiction", "outcome", "basis", "tier", "review"] + LISTS + ["rejected"]


def strict_json(raw):
    """A JSON object as the consumer spec reads one: no repeated member, no
    NaN or infinity, no number beyond a double, no lone surrogate, no BOM."""

    def pairs(items):
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            raise ValueError("a member named twice")
        return dict(items)

    def constant(name):
        raise ValueError(name)

    def walk(v):
        if isinstance(v, str):
            v.encode("utf-8")  # a lone surrogate raises
        elif isinstance(v, float) and not math.isfinite(v):
            raise ValueError("out of range")
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(str(e))
    if text.startswith("\ufeff"):
        raise ValueError("byte-order mark")
    v = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    try:
        walk(v)
    except UnicodeEncodeError as e:
        raise ValueError(str(e))
    return v


def typed_rows(table, path):
    """(line, values) for each line a typed relation can hold; skipped lines."""
    columns = table["columns"]
    rows, skipped = [], []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip(b" \t\r\n"):
                continue
            try:
                tx = strict_json(raw)
            except ValueError:
                skipped.append(n)
                continue
            if not isinstance(tx, dict) or set(tx) - {c["name"] for c in columns}:
                skipped.append(n)
                continue
            values, ok = [], True
            for c in columns:
                v = tx.get(c["name"])
                if v is None:
                    values.append(None)
                    continue
                if c["type"] == "number":
                    ok &= isinstance(v, (int, float)) and not isinstance(v, bool)
                    v = float(v) if ok else v
                elif c["type"] == "bool":
                    ok &= isinstance(v, bool)
                else:
                    ok &= isinstance(v, str)
                values.append(v)
            if ok:
                rows.append((n, values))
            else:
                skipped.append(n)
    return rows, skipped


def statements(script):
    """The script's statements: each ends with `;` at the end of a line."""
    out, current = [], []
    for line in script.splitlines():
        if line.startswith("--") and not current:
            continue
        current.append(line)
        if line.endswith(";"):
            out.append("\n".join(current)[:-1])
            current = []
    return out


def write_results(job, rows, skipped, results):
    by_line = {}
    for r in results:
        by_line.setdefault(int(r["id"]), []).append(r)
    with open(job["out"], "w") as f:
        for n in skipped:
            f.write(json.dumps({"line": n, "skipped": True}) + "\n")
        for n, _ in rows:
            got = by_line.get(n, [])
            rejected = [r for r in got if r["rejected"] is not None]
            if rejected:
                codes = sorted(set(c for r in rejected for c in r["rejected"]))
                f.write(json.dumps({"line": n, "rejected": codes}) + "\n")
                continue
            decisions = []
            for r in sorted(got, key=lambda r: r["jurisdiction"]):
                d = {k: r[k] for k in OUT if k not in ("id", "rejected")}
                for k in LISTS:
                    d[k] = list(d[k])
                decisions.append(d)
            f.write(json.dumps({"line": n, "decisions": decisions}) + "\n")


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def column_types(table, date_type, kinds):
    types = []
    for c in table["columns"]:
        if c["type"] == "number":
            types.append(kinds["double"])
        elif c["type"] == "bool":
            types.append(kinds["bool"])
        elif c["type"] == "date" and date_type == "date":
            types.append(kinds["date"])
        else:
            types.append(kinds["text"])
    return types


def run_duckdb(jobs):
    import duckdb

    for job in jobs:
        table = json.load(open(job["table"]))
        con = duckdb.connect()
        types = column_types(table, job.get("date_type"), {
            "double": "DOUBLE", "bool": "BOOLEAN", "date": "DATE", "text": "VARCHAR"})
        names = [c["name"] for c in table["columns"]]
        cols = dict(zip(names, types))
        if job.get("clean"):
            # Generated lines, all of the right types and none blank: read
            # by DuckDB itself, numbered in file order.
            source, skipped = job["transactions"], []
        else:
            rows, skipped = typed_rows(table, job["transactions"])
            source = job["out"] + ".in.jsonl"
            with open(source, "w") as f:
                for n, values in rows:
                    obj = dict(zip(names, values))
                    obj["edict_line"] = n
                    f.write(json.dumps(obj) + "\n")
            cols["edict_line"] = "BIGINT"
        spec = "{" + ", ".join(f"{literal(k)}: '{v}'" for k, v in cols.items()) + "}"
        line = "edict_line" if not job.get("clean") else "row_number() OVER ()"
        order = ", ".join(ident(n) for n in names)
        con.execute(f"CREATE TABLE edict_read AS SELECT {line} AS edict_line, {order} "
                    f"FROM read_json({literal(source)}, columns = {spec}, "
                    f"format = 'newline_delimited')")
        keep = (["edict_line"] if job.get("id") else []) + names
        con.execute("CREATE TABLE transactions AS SELECT "
                    + ", ".join(ident(n) for n in keep) + " FROM edict_read ORDER BY edict_line")
        for s in statements(open(job["script"]).read()):
            con.execute(s)
        # Without an id column, `id` is the row number: map it to the line.
        con.execute("CREATE TABLE edict_lines AS SELECT row_number() OVER () AS id, edict_line "
                    "FROM (SELECT edict_line FROM edict_read ORDER BY edict_line)")
        fields = ", ".join(f"{literal(k)}: {k}" for k in OUT if k not in ("id", "rejected"))
        out = job["out"]
        con.execute(f"""COPY (
            SELECT l.edict_line AS line,
                   CASE WHEN bool_or(d.rejected IS NOT NULL) THEN NULL
                        ELSE list({{{fields}}} ORDER BY d.jurisdiction) END AS decisions,
                   list_sort(max(d.rejected)) AS rejected
            FROM decisions AS d JOIN edict_lines AS l ON l.{"edict_line" if job.get("id") else "id"} = d.id
            GROUP BY l.edict_line ORDER BY l.edict_line
        ) TO {literal(out)} (FORMAT json)""")
        with open(out, "a") as f:
            for n in skipped:
                f.write(json.dumps({"line": n, "skipped": True}) + "\n")
        con.close()
        if not job.get("clean"):
            os.remove(source)


def run_spark(jobs):
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T

    spark = (SparkSession.builder.master("local[2]").appName("edict-sql-tests")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "2g")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    import datetime
    for job in jobs:
        table = json.load(open(job["table"]))
        rows, skipped = typed_rows(table, job["transactions"])
        kinds = {"double": T.DoubleType(), "bool": T.BooleanType(), "date": T.DateType(),
                 "text": T.StringType()}
        types = column_types(table, job.get("date_type"), kinds)
        fields = [T.StructField(c["name"], ty, True) for c, ty in zip(table["columns"], types)]
        data = []
        for n, values in rows:
            if job.get("date_type") == "date":
                values = [datetime.date.fromisoformat(v) if isinstance(ty, T.DateType)
                          and v is not None else v for v, ty in zip(values, types)]
            data.append(([n] if job.get("id") else []) + values)
        if job.get("id"):
            fields = [T.StructField("edict_line", T.LongType(), False)] + fields
        frame = spark.createDataFrame(data, T.StructType(fields))
        frame.createOrReplaceTempView("transactions")
        for s in statements(open(job["script"]).read()):
            spark.sql(s)
        results = [r.asDict() for r in spark.sql("SELECT * FROM decisions").collect()]
        write_results(job, rows, skipped, results)
    spark.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_postgres(jobs):
    import psycopg

    bins = sorted(d for d in os.listdir("/usr/lib/postgresql"))
    bindir = f"/usr/lib/postgresql/{bins[-1]}/bin"
    home = tempfile.mkdtemp(prefix="edict-pg-")
    as_user = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root.
        shutil.chown(home, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(home, "data")
    port = free_port()
    subprocess.run(as_user + [f"{bindir}/initdb", "-D", data, "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", data, "-w", "-l",
                              os.path.join(home, "log"), "-o",
                              f"-p {port} -k {home} -c listen_addresses=''", "start"],
                   check=True, stdout=subprocess.DEVNULL)
    try:
        with psycopg.connect(host=home, port=port, user="postgres", dbname="postgres",
                             autocommit=True) as con:
            for job in jobs:
                table = json.load(open(job["table"]))
                rows, skipped = typed_rows(table, job["transactions"])
                types = column_types(table, job.get("date_type"), {
                    "double": "double precision", "bool": "boolean", "date": "date",
                    "text": "text"})
                names = [c["name"] for c in table["columns"]]
                cols = (["edict_line"] if job.get("id") else []) + names
                defs = ([("edict_line", "bigint")] if job.get("id") else []) + list(zip(names, types))
                con.execute("DROP VIEW IF EXISTS pg_temp.decisions")
                con.execute("DROP TABLE IF EXISTS transactions")
                con.execute("CREATE TABLE transactions ("
                            + ", ".join(f"{ident(n)} {t}" for n, t in defs) + ")")
                quoted = ", ".join(ident(n) for n in cols)
                with con.cursor() as cur:
                    with cur.copy(f"COPY transactions ({quoted}) FROM STDIN") as copy:
                        for n, values in rows:
                            copy.write_row(([n] if job.get("id") else []) + values)
                for s in statements(open(job["script"]).read()):
                    con.execute(s)
                cur = con.execute("SELECT * FROM decisions")
                keys = [d.name for d in cur.description]
                results = [dict(zip(keys, r)) for r in cur.fetchall()]
                write_results(job, rows, skipped, results)
    finally:
        subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(home, ignore_errors=True)


def main():
    engine, manifest = sys.argv[1], sys.argv[2]
    jobs = json.load(open(manifest))
    {"duckdb": run_duckdb, "spark": run_spark, "postgres": run_postgres}[engine](jobs)


if __name__ == "__main__":
    main()
