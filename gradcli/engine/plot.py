"""gradcli plot: f, f′ (and f″) of one input over a range, the others held at their values.

Each sample is one forward-over-reverse sweep over dual numbers (engine/second.py) with the
plotted input's tangent set to 1: f, ∂f/∂x and ∂²f/∂x² at once. Where the maths fails (log of
a negative number) the sample is NaN and the curve has a gap.

Kinks are found as the first-order sweep's warnings find them, from the op table: a
piecewise op (relu, abs, max, step, ...) says which branch it is on (`branch`); where that
changes between two samples, a kink lies between them, located by bisection and named by the
node that switches. It is a jump when f itself jumps there, a kink when f′ jumps, and a
change of curvature when only f″ does. A sample whose ∂f/∂x is infinite (sqrt at 0) marks
a point where the derivative does not exist.
"""

from __future__ import annotations

import math

from gradcli.engine.second import sweep
from gradcli.errors import MathError
from gradcli.lang.resolve import FAILURES
from gradcli.program.graph import label

# Bisection steps locating a kink between two samples (2^-50 of their distance).
BISECTIONS = 50
# How far either side of a kink its one-sided values are read, relative to the range.
SIDE = 1e-9


class Sample:
    __slots__ = ("x", "f", "df", "d2f", "branches")

    def __init__(self, x, f, df, d2f, branches):
        self.x, self.f, self.df, self.d2f, self.branches = x, f, df, d2f, branches


class Kink:
    """Where the derivative does not exist: x, the node responsible, and what happens there
    ("jump": f jumps; "kink": f′ jumps; "curvature": only f″ jumps; "infinite": f′ is
    infinite), with the one-sided values of f′."""

    def __init__(self, x: float, node: int | None, where: str, kind: str, left: float,
                 right: float, message: str | None = None):
        self.x, self.node, self.where, self.kind = x, node, where, kind
        self.left, self.right = left, right
        self.message = message      # the op's own kink warning at x, where x is exactly it

    def to_json(self) -> dict:
        return {"x": self.x, "node": self.node, "at": self.where, "kind": self.kind,
                "df_left": _finite(self.left), "df_right": _finite(self.right),
                "message": self.message}


def _finite(value: float):
    return value if math.isfinite(value) else None


class Sampler:
    def __init__(self, graph, point, node: int):
        self.graph = graph
        self.point = point
        self.node = node
        self.piecewise = [i for i, op in enumerate(graph.ops[:graph.output + 1])
                          if op.branch is not None]
        self.last = None        # the duals of the latest sample

    def at(self, x: float) -> Sample:
        point = self.point
        point[self.node] = x
        self.last = None
        try:
            values, adjoints = sweep(self.graph, point, {self.node: 1.0})
        except (MathError, *FAILURES):
            return Sample(x, math.nan, math.nan, math.nan, None)
        self.last = values
        ops, graph = self.graph.ops, self.graph
        branches = tuple(ops[i].branch(values[i].v, *[values[j].v for j in graph.args(i)])
                         for i in self.piecewise)
        f = values[graph.output].v
        if not math.isfinite(f):
            return Sample(x, math.nan, math.nan, math.nan, None)
        return Sample(x, f, adjoints[self.node].v, adjoints[self.node].t, branches)

    def warning(self, x: float, node: int) -> str | None:
        """The op's kink or tie warning at x, as the table would give it there."""
        self.at(x)
        values = self.last
        if values is None:
            return None
        op = self.graph.ops[node]
        kink = op.kink
        return None if kink is None else kink(values[node].v, *[values[j].v for j in
                                                                 self.graph.args(node)])

    def locate(self, a: Sample, b: Sample) -> tuple[Sample, Sample, int]:
        """The two samples, as close as floats allow, between which a branch switches; and
        the node that switches first."""
        for _ in range(BISECTIONS):
            middle = (a.x + b.x) / 2
            if middle in (a.x, b.x):
                break
            m = self.at(middle)
            if m.branches is None:
                break
            if m.branches != a.branches:
                b = m
            else:
                a = m
        switched = next(k for k in range(len(a.branches)) if a.branches[k] != b.branches[k])
        return a, b, self.piecewise[switched]


