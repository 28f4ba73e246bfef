"""Which mistake gives a wrong gradient: the catalogue of buggy backward passes, each applied
at one place in the graph, and those whose gradient is the student's number.

A buggy pass is engine/sweep.py's reverse sweep with the local partials of one gate changed
(a `Place`): the catalogue says which gates a kind of mistake can happen at and what it
sends instead (a sign flipped, a contribution left out, the gate's own value in place of
its derivative, ...), and the sweep does the rest, so the buggy gradient of every node comes
out as the student's backward pass would have computed it. Op-specific behaviour (which gate
is a mul, a power, a max; where the value is the derivative) is read from the op table.

Only single mistakes are searched, and only at places whose change can reach the node asked
about, so the cost is one sweep per place: linear in the edges, per kind. Above its gate a
buggy pass is the right one, so each sweep runs from the gate down to the node asked about,
carrying what the mistake changes; a program too large to search whole is searched from the
node upwards as far as a budget of node visits goes. A mistake that gives the correct number
again, or no finite number, is never claimed; where several give the student's number, all
are listed, the fewest edges changed first. A diagnosis names its kind, the node, and says
what went wrong in one sentence without a number of its own: it can be shown with the
answers hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable
from weakref import WeakKeyDictionary

from gradcli.checks.results import close_enough
from gradcli.engine.scalar import FLOAT, FloatDomain
from gradcli.engine.sweep import reverse
from gradcli.lang.ops import IDENTITY
from gradcli.lang.resolve import FAILURES
from gradcli.program.graph import in_words, node_label


@dataclass(frozen=True)
class Diagnosis:
    kind: str
    node: str          # the place, by name (a named value) or label (any other node)
    message: str       # one sentence, no number of gradcli's: what went wrong, the rule
    at: int = -1       # the node's id
    what: str = ""     # the message's first part: what went wrong

    def to_json(self) -> dict:
        return {"kind": self.kind, "node": self.node, "message": self.message}

    def text(self) -> str:
        """`fork-dropped at x: x is used 2 times, ...`"""
        return f"{self.kind} at {self.node}: {self.message}"


class Alone(float):
    """A local partial sent down as it is, whatever the upstream gradient (no-upstream)."""

    __slots__ = ()


class BuggyDomain(FloatDomain):
    """The float sweep over one point's local partials, held as constants (`kernels`: the
    values never change), into which a Place's partials may be swapped. A zero upstream
    still sends an Alone partial: that pass forgot the upstream."""

    def __init__(self, kernels: list):
        self.kernels = kernels

    def partial_kernels(self, graph) -> list:
        return self.kernels

    def new(self, size: int, fill=None) -> list:
        return [0.0 if fill is None else fill] * size

    @staticmethod
    def nonzero(value) -> bool:
        return True

    @staticmethod
    def mul(local, upstream):
        if local.__class__ is Alone:
            return float(local)
        # 0·∞ on an edge sends nothing, as in FloatDomain.
        return local * upstream if local and upstream else 0.0


def _constant(partials: tuple) -> Callable:
    return lambda *_: partials


@dataclass(frozen=True)
class Place:
    """One mistake at one place: what `gate` sends instead of its true local partials."""
    kind: str
    node: int              # the node a diagnosis names
    gate: int              # the gate whose partials change (-1: none, the answer's sign)
    partials: tuple
    edges: int             # how many edges the mistake changes: fewer is simpler
    edge: int = -1         # the argument it is about (-1: every argument or none)
    variant: str = ""      # power-rule: "factor" or "exponent"; max-routing: "all" or ""


# ------------------------------------------------------------------ a graph at a point

class Scene:
    """What every place of one report needs, worked out once: each node's true partials,
    arguments and number of uses, and which nodes feed the output."""

    def __init__(self, report):
        graph = report.graph
        self.report = report
        self.graph = graph
        starts, ids, local = graph.arg_start, graph.arg_ids, report.local
        count = len(graph.ops)
        self.partials = [tuple(local[starts[i]:starts[i + 1]]) for i in range(count)]
        self.args = [tuple(ids[starts[i]:starts[i + 1]]) for i in range(count)]
        self.uses = [0] * count
        for i in range(count):
            for a in self.args[i]:
                self.uses[a] += 1
        feeds = bytearray(count)
        feeds[graph.output] = 1
        for i in range(graph.output, -1, -1):
            if feeds[i]:
                for a in self.args[i]:
                    feeds[a] = 1
        self.feeds = feeds
        self.kernels = [_constant(p) for p in self.partials]
        self.domain = BuggyDomain(self.kernels)
        self.scratch = [0.0] * len(ids)

    def depending_on(self, node: int) -> bytearray:
        """1 for `node` and every node computed from it."""
        depends = bytearray(len(self.graph.ops))
        depends[node] = 1
        for i in range(node + 1, self.graph.output + 1):
            for a in self.args[i]:
                if depends[a]:
                    depends[i] = 1
                    break
        return depends

    def sweep(self, place: Place, node: int) -> float:
        """∂output/∂node in the backward pass with this place's mistake. Above its gate that
        pass is the right one, so the sweep starts at the gate, with what the mistake changes
        in what the gate sends to each argument, and carries it down over the right local
        partials: the buggy gradient is the right one plus that change."""
        graph, report = self.graph, self.report
        gate = place.gate
        g = report.grads[gate]
        change = [0.0] * (gate + 1)
        for k, arg in enumerate(self.args[gate]):
            if graph.requires_grad[arg]:
                right = FLOAT.mul(self.partials[gate][k], g) if g else 0.0
                change[arg] += BuggyDomain.mul(place.partials[k], g) - right
        if not math.isfinite(sum(change)):
            return self.whole_sweep(place, node)      # an infinite partial: no difference
        grads, _ = reverse(graph, self.domain, report.values, out=gate, seed=0.0, lo=node + 1,
                           grads=change, local=self.scratch)
        return report.grads[node] + grads[node]

    def whole_sweep(self, place: Place, node: int) -> float:
        """The buggy pass from the output down, the gate's partials swapped in."""
        kernels = self.kernels
        true = kernels[place.gate]
        kernels[place.gate] = _constant(place.partials)
        try:
            grads, _ = reverse(self.graph, self.domain, self.report.values, lo=node + 1)
        finally:
            kernels[place.gate] = true
        return grads[node]


