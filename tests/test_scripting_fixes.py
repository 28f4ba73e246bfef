"""Scripting fixes: a pasted backward pass, closed pipes, --at-file edge cases, batch line
continuations and conflicting options."""

import subprocess
import sys

import pytest

from gradcli.records.lines import batch
from gradcli.records.points import at_points, read_points
from gradcli.errors import InputError
from _helpers import run_cli


# ------------------------------------------------------------------ a pasted backward pass


# ------------------------------------------------------------------ closed pipes

@pytest.mark.parametrize("kind", ["batch", "at-file"])
def test_a_closed_pipe_is_a_quiet_exit_0(kind, tmp_path):
    if kind == "batch":
        path = tmp_path / "many.txt"
        path.write_text("x*y\n" * 3000)
        args = ["batch", str(path), "x=1", "y=2"]
    else:
        path = tmp_path / "points.csv"
        path.write_text("x,y,z\n" + "1,2,3\n" * 5000)
        args = ["(x+y)*z", "--at-file", str(path)]
    process = subprocess.Popen([sys.executable, "-m", "gradcli", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout.readline()
    process.stdout.close()
    assert process.wait() == 0
    assert process.stderr.read() == b""


# ------------------------------------------------------------------ --at-file

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


# ------------------------------------------------------------------ line continuations

def test_batch_says_a_program_is_one_line():
    result = run_cli("batch", "-", "x=1", "y=2", stdin="x*y \\\n+ 1\n")
    assert result.code == 2
    text = " ".join(result.out.split())
    assert "a batch program is one line" in text and "with ';'" in text
    assert "continues a line only at the end" not in text
    assert "was not used" not in result.err       # line 1 did not parse: it may use x


def test_batch_reports_an_unused_binding_only_when_every_line_parsed():
    assert "was not used" not in run_cli("batch", "-", "x=1", stdin="x*\n").err
    assert "was not used" not in run_cli("batch", "-", "x=-1", stdin="log(x)\n").err
    result = run_cli("batch", "-", "x=1", "y=2", stdin="x*2\n")
    assert result.code == 2 and "no line has an input named 'y'" in result.err


# ------------------------------------------------------------------ conflicting options

@pytest.mark.parametrize("args, pair", [
    (["--expect", "value=-12", "--format", "tree"], "--expect and --format tree"),
    (["--expect", "value=-12", "--explain"], "--explain and --expect"),
    (["--gradcheck", "--mode", "forward", "--wrt", "x"], "--mode forward and --gradcheck"),
    (["--expect", "value=-12", "--exact"], "--exact and --expect"),
    (["--quiet"], "--quiet needs --expect, --gradcheck or --at-file"),
    (["--hide-answers"], "--hide-answers needs --expect or --gradcheck"),
])
def test_options_that_cannot_work_together_are_an_error(args, pair):
    result = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", *args)
    assert result.code == 2 and result.out == ""
    assert pair in result.err


def test_expect_still_works_with_the_formats_that_show_checks():
    for fmt in ("table", "json", "csv", "markdown"):
        result = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--expect", "value=-12",
                         "--format", fmt)
        assert result.code == 0, (fmt, result.err)


# ------------------------------------------------------------------ verify: bare calls, notes


# ------------------------------------------------------------------ the split's gradient prefix

from hypothesis import given, settings, strategies as st  # noqa: E402


