"""`gradcli batch`: stream programs from a file or a pipe, one record each, written as it is done.

Also the record writers the one-liner's --at-file shares: a fixed-width table,
JSON Lines and a long-format CSV, each written and flushed record by record.
"""

from __future__ import annotations

import os
import sys

import click

from gradcli.cli import BINDING, checks_options, parse_bindings
from gradcli.errors import ExitStatus, InputError

RECORD_FORMATS = ("table", "json", "csv")
CSV_COLUMNS = ("status", "exit_code", "value", "name", "grad", "message")
PROGRESS_MIN_BYTES = 64 * 1024
PROGRAM_WIDTH = 20
RESULT_COLUMN = 6 + 2 + PROGRAM_WIDTH + 2 + 10 + 2


def _number(value, precision: int) -> str:
    if getattr(value, "ndim", 0):           # an array program's value or gradient: a preview
        from gradcli.render.arrays import preview

        return preview(value, precision, 10)
    from gradcli.render import format_number

    return format_number(float(value), precision)


def _exact(value) -> str:
    """Every digit: repr of a number, nested lists (as in JSON) for an array."""
    if getattr(value, "ndim", 0):
        import json

        from gradcli.arrays.report import _json_array

        return json.dumps(_json_array(value))
    return repr(float(value)) if hasattr(value, "ndim") else repr(value)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _wrap(text: str, width: int, indent: int) -> str:
    """Long results continue on lines of their own under the result column."""
    if len(text) <= width:
        return text
    import textwrap

    return ("\n" + " " * indent).join(textwrap.wrap(text, width, break_on_hyphens=False))


def _one_line(error) -> str:
    from gradcli.errors import safe_text

    where = error.line_column
    text = safe_text(error.message).replace("\n", " ")
    return f"{text} (column {where[1]})" if where else text


def check_summary(record, precision: int) -> str:
    """What --expect and --gradcheck found, in a few words."""
    parts = []
    if record.expect is not None:
        result = record.expect
        if result.passed:
            parts.append(f"PASS {len(result.items)}/{len(result.items)}")
        else:
            failed = []
            for item in result.failed:
                text = item.item
                if not record.hide_answers:
                    expected, got = item.texts(precision, _number)
                    text += f" (expected {expected}, got {got})"
                failed.append(text)
            parts.append(f"FAIL {', '.join(failed)}")
    if record.gradcheck is not None:
        result = record.gradcheck
        wrong = [item.label for item in result.wrong]
        kinks = sum(1 for item in result.items if item.verdict == "kink")
        text = f"gradcheck wrong at {', '.join(wrong)}" if wrong else "gradcheck ok"
        if kinks:
            text += f" ({kinks} at a kink)"
        parts.append(text)
    return "; ".join(parts)


class TableWriter:
    """Fixed-width rows as they come: line, program, value, gradients (errors in place)."""

    def __init__(self, out, precision: int, key: str = "line"):
        self.out = out
        self.precision = precision
        self.key = key
        self.started = False

    def write(self, record) -> None:
        if not self.started:
            first = "point" if self.key == "row" else "program"
            self.out.write(f"{self.key:>6}  {first:<{PROGRAM_WIDTH}}  {'value':>10}  result\n")
            self.started = True
        shown = record.program
        if record.point is not None:
            shown = " ".join(f"{name}={_number(value, self.precision)}"
                             for name, value in record.point.items())
        program = _clip(shown, PROGRAM_WIDTH)
        if record.error is not None:
            value = f"error {int(record.error.exit_code)}"
            result = _one_line(record.error)
        else:
            value = "" if record.hide_answers else _number(record.value, self.precision)
            result = check_summary(record, self.precision)
            if not record.hide_answers:
                grads = "  ".join(f"{name}={_number(grad, self.precision)}"
                                  for name, grad in record.gradients.items())
                result = grads + ("   " + result if result else "")
        self.out.write(f"{record.number:>6}  {program:<{PROGRAM_WIDTH}}  {value:>10}  "
                       f"{_wrap(result, 80 - RESULT_COLUMN, RESULT_COLUMN)}\n")
        self.out.flush()

    def close(self) -> None:
        pass


class JsonLinesWriter:
    def __init__(self, out):
        self.out = out

    def write(self, record) -> None:
        import json

        self.out.write(json.dumps(record.to_json(), ensure_ascii=False, allow_nan=False) + "\n")
        self.out.flush()

    def close(self) -> None:
        pass


class CsvWriter:
    """Long format, one header: one row per record and gradient name (RFC 4180)."""

    def __init__(self, out, key: str = "line"):
        from gradcli.render.machine import csv_writer

        self.out = out
        self.writer = csv_writer(out)
        self.writer.writerow((key, *CSV_COLUMNS))
        out.flush()

    def write(self, record) -> None:
        if record.error is not None:
            self.writer.writerow((record.number, "error", int(record.error.exit_code), "", "", "",
                                  _one_line(record.error)))
        else:
            status = "fail" if record.status else "ok"
            message = check_summary(record, 17)
            grads = {} if record.hide_answers else record.gradients
            value = "" if record.hide_answers else _exact(record.value)
            rows = [(name, _exact(grad)) for name, grad in grads.items()] or [("", "")]
            for name, grad in rows:
                self.writer.writerow((record.number, status, record.status, value, name, grad,
                                      message))
        self.out.flush()

    def close(self) -> None:
        pass


