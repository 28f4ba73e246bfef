"""`gradcli verify FILE...`: check hand-written backward passes against the true gradients;
one file in detail, several (or a folder) one line each."""

from __future__ import annotations

import os
import sys

import click

from gradcli.checks.verify import verify, verify_files
from gradcli.cli.bindings import BINDING, parse_bindings
from gradcli.cli.io import class_files, error_text, read_program, write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    Command,
    color_option,
    format_for,
    format_option,
    option,
    out_option,
    quiet_option,
    seed_option,
)
from gradcli.errors import ExitStatus, GradcliError, InputError
from gradcli.grading.grade import student_of
from gradcli.render.checks import (
    verify_csv,
    verify_gradebook,
    verify_gradescope,
    verify_json,
    verify_markdown,
)
from gradcli.render.machine import dumps

VERIFY_FORMATS = ("table", "json", "csv", "markdown", "gradescope")


def _sources(paths):
    for path in paths:
        try:
            text, name = read_program(path)
        except GradcliError as error:
            yield error, path, student_of(path)
            continue
        yield text, name, student_of(path)


@click.command(cls=Command, context_settings=CONTEXT_SETTINGS)
@click.argument("words", nargs=-1, required=True, metavar="FILE|FOLDER... [NAME=VALUE]...")
@format_option(VERIFY_FORMATS, help_="table for people (default: -o's extension, else table), "
               "json for scripts; csv, markdown: one row per file; gradescope: results.json.")
@option("--show-values", is_flag=True,
              help="Also show each gradient's value and the true one (reveals the answers).")
@seed_option("Seed for random arrays (np.random.randn), drawn in statement order, the backward "
             "pass's included: the same arrays as np.random.seed(N) in Python.")
@quiet_option
@out_option()
@color_option
def verify_command(words, format_, show_values, seed, quiet, out, color):
    """Check the backward pass in FILE ('-' for standard input), line by line.

    FILE holds a forward pass and then a backward pass in the style of the
    CS231n note: the backward part starts at the first assignment to a
    gradient name (dx, or dfdx for an output f) or the first '+='. Every
    gradient is compared with the truth; a mismatch is reported at the line
    that went wrong, with the reason, without revealing the true values.

    Blocks with arrays (the note's neuron and matrix-multiply code) are checked
    too: random arrays come from one generator seeded with --seed, the backward
    lines' draws included, and for an array output the line that sets its
    gradient (dD = np.random.randn(*D.shape)) is the upstream gradient.

    Several files, or a folder of .py files, are a class: one line per file
    and a class line; a file that cannot be read or run is reported on its
    line and the others are still checked.

    Exit status: 0 every gradient matches; 1 a line is wrong (or, for a class,
    a file could not be read or run); 2 bad input; 3 the forward pass's maths
    failed (domain error, overflow).
    """
    paths = [w for w in words if BINDING.match(w) is None]
    bindings = parse_bindings([w for w in words if BINDING.match(w) is not None])
    if not paths:
        raise InputError("no file to verify: give a FILE, several, or a folder")
    format_ = format_for(out, format_, VERIFY_FORMATS, "table", "gradcli verify")
    if len(paths) == 1 and not os.path.isdir(paths[0]):
        text, name = read_program(paths[0])
        result = verify(text, bindings, filename=name, seed=seed)
        if format_ in ("csv", "markdown", "gradescope"):
            return _class(verify_files([(text, name, student_of(name))], bindings, seed=seed),
                          format_, show_values, quiet, out, color)
        if not quiet:
            if format_ == "json":
                write(dumps(result.to_json(show_values)), out)
            else:
                write(result.render(show_values), out)
        return 0 if result.ok else 1
    files = class_files(paths, (".py",), "backward passes")
    if format_ == "gradescope" and len(files) != 1:
        raise InputError(f"--format gradescope writes one submission's results.json, and "
                         f"{len(files)} files were given: verify each submission on its own")
    return _class(verify_files(_sources(files), bindings, seed=seed), format_, show_values,
                  quiet, out, color)


def _class(entries, format_, show_values, quiet, out, color) -> int:
    status = int(ExitStatus.OK if all(e.ok for e in entries) else ExitStatus.CHECK_FAILED)
    if quiet:
        return status
    for entry in entries:
        if entry.error is not None:
            sys.stderr.write(error_text(entry.error) + "\n")
    if format_ == "json":
        write(verify_json(entries, show_values), out)
    elif format_ == "csv":
        write(verify_csv(entries), out)
    elif format_ == "markdown":
        write(verify_markdown(entries), out)
    elif format_ == "gradescope":
        write(verify_gradescope(entries[0]), out)
    else:
        write(verify_gradebook(entries), out, kind="styled", color=color)
    return status
