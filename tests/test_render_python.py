"""render/python, --format python: staged code in the note's style that runs standalone and
reproduces gradcli's values and gradients, and that passes `gradcli verify` (the note's
programs, and random expressions over every function of the op table); so the two check each
other."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from _helpers import CIRCUITS, DATA, assert_snapshot, report, run
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradcli.checks.verify import verify
from gradcli.compute import compute
from gradcli.errors import MathError
from gradcli.lang.ops import FUNCTIONS, OPS
from gradcli.render import Settings
from gradcli.render.python import gradient_prefix, render, variable_names

# ------------------------------------------------------------------ runs standalone

DUMP = ("import json, runpy, sys\n"
        "names = runpy.run_path(sys.argv[1])\n"
        "print(json.dumps({k: v for k, v in names.items() if isinstance(v, float)}))\n")


def execute(code: str, tmp_path) -> dict:
    """Run the emitted program in a fresh interpreter (only the standard library) and return
    its float variables."""
    path = tmp_path / "backprop.py"
    path.write_text(code, encoding="utf-8")
    result = subprocess.run([sys.executable, "-I", "-c", DUMP, str(path)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_matches_engine(rep, code, tmp_path):
    variables = execute(code, tmp_path)
    names = variable_names(rep)
    prefix = gradient_prefix(names)
    graph = rep.graph
    checked = 0
    for node, name in enumerate(names):
        if name is None:
            continue
        assert math.isclose(variables[name], rep.values[node], rel_tol=1e-9, abs_tol=1e-12)
        if graph.requires_grad[node]:
            got = variables[prefix + name]
            assert math.isclose(got, rep.grads[node], rel_tol=1e-9, abs_tol=1e-12), \
                (name, got, rep.grads[node])
            checked += 1
    assert checked >= len(graph.inputs)


@pytest.mark.parametrize("name", sorted(CIRCUITS))
def test_snapshot_and_it_runs(name, tmp_path):
    rep = report(name)
    code = render(rep, Settings())
    assert_snapshot(f"python_{name}.py.txt", code)
    assert_matches_engine(rep, code, tmp_path)


def test_note_style():
    code = render(report("staged"), Settings())
    # The note's rule in the comment; the code is gradcli's stable arithmetic at this point:
    # for y < 0 the note's (1 - f) * f itself, for x >= 0 a form where 1 - f cannot cancel.
    assert "dy += (1.0 - sigy) * sigy * dsigy  # ∂sigy/∂y = (1 - sigy) * sigy" in code
    assert ("dx += sigx / (1.0 + math.exp(-x)) * math.exp(-x) * dsigx  "
            "# ∂sigx/∂x = (1 - sigx) * sigx") in code
    assert "sigx = 1.0 / (1.0 + math.exp(-x))" in code
    assert "dden = -invden / den * dinvden  # ∂invden/∂den = -1 / den ^ 2" in code
    assert code.count("dx = ") == 1 and code.count("dx += ") == 2
    assert "import math" in code
    assert "import math" not in render(report("add_mul"), Settings())


@pytest.mark.parametrize("program, bindings", [
    ("relu(x) + abs(y) + min(x, y, z) + max(z, 0)", {"x": 0.5, "y": -2.0, "z": 0.0}),
    ("softplus(x) * tanh(y) / sqrt(z) + log(z) - x^y", {"x": 1.5, "y": 2.0, "z": 3.0}),
    ("a = 2; b = a * x; c = b; f = c * c + step(x) + sign(x)", {"x": -1.5}),
    ("x * pi + e^x - 2^-1 + asin(x/2) + atan(x) + cosh(x)", {"x": 0.25}),
    ("q = x * y; unused = q + 1; f = q * 2", {"x": 2.0, "y": 3.0}),
])
def test_every_op_family_runs(program, bindings, tmp_path):
    rep = compute(program, bindings)
    assert_matches_engine(rep, render(rep, Settings()), tmp_path)


def test_python_keywords_are_renamed(tmp_path):
    rep = compute("lambda * 2 + None", {"lambda": 1.0, "None": 2.0})
    code = render(rep, Settings())
    assert "lambda_ = 1.0" in code and "dNone_" in code
    assert_matches_engine(rep, code, tmp_path)


def test_names_that_clash_with_gradients_get_another_prefix(tmp_path):
    rep = compute("x * dx", {"x": 2.0, "dx": 3.0})
    code = render(rep, Settings())
    assert "d_x" in code
    assert_matches_engine(rep, code, tmp_path)


def test_cli_python(capsys):
    status, out, err = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "python"], capsys)
    assert status == 0 and "dz = t1 * df  # ∂f/∂z = t1" in out and err == ""


# ------------------------------------------------------------------ passes gradcli verify

def _emitted(program, bindings=None):
    rep = compute(program, bindings or {})
    return rep, render(rep, Settings())


def assert_verifies(code, rep=None):
    result = verify(code)
    assert result.ok, result.render(show_values=True) + "\n" + code
    if rep is not None:
        checked = {g.target: g.answer for g in result.gradients}
        names = variable_names(rep)
        for node in rep.graph.inputs.values():
            assert math.isclose(checked[names[node]], rep.grads[node], rel_tol=1e-9,
                                abs_tol=1e-12), names[node]
    return result


def note_forward_pass() -> str:
    """The staged example's forward pass, as the note writes it (math.exp, int literals)."""
    text = (DATA / "note_staged.py").read_text(encoding="utf-8")
    return text[:text.index("# backprop")]


