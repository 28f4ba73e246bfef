"""checks/gradcheck and checks/gradcheck_arrays, --gradcheck: the analytic gradients against
central differences. Verdicts by relative error (good, ok, suspicious, wrong); a kink, a tie or
a step leaving the domain is named, never called wrong; large graphs and array inputs are
checked on a seeded sample of entries (as CS231n's grad_check_sparse); --gradcheck in batch
lines and check files; and each row labelled as the table labels its node."""

import csv
import dataclasses
import io
import json
import math

import numpy as np
import pytest
from _helpers import run, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcli
from gradcli.checks.gradcheck import gradcheck
from gradcli.checks.results import relative_error, verdict_for
from gradcli.compute import compute
from gradcli.lang import ops
from gradcli.lang.ops import OPS

# ------------------------------------------------------------------ scalar programs

def check(program, **bindings):
    return gradcheck(compute(program, bindings))


@pytest.mark.parametrize("program, point", [
    ("(x+y)*z", dict(x=-2, y=5, z=-4)),
    ("1/(1+exp(-(w0*x0+w1*x1+w2)))", dict(w0=2, w1=-3, w2=-3, x0=-1, x1=-2)),
    ("sigy = sigmoid(y); num = x + sigy; xpy = x + y; f = num / (sigmoid(x) + xpy^2)",
     dict(x=3, y=-4)),
    ("log(x) * tanh(y) + sqrt(x*y)", dict(x=2.5, y=0.7)),
])
def test_smooth_functions_are_good_or_ok(program, point):
    result = check(program, **point)
    assert result.passed
    assert {item.verdict for item in result.items} <= {"good", "ok"}
    assert len(result.items) == len(point) + result.intermediates
    assert result.seed is None


@settings(deadline=None, max_examples=50)
@given(st.floats(-3, 3), st.floats(0.1, 3))
def test_smooth_properties(x, y):
    result = check("sin(x*y) + x^3 / y + exp(-x)", x=x, y=y)
    assert result.passed, [(i.label, i.analytic, i.numeric) for i in result.items]


def _patched(monkeypatch, table, name, partials):
    bad = dataclasses.replace(ops.OPS[name], partials=partials)
    monkeypatch.setitem(table, name, bad)


def test_a_wrong_function_op_is_caught(monkeypatch):
    _patched(monkeypatch, ops.FUNCTIONS, "sin", lambda ans, x: (-math.cos(x),))
    result = check("sin(x) * y", x=0.3, y=2)
    assert not result.passed
    assert [item.label for item in result.wrong] == ["x"]
    r = run_cli("sin(x) * y", "x=0.3", "y=2", "--gradcheck")
    assert r.code == 1
    assert "wrong" in r.out


def test_a_wrong_infix_op_is_caught_at_the_node(monkeypatch):
    _patched(monkeypatch, ops.OPS, "mul", lambda ans, a, b: (b, 2 * a))
    result = check("q = x + y; f = q * z", x=-2, y=5, z=-4)
    wrong = {item.label for item in result.wrong}
    assert "z" in wrong
    assert "x" not in wrong       # x's path uses d/dq of mul, which is still right


def test_relu_kink_is_a_kink_not_wrong():
    result = check("relu(x) * y", x=0, y=5)
    item = result.items[0]
    assert item.label == "x" and item.verdict == "kink"
    assert "relu(x)" in item.note
    assert result.passed
    r = run_cli("relu(x) * y", "x=0", "y=5", "--gradcheck")
    assert r.code == 0
    assert "kink" in r.out


def test_kink_near_but_not_at_the_point():
    result = check("abs(x)", x=3e-6)      # 0 lies inside [x-h, x+h]
    assert result.items[0].verdict == "kink"
    assert check("abs(x)", x=1).items[0].verdict == "good"


def test_max_tie_is_a_kink():
    result = check("max(x, y)", x=1, y=1)
    assert {item.verdict for item in result.items[:2]} == {"kink"}


def test_step_leaving_the_domain_is_undefined_not_wrong():
    result = check("sqrt(x)", x=0)
    assert result.items[0].verdict == "undefined"
    assert result.passed


def test_large_graphs_are_sampled_with_a_seed():
    program = " + ".join(f"sin({k}*x)" for k in range(1, 200))   # ~600 intermediates
    report = compute(program, {"x": 0.1})
    first = gradcheck(report, seed=7)
    again = gradcheck(report, seed=7)
    other = gradcheck(report, seed=8)
    assert first.checked == 200 and first.intermediates > 200 and first.seed == 7
    assert [i.node for i in first.items] == [i.node for i in again.items]
    assert [i.node for i in first.items] != [i.node for i in other.items]
    assert "seed 7" in first.coverage()
    r = run_cli(program, "x=0.1", "--gradcheck", "--sample-seed", "7", "--format", "json")
    data = json.loads(r.out)["gradcheck"]
    assert (data["checked"], data["seed"]) == (200, 7)


