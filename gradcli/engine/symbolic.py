"""Symbolic differentiation (`gradcli diff`): the reverse sweep in the domain of expressions.

The same reverse sweep as the numeric one, with the op table's symbolic rules in place
of numbers, so ∂f/∂x comes out as an expression in the inputs, each step tidied by
lang/simplify (a memo shared across the sweep tidies each shared subtree once).
"""

from __future__ import annotations

from gradcli.engine.sweep import Domain, forward, reverse
from gradcli.errors import InputError, MathError
from gradcli.lang.expr import Expr, walk
from gradcli.lang.ops import CONST, IDENTITY, INPUT
from gradcli.lang.printer import to_text
from gradcli.lang.simplify import constant, simplify
from gradcli.lang.syntax import parse
from gradcli.program.graph import node_text
from gradcli.program.lower import lower


class _NoRule:
    """A local partial with no printable form: using it (an edge the gradient flows along)
    is the error its message gives."""

    def __init__(self, message: str):
        self.message = message


class ExprDomain(Domain):
    zero = None         # no gradient has arrived yet
    one = constant(1.0)

    def __init__(self):
        self.memo: dict = {}

    def kernel(self, op):
        if op is IDENTITY:
            return lambda x: x
        return lambda *args: Expr(op.name, tuple(args))

    def partial(self, op):
        if op.rule is None:
            missing = _NoRule(f"{op.name} has no symbolic derivative rule")
            return lambda ans, *args: (missing,) * len(args)

        def rules(ans, *args):
            out = []
            for rule in op.rule(ans, *args):
                if rule is None:
                    rule = _NoRule(f"{op.name} with {len(args)} arguments has no printable "
                                   "derivative (its rule grows with the square of the "
                                   "arguments)")
                elif not isinstance(rule, Expr):
                    rule = constant(float(rule))
                out.append(rule)
            return out
        return rules

    def mul(self, local, upstream):
        if isinstance(local, _NoRule):
            raise MathError(local.message)
        return simplify(Expr("mul", (local, upstream)), thorough=True, memo=self.memo)

    def add(self, total, term):
        if total is None:
            return term
        return simplify(Expr("add", (total, term)), thorough=True, memo=self.memo)

    @staticmethod
    def nonzero(value) -> bool:
        return value is not None


def node_expressions(graph, keep_names: bool = False) -> list[Expr]:
    """Every node as an expression in the inputs (named intermediates written out, or with
    `keep_names` left as their names): the forward sweep in the domain of expressions."""
    domain = ExprDomain()
    stop = graph.output
    exprs: list = [None] * len(graph.ops)
    for i in range(stop + 1):
        op = graph.ops[i]
        if op is INPUT:
            exprs[i] = Expr("name", name=graph.names[i])
        elif op is CONST:
            source = graph.exprs[i]
            if source is not None and source.kind == "number":
                exprs[i] = constant(graph.leaf_values[i])
            else:
                exprs[i] = Expr("name", name=node_text(graph, i))     # pi, e, math.pi
    kernels = domain.kernels(graph)
    if keep_names:
        for i in range(stop):
            if graph.names[i] is not None and graph.ops[i] is not CONST \
                    and graph.ops[i] is not INPUT:
                kept = Expr("name", name=graph.names[i])
                kernels[i] = lambda *args, kept=kept: kept
    forward(graph, domain, exprs, stop=stop, kernels=kernels)
    return exprs[:stop + 1]


def named_nodes(graph) -> dict[str, int]:
    """Inputs and named intermediates, by name: what a derivative may be taken with respect to."""
    nodes = {graph.names[i]: i for i in range(graph.output + 1)
             if graph.names[i] is not None and graph.ops[i] is not CONST}
    nodes.update(graph.inputs)
    return nodes


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


def derivatives(graph, keep_names: bool = False,
                wrt: list[str] | None = None) -> tuple[Expr, dict[str, Expr]]:
    """(the output as an expression, {name: ∂output/∂name simplified}) by symbolic reverse
    accumulation: adjoint(arg) += rule(node, args) * adjoint(node), from the output back.

    `wrt` names inputs or named intermediates (default: every input). With `keep_names`
    the derivatives are written in the named intermediates instead of written out.
    """
    exprs = node_expressions(graph, keep_names)
    exprs += [None] * (len(graph.ops) - len(exprs))
    adjoints, _ = reverse(graph, ExprDomain(), exprs)
    result = {}
    nodes = named_nodes(graph)
    for name in (wrt if wrt is not None else list(graph.inputs)):
        node = nodes[name]
        derivative = adjoints[node] if adjoints[node] is not None else constant(0.0)
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


