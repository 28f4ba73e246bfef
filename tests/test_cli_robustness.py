"""The command line under hostile conditions: closed or full outputs, binary or non-UTF-8
input, typos of commands, and error excerpts that must fit an 80-column terminal."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gradcli.cli import main

GRADCLI = [sys.executable, "-m", "gradcli"]


def run(args, **kw):
    return subprocess.run(GRADCLI + args, capture_output=True, text=True, timeout=60, **kw)


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


@pytest.mark.parametrize("args,words", [
    (["--precision", "0", "x", "x=1"], "invalid value for '--precision'"),
    (["--format", "foo", "x"], "invalid value for '--format'"),
    (["--no-such-option", "x"], "no such option"),
])
def test_option_errors_read_like_every_other_error(args, words, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err.lower()
    assert "see gradcli --help" in err
    assert "Usage:" not in err and len(err.strip().splitlines()) == 1


def test_a_misspelt_command_gets_a_suggestion(capsys):
    assert main(["verfy", "neuron.py"]) == 2
    assert "did you mean the command 'gradcli verify'?" in capsys.readouterr().err


def test_wrt_names_are_listed_once(capsys):
    assert main(["x*2", "x=1", "--wrt", "x,x"]) == 0
    assert capsys.readouterr().out.count("∂f/∂x = 2") == 1


@pytest.mark.parametrize("out,format_", [("t.png", "table"), ("m.svg", "mermaid"),
                                         ("d.mmd", "dot"), ("x.json", "csv")])
def test_an_output_extension_the_format_would_not_write_is_refused(out, format_, tmp_path,
                                                                      capsys):
    assert main(["x*2", "x=1", "--format", format_, "-o", str(tmp_path / out)]) == 2
    assert "needs --format" in capsys.readouterr().err
    assert not (tmp_path / out).exists()


# ------------------------------------------------------------------ one writer: exit 74 everywhere

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
