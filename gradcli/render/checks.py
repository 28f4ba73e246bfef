"""The checks' results as the commands write them: a graded file item by item and the
gradebook of a class (`gradcli check`: text, CSV, Markdown, JSON, Gradescope's results.json),
and the one-liner's --expect and --gradcheck as JSON, CSV and text."""

from __future__ import annotations

import io
import textwrap

from gradcli.checks.results import claim_texts, diagnosis_lines, verdict_line
from gradcli.errors import safe_text
from gradcli.grading.classview import TOP_WRONG
from gradcli.grading.grade import student_of, summarise
from gradcli.numbers import repr_value
from gradcli.render.machine import csv_writer, dumps
from gradcli.render.style import ERROR, FAIL, PASS, Styled


def _tidy(marks: float) -> float:
    return round(float(marks), 10)


def _marks(value: float) -> str:
    """Marks for people: 4.25, 3.33 (every digit is in CSV and JSON)."""
    return f"{round(value, 2):g}"


def _verdict(styled: Styled, passed: bool) -> Styled:
    return styled.add("PASS", PASS) if passed else styled.add("FAIL", FAIL)


def _one_line_error(result, width: int = 1000) -> str:
    """A file's error in a few words for its gradebook line (the caret is on stderr), cut to
    `width` characters."""
    message = " ".join(safe_text(result.error.message).split())
    for prefix in (f"{result.file}: ", f"{result.file} is ", f"{result.file} "):
        message = message.removeprefix(prefix)
    where = result.error.line_column
    place = f" (line {where[0]})" if where is not None else ""
    if len(message) + len(place) > width:
        message = message[:max(width - len(place) - 1, 10)].rstrip() + "…"
    return message + place


def item_text(item, hide_answers: bool, precision: int = 6) -> str:
    """What a graded item says after its name: `answered 0.0066, correct 0.00669285,
    accepted [0.0066922, 0.0066935]` (only the answer with hidden answers)."""
    if item.answer is None and not item.typed:
        return f"({safe_text(item.message)})" if item.message else ""
    if item.answer is None:       # written, but not a number
        return f"answered {safe_text(item.typed)} ({safe_text(item.message)})"
    answer, correct = claim_texts(item.answer, item.correct, precision, item.passed,
                                  safe_text(item.typed))
    text = verdict_line(item.passed, answer, None if hide_answers or item.correct is None
                        else correct, item.accepted, item.hint)
    if item.message:
        text += f" ({safe_text(item.message)})"
    if item.credited:
        text += f" ({_marks(item.earned)} of {_marks(item.marks)} marks: {item.credited})"
    return text


def file_lines(result, hide_answers: bool, precision: int = 6) -> Styled:
    """One file, item by item."""
    out = Styled()
    who = "" if result.student == student_of(result.file) else f" ({safe_text(result.student)})"
    if result.error is not None:
        out.add(f"{safe_text(result.file)}{who}: ").add("not read", ERROR)
        out.add(f" ({_marks(0)}/{_marks(result.possible)} marks): {_one_line_error(result)}\n")
        return out
    out.add(f"{safe_text(result.file)}{who}: {_marks(result.earned)}/{_marks(result.possible)} "
            f"marks ({result.score:.0%}), {len(result.items) - len(result.failed)} of "
            f"{len(result.items)} items pass\n")
    for note in result.notes:
        out.add(textwrap.fill(safe_text(note), 80, initial_indent="  note: ",
                              subsequent_indent="        ") + "\n")
    pid_width = max([len(item.problem) for item in result.items] + [2])
    item_width = max([len(item.item) for item in result.items] + [4])
    for item in result.items:
        out.add("  ")
        _verdict(out, item.passed)
        line = f"  {safe_text(item.problem):<{pid_width}}  {item.item:<{item_width}}"
        text = item_text(item, hide_answers, precision)
        out.add((line + "  " + text).rstrip() + "\n")
        for diagnosis in diagnosis_lines(item.diagnosis, ITEM_INDENT):
            out.add(diagnosis + "\n")
    return out


# Where an item's diagnoses start: under its problem id.
ITEM_INDENT = 8


def files_text(results, hide_answers: bool, details: bool = False) -> Styled:
    """One file: its items. Several: the gradebook, one line per file and a class line
    (with `details`, every file's items first)."""
    if len(results) == 1:
        return file_lines(results[0], hide_answers)
    out = Styled()
    if details:
        for result in results:
            out.extend(file_lines(result, hide_answers))
            out.add("\n")
    out.extend(gradebook(results))
    return out


