"""engine/tangent and render/forward, --mode forward: the tangent sweep agrees with the reverse
sweep; the table and JSON, with many columns split into tables rather than cut."""

import json
import math

import pytest
from _helpers import report, run
from _strategies import expression_texts
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradcli.compute import compute
from gradcli.engine.scalar import FLOAT
from gradcli.engine.sweep import tangents as sweep_tangents
from gradcli.errors import MathError
from gradcli.lang.syntax import parse
from gradcli.program.lower import lower


def tangents(graph, values, seed):
    return sweep_tangents(graph, FLOAT, values, seed)


def test_tangent_column_of_the_staged_example():
    rep = report("staged")
    graph = rep.graph
    column = tangents(graph, rep.values, graph.inputs["x"])
    by_name = {graph.names[i]: column[i] for i in range(len(column)) if graph.names[i]}
    assert by_name["x"] == 1 and by_name["y"] == 0 and by_name["xpy"] == 1
    assert by_name["xpysqr"] == -2            # d(xpy^2)/dx = 2 * xpy = -2
    assert math.isclose(by_name["f"], rep.gradients["x"], rel_tol=1e-12)


def expressions(depth=4):
    return expression_texts(["x", "y", "z", "1.5", "2"], depth)


@settings(deadline=None, max_examples=100)
@given(expressions(), st.floats(-3, 3), st.floats(-3, 3), st.floats(-3, 3))
def test_forward_equals_reverse(text, x, y, z):
    try:
        rep = compute(text, {k: v for k, v in {"x": x, "y": y, "z": z}.items()
                             if k in lower(parse(text), text).inputs})
    except MathError:
        assume(False)
    graph = rep.graph
    for name, node in graph.inputs.items():
        forward = tangents(graph, rep.values, node)[graph.output]
        reverse = rep.gradients[name]
        assume(math.isfinite(reverse) and math.isfinite(forward))
        # Where contributions cancel ((x*z)/z), both orders give rounding noise of the size
        # of the terms that cancelled, not of the result: allow for that much.
        scale = sum(abs(amount) for _, amount in rep.contributions(node))
        assert math.isclose(forward, reverse, rel_tol=1e-9, abs_tol=1e-12 + 1e-9 * scale), \
            (text, name)


def test_paths_that_cancel_before_an_infinite_derivative():
    """sqrt(x - x) at 0: forward mode adds the two paths first (0: nothing flows); reverse mode
    meets the infinity first (∞ - ∞ is undefined) and warns of it."""
    rep = compute("sqrt(x - x)", {"x": 0.0})
    assert tangents(rep.graph, rep.values, rep.graph.inputs["x"])[rep.graph.output] == 0.0
    assert math.isnan(rep.gradients["x"])
    assert "infinite" in {w["kind"] for w in rep.warnings}


@pytest.mark.parametrize("program", ["0*sqrt(x)", "step(x)*sqrt(x)", "sqrt(relu(x))",
                                     "relu(x)*sqrt(x) + x", "0*x^0.5", "abs(x)*sqrt(abs(x))"])
def test_forward_agrees_with_reverse_where_a_zero_meets_an_infinite_partial(program):
    """0·∞ on an edge is 0 both ways: a zero upstream or tangent sends nothing along an
    infinite partial, and a zero partial sends nothing of an infinite upstream or tangent."""
    rep = compute(program, {"x": 0.0})
    forward = tangents(rep.graph, rep.values, rep.graph.inputs["x"])[rep.graph.output]
    assert forward == rep.gradients["x"]
    assert math.isfinite(forward)


# Kinks and zeros are the point: the functions whose partials are 0, 1 or infinite there,
# and values that land on them.
KINKED_LEAVES = ["x", "y", "z", "0", "1", "2"]
KINKED_FUNCTIONS = ("sqrt", "abs", "relu", "step", "sign", "exp", "sigmoid", "tanh")


@st.composite
def kinked_texts(draw, depth=4):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(KINKED_LEAVES))
    kind = draw(st.sampled_from(["+", "-", "*", "max", "min", *KINKED_FUNCTIONS]))
    a = draw(kinked_texts(depth=depth - 1))
    if kind in KINKED_FUNCTIONS:
        return f"{kind}({a})"
    b = draw(kinked_texts(depth=depth - 1))
    if kind in ("max", "min"):
        return f"{kind}({a}, {b})"
    return f"({a} {kind} {b})"


def _same(forward: float, reverse: float, scale: float) -> bool:
    if math.isnan(forward) or math.isnan(reverse):
        return math.isnan(forward) and math.isnan(reverse)
    if math.isinf(forward) or math.isinf(reverse):
        return forward == reverse
    return math.isclose(forward, reverse, rel_tol=1e-9, abs_tol=1e-12 + 1e-9 * scale)


@settings(deadline=None, max_examples=300)
@given(kinked_texts(), st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 4.0]),
       st.sampled_from([0.0, 1.0, -2.0]), st.sampled_from([0.0, 0.25, -1.0]))
