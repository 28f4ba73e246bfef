"""Symbolic local rules: the op table's `rule` entries, filled in with node labels and tidied.

`simplify` folds numbers and drops identities (1*a, a+0, a^1, --a, a-a) so a
rule reads as the note writes it: ∂xpysqr/∂xpy = 2 * xpy, not 2 * xpy ^ (2 - 1).

`derivatives` is symbolic reverse accumulation (`gradcli diff`): the same
reverse sweep as the numeric one, with the op table's symbolic rules in place
of numbers, so ∂f/∂x comes out as an expression in the inputs.
"""

from __future__ import annotations

import math

from gradcli.expr import Expr
from gradcli.ops import OPS


E_NAMES = ("e", "math.e", "np.e", "numpy.e")


def _is_number(expr: Expr, value: float | None = None) -> bool:
    return expr.kind == "number" and (value is None or expr.value == value)


def _same(a: Expr, b: Expr) -> bool:
    """Structurally equal (the printer round-trips, so equal text is an equal tree)."""
    from gradcli.printer import to_text

    if a is b:
        return True
    if a.kind != b.kind:
        return False
    text = to_text(a, limit=200)
    return not text.endswith("…") and text == to_text(b, limit=200)


def _negate(expr: Expr) -> Expr:
    return expr.args[0] if expr.kind == "neg" else Expr("neg", (expr,))


def _fold(expr: Expr, args: tuple) -> Expr:
    kind = expr.kind
    if all(a.kind == "number" for a in args) and kind in OPS and OPS[kind].forward is not None:
        try:
            value = OPS[kind].forward(*(a.value for a in args))
        except (ArithmeticError, ValueError):
            value = None
        if value is not None and math.isfinite(value) and value == round(value, 12):
            return Expr("number", value=value) if value >= 0 else Expr("neg", (Expr("number", value=-value),))
    if kind == "mul":
        a, b = args
        if _is_number(a, 0) or _is_number(b, 0):
            return Expr("number", value=0.0)
        if _is_number(a, 1):
            return b
        if _is_number(b, 1):
            return a
        if _is_number(a, -1):
            return _negate(b)
        if _is_number(b, -1):
            return _negate(a)
    elif kind == "add":
        a, b = args
        if _is_number(a, 0):
            return b
        if _is_number(b, 0):
            return a
        if b.kind == "neg":
            return Expr("sub", (a, b.args[0]))
    elif kind == "sub":
        a, b = args
        if _is_number(b, 0):
            return a
        if _same(a, b):
            return Expr("number", value=0.0)
        if _is_number(a, 0):
            return _negate(b)
    elif kind == "div":
        a, b = args
        if _is_number(b, 1):
            return a
        if _is_number(a, 0):
            return Expr("number", value=0.0)
    elif kind == "pow":
        a, b = args
        if _is_number(b, 1):
            return a
        if _is_number(b, 0):
            return Expr("number", value=1.0)
    elif kind == "neg":
        (a,) = args
        if a.kind == "neg":
            return a.args[0]
        if _is_number(a, 0):
            return a
    elif kind == "log" and len(args) == 1:
        (a,) = args
        if a.kind == "name" and a.name in E_NAMES:
            return Expr("number", value=1.0)        # the pow rule's ln(e), for e^x
        if a.kind == "exp":
            return a.args[0]    # log(exp(a)) = a for every a (not exp(log(a)): a > 0 only)
    if args is expr.args:
        return expr
    return Expr(kind, args, value=expr.value, name=expr.name)


def _signed_number(expr: Expr) -> float | None:
    if expr.kind == "number":
        return expr.value
    if expr.kind == "neg" and expr.args[0].kind == "number":
        return -expr.args[0].value
    return None


def _make(kind: str, args: tuple) -> Expr:
    """A new node, itself tidied (each rewrite below shrinks or reorders, so this ends)."""
    return _fold_more(Expr(kind, args), args)


