"""The sweeps, each written once: forward (values), tangent (forward mode), reverse (adjoints).

A sweep is a flat loop over the graph's arrays: no recursion, no per-node objects. What it
computes with comes from a value domain (in the spirit of HIPS autograd's VSpace): floats,
exact fractions, expressions, or anything else with a forward kernel and local partials per
op and an `add` and a `mul`. So a new kind of number is a new domain, not a new loop:

    FloatDomain       engine/scalar.py     the table's numbers
    FractionDomain    engine/exact.py      --exact
    ExprDomain        engine/symbolic.py   gradcli diff: the derivative as an expression

Array programs and many points at once run the same reverse sweep through a vector-Jacobian
product instead of a local partial per edge (`vjp_reverse`): an array edge's local derivative
is a Jacobian, never built, so the op's VJP sends upstream × local directly.
"""

from __future__ import annotations


class Domain:
    """What the sweeps need of a kind of value.

    `kernel(op)` is the op's forward function over this domain's values, `partials(op)` its
    local partials (ans, *args) -> one per argument. Gradients start at `zero`, the output's
    at `one`; a contribution is `mul(local, upstream)` and contributions `add` up. An
    upstream for which `nonzero` is false sends nothing down, even along an edge whose local
    partial is infinite (0 · ∞ would otherwise poison the sum with NaN); the float domain's
    `mul` gives 0 for a zero local partial too, whatever the upstream.
    """

    zero = 0.0
    one = 1.0
    # What a kernel raises where the maths fails; `failure` turns it into the error to raise.
    failures: tuple = ()

    def kernel(self, op):
        raise NotImplementedError

    def partial(self, op):
        raise NotImplementedError

    def add(self, total, term):
        return total + term

    def mul(self, local, upstream):
        return local * upstream

    @staticmethod
    def nonzero(value) -> bool:
        return bool(value)

    def new(self, size: int, fill=None) -> list:
        """A container of `size` values (gradients, locals), each `fill` (default: zero)."""
        return [self.zero if fill is None else fill] * size

    def failure(self, graph, values, node: int, exc: Exception) -> Exception:
        return exc

    def kernels(self, graph) -> list:
        """The forward function of every node (None for leaves), one lookup per op."""
        of = {op: self.kernel(op) for op in set(graph.ops)}
        return [of[op] for op in graph.ops]

    def partial_kernels(self, graph) -> list:
        of = {op: self.partial(op) for op in set(graph.ops)}
        return [of[op] for op in graph.ops]


def forward(graph, domain: Domain, values, start: int = 0, stop: int | None = None,
            kernels=None):
    """Every node's value from `start` to `stop` (default: the whole graph), in place.

    `values` holds the leaves (and, when starting later, the values before `start`).
    """
    starts, ids = graph.arg_start, graph.arg_ids
    kernels = domain.kernels(graph) if kernels is None else kernels
    stop = len(graph.ops) - 1 if stop is None else stop
    i = start
    try:
        for i in range(start, stop + 1):
            s = starts[i]
            count = starts[i + 1] - s
            if count == 2:
                values[i] = kernels[i](values[ids[s]], values[ids[s + 1]])
            elif count == 1:
                values[i] = kernels[i](values[ids[s]])
            elif count:
                values[i] = kernels[i](*[values[j] for j in ids[s:s + count]])
    except domain.failures as exc:
        raise domain.failure(graph, values, i, exc) from None
    return values