# ------------------------------------------------------------------ the catalogue's places

def _edge_places(scene: Scene, node: int, depends) -> list[Place]:
    """fork-dropped, no-upstream and local-sign: one edge of one gate at a time."""
    graph, report = scene.graph, scene.report
    wants = graph.requires_grad
    out = []
    for c in range(node + 1, graph.output + 1):
        if not (depends[c] and scene.feeds[c]):
            continue
        true = scene.partials[c]
        upstream = report.grads[c]
        for k, a in enumerate(scene.args[c]):
            p = true[k]
            if not (depends[a] and wants[a]) or not math.isfinite(p):
                continue
            if p and scene.uses[a] >= 2:
                out.append(Place("fork-dropped", a, c, _with(true, k, 0.0), 1, k))
            if upstream != 1.0:
                out.append(Place("no-upstream", c, c, _with(true, k, Alone(p)), 1, k))
            if p:
                out.append(Place("local-sign", c, c, _with(true, k, -p), 1, k))
    return out


def _gate_places(scene: Scene, node: int, depends) -> list[Place]:
    """The op-specific kinds, each at the gates the op table says it can happen at."""
    graph, values = scene.graph, scene.report.values
    out = []
    for c in range(node + 1, graph.output + 1):
        if not (depends[c] and scene.feeds[c]):
            continue
        op = graph.ops[c]
        args = scene.args[c]
        true = scene.partials[c]
        if not any(depends[a] and graph.requires_grad[a] for a in args):
            continue
        if op.routes and len(args) >= 2 and 1.0 in true:
            winner = true.index(1.0)
            for k in range(len(args)):
                if k != winner:
                    out.append(Place("max-routing", c, c, _with(_zeros(true), k, 1.0), 2, k))
            out.append(Place("max-routing", c, c, (1.0,) * len(args), len(args) - 1,
                             variant="all"))
        if _has_value_mistake(op) and len(args) == 1:
            out.append(Place("value-for-derivative", c, c, (values[c],), 1, 0))
        if op.swaps and len(args) == 2:
            own = (values[args[0]], values[args[1]])
            out.append(Place("mul-not-swapped", c, c, own, 2))
        if op.power and len(args) == 2 and depends[args[0]]:
            x, n = values[args[0]], values[args[1]]
            try:
                dropped = math.pow(x, n - 1.0)
            except FAILURES:
                dropped = math.nan
            for variant, base in (("factor", dropped), ("exponent", n * values[c])):
                if math.isfinite(base):
                    out.append(Place("power-rule", c, c, (base, true[1]), 1, 0, variant))
    return out


def _has_value_mistake(op) -> bool:
    """A function of one argument whose derivative is not its own value."""
    return (op.syntax == "function" and op.max_args == 1 and op.forward is not None
            and op is not IDENTITY and not op.own_derivative)


def _sign_places(scene: Scene, node: int, depends) -> list[Place]:
    return [Place("answer-sign", node, -1, (), 1)]


