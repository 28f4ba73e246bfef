"""Mistake diagnosis (checks/diagnose.py): for random programs, a wrong answer made by applying
each kind of mistake at a random eligible place is diagnosed as that (kind, node); random
wrong answers are not; and the diagnoses reach every place a failed gradient is reported.

The wrong answers come from a backward pass written here, independently of the sweep: the
plain chain rule over the report's own local partials, with one edge or gate changed as the
catalogue describes the mistake.

    python tests/test_diagnose.py      # the percentages, per kind
"""

from __future__ import annotations

import functools
import json
import math
import random
import sys

import pytest

from gradcli.checks.diagnose import CATALOGUE, KINDS, diagnose
from gradcli.checks.results import close_enough
from gradcli.compute import compute
from gradcli.errors import GradcliError
from gradcli.program.graph import node_label

RTOL, ATOL = 1e-4, 1e-8
PROGRAMS = 400
INPUTS = ("x", "y", "z", "w")
UNARY = ("sigmoid", "tanh", "relu", "exp", "sin", "softplus", "abs")
# Functions of one argument whose value is no derivative: value-for-derivative applies.
VALUE_MISTAKES = {"sigmoid", "tanh", "relu", "sin", "cos", "softplus", "abs", "log", "sqrt",
                  "step", "sign", "logsigmoid", "log1p", "log2", "log10", "tan", "asin",
                  "acos", "atan", "sinh", "cosh"}


# ------------------------------------------------------------------ random programs

def random_expression(rng: random.Random, names, depth: int) -> str:
    """An expression over `names`, nested at most `depth` deep (iteratively: a stack of
    holes, each filled with a leaf or a gate)."""
    out: list[str] = []
    stack: list[tuple[str, int]] = [("hole", depth)]
    while stack:
        kind, level = stack.pop()
        if kind == "text":
            out.append(str(level))
            continue
        if level == 0 or rng.random() < 0.25:
            out.append(rng.choice(names))
            continue
        gate = rng.choice(["+", "-", "*", "*", "/", "max", "min", "^2", "^3", *UNARY])
        if gate in UNARY:
            parts = [f"{gate}(", ("hole", level - 1), ")"]
        elif gate in ("^2", "^3"):
            parts = ["(", ("hole", level - 1), f"){gate}"]
        elif gate in ("max", "min"):
            parts = [f"{gate}(", ("hole", level - 1), ", ", ("hole", level - 1), ")"]
        else:
            parts = ["(", ("hole", level - 1), f" {gate} ", ("hole", level - 1), ")"]
        for part in reversed(parts):
            stack.append(part if isinstance(part, tuple) else ("text", part))
    return "".join(out)


def random_program(rng: random.Random) -> str:
    """An expression, or a staged program whose lines reuse earlier values (forks)."""
    if rng.random() < 0.5:
        return random_expression(rng, INPUTS, 4)
    names = list(INPUTS)
    lines = []
    for k in range(rng.randint(2, 5)):
        stage = f"s{k}"
        lines.append(f"{stage} = {random_expression(rng, names, 2)}")
        names.append(stage)
    lines.append(f"f = {random_expression(rng, names[-3:] + [rng.choice(INPUTS)], 2)}")
    return "\n".join(lines)


def random_report(rng: random.Random):
    """A program and a point with no kink, tie or warning, and every number moderate."""
    while True:
        text = random_program(rng)
        point = {name: rng.choice([-1, 1]) * round(rng.uniform(0.2, 2.0), 2) for name in INPUTS}
        try:
            report = compute(text, {n: v for n, v in point.items() if n in text})
        except GradcliError:
            continue
        graph = report.graph
        numbers = list(report.values) + [report.grads[i] for i in range(len(graph.ops))
                                         if graph.requires_grad[i]]
        if report.warnings or not all(math.isfinite(v) and abs(v) < 1e6 for v in numbers) \
                or len(graph.ops) < 4 or graph.is_input(graph.output):
            continue
        return report


# ------------------------------------------------------------------ the mistakes, by hand