def reverse(graph, domain: Domain, values, out: int | None = None, seed=None, lo: int = 0,
            grads=None, local=None):
    """(∂out/∂node per node, the local partial per edge, aligned with arg_ids), from `out`
    (default: the graph's output, with upstream `domain.one`) back to node `lo`.

    Gradients flow only into nodes that depend on an input: a constant has no gradient.
    With `lo` > 0 the sweep covers one statement's nodes: what reaches the nodes before `lo`
    is their share of it, and goes no further.
    """
    starts, ids, wants = graph.arg_start, graph.arg_ids, graph.requires_grad
    out = graph.output if out is None else out
    if grads is None:
        grads = domain.new(len(graph.ops))
    if local is None:
        local = domain.new(len(ids))
    grads[out] = domain.one if seed is None else seed
    partials = domain.partial_kernels(graph)
    add, mul, nonzero = domain.add, domain.mul, domain.nonzero
    for i in range(out, lo - 1, -1):
        s = starts[i]
        count = starts[i + 1] - s
        if not count:
            continue
        g = grads[i]
        if count == 2:
            a = ids[s]
            b = ids[s + 1]
            pa, pb = partials[i](values[i], values[a], values[b])
            local[s] = pa
            local[s + 1] = pb
            if nonzero(g):
                if wants[a]:
                    grads[a] = add(grads[a], mul(pa, g))
                if wants[b]:
                    grads[b] = add(grads[b], mul(pb, g))
        elif count == 1:
            a = ids[s]
            (pa,) = partials[i](values[i], values[a])
            local[s] = pa
            if nonzero(g) and wants[a]:
                grads[a] = add(grads[a], mul(pa, g))
        else:
            args = ids[s:s + count]
            p = partials[i](values[i], *[values[j] for j in args])
            sending = nonzero(g)
            for k in range(count):
                local[s + k] = p[k]
                if sending and wants[args[k]]:
                    grads[args[k]] = add(grads[args[k]], mul(p[k], g))
    return grads, local


def tangents(graph, domain: Domain, values, seed: int, stop: int | None = None):
    """∂node/∂(node `seed`) for every node, front to back: forward mode, from the same local
    partials. The transpose of `reverse`: a zero tangent contributes nothing, even where the
    partial is infinite (as a zero upstream sends nothing back there), and a contribution is
    `mul(partial, tangent)`, so a domain's rule for a zero partial holds in both sweeps."""
    starts, ids = graph.arg_start, graph.arg_ids
    stop = len(graph.ops) - 1 if stop is None else stop
    dot = domain.new(len(graph.ops))
    dot[seed] = domain.one
    partials = domain.partial_kernels(graph)
    add, mul, nonzero = domain.add, domain.mul, domain.nonzero
    for i in range(seed + 1, stop + 1):
        s, e = starts[i], starts[i + 1]
        if s == e:
            continue
        args = ids[s:e]
        moving = [k for k in range(e - s) if nonzero(dot[args[k]])]
        if not moving:
            continue
        p = partials[i](values[i], *[values[j] for j in args])
        total = domain.zero
        for k in moving:
            total = add(total, mul(p[k], dot[args[k]]))
        dot[i] = total
    return dot


class VjpDomain:
    """What `vjp_reverse` needs: `send(node, g, ans, args)` gives each argument's share of
    the upstream g (the op's VJP; a share may be a function, called only when that argument
    takes a gradient), `take(share, arg)` makes a share its argument's gradient (undoing
    broadcasting), `add` sums gradients, `start(value)` is the gradient of a node nothing
    reached."""

    def send(self, node: int, g, ans, args) -> tuple:
        raise NotImplementedError

    def take(self, share, arg):
        return share() if callable(share) else share

    def add(self, total, term):
        return total + term

    def start(self, value):
        return None


def vjp_reverse(graph, domain: VjpDomain, values, seed, out: int | None = None):
    """(gradient per node, what each edge sent down) by vector-Jacobian products."""
    starts, ids, wants = graph.arg_start, graph.arg_ids, graph.requires_grad
    out = graph.output if out is None else out
    grads: list = [None] * len(graph.ops)
    sent: list = [None] * len(ids)
    grads[out] = seed
    for i in range(out, -1, -1):
        s, e = starts[i], starts[i + 1]
        if s == e or not wants[i]:
            continue
        g = grads[i]
        if g is None:
            g = domain.start(values[i])
            if g is None:
                continue
        args = [values[j] for j in ids[s:e]]
        shares = domain.send(i, g, values[i], args)
        for k in range(e - s):
            j = ids[s + k]
            if not wants[j]:
                continue
            share = domain.take(shares[k], args[k])
            sent[s + k] = share
            grads[j] = share if grads[j] is None else domain.add(grads[j], share)
    return grads, sent