def _failed_items(result, limit: int = 4) -> str:
    names = [f"{item.problem} {item.item}" for item in result.failed]
    if len(names) > limit:
        names = names[:limit] + [f"+{len(names) - limit} more"]
    return ", ".join(safe_text(name) for name in names)


def _class_line(results) -> str:
    summary = summarise(results)
    line = f"class: {summary.files} file{'s' * (summary.files != 1)}, {summary.passed} pass " \
        "every item"
    if summary.unreadable:
        line += f", {summary.unreadable} not read"
    return line + f"; mean {summary.mean:.0%}, median {summary.median:.0%}"


def gradebook(results) -> Styled:
    """One line per file: file, student, marks, score, then what failed or why it was not read."""
    rows = [(safe_text(r.file), safe_text(r.student), f"{_marks(r.earned)}/{_marks(r.possible)}",
             f"{r.score:.0%}") for r in results]
    header = ("file", "student", "marks", "score")
    widths = [max(len(cells[i]) for cells in rows + [header]) for i in range(4)]
    out = Styled()
    out.add(f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]:>{widths[2]}}  "
            f"{header[3]:>{widths[3]}}  result\n")
    for result, cells in zip(results, rows):
        out.add(f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]:>{widths[2]}}  "
                f"{cells[3]:>{widths[3]}}  ")
        if result.error is not None:
            out.add("not read", ERROR).add(f": {_one_line_error(result, 48)}\n")
        elif result.passed:
            out.add("PASS", PASS).add("\n")
        else:
            out.add("FAIL", FAIL).add(f" {_failed_items(result)}\n")
    out.add(_class_line(results) + "\n")
    return out


GRADEBOOK_COLUMNS = ("file", "student", "earned", "possible", "percent", "failed", "error",
                     "diagnosis")


def _gradebook_rows(results):
    for r in results:
        yield (r.file, r.student, _tidy(r.earned), _tidy(r.possible), round(100 * r.score, 2),
               "; ".join(f"{item.problem} {item.item}" for item in r.failed),
               "" if r.error is None else " ".join(r.error.message.split()),
               "; ".join(f"{item.problem} {item.item}: {d.kind} at {d.node}"
                         for item in r.failed for d in item.diagnosis))


def files_csv(results) -> str:
    """The gradebook for a spreadsheet or an LMS import: one row per file."""
    text = io.StringIO()
    writer = csv_writer(text)
    writer.writerow(GRADEBOOK_COLUMNS)
    for row in _gradebook_rows(results):
        writer.writerow(row)
    return text.getvalue()


def _cell(text) -> str:
    return safe_text(str(text)).replace("|", "\\|")


def files_markdown(results) -> str:
    """The gradebook as a Markdown table, then the class line."""
    lines = ["| " + " | ".join(GRADEBOOK_COLUMNS) + " |",
             "| --- | --- | ---: | ---: | ---: | --- | --- | --- |"]
    for row in _gradebook_rows(results):
        lines.append("| " + " | ".join(_cell(_marks(c) if isinstance(c, float) else c)
                                       for c in row) + " |")
    return "\n".join(lines) + "\n\n" + _class_line(results) + "\n"


def gradescope_json(result, hide_answers: bool) -> str:
    """One submission as Gradescope's autograder results.json: a test per item (name, score,
    max_score, status, output). With hidden answers each test's output gives only the
    student's answer, and one more test, worth nothing and shown only after the due date,
    holds the correct values."""
    tests = []
    for number, item in enumerate(result.items, 1):
        text = item_text(item, hide_answers)
        said = "".join(f"\ndiagnosis: {d.text()}" for d in item.diagnosis)
        tests.append({"name": f"{item.problem} {item.item}", "number": str(number),
                      "score": _tidy(item.earned), "max_score": _tidy(item.marks),
                      "status": "passed" if item.passed else "failed",
                      "output": ("PASS " if item.passed else "FAIL ") + text + said,
                      "visibility": "visible"})
    if hide_answers and result.items:
        answers = [f"{item.problem} {item.item}: " + item_text(item, False)
                   for item in result.items]
        tests.append({"name": "correct answers", "number": str(len(tests) + 1), "score": 0,
                      "max_score": 0, "output": "\n".join(answers),
                      "visibility": "after_due_date"})
    output = f"{result.student}: {_marks(result.earned)}/{_marks(result.possible)} marks"
    if result.error is not None:
        output += f"; the submission could not be read: {result.error.message}"
    if result.notes:
        output += "\n" + "\n".join(f"note: {note}" for note in result.notes)
    return dumps({"score": _tidy(result.earned), "output": output, "visibility": "visible",
                  "stdout_visibility": "hidden", "tests": tests})


