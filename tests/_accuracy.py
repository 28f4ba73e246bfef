"""Accuracy of the op table against mpmath at 50 digits: each op's points (its whole range,
tails included), its true value and true partials, and the error of a float in units in the
last place (ulp) of the true value.

The references are written here from the mathematics, independently of gradcli's kernels:
d/dx tanh x = sech² x, not 1 - tanh² x. A float result is judged where the true value is a
normal float64: there it must be within the bound in ulps; where the true value is 0 it
must be 0; where it overflows it must be an infinity of the right sign (a forward function
may raise OverflowError instead). Subnormal true values are not judged.
"""

from __future__ import annotations

import math
import random
import sys
from functools import lru_cache

import mpmath

mp = mpmath.mp
mp.dps = 50

MIN_NORMAL = sys.float_info.min
MAX = sys.float_info.max

# ------------------------------------------------------------------ points


def _rng(name: str) -> random.Random:
    return random.Random(f"accuracy:{name}")


def line(rng, lo, hi, n):
    """n points spread uniformly over [lo, hi]."""
    return [rng.uniform(lo, hi) for _ in range(n)]


def magnitudes(rng, lo_exp, hi_exp, n, signs=(1.0, -1.0)):
    """n points whose magnitudes are spread over 10**lo_exp .. 10**hi_exp, with the signs."""
    return [rng.choice(signs) * 10.0 ** rng.uniform(lo_exp, hi_exp) for _ in range(n)]


def near(rng, centre, n, lo_exp=-16, hi_exp=-1, signs=(1.0, -1.0)):
    """n points just beside `centre`, from 10**lo_exp to 10**hi_exp away."""
    return [centre + d for d in magnitudes(rng, lo_exp, hi_exp, n, signs)]


def unary(points):
    return [(float(x),) for x in points]


def pairs(rng, first, second, n):
    return [(float(rng.choice(first)), float(rng.choice(second))) for _ in range(n)]


# ------------------------------------------------------------------ references

def sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def softplus(x):
    return mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))


def _pow_dx(x, y):
    if x == 0:
        return mpmath.mpf(1) if y == 1 else mpmath.mpf(0) if y > 1 or y == 0 else mpmath.inf
    if x < 0 and y != int(y):
        return None
    return y * mpmath.power(x, y - 1)


def _pow_dy(x, y):
    if x > 0:
        return mpmath.power(x, y) * mpmath.log(x)
    if x == 0 and y > 0:
        return mpmath.mpf(0)
    return None         # x^y ln x has no real value here: not judged


def _first_winner(pick):
    def partials(*args):
        winner = args.index(pick(args))
        return tuple(mpmath.mpf(1 if k == winner else 0) for k in range(len(args)))
    return partials


def _compare(test):
    return (lambda a, b: mpmath.mpf(1 if test(a, b) else 0),
            lambda a, b: (mpmath.mpf(0), mpmath.mpf(0)))


def _positive_unit(x):
    return mpmath.mpf(1 if x > 0 else 0)


# name -> (value(*mpf args), partials(*mpf args) -> one per argument (None: not judged))
REFERENCES = {
    "id": (lambda x: x, lambda x: (mpmath.mpf(1),)),
    "add": (lambda a, b: a + b, lambda a, b: (mpmath.mpf(1), mpmath.mpf(1))),
    "sub": (lambda a, b: a - b, lambda a, b: (mpmath.mpf(1), mpmath.mpf(-1))),
    "mul": (lambda a, b: a * b, lambda a, b: (b, a)),
    "div": (lambda a, b: a / b, lambda a, b: (1 / b, -a / b ** 2)),
    "pow": (lambda x, y: mpmath.mpf(1) if x == 0 and y == 0 else mpmath.power(x, y),
            lambda x, y: (_pow_dx(x, y), _pow_dy(x, y))),
    "neg": (lambda x: -x, lambda x: (mpmath.mpf(-1),)),
    "pos": (lambda x: x, lambda x: (mpmath.mpf(1),)),
    "exp": (mpmath.exp, lambda x: (mpmath.exp(x),)),
    "log": (mpmath.log, lambda x: (1 / x,)),
    "log1p": (mpmath.log1p, lambda x: (1 / (1 + x),)),
    "log2": (lambda x: mpmath.log(x, 2), lambda x: (1 / (x * mpmath.log(2)),)),
    "log10": (mpmath.log10, lambda x: (1 / (x * mpmath.log(10)),)),
    "sqrt": (mpmath.sqrt, lambda x: (1 / (2 * mpmath.sqrt(x)) if x else mpmath.inf,)),
    "sin": (mpmath.sin, lambda x: (mpmath.cos(x),)),
    "cos": (mpmath.cos, lambda x: (-mpmath.sin(x),)),
    "tan": (mpmath.tan, lambda x: (mpmath.sec(x) ** 2,)),
    "asin": (mpmath.asin, lambda x: (1 / mpmath.sqrt(1 - x * x) if abs(x) < 1 else mpmath.inf,)),
    "acos": (mpmath.acos, lambda x: (-1 / mpmath.sqrt(1 - x * x) if abs(x) < 1 else -mpmath.inf,)),
    "atan": (mpmath.atan, lambda x: (1 / (1 + x * x),)),
    "sinh": (mpmath.sinh, lambda x: (mpmath.cosh(x),)),
    "cosh": (mpmath.cosh, lambda x: (mpmath.sinh(x),)),
    "tanh": (mpmath.tanh, lambda x: (mpmath.sech(x) ** 2,)),
    "sigmoid": (sigmoid, lambda x: (sigmoid(x) * sigmoid(-x),)),
    "logsigmoid": (lambda x: -softplus(-x), lambda x: (sigmoid(-x),)),
    "softplus": (softplus, lambda x: (sigmoid(x),)),
    "relu": (lambda x: x if x > 0 else mpmath.mpf(0), lambda x: (_positive_unit(x),)),
    "abs": (abs, lambda x: (mpmath.mpf(mpmath.sign(x)),)),
    "step": (_positive_unit, lambda x: (mpmath.mpf(0),)),
    "sign": (lambda x: mpmath.mpf(mpmath.sign(x)), lambda x: (mpmath.mpf(0),)),
    "max": (lambda *a: max(a), _first_winner(max)),
    "min": (lambda *a: min(a), _first_winner(min)),
    "gt": _compare(lambda a, b: a > b),
    "lt": _compare(lambda a, b: a < b),
    "ge": _compare(lambda a, b: a >= b),
    "le": _compare(lambda a, b: a <= b),
}


