"""The op table: every operation gradcli knows, declared exactly once.

An entry holds everything about one operation: its name (the same word in the
grammar alias, JSON "op" and every renderer), how many arguments it takes,
how it prints, its forward function, its local partial derivatives (which may
reuse the output `ans`, as HIPS autograd's rules do: exp' = ans,
sigmoid' = ans * (1 - ans), exactly the note's (1 - f) * f), the same
partials as symbolic expressions, and what it does at a kink.

Nothing outside this module branches on an op's name; adding a function is one
entry here plus one test point in tests/test_ops.py.

Arrays: an entry's `array_forward` and `vjp` (vector-Jacobian product, written
with numpy, imported lazily) sit next to its scalar rule; ops with no scalar
forward (matmul, sum, reshape, ...) exist only for arrays, and a program using
them is evaluated by the array engine. The op tests check every VJP
against central differences.

Conventions where there is no derivative (docs/conventions.md):
relu'(0) = 0, abs'(0) = 0, step'(x) = sign'(x) = 0; at a tie in max/min the
whole gradient goes to the first tied argument, because a max gate routes the
gradient to one input (giving 1 to every tied input would double-count).
"""

from __future__ import annotations

import math
import operator
import sys
from dataclasses import dataclass, field
from typing import Callable

from gradcli.defaults import PRECISION
from gradcli.lang.expr import Expr, call, number
from gradcli.numbers import format_number


class _LazyNumpy:
    """`np.exp` in the array rules below, importing numpy on first use (never for scalars)."""

    def __getattr__(self, attribute):
        import numpy

        return getattr(numpy, attribute)


np = _LazyNumpy()

# Binding strength for printing, loosest first; mirrors grammar/gradcli.lark.
COMPARE, SUM, PRODUCT, UNARY, POWER, ATOM = 0, 1, 2, 3, 4, 5

INF = math.inf
NAN = math.nan
MIN_NORMAL = sys.float_info.min


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
    # branch(ans, *args) -> which piece of a piecewise op is in use (relu's side of 0, the
    # winner of a max); a difference between two nearby points means a kink lies between them.
    branch: Callable[..., object] | None = None
    # domain(*args) -> why the forward function refused these arguments.
    domain: Callable[..., str] | None = None
    # How the gate passes gradients back, in the words of the CS231n note; {0}, {1} stand for
    # the operands as the explanation names them (never a fixed x or y, which may clash).
    gate: str = ""
    summary: str = ""
    extra: dict = field(default_factory=dict)
    # ---- arrays (the array engine): numpy is imported only when a program uses them.
    # array_forward(*arrays, *static, **keywords) -> ndarray; None: the op has no array form.
    array_forward: Callable[..., object] | None = None
    # vjp(g, ans, *arrays, *static, **keywords) -> one gradient per array argument. A
    # gradient may have the broadcast shape; the sweep sums it back to the argument's shape.
    # A costly gradient may come as a function of no arguments, called only when needed.
    vjp: Callable[..., tuple] | None = None
    arrays: int | None = None         # leading array arguments (None: all); the rest are static
    keywords: tuple[str, ...] = ()    # keyword arguments it accepts (axis=...), all static
    methods: tuple[str, ...] = ()     # a.dot(b), a.sum(): the method names that mean this op
    attributes: tuple[str, ...] = ()  # a.T: attributes that mean this op applied to a
    creates: bool = False             # zeros(2, 3): every argument is static; the result a constant
    # How emitted Python spells it: an operator for infix/prefix ops (default: `symbol`); for
    # a function a callable's name or a template with {0}, {1} (default: math.<name>).
    python: str = ""
    # False where that spelling gives Python a bool or an int (x > 0): a forward line of the
    # emitted code multiplies it by 1.0, so every variable there is a float as in gradcli.
    python_float: bool = True
    # Rational arithmetic for --exact: exact(*fractions) -> Fraction, or None where the result
    # is not rational; exact_partials(ans, *fractions) -> one Fraction or None per argument.
    exact: Callable | None = None
    exact_partials: Callable | None = None
    # exact_bits(sizes, *fractions) -> bits the exact result may need, checked before computing
    # (default: the sum of the arguments' sizes, right for + - * /).
    exact_bits: Callable | None = None
    # --format python reproduces the sweep bit for bit: python_forward(point, *args) -> Expr
    # and python_partials(point, ans, *args) -> one Expr per argument are the arithmetic the
    # kernels do at this point (point = (ans, *arguments) as floats; a kernel that picks a
    # stable form by its argument has one expression per form). Without them: the `python`
    # spelling and the `rule`, which then compute exactly what the kernels compute.
    python_forward: Callable | None = None
    python_partials: Callable | None = None
    # ---- how a backward pass through it goes wrong (checks/diagnose.py's catalogue) and how
    # it stops a gradient (checks/why.py). `own_derivative`: its value is its local gradient
    # (exp' = exp), so a pass that uses the value is right there. `swaps`: each input's local
    # gradient is the other input (a mul gate). `power`: x^n, whose base gets n·x^(n-1).
    # `routes`: the whole gradient goes to one winning argument (max, min).
    own_derivative: bool = False
    swaps: bool = False
    power: bool = False
    routes: bool = False
    # Where its local gradient is 0 or nearly: "dead" (nothing passes where its input is <= 0),
    # "saturated" (flat tails, where the local gradient vanishes), "blocks" (0 everywhere).
    stall: str = ""

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


