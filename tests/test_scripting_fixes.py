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


# ------------------------------------------------------------------ line continuations


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