def _with(partials: tuple, k: int, value) -> tuple:
    return partials[:k] + (value,) + partials[k + 1:]


def _zeros(partials: tuple) -> tuple:
    return (0.0,) * len(partials)


# ------------------------------------------------------------------ what each says

_name = in_words


def pattern(graph, node: int) -> str:
    """The gate's pattern in the note's words: `a mul gate swaps its inputs: ...`."""
    op = graph.ops[node]
    words = op.gate.format(*[_name(graph, a) for a in graph.args(node)]) if op.gate else \
        "multiplies the gradient by its local derivative"
    article = "an" if op.name[:1] in "aeiou" else "a"
    return f"{article} {op.name} gate {words}"


def _fork(scene, place) -> tuple[str, str]:
    graph = scene.graph
    return (f"{_name(graph, place.node)} is used {scene.uses[place.node]} times, and its "
            f"contribution through {_name(graph, place.gate)} was left out",
            "at a fork the gradients add up (+=, not =)")


def _upstream(scene, place) -> tuple[str, str]:
    graph = scene.graph
    arg = graph.args(place.gate)[place.edge]
    return (f"{_name(graph, place.gate)} sent {_name(graph, arg)} its local gradient alone",
            "a gate sends down its local gradient times the gradient arriving from above")


def _answer_sign(scene, place) -> tuple[str, str]:
    graph = scene.graph
    return (f"the whole gradient ∂{scene.report.output_name}/∂{_name(graph, place.node)} has "
            "the wrong sign", "")


def _local_sign(scene, place) -> tuple[str, str]:
    graph = scene.graph
    arg = graph.args(place.gate)[place.edge]
    return (f"the local gradient of {_name(graph, place.gate)} with respect to "
            f"{_name(graph, arg)} has the wrong sign", pattern(graph, place.gate))


def _routing(scene, place) -> tuple[str, str]:
    graph = scene.graph
    gate = _name(graph, place.gate)
    if place.variant == "all":
        return f"{gate} sent the gradient to every input", pattern(graph, place.gate)
    arg = graph.args(place.gate)[place.edge]
    return (f"{gate} sent the gradient to {_name(graph, arg)}, which did not win",
            pattern(graph, place.gate))


def _value(scene, place) -> tuple[str, str]:
    graph = scene.graph
    op = graph.ops[place.gate]
    why = pattern(graph, place.gate) if op.gate else \
        f"the local gradient of {op.name} is its derivative, not its value"
    return f"{_name(graph, place.gate)} used its own value as its local gradient", why


def _swap(scene, place) -> tuple[str, str]:
    graph = scene.graph
    return (f"{_name(graph, place.gate)} sent each input its own value times the gradient",
            pattern(graph, place.gate))


def _power(scene, place) -> tuple[str, str]:
    graph = scene.graph
    x, n = (_name(graph, a) for a in graph.args(place.gate))
    rule = f"the power rule gives {n}·{x}^({n}-1)"
    if place.variant == "factor":
        return f"{_name(graph, place.gate)} sent {x}^({n}-1) without the factor {n}", rule
    return f"{_name(graph, place.gate)} sent {n}·{x}^{n}, the exponent not lowered", rule


@dataclass(frozen=True)
class Mistake:
    kind: str
    does: str              # the buggy pass, in words (docs, help)
    summary: str           # what a student did, for the class view: "dropped a fork contribution"
    places: Callable       # (scene, node, depends) -> [Place]
    says: Callable         # (scene, place) -> (what went wrong, the rule it broke or "")


# The catalogue, in the order a tie in simplicity is listed.
CATALOGUE: dict[str, Mistake] = {m.kind: m for m in (
    Mistake("fork-dropped", "at a value used k >= 2 times, one contribution is left out (= "
            "where += was needed)", "dropped a fork contribution", _edge_places, _fork),
    Mistake("no-upstream", "at one edge, the local gradient alone is sent down, not local × "
            "upstream", "forgot to multiply by the upstream gradient", _edge_places, _upstream),
    Mistake("answer-sign", "the whole gradient has the wrong sign",
            "gave the gradient the wrong sign", _sign_places, _answer_sign),
    Mistake("local-sign", "one edge's local gradient has the wrong sign",
            "used a local gradient with the wrong sign", _edge_places, _local_sign),
    Mistake("max-routing", "a max/min gate sends the gradient to an argument that did not win "
            "(or to all of them)", "routed a max/min gradient to the wrong input",
            _gate_places, _routing),
    Mistake("value-for-derivative", "a function uses its own value as its local gradient "
            "(never for exp, where that is right)", "used a function's value as its derivative",
            _gate_places, _value),
    Mistake("mul-not-swapped", "a mul gate sends each input its own value × upstream",
            "did not swap a mul gate's inputs", _gate_places, _swap),
    Mistake("power-rule", "x^n sends x^(n-1) (factor n dropped) or n·x^n (exponent not "
            "lowered)", "misapplied the power rule", _gate_places, _power),
)}
KINDS = tuple(CATALOGUE)
_ORDER = {kind: index for index, kind in enumerate(KINDS)}


