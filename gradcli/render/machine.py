"""Machine formats: JSON (RFC 8259, a contract: the Report's own `to_json`) and CSV (loads in
pandas).

A scalar report's JSON and CSV are written node by node from the graph's arrays, in chunks
(the renderers' "chunks" kind): a million-node report never becomes one Python object. The
JSON is byte for byte `dumps(report.to_json())`, the one JSON form (tests hold them equal).
"""

from __future__ import annotations

import json
import math

from gradcli.numbers import json_number
from gradcli.program.graph import node_text


def dumps(data) -> str:
    """One JSON document on one line: strict RFC 8259 (no NaN or Infinity literals)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n"


# Nodes per chunk: big enough that writing costs little per node, small enough to stay flat.
CHUNK = 2048


def render_json(report, settings):
    """The report's JSON, in chunks."""
    if report.domain != "scalar":
        yield dumps(report.to_json())
        return
    yield from json_chunks(report)


def _json_float(value: float) -> str:
    """A float as json.dumps writes it (repr), non-finite ones as json_number's strings."""
    if value - value == 0.0:
        return repr(value)
    return '"NaN"' if math.isnan(value) else ('"Infinity"' if value > 0 else '"-Infinity"')


def json_chunks(report):
    """`dumps(report.to_json())`, written node by node from the graph's arrays."""
    from json.encoder import encode_basestring as quote

    graph = report.graph
    head = dumps({"value": json_number(report.value), "output": report.output,
                  "gradients": {k: json_number(v) for k, v in report.gradients.items()}})
    yield head[:-2] + ', "nodes": ['
    ops, names, exprs = graph.ops, graph.names, graph.exprs
    starts, ids = graph.arg_start, graph.arg_ids
    values, grads, local, requires = report.values, report.grads, report.local, \
        graph.requires_grad
    number = _json_float
    count = len(ops)
    for first in range(0, count, CHUNK):
        pieces = []
        for i in range(first, min(first + CHUNK, count)):
            name = names[i]
            expr = exprs[i]
            span = f"[{expr.start}, {expr.end}]" if expr is not None and expr.start >= 0 \
                else "null"
            s, e = starts[i], starts[i + 1]
            pieces.append(
                f'{{"id": {i}, "name": {"null" if name is None else quote(name)}, '
                f'"op": {quote(ops[i].name)}, "text": {quote(node_text(graph, i))}, '
                f'"span": {span}, "value": {number(values[i])}, '
                f'"inputs": [{", ".join(map(str, ids[s:e]))}], '
                f'"local": [{", ".join(map(number, local[s:e]))}], '
                f'"grad": {number(grads[i]) if requires[i] else "null"}}}')
        yield (", " if first else "") + ", ".join(pieces)
    yield '], "warnings": ' + json.dumps([dict(w) for w in report.warnings],
                                         ensure_ascii=False, allow_nan=False) + "}\n"


def error_json(error) -> str:
    return dumps({"error": error.to_json()})


CSV_COLUMNS = ["id", "name", "op", "text", "value", "grad", "inputs", "local"]


def csv_writer(out):
    """The one CSV dialect of every gradcli CSV: RFC 4180 quoting with LF line ends (which
    RFC 4180 permits and every reader takes), so a pipe of LF text tools sees no stray \r."""
    import csv

    return csv.writer(out, lineterminator="\n")


def render_csv(report, settings):
    """One row per node; `inputs` and `local` are space-separated lists (one entry per input).
    In chunks, node by node from the graph's arrays."""
    import io

    graph = report.graph
    ops, names = graph.ops, graph.names
    starts, ids = graph.arg_start, graph.arg_ids
    values, grads, local, requires = report.values, report.grads, report.local, \
        graph.requires_grad
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    count = len(ops)
    for first in range(0, count, CHUNK):
        rows = []
        for i in range(first, min(first + CHUNK, count)):
            s, e = starts[i], starts[i + 1]
            rows.append((i, names[i] or "", ops[i].name, node_text(graph, i), repr(values[i]),
                         repr(grads[i]) if requires[i] else "",
                         " ".join(map(str, ids[s:e])), " ".join(map(repr, local[s:e]))))
        writer.writerows(rows)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue()
