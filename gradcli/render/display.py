"""Fills gradcli/display.py's table, so results show themselves in a notebook and on a Rich
console: a report as its table (Rich), its Markdown table, and its HTML page (the circuit, the
table and the backward pass step by step); a check's result as the lines its command prints,
PASS in green and FAIL in red.

Imported by the Python API; the renderers themselves load only when a result is shown.
"""

from __future__ import annotations

import html

from gradcli.display import DISPLAYS
from gradcli.lazy import load
from gradcli.render import RENDERERS, Settings, renderer
from gradcli.render.checks import file_lines
from gradcli.render.style import GRAD_COLOR, VALUE_COLOR

# The page without its document around it, as a notebook cell shows it, by value domain.
FRAGMENTS = {"scalar": "gradcli.render.html:fragment", "array": "gradcli.render.html:fragment"}

# The words a check's lines start with, and their colours.
VERDICT_STYLES = {"PASS": "green", "ok": "green", "FAIL": "red"}


def _report_rich(report):
    function, _ = renderer("table", report.domain, report)
    return function(report, Settings())


def _report_markdown(report):
    if ("markdown", report.domain) not in RENDERERS:
        return None
    function, _ = renderer("markdown", report.domain, report)
    return function(report, Settings())


def _report_html(report):
    target = FRAGMENTS.get(report.domain)
    return load(target)(report, Settings()) if target is not None else None


def _check_lines(result) -> list[str]:
    """What the command prints for this result, line by line."""
    if hasattr(result, "lines"):
        return result.lines()
    if hasattr(result, "render"):
        return result.render().rstrip("\n").split("\n")
    return file_lines(result, hide_answers=False).plain.rstrip("\n").split("\n")


def _verdict(line: str) -> str | None:
    word = line.strip().split(" ", 1)[0].rstrip(":")
    return word if word in VERDICT_STYLES else None


def _check_rich(result):
    from rich.text import Text

    lines = []
    for line in _check_lines(result):
        verdict = _verdict(line)
        if verdict is None:
            lines.append(Text(line))
        else:
            start = line.index(verdict)
            lines.append(Text.assemble(line[:start], (verdict, VERDICT_STYLES[verdict]),
                                       line[start + len(verdict):]))
    return Text("\n").join(lines)


def _check_markdown(result) -> str:
    return "```text\n" + "\n".join(_check_lines(result)) + "\n```\n"


def _check_html(result) -> str:
    colours = {"green": VALUE_COLOR, "red": GRAD_COLOR}
    out = []
    for line in _check_lines(result):
        verdict = _verdict(line)
        text = html.escape(line)
        if verdict is not None:
            colour = colours[VERDICT_STYLES[verdict]]
            text = text.replace(verdict, f'<b style="color:{colour}">{verdict}</b>', 1)
        out.append(text)
    return '<pre class="gradcli-check">' + "\n".join(out) + "</pre>\n"


for _name in ("Report",):
    DISPLAYS[(_name, "rich")] = _report_rich
    DISPLAYS[(_name, "markdown")] = _report_markdown
    DISPLAYS[(_name, "html")] = _report_html
for _name in ("ExpectResult", "GradcheckResult", "VerifyResult", "FileResult", "WhyResult"):
    DISPLAYS[(_name, "rich")] = _check_rich
    DISPLAYS[(_name, "markdown")] = _check_markdown
    DISPLAYS[(_name, "html")] = _check_html
