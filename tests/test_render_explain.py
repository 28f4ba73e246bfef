"""--explain: the backward pass narrated from the report."""

import re

from _helpers import report, run
from _helpers import assert_snapshot

from gradcli.render import Settings
from gradcli.numbers import format_number
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
    from gradcli.compute import compute

    text = render(compute("relu(x)", {"x": 0}), Settings())
    assert "relu has a kink at 0" in text


def test_cli_explain(capsys):
    status, out, err = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--explain"], capsys)
    assert status == 0 and out.startswith("Backward pass of f = (x + y) * z") and err == ""
    status, out, err = run(["x", "x=1", "--explain", "--exact"], capsys)
    assert status == 2 and "one at a time" in err


def test_every_registered_renderer_is_a_format(capsys):
    from gradcli.cli.one_liner import one_liner
    from gradcli.render import RENDERERS

    [choice] = [p.type.choices for p in one_liner.params if p.name == "format_"]
    assert {name for name, _ in RENDERERS} <= set(choice)
    status, out, _ = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "explain"], capsys)
    assert status == 0 and out == render(report("add_mul"), Settings())


def _explain(program, bindings):
    from gradcli.compute import compute

    return render(compute(program, bindings), Settings())


def test_gates_are_described_in_the_programs_own_operands():
    text = _explain("u^v - w / u", {"u": 2.0, "v": 3.0, "w": 5.0}).replace("\n    ", " ")
    assert "scales the gradient by v·u^(v-1) for the base u (and by u^v·ln u for the " \
           "exponent v)" in text
    assert "divides the gradient by u for the numerator w, and scales it by -w/u² for the " \
           "denominator u" in text
    assert "passes the gradient unchanged to (u ^ v) and negated to (w / u)" in text
    # The op table's own letters never leak into a program that has no x or y.
    assert not re.search(r"\b[xy]\b", text)
    from gradcli.lang.ops import OPS

    for op in OPS.values():     # every template fills with two operands, or has no holes
        op.gate.format("a", "b")


def test_step_titles_spell_calls_as_the_program_and_the_table_do():
    from pathlib import Path

    program = (Path(__file__).parent.parent / "examples" / "staged.py").read_text()
    text = _explain(program, {})
    titles = re.findall(r"^Step \d+\. (.*?): an? \w+ gate", text, flags=re.M)
    assert "math.exp(-x)" in titles and "exp(-x)" not in titles
    # Each step's title is the name the upstream line then uses.
    for title, upstream in zip(titles, re.findall(r"Upstream gradient: ∂f/∂(.*?) = ", text)):
        head = title.split(" = ")[0]
        assert upstream in (head, f"({head})"), (title, upstream)