def checks_text(expected, numeric, hide: bool, precision: int, gap: bool = False) -> Styled:
    """The one-liner's --expect lines (PASS green, FAIL red on a terminal), then
    --gradcheck's table; `gap`: a blank line first (after the report's own table)."""
    out = Styled().add("\n" if gap else "")
    if expected is not None:
        for item, lines in expected.blocks(hide, precision):
            for k, line in enumerate(lines):
                if item is not None and k == 0:
                    _verdict(out, item.passed)
                    line = line[4:]
                out.add(line + "\n")
    if numeric is not None:
        out.add("\n" if expected is not None or gap else "")
        out.add("\n".join(numeric.lines(hide, precision)) + "\n")
    return out


def checks_json(report, expected, numeric, hide: bool) -> str:
    """The one-liner's JSON with the checks' results added (only those with --hide-answers)."""
    data = {} if hide else report.to_json()
    if expected is not None:
        data["expect"] = expected.to_json(hide)
    if numeric is not None:
        data["gradcheck"] = numeric.to_json(hide)
    return dumps(data)


CHECK_COLUMNS = ("check", "item", "answer", "correct", "error", "verdict", "note")


def checks_csv(expected, numeric, hide: bool) -> str:
    """One table for both checks: for gradcheck, the answer is the analytic gradient, the
    correct value the numeric one, the error relative."""
    text = io.StringIO()
    writer = csv_writer(text)
    writer.writerow(CHECK_COLUMNS)

    def shown(value):
        return "" if hide or value is None else repr_value(value)

    for item in expected.items if expected is not None else ():
        writer.writerow(("expect", item.item, repr_value(item.answer), shown(item.correct),
                         shown(item.error), "pass" if item.passed else "fail", ""))
    for item in numeric.items if numeric is not None else ():
        writer.writerow(("gradcheck", item.label, shown(item.analytic), shown(item.numeric),
                         "" if item.rel_error is None else repr(item.rel_error), item.verdict,
                         item.note))
    return text.getvalue()


def files_json(results, hide_answers: bool) -> str:
    return dumps({"passed": all(r.passed for r in results),
                  "class": summarise(results).to_json(),
                  "files": [r.to_json(hide_answers) for r in results]})


# ------------------------------------------------------------------ gradcli verify, a class

def _verify_result(entry) -> Styled:
    out = Styled()
    if entry.error is not None:
        message = " ".join(safe_text(entry.error.message).split())
        where = entry.error.line_column
        place = f" (line {where[0]})" if where else ""
        if len(message) + len(place) > 48:
            message = message[:max(47 - len(place), 10)].rstrip() + "…"
        return out.add("not read", ERROR).add(f": {message}{place}")
    result = entry.result
    if result.ok:
        return out.add("PASS", PASS).add(f" ({', '.join(g.variable for g in result.gradients)})")
    lines = sorted({finding.line for finding in result.findings})
    count = len(result.findings)
    out.add("FAIL", FAIL).add(f" {', '.join(entry.wrong) or 'no gradient'} wrong; {count} "
                              f"problem{'s' * (count != 1)} at line{'s' * (len(lines) != 1)} "
                              f"{', '.join(str(n) for n in lines)}")
    return out


def _verify_class_line(entries) -> str:
    passed = sum(1 for e in entries if e.ok)
    unreadable = sum(1 for e in entries if e.error is not None)
    line = f"class: {len(entries)} file{'s' * (len(entries) != 1)}, {passed} pass"
    return line + (f", {unreadable} not read" if unreadable else "")


def verify_gradebook(entries) -> Styled:
    """One line per file of `gradcli verify FILES...`, then a class line."""
    rows = [(safe_text(e.file), safe_text(e.student)) for e in entries]
    widths = [max(len(row[i]) for row in rows + [("file", "student")]) for i in range(2)]
    out = Styled().add(f"{'file':<{widths[0]}}  {'student':<{widths[1]}}  result\n")
    for entry, (name, student) in zip(entries, rows):
        out.add(f"{name:<{widths[0]}}  {student:<{widths[1]}}  ")
        out.extend(_verify_result(entry))
        out.add("\n")
    return out.add(_verify_class_line(entries) + "\n")


