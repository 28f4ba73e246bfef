"""engine/sweep and engine/scalar, the forward and reverse sweeps over floats: the note's
numbers, gradients adding up at forks, careful kernels, maths that fails (exit 3) with its
caret, and programs too deep for recursion. Warnings are tested in test_warnings.py."""

from __future__ import annotations

import math

import pytest

import gradcli
from gradcli.errors import ExitStatus, GradcliError, InputError, MathError

REL = 1e-12


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=0.0)


def assert_close(actual: dict, expected: dict):
    assert actual.keys() == expected.keys()
    for name, value in expected.items():
        assert close(actual[name], value), f"{name}: {actual[name]!r} != {value!r}"


# ------------------------------------------------------------------ the note's examples

def test_add_then_multiply():
    result = gradcli.grad("(x+y)*z", x=-2, y=5, z=-4)
    assert result.value == -12.0
    assert result.gradients == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_staged_example_pasted_verbatim(staged):
    assert "math.exp(-y)" in staged and "#(8)" in staged     # the note's text, comments and all
    result = gradcli.grad(staged)
    assert close(result.value, 1.5456448841066441)
    assert_close(result.gradients, {"x": 2.059569795572165, "y": 1.5922327514838093})
    assert_close({name: result.gradient(name) for name in ("num", "invden", "den", "xpy", "sigy")},
                 {"num": 0.5121444488396316, "invden": 3.0179862099620918,
                  "den": -0.7915934472725935, "xpy": 1.583186894545187,
                  "sigy": 0.5121444488396316})


def test_staged_example_x_receives_three_contributions(staged):
    result = gradcli.grad(staged)
    x = result.graph.inputs["x"]
    contributions = result.contributions(x)
    amounts = [amount for _, amount in contributions]
    expected = [1.583186894545187, -0.03576154781265359, 0.5121444488396316]
    assert len(amounts) == 3
    assert all(close(a, b) for a, b in zip(amounts, expected)), amounts
    assert close(sum(amounts), result.gradients["x"])
    # Each comes from a different consumer: xpy, the -x inside sigx, and num.
    consumers = [result.graph.names[c] for c, _ in contributions]
    assert consumers[0] == "xpy" and consumers[2] == "num"
    assert result.graph.ops[contributions[1][0]].name == "neg"


def test_staged_example_y_receives_two_contributions(staged):
    result = gradcli.grad(staged)
    amounts = [a for _, a in result.contributions(result.graph.inputs["y"])]
    assert len(amounts) == 2 and close(sum(amounts), 1.5922327514838093)


def test_max_gate_example():
    result = gradcli.grad("2*(x*y + max(z,w))", x=3, y=-4, z=2, w=-1)
    assert result.value == -20.0
    assert result.gradients == {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}


def test_sigmoid_neuron():
    result = gradcli.grad("1/(1+exp(-(w0*x0+w1*x1+w2)))", w0=2, w1=-3, w2=-3, x0=-1, x1=-2)
    assert close(result.value, 0.7310585786300049)
    assert_close(result.gradients, {
        "w0": -0.19661193324148185, "x0": 0.3932238664829637, "w1": -0.3932238664829637,
        "x1": -0.5898357997244456, "w2": 0.19661193324148185})


def test_sigmoid_neuron_staged_as_in_the_note():
    program = ("w = 2\nx0 = -1\nw1 = -3\nx1 = -2\nw2 = -3\n"
               "dot = w*x0 + w1*x1 + w2\nf = 1.0 / (1 + math.exp(-dot)) # sigmoid function\n")
    result = gradcli.grad(program)
    assert close(result.value, 0.7310585786300049)
    assert close(result.gradient("dot"), 0.19661193324148185)     # the note's ddot = (1 - f) * f


# ------------------------------------------------------------------ the sweeps themselves

def test_gradients_add_up_at_forks():
    result = gradcli.grad("x*x*x", x=2)
    assert result.gradients == {"x": 12.0}


def test_every_node_has_local_partials_aligned_with_inputs():
    result = gradcli.grad("(x+y)*z", x=-2, y=5, z=-4)
    out = result.nodes[-1]
    assert out.op == "mul" and out.local == [-4.0, 3.0] and out.grad == 1.0
    add = result.nodes[out.inputs[0]]
    assert add.local == [1.0, 1.0] and add.grad == -4.0


def test_a_constant_has_no_gradient():
    result = gradcli.grad("2*x", x=5)
    const = [n for n in result.nodes if n.op == "const"][0]
    assert const.grad is None


def test_integer_power_of_a_negative_number():
    result = gradcli.grad("x^3", x=-2)
    assert (result.value, result.gradients, result.warnings) == (-8.0, {"x": 12.0}, ())
    assert gradcli.grad("(-2)^3").value == -8.0
    assert gradcli.grad("(-2)^y", y=3).value == -8.0     # runs, with a warning on ∂/∂y


def test_zero_to_the_zero():
    assert gradcli.grad("0^0").value == 1.0
    assert gradcli.grad("x^0", x=0).value == 1.0
    assert gradcli.grad("x^0", x=0).gradients == {"x": 0.0}


