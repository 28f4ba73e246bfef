"""checks/verify and checks/verify_arrays, `gradcli verify`: a backward pass written by hand,
checked line by line against the reverse sweep.

The note's own code passes, scalar and array blocks alike; a broken variant is caught at the line
that went wrong, with one finding (an overwrite where a fork needs +=, a missing line or
contribution, a wrong sign or local rule, a wrong shape or entry) and without revealing the true
gradients; what verify reads and what it refuses (imports, unknown functions, lines it does not
check); and random edits of a backward pass get a verdict or an input error, never a crash."""

import csv
import io
import json

import numpy as np
import pytest
from _helpers import DATA, MATMUL, run, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcli
from gradcli.checks.verify import verify
from gradcli.errors import GradcliError, InputError

SIMPLE = (DATA / "note_simple.py").read_text()
STAGED = (DATA / "note_staged.py").read_text()
NEURON = (DATA / "note_neuron.py").read_text()
MATRIX = (DATA / "note_matrix.py").read_text()


# ------------------------------------------------------------------ scalar code

def line_of(text, fragment):
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(fragment))


@pytest.mark.parametrize("name", ["note_simple.py", "note_staged.py"])
def test_the_notes_backward_code_passes(name):
    r = run_cli("verify", str(DATA / name))
    assert r.code == 0, r.out
    assert "ok: every gradient matches" in r.out
    result = gradcli.verify((DATA / name).read_text())
    assert result.ok and all(g.ok for g in result.gradients)


def test_split_and_names():
    result = gradcli.verify(STAGED)
    assert result.output == "f"
    assert result.forward_lines == (1, 12) and result.backward_lines == (15, 33)
    assert [g.variable for g in result.gradients][-3:] == ["dx", "dy", "dsigy"]
    simple = gradcli.verify(SIMPLE)
    assert {g.variable: g.target for g in simple.gradients} == {
        "dfdz": "z", "dfdq": "q", "dfdx": "x", "dfdy": "y"}


def _one_finding(source):
    result = gradcli.verify(source)
    assert not result.ok
    assert len(result.findings) == 1, [f.message for f in result.findings]
    return result.findings[0]


def test_equals_instead_of_plus_equals_is_caught_at_its_line():
    broken = STAGED.replace("dx += (1) * dnum", "dx = (1) * dnum")
    finding = _one_finding(broken)
    line = line_of(broken, "dx = (1) * dnum")
    assert (finding.line, finding.kind) == (line, "overwrite")
    assert finding.message == (f"line {line} overwrites the contribution to dx already "
                               "accumulated through xpy and sigx: a fork needs +=")


def test_overwrite_after_one_contribution_names_it():
    broken = STAGED.replace("dx += ((1 - sigx) * sigx) * dsigx", "dx = ((1 - sigx) * sigx) * dsigx")
    finding = _one_finding(broken)
    assert finding.line == line_of(broken, "dx = ((1 - sigx)")
    assert "already accumulated through xpy: a fork needs +=" in finding.message


def test_a_missing_line_is_caught_where_its_result_is_used():
    broken = STAGED.replace("dsigx = (1) * dden", "")
    finding = _one_finding(broken)
    assert (finding.line, finding.kind) == (line_of(broken, "dx += ((1 - sigx)"), "missing")
    assert "dsigx is used before any line assigns it" in finding.message
    assert "den (line 10: den = sigx + xpysqr)" in finding.message


def test_a_missing_contribution_is_caught_at_the_line_that_forgot_it():
    broken = STAGED.replace("dx += (1) * dnum", "")
    finding = _one_finding(broken)
    assert finding.line == line_of(broken, "dsigy = (1) * dnum")
    assert "dx is missing the contribution through num" in finding.message


def test_a_wrong_sign_local_rule_is_caught_at_its_line():
    broken = STAGED.replace("dden = (-1.0 / (den**2))", "dden = (1.0 / (den**2))")
    finding = _one_finding(broken)       # and not again in every line downstream of it
    assert (finding.line, finding.kind) == (line_of(broken, "dden ="), "sign")
    assert "wrong sign" in finding.message and "invden" in finding.message
    r = run_cli("verify", "-", stdin=broken)
    assert r.code == 1
    assert f"at line {finding.line}, column 1" in r.out


