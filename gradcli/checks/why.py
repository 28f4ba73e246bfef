"""--why: why a gradient is zero or tiny, read from the sweep's own numbers.

Every input or named value whose gradient is 0, or below `small` times the largest gradient
of the graph, gets its reasons. A node's gradient is the sum of what its consumers send back
(their upstream gradient × the local partial of the edge), so a gradient is small because
its contributions cancel (a fork whose terms add up to nothing), or because each of them is
small: its local partial is 0 or nearly (a dead relu, a saturated sigmoid, a max that routed
the gradient elsewhere, a gate that blocks it, a factor that is 0 here), the product of the
two falls below the smallest float (underflow), or the upstream gradient is itself small,
for reasons found the same way further up, or through a long product of local gradients
each below 1 (vanishing). A node that does not reach the output at all has no path.

What makes a gate dead, saturated, blocking or routing is declared in the op table (`stall`,
`routes`); the numbers are the report's, so the reasons and the table cannot disagree. The
walk is one pass from the output down, each node looked at once.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

from gradcli.defaults import PRECISION
from gradcli.display import Displayable
from gradcli.engine.scalar import FLOAT
from gradcli.numbers import format_number, json_number
from gradcli.program.graph import in_words, node_label

# The default of --small: a gradient below this fraction of the largest is tiny.
SMALL = 1e-6
# A local gradient below this is a saturated gate (or a small factor), on its own.
LOCAL_SMALL = 1e-3
MIN_NORMAL = sys.float_info.min
# Reasons kept per gradient: the rest are counted.
REASONS = 8
REASON_KINDS = ("no-path", "dead", "saturated", "routed", "blocked", "zero-local",
                "small-local", "cancel", "vanishing", "underflow")


@dataclass(frozen=True)
class Reason:
    kind: str
    node: int            # where it happens: the gate, the fork, the node without a path
    message: str

    def to_json(self, graph) -> dict:
        return {"kind": self.kind, "node": node_label(graph, self.node), "message": self.message}


@dataclass(frozen=True)
class Quiet:
    """A gradient that is 0 or tiny, and why."""
    node: int
    name: str
    grad: float
    reasons: tuple[Reason, ...]
    more: int = 0        # reasons left out


@dataclass
class WhyResult(Displayable):
    """The report and the reasons for its zero and tiny gradients (--why)."""

    report: object
    small: float
    largest: float
    quiet: tuple[Quiet, ...]

    domain = "why"

    def __repr__(self) -> str:
        names = ", ".join(q.name for q in self.quiet)
        return f"WhyResult({len(self.quiet)} zero or tiny: {names or 'none'})"

    def to_json(self) -> dict:
        graph = self.report.graph
        return {"small": self.small, "largest": json_number(self.largest),
                "gradients": [{"node": q.node, "name": q.name, "grad": json_number(q.grad),
                               "reasons": [r.to_json(graph) for r in q.reasons],
                               "more": q.more} for q in self.quiet]}

    def lines(self, precision: int = PRECISION, width: int = 80) -> list[str]:
        """The reasons for people: one paragraph per gradient, wrapped to `width`."""
        import textwrap

        out = self.report.output_name
        bound = f"below {self.small:g} of the largest, {format_number(self.largest, precision)}"
        if not self.quiet:
            return [f"why: no gradient is 0 or tiny ({bound})."]
        lines = [f"why: the gradients that are 0 or tiny ({bound}):"]

        def wrap(text: str, indent: str, more: str) -> list[str]:
            return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=more,
                                 break_on_hyphens=False, break_long_words=False)

        for q in self.quiet:
            head = f"∂{out}/∂{q.name} = {format_number(q.grad, precision)}"
            reasons = list(q.reasons)
            if len(reasons) == 1 and not q.more:
                lines += wrap(f"{head}: {reasons[0].message}", "  ", "    ")
                continue
            lines.append(f"  {head}:")
            for reason in reasons:
                lines += wrap(f"- {reason.message}", "    ", "      ")
            if q.more:
                lines.append(f"    - and {q.more} more")
        return lines


def why(report, small: float = SMALL) -> WhyResult:
    """The reasons for every zero or tiny gradient of an input or a named value."""
    graph = report.graph
    ops, starts, ids = graph.ops, graph.arg_start, graph.arg_ids
    grads, wants = report.grads, graph.requires_grad
    count = len(ops)
    output = graph.output
    feeds = bytearray(count)
    feeds[output] = 1
    consumers: list = [None] * count
    for i in range(output, -1, -1):
        for e in range(starts[i], starts[i + 1]):
            a = ids[e]
            if feeds[i]:
                feeds[a] = 1
                if consumers[a] is None:
                    consumers[a] = []
                consumers[a].append((i, e))
    finite = [abs(grads[i]) for i in range(count)
              if wants[i] and feeds[i] and math.isfinite(grads[i])]
    largest = max(finite, default=1.0)
    bound = small * largest

    candidates = []
    seen = set()
    for node, name in enumerate(graph.names):
        if node == output or not wants[node] or name is None or name in seen:
            continue
        seen.add(name)
        if math.isfinite(grads[node]) and abs(grads[node]) <= bound:
            candidates.append(node)
    if not candidates:
        return WhyResult(report, small, largest, ())

    walk = _Walk(report, feeds, consumers, bound, small)
    lowest = min(candidates)
    causes: dict[int, list[Reason]] = {}
    for u in range(output - 1, lowest - 1, -1):
        if wants[u] and feeds[u] and abs(grads[u]) <= bound:
            causes[u] = walk.causes(u, causes)

    quiet = []
    for node in candidates:
        reasons = causes.get(node) if feeds[node] else [walk.no_path(node)]
        reasons = list(dict.fromkeys(reasons or [walk.vanishing(node, None)]))
        quiet.append(Quiet(node, graph.names[node], grads[node], tuple(reasons[:REASONS]),
                           max(len(reasons) - REASONS, 0)))
    return WhyResult(report, small, largest, tuple(quiet))


class _Walk:
    """The reasons at one node, from its consumers' numbers (theirs already found)."""

    def __init__(self, report, feeds, consumers, bound, small):
        self.report = report
        self.small = small
        self.graph = report.graph
        self.feeds = feeds
        self.consumers = consumers
        self.bound = bound
        self.out = report.output_name
        self.trails: dict[int, tuple] = {}

    def number(self, value: float) -> str:
        return format_number(value, PRECISION)

    def no_path(self, node: int) -> Reason:
        name = in_words(self.graph, node)
        return Reason("no-path", node, f"no path leads from {name} to {self.out}: nothing "
                                       f"{self.out} is computed from uses {name}, so its "
                                       "gradient is 0 whatever the numbers")

    def causes(self, u: int, causes: dict) -> list[Reason]:
        report = self.report
        grads, local = report.grads, report.local
        terms = []
        for c, e in self.consumers[u] or ():
            p = local[e]
            g = grads[c]
            terms.append((c, e, p, g, FLOAT.mul(p, g) if g else 0.0))
        largest = max((abs(t[4]) for t in terms), default=0.0)
        cancels = len(terms) >= 2 and largest > 0.0 and \
            abs(report.grads[u]) <= self.small * largest
        if cancels and largest > self.bound:
            return [self.cancel(u, terms)]
        # Terms that cancel and are small besides: both are reasons.
        found: list[Reason] = [self.cancel(u, terms)] if cancels else []
        for c, e, p, g, sent in terms:
            if p == 0.0:
                found.append(self.gate(c, e, u))
            elif g and self.underflows(p, g):
                found.append(self.underflow(c, u, p, g, sent))
            elif abs(p) < LOCAL_SMALL:
                found.append(self.small_local(c, u, p))
            elif causes.get(c):
                # Another node's vanishing product is counted again from this one.
                found.extend(r for r in causes[c] if r.kind != "vanishing")
                if any(r.kind == "vanishing" for r in causes[c]):
                    found.append(self.vanishing(u, c))
            elif g:
                found.append(self.vanishing(u, c))
        return list(dict.fromkeys(found))

    @staticmethod
    def underflows(p: float, g: float) -> bool:
        """Whether |p × g| is below the smallest normal float: the product lost its digits."""
        return math.log(abs(p)) + math.log(abs(g)) < math.log(MIN_NORMAL)

    def cancel(self, u: int, terms) -> Reason:
        graph = self.graph
        parts = ", ".join(f"{self.number(sent)} through {in_words(graph, c)}"
                          for c, _, _, _, sent in terms)
        total = self.number(self.report.grads[u])
        return Reason("cancel", u, f"the contributions at the fork {in_words(graph, u)} cancel: "
                                   f"{parts} add up to {total}")

    def gate(self, c: int, e: int, u: int) -> Reason:
        graph, values = self.graph, self.report.values
        op = graph.ops[c]
        gate = in_words(graph, c)
        args = list(graph.args(c))
        me = in_words(graph, u)
        if op.routes:
            winner = next((a for k, a in enumerate(args)
                           if self.report.local[graph.arg_start[c] + k] != 0.0), None)
            if winner is not None:
                return Reason("routed", c, f"{gate} routed the gradient to "
                                           f"{in_words(graph, winner)} "
                                           f"({self.number(values[winner])}), which won over "
                                           f"{me} ({self.number(values[u])}); {me} gets 0")
        if op.stall == "dead":
            arg = args[0]
            return Reason("dead", c, f"{gate} is a dead {op.name}: its input "
                                     f"{in_words(graph, arg)} is {self.number(values[arg])} "
                                     "(<= 0), so it passes no gradient")
        if op.stall == "saturated":
            return Reason("saturated", c, f"{gate} is a saturated {op.name}: its local "
                                          "gradient is 0 here (its input is far out on a flat "
                                          "tail)")
        if op.stall == "blocks":
            return Reason("blocked", c, f"{gate} blocks the gradient: a {op.name} gate's "
                                        "derivative is 0")
        if op.swaps and len(args) == 2:
            other = args[1] if args[0] == u else args[0]
            return Reason("zero-local", c, f"the local gradient of {gate} with respect to {me} "
                                           f"is its other input, {in_words(graph, other)}, "
                                           "which is 0 here")
        kink = op.kink(values[c], *[values[a] for a in args]) if op.kink else None
        note = f" ({kink})" if kink else ""
        return Reason("zero-local", c, f"the local gradient of {gate} with respect to {me} is "
                                       f"0 here{note}")

    def small_local(self, c: int, u: int, p: float) -> Reason:
        graph = self.graph
        op = graph.ops[c]
        gate = in_words(graph, c)
        if op.stall == "saturated":
            return Reason("saturated", c, f"{gate} is a saturated {op.name}: its local "
                                          f"gradient is {self.number(p)} (below "
                                          f"{LOCAL_SMALL:g})")
        return Reason("small-local", c, f"the local gradient of {gate} with respect to "
                                        f"{in_words(graph, u)} is only {self.number(p)}")

    def underflow(self, c: int, u: int, p: float, g: float, sent: float) -> Reason:
        graph = self.graph
        return Reason("underflow", c, f"{in_words(graph, c)} sends {in_words(graph, u)} "
                                      f"{self.number(g)} × {self.number(p)}, below the smallest "
                                      f"float64: it rounds to {self.number(sent)} (underflow)")

    def trail(self, start: int) -> tuple:
        """(steps, product of |local|, (smallest |local|, its gate, the node it is taken for))
        from `start` up to the output, along the largest contribution at each step. Each node's
        trail is found once: a long chain of quiet values costs its length, not its square."""
        report, output = self.report, self.graph.output
        grads, local = report.grads, report.local
        chain = []
        node = start
        while node != output and node not in self.trails:
            edges = self.consumers[node]
            if not edges:
                break
            gate, e = max(edges, key=lambda edge: abs(FLOAT.mul(local[edge[1]],
                                                                 grads[edge[0]])))
            chain.append((node, gate, e))
            node = gate
        found = self.trails.get(node, (0, 1.0, (math.inf, node, node)))
        for node, gate, e in reversed(chain):
            found = _step(found, abs(local[e]), gate, node)
            self.trails[node] = found
        return found

    def vanishing(self, u: int, c: int | None) -> Reason:
        """The product of local gradients from u up to the output (through c first, when
        given), along the largest contribution at each step."""
        graph, local, grads = self.graph, self.report.local, self.report.grads
        if c is None:
            steps, product, smallest = self.trail(u)
        else:
            edges = [edge for edge in self.consumers[u] or () if edge[0] == c]
            e = max(edges, key=lambda edge: abs(FLOAT.mul(local[edge[1]], grads[c])))[1]
            steps, product, smallest = _step(self.trail(c), abs(local[e]), c, u)
        size, gate, taken = smallest
        if size < LOCAL_SMALL:
            return self.small_local(gate, taken, local_of(graph, local, gate, taken))
        return Reason("vanishing", u, f"vanishing: the {steps} local gradients from "
                                      f"{in_words(graph, u)} up to {self.out} multiply to "
                                      f"{self.number(product)}, none of them below "
                                      f"{LOCAL_SMALL:g} (the smallest {self.number(size)}, at "
                                      f"{in_words(graph, gate)})")


def _step(trail: tuple, p: float, gate: int, node: int) -> tuple:
    """A trail one edge longer: `node` sends to `gate` with local |p|."""
    steps, product, smallest = trail
    return steps + 1, product * p, (p, gate, node) if p <= smallest[0] else smallest


def local_of(graph, local, gate: int, node: int) -> float:
    """A gate's local partial for one of its arguments (the first edge from `node`, or the
    gate's first edge)."""
    start, end = graph.arg_start[gate], graph.arg_start[gate + 1]
    for e in range(start, end):
        if graph.arg_ids[e] == node:
            return local[e]
    return local[start]
