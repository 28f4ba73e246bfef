"""The one-liner's checking options: --expect, --gradcheck, --hide-answers, --quiet, --at-file.

Kept out of cli.py so that a plain one-liner never imports any of it.
"""

from __future__ import annotations

import sys

from gradcli.errors import InputError


def run_with_checks(text, filename, bindings, output_name, format_, out, precision, color,
                    at_file, quiet, check_args, *, seed: int = 0, upstream="ones") -> int:
    from gradcli.cli_batch import make_checks

    checks = make_checks(*check_args)
    if at_file:
        return _at_file(text, filename, bindings, output_name, format_, out, precision, at_file,
                        quiet, checks)
    from gradcli.batchrun import run_checks
    from gradcli.report import compute

    report = compute(text, bindings, output=output_name, filename=filename, seed=seed,
                     upstream=upstream, reject_backward=True)
    expected, numeric = run_checks(report, checks)
    failed = (expected is not None and not expected.passed) or \
        (numeric is not None and not numeric.passed)
    status = 1 if failed else 0
    if quiet:
        return status
    hide = checks.hide_answers
    if format_ == "json":
        _write(_json(report, expected, numeric, hide), out)
    elif format_ == "csv":
        _write(_csv(expected, numeric, hide), out)
    else:
        pieces = []
        if expected is None and not hide:
            from gradcli.cli import emit
            from gradcli.render import Settings, renderer

            render, kind = renderer(format_)
            emit(render(report, Settings(precision=precision)), kind, out, color)
            out_mode = "a"
            pieces.append("")
        else:
            out_mode = "w"
        if expected is not None:
            pieces += expected.lines(hide, precision)
        if numeric is not None:
            pieces += ([""] if pieces else []) + numeric.lines(hide, precision)
        if format_ == "markdown":
            pieces = ["```"] + pieces + ["```"]
        _write("\n".join(pieces) + "\n", out, out_mode)
    return status


def _json(report, expected, numeric, hide: bool) -> str:
    import json

    from gradcli.render.machine import report_json

    data = {} if hide else report_json(report)
    if expected is not None:
        data["expect"] = expected.to_json(hide)
    if numeric is not None:
        data["gradcheck"] = numeric.to_json(hide)
    return json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n"


CHECK_COLUMNS = ("check", "item", "expected", "got", "error", "verdict", "note")


def _csv(expected, numeric, hide: bool) -> str:
    """One table for both checks: for gradcheck, expected is the numeric gradient, error relative."""
    import io

    text = io.StringIO()
    from gradcli.render.machine import csv_writer
    writer = csv_writer(text)
    writer.writerow(CHECK_COLUMNS)

    from gradcli.expectation import claim_repr

    def shown(value):
        return "" if hide or value is None else claim_repr(value)

    for item in expected.items if expected is not None else ():
        writer.writerow(("expect", item.item, claim_repr(item.expected), shown(item.got),
                         shown(item.error), "pass" if item.passed else "fail", ""))
    for item in numeric.items if numeric is not None else ():
        writer.writerow(("gradcheck", item.label, shown(item.numeric), shown(item.analytic),
                         "" if item.rel_error is None else repr(item.rel_error), item.verdict,
                         item.note))
    return text.getvalue()


def _write(text: str, out: str | None, mode: str = "w") -> None:
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with open(out, mode, encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror}") from None


def _at_file(text, filename, bindings, output_name, format_, out, precision, at_file, quiet,
             checks) -> int:
    from gradcli.batchrun import Tally, at_points
    from gradcli.cli import read_program
    from gradcli.cli_batch import stream

    if format_ not in ("table", "json", "csv"):
        raise InputError("--at-file writes table, json or csv records, not " + format_)
    _reject_backward_pass(text, filename, output_name)
    points, source = read_program(at_file, "a CSV file of points")
    records = at_points(text, points, source, bindings, checks=checks, filename=filename,
                        output=output_name)
    if quiet:
        tally = Tally()
        for record in records:
            tally.add(record)
        return tally.status
    return stream(records, format_, out, precision, key="row")


def _reject_backward_pass(text: str, filename: str | None, output: str | None) -> None:
    """Once for all the points: a pasted backward pass is an error, as in the one-liner."""
    from gradcli.backward_split import forward_part
    from gradcli.errors import GradcliError
    from gradcli.syntax import parse

    try:
        statements = parse(text)
    except GradcliError:
        return          # every row reports the syntax error in its record
    try:
        forward_part(statements, output, filename, reject=True)
    except GradcliError as error:
        raise error.with_source(text, filename)
