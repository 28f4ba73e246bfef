"""--format python: the staged forward and backward pass in the style of the CS231n note.

Module-level statements with float literals: the inputs, one line per forward
node (named intermediates keep their names, the others get t1, t2, ...), then
the backward pass in reverse order with a d<name> for every input and
intermediate, `+=` where gradients add up at a fork, and each local rule in a
comment. It needs only the standard library and reproduces gradcli's numbers.
"""

from __future__ import annotations

from gradcli.lang.expr import Expr
from gradcli.lang.ops import PRODUCT
from gradcli.lang.printer import strength, to_python, to_text
from gradcli.lang.simplify import local_rules

# The gradient of x is dx, or d_x / grad_x when the program has its own dx; `gradcli verify`
# reads the emitted code with the same choice (program/split.py).
from gradcli.program.split import gradient_prefix
from gradcli.render.settings import Settings


def _literal(value: float) -> str:
    return repr(float(value))


def _statement(text: str) -> str:
    """A right-hand side without the parentheses a template wraps itself in."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for k, char in enumerate(text):
            depth += (char == "(") - (char == ")")
            if depth == 0 and k < len(text) - 1:
                return text             # `(a) * (b)`: the first group closes early
        return text[1:-1]
    return text


def variable_names(report) -> list[str | None]:
    """A Python name per node: its own name, f for an unnamed output, t1, t2, ... for the rest;
    None for constants (plain or computed from constants), which are written as literals."""
    import keyword

    graph = report.graph
    taken = {n for n in graph.names if n is not None}
    names: list[str | None] = []
    counter = 0
    for i in range(graph.output + 1):
        name = graph.names[i]
        if name is not None and keyword.iskeyword(name):
            # `lambda` is a fine gradcli name but not a Python one.
            name = name + "_"
            while name in taken:
                name += "_"
        if name is None and i == graph.output:
            name = report.output_name
        elif name is None and graph.requires_grad[i]:
            # Arithmetic on constants only (2^-1) has no gradient and stays unnamed, written as
            # its value: a line of its own would read as one more input to `gradcli verify`.
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            name = f"t{counter}"
        names.append(name)
    return names


def render(report, settings: Settings) -> str:
    graph = report.graph
    names = variable_names(report)
    prefix = gradient_prefix(names)

    def ref(node: int) -> Expr:
        if names[node] is None:
            return Expr("number", value=report.values[node])
        return Expr("name", name=names[node])

    inputs = [f"{names[node]} = {_literal(report.values[node])}" for node in graph.inputs.values()]
    forward: list[str] = []
    for i in range(graph.output + 1):
        op = graph.ops[i]
        if op.syntax == "leaf" or names[i] is None:
            continue
        expr = Expr(op.name, tuple(ref(a) for a in graph.args(i)))
        text = _statement(to_python(expr))
        if not op.python_float:
            text = f"1.0 * ({text})"
        forward.append(f"{names[i]} = {text}")

    backward = [f"{prefix}{names[graph.output]} = 1.0"]
    assigned = {graph.output}
    for i in range(graph.output, -1, -1):
        op = graph.ops[i]
        if op.syntax == "leaf" or not graph.requires_grad[i]:
            continue
        if i not in assigned:
            # Nothing downstream uses this value: its gradient is zero, as in gradcli's sweep.
            backward.append(f"{prefix}{names[i]} = 0.0")
            assigned.add(i)
        args = list(graph.args(i))
        shown = Expr(op.name, tuple(ref(a) for a in args))
        backward.append(f"# backprop {names[i]} = {_statement(to_python(shown))}")
        rules = local_rules(op, ref(i), [ref(a) for a in args])
        for k, a in enumerate(args):
            if not graph.requires_grad[a]:
                continue
            rule = rules[k]
            if rule is None:
                rule = Expr("number", value=report.local[graph.arg_start[i] + k])
            factor = to_python(rule)
            if strength(rule) < PRODUCT:
                factor = f"({factor})"
            verb = "+=" if a in assigned else "="
            assigned.add(a)
            backward.append(f"{prefix}{names[a]} {verb} {factor} * {prefix}{names[i]}"
                            f"  # ∂{names[i]}/∂{names[a]} = {to_text(rule, limit=60)}")
    for node in graph.inputs.values():
        if node not in assigned:
            backward.append(f"{prefix}{names[node]} = 0.0  # the output does not depend on it")

    lines = ["# staged forward and backward pass, written by gradcli"]
    if any("math." in line for line in forward + backward):
        lines.append("import math")
    lines += ["", "# set some inputs", *inputs, "", "# forward pass", *forward, "",
              "# backward pass (backpropagation), in reverse order", *backward]
    return "\n".join(lines) + "\n"
