"""gradcli practice: a generated circuit, and its backward pass asked node by node.

`circuit(level, seed)` makes a program whose longest path has `level` gates: add and mul at
level 1, sub from 2, max and relu and a fork (an input used twice) from 3, sigmoid from 4,
a second fork at 5; from level 3 each gate on that path is named, as the note stages its
code. Inputs are small whole numbers, and a circuit with a kink or a tie (relu at 0, a tie in
max), a number too small or too large to work with by hand, or whose gradients are all 0, is
drawn again.

`questions(report)` goes back from the output, one gate at a time: the upstream gradient of
each gate (the output's is 1, and is said, not asked), then its local gradient for each input;
at the end the gradient on each input. A wrong answer gets hints, then the number: `hints`
gives the gate's pattern in the note's words (the op table's `gate`), and then whatever the
diagnoses registered in DIAGNOSES find in that answer.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from gradcli.checks.diagnose import diagnose, diagnose_local
from gradcli.compute import compute
from gradcli.lang.expr import Expr, call, name
from gradcli.lang.printer import to_text
from gradcli.lang.simplify import local_rules
from gradcli.lazy import load
from gradcli.numbers import format_number
from gradcli.program.graph import label, node_text

LEVELS = range(1, 6)
INPUT_NAMES = ("x", "y", "z", "w", "a", "b", "c", "d", "u", "v", "m", "n")
VALUES = (-4, -3, -2, -1, 1, 2, 3, 4)
STAGE_NAMES = ("q", "r", "s", "t", "g", "h")
# The gates each level may draw on its longest path (binary ones also get a new input).
GATES = {1: ("add", "mul"), 2: ("add", "mul", "sub"), 3: ("add", "mul", "sub", "max", "relu"),
         4: ("add", "mul", "max", "relu", "sigmoid"), 5: ("add", "mul", "sub", "max", "relu",
                                                          "sigmoid")}
UNARY = ("relu", "sigmoid")
FORKS = {1: 0, 2: 0, 3: 1, 4: 1, 5: 2}
# A level's circuit draws on at least one gate of each of these groups.
REQUIRED = {3: (("max", "relu"),), 4: (("max", "relu"), ("sigmoid",)),
            5: (("max", "relu"), ("sigmoid",))}
STAGED_FROM = 3
HANDLE_LIMIT = 24
TRIES = 1000        # circuits drawn before a level gives up finding a clean one (never seen)

# Mistake diagnosis, registered as "module:function": function(report, question, answer) ->
# hints naming a mistake that gives exactly this wrong answer (one sentence each, never the
# right number). They come after the gate's pattern, before the number is shown.
DIAGNOSES: list[str] = ["gradcli.grading.practice:catalogued_mistakes"]

# An answer is right within two decimals, or 1%: enough for arithmetic by hand.
ABS_TOL = 0.005
REL_TOL = 0.01


@dataclass
class Circuit:
    level: int
    seed: int
    program: str
    values: dict[str, float]


@dataclass
class Question:
    kind: str               # "upstream" (of a gate or an input) or "local"
    node: int               # the gate asked about (an input, for an input's gradient)
    edge: int | None        # which argument of the gate, for a local gradient
    prompt: str             # ∂f/∂q, ∂q/∂x
    answer: float
    shown: str              # how the number comes about: "z = -4", "-4 × 1 = -4"


def circuit(level: int, seed: int) -> Circuit:
    """A clean circuit of this level, the same for the same seed."""
    rng = random.Random(f"gradcli practice {level} {seed}")
    for _ in range(TRIES):
        program, values = _draw(level, rng)
        report = compute(program, values)
        ops = {op.name for op in report.graph.ops}
        if all(ops & set(group) for group in REQUIRED.get(level, ())) and _clean(report):
            return Circuit(level, seed, program, values)
    raise AssertionError(f"no clean circuit of level {level} in {TRIES} draws")


def _clean(report) -> bool:
    """Every number workable by hand (none tiny or huge), no kink or tie, and a gradient that
    is not 0 on at least half of the inputs."""
    graph = report.graph
    numbers = [*report.values, *(report.grads[i] for i in range(len(graph.ops))
                                 if graph.requires_grad[i])]
    flowing = [report.grads[i] != 0 for i in graph.inputs.values()]
    return (not report.warnings and 2 * sum(flowing) >= len(flowing)
            and all(v == 0 or 0.01 <= abs(v) <= 1000 for v in numbers))


def _draw(level: int, rng: random.Random) -> tuple[str, dict[str, float]]:
    """A program and its inputs' values; inputs are named x, y, z, ... in the order the text
    reads them, and take different values where there are few enough."""
    count = 0

    def new_input() -> Expr:
        nonlocal count
        count += 1
        return name(f"p{count - 1}")

    forks = FORKS[level]
    fork_steps = set(rng.sample(range(2, level + 1), forks)) if forks else set()
    spine = new_input()
    lines = []
    kind = None
    for step in range(1, level + 1):
        # A fork needs a second operand: a gate of two inputs there.
        kind = rng.choice([k for k in GATES[level] if k != kind
                           and not (step in fork_steps and k in UNARY)])
        if kind in UNARY:
            gate = call(kind, spine)
        else:
            if step in fork_steps:
                other = name(f"p{rng.randrange(count)}")      # a value used twice: a fork
            elif level >= STAGED_FROM and step > 1 and rng.random() < 0.35:
                # A gate of two new inputs beside the path (never longer than the path).
                other = Expr(rng.choice(("add", "mul")), (new_input(), new_input()))
            else:
                other = new_input()
            gate = Expr(kind, (spine, other) if rng.random() < 0.5 else (other, spine))
        if level >= STAGED_FROM and step < level:
            stage = STAGE_NAMES[step - 1]
            lines.append(f"{stage} = {to_text(gate)}")
            spine = name(stage)
        else:
            spine = gate
    lines.append(f"f = {to_text(spine)}")
    text = "\n".join(lines) + "\n"
    order = list(dict.fromkeys(re.findall(r"\bp\d+\b", text)))
    names = {placeholder: INPUT_NAMES[k] for k, placeholder in enumerate(order)}
    text = re.sub(r"\bp\d+\b", lambda m: names[m.group(0)], text)
    drawn = rng.sample(VALUES, len(order)) if len(order) <= len(VALUES) else \
        [rng.choice(VALUES) for _ in order]
    return text, {names[p]: float(v) for p, v in zip(order, drawn)}


def handle(graph, node: int) -> str:
    """How a question names a node: its name, or its text, in parentheses when compound."""
    text = graph.names[node] or node_text(graph, node, limit=HANDLE_LIMIT)
    return text if text.isidentifier() else f"({text})"


def questions(report) -> list[Question]:
    """Every gate from the output back, its upstream gradient then its local ones; then each
    input's gradient."""
    graph = report.graph
    out = report.output_name
    number = _number
    asked = []
    gates = [i for i in range(graph.output, -1, -1)
             if graph.arg_start[i + 1] > graph.arg_start[i] and graph.requires_grad[i]]
    for node in gates:
        me = handle(graph, node)
        if node != graph.output:
            asked.append(Question("upstream", node, None, f"∂{out}/∂{me}", report.grads[node],
                                  _sum_text(report, node)))
        args = list(graph.args(node))
        rules = local_rules(graph.ops[node], _expr(graph, node), [_expr(graph, a) for a in args])
        start = graph.arg_start[node]
        for k, a in enumerate(args):
            if not graph.requires_grad[a]:
                continue
            local = report.local[start + k]
            rule = rules[k]
            rule_text = to_text(rule) if rule is not None else ""
            shown = number(local) if rule_text in ("", number(local)) else \
                f"{rule_text} = {number(local)}"
            asked.append(Question("local", node, k, f"∂{me}/∂{handle(graph, a)}", local, shown))
    for input_name, node in graph.inputs.items():
        asked.append(Question("upstream", node, None, f"∂{out}/∂{input_name}",
                              report.grads[node], _sum_text(report, node)))
    return asked


