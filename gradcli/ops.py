"""The op table: every operation gradcli knows, declared exactly once.

An entry holds everything about one operation: its name (the same word in the
grammar alias, JSON "op" and every renderer), how many arguments it takes,
how it prints, its forward function, its local partial derivatives (which may
reuse the output `ans`, as HIPS autograd's rules do: exp' = ans,
sigmoid' = ans * (1 - ans), exactly the note's (1 - f) * f), the same
partials as symbolic expressions, and what it does at a kink.

Nothing outside this module branches on an op's name; adding a function is one
entry here plus one test point in tests/test_ops.py.

Conventions where there is no derivative (documented in the README):
relu'(0) = 0, abs'(0) = 0, step'(x) = sign'(x) = 0; at a tie in max/min the
whole gradient goes to the first tied argument, because a max gate routes the
gradient to one input (giving 1 to every tied input would double-count).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Callable

from gradcli.expr import Expr, call

# Binding strength for printing, loosest first; mirrors grammar/gradcli.lark.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5

INF = math.inf
NAN = math.nan


class DomainFailure(ArithmeticError):
    """A forward function's argument is outside its domain; the message says why."""


@dataclass(frozen=True, eq=False)
class Op:
    name: str
    forward: Callable[..., float]
    # partials(ans, *args) -> one local derivative per argument, as floats.
    partials: Callable[..., tuple]
    # rule(ans, *args) -> the same partials as Exprs (None where no closed form prints well).
    rule: Callable[..., tuple] | None = None
    min_args: int = 1
    max_args: int | None = 1
    syntax: str = "function"          # "infix", "prefix", "function" or "leaf"
    symbol: str = ""                  # infix/prefix operator as printed
    strength: int = ATOM              # binding strength when printed
    latex: str = ""                   # LaTeX command for a function-style op
    aliases: tuple[str, ...] = ()
    # kink(ans, *args) -> description when the point is a kink or tie, else None.
    kink: Callable[..., str | None] | None = None
    # domain(*args) -> why the forward function refused these arguments.
    domain: Callable[..., str] | None = None
    # How the gate passes gradients back, in the words of the CS231n note.
    gate: str = ""
    summary: str = ""
    extra: dict = field(default_factory=dict)
    # How emitted Python spells it: an operator for infix/prefix ops (default: `symbol`); for
    # a function a callable's name or a template with {0}, {1} (default: math.<name>).
    python: str = ""
    # Rational arithmetic for --exact: exact(*fractions) -> Fraction, or None where the result
    # is not rational; exact_partials(ans, *fractions) -> one Fraction or None per argument.
    exact: Callable | None = None
    exact_partials: Callable | None = None
    # exact_bits(sizes, *fractions) -> bits the exact result may need, checked before computing
    # (default: the sum of the arguments' sizes, right for + - * /).
    exact_bits: Callable | None = None

    def accepts(self, count: int) -> bool:
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"{self.min_args} or more arguments"
        if self.min_args == self.max_args:
            n = self.min_args
            return f"{n} argument" + ("" if n == 1 else "s")
        return f"{self.min_args} to {self.max_args} arguments"


# ---------------------------------------------------------------- kernels
# Kept as plain functions: the sweeps call them once per node.

def _div(a, b):
    return a / b


def _pow(x, y):
    if x == 0.0 and y == 0.0:
        return 1.0
    return math.pow(x, y)


def _pow_partials(ans, x, y):
    # d/dx x^y = y x^(y-1); at x = 0 the limit depends on y, so say it exactly.
    if x == 0.0:
        if y == 1.0:
            dx = 1.0
        elif y > 1.0 or y == 0.0:
            dx = 0.0
        else:
            dx = INF
    else:
        try:
            dx = y * math.pow(x, y - 1.0)
        except (OverflowError, ValueError):
            dx = math.copysign(INF, y) if x > 0 else NAN
    # d/dy x^y = x^y ln x: never take log of a non-positive base.
    if x > 0.0:
        dy = ans * math.log(x)
    elif x == 0.0 and y > 0.0:
        dy = 0.0
    else:
        dy = NAN
    return dx, dy


def _pow_domain(x, y):
    if x == 0.0 and y < 0.0:
        return "0 raised to a negative power is infinite"
    if x < 0.0 and y != int(y):
        return "a negative number raised to a non-integer power is not a real number"
    return "the result is too large for a float64 (overflow)"


def _sigmoid(x):
    # Two forms so exp never overflows: stable at ±1000.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x):
    return math.log1p(math.exp(-abs(x))) + (x if x > 0.0 else 0.0)


