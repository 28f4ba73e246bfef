"""Warnings: kinks, ties, infinite and undefined slopes. The sweeps record them, in scalar and
array programs alike, without failing the run; and every view names each warning's place the
way the table shows that node (its name, its text, or the id the table prints), so it can be
found."""

import json
import math

import pytest
from _helpers import run, run_cli

import gradcli
from gradcli.compute import compute

# ------------------------------------------------------------------ recorded by the sweeps, exit 0

def kinds(result) -> list[str]:
    return [w["kind"] for w in result.warnings]


def test_sqrt_at_zero_warns_of_an_infinite_derivative():
    result = gradcli.grad("sqrt(x)", x=0)
    assert result.value == 0.0 and result.gradients["x"] == math.inf
    assert "infinite" in kinds(result)
    sqrt_node = len(result.nodes) - 1
    assert any(w["node"] == sqrt_node and "sqrt" in w["message"] for w in result.warnings)


def test_derivative_in_the_exponent_of_a_negative_base_is_undefined():
    result = gradcli.grad("x^y", x=-2, y=2)
    assert result.value == 4.0 and result.gradients["x"] == -4.0
    assert math.isnan(result.gradients["y"])
    assert "undefined" in kinds(result)


def test_kink_and_tie_warnings_name_their_node():
    result = gradcli.grad("relu(x) + max(y, z)", x=0, y=1, z=1)
    by_node = {w["node"]: w["kind"] for w in result.warnings}
    relu = [n.id for n in result.nodes if n.op == "relu"][0]
    mx = [n.id for n in result.nodes if n.op == "max"][0]
    assert by_node == {relu: "kink", mx: "tie"}
    for w in result.warnings:
        assert set(w) == {"node", "kind", "message"} and w["message"]


def test_an_infinite_partial_behind_a_zero_gradient_is_harmless():
    # relu blocks the gradient, so sqrt's infinite slope at 0 never reaches x.
    result = gradcli.grad("relu(-sqrt(x))", x=0)
    assert result.gradients == {"x": 0.0}


def test_warnings_do_not_fail_the_run(cli):
    run = cli("sqrt(x)", "x=0")
    assert run.status == 0
    assert "infinite" in run.out and "!" in run.out
    run = cli("x^y", "x=-2", "y=2", "--format", "json")
    assert run.status == 0 and '"undefined"' in run.out


def test_kinks_and_ties_in_arrays_are_warnings():
    report = compute("sum(relu(x)) + max(x)", {"x": [0.0, 1.0, 1.0, -2.0]})
    kinds = [(w["kind"], report.nodes[w["node"]].op) for w in report.warnings]
    assert kinds == [("kink", "relu"), ("tie", "max")]
    assert (report.warnings[0]["entry"], report.warnings[0]["entries"]) == ([0], 1)
    assert compute("sum(relu(x))", {"x": [1.0, 2.0]}).warnings == ()


# ------------------------------------------------------------------ where each warning says it is

def test_warnings_name_the_node_as_the_table_shows_it(capsys):
    status, out, _ = run(["relu(x)+max(x,y)+sqrt(z)", "x=0", "y=0", "z=0", "--color", "never"],
                         capsys)
    assert status == 0
    warnings = [line for line in out.splitlines() if line.startswith("!")]
    assert "(node #" not in out
    assert any(line.endswith("(at z).") for line in warnings)          # an input, by name
    assert any(line.endswith("(at relu(x)).") for line in warnings)    # by its text
    rows = [line.split("  ")[0] for line in out.splitlines()]
    for place in ("z", "relu(x)", "max(x, y)", "sqrt(z)"):
        assert place in rows


def test_a_long_node_is_named_by_the_id_the_table_prints(capsys):
    program = "q = x*y; f = relu(q + x*x*x*x*x + y*y*y*y*y)"
    status, out, _ = run([program, "x=0", "y=0", "--color", "never"], capsys)
    warning = next(line for line in out.splitlines() if line.startswith("! relu"))
    assert warning.endswith("(at f).")                                  # named: its name
    status, out, _ = run(["relu(x*x*x*x*x + y*y*y*y*y + x)", "x=0", "y=0", "--color", "never"],
                         capsys)
    warning = next(line for line in out.splitlines() if line.startswith("! relu"))
    place = warning.rsplit("(at ", 1)[1].rstrip(").")
    assert place.startswith("#")
    assert any(line.startswith(place + " ") for line in out.splitlines())