def feeding(graph) -> set[int]:
    """The nodes the output is computed from: the backward pass visits only these."""
    seen = {graph.output}
    for i in range(graph.output, -1, -1):
        if i in seen:
            seen.update(graph.args(i))
    return seen


def buggy_gradient(report, node: int, change) -> float:
    """∂out/∂node by the chain rule, each edge sending change(gate, k, local, upstream)."""
    graph = report.graph
    grads = {graph.output: 1.0}
    reached = feeding(graph)
    for gate in range(graph.output, -1, -1):
        if gate not in reached:
            continue
        g = grads.get(gate, 0.0)
        start = graph.arg_start[gate]
        for k, arg in enumerate(graph.args(gate)):
            if graph.requires_grad[arg]:
                sent = change(gate, k, report.local[start + k], g)
                grads[arg] = grads.get(arg, 0.0) + sent
    return grads.get(node, 0.0)


def honest(gate, k, p, g):
    return p * g if p and g else 0.0


def at(place_gate, place_edge, mistake):
    """A change that is honest everywhere but at one edge (place_edge None: every edge of the
    gate)."""
    def change(gate, k, p, g):
        if gate == place_gate and (place_edge is None or k == place_edge):
            return mistake(gate, k, p, g)
        return honest(gate, k, p, g)
    return change


def places(report, kind: str):
    """(node the diagnosis should name, change) for every place the kind can happen at."""
    graph, values = report.graph, report.values
    uses: dict[int, int] = {}
    for gate in range(len(graph.ops)):
        for arg in graph.args(gate):
            uses[arg] = uses.get(arg, 0) + 1
    found = []
    for gate in sorted(feeding(graph)):
        args = list(graph.args(gate))
        op = graph.ops[gate].name
        start = graph.arg_start[gate]
        for k, arg in enumerate(args):
            if not graph.requires_grad[arg]:
                continue
            if kind == "fork-dropped" and uses[arg] >= 2:
                found.append((arg, at(gate, k, lambda gate, k, p, g: 0.0)))
            if kind == "no-upstream":
                found.append((gate, at(gate, k, lambda gate, k, p, g: p)))
            if kind == "local-sign":
                found.append((gate, at(gate, k, lambda gate, k, p, g: -p * g)))
        if kind == "max-routing" and op in ("max", "min") and len(args) >= 2:
            winner = [report.local[start + k] for k in range(len(args))].index(1.0)
            for loser in range(len(args)):
                if loser != winner:
                    found.append((gate, at(gate, None, lambda gate, k, p, g, j=loser:
                                           g if k == j else 0.0)))
            found.append((gate, at(gate, None, lambda gate, k, p, g: g)))
        if kind == "value-for-derivative" and op in VALUE_MISTAKES:
            found.append((gate, at(gate, 0, lambda gate, k, p, g: values[gate] * g)))
        if kind == "mul-not-swapped" and op == "mul":
            found.append((gate, at(gate, None, lambda gate, k, p, g, a=args:
                                   values[a[k]] * g)))
        if kind == "power-rule" and op == "pow":
            x, n = values[args[0]], values[args[1]]
            found.append((gate, at(gate, 0, lambda gate, k, p, g, x=x, n=n:
                                   x ** (n - 1) * g)))
            found.append((gate, at(gate, 0, lambda gate, k, p, g, n=n: n * values[gate] * g)))
    return found


def wrong_answers(report, node: int, kind: str):
    """(node to name, answer) for each place of `kind` whose mistake changes ∂out/∂node."""
    correct = report.grads[node]
    if kind == "answer-sign":
        candidates = [(node, -correct)]
    else:
        candidates = [(named, buggy_gradient(report, node, change))
                      for named, change in places(report, kind)]
    return [(named, value) for named, value in candidates
            if math.isfinite(value) and not close_enough(value, correct, RTOL, ATOL)]


