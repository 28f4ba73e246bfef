"""The checks' results as the commands write them: the lines of a graded file (`gradcli
check`), and the one-liner's --expect and --gradcheck as JSON, CSV and text."""

from __future__ import annotations

import io
import textwrap

from gradcli.checks.results import claim_texts
from gradcli.errors import safe_text
from gradcli.numbers import repr_value
from gradcli.render.machine import csv_writer, dumps


def _marks(value: float) -> str:
    return f"{value:g}"


def file_lines(result, hide_answers: bool, precision: int = 6) -> list[str]:
    if result.error is not None:
        return [f"{safe_text(result.file)}: not graded (error {int(result.error.exit_code)}, "
                "on standard error)"]
    lines = [f"{safe_text(result.file)}: {_marks(result.earned)}/{_marks(result.possible)} marks "
             f"({result.score:.0%}), {len(result.items) - len(result.failed)} of "
             f"{len(result.items)} items pass"]
    lines += [textwrap.fill(safe_text(note), 80, initial_indent="  note: ",
                            subsequent_indent="        ") for note in result.notes]
    pid_width = max([len(item.problem) for item in result.items] + [2])
    item_width = max([len(item.item) for item in result.items] + [4])
    for item in result.items:
        line = (f"  {'PASS' if item.passed else 'FAIL'}  {safe_text(item.problem):<{pid_width}}  "
                f"{item.item:<{item_width}}")
        if item.expected is not None:
            expected, got = claim_texts(item.expected, item.got, precision, item.passed)
            line += f"  expected {expected}"
            if not hide_answers and item.got is not None:
                line += f", got {got}"
        if item.message:
            line += f"  ({safe_text(item.message)})"
        lines.append(line)
    return lines


def checks_json(report, expected, numeric, hide: bool) -> str:
    """The one-liner's JSON with the checks' results added (only those with --hide-answers)."""
    data = {} if hide else report.to_json()
    if expected is not None:
        data["expect"] = expected.to_json(hide)
    if numeric is not None:
        data["gradcheck"] = numeric.to_json(hide)
    return dumps(data)


CHECK_COLUMNS = ("check", "item", "expected", "got", "error", "verdict", "note")


def checks_csv(expected, numeric, hide: bool) -> str:
    """One table for both checks: for gradcheck, expected is the numeric gradient, error relative."""
    text = io.StringIO()
    writer = csv_writer(text)
    writer.writerow(CHECK_COLUMNS)

    def shown(value):
        return "" if hide or value is None else repr_value(value)

    for item in expected.items if expected is not None else ():
        writer.writerow(("expect", item.item, repr_value(item.expected), shown(item.got),
                         shown(item.error), "pass" if item.passed else "fail", ""))
    for item in numeric.items if numeric is not None else ():
        writer.writerow(("gradcheck", item.label, shown(item.numeric), shown(item.analytic),
                         "" if item.rel_error is None else repr(item.rel_error), item.verdict,
                         item.note))
    return text.getvalue()


def files_json(results, hide_answers: bool) -> str:
    return dumps({"passed": all(r.passed for r in results),
                  "files": [r.to_json(hide_answers) for r in results]})


def files_text(results, hide_answers: bool) -> str:
    blocks = ["\n".join(file_lines(result, hide_answers)) for result in results]
    text = "\n\n".join(blocks) + "\n"
    if len(results) > 1:
        passed = sum(1 for r in results if r.passed)
        text += f"\n{passed} of {len(results)} files pass every item\n"
    return text
