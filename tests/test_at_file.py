"""--at-file (records/points, engine/points): one record per row of a CSV file of points.

The header names inputs, and each row is a point; a bad cell or row fails only its row, in place;
header errors, and an input given both in the file and as a binding, are one error; --expect and
--quiet judge every row. The points are swept at once, in blocks of rows, and give the same
records as one run per row; programs that cannot be swept so (arrays, unbound inputs, bindings
that name no input) run row by row."""

import csv
import io
import json
import math

import numpy as np
import pytest
from _helpers import DATA, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.checks.expect import parse_expectation
from gradcli.compute import points_graph as lower_for_points
from gradcli.engine import points as points_module
from gradcli.engine.points import sweep_all
from gradcli.errors import InputError
from gradcli.records.lines import Checks
from gradcli.records.points import at_points, read_points
from gradcli.records.points import prepare as prepare_points
from gradcli.render.records import make_writer

STAGED = (DATA / "note_staged.py").read_text().split("\n# backprop")[0]
STAGED = "\n".join(line for line in STAGED.splitlines() if not line.startswith(("dnum", "dinv")))


# ------------------------------------------------------------------ one record per row

def test_at_file_one_record_per_row(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x,y\n-2,5\n1,pi\n3,oops\n\n0,0\n")
    r = run_cli("(x+y)*z", "z=-4", "--at-file", str(points), "--format", "json")
    records = [json.loads(line) for line in r.out.splitlines()]
    assert [rec["row"] for rec in records] == [1, 2, 3, 4]
    assert records[0]["value"] == -12.0
    assert "error" in records[2] and records[2]["error"]["exit_code"] == 2
    assert r.code == 2
    r = run_cli("(x+y)*z", "z=-4", "--at-file", str(points), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert list(rows[0])[0] == "row"
    r = run_cli("(x+y)*z", "z=-4", "--at-file", str(points))
    assert r.out.splitlines()[0].split()[:2] == ["row", "point"]
    assert r.out.splitlines()[1].split()[:3] == ["1", "x=-2", "y=5"]


def test_at_file_with_expect_and_quiet(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x\n1\n2\n")
    assert run_cli("x*x", "--at-file", str(points), "--expect", "d/dx=2", "-q").code == 1
    points.write_text("x\n1\n1.0\n")
    r = run_cli("x*x", "--at-file", str(points), "--expect", "d/dx=2", "-q")
    assert (r.code, r.out) == (0, "")


def test_at_file_header_errors(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x,1y\n1,2\n")
    assert run_cli("x", "--at-file", str(points)).code == 2
    points.write_text("")
    assert run_cli("x", "--at-file", str(points)).code == 2
    points.write_text("x,y\n1,2\n")
    r = run_cli("x+y", "y=3", "--at-file", str(points), "--format", "json")
    assert "given both" in json.loads(r.out)["error"]["message"]


def test_at_file_header_conflict_is_one_error(tmp_path):
    points = tmp_path / "s.csv"
    points.write_text("x,y\n1,2\n3,4\n5,6\n")
    result = run_cli("x*y", "x=5", "--at-file", str(points))
    assert result.code == 2
    assert result.err.count("error:") == 1
    assert "'x' is given both in" in result.err
    assert result.out == ""
    as_json = run_cli("x*y", "x=5", "--at-file", str(points), "--format", "json")
    assert as_json.code == 2 and len(as_json.out.splitlines()) == 1


def test_a_byte_order_mark_before_the_header_is_ignored(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfx,y\n1,2\n")
    result = run_cli("x*y", "--at-file", str(path), "--format", "json")
    assert result.code == 0, result.err
    assert '"row": 1' in result.out and '"gradients": {"x": 2.0, "y": 1.0}' in result.out


def test_a_bad_row_leaves_the_point_column_empty_and_counts_in_good_english(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x\n1,2\n")
    result = run_cli("x*y", "y=1", "--at-file", str(path))
    assert result.code == 2
    row = result.out.splitlines()[1]
    assert row.split()[:3] == ["1", "error", "2"]          # not the program x*y
    assert "has 2 cells but the header names 1 input" in " ".join(result.out.split())
    assert "1 inputs" not in result.out


def test_a_header_without_rows_is_an_error(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("x,y\n")
    result = run_cli("x*y", "--at-file", str(path))
    assert result.code == 2 and result.out == ""
    assert "header.csv has no rows" in result.err
    with pytest.raises(InputError, match="no rows"):
        at_points("x*y", "x,y\n", "h.csv")


def test_a_directory_is_named_as_such(tmp_path):
    result = run_cli("x*y", "--at-file", str(tmp_path))
    assert result.code == 2
    assert "is a directory, not a CSV file of points" in result.err


def test_read_points_strips_only_a_leading_byte_order_mark():
    assert [point for _, point in read_points("\ufeffx\n3\n", "p.csv")] == [{"x": 3.0}]


def test_csv_cells_that_are_not_finite_or_empty(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,nan\n2,\n3,4\n")
    result = run_cli("x*y", "--at-file", str(path))
    text = " ".join(result.out.split())
    assert result.code == 2
    assert "row 1 of " in text and "column y: 'nan': a value must be a finite number" in text
    assert "column y: the value is empty: write a number" in text
    assert "12" in text              # the good row is still computed


# ------------------------------------------------------------------ one sweep for all the points

def csv_of(rows, header="x,y"):
    return header + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows)


def both(program, text, bindings=None, checks=Checks()):
    fast = list(at_points(program, text, "p.csv", bindings, checks=checks))
    slow = list(at_points(program, text, "p.csv", bindings, checks=checks, vectorize=False))
    return fast, slow


def assert_same_numbers(a, b):
    """Equal structure; numbers equal up to rounding (numpy's kernels against Python's math),
    which a gradient that sums nearly cancelling terms magnifies."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, dict):
            assert x.keys() == y.keys()
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list):
            assert len(x) == len(y)
            stack.extend(zip(x, y))
        elif isinstance(x, float) and isinstance(y, float):
            assert x == pytest.approx(y, rel=1e-9, abs=1e-13), (a, b)   # cancellation
        else:
            assert x == y


def assert_same_records(fast, slow):
    assert len(fast) == len(slow)
    for f, s in zip(fast, slow):
        assert (f.number, f.status, f.point) == (s.number, s.status, s.point)
        if s.error is not None:
            assert f.error is not None and f.error.message == s.error.message
            assert f.error.to_json() == s.error.to_json()
        assert_same_numbers(f.to_json(), s.to_json())
    for format_ in ("table", "csv"):
        texts = []
        for records in (fast, slow):
            out = io.StringIO()
            writer = make_writer(format_, out, 6, "row")
            for record in records:
                writer.write(record)
            texts.append(out.getvalue())
        if format_ == "table":
            assert texts[0] == texts[1]
        else:
            assert texts[0].splitlines()[0] == texts[1].splitlines()[0]


def test_the_staged_function_is_swept_at_once_and_agrees_row_by_row(monkeypatch):
    calls = []
    real = points_module.sweep
    monkeypatch.setattr(points_module, "sweep", lambda *a: calls.append(1) or real(*a))
    text = csv_of([(3, -4), (1, 2), (0, 0), (-1, 1), (800, 1), (2.5, -0.5)])
    fast, slow = both(STAGED, text)
    assert len(calls) == 1                       # one sweep for all six rows
    assert_same_records(fast, slow)
    assert fast[0].value == pytest.approx(1.5456448841066441)
    assert fast[0].gradients == pytest.approx({"x": 2.0595697955721652, "y": 1.5922327514838093})


@settings(deadline=None, max_examples=30)
@given(st.lists(st.tuples(st.floats(-20, 20), st.floats(-20, 20)), min_size=1, max_size=12))
def test_any_points_agree_with_the_row_by_row_path(rows):
    assert_same_records(*both(STAGED, csv_of(rows)))


def test_rows_that_fail_get_the_row_by_row_error_in_place():
    program = "log(x) * y + 1 / z"
    text = csv_of([(1, 2, 3), (-1, 2, 3), (2, 1, 0), ("oops", 1, 1), (3, 3, 3), (1, 1, 1)],
                  "x,y,z")
    fast, slow = both(program, text)
    assert [r.status for r in fast] == [0, 3, 3, 2, 0, 0]
    assert_same_records(fast, slow)
    assert "log" in fast[1].error.message and "division by zero" in fast[2].error.message


def test_blocks_cover_every_point(monkeypatch):
    monkeypatch.setattr(points_module, "BLOCK", 3)
    text = csv_of([(i / 3, -i / 5) for i in range(10)])
    fast, slow = both(STAGED, text)
    assert [r.number for r in fast] == list(range(1, 11))
    assert_same_records(fast, slow)
    graph = lower_for_points(STAGED, None, None)
    x, y = np.arange(10) / 3, -np.arange(10) / 5
    value, grads, failed = sweep_all(graph, {"x": x, "y": y}, {})
    assert failed is None
    assert value.tolist() == pytest.approx([r.value for r in fast], rel=1e-12)
    assert grads["y"].tolist() == pytest.approx([r.gradients["y"] for r in fast], rel=1e-12)


def test_bindings_checks_and_kinks_are_the_same_both_ways():
    program = "relu(x - 1) * w + max(x, y)"
    text = csv_of([(1, 0), (2, 3), (0.5, 0.5), (4, -1)])
    checks = Checks(expectations=(parse_expectation("d/dx=1"),), gradcheck=True)
    fast, slow = both(program, text, {"w": 2.0}, checks)
    assert_same_records(fast, slow)
    assert [r.status for r in fast] == [0, 1, 0, 1]     # d/dx is 1, 3, 1 (a tie), 3
    assert fast[0].report.warnings and fast[0].report.warnings == slow[0].report.warnings


@pytest.mark.parametrize("program, bindings, why", [
    ("w = [1.0, 2.0]\nsum(w * x) + y", {}, "the program uses arrays"),
    ("x * q + y", {}, "an input is never bound: every row fails alike"),
    ("x + y", {"z": 1.0}, "a binding names no input"),
])
def test_programs_that_cannot_be_vectorized_run_row_by_row(program, bindings, why):
    text = csv_of([(1, 2), (3, 4)])
    good = [(1, {"x": 1.0, "y": 2.0}), (2, {"x": 3.0, "y": 4.0})]
    assert prepare_points(program, good, bindings) is None, why
    fast, slow = both(program, text, bindings)
    assert_same_records(fast, slow)


def test_the_one_liner_uses_the_sweep(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(csv_of([(3, -4), (0, 0)]))
    r = run_cli("(x+y)*x", "--at-file", str(path))
    assert r.code == 0, r.err
    assert r.out.splitlines()[1].split()[:4] == ["1", "x=3", "y=-4", "-3"]
    assert math.isclose(float(r.out.splitlines()[2].split()[3]), 0.0)


@pytest.mark.parametrize("program, bindings", [
    ("x * (w / 0) + y", {"w": 1.0}),            # fails at a node no column reaches
    ("x * exp(w) + y", {"w": 1000.0}),
    ("x * w + y + 1 / (w - 2)", {"w": 2.0}),
])
def test_a_failure_no_column_reaches_fails_every_row_alike(program, bindings):
    fast, slow = both(program, csv_of([(1, 2), (3, 4)]), bindings)
    assert [r.status for r in fast] == [3, 3]
    assert_same_records(fast, slow)


@pytest.mark.parametrize("program", [
    "sqrt(x) * y",
    "relu(x) + abs(y) + max(x, y, 0)",
    "sigmoid(x * y) + tanh(x) - log(1 + x*x)",
    "x ** y",
    "sin(x) / cos(y)",
    "q = x * y; r = q + x; r * q",
])
def test_functions_and_edge_points_agree_both_ways(program):
    rows = [(0, 0), (0, 2), (-1, 0.5), (2, -3), (1e-8, 1e8), (4, 0.5), (-0.0, 1), (1e200, 1e200)]
    fast, slow = both(program, csv_of(rows))
    assert_same_records(fast, slow)


@pytest.mark.parametrize("program, text, bindings", [
    ("x*y + sigmoid(x)", csv_of([(1, 2), (-3, 0.5), (0, 0), (2.5, -1e-3)]), None),
    ("sqrt(x) * y + log(y)", csv_of([(1, 2), (0, 1), (4, 0), (9, -1), ("q", 2), (16, 3)]), None),
    ("max(x, y) / z", csv_of([(1, 1), (2, 3), (-0.0, 0.0)]), {"z": 2.0}),
    ("x - x", csv_of([(1,), (3,)], header="x"), None),
])
def test_csv_in_blocks_is_the_row_by_row_csv(program, text, bindings):
    import io

    from gradcli.records.points import BLOCK_ROWS, PointBlock
    from gradcli.render.records import CsvWriter

    def written(records):
        out = io.StringIO()
        writer = CsvWriter(out, "row")
        for record in records:
            writer.write(record)
        return out.getvalue()

    blocks = list(at_points(program, text, "p.csv", bindings, blocks=True))
    assert any(isinstance(r, PointBlock) for r in blocks) and BLOCK_ROWS > 4
    records = at_points(program, text, "p.csv", bindings)       # one Record per point
    assert written(blocks) == written(records)


def test_quiet_and_csv_take_blocks_with_the_same_exit_status(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text(csv_of([(1, 2), (0, 1), (4, 0)]))
    quiet = run_cli("sqrt(x) * log(y)", "--at-file", str(points), "--quiet")
    as_csv = run_cli("sqrt(x) * log(y)", "--at-file", str(points), "--format", "csv")
    as_json = run_cli("sqrt(x) * log(y)", "--at-file", str(points), "--format", "json")
    assert quiet.code == as_csv.code == as_json.code == 3
    assert as_csv.out.count(",ok,0,") == 4 and "3,error,3," in as_csv.out


@pytest.mark.parametrize("text, read", [
    ("x,y\n1,2\n-3.5, 4e-3\r\n.5,+6\n", True),
    ("x,y\n1,2", True),
    ("x,y\n1,pi/2\n", False),          # an expression: read row by row
    ("x,y\n1,2\n\n3,4\n", False),      # a blank line (skipped row by row)
    ('"x",y\n1,2\n', False),
    ("x,y\n1,1e999\n", False),         # read row by row, which names the cell
    ("x,y\n1,2,3\n", False),
    ("x,y\n١,2\n", False),
])
def test_plain_points_are_read_as_columns(text, read):
    from gradcli.records.points import read_columns

    got = read_columns(text, "p.csv")
    assert (got is not None) == read
    if read:
        names, columns = got
        rows = [point for _, point in read_points(text, "p.csv")]
        assert [{name: columns[name][k] for name in names} for k in range(len(rows))] == rows
