"""The op table's array forms: every array op's vector-Jacobian product against central
differences, on random shapes; and the reverse sweep of whole array programs (forks,
broadcasting and reductions together) against central differences.

Registry-driven: an op with a VJP in the op table and no case here fails
`test_every_array_op_has_a_case`. Each case draws shapes with hypothesis and
values with a seeded numpy generator; broadcasting is part of the draw.
The check is directional: for a random upstream g and random directions v,
sum(g * (f(x + h v) - f(x - h v)) / 2h) must equal sum(vjp(g) * v).
"""

from __future__ import annotations

import numpy as np
import pytest
from _accuracy import POINTS as ACCURACY_POINTS
from _accuracy import judge
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.engine.arrays.sweep import unbroadcast
from gradcli.lang.ops import OPS

SETTINGS = settings(deadline=None, max_examples=40)

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


@st.composite
def broadcast_shapes(draw, count: int):
    """`count` shapes that broadcast together: each drops leading axes or squashes some to 1."""
    base = draw(shapes)
    out = []
    for _ in range(count):
        drop = draw(st.integers(0, len(base)))
        shape = list(base[drop:])
        for k in range(len(shape)):
            if draw(st.booleans()) and draw(st.booleans()):
                shape[k] = 1
        out.append(tuple(shape))
    return out


def _values(rng, shape, low=-2.0, high=2.0, away_from_zero=False):
    x = rng.uniform(low, high, size=shape)
    if away_from_zero:
        x = np.where(np.abs(x) < 0.2, np.sign(x + 1e-12) * 0.2 + x, x)
    return np.asarray(x, dtype=float)


UNARY_DOMAINS = {
    "exp": (-2, 2), "log": (0.3, 3), "log1p": (-0.5, 3), "logsigmoid": (-4, 4), "log2": (0.3, 3), "log10": (0.3, 3), "sqrt": (0.3, 3),
    "sin": (-3, 3), "cos": (-3, 3), "tan": (-1, 1), "asin": (-0.8, 0.8), "acos": (-0.8, 0.8),
    "atan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2), "tanh": (-2, 2), "sigmoid": (-4, 4),
    "relu": (-2, 2), "softplus": (-3, 3), "abs": (-2, 2), "step": (-2, 2), "sign": (-2, 2),
    "neg": (-2, 2), "pos": (-2, 2), "id": (-2, 2), "transpose": (-2, 2), "asarray": (-2, 2),
}
KINKED = {"relu", "abs", "step", "sign"}


def check_vjp(op, args, static=(), keywords=None, h=1e-6, seed=0):
    keywords = keywords or {}
    rng = np.random.RandomState(seed + 1)
    ans = np.asarray(op.array_forward(*args, *static, **keywords), dtype=float)
    g = rng.standard_normal(ans.shape)
    grads = op.vjp(g, ans, *args, *static, **keywords)
    assert len(grads) == len(args)
    for k, arg in enumerate(args):
        direction = rng.standard_normal(arg.shape)
        plus = list(args)
        minus = list(args)
        plus[k] = arg + h * direction
        minus[k] = arg - h * direction
        f_plus = np.asarray(op.array_forward(*plus, *static, **keywords))
        f_minus = np.asarray(op.array_forward(*minus, *static, **keywords))
        numeric = float(np.sum(g * (f_plus - f_minus)) / (2 * h))
        grad = unbroadcast(grads[k]() if callable(grads[k]) else grads[k], arg.shape)
        assert grad.shape == arg.shape
        analytic = float(np.sum(grad * direction))
        assert np.isclose(analytic, numeric, rtol=1e-5, atol=1e-6), \
            f"{op.name} argument {k}: analytic {analytic}, numeric {numeric}, shapes " \
            f"{[a.shape for a in args]}"


@pytest.mark.parametrize("name", sorted(UNARY_DOMAINS))
@SETTINGS
@given(shape=shapes, seed=st.integers(0, 2 ** 16))
def test_unary_vjp(name, shape, seed):
    low, high = UNARY_DOMAINS[name]
    x = _values(np.random.RandomState(seed), shape, low, high, away_from_zero=name in KINKED)
    check_vjp(OPS[name], [x], seed=seed)


BINARY_DOMAINS = {
    "add": ((-2, 2), (-2, 2)), "sub": ((-2, 2), (-2, 2)), "mul": ((-2, 2), (-2, 2)),
    "div": ((-2, 2), (0.5, 2)), "pow": ((0.5, 2), (-2, 2)),
    "gt": ((-2, 2), (-2, 2)), "lt": ((-2, 2), (-2, 2)), "ge": ((-2, 2), (-2, 2)),
    "le": ((-2, 2), (-2, 2)),
}