def test_a_wrong_local_rule_is_caught_at_its_line():
    broken = STAGED.replace("(2 * xpy)", "(xpy)")
    finding = _one_finding(broken)
    assert (finding.line, finding.kind) == (line_of(broken, "dxpy ="), "wrong-local")
    assert "xpysqr (line 9: xpysqr = xpy**2) with respect to xpy" in finding.message


def test_plus_equals_on_a_name_never_assigned():
    broken = SIMPLE.replace("dfdz = q", "dfdz += q")
    finding = _one_finding(broken)
    assert (finding.line, finding.kind) == (line_of(broken, "dfdz +="), "plus-unassigned")
    assert "no line before assigns dfdz" in finding.message


def test_reading_a_gradient_before_it_is_complete():
    lines = STAGED.splitlines()
    late = lines.index("dx += (1) * dnum                                                  #(2)")
    moved = lines[:late] + lines[late + 1:]
    # backprop through x's consumers is fine in any order; use dsigx too early instead
    broken = "\n".join(moved) + "\ndx += (1) * dnum\n"
    assert gradcli.verify(broken).ok           # adding contributions in any order is fine
    early = STAGED.replace("dsigx = (1) * dden", "dsigx = (1) * dden\nddd = dsigx")
    assert gradcli.verify(early).ok            # helper names are allowed


def test_rebinding_that_adds_is_allowed():
    rebound = STAGED.replace("dx += (1) * dnum", "dx = dx + (1) * dnum")
    assert gradcli.verify(rebound).ok


def test_messages_do_not_reveal_the_true_gradients():
    broken = STAGED.replace("dden = (-1.0 / (den**2))", "dden = (1.0 / (den**2))")
    r = run_cli("verify", "-", "--format", "json", stdin=broken)
    data = json.loads(r.out)
    assert data["ok"] is False and data["findings"][0]["kind"] == "sign"
    assert "0.7915" not in r.out and "2.0595" not in r.out
    shown = run_cli("verify", "-", "--show-values", stdin=broken).out
    assert "0.791593" in shown


def test_never_computed_input():
    source = SIMPLE.replace("dfdy = 1.0 * dfdq", "")
    result = gradcli.verify(source)
    assert [f.kind for f in result.findings] == ["never-computed"]
    assert "dy" in result.findings[0].message


def test_bad_input():
    with pytest.raises(InputError, match="no backward pass"):
        gradcli.verify("x = 1\nf = x * 2\n")
    with pytest.raises(InputError, match="not defined"):
        gradcli.verify("x = 1\nf = x * 2\ndx = 2 * dfoo_bar\n")
    r = run_cli("verify", "-", stdin="x = 1\nf = x * 2\ndx = 2 * nope\n")
    assert r.code == 2 and "line 3" in r.err
    r = run_cli("verify", "-", stdin="x = 1\nf = x * 2\nx = 3\ndx = 2\n")
    assert r.code in (1, 2) and "Traceback" not in r.err


def test_reading_a_gradient_before_all_its_contributions_are_in():
    source = ("x = 1.5\na = x * 2\nb = a + 1\nc = a * 3\nf = b * c\n"
              "db = c\ndc = b\nda = 1 * db\ndx = 2 * da\nda += 3 * dc\n")
    result = gradcli.verify(source)
    assert [(f.line, f.kind) for f in result.findings] == [(9, "incomplete")]
    assert "da is used before all of its contributions are in (the one through c" in \
        result.findings[0].message
    fixed = source.replace("dx = 2 * da\nda += 3 * dc\n", "da += 3 * dc\ndx = 2 * da\n")
    assert gradcli.verify(fixed).ok


def test_a_statement_using_a_name_twice_may_send_one_term_per_use():
    forward = "x = 1.5; y = 2\nf = x * x * y\n"
    assert gradcli.verify(forward + "dy = x * x\ndx = x * y\ndx += x * y\n").ok
    assert gradcli.verify(forward + "dy = x * x\ndx = 2 * x * y\n").ok
    result = gradcli.verify(forward + "dy = x * x\ndx = x * y\ndx += y\n")
    assert [(f.line, f.kind) for f in result.findings] == [(5, "wrong-local")]
    assert "do not add up" in result.findings[0].message