def _real_line(name, reach, n=240):
    """Points over the whole real line where the op's value is finite: the core, the tails out
    to `reach`, tiny magnitudes, and beyond."""
    rng = _rng(name)
    return unary(line(rng, -reach, reach, n // 3) + magnitudes(rng, -300, math.log10(reach), n // 3)
                 + line(rng, -40, 40, n // 3) + [0.0, -0.0, reach, -reach])


def _positive(name, n=240, extra=()):
    rng = _rng(name)
    return unary(magnitudes(rng, -307, 308, n // 2, signs=(1.0,)) + line(rng, 0.0, 10.0, n // 4)
                 + near(rng, 1.0, n // 4) + [MIN_NORMAL, MAX, 1.0, *extra])


def _signed_pairs(name, lo_exp, hi_exp, n=240):
    rng = _rng(name)
    values = magnitudes(rng, lo_exp, hi_exp, 200) + line(rng, -5, 5, 50) + [0.0, 1.0, -1.0]
    return pairs(rng, values, values, n)


def _pow_points():
    rng = _rng("pow")
    points = []
    # Positive bases over their range, exponents over theirs.
    bases = magnitudes(rng, -30, 30, 60, signs=(1.0,)) + near(rng, 1.0, 30) + line(rng, 0, 4, 30)
    exponents = line(rng, -12, 12, 60) + magnitudes(rng, -10, 1.5, 30) + \
        [float(k) for k in range(-6, 7)] + [0.5, -0.5, 1.5]
    points += pairs(rng, bases, exponents, 200)
    # Negative bases with integer exponents.
    points += pairs(rng, [-b for b in bases], [float(k) for k in range(-9, 10)], 60)
    # The base 0 and tiny bases; the base near 1 with large exponents.
    points += [(0.0, y) for y in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)]
    points += [(-1e-300, -1.0), (1e-300, -1.0), (-1e-300, -2.0), (1e-200, 1.54), (1e300, -1.03),
               (1e-5, -61.7), (2.0, 1023.5), (0.5, -1023.9)]
    points += [(1.0 + k * 2.0 ** -52, y) for k, y in
               [(1, 2.0 ** 53), (3, 2.0 ** 53 + 2), (-5, 2.0 ** 54 + 4), (100, 1e15), (-7, -3e15)]]
    return points


def _extremes(name):
    rng = _rng(name)
    values = line(rng, -3, 3, 20) + [0.0, 1.0, 2.0]
    points = [tuple(rng.choice(values) for _ in range(rng.randint(1, 4))) for _ in range(60)]
    return points + [(1.0, 1.0), (2.0, 1.0, 2.0)]


def _asin_points(name):
    rng = _rng(name)
    return unary(line(rng, -1, 1, 100) + near(rng, 1.0, 50, signs=(-1.0,))
                 + near(rng, -1.0, 50, signs=(1.0,)) + magnitudes(rng, -300, -1, 40)
                 + [1.0, -1.0, 0.0, 1 - 2.0 ** -53, -1 + 2.0 ** -53])


def _sqrt_points():
    return _positive("sqrt", extra=(0.0, 5e-324))


POINTS = {
    "id": _real_line("id", 1e308),
    "add": _signed_pairs("add", -300, 300),
    "sub": _signed_pairs("sub", -300, 300),
    "mul": _signed_pairs("mul", -150, 150),
    "div": [p for p in _signed_pairs("div", -150, 150, 300) if p[1] != 0.0],
    "pow": _pow_points(),
    "neg": _real_line("neg", 1e308),
    "pos": _real_line("pos", 1e308),
    "exp": _real_line("exp", 709.78) + unary([-708.0, -745.0, 709.0]),
    "log": _positive("log"),
    "log1p": _positive("log1p") + unary(near(_rng("log1p-"), -1.0, 60, signs=(1.0,))
                                         + magnitudes(_rng("log1p0"), -300, -1, 60, (-1.0,))),
    "log2": _positive("log2", extra=(2.0, 0.5, 8.0)),
    "log10": _positive("log10", extra=(10.0, 1e-5)),
    "sqrt": _sqrt_points(),
    "sin": _real_line("sin", 1e300) + unary([math.pi, 2 * math.pi, 1e22]),
    "cos": _real_line("cos", 1e300) + unary([math.pi / 2, 3 * math.pi / 2, 1e22]),
    "tan": _real_line("tan", 1e300) + unary([math.pi / 2, -math.pi / 2, 1e22]),
    "asin": _asin_points("asin"),
    "acos": _asin_points("acos"),
    "atan": _real_line("atan", 1e308),
    "sinh": _real_line("sinh", 710.4),
    "cosh": _real_line("cosh", 710.4),
    "tanh": _real_line("tanh", 1000.0) + unary([19.0, 20.0, 355.0, -20.0]),
    "sigmoid": _real_line("sigmoid", 1000.0) + unary([13.5, 36.7, 40.0, 708.0, -708.0, -745.0]),
    "logsigmoid": _real_line("logsigmoid", 1000.0) + unary([37.0, 40.0, -745.0, -800.0]),
    "softplus": _real_line("softplus", 1000.0) + unary([-40.0, -709.0, -744.0, 37.0]),
    "relu": _real_line("relu", 1e308),
    "abs": _real_line("abs", 1e308),
    "step": _real_line("step", 1e308),
    "sign": _real_line("sign", 1e308),
    "max": _extremes("max"),
    "min": _extremes("min"),
    "gt": _signed_pairs("gt", -5, 5, 40) + [(1.0, 1.0)],
    "lt": _signed_pairs("lt", -5, 5, 40) + [(1.0, 1.0)],
    "ge": _signed_pairs("ge", -5, 5, 40) + [(1.0, 1.0)],
    "le": _signed_pairs("le", -5, 5, 40) + [(1.0, 1.0)],
}

# ------------------------------------------------------------------ judging


def ulp_of(true) -> float:
    """The size of one unit in the last place at the true value (a normal float64's binade)."""
    _, exponent = mpmath.frexp(true)          # true = m * 2**exponent, 0.5 <= |m| < 1
    return math.ldexp(1.0, int(exponent) - 53)


def error(got: float, true) -> float | None:
    """The error of `got` in ulps of `true`; inf for a wrong kind of result (NaN, a finite
    number where the true value overflows, an overflow where it does not); None where the
    true value is subnormal (not judged)."""
    if true is None:
        return None
    if mpmath.isinf(true) or abs(true) > MAX:
        return 0.0 if (math.isinf(got) and (got > 0) == (true > 0)) else math.inf
    if true == 0:
        return 0.0 if got == 0.0 else math.inf
    if abs(true) < MIN_NORMAL:
        return None
    if not math.isfinite(got):
        return math.inf
    return float(abs(mpmath.mpf(got) - true) / mpmath.mpf(ulp_of(true)))


@lru_cache(maxsize=None)
def references(name: str, point: tuple) -> tuple:
    """(true value, true partials) at the point, with mpmath at 50 digits."""
    value, partials = REFERENCES[name]
    args = [mpmath.mpf(a) for a in point]
    try:
        true_value = value(*args)
    except (ValueError, ZeroDivisionError):
        return None, None
    if isinstance(true_value, mpmath.mpc) or (isinstance(true_value, mpmath.mpf)
                                              and mpmath.isnan(true_value)):
        return None, None
    return true_value, partials(*args)


def judge(name: str, point: tuple, forward, partials):
    """[(what, got, true, error in ulps)] for the value and each partial at the point, where
    judged. `forward(*point)` may raise OverflowError where the true value overflows."""
    true_value, true_partials = references(name, point)
    if true_value is None:
        return []
    found = []
    try:
        ans = forward(*point)
    except OverflowError:
        overflow = abs(true_value) > MAX
        return [] if overflow else [("value", "OverflowError", true_value, math.inf)]
    except (ValueError, ZeroDivisionError, ArithmeticError) as exc:
        return [("value", type(exc).__name__, true_value, math.inf)]
    err = error(ans, true_value)
    if err is not None:
        found.append(("value", ans, true_value, err))
    if not math.isfinite(ans):
        return found
    got = partials(ans, *point)
    for k, (p, t) in enumerate(zip(got, true_partials)):
        err = error(p, t)
        if err is not None:
            found.append((f"d/d(arg {k})", p, t, err))
    return found
