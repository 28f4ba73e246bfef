"""Statements of Exprs → a flat graph in single-assignment form, like a JAX jaxpr.

Node i is `op(arg ids)` with every arg id < i, so a forward sweep is a plain
loop and a reverse sweep is the same loop backwards. Inputs come first, in
the order they first appear in the text. The graph is stored as parallel
arrays (op per node, argument ids in one flat array with offsets), which keeps
a million-node graph at tens of bytes per node.
"""

from __future__ import annotations

import math
from array import array

from gradcli.errors import InputError, MathError, Span
from gradcli.expr import Expr
from gradcli.ops import (CONSTANTS, FUNCTIONS, MODULE_PREFIXES, OPS, RANDOM_MODULE, DomainFailure,
                         Op)
from gradcli.syntax import Statement

INPUT = OPS["input"]
CONST = OPS["const"]
IDENTITY = OPS["id"]

ACCEPTED_IMPORTS = {("math", None), ("numpy", None), ("numpy", "np"), ("math", "math"),
                    ("numpy", "numpy")}


# Surface forms only arrays give meaning to; the scalar lowering hands such programs on.
ARRAY_FORMS = ("index", "array", "slice", "tuple", "keyword", "unpack")



def check_import(statement: Statement) -> None:
    """Refuse any import but math and numpy (also in a backward pass, which is never lowered)."""
    if (statement.op, statement.name) not in ACCEPTED_IMPORTS:
        raise InputError(
            f"only 'import math' and 'import numpy as np' are accepted, not "
            f"'import {statement.op}{' as ' + statement.name if statement.name else ''}'",
            Span(statement.start, statement.end))

class NeedsArrays(InputError):
    """The program uses arrays: gradcli.arrays evaluates it (report.compute catches this)."""

    def __init__(self, expr: Expr | None = None, binding: str | None = None):
        span = Span(expr.start, expr.end) if expr is not None and expr.start >= 0 else None
        super().__init__("this program uses arrays", span)
        self.binding = binding          # the name of an array binding, when that is the reason


class Graph:
    """A lowered program: nodes in forward order, the output last."""

    __slots__ = ("ops", "arg_start", "arg_ids", "names", "exprs", "leaf_values", "requires_grad",
                 "text_memo",
                 "output", "inputs", "defaults", "source", "filename", "assigned_lines")

    def __init__(self, source: str, filename: str | None):
        self.ops: list[Op] = []
        self.arg_start = array("q", [0])
        self.arg_ids = array("q")
        self.names: list[str | None] = []
        self.exprs: list[Expr | None] = []
        # Values of inputs (their defaults, NaN when none) and constants; NaN for computed nodes.
        self.leaf_values = array("d")
        self.requires_grad = bytearray()
        self.output = -1
        self.inputs: dict[str, int] = {}
        self.defaults: dict[str, float | None] = {}
        self.source = source
        self.filename = filename
        self.assigned_lines: dict[str, int] = {}
        # Printed prefixes of sub-expressions, by (limit, compact): see printer.to_text.
        self.text_memo: dict = {}

    def __len__(self) -> int:
        return len(self.ops)

    def add(self, op: Op, args, expr: Expr | None, name: str | None = None,
            value: float = math.nan) -> int:
        node = len(self.ops)
        self.ops.append(op)
        grad = False
        for a in args:
            self.arg_ids.append(a)
            grad = grad or self.requires_grad[a]
        self.arg_start.append(len(self.arg_ids))
        self.names.append(name)
        self.exprs.append(expr)
        self.leaf_values.append(value)
        self.requires_grad.append(1 if (grad or op is INPUT) else 0)
        return node

    def args(self, node: int) -> array:
        return self.arg_ids[self.arg_start[node]:self.arg_start[node + 1]]

    def span(self, node: int) -> Span | None:
        expr = self.exprs[node]
        if expr is None or expr.start < 0:
            return None
        return Span(expr.start, expr.end)

    def truncate(self, last: int) -> None:
        """Drop the nodes after `last`: they cannot feed it."""
        n = last + 1
        del self.ops[n:], self.names[n:], self.exprs[n:], self.leaf_values[n:]
        del self.requires_grad[n:]
        edges = self.arg_start[n]
        del self.arg_start[n + 1:]
        del self.arg_ids[edges:]


class LineIndex:
    """Offset → 1-based line number in O(log n), so naming lines stays linear over a program."""

    def __init__(self, source: str):
        self.starts = [0]
        find = source.find
        position = find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = find("\n", position + 1)

    def line(self, offset: int) -> int:
        import bisect

        return bisect.bisect_right(self.starts, max(offset, 0))