@pytest.mark.parametrize("name", sorted(CIRCUITS))
def test_the_notes_circuits_pass_verify(name):
    rep = report(name)
    assert_verifies(render(rep, Settings()), rep)


def test_the_notes_own_forward_pass_passes_verify(tmp_path):
    rep, code = _emitted(note_forward_pass())
    assert rep.gradients == pytest.approx({"x": 2.0595697955721, "y": 1.5922327514983})
    assert_verifies(code, rep)
    assert_matches_engine(rep, code, tmp_path)


@pytest.mark.parametrize("name", sorted(CIRCUITS))
def test_verify_on_the_command_line(name, tmp_path, capsys):
    program, bindings = CIRCUITS[name]
    argv = [program, *(f"{k}={v}" for k, v in bindings.items()), "--format", "python"]
    status, code, err = run(argv, capsys)
    assert status == 0 and err == ""
    path = tmp_path / "backprop.py"
    path.write_text(code, encoding="utf-8")
    status, out, err = run(["verify", str(path)], capsys)
    assert status == 0, out + err
    assert "ok: every gradient matches" in out


def test_a_broken_line_of_emitted_code_is_caught(tmp_path, capsys):
    # The check has teeth: flip the relu mask and verify points at that line.
    rep, code = _emitted("relu(w*x + b)", {"w": 2.0, "x": 1.0, "b": -0.5})
    assert "dt2 = (t2 > 0) * df" in code
    broken = code.replace("dt2 = (t2 > 0) * df", "dt2 = (t2 < 0) * df")
    result = verify(broken)
    assert not result.ok
    line = broken.splitlines().index(next(text for text in broken.splitlines() if "(t2 < 0)" in text)) + 1
    assert result.findings[0].line == line and result.findings[0].name == "dt2"


@pytest.mark.parametrize("program, bindings, prefix", [
    ("x * dx", {"x": 2.0, "dx": 3.0}, "d_"),                       # an input named dx
    ("dx = x * 2; f = dx + x", {"x": 1.5}, "d_"),                  # an intermediate named dx
    ("dx = x * 2; d_x = x + 1; f = dx * d_x", {"x": 1.5}, "grad_"),
    ("lambda * 2 + None", {"lambda": 1.0, "None": 2.0}, "d"),       # renamed lambda_, None_
    ("f * 2", {"f": 3.0}, "d"),                                     # the output is not f then
    ("t1 + x * t2", {"t1": 1.0, "x": 2.0, "t2": 3.0}, "d"),
])
def test_verify_reads_the_emitted_names(program, bindings, prefix, tmp_path):
    rep, code = _emitted(program, bindings)
    result = assert_verifies(code, rep)
    assert {g.variable for g in result.gradients} >= {prefix + n.replace("lambda", "lambda_")
                                                       .replace("None", "None_")
                                                       for n in bindings}
    assert_matches_engine(rep, code, tmp_path)