def test_markdown_warnings_use_the_same_places(capsys):
    status, out, _ = run(["relu(x)", "x=0", "--format", "markdown"], capsys)
    assert "(at relu(x))" in out and "(node #" not in out


def _flat(text):
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_warnings_name_their_place_one_way_in_scalar_and_array_programs(fmt):
    scalar = _flat(run_cli("max(x, y)", "x=0", "y=0", "--format", fmt).out)
    assert "equal 0; the whole gradient goes to the first (at max(x, y))." in scalar
    arrays = _flat(run_cli("sum(relu(x))", "x=[0,1,0]", "--format", fmt).out)
    assert "taken as 0 (at relu(x), entry [0] and 1 more)." in arrays
    reduction = _flat(run_cli("np.max(x)", "x=[1,1]", "--format", fmt).out)
    assert "the first of them (at np.max(x))." in reduction
    for out in (scalar, arrays, reduction):
        assert "node #" not in out and ") (" not in out


def test_tie_and_comparison_numbers_print_as_the_table_prints_them():
    assert "equal 0;" in compute("max(x, y)", {"x": 0.0, "y": 0.0}).warnings[0]["message"]
    assert "equal 0.1;" in compute("min(x, y)", {"x": 0.1, "y": 0.1}).warnings[0]["message"]
    assert "equal (2)" in compute("x > y", {"x": 2.0, "y": 2.0}).warnings[0]["message"]


def test_array_warning_entries_are_data_in_json_and_named_in_explain():
    data = json.loads(run_cli("sum(relu(x))", "x=[1,0,0]", "--format", "json").out)
    [warning] = data["warnings"]
    assert (warning["entry"], warning["entries"]) == ([1], 2)
    assert "entry" not in warning["message"]
    explain = _flat(run_cli("sum(relu(x))", "x=[1,0,0]", "--explain").out)
    assert "taken as 0 (at entry [1] and 1 more)." in explain


def test_the_kink_flag_marks_the_local_partial_not_the_upstream(capsys):
    status, out, _ = run(["relu(x)*3", "x=0"], capsys)
    assert status == 0
    row = next(line for line in out.splitlines() if line.startswith("relu(x) "))
    assert "step(x) = 0!" in row and "3!" not in row


# ------------------------------------------------------------------ lost digits

@pytest.mark.parametrize("x", [37.0, 40.0, 700.0, 20.0])
def test_log_of_sigmoid_that_lost_its_digits_names_logsigmoid(x):
    result = gradcli.grad("log(sigmoid(x))", x=x)
    lost = [w for w in result.warnings if w["kind"] == "digits-lost"]
    assert len(lost) == 1 and "use logsigmoid(x)" in lost[0]["message"]
    assert gradcli.grad("logsigmoid(x)", x=x).warnings == ()


@pytest.mark.parametrize("x", [-30.0, 0.0, 3.0])
def test_log_of_sigmoid_that_kept_its_digits_is_not_warned_about(x):
    assert gradcli.grad("log(sigmoid(x))", x=x).warnings == ()


def test_log_of_sigmoid_rounded_to_0_names_logsigmoid_in_the_error(capsys):
    status, out, err = run(["s = sigmoid(w*x); f = log(s)", "x=-800", "w=1"], capsys)
    assert status == 3 and "log of 0 is -infinity" in err
    assert "use logsigmoid(w*x)" in err
    assert gradcli.grad("logsigmoid(w*x)", x=-800, w=1).value == -800.0


def test_the_warning_is_in_the_json(capsys):
    status, out, _ = run(["log(sigmoid(x))", "x=40", "--format", "json"], capsys)
    assert status == 0
    (warning,) = json.loads(out)["warnings"]
    assert warning["kind"] == "digits-lost" and "logsigmoid(x)" in warning["message"]