def _expr(graph, node: int) -> Expr:
    return Expr("label", name=graph.names[node] or node_text(graph, node, limit=HANDLE_LIMIT))


def _number(value: float) -> str:
    return format_number(value, 4)


def _sum_text(report, node: int) -> str:
    """The gradient, and where it comes from: each use of the node sends back that gate's
    upstream gradient × its local gradient, and at a fork they add up."""
    graph = report.graph
    terms = []
    for consumer, _ in report.contributions(node):
        start = graph.arg_start[consumer]
        for e in range(start, graph.arg_start[consumer + 1]):
            if graph.arg_ids[e] == node:
                terms.append((handle(graph, consumer),
                              f"{_number(report.grads[consumer])} × {_signed(report.local[e])}"))
    total = _number(report.grads[node])
    if len(terms) == 1:
        return f"{total}: {terms[0][0]} sends back {terms[0][1]}"
    return f"{total}: " + " plus ".join(f"{product} from {user}" for user, product in terms)


def _signed(value: float) -> str:
    text = _number(value)
    return f"({text})" if text.startswith("-") else text


def correct(answer: float, truth: float) -> bool:
    return abs(answer - truth) <= max(ABS_TOL, REL_TOL * abs(truth))


def gate_hint(report, question: Question) -> str:
    """The gate's pattern in the note's words: for a local gradient, the gate's own; for an
    upstream gradient, how the gates that use the value send it back, adding up at a fork."""
    graph = report.graph
    if question.kind == "local":
        pattern = _pattern(graph, question.node)
        return pattern[0].upper() + pattern[1:] + "."
    uses = report.contributions(question.node)
    users = list(dict.fromkeys(consumer for consumer, _ in uses))
    me = handle(graph, question.node)
    if len(uses) > 1:
        names = " and ".join(handle(graph, c) for c in users)
        return (f"{me} is used {len(uses)} times, by {names}: each sends back its upstream "
                "gradient × its local gradient, and at a fork they add up.")
    [user] = users
    return (f"{me} feeds {handle(graph, user)}, which sends back its upstream gradient × its "
            f"local gradient; {_pattern(graph, user)}.")