# Which formula gives ∂(x^y)/∂x to float64 accuracy at a point. The textbook y·x^(y-1) is
# accurate while y - 1 is exact (y >= 1 below 2^53, or 1/2 <= y < 1) and x^(y-1) a normal
# number; otherwise the result x^y divided by x (y·ans/x, ordered so that a representable
# derivative does not overflow on the way), or for a tiny x^(y-1) its two square roots.
POW_AT_ZERO, POW_TEXTBOOK, POW_HALVES, POW_RATIO, POW_SMALL_Y = range(5)


def _pow_dx(ans, x, y):
    """(form, ∂(x^y)/∂x): the form says which formula computed it (`_pow_dx_rule`)."""
    if x == 0.0:
        return POW_AT_ZERO, (1.0 if y == 1.0 else 0.0 if y > 1.0 or y == 0.0 else INF)
    exponent = y - 1.0
    if exponent + 1.0 == y and y - exponent == 1.0:     # y - 1 is exact
        try:
            power = math.pow(x, exponent)
        except OverflowError:
            power = INF
        if MIN_NORMAL <= abs(power) < INF:
            return POW_TEXTBOOK, y * power
        if abs(power) < MIN_NORMAL and x > 0.0:
            half = math.pow(x, 0.5 * exponent)
            return POW_HALVES, y * half * half
    if abs(y) < 1.0:
        return POW_SMALL_Y, y * ans / x
    return POW_RATIO, ans / x * y


def _pow_dy(ans, x, y):
    """∂(x^y)/∂y = x^y ln x; for a subnormal x^y, (x^(y/2) ln x) x^(y/2) keeps its digits."""
    if x > 0.0:
        if abs(ans) >= MIN_NORMAL:
            return ans * math.log(x)
        half = math.pow(x, 0.5 * y)
        return half * math.log(x) * half
    if x == 0.0 and y > 0.0:
        return 0.0
    return NAN


def _pow_partials(ans, x, y):
    return _pow_dx(ans, x, y)[1], _pow_dy(ans, x, y)


def _pow_python(point, ans, x, y):
    """The formulas `_pow_partials` uses at this point, as expressions (--format python)."""
    ans_value, x_value, y_value = point
    form, _ = _pow_dx(ans_value, x_value, y_value)
    if form == POW_AT_ZERO:
        dx = number(_pow_dx(ans_value, x_value, y_value)[1])
        if not math.isfinite(dx.value):
            dx = y * x ** (y - 1.0)
    elif form == POW_TEXTBOOK:
        dx = y * x ** (y - 1.0)
    elif form == POW_HALVES:
        dx = y * x ** (0.5 * (y - 1.0)) * x ** (0.5 * (y - 1.0))
    elif form == POW_SMALL_Y:
        dx = y * ans / x
    else:
        dx = ans / x * y
    if x_value == 0.0 and y_value > 0.0:
        dy = number(0.0)
    elif x_value > 0.0 and abs(ans_value) < MIN_NORMAL:
        dy = x ** (0.5 * y) * call("log", x) * x ** (0.5 * y)
    else:
        dy = ans * call("log", x)
    return dx, dy


def _pow_domain(x, y):
    if x == 0.0 and y < 0.0:
        return "0 raised to a negative power is infinite"
    if x < 0.0 and y != int(y):
        return "a negative number raised to a non-integer power is not a real number"
    return "the result is too large for a float64 (overflow)"


def _sigmoid(x):
    # Two forms so exp never overflows: stable at ±1000. The first is the note's own.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _sigmoid_expr(value, x):
    """`_sigmoid`'s arithmetic at x = value, as an expression in x."""
    if value >= 0.0:
        return 1.0 / (1.0 + call("exp", -x))
    return call("exp", x) / (1.0 + call("exp", x))


def _sigmoid_partial(ans, x):
    # σ(x) σ(-x). For x >= 0, 1 - σ(x) cancels (to 0 from x = 37 on): σ(x) / (1 + e^-x) · e^-x
    # instead, which is also what the typed-out 1 / (1 + exp(-x)) backpropagates to. For
    # x < 0, 1 - σ(x) >= 1/2 loses nothing.
    if x >= 0.0:
        z = math.exp(-x)
        return (ans / (1.0 + z) * z,)
    return ((1.0 - ans) * ans,)


def _sigmoid_partial_python(point, ans, x):
    if point[1] >= 0.0:
        return (ans / (1.0 + call("exp", -x)) * call("exp", -x),)
    return ((1.0 - ans) * ans,)


def _softplus(x):
    # log(1 + e^x) = x + log(1 + e^-x): log1p of a number <= 1, so nothing cancels or overflows.
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


def _softplus_python(point, x):
    if point[1] > 0.0:
        return x + call("log1p", call("exp", -x))
    return call("log1p", call("exp", x))


def _logsigmoid(x):
    # log σ(x) = -softplus(-x), written so that no term cancels.
    if x >= 0.0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


def _logsigmoid_python(point, x):
    if point[1] >= 0.0:
        return -call("log1p", call("exp", -x))
    return x - call("log1p", call("exp", x))


def _logsigmoid_partial(ans, x):
    # σ(-x), in the form where exp cannot overflow.
    if x >= 0.0:
        z = math.exp(-x)
        return (z / (1.0 + z),)
    return (1.0 / (1.0 + math.exp(x)),)


def _logsigmoid_partial_python(point, ans, x):
    if point[1] >= 0.0:
        return (call("exp", -x) / (1.0 + call("exp", -x)),)
    return (1.0 / (1.0 + call("exp", x)),)