def test_a_gradient_used_in_its_own_first_assignment():
    source = "x = 2\nf = x * 3\ndx = dx + 3\n"
    result = gradcli.verify(source)
    assert [(f.line, f.kind) for f in result.findings] == [(3, "plus-unassigned")]
    assert "used in its own assignment" in result.findings[0].message


def test_a_missing_gradient_is_not_reported_as_matching():
    broken = STAGED.replace("dsigx = (1) * dden", "")
    result = gradcli.verify(broken)
    dsigx = [g for g in result.gradients if g.variable == "dsigx"]
    assert dsigx and not dsigx[0].ok


def test_a_file_that_starts_with_the_backward_pass():
    r = run_cli("verify", "-", stdin="dx += 1\n")
    assert r.code == 2 and "forward pass is empty" in r.err and "line 1" in r.err


HAND_WRITTEN_RELU = """w = 2; x = 1; b = -2
z = w * x + b
h = max(0, z)
f = h * 3
# backward pass, the note's way: relu's gradient is a mask
dh = 3
dz = (z > 0) * dh
dw = x * dz
dx = w * dz
db = dz
"""


def test_a_hand_written_mask_passes_and_the_wrong_mask_is_caught_at_the_kink():
    assert verify(HAND_WRITTEN_RELU).ok
    # z = 0 here: (z >= 0) lets the gradient through where relu'(0) = 0 blocks it.
    result = verify(HAND_WRITTEN_RELU.replace("(z > 0)", "(z >= 0)"))
    assert [(f.line, f.name, f.kind) for f in result.findings] == [(7, "dz", "wrong-local")]


# ------------------------------------------------------------------ array blocks

def verify_text(tmp_path, text, *extra):
    path = tmp_path / "block.py"
    path.write_text(text)
    return run_cli("verify", str(path), *extra)


def replaced(text, old, new):
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
    assert np.array_equal(checks["dD"].answer, dD)
    assert np.allclose(checks["dW"].correct, dD.dot(X.T))
    assert np.allclose(checks["dX"].correct, W.T.dot(dD))
    assert result.output == "D"


def test_the_neuron_block_gives_the_notes_gradients():
    result = gradcli.verify(NEURON)
    checks = {g.variable: g for g in result.gradients}
    f = 1 / (1 + np.exp(-(2 * -1 + -3 * -2 - 3)))
    ddot = (1 - f) * f
    assert float(checks["ddot"].answer) == pytest.approx(ddot)
    assert checks["dx"].answer.tolist() == pytest.approx([2 * ddot, -3 * ddot])
    assert checks["dw"].answer.tolist() == pytest.approx([-ddot, -2 * ddot, ddot])


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
    text = replaced(MATRIX, old, new)
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
    text = replaced(NEURON, old, new)
    result = gradcli.verify(text)
    # A spoilt ddot is not reported again in dx and dw, which use it.
    assert [(f.line, f.column, f.kind) for f in result.findings] == [(line, column, kind)]
    assert words in result.findings[0].message
    r = verify_text(tmp_path, text, "--format", "json")
    assert r.code == 1
    out = json.loads(r.out)
    assert out["ok"] is False and out["findings"][0]["line"] == line
    assert "correct" not in out["gradients"][0]       # no answers without --show-values


def test_show_values_gives_arrays_as_lists_and_previews(tmp_path):
    r = verify_text(tmp_path, MATRIX, "--show-values", "--format", "json")
    out = json.loads(r.out)
    assert r.code == 0
    assert np.array(out["gradients"][1]["correct"]).shape == (5, 10)
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


def test_verify_forward_pass_ending_with_an_input_is_bad_input(capsys, array_folder):
    # The forward pass ends at an input (dq), so it has no output to differentiate.
    (array_folder / "ends.py").write_text(MATMUL + "dq = np.ones(3)\ndD = W\n")
    status, out, err = run(["verify", "ends.py"], capsys)
    assert status == 2 and out == ""
    assert err.startswith("error: the forward pass ends with dq = ..., a value that uses no "
                          "other names (an input)")
    assert "at line 5, column 1 (ends.py:5:1):" in err


