"""Results show themselves (gradcli/display.py, filled by render/display.py): a short repr, the
table on a Rich console, Markdown and HTML in a notebook; without the render floor loaded,
the plain repr. Also gradcli.__version__ and str() of an error."""

import subprocess
import sys
from io import StringIO

import pytest
from _helpers import NEURON, fixed_console_text
from rich.console import Console

import gradcli


def test_a_report_repr_is_a_one_line_summary():
    report = gradcli.grad("(x+y)*z", x=-2, y=5, z=-4)
    assert repr(report) == "Report(f=-12, ∂f/∂x=-4, ∂f/∂y=-4, ∂f/∂z=3, 5 nodes)"
    many = gradcli.grad("+".join(f"x{i}" for i in range(8)), {f"x{i}": i for i in range(8)})
    assert repr(many).endswith("∂f/∂x5=1, … 2 more gradients, 15 nodes)")
    arrays = gradcli.grad("sum(w*x)", w=[1, 2], x=[3, 4])
    assert repr(arrays) == "ArrayReport(f=11, ∂f/∂w=(2,) [3 4], ∂f/∂x=(2,) [1 2], 4 nodes)"


def test_a_report_on_a_rich_console_is_its_table():
    report = gradcli.grad("(x+y)*z", x=-2, y=5, z=-4)
    from gradcli.render import Settings, renderer

    table, _ = renderer("table")
    assert fixed_console_text(report) == fixed_console_text(table(report, Settings()))
    assert "∂f/∂x = -4" in fixed_console_text(report)


def test_a_report_in_a_notebook_is_markdown_and_the_html_page():
    report = gradcli.grad("(x+y)*z", x=-2, y=5, z=-4)
    assert report._repr_markdown_().startswith("| node | op | value | ∂f/∂node |")
    page = report._repr_html_()
    assert page.startswith('<div class="gradcli"') and "<table" in page and "<svg" in page
    assert "<html" not in page and "http" not in page
    arrays = gradcli.grad("sum(w*x)", w=[1, 2], x=[3, 4])
    assert "(2,) [3 4]" in arrays._repr_html_()


def test_check_results_show_themselves():
    expect = gradcli.expect("(x+y)*z", {"value": -12, "d/dx": -3}, {"x": -2, "y": 5, "z": -4})
    assert repr(expect) == "ExpectResult(passed=False, 1 of 2 failed: d/dx)"
    assert "FAIL" in expect._repr_markdown_()
    assert '<b style="color:#cf222e">FAIL</b>' in expect._repr_html_()
    out = StringIO()
    Console(file=out, width=80, force_terminal=True, color_system="standard").print(expect)
    assert "\x1b[31mFAIL\x1b[0m" in out.getvalue()

    numeric = gradcli.gradcheck("x*y", {"x": 2, "y": 3})
    assert repr(numeric) == "GradcheckResult(passed=True, 2 good)"
    assert "gradient check" in numeric._repr_html_()

    verified = gradcli.verify("q = x + y\nf = q * z\ndq = z\ndz = q\ndx = dq\ndy = dq",
                              {"x": -2, "y": 5, "z": -4})
    assert repr(verified) == "VerifyResult(ok=True, every gradient matches: dq, dz, dx, dy)"
    wrong = gradcli.verify("f = x * y\ndx = x\ndy = x", {"x": 2, "y": 3})
    assert repr(wrong).startswith("VerifyResult(ok=False, 1 found: line 2 ")
    assert "ok" in verified._repr_html_()


def test_a_graded_file_shows_itself(tmp_path):
    answers = tmp_path / "a.toml"
    answers.write_text('[[problem]]\nprogram = "x*y"\nat = {x = 2, y = 3}\n'
                       'expect = {value = 6, "d/dx" = 2}\n')
    [result] = gradcli.check(answers)
    assert repr(result) == f"FileResult({str(answers)!r}, 0.5/1 marks, 1 of 2 items pass)"
    assert "FAIL" in result._repr_markdown_() and "PASS" in result._repr_html_()


def test_without_the_render_floor_a_result_shows_its_repr():
    code = ("import sys\n"
            "from gradcli.compute import compute\n"
            "report = compute('x*y', {'x': 2, 'y': 3})\n"
            "assert report._repr_html_() is None and report._repr_markdown_() is None\n"
            "print(report.__rich__())\n"
            "print(any(m.startswith('gradcli.render') for m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Report(f=6, ∂f/∂x=3, ∂f/∂y=2, 3 nodes)", "False"]


def test_version():
    from importlib.metadata import version

    assert gradcli.__version__ == version("gradcli")
    assert "__version__" in dir(gradcli)


def test_str_of_an_error_says_where():
    with pytest.raises(gradcli.InputError) as caught:
        gradcli.grad("x + sinn(y)", x=1, y=2)
    assert str(caught.value) == f"{caught.value.message} (line 1, column 5)"
    with pytest.raises(gradcli.GradcliError) as caught:
        gradcli.grad(NEURON + "g = f +* 2\n", filename="neuron.py")
    assert str(caught.value).endswith("(neuron.py, line 7, column 8)")
    # An error about no place in the text is its message.
    with pytest.raises(gradcli.InputError) as caught:
        gradcli.grad("x*y", x=1)
    assert str(caught.value) == caught.value.message
