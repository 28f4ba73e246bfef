"""--why (checks/why.py): a hand-made suite of programs whose gradients are 0 or tiny, each
reason alone and mixed with others, and healthy programs that get no reason; the views
(table, --explain, JSON), --small, the refusals and the prompt's :why."""

from __future__ import annotations

import json

import pytest

from gradcli.checks.why import REASON_KINDS, why
from gradcli.compute import compute
from gradcli.program.graph import node_label

# Eleven sigmoids in a row: each local gradient about 0.2, their product below 1e-6.
CHAIN = ("a1 = sigmoid(x); a2 = sigmoid(a1); a3 = sigmoid(a2); a4 = sigmoid(a3); "
         "a5 = sigmoid(a4); a6 = sigmoid(a5); a7 = sigmoid(a6); a8 = sigmoid(a7); "
         "a9 = sigmoid(a8); a10 = sigmoid(a9); f = sigmoid(a10)")
# Seven factors of 0.1: none small on its own, 1e-7 together.
TENTHS = "0.1*(0.1*(0.1*(0.1*(0.1*(0.1*(0.1*x))))))"

# (program, point, {name: its reasons as (kind, the node's label)}): every gradient of an
# input or a named value not listed here must get no reason.
CASES = [
    # no path to the output
    ("q = x*2; f = y*3", {"x": 1, "y": 2},
     {"x": {("no-path", "x")}, "q": {("no-path", "q")}}),
    ("a = x + 1; b = a*a; f = y", {"x": 1, "y": 2},
     {"x": {("no-path", "x")}, "a": {("no-path", "a")}, "b": {("no-path", "b")}}),
    ("u = sin(x); f = exp(y)*2", {"x": 1, "y": 0.5},
     {"x": {("no-path", "x")}, "u": {("no-path", "u")}}),
    # a dead relu
    ("relu(x)", {"x": -1},
     {"x": {("dead", "f")}}),
    ("h = relu(w*x + b); f = h*3", {"w": 1, "x": -2, "b": 0.5},
     {"w": {("dead", "h")}, "x": {("dead", "h")}, "b": {("dead", "h")}}),
    ("relu(x - 5) + y", {"x": 2, "y": 1},
     {"x": {("dead", "relu(x-5)")}}),
    ("r = relu(x*y); f = r*r + z", {"x": 2, "y": -1, "z": 1},
     {"x": {("dead", "r")}, "y": {("dead", "r")}, "r": {("zero-local", "r*r")}}),
    # a saturated sigmoid or tanh
    ("sigmoid(x)", {"x": 20},
     {"x": {("saturated", "f")}}),
    ("tanh(w*x)", {"w": 3, "x": 8},
     {"w": {("saturated", "f")}, "x": {("saturated", "f")}}),
    ("s = sigmoid(x); f = s*y", {"x": -25, "y": 2},
     {"x": {("saturated", "s")}, "y": {("small-local", "f")}}),
    ("sigmoid(x)", {"x": 800},
     {"x": {("saturated", "f")}}),
    # a max or min that routed the gradient elsewhere
    ("max(x, y)", {"x": 1, "y": 2},
     {"x": {("routed", "f")}}),
    ("min(x, y, z)", {"x": 3, "y": 1, "z": 2},
     {"x": {("routed", "f")}, "z": {("routed", "f")}}),
    ("m = max(x*2, y); f = m + z", {"x": 1, "y": 5, "z": 0},
     {"x": {("routed", "m")}}),
    # a gate that blocks it
    ("step(x)*y", {"x": 1, "y": 2},
     {"x": {("blocked", "step(x)")}}),
    ("sign(x) + y", {"x": 1, "y": 2},
     {"x": {("blocked", "sign(x)")}}),
    ("(x > y) * z", {"x": 2, "y": 1, "z": 3},
     {"x": {("blocked", "x>y")}, "y": {("blocked", "x>y")}}),
    # a local gradient that is 0 here
    ("x*y + z", {"x": 1, "y": 0, "z": 2},
     {"x": {("zero-local", "x*y")}}),
    ("abs(x) + y", {"x": 0, "y": 1},
     {"x": {("zero-local", "abs(x)")}}),
    ("x^2 + y", {"x": 0, "y": 1},
     {"x": {("zero-local", "x^2")}}),
    # contributions at a fork that cancel
    ("x*y - y*x", {"x": 1.5, "y": 2},
     {"x": {("cancel", "x")}, "y": {("cancel", "y")}}),
    ("q = x + 1; f = q - x", {"x": 2},
     {"x": {("cancel", "x")}}),
    ("a = x*2; b = x*3; f = 3*a - 2*b", {"x": 1},
     {"x": {("cancel", "x")}}),
    # vanishing: a long product of local gradients
    (CHAIN, {"x": 0.3},
     {"x": {("vanishing", "x")}, "a1": {("vanishing", "a1")}}),
    (TENTHS, {"x": 1},
     {"x": {("vanishing", "x")}}),
    ("a = 0.05*x; b = 0.05*a; c = 0.05*b; d = 0.05*c; f = 0.05*d", {"x": 1},
     {"x": {("vanishing", "x")}}),
    # underflow
    ("q = x*1e-200; f = q*1e-200", {"x": 1},
     {"x": {("underflow", "q")}, "q": {("small-local", "f")}}),
    ("(x*1e-160)*1e-160", {"x": 1},
     {"x": {("underflow", "x*1e-160")}}),
    # mixed
    ("relu(x) + max(x, y)", {"x": -1, "y": 2},
     {"x": {("dead", "relu(x)"), ("routed", "max(x, y)")}}),
    ("sigmoid(x*30) + step(x)", {"x": 1},
     {"x": {("blocked", "step(x)"), ("saturated", "#3")}}),
    ("relu(x) + x*y", {"x": -1, "y": 0},
     {"x": {("dead", "relu(x)"), ("zero-local", "x*y")}}),
    ("q = relu(x); f = q*y - y*q + max(x, z)", {"x": 2, "y": 3, "z": 5},
     {"x": {("cancel", "q"), ("routed", "max(x, z)")}, "y": {("cancel", "y")}, "q": {("cancel", "q")}}),
    ("a = max(x, y); b = relu(a - 10); f = b + sigmoid(40*y)", {"x": 1, "y": 2},
     {"x": {("routed", "a")}, "y": {("dead", "b"), ("saturated", "#8")}, "a": {("dead", "b")}}),
    ("q = x*2; f = relu(y)", {"x": 1, "y": -1},
     {"x": {("no-path", "x")}, "y": {("dead", "f")}, "q": {("no-path", "q")}}),
    ("f = relu(x) + (x*1e-200)*1e-200", {"x": -1},
     {"x": {("dead", "relu(x)"), ("underflow", "x*1e-200")}}),
    ("(x*y - y*x) + relu(z)", {"x": 1.5, "y": 2, "z": -1},
     {"x": {("cancel", "x")}, "y": {("cancel", "y")}, "z": {("dead", "relu(z)")}}),
    (TENTHS + " + max(x, y)", {"x": 1, "y": 2},
     {"x": {("routed", "max(x, y)"), ("vanishing", "x")}}),
    ("relu(x) + step(x) + max(x, y)", {"x": -1, "y": 2},
     {"x": {("blocked", "step(x)"), ("dead", "relu(x)"), ("routed", "max(x, y)")}}),
    ("q = x*1e-200; f = q*1e-200 + sigmoid(50*x) + max(x, y)", {"x": 1, "y": 2},
     {"x": {("routed", "max(x, y)"), ("saturated", "#8"), ("underflow", "q")},
      "q": {("small-local", "q*1e-200")}}),
    ("q = x*y - y*x; f = sigmoid(20*q + z)", {"x": 1.5, "y": 2, "z": 30},
     {"x": {("cancel", "x"), ("saturated", "f")}, "y": {("cancel", "y"), ("saturated", "f")},
      "z": {("saturated", "f")}, "q": {("saturated", "f")}}),
    ("s = tanh(x); f = s*y", {"x": 15, "y": 2},
     {"x": {("saturated", "s")}}),
    ("m = min(x, y); f = m*z", {"x": 3, "y": 1, "z": 2},
     {"x": {("routed", "m")}}),
    ("z1 = w1*x + b1; h = relu(z1); f = h*w2 + b2", {"x": 1, "w1": -2, "b1": 0.5, "w2": 3, "b2": 1},
     {"w1": {("dead", "h")}, "x": {("dead", "h")}, "b1": {("dead", "h")}, "w2": {("zero-local", "h*w2")}, "z1": {("dead", "h")}}),
    ("q = x*y; f = q + y", {"x": 3, "y": 0},
     {"x": {("zero-local", "q")}}),
    ("x*1e-9 + y", {"x": 1, "y": 2},
     {"x": {("small-local", "x*1e-09")}}),
]