def lower(statements: list[Statement], source: str, filename: str | None = None,
          output: str | None = None) -> Graph:
    """Build the graph of a parsed program. Raises InputError naming the line at fault."""
    return _Lowering(statements, source, filename).run(output)


class _Lowering:
    def __init__(self, statements, source, filename):
        self.statements = statements
        self.source = source
        self.graph = Graph(source, filename)
        self.env: dict[str, int] = {}
        self.assigned: dict[str, Statement] = {}
        self.lines: LineIndex | None = None

    def line(self, offset: int) -> int:
        if self.lines is None:
            self.lines = LineIndex(self.source)
        return self.lines.line(offset)

    def run(self, output: str | None) -> Graph:
        graph = self.graph
        self._survey()
        last = None
        for statement in self.statements:
            kind = statement.kind
            if kind == "import":
                continue
            if kind == "augassign":
                raise InputError(
                    f"'{statement.op}' belongs in a backward pass (check one with 'gradcli verify'); "
                    "a forward pass assigns each name once", Span(statement.name_start, statement.name_end))
            if kind == "expr":
                last = self.lower_expr(statement.expr)
                continue
            name = statement.name
            if name in graph.inputs:
                last = graph.inputs[name]           # `x = 3`: an input with a default
                self._input_reached(statement, last)
            else:
                node = self.lower_expr(statement.expr)
                if graph.names[node] is not None or graph.ops[node] in (INPUT, CONST):
                    # `q = x` names a value that already has a node or is shared: give q its own.
                    node = graph.add(IDENTITY, (node,), statement.expr, name)
                else:
                    graph.names[node] = name
                last = node
            self.env[name] = last

        if last is None:
            raise InputError("the program is empty: there is nothing to differentiate")
        if output is not None:
            if output not in self.env:
                hint = _did_you_mean(output, self.env)
                raise InputError(f"--output: the program has no name {output!r}{hint}")
            last = self.env[output]
        graph.output = last
        graph.truncate(max(last, len(graph.inputs) - 1))    # inputs stay, whatever the output
        return graph

    def _survey(self) -> None:
        """Check names across the whole program and create the input nodes, in order of appearance."""
        graph = self.graph
        first_use: dict[str, Expr] = {}
        called: dict[str, Expr] = {}
        for statement in self.statements:
            if statement.kind == "import":
                self._check_import(statement)
                continue
            callees: set[int] = set()
            for expr in _walk(statement.expr):
                if expr.kind == "name" and expr.name not in CONSTANTS \
                        and expr.name not in MODULE_PREFIXES and id(expr) not in callees:
                    first_use.setdefault(expr.name, expr)
                elif expr.kind == "call" and expr.args[0].kind == "name":
                    callees.add(id(expr.args[0]))    # a function's name is not a variable
                    called.setdefault(expr.args[0].name, expr.args[0])
            if statement.kind == "assign":
                self._check_assignment(statement, first_use)

        for name, callee in called.items():
            if name in self.assigned:
                line = self.line(self.assigned[name].start)
                raise InputError(
                    f"{name!r} is assigned on line {line} and called as a function on line "
                    f"{self.line(callee.start)}: rename the variable", Span(callee.start, callee.end))

        # Inputs first, in the order they appear: names never assigned, and names assigned
        # an expression that uses no other names.
        order: list[tuple[int, str, Expr, Statement | None]] = []
        for name, use in first_use.items():
            if name not in self.assigned:
                order.append((use.start, name, use, None))
        for name, statement in self.assigned.items():
            if statement.kind == "assign" and _uses_no_names(statement.expr):
                order.append((statement.name_start, name, None, statement))
        order.sort(key=lambda item: item[0])
        for _, name, use, statement in order:
            if statement is None:
                node = graph.add(INPUT, (), Expr("name", name=name, start=use.start, end=use.end), name)
                graph.defaults[name] = None
            else:
                default = self._input_default(statement)
                expr = Expr("name", name=name, start=statement.name_start, end=statement.name_end)
                node = graph.add(INPUT, (), expr, name, default)
                graph.defaults[name] = default
            graph.inputs[name] = node
            if statement is None:
                self.env[name] = node

    def _input_default(self, statement: Statement):
        return evaluate_constant(statement.expr)

    def _input_reached(self, statement: Statement, node: int) -> None:
        """The statement that gives an input its default comes up in program order."""

    def _check_import(self, statement: Statement) -> None:
        check_import(statement)

    def _check_assignment(self, statement: Statement, first_use: dict[str, Expr]) -> None:
        name = statement.name
        span = Span(statement.name_start, statement.name_end)
        if name in CONSTANTS:
            raise InputError(f"{name!r} is a constant and cannot be assigned", span)
        if name in MODULE_PREFIXES:
            raise InputError(f"{name!r} names a module (as in {name}.exp) and cannot be assigned", span)
        if name in self.assigned:
            earlier = self.line(self.assigned[name].start)
            raise InputError(
                f"{name!r} is assigned twice (lines {earlier} and {self.line(statement.start)}): "
                "each name is assigned once; give the new value a new name", span)
        use = first_use.get(name)
        if use is not None:
            inside = use.start >= statement.expr.start and use.end <= statement.expr.end
            if inside:
                raise InputError(f"{name!r} is used in its own definition on line "
                                 f"{self.line(statement.start)}", Span(use.start, use.end))
            raise InputError(f"{name!r} is used on line {self.line(use.start)} before it is assigned "
                             f"on line {self.line(statement.start)}", Span(use.start, use.end))
        self.assigned[name] = statement
        self.graph.assigned_lines[name] = self.line(statement.start)

    def lower_expr(self, root: Expr) -> int:
        """One node per operation, in evaluation order (inputs and names reuse their node)."""
        graph = self.graph

        def leaf(expr: Expr) -> int:
            if expr.kind == "number":
                return graph.add(CONST, (), expr, None, expr.value)
            if expr.kind == "name":
                return self._lookup(expr)
            return self._attribute(expr)

        return fold_expr(root, leaf, lambda op, args, expr: graph.add(op, args, expr))

    def _lookup(self, expr: Expr) -> int:
        name = expr.name
        if name in self.env:
            return self.env[name]
        if name in CONSTANTS:
            return self.graph.add(CONST, (), expr, None, CONSTANTS[name])
        if name in MODULE_PREFIXES:
            raise InputError(f"{name!r} is a module: use it as {name}.exp(x) or {name}.pi",
                             Span(expr.start, expr.end))
        # Unreachable for well-formed programs: _survey made every free name an input.
        raise InputError(f"{name!r} is not defined", Span(expr.start, expr.end))

    def _attribute(self, expr: Expr) -> int:
        target = expr.args[0]
        if target.kind == "name" and target.name in MODULE_PREFIXES and expr.name in CONSTANTS:
            return self.graph.add(CONST, (), expr, None, CONSTANTS[expr.name])
        span = Span(expr.op_start, expr.op_end)
        if target.kind == "name" and target.name in MODULE_PREFIXES:
            hint = _did_you_mean(expr.name, CONSTANTS)
            raise InputError(f"{target.name}.{expr.name} is not a constant gradcli knows "
                             f"(it knows pi and e){hint}", span)
        raise NeedsArrays(expr)


