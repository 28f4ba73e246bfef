"""Numbers as text: for people (a few significant digits), for round trips (every digit), and
for JSON (RFC 8259 has no NaN or Infinity literals).

Arrays are read through their own attributes (.ndim, .shape, .flat), so nothing here imports
numpy: a scalar run never pays for it.
"""

from __future__ import annotations

import math

NOT_A_NUMBER = "—"      # where a cell has no number (a constant's gradient, a missing answer)


def exact_text(value: float) -> str:
    """The shortest text that reads back as exactly this float; whole numbers without '.0'."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        text = str(int(value))
        return "-0" if text == "0" and str(value)[0] == "-" else text
    return repr(value)


def format_number(value: float | None, precision: int = 6) -> str:
    """A number for people: `precision` significant digits; inf and NaN spelt out."""
    if value is None:
        return NOT_A_NUMBER
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value + 0.0:.{precision}g}"      # + 0.0 turns -0.0 into 0


def is_array(value) -> bool:
    """An array with at least one axis (a numpy scalar, an array program's number, is not one)."""
    return bool(getattr(value, "ndim", 0))


def json_number(value):
    """A number for JSON: NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def json_value(value):
    """A number or an array for JSON: arrays as nested lists, non-finite entries as strings."""
    if value is None:
        return None
    if is_array(value):
        import numpy  # already loaded: the value is an array

        if numpy.isfinite(value).all():
            return value.tolist()
        return _nested(value.tolist())
    return json_number(float(value))


def _nested(rows):
    """Nested lists with every float passed through json_number, without recursion."""
    out: list = []
    stack = [(rows, out)]
    while stack:
        source, target = stack.pop()
        for item in source:
            if isinstance(item, list):
                inner: list = []
                target.append(inner)
                stack.append((item, inner))
            else:
                target.append(json_number(item))
    return out


def repr_value(value) -> str:
    """Every digit, for CSV: repr of a number, the JSON nested lists of an array."""
    if is_array(value):
        import json

        return json.dumps(json_value(value))
    return repr(float(value)) if hasattr(value, "ndim") else repr(value)


def shape_text(shape) -> str:
    return str(tuple(int(n) for n in shape))


PREVIEW_WIDTH = 15


def preview(value, precision: int = 4, width: int = PREVIEW_WIDTH) -> str:
    """The first entries of an array, as numpy prints them, cut to about `width` characters:
    `[[1 2] [3 4]]` whole, or `[[1.76 0.4 …] …]` where the rest does not fit."""
    if value is None:
        return NOT_A_NUMBER
    if not hasattr(value, "ndim") or value.ndim == 0:
        return format_number(float(value), precision)
    shape = value.shape
    ndim = len(shape)
    if value.size == 0:
        return "[" * ndim + "]" * ndim
    out = ""
    depth = 0
    index = [0] * ndim
    last = value.size - 1
    for i, entry in enumerate(value.flat):
        opens = 0
        while opens < ndim and index[ndim - 1 - opens] == 0:
            opens += 1
        closes = 0
        while closes < ndim and index[ndim - 1 - closes] == shape[ndim - 1 - closes] - 1:
            closes += 1
        piece = (" " if i else "") + "[" * opens + format_number(float(entry), precision) \
            + "]" * closes
        after = depth + opens - closes
        if i and len(out) + len(piece) + (0 if i == last else 2 * after + 2) > width:
            # Close what is open; a level with entries still to come says so with '…'.
            for axis in range(depth - 1, -1, -1):
                more = axis == depth - 1 or index[axis] < shape[axis] - 1
                out += " …]" if more else "]"
            return out
        out += piece
        depth = after
        for axis in range(ndim - 1, -1, -1):       # the next index, in C order
            index[axis] += 1
            if index[axis] < shape[axis]:
                break
            index[axis] = 0
    return out


def number_label(number, precision: int) -> str:
    """A number, or an array as its shape and a preview of its first entries."""
    if number is None:
        return NOT_A_NUMBER
    if is_array(number):
        return f"{shape_text(number.shape)} {preview(number, precision)}"
    return format_number(float(number), precision)
