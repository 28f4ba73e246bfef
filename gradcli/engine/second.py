"""Second order: the reverse sweep over dual numbers (forward-over-reverse).

A dual number carries a value and a tangent, its derivative along one direction v of the
inputs. Sweeping forward with the inputs' tangents set to v, then backward with every local
partial itself a dual, gives each node's adjoint ∂f/∂node (the values) together with its
derivative along v (the tangents): at the inputs, the gradient and the Hessian-vector
product H·v at once. It is the one reverse sweep of engine/sweep.py in another value
domain; the Hessian is n such products, one per input direction.

A local partial as a dual needs the partial's own derivative. It comes from the op's
symbolic `rule` in the op table, evaluated in dual arithmetic: every op a rule is written
in needs only its first-order partials for that. So any op with a rule has second
derivatives, kinks included (relu's rule is step(x), whose derivative the table takes as
0: relu'' = 0, and the kink at 0 is flagged as for the first order). The value of each dual
partial is the op's float partial itself, so the gradient is exactly the scalar engine's.
"""

from __future__ import annotations

import math

from gradcli.engine.sweep import Domain, forward, reverse
from gradcli.errors import InputError, MathError
from gradcli.lang.expr import Expr
from gradcli.lang.ops import OPS, Op
from gradcli.lang.resolve import FAILURES, math_failure
from gradcli.program.graph import label


class Dual:
    """value + tangent·ε with ε² = 0."""

    __slots__ = ("v", "t")

    def __init__(self, v: float, t: float = 0.0):
        self.v = v
        self.t = t

    def __repr__(self) -> str:
        return f"Dual({self.v!r}, {self.t!r})"


ZERO = Dual(0.0, 0.0)
ONE = Dual(1.0, 0.0)


def _product_tangent(a: float, da: float, b: float, db: float) -> float:
    """d(a·b) = da·b + a·db, where a zero tangent contributes nothing even against an
    infinite factor (as a zero upstream sends nothing down in the first-order sweep)."""
    total = 0.0
    if da:
        total += da * b
    if db:
        total += a * db
    return total


def apply(op: Op, args: list) -> Dual:
    """op over duals: its float forward, and the tangent from its first-order partials."""
    vs = [a.v for a in args]
    ans = op.forward(*vs)
    moving = [k for k, a in enumerate(args) if a.t]
    if not moving:
        return Dual(ans)
    p = op.partials(ans, *vs)
    t = 0.0
    for k in moving:
        t += p[k] * args[k].t
    return Dual(ans, t)


class SecondOrderMissing(InputError):
    """An op whose partials have no rule to differentiate again."""


# ------------------------------------------------------------------ rules, compiled

class CompiledRule:
    """An op's symbolic partials as flat programs over its placeholders (ans, a0, a1, ...):
    each a list of steps (op, argument slots) in evaluation order, or a constant."""

    def __init__(self, op: Op, arity: int):
        self.op = op
        placeholders = [Expr("name", name="ans")] + [Expr("name", name=f"a{k}")
                                                     for k in range(arity)]
        rules = op.rule(*placeholders) if op.rule is not None else None
        self.missing = rules is None or any(r is None for r in rules)
        self.programs: list = []
        if self.missing:
            return
        slots = {id(p): k for k, p in enumerate(placeholders)}
        for rule in rules:
            if not isinstance(rule, Expr):
                self.programs.append(float(rule))
                continue
            self.programs.append(_compile(rule, slots, len(placeholders)))

    def tangents(self, ans: Dual, args) -> list[float]:
        """The derivative of each partial along the duals' direction (NaN where the rule's
        maths fails: a partial that is itself undefined there)."""
        env = [ans, *args]
        out = []
        for program in self.programs:
            if isinstance(program, float):
                out.append(0.0)
                continue
            steps, result, constants = program
            cells = env + constants + [None] * len(steps)
            base = len(env) + len(constants)
            try:
                for k, (op, slots) in enumerate(steps):
                    cells[base + k] = apply(op, [cells[s] for s in slots])
                out.append(cells[result].t)
            except FAILURES:
                out.append(math.nan)
        return out


def _compile(rule: Expr, slots: dict, first_free: int):
    """(steps, result slot, constants): the rule's tree flattened in post-order, iteratively."""
    constants: list = []
    steps: list = []
    where: dict = {}
    order = []
    stack = [(rule, False)]
    while stack:
        expr, done = stack.pop()
        if id(expr) in where or id(expr) in slots:
            continue
        if done or not expr.args:
            order.append(expr)
            where[id(expr)] = None
            continue
        stack.append((expr, True))
        stack.extend((a, False) for a in reversed(expr.args))
    # Constants first (after the placeholders), then one step per operation.
    position: dict = dict(slots)
    for expr in order:
        if expr.kind == "number":
            position[id(expr)] = first_free + len(constants)
            constants.append(Dual(expr.value))
        elif expr.kind == "name":
            raise SecondOrderMissing(f"a derivative rule uses the name {expr.name!r}")
    base = first_free + len(constants)
    for expr in order:
        if expr.kind in ("number", "name"):
            continue
        op = OPS[expr.kind]
        position[id(expr)] = base + len(steps)
        steps.append((op, [position[id(a)] for a in expr.args]))
    return steps, position[id(rule)], constants


