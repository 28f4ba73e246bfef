"""The one-liner's checking options: --expect, --gradcheck, --hide-answers, --quiet, --at-file."""

from __future__ import annotations

from gradcli.checks.expect import parse_expectation
from gradcli.cli.io import read_program, write
from gradcli.cli.records import stream
from gradcli.compute import compute, parse_program
from gradcli.errors import GradcliError, InputError
from gradcli.program.split import forward_part
from gradcli.records.lines import Checks, Tally, run_checks
from gradcli.records.points import at_points
from gradcli.render import Settings, render
from gradcli.render.checks import checks_csv, checks_json, checks_text


def make_checks(expect, rtol, atol, hide_answers, gradcheck, step, sample_seed,
                order: int = 1) -> Checks:
    if hide_answers and not (expect or gradcheck):
        raise InputError("--hide-answers needs --expect or --gradcheck (it hides gradcli's values "
                         "behind pass/fail)")
    if not (step > 0 and step == step and step != float("inf")):
        raise InputError("--step must be a positive number, like 1e-5")
    if not all(t >= 0 and t != float("inf") for t in (rtol, atol)):
        raise InputError("--rtol and --atol must be finite and >= 0")
    return Checks(tuple(parse_expectation(text) for text in expect), rtol, atol, gradcheck, step,
                  sample_seed, hide_answers=hide_answers, order=order)


def run_with_checks(text, filename, bindings, output_name, format_, out, precision, color,
                    at_file, quiet, check_args, *, seed: int = 0, upstream="ones") -> int:
    checks = make_checks(*check_args)
    if at_file:
        return _at_file(text, filename, bindings, output_name, format_, out, precision, at_file,
                        quiet, checks)
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
        write(checks_json(report, expected, numeric, hide), out)
    elif format_ == "csv":
        write(checks_csv(expected, numeric, hide), out)
    else:
        append = False
        if expected is None and not hide:
            rendered, kind = render(report, format_, Settings(precision=precision))
            write(rendered, out, kind=kind, color=color)
            append = True
        text = checks_text(expected, numeric, hide, precision, gap=append)
        if format_ == "markdown":
            write("```\n" + text.plain + "```\n", out, append=append)
        else:
            write(text, out, kind="styled", color=color, append=append)
    return status


def _at_file(text, filename, bindings, output_name, format_, out, precision, at_file, quiet,
             checks) -> int:
    if format_ not in ("table", "json", "csv"):
        raise InputError("--at-file writes table, json or csv records, not " + format_)
    _reject_backward_pass(text, filename, output_name)
    points, source = read_program(at_file, "a CSV file of points")
    # CSV and --quiet need only each point's value and gradients: they take blocks of points.
    records = at_points(text, points, source, bindings, checks=checks, filename=filename,
                        output=output_name, blocks=quiet or format_ == "csv")
    if quiet:
        tally = Tally()
        for record in records:
            tally.add(record)
        return tally.status
    return stream(records, format_, out, precision, key="row")


def _reject_backward_pass(text: str, filename: str | None, output: str | None) -> None:
    """Once for all the points: a pasted backward pass is an error, as in the one-liner."""
    try:
        statements = parse_program(text, filename)
    except GradcliError:
        return          # every row reports the syntax error in its record
    try:
        forward_part(statements, output, filename, reject=True)
    except GradcliError as error:
        raise error.with_source(text, filename)
