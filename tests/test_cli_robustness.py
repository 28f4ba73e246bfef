"""The command line under hostile conditions: random text and token soups never crash it or
print a traceback, in any format; closed stdin; binary or non-UTF-8 input; error excerpts that
fit an 80-column terminal; a reader that closes the pipe early (a quiet exit 0); and outputs
that cannot be written (exit 74, from every command)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.cli import main

GRADCLI = [sys.executable, "-m", "gradcli"]


# ------------------------------------------------------------------ random input never crashes

def run_main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    terminal = io.StringIO("")
    terminal.isatty = lambda: True      # as at a prompt: nothing is piped in
    saved = sys.stdin
    sys.stdin = terminal
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    finally:
        sys.stdin = saved
    return status, out.getvalue(), err.getvalue()


def assert_clean(status: int, out: str, err: str) -> None:
    assert status in (0, 2, 3), (status, err)
    assert "Traceback" not in err and "Traceback" not in out
    if status:
        assert err.startswith("error: ") and len(err.strip().split("\n")) <= 4, err


TOKENS = ["x", "y", "w0", "2", "0", ".5", "1e-3", "1e999", "3.", "+", "-", "*", "/", "^", "**",
          "(", ")", "[", "]", ",", ";", "\n", "\r\n", "=", "+=", ".", ":", "#", "# c", "\\\n",
          "exp", "log", "sqrt", "max", "min", "pow", "sigmoid", "relu", "abs", "asin", "math",
          "np", "numpy", "pi", "e", "import", "as", "print", "def", "return", "lambda", "if",
          "−", "×", "²", "√", "\u00a0", "ｘ", "[bold]", "[/]", "\x1b", "\x00", "'", "@", "\t",
          "*", "axis", "f", "q", "sinn"]


soups = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).map(
    lambda parts: " ".join(parts))


bindings_tokens = st.lists(st.sampled_from(["x=1", "y=-2", "w0=0", "x=pi/2", "q=1", "x=",
                                            "y=1/0", "x=1e999", "z", "x=1", "e=2", "f=3"]),
                           max_size=4)


@settings(deadline=None, max_examples=150)
@given(soups, bindings_tokens)
def test_token_soups_never_crash(text, extra):
    assert_clean(*run_main(["--", text, *extra]))


@settings(deadline=None, max_examples=150)
@given(st.text(max_size=40), bindings_tokens)
def test_random_text_never_crashes(text, extra):
    assert_clean(*run_main(["--", text, *extra]))


@settings(deadline=None, max_examples=60)
@given(soups, st.sampled_from(["json", "csv", "markdown", "table"]))
def test_token_soups_in_every_format(text, fmt):
    status, out, err = run_main(["--format", fmt, "--", text, "x=1", "y=2"])
    assert_clean(status, out, err)
    if fmt == "json":
        import json

        data = json.loads(out, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        assert ("error" in data) == (status != 0)


@settings(deadline=None, max_examples=80)
@given(st.text(max_size=20))
def test_random_binding_values_never_crash(value):
    assert_clean(*run_main(["x*2", f"x={value}"]))


# ------------------------------------------------------------------ input

def run(args, **kw):
    return subprocess.run(GRADCLI + args, capture_output=True, text=True, timeout=60, **kw)


def test_closed_stdin_is_bad_input_not_a_crash():
    done = subprocess.run(GRADCLI, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=60, preexec_fn=lambda: os.close(0))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "no program" in done.stderr


def test_binary_input_is_refused_at_once(tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"x = 1\n\x00\x00\xff")
    done = run(["-f", str(blob)])
    assert done.returncode == 2
    assert "NUL byte" in done.stderr


def test_a_byte_that_is_not_utf8_is_pointed_at_but_allowed_in_comments(tmp_path):
    program = tmp_path / "latin1.py"
    program.write_bytes(b"x = 2 # caf\xe9 au lait\nf = x * 3\xe9\n")
    done = run(["-f", str(program)])
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == ("error: byte 0xE9 is not UTF-8 text (outside a comment, a program is "
                        "ASCII; save the file as UTF-8)")
    assert "line 2, column 10" in lines[1]
    assert lines[3].index("^") == lines[2].index("3") + 1
    # The same byte inside a comment only is fine, from a file and from stdin alike.
    program.write_bytes(b"x = 2 # caf\xe9\nf = x * 3\n")
    assert run(["-f", str(program)]).returncode == 0
    assert run([], input=None, stdin=open(program, "rb")).returncode == 0


def test_error_excerpts_fit_80_columns(capsys):
    program = "+".join(["x"] * 60) + "+log(x-2)+" + "+".join(["x"] * 60)
    assert main([program, "x=2"]) == 3
    err = capsys.readouterr().err.splitlines()
    assert all(len(line) <= 80 for line in err), err
    source, caret = err[2], err[3]
    assert source[caret.index("^"):].startswith("log(x-2)")


# ------------------------------------------------------------------ a reader that leaves early

def test_a_closed_pipe_exits_quietly(tmp_path):
    """`gradcli ... | head -1`: the reader leaves early; no traceback, no noise."""
    n = 3000
    program = "+".join(f"x*{i}" for i in range(n))
    proc = subprocess.Popen([sys.executable, "-m", "gradcli", program, "x=1", "--all",
                             "--format", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, cwd=tmp_path)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    status = proc.wait(timeout=60)
    assert first.startswith(b"id,name,op")
    assert b"Traceback" not in err and b"Exception ignored" not in err, err
    assert err == b""
    assert status == 0


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


# ------------------------------------------------------------------ unwritable output: exit 74

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("extra", [[], ["--format", "json"]])
def test_a_full_disk_is_exit_74_with_one_line(extra):
    with open("/dev/full", "w") as full:
        done = subprocess.run(GRADCLI + ["x*2", "x=1"] + extra, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 74
    assert done.stderr.strip() == "error: cannot write the output: No space left on device"


def test_closed_stdout_is_exit_74_without_traceback():
    done = subprocess.run(GRADCLI + ["x*2", "x=1"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=60,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 74
    assert "Traceback" not in done.stderr
    assert "standard output is closed" in done.stderr


def test_out_file_that_cannot_be_written(cli, tmp_path):
    run = cli("x", "x=1", "-o", str(tmp_path / "missing" / "out.txt"))
    assert run.status == 74 and "cannot write" in run.err    # EX_IOERR, as for a full disk


FULL_OUTPUTS = [
    ["x*2", "x=1"],
    ["x*2", "x=1", "--format", "json"],
    ["x*2", "x=1", "--expect", "value=2"],
    ["x*2", "x=1", "--gradcheck", "--format", "csv"],
    ["x*2", "x=1", "--exact"],
    ["diff", "x*2"],
    ["graph", "x*y", "x=1", "y=2", "--format", "mermaid"],
    ["verify", "{verify}"],
    ["batch", "{lines}"],
    ["check", "{answers}"],
    ["key", "{answers}"],
]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", FULL_OUTPUTS, ids=" ".join)
@pytest.mark.parametrize("where", ["stdout", "-o"])
def test_every_command_exits_74_when_its_output_cannot_be_written(tmp_path, args, where):
    files = {"verify": "x = 2\nf = x * x\ndf = 1.0\ndx = 2 * x * df\n",
             "lines": "x*2\nx+1\n",
             "answers": '[[problem]]\nid = "1"\nprogram = "x*2"\nat = {x = 1}\n'
                        'expect = {value = 2}\n'}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    args = [a.format(**{k: str(tmp_path / k) for k in files}) for a in args]
    if where == "-o":
        if args[0] == "graph":
            pytest.skip("graph -o picks its format by the file's extension")
        args = args + ["-o", "/dev/full"]
        done = subprocess.run(GRADCLI + args, capture_output=True, text=True, timeout=60)
    else:
        with open("/dev/full", "w") as full:
            done = subprocess.run(GRADCLI + args, stdout=full, stderr=subprocess.PIPE,
                                  text=True, timeout=60)
    assert done.returncode == 74, done.stderr
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