@functools.lru_cache(maxsize=None)
def measure(programs: int, seed: int = 11):
    """Per kind, (cases, diagnosed as that (kind, node), misses with nothing listed), and
    (random wrong answers, those diagnosed)."""
    rng = random.Random(seed)
    tally = {kind: [0, 0, 0] for kind in KINDS}
    random_answers = [0, 0]
    for _ in range(programs):
        report = random_report(rng)
        graph = report.graph
        asked = [report.node_named(name) for name in dict.fromkeys(n for n in graph.names if n)
                 if name in report.gradients or name.startswith("s")]
        asked = [n for n in asked if n != graph.output]
        node = rng.choice(asked)
        for kind in KINDS:
            made = wrong_answers(report, node, kind)
            if not made:
                continue
            named, answer = rng.choice(made)
            found = diagnose(report, node, answer, RTOL, ATOL)
            tally[kind][0] += 1
            if (kind, node_label(graph, named)) in {(d.kind, d.node) for d in found}:
                tally[kind][1] += 1
            elif not found:
                tally[kind][2] += 1
        correct = report.grads[node]
        for _ in range(3):
            answer = round(correct + rng.choice([-1, 1]) * rng.uniform(0.05, 3.0)
                           * max(1.0, abs(correct)), 6)
            random_answers[0] += 1
            if diagnose(report, node, answer, RTOL, ATOL):
                random_answers[1] += 1
    return tally, random_answers


def test_each_mistake_at_a_random_place_is_diagnosed_as_itself():
    tally, _ = measure(PROGRAMS)
    for kind, (cases, named, unexplained) in tally.items():
        assert cases >= 20, (kind, cases)
        assert named >= 0.95 * cases, (kind, tally[kind])
        # A miss is a mistake listed under another name, never an answer left unexplained.
        assert unexplained == 0, (kind, tally[kind])


def test_random_wrong_answers_are_not_diagnosed():
    _, (answers, diagnosed) = measure(PROGRAMS)
    assert answers >= 1000 and diagnosed <= 0.01 * answers, (answers, diagnosed)


# ------------------------------------------------------------------ the catalogue

def test_the_catalogue_has_the_issues_kinds_in_one_table():
    assert KINDS == ("fork-dropped", "no-upstream", "answer-sign", "local-sign", "max-routing",
                     "value-for-derivative", "mul-not-swapped", "power-rule")
    for mistake in CATALOGUE.values():
        assert mistake.does and mistake.summary


def test_exp_is_never_diagnosed_as_using_its_value():
    report = compute("exp(x) * y", {"x": 0.5, "y": 3.0})
    x = report.node_named("x")
    # exp's own value is its derivative: the pass that uses it is the right pass.
    for answer in (3 * math.exp(0.5), -3 * math.exp(0.5), 0.0, 1.0):
        kinds = {d.kind for d in diagnose(report, x, answer, RTOL, ATOL)}
        assert "value-for-derivative" not in kinds


@pytest.mark.parametrize("program, point, item, answer, expected", [
    ("q = x + y; f = q * z + x", {"x": -2, "y": 5, "z": -4}, "x", 1.0, ("fork-dropped", "x")),
    ("q = x + y; f = q * z + x", {"x": -2, "y": 5, "z": -4}, "y", 1.0, ("no-upstream", "q")),
    ("(x+y)*z", {"x": -2, "y": 5, "z": -4}, "x", 4.0, ("answer-sign", "x")),
    ("q = x - y; f = q * z", {"x": 3, "y": 5, "z": -4}, "y", -4.0, ("local-sign", "q")),
    ("f = max(x, y) * 2", {"x": 1, "y": 3}, "x", 2.0, ("max-routing", "max(x, y)")),
    ("s = sigmoid(x); f = s * y", {"x": 0.5, "y": 2}, "x",
     2 / (1 + math.exp(-0.5)), ("value-for-derivative", "s")),
    ("q = x * y; f = q + y", {"x": 3, "y": -2}, "x", 3.0, ("mul-not-swapped", "q")),
    ("q = x ^ 3; f = q * 2", {"x": 1.5}, "x", 2 * 1.5 ** 2, ("power-rule", "q")),
    ("q = x ^ 3; f = q * 2", {"x": 1.5}, "x", 2 * 3 * 1.5 ** 3, ("power-rule", "q")),
])
def test_the_notes_mistakes_by_name(program, point, item, answer, expected):
    report = compute(program, point)
    found = diagnose(report, report.node_named(item), answer, RTOL, ATOL)
    assert expected in [(d.kind, d.node) for d in found]
    for d in found:
        assert d.message and d.text().startswith(f"{d.kind} at {d.node}: ")


