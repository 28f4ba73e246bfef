"""`gradcli key`: a problem file with every `expect` table filled in from gradcli's own
computation (for the items in `ask`, or the value and every input's gradient), written
back by the TOML writer in grading/toml.py."""

from __future__ import annotations

from gradcli.checks.expect import check_item
from gradcli.errors import InputError
from gradcli.grading.grade import problem_report
from gradcli.grading.problems import load
from gradcli.grading.toml import dumps


def make_key(text: str, source: str) -> str:
    """A problem file with every `expect` table filled in from gradcli's computation."""
    data = load(text, source)
    for problem in data["problem"]:
        report = problem_report(problem, source)
        asked = problem.pop("ask", None)
        if asked is None:
            asked = ["value"] + [f"d/d{name}" for name in report.gradients]
        if not isinstance(asked, list):
            raise InputError(f"{source}: problem {problem['id']!r}: ask must be a list, like "
                             "ask = [\"value\", \"d/dx\"]")
        expect = {}
        for item in asked:
            item = check_item(str(item), f"{source}: problem {problem['id']!r}, ask")
            if item == "value":
                expect[item] = report.value
            else:
                try:
                    expect[item] = report.gradient(item[3:])
                except KeyError:
                    raise InputError(f"{source}: problem {problem['id']!r}: {item} names no input "
                                     "or named value of the program") from None
        problem["expect"] = expect
    return dumps(data)
