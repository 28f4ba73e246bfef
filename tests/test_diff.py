"""gradcli diff (engine/symbolic, lang/simplify, render/diff): symbolic derivatives that print,
wrap at 80 columns, parse back, and agree with the numeric gradients."""

import math
import random

import pytest
from _helpers import run
from _strategies import expression_texts
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradcli.compute import compute
from gradcli.engine.symbolic import derivatives
from gradcli.errors import MathError
from gradcli.lang.expr import name
from gradcli.lang.printer import to_text
from gradcli.lang.simplify import simplify
from gradcli.lang.syntax import parse
from gradcli.program.lower import lower


def derivative_texts(program):
    graph = lower(parse(program), program)
    output, result = derivatives(graph)
    return to_text(output), {k: to_text(v) for k, v in result.items()}


def evaluate(text, point):
    rep = compute(text, {k: v for k, v in point.items()
                         if k in lower(parse(text), text).inputs})
    return rep.value


def check_against_numeric(program, point):
    _, texts = derivative_texts(program)
    rep = compute(program, point)
    for wrt, text in texts.items():
        symbolic = evaluate(text, point)
        numeric = rep.gradients[wrt]
        # Where terms cancel (y / y), rounding noise scales with the terms, not the result.
        scale = sum(abs(amount) for _, amount in rep.contributions(rep.graph.inputs[wrt]))
        assert math.isclose(symbolic, numeric, rel_tol=1e-9, abs_tol=1e-12 + 1e-9 * scale), \
            (program, wrt, text, symbolic, numeric)


@pytest.mark.parametrize("program, expected", [
    ("(x+y)*z", {"x": "z", "y": "z", "z": "x + y"}),
    ("2*(x*y+max(z,w))", {"x": "2 * y", "y": "2 * x", "z": "2 * (1 - step(w - z))",
                          "w": "2 * step(w - z)"}),
    ("relu(w*x+b)", {"w": "x * step(w * x + b)", "x": "w * step(w * x + b)",
                     "b": "step(w * x + b)"}),
    ("abs(x) - x", {"x": "sign(x) - 1"}),
    ("q = x + y; f = q * q", {"x": "2 * (x + y)", "y": "2 * (x + y)"}),
    ("x - x + y", {"x": "0", "y": "1"}),
])
def test_printed_derivatives(program, expected):
    assert derivative_texts(program)[1] == expected


def test_the_neurons_derivative():
    text = derivative_texts("1/(1+exp(-(w0*x0+w1*x1+w2)))")[1]["w0"]
    assert text == "x0 * exp(-(w0 * x0 + w1 * x1 + w2)) / (1 + exp(-(w0 * x0 + w1 * x1 + w2))) ^ 2"


@pytest.mark.parametrize("program", [
    "(x+y)*z", "1/(1+exp(-(x*y+z)))", "2*(x*y+max(z,x))", "relu(x*y+z) + abs(x - z)",
    "min(x, y, z) * max(x, y, z)", "sigmoid(x) * tanh(y) + softplus(z)",
    "x^y + y^3 - z/x", "sqrt(x*x + 1) + log(x*x + y*y + 1) + sin(z)*cos(x)",
])
def test_parses_back_and_matches_numeric_gradient_at_random_points(program):
    rng = random.Random(4)
    for _ in range(20):
        point = {"x": rng.uniform(0.2, 2), "y": rng.uniform(-2, 2), "z": rng.uniform(-2, 2)}
        if "^y" in program:
            point["y"] = rng.uniform(0.5, 2)
        inputs = lower(parse(program), program).inputs
        point = {k: v for k, v in point.items() if k in inputs}
        check_against_numeric(program, point)


def expressions(depth=3):
    return expression_texts(["x", "y", "z", "2", "0.5"], depth)


@settings(deadline=None, max_examples=60)
@given(expressions(), *[st.floats(-2, 2).map(lambda v: round(v, 3))] * 3)
def test_random_expressions(text, x, y, z):
    inputs = lower(parse(text), text).inputs
    point = {k: v for k, v in {"x": x, "y": y, "z": z}.items() if k in inputs}
    try:
        rep = compute(text, point)
        assume(all(math.isfinite(g) for g in rep.grads))
        check_against_numeric(text, point)
    except MathError:
        assume(False)


def test_simplify_identities():
    x, y = name("x"), name("y")
    assert to_text(simplify(1 * x + 0)) == "x"
    assert to_text(simplify((x + y) - (x + y))) == "0"
    assert to_text(simplify(x ** (2 - 1))) == "x"
    assert to_text(simplify(y * 2, thorough=True)) == "2 * y"
    assert to_text(simplify(x * (1 / y), thorough=True)) == "x / y"
    assert to_text(simplify(-1 * (x * -(y)), thorough=True)) == "x * y"


def test_cli_text_and_latex(capsys):
    status, out, err = run(["diff", "(x+y)*z", "--wrt", "z"], capsys)
    assert status == 0 and out == "f = (x + y) * z\n∂f/∂z = x + y\n" and err == ""
    status, out, err = run(["diff", "(x+y)*z", "--format", "latex"], capsys)
    assert status == 0 and r"\frac{\partial f}{\partial z} &= x + y" in out
    status, out, _ = run(["diff", "-x*-y"], capsys)
    assert status == 0 and "∂f/∂x = y" in out


