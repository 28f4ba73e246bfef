"""Values given from outside a program, checked against its inputs: typo protection (every
binding names an input, every input without a default is bound) and the wording of a missing
input for where it is given (the command line, a problem's `at` table, the Python API)."""

from __future__ import annotations

import math

from gradcli.errors import InputError, did_you_mean
from gradcli.lang.ops import CONSTANTS
from gradcli.program.graph import Graph


def check_bindings(graph: Graph, bindings: dict[str, float]) -> dict[str, float]:
    """Typo protection: every binding names an input, and every input without a default is bound."""
    for name, value in bindings.items():
        if name not in graph.inputs:
            if name in graph.assigned_lines:
                raise InputError(f"{name!r} is computed by the program (line "
                                 f"{graph.assigned_lines[name]}), so it cannot be given a value")
            if name in CONSTANTS:
                raise InputError(f"{name!r} is a constant and cannot be given a value")
            hint = did_you_mean(name, graph.inputs)
            known = ", ".join(graph.inputs) or "none"
            raise InputError(f"the program has no input named {name!r}{hint}; its inputs are: {known}")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise InputError(f"the value for {name!r} must be a finite number, not {value!r}")
    missing = [name for name, default in graph.defaults.items()
               if default is None and name not in bindings]
    if missing:
        example = " ".join(f"{name}=1" for name in missing)
        hints = [h for h in (did_you_mean(name, graph.assigned_lines) for name in missing) if h]
        extra = f"; if a name is misspelt{hints[0]}" if hints else ""
        error = InputError(_missing_message(missing, "on the command line", example, extra))
        error.missing, error.missing_extra = tuple(missing), extra
        raise error
    return {name: float(value) for name, value in bindings.items()}


def _missing_message(missing, where: str, example: str, extra: str) -> str:
    noun = "input" if len(missing) == 1 else "inputs"
    return (f"no value for the {noun} {', '.join(missing)}: give "
            f"{'it' if len(missing) == 1 else 'them'} {where}, e.g. {example}{extra}")


def reword_missing(error, where: str, example) -> None:
    """Where check_bindings' missing inputs go outside the command line (a check file's
    `at`, the Python API's bindings): `example(names)` shows it."""
    missing = getattr(error, "missing", None)
    if missing:
        error.message = _missing_message(missing, where, example(missing), error.missing_extra)
        error.args = (error.message,)      # str(error) says the same


def is_array_value(value) -> bool:
    """A binding only the array engine takes: a list or an ndarray (a Python or numpy float
    is a number)."""
    return isinstance(value, (list, tuple)) or (hasattr(value, "shape")
                                                 and not isinstance(value, (int, float)))