def _fold_more(expr: Expr, args: tuple) -> Expr:
    """The derivative's extra tidying: signs out front, numbers first, a * (1 / b) = a / b."""
    expr = _fold(expr, args)
    kind, args = expr.kind, expr.args
    if kind == "neg" and args[0].kind == "neg":
        return args[0].args[0]
    if kind not in ("mul", "div", "add", "sub") or len(args) != 2:
        return expr
    a, b = args
    na, nb = _signed_number(a), _signed_number(b)
    if na is not None and nb is not None:
        folded = _fold(Expr(kind, (Expr("number", value=na), Expr("number", value=nb))),
                       (Expr("number", value=na), Expr("number", value=nb)))
        if _signed_number(folded) is not None:
            return folded
    if kind == "mul":
        if na in (1.0, -1.0):
            return b if na == 1.0 else _negate(b)
        if nb in (1.0, -1.0):
            return a if nb == 1.0 else _negate(a)
        if a.kind == "neg":
            return _make("neg", (_make("mul", (a.args[0], b)),))
        if b.kind == "neg":
            return _make("neg", (_make("mul", (a, b.args[0])),))
        if nb is not None and na is None:
            return _make("mul", (b, a))
        if b.kind == "div":
            return _make("div", (_make("mul", (a, b.args[0])), b.args[1]))
        if a.kind == "div":
            return _make("div", (_make("mul", (a.args[0], b)), a.args[1]))
    elif kind == "div":
        if a.kind == "neg":
            return _make("neg", (_make("div", (a.args[0], b)),))
        if b.kind == "neg":
            return _make("neg", (_make("div", (a, b.args[0])),))
    elif kind == "add":
        if a.kind == "neg":
            return _make("sub", (b, a.args[0]))
        if _same(a, b):
            return _make("mul", (Expr("number", value=2.0), a))
    elif kind == "sub":
        if b.kind == "neg":
            return _make("add", (a, b.args[0]))
    return expr


def simplify(root: Expr, thorough: bool = False, memo: dict | None = None) -> Expr:
    """Bottom-up tidy of an expression, without recursion; `thorough` adds the derivative's
    rewrites (kept out of the table's rules, which show each op's rule as written).

    `memo` (id -> (expr, tidied)) carries work across calls, so that building a derivative
    term by term never tidies the same shared subtree twice; it holds the exprs so ids stay
    unique while it lives.
    """
    fold = _fold_more if thorough else _fold
    done: dict[int, tuple[Expr, Expr]] = {} if memo is None else memo
    stack = [(root, False)]
    while stack:
        expr, visited = stack.pop()
        if not visited and id(expr) in done:
            continue        # a shared subtree (symbolic derivatives share freely): tidy it once
        if not expr.args:
            done[id(expr)] = (expr, expr)
            continue
        if not visited:
            stack.append((expr, True))
            stack.extend((a, False) for a in expr.args)
            continue
        args = tuple(done[id(a)][1] for a in expr.args)
        if all(a is b for a, b in zip(args, expr.args)):
            args = expr.args
        result = fold(expr, args)
        done[id(expr)] = (expr, result)
        done.setdefault(id(result), (result, result))
    return done[id(root)][1]


def local_rules(op_name: str, ans: Expr, args: list[Expr]) -> list[Expr | None]:
    """The op's symbolic partials, one per argument, simplified; None where there is no rule."""
    op = OPS[op_name]
    if op.rule is None:
        return [None] * len(args)
    rules = op.rule(ans, *args)
    return [None if r is None else simplify(r) if isinstance(r, Expr)
            else Expr("number", value=float(r)) if r >= 0
            else Expr("neg", (Expr("number", value=float(-r)),)) for r in rules]


MAX_TERMS = 100_000


def tree_size(root: Expr) -> int:
    """How many nodes the expression has written out (shared subtrees counted each time)."""
    sizes: dict[int, int] = {}
    stack = [(root, False)]
    while stack:
        expr, visited = stack.pop()
        if id(expr) in sizes:
            continue
        if not expr.args:
            sizes[id(expr)] = 1
        elif visited:
            sizes[id(expr)] = 1 + sum(sizes[id(a)] for a in expr.args)
        else:
            stack.append((expr, True))
            stack.extend((a, False) for a in expr.args if id(a) not in sizes)
    return sizes[id(root)]