def _tanh_partial(ans, x):
    # sech² x. 1 - tanh² x cancels as tanh x nears ±1 (to 0 from |x| = 19 on); with
    # e = e^(-2|x|), sech² x = 4e / (1 + e)², with no cancellation and no overflow.
    if -0.5 < x < 0.5:
        return (1.0 - ans * ans,)
    e = math.exp(-2.0 * abs(x))
    return (4.0 * e / (1.0 + e) ** 2,)


def _tanh_partial_python(point, ans, x):
    if -0.5 < point[1] < 0.5:
        return (1.0 - ans * ans,)
    e = call("exp", -2.0 * call("abs", x))
    return (4.0 * e / (1.0 + e) ** 2.0,)


def _safe_sqrt_partial(ans, x):
    return (0.5 / ans if ans > 0.0 else INF,)


def _asin_partial(ans, x):
    # (1 - x)(1 + x), not 1 - x²: near ±1 the difference 1 - x is exact, 1 - x² is not.
    d = (1.0 - x) * (1.0 + x)
    return (1.0 / math.sqrt(d) if d > 0.0 else INF,)


def _acos_partial(ans, x):
    d = (1.0 - x) * (1.0 + x)
    return (-1.0 / math.sqrt(d) if d > 0.0 else -INF,)


def _max(*args):
    return max(args)


def _min(*args):
    return min(args)


def _first_winner_partials(ans, *args):
    # The whole gradient goes to the first argument that attains the result.
    winner = args.index(ans)
    return tuple(1.0 if k == winner else 0.0 for k in range(len(args)))


def _winner(ans, *args):
    return args.index(ans)


def _side_of_zero(ans, x):
    return x > 0.0


def _as_shown(value: float) -> str:
    """A number in a warning as the table prints it (0, not 0.0)."""
    return format_number(value, PRECISION)


def _tie(kind):
    def kink(ans, *args):
        if args.count(ans) > 1:
            return (f"tie in {kind}: several arguments equal {_as_shown(ans)}; the whole "
                    "gradient goes to the first")
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


def _compare(name, test, symbol, latex, words):
    """a > b and its kin: 1.0 or 0.0, as Python's True and False count in arithmetic, so that
    the note's relu backward `(x > 0) * dout` means the same in gradcli and in Python."""
    def kink(ans, a, b):
        if a == b:
            return (f"{symbol} jumps where its sides are equal ({_as_shown(a)}); its derivative "
                    "is taken as 0")
        return None

    return _infix(name, lambda a, b: 1.0 if test(a, b) else 0.0, lambda ans, a, b: (0.0, 0.0),
                  lambda ans, a, b: (0, 0), symbol, COMPARE, latex=latex, kink=kink,
                  branch=lambda ans, a, b: ans, python_float=False,
                  gate="blocks the gradient (its derivative is 0 on both sides)", stall="blocks",
                  summary=f"1 where a {words} b, else 0: a mask, as in (x > 0) * dout",
                  exact=lambda a, b: 1 if test(a, b) else 0,
                  exact_partials=lambda ans, a, b: (0, 0),
                  array_forward=lambda a, b: np.where(test(a, b), 1.0, 0.0),
                  vjp=lambda g, ans, a, b: (g * 0.0, g * 0.0))


class ShapeFailure(ValueError):
    """An array op's arguments have shapes it cannot combine; the message names them."""


# ---------------------------------------------------------------- array kernels
# Written with `np` (imported lazily); a gradient may come back in the broadcast
# shape, and the array engine sums it back to the argument's shape (unbroadcast).

def _a_sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def _a_sigmoid_partial(ans, x):
    # `_sigmoid_partial` with numpy: e^-|x| / (1 + e^-|x|)² on both sides.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0.0, ans / (1.0 + z) * z, (1.0 - ans) * ans)


def _a_tanh_partial(ans, x):
    e = np.exp(-2.0 * np.abs(x))
    return np.where(np.abs(x) < 0.5, 1.0 - ans * ans, 4.0 * e / (1.0 + e) ** 2)


def _a_pow_vjp(g, ans, x, y):
    """`_pow_dx` and `_pow_dy` with numpy: the same formula at each entry."""
    def dy():
        xb, yb, ansb = np.broadcast_arrays(x, y, ans)
        positive = xb > 0.0
        log = np.log(np.where(positive, xb, 1.0))
        half = np.power(np.where(positive, xb, 1.0), 0.5 * yb)
        at_positive = np.where(np.abs(ansb) >= MIN_NORMAL, ansb * log, half * log * half)
        return g * np.where(positive, at_positive,
                            np.where((xb == 0.0) & (yb > 0.0), 0.0, NAN))

    def dx():
        xb, yb, ansb = np.broadcast_arrays(x, y, ans)
        exponent = yb - 1.0
        exact = (exponent + 1.0 == yb) & (yb - exponent == 1.0)
        base = np.where(xb == 0.0, 1.0, xb)
        power = np.power(base, exponent)
        half = np.power(np.abs(base), 0.5 * exponent)
        ratio = np.where(np.abs(yb) < 1.0, yb * ansb / base, ansb / base * yb)
        result = np.where(exact & (np.abs(power) >= MIN_NORMAL) & np.isfinite(power),
                          yb * power,
                          np.where(exact & (np.abs(power) < MIN_NORMAL) & (xb > 0.0),
                                   yb * half * half, ratio))
        at_zero = np.where(yb == 1.0, 1.0, np.where((yb > 1.0) | (yb == 0.0), 0.0, INF))
        return g * np.where(xb == 0.0, at_zero, result)

    # ∂/∂y is a function: the sweep calls it only when y needs a gradient.
    return dx(), dy