def resolve_function(expr: Expr, check_arity: bool = True) -> Op:
    """The op a call names: `exp(x)`, `math.exp(x)`, `np.exp(x)`; checks the argument count
    and raises NeedsArrays for an array op (unless the caller is the array lowering, which
    counts arguments itself after *-unpacking)."""
    callee = expr.args[0]
    random = False
    if callee.kind == "attr" and callee.args[0].kind == "name" \
            and callee.args[0].name in MODULE_PREFIXES:
        function = callee.name
        span = Span(callee.op_start, callee.op_end)
    elif callee.kind == "attr" and _is_random_module(callee.args[0]):
        function = callee.name
        span = Span(callee.op_start, callee.op_end)
        random = True
    elif callee.kind == "name":
        function = callee.name
        span = Span(callee.start, callee.end)
    elif callee.kind == "attr":
        raise NeedsArrays(expr)     # a method: W.dot(X)
    else:
        raise InputError("only functions can be called, like exp(x) or math.exp(x)",
                         Span(callee.start, callee.end))
    op = FUNCTIONS.get(function)
    if op is not None and random and not op.extra.get("random"):
        raise InputError(f"np.random.{function} is not a function gradcli knows: random arrays "
                         "come from np.random.randn(...) or np.random.rand(...)", span)
    if op is None:
        if function == "print":
            raise InputError("print is not needed: gradcli shows every value and gradient "
                             "itself; delete the print line", span)
        hint = _did_you_mean(function, FUNCTIONS)
        raise InputError(f"unknown function {function!r}{hint}", span)
    if check_arity and op.forward is None:
        raise NeedsArrays(expr)     # sum(x, axis=0): counted by the array lowering
    count = len(expr.args) - 1
    if check_arity and not op.accepts(count):
        raise InputError(f"{function} takes {op.arity_text()}, not {count}",
                         Span(expr.start, expr.end))
    return op


