"""Machine formats: JSON (RFC 8259, a contract) and CSV (loads in pandas)."""

from __future__ import annotations

import json
import math


def finite_or_string(value):
    """RFC 8259 has no NaN or Infinity literals: spell them as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _clean(node: dict) -> dict:
    node["value"] = finite_or_string(node["value"])
    node["grad"] = finite_or_string(node["grad"])
    node["local"] = [finite_or_string(v) for v in node["local"]]
    return node


def report_json(report) -> dict:
    """The one-liner's JSON object, as Python data (later commands embed it)."""
    if getattr(report, "arrays", False):
        return report.to_json()
    return {
        "value": finite_or_string(report.value),
        "output": report.output,
        "gradients": {k: finite_or_string(v) for k, v in report.gradients.items()},
        "nodes": [_clean(node.to_json()) for node in report.nodes],
        "warnings": [dict(w) for w in report.warnings],
    }


def render_json(report, settings) -> str:
    return json.dumps(report_json(report), ensure_ascii=False, allow_nan=False) + "\n"


def error_json(error) -> str:
    return json.dumps({"error": error.to_json()}, ensure_ascii=False, allow_nan=False) + "\n"


CSV_COLUMNS = ["id", "name", "op", "text", "value", "grad", "inputs", "local"]


def csv_writer(out):
    """The one CSV dialect of every gradcli CSV: RFC 4180 quoting with LF line ends (which
    RFC 4180 permits and every reader takes), so a pipe of LF text tools sees no stray \r."""
    import csv

    return csv.writer(out, lineterminator="\n")


def render_csv(report, settings) -> str:
    """One row per node; `inputs` and `local` are space-separated lists (one entry per input)."""
    if getattr(report, "arrays", False):
        from gradcli.render.arrays import render_csv
        return render_csv(report, settings)
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
