"""records/lines and `gradcli batch`: one record per program line, in order, streamed as they
come and read lazily; the exit status is the highest error (1 when only checks fail); an
internal error spoils only its line; the table, JSON Lines and long CSV; a progress bar only on a
terminal; input from a file or stdin (a byte order mark stripped; a program is one line); and
bindings, arrays included, shared by every line that uses them."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from _helpers import run, run_cli

from gradcli.cli.records import wants_progress
from gradcli.records.lines import Tally, batch

# ------------------------------------------------------------------ records and exit status

MIXED = """\
# a comment, then a blank line

(x+y)*z
x*
q = x + y; f = q * z
log(x - 3)
w = 2; w * x
sinn(x)
"""


PROGRAM_LINES = [3, 4, 5, 6, 7, 8]


def test_every_program_line_yields_one_record_in_order():
    records = list(batch(MIXED, {"x": -2, "y": 5, "z": -4}))
    assert [r.number for r in records] == PROGRAM_LINES
    assert [r.status for r in records] == [0, 2, 0, 3, 0, 2]
    assert records[0].value == -12.0 and records[0].gradients == {"x": -4, "y": -4, "z": 3}
    assert records[4].gradients == {"w": -2.0, "x": 2.0}      # bindings apply where used
    assert "did you mean 'sin'" in records[5].error.message


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_mixed_file_exit_status_is_the_highest_error(tmp_path, fmt):
    path = tmp_path / "answers.txt"
    path.write_text(MIXED)
    r = run_cli("batch", str(path), "x=-2", "y=5", "z=-4", "--format", fmt)
    assert r.code == 3
    if fmt == "json":
        records = [json.loads(line) for line in r.out.splitlines()]
        assert [rec["line"] for rec in records] == PROGRAM_LINES
        assert records[0]["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
        assert records[1] == {"line": 4, "error": {
            "message": "the expression ends too early: an operand is missing here",
            "exit_code": 2, "line": 1, "column": 3}}
        assert records[3]["error"]["exit_code"] == 3
        assert "line 4:" in r.err        # people still see errors when stdout is machine data
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.out)))
        assert list(rows[0]) == ["line", "status", "exit_code", "value", "name", "grad", "message"]
        assert sorted({int(row["line"]) for row in rows}) == PROGRAM_LINES
        first = [row for row in rows if row["line"] == "3"]
        assert [(row["name"], float(row["grad"])) for row in first] == \
            [("x", -4.0), ("y", -4.0), ("z", 3.0)]
        bad = [row for row in rows if row["line"] == "6"]
        assert [(row["status"], row["exit_code"]) for row in bad] == [("error", "3")]
    else:
        body = [line for line in r.out.splitlines()[1:] if line[:6].strip()]
        assert [int(line[:6]) for line in body] == PROGRAM_LINES
        assert all(len(line) <= 80 for line in r.out.splitlines())
        assert "error 2" in r.out and "error 3" in r.out


def test_exit_status_one_when_only_checks_fail():
    r = run_cli("batch", "-", "x=1", "--expect", "value=2", stdin="x*2\nx+1\nx*3\n")
    assert r.code == 1
    r = run_cli("batch", "-", "x=1", "--expect", "value=2", stdin="x*2\nx+\nx*3\n")
    assert r.code == 2
    assert run_cli("batch", "-", "x=1", stdin="x*2\n").code == 0


def test_pandas_friendly_csv_pivots_without_pandas():
    r = run_cli("batch", "-", "--format", "csv", stdin="x=1; y=2; x*y\nx=3; x^2\n")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    table = {(row["line"], row["name"]): float(row["grad"]) for row in rows}
    assert table == {("1", "x"): 2.0, ("1", "y"): 1.0, ("2", "x"): 6.0}


def test_a_binding_no_line_uses_is_an_error_after_the_records():
    r = run_cli("batch", "-", "x=1", "nope=2", stdin="x*2\n")
    assert r.code == 2
    assert "nope" in r.err
    assert "2" in r.out              # the record was still written


def test_missing_file_and_bad_binding():
    assert run_cli("batch", "/no/such/file").code == 2
    assert run_cli("batch", "-", "x=", stdin="x\n").code == 2


def test_non_utf8_line_is_reported_and_the_batch_goes_on():
    records = list(batch([b"x*2\n", b"\xff\xfe\n", b"x+1\n"], {"x": 1}))
    assert [(r.number, r.status) for r in records] == [(1, 0), (2, 2), (3, 0)]


def test_tally():
    tally = Tally()
    for status in (0, 1, 0):
        tally.add(type("R", (), {"status": status})())
    assert tally.status == 1


def test_records_stream_before_the_input_ends():
    """A line written to the pipe comes back as a record while stdin is still open."""
    process = subprocess.Popen([sys.executable, "-m", "gradcli", "batch", "-", "--format", "json"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        for n, program in enumerate(["x = 2; x*x", "x = 3; x*x"], 1):
            process.stdin.write(program + "\n")
            process.stdin.flush()
            record = json.loads(process.stdout.readline())
            assert record["line"] == n and record["gradients"] == {"x": 2.0 * (n + 1)}
        process.stdin.close()
        assert process.stdout.read() == ""
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()


def test_constant_memory_input_is_consumed_lazily():
    def lines():
        yield "x*2"
        raise AssertionError("read ahead")

    records = batch(lines(), {"x": 1})
    assert next(records).value == 2.0


def test_an_internal_error_spoils_only_its_line(monkeypatch):
    import gradcli.records.lines

    real = gradcli.records.lines.compute

    def flaky(program, *args, **kwargs):
        if "boom" in program:
            raise ZeroDivisionError("simulated bug")
        return real(program, *args, **kwargs)

    monkeypatch.setattr(gradcli.records.lines, "compute", flaky)
    records = list(batch("x*2\nboom\nx+1", {"x": 1}))
    assert [r.status for r in records] == [0, 70, 0]
    assert "please report" in records[1].error.message


def test_batch_quiet():
    r = run_cli("batch", "-", "x=1", "--expect", "value=2", "-q", stdin="x*2\nx*3\n")
    assert (r.code, r.out, r.err) == (1, "", "")


# ------------------------------------------------------------------ progress

def test_progress_only_on_a_terminal(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x*2\n" * 40_000)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    with open(path, "rb") as f:
        assert wants_progress(f, str(path), stderr=Tty())
        assert not wants_progress(f, str(path), stderr=io.StringIO())   # a pipe or a file
        assert not wants_progress(f, "-", stderr=Tty())
    small = tmp_path / "small.txt"
    small.write_text("x*2\n")
    with open(small, "rb") as f:
        assert not wants_progress(f, str(small), stderr=Tty())


def test_no_progress_bar_in_a_pipe(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x*2\n" * 20_000)
    r = run_cli("batch", str(path), "x=1", "--format", "json")
    assert r.err == "" and r.code == 0


def test_progress_bar_draws_on_a_terminal_stderr(tmp_path):
    """With stderr on a pseudo-terminal the bar appears there, and stdout stays clean."""
    import pty
    import select

    path = tmp_path / "big.txt"
    path.write_text("x*2\n" * 17_000)         # over 64 KiB
    master, slave = pty.openpty()
    out = tmp_path / "out.jsonl"
    with open(out, "w") as stdout:
        process = subprocess.Popen([sys.executable, "-m", "gradcli", "batch", str(path), "x=1",
                                    "--format", "json"], stdout=stdout, stderr=slave,
                                   env=dict(os.environ, TERM="xterm"))
    os.close(slave)
    drawn = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert process.wait(timeout=120) == 0
    assert b"batch" in drawn                   # the bar's label
    assert len(out.read_text().splitlines()) == 17_000
    assert all(line.startswith('{"line"') for line in out.read_text().splitlines())


# ------------------------------------------------------------------ input and bindings

def test_bare_batch_at_a_terminal_says_no_program(monkeypatch):
    import gradcli.cli.batch

    monkeypatch.setattr(gradcli.cli.batch, "stdin_is_piped", lambda: False)
    result = run_cli("batch", stdin="x*2\n")
    assert result.code == 2
    assert "no program file" in result.err and "'-'" in result.err
    assert result.out == ""
    # `-` reads the terminal (here: the runner's input) on purpose.
    explicit = run_cli("batch", "-", "x=3", "--format", "json", stdin="x*2\n")
    assert explicit.code == 0 and json.loads(explicit.out)["value"] == 6


def test_piped_bare_batch_still_reads_stdin():
    result = run_cli("batch", "x=3", "--format", "json", stdin="x*2\n")
    assert (result.code, json.loads(result.out)["value"]) == (0, 6)


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_batch_strips_a_utf8_byte_order_mark(tmp_path, how):
    data = "\ufeffx*2\r\nx+1\r\n".encode("utf-8")
    if how == "file":
        path = tmp_path / "bom.txt"
        path.write_bytes(data)
        result = run_cli("batch", str(path), "x=3", "--format", "json")
    else:
        result = run_cli("batch", "x=3", "--format", "json", stdin=data)
    records = [json.loads(line) for line in result.out.splitlines()]
    assert result.code == 0
    assert [r["value"] for r in records] == [6, 4]
    table = run_cli("batch", "x=3", stdin=data).out
    assert "\ufeff" not in table


def test_python_batch_strips_a_byte_order_mark():
    [record] = batch("\ufeffx*2", {"x": 3})
    assert record.program == "x*2" and record.value == 6


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


def test_batch_lines_with_a_shared_array_binding(capsys, array_folder):
    status, out, _ = run(["batch", "lines.txt", "w=[1,2]", "y=3", "--format", "json"], capsys)
    assert status == 0
    records = [json.loads(line) for line in out.splitlines() if line.startswith('{"line"')]
    assert [r["value"] for r in records] == [5.0, [2.0, 4.0], 9.0]
    assert records[1]["gradients"] == {"w": [2.0, 2.0]}
    assert records[2]["gradients"] == {"w": [3.0, 3.0], "y": 3.0}