@pytest.mark.parametrize("name", sorted(BINARY_DOMAINS))
@SETTINGS
@given(pair=broadcast_shapes(2), seed=st.integers(0, 2 ** 16))
def test_binary_vjp_with_broadcasting(name, pair, seed):
    rng = np.random.RandomState(seed)
    (la, ha), (lb, hb) = BINARY_DOMAINS[name]
    a = _values(rng, pair[0], la, ha)
    b = _values(rng, pair[1], lb, hb)
    if name == "div":
        b = b * rng.choice([-1.0, 1.0], size=pair[1])
    check_vjp(OPS[name], [a, b], seed=seed)


@pytest.mark.parametrize("name", ["max", "min"])
@SETTINGS
@given(group=broadcast_shapes(3), count=st.integers(2, 3), seed=st.integers(0, 2 ** 16))
def test_elementwise_extremes_vjp(name, group, count, seed):
    rng = np.random.RandomState(seed)
    # Distinct values on a grid, so no tie sits within the finite-difference step.
    args = [rng.randint(-50, 50, size=s) / 10.0 + k * 1e-3 for k, s in enumerate(group[:count])]
    check_vjp(OPS[name], args, seed=seed)


@pytest.mark.parametrize("name", ["max", "min"])
@SETTINGS
@given(shape=shapes, data=st.data(), seed=st.integers(0, 2 ** 16))
def test_reductions_max_min_vjp(name, shape, data, seed):
    rng = np.random.RandomState(seed)
    x = rng.permutation(max(int(np.prod(shape)), 1))[:int(np.prod(shape))].reshape(shape) / 3.0
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    check_vjp(OPS[name], [x], keywords={"axis": axis}, seed=seed)


@pytest.mark.parametrize("name", ["sum", "mean"])
@SETTINGS
@given(shape=shapes, data=st.data(), keepdims=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_sum_mean_vjp(name, shape, data, keepdims, seed):
    x = _values(np.random.RandomState(seed), shape)
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    check_vjp(OPS[name], [x], keywords={"axis": axis, "keepdims": keepdims}, seed=seed)


@SETTINGS
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4),
       kinds=st.sampled_from(["mm", "vv", "mv", "vm"]), seed=st.integers(0, 2 ** 16))
def test_matmul_vjp(n, k, m, kinds, seed):
    rng = np.random.RandomState(seed)
    a = _values(rng, (n, k) if kinds[0] == "m" else (k,))
    b = _values(rng, (k, m) if kinds[1] == "m" else (k,))
    check_vjp(OPS["matmul"], [a, b], seed=seed)


@SETTINGS
@given(shape=shapes, reverse=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_reshape_vjp(shape, reverse, seed):
    x = _values(np.random.RandomState(seed), shape)
    target = (tuple(reversed(shape)),) if reverse else (x.size,)
    check_vjp(OPS["reshape"], [x], static=target, seed=seed)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), data=st.data(),
       seed=st.integers(0, 2 ** 16))
def test_index_vjp(shape, data, seed):
    x = _values(np.random.RandomState(seed), shape)
    key = []
    for size in shape[:data.draw(st.integers(1, len(shape)))]:
        if data.draw(st.booleans()):
            key.append(data.draw(st.integers(-size, size - 1)))
        else:
            key.append(slice(data.draw(st.integers(0, size - 1)), data.draw(st.integers(1, size))))
    check_vjp(OPS["index"], [x], static=tuple(key), seed=seed)


@SETTINGS
@given(shape=shapes, count=st.integers(1, 4), seed=st.integers(0, 2 ** 16))
def test_stack_vjp(shape, count, seed):
    rng = np.random.RandomState(seed)
    check_vjp(OPS["stack"], [_values(rng, shape) for _ in range(count)], seed=seed)


COVERED = set(UNARY_DOMAINS) | set(BINARY_DOMAINS) | {"max", "min", "sum", "mean", "matmul",
                                                      "reshape", "index", "stack"}


def test_every_array_op_has_a_case():
    with_vjp = {op.name for op in OPS.values() if op.vjp is not None}
    assert with_vjp - COVERED == set(), "array ops without a VJP test"
    assert COVERED - with_vjp == set()


def test_every_op_with_an_array_form_has_a_vjp_or_creates():
    for op in OPS.values():
        if op.array_forward is not None:
            assert op.vjp is not None or op.creates, op.name


@SETTINGS
@given(pair=broadcast_shapes(2), seed=st.integers(0, 2 ** 16))
def test_unbroadcast_sums_what_broadcasting_copied(pair, seed):
    """The adjoint of broadcast_to: <broadcast(x), G> == <x, unbroadcast(G)>."""
    rng = np.random.RandomState(seed)
    small = pair[0]
    big = np.broadcast_shapes(*pair)
    x = rng.standard_normal(small)
    G = rng.standard_normal(big)
    reduced = unbroadcast(G, small)
    assert reduced.shape == small
    assert np.isclose(np.sum(np.broadcast_to(x, big) * G), np.sum(x * reduced))


