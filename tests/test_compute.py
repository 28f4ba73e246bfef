"""gradcli.compute, the one place that picks an engine: a run parses its program once and
lowers it once, a plain run loads no engine it does not use, and every command names the
output by the one rule."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import gradcli
import gradcli.compute as compute_module
from gradcli.cli import main


@pytest.fixture
def counted(monkeypatch):
    """How many times the program text is parsed and lowered during a run."""
    calls = {"parse": 0, "lower": 0}
    real_parse, real_lower = compute_module.parse, compute_module.lower

    def ours(text: str) -> bool:
        return text.startswith(PROGRAM.split("\n", 1)[0])

    def parse(text):
        if ours(text):
            calls["parse"] += 1
        return real_parse(text)

    def lower(statements, source, *args, **kwargs):
        if ours(source):
            calls["lower"] += 1
        return real_lower(statements, source, *args, **kwargs)

    monkeypatch.setattr(compute_module, "parse", parse)
    monkeypatch.setattr(compute_module, "lower", lower)
    return calls


PROGRAM = "q = x + y\nf = q * z\n"


@pytest.mark.parametrize("extra", [[], ["--format", "json"], ["--exact"], ["--exact", "--format",
                                   "json"], ["--mode", "forward", "--wrt", "x"], ["--explain"],
                                   ["--expect", "value=-12"], ["--gradcheck"],
                                   ["--format", "python"], ["--format", "latex"]])
def test_a_run_parses_and_lowers_its_program_once(counted, capsys, extra):
    assert main([PROGRAM, "x=-2", "y=5", "z=-4", *extra]) == 0, capsys.readouterr().err
    assert counted == {"parse": 1, "lower": 1}


def test_exact_past_a_float_overflow_lowers_once(counted, capsys, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "PROGRAM", "f = x^1000\n")
    assert main([PROGRAM, "x=3", "--exact", "--format", "json"]) == 0
    assert counted == {"parse": 1, "lower": 1}
    assert json.loads(capsys.readouterr().out)["value"]["exact"].startswith("1322070819")


def test_diff_parses_and_lowers_once(counted, capsys):
    assert main(["diff", PROGRAM]) == 0
    assert counted == {"parse": 1, "lower": 1}


def test_verify_parses_once_and_lowers_the_forward_pass_once(counted, capsys, tmp_path):
    path = tmp_path / "backprop.py"
    path.write_text(PROGRAM + "df = 1.0\ndq = z * df\ndz = q * df\ndx = dq\ndy = dq\n")
    assert main(["verify", str(path), "x=-2", "y=5", "z=-4"]) == 0, capsys.readouterr()
    assert counted == {"parse": 1, "lower": 1}


def _modules_after(argv: list[str]) -> set[str]:
    code = ("import sys\nfrom gradcli.cli import main\n"
            f"status = main({argv!r})\n"
            "print(' '.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split("\n")[-2].split())


def test_a_plain_run_loads_only_what_it_uses():
    loaded = _modules_after(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "json"])
    assert "gradcli.engine.scalar" in loaded
    for unused in ("numpy", "rich", "fractions", "gradcli.engine.exact",
                   "gradcli.engine.symbolic", "gradcli.engine.arrays", "gradcli.checks",
                   "gradcli.records", "gradcli.grading", "gradcli.render.table",
                   "gradcli.cli.batch"):
        assert unused not in loaded, unused


def test_an_array_program_loads_the_array_engine():
    loaded = _modules_after(["w = [1, 2]\nsum(w * x)", "x=3", "--format", "json"])
    assert "numpy" in loaded and "gradcli.engine.arrays.report" in loaded


# ------------------------------------------------------------------ one output-name rule

NAMED_F = "f = 3.0\ny = 2.0\nf * y\n"       # f is an input: the unnamed output is 'out'


def test_the_output_is_out_when_f_is_taken_everywhere(capsys):
    assert gradcli.grad(NAMED_F).output_name == "out"
    assert main(["diff", NAMED_F]) == 0
    assert "∂out/∂f = y" in capsys.readouterr().out
    assert main([NAMED_F, "--format", "python"]) == 0
    assert "dout = 1.0" in capsys.readouterr().out
    result = gradcli.verify(NAMED_F + "df = y\ndy = f\n")
    assert result.output == "out" and result.ok, result.render()
