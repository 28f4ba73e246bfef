"""render/latex, --format latex (and gradcli diff --format latex): snapshots, and pdflatex
compiles them. The LaTeX spelling of expressions and names is tested in test_printer.py."""

import os
import shutil
import subprocess

import pytest
from _helpers import CIRCUITS, assert_snapshot, report, run

from gradcli.render import Settings
from gradcli.render.latex import render

NEEDS_LATEX = pytest.mark.skipif(
    shutil.which("pdflatex") is None and os.environ.get("CI") != "true",
    reason="pdflatex is not installed (.ci/system-packages installs texlive-latex-base)")


@pytest.mark.parametrize("circuit", sorted(CIRCUITS))
def test_latex_snapshot(circuit):
    assert_snapshot(f"latex_{circuit}.tex", render(report(circuit), Settings()))


def test_chain_rule_steps_substitute_numbers():
    text = render(report("add_mul"), Settings())
    assert r"&= 1 \cdot z \\" in text and r"&= 1 \cdot \left(-4\right) \\" in text
    assert r"\frac{\partial f}{\partial x} &= \frac{\partial f}{\partial t_{1}}" in text


def _compile(tmp_path, tex: str):
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "doc.pdf").read_bytes().startswith(b"%PDF")
    return (tmp_path / "doc.log").read_text(encoding="latin-1")


@NEEDS_LATEX
@pytest.mark.parametrize("circuit", ["neuron", "staged"])
def test_latex_compiles(tmp_path, circuit):
    _compile(tmp_path, render(report(circuit), Settings()))


@NEEDS_LATEX
def test_diff_latex_compiles(tmp_path, capsys):
    status, out, err = run(["diff", "relu(w*x + b) + max(x, y) / sqrt(abs(y) + 1)",
                            "--format", "latex"], capsys)
    assert status == 0, err
    _compile(tmp_path, "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
             + out + "\\end{document}\n")


def test_cli_latex(capsys):
    status, out, err = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "latex"], capsys)
    assert status == 0 and out.startswith(r"\documentclass{article}") and err == ""


@NEEDS_LATEX
def test_the_staged_example_fits_the_page(tmp_path, capsys):
    from pathlib import Path

    example = Path(__file__).parent.parent / "examples" / "staged.py"
    status, out, err = run(["-f", str(example), "--format", "latex"], capsys)
    assert status == 0, err
    log = _compile(tmp_path, out)
    assert "Overfull" not in log and "Underfull" not in log


@NEEDS_LATEX
def test_long_local_rules_wrap_instead_of_running_off(tmp_path):
    from gradcli.compute import compute

    program = ("numerator_value = x + sigmoid(y); denominator_value = sigmoid(x) + (x + y)^2; "
               "f = numerator_value / denominator_value")
    log = _compile(tmp_path, render(compute(program, {"x": 3.0, "y": -4.0}), Settings()))
    assert "Overfull" not in log


