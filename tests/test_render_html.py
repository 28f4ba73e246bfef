"""render/html (--format html) and render/layout: one self-contained page with the circuit, the
table and the backward pass as steps, read here as text (tests/test_browser.py plays it in a
real browser)."""

import json
import re

import pytest
from _helpers import CIRCUITS, report, run_cli

import gradcli
from gradcli.render import RENDERERS, Settings
from gradcli.render.circuit import build
from gradcli.render.html import render
from gradcli.render.layout import ROW, lay_out

NEURON = CIRCUITS["neuron"]


def fifty_nodes() -> str:
    """A staged program of 50 nodes with forks: each stage uses the two before it."""
    lines = ["a = 0.5", "b = -1.5", "c = 2"]
    names = ["a", "b", "c"]
    functions = ("sigmoid", "tanh", "relu")
    k = 0
    while True:
        text = "\n".join(lines) + "\n"
        if len(gradcli.grad(text).nodes) >= 50:
            return text
        name = f"s{k}"
        lines.append(f"{name} = {functions[k % 3]}({names[-1]}) * {names[-2]} + {names[-3]}")
        names.append(name)
        k += 1


def page_of(program: str, bindings: dict) -> str:
    return render(gradcli.grad(program, bindings), Settings())


def test_html_is_registered_for_numbers_and_arrays():
    assert ("html", "scalar") in RENDERERS and ("html", "array") in RENDERERS
    page = run_cli("sum(w*x)", "w=[1,2]", "x=[3,4]", "--format", "html").out
    assert "(2,) [3 4]" in page and "receives" in page


@pytest.mark.parametrize("name", list(CIRCUITS))
def test_the_page_is_one_file_that_fetches_nothing(name):
    page = render(report(name), Settings())
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "http" not in page
    for fetch in ("src=", "href=", "url(", "@import", "<link", "<iframe", "<img"):
        assert fetch not in page, fetch
    assert page.count("<script>") == 1 and page.count("<svg") == 1


def test_the_page_holds_the_json_report():
    page = page_of(*NEURON)
    data = re.search(r'<script type="application/json" class="gradcli-report">(.*?)</script>',
                     page, re.S).group(1)
    assert json.loads(data) == gradcli.grad(*NEURON).to_json()


def test_the_steps_go_back_from_the_output_one_gate_at_a_time():
    result = gradcli.grad(*NEURON)
    page = render(result, Settings())
    nodes = [int(n) for n in re.findall(r'<section class="step" data-step="\d+" data-node="(\d+)"',
                                        page)]
    gates = [n.id for n in reversed(result.nodes) if n.inputs and n.grad is not None]
    assert nodes == gates
    steps = re.findall(r'data-step="(\d+)"', page)
    assert steps == [str(k) for k in range(len(gates) + 2)]      # the forward pass, the inputs
    # Each wire's gradient appears at the step of the gate that sends it back.
    assert re.findall(r'class="label g" data-at="(\d+)"', page)
    assert 'class="label g" data-at="1"' in page


def test_with_javascript_off_every_number_shows():
    page = page_of("q = x + y; f = q * x", {"x": -2, "y": 5})
    assert 'class="controls" hidden' in page
    assert "later" not in page.split("<script>")[0].replace(".gradcli .later", "")
    # The fork at x: its two contributions, adding up.
    assert re.search(r"At this fork the gradients add up: it is used 2 times, so "
                     r'<span class="g contribution" data-from="\d+">3</span>', page)


def test_a_fifty_node_page_is_small():
    page = page_of(fifty_nodes(), {})
    assert len(page.encode()) <= 300_000, len(page.encode())


def test_dash_o_writes_the_page(tmp_path):
    out = tmp_path / "page.html"
    done = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "html", "-o", str(out))
    assert done.code == 0 and done.out == ""
    assert out.read_text().startswith("<!DOCTYPE html>")
    # Without --format, the extension picks the format; a format that breaks it is refused.
    named = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "-o", str(tmp_path / "t.html"))
    assert named.code == 0 and (tmp_path / "t.html").read_text().startswith("<!DOCTYPE html>")
    refused = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "json", "-o",
                      str(tmp_path / "u.html"))
    assert refused.code == 2 and "a .html file needs --format html" in refused.err


@pytest.mark.parametrize("name", list(CIRCUITS))
def test_the_layout_sets_each_gate_right_of_its_inputs_and_apart(name):
    circuit = build(report(name))
    layout = lay_out(circuit)
    for wire in circuit.wires:
        assert layout.points[wire.source][0] < layout.points[wire.target][0]
    columns: dict = {}
    for gate in circuit.gates:
        columns.setdefault(layout.columns[gate.id], []).append(layout.points[gate.id][1])
    for heights in columns.values():
        heights.sort()
        assert all(b - a >= ROW - 1e-9 for a, b in zip(heights, heights[1:]))
    assert all(0 < x < layout.width and 0 < y < layout.height for x, y in layout.points.values())


def test_a_large_programs_page_stays_small():
    """Past the limits the page draws the gates nearest the output, cuts the table and the
    steps, sums a fork of thousands of uses, and leaves the JSON out (--format json has it)."""
    lines = ["x = 0.5", "y = 0.25"] + [f"t{i} = sin({'x' if i == 0 else f't{i - 1}'}) * y"
                                         for i in range(600)]
    page = page_of("\n".join(lines) + "\n", {})
    assert len(page.encode()) <= 300_000, len(page.encode())
    assert "… 562 more lines" in page and "593 more</code>" in page
    assert "it is used 600 times, and the 600 contributions add up" in page
    assert "gradcli-report" not in page.split("<script>")[0].split("<style>")[0] + \
        page.split("</style>")[1].split("<script>")[0]
    assert "--format json writes it" in page
