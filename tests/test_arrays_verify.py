"""gradcli verify on the note's array blocks (sigmoid neuron, matrix multiply) and broken variants."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gradcli
from gradcli.errors import InputError
from _helpers import run_cli

DATA = Path(__file__).parent / "data"
NEURON = (DATA / "note_neuron.py").read_text()
MATRIX = (DATA / "note_matrix.py").read_text()


def verify_text(tmp_path, text, *extra):
    path = tmp_path / "block.py"
    path.write_text(text)
    return run_cli("verify", str(path), *extra)


def broken(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("name", ["note_neuron.py", "note_matrix.py"])
def test_the_notes_whole_array_blocks_pass(name):
    r = run_cli("verify", str(DATA / name))
    assert r.code == 0, r.out + r.err
    assert "ok: every gradient matches" in r.out


def test_the_matrix_block_checks_dw_and_dx_against_numpys_own_draws():
    result = gradcli.verify(MATRIX, seed=5)
    assert result.ok
    checks = {g.variable: g for g in result.gradients}
    np.random.seed(5)
    W, X = np.random.randn(5, 10), np.random.randn(10, 3)
    dD = np.random.randn(5, 3)
    assert np.array_equal(checks["dD"].got, dD)
    assert np.allclose(checks["dW"].expected, dD.dot(X.T))
    assert np.allclose(checks["dX"].expected, W.T.dot(dD))
    assert result.output == "D"


def test_the_neuron_block_gives_the_notes_gradients():
    result = gradcli.verify(NEURON)
    checks = {g.variable: g for g in result.gradients}
    f = 1 / (1 + np.exp(-(2 * -1 + -3 * -2 - 3)))
    ddot = (1 - f) * f
    assert float(checks["ddot"].got) == pytest.approx(ddot)
    assert checks["dx"].got.tolist() == pytest.approx([2 * ddot, -3 * ddot])
    assert checks["dw"].got.tolist() == pytest.approx([-ddot, -2 * ddot, ddot])


@pytest.mark.parametrize("old, new, line, kind, words", [
    ("dW = dD.dot(X.T)", "dW = X.dot(dD.T)", 8, "shape",
     "dW has the shape (10, 5), but W has the shape (5, 10)"),
    ("dX = W.T.dot(dD)", "dX = -W.T.dot(dD)", 9, "sign", "dX has the wrong sign"),
    ("dX = W.T.dot(dD)", "dX = W.T.dot(dD) * 2", 9, "wrong-local",
     "dX differs from the gradient of D with respect to X in 30 of 30 entries"),
    ("dW = dD.dot(X.T)", "dW = dD.T.dot(X)", 8, "error",
     "dD.T.dot(X): (3, 5) @ (10, 3): inner dimensions 5 and 10 differ"),
])
def test_broken_matrix_blocks_are_caught_at_their_line(tmp_path, old, new, line, kind, words):
    text = broken(MATRIX, old, new)
    result = gradcli.verify(text)
    assert [(f.line, f.kind) for f in result.findings] == [(line, kind)]
    assert words in result.findings[0].message
    r = verify_text(tmp_path, text)
    assert r.code == 1
    assert f"block.py:{line}:" in r.out and words.split(":")[0] in r.out


@pytest.mark.parametrize("old, new, line, column, kind, words", [
    ("dx = [w[0] * ddot, w[1] * ddot]", "dx = [w[0] * ddot, w[0] * ddot]", 10, 20, "wrong-entry",
     "dx[1] = w[0] * ddot is wrong"),
    ("1.0 * ddot]", "-1.0 * ddot]", 11, 33, "wrong-entry", "dw[2] = -1.0 * ddot has the wrong sign"),
    ("ddot = (1 - f) * f", "ddot = (f - 1) * f", 9, 1, "sign", "ddot has the wrong sign"),
])
def test_broken_neuron_blocks_are_caught_at_their_item(tmp_path, old, new, line, column, kind,
                                                       words):
    text = broken(NEURON, old, new)
    result = gradcli.verify(text)
    # A spoilt ddot is not reported again in dx and dw, which use it.
    assert [(f.line, f.column, f.kind) for f in result.findings] == [(line, column, kind)]
    assert words in result.findings[0].message
    r = verify_text(tmp_path, text, "--format", "json")
    assert r.code == 1
    out = json.loads(r.out)
    assert out["ok"] is False and out["findings"][0]["line"] == line
    assert "got" not in out["gradients"][0]       # no answers without --show-values


def test_show_values_gives_arrays_as_lists_and_previews(tmp_path):
    r = verify_text(tmp_path, MATRIX, "--show-values", "--format", "json")
    out = json.loads(r.out)
    assert r.code == 0
    assert np.array(out["gradients"][1]["expected"]).shape == (5, 10)
    r = verify_text(tmp_path, MATRIX, "--show-values")
    assert "(5, 10)" in r.out and all(len(line) <= 80 for line in r.out.splitlines()[1:])


def test_accumulation_with_plus_equals_is_judged_when_complete(tmp_path):
    text = "x = [1.0, 2.0]\ny = x * x\ndy = np.ones(2)\ndx = x * dy\ndx += x * dy\n"
    assert gradcli.verify(text).ok
    wrong = "x = [1.0, 2.0]\ny = x * x\ndy = np.ones(2)\ndx = x * dy\ndx += 2 * x * dy\n"
    result = gradcli.verify(wrong)
    assert [(f.line, f.kind) for f in result.findings] == [(5, "wrong-local")]


def test_a_missing_upstream_for_an_array_output_is_bad_input(tmp_path):
    text = "W = np.random.randn(2, 3)\nD = W * 2\ndW = 2 * np.ones((2, 3))\n"
    with pytest.raises(InputError, match="upstream gradient, as in dD = np.random.randn"):
        gradcli.verify(text)
    assert verify_text(tmp_path, text).code == 2


def test_an_input_without_a_gradient_line_is_reported():
    text = MATRIX.replace("dX = W.T.dot(dD)\n", "")
    result = gradcli.verify(text)
    assert [f.kind for f in result.findings] == ["never-computed"]
    assert "(dX)" in result.findings[0].message


def test_an_undefined_name_in_the_backward_pass_is_a_finding_at_it():
    text = MATRIX.replace("dX = W.T.dot(dD)", "dX = W.T.dot(dQ)")
    result = gradcli.verify(text)
    assert [(f.line, f.column, f.kind) for f in result.findings][0] == (9, 14, "error")
    assert "'dQ' is not defined" in result.findings[0].message


def test_an_upstream_of_the_wrong_shape_is_bad_input_at_its_line(tmp_path):
    text = MATRIX.replace("dD = np.random.randn(*D.shape)", "dD = np.random.randn(3, 5)")
    with pytest.raises(InputError, match=r"dD, the upstream gradient of D, has the shape \(3, 5\)"):
        gradcli.verify(text)
    r = verify_text(tmp_path, text)
    assert r.code == 2 and "block.py:7:1" in r.err


def test_maths_that_fails_in_a_backward_line_is_a_finding_there():
    text = MATRIX.replace("dX = W.T.dot(dD)", "dX = np.log(-W.T.dot(dD) ** 2)")
    result = gradcli.verify(text)
    assert [(f.line, f.kind) for f in result.findings] == [(9, "error")]
    assert not result.ok


def test_a_rebinding_that_changes_a_gradient_is_judged_at_its_last_line():
    text = MATRIX + "dW = dW * 2\n"
    result = gradcli.verify(text)
    assert [(f.line, f.kind) for f in result.findings] == [(10, "wrong-local")]


def test_scalar_verify_gradcheck_and_batch_never_import_numpy(tmp_path):
    import subprocess
    import sys

    (tmp_path / "lines.txt").write_text("x*y\n")
    code = ("import sys\nfrom gradcli.cli import main\n"
            f"assert main(['verify', {str(DATA / 'note_simple.py')!r}]) == 0\n"
            "assert main(['(x+y)*z', 'x=-2', 'y=5', 'z=-4', '--gradcheck']) == 0\n"
            f"assert main(['batch', {str(tmp_path / 'lines.txt')!r}, 'x=1', 'y=2']) == 0\n"
            "print('numpy' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


@settings(deadline=None, max_examples=25)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2 ** 32 - 1))
def test_the_matrix_block_passes_at_any_shapes_and_seed_and_a_transpose_is_caught(m, n, p, seed):
    block = (f"W = np.random.randn({m}, {n})\nX = np.random.randn({n}, {p})\nD = W.dot(X)\n"
             "dD = np.random.randn(*D.shape)\ndW = dD.dot(X.T)\ndX = W.T.dot(dD)\n")
    assert gradcli.verify(block, seed=seed).ok
    wrong = gradcli.verify(block.replace("dX = W.T.dot(dD)", "dX = W.T.dot(dD) * 1.5"), seed=seed)
    assert [(f.line, f.kind) for f in wrong.findings] == [(6, "wrong-local")]
    if m != n:
        # X.dot(dD.T) is dW transposed: the wrong shape unless W is square.
        swapped = gradcli.verify(block.replace("dW = dD.dot(X.T)", "dW = X.dot(dD.T)"), seed=seed)
        assert [(f.line, f.kind) for f in swapped.findings] == [(5, "shape")]


def test_a_gradient_name_for_a_size_is_a_helper():
    text = ("W = np.random.randn(2, 3)\nn = W.shape[0]\nD = W * n\n"
            "dD = np.random.randn(*D.shape)\ndn = 5\ndW = dD * n\n")
    result = gradcli.verify(text)
    assert result.ok and [g.variable for g in result.gradients] == ["dD", "dW"]


PIECES = st.sampled_from(["W", "X", "D", "dD", "dW", "dX", "W.T", "X.T", "dD.T", "1", "-2.5",
                          "np.random.randn(*D.shape)", "W[0]", "dD[1:3]", "np.ones(3)",
                          "np.log(dD)", "q"])
OPERATORS = st.sampled_from([" + ", " * ", ".dot(", " @ ", " / ", " - "])


@st.composite
def backward_lines(draw):
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from(["dD", "dW", "dX", "dq", "t"]))
        op = draw(st.sampled_from([" = ", " += ", " -= "]))
        expr = draw(PIECES)
        for _ in range(draw(st.integers(0, 2))):
            operator = draw(OPERATORS)
            expr = expr + operator + draw(PIECES) + (")" if operator == ".dot(" else "")
        lines.append(target + op + expr)
    return "\n".join(lines) + "\n"


@settings(deadline=None, max_examples=60)
@given(backward_lines())
def test_any_backward_pass_gets_a_verdict_or_an_input_error_never_a_crash(body):
    from gradcli.errors import GradcliError

    text = "W = np.random.randn(5, 10)\nX = np.random.randn(10, 3)\nD = W.dot(X)\n" + body
    try:
        result = gradcli.verify(text)
    except GradcliError as error:
        assert error.exit_code in (1, 2, 3)
        return
    json.dumps(result.to_json(show_values=True))
    result.render(show_values=True)
