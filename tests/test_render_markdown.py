"""render/markdown: one row per shown node, pipes escaped, warnings flagged."""

import pytest
from _helpers import EXAMPLES, render_text

import gradcli


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
    assert "**f = " in text


def test_markdown_escapes_pipes_and_flags_warnings():
    text = render_text(gradcli.grad("abs(x)", x=0), "markdown")
    assert "⚠" in text and "abs has a kink at 0" in text
