import dataclasses
import json
import math

import pytest
from hypothesis import given, settings, strategies as st

from gradcli.lang import ops
from gradcli.checks.gradcheck import gradcheck
from gradcli.checks.results import relative_error, verdict_for
from gradcli.compute import compute
from _helpers import run_cli


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
    import csv
    import io

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
