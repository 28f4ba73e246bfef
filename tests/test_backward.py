"""gradcli verify on the CS231n note's own backward code and on broken variants of it."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import gradcli
from gradcli.errors import GradcliError, InputError
from _helpers import run_cli

DATA = Path(__file__).parent / "data"
SIMPLE = (DATA / "note_simple.py").read_text()
STAGED = (DATA / "note_staged.py").read_text()


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
