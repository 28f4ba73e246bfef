"""program/split: where a pasted program's backward pass begins.

The one-liner, batch and --at-file refuse a forward-and-backward block at the line where its
backward pass starts, and point at `gradcli verify`; --output differentiates the forward pass
alone; a forward program whose names look like gradients is a forward program; and the
running gradient prefix agrees with gradient_prefix of the names so far."""

import pytest
from _helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.lang.syntax import parse
from gradcli.program.split import gradient_prefix, known_before
from gradcli.records.lines import batch

NOTE = """\
x = -2; y = 5; z = -4
q = x + y
f = q * z
dfdz = q
dfdq = z
dfdx = 1.0 * dfdq
dfdy = 1.0 * dfdq
"""


def test_the_notes_block_pasted_into_the_one_liner_points_at_the_backward_pass(tmp_path):
    path = tmp_path / "note.py"
    path.write_text(NOTE)
    result = run_cli("-f", str(path))
    assert result.code == 2 and result.out == ""
    assert "this line starts a backward pass (dfdz is a gradient)" in result.err
    assert f"gradcli verify {path}" in result.err and "--output f" in result.err
    assert "at line 4, column 1" in result.err and "    dfdz = q\n    ^^^^^^^^" in result.err


def test_output_f_differentiates_the_forward_pass_alone(tmp_path):
    path = tmp_path / "note.py"
    path.write_text(NOTE + "dfdx += 0\n")      # even a '+=' after it does not matter
    result = run_cli("-f", str(path), "--output", "f", "--format", "json")
    assert result.code == 0, result.err
    assert '"gradients": {"x": -4.0, "y": -4.0, "z": 3.0}' in result.out


@pytest.mark.parametrize("program", ["x = 2; f = x * x; df = 1; dx = 2 * x * df",
                                     "x = 2; f = x * x; dx = 2 * x; dx += 0"])
def test_the_expression_form_and_batch_and_points_say_so_too(program, tmp_path):
    result = run_cli(program)
    assert result.code == 2 and "gradcli verify FILE" in result.err
    [record] = batch(program)
    assert record.status == 2 and "starts a backward pass" in record.error.message
    points = tmp_path / "p.csv"
    points.write_text("x\n1\n")
    result = run_cli(program, "--at-file", str(points))
    assert result.code == 2 and "starts a backward pass" in result.err


def test_a_forward_program_with_a_name_like_dx_is_still_differentiated():
    result = run_cli("x = 1; dx = 0.1; f = x + dx", "--format", "json")
    assert result.code == 0 and '"gradients": {"x": 1.0, "dx": 1.0}' in result.out


# ------------------------------------------------------------------ the gradient prefix

NAMES = st.sampled_from(["x", "dx", "d_x", "grad_x", "y", "d_y", "dd_x", "q", "dq", "grad_q"])


@settings(deadline=None, max_examples=80)
@given(st.lists(NAMES, min_size=1, max_size=8))
def test_the_running_prefix_matches_gradient_prefix_of_the_names_so_far(names):
    statements = parse("\n".join(f"{name} = 1" for name in names))
    for _, _, known, prefix in known_before(statements):
        assert prefix == gradient_prefix(known)
