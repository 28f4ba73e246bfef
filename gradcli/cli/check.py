"""`gradcli check ANSWERS.toml...` (grade answer files) and `gradcli key PROBLEMS.toml` (make a key)."""

from __future__ import annotations

import sys

import click

from gradcli.cli.io import read_document, read_program, write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    Command,
    format_option,
    hide_answers_option,
    option,
    out_option,
    quiet_option,
)
from gradcli.errors import GradcliError, InputError
from gradcli.grading.grade import FileResult, grade_files, load_problems
from gradcli.grading.key import make_key
from gradcli.render.checks import files_json, files_text


def read_answers(paths):
    """(text, name) of each answer file, or its reading error: one bad file never stops the
    others."""
    for path in paths:
        try:
            yield read_document(path, "a TOML file of answers")
        except GradcliError as error:
            yield error, str(path)


@click.command(cls=Command, context_settings=CONTEXT_SETTINGS)
@click.argument("files", nargs=-1, required=True, metavar="ANSWERS.toml...")
@format_option(["table", "json"], help_="table for people, json for autograders.")
@hide_answers_option
@option("--gradcheck", is_flag=True,
              help="Also check every problem's gradients numerically.")
@option("--rtol", type=float, help="Relative tolerance for every problem (default 1e-4).")
@option("--atol", type=float, help="Absolute tolerance for every problem (default 1e-8).")
@quiet_option
@out_option("Write the report to this file.")
@option("--problems", metavar="PROBLEMS.toml", allow_from_autoenv=False,
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
    for name, value in (("--rtol", rtol), ("--atol", atol)):
        if value is not None and not (0 <= value < float("inf")):
            raise InputError(f"{name} must be finite and >= 0")
    key = load_problems(*read_document(problems, "a TOML file of problems")) \
        if problems is not None else None
    results: list[FileResult] = grade_files(read_answers(files), hide_answers=hide_answers,
                                            gradcheck=gradcheck, rtol=rtol, atol=atol,
                                            problems=key)
    status = max(result.status for result in results)
    # Errors go to stderr whatever the format, each as one paragraph with its caret.
    for result in results:
        for error in [result.error] + result.problem_errors:
            if error is not None and not quiet:
                sys.stderr.write(error.render() + "\n")
    if quiet:
        return status
    if format_ == "json":
        write(files_json(results, hide_answers), out)
    else:
        write(files_text(results, hide_answers), out)
    return status


@click.command(cls=Command, context_settings=CONTEXT_SETTINGS)
@click.argument("problems", metavar="PROBLEMS.toml")
@out_option("Write the key here (default: standard output).")
def key_command(problems, out):
    """Fill in every problem's `expect` table from gradcli's computation.

    Each problem's `ask` lists the items to fill (["value", "d/dx"]); without
    it, the value and every input's gradient. A TA writes problems, gradcli
    writes the answers.

    Exit status: 0 ok; 2 a broken problem file; 3 a problem's maths failed at
    its point; 74 the key could not be written.
    """
    text, source = read_program(problems)
    write(make_key(text, source), out)
    return 0
