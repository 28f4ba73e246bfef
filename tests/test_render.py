"""Renderers: table snapshots at 80 columns, and the machine formats' contracts."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

import contextlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gradcli
from gradcli.render import FORMATS as RENDERERS, Settings, renderer

from _helpers import staged_source
from _strategies import expression_texts

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
WIDTH = 80

EXAMPLES = {
    "add_mul": ("(x+y)*z", {"x": -2, "y": 5, "z": -4}),
    "staged": (staged_source(), {}),
    "max_gate": ("2*(x*y + max(z,w))", {"x": 3, "y": -4, "z": 2, "w": -1}),
    "sigmoid_neuron": ("1/(1+exp(-(w0*x0+w1*x1+w2)))",
                       {"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2}),
}


def render_table(report, settings: Settings = Settings(), width: int = WIDTH) -> str:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, no_color=True, highlight=False,
                      force_terminal=False, legacy_windows=False)
    render, kind = renderer("table")
    assert kind == "renderable"
    console.print(render(report, settings))
    return out.getvalue()


def render_text(report, name: str, settings: Settings = Settings()) -> str:
    render, kind = renderer(name)
    assert kind == "text"
    return render(report, settings)


def may_write_snapshots() -> bool:
    return os.environ.get("GRADCLI_UPDATE_SNAPSHOTS") == "1" and os.environ.get("CI") != "true"


def assert_matches_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if may_write_snapshots():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    assert path.is_file(), (f"missing snapshot {path.name}; look at the output, then write it with "
                            "GRADCLI_UPDATE_SNAPSHOTS=1 (never under CI=true)")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"table differs from {path.name}:\n{text}"


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_table_snapshot(name):
    program, bindings = EXAMPLES[name]
    assert_matches_snapshot(name, render_table(gradcli.grad(program, bindings)))


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_table_fits_80_columns(name):
    from rich.cells import cell_len

    program, bindings = EXAMPLES[name]
    text = render_table(gradcli.grad(program, bindings))
    assert max(cell_len(line) for line in text.splitlines()) <= WIDTH


def test_snapshots_are_never_written_under_ci(monkeypatch):
    monkeypatch.setenv("GRADCLI_UPDATE_SNAPSHOTS", "1")
    monkeypatch.setenv("CI", "true")
    assert not may_write_snapshots()
    monkeypatch.delenv("CI")
    assert may_write_snapshots()
    monkeypatch.delenv("GRADCLI_UPDATE_SNAPSHOTS")
    assert not may_write_snapshots()


def test_table_shows_the_forks_contributions(staged):
    text = render_table(gradcli.grad(staged))
    for line in ("  ← xpy", "  ← -x", "  ← num"):
        assert line in text
    assert "1.583" in text and "-0.03576" in text and "0.5121" in text


def test_table_flags_warnings_and_never_prints_them_as_plain_numbers():
    text = render_table(gradcli.grad("sqrt(x)", x=0))
    assert "inf!" in text
    assert "! the local derivative of sqrt with respect to x is infinite here" in text


def test_table_precision_and_wrt():
    report = gradcli.grad(staged_source())
    text = render_table(report, Settings(precision=8, wrt=("y", "den")))
    assert "∂f/∂y = 1.5922328" in text and "∂f/∂den = -0.79159345" in text
    assert "∂f/∂x =" not in text


def test_huge_table_is_capped_and_all_shows_every_row():
    report = gradcli.grad("+".join(f"x{i}" for i in range(200)), {f"x{i}": i for i in range(200)})
    capped = render_table(report)
    assert "\n… 339 nodes " in capped
    assert "… 339 nodes in the middle are not shown (--all shows every row)." in capped
    full = render_table(report, Settings(show_all=True))
    assert "in the middle" not in full
    assert "x199" in full and "x100 " in full
    assert len(capped.splitlines()) < len(full.splitlines()) / 2


def test_table_with_colour_uses_green_values_and_red_gradients():
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, width=WIDTH, force_terminal=True, color_system="standard",
                      no_color=False)
    console.print(renderer("table")[0](gradcli.grad("x*y", x=2, y=3), Settings()))
    text = out.getvalue()
    assert "\x1b[32m" in text and "\x1b[31m" in text


# ------------------------------------------------------------------ JSON

def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def test_json_matches_the_issue_example():
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


def test_json_is_full_precision_whatever_the_settings():
    report = gradcli.grad("x/3", x=1)
    data = strict_json(render_text(report, "json", Settings(precision=2)))
    assert data["value"] == 1 / 3


def test_strict_json_helper_rejects_nan_literals():
    with pytest.raises(ValueError):
        strict_json('{"value": NaN}')
    with pytest.raises(ValueError):
        strict_json('[Infinity]')


# ------------------------------------------------------------------ CSV and Markdown

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


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_markdown_has_one_row_per_shown_node(name):
    program, bindings = EXAMPLES[name]
    report = gradcli.grad(program, bindings)
    text = render_text(report, "markdown")
    lines = text.splitlines()
    assert lines[0].startswith("| node | op | value |") and lines[1].startswith("|---|")
    node_rows = [line for line in lines[2:] if line.startswith("| `")]
    shown = [n for n in report.nodes if n.op != "const"]
    assert len(node_rows) == len(shown)
    for line in node_rows:
        assert line.count(" | ") >= 5
    assert f"**f = " in text


def test_markdown_escapes_pipes_and_flags_warnings():
    text = render_text(gradcli.grad("abs(x)", x=0), "markdown")
    assert "⚠" in text and "abs has a kink at 0" in text


def test_every_renderer_is_registered_and_loads():
    report = gradcli.grad("x*y", x=2, y=3)
    for name in RENDERERS:
        render, kind = renderer(name)
        result = render(report, Settings())
        assert result is not None
        if kind == "text":
            assert isinstance(result, str) and result.endswith("\n")
