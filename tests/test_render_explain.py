"""render/explain, --explain: the backward pass narrated from the report, in the note's words
for each gate, with every stated number the report's; the endings; arrays (VJPs, dimension
analysis, index gates); and --explain with another format refused."""

import re

from _helpers import assert_snapshot, report, run, run_cli

from gradcli.numbers import format_number
from gradcli.render import Settings
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


# ------------------------------------------------------------------ endings

def test_explain_without_inputs_has_no_empty_heading():
    result = run_cli("2*3", "--explain")
    assert result.code == 0
    assert "Gradients on the inputs:" not in result.out
    assert result.out.rstrip().endswith("no inputs, so there are no gradients on inputs.")


def test_explain_ends_every_input_gradient_line_alike():
    out = run_cli("f = x*y; g = f - 2*y", "x=1", "y=2", "--explain").out
    tail = out.split("Gradients on the inputs:\n")[1].splitlines()
    gradient_lines = [line for line in tail if line.startswith("  ∂")]
    assert gradient_lines == ["  ∂g/∂x = 2.", "  ∂g/∂y = -1."]
    assert any("At this fork" in line for line in tail)


def test_explain_with_another_format_is_refused(capsys):
    status, _, err = run(["(x+y)*z", "x=1", "y=2", "z=3", "--explain", "--format", "json"], capsys)
    assert status == 2
    assert "--explain writes prose" in err


# ------------------------------------------------------------------ arrays

def test_explain_narrates_vjps_and_dimension_analysis(capsys, array_folder):
    status, out, _ = run(["-f", "matmul.py", "--explain", "--upstream", "randn"], capsys)
    assert status == 0
    assert "It starts with the upstream gradient ∂D/∂D = (5, 3) [[-1.165 …] …] (randn" in out
    assert "A matmul gate sends dD @ X.T to W and W.T @ dD to X" in out
    assert "→ W: receives (5, 10) [[1.154 …] …]." in out
    assert "dW = dD @ X.T : (5, 3) @ (3, 10) -> (5, 10)" in out


def test_explain_on_the_neuron_keeps_scalar_locals_and_names_index_gates(capsys, array_folder):
    status, out, _ = run(["-f", "neuron.py", "--explain"], capsys)
    assert status == 0
    assert "Step 6. w[2]: an index gate, value -3." in out
    assert "→ w: receives (3,) [0 0 0.1966]." in out
    assert "→ w[1]: local ∂(w[1] * x[1])/∂w[1] = x[1] = -2; sends -2 × 0.1966 = -0.3932." in out
    assert "∂f/∂x = (2,) [0.3932 …]" in out
