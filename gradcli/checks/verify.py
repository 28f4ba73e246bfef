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

from dataclasses import dataclass

from gradcli.checks.diagnose import diagnose
from gradcli.checks.results import ABS_TOL, REL_TOL, Finding, GradientCheck, VerifyResult, close
from gradcli.compute import compute_statements, parse_program
from gradcli.engine.scalar import FLOAT, FloatDomain
from gradcli.engine.sweep import reverse
from gradcli.errors import GradcliError, InputError, LineIndex, Span, did_you_mean
from gradcli.lang.expr import walk
from gradcli.lang.resolve import callees, evaluate_constant, is_variable
from gradcli.lazy import load
from gradcli.program.split import backward_statements, find_backward, gradient_target

# Checks of the other value domains, loaded with the engine they check.
BY_DOMAIN = {"array": "gradcli.checks.verify_arrays:verify_arrays"}

def verify(source: str, bindings: dict | None = None, *, filename: str | None = None,
           seed: int = 0) -> VerifyResult:
    """Python API and `gradcli verify`: check the backward pass in `source`.

    A forward pass with arrays goes to the array verifier, which draws random arrays from
    one generator seeded with `seed`."""
    statements = parse_program(source, filename)
    try:
        cut, prefix = find_backward(statements)
        backward = backward_statements(statements, cut)
        report = compute_statements(statements[:cut], source, bindings, filename=filename,
                                    seed=seed)
        if report.domain in BY_DOMAIN:
            return load(BY_DOMAIN[report.domain])(report, statements, cut, backward, filename)
        return Verifier(source, filename, prefix).run(report, statements, cut, backward)
    except GradcliError as error:
        raise error.with_source(source, filename)


class _Sparse(dict):
    """Gradients of the few nodes one statement reaches: a node never reached reads None."""

    def __missing__(self, node):
        return None


class _Reached(FloatDomain):
    """Floats where a node not reached (None) differs from one reached with 0: a value used
    in a statement is one of its uses even where the statement sends it nothing."""

    zero = None

    def add(self, total, term):
        return term if total is None else total + term

    @staticmethod
    def nonzero(value) -> bool:
        return value is not None


