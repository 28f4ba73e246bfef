"""--gradcheck on array programs: a seeded sample of entries, as CS231n's grad_check_sparse."""

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gradcli
from gradcli.checks.gradcheck import gradcheck
from gradcli.lang.ops import OPS
from gradcli.compute import compute
from _helpers import run_cli

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


def test_claims_about_arrays_are_refused_with_a_reason():
    r = run_cli("w=[1,2]; sum(w*w)", "--expect", "d/dw=3")
    assert r.code == 2
    assert "an array of the shape (2,)" in r.err


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