def make_writer(format_: str, out, precision: int, key: str = "line"):
    if format_ == "json":
        return JsonLinesWriter(out)
    if format_ == "csv":
        return CsvWriter(out, key)
    return TableWriter(out, precision, key)


class _Stdout:
    """Looks sys.stdout up on every write, so a progress bar that redirects it is honoured."""

    def write(self, text: str) -> None:
        sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def open_output(out: str | None):
    if out is None:
        return _Stdout()
    try:
        return open(out, "w", encoding="utf-8", newline="")
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror}") from None


def stream(records, format_: str, out: str | None, precision: int, key: str = "line") -> int:
    """Write every record as it comes; return the exit status of them all."""
    from gradcli.batchrun import Tally

    sink = open_output(out)
    tally = Tally()
    try:
        writer = make_writer(format_, sink, precision, key)
        for record in records:
            writer.write(record)
            tally.add(record)
            if record.error is not None and format_ != "table":
                # Machine formats keep stdout clean; people still see the line's error.
                sys.stderr.write(f"{key} {record.number}: {_one_line(record.error)}\n")
    finally:
        if out is not None:
            sink.close()
    return tally.status


def wants_progress(stream_, path: str, stderr=None) -> bool:
    """A bar only on a terminal, and only for a regular file long enough to wait for."""
    stderr = sys.stderr if stderr is None else stderr
    if path == "-" or not stderr.isatty() or os.environ.get("TERM") == "dumb":
        return False
    try:
        return os.fstat(stream_.fileno()).st_size >= PROGRESS_MIN_BYTES
    except (OSError, ValueError, AttributeError):
        return False


def _lines_with_progress(source, total: int):
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    progress = Progress(TextColumn("batch"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True,
                        # Records going to a terminal print above the bar; to a file, untouched.
                        redirect_stdout=sys.stdout.isatty(), redirect_stderr=False)
    with progress:
        task = progress.add_task("batch", total=total)
        for line in source:
            yield line
            progress.advance(task, len(line))


def make_checks(expect, rtol, atol, hide_answers, gradcheck, step, sample_seed):
    from gradcli.batchrun import Checks
    from gradcli.expectation import parse_expectation

    if hide_answers and not (expect or gradcheck):
        raise InputError("--hide-answers needs --expect or --gradcheck (it hides gradcli's values "
                         "behind pass/fail)")
    if not (step > 0 and step == step and step != float("inf")):
        raise InputError("--step must be a positive number, like 1e-5")
    if not all(t >= 0 and t != float("inf") for t in (rtol, atol)):
        raise InputError("--rtol and --atol must be finite and >= 0")
    return Checks(tuple(parse_expectation(text) for text in expect), rtol, atol, gradcheck, step,
                  sample_seed, hide_answers=hide_answers)


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80})
@click.argument("words", nargs=-1, metavar="[FILE|-] [NAME=VALUE]...")
@click.option("--format", "format_", type=click.Choice(RECORD_FORMATS), default="table",
              show_default=True, help="table (rows as they come), json (JSON Lines) or csv.")
@click.option("--precision", type=click.IntRange(1, 17), default=4, show_default=True,
              help="Significant digits in the table (JSON and CSV are exact).")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Write records to this file.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="A progress bar on stderr for long files, only when stderr is a terminal.")
@checks_options
@click.option("-q", "--quiet", is_flag=True, help="Print no records; only set the exit status.")
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
    from gradcli.batchrun import batch

    path = None
    tokens = list(words)
    if tokens and BINDING.match(tokens[0]) is None:
        path = tokens.pop(0)
    if path is None:
        from gradcli.cli import _stdin_is_piped

        # A bare `gradcli batch` at a prompt would wait silently for typed lines; `-` asks for that.
        if not _stdin_is_piped():
            raise InputError("no program file: give a batch FILE, pipe lines to standard input, "
                             "or use '-' to type them (end with Ctrl-D)")
        path = "-"
    bindings = parse_bindings(tokens)
    checks = make_checks(expect, rtol, atol, hide_answers, gradcheck, step, sample_seed)
    source = _open_input(path)
    try:
        lines = source
        if progress and wants_progress(source, path):
            lines = _lines_with_progress(source, os.fstat(source.fileno()).st_size)
        used: set[str] = set()
        records = batch(lines, bindings, checks=checks, used=used)
        if quiet:
            from gradcli.batchrun import Tally

            tally = Tally()
            for record in records:
                tally.add(record)
            status = tally.status
        else:
            status = stream(records, format_, out, precision)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    unused = [name for name in bindings if name not in used]
    if unused:
        error = InputError(f"no line has an input named {unused[0]!r}, so {unused[0]}="
                           f"{bindings[unused[0]]:g} was not used")
        sys.stderr.write(error.render() + "\n")
        status = max(status, int(ExitStatus.BAD_INPUT))
    return status


def _open_input(path: str):
    if path == "-":
        return sys.stdin.buffer
    from gradcli.errors import reading

    with reading(path, "a batch file"):
        return open(path, "rb")