# ------------------------------------------------------------------ what verify reads

FORWARD = "x = 3\nf = x * x\ndx = 2 * x\n"


@pytest.mark.parametrize("tail", ["import os\n", "import sys; dx = 5\n"])
def test_verify_refuses_a_backward_import_as_the_one_liner_does(tmp_path, tail):
    path = tmp_path / "v.py"
    path.write_text(FORWARD + tail)
    result = run_cli("verify", str(path))
    module = tail.split()[1].rstrip(";")
    assert result.code == 2
    assert f"not 'import {module}'" in result.err
    assert "at line 4, column 8" in result.err
    assert "\n           " + "^" * len(module) + "\n" in result.err + "\n"
    one_liner = run_cli(f"import {module}\nx*2", "x=1")
    assert one_liner.code == 2 and f"not 'import {module}'" in one_liner.err


def test_verify_refuses_a_backward_import_with_arrays(tmp_path):
    path = tmp_path / "v.py"
    path.write_text("import numpy as np\nx = np.random.randn(3)\nf = np.sum(x * x)\n"
                    "dx = 2 * x\nimport os\n")
    result = run_cli("verify", str(path))
    assert result.code == 2 and "not 'import os'" in result.err


def test_verify_still_accepts_math_in_the_backward_pass(tmp_path):
    path = tmp_path / "v.py"
    path.write_text(FORWARD + "import math\n")
    assert run_cli("verify", str(path)).code == 0


def test_verify_names_a_one_line_backward_pass_as_a_line(tmp_path):
    path = tmp_path / "v.py"
    path.write_text(FORWARD)
    head = run_cli("verify", str(path)).out.splitlines()[0]
    assert head.endswith("forward pass lines 1-2 (output f), backward pass line 3")
    path.write_text("x = 3\nf = x * x\ndfdf = 1.0\ndx = 2 * x * dfdf\n")
    assert run_cli("verify", str(path)).out.splitlines()[0].endswith(
        "backward pass lines 3-4")


@pytest.mark.parametrize("source", [
    "x = 1\nf = exp(x)\ndx = exp(x)\n",
    "x = 1\ns = sigmoid(x)\nf = s * 2\nds = 2\ndx = sigmoid(x) * (1 - sigmoid(x)) * ds\n",
    "x = 1\nf = sin(x)\ndx = cos(x)\n",
])
def test_verify_accepts_functions_called_without_a_module_prefix(source):
    result = gradcli.verify(source)
    assert result.ok, [f.message for f in result.findings]


def test_verify_still_rejects_an_unknown_function(tmp_path):
    path = tmp_path / "b.py"
    path.write_text("x = 1\nf = sin(x)\ndx = cos(x) * foo(x)\n")
    result = run_cli("verify", str(path))
    assert result.code == 2 and "unknown function 'foo'" in result.err


def test_verify_notes_lines_it_does_not_check(tmp_path):
    path = tmp_path / "b.py"
    path.write_text("x = 1\nf = x * 2\ndx = 2\ndy = 3\nprint(dx)\n")
    result = run_cli("verify", str(path))
    assert result.code == 0
    assert "note: dy is not checked: it looks like a gradient, but the forward pass has no " \
           "value y" in " ".join(result.out.split())
    assert "note: line 5 is not checked: it assigns nothing" in " ".join(result.out.split())
    assert "    dy = 3\n    ^^^^^^" in result.out and "    print(dx)\n    ^^^^^^^^^" in result.out
    data = json.loads(run_cli("verify", str(path), "--format", "json").out)
    assert [(n["line"], n["kind"]) for n in data["notes"]] == [(4, "not-a-gradient"),
                                                                 (5, "not-run")]


def test_a_helper_that_a_later_line_reads_gets_no_note():
    result = gradcli.verify("x = 1\nf = exp(x)\ndloc = exp(x)\ndx = dloc\n")
    assert result.ok and not result.notes


# ------------------------------------------------------------------ random backward passes

LINES = STAGED.splitlines()


@settings(deadline=None, max_examples=100)
@given(st.lists(st.tuples(st.sampled_from(["delete", "swap", "plus", "equals", "number"]),
                          st.integers(0, len(LINES) - 1), st.integers(0, len(LINES) - 1)),
                max_size=3))