class Verifier:
    def __init__(self, source: str, filename: str | None, prefix: str):
        self.source = source
        self.filename = filename
        self.prefix = prefix      # d, or the d_ / grad_ of --format python for a program with dx
        self.lines = LineIndex(source)

    def line(self, offset: int) -> int:
        return self.lines.line(offset)

    def column(self, offset: int) -> int:
        return self.lines.column(offset)

    # ------------------------------------------------------------ the truth

    def run(self, report, statements, cut: int, backward_part) -> VerifyResult:
        forward_part = statements[:cut]
        graph = report.graph
        self.graph, self.report = graph, report
        self.output = graph.output_name
        self.node_of = {name: i for i, name in enumerate(graph.names) if name is not None}
        # An unnamed output (a last line that is an expression) goes by the output's name.
        self.node_of.setdefault(self.output, graph.output)
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
        """Per named value N, what each statement M using it sends back: g_M × ∂M/∂N.

        A statement's nodes lie between the previous statement's node and its own, so the
        reverse sweep over that stretch alone gives ∂M/∂N for every earlier value N it reads.
        """
        graph, report = self.graph, self.report
        self.consumers: dict[str, dict[str, float]] = {name: {} for name in self.node_of}
        name_of = {node: name for name, node in self.node_of.items()}
        domain = _Reached()
        lo = 0
        for m in sorted(name_of):
            first, lo = lo, m + 1
            if graph.is_input(m):
                continue
            share, _ = reverse(graph, domain, report.values, out=m, lo=first, grads=_Sparse(),
                               local=_Sparse())
            for j, amount in share.items():
                if j < first:
                    users = self.consumers[name_of[j]]
                    # As the sweep: a zero upstream or a zero partial sends nothing (0·∞ = 0).
                    upstream = report.grads[m]
                    sent = FLOAT.mul(amount, upstream) if upstream else 0.0
                    users[name_of[m]] = users.get(name_of[m], 0.0) + sent

    def true_gradient(self, target: str) -> float:
        return self.report.grads[self.node_of[target]]

    # ------------------------------------------------------------ the backward pass

    def target_of(self, variable: str) -> str | None:
        if variable in self.forward_names:
            return None
        return gradient_target(variable, self.forward_names, self.output, prefix=self.prefix)

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
                for expr in walk(statement.expr):
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
            called = callees(statement.expr)
            for expr in walk(statement.expr):
                if not is_variable(expr) or id(expr) in called:
                    continue        # exp in exp(x) is a function, not a variable
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
                    hint = did_you_mean(name, [*values, *helpers, *actual])
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
                if name in tainted or close(actual[name], self.true_gradient(ref_target)):
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
                if variable in actual and earlier and not close(judged, total):
                    paths = " and ".join(earlier)
                    self.find(statement, "overwrite",
                              f"line {self.line(statement.start)} overwrites the contribution to "
                              f"{variable} already accumulated through {paths}: a fork needs +=",
                              variable)
                    tainted.add(variable)
                received[variable] = []
                if variable in actual and close(judged, total) and earlier:
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
            if close(delta, 1.0):
                done.append(target)
                return True
            self.find(statement, "wrong-local",
                      f"{variable} is the gradient of {self.output} with respect to itself: "
                      "it is 1", variable)
            return False
        else:
            # No upstream gradient is read: only a use in the output's own statement has
            # upstream 1; otherwise take whichever contribution the value matches.
            paths = [m for m in users if m not in done and close(delta, users[m])]
            paths = paths[:1] or ([self.output] if self.output in users else [])
            if not paths and not users and close(delta, 0.0):
                return True                 # nothing uses target: its gradient is 0
            if not paths:
                uses = ", ".join(users) or "nothing"
                self.find(statement, "unexplained",
                          f"the value given to {variable} is no contribution of the chain rule: "
                          f"it should be built from the gradient of what uses {target} "
                          f"({uses})", variable)
                return False
        repeated = [m for m in paths if m in done]
        if repeated and close(delta, 0.0) and len(paths) == 1 and self.uses(paths[0], target) > 1:
            return True     # max(x, x, y): the second x's share is 0, written out as a piece
        if repeated:
            self.find(statement, "twice",
                      f"line {self.line(statement.start)} adds the contribution through "
                      f"{repeated[0]} to {variable} a second time", variable)
            return False
        expected = sum(users[m] for m in paths)
        names = " and ".join(self.forward_ref(m) for m in paths)
        if close(delta, expected):
            done.extend(paths)
            return True
        if len(paths) == 1 and self.uses(paths[0], target) > 1:
            # One term per use of target in that statement (dx = x * df; dx += x * df):
            # judged once the pieces add up, or at the end if they never do.
            so_far, _ = self.pieces.get((variable, paths[0]), (0.0, None))
            so_far += delta
            self.pieces[(variable, paths[0])] = (so_far, statement)
            if close(so_far, expected):
                done.append(paths[0])
                del self.pieces[(variable, paths[0])]
            return True
        if not close(expected, 0.0) and close(delta, -expected):
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
        return sum(1 for e in walk(expr) if e.kind == "name" and e.name == target)

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
            ok = close(value, truth) and variable not in self.covered
            diagnosis = () if ok or variable in self.covered else \
                diagnose(self.report, self.node_of[target], value, REL_TOL, ABS_TOL)
            self.result.gradients.append(GradientCheck(variable, target,
                                                       last_line.get(variable, 0), ok, value,
                                                       truth, diagnosis))
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


@dataclass
class VerifiedFile:
    """One file of a class run of `gradcli verify`: its result, or why it could not be read."""
    file: str
    student: str
    result: VerifyResult | None = None
    error: GradcliError | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok

    @property
    def wrong(self) -> list[str]:
        """The gradient variables that differ from the truth."""
        return [] if self.result is None else \
            [g.variable for g in self.result.gradients if not g.ok]

    def to_json(self, show_values: bool = False) -> dict:
        out = {"file": self.file, "student": self.student, "ok": self.ok}
        if self.result is not None:
            out.update(self.result.to_json(show_values))
            out["file"] = self.file
        where = None if self.error is None else self.error.line_column
        out["error"] = None if self.error is None else {
            "message": self.error.message, "line": where[0] if where else None,
            "column": where[1] if where else None}
        return out


def verify_files(sources, bindings: dict | None = None, *, seed: int = 0):
    """One VerifiedFile per (text or reading error, name, student) of `sources`: a file that
    cannot be read or run is reported on its own and the others are still checked."""
    out = []
    for text, name, student in sources:
        if isinstance(text, GradcliError):
            out.append(VerifiedFile(name, student, error=text))
            continue
        try:
            out.append(VerifiedFile(name, student, verify(text, bindings, filename=name,
                                                          seed=seed)))
        except GradcliError as error:
            out.append(VerifiedFile(name, student, error=error.with_source(text, name)))
    return out
