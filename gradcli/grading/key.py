"""`gradcli key`: a problem file with every `expect` table filled in from gradcli's own
computation (for the items in `ask`, or those of an `expect` already there, or the value and
every input's gradient).

The file is edited, not rewritten: tomlkit keeps the TA's comments, `ask`, the order and
layout of everything else, a byte order mark and CRLF line ends, and rewrites only the
numbers that changed, so `gradcli key key.toml` gives key.toml back byte for byte.
"""

from __future__ import annotations

from gradcli.grading.grade import asked_items, problem_report
from gradcli.grading.problems import load


def _number(value):
    """A TOML number or array of numbers (an array program's answer) for tomlkit."""
    if getattr(value, "ndim", 0):
        return value.tolist()
    return float(value)


def _same(old, new) -> bool:
    """Whether a number already written says what gradcli computed (-12 for -12.0 does)."""
    if isinstance(old, bool):
        return False
    if isinstance(old, (int, float)) and isinstance(new, float):
        return float(old) == new
    return old == new


def answers(problem: dict, source: str) -> dict:
    """{item: gradcli's number} for the items a problem asks."""
    report = problem_report(problem, source)
    out = {}
    for item in asked_items(problem, report, source):
        out[item] = _number(report.value if item == "value" else report.gradient(item[3:]))
    return out


def make_key(text: str, source: str) -> str:
    """A problem file with every `expect` table filled in from gradcli's computation."""
    import tomlkit

    data = load(text, source)
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    document = tomlkit.parse(text.removeprefix("\ufeff"))
    for problem, table in zip(data["problem"], document["problem"]):
        filled = answers(problem, source)
        expect = table.get("expect")
        if expect is None:
            expect = tomlkit.inline_table()
            expect.update(filled)
            table["expect"] = expect
            continue
        for item in [item for item in expect if item not in filled]:
            del expect[item]
        for item, value in filled.items():
            old = expect.get(item)
            if item not in expect or not _same(getattr(old, "unwrap", lambda: old)(), value):
                expect[item] = value
    out = tomlkit.dumps(document)
    if "\r\n" in text:        # the lines tomlkit adds end as the file's others do
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    return bom + out