def node_expressions(graph, keep_names: bool = False) -> list[Expr]:
    """Every node as an expression in the inputs (named intermediates written out, or with
    `keep_names` left as their names)."""
    from gradcli.report import node_text

    exprs: list[Expr] = []
    for i in range(graph.output + 1):
        op = graph.ops[i]
        if op.name == "input" or (keep_names and graph.names[i] is not None
                                  and i != graph.output and op.name != "const"):
            exprs.append(Expr("name", name=graph.names[i]))
        elif op.name == "const":
            source = graph.exprs[i]
            if source is not None and source.kind == "number":
                exprs.append(_number(graph.leaf_values[i]))
            else:
                exprs.append(Expr("name", name=node_text(graph, i)))     # pi, e, math.pi
        elif op.name == "id":
            exprs.append(exprs[graph.args(i)[0]])
        else:
            exprs.append(Expr(op.name, tuple(exprs[a] for a in graph.args(i))))
    return exprs


def named_nodes(graph) -> dict[str, int]:
    """Inputs and named intermediates, by name: what a derivative may be taken with respect to."""
    nodes = {graph.names[i]: i for i in range(graph.output + 1)
             if graph.names[i] is not None and graph.ops[i].name != "const"}
    nodes.update(graph.inputs)
    return nodes


def _number(value: float) -> Expr:
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return Expr("neg", (Expr("number", value=-value),))
    return Expr("number", value=value)


def derivatives(graph, keep_names: bool = False,
                wrt: list[str] | None = None) -> tuple[Expr, dict[str, Expr]]:
    """(the output as an expression, {name: ∂output/∂name simplified}) by symbolic reverse
    accumulation: adjoint(arg) += rule(node, args) * adjoint(node), from the output back.

    `wrt` names inputs or named intermediates (default: every input). With `keep_names`
    the derivatives are written in the named intermediates instead of written out.
    """
    from gradcli.errors import MathError

    exprs = node_expressions(graph, keep_names)
    memo: dict = {}
    adjoints: list[Expr | None] = [None] * (graph.output + 1)
    adjoints[graph.output] = Expr("number", value=1.0)
    for i in range(graph.output, -1, -1):
        adjoint = adjoints[i]
        args = list(graph.args(i))
        if adjoint is None or not args:
            continue
        op = graph.ops[i]
        if op.rule is None:
            raise MathError(f"{op.name} has no symbolic derivative rule")
        rules = op.rule(exprs[i], *[exprs[a] for a in args])
        for a, rule in zip(args, rules):
            if not graph.requires_grad[a]:
                continue
            if rule is None:
                raise MathError(f"{op.name} with {len(args)} arguments has no printable "
                                "derivative (its rule grows with the square of the arguments)")
            rule = rule if isinstance(rule, Expr) else _number(float(rule))
            term = simplify(Expr("mul", (rule, adjoint)), thorough=True, memo=memo)
            adjoints[a] = term if adjoints[a] is None else \
                simplify(Expr("add", (adjoints[a], term)), thorough=True, memo=memo)
    result = {}
    nodes = named_nodes(graph)
    for name in (wrt if wrt is not None else list(graph.inputs)):
        node = nodes[name]
        derivative = adjoints[node] if adjoints[node] is not None else Expr("number", value=0.0)
        size = tree_size(derivative)
        if size > MAX_TERMS:
            raise MathError(f"the derivative with respect to {name} written out would have "
                            f"{size:,} terms (the limit is {MAX_TERMS:,}): shared "
                            "subexpressions repeat in it; use the numeric gradients instead")
        result[name] = derivative
    output = exprs[graph.output]
    size = tree_size(output)
    if size > MAX_TERMS:
        raise MathError(f"the output written out in its inputs would have {size:,} terms (the "
                        f"limit is {MAX_TERMS:,}): use the numeric gradients instead")
    return output, result