def _safe_sqrt_partial(ans, x):
    return (0.5 / ans if ans > 0.0 else INF,)


def _asin_partial(ans, x):
    d = 1.0 - x * x
    return (1.0 / math.sqrt(d) if d > 0.0 else INF,)


def _max(*args):
    return max(args)


def _min(*args):
    return min(args)


def _first_winner_partials(ans, *args):
    # The whole gradient goes to the first argument that attains the result.
    winner = args.index(ans)
    return tuple(1.0 if k == winner else 0.0 for k in range(len(args)))


def _tie(kind):
    def kink(ans, *args):
        if args.count(ans) > 1:
            return f"tie in {kind}: several arguments equal {ans!r}; the whole gradient goes to the first"
        return None
    return kink


def _kink_at_zero(what):
    def kink(ans, x):
        return f"{what} has a kink at 0; its derivative there is taken as 0" if x == 0.0 else None
    return kink


def _positive(name):
    def domain(x):
        if x == 0.0:
            return f"{name} of 0 is -infinity"
        return f"{name} is defined only for positive numbers"
    return domain


def _step(x):
    return 1.0 if x > 0.0 else 0.0


def _sign(x):
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


MAX_RULE_ARGS = 16


def _first_winner_rule(beats):
    """Symbolic partials of max/min with the tie convention: the k-th argument wins when it
    beats every earlier one strictly and no later one beats it (step(0) = 0)."""
    def rule(ans, *args):
        if len(args) > MAX_RULE_ARGS:
            return (None,) * len(args)      # n² step factors: too big to be worth printing
        out = []
        for k, a in enumerate(args):
            factors = [beats(a, b) for b in args[:k]] + [1 - beats(b, a) for b in args[k + 1:]]
            product = factors[0] if factors else 1
            for factor in factors[1:]:
                product = product * factor
            out.append(product)
        return tuple(out)
    return rule


def _exact_pow(x, y):
    if y.denominator != 1 or (x == 0 and y < 0):
        return None
    return x ** int(y)


def _exact_pow_partials(ans, x, y):
    if y.denominator != 1:
        return None, None
    n = int(y)
    dx = 0 if n == 0 else (n * x ** (n - 1) if x != 0 or n >= 1 else None)
    # d/dy x^y = x^y ln x is rational only where ln x = 0 (or the limit is 0 at x = 0).
    dy = 0 if x == 1 or (x == 0 and n > 0) else None
    return dx, dy


def _exact_pow_bits(sizes, x, y):
    if y.denominator != 1:
        return 0
    return sizes[0] * (abs(int(y)) + 1)


def _exact_first_winner(ans, *args):
    winner = args.index(ans)
    return tuple(1 if k == winner else 0 for k in range(len(args)))


LN2 = math.log(2.0)
LN10 = math.log(10.0)

_ZERO = (0.0,)


def _infix(name, fn, partials, rule, symbol, strength, **kw):
    return Op(name, fn, partials, rule, min_args=2, max_args=2, syntax="infix",
              symbol=symbol, strength=strength, **kw)


def _unary(name, fn, partials, rule=None, latex="", **kw):
    return Op(name, fn, partials, rule, latex=latex or rf"\operatorname{{{name}}}", **kw)