def _pattern(graph, node: int) -> str:
    op = graph.ops[node]
    words = op.gate.format(*[handle(graph, a) for a in graph.args(node)]) if op.gate else \
        "multiplies the gradient by its local derivative"
    article = "an" if op.name[:1] in "aeiou" else "a"
    return f"{article} {op.name} gate {words}"


def catalogued_mistakes(report, question: Question, answer: float) -> list[str]:
    """The simplest mistake of checks/diagnose.py's catalogue that gives this answer: for
    a local gradient, the gate's own (a sign, its value for its derivative, ...); for an
    upstream gradient, any single mistake of the backward pass down to it."""
    if question.kind == "local":
        found = diagnose_local(report, question.node, question.edge, answer, REL_TOL, ABS_TOL)
    else:
        found = diagnose(report, question.node, answer, REL_TOL, ABS_TOL)
    # The simplest only: each hint costs the student a try before the number is shown. The
    # gate's pattern was the hint before: the mistake alone.
    return [f"Your number is what you get if {d.what}." for d in found[:1]]


def hints(report, question: Question, answer: float) -> list[str]:
    """The hints for this wrong answer, in the order they are given: the gate's pattern, then
    what each registered diagnosis finds in the answer."""
    found = [gate_hint(report, question)]
    for target in DIAGNOSES:
        found.extend(load(target)(report, question, answer))
    return found


class Score:
    def __init__(self):
        self.first = 0          # right at the first try
        self.later = 0          # right after a hint
        self.shown = 0          # given the number

    @property
    def asked(self) -> int:
        return self.first + self.later + self.shown

    def text(self) -> str:
        return (f"Score: {self.first} of {self.asked} right at the first try, {self.later} after "
                f"a hint, {self.shown} shown.")


def gate_title(report, node: int) -> str:
    """A gate as its questions' heading: `q = x + y: an add gate, value 3`."""
    graph = report.graph
    own = graph.names[node] or (report.output_name if node == graph.output else None)
    text = to_text(graph.exprs[node]) if graph.exprs[node] is not None else label(graph, node)
    op = graph.ops[node].name
    article = "an" if op[:1] in "aeiou" else "a"
    return (f"{own + ' = ' if own else ''}{text}: {article} {op} gate, value "
            f"{_number(report.values[node])}")


def forward_lines(report) -> list[str]:
    """The values the questions need: the inputs on one line, then each gate's value."""
    graph = report.graph
    lines = ["  " + "   ".join(f"{n} = {_number(report.values[i])}"
                               for n, i in graph.inputs.items())]
    for node in range(len(graph.ops)):
        if graph.arg_start[node + 1] == graph.arg_start[node]:
            continue
        own = graph.names[node] or (report.output_name if node == graph.output else None)
        text = to_text(graph.exprs[node]) if graph.exprs[node] is not None else label(graph, node)
        lines.append(f"  {own + ' = ' if own else ''}{text} = {_number(report.values[node])}")
    return lines