HEALTHY = [
    ("(x+y)*z", {"x": -2, "y": 5, "z": -4}),
    ("1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2}),
    ("sigmoid(x)", {"x": 2}),
    ("x*1e-5", {"x": 1}),
    ("relu(x)*y", {"x": 1, "y": 2}),
    ("q = x + y; f = q * z + x", {"x": -2, "y": 5, "z": -4}),
    ("max(x, y) + x", {"x": 1, "y": 2}),
]


def reasons_of(program, point, small=1e-6):
    report = compute(program, point)
    result = why(report, small)
    return {q.name: {(r.kind, node_label(report.graph, r.node)) for r in q.reasons}
            for q in result.quiet}


@pytest.mark.parametrize("program, point, expected", CASES,
                         ids=[f"{k}" for k in range(len(CASES))])
def test_each_zero_or_tiny_gradient_gets_its_reasons(program, point, expected):
    assert reasons_of(program, point) == expected


@pytest.mark.parametrize("program, point", HEALTHY)
def test_healthy_gradients_get_no_reason(program, point):
    assert reasons_of(program, point) == {}


def test_the_suite_covers_every_reason_alone_and_mixed():
    assert len(CASES) + len(HEALTHY) >= 40
    alone = {kind for _, _, expected in CASES for reasons in expected.values()
             if len(reasons) == 1 for kind, _ in reasons}
    assert alone == set(REASON_KINDS)
    mixed = [reasons for _, _, expected in CASES for reasons in expected.values()
             if len({kind for kind, _ in reasons}) > 1]
    assert len(mixed) >= 8


def test_small_sets_what_counts_as_tiny():
    assert reasons_of("x*1e-5 + y", {"x": 1, "y": 2}) == {}
    assert reasons_of("x*1e-5 + y", {"x": 1, "y": 2}, small=1e-4) == \
        {"x": {("small-local", "x*1e-05")}}
    # 0 counts only exact zeros.
    assert reasons_of("x*1e-9 + y", {"x": 1, "y": 2}, small=0) == {}


def test_the_reasons_use_the_sweeps_numbers():
    report = compute("h = relu(w*x + b); f = h*3", {"w": 1, "x": -2, "b": 0.5})
    [reason] = why(report).quiet[0].reasons
    assert reason.message == ("h is a dead relu: its input (w*x+b) is -1.5 (<= 0), so it "
                              "passes no gradient")
    cancel = why(compute("x*y - y*x", {"x": 1.5, "y": 2})).quiet[0].reasons[0]
    assert cancel.message == ("the contributions at the fork x cancel: -2 through (y*x), 2 "
                              "through (x*y) add up to 0")


def test_why_follows_the_table(cli):
    run = cli("relu(x) + max(x, y)", "x=-1", "y=2", "--why")
    assert run.status == 0
    lines = run.out.splitlines()
    start = lines.index("why: the gradients that are 0 or tiny (below 1e-06 of the largest, 1):")
    assert lines[start - 2].startswith("←: each use of a value") and lines[start - 1] == ""
    assert lines[start + 1:] == [
        "  ∂f/∂x = 0:",
        "    - max(x, y) routed the gradient to y (2), which won over x (-1); x gets 0",
        "    - relu(x) is a dead relu: its input x is -1 (<= 0), so it passes no gradient"]


def test_why_with_explain_and_json(cli):
    story = cli("relu(x)", "x=-1", "--why", "--explain").out
    assert story.startswith("Backward pass of f = relu(x)")
    assert story.endswith("  ∂f/∂x = 0: f is a dead relu: its input x is -1 (<= 0), so it "
                          "passes no\n    gradient\n")
    data = json.loads(cli("relu(x)", "x=-1", "--why", "--format", "json").out)
    assert data["gradients"] == {"x": 0.0}
    assert data["why"] == {"small": 1e-06, "largest": 1.0, "gradients": [
        {"node": 0, "name": "x", "grad": 0.0, "more": 0, "reasons": [
            {"kind": "dead", "node": "f", "message": "f is a dead relu: its input x is -1 "
                                                     "(<= 0), so it passes no gradient"}]}]}


def test_a_healthy_program_says_so(cli):
    run = cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--why")
    assert run.out.endswith("\nwhy: no gradient is 0 or tiny (below 1e-06 of the largest, 4).\n")


def test_why_at_a_narrow_terminal_wraps_its_reasons(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    out = cli("relu(x) + max(x, y)", "x=-1", "y=2", "--why").out
    why_lines = out[out.index("why:"):].splitlines()
    assert max(len(line) for line in why_lines[1:]) <= 40
    assert "    - max(x, y) routed the gradient to y" in why_lines


@pytest.mark.parametrize("argv, message", [
    (["--why", "--format", "csv"], "--why writes a table, --explain or JSON, not csv"),
    (["--small", "1e-3"], "--small needs --why"),
    (["--why", "--small", "-1"], "--small must be a finite number >= 0"),
    (["--why", "--small", "nan"], "--small must be a finite number >= 0"),
    (["--why", "--exact"], "--exact and --why each make their own report"),
    (["--why", "--expect", "d/dx=1"], "--why and --expect cannot be used together"),
    (["--why", "-i"], "-i and --why cannot be used together"),
])
def test_why_refuses_what_it_cannot_do(cli, argv, message):
    run = cli("relu(x)", "x=-1", *argv)
    assert run.status == 2 and message in run.err, run.err


def test_why_refuses_arrays(cli):
    run = cli("sum(relu(x))", "x=[1,-1]", "--why")
    assert run.status == 2 and "--why works on scalar programs only" in run.err


def test_the_prompts_why(monkeypatch, capsys):
    import io
    import sys

    from gradcli.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO("x = -1\ny = 2\nq = relu(x) + max(x, y)\n"
                                                  ":why\n:why 0.6\nx = 3\n:why\n"))
    status = main(["-i"])
    out = capsys.readouterr().out
    assert status == 0
    assert "gradcli> :why\nwhy: the gradients that are 0 or tiny (below 1e-06 of the largest, " \
        "1):\n  ∂q/∂x = 0:\n    - max(x, y) routed" in out
    assert "below 0.6 of the largest" in out
    assert "∂q/∂y = 0: max(x, y) routed the gradient to x (3), which won over y (2); y\n" \
        "    gets 0" in out


def test_the_prompts_why_refuses_a_ratio_that_is_no_number(monkeypatch, capsys):
    import io
    import sys

    from gradcli.cli import main
    from gradcli.errors import ERROR_BYTES

    monkeypatch.setattr(sys, "stdin", io.StringIO("x = 1\nx * 2\n:why " + "q" * 100_000 + "\n"))
    status = main(["-i"])
    err = capsys.readouterr().err
    assert status == 2 and ":why q" in err and "a number >= 0, like :why 1e-3" in err
    assert len(err.encode()) <= ERROR_BYTES
