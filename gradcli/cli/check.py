"""`gradcli check ANSWERS.toml...` (grade answer files) and `gradcli key PROBLEMS.toml` (make a key)."""

from __future__ import annotations

import os
import sys

import click

from gradcli.cli.io import class_files, error_text, read_document, read_program, write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    Command,
    color_option,
    format_for,
    format_option,
    hide_answers_option,
    option,
    out_option,
    quiet_option,
)
from gradcli.errors import GradcliError, InputError
from gradcli.grading.classview import class_view
from gradcli.grading.grade import FileResult, KeyFolder, grade_files, load_problems
from gradcli.grading.key import make_key
from gradcli.render.checks import (
    class_json,
    class_markdown,
    files_csv,
    files_json,
    files_markdown,
    files_text,
    gradescope_json,
)

CHECK_FORMATS = ("table", "json", "csv", "markdown", "gradescope")


def read_answers(paths):
    """(text, name) of each answer file, or its reading error: one bad file never stops the
    others."""
    for path in paths:
        try:
            yield read_document(path, "a TOML file of answers")
        except GradcliError as error:
            yield error, str(path)


def the_problems(path: str | None):
    """The TA's problem file (loaded and computed once), a folder of per-student keys from
    `gradcli gen`, or None; any fault in the TA's file stops the run (exit 2)."""
    if path is None:
        return None
    if os.path.isdir(path):
        return KeyFolder(path)
    return load_problems(*read_document(path, "a TOML file of problems"))


@click.command(cls=Command, context_settings=CONTEXT_SETTINGS)
@click.argument("files", nargs=-1, required=True, metavar="ANSWERS.toml|FOLDER...")
@format_option(CHECK_FORMATS, help_="table for people (default: -o's extension, else table); "
               "csv and markdown: the gradebook; json: every item; gradescope: results.json.")
@hide_answers_option
@option("--gradcheck", is_flag=True,
              help="Also check every problem's gradients numerically.")
@option("--rtol", type=float, help="Relative tolerance for every problem (default 1e-4).")
@option("--atol", type=float, help="Absolute tolerance for every problem (default 1e-8).")
@option("--details", is_flag=True,
        help="With several files, every file's items before the gradebook.")
@quiet_option
@out_option("Write the report to this file (its extension picks the format).")
@option("--report", metavar="CLASS.md|CLASS.json", allow_from_autoenv=False,
        help="Also write the class view: per problem and item the answers, the share right, "
             "the most frequent wrong answers and the mistakes they match (Markdown or JSON, "
             "by the extension).")
@option("--problems", metavar="PROBLEMS.toml|KEYS/", allow_from_autoenv=False,
              help="Grade against this problem file (the TA's), or a folder of per-student "
                   "keys from gradcli gen: programs, points, marks and tolerances come from it, "
                   "only the answers from each file, by problem id.")
@color_option
def check_command(files, format_, hide_answers, gradcheck, rtol, atol, details, quiet, out,
                  report, problems, color):
    """Grade answer files: each [[problem]] has an id, a program, the point
    `at`, the answers in `expect` (value, d/dx, ...) and its marks.

    \b
    [[problem]]
    id = "1a"
    program = "(x+y)*z"
    at = {x = -2, y = 5, z = -4}
    expect = {value = -12, "d/dx" = -4}
    marks = 2

    To grade a class, give the problem file with --problems (or the keys folder
    of gradcli gen) and the submissions or their folders: a submission cannot
    then change a program, a point or the marks. One file: its items; several:
    a gradebook, one line per file, and a class line. An answer passes when
    |answer - correct| <= max(atol, rtol * |correct|); d/dx may be written dx,
    df/dx, dfdx or grad_x, a number as "-1/3".

    Exit status: 0 every file passes every item; 1 some item fails or some
    submission could not be read (each is reported on its own line); 2 the
    problem file, a path or an option is wrong; 74 the report could not be
    written.
    """
    for name, value in (("--rtol", rtol), ("--atol", atol)):
        if value is not None and not (0 <= value < float("inf")):
            raise InputError(f"{name} must be finite and >= 0")
    format_ = format_for(out, format_, CHECK_FORMATS, "table", "gradcli check")
    report_format = _report_format(report)
    key = the_problems(problems)
    paths = class_files(files, (".toml",), "answers", skip=[problems])
    if format_ == "gradescope" and len(paths) != 1:
        raise InputError(f"--format gradescope writes one submission's results.json, and "
                         f"{len(paths)} files were given: grade each submission on its own")
    results: list[FileResult] = grade_files(read_answers(paths), hide_answers=hide_answers,
                                            gradcheck=gradcheck, rtol=rtol, atol=atol,
                                            problems=key)
    status = max(result.status for result in results)
    if report is not None:
        view = class_view(results, hide_answers)
        write(class_json(view) if report_format == "json" else class_markdown(view), report)
    # Errors go to stderr whatever the format, each as one paragraph with its caret.
    for result in results:
        for error in [result.error] + result.problem_errors:
            if error is not None and not quiet:
                sys.stderr.write(error_text(error) + "\n")
    if quiet:
        return status
    if format_ == "json":
        write(files_json(results, hide_answers), out)
    elif format_ == "csv":
        write(files_csv(results), out)
    elif format_ == "markdown":
        write(files_markdown(results), out)
    elif format_ == "gradescope":
        write(gradescope_json(results[0], hide_answers), out)
    else:
        write(files_text(results, hide_answers, details), out, kind="styled", color=color)
    return status


def _report_format(path: str | None) -> str | None:
    """The class view's format, by --report's extension: .md Markdown, .json JSON."""
    if path is None:
        return None
    extension = os.path.splitext(path)[1].lower()
    if extension in (".md", ".markdown"):
        return "markdown"
    if extension == ".json":
        return "json"
    raise InputError(f"--report {path}: the class view is written as Markdown (.md) or JSON "
                     "(.json); name the file for one of those")


@click.command(cls=Command, context_settings=CONTEXT_SETTINGS)
@click.argument("problems", metavar="PROBLEMS.toml")
@out_option("Write the key here (default: standard output).")
def key_command(problems, out):
    """Fill in every problem's `expect` table from gradcli's computation.

    Each problem's `ask` lists the items to fill (["value", "d/dx"]); without
    it, those of an expect table already there, or the value and every input's
    gradient. A TA writes problems, gradcli writes the answers; comments,
    `ask` and the layout stay as they are, so a key of a key is the same file.

    Exit status: 0 ok; 2 a broken problem file; 3 a problem's maths failed at
    its point; 74 the key could not be written.
    """
    text, source = read_program(problems)
    write(make_key(text, source), out)
    return 0