def intermediates_used(graph, nodes, derivatives) -> list:
    """(name, definition) for each named intermediate the derivatives are written in, in
    program order, each defined in the inputs and the earlier named intermediates."""
    names = set()
    for root in derivatives:
        names.update(n for n in _names_in(root) if n in nodes and n not in graph.inputs)
    if not names:
        return []
    exprs = node_expressions(graph, keep_names=True)
    used = []
    for name in sorted(names, key=nodes.get):
        node = nodes[name]
        # Its own definition: the node's op over its arguments, those written by their names.
        op = graph.ops[node]
        args = [exprs[a] for a in graph.args(node)]
        definition = args[0] if op is IDENTITY else Expr(op.name, tuple(args))
        used.append((name, definition))
        names.update(n for n in _names_in(definition) if n in nodes and n not in graph.inputs)
    return used


def _names_in(root):
    return (expr.name for expr in walk(root) if expr.kind == "name")


def derive(graph, wrt: list[str] | None = None) -> tuple[Expr, dict[str, Expr], list]:
    """gradcli diff: (the output, {name: ∂output/∂name}, the named intermediates used) for
    `wrt` (default: every input). A derivative with respect to an input is written in the
    inputs; one with respect to an intermediate in the named intermediates, since ∂f/∂q
    holds the rest of the program fixed at q's value."""
    nodes = named_nodes(graph)
    wanted = list(wrt) if wrt else list(graph.inputs)
    for name in wanted:
        if name not in nodes:
            known = ", ".join(nodes) or "none"
            raise InputError(f"--wrt: {name!r} is not an input or a named value of the "
                             f"program (those are: {known})")
    inputs = [name for name in wanted if name in graph.inputs]
    inner = [name for name in wanted if name not in graph.inputs]
    output, by_input = derivatives(graph, wrt=inputs)
    by_name = derivatives(graph, keep_names=True, wrt=inner)[1] if inner else {}
    result = {name: by_input.get(name, by_name.get(name)) for name in wanted}
    return output, result, intermediates_used(graph, nodes, list(by_name.values()))


# Beyond this many N-th partials, --wrt must name fewer inputs.
MAX_PARTIALS = 200


def higher(graph, wrt: list[str] | None, order: int) -> tuple[Expr, dict[tuple, Expr]]:
    """gradcli diff --order N: (the output, {(x, y, ...): ∂ⁿf/∂x∂y...}) for every N-th partial
    over the inputs `wrt` (default: every input), mixed ones included, each taken once (their
    order does not matter). Each derivative is differentiated again as the program its text
    makes: the same reverse sweep over expressions, once per order."""
    from itertools import combinations_with_replacement

    names = list(dict.fromkeys(wrt)) if wrt else list(graph.inputs)
    for name in names:
        if name not in graph.inputs:
            known = ", ".join(graph.inputs) or "none"
            raise InputError(f"--wrt: {name!r} is not an input of the program (the inputs are: "
                             f"{known}); --order {order} differentiates with respect to inputs")
    combos = list(combinations_with_replacement(names, order))
    if len(combos) > MAX_PARTIALS:
        raise InputError(f"--order {order} over {len(names)} inputs makes {len(combos):,} "
                         f"partial derivatives (the limit is {MAX_PARTIALS}): name fewer with "
                         "--wrt")
    output, first = derivatives(graph, wrt=names)
    memo: dict[tuple, Expr] = {(name,): first[name] for name in names}
    for combo in combos:
        for k in range(2, order + 1):
            if combo[:k] not in memo:
                memo[combo[:k]] = differentiate(memo[combo[:k - 1]], combo[k - 1])
    return output, {combo: memo[combo] for combo in combos}


def differentiate(expr: Expr, name: str) -> Expr:
    """∂expr/∂name, the expression lowered as the program its text is (the text parses back)."""
    text = to_text(expr)
    graph = lower(parse(text), text)
    if name not in graph.inputs:
        return constant(0.0)
    return derivatives(graph, wrt=[name])[1][name]