def test_thresholds():
    assert verdict_for(2e-2) == "wrong"
    assert verdict_for(1e-3) == "suspicious"
    assert verdict_for(1e-5) == "ok"
    assert verdict_for(1e-8) == "good"
    assert relative_error(1e-12, 3e-12) == 0.0       # tiny absolute difference: agreement
    assert relative_error(1.0, 1.1) == pytest.approx(0.1 / 1.1)


def test_step_option():
    r = run_cli("x^3", "x=1", "--gradcheck", "--step", "0.1", "--format", "json")
    data = json.loads(r.out)["gradcheck"]
    assert data["step"] == 0.1
    assert data["items"][0]["verdict"] == "suspicious"     # h = 0.1 is too coarse for x^3
    assert run_cli("x^3", "x=1", "--gradcheck", "--step", "0").code == 2
    assert run_cli("x^3", "x=1", "--gradcheck", "--step", "-1").code == 2


def test_csv_with_gradcheck_parses():
    r = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--gradcheck", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert {row["check"] for row in rows} == {"gradcheck"}
    assert {row["item"] for row in rows} >= {"x", "y", "z"}
    assert all(row["verdict"] == "good" for row in rows)


def test_gradcheck_in_batch_and_check_files(monkeypatch, tmp_path):
    r = run_cli("batch", "-", "x=0.3", "--gradcheck", "--format", "json",
                stdin="sin(x)\nrelu(x - 0.3)\n")
    records = [json.loads(line) for line in r.out.splitlines()]
    assert r.code == 0
    assert [rec["gradcheck"]["passed"] for rec in records] == [True, True]
    assert records[1]["gradcheck"]["counts"]["kink"] == 2      # x and x - 0.3
    _patched(monkeypatch, ops.FUNCTIONS, "sin", lambda ans, x: (-math.cos(x),))
    r = run_cli("batch", "-", "x=0.3", "--gradcheck", stdin="sin(x)\nx*2\n")
    assert r.code == 1
    assert "gradcheck wrong at x" in r.out
    answers = tmp_path / "a.toml"
    answers.write_text('[[problem]]\nprogram = "sin(x)"\nat = {x = 0.3}\n'
                       'expect = {"d/dx" = -0.955336489125606}\n')
    r = run_cli("check", str(answers), "--gradcheck")
    assert r.code == 1 and "FAIL  1   gradcheck" in r.out


# ------------------------------------------------------------------ array programs

MATRIX = "W = np.random.randn(5, 10); X = np.random.randn(10, 3); D = W.dot(X)"


def test_the_matrix_program_passes_with_a_sample_of_entries():
    r = run_cli(MATRIX, "--gradcheck", "--upstream", "randn")
    assert r.code == 0, r.out + r.err
    assert "checked a sample of 20 entries of 2 inputs (at most 10 each, seed 0): 20 good" in r.out
    assert "W[" in r.out and "X[" in r.out


def test_the_sample_is_seeded_and_reported():
    report = compute(MATRIX, upstream="randn")
    first = [item.label for item in gradcheck(report, seed=1).items]
    assert first == [item.label for item in gradcheck(report, seed=1).items]
    assert first != [item.label for item in gradcheck(report, seed=2).items]
    out = json.loads(run_cli(MATRIX, "--gradcheck", "--sample-seed", "7", "--format",
                             "json").out)["gradcheck"]
    assert out["seed"] == 7 and out["passed"] is True
    assert out["sample"].endswith("(at most 10 each, seed 7)")
    assert len(out["items"]) == 20


def test_small_inputs_are_checked_whole_and_scalars_by_name():
    result = gradcli.gradcheck("sum(w * x) * b", {"w": [1.0, 2.0], "x": [3.0, -1.0], "b": 2.0})
    assert sorted(item.label for item in result.items) == ["b", "w[0]", "w[1]", "x[0]", "x[1]"]
    assert result.passed


def test_a_wrong_gradient_is_caught(monkeypatch):
    report = compute(MATRIX, upstream="randn")
    report.grads[report.graph.inputs["X"]] = report.grads[report.graph.inputs["X"]] * 1.5
    result = gradcheck(report)
    assert not result.passed
    assert {item.label[0] for item in result.wrong} == {"X"}
    # And a wrong VJP in the op table fails the one-liner with exit 1.
    matmul = OPS["matmul"]
    right = matmul.vjp

    def flipped(g, ans, a, b):          # the right VJP for a, the wrong sign for b
        part_a, part_b = right(g, ans, a, b)
        return part_a, -(part_b() if callable(part_b) else part_b)

    monkeypatch.setitem(matmul.__dict__, "vjp", flipped)
    r = run_cli(MATRIX, "--gradcheck")
    assert r.code == 1
    assert "wrong" in r.out
    assert run_cli(MATRIX, "--gradcheck", "-q").code == 1


