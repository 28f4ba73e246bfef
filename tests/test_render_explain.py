"""--explain: the backward pass narrated from the report."""

import re

from _circuits import report, run
from _snapshots import assert_snapshot

from gradcli.render import Settings, format_number
from gradcli.render.explain import render


def test_explanation_snapshots():
    for name in ("add_mul", "neuron", "gates", "staged"):
        assert_snapshot(f"explain_{name}.txt", render(report(name), Settings()))


def test_gate_patterns_in_the_notes_words():
    text = render(report("gates"), Settings())
    assert "An add gate distributes the gradient unchanged to all its inputs." in text
    assert "A max gate routes the whole gradient to its largest input." in text
    assert "A mul gate swaps its inputs" in text
    assert "→ w: local ∂max(z, w)/∂w = step(w - z) = 0; sends 0 × 2 = 0." in text


def test_forks_add_up():
    text = render(report("staged"), Settings())
    assert ("∂f/∂x = 1.583 (from xpy) + (-0.03576) (from sigx) + 0.5121 (from num) = 2.06"
            in text.replace("\n      ", " "))


def test_every_stated_gradient_is_the_reports():
    rep = report("staged")
    text = render(rep, Settings(precision=6))
    for name, grad in rep.gradients.items():
        assert f"∂f/∂{name} = {format_number(grad, 6)}" in text
    # Each "sends a × b = c" is arithmetic that holds at the shown precision.
    for a, b, c in re.findall(r"sends (\S+) × \(?(\S+?)\)? = (\S+)\.", text):
        assert abs(float(a) * float(b) - float(c)) <= 1e-4 * max(1.0, abs(float(c)))


def test_lines_fit_80_columns():
    for name in ("add_mul", "neuron", "gates", "staged"):
        assert max(len(line) for line in render(report(name), Settings()).splitlines()) <= 80


def test_kinks_are_mentioned():
    from gradcli.report import compute

    text = render(compute("relu(x)", {"x": 0}), Settings())
    assert "relu has a kink at 0" in text


def test_cli_explain(capsys):
    status, out, err = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--explain"], capsys)
    assert status == 0 and out.startswith("Backward pass of f = (x + y) * z") and err == ""
    status, out, err = run(["x", "x=1", "--explain", "--exact"], capsys)
    assert status == 2 and "one at a time" in err


def test_every_registered_renderer_is_a_format(capsys):
    from gradcli.cli import FORMATS
    from gradcli.render import RENDERERS

    assert set(RENDERERS) <= set(FORMATS)
    status, out, _ = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "explain"], capsys)
    assert status == 0 and out == render(report("add_mul"), Settings())