def test_ties_go_to_the_first_occurrence():
    g = np.array(1.0)
    x = np.array([3.0, 1.0, 3.0])
    (grad,) = OPS["max"].vjp(g, np.array(3.0), x)
    assert grad.tolist() == [1.0, 0.0, 0.0]
    a, b = np.array([1.0, 2.0]), np.array([1.0, 0.0])
    ga, gb = OPS["max"].vjp(np.ones(2), np.array([1.0, 2.0]), a, b)
    assert ga.tolist() == [1.0, 1.0] and gb.tolist() == [0.0, 0.0]
    (grad,) = OPS["min"].vjp(np.ones(2), np.array([0.0, 0.0]),
                             np.array([[0.0, 0.0], [0.0, 5.0]]), axis=0)
    assert grad.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_every_scalar_operation_also_works_on_arrays():
    for op in OPS.values():
        if op.forward is not None:
            assert op.array_forward is not None and op.vjp is not None, op.name


def test_array_forms_agree_with_scalar_forms():
    """The array kernel of every scalar op gives the scalar kernel's value, entry by entry."""
    rng = np.random.RandomState(0)
    for op in OPS.values():
        if op.forward is None:
            continue
        low, high = UNARY_DOMAINS.get(op.name, (0.5, 2.0))
        count = op.min_args if op.max_args is not None else 2
        args = [rng.uniform(low, high, size=5) for _ in range(count)]
        got = np.asarray(op.array_forward(*args))
        want = [op.forward(*(float(a[k]) for a in args)) for k in range(5)]
        assert np.allclose(got, want, rtol=1e-12), op.name


# ------------------------------------------------------------------ whole programs

PROGRAMS = [
    # (program, shapes of its inputs as functions of (n, m))
    ("h = tanh(A * b + c)\nsum(h @ W) + mean(h * h)",
     lambda n, m: {"A": (n, m), "b": (m,), "c": (n, 1), "W": (m, 2)}),
    ("z = sigmoid(A @ v)\nmax(z) + sum(z * z, axis=0)",
     lambda n, m: {"A": (n, m), "v": (m,)}),
    ("q = (A.T @ A) / (1 + exp(b))\nsum(reshape(q, (m * m,))[1:]) * b[0]",
     lambda n, m: {"A": (n, m), "b": (m,)}),
    ("u = [a[0] * a[-1], a[1] ** 2, softplus(a[0])]\nsum(u * u) + min(a, 0.5)[0]",
     lambda n, m: {"a": (max(n, 2),)}),
]


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
@settings(deadline=None, max_examples=15)
@given(n=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 2 ** 16))
def test_reverse_sweep_of_whole_programs_matches_central_differences(index, n, m, seed):
    """Forks, broadcasting and reductions together: the sweep's sum of VJPs is the gradient."""
    from gradcli.compute import compute
    from gradcli.engine.arrays.sweep import objective

    program, shapes = PROGRAMS[index]
    program = program.replace("m * m", str(m * m))
    rng = np.random.RandomState(seed)
    bindings = {name: rng.uniform(-1.5, 1.5, size=shape) for name, shape in shapes(n, m).items()}
    report = compute(program, bindings, upstream="ones")
    graph = report.graph
    upstream = np.ones(report.value.shape)
    h = 1e-6
    for name, base in bindings.items():
        for _ in range(2):
            entry = tuple(rng.randint(k) for k in base.shape)
            plus, minus = base.copy(), base.copy()
            plus[entry] += h
            minus[entry] -= h
            numeric = (objective(graph, upstream, {name: plus})
                       - objective(graph, upstream, {name: minus})) / (2 * h)
            analytic = report.gradients[name][entry]
            assert np.isclose(analytic, numeric, rtol=1e-5, atol=1e-6), (program, name, entry)


# ------------------------------------------------------------------ accuracy

ELEMENTWISE = sorted(op.name for op in OPS.values()
                     if op.forward is not None and op.array_forward is not None
                     and op.syntax != "leaf")


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_array_kernels_are_as_accurate_as_the_scalar_ones(name):
    """The array forward and VJP (upstream 1) at the scalar op's accuracy points: the same
    stable forms with numpy, within 4 ulp of mpmath wherever the true value is normal."""
    op = OPS[name]
    by_arity: dict[int, list] = {}
    for point in ACCURACY_POINTS[name]:
        if len(point) == 1 and op.max_args is None:
            continue            # max(a) of one array is a reduction, not an element-wise max
        by_arity.setdefault(len(point), []).append(point)
    worst = (0.0, None)
    for points in by_arity.values():
        arrays = [np.array(column, dtype=float) for column in zip(*points)]
        with np.errstate(all="ignore"):
            ans = np.asarray(op.array_forward(*arrays), dtype=float)
            shares = op.vjp(np.ones(ans.shape), ans, *arrays)
            grads = [np.broadcast_to(s() if callable(s) else s, ans.shape) for s in shares]
        for i, point in enumerate(points):
            found = judge(name, point, lambda *_: float(ans[i]),
                          lambda *_: tuple(float(g[i]) for g in grads))
            for what, got, true, err in found:
                if err > worst[0]:
                    worst = (err, (point, what, got, float(true)))
    assert worst[0] <= 4.0, f"{name}: {worst[1]} is {worst[0]:.3g} ulp off"
