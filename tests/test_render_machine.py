"""render/machine, the machine formats: JSON is RFC 8259 (no NaN or Infinity literals), full
precision whatever the settings, and the one JSON form the Python API also gives; CSV loads with
the csv module, and every command's CSV has one dialect (LF line ends, one width)."""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest
from _helpers import render_text, run_cli
from _strategies import expression_texts
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gradcli
from gradcli.render import Settings
from gradcli.render.machine import dumps

# ------------------------------------------------------------------ JSON

def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def test_json_of_the_first_example():
    report = gradcli.grad("(x+y)*z", x=-2, y=5, z=-4)
    data = strict_json(render_text(report, "json"))
    assert {"value", "gradients", "nodes", "warnings"} <= data.keys()
    assert data["value"] == -12.0
    assert data["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert data["warnings"] == []
    assert data["nodes"][0] == {"id": 0, "name": "x", "op": "input", "text": "x", "span": [1, 2],
                                "value": -2.0, "inputs": [], "local": [], "grad": -4.0}
    assert data["nodes"][-1] == {"id": 4, "name": None, "op": "mul", "text": "(x + y) * z",
                                 "span": [0, 7], "value": -12.0, "inputs": [3, 2],
                                 "local": [-4.0, 3.0], "grad": 1.0}


def test_json_nodes_are_in_forward_order_with_ids_and_spans(staged):
    data = strict_json(render_text(gradcli.grad(staged), "json"))
    nodes = data["nodes"]
    assert [n["id"] for n in nodes] == list(range(len(nodes)))
    for node in nodes:
        assert all(i < node["id"] for i in node["inputs"])
        assert len(node["local"]) == len(node["inputs"])
        if node["span"] is not None:
            start, end = node["span"]
            assert 0 <= start < end <= len(staged)
        if node["name"] is not None and node["op"] != "input":
            assert staged[node["span"][0]:node["span"][1]]
    assert nodes[-1]["name"] == "f" and nodes[-1]["grad"] == 1.0
    assert set(data["gradients"]) == {"x", "y"}
    consts = [n for n in nodes if n["op"] == "const"]
    assert consts and all(n["grad"] is None for n in consts)


def test_json_text_is_elided_past_about_60_characters():
    program = " + ".join(f"x{i}" for i in range(40))
    data = strict_json(render_text(gradcli.grad(program, {f"x{i}": 1 for i in range(40)}), "json"))
    text = data["nodes"][-1]["text"]
    assert len(text) <= 61 and text.endswith("…")


def test_json_spells_non_finite_numbers_as_strings():
    data = strict_json(render_text(gradcli.grad("sqrt(x)", x=0), "json"))
    assert data["gradients"]["x"] == "Infinity"
    assert data["nodes"][-1]["local"] == ["Infinity"]
    assert "infinite" in [w["kind"] for w in data["warnings"]]
    assert all(set(w) == {"node", "kind", "message"} for w in data["warnings"])
    undefined = strict_json(render_text(gradcli.grad("x^y", x=-2, y=2), "json"))
    assert undefined["gradients"]["y"] == "NaN"


def test_the_python_api_has_the_one_json_form():
    data = gradcli.grad("sqrt(x)", x=0).to_json()
    assert data["output"] == 1 and data["gradients"] == {"x": "Infinity"}
    json.dumps(data, allow_nan=False)       # RFC 8259: no bare inf


@settings(deadline=None, max_examples=40)
@given(expression_texts(["x", "y", "0.5", "2"], 3), st.floats(-3, 3), st.floats(-3, 3))
def test_report_to_json_is_what_format_json_prints(text, x, y):
    from gradcli.cli import main

    bindings = {"x": x, "y": y}
    try:
        report = gradcli.grad(text, **{k: v for k, v in bindings.items() if k in text})
    except gradcli.GradcliError:
        assume(False)
    words = [text] + [f"{k}={v!r}" for k, v in bindings.items() if k in text]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*words, "--format", "json"]) == 0
    assert json.loads(out.getvalue()) == report.to_json()
    # Written node by node, yet byte for byte the one JSON form.
    assert out.getvalue() == dumps(report.to_json())


def test_json_is_full_precision_whatever_the_settings():
    report = gradcli.grad("x/3", x=1)
    data = strict_json(render_text(report, "json", Settings(precision=2)))
    assert data["value"] == 1 / 3


def test_strict_json_helper_rejects_nan_literals():
    with pytest.raises(ValueError):
        strict_json('{"value": NaN}')
    with pytest.raises(ValueError):
        strict_json('[Infinity]')


# ------------------------------------------------------------------ CSV

def test_csv_loads_with_the_csv_module(staged):
    report = gradcli.grad(staged)
    rows = list(csv.DictReader(io.StringIO(render_text(report, "csv"))))
    assert len(rows) == len(report.nodes)
    assert list(rows[0]) == ["id", "name", "op", "text", "value", "grad", "inputs", "local"]
    by_name = {r["name"]: r for r in rows if r["name"]}
    assert float(by_name["x"]["grad"]) == report.gradients["x"]
    assert float(by_name["f"]["value"]) == report.value
    f = by_name["f"]
    assert [int(i) for i in f["inputs"].split()] == report.nodes[-1].inputs
    assert [float(v) for v in f["local"].split()] == report.nodes[-1].local
    const = [r for r in rows if r["op"] == "const"][0]
    assert const["grad"] == ""


def test_csv_quotes_text_with_commas():
    rows = list(csv.reader(io.StringIO(render_text(gradcli.grad("max(x, y)", x=1, y=2), "csv"))))
    assert rows[-1][3] == "max(x, y)"


def _csv_outputs(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x,y\n1,2\n3,4\n")
    lines = tmp_path / "lines.txt"
    lines.write_text("x*y\nx+y\n")
    return {
        "one-liner": run_cli("x*y", "x=1", "y=2", "--format", "csv"),
        "arrays": run_cli("sum(x*w)", "x=[1,2,3]", "w=[1,1,1]", "--format", "csv"),
        "batch": run_cli("batch", str(lines), "x=1", "y=2", "--format", "csv"),
        "expect": run_cli("x*y", "x=1", "y=2", "--expect", "d/dx=2", "--format", "csv"),
        "gradcheck": run_cli("x*y", "x=1", "y=2", "--gradcheck", "--format", "csv"),
        "at-file": run_cli("x*y", "--at-file", str(points), "--format", "csv"),
    }


def test_every_csv_path_ends_lines_with_lf_only(tmp_path):
    for path, result in _csv_outputs(tmp_path).items():
        assert result.code == 0, (path, result.err)
        assert result.out.count("\n") >= 2, path
        assert "\r" not in result.out, path
        rows = list(csv.reader(io.StringIO(result.out)))
        assert len({len(row) for row in rows}) == 1, path


def test_json_and_csv_written_in_chunks_equal_the_reports_views(staged):
    from gradcli.render.machine import CHUNK

    # More nodes than a chunk, non-finite numbers, constants with no gradient, names and spans.
    program = staged + "".join(f"f{i} = f * {i} + sqrt(x)\n" for i in range(CHUNK + 5))
    report = gradcli.grad(program, x=0.0, y=-4)
    assert render_text(report, "json") == dumps(report.to_json())
    rows = list(csv.reader(io.StringIO(render_text(report, "csv"))))
    assert len(rows) == len(report.nodes) + 1
    for row, node in zip(rows[1:], report.nodes):
        assert row == [str(node.id), node.name or "", node.op, node.text, repr(node.value),
                       "" if node.grad is None else repr(node.grad),
                       " ".join(map(str, node.inputs)), " ".join(map(repr, node.local))]