@pytest.mark.parametrize("program, bindings", [
    ("relu(x) + abs(y) + min(x, y, z) + max(z, 0)", {"x": 0.0, "y": 0.0, "z": 0.0}),
    ("max(x, x, y) + min(y, y)", {"x": 2.0, "y": 1.0}),
    ("softplus(x) + sigmoid(x) + step(x) + sign(x)", {"x": 0.0}),
    ("(x > y) * x + (x <= y) * y", {"x": 1.0, "y": 1.0}),
    ("q = x * y; unused = q + 1; f = q * 2", {"x": 2.0, "y": 3.0}),
    ("a = x; f = y * 2", {"x": 1.0, "y": 2.0}),
    ("x * pi + e^x - 2^-1 + True", {"x": 0.25}),
    ("c = 2^-1; f = c * x", {"x": 4.0}),
    ("x * 1e-300 + y * 1e300 + 2.5e-7", {"x": -0.0, "y": 1e-5}),
    ("x", {"x": 1.0}),
])
def test_kinks_constants_and_unused_values(program, bindings, tmp_path):
    rep, code = _emitted(program, bindings)
    assert_verifies(code, rep)
    assert_matches_engine(rep, code, tmp_path)


# ------------------------------------------------------------------ random programs

COMMON_LEAVES = st.sampled_from(["x", "y", "z", "2", "0.5", "3"])


@st.composite
def common_expressions(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(COMMON_LEAVES)
    kind = draw(st.sampled_from(["+", "-", "*", "/", "sin", "tanh", "sigmoid", "max", "^2"]))
    a = draw(common_expressions(depth=depth - 1))
    if kind in ("sin", "tanh", "sigmoid"):
        return f"{kind}({a})"
    if kind == "^2":
        return f"({a})^2"
    b = draw(common_expressions(depth=depth - 1))
    if kind == "max":
        return f"max({a}, {b})"
    return f"({a} {kind} {b})"


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Values rounded to 3 decimals: the emitted code writes the textbook rule -a / b ** 2 where the
# engine computes -ans / b, and b ** 2 underflows to 0 for |b| near 1e-200.
@given(common_expressions(), *[st.floats(-2, 2).map(lambda v: round(v, 3))] * 3)
def test_random_programs_reproduce_the_engine(tmp_path, text, x, y, z):
    program = f"f = x*0 + y*0 + z*0 + {text}"
    try:
        rep = compute(program, {"x": x, "y": y, "z": z})
    except MathError:
        assume(False)
    assume(all(math.isfinite(g) for g in rep.grads))
    assert_matches_engine(rep, render(rep, Settings()), tmp_path)


# Every scalar op of the table, found by the table's own fields (a new op is drawn too).
FUNCTION_NAMES = sorted({op.name for op in FUNCTIONS.values()
                         if op.forward is not None and op.name != "pow"})


OPERATORS = sorted(op.name for op in OPS.values()
                   if op.forward is not None and op.syntax in ("infix", "prefix"))


TABLE_LEAVES = st.sampled_from(["x", "y", "z", "0", "2", "0.5", "3"])


@st.composite
def table_expressions(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(TABLE_LEAVES)
    name = draw(st.sampled_from(FUNCTION_NAMES + OPERATORS))
    op = OPS[name]
    count = op.min_args if op.max_args == op.min_args else draw(st.integers(op.min_args, 3))
    args = [draw(table_expressions(depth=depth - 1)) for _ in range(count)]
    if op.domain is not None:
        # Keep log, sqrt, asin, division and powers inside their domain: (0, 1).
        args = [f"sigmoid({a})" for a in args]
    if op.syntax == "infix":
        return f"({args[0]} {op.symbol} {args[1]})"
    if op.syntax == "prefix":
        return f"({op.symbol}{args[0]})"
    return f"{name}({', '.join(args)})"


def _random_report(text, x, y, z):
    try:
        rep = compute(f"f = x*0 + y*0 + z*0 + {text}", {"x": x, "y": y, "z": z})
    except MathError:
        assume(False)
    assume(all(math.isfinite(v) for v in rep.values))
    assume(all(math.isfinite(g) and abs(g) < 1e12 for g in rep.grads))
    return rep


VALUES = st.floats(-2, 2).map(lambda v: round(v, 2))


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.filter_too_much])
@given(table_expressions(), VALUES, VALUES, VALUES)
def test_random_programs_pass_verify(text, x, y, z):
    rep = _random_report(text, x, y, z)
    assert_verifies(render(rep, Settings()), rep)