# ------------------------------------------------------------------ the domain

# Each op's rule compiled once per arity, for every sweep of the process.
_COMPILED: dict = {}


class DualDomain(Domain):
    """Duals through the one reverse sweep: the value part is the first-order sweep, the
    tangent part its derivative along the inputs' tangents."""

    zero = ZERO
    one = ONE
    failures = FAILURES

    def rule(self, op: Op, arity: int) -> CompiledRule:
        key = (op, arity)
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = _COMPILED[key] = CompiledRule(op, arity)
        return compiled

    def kernel(self, op):
        return lambda *args: apply(op, args)

    def partial(self, op):
        partials = op.partials

        def dual_partials(ans, *args):
            firsts = partials(ans.v, *[a.v for a in args])
            if not ans.t and not any(a.t for a in args):
                return [Dual(p) for p in firsts]
            compiled = self.rule(op, len(args))
            if compiled.missing:
                raise SecondOrderMissing(f"{op.name} has no second derivative: its partials "
                                         "have no symbolic rule to differentiate")
            return [Dual(p, t) for p, t in zip(firsts, compiled.tangents(ans, args))]
        return dual_partials

    def add(self, total, term):
        return Dual(total.v + term.v, total.t + term.t)

    def mul(self, local, upstream):
        return Dual(local.v * upstream.v,
                    _product_tangent(local.v, local.t, upstream.v, upstream.t))

    @staticmethod
    def nonzero(value) -> bool:
        return bool(value.v) or bool(value.t)

    def new(self, size: int, fill=None) -> list:
        return [self.zero if fill is None else fill] * size

    def failure(self, graph, values, node: int, exc: Exception) -> MathError:
        args = [values[j].v for j in graph.args(node)]
        where = f" in {label(graph, node, long=True)}"
        return math_failure(graph.ops[node], args, exc, graph.span(node), where)


DUAL = DualDomain()


def has_second_order(op: Op) -> bool:
    """Whether the sweep can differentiate this op's partials (every scalar op with a rule)."""
    if op.syntax == "leaf":
        return True
    if op.forward is None:
        return False
    arity = op.min_args if op.max_args is not None else max(op.min_args, 2)
    return not CompiledRule(op, arity).missing


# ------------------------------------------------------------------ sweeps

def sweep(graph, point, direction) -> tuple[list, list]:
    """(values, adjoints) as duals: forward with the inputs' tangents `direction`
    ({node: tangent}), backward from the output. `point` holds every leaf's float value."""
    domain = DUAL
    values = [Dual(v) for v in point]
    for node, tangent in direction.items():
        values[node] = Dual(point[node], tangent)
    forward(graph, domain, values)
    try:
        adjoints, _ = reverse(graph, domain, values)
    except FAILURES as exc:        # a rule's own op failing is caught per rule; this is not
        raise MathError(f"the second derivative could not be computed ({exc})") from None
    return values, adjoints


def hvp(report, direction: dict[str, float]) -> dict[str, float]:
    """H·v at the report's point: {input: (H v)_input}."""
    graph = report.graph
    _, adjoints = sweep(graph, report.values, {graph.inputs[n]: t for n, t in direction.items()
                                               if t})
    return {name: adjoints[node].t for name, node in graph.inputs.items()}


def hessian(report, names: list[str]) -> list[list[float]]:
    """∂²f/∂names[i]∂names[j], one Hessian-vector product per column."""
    graph = report.graph
    columns = []
    for name in names:
        _, adjoints = sweep(graph, report.values, {graph.inputs[name]: 1.0})
        columns.append([adjoints[graph.inputs[row]].t for row in names])
    return [[columns[j][i] for j in range(len(names))] for i in range(len(names))]


def mixed_columns(report, names: list[str]) -> dict[str, list[float]]:
    """{x: ∂²f/∂x∂node for every node}: the adjoints' tangents with x seeded."""
    graph = report.graph
    out = {}
    for name in names:
        _, adjoints = sweep(graph, report.values, {graph.inputs[name]: 1.0})
        out[name] = [a.t for a in adjoints]
    return out


def along(graph, point, seed: int) -> tuple[float, float, float]:
    """(f, ∂f/∂x, ∂²f/∂x²) with x = node `seed`: one forward-over-reverse sweep (plots)."""
    values, adjoints = sweep(graph, point, {seed: 1.0})
    return values[graph.output].v, adjoints[seed].v, adjoints[seed].t


def second_warnings(report, names: list[str], matrix) -> list[dict]:
    """The first-order warnings (kinks, ties, infinite partials: the same points make the
    second derivative a convention or undefined), and one for each second derivative that
    is not a finite number."""
    warnings = [dict(w) for w in report.warnings]
    graph = report.graph
    for i, row in enumerate(matrix):
        for j, entry in enumerate(row):
            if not math.isfinite(entry):
                what = (f"(H·v) for {names[i]}" if len(row) == 1 else
                        f"∂²{graph.output_name}/∂{names[i]}∂{names[j]}")
                warnings.append({"node": graph.inputs[names[i]], "kind": "nonfinite-second",
                                 "message": f"the second derivative {what} is not a finite "
                                            "number here"})
    return warnings