def test_mutated_backward_passes_never_crash(edits):
    """Any edit gives a verdict or a GradcliError with a line, never an internal error."""
    lines = list(LINES)
    for kind, i, j in edits:
        i, j = i % len(lines), j % len(lines)
        if kind == "delete":
            del lines[i]
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "plus":
            lines[i] = lines[i].replace(" = ", " += ", 1)
        elif kind == "equals":
            lines[i] = lines[i].replace(" += ", " = ", 1)
        else:
            lines[i] = lines[i].replace("1", "2", 1)
        if not lines:
            return
    source = "\n".join(lines) + "\n"
    try:
        result = gradcli.verify(source)
    except GradcliError as error:
        assert error.exit_code in (2, 3)
        return
    for finding in result.findings:
        assert finding.message
        assert finding.line == 0 or 1 <= finding.line <= len(lines)
    if source == STAGED:
        assert result.ok


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
    text = "W = np.random.randn(5, 10)\nX = np.random.randn(10, 3)\nD = W.dot(X)\n" + body
    try:
        result = gradcli.verify(text)
    except GradcliError as error:
        assert error.exit_code in (1, 2, 3)
        return
    json.dumps(result.to_json(show_values=True))
    result.render(show_values=True)


# ------------------------------------------------------------------ a class of backward passes

@pytest.fixture
def backprops(tmp_path):
    folder = tmp_path / "backprop"
    (folder / "late").mkdir(parents=True)
    (folder / "ann.py").write_text(SIMPLE)
    (folder / "bo.py").write_text(SIMPLE.replace("dfdx = 1.0 * dfdq", "dfdx = -1.0 * dfdq"))
    (folder / "late" / "cy.py").write_text("x = = 1\n")
    (folder / "notes.txt").write_text("not a backward pass")
    return folder


def test_verify_grades_a_folder_one_line_per_file(backprops):
    r = run_cli("verify", str(backprops))
    assert r.code == 1
    lines = r.out.splitlines()
    assert lines[0].split() == ["file", "student", "result"]
    assert lines[1].split()[1:3] == ["ann", "PASS"]
    assert lines[2].split()[1:4] == ["bo", "FAIL", "dfdx"]
    assert "problem at line" in lines[2]
    assert lines[3].split()[1:3] == ["cy", "not"] and "(line 1)" in lines[3]
    assert lines[4] == "class: 3 files, 1 pass, 1 not read"
    assert "cy.py" in r.err and "^" in r.err
    assert run_cli("verify", str(backprops / "ann.py"), str(backprops / "ann.py")).code == 0


def test_verify_for_a_class_writes_json_csv_markdown_and_gradescope(backprops, tmp_path):
    data = json.loads(run_cli("verify", str(backprops), "--format", "json").out)
    assert data["passed"] is False
    assert data["class"] == {"files": 3, "passed": 1, "unreadable": 1}
    ann, bo, cy = data["files"]
    assert ann["ok"] and ann["student"] == "ann" and ann["error"] is None
    assert not bo["ok"] and bo["findings"][0]["kind"] == "sign"
    assert cy["error"]["line"] == 1 and "\"answer\"" not in json.dumps(bo["gradients"])
    out = tmp_path / "v.csv"
    assert run_cli("verify", str(backprops), "-o", str(out)).code == 1
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["student"], r["ok"], r["wrong"]) for r in rows] == [
        ("ann", "true", ""), ("bo", "false", "dfdx"), ("cy", "false", "")]
    assert rows[2]["error"] and rows[1]["problems"] == "1"
    md = run_cli("verify", str(backprops), "--format", "markdown").out
    assert md.startswith("| file | student | ok | wrong | problems | error |")
    r = run_cli("verify", str(backprops / "bo.py"), "--format", "gradescope")
    results = json.loads(r.out)
    assert r.code == 1 and results["score"] == 3
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        ("dfdz", 1, 1), ("dfdq", 1, 1), ("dfdx", 0, 1), ("dfdy", 1, 1)]
    assert "wrong sign" in results["tests"][2]["output"]
    r = run_cli("verify", str(backprops), "--format", "gradescope")
    assert r.code == 2 and "one submission" in r.err
