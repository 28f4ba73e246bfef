"""`gradcli batch`: stream programs from a file or a pipe, one record each, written as it is done."""

from __future__ import annotations

import os
import sys

import click

from gradcli.cli.bindings import BINDING, parse_bindings
from gradcli.cli.checking import make_checks
from gradcli.cli.io import open_lines, stdin_is_piped
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    Command,
    checks_options,
    format_for,
    format_option,
    option,
    out_option,
    precision_option,
)
from gradcli.cli.records import lines_with_progress, stream, wants_progress
from gradcli.errors import ExitStatus, InputError
from gradcli.records.lines import Tally, batch
from gradcli.render.records import RECORD_FORMATS


@click.command(cls=Command, context_settings=CONTEXT_SETTINGS)
@click.argument("words", nargs=-1, metavar="[FILE|-] [NAME=VALUE]...")
@format_option(RECORD_FORMATS, help_="table (rows as they come), json (JSON Lines) or csv "
                                     "(default: -o's extension, else table).")
@precision_option("Significant digits in the table (JSON and CSV are exact).")
@out_option("Write records to this file.")
@option("--progress/--no-progress", default=True, show_default=True,
              help="A progress bar on stderr for long files, only when stderr is a terminal.")
@checks_options
@option("-q", "--quiet", is_flag=True, help="Print no records; only set the exit status.")
def batch_command(words, format_, precision, out, progress, expect, rtol, atol, hide_answers,
                  gradcheck, step, sample_seed, quiet):
    """Run every program line of FILE (or standard input), one record per line.

    Blank lines and # comments are skipped; a line may hold a staged program
    (statements separated by ';', inputs inline as x = 3). NAME=VALUE
    bindings apply to every line that has that input. A bad line is reported
    in place and the batch goes on.

    \b
    Exit status: 0 all fine; 1 an --expect or --gradcheck failed and nothing
    worse; otherwise the highest error code of any line (2 bad input, 3 maths).
    \b
    CSV columns: line,status,exit_code,value,name,grad,message; one row per
    line and input (status ok, fail or error).
    """
    format_ = format_for(out, format_, RECORD_FORMATS, "table", "gradcli batch")
    path = None
    tokens = list(words)
    if tokens and BINDING.match(tokens[0]) is None:
        path = tokens.pop(0)
    if path is None:
        # A bare `gradcli batch` at a prompt would wait silently for typed lines; `-` asks for that.
        if not stdin_is_piped():
            raise InputError("no program file: give a batch FILE, pipe lines to standard input, "
                             "or use '-' to type them (end with Ctrl-D)")
        path = "-"
    bindings = parse_bindings(tokens)
    checks = make_checks(expect, rtol, atol, hide_answers, gradcheck, step, sample_seed)
    source = open_lines(path, "a batch file")
    try:
        lines = source
        if progress and wants_progress(source, path):
            lines = lines_with_progress(source, os.fstat(source.fileno()).st_size)
        used: set[str] = set()
        records = batch(lines, bindings, checks=checks, used=used)
        if quiet:
            tally = Tally()
            for record in records:
                tally.add(record)
            status = tally.status
        else:
            status = stream(records, format_, out, precision)
    finally:
        if path != "-":
            source.close()
    unused = [name for name in bindings if name not in used]
    if unused:
        error = InputError(f"no line has an input named {unused[0]!r}, so {unused[0]}="
                           f"{bindings[unused[0]]:g} was not used")
        sys.stderr.write(error.render() + "\n")
        status = max(status, int(ExitStatus.BAD_INPUT))
    return status
