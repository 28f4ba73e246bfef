"""--format python: the staged forward and backward pass in the style of the CS231n note.

Module-level statements with float literals: the inputs, one line per forward
node (named intermediates keep their names, the others get t1, t2, ...), then
the backward pass in reverse order with a d<name> for every input and
intermediate, `+=` where gradients add up at a fork, and each local rule in a
comment. It needs only the standard library and reproduces gradcli's numbers
bit for bit: each line is the arithmetic gradcli's kernels do at this point (the
op table's `python_forward` and `python_partials`, or its spelling and rule),
and the gradients add up in the reverse sweep's order. Where an op picks a
stable form by its argument (sigmoid for x >= 0 and x < 0), the line is the
form used at these inputs.
"""

from __future__ import annotations

import math

from gradcli.lang.expr import Expr
from gradcli.lang.ops import OPS, PRODUCT
from gradcli.lang.printer import strength, to_python, to_text
from gradcli.lang.simplify import local_rules

# The gradient of x is dx, or d_x / grad_x when the program has its own dx; `gradcli verify`
# reads the emitted code with the same choice (program/split.py).
from gradcli.program.split import gradient_prefix
from gradcli.render.settings import Settings


def _literal(value: float) -> str:
    return repr(float(value))


def _shown(value: float) -> str:
    return "0" if value == 0.0 else repr(float(value))


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


_ARITHMETIC = {OPS[name] for name in ("add", "sub", "mul", "div", "neg", "pos")}
_MUL, _POW = OPS["mul"], OPS["pow"]


def exact_tidy(root: Expr) -> Expr:
    """Tidying that keeps every bit: arithmetic on numbers folded (by the same kernels Python
    uses), a ** 1.0, 1.0 * a and a * 1.0 written a. Bottom-up, without recursion."""
    done: dict[int, Expr] = {}
    stack = [(root, False)]
    while stack:
        expr, ready = stack.pop()
        if not expr.args:
            done[id(expr)] = expr
            continue
        if not ready:
            stack.append((expr, True))
            stack.extend((a, False) for a in expr.args if id(a) not in done)
            continue
        args = tuple(done[id(a)] for a in expr.args)
        op = OPS.get(expr.kind)
        numbers = all(a.kind == "number" for a in args)
        if op in _ARITHMETIC and numbers and op.kink is None:
            value = op.forward(*(a.value for a in args))
            done[id(expr)] = Expr("number", value=value) if math.isfinite(value) else \
                Expr(expr.kind, args)
        elif op is _POW and args[1].kind == "number" and args[1].value == 1.0:
            done[id(expr)] = args[0]
        elif op is _MUL and args[0].kind == "number" and args[0].value == 1.0:
            done[id(expr)] = args[1]
        elif op is _MUL and args[1].kind == "number" and args[1].value == 1.0:
            done[id(expr)] = args[0]
        else:
            done[id(expr)] = Expr(expr.kind, args)
    return done[id(root)]


def forward_expr(op, point, args: list[Expr]) -> Expr:
    """The op at this point (values (ans, *args)) as gradcli computes it."""
    if op.python_forward is not None:
        return op.python_forward(point, *args)
    return Expr(op.name, tuple(args))


def partial_exprs(op, point, ans: Expr, args: list[Expr]) -> list[Expr | None]:
    """Each local partial as the kernel computes it at this point; None where there is no rule."""
    if op.python_partials is not None:
        rules = op.python_partials(point, ans, *args)
    elif op.rule is not None:
        rules = op.rule(ans, *args)
    else:
        return [None] * len(args)
    return [None if r is None else exact_tidy(r) if isinstance(r, Expr)
            else Expr("number", value=float(r)) for r in rules]


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
        point = (report.values[i], *(report.values[a] for a in graph.args(i)))
        expr = forward_expr(op, point, [ref(a) for a in graph.args(i)])
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
        point = (report.values[i], *(report.values[a] for a in args))
        shown = forward_expr(op, point, [ref(a) for a in args])
        backward.append(f"# backprop {names[i]} = {_statement(to_python(shown))}")
        rules = local_rules(op, ref(i), [ref(a) for a in args])
        numeric = partial_exprs(op, point, ref(i), [ref(a) for a in args])
        upstream = report.grads[i]
        for k, a in enumerate(args):
            if not graph.requires_grad[a]:
                continue
            local = report.local[graph.arg_start[i] + k]
            rule = rules[k]
            if rule is None:
                rule = Expr("number", value=local)
            verb = "+=" if a in assigned else "="
            assigned.add(a)
            comment = f"∂{names[i]}/∂{names[a]} = {to_text(rule, limit=60)}"
            if (upstream == 0.0 or local == 0.0) and not (math.isfinite(local)
                                                          and math.isfinite(upstream)):
                # 0·∞ on an edge sends nothing back in gradcli's sweep; Python's would be NaN.
                # The upstream is named where it is finite, so `gradcli verify` sees the path.
                zero = f"0.0 * {prefix}{names[i]}" if math.isfinite(upstream) else "0.0"
                backward.append(f"{prefix}{names[a]} {verb} {zero}  # {comment}, "
                                f"{_shown(local)} here, times {_shown(upstream)}: nothing flows "
                                "back")
                continue
            partial = numeric[k] if numeric[k] is not None else Expr("number", value=local)
            if math.isinf(local):
                # The formula divides by 0 here (sqrt' at 0): Python would raise, gradcli has ∞.
                partial = Expr("name", name="math.inf")
                if local < 0:
                    partial = Expr("neg", (partial,))
                comment += ", infinite here"
            factor = to_python(partial)
            if strength(partial) < PRODUCT:
                factor = f"({factor})"
            backward.append(f"{prefix}{names[a]} {verb} {factor} * {prefix}{names[i]}"
                            f"  # {comment}")
    for node in graph.inputs.values():
        if node not in assigned:
            backward.append(f"{prefix}{names[node]} = 0.0  # the output does not depend on it")

    lines = ["# staged forward and backward pass, written by gradcli"]
    if any("math." in line for line in forward + backward):
        lines.append("import math")
    lines += ["", "# set some inputs", *inputs, "", "# forward pass", *forward, "",
              "# backward pass (backpropagation), in reverse order", *backward]
    return "\n".join(lines) + "\n"
