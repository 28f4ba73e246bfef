"""Records of many programs (batch lines, --at-file points), written as they come: a
fixed-width table, JSON Lines and a long-format CSV, each flushed record by record."""

from __future__ import annotations

from gradcli.errors import safe_text
from gradcli.numbers import preview, repr_value
from gradcli.render.machine import csv_writer, dumps

RECORD_FORMATS = ("table", "json", "csv")
CSV_COLUMNS = ("status", "exit_code", "value", "name", "grad", "message")
PROGRESS_MIN_BYTES = 64 * 1024
PROGRAM_WIDTH = 20
RESULT_COLUMN = 6 + 2 + PROGRAM_WIDTH + 2 + 10 + 2


def _number(value, precision: int) -> str:
    """A number, or an array program's value or gradient as a short preview."""
    return preview(value, precision, 10)


def _clip(text: str, width: int, ellipsis: str = "…") -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - len(ellipsis)] + ellipsis


def _wrap(text: str, width: int, indent: int) -> str:
    """Long results continue on lines of their own under the result column."""
    if len(text) <= width:
        return text
    import textwrap

    return ("\n" + " " * indent).join(textwrap.wrap(text, width, break_on_hyphens=False))


def one_line(error) -> str:
    """An error on one line: its message, and its column where the text is at fault."""
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
                details = []
                if not record.hide_answers:
                    answer, correct = item.texts(precision, _number)
                    details.append(f"answered {answer}, correct {correct}")
                if item.diagnosis:
                    details.append("diagnosis " + ", ".join(f"{d.kind} at {d.node}"
                                                            for d in item.diagnosis))
                failed.append(item.item + (f" ({'; '.join(details)})" if details else ""))
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
        # Where the writer turns glyphs into ASCII, a cut is '...' (three cells), cut so.
        self.ellipsis = "..." if getattr(out, "ascii", False) else "…"

    def write(self, record) -> None:
        if not self.started:
            first = "point" if self.key == "row" else "program"
            self.out.write(f"{self.key:>6}  {first:<{PROGRAM_WIDTH}}  {'value':>10}  result\n")
            self.started = True
        shown = record.program
        if record.point is not None:
            shown = " ".join(f"{name}={_number(value, self.precision)}"
                             for name, value in record.point.items())
        program = _clip(shown, PROGRAM_WIDTH, self.ellipsis)
        if record.error is not None:
            value = f"error {int(record.error.exit_code)}"
            result = one_line(record.error)
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
        self.out.write(dumps(record.to_json()))
        self.out.flush()

    def close(self) -> None:
        pass


class CsvWriter:
    """Long format, one header: one row per record and gradient name (RFC 4180)."""

    def __init__(self, out, key: str = "line"):
        self.out = out
        self.writer = csv_writer(out)
        self.writer.writerow((key, *CSV_COLUMNS))
        out.flush()

    def write(self, record) -> None:
        if record.block:
            self.write_block(record)
            return
        if record.error is not None:
            self.writer.writerow((record.number, "error", int(record.error.exit_code), "", "", "",
                                  one_line(record.error)))
        else:
            status = "fail" if record.status else "ok"
            message = check_summary(record, 17)
            grads = {} if record.hide_answers else record.gradients
            value = "" if record.hide_answers else repr_value(record.value)
            rows = [(name, repr_value(grad)) for name, grad in grads.items()] or [("", "")]
            for name, grad in rows:
                self.writer.writerow((record.number, status, record.status, value, name, grad,
                                      message))
        self.out.flush()

    def write_block(self, block) -> None:
        """Points that swept cleanly, in bulk: the rows `write` gives each of them (status ok,
        every digit of the value and of each gradient, no message)."""
        names = block.names
        grads = [block.grads[name].tolist() for name in names]
        lines = []
        append = lines.append
        if not names:
            for row, value in zip(block.rows, block.value.tolist()):
                append(f"{row},ok,0,{value!r},,,\n")
        for row, value, *row_grads in zip(block.rows, block.value.tolist(), *grads):
            for name, grad in zip(names, row_grads):
                append(f"{row},ok,0,{value!r},{name},{grad!r},\n")
        self.out.write("".join(lines))
        self.out.flush()

    def close(self) -> None:
        pass


def make_writer(format_: str, out, precision: int, key: str = "line"):
    if format_ == "json":
        return JsonLinesWriter(out)
    if format_ == "csv":
        return CsvWriter(out, key)
    return TableWriter(out, precision, key)