def test_several_mistakes_with_one_number_are_all_listed_simplest_first():
    report = compute("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    found = diagnose(report, report.node_named("x"), 4.0, RTOL, ATOL)
    assert [(d.kind, d.node) for d in found] == [("answer-sign", "x"), ("local-sign", "f"),
                                                 ("local-sign", "x+y")]


def test_an_answer_no_mistake_gives_gets_no_diagnosis():
    report = compute("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    assert diagnose(report, report.node_named("x"), 17.25, RTOL, ATOL) == ()
    assert diagnose(report, report.node_named("x"), math.nan, RTOL, ATOL) == ()


def test_a_search_past_its_budget_leaves_the_far_places_out(monkeypatch):
    from gradcli.checks import diagnose as module

    report = compute("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    monkeypatch.setattr(module, "MAX_VISITS", 6)
    found = module.mistaken_gradients(report, report.node_named("x"))
    # The answer's sign costs no sweep; a sweep from x+y (node 3) down to x (node 0) visits
    # three nodes, and x+y has two places (its upstream, its sign): (x+y)*z is left out.
    assert {place.kind for place, _ in found} == {"answer-sign", "no-upstream", "local-sign"}
    assert {place.gate for place, _ in found} == {-1, 3}


def test_fifty_nodes_keep_a_diagnosis_cheap():
    # The benchmark times it (benchmarks/bench_diagnose.py); here, that it terminates with
    # one sweep per place: places are linear in the edges.
    rng = random.Random(5)
    text = "\n".join(f"s{k} = sigmoid(s{k - 1}) * x + y" if k else "s0 = x * y"
                     for k in range(12)) + "\nf = s11 * s10"
    report = compute(text, {"x": 0.3, "y": -0.2})
    assert len(report.graph.ops) <= 60
    diagnose(report, report.node_named("x"), rng.uniform(-5, 5), RTOL, ATOL)


# ------------------------------------------------------------------ everywhere a gradient fails

def test_expect_lists_the_diagnosis_in_text_and_json(cli):
    run = cli("q = x + y; f = q * z + x", "x=-2", "y=5", "z=-4", "--expect", "d/dx=1",
              "--expect", "d/dz=7")
    assert run.status == 1
    assert "      diagnosis: fork-dropped at x: x is used 2 times, and its contribution" in run.out
    data = json.loads(cli("q = x + y; f = q * z + x", "x=-2", "y=5", "z=-4", "--expect",
                          "d/dx=1", "--expect", "d/dz=7", "--expect", "d/dy=-4",
                          "--format", "json").out)
    dx, dz, dy = data["expect"]["items"]
    assert dx["diagnosis"] == [{"kind": "fork-dropped", "node": "x", "message":
                                "x is used 2 times, and its contribution through q was left "
                                "out: at a fork the gradients add up (+=, not =)"}]
    assert dz["diagnosis"] == [] and "diagnosis" not in dy


def test_a_batch_record_names_its_diagnosis(cli):
    run = cli("batch", "-", "x=2", "y=3", "--expect", "d/dx=-4", stdin="x*y + x\n")
    assert "diagnosis answer-sign at x" in run.out
    record = json.loads(cli("batch", "-", "x=2", "y=3", "--expect", "d/dx=-4", "--format",
                            "json", stdin="x*y + x\n").out)
    assert record["expect"]["items"][0]["diagnosis"][0]["kind"] == "answer-sign"


PROBLEM = """\
partial = {fork-dropped = 0.5}

[[problem]]
id = "1"
program = "q = x + y; f = q * z + x"
at = {x = -2, y = 5, z = -4}
expect = {"d/dx" = 1, "d/dy" = 4, "d/dz" = 3}
marks = 3
"""


def test_check_items_carry_their_diagnosis_and_partial_credit(cli, tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(PROBLEM)
    run = cli("check", str(path))
    assert "1.5/3 marks" in run.out
    assert "(0.5 of 1 marks: fork-dropped)" in run.out
    assert "        diagnosis: answer-sign at y: the whole gradient ∂f/∂y has the wrong sign" \
        in run.out
    items = json.loads(cli("check", str(path), "--format", "json").out)["files"][0]["items"]
    assert items[0]["earned"] == 0.5 and items[0]["partial"] == "fork-dropped"
    assert [d["kind"] for d in items[1]["diagnosis"]][0] == "answer-sign"
    assert "diagnosis" not in items[2]
    csv_text = cli("check", str(path), "--format", "csv").out
    assert csv_text.splitlines()[0].endswith(",diagnosis")
    assert "1 d/dx: fork-dropped at x; 1 d/dy: answer-sign at y" in csv_text
    gradescope = json.loads(cli("check", str(path), "--format", "gradescope").out)
    assert "diagnosis: fork-dropped at x" in gradescope["tests"][0]["output"]


def test_partial_credit_is_off_by_default(cli, tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(PROBLEM.replace("partial = {fork-dropped = 0.5}\n", ""))
    assert "1/3 marks" in cli("check", str(path)).out


@pytest.mark.parametrize("table, message", [
    ("{fork = 0.5}", "partial names no mistake 'fork' (the mistakes: fork-dropped, "),
    ("{fork-dropped = 2}", "partial gives fork-dropped 2: a share is a number from 0 to 1"),
    ("0.5", "partial must be a table of mistakes and shares, like {fork-dropped = 0.5}, not 0.5"),
])
def test_a_bad_partial_table_is_refused_at_its_line(cli, tmp_path, table, message):
    path = tmp_path / "a.toml"
    path.write_text(PROBLEM.replace("{fork-dropped = 0.5}", table))
    run = cli("check", "--problems", str(path), str(path))
    assert run.status == 2 and message in run.err and "line 1" in run.err


BACKPROP = """\
x = -2; y = 5; z = -4
q = x + y
f = q * z + x
dfdz = q
dfdq = z
dfdx = 1.0 * dfdq
dfdx = 1.0
dfdy = 1.0 * dfdq
"""


def test_verify_diagnoses_each_wrong_gradient(cli, tmp_path):
    path = tmp_path / "b.py"
    path.write_text(BACKPROP)
    run = cli("verify", str(path))
    assert "diagnosis of dfdx: fork-dropped at x: x is used 2 times" in run.out
    data = json.loads(cli("verify", str(path), "--format", "json").out)
    dx = next(g for g in data["gradients"] if g["variable"] == "dfdx")
    assert dx["diagnosis"][0]["kind"] == "fork-dropped"
    assert "diagnosis" not in data["gradients"][0]


def test_practice_hints_name_the_mistake():
    from gradcli.grading.practice import hints, questions

    report = compute("q = x + y\nf = q * z + x\n", {"x": -2.0, "y": 5.0, "z": -4.0})
    dx = next(q for q in questions(report) if q.kind == "upstream" and q.prompt == "∂f/∂x")
    assert hints(report, dx, 1.0)[1] == (
        "Your number is what you get if x is used 2 times, and its contribution through q was "
        "left out.")
    local = next(q for q in questions(report) if q.kind == "local" and q.prompt == "∂f/∂x")
    assert hints(report, local, -1.0)[1].startswith(
        "Your number is what you get if the local gradient of f with respect to x has the "
        "wrong sign")
    assert len(hints(report, dx, 123.0)) == 1          # the gate's pattern only


# ------------------------------------------------------------------ the class view

def test_the_class_view_counts_answers_and_mistakes(cli, tmp_path):
    key = tmp_path / "key.toml"
    key.write_text(PROBLEM.replace("partial = {fork-dropped = 0.5}\n", ""))
    folder = tmp_path / "class"
    folder.mkdir()
    answers = [(1, -4), (1, 4), (-3, 4), (1, -4), (-3, "")]
    for k, (dx, dy) in enumerate(answers):
        dy_text = f'"d/dy" = {dy}, ' if dy != "" else ""
        (folder / f"s{k}.toml").write_text(
            f'[[problem]]\nid = "1"\nexpect = {{"d/dx" = {dx}, {dy_text}"d/dz" = 3}}\n')
    report = tmp_path / "class.md"
    run = cli("check", "--problems", str(key), str(folder), "--report", str(report), "--quiet")
    assert run.status == 1
    text = report.read_text()
    assert "| d/dx | 5 | 40% | 0 | 1 (3): fork-dropped at x |" in text
    assert "| d/dy | 4 | 50% | 1 | 4 (2): answer-sign at y (+3 more) |" in text
    assert "- d/dx: 60% of the answers (3 of 5) dropped a fork contribution at x " \
        "(fork-dropped)" in text
    assert "- d/dy: 50% of the answers (2 of 4) gave the gradient the wrong sign at y " \
        "(answer-sign), or used a local gradient with the wrong sign at f, q*z or q " \
        "(local-sign)" in text
    data_path = tmp_path / "class.json"
    cli("check", "--problems", str(key), str(folder), "--report", str(data_path), "--quiet")
    data = json.loads(data_path.read_text())
    dx = data["items"][0]
    assert (dx["item"], dx["answers"], dx["correct"]) == ("d/dx", 5, 2)
    assert dx["wrong"][0]["answer"] == 1.0 and dx["wrong"][0]["count"] == 3
    assert dx["mistakes"][0] == {"count": 3, "share": 0.6,
                                 "matches": [{"kind": "fork-dropped", "node": "x"}]}
    hidden = tmp_path / "hidden.json"
    cli("check", "--problems", str(key), str(folder), "--report", str(hidden), "--quiet",
        "--hide-answers")
    assert "answer" not in json.loads(hidden.read_text())["items"][0]["wrong"][0]


def test_the_class_view_needs_md_or_json(cli, tmp_path):
    key = tmp_path / "key.toml"
    key.write_text(PROBLEM)
    run = cli("check", str(key), "--report", str(tmp_path / "class.txt"))
    assert run.status == 2 and "Markdown (.md) or JSON (.json)" in run.err


if __name__ == "__main__":
    tally, (answers, diagnosed) = measure(int(sys.argv[1]) if len(sys.argv) > 1 else PROGRAMS)
    for kind, (cases, named, unexplained) in tally.items():
        print(f"{kind:<22} {named:>4} of {cases:>4} diagnosed as themselves "
              f"({named / cases:.1%}); {unexplained} left unexplained")
    print(f"random wrong answers: {diagnosed} of {answers} diagnosed ({diagnosed / answers:.2%})")


# ------------------------------------------------------------------ nothing revealed

HIDDEN_PROGRAM = "q = x*y + sin(z); f = q*tanh(x) + x"
HIDDEN_POINT = {"x": 1.37, "y": -2.11, "z": 0.53}


def leading_digits(value: float, digits: int = 4) -> str:
    """The first `digits` significant digits of |value|, cut (not rounded), as every format
    writes them: 1.397 for -1.3976200794635405, 0.4564 for 0.45642044854440755."""
    from decimal import Decimal

    text = format(Decimal(repr(abs(value))), "f")
    kept, significant = "", 0
    for ch in text:
        kept += ch
        if ch.isdigit() and (significant or ch != "0"):
            significant += 1
            if significant == digits:
                break
    return kept


def hidden_numbers():
    """(the student's answer to d/dx, a fork-dropped pass's number; every other number a
    format must not show: the correct gradients and every other buggy pass's)."""
    from gradcli.checks.diagnose import mistaken_gradients

    report = compute(HIDDEN_PROGRAM, HIDDEN_POINT)
    x = report.node_named("x")
    buggy = mistaken_gradients(report, x)
    answer = next(value for place, value in buggy if place.kind == "fork-dropped"
                  and abs(value) < 1)
    shown = leading_digits(answer)
    secret = {leading_digits(v) for v in report.gradients.values()}
    secret |= {leading_digits(value) for _, value in buggy}
    secret.discard(shown)
    text = HIDDEN_PROGRAM + " ".join(map(str, HIDDEN_POINT.values()))
    assert not any(mark in text for mark in secret)
    return float(f"{answer:.6g}"), secret


def hidden_outputs(cli, tmp_path, answer: float):
    """Every format's text with the answers hidden, for an answer a mistake explains."""
    point = [f"{name}={value}" for name, value in HIDDEN_POINT.items()]
    claim = f"d/dx={answer!r}"
    outputs = {}
    for format_ in ("table", "json", "csv", "markdown"):
        run = cli(HIDDEN_PROGRAM, *point, "--expect", claim, "--hide-answers", "--format",
                  format_)
        outputs[f"one-liner {format_}"] = run.out + run.err
    for format_ in ("table", "json", "csv"):
        run = cli("batch", "-", *point, "--expect", claim, "--hide-answers", "--format",
                  format_, stdin=HIDDEN_PROGRAM + "\n")
        outputs[f"batch {format_}"] = run.out + run.err
    answers = tmp_path / "answers.toml"
    at = ", ".join(f"{k} = {v}" for k, v in HIDDEN_POINT.items())
    answers.write_text(f'[[problem]]\nid = "1"\nprogram = "{HIDDEN_PROGRAM}"\nat = {{{at}}}\n'
                       f'expect = {{"d/dx" = {answer!r}}}\n')
    for format_ in ("table", "json", "csv", "markdown"):
        run = cli("check", str(answers), "--hide-answers", "--format", format_)
        outputs[f"check {format_}"] = run.out + run.err
    results = json.loads(cli("check", str(answers), "--hide-answers", "--format",
                             "gradescope").out)
    # Gradescope's one test held back until the due date has the correct values by design.
    results["tests"] = [t for t in results["tests"] if t["visibility"] == "visible"]
    outputs["check gradescope"] = json.dumps(results, ensure_ascii=False)
    for name in ("class.md", "class.json"):
        cli("check", str(answers), "--hide-answers", "--report", str(tmp_path / name),
            "--quiet")
        outputs[f"check --report {name}"] = (tmp_path / name).read_text()
    backprop = tmp_path / "backprop.py"
    backprop.write_text(f"x = {HIDDEN_POINT['x']}; y = {HIDDEN_POINT['y']}; "
                        f"z = {HIDDEN_POINT['z']}\nq = x*y + sin(z)\nt = tanh(x)\n"
                        "f = q*t + x\ndfdq = t\ndfdt = q\n"
                        "dfdx = dfdt * (1 - t*t)\ndfdx += dfdq * y\n"
                        "dfdy = dfdq * x\ndfdz = dfdq * cos(z)\n")
    for format_ in ("table", "json", "csv", "markdown", "gradescope"):
        run = cli("verify", str(backprop), "--format", format_)
        outputs[f"verify {format_}"] = run.out + run.err
    return outputs


def test_no_format_with_hidden_answers_shows_a_correct_or_buggy_number(cli, tmp_path):
    answer, secret = hidden_numbers()
    outputs = hidden_outputs(cli, tmp_path, answer)
    assert "fork-dropped" in outputs["one-liner table"]
    assert "fork-dropped" in outputs["check --report class.md"]
    assert "fork-dropped" in outputs["verify table"]
    for name, text in outputs.items():
        leaked = [mark for mark in secret if mark in text]
        assert not leaked, (name, leaked, text)
    # The search finds the numbers where they are shown.
    shown = cli(HIDDEN_PROGRAM, *[f"{k}={v}" for k, v in HIDDEN_POINT.items()], "--expect",
                f"d/dx={answer!r}").out
    assert leading_digits(compute(HIDDEN_PROGRAM, HIDDEN_POINT).gradients["x"]) in shown