def test_cli_errors(capsys):
    status, out, err = run(["diff", "(x+y)*z", "x=1"], capsys)
    assert status == 2 and "takes no values" in err
    status, out, err = run(["diff", "x*y", "--wrt", "q"], capsys)
    assert status == 2 and "'q' is not an input or a named value" in err
    status, out, err = run(["diff", "x*"], capsys)
    assert status == 2 and "^" in err
    chain = "; ".join(f"x{k + 1} = x{k} * x{k}" for k in range(20))
    status, out, err = run(["diff", "x0 = x\n" + chain.replace("x0 * x0", "x * x")], capsys)
    assert status == 3 and "terms" in err and out == ""


def test_max_of_many_arguments_is_refused_not_squared(capsys):
    program = "max(" + ", ".join(f"x{k}" for k in range(40)) + ")"
    status, out, err = run(["diff", program], capsys)
    assert status == 3 and "no printable derivative" in err
    # The table still works, with numbers for the local partials.
    status, out, err = run([program] + [f"x{k}={k}" for k in range(40)], capsys)
    assert status == 0


def _blocks(out):
    """The printed lines, each with its indented continuation lines joined back on."""
    blocks = []
    for line in out.splitlines():
        if line.startswith("    "):
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return blocks


def test_with_respect_to_a_named_intermediate(capsys):
    program = "q = x + y; r = q * q; f = r * z + exp(q)"
    point = {"x": 0.5, "y": -1.25, "z": 2.0}
    status, out, err = run(["diff", program, "--wrt", "q,x,r"], capsys)
    assert status == 0 and err == ""
    blocks = dict(block.split(" = ", 1) for block in _blocks(out))
    assert blocks["q"] == "x + y"                    # the name it is written in, defined first
    assert out.index("q = x + y") < out.index("f = ")
    assert blocks["∂f/∂r"] == "z"
    rep = compute(program, point)
    q = rep.values[rep.graph.names.index("q")]
    for wrt in ("q", "x", "r"):
        symbolic = evaluate(blocks[f"∂f/∂{wrt}"], {**point, "q": q})
        assert math.isclose(symbolic, rep.gradient(wrt), rel_tol=1e-12), wrt
    status, out, err = run(["diff", program, "--wrt", "q", "--format", "latex"], capsys)
    assert status == 0 and r"q &= x + y \\" in out and r"{\partial q} &=" in out


def test_e_to_the_x_and_log_identities():
    assert derivative_texts("e^x")[1] == {"x": "e ^ x"}
    from gradcli.lang.expr import call

    x, y = name("x"), name("y")
    assert to_text(simplify(call("log", call("exp", x + y)))) == "x + y"
    assert to_text(simplify(call("log", name("e")) * x)) == "x"
    # exp(log(a)) is a only where a > 0: it stays.
    assert to_text(simplify(call("exp", call("log", x)))) == "exp(log(x))"


def test_long_derivatives_wrap_at_80_and_still_parse(capsys):
    program = ("sigy = sigmoid(y); num = x + sigy; sigx = sigmoid(x); xpy = x + y; "
               "xpysqr = xpy**2; den = sigx + xpysqr; invden = 1.0 / den; f = num * invden")
    status, out, _ = run(["diff", program], capsys)
    assert status == 0
    assert all(len(line) <= 80 for line in out.splitlines())
    assert any(line.startswith("    ") for line in out.splitlines())     # it did wrap
    _, texts = derivative_texts(program)
    point = {"x": 3.0, "y": -4.0}
    for block in _blocks(out)[1:]:
        label, wrapped = block.split(" = ", 1)
        name = label.rsplit("∂", 1)[1]
        assert wrapped.replace(" \\\n    ", " ").replace("\n    ", " ") == texts[name]
        # Copied as printed (newlines, backslashes and all), it is the same expression.
        assert evaluate(wrapped, point) == evaluate(texts[name], point)


def test_a_program_without_inputs_says_so(capsys):
    status, out, err = run(["diff", "1+2"], capsys)
    assert status == 0 and out.splitlines() == [
        "f = 1 + 2", "# the program has no inputs: it is a constant, with nothing to differentiate"]
    status, out, err = run(["diff", "1+2", "--format", "latex"], capsys)
    assert status == 0 and "% the program has no inputs" in out


@settings(deadline=None, max_examples=60)
@given(st.lists(st.sampled_from(["x", "y * z", "(x + y)", "exp(x - y)", "max(x, y, z)",
                                 "-y", "1.5", "x / (y + 3)"]), min_size=1, max_size=40),
       st.lists(st.sampled_from([" + ", " - ", " * ", " / "]), min_size=40, max_size=40),
       st.booleans())
def test_wrapped_text_fits_and_parses_to_the_same_value(terms, operators, bracket):
    from gradcli.render.diff import wrap

    text = terms[0] + "".join(op + term for op, term in zip(operators, terms[1:]))
    if bracket:
        text = f"y * ({text})"
    wrapped = wrap("∂f/∂x = ", text)
    assert all(len(line) <= 80 for line in wrapped.splitlines())
    body = wrapped.removeprefix("∂f/∂x = ")
    point = {"x": 0.75, "y": -1.5, "z": 2.0}
    try:
        expected = evaluate(text, point)
    except MathError:
        assume(False)
    assert evaluate(body, point) == expected
