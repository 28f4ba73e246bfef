"""engine/exact and render/exact, --exact: rational arithmetic where possible, floats marked ≈
elsewhere, sizes checked first; the exact table and JSON, with the warnings."""

import json
from fractions import Fraction

import pytest
from _helpers import run

from gradcli.compute import compute_exact
from gradcli.engine.exact import MAX_DIGITS
from gradcli.render.exact import show


def exact(program, texts):
    bindings = {name: eval_fraction(text) for name, text in texts.items()}
    return compute_exact(program, bindings, texts)


def eval_fraction(text):
    from gradcli.compute import parse_binding_value

    return parse_binding_value(text)


def test_fractions_from_binding_text():
    result = exact("x^2/3 + 0.1*y", {"x": "1/3", "y": "2"})
    graph = result.report.graph
    assert result.values[graph.output] == Fraction(32, 135)
    assert result.grads[graph.inputs["x"]] == Fraction(2, 9)
    assert result.grads[graph.inputs["y"]] == Fraction(1, 10)     # 0.1 read as written


@pytest.mark.parametrize("program, value", [
    ("(0.1)^(-2)*x", 100), ("(0.1)^-2*x", 100), ("-(0.1)*x", Fraction(-1, 10)),
    ("((0.1))*x", Fraction(1, 10)), ("( 0.1 )*x", Fraction(1, 10)), ("1e-1*x", Fraction(1, 10)),
    ("(1e-1)*x", Fraction(1, 10)), ("(.1)*x", Fraction(1, 10)), ("x*(0.1)*(0.3)", Fraction(3, 100)),
    ("(-0.1)*x", Fraction(-1, 10)), ("c = (0.1); f = c^2*x", Fraction(1, 100)),
    ("x*0.1e1", 1), ("(0.1 + 0.2)*x", Fraction(3, 10)),
])
def test_a_decimal_literal_is_its_decimal_value_wherever_it_stands(program, value):
    result = exact(program, {"x": "1"})
    assert result.grads[result.report.graph.inputs["x"]] == value


@pytest.mark.parametrize("text, value", [
    ("(0.1)", Fraction(1, 10)), ("-(0.1)", Fraction(-1, 10)), ("((0.1))", Fraction(1, 10)),
    ("1e-1", Fraction(1, 10)), ("(0.1)^2", Fraction(1, 100)), ("-0.1", Fraction(-1, 10)),
    ("1/(0.3)", Fraction(10, 3)),
])
def test_a_binding_reads_decimals_as_written(text, value):
    result = exact("x * y", {"x": text, "y": "1"})
    assert result.values[result.report.graph.inputs["x"]] == value
    assert result.grads[result.report.graph.inputs["y"]] == value


def test_cli_exact_reads_a_parenthesised_literal_as_written(capsys):
    status, out, err = run(["(0.1)^(-2)*x", "x=1", "--exact", "--format", "json"], capsys)
    assert status == 0
    assert json.loads(out)["gradients"]["x"]["exact"] == "100"


def test_program_defaults_are_exact():
    result = exact("x = 1/3\nf = x * 3", {})
    assert result.values[result.report.graph.output] == 1


def test_inexact_ops_are_marked():
    result = exact("x * exp(y)", {"x": "1/3", "y": "0"})
    graph = result.report.graph
    assert result.values[graph.output] is None
    assert result.grads[graph.inputs["x"]] is None
    assert show(None, 0.3333333, 4) == "≈ 0.3333"
    assert show(Fraction(1, 3), 1 / 3, 4) == "1/3 ≈ 0.3333"
    assert show(Fraction(-12), -12.0, 4) == "-12"


def test_max_and_relu_stay_exact():
    result = exact("max(x, y) + relu(x - y) + abs(y)", {"x": "1/2", "y": "-1/3"})
    graph = result.report.graph
    assert result.values[graph.output] == Fraction(1, 2) + Fraction(5, 6) + Fraction(1, 3)
    assert result.grads[graph.inputs["y"]] == -1 - 1


def test_huge_exact_numbers_fall_back_to_floats_at_once():
    result = exact("x^100000", {"x": "1/3"})
    assert result.values[result.report.graph.output] is None
    # Within the limit they stay exact, and print without hitting int-to-str limits.
    result = exact("x^1000", {"x": "1/3"})
    value = result.values[result.report.graph.output]
    assert value == Fraction(1, 3 ** 1000)
    assert "(478-digit)" in show(value, 0.0, 4) and "7.564e-478" in show(value, 0.0, 4)
    assert MAX_DIGITS < 4300


def test_tower_of_powers_refuses_at_once(capsys):
    status, out, err = run(["9^9^9^9", "--exact"], capsys)
    assert status == 3 and "too large" in err and out == ""


