"""Array programs → an ArrayGraph: the same flat SSA graph, traced with numpy values.

Shapes decide what a program means (`np.random.randn(*D.shape)`, a shape error
at `W @ X`), so lowering evaluates each node as it is added: every node's value
and shape are known when the next statement is lowered, and random arrays are
drawn in statement order from one generator, as Python would draw them.

Static arguments (shapes, indices, axes) are evaluated here and stored with
the node (`params`); only arrays become edges of the graph.
"""

from __future__ import annotations

import math

import numpy as np

from gradcli.engine.arrays.sweep import NO_PARAMS, evaluate, source_text
from gradcli.errors import InputError, NeedsArrays, Span, did_you_mean
from gradcli.lang.expr import Expr, walk
from gradcli.lang.ops import ATTRIBUTES, CONST, CONSTANTS, INPUT, METHODS, MODULE_PREFIXES, OPS
from gradcli.lang.resolve import (
    evaluate_constant,
    is_random_module,
    resolve_function,
    uses_no_names,
)
from gradcli.numbers import shape_text
from gradcli.program.bindings import check_bindings
from gradcli.program.graph import Graph
from gradcli.program.lower import Lowering

INDEX = OPS["index"]
STACK = OPS["stack"]
DEFERRED = "deferred"       # an input's default, drawn when its statement comes up
SIZES = ("shape", "ndim", "size")      # attributes that are numbers fixed by the shapes


class ArrayGraph(Graph):
    """A Graph whose leaf values are ndarrays, with each node's static params and traced value."""

    __slots__ = ("params", "values")

    def __init__(self, source: str, filename: str | None):
        super().__init__(source, filename)
        self.leaf_values = []
        self.params: list = []
        self.values: list = []

    def add(self, op, args, expr, name=None, value=None, params=NO_PARAMS) -> int:
        node = super().add(op, args, expr, name, value)
        self.params.append(params)
        if op is INPUT:
            self.values.append(None)        # set from a binding or its default by the lowering
        elif op is CONST:
            self.values.append(value)
        else:
            where = f" in {name}" if name else ""
            self.values.append(evaluate(op, [self.values[a] for a in args], params, expr,
                                        self.source, where))
        return node

    def truncate(self, last: int) -> None:
        super().truncate(last)
        del self.params[last + 1:], self.values[last + 1:]

    def shape(self, node: int) -> tuple:
        return self.values[node].shape