# ------------------------------------------------------------------ the search

# Nodes the sweeps of one diagnosis may visit in all (about half a second): past it, the places
# furthest from the node asked about are not searched.
MAX_VISITS = 1_000_000

# Each report's buggy gradients, by node: a class graded against one key asks them once.
_SEEN: WeakKeyDictionary = WeakKeyDictionary()


def mistaken_gradients(report, node: int) -> list[tuple[Place, float]]:
    """Every place's buggy ∂output/∂node that differs from the correct one and is finite,
    the simplest first."""
    if getattr(report, "domain", None) != "scalar":
        return []
    try:
        cache = _SEEN.setdefault(report, {})
    except TypeError:
        cache = {}
    if node in cache:
        return cache[node]
    graph = report.graph
    correct = report.grads[node]
    found: list[tuple[Place, float]] = []
    if node != graph.output and graph.requires_grad[node] and math.isfinite(correct):
        scene = cache.get("scene")
        if scene is None:
            scene = cache["scene"] = Scene(report)
        depends = scene.depending_on(node)
        places: list[Place] = []
        for producer in dict.fromkeys(m.places for m in CATALOGUE.values()):
            places += producer(scene, node, depends)
        # Nearest the node first: each sweep runs from its gate down to the node, and a
        # program too large to search whole is searched as far as the budget goes.
        places.sort(key=lambda place: place.gate)
        visits = 0
        for place in places:
            visits += max(place.gate - node, 0)
            if visits > MAX_VISITS:
                break
            if place.gate < 0:
                value = -correct
            elif place.partials == scene.partials[place.gate] and \
                    not any(p.__class__ is Alone for p in place.partials):
                continue
            else:
                value = scene.sweep(place, node)
            if math.isfinite(value) and value != correct:
                found.append((place, value))
        found.sort(key=lambda item: (item[0].edges, _ORDER[item[0].kind], -item[0].gate))
    cache[node] = found
    return found


def describe(report, place: Place) -> Diagnosis:
    scene = _SEEN.get(report, {}).get("scene") or Scene(report)
    what, rule = CATALOGUE[place.kind].says(scene, place)
    return Diagnosis(place.kind, node_label(report.graph, place.node),
                     f"{what}: {rule}" if rule else what, place.node, what)


def diagnose(report, node: int, answer, rtol: float, atol: float,
             sigfigs: int | None = None) -> tuple[Diagnosis, ...]:
    """The catalogue's mistakes whose gradient of `node` is `answer` within the tolerance,
    simplest first; () when none is (or the answer is no finite number)."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) \
            or not math.isfinite(answer):
        return ()
    correct = report.grads[node] if getattr(report, "domain", None) == "scalar" else None
    out: dict[tuple, Diagnosis] = {}
    for place, value in mistaken_gradients(report, node):
        if close_enough(answer, value, rtol, atol, sigfigs) and \
                not close_enough(value, correct, rtol, atol, sigfigs):
            diagnosis = describe(report, place)
            out.setdefault((diagnosis.kind, diagnosis.node, diagnosis.message), diagnosis)
    return tuple(out.values())


def diagnose_local(report, gate: int, edge: int, answer: float, rtol: float,
                   atol: float) -> tuple[Diagnosis, ...]:
    """For a local gradient asked on its own (gradcli practice): the gate-level mistakes whose
    partial for argument `edge` is `answer`."""
    if getattr(report, "domain", None) != "scalar" or not math.isfinite(answer):
        return ()
    scene = _SEEN.setdefault(report, {}).get("scene")
    if scene is None:
        scene = _SEEN[report]["scene"] = Scene(report)
    correct = scene.partials[gate][edge]
    arg = scene.args[gate][edge]
    depends = scene.depending_on(arg)
    out: dict[tuple, Diagnosis] = {}
    for place in _edge_places(scene, arg, depends) + _gate_places(scene, arg, depends):
        if place.gate != gate or place.kind in ("fork-dropped", "no-upstream"):
            continue
        value = float(place.partials[edge])
        if math.isfinite(value) and close_enough(answer, value, rtol, atol) and \
                not close_enough(value, correct, rtol, atol):
            diagnosis = describe(report, place)
            out.setdefault((diagnosis.kind, diagnosis.node, diagnosis.message), diagnosis)
    return tuple(out.values())