def _a_extreme(name):
    reduce, pairwise, arg = {"max": ("max", "maximum", "argmax"),
                             "min": ("min", "minimum", "argmin")}[name]

    def forward(*args, axis=None):
        if isinstance(axis, tuple):
            raise ShapeFailure(f"{name} reduces along one axis at a time, not {axis}")
        if axis is not None and len(args) > 1:
            raise ShapeFailure(f"axis= is for {name} of one array; with several arguments "
                               f"{name} is element-wise")
        if len(args) == 1:
            return getattr(np, reduce)(args[0], axis=axis)
        result = args[0]
        for a in args[1:]:
            result = getattr(np, pairwise)(result, a)
        return result

    def vjp(g, ans, *args, axis=None):
        if len(args) == 1:
            # A reduction routes the gradient to the first extreme entry along the axis.
            a = args[0]
            if a.ndim == 0:
                return (g,)
            mask = np.zeros(a.shape)
            if axis is None:
                mask.flat[getattr(np, arg)(a)] = 1.0
                return (mask * g,)
            where = np.expand_dims(getattr(np, arg)(a, axis=axis), axis)
            np.put_along_axis(mask, where, 1.0, axis=axis)
            return (mask * np.expand_dims(g, axis),)
        # Element-wise: each entry's gradient goes to the first argument that attains it.
        taken = np.zeros(np.shape(ans), dtype=bool)
        grads = []
        for a in args:
            winner = (a == ans) & ~taken
            taken = taken | winner
            grads.append(g * winner)
        return tuple(grads)

    return forward, vjp


_MAX_FORWARD, _MAX_VJP = _a_extreme("max")
_MIN_FORWARD, _MIN_VJP = _a_extreme("min")


def _matmul(a, b):
    if not (1 <= a.ndim <= 2 and 1 <= b.ndim <= 2):
        raise ShapeFailure(f"{a.shape} @ {b.shape}: a matrix product takes vectors and matrices "
                           "(1-D or 2-D arrays)")
    if a.shape[-1] != b.shape[0]:
        raise ShapeFailure(f"{a.shape} @ {b.shape}: inner dimensions {a.shape[-1]} and "
                           f"{b.shape[0]} differ")
    return a @ b


def _matmul_vjp(g, ans, a, b):
    # Lazily: data (X in W @ X) takes no gradient, and its product is skipped.
    if a.ndim == 2 and b.ndim == 2:
        return lambda: g @ b.T, lambda: a.T @ g
    if a.ndim == 1 and b.ndim == 1:
        return lambda: g * b, lambda: g * a
    if a.ndim == 2:
        return lambda: np.outer(g, b), lambda: a.T @ g
    return lambda: b @ g, lambda: np.outer(a, g)


def _matmul_dimensions(out, a, b, a_shape, b_shape):
    """The note's dimension analysis: each gradient is the product that has its input's shape."""
    shape = _shape_text
    if len(a_shape) == 2 and len(b_shape) == 2:
        g = (a_shape[0], b_shape[1])
        return [f"d{a} = d{out} @ {b}.T : {shape(g)} @ {shape(b_shape[::-1])} -> {shape(a_shape)}",
                f"d{b} = {a}.T @ d{out} : {shape(a_shape[::-1])} @ {shape(g)} -> {shape(b_shape)}"]
    if len(a_shape) == 1 and len(b_shape) == 1:
        return [f"d{a} = d{out} * {b} : () * {shape(b_shape)} -> {shape(a_shape)}",
                f"d{b} = d{out} * {a} : () * {shape(a_shape)} -> {shape(b_shape)}"]
    if len(a_shape) == 2:
        g = (a_shape[0],)
        return [f"d{a} = outer(d{out}, {b}) : {shape(g)} outer {shape(b_shape)} -> {shape(a_shape)}",
                f"d{b} = {a}.T @ d{out} : {shape(a_shape[::-1])} @ {shape(g)} -> {shape(b_shape)}"]
    g = (b_shape[1],)
    return [f"d{a} = {b} @ d{out} : {shape(b_shape)} @ {shape(g)} -> {shape(a_shape)}",
            f"d{b} = outer({a}, d{out}) : {shape(a_shape)} outer {shape(g)} -> {shape(b_shape)}"]


def _shape_text(shape) -> str:
    return str(tuple(int(n) for n in shape))