_TABLE: list[Op] = [
    # Leaves: their values come from the program or the bindings, not a forward function.
    Op("input", None, lambda ans: (), min_args=0, max_args=0, syntax="leaf",
       summary="an input variable"),
    Op("const", None, lambda ans: (), min_args=0, max_args=0, syntax="leaf",
       summary="a constant"),
    Op("id", lambda x: x, lambda ans, x: (1.0,), lambda ans, x: (1,),
       summary="a name for another value",
       gate="passes the gradient through unchanged", python="{0}", latex=r"\cdot",
       exact=lambda x: x, exact_partials=lambda ans, x: (1,)),

    _infix("add", operator.add, lambda ans, a, b: (1.0, 1.0), lambda ans, a, b: (1, 1),
           "+", SUM, latex="+", gate="distributes the gradient unchanged to all its inputs",
           summary="a + b", exact=operator.add, exact_partials=lambda ans, a, b: (1, 1)),
    _infix("sub", operator.sub, lambda ans, a, b: (1.0, -1.0), lambda ans, a, b: (1, -1),
           "-", SUM, latex="-", gate="passes the gradient unchanged to a and negated to b",
           summary="a - b", exact=operator.sub, exact_partials=lambda ans, a, b: (1, -1)),
    _infix("mul", operator.mul, lambda ans, a, b: (b, a), lambda ans, a, b: (b, a),
           "*", PRODUCT, latex=r"\cdot", gate="swaps its inputs: each receives the other's value times the gradient",
           summary="a * b", exact=operator.mul, exact_partials=lambda ans, a, b: (b, a)),
    _infix("div", _div, lambda ans, a, b: (1.0 / b, -ans / b),
           lambda ans, a, b: (1 / b, -a / b ** 2),
           "/", PRODUCT, latex=r"\frac", domain=lambda a, b: "division by zero",
           gate="sends the gradient divided by b to a, and -a/b² times it to b",
           summary="a / b", exact=lambda a, b: a / b if b else None,
           exact_partials=lambda ans, a, b: (1 / b, -ans / b)),
    _infix("pow", _pow, _pow_partials,
           lambda ans, x, y: (y * x ** (y - 1), ans * call("log", x)),
           "^", POWER, latex="^", domain=_pow_domain,
           gate="scales the gradient by y·x^(y-1) for the base (and x^y·ln x for the exponent)",
           summary="x ^ y, also written x ** y or pow(x, y)", python="**",
           exact=_exact_pow, exact_partials=_exact_pow_partials, exact_bits=_exact_pow_bits),
    Op("neg", operator.neg, lambda ans, x: (-1.0,), lambda ans, x: (-1,),
       syntax="prefix", symbol="-", strength=UNARY, summary="-x", latex="-",
       gate="passes the gradient back negated", exact=operator.neg,
       exact_partials=lambda ans, x: (-1,)),
    Op("pos", operator.pos, lambda ans, x: (1.0,), lambda ans, x: (1,),
       syntax="prefix", symbol="+", strength=UNARY, summary="+x", latex="+",
       gate="passes the gradient through unchanged", exact=operator.pos,
       exact_partials=lambda ans, x: (1,)),

    _unary("exp", math.exp, lambda ans, x: (ans,), lambda ans, x: (ans,), r"\exp",
           gate="multiplies the gradient by its own output (exp' = exp)",
           summary="e to the power x"),
    _unary("log", math.log, lambda ans, x: (1.0 / x,), lambda ans, x: (1 / x,), r"\ln",
           aliases=("ln",), domain=_positive("log"), summary="natural logarithm",
           gate="divides the gradient by its input"),
    _unary("log2", math.log2, lambda ans, x: (1.0 / (x * LN2),),
           lambda ans, x: (1 / (x * call("log", Expr("number", value=2.0))),), r"\log_2",
           domain=_positive("log2"), summary="base-2 logarithm"),
    _unary("log10", math.log10, lambda ans, x: (1.0 / (x * LN10),),
           lambda ans, x: (1 / (x * call("log", Expr("number", value=10.0))),), r"\log_{10}",
           domain=_positive("log10"), summary="base-10 logarithm"),
    _unary("sqrt", math.sqrt, _safe_sqrt_partial, lambda ans, x: (0.5 / ans,), r"\sqrt{\cdot}",
           domain=lambda x: "sqrt is defined only for numbers >= 0", summary="square root"),
    _unary("sin", math.sin, lambda ans, x: (math.cos(x),), lambda ans, x: (call("cos", x),),
           r"\sin", summary="sine (radians)"),
    _unary("cos", math.cos, lambda ans, x: (-math.sin(x),), lambda ans, x: (-call("sin", x),),
           r"\cos", summary="cosine (radians)"),
    _unary("tan", math.tan, lambda ans, x: (1.0 + ans * ans,), lambda ans, x: (1 + ans ** 2,),
           r"\tan", summary="tangent (radians)"),
    _unary("asin", math.asin, _asin_partial, lambda ans, x: (1 / call("sqrt", 1 - x ** 2),),
           r"\arcsin", domain=lambda x: "asin is defined only on [-1, 1]", summary="arcsine"),
    _unary("acos", math.acos, lambda ans, x: (-_asin_partial(ans, x)[0],),
           lambda ans, x: (-1 / call("sqrt", 1 - x ** 2),),
           r"\arccos", domain=lambda x: "acos is defined only on [-1, 1]", summary="arccosine"),
    _unary("atan", math.atan, lambda ans, x: (1.0 / (1.0 + x * x),),
           lambda ans, x: (1 / (1 + x ** 2),), r"\arctan", summary="arctangent"),
    _unary("sinh", math.sinh, lambda ans, x: (math.cosh(x),), lambda ans, x: (call("cosh", x),),
           r"\sinh", summary="hyperbolic sine"),
    _unary("cosh", math.cosh, lambda ans, x: (math.sinh(x),), lambda ans, x: (call("sinh", x),),
           r"\cosh", summary="hyperbolic cosine"),
    _unary("tanh", math.tanh, lambda ans, x: (1.0 - ans * ans,), lambda ans, x: (1 - ans ** 2,),
           r"\tanh", summary="hyperbolic tangent"),
    _unary("sigmoid", _sigmoid, lambda ans, x: ((1.0 - ans) * ans,),
           lambda ans, x: ((1 - ans) * ans,), r"\sigma",
           gate="multiplies the gradient by (1 - f) * f, f being its own output",
           summary="1 / (1 + exp(-x)), computed stably",
           python="(1.0 / (1.0 + math.exp(-{0})))"),
    _unary("relu", lambda x: x if x > 0.0 else 0.0, lambda ans, x: (1.0 if x > 0.0 else 0.0,),
           lambda ans, x: (call("step", x),), kink=_kink_at_zero("relu"),
           gate="passes the gradient where its input is positive, blocks it elsewhere",
           summary="max(x, 0); relu'(0) = 0", python="max({0}, 0.0)",
           exact=lambda x: x if x > 0 else 0, exact_partials=lambda ans, x: (1 if x > 0 else 0,)),
    _unary("softplus", _softplus, lambda ans, x: (_sigmoid(x),),
           lambda ans, x: (call("sigmoid", x),), summary="log(1 + exp(x)), computed stably",
           python="(math.log1p(math.exp(-abs({0}))) + max({0}, 0.0))"),
    _unary("abs", abs, lambda ans, x: (_sign(x),), lambda ans, x: (call("sign", x),),
           r"\left|\cdot\right|", kink=_kink_at_zero("abs"), summary="|x|; abs'(0) = 0",
           gate="passes the gradient where its input is positive, negated where it is negative",
           python="abs", exact=abs,
           exact_partials=lambda ans, x: ((x > 0) - (x < 0),)),
    _unary("step", _step, lambda ans, x: _ZERO, lambda ans, x: (0,),
           kink=lambda ans, x: "step jumps at 0; its derivative is taken as 0" if x == 0.0 else None,
           summary="1 where x > 0, else 0 (the derivative of relu)",
           python="(1.0 if {0} > 0 else 0.0)", gate="blocks the gradient (its derivative is 0)",
           exact=lambda x: 1 if x > 0 else 0, exact_partials=lambda ans, x: (0,)),
    _unary("sign", _sign, lambda ans, x: _ZERO, lambda ans, x: (0,),
           kink=lambda ans, x: "sign jumps at 0; its derivative is taken as 0" if x == 0.0 else None,
           summary="-1, 0 or 1 (the derivative of abs)",
           python="(1.0 if {0} > 0 else -1.0 if {0} < 0 else 0.0)",
           gate="blocks the gradient (its derivative is 0)",
           exact=lambda x: (x > 0) - (x < 0), exact_partials=lambda ans, x: (0,)),
    Op("max", _max, _first_winner_partials, _first_winner_rule(lambda a, b: call("step", a - b)),
       min_args=1, max_args=None, latex=r"\max",
       kink=_tie("max"), gate="routes the whole gradient to its largest input",
       summary="largest argument; a tie sends the gradient to the first", python="max",
       exact=_max, exact_partials=_exact_first_winner),
    Op("min", _min, _first_winner_partials, _first_winner_rule(lambda a, b: call("step", b - a)),
       min_args=1, max_args=None, latex=r"\min",
       kink=_tie("min"), gate="routes the whole gradient to its smallest input",
       summary="smallest argument; a tie sends the gradient to the first", python="min",
       exact=_min, exact_partials=_exact_first_winner),
]

OPS: dict[str, Op] = {op.name: op for op in _TABLE}

# Names a program may call: every function-style op, its aliases, and pow(a, b).
FUNCTIONS: dict[str, Op] = {}
for _op in _TABLE:
    if _op.syntax == "function" and _op.name != "id":
        FUNCTIONS[_op.name] = _op
        for _alias in _op.aliases:
            FUNCTIONS[_alias] = _op
FUNCTIONS["pow"] = OPS["pow"]

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

# `math.exp`, `np.tanh`, `numpy.pi`: pasted Python works.
MODULE_PREFIXES = ("math", "np", "numpy")