def test_a_kink_is_named_not_called_wrong():
    result = gradcli.gradcheck("sum(relu(w * x))", {"w": [1.0, -2.0, 3.0], "x": [0.0, 1.0, 2.0]})
    kinks = [item for item in result.items if item.verdict == "kink"]
    assert [item.label for item in kinks] == ["x[0]"]
    assert "switches branch" in kinks[0].note
    assert result.passed


def test_batch_and_check_files_gradcheck_array_programs(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("sum(w * w)\nsum(np.random.randn(2) * w)\n")
    r = run_cli("batch", str(lines), "w=[1, 2]", "--gradcheck")
    assert r.code == 0, r.out + r.err
    assert r.out.count("gradcheck ok") == 2
    r = run_cli("batch", str(lines), "w=[1, 2]", "--gradcheck", "--format", "json")
    records = [json.loads(line) for line in r.out.splitlines()]
    assert all(rec["gradcheck"]["passed"] for rec in records)
    assert records[0]["gradients"]["w"] == [2.0, 4.0]
    problems = tmp_path / "p.toml"
    problems.write_text('[[problem]]\nid = "1"\nprogram = "w = [1.0, 2.0]; s = sum(w * w)"\n'
                        'expect = {value = 5}\ngradcheck = true\n')
    r = run_cli("check", str(problems), "--format", "json")
    assert r.code == 0, r.out + r.err
    items = json.loads(r.out)["files"][0]["items"]
    assert [(i["item"], i["passed"]) for i in items] == [("value", True), ("gradcheck", True)]


def test_the_numeric_differences_match_numpy():
    report = compute("sum(np.exp(w) * x)", {"w": [0.5, -1.0], "x": [2.0, 3.0]})
    result = gradcheck(report)
    for item in result.items:
        name, k = item.label[0], int(item.label[2])
        expected = {"w": np.exp([0.5, -1.0]) * [2.0, 3.0], "x": np.exp([0.5, -1.0])}[name][k]
        assert item.numeric == pytest.approx(expected, rel=1e-8)


@settings(deadline=None, max_examples=25)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 1000))
def test_array_programs_pass_their_gradcheck_at_any_shapes(m, n, seed):
    program = (f"W = np.random.randn({m}, {n}); x = np.random.randn({n}); "
               f"v = np.random.randn({m}); s = sum(tanh(W @ x) * v) + mean(exp(x) / 2)")
    result = gradcheck(compute(program, seed=seed), seed=seed)
    assert result.passed
    assert len(result.items) == min(10, m * n) + min(10, n) + min(10, m)
    assert all(item.verdict in ("good", "ok") for item in result.items)


@pytest.mark.parametrize("program", ["max(w)", "min(w)", "max(w*2)", "sum(max(w, axis=0))",
                                     "sum(min(w.reshape(1, 2), axis=1))"])
def test_a_tie_in_a_reduction_is_a_kink_not_a_crash(program):
    r = run_cli(program, "w=[1,1]", "--gradcheck")
    assert r.code == 0, r.out + r.err
    assert "switches branch" in r.out and "2 kink" in r.out
    result = gradcli.gradcheck(program, {"w": [1, 1]})
    assert [item.verdict for item in result.items] == ["kink", "kink"]


def test_a_reduction_without_a_tie_is_checked_as_usual():
    result = gradcli.gradcheck("max(w) + sum(min(v, axis=0))", {"w": [1, 3], "v": [[2, 5], [4, 1]]})
    assert result.passed and {item.verdict for item in result.items} == {"good"}


def test_batch_gradcheck_of_a_tied_reduction():
    r = run_cli("batch", "-", "w=[1,1]", "--gradcheck", stdin="max(w)\n")
    assert r.code == 0, r.out + r.err
    assert "gradcheck ok (2 at a kink)" in r.out


# ------------------------------------------------------------------ row labels

def test_gradcheck_rows_show_the_text_beside_a_bare_id(capsys):
    status, out, _ = run(["1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2", "x0=-1", "w1=-3", "x1=-2",
                          "w2=-3", "--gradcheck"], capsys)
    assert status == 0
    labels = [line.split("  ")[0] for line in out.splitlines()]
    assert "#10 w0*x0+w1*x1+w2" in labels
    assert not any(label.strip().startswith("#") and " " not in label.strip()
                   for label in labels)
