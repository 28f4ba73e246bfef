"""--exact: the same sweeps in rational arithmetic, wherever the expression allows it.

+ - * /, integer powers, abs, max, min, relu and rational inputs (`x=1/3`, or a
literal like 0.1, read from its text, not from the float) stay exact
(Fractions). An op with no rational result (exp, sin, log, a non-integer
power, pi) makes that value inexact (None): its float is shown, marked ≈, and so is
everything computed from it. Sizes are estimated before each exact step, and a
number that would need more than MAX_DIGITS digits falls back to its float the
same way, so nothing hangs and nothing reaches Python's integer-to-string limit.
The float report is computed first, so domain errors are reported exactly as
without --exact. A float overflow is not an error here when the exact numbers
asked for exist (x^1000 at x = 3); when one of them has no exact form
(9^9^9^9, x^1000 + exp(x)) the float run's overflow error stands.
"""

from __future__ import annotations

from fractions import Fraction

from gradcli.engine.sweep import Domain, forward, reverse
from gradcli.lang.expr import Expr
from gradcli.lang.ops import CONST
from gradcli.lang.resolve import fold_expr

MAX_DIGITS = 4000
MAX_BITS = int(MAX_DIGITS * 3.32)


def _size(q) -> int:
    q = Fraction(q)
    return q.numerator.bit_length() + q.denominator.bit_length()


def apply_exact(op, args):
    """op applied exactly, or None when the result is not rational or would be too large."""
    if op.exact is None or any(a is None for a in args):
        return None
    sizes = [_size(a) for a in args]
    bits = op.exact_bits(sizes, *args) if op.exact_bits is not None else sum(sizes)
    if bits > MAX_BITS:
        return None
    try:
        result = op.exact(*args)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    return None if result is None else Fraction(result)


class _Inexact:
    """Stands for a value known only as a float while the exact partials are computed.

    Arithmetic with it gives it back (like NaN), so a partial that does not depend on an
    inexact value (∂(a + b)/∂a = 1, ∂(a·b)/∂a = b) stays exact and one that does becomes
    inexact; a comparison with it cannot be decided, so it raises.
    """

    def _same(self, *_):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _same

    def _undecided(self, *_):
        raise ValueError("an inexact value cannot be compared exactly")

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__ = _undecided
    __hash__ = None


INEXACT = _Inexact()


def partials_exact(op, ans, args):
    """The local partials exactly, one Fraction or None (inexact) per argument.

    A partial is inexact only when it depends on an inexact value: the others are computed
    with the inexact values standing in as INEXACT.
    """
    if op.exact_partials is None:
        return [None] * len(args)
    known = [a for a in args if a is not None] + ([ans] if ans is not None else [])
    sizes = [_size(a) for a in known]
    if op.exact_bits is not None and all(a is not None for a in args):
        bits = op.exact_bits(sizes, *args)
    else:
        bits = sum(sizes)
    if bits > MAX_BITS:
        return [None] * len(args)
    stand_in = [INEXACT if a is None else a for a in args]
    try:
        result = op.exact_partials(INEXACT if ans is None else ans, *stand_in)
    except (ZeroDivisionError, ValueError, OverflowError, TypeError, AttributeError):
        return [None] * len(args)
    return [None if p is None or isinstance(p, _Inexact) else Fraction(p) for p in result]


class FractionDomain(Domain):
    """Fractions, with None for a value known only as a float: None absorbs (an inexact
    contribution makes the gradient inexact), and so does a number past MAX_BITS."""

    zero = Fraction(0)
    one = Fraction(1)

    def kernel(self, op):
        return lambda *args: apply_exact(op, args)

    def partial(self, op):
        return lambda ans, *args: partials_exact(op, ans, args)

    def add(self, total, term):
        if total is None or term is None or _size(total) + _size(term) > MAX_BITS:
            return None
        return total + term

    def mul(self, local, upstream):
        if local is None or upstream is None or _size(local) + _size(upstream) > MAX_BITS:
            return None
        return local * upstream

    @staticmethod
    def nonzero(value) -> bool:
        return value is None or value != 0


FRACTION = FractionDomain()


def literal(expr: Expr, source: str) -> Fraction:
    """A number literal's exact value, from the text the user wrote (0.1 is 1/10), wherever
    it stands: (0.1), ((0.1)), 1e-1 and 0.1 are all 1/10."""
    if 0 <= expr.start < expr.end <= len(source):
        text = source[expr.start:expr.end].replace("_", "")
        # A parenthesised literal's span holds its parentheses: (0.1) is 0.1 too.
        text = text.strip("() \t\r\n")
        try:
            decimal = Fraction(text)
        except (ValueError, ZeroDivisionError):
            decimal = None
        # The text must be this literal's: its float is the float the program computed with.
        if decimal is not None and float(decimal) == expr.value:
            return decimal
    return Fraction(expr.value)


def constant_exact(root: Expr, source: str):
    """A constant expression (a binding's value, an input's default) exactly, or None."""
    def leaf(expr):
        # pi, e and math.pi are not rational.
        return literal(expr, source) if expr.kind == "number" else None

    return fold_expr(root, leaf, lambda op, args, expr: apply_exact(op, args))


class ExactResult:
    domain = "exact"

    def __init__(self, report, values, grads):
        self.report = report
        self.values = values     # Fraction or None (inexact) per node
        self.grads = grads

    def warnings(self) -> list[dict]:
        """The float sweep's warnings that still hold: an infinite or undefined float
        derivative whose exact value exists (1/x at x = 1e-300) is only a float overflow."""
        graph = self.report.graph
        kept = []
        for warning in self.report.warnings:
            node = warning["node"]
            if warning["kind"] == "nonfinite-gradient" and self.grads[node] is not None:
                continue
            if warning["kind"] in ("infinite", "undefined") and all(
                    self.grads[a] is not None for a in graph.args(node) if graph.requires_grad[a]):
                continue
            kept.append(warning)
        return kept


def run_exact(report, defaults: dict[str, tuple[Expr, str]], binding_exprs: dict) -> ExactResult:
    """The exact sweeps over a float report's graph. `defaults` holds each input's default
    (its expression and the text it is in), `binding_exprs` each bound input's value as an
    expression and its text."""
    graph = report.graph
    n = graph.output + 1
    values: list = [None] * len(graph.ops)
    for name, node in graph.inputs.items():
        given = binding_exprs.get(name) or defaults.get(name)
        if given is not None:
            values[node] = constant_exact(*given)
    for i in range(n):
        op = graph.ops[i]
        if op is CONST:
            expr = graph.exprs[i]
            values[i] = literal(expr, graph.source) if expr is not None and expr.kind == "number" \
                else None
    forward(graph, FRACTION, values, stop=graph.output)
    grads, _ = reverse(graph, FRACTION, values)
    return ExactResult(report, values[:n], grads[:n])
