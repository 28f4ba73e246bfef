"""render/tree, --format tree: the expression as a Rich tree with values and gradients (and
shapes for arrays), shared nodes expanded once, cut for huge graphs, no recursion."""

from _helpers import assert_snapshot, fixed_console_text, report, run

from gradcli.render import Settings
from gradcli.render.tree import render


def test_tree_snapshots():
    for name in ("add_mul", "gates", "staged"):
        assert_snapshot(f"tree_{name}.txt", fixed_console_text(render(report(name), Settings())))


def test_tree_shows_values_and_gradients():
    text = fixed_console_text(render(report("gates"), Settings()))
    assert "max(z, w)  max  value 2  grad 2" in text
    assert "w  input  value -1  grad 0" in text


def test_shared_node_is_not_expanded_twice():
    from gradcli.compute import compute

    text = fixed_console_text(render(compute("q = x + y; f = q * q", {"x": 1, "y": 2}),
                                     Settings()))
    assert text.count("q = x + y") == 2 and text.count("shared") == 1
    assert text.count("x  input") == 1


def test_tree_is_cut_for_huge_graphs_unless_all():
    from gradcli.compute import compute

    rep = compute(" + ".join(f"x{k}" for k in range(100)), {f"x{k}": 1 for k in range(100)})
    cut = fixed_console_text(render(rep, Settings(max_rows=20)))
    assert "… 179 more nodes not shown" in cut and len(cut.splitlines()) < 60
    full = fixed_console_text(render(rep, Settings(max_rows=20, show_all=True)))
    assert "not shown" not in full and "x99  input" in full


def test_deep_expression_needs_no_recursion():
    from gradcli.compute import compute

    rep = compute("x" + " + x" * 1100, {"x": 1})
    text = fixed_console_text(render(rep, Settings(show_all=True)), width=200)
    assert "grad 1101" in text


def test_cli_tree(capsys):
    status, out, err = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "tree", "--color",
                            "never"], capsys)
    assert status == 0 and "x + y  add  value 3  grad -4" in out and err == ""


def test_tree_shows_shapes(capsys, array_folder):
    status, out, _ = run(["-f", "matmul.py", "--format", "tree"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("D = W.dot(X)  matmul  value (5, 3) [[-5.087 …] …]  grad (5, 3)")
    assert "W  input  value (5, 10) [[1.764 …] …]" in out
