"""What the names in a program mean: a call resolved to its op, the imports a program may
make, and constant expressions (`pi/2`, `-4`) evaluated by the op table's kernels.

`fold_expr` is the one bottom-up walk over an expression that resolves calls: the lowering,
constant evaluation and the exact engine's constants all use it.
"""

from __future__ import annotations

import math

from gradcli.errors import InputError, MathError, NeedsArrays, Span, did_you_mean
from gradcli.lang.expr import Expr, walk
from gradcli.lang.ops import (
    CONSTANTS,
    FUNCTIONS,
    MODULE_PREFIXES,
    OPS,
    RANDOM_MODULE,
    DomainFailure,
    Op,
)
from gradcli.numbers import exact_text

ACCEPTED_IMPORTS = {("math", None), ("numpy", None), ("numpy", "np"), ("math", "math"),
                    ("numpy", "numpy")}

# Surface forms only arrays give meaning to; the scalar lowering hands such programs on.
ARRAY_FORMS = ("subscript", "array", "slice", "tuple", "keyword", "unpack")

# The errors an op's forward function or partials may raise where the maths fails.
FAILURES = (ValueError, ZeroDivisionError, OverflowError, DomainFailure)


def check_import(statement) -> None:
    """Refuse any import but math and numpy (also in a backward pass, which is never lowered)."""
    if (statement.op, statement.name) not in ACCEPTED_IMPORTS:
        raise InputError(
            f"only 'import math' and 'import numpy as np' are accepted, not "
            f"'import {statement.op}{' as ' + statement.name if statement.name else ''}'",
            Span(statement.start, statement.end))


def span_of(expr: Expr | None) -> Span | None:
    return Span(expr.start, expr.end) if expr is not None and expr.start >= 0 else None


def is_random_module(expr: Expr) -> bool:
    """`np.random` (or `numpy.random`)."""
    return expr.kind == "attr" and expr.name == RANDOM_MODULE and expr.args[0].kind == "name" \
        and expr.args[0].name in ("np", "numpy")


def is_variable(expr: Expr) -> bool:
    """A name that stands for a value of the program (not a constant, not a module)."""
    return expr.kind == "name" and expr.name not in CONSTANTS and expr.name not in MODULE_PREFIXES


def callees(root: Expr) -> set[int]:
    """The ids of the names that are called (exp in exp(x)): functions, not variables."""
    return {id(e.args[0]) for e in walk(root) if e.kind == "call" and e.args[0].kind == "name"}


def variables(root: Expr):
    """The variable names an expression reads, in text order (repeats included)."""
    called = callees(root)
    for expr in walk(root):
        if is_variable(expr) and id(expr) not in called:
            yield expr


def uses_no_names(expr: Expr) -> bool:
    """No variables: numbers, constants and calls only (a function's name is not a variable)."""
    return next(variables(expr), None) is None


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
    elif callee.kind == "attr" and is_random_module(callee.args[0]):
        function = callee.name
        span = Span(callee.op_start, callee.op_end)
        random = True
    elif callee.kind == "name":
        function = callee.name
        span = Span(callee.start, callee.end)
    elif callee.kind == "attr":
        raise NeedsArrays(span_of(expr))     # a method: W.dot(X)
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
        raise InputError(f"unknown function {function!r}{did_you_mean(function, FUNCTIONS)}",
                         span)
    if check_arity and op.forward is None:
        raise NeedsArrays(span_of(expr))     # sum(x, axis=0): counted by the array lowering
    count = len(expr.args) - 1
    if check_arity and not op.accepts(count):
        raise InputError(f"{function} takes {op.arity_text()}, not {count}",
                         Span(expr.start, expr.end))
    return op


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
            raise NeedsArrays(span_of(expr))
        elif kind in OPS:
            op, children = OPS[kind], expr.args
        else:
            raise InputError(f"{kind} is not part of the language", span_of(expr))
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
                                 span_of(expr))
            return CONSTANTS[expr.name]
        target = expr.args[0]
        if not (target.kind == "name" and target.name in MODULE_PREFIXES):
            raise NeedsArrays(span_of(expr))     # [[1, 2], [3, 4]].T
        if expr.name not in CONSTANTS:
            raise InputError("a constant expression may use numbers, pi, e and functions only",
                             span_of(expr))
        return CONSTANTS[expr.name]

    return fold_expr(root, leaf, lambda op, args, expr: apply_forward(op, args, span_of(expr)))


def apply_forward(op: Op, args, span: Span | None) -> float:
    """One forward step with the op's domain errors turned into MathErrors."""
    try:
        result = op.forward(*args)
    except FAILURES as exc:
        raise math_failure(op, args, exc, span) from None
    if not math.isfinite(result):
        raise math_failure(op, args, OverflowError(), span)
    return result


def math_failure(op: Op, args, exc: Exception, span: Span | None, where: str = "") -> MathError:
    """The error for an op whose maths failed at these arguments: the op's own reason
    (its `domain`), or an overflow."""
    shown = ", ".join(exact_text(a) for a in args)
    if isinstance(exc, OverflowError):
        reason = "the result is too large for a float64 (overflow)"
    elif op.domain is not None:
        reason = op.domain(*args)
    else:
        reason = str(exc) or "math domain error"
    return MathError(f"{op.name}({shown}){where}: {reason}", span)
