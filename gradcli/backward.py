"""Checking a hand-written backward pass, in the style of the CS231n note, line by line.

The file holds a forward pass and then a backward pass. The backward part
starts at the first `+=` or at the first assignment to a gradient name:
`d<name>` or `d<out>d<name>` (the note's `dx`, `dfdq`) for a forward name; a
forward name never counts as a gradient name. Code from `--format python` for a
program with its own `dx` names gradients `d_x` (or `grad_x`) and is read so. The forward pass is lowered and
swept like any program; the backward statements are evaluated in order by
the same parser and op kernels (never Python's eval), with `+=` and
rebinding allowed.

Each backward line is judged on its own: its right-hand side is evaluated
once with the student's running values (to carry on as Python would) and
once with every upstream gradient it reads replaced by the true one. The
second value is what the line sends to its target, and it must equal one
contribution of the chain rule: upstream gradient × the local derivative of
one forward statement. So a wrong local rule, a wrong sign, an `=` that
overwrites what a fork accumulated, a line that is missing, or a gradient
read before all of its contributions are in are each reported at the line
that went wrong, and an error is not reported again downstream.

Messages never state the true gradients (a student checks a backward pass
without being told the answer); `show_values` adds them.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from gradcli.backward_split import backward_statements
from gradcli.backward_split import gradient_target as _gradient_target
from gradcli.errors import CheckFailed, GradcliError, InputError, Span
from gradcli.expr import Expr

REL_TOL = 1e-6
ABS_TOL = 1e-9


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


@dataclass
class Finding:
    line: int
    column: int
    name: str | None          # the gradient variable the line assigns, if any
    kind: str                 # overwrite, sign, wrong-local, missing, plus-unassigned, ...
    message: str
    span: Span | None = None

    def to_json(self) -> dict:
        return {"line": self.line, "column": self.column, "name": self.name, "kind": self.kind,
                "message": self.message}


@dataclass
class GradientCheck:
    variable: str             # dx, dfdq
    target: str               # x, q
    line: int                 # the last line that assigned it
    ok: bool
    got: float
    expected: float

    def to_json(self, show_values: bool = False) -> dict:
        from gradcli.render.machine import finite_or_string

        out = {"variable": self.variable, "target": self.target, "line": self.line,
               "ok": self.ok}
        if show_values:
            if getattr(self.got, "ndim", 0) or getattr(self.expected, "ndim", 0):
                from gradcli.arrays.report import _json_array

                out.update(got=_json_array(self.got), expected=_json_array(self.expected))
            else:
                out.update(got=finite_or_string(self.got),
                           expected=finite_or_string(self.expected))
        return out

    def text(self, value, precision: int) -> str:
        """A number, or an array's preview (with its shape) for the array verifier's gradients."""
        if getattr(value, "ndim", 0):
            from gradcli.render.arrays import preview, shape_text

            return f"{preview(value, precision, 22)} {shape_text(value.shape)}"
        from gradcli.render import format_number

        return format_number(float(value), precision)


@dataclass
class VerifyResult:
    filename: str | None
    source: str
    output: str
    forward_lines: tuple[int, int]
    backward_lines: tuple[int, int]
    gradients: list[GradientCheck] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)     # lines not checked; not failures

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_json(self, show_values: bool = False) -> dict:
        return {"file": self.filename, "ok": self.ok, "output": self.output,
                "forward_lines": list(self.forward_lines),
                "backward_lines": list(self.backward_lines),
                "gradients": [g.to_json(show_values) for g in self.gradients],
                "findings": [f.to_json() for f in self.findings],
                "notes": [f.to_json() for f in self.notes]}

    def render(self, show_values: bool = False, precision: int = 6) -> str:
        """Plain text: the findings, each at its line with a caret, then a summary."""
        import textwrap

        where = self.filename or "<program>"
        head = (f"{where}: forward pass {_line_range(*self.forward_lines)} "
                f"(output {self.output}), backward pass {_line_range(*self.backward_lines)}")
        parts = [head]
        for finding in self.findings + self.notes:
            label = "note: " if finding in self.notes else ""
            error = CheckFailed(label + finding.message, finding.span, source=self.source,
                                filename=self.filename)
            if finding.span is None:
                parts.append(textwrap.fill(label + finding.message, 80))
                continue
            located = error.render()[len("error: "):].split("\n")
            message_lines = len(located) - 3          # the place and two caret lines follow
            parts.append(textwrap.fill(" ".join(located[:message_lines]), 80))
            parts.append("\n".join(located[message_lines:]))
        if show_values:
            width = max([len(g.variable) for g in self.gradients] + [4])
            for g in self.gradients:
                parts.append(f"  {'ok  ' if g.ok else 'FAIL'}  {g.variable:<{width}}  "
                             f"got {g.text(g.got, precision)}, "
                             f"true {g.text(g.expected, precision)}")
        names = ", ".join(g.variable for g in self.gradients)
        if self.ok:
            parts.append(f"ok: every gradient matches ({names})")
        else:
            bad = ", ".join(g.variable for g in self.gradients if not g.ok) or "none"
            count = len(self.findings)
            parts.append(f"{count} problem{'s' * (count != 1)} found; gradients that differ "
                         f"from the truth: {bad}")
        return "\n".join(parts) + "\n"


def _line_range(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


def verify(source: str, bindings: dict[str, float] | None = None, *,
           filename: str | None = None, seed: int = 0) -> VerifyResult:
    """Python API and `gradcli verify`: check the backward pass in `source`.

    A forward pass with arrays goes to gradcli.arrays.verify, which draws random
    arrays from one generator seeded with `seed`."""
    from gradcli.graph import NeedsArrays
    from gradcli.report import is_array_value

    bindings = dict(bindings or {})
    try:
        try:
            if any(is_array_value(value) for value in bindings.values()):
                raise NeedsArrays()
            return _Verifier(source, filename).run(bindings)
        except NeedsArrays:
            from gradcli.arrays.verify import verify_arrays
            from gradcli.syntax import parse

            return verify_arrays(source, parse(source), bindings, filename=filename, seed=seed)
    except GradcliError as error:
        raise error.with_source(source, filename)


def _walk(root: Expr):
    stack = [root]
    while stack:
        expr = stack.pop()
        yield expr
        for arg in expr.args:
            if arg is not None:
                stack.append(arg)


class _Verifier:
    def __init__(self, source: str, filename: str | None):
        self.source = source
        self.filename = filename

    def line(self, offset: int) -> int:
        return self.source.count("\n", 0, max(offset, 0)) + 1

    def column(self, offset: int) -> int:
        return offset - (self.source.rfind("\n", 0, offset) + 1) + 1

    # ------------------------------------------------------------ the split

    def split(self, statements) -> int:
        """Index of the first backward statement; sets the gradient prefix (d, or the
        d_ / grad_ that `--format python` writes when the program has its own dx)."""
        from gradcli.backward_split import backward_start

        found = backward_start(statements)
        if found is None:
            raise InputError("no backward pass found: it starts at the first assignment to a "
                             "gradient name (dx, or dfdx for an output f) or the first '+='")
        index, self.prefix = found
        return index

    # ------------------------------------------------------------ the truth

    def run(self, bindings: dict[str, float]) -> VerifyResult:
        from gradcli.graph import lower
        from gradcli.report import Report, check_bindings
        from gradcli.sweep import check_gradients, forward, reverse
        from gradcli.syntax import parse

        statements = parse(self.source)
        cut = self.split(statements)
        forward_part = [s for s in statements[:cut]]
        backward_part = backward_statements(statements, cut)
        if not any(s.kind in ("assign", "expr") for s in forward_part):
            raise InputError("the forward pass is empty: the file starts with the backward pass",
                             Span(statements[cut].start, statements[cut].end))
        graph = lower(forward_part, self.source, self.filename)
        bound = check_bindings(graph, bindings)
        values = forward(graph, bound)
        grads, local = reverse(graph, values)
        report = Report(graph, values, grads, local, check_gradients(graph, values, grads, local),
                        bound)
        self.graph, self.report = graph, report
        self.output = graph.names[graph.output] or "f"
        self.node_of = {name: i for i, name in enumerate(graph.names) if name is not None}
        self.forward_names = set(self.node_of)
        self.statement_line = {s.name: self.line(s.start) for s in forward_part
                               if s.kind == "assign"}
        self.statement_text = {s.name: self.source[s.start:s.end] for s in forward_part
                               if s.kind == "assign"}
        self.statement_expr = {s.name: s.expr for s in forward_part if s.kind == "assign"}
        # Contributions a multi-use statement (f = x * x) sends in pieces, one line per use.
        self.pieces: dict[tuple[str, str], tuple[float, object]] = {}
        self._contributions()

        first, last = statements[0], forward_part[-1]
        result = VerifyResult(self.filename, self.source, self.output,
                              (self.line(first.start), self.line(last.start)),
                              (self.line(backward_part[0].start) if backward_part else 0,
                               self.line(backward_part[-1].start) if backward_part else 0))
        self.result = result
        self.simulate(backward_part)
        return result

    def _contributions(self) -> None:
        """Per named value N, what each statement using it sends back: g_M × ∂M/∂N (one statement)."""
        graph, report = self.graph, self.report
        starts, ids, local = graph.arg_start, graph.arg_ids, report.local
        self.consumers: dict[str, dict[str, float]] = {name: {} for name in self.node_of}
        for name, m in self.node_of.items():
            if graph.ops[m].name == "input":
                continue
            # A reverse sweep over this statement's own nodes, stopping at named values.
            partial = {m: 1.0}
            heap = [-m]
            while heap:
                i = -heapq.heappop(heap)
                amount = partial.pop(i)
                if i != m and graph.names[i] is not None:
                    self.consumers[graph.names[i]][name] = \
                        self.consumers[graph.names[i]].get(name, 0.0) + report.grads[m] * amount
                    continue
                for e in range(starts[i], starts[i + 1]):
                    j = ids[e]
                    if not graph.requires_grad[j]:
                        continue
                    if j not in partial:
                        partial[j] = 0.0
                        heapq.heappush(heap, -j)
                    partial[j] += amount * local[e]

    def true_gradient(self, target: str) -> float:
        return self.report.grads[self.node_of[target]]

    # ------------------------------------------------------------ the backward pass

    def target_of(self, variable: str) -> str | None:
        if variable in self.forward_names:
            return None
        return _gradient_target(variable, self.forward_names, self.output, prefix=self.prefix)

    def find(self, statement, kind: str, message: str, name: str | None = None) -> None:
        self.result.findings.append(Finding(self.line(statement.start), self.column(statement.start),
                                            name, kind, message,
                                            Span(statement.start, statement.end)))

    def forward_ref(self, name: str) -> str:
        line = self.statement_line.get(name)
        if line is None:
            return name
        return f"{name} (line {line}: {' '.join(self.statement_text[name].split())})"

    def simulate(self, statements) -> None:
        from gradcli.graph import evaluate_constant
        from gradcli.ops import CONSTANTS, MODULE_PREFIXES

        values = {name: self.report.values[node] for name, node in self.node_of.items()}
        actual: dict[str, float] = {}         # each gradient variable as the student's code has it
        received: dict[str, list[str]] = {}   # forward statements whose contribution it holds
        tainted: set[str] = set()             # variables whose value an earlier error spoilt
        last_line: dict[str, int] = {}
        helpers: dict[str, float] = {}
        # Names the student never assigned, given a stand-in value so checking can go on.
        covered: set[str] = set()
        self.covered = covered
        self.upstream_lines: dict[str, list[int]] = {}

        # The last statement reading each name: a d-name nothing reads and that is no
        # gradient of the forward pass (dy = 3 with no y) is a mistake, not a helper.
        last_read: dict[str, int] = {}
        for index, statement in enumerate(statements):
            if statement.expr is not None:
                for expr in _walk(statement.expr):
                    if expr.kind == "name":
                        last_read[expr.name] = index
        for index, statement in enumerate(statements):
            if statement.kind == "expr":
                self.result.notes.append(Finding(
                    self.line(statement.start), self.column(statement.start), None, "not-run",
                    f"line {self.line(statement.start)} is not checked: it assigns nothing, and "
                    "verify runs only the assignments of a backward pass",
                    Span(statement.start, statement.end)))
                continue
            variable = statement.name
            if variable in self.forward_names:
                self.find(statement, "reassign-forward",
                          f"{variable} is a value of the forward pass: the backward pass assigns "
                          f"gradients (d{variable}) and helper names, not forward values", variable)
                continue
            target = self.target_of(variable)

            refs: list[str] = []
            callees = {id(e.args[0]) for e in _walk(statement.expr)
                       if e.kind == "call" and e.args[0].kind == "name"}
            for expr in _walk(statement.expr):
                if expr.kind != "name" or expr.name in CONSTANTS or expr.name in MODULE_PREFIXES \
                        or id(expr) in callees:     # exp in exp(x) is a function, not a variable
                    continue
                name = expr.name
                if name == variable and name not in actual and name not in helpers:
                    self.find(statement, "plus-unassigned",
                              f"{variable} is used in its own assignment, but no line before "
                              f"assigns {variable} (Python would raise NameError)", variable)
                    (helpers if target is None else actual)[variable] = 0.0
                    received[variable] = []
                    covered.add(variable)
                    tainted.add(variable)
                if name in values or name in helpers or name in actual:
                    if name in actual and name not in refs:
                        refs.append(name)
                    continue
                ref_target = self.target_of(name)
                if ref_target is None:
                    from gradcli.graph import _did_you_mean

                    hint = _did_you_mean(name, [*values, *helpers, *actual])
                    raise InputError(f"{name!r} is not defined{hint}", Span(expr.start, expr.end))
                if name not in refs:
                    refs.append(name)

            # Read before assigned: the line that should have computed it is missing.
            for name in refs:
                if name not in actual:
                    ref_target = self.target_of(name)
                    users = [m for m in self.consumers.get(ref_target, {})]
                    through = " and ".join(self.forward_ref(m) for m in users) or "its uses"
                    self.find(statement, "missing",
                              f"{name} is used before any line assigns it: the line that "
                              f"backpropagates through {through} into {name} is missing", variable)
                    actual[name] = self.true_gradient(ref_target)
                    received[name] = list(users)
                    tainted.add(name)
                    covered.add(name)

            upstream = [name for name in refs if name != variable]
            true_env = {**values, **helpers, **actual}
            for name in upstream:
                true_env[name] = self.true_gradient(self.target_of(name))
            if target is not None and variable in actual:
                true_env[variable] = sum(self.consumers[target].get(m, 0.0)
                                         for m in received.get(variable, []))
            act_env = {**values, **helpers, **actual}
            got = evaluate_constant(statement.expr, act_env)
            judged = evaluate_constant(statement.expr, true_env)

            if target is None:
                # A helper name (a local derivative kept for later): just remember it.
                if statement.kind == "augassign":
                    if variable not in helpers:
                        self.find(statement, "plus-unassigned",
                                  f"'{variable} {statement.op} ...' but no line before assigns "
                                  f"{variable} (Python would raise NameError)", variable)
                        helpers[variable] = 0.0
                    helpers[variable] += got if statement.op == "+=" else -got
                else:
                    helpers[variable] = got
                rest = variable[len(self.prefix):]
                if variable.startswith(self.prefix) and rest and \
                        last_read.get(variable, -1) <= index:
                    names = sorted(self.forward_names)
                    known = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
                    # A note, not a failure: helper names are free, but this one checks nothing.
                    self.result.notes.append(Finding(
                        self.line(statement.start), self.column(statement.start), variable,
                        "not-a-gradient",
                        f"{variable} is not checked: it looks like a gradient, but the forward "
                        f"pass has no value {rest} (its values: {known}), and no later line "
                        f"reads {variable}", Span(statement.start, statement.end)))
                continue

            for name in upstream:
                ref_target = self.target_of(name)
                if name in tainted or _close(actual[name], self.true_gradient(ref_target)):
                    continue
                missing = [m for m in self.consumers[ref_target] if m not in received.get(name, [])]
                if missing:
                    through = " and ".join(missing)
                    self.find(statement, "incomplete",
                              f"{name} is used before all of its contributions are in (the one "
                              f"through {through} comes later): backpropagate in the reverse "
                              "order of the forward pass", variable)
                tainted.add(name)

            sign = -1.0 if statement.op == "-=" else 1.0
            if statement.kind == "augassign":
                if variable not in actual:
                    self.find(statement, "plus-unassigned",
                              f"'{variable} {statement.op} ...' adds to {variable}, but no line "
                              f"before assigns {variable} (Python would raise NameError): the "
                              f"first contribution is written '{variable} = ...'", variable)
                    actual[variable] = 0.0
                    received[variable] = []
                delta = sign * judged
                new_actual = actual[variable] + sign * got
            elif variable in actual and variable in refs:
                delta = judged - true_env[variable]       # dx = dx + ...: a rebinding that adds
                new_actual = got
            else:
                delta = judged
                new_actual = got
                earlier = received.get(variable, [])
                total = self.true_gradient(target)
                if variable in actual and earlier and not _close(judged, total):
                    paths = " and ".join(earlier)
                    self.find(statement, "overwrite",
                              f"line {self.line(statement.start)} overwrites the contribution to "
                              f"{variable} already accumulated through {paths}: a fork needs +=",
                              variable)
                    tainted.add(variable)
                received[variable] = []
                if variable in actual and _close(judged, total) and earlier:
                    # The whole gradient again, written out: fine.
                    received[variable] = list(self.consumers[target])
                    actual[variable] = new_actual
                    last_line[variable] = self.line(statement.start)
                    continue

            ok = self.judge(statement, variable, target, upstream, delta, received, tainted)
            if not ok or any(name in tainted for name in upstream):
                tainted.add(variable)
            actual[variable] = new_actual
            last_line[variable] = self.line(statement.start)
            for name in upstream:
                self.upstream_lines.setdefault(self.target_of(name), []).append(
                    self.line(statement.start))

        self.finish(statements, actual, received, tainted, last_line)

    def judge(self, statement, variable, target, upstream, delta, received, tainted) -> bool:
        """Does `delta` equal the chain rule's contribution to `target` through the right statement?"""
        users = self.consumers[target]
        done = received.setdefault(variable, [])
        through = [self.target_of(name) for name in upstream]
        if through:
            paths = [m for m in through if m in users]
            strangers = [m for m in through if m not in users]
            if strangers:
                m = strangers[0]
                self.find(statement, "not-a-use",
                          f"{variable} gets a gradient through {m}, but {target} is not used in "
                          f"{self.forward_ref(m)}", variable)
                return False
        elif target == self.output:
            if _close(delta, 1.0):
                done.append(target)
                return True
            self.find(statement, "wrong-local",
                      f"{variable} is the gradient of {self.output} with respect to itself: "
                      "it is 1", variable)
            return False
        else:
            # No upstream gradient is read: only a use in the output's own statement has
            # upstream 1; otherwise take whichever contribution the value matches.
            paths = [m for m in users if m not in done and _close(delta, users[m])]
            paths = paths[:1] or ([self.output] if self.output in users else [])
            if not paths and not users and _close(delta, 0.0):
                return True                 # nothing uses target: its gradient is 0
            if not paths:
                uses = ", ".join(users) or "nothing"
                self.find(statement, "unexplained",
                          f"the value given to {variable} is no contribution of the chain rule: "
                          f"it should be built from the gradient of what uses {target} "
                          f"({uses})", variable)
                return False
        repeated = [m for m in paths if m in done]
        if repeated and _close(delta, 0.0) and len(paths) == 1 and self.uses(paths[0], target) > 1:
            return True     # max(x, x, y): the second x's share is 0, written out as a piece
        if repeated:
            self.find(statement, "twice",
                      f"line {self.line(statement.start)} adds the contribution through "
                      f"{repeated[0]} to {variable} a second time", variable)
            return False
        expected = sum(users[m] for m in paths)
        names = " and ".join(self.forward_ref(m) for m in paths)
        if _close(delta, expected):
            done.extend(paths)
            return True
        if len(paths) == 1 and self.uses(paths[0], target) > 1:
            # One term per use of target in that statement (dx = x * df; dx += x * df):
            # judged once the pieces add up, or at the end if they never do.
            so_far, _ = self.pieces.get((variable, paths[0]), (0.0, None))
            so_far += delta
            self.pieces[(variable, paths[0])] = (so_far, statement)
            if _close(so_far, expected):
                done.append(paths[0])
                del self.pieces[(variable, paths[0])]
            return True
        if not _close(expected, 0.0) and _close(delta, -expected):
            self.find(statement, "sign",
                      f"the contribution to {variable} through {paths[0] if len(paths) == 1 else names} "
                      f"has the wrong sign: check the local derivative of {names} with respect "
                      f"to {target}", variable)
        else:
            self.find(statement, "wrong-local",
                      f"the contribution to {variable} through {paths[0] if len(paths) == 1 else names} "
                      f"is wrong: check the local derivative of {names} with respect to "
                      f"{target}", variable)
        done.extend(paths)
        return False

    def uses(self, statement_name: str, target: str) -> int:
        expr = self.statement_expr.get(statement_name)
        if expr is None:
            return 0
        return sum(1 for e in _walk(expr) if e.kind == "name" and e.name == target)

    def finish(self, statements, actual, received, tainted, last_line) -> None:
        by_line = {self.line(s.start): s for s in statements}
        graph = self.graph
        for (variable, m), (_, statement) in self.pieces.items():
            target = self.target_of(variable)
            self.find(statement, "wrong-local",
                      f"the contributions to {variable} through {m} do not add up: check the "
                      f"local derivative of {self.forward_ref(m)} with respect to {target}",
                      variable)
            tainted.add(variable)
        for variable, value in actual.items():
            target = self.target_of(variable)
            truth = self.true_gradient(target)
            ok = _close(value, truth) and variable not in self.covered
            self.result.gradients.append(GradientCheck(variable, target,
                                                       last_line.get(variable, 0), ok, value,
                                                       truth))
            if ok or variable in tainted:
                continue
            missing = [m for m in self.consumers[target] if m not in received.get(variable, [])]
            lines = [line for m in missing for line in self.upstream_lines.get(m, [])]
            where = by_line.get(lines[0] if lines else last_line.get(variable, 0))
            if missing:
                m = missing[0]
                seen = (f"; line {lines[0]} backpropagates through {m} but not into {variable}"
                        if lines else "")
                message = (f"{variable} is missing the contribution through "
                           f"{self.forward_ref(m)}: no line adds it{seen}")
            else:
                message = f"{variable} does not add up to the gradient of {self.output}"
            if where is not None:
                self.find(where, "missing", message, variable)
            else:
                self.result.findings.append(Finding(0, 0, variable, "missing", message))
        assigned = {self.target_of(v) for v in actual}
        for name, node in graph.inputs.items():
            if name not in assigned and graph.requires_grad[node]:
                self.result.findings.append(Finding(
                    0, 0, None, "never-computed",
                    f"the backward pass never computes the gradient of the input {name} "
                    f"({self.prefix}{name})"))
        self.result.findings.sort(key=lambda f: (f.line == 0, f.line))
