"""render/dot and render/mermaid, pictures of the circuit (values and gradients on the wires,
shapes and previews for arrays), and `gradcli graph` writing them, through Graphviz for
pictures."""

import os
import re
import shutil

import pytest
from _helpers import assert_snapshot, report, run

from gradcli.render import Settings
from gradcli.render.dot import render as render_dot
from gradcli.render.mermaid import render as render_mermaid

NEEDS_DOT = pytest.mark.skipif(shutil.which("dot") is None and os.environ.get("CI") != "true",
                               reason="Graphviz is not installed (.ci/system-packages installs it)")


@pytest.mark.parametrize("name", ["add_mul", "neuron", "gates", "staged"])
def test_dot_snapshot(name):
    assert_snapshot(f"dot_{name}.dot", render_dot(report(name), Settings()))


@pytest.mark.parametrize("name", ["add_mul", "neuron", "gates", "staged"])
def test_mermaid_snapshot(name):
    assert_snapshot(f"mermaid_{name}.mmd", render_mermaid(report(name), Settings()))


def _wires(dot_text):
    """(value, grad) on each wire label, in order."""
    pattern = re.compile(r'<font color="#1a7f37">([^<]*)</font></td></tr><tr><td>'
                         r'(?:<font color="#cf222e">([^<]*)</font>)?')
    return pattern.findall(dot_text)


def test_note_figure_add_mul_values_and_gradients():
    # The note's first figure: x=-2 (grad -4), y=5 (-4), q=3 (-4), z=-4 (3), f=-12 (1).
    wires = _wires(render_dot(report("add_mul"), Settings()))
    assert sorted(wires) == sorted([("-2", "-4"), ("5", "-4"), ("3", "-4"), ("-4", "3"),
                                    ("-12", "1")])


def test_note_figure_neuron_gradients():
    wires = _wires(render_dot(report("neuron"), Settings(precision=2)))
    # The note's figure: w0 gets -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20; f = 0.73.
    for pair in [("2", "-0.2"), ("-1", "0.39"), ("-3", "-0.39"), ("-2", "-0.59"), ("-3", "0.2"),
                 ("0.37", "-0.53"), ("1.4", "-0.53"), ("0.73", "1")]:
        assert pair in wires


def test_gate_pattern_figure():
    text = render_dot(report("gates"), Settings())
    wires = _wires(text)
    # mul swaps (x gets -8, y gets 6), max routes (z gets 2, w gets 0), 2*· scales.
    assert ("3", "-8") in wires and ("-4", "6") in wires
    assert ("2", "2") in wires and ("-1", "0") in wires
    assert 'label="2*·"' in text and 'label="max"' in text


def test_constants_fold_into_gate_labels():
    text = render_dot(report("neuron"), Settings())
    assert 'label="1+·"' in text and 'label="1/·"' in text
    assert 'label="1"' not in text          # no separate constant node for the folded 1s


def test_forks_carry_each_share_on_its_own_wire():
    from gradcli.compute import compute

    text = render_dot(compute("x*x", {"x": 3.0}), Settings())
    assert _wires(text).count(("3", "3")) == 2     # each use sends 3; they add up to 6


def test_large_graph_is_elided_with_a_note():
    from gradcli.compute import compute

    program = " + ".join(f"sin(x{k})" for k in range(200))
    rep = compute(program, {f"x{k}": 0.5 for k in range(200)})
    text = render_dot(rep, Settings(max_nodes=40))
    assert "nodes are not drawn" in text and "elided" in text
    drawn = len(re.findall(r"^  n\d+ \[", text, flags=re.M))
    assert drawn <= 40 + 200    # the gates nearest the output, and the inputs
    assert len(re.findall(r"shape=circle", text)) <= 40
    full = render_dot(rep, Settings(max_nodes=40, show_all=True))
    assert "not drawn" not in full and len(re.findall(r"shape=circle", full)) == 399


def test_graph_command_prints_dot(capsys):
    status, out, err = run(["graph", "(x+y)*z", "x=-2", "y=5", "z=-4"], capsys)
    assert status == 0 and out.startswith("digraph circuit {") and err == ""


def test_graph_command_mermaid_file(tmp_path, capsys):
    target = tmp_path / "c.mmd"
    status, out, err = run(["graph", "(x+y)*z", "x=-2", "y=5", "z=-4", "-o", str(target)], capsys)
    assert status == 0 and out == ""
    assert target.read_text().startswith("flowchart LR")
    assert '"-2 / -4"' in target.read_text()


