"""The second-order options on the command line: --hessian in every format it writes, --hvp
and its direction syntax, --order 2 --wrt x, --gradcheck --order 2, gradcli diff --order N;
the refusals, each one sentence."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess

import pytest
from _helpers import run_cli

NEURON = ("1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2", "w1=-3", "w2=-3", "x0=-1", "x1=-2")


def test_hessian_table():
    run = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--hessian")
    assert run.code == 0
    assert run.out.splitlines()[:5] == [
        "∂²f  x  y  z",
        "────────────",
        "x    0  0  1",
        "y    0  0  1",
        "z    1  1  0"]
    assert "∂f/∂x = -4   ∂f/∂y = -4   ∂f/∂z = 3" in run.out


def test_hessian_json_csv_markdown_agree():
    data = json.loads(run_cli(*NEURON, "--hessian", "--format", "json").out)
    assert data["inputs"] == ["w0", "x0", "w1", "x1", "w2"]
    hessian = data["hessian"]
    # Symmetric up to rounding: column j is the product H·e_j of its own sweep.
    assert all(hessian[i][j] == pytest.approx(hessian[j][i], rel=1e-14, abs=1e-16)
               for i in range(5) for j in range(5))
    rows = list(csv.reader(io.StringIO(run_cli(*NEURON, "--hessian", "--format", "csv").out)))
    assert rows[0] == ["input", "w0", "x0", "w1", "x1", "w2"]
    assert [[float(v) for v in row[1:]] for row in rows[1:]] == hessian
    markdown = run_cli(*NEURON, "--hessian", "--format", "markdown").out
    assert markdown.startswith("| ∂²f/∂row∂column | `w0` | `x0` | `w1` | `x1` | `w2` |")


def test_hessian_wrt_names_the_rows_and_columns():
    data = json.loads(run_cli(*NEURON, "--hessian", "--wrt", "w0,x0", "--format", "json").out)
    assert data["inputs"] == ["w0", "x0"] and len(data["hessian"]) == 2


def test_hessian_latex_compiles(tmp_path):
    run = run_cli("x^2*y + sin(y)", "x=1", "y=2", "--hessian", "--format", "latex")
    assert r"\begin{pmatrix}" in run.out and "% rows and columns: x, y" in run.out
    if shutil.which("pdflatex") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI installs pdflatex (.ci/system-packages)")
        pytest.skip("needs pdflatex (texlive-latex-base)")
    (tmp_path / "h.tex").write_text(run.out)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "h.tex"],
                          cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout[-2000:]


def test_hvp():
    run = run_cli("x^2*y", "x=1", "y=2", "--hvp", "x=1,y=pi/2", "--format", "json")
    data = json.loads(run.out)
    # H = [[2y, 2x], [2x, 0]] = [[4, 2], [2, 0]]; v = (1, pi/2)
    assert data["direction"] == {"x": 1.0, "y": 1.5707963267948966}
    assert data["hvp"] == {"x": 4 + 2 * 1.5707963267948966, "y": 2.0}


def test_hvp_inputs_not_named_have_component_zero():
    data = json.loads(run_cli("x^2*y", "x=1", "y=2", "--hvp", "y=1", "--format", "json").out)
    assert data["direction"] == {"x": 0.0, "y": 1.0} and data["hvp"] == {"x": 2.0, "y": 0.0}


def test_order_2_column():
    run = run_cli("x*y*sin(x)", "x=1", "y=2", "--order", "2", "--wrt", "x", "--format", "json")
    data = json.loads(run.out)
    by_name = {node["name"]: node for node in data["nodes"] if node["name"]}
    assert by_name["y"]["second"]["x"] == pytest.approx(1.3817732906760363, rel=1e-15)
    table = run_cli("x*y*sin(x)", "x=1", "y=2", "--order", "2", "--wrt", "x").out
    assert "∂²f/∂x∂node" in table.splitlines()[0]


def test_gradcheck_order_2():
    run = run_cli("x*y*sin(x) + exp(x*y)", "x=0.5", "y=-1", "--gradcheck", "--order", "2")
    assert run.code == 0
    assert "second-derivative check: centered differences of the gradient, h = 1e-05" in run.out
    assert "checked the 3 second derivatives of 2 inputs" in run.out
    data = json.loads(run_cli("x*y*sin(x)", "x=0.5", "y=-1", "--gradcheck", "--order", "2",
                              "--format", "json").out)
    assert data["gradcheck"]["order"] == 2
    assert [item["label"] for item in data["gradcheck"]["items"]] == \
        ["∂²f/∂x²", "∂²f/∂x∂y", "∂²f/∂y²"]
    assert all(item["verdict"] == "good" for item in data["gradcheck"]["items"])


def test_gradcheck_order_2_straddling_a_kink_says_so():
    run = run_cli("relu(x)*x", "x=0", "--gradcheck", "--order", "2")
    assert run.code == 0 and "kink" in run.out


def test_diff_order():
    run = run_cli("diff", "x^3 * y + sin(x*y)", "--order", "2")
    assert run.out.splitlines() == [
        "f = x ^ 3 * y + sin(x * y)",
        "∂²f/∂x² = 2 * x * (3 * y) - y * (sin(x * y) * y)",
        "∂²f/∂x∂y = 3 * x ^ 2 + cos(x * y) - x * (sin(x * y) * y)",
        "∂²f/∂y² = -(x * (sin(x * y) * x))"]
    assert run_cli("diff", "x^5", "--order", "5").out.splitlines()[1] == "∂⁵f/∂x⁵ = 120"
    mixed = run_cli("diff", "x^3*y^2", "--order", "3", "--wrt", "x,y").out.splitlines()
    assert [line.split(" = ")[0] for line in mixed[1:]] == \
        ["∂³f/∂x³", "∂³f/∂x²∂y", "∂³f/∂x∂y²", "∂³f/∂y³"]
    latex = run_cli("diff", "x^3*y", "--order", "2", "--format", "latex").out
    assert r"\frac{\partial^{2} f}{\partial x \, \partial y} &= 3 \cdot x^{2}" in latex


@pytest.mark.parametrize("argv, message", [
    (("x*y", "x=1", "y=2", "--order", "2"), "--order 2 needs --wrt NAME"),
    (("x*y", "x=1", "y=2", "--hessian", "--format", "dot"),
     "--hessian writes a table, JSON, csv, markdown or latex, not dot"),
    (("x*y", "x=1", "y=2", "--hvp", "x=1", "--format", "latex"), "--hvp writes"),
    (("x*y", "x=1", "y=2", "--hessian", "--hvp", "x=1"), "--hessian and --hvp each make"),
    (("x*y", "x=1", "y=2", "--hessian", "--exact"), "each make their own report"),
    (("x*y", "x=1", "y=2", "--hessian", "--expect", "value=2"), "cannot be used together"),
    (("x*y", "x=1", "y=2", "--hvp", "x"), "is not a binding"),
    (("x*y", "x=1", "y=2", "--hvp", "w=1"), "'w' is not an input"),
    (("x*y", "x=1", "y=2", "--hvp", "x=[1,2]"), "must be a number"),
    (("q = x*y; f = q^2", "x=1", "y=2", "--hessian", "--wrt", "q"), "'q' is not an input"),
    (("x*y", "x=1", "y=2", "--order", "3"), "3 is not in the range 1<=x<=2"),
    (("sum(w*2)", "w=[1,2]", "--hessian"), "--hessian works on scalar programs only"),
    (("sum(w*2)", "w=[1,2]", "--gradcheck", "--order", "2"),
     "--gradcheck --order 2 works on scalar programs only"),
    (("diff", "x*y", "--order", "2", "--wrt", "q"), "'q' is not an input"),
    (("diff", "x*y", "--order", "6"), "6 is not in the range 1<=x<=5"),
])
def test_refusals(argv, message):
    run = run_cli(*argv)
    assert run.code == 2 and message in run.err, run.err
    assert run.err.startswith("error: ") and "Traceback" not in run.err


def test_the_emitted_backward_pass_differentiates_to_the_hessian(tmp_path):
    emitted = run_cli("x*y*sin(x) + relu(x-y)", "x=1", "y=2", "--format", "python").out
    (tmp_path / "backward.py").write_text(emitted)
    row = json.loads(run_cli("-f", str(tmp_path / "backward.py"), "--output", "dx",
                             "--format", "json").out)
    hessian = json.loads(run_cli("x*y*sin(x) + relu(x-y)", "x=1", "y=2", "--hessian",
                                 "--format", "json").out)["hessian"]
    assert row["gradients"]["x"] == pytest.approx(hessian[0][0], rel=1e-14)
    assert row["gradients"]["y"] == pytest.approx(hessian[0][1], rel=1e-14)
