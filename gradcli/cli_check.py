"""`gradcli check ANSWERS.toml...` (grade answer files) and `gradcli key PROBLEMS.toml` (make a key)."""

from __future__ import annotations

import sys

import click

from gradcli.errors import InputError

SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 80}


def _marks(value: float) -> str:
    return f"{value:g}"


def file_lines(result, hide_answers: bool, precision: int = 6) -> list[str]:
    import textwrap

    from gradcli.errors import safe_text
    from gradcli.expectation import claim_texts

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


@click.command(context_settings=SETTINGS)
@click.argument("files", nargs=-1, required=True, metavar="ANSWERS.toml...")
@click.option("--format", "format_", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table for people, json for autograders.")
@click.option("--hide-answers", is_flag=True, help="Report pass/fail only, never gradcli's values.")
@click.option("--gradcheck", is_flag=True,
              help="Also check every problem's gradients numerically.")
@click.option("--rtol", type=float, help="Relative tolerance for every problem (default 1e-4).")
@click.option("--atol", type=float, help="Absolute tolerance for every problem (default 1e-8).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; only set the exit status.")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--problems", metavar="PROBLEMS.toml",
              help="Grade against this problem file (the TA's): programs, points, marks and "
                   "tolerances come from it, only the answers from each file, by problem id.")
def check_command(files, format_, hide_answers, gradcheck, rtol, atol, quiet, out, problems):
    """Grade answer files: each [[problem]] has an id, a program, the point
    `at`, the claimed answers in `expect` (value, d/dx, ...) and its marks.

    \b
    [[problem]]
    id = "1a"
    program = "(x+y)*z"
    at = {x = -2, y = 5, z = -4}
    expect = {value = -12, "d/dx" = -4}
    marks = 2

    To grade a class, give the problem file with --problems: a submission
    cannot then change a program, a point or the marks (a changed program is
    flagged), and an unknown or missing problem id is reported.

    A problem's marks are shared equally by its items. Exit status: 0 every
    item passes, 1 some item fails, 2 a file or problem is broken.
    """
    import json

    from gradcli.checkfile import check

    for name, value in (("--rtol", rtol), ("--atol", atol)):
        if value is not None and not (0 <= value < float("inf")):
            raise InputError(f"{name} must be finite and >= 0")
    results = check(*files, hide_answers=hide_answers, gradcheck=gradcheck, rtol=rtol, atol=atol,
                    problems=problems)
    status = max(result.status for result in results)
    # Errors go to stderr whatever the format, each as one paragraph with its caret.
    for result in results:
        for error in [result.error] + result.problem_errors:
            if error is not None and not quiet:
                sys.stderr.write(error.render() + "\n")
    if quiet:
        return status
    if format_ == "json":
        text = json.dumps({"passed": all(r.passed for r in results),
                           "files": [r.to_json(hide_answers) for r in results]},
                          ensure_ascii=False, allow_nan=False) + "\n"
    else:
        blocks = ["\n".join(file_lines(result, hide_answers)) for result in results]
        text = "\n\n".join(blocks) + "\n"
        if len(results) > 1:
            passed = sum(1 for r in results if r.passed)
            text += f"\n{passed} of {len(results)} files pass every item\n"
    _write(text, out)
    return status


def _write(text: str, out: str | None) -> None:
    if out is None or out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with open(out, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror}") from None


@click.command(context_settings=SETTINGS)
@click.argument("problems", metavar="PROBLEMS.toml")
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="Write the key here (default: standard output).")
def key_command(problems, out):
    """Fill in every problem's `expect` table from gradcli's computation.

    Each problem's `ask` lists the items to fill (["value", "d/dx"]); without
    it, the value and every input's gradient. A TA writes problems, gradcli
    writes the answers.
    """
    from gradcli.checkfile import make_key
    from gradcli.cli import read_program

    text, source = read_program(problems)
    _write(make_key(text, source), out)
