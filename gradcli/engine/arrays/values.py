"""Array values from outside the program: command-line literals and .npy/.csv/.json files.

Nothing here executes what it reads: .npy files load with allow_pickle=False,
JSON with the json module, CSV as plain numbers.
"""

from __future__ import annotations

import re

import numpy as np

from gradcli.engine.arrays.lower import ArrayLowering, Generator
from gradcli.errors import InputError, Span, reading
from gradcli.lang.expr import walk
from gradcli.lang.resolve import uses_no_names

SUFFIXES = (".npy", ".csv", ".json")


def constant_array(expr, source: str) -> np.ndarray:
    """`[[1, 2], [3, 4]]` or `np.zeros(3)` given as a binding's value (no names allowed)."""
    if not uses_no_names(expr):
        # float() would take nan and inf; gradcli takes finite numbers only.
        for sub in walk(expr):
            if sub.kind == "name" and sub.name.lower() in ("nan", "inf", "infinity"):
                raise InputError(f"{sub.name!r}: a value must be a finite number",
                                 Span(sub.start, sub.end))
        raise InputError("a value cannot use names")
    lowering = ArrayLowering([], source, None, {}, Generator(0), fold=False)
    return lowering.graph.values[lowering.lower_expr(expr)]


def check_array(value, what: str) -> np.ndarray:
    """A finite float array, or an InputError naming `what`."""
    try:
        array = np.asarray(value, dtype=float)
    except (ValueError, TypeError):
        raise InputError(f"{what} is not a rectangular array of numbers (rows of different "
                         "lengths, or entries that are not numbers)") from None
    if array.dtype == object or not np.isfinite(np.add.reduce(array, axis=None)) and \
            not np.isfinite(array).all():
        raise InputError(f"{what} must hold finite numbers only")
    return array


def read_array(path: str) -> np.ndarray:
    """An array from a .npy (never pickled objects), .csv (numbers, rows) or .json (nested lists)."""
    suffix = path[path.rfind("."):].lower() if "." in path else ""
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: an array file must end in .npy, .csv or .json")
    with reading(path, "an array file"):
        if suffix == ".npy":
            try:
                data = np.load(path, allow_pickle=False)
            except ValueError as exc:
                raise InputError(f"{path}: not a plain numeric .npy file ({exc})") from None
            if not np.issubdtype(data.dtype, np.number) and data.dtype != bool:
                raise InputError(f"{path}: holds {data.dtype} values, not numbers")
        elif suffix == ".json":
            import json

            with open(path, encoding="utf-8") as f:
                try:
                    data = json.load(f)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
            if isinstance(data, bool) or not isinstance(data, (list, int, float)):
                raise InputError(f"{path}: JSON must be a number or nested lists of numbers")
        else:
            data = _read_csv(path)
    return check_array(data, path)


# A cell as float() reads it, in ASCII (not ١٢, nor 1_000), and the non-finite spellings, which
# check_array refuses by name.
_NUMBER_CELL = re.compile(r"[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|nan|inf|infinity)",
                          re.IGNORECASE | re.ASCII)


def _read_csv(path: str) -> list:
    """Rows of numbers; one row gives a vector; a header row of names is not accepted."""
    import csv

    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if not all(_NUMBER_CELL.fullmatch(cell) for cell in cells):
                raise InputError(f"{path}, line {number}: every cell must be a number (ASCII "
                                 "digits, like 1, -2.5 or 3e-4)")
            rows.append([float(cell) for cell in cells])
    if not rows:
        raise InputError(f"{path} holds no numbers")
    if len({len(r) for r in rows}) > 1:
        raise InputError(f"{path}: rows have different numbers of cells")
    return rows[0] if len(rows) == 1 else rows