VERIFY_COLUMNS = ("file", "student", "ok", "wrong", "problems", "error")


def _verify_rows(entries):
    for e in entries:
        yield (e.file, e.student, "true" if e.ok else "false", "; ".join(e.wrong),
               "" if e.result is None else len(e.result.findings),
               "" if e.error is None else " ".join(e.error.message.split()))


def verify_csv(entries) -> str:
    text = io.StringIO()
    writer = csv_writer(text)
    writer.writerow(VERIFY_COLUMNS)
    for row in _verify_rows(entries):
        writer.writerow(row)
    return text.getvalue()


def verify_markdown(entries) -> str:
    lines = ["| " + " | ".join(VERIFY_COLUMNS) + " |", "| --- | --- | --- | --- | ---: | --- |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in _verify_rows(entries)]
    return "\n".join(lines) + "\n\n" + _verify_class_line(entries) + "\n"


def verify_json(entries, show_values: bool) -> str:
    return dumps({"passed": all(e.ok for e in entries),
                  "class": {"files": len(entries), "passed": sum(1 for e in entries if e.ok),
                            "unreadable": sum(1 for e in entries if e.error is not None)},
                  "files": [e.to_json(show_values) for e in entries]})


def verify_gradescope(entry) -> str:
    """One backward pass as Gradescope's results.json: a test per gradient variable, worth 1,
    its output the findings on that variable's lines (never the true values)."""
    tests = []
    if entry.result is not None:
        for number, g in enumerate(entry.result.gradients, 1):
            said = [f"line {f.line}: {f.message}" for f in entry.result.findings
                    if f.name == g.variable] + [f"diagnosis: {d.text()}" for d in g.diagnosis]
            tests.append({"name": g.variable, "number": str(number), "score": 1 if g.ok else 0,
                          "max_score": 1, "status": "passed" if g.ok else "failed",
                          "output": "\n".join(said) or ("matches" if g.ok else "differs"),
                          "visibility": "visible"})
    output = entry.result.render() if entry.result is not None else \
        f"the file could not be checked: {entry.error.message}"
    return dumps({"score": sum(t["score"] for t in tests), "output": output,
                  "visibility": "visible", "stdout_visibility": "hidden", "tests": tests})


# ------------------------------------------------------------------ the class view (--report)

def _wrong_text(view, index: int, wrong, hide_answers: bool) -> str:
    """`4 (3): answer-sign at x`; with hidden answers `#1 (3): ...`."""
    shown = f"#{index}" if hide_answers else \
        claim_texts(wrong.answer, None, 6, False, safe_text(wrong.typed))[0]
    text = f"{shown} ({wrong.count})"
    if wrong.diagnosis:
        first = wrong.diagnosis[0]
        more = len(wrong.diagnosis) - 1
        text += f": {first.kind} at {first.node}" + (f" (+{more} more)" if more else "")
    return text


def class_markdown(view) -> str:
    """The class view for people: a table per problem, then the mistakes it saw, each as a
    share of the item's answers."""
    lines = ["# Class report", "",
             f"{view.files} file{'s' * (view.files != 1)}, {view.read} read. Per item: the "
             "answers given, the share right, the most frequent wrong answers (how many gave "
             "each) and the mistakes each matches.", ""]
    problems: dict[str, list] = {}
    for item in view.items:
        problems.setdefault(item.problem, []).append(item)
    for problem, items in problems.items():
        lines += [f"## Problem {_cell(problem)}", "",
                  "| item | answers | correct | no answer | most frequent wrong answers |",
                  "| --- | ---: | ---: | ---: | --- |"]
        for item in items:
            wrong = "; ".join(_wrong_text(item, k, w, view.hide_answers)
                              for k, w in enumerate(item.wrong[:TOP_WRONG], 1))
            share = f"{item.share:.0%}" if item.answers else "-"
            lines.append(f"| {_cell(item.item)} | {item.answers} | {share} | "
                         f"{item.unanswered} | {_cell(wrong)} |")
        said = [f"- {_cell(item.item)}: {m.count / item.answers:.0%} of the answers "
                f"({m.count} of {item.answers}) {_cell(m.words())}"
                for item in items for m in item.mistakes if item.answers]
        lines += [""] + said + ([""] if said else [])
    return "\n".join(lines).rstrip("\n") + "\n"


def class_json(view) -> str:
    return dumps(view.to_json())