@pytest.mark.parametrize("x, value", [(1000.0, 1.0), (-1000.0, 0.0)])
def test_sigmoid_is_stable_far_out(x, value):
    result = gradcli.grad("sigmoid(x)", x=x)
    assert result.value == value
    assert result.gradients == {"x": 0.0}
    assert result.warnings == ()


def test_underflow_to_zero_is_a_normal_result():
    result = gradcli.grad("exp(x)", x=-1000)
    assert (result.value, result.gradients, result.warnings) == (0.0, {"x": 0.0}, ())


# ------------------------------------------------------------------ maths that fails

@pytest.mark.parametrize("program, bindings, start, words", [
    ("log(x)", {"x": 0}, 0, ["log(0)", "log of 0 is -infinity"]),
    ("y = sqrt(x)", {"x": -1}, 4, ["sqrt(-1)", "defined only for numbers >= 0"]),
    ("1/x", {"x": 0}, 0, ["div(1, 0)", "division by zero"]),
    ("x^-1", {"x": 0}, 0, ["pow(0, -1)", "0 raised to a negative power"]),
    ("x^(1/3)", {"x": -8}, 0, ["pow(-8, 0.3333333333333333)", "not a real number"]),
    ("2 * asin(x)", {"x": 2}, 4, ["asin(2)", "defined only on [-1, 1]"]),
    ("exp(x)", {"x": 1000}, 0, ["exp(1000)", "too large for a float64 (overflow)"]),
    ("x * 1e308 * 10", {"x": 1}, 0, ["mul(1e+308, 10)", "overflow"]),
    ("log(x - 1)", {"x": 1}, 0, ["log(0)", "in log(x - 1)"]),
    ("acos(x) + log10(-x) ", {"x": 0.5}, 10, ["log10(-0.5)"]),
])
def test_domain_errors_and_overflow_are_math_errors(program, bindings, start, words):
    with pytest.raises(MathError) as info:
        gradcli.grad(program, **bindings)
    error = info.value
    assert error.exit_code == ExitStatus.MATH_ERROR == 3
    for word in words:
        assert word in error.message, error.message
    assert error.span is not None and error.span.start == start
    assert error.line_column == (1, start + 1)
    assert "^" in error.render().split("\n")[-1]


def test_math_error_names_the_staged_node():
    with pytest.raises(MathError) as info:
        gradcli.grad("x = 1\nd = x - 1\nf = log(d)")
    assert info.value.message.startswith("log(0) in f:")
    assert info.value.line_column == (3, 5)


def test_constant_expressions_fail_too():
    for program in ("log(0)", "sqrt(-1)", "1/0", "0^-1", "(-8)^(1/3)", "asin(2)", "exp(1000)"):
        with pytest.raises(MathError):
            gradcli.grad(program)


def test_overflow_in_the_reverse_sweep_is_a_math_error():
    # Every value is finite, but the slopes 1e100 · 5e79 · 5e159 multiply past 1.8e308.
    with pytest.raises(MathError) as info:
        gradcli.grad("1e100 * sqrt(sqrt(x))", x=1e-320)
    assert info.value.message == ("the gradient at x is too large for a float64 "
                                  "(overflow in the reverse sweep)")
    assert info.value.line_column == (1, 19)


def test_towers_and_huge_literals_answer_at_once():
    with pytest.raises(MathError) as info:
        gradcli.grad("9^9^9^9")
    assert "overflow" in info.value.message
    with pytest.raises(InputError) as info:
        gradcli.grad("1" * 5000 + " * x", x=1)
    assert "too large for a float64" in info.value.message
    assert gradcli.grad("1" * 300 + " * x", x=1).gradients["x"] == float("1" * 300)



# ------------------------------------------------------------------ scale, at the default recursion limit

def test_deeply_nested_parentheses():
    n = 100_000
    result = gradcli.grad("(" * n + "x*2" + ")" * n, x=3)
    assert (result.value, result.gradients) == (6.0, {"x": 2.0})


def test_a_long_sum():
    n = 100_000
    result = gradcli.grad("+".join(["x"] * n), x=0.5)
    assert result.value == n * 0.5
    assert result.gradients == {"x": float(n)}


def test_deeply_nested_unary_minus_and_calls():
    n = 20_000
    assert gradcli.grad("-" * n + "x", x=2).gradients == {"x": 1.0}
    result = gradcli.grad("sin(" * n + "x" + ")" * n, x=0)
    assert result.gradients == {"x": 1.0}


def test_a_deep_error_still_has_a_caret():
    n = 50_000
    with pytest.raises(GradcliError) as info:
        gradcli.grad("(" * n + "x +" + ")" * n, x=1)
    assert info.value.line_column == (1, n + 4)
    assert len(info.value.render()) < 1000


def test_the_fallback_copy_of_the_staged_example_matches_the_seed():
    from _helpers import SEED, STAGED_FALLBACK, staged_source

    if not SEED.is_file():
        pytest.skip("the seed note is not in this checkout")
    assert staged_source() == STAGED_FALLBACK
