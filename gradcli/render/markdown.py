"""A GitHub-flavoured Markdown table of the same rows as the terminal table, for notes and homework."""

from __future__ import annotations

import math

from gradcli.render.rows import Gap, number, rows, summary_lines, warning_lines
from gradcli.render.settings import Settings, wrt_names


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render(report, settings: Settings) -> str:
    out = report.output_name
    lines = [f"| node | op | value | ∂{out}/∂node | local ∂node/∂input | downstream |",
             "|---|---|--:|--:|---|--:|"]
    shown, hidden = rows(report, settings)
    for row in shown:
        if isinstance(row, Gap):
            lines.append(f"| … {row.hidden:,} nodes not shown | | | | | |")
            continue
        # ⚠ marks the number a warning is about, as '!' does in the table.
        at_kink = bool(row.flags & {"kink", "tie"})
        local = "<br>".join(f"∂/∂{e.target} = " + (f"`{e.rule}` = " if e.rule else "")
                            + number(e.local, settings)
                            + (" ⚠" if at_kink or not math.isfinite(e.local) else "")
                            for e in row.edges)
        down = "<br>".join(number(e.downstream, settings) for e in row.edges)
        grad_flag = " ⚠" if row.grad is not None and not math.isfinite(row.grad) else ""
        lines.append(f"| `{_cell(row.node)}` | {row.op} | {number(row.value, settings)} | "
                     f"{number(row.grad, settings)}{grad_flag} | {_cell(local)} | {down} |")
        for source, amount in row.contributions:
            lines.append(f"| ← `{_cell(source)}` | | | {number(amount, settings)} | | |")
    lines.append("")
    summary = summary_lines(report, settings, wrt_names(report, settings))
    lines.append(f"**{summary[0][0]} = {number(summary[0][2], settings)}**")
    if len(summary) > 1:
        lines.append("")
        lines.append(", ".join(f"{text} = {number(value, settings)}" for text, _, value in summary[1:]))
    notes = []
    if hidden:
        notes.append(f"{hidden} constant node{'s' if hidden != 1 else ''} not shown.")
    notes.extend(warning_lines(report, "⚠"))
    if notes:
        lines.append("")
        lines.extend(f"- {note}" for note in notes)
    return "\n".join(lines) + "\n"
