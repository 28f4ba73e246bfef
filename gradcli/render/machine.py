"""Machine formats: JSON (RFC 8259, a contract: the Report's own `to_json`) and CSV (loads in
pandas)."""

from __future__ import annotations

import json


def dumps(data) -> str:
    """One JSON document on one line: strict RFC 8259 (no NaN or Infinity literals)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n"


def render_json(report, settings) -> str:
    return dumps(report.to_json())


def error_json(error) -> str:
    return dumps({"error": error.to_json()})


CSV_COLUMNS = ["id", "name", "op", "text", "value", "grad", "inputs", "local"]


def csv_writer(out):
    """The one CSV dialect of every gradcli CSV: RFC 4180 quoting with LF line ends (which
    RFC 4180 permits and every reader takes), so a pipe of LF text tools sees no stray \r."""
    import csv

    return csv.writer(out, lineterminator="\n")


def render_csv(report, settings) -> str:
    """One row per node; `inputs` and `local` are space-separated lists (one entry per input)."""
    import io

    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    for node in report.nodes:
        writer.writerow([node.id, node.name or "", node.op, node.text, repr(node.value),
                         "" if node.grad is None else repr(node.grad),
                         " ".join(str(i) for i in node.inputs),
                         " ".join(repr(v) for v in node.local)])
    return out.getvalue()