def test_forward_equals_reverse_at_kinks_and_zeros(text, x, y, z):
    program = f"f = 0*x + 0*y + 0*z + {text}"
    try:
        rep = compute(program, {"x": x, "y": y, "z": z})
    except MathError:
        assume(False)
    graph = rep.graph
    for name, node in graph.inputs.items():
        forward = tangents(graph, rep.values, node)[graph.output]
        reverse = rep.gradients[name]
        scale = sum(abs(amount) for _, amount in rep.contributions(node)
                    if math.isfinite(amount))
        if math.isnan(reverse) and not math.isnan(forward):
            # Paths through an infinite local derivative that cancel (sqrt(x - x) at 0): the
            # tangent sweep adds them before the infinity (1 - 1 = 0 sends nothing), the
            # reverse sweep after it (∞ - ∞); the run warns of the infinite derivative.
            assert {"infinite", "undefined"} & {w["kind"] for w in rep.warnings}, text
            continue
        assert _same(forward, reverse, scale), (text, name, forward, reverse)


def test_cli_forward_table(capsys):
    status, out, err = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--mode", "forward", "--wrt", "x",
                            "--color", "never"], capsys)
    assert status == 0 and err == ""
    assert "∂/∂x" in out and "∂f/∂x = -4 (forward mode; reverse mode gives -4)" in out
    assert "Forward mode costs one sweep per input" in out


def test_cli_forward_json(capsys):
    status, out, _ = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--mode", "forward", "--wrt", "x,z",
                          "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["gradients"] == {"x": -4.0, "z": 3.0}
    assert data["tangents"]["x"] == [1.0, 0.0, 0.0, 1.0, -4.0]


def test_cli_forward_errors(capsys):
    status, _, err = run(["x*y", "x=1", "y=2", "--mode", "forward"], capsys)
    assert status == 2 and "needs --wrt" in err
    status, _, err = run(["q = x*y; f = q*2", "x=1", "y=2", "--mode", "forward", "--wrt", "q"],
                         capsys)
    assert status == 2 and "forward mode seeds an input" in err and "x, y" in err
    status, _, err = run(["x*y", "x=1", "y=2", "--mode", "forward", "--wrt", "x", "--format",
                          "csv"], capsys)
    assert status == 2 and "table or JSON" in err
    status, _, err = run(["x*y", "x=1", "y=2", "--mode", "sideways"], capsys)
    assert status == 2


def _forward_text(program, bindings, wrt, width):
    from _helpers import fixed_console_text

    from gradcli.compute import compute_tangents
    from gradcli.render import Settings, render

    rep = compute(program, bindings)
    rendered, kind = render(compute_tangents(rep, wrt), "table", Settings(wrt=wrt))
    return rep, fixed_console_text(rendered, width=width)


NEURON8 = ("sigmoid(w0*x0+w1*x1+w2*x2+w3*x3)",
           {"w0": 0.5, "x0": -2.0, "w1": 0.25, "x1": 4.0, "w2": -1.5, "x2": 0.125,
            "w3": 0.75, "x3": -0.5})


def test_many_columns_are_split_not_cut():
    from gradcli.engine.tangent import columns
    from gradcli.numbers import format_number

    program, bindings = NEURON8
    for width in (80, 50):
        rep, text = _forward_text(program, bindings, list(bindings), width)
        lines = text.splitlines()
        assert all(len(line) <= width for line in lines), text
        headers = [line for line in lines if line.startswith("node")]
        assert len(headers) > 1                   # several tables, not one truncated
        for name in bindings:
            assert sum(f"∂/∂{name}" in h.split() for h in headers) == 1, (name, text)
        # Every number of every column is printed whole, in its table's rows.
        cols = columns(rep, list(bindings))
        for header_at, header in enumerate(lines):
            if not header.startswith("node"):
                continue
            names = [h[3:] for h in header.split() if h.startswith("∂/∂")]
            body = lines[header_at + 2:header_at + 2 + rep.graph.output + 1]
            for row, line in zip(range(rep.graph.output + 1), body):
                cells = line.split()
                expected = [format_number(cols[name][row], 4) for name in names]
                assert cells[-len(names):] == expected, (line, expected)


def test_five_columns_fit_one_table_at_80_by_shortening_labels():
    program, bindings = ("1/(1+exp(-(w0*x0+w1*x1+w2)))",
                         {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0})
    _, text = _forward_text(program, bindings, list(bindings), 80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert sum(line.startswith("node") for line in lines) == 1
    assert lines[0].split() == ["node", "op", "value", "∂/∂w0", "∂/∂x0", "∂/∂w1", "∂/∂x1",
                                "∂/∂w2"]
    assert "-0.1966   0.3932  -0.3932  -0.5898   0.1966" in text
    assert "…" in text                             # the long node labels gave way


def test_a_cut_forward_table_says_how_many_rows_it_hides():
    program = "+".join(f"a{i}*b{i}" for i in range(40))
    bindings = {f"{v}{i}": 1.0 for i in range(40) for v in "ab"}
    _, text = _forward_text(program, bindings, ["a0", "b39"], 80)
    assert "… 99 more" in text and "99 nodes not shown (--all shows every row)." in text
    assert all(len(line) <= 80 for line in text.splitlines())