def as_value(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _is_size(expr: Expr) -> bool:
    """`D.ndim`, `D.size` or `D.shape[i]`."""
    if expr.kind == "attr":
        return expr.name in ("ndim", "size")
    return expr.kind == "subscript" and expr.args[0].kind == "attr" and expr.args[0].name == "shape"


def is_method_call(expr: Expr) -> bool:
    """`a.sum()`, not `np.exp(a)` nor `np.random.randn(2)`."""
    callee = expr.args[0]
    return callee.kind == "attr" and not (callee.args[0].kind == "name"
                                          and callee.args[0].name in MODULE_PREFIXES) \
        and not is_random_module(callee.args[0])


def method_error(callee: Expr) -> InputError:
    hint = did_you_mean(callee.name, METHODS)
    return InputError(f"arrays have no method .{callee.name}() gradcli knows{hint}",
                      Span(callee.op_start, callee.op_end))


def attribute_error(expr: Expr) -> InputError | None:
    """Why `expr` (an attribute not called) names nothing gradcli knows, or None. `.shape`
    and the other sizes are known: where they may stand is for the lowering to say."""
    target = expr.args[0]
    span = Span(expr.op_start, expr.op_end)
    if target.kind == "name" and target.name in MODULE_PREFIXES:
        if expr.name in CONSTANTS:
            return None
        hint = did_you_mean(expr.name, CONSTANTS)
        return InputError(f"{target.name}.{expr.name} is not a constant gradcli knows "
                          f"(it knows pi and e){hint}", span)
    if expr.name in ATTRIBUTES or expr.name in SIZES:
        return None
    if expr.name in METHODS:
        return InputError(f".{expr.name} is a method: call it, as in a.{expr.name}(...)", span)
    hint = did_you_mean(expr.name, [*ATTRIBUTES, "shape", *METHODS])
    return InputError(f"arrays have no attribute .{expr.name} gradcli knows{hint}", span)


def check_attribute_names(root: Expr) -> None:
    """The first unknown attribute or method name in `root`, in text order, as an error."""
    callees = set()
    faults = []
    for expr in walk(root):
        if expr.kind == "call" and expr.args[0].kind == "attr":
            callees.add(id(expr.args[0]))
            if is_method_call(expr) and expr.args[0].name not in METHODS:
                faults.append(method_error(expr.args[0]))
        elif expr.kind == "attr" and id(expr) not in callees:
            if is_random_module(expr):
                continue
            error = attribute_error(expr)
            if error is not None:
                faults.append(error)
    if faults:
        raise min(faults, key=lambda error: error.span.start)


class ArrayLowering(Lowering):
    def __init__(self, statements, source, filename, bindings: dict, rng, fold: bool = True):
        super().__init__(statements, source, filename)
        self.graph = ArrayGraph(source, filename)
        self.bindings = bindings
        self.rng = rng
        self.fold = fold        # constant array literals become one node (off while folding them)

    # ------------------------------------------------------------ inputs
    def _input_default(self, statement):
        return DEFERRED

    def _survey(self) -> None:
        super()._survey()
        graph = self.graph
        # The program's own faults come before the bindings': `x . y` with y=5 points at the
        # '.', not at y. Attribute and method names need no values to be checked.
        for statement in self.statements:
            if statement.expr is not None:
                check_attribute_names(statement.expr)
        # Names and missing inputs are checked as for scalars; the values are arrays.
        check_bindings(graph, {name: 0.0 for name in self.bindings})
        for name, node in graph.inputs.items():
            if graph.defaults[name] is None:
                graph.values[node] = self.bindings[name]

    def _input_reached(self, statement, node: int) -> None:
        default = self.constant(statement.expr)
        graph = self.graph
        graph.leaf_values[node] = default
        graph.defaults[statement.name] = default
        graph.values[node] = self.bindings.get(statement.name, default)

    def constant(self, expr: Expr) -> np.ndarray:
        """The value of an expression that uses no names, drawing from the shared generator."""
        scratch = ArrayLowering([], self.source, self.graph.filename, {}, self.rng, fold=False)
        return scratch.graph.values[scratch.lower_expr(expr)]

    # ------------------------------------------------------------ expressions
    def lower_expr(self, root: Expr) -> int:
        """Post-order walk with an explicit stack, as the scalar lowering's."""
        graph = self.graph
        results: list[int] = []
        stack: list = [(root, None)]
        while stack:
            expr, pending = stack.pop()
            if pending is not None:
                op, count, params = pending
                args = results[len(results) - count:]
                del results[len(results) - count:]
                results.append(graph.add(op, args, expr, params=params))
                continue
            kind = expr.kind
            if kind == "number":
                results.append(graph.add(CONST, (), expr, None, as_value(expr.value)))
            elif kind == "name":
                results.append(self._name(expr))
            elif kind == "array" and self.fold and uses_no_names(expr):
                results.append(graph.add(CONST, (), expr, None, self.constant(expr)))
            elif kind == "array":
                if not expr.args:
                    raise InputError("an empty array [] has no shape gradcli can use",
                                     Span(expr.start, expr.end))
                stack.append((expr, (STACK, len(expr.args), NO_PARAMS)))
                for item in reversed(expr.args):
                    stack.append((item, None))
            elif _is_size(expr):
                # D.size, D.ndim, D.shape[0]: plain numbers, fixed by the shapes.
                results.append(graph.add(CONST, (), expr, None, as_value(self._size(expr))))
            elif kind == "attr":
                attribute = self._attribute_op(expr)
                if isinstance(attribute, int):
                    results.append(attribute)
                else:
                    stack.append((expr, (attribute, 1, NO_PARAMS)))
                    stack.append((expr.args[0], None))
            elif kind == "subscript":
                key = tuple(self.static(sub, index=True) for sub in expr.args[1:])
                stack.append((expr, (INDEX, 1, (key, {}))))
                stack.append((expr.args[0], None))
            elif kind == "call":
                op, arrays, static, keywords = self._call(expr)
                if op.creates:
                    value = self._create(op, static, keywords, expr)
                    results.append(graph.add(CONST, (), expr, None, value))
                    continue
                stack.append((expr, (op, len(arrays), (static, keywords))))
                for arg in reversed(arrays):
                    stack.append((arg, None))
            elif kind == "tuple":
                raise InputError("a tuple such as (2, 3) is only accepted as a shape, as in "
                                 "np.zeros((2, 3))", Span(expr.start, expr.end))
            elif kind in ("slice", "keyword", "unpack"):
                raise InputError(f"a {kind} is only accepted inside a call or an index",
                                 Span(expr.start, expr.end))
            else:
                op = OPS[kind]
                stack.append((expr, (op, len(expr.args), NO_PARAMS)))
                for arg in reversed(expr.args):
                    stack.append((arg, None))
        return results[0]

    def _name(self, expr: Expr) -> int:
        if expr.name in CONSTANTS and expr.name not in self.env:
            return self.graph.add(CONST, (), expr, None, as_value(CONSTANTS[expr.name]))
        return self._lookup(expr)

    def _attribute_op(self, expr: Expr):
        """`a.T` → the transpose op; `np.pi` → a constant node (its id)."""
        target = expr.args[0]
        if target.kind == "name" and target.name in MODULE_PREFIXES and expr.name in CONSTANTS:
            return self.graph.add(CONST, (), expr, None, as_value(CONSTANTS[expr.name]))
        if expr.name == "shape":
            raise InputError(".shape is a tuple of sizes, not an array: use it in a shape, as in "
                             "np.random.randn(*D.shape) or np.zeros(D.shape), or take D.shape[0]",
                             Span(expr.op_start, expr.op_end))
        error = attribute_error(expr)
        if error is not None:
            raise error
        return ATTRIBUTES[expr.name]

    def _call(self, expr: Expr):
        """(op, array argument Exprs, static values, keywords) of a call or method call."""
        callee = expr.args[0]
        args = list(expr.args[1:])
        if is_method_call(expr):
            op = METHODS.get(callee.name)
            if op is None:
                raise method_error(callee)
            args.insert(0, callee.args[0])
            name = callee.name
        else:
            op = resolve_function(expr, check_arity=False)
            name = callee.name
        keywords = {}
        positional_args = []
        for arg in args:
            if arg.kind == "keyword":
                if arg.name not in op.keywords:
                    allowed = ", ".join(f"{k}=" for k in op.keywords) or "none"
                    raise InputError(f"{name}() takes no keyword {arg.name}= (it takes: {allowed})",
                                     Span(arg.start, arg.end))
                keywords[arg.name] = self.static(arg.args[0], axis=arg.name == "axis")
            else:
                positional_args.append(arg)
        arrays_count = len(positional_args) if op.arrays is None else op.arrays
        arrays = positional_args[:arrays_count]
        for arg in arrays:
            if arg.kind == "unpack":
                raise InputError("*-unpacking is only for sizes, as in randn(*D.shape)",
                                 Span(arg.start, arg.end))
        static: list = []
        for arg in positional_args[arrays_count:]:
            if arg.kind == "unpack":
                value = self.static(arg.args[0])
                if not isinstance(value, tuple):
                    raise InputError("only a tuple of sizes can be *-unpacked, as in *D.shape",
                                     Span(arg.start, arg.end))
                static.extend(value)
            else:
                static.append(self.static(arg))
        count = len(arrays) + len(static)
        if not op.accepts(count):
            raise InputError(f"{name} takes {op.arity_text()}, not {count}",
                             Span(expr.start, expr.end))
        return op, arrays, tuple(static), keywords

    def _create(self, op, static, keywords, expr) -> np.ndarray:
        span = Span(expr.start, expr.end)
        dims = static[0] if len(static) == 1 and isinstance(static[0], tuple) else static
        for size in dims:
            if not isinstance(size, int) or size < 0:
                raise InputError(f"a size must be a whole number >= 0, not {size!r}", span)
        if math.prod(dims) > 50_000_000:
            raise InputError(f"{shape_text(dims)} is too large an array ({math.prod(dims):,} "
                             "entries)", span)
        if op.extra.get("random"):
            return as_value(op.array_forward(*dims, rng=self.rng))
        return as_value(op.array_forward(tuple(dims)))

    # ------------------------------------------------------------ static values
    # Each form nests a fixed number of levels (a tuple of sizes, D.shape[0]), so these
    # helpers call each other to a bounded depth whatever the program.

    def static(self, expr: Expr, index: bool = False, axis: bool = False):
        """A value fixed when the program is lowered: a whole number, a tuple of them, a slice
        (in an index), or `D.shape`."""
        kind = expr.kind
        if kind == "slice" and index:
            lower, upper = (None if part is None else self._size(part) for part in expr.args)
            return slice(lower, upper)
        if kind == "tuple":
            return tuple(self._size(item) for item in expr.args)
        if kind == "attr" and expr.name == "shape":
            return self._named_value(expr).shape
        return self._size(expr)

    def _named_value(self, expr: Expr):
        """The traced value behind `D.shape`, `D.ndim`, `D.size`: D must be a name."""
        target = expr.args[0]
        if target.kind != "name" or target.name not in self.env:
            raise InputError(f"take .{expr.name} of a name, as in D.{expr.name}",
                             Span(expr.start, expr.end))
        return self.graph.values[self.env[target.name]]

    def _size(self, expr: Expr) -> int:
        """A whole number: a constant expression, D.shape[i], D.ndim or D.size."""
        if expr.kind == "attr" and expr.name in ("ndim", "size"):
            return int(getattr(self._named_value(expr), expr.name))
        if _is_size(expr):
            shape = self._named_value(expr.args[0])
            shape = shape.shape
            position = self._whole(expr.args[1]) if len(expr.args) == 2 else None
            if position is None or not -len(shape) <= position < len(shape):
                raise InputError(f"the shape {shape_text(shape)} has no entry here",
                                 Span(expr.start, expr.end))
            return shape[position]
        return self._whole(expr)

    def _whole(self, expr: Expr) -> int:
        """A constant expression whose value is a whole number (scalar maths only)."""
        span = Span(expr.start, expr.end)
        if not uses_no_names(expr):
            raise InputError("a size, index or axis must be a whole number (or taken from "
                             "D.shape), not a value of the program", span)
        try:
            value = evaluate_constant(expr)
        except NeedsArrays:
            raise InputError("a size, index or axis must be a whole number, not an array",
                             span) from None
        if value != round(value):
            raise InputError(f"a size, index or axis must be a whole number, not "
                             f"{source_text(self.source, expr)}", span)
        return int(value)


class Generator:
    """The one generator of a run: numpy's legacy RandomState, which np.random.seed(N) seeds,
    so the same seed and the same calls give the same arrays as in Python."""

    def __init__(self, seed: int):
        self.state = np.random.RandomState(seed)
        self.drew = False
        self.program_seed = None

    def randn(self, *dims):
        self.drew = True
        return self.state.randn(*dims)

    def rand(self, *dims):
        self.drew = True
        return self.state.rand(*dims)

    def seed(self, n: int):
        self.program_seed = n
        self.state.seed(n)
        return np.zeros(())