def simplest_between(a: float, b: float) -> float:
    """The number with the fewest decimals in [a, b] (0 rather than 1.4e-17)."""
    lo, hi = min(a, b), max(a, b)
    middle = (lo + hi) / 2
    for digits in range(0, 16):
        candidate = round(middle, digits)
        if lo <= candidate <= hi:
            return candidate + 0.0
    return middle


def _jumps(left: float, right: float, scale: float) -> bool:
    if not (math.isfinite(left) and math.isfinite(right)):
        return math.isfinite(left) != math.isfinite(right) or left != right
    return abs(left - right) > 1e-6 * max(1.0, scale)


def _unbounded(sampler, x: float, off: float, left: float, right: float) -> bool:
    """Whether ∂f/∂x grows without bound towards x (sqrt(|x|) at 0): a hundred times closer,
    it is several times larger on one side."""
    far_left, far_right = sampler.at(x - 100 * off).df, sampler.at(x + 100 * off).df
    return any(math.isfinite(near) and math.isfinite(far) and abs(near) > 3 * abs(far) + 1e-300
               for near, far in ((left, far_left), (right, far_right)))


class PlotData:
    """Samples of f, f′, f″ along one input, the kinks between them, and the tangent."""

    def __init__(self, graph, name, lo, hi, samples, kinks, tangent, held):
        self.graph = graph
        self.name = name
        self.lo, self.hi = lo, hi
        self.samples = samples
        self.kinks = kinks
        self.tangent = tangent        # (a, f(a), f′(a)) or None
        self.held = held              # the other inputs' values


def sample(graph, name: str, lo: float, hi: float, count: int, point, at: float | None = None):
    """`count` evenly spaced samples of f, f′, f″ along the input `name` over [lo, hi], the
    other leaves at `point` (an array of every leaf's value); kinks located; the tangent at
    `at`."""
    node = graph.inputs[name]
    sampler = Sampler(graph, list(point), node)
    xs = [lo + (hi - lo) * k / (count - 1) for k in range(count)]
    samples = [sampler.at(x) for x in xs]
    scale = max([abs(s.f) for s in samples if math.isfinite(s.f)] + [1.0])
    slope = max([abs(s.df) for s in samples if math.isfinite(s.df)] + [1.0])
    kinks: list[Kink] = []
    for a, b in zip(samples, samples[1:]):
        if a.branches is None or b.branches is None or a.branches == b.branches:
            continue
        left, right, switched = sampler.locate(a, b)
        x = simplest_between(left.x, right.x)
        # One-sided values just off the kink (at it, the op's convention holds: abs'(0) = 0).
        off = SIDE * max(1.0, hi - lo)
        left, right = sampler.at(x - off), sampler.at(x + off)
        if _jumps(left.f, right.f, scale):
            kind = "jump"
        elif _unbounded(sampler, x, off, left.df, right.df):
            kind = "infinite"
        elif _jumps(left.df, right.df, slope):
            kind = "kink"
        else:
            kind = "curvature"
        kinks.append(Kink(x, switched, label(graph, switched), kind, left.df, right.df,
                          sampler.warning(x, switched)))
    near = 1e-9 * (hi - lo)
    for s in samples:
        if math.isfinite(s.f) and not math.isfinite(s.df) and \
                not any(abs(k.x - s.x) <= near for k in kinks):
            kinks.append(Kink(s.x, None, "", "infinite", s.df, s.df))
    kinks.sort(key=lambda k: k.x)
    tangent = None
    if at is not None:
        s = sampler.at(at)
        if not (math.isfinite(s.f) and math.isfinite(s.df)):
            raise MathError(f"--at {name}={at:g}: f or its derivative is not defined there, so "
                            "there is no tangent line")
        tangent = (at, s.f, s.df)
    held = {n: point[i] for n, i in graph.inputs.items() if n != name}
    return PlotData(graph, name, lo, hi, samples, kinks, tangent, held)