@settings(deadline=None, max_examples=30, suppress_health_check=[
    HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
@given(table_expressions(), VALUES, VALUES, VALUES)
def test_random_programs_run_standalone(tmp_path, text, x, y, z):
    rep = _random_report(text, x, y, z)
    assert_matches_engine(rep, render(rep, Settings()), tmp_path)


def test_the_generator_draws_every_scalar_op():
    scalar = {op.name for op in OPS.values()
              if op.forward is not None and op.syntax != "leaf" and op.name != "id"}
    assert scalar - set(FUNCTION_NAMES) - set(OPERATORS) == set()


# ------------------------------------------------------------------ bit for bit

# Every scalar op, at values that include the kinks, zeros and far tails.
EXACT_VALUES = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -40.0, 40.0, -800.0]
RUNNER = ("import json, runpy, sys\n"
          "out = []\n"
          "for path in sys.argv[1:]:\n"
          "    names = runpy.run_path(path)\n"
          "    out.append({k: repr(v) for k, v in names.items()\n"
          "                if isinstance(v, (float, int)) and not k.startswith('_')})\n"
          "print(json.dumps(out))\n")


def _exact_cases(count: int, seed: int):
    """(program, bindings, report) for `count` random programs over the whole op table whose
    values are finite, drawn by a seeded generator (the same programs on every run)."""
    import random

    rng = random.Random(seed)

    def draw(depth):
        if depth == 0 or rng.randint(0, 3) == 0:
            return rng.choice(["x", "y", "z", "0", "2", "0.5", "3"])
        name = rng.choice(FUNCTION_NAMES + OPERATORS)
        op = OPS[name]
        count = op.min_args if op.max_args == op.min_args else rng.randint(op.min_args, 3)
        args = [draw(depth - 1) for _ in range(count)]
        if op.domain is not None and rng.random() < 0.7:
            args = [f"sigmoid({a})" for a in args]
        if op.syntax == "infix":
            return f"({args[0]} {op.symbol} {args[1]})"
        if op.syntax == "prefix":
            return f"({op.symbol}{args[0]})"
        return f"{name}({', '.join(args)})"

    cases = []
    while len(cases) < count:
        text = draw(3)
        bindings = {k: rng.choice(EXACT_VALUES) if rng.random() < 0.5
                    else round(rng.uniform(-3, 3), rng.choice([2, 17])) for k in "xyz"}
        try:
            rep = compute(f"f = x*0 + y*0 + z*0 + {text}", bindings)
        except MathError:
            continue
        if all(math.isfinite(v) for v in rep.values):
            cases.append((text, bindings, rep))
    return cases


def test_emitted_code_reproduces_values_and_gradients_bit_for_bit(tmp_path):
    """Several hundred random programs: the emitted code, run by Python, computes every value
    and every gradient that gradcli computes as a finite number exactly (==), kinks and
    zeros included (0·sqrt(x) at 0, x^y at (0, 2), sigmoid at -800)."""
    cases = _exact_cases(400, seed=9)
    paths = []
    for k, (_, _, rep) in enumerate(cases):
        path = tmp_path / f"p{k}.py"
        path.write_text(render(rep, Settings()), encoding="utf-8")
        paths.append(str(path))
    finite = [all(math.isfinite(g) for g in rep.grads) for _, _, rep in cases]
    runnable = [p for p, ok in zip(paths, finite) if ok]
    result = subprocess.run([sys.executable, "-I", "-c", RUNNER, *runnable], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    outputs = iter(json.loads(result.stdout))
    checked = 0
    for (text, bindings, rep), ok in zip(cases, finite):
        if not ok:
            continue
        got = next(outputs)
        names = variable_names(rep)
        prefix = gradient_prefix(names)
        for node, name in enumerate(names):
            if name is None:
                continue
            assert float(got[name]) == rep.values[node], (text, bindings, name)
            if rep.graph.requires_grad[node]:
                assert float(got[prefix + name]) == rep.grads[node], (text, bindings, name)
                checked += 1
    assert sum(finite) >= 350 and checked >= 2000


@pytest.mark.parametrize("program, bindings", [
    ("0*sqrt(x)", {"x": 0.0}), ("step(x)*sqrt(x)", {"x": 0.0}), ("x^y", {"x": 0.0, "y": 2.0}),
    ("sqrt(relu(x)) + x", {"x": 0.0}), ("softplus(x) + sigmoid(x)", {"x": -40.0}),
    ("softplus(x) * sigmoid(x)", {"x": -800.0}), ("logsigmoid(x) + tanh(x)", {"x": 30.0}),
    ("x/y - x/y", {"x": 0.1, "y": 0.3}), ("x^-1", {"x": -1e-300}),
])
def test_kinks_zeros_and_tails_run_and_match(program, bindings, tmp_path):
    rep = compute(program, bindings)
    code = render(rep, Settings())
    variables = execute(code, tmp_path)
    names = variable_names(rep)
    for node in rep.graph.inputs.values():
        assert variables["d" + names[node]] == rep.grads[node]
