"""gradcli plot: the samples (f, f′, f″ from one dual sweep each), kinks located and named,
the tangent line; the terminal plot as text (snapshots of relu, abs, max, sigmoid and x^3),
the SVG (well-formed, one polyline run per smooth piece), PNG through rsvg-convert, JSON;
and the refusals."""

from __future__ import annotations

import json
import math
import shutil
import xml.etree.ElementTree as ET

import pytest
from _helpers import assert_snapshot, run_cli

from gradcli.compute import compute, compute_plot
from gradcli.errors import InputError
from gradcli.render.plot import nice_ticks, plain_text, render_svg

FIVE = {"relu": "relu(x)", "abs": "abs(x)", "max": "max(x, 0.5)", "sigmoid": "sigmoid(x)",
        "cube": "x^3"}


@pytest.mark.parametrize("name", FIVE)
def test_terminal_plot_snapshots(name):
    result = compute_plot(FIVE[name], {}, "x", -3.0, 3.0, count=160, at=1.0,
                          second=name == "cube")
    text = plain_text(result, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert_snapshot(f"plot_{name}.txt", text)


def test_a_narrow_plot_keeps_its_labels():
    result = compute_plot("relu(x)", {}, "x", -3.0, 3.0, count=80, at=1.0)
    text = plain_text(result, width=40)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert "× x = 0: relu(x) has a kink" in text


@pytest.mark.parametrize("text, kinks", [
    ("relu(x)", [(0.0, "kink", 0.0, 1.0)]),
    ("abs(x)", [(0.0, "kink", -1.0, 1.0)]),
    ("max(x, 0.5)", [(0.5, "kink", 0.0, 1.0)]),
    ("sigmoid(x)", []),
    ("x^3", []),
    ("step(x - 1) + x", [(1.0, "jump", 1.0, 1.0)]),
    ("relu(x) * x", [(0.0, "curvature", 0.0, 0.0)]),
    ("sqrt(abs(x))", [(0.0, "infinite", None, None)]),
])
def test_kinks_are_located_and_named(text, kinks):
    data = compute_plot(text, {}, "x", -3.0, 3.0, count=101).data
    assert [(k.x, k.kind) for k in data.kinks] == [(x, kind) for x, kind, _, _ in kinks]
    for kink, (_, _, left, right) in zip(data.kinks, kinks):
        if left is not None:
            assert math.isclose(kink.left, left, abs_tol=1e-6)
            assert math.isclose(kink.right, right, abs_tol=1e-6)


def test_samples_are_the_engines_numbers():
    """f, f′ and f″ at each sample are the one-liner's value, gradient and Hessian there."""
    from gradcli.compute import compute_hessian

    result = compute_plot("sigmoid(w*x) * x^2", {"w": 2.0}, "x", -2.0, 2.0, count=9, second=True)
    assert result.data.held == {"w": 2.0}
    for sample in result.data.samples:
        report = compute("sigmoid(w*x) * x^2", {"w": 2.0, "x": sample.x})
        assert sample.f == report.value
        assert sample.df == report.gradients["x"]
        assert math.isclose(sample.d2f, compute_hessian(report, ["x"]).matrix[0][0],
                            rel_tol=1e-15, abs_tol=1e-15)


def test_the_tangent_line():
    data = compute_plot("x^2", {}, "x", -1.0, 3.0, count=5, at=1.5).data
    assert data.tangent == (1.5, 2.25, 3.0)


def test_undefined_samples_are_gaps():
    result = compute_plot("log(x)", {}, "x", -1.0, 1.0, count=21)
    assert sum(1 for s in result.data.samples if math.isnan(s.f)) == 11
    assert "f is not defined at 11 of 21 samples (gaps)" in plain_text(result)


def test_nice_ticks():
    assert nice_ticks(-3, 3, 5) == [-2.0, 0.0, 2.0]
    assert nice_ticks(0, 1, 5) == [0.0, 0.5, 1.0]
    assert nice_ticks(0, 1, 7) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_svg_is_well_formed_with_a_run_per_smooth_piece():
    result = compute_plot("step(x) + x", {}, "x", -3.0, 3.0, count=100, at=1.0, second=True)
    svg = render_svg(result, None)
    root = ET.fromstring(svg)
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    # f: two pieces (it jumps at 0); f′ and f″: two each; the tangent: one.
    assert len(lines) == 7
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "× x = 0: step(x) jumps: f has no derivative there" in texts


def test_json_samples(tmp_path):
    out = tmp_path / "samples.json"
    run = run_cli("plot", "relu(x)", "--wrt", "x=-1:1", "--points", "5", "-o", str(out))
    assert run.code == 0, run.err
    data = json.loads(out.read_text())
    assert data["x"] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert data["f"] == [0.0, 0.0, 0.0, 0.5, 1.0]
    assert data["df"] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert data["kinks"][0]["x"] == 0.0 and data["kinks"][0]["kind"] == "kink"


@pytest.mark.skipif(shutil.which("rsvg-convert") is None,
                    reason="needs rsvg-convert (librsvg2-bin) to draw a PNG")
def test_png(tmp_path):
    out = tmp_path / "relu.png"
    run = run_cli("plot", "relu(x)", "--wrt", "x=-3:3", "--at", "x=1", "-o", str(out))
    assert run.code == 0, run.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_without_rsvg_convert_is_exit_4(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    run = run_cli("plot", "relu(x)", "--wrt", "x=-3:3", "-o", str(tmp_path / "p.png"))
    assert run.code == 4
    assert "rsvg-convert" in run.err and "write .svg instead" in run.err
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("argv, message", [
    (("relu(x)", "--wrt", "x=3"), "write the plotted input and its range as NAME=LO:HI"),
    (("relu(x)", "--wrt", "x=3:-3"), "the range needs two numbers, the first smaller"),
    (("relu(x)", "--wrt", "y=-1:1"), "the plotted variable must be an input"),
    (("relu(x)", "--wrt", "x=-1:1", "x=2"), "x is the plotted variable"),
    (("relu(x)*y", "--wrt", "x=-1:1"), "y"),
    (("relu(x)", "--wrt", "x=-1:1", "--at", "y=1"), "a value of the plotted input x"),
    (("log(x)", "--wrt", "x=-1:1", "--at", "x=-1"), "there is no tangent line"),
    (("relu(x)", "--wrt", "x=-1:1", "-o", "p.gif"), "writes .svg, .png, .json or .txt"),
    (("relu(x)", "--wrt", "x=-1:1", "-o", "p.svg", "--format", "json"), "needs --format svg"),
    (("sum(w*x)", "w=[1,2]", "--wrt", "x=0:1"), "gradcli plot works on scalar programs only"),
])
def test_refusals(argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = run_cli("plot", *argv)
    assert run.code in (2, 3) and message in run.err, run.err
    assert "Traceback" not in run.err


def test_a_held_input_without_a_value_is_named():
    with pytest.raises(InputError, match="y"):
        compute_plot("x*y", {}, "x", 0.0, 1.0)
