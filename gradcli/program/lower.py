"""Statements of Exprs → a Graph: one node per operation, inputs first, in program order.

Names are checked across the whole program before any node is made (a name used before it
is assigned, assigned twice, or called as a function is an error pointing at the line), then
each statement's expression is folded into nodes by the one bottom-up walk, `fold_expr`.
The array engine's lowering is a subclass that traces values as it goes.
"""

from __future__ import annotations

from gradcli.errors import InputError, LineIndex, NeedsArrays, Span, did_you_mean
from gradcli.lang.expr import Expr, walk
from gradcli.lang.ops import CONST, CONSTANTS, IDENTITY, INPUT, MODULE_PREFIXES
from gradcli.lang.resolve import (
    check_import,
    evaluate_constant,
    fold_expr,
    span_of,
    uses_no_names,
    variables,
)
from gradcli.lang.syntax import Statement
from gradcli.program.graph import Graph


def lower(statements: list[Statement], source: str, filename: str | None = None,
          output: str | None = None) -> Graph:
    """Build the graph of a parsed program. Raises InputError naming the line at fault."""
    return Lowering(statements, source, filename).run(output)


class Lowering:
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
                hint = did_you_mean(output, self.env)
                raise InputError(f"--output: the program has no name {output!r}{hint}")
            last = self.env[output]
        graph.output = last
        graph.truncate(max(last, len(graph.inputs) - 1))    # inputs stay, whatever the output
        graph.env = self.env
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
            for expr in walk(statement.expr):
                if expr.kind == "call" and expr.args[0].kind == "name":
                    called.setdefault(expr.args[0].name, expr.args[0])
            for expr in variables(statement.expr):
                first_use.setdefault(expr.name, expr)
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
            if statement.kind == "assign" and uses_no_names(statement.expr):
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
                f"{name!r} is assigned twice ({_lines(earlier, self.line(statement.start))}): "
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
            hint = did_you_mean(expr.name, CONSTANTS)
            raise InputError(f"{target.name}.{expr.name} is not a constant gradcli knows "
                             f"(it knows pi and e){hint}", span)
        raise NeedsArrays(span_of(expr))


def _lines(first: int, second: int) -> str:
    return f"both on line {first}" if first == second else f"lines {first} and {second}"