def _expand(g, shape, axis, keepdims):
    """A reduction's upstream gradient, spread back over the axes it reduced."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _mean_vjp(g, ans, a, axis=None, keepdims=False):
    count = a.size / max(np.size(ans), 1)
    return (_expand(g, a.shape, axis, keepdims) / count,)


def _shape_argument(dims):
    """reshape(a, (2, 3)), a.reshape(2, 3) and zeros((2, 3)) all mean the shape (2, 3)."""
    return dims[0] if len(dims) == 1 and isinstance(dims[0], tuple) else tuple(dims)


def _index_vjp(g, ans, a, *key):
    grad = np.zeros(a.shape)
    grad[key] = g
    return (grad,)


def _stack(*items):
    shapes = {item.shape for item in items}
    if len(shapes) > 1:
        first, other = items[0].shape, next(i.shape for i in items if i.shape != items[0].shape)
        raise ShapeFailure(f"the items have shapes {first} and {other}: every item of an array "
                           "literal must have the same shape")
    return np.stack(items)


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


def _exact_sqrt(x):
    """The square root of a rational whose numerator and denominator are perfect squares."""
    from fractions import Fraction

    if x < 0:
        return None
    top, bottom = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if top * top != x.numerator or bottom * bottom != x.denominator:
        return None
    return Fraction(top, bottom)


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
       array_forward=lambda x: x, vjp=lambda g, ans, x: (g,),
       summary="a name for another value",
       gate="passes the gradient through unchanged", python="{0}", latex=r"\cdot",
       exact=lambda x: x, exact_partials=lambda ans, x: (1,)),

    _infix("add", operator.add, lambda ans, a, b: (1.0, 1.0), lambda ans, a, b: (1, 1),
           "+", SUM, latex="+", gate="distributes the gradient unchanged to all its inputs",
           summary="a + b", exact=operator.add, exact_partials=lambda ans, a, b: (1, 1),
           array_forward=operator.add, vjp=lambda g, ans, a, b: (g, g)),
    _infix("sub", operator.sub, lambda ans, a, b: (1.0, -1.0), lambda ans, a, b: (1, -1),
           "-", SUM, latex="-", gate="passes the gradient unchanged to {0} and negated to {1}",
           summary="a - b", exact=operator.sub, exact_partials=lambda ans, a, b: (1, -1),
           array_forward=operator.sub, vjp=lambda g, ans, a, b: (g, lambda: -g)),
    _infix("mul", operator.mul, lambda ans, a, b: (b, a), lambda ans, a, b: (b, a),
           "*", PRODUCT, latex=r"\cdot",
           gate="swaps its inputs: each receives the other's value times the gradient",
           swaps=True,
           summary="a * b", exact=operator.mul, exact_partials=lambda ans, a, b: (b, a),
           array_forward=operator.mul, vjp=lambda g, ans, a, b: (lambda: g * b, lambda: g * a)),
    _infix("div", _div, lambda ans, a, b: (1.0 / b, -ans / b),
           lambda ans, a, b: (1 / b, -a / b ** 2),
           "/", PRODUCT, latex=r"\frac", domain=lambda a, b: "division by zero",
           gate="divides the gradient by {1} for the numerator {0}, and scales it by -{0}/{1}² for "
                "the denominator {1}",
           summary="a / b", exact=lambda a, b: a / b if b else None,
           exact_partials=lambda ans, a, b: (1 / b, -ans / b),
           python_partials=lambda point, ans, a, b: (1.0 / b, -ans / b),
           array_forward=operator.truediv,
           vjp=lambda g, ans, a, b: (lambda: g / b, lambda: -(g / b) * ans)),
    _infix("pow", _pow, _pow_partials,
           lambda ans, x, y: (y * x ** (y - 1), ans * call("log", x)),
           "^", POWER, latex="^", domain=_pow_domain,
           gate="scales the gradient by {1}·{0}^({1}-1) for the base {0} (and by {0}^{1}·ln {0} "
                "for the exponent {1})",
           summary="x ^ y, also written x ** y or pow(x, y)", python="**", power=True,
           exact=_exact_pow, exact_partials=_exact_pow_partials, exact_bits=_exact_pow_bits,
           python_partials=_pow_python,
           array_forward=lambda x, y: np.power(x, y), vjp=_a_pow_vjp),
    Op("neg", operator.neg, lambda ans, x: (-1.0,), lambda ans, x: (-1,),
       syntax="prefix", symbol="-", strength=UNARY, summary="-x", latex="-",
       gate="passes the gradient back negated", exact=operator.neg,
       exact_partials=lambda ans, x: (-1,),
       array_forward=operator.neg, vjp=lambda g, ans, x: (-g,)),
    Op("pos", operator.pos, lambda ans, x: (1.0,), lambda ans, x: (1,),
       syntax="prefix", symbol="+", strength=UNARY, summary="+x", latex="+",
       gate="passes the gradient through unchanged", exact=operator.pos,
       exact_partials=lambda ans, x: (1,),
       array_forward=operator.pos, vjp=lambda g, ans, x: (g,)),
    _compare("gt", operator.gt, ">", ">", "is greater than"),
    _compare("lt", operator.lt, "<", "<", "is less than"),
    _compare("ge", operator.ge, ">=", r"\geq", "is at least"),
    _compare("le", operator.le, "<=", r"\leq", "is at most"),

    _unary("exp", math.exp, lambda ans, x: (ans,), lambda ans, x: (ans,), r"\exp",
           gate="multiplies the gradient by its own output (exp' = exp)", own_derivative=True,
           summary="e to the power x",
           array_forward=lambda x: np.exp(x),
           vjp=lambda g, ans, x: (g * ans,)),
    _unary("log", math.log, lambda ans, x: (1.0 / x,), lambda ans, x: (1 / x,), r"\ln",
           aliases=("ln",), domain=_positive("log"), summary="natural logarithm",
           gate="divides the gradient by its input",
           array_forward=lambda x: np.log(x),
           vjp=lambda g, ans, x: (g / x,)),
    _unary("log1p", math.log1p, lambda ans, x: (1.0 / (1.0 + x),),
           lambda ans, x: (1 / (1 + x),), r"\operatorname{log1p}",
           domain=lambda x: ("log1p of -1 is -infinity" if x == -1.0
                             else "log1p is defined only for numbers > -1"),
           summary="log(1 + x), accurate for x near 0",
           gate="divides the gradient by 1 plus its input",
           array_forward=lambda x: np.log1p(x),
           vjp=lambda g, ans, x: (g / (1.0 + x),)),
    _unary("log2", math.log2, lambda ans, x: (1.0 / (x * LN2),),
           lambda ans, x: (1 / (x * call("log", Expr("number", value=2.0))),), r"\log_2",
           domain=_positive("log2"), summary="base-2 logarithm",
           array_forward=lambda x: np.log2(x),
           vjp=lambda g, ans, x: (g / (x * LN2),)),
    _unary("log10", math.log10, lambda ans, x: (1.0 / (x * LN10),),
           lambda ans, x: (1 / (x * call("log", Expr("number", value=10.0))),), r"\log_{10}",
           domain=_positive("log10"), summary="base-10 logarithm",
           array_forward=lambda x: np.log10(x),
           vjp=lambda g, ans, x: (g / (x * LN10),)),
    _unary("sqrt", math.sqrt, _safe_sqrt_partial, lambda ans, x: (0.5 / ans,), r"\sqrt{\cdot}",
           domain=lambda x: "sqrt is defined only for numbers >= 0", summary="square root",
           exact=_exact_sqrt, exact_partials=lambda ans, x: (1 / (2 * ans) if ans else None,),
           array_forward=lambda x: np.sqrt(x),
           vjp=lambda g, ans, x: (g * 0.5 / ans,)),
    _unary("sin", math.sin, lambda ans, x: (math.cos(x),), lambda ans, x: (call("cos", x),),
           r"\sin", summary="sine (radians)",
           array_forward=lambda x: np.sin(x),
           vjp=lambda g, ans, x: (g * np.cos(x),)),
    _unary("cos", math.cos, lambda ans, x: (-math.sin(x),), lambda ans, x: (-call("sin", x),),
           r"\cos", summary="cosine (radians)",
           array_forward=lambda x: np.cos(x),
           vjp=lambda g, ans, x: (-g * np.sin(x),)),
    _unary("tan", math.tan, lambda ans, x: (1.0 + ans * ans,), lambda ans, x: (1 + ans ** 2,),
           r"\tan", summary="tangent (radians)",
           python_partials=lambda point, ans, x: (1.0 + ans * ans,),
           array_forward=lambda x: np.tan(x),
           vjp=lambda g, ans, x: (g * (1.0 + ans * ans),)),
    _unary("asin", math.asin, _asin_partial, lambda ans, x: (1 / call("sqrt", 1 - x ** 2),),
           r"\arcsin", domain=lambda x: "asin is defined only on [-1, 1]", summary="arcsine",
           python_partials=lambda point, ans, x: (1.0 / call("sqrt", (1.0 - x) * (1.0 + x)),),
           array_forward=lambda x: np.arcsin(x),
           vjp=lambda g, ans, x: (g * (1.0 / np.sqrt((1.0 - x) * (1.0 + x))),)),
    _unary("acos", math.acos, _acos_partial, lambda ans, x: (-1 / call("sqrt", 1 - x ** 2),),
           r"\arccos", domain=lambda x: "acos is defined only on [-1, 1]", summary="arccosine",
           python_partials=lambda point, ans, x: (-1.0 / call("sqrt", (1.0 - x) * (1.0 + x)),),
           array_forward=lambda x: np.arccos(x),
           vjp=lambda g, ans, x: (g * (-1.0 / np.sqrt((1.0 - x) * (1.0 + x))),)),
    _unary("atan", math.atan, lambda ans, x: (1.0 / (1.0 + x * x),),
           lambda ans, x: (1 / (1 + x ** 2),), r"\arctan", summary="arctangent",
           python_partials=lambda point, ans, x: (1.0 / (1.0 + x * x),),
           array_forward=lambda x: np.arctan(x),
           vjp=lambda g, ans, x: (g / (1.0 + x * x),)),
    _unary("sinh", math.sinh, lambda ans, x: (math.cosh(x),), lambda ans, x: (call("cosh", x),),
           r"\sinh", summary="hyperbolic sine",
           array_forward=lambda x: np.sinh(x),
           vjp=lambda g, ans, x: (g * np.cosh(x),)),
    _unary("cosh", math.cosh, lambda ans, x: (math.sinh(x),), lambda ans, x: (call("sinh", x),),
           r"\cosh", summary="hyperbolic cosine",
           array_forward=lambda x: np.cosh(x),
           vjp=lambda g, ans, x: (g * np.sinh(x),)),
    _unary("tanh", math.tanh, _tanh_partial, lambda ans, x: (1 - ans ** 2,),
           r"\tanh", summary="hyperbolic tangent", python_partials=_tanh_partial_python,
           stall="saturated",
           array_forward=lambda x: np.tanh(x),
           vjp=lambda g, ans, x: (g * _a_tanh_partial(ans, x),)),
    _unary("sigmoid", _sigmoid, _sigmoid_partial,
           lambda ans, x: ((1 - ans) * ans,), r"\sigma",
           gate="multiplies the gradient by (1 - f) * f, f being its own output",
           stall="saturated",
           summary="1 / (1 + exp(-x)), computed stably",
           python="(1.0 / (1.0 + math.exp(-{0})))",
           python_forward=lambda point, x: _sigmoid_expr(point[1], x),
           python_partials=_sigmoid_partial_python,
           array_forward=_a_sigmoid,
           vjp=lambda g, ans, x: (g * _a_sigmoid_partial(ans, x),)),
    _unary("logsigmoid", _logsigmoid, _logsigmoid_partial,
           lambda ans, x: (call("sigmoid", -x),), r"\log\sigma",
           gate="multiplies the gradient by sigmoid(-{0})", stall="saturated",
           summary="log(sigmoid(x)) = -softplus(-x), computed stably",
           python="(-math.log1p(math.exp(-{0})))",
           python_forward=_logsigmoid_python, python_partials=_logsigmoid_partial_python,
           array_forward=lambda x: -np.logaddexp(0.0, -x),
           vjp=lambda g, ans, x: (g * _a_sigmoid(-x),)),
    # The `python` spellings below are also gradcli (the emitted code passes `gradcli verify`),
    # and their derivatives there agree with the op's even at the kink: max(0.0, x) routes a tie
    # to the constant (relu'(0) = 0), and softplus's (x + |x|) / 2 has slope 1/2 at 0.
    _unary("relu", lambda x: x if x > 0.0 else 0.0, lambda ans, x: (1.0 if x > 0.0 else 0.0,),
           lambda ans, x: (call("step", x),), kink=_kink_at_zero("relu"), branch=_side_of_zero,
           gate="passes the gradient where its input is positive, blocks it elsewhere",
           stall="dead",
           summary="max(x, 0); relu'(0) = 0", python="max(0.0, {0})",
           exact=lambda x: x if x > 0 else 0, exact_partials=lambda ans, x: (1 if x > 0 else 0,),
           array_forward=lambda x: np.where(x > 0.0, x, 0.0),
           vjp=lambda g, ans, x: (g * (x > 0.0),)),
    _unary("softplus", _softplus, lambda ans, x: (_sigmoid(x),),
           lambda ans, x: (call("sigmoid", x),), summary="log(1 + exp(x)), computed stably",
           stall="saturated",
           python="(0.5 * ({0} + abs({0})) + math.log1p(math.exp(-abs({0}))))",
           python_forward=_softplus_python,
           python_partials=lambda point, ans, x: (_sigmoid_expr(point[1], x),),
           array_forward=lambda x: np.logaddexp(0.0, x),
           vjp=lambda g, ans, x: (g * _a_sigmoid(x),)),
    _unary("abs", abs, lambda ans, x: (_sign(x),), lambda ans, x: (call("sign", x),),
           r"\left|\cdot\right|", kink=_kink_at_zero("abs"), branch=_side_of_zero,
           summary="|x|; abs'(0) = 0",
           gate="passes the gradient where its input is positive, negated where it is negative",
           python="abs", exact=abs,
           exact_partials=lambda ans, x: ((x > 0) - (x < 0),),
           array_forward=lambda x: np.abs(x),
           vjp=lambda g, ans, x: (g * np.sign(x),)),
    _unary("step", _step, lambda ans, x: _ZERO, lambda ans, x: (0,),
           kink=lambda ans, x: "step jumps at 0; its derivative is taken as 0" if x == 0.0 else None,
           branch=_side_of_zero, summary="1 where x > 0, else 0 (the derivative of relu)",
           python="({0} > 0)", python_float=False, gate="blocks the gradient (its derivative is 0)",
           stall="blocks",
           exact=lambda x: 1 if x > 0 else 0, exact_partials=lambda ans, x: (0,),
           array_forward=lambda x: np.where(x > 0.0, 1.0, 0.0),
           vjp=lambda g, ans, x: (g * 0.0,)),
    _unary("sign", _sign, lambda ans, x: _ZERO, lambda ans, x: (0,),
           kink=lambda ans, x: "sign jumps at 0; its derivative is taken as 0" if x == 0.0 else None,
           branch=lambda ans, x: _sign(x), summary="-1, 0 or 1 (the derivative of abs)",
           python="(({0} > 0) - ({0} < 0))", python_float=False,
           gate="blocks the gradient (its derivative is 0)", stall="blocks",
           exact=lambda x: (x > 0) - (x < 0), exact_partials=lambda ans, x: (0,),
           array_forward=lambda x: np.sign(x),
           vjp=lambda g, ans, x: (g * 0.0,)),
    Op("max", _max, _first_winner_partials, _first_winner_rule(lambda a, b: call("step", a - b)),
       min_args=1, max_args=None, latex=r"\max",
       kink=_tie("max"), branch=_winner, gate="routes the whole gradient to its largest input",
       routes=True,
       summary="largest argument; a tie sends the gradient to the first", python="max",
       exact=_max, exact_partials=_exact_first_winner,
       array_forward=_MAX_FORWARD, vjp=_MAX_VJP, keywords=("axis",), methods=("max",),
       aliases=("maximum", "amax")),
    Op("min", _min, _first_winner_partials, _first_winner_rule(lambda a, b: call("step", b - a)),
       min_args=1, max_args=None, latex=r"\min",
       kink=_tie("min"), branch=_winner, gate="routes the whole gradient to its smallest input",
       routes=True,
       summary="smallest argument; a tie sends the gradient to the first", python="min",
       exact=_min, exact_partials=_exact_first_winner,
       array_forward=_MIN_FORWARD, vjp=_MIN_VJP, keywords=("axis",), methods=("min",),
       aliases=("minimum", "amin")),

    # Array operations: no scalar forward (forward=None), so a program using them is
    # evaluated by the array engine. Static arguments (shapes, indices, axes) are fixed
    # when the program is lowered and are passed after the arrays.
    Op("matmul", None, None, None, min_args=2, max_args=2, syntax="infix", symbol="@",
       strength=PRODUCT, aliases=("dot",), methods=("dot",),
       array_forward=_matmul, vjp=_matmul_vjp,
       gate="sends dD @ X.T to W and W.T @ dD to X: each gradient has its input's shape",
       summary="matrix product a @ b, also np.dot(a, b), a.dot(b) and np.matmul(a, b)",
       extra={"dimensions": _matmul_dimensions}),
    Op("transpose", None, None, None, methods=("transpose",), attributes=("T",),
       array_forward=lambda a: np.transpose(a), vjp=lambda g, ans, a: (np.transpose(g),),
       gate="transposes the gradient back", summary="a.T: the axes reversed"),
    Op("sum", None, None, None, methods=("sum",), keywords=("axis", "keepdims"),
       array_forward=lambda a, axis=None, keepdims=False: np.sum(a, axis=axis, keepdims=keepdims),
       vjp=lambda g, ans, a, axis=None, keepdims=False: (_expand(g, a.shape, axis, keepdims),),
       gate="copies the gradient to every entry it summed",
       summary="sum of the entries (optionally along axis=)"),
    Op("mean", None, None, None, methods=("mean",), keywords=("axis", "keepdims"),
       array_forward=lambda a, axis=None, keepdims=False: np.mean(a, axis=axis, keepdims=keepdims),
       vjp=_mean_vjp, gate="shares the gradient equally among the entries it averaged",
       summary="mean of the entries (optionally along axis=)"),
    Op("reshape", None, None, None, min_args=2, max_args=None, arrays=1, methods=("reshape",),
       array_forward=lambda a, *dims: np.reshape(a, _shape_argument(dims)),
       vjp=lambda g, ans, a, *dims: (np.reshape(g, a.shape),),
       gate="reshapes the gradient back", summary="the same entries in another shape"),
    Op("index", None, None, None, min_args=2, max_args=None, arrays=1, syntax="literal",
       array_forward=lambda a, *key: a[key], vjp=_index_vjp,
       gate="sends the gradient to the entries it picked, 0 to the rest",
       summary="a[i], a[-1], a[1:3], A[0, 1]"),
    Op("stack", None, None, None, min_args=1, max_args=None, syntax="literal",
       array_forward=_stack, vjp=lambda g, ans, *items: tuple(g[k] for k in range(len(items))),
       gate="sends each item its slice of the gradient",
       summary="an array literal [a, b] whose items are computed"),
    Op("randn", None, None, None, min_args=0, max_args=None, arrays=0, creates=True,
       array_forward=lambda *dims, rng: rng.randn(*dims), extra={"random": True},
       summary="standard normal samples (np.random.randn), from the --seed generator"),
    Op("rand", None, None, None, min_args=0, max_args=None, arrays=0, creates=True,
       array_forward=lambda *dims, rng: rng.rand(*dims), extra={"random": True},
       summary="uniform samples in [0, 1) (np.random.rand), from the --seed generator"),
    Op("seed", None, None, None, arrays=0, creates=True,
       array_forward=lambda n, rng: rng.seed(n), extra={"random": True},
       summary="np.random.seed(N) in a program: the draws after it are Python's after it"),
    Op("asarray", None, None, None, aliases=("array",), array_forward=lambda a: a,
       vjp=lambda g, ans, a: (g,), gate="passes the gradient through unchanged",
       summary="np.array(a): the array itself (a literal is already an array)"),
    Op("zeros", None, None, None, arrays=0, creates=True,
       array_forward=lambda shape: np.zeros(shape), summary="an array of zeros"),
    Op("ones", None, None, None, arrays=0, creates=True,
       array_forward=lambda shape: np.ones(shape), summary="an array of ones"),
]

OPS: dict[str, Op] = {op.name: op for op in _TABLE}
# The entries the lowering itself makes: leaves, and `q = x`'s second name for a value.
INPUT = OPS["input"]
CONST = OPS["const"]
IDENTITY = OPS["id"]

# Compositions that lose their digits where one op of the table keeps them: outer op -> {the
# op of its argument: the op computing the composition stably}. log(sigmoid(x)) is 0 from
# x = 37 on (sigmoid rounds to 1) and fails below -745 (it rounds to 0); logsigmoid(x) is not.
# The sweep names the stable op where a program's own composition has lost its digits.
STABLE_FORMS: dict[Op, dict[Op, Op]] = {OPS["log"]: {OPS["sigmoid"]: OPS["logsigmoid"]}}
# A composition keeping fewer correct digits than this is warned about.
STABLE_DIGITS = 8


def correct_digits(got: float, true: float) -> int:
    """How many significant decimal digits of `true` the float `got` gets right (0 to 17)."""
    if got == true:
        return 17
    if true == 0.0 or got == 0.0 or not math.isfinite(got):
        return 0
    return max(0, min(17, int(-math.log10(abs(got - true) / abs(true)))))


# Names a program may call: every function-style op, its aliases, and pow(a, b).
FUNCTIONS: dict[str, Op] = {}
for _op in _TABLE:
    if _op.syntax == "function" and _op.name != "id":
        FUNCTIONS[_op.name] = _op
        for _alias in _op.aliases:
            FUNCTIONS[_alias] = _op
FUNCTIONS["pow"] = OPS["pow"]
FUNCTIONS["matmul"] = FUNCTIONS["dot"] = OPS["matmul"]

# a.dot(b), a.sum(axis=0), a.T: methods and attributes of arrays, by name.
METHODS: dict[str, Op] = {m: op for op in _TABLE for m in op.methods}
ATTRIBUTES: dict[str, Op] = {a: op for op in _TABLE for a in op.attributes}

# True and False as Python has them (True + 1 == 2), so that keepdims=True reads as in numpy.
# math.inf: an infinite local derivative in --format python's code (sqrt' at 0) reads back.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "True": 1.0, "False": 0.0,
                               "inf": math.inf}

# `math.exp`, `np.tanh`, `numpy.pi`: pasted Python works.
MODULE_PREFIXES = ("math", "np", "numpy")
# np.random.randn(...): the one submodule a program may name.
RANDOM_MODULE = "random"