def test_one_liner_formats_share_the_renderers(capsys):
    status, out, _ = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "dot"], capsys)
    assert status == 0 and out == render_dot(report("add_mul"), Settings())
    status, out, _ = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "mermaid"], capsys)
    assert status == 0 and out == render_mermaid(report("add_mul"), Settings())


@NEEDS_DOT
@pytest.mark.parametrize("extension", ["svg", "png", "pdf"])
def test_graph_command_runs_graphviz(tmp_path, capsys, extension):
    target = tmp_path / f"c.{extension}"
    status, _, err = run(["graph", "2*(x*y+max(z,w))", "x=3", "y=-4", "z=2", "w=-1",
                          "-o", str(target)], capsys)
    assert status == 0, err
    data = target.read_bytes()
    assert {"svg": b"<svg", "png": b"\x89PNG", "pdf": b"%PDF"}[extension] in data[:400]
    if extension == "svg":
        text = data.decode()
        assert "-8" in text and "max" in text
    assert [p.name for p in tmp_path.iterdir()] == [f"c.{extension}"]   # no temporary left


def test_missing_graphviz_exits_4_and_leaves_no_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    target = tmp_path / "c.png"
    status, out, err = run(["graph", "x*y", "x=1", "y=2", "-o", str(target)], capsys)
    assert status == 4
    assert "graphviz" in err and "apt-get install graphviz" in err
    assert list(tmp_path.iterdir()) == []


def test_unknown_extension_is_bad_input(tmp_path, capsys):
    status, out, err = run(["graph", "x*y", "x=1", "y=2", "-o", str(tmp_path / "c.jpg")], capsys)
    assert status == 2 and "unknown extension '.jpg'" in err and ".svg" in err


def test_graph_errors_point_at_the_text(capsys):
    status, out, err = run(["graph", "x*", "x=1"], capsys)
    assert status == 2 and "^" in err and out == ""
    status, out, err = run(["graph", "log(x)", "x=-1"], capsys)
    assert status == 3 and "log" in err


def test_graph_expression_may_start_with_minus(capsys):
    status, out, _ = run(["graph", "-x*y", "x=1", "y=2"], capsys)
    assert status == 0 and 'label="-·"' in out


def test_graph_unknown_option_is_named(capsys):
    status, out, err = run(["graph", "x*y", "x=1", "y=2", "--max-node", "3"], capsys)
    assert status == 2 and "no such option '--max-node' (did you mean '--max-nodes'?)" in err
    status, out, err = run(["diff", "x*y", "--wrtt", "x"], capsys)
    assert status == 2 and "no such option '--wrtt'" in err


def test_graph_format_must_match_extension(tmp_path, capsys):
    status, out, err = run(["graph", "x*y", "x=1", "y=2", "--format", "mermaid", "-o",
                            str(tmp_path / "c.dot")], capsys)
    assert status == 2 and "a .dot file needs --format dot, not --format mermaid" in err and list(tmp_path.iterdir()) == []


def test_graph_into_missing_directory(tmp_path, capsys):
    status, out, err = run(["graph", "x*y", "x=1", "y=2", "-o",
                            str(tmp_path / "nope" / "c.svg")], capsys)
    assert status == 2 and "does not exist" in err


@NEEDS_DOT
def test_one_liner_dot_to_a_picture_runs_graphviz(tmp_path, capsys):
    target = tmp_path / "c.svg"
    status, out, err = run(["x*y", "x=1", "y=2", "--format", "dot", "-o", str(target)], capsys)
    assert status == 0 and target.read_text().lstrip().startswith("<?xml")


# ------------------------------------------------------------------ arrays

def test_dot_wires_carry_shapes_and_previews(capsys, array_folder):
    status, out, _ = run(["-f", "neuron.py", "--format", "dot"], capsys)
    assert status == 0
    assert "(3,) [2 -3 -3]" in out                 # the value on w's wire
    assert "(3,) [-0.1966 0 0]" in out             # what w[0] sends back to w
    assert 'label="·[0]"' in out                   # an index gate, its wire as the hole


def test_mermaid_output_wire_carries_the_upstream_used(capsys, array_folder):
    status, out, _ = run(["-f", "matmul.py", "--format", "mermaid", "--upstream", "randn"], capsys)
    assert status == 0
    assert '"(5, 10) [[1.764 …] …] / (5, 10) [[1.154 …] …]"' in out   # W, and the note's dW
    assert "/ (5, 3) [[-1.165 …] …]\" --> output" in out               # dD, drawn by randn


def test_graph_command_draws_arrays(capsys, array_folder):
    status, out, _ = run(["graph", "-f", "matmul.py", "--upstream", "randn"], capsys)
    assert status == 0 and out.startswith("digraph circuit {")
    assert "(5, 10) [[1.154 …] …]" in out