def test_cli_exact_table_and_json(capsys):
    status, out, err = run(["x^2/3 + 0.1*y", "x=1/3", "y=2", "--exact", "--color", "never"],
                           capsys)
    assert status == 0 and "f = 32/135 ≈ 0.237" in out and "∂f/∂y = 1/10 ≈ 0.1" in out
    status, out, err = run(["x*exp(y)", "x=1/3", "y=0", "--exact", "--color", "never"], capsys)
    assert "f ≈ 0.3333" in out and "≈ marks a float" in out
    status, out, _ = run(["(x+y)*z", "x=-2", "y=1/2", "z=-4", "--exact", "--format", "json"],
                         capsys)
    data = json.loads(out)
    assert data["value"] == {"exact": "6", "float": 6.0}
    assert data["gradients"]["y"] == {"exact": "-4", "float": -4.0}
    status, _, err = run(["x", "x=1", "--exact", "--format", "dot"], capsys)
    assert status == 2 and "table or JSON" in err


def test_a_partial_is_inexact_only_when_it_depends_on_an_inexact_value():
    result = exact("x + sqrt(z)", {"x": "1", "z": "2"})
    graph = result.report.graph
    assert result.values[graph.output] is None                  # sqrt has no exact form here
    assert result.grads[graph.inputs["x"]] == 1                  # ∂(a + b)/∂a never needs b
    assert result.grads[graph.inputs["z"]] is None
    result = exact("x * exp(y) / y", {"x": "1/3", "y": "2"})
    graph = result.report.graph
    exp_node = next(i for i in range(len(graph.ops)) if graph.ops[i].name == "exp")
    # ∂f/∂exp(y) = x / y involves no inexact value; ∂f/∂x does (exp(y) / y).
    assert result.grads[exp_node] == Fraction(1, 6)
    assert result.grads[graph.inputs["x"]] is None


def test_comparisons_with_an_inexact_value_stay_inexact():
    result = exact("max(x, exp(y))", {"x": "1/3", "y": "0"})
    graph = result.report.graph
    assert result.grads[graph.inputs["x"]] is None               # which wins is not exact


def test_exact_table_shows_the_warnings(capsys):
    status, out, err = run(["relu(x)+max(x,y)+sqrt(z)", "x=0", "y=0", "z=0", "--exact",
                            "--color", "never"], capsys)
    assert status == 0 and err == ""
    assert "! relu has a kink at 0" in out and "(at relu(x))" in out
    assert "! tie in max" in out and "(at max(x, y))" in out
    assert "is infinite here (at sqrt(z))" in out
    row = next(line for line in out.splitlines() if line.startswith("relu(x) "))
    assert row.rstrip().endswith("1!")
    row = next(line for line in out.splitlines() if line.startswith("z "))
    assert row.rstrip().endswith("≈ inf!")
    assert all(len(line) <= 80 for line in out.splitlines())


def test_exact_goes_on_where_only_the_floats_overflow(capsys):
    status, out, err = run(["x^1000", "x=3", "--exact", "--color", "never"], capsys)
    assert status == 0 and err == ""
    assert "f = 132207081948…(478 digits)" in out and "(480 digits)" in out
    assert "float sweep overflows" in out and "!" not in out
    status, out, _ = run(["x^1000", "x=3", "--exact", "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["value"]["exact"] == str(3 ** 1000)
    assert data["gradients"]["x"]["exact"] == str(1000 * 3 ** 999)
    assert data["value"]["float"] == "Infinity"
    # A number asked for with no exact form and an overflowed float: the float run's error.
    status, out, err = run(["x^1000 + exp(x)", "x=3", "--exact"], capsys)
    assert status == 3 and "too large" in err and out == ""
    # Without --exact the overflow is still an error; other maths errors are never excused.
    assert run(["x^1000", "x=3"], capsys)[0] == 3
    assert run(["log(x) + x^1000", "x=0", "--exact"], capsys)[0] == 3


def test_sqrt_of_a_perfect_square_is_exact():
    result = exact("sqrt(z) * x", {"z": "9/4", "x": "2"})
    graph = result.report.graph
    assert result.values[graph.output] == 3
    assert result.grads[graph.inputs["z"]] == Fraction(2, 3)     # x / (2 sqrt(z))
    result = exact("sqrt(z)", {"z": "2"})
    assert result.values[result.report.graph.output] is None
    result = exact("sqrt(z)", {"z": "0"})                          # 0 exactly; ∂ is infinite
    assert result.values[result.report.graph.output] == 0
    assert result.grads[result.report.graph.inputs["z"]] is None


def test_float_only_infinities_are_not_warned_about(capsys):
    # 1/x at 1e-300: the float derivative overflows, the exact one is -10^600.
    status, out, err = run(["1/x", "x=1e-300", "--exact", "--color", "never"], capsys)
    assert status == 0 and "!" not in out and "(601 digits)" in out
    assert "float sweep overflows" in out
    status, out, _ = run(["relu(x) + sqrt(z)", "x=0", "z=0", "--exact", "--format", "json"],
                         capsys)
    kinds = sorted(w["kind"] for w in json.loads(out)["warnings"])
    assert kinds == ["infinite", "kink", "nonfinite-gradient"]


def test_arrays_are_refused_plainly(capsys):
    for program in ("sum(x*x)", "sum(x^1000)"):
        status, out, err = run([program, "x=[3,2]", "--exact"], capsys)
        assert status == 2 and "--exact works on scalar programs only" in err
