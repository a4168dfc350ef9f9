"""Unit tests of the Python evaluator's refusals (run: python3 -m unittest
discover -s examples/consumers/python). Decisions are covered by the
conformance vectors (run_conformance.py)."""

import io
import json
import os
import unittest

from edict_eval import MAX_LINE, Rejected, Table, TableError, read_lines

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
CASE = os.path.join(ROOT, "tests", "conformance", "ranges_and_tiers", "table.json")


def load():
    with open(CASE, "rb") as f:
        return json.loads(f.read())


class Refusals(unittest.TestCase):
    def assert_table_error(self, doc, code):
        with self.assertRaises(TableError) as caught:
            Table(json.dumps(doc).encode())
        self.assertEqual(caught.exception.code, code)

    def test_unknown_version(self):
        doc = load()
        doc["version"] = 2
        self.assert_table_error(doc, "E0502")

    def test_other_format(self):
        doc = load()
        doc["format"] = "something-else"
        self.assert_table_error(doc, "E0502")

    def test_range_bound_without_flag(self):
        doc = load()
        for row in doc["decision_table"]:
            for cell in row["cells"].values():
                if cell["op"] == "range" and "min" in cell:
                    del cell["min_inclusive"]
        self.assert_table_error(doc, "E0503")

    def test_unknown_column(self):
        doc = load()
        doc["decision_table"][0]["cells"]["weight"] = {"op": "in", "values": [1]}
        self.assert_table_error(doc, "E0503")

    def test_bad_transactions_name_their_fields(self):
        with open(CASE, "rb") as f:
            table = Table(f.read())
        with self.assertRaises(Rejected) as caught:
            table.transaction({"date": "2025-02-30", "tpp": "1", "value": 1, "destination": "XX", "x": 1})
        found = sorted((e["code"], e.get("field")) for e in caught.exception.errors)
        self.assertEqual(found, [("E0602", "x"), ("E0604", "tpp"), ("E0605", "destination"), ("E0606", "date")])

    def test_a_repeated_member_makes_a_table_malformed(self):
        with open(CASE, "rb") as f:
            text = f.read().decode("utf-8")
        tampered = text.replace('"version": 1,', '"version": 1, "version": 1,', 1)
        self.assertNotEqual(tampered, text)
        with self.assertRaises(TableError) as caught:
            Table(tampered.encode())
        self.assertEqual(caught.exception.code, "E0503")

    def test_ambiguous_tables_are_malformed(self):
        doc = load()
        doc["columns"].append(doc["columns"][1])
        self.assert_table_error(doc, "E0503")
        doc = load()
        domain = next(c["domain"] for c in doc["columns"] if c.get("domain"))
        domain.append(domain[0])
        self.assert_table_error(doc, "E0503")
        doc = load()
        doc["columns"] = [c for c in doc["columns"] if c["name"] != "date"]
        self.assert_table_error(doc, "E0503")

    def test_lines_end_at_newline_only_and_long_lines_are_counted(self):
        stream = io.BytesIO(b"a\rb\n \t\r\n" + b"x" * (MAX_LINE + 5) + b"\n\xff\nlast")
        self.assertEqual(list(read_lines(stream)), [(1, b"a\rb"), (3, None), (4, b"\xff"), (5, b"last")])


if __name__ == "__main__":
    unittest.main()