def _is_random_module(expr: Expr) -> bool:
    """`np.random` (or `numpy.random`)."""
    return expr.kind == "attr" and expr.name == RANDOM_MODULE and expr.args[0].kind == "name" \
        and expr.args[0].name in ("np", "numpy")


def _walk(root: Expr):
    """Every Expr under root in pre-order, left to right (text order), without recursion."""
    stack = [root]
    while stack:
        expr = stack.pop()
        yield expr
        for arg in reversed(expr.args):
            if arg is not None:
                stack.append(arg)


def _uses_no_names(expr: Expr) -> bool:
    """No variables: numbers, constants and calls only (a function's name is not a variable)."""
    callees: set[int] = set()
    for sub in _walk(expr):
        if sub.kind == "call" and sub.args[0].kind == "name":
            callees.add(id(sub.args[0]))
        elif sub.kind == "name" and sub.name not in CONSTANTS and sub.name not in MODULE_PREFIXES \
                and id(sub) not in callees:
            return False
    return True


def fold_expr(root: Expr, leaf, combine):
    """Evaluate an expression bottom-up with an explicit stack (trees may be 100,000 deep).

    `leaf(expr)` gives the result of a number, a name or an attribute; `combine(op, args,
    expr)` that of an operation, whose op comes from the op table (calls resolved by name).
    Array forms and array-only ops raise NeedsArrays: the array engine evaluates those.
    """
    results: list = []
    stack: list = [(root, None)]
    while stack:
        expr, op = stack.pop()
        if op is not None:
            count = len(expr.args) - (1 if expr.kind == "call" else 0)
            args = results[len(results) - count:]
            del results[len(results) - count:]
            results.append(combine(op, args, expr))
            continue
        kind = expr.kind
        if kind in ("number", "name", "attr"):
            results.append(leaf(expr))
            continue
        if kind == "call":
            op, children = resolve_function(expr), expr.args[1:]
        elif kind in ARRAY_FORMS or (kind in OPS and OPS[kind].forward is None):
            raise NeedsArrays(expr)
        elif kind in OPS:
            op, children = OPS[kind], expr.args
        else:
            raise InputError(f"{kind} is not part of the language", Span(expr.start, expr.end))
        stack.append((expr, op))
        stack.extend((arg, None) for arg in reversed(children))
    return results[0]


def evaluate_constant(root: Expr, env: dict[str, float] | None = None) -> float:
    """The value of an expression that uses no names (`pi/2`, `-4`), by the op table's kernels.

    With `env`, names found there stand for their values (verify evaluates a backward pass so).
    """
    def leaf(expr: Expr) -> float:
        if expr.kind == "number":
            return expr.value
        if expr.kind == "name":
            if env is not None and expr.name in env:
                return env[expr.name]
            if expr.name not in CONSTANTS:
                raise InputError(f"{expr.name!r}: a constant expression cannot use names",
                                 Span(expr.start, expr.end))
            return CONSTANTS[expr.name]
        target = expr.args[0]
        if not (target.kind == "name" and target.name in MODULE_PREFIXES):
            raise NeedsArrays(expr)     # [[1, 2], [3, 4]].T
        if expr.name not in CONSTANTS:
            raise InputError("a constant expression may use numbers, pi, e and functions only",
                             Span(expr.start, expr.end))
        return CONSTANTS[expr.name]

    return fold_expr(root, leaf,
                     lambda op, args, expr: apply_forward(op, args, Span(expr.start, expr.end)))


def apply_forward(op: Op, args, span: Span | None) -> float:
    """One forward step with the op's domain errors turned into MathErrors."""
    try:
        result = op.forward(*args)
    except (ValueError, ZeroDivisionError, OverflowError, DomainFailure) as exc:
        raise math_failure(op, args, exc, span) from None
    if not math.isfinite(result):
        raise math_failure(op, args, OverflowError(), span)
    return result


def math_failure(op: Op, args, exc: Exception, span: Span | None, where: str = "") -> MathError:
    from gradcli.printer import format_number

    shown = ", ".join(format_number(a) for a in args)
    if isinstance(exc, OverflowError) and op.name != "pow":
        reason = "the result is too large for a float64 (overflow)"
    elif op.domain is not None:
        reason = op.domain(*args)
    else:
        reason = str(exc) or "math domain error"
    return MathError(f"{op.name}({shown}){where}: {reason}", span)


def _did_you_mean(word: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
