"""render/table, the default view: snapshots of the note's examples at 80 columns, the forks'
contributions, warnings flagged, precision and --wrt, huge tables cut in the middle, colour, and
numbers never cut when the table is wider than the terminal."""

from __future__ import annotations

import io

import pytest
from _helpers import EXAMPLES, assert_snapshot, may_write_snapshots, staged_source

import gradcli
from gradcli.cli import main
from gradcli.render import Settings, renderer

WIDTH = 80


def render_table(report, settings: Settings = Settings(), width: int = WIDTH) -> str:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, no_color=True, highlight=False,
                      force_terminal=False, legacy_windows=False)
    render, kind = renderer("table")
    assert kind == "renderable"
    console.print(render(report, settings))
    return out.getvalue()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_table_snapshot(name):
    program, bindings = EXAMPLES[name]
    assert_snapshot(f"{name}.txt", render_table(gradcli.grad(program, bindings)))


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


def test_numbers_are_never_cut_when_the_table_is_wider_than_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    program = ("q = sigmoid(alpha_long_name*beta_long_name + 1e-300); "
               "f = q*1.2345678901e200 + max(alpha_long_name, beta_long_name)")
    assert main([program, "alpha_long_name=1/3", "beta_long_name=-2.7", "--precision", "17"]) == 0
    out = capsys.readouterr().out
    assert "3.5685246267660438e+199" in out.split("\nf = ")[0]    # in the table, whole
    assert "downstream" in out


# ------------------------------------------------------------------ narrow windows and redirects

@pytest.mark.parametrize("columns, layout", [("80", "table"), ("40", "stacked")])
def test_the_note_example_at_80_and_40_columns(cli, monkeypatch, columns, layout):
    monkeypatch.setenv("COLUMNS", columns)
    run = cli("2*(x*y + max(z,w))", "x=3", "y=-4", "z=2", "w=-1")
    assert run.status == 0
    assert max(len(line) for line in run.out.splitlines()) <= int(columns)
    assert_snapshot(f"max_gate_{columns}_columns.txt", run.out)
    assert ("──" in run.out) == (layout == "table")


def test_a_narrow_window_stacks_one_block_per_node(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    lines = cli("(x+y)*z", "x=-2", "y=5", "z=-4").out.splitlines()
    block = lines[lines.index("(x + y) * z  mul"):][:4]
    assert block == ["(x + y) * z  mul", "  value -12  ∂f/∂node 1",
                     "  ∂/∂(x+y) = z = -4 → -4", "  ∂/∂z = x+y = 3 → 3"]


def test_redirected_output_does_not_take_the_terminals_width(cli, monkeypatch):
    import os
    import shutil

    # A 40-column terminal the command was started from, its output going to a pipe.
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr(os, "get_terminal_size", lambda *a: os.terminal_size((40, 24)))
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((40, 24)))
    out = cli("(x+y)*z", "x=-2", "y=5", "z=-4").out
    assert out.splitlines()[1] == "─" * 66          # the 80-column table, not stacked
