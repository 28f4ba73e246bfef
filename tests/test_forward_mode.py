"""--mode forward: the tangent sweep agrees with the reverse sweep."""

import json
import math

from _circuits import report, run
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradcli.errors import MathError
from gradcli.forward_mode import tangents
from gradcli.graph import lower
from gradcli.report import compute
from gradcli.syntax import parse


def test_tangent_column_of_the_staged_example():
    rep = report("staged")
    graph = rep.graph
    column = tangents(graph, rep.values, graph.inputs["x"])
    by_name = {graph.names[i]: column[i] for i in range(len(column)) if graph.names[i]}
    assert by_name["x"] == 1 and by_name["y"] == 0 and by_name["xpy"] == 1
    assert by_name["xpysqr"] == -2            # d(xpy^2)/dx = 2 * xpy = -2
    assert math.isclose(by_name["f"], rep.gradients["x"], rel_tol=1e-12)


LEAVES = st.sampled_from(["x", "y", "z", "1.5", "2"])


@st.composite
def expressions(draw, depth=4):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(LEAVES)
    kind = draw(st.sampled_from(["+", "-", "*", "/", "exp", "tanh", "sigmoid", "relu", "abs",
                                 "max", "min", "^2", "sin"]))
    a = draw(expressions(depth=depth - 1))
    if kind in ("exp", "tanh", "sigmoid", "relu", "abs", "sin"):
        return f"{kind}({a})"
    if kind == "^2":
        return f"({a})^2"
    b = draw(expressions(depth=depth - 1))
    if kind in ("max", "min"):
        return f"{kind}({a}, {b})"
    return f"({a} {kind} {b})"


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


def test_cli_forward_table(capsys):
    status, out, err = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--mode", "forward", "--wrt", "x",
                            "--color", "never"], capsys)
    assert status == 0 and err == ""
    assert "∂node/∂x" in out and "∂f/∂x = -4 (forward mode; reverse mode gives -4)" in out
    assert "Forward mode: one sweep per input" in out


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
