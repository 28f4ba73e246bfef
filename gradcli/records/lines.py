"""Many programs in one process: one record per program line (or per point), in order.

A batch never stops at a bad line: the line's record carries the core's error
and the next line runs. Records are produced one at a time from an iterator
of lines, so memory stays constant whatever the input's size, and a consumer
can write each record as soon as its line is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from gradcli.checks.expect import evaluate, expectations_from
from gradcli.checks.gradcheck import gradcheck, second_order_check
from gradcli.checks.results import ExpectResult, GradcheckResult
from gradcli.compute import compute
from gradcli.defaults import ATOL, RTOL, SAMPLE_LIMIT, SEED, STEP
from gradcli.errors import ExitStatus, GradcliError, InputError, InternalError, Span
from gradcli.lang.resolve import variables
from gradcli.lang.syntax import parse


@dataclass(frozen=True)
class Checks:
    """What to do with each program besides computing it."""
    expectations: tuple = ()
    rtol: float = RTOL
    atol: float = ATOL
    gradcheck: bool = False
    step: float = STEP
    seed: int = SEED
    limit: int = SAMPLE_LIMIT
    hide_answers: bool = False
    order: int = 1              # 2: --gradcheck checks the second derivatives


@dataclass
class Record:
    """One program line (key "line") or one point of --at-file (key "row")."""
    number: int
    program: str
    key: str = "line"
    report: object | None = None
    error: GradcliError | None = None
    expect: ExpectResult | None = None
    gradcheck: GradcheckResult | None = None
    hide_answers: bool = False
    point: dict | None = None       # the row's bindings, for --at-file
    block = False                   # one record (a PointBlock holds many points)

    @property
    def status(self) -> int:
        """The exit status this record asks for: 0 fine, 1 a check failed, else the error's code."""
        if self.error is not None:
            return int(self.error.exit_code)
        if (self.expect is not None and not self.expect.passed) or \
                (self.gradcheck is not None and not self.gradcheck.passed):
            return int(ExitStatus.CHECK_FAILED)
        return 0

    @property
    def value(self) -> float | None:
        return None if self.report is None else self.report.value

    @property
    def gradients(self) -> dict[str, float]:
        return {} if self.report is None else dict(self.report.gradients)

    def to_json(self) -> dict:
        """The one-liner's JSON object plus the line (or row) number; a failure holds only the error."""
        out: dict = {self.key: self.number}
        if self.error is not None:
            out["error"] = self.error.to_json()
            return out
        if not self.hide_answers:
            out.update(self.report.to_json())
        if self.expect is not None:
            out["expect"] = self.expect.to_json(self.hide_answers)
        if self.gradcheck is not None:
            out["gradcheck"] = self.gradcheck.to_json(self.hide_answers)
        return out


def run_checks(report, checks: Checks) -> tuple[ExpectResult | None, GradcheckResult | None]:
    expected = evaluate(report, checks.expectations, checks.rtol, checks.atol) \
        if checks.expectations else None
    if not checks.gradcheck:
        numeric = None
    elif checks.order == 2:
        numeric = second_order_check(report, checks.step)
    else:
        numeric = gradcheck(report, checks.step, seed=checks.seed, limit=checks.limit)
    return expected, numeric


def run_one(number: int, program: str, *, key: str = "line", bindings=None, shared=None,
            checks: Checks = Checks(), filename: str | None = None,
            output: str | None = None) -> Record:
    """One record; every GradcliError becomes the record's error instead of stopping the batch."""
    record = Record(number, program, key, hide_answers=checks.hide_answers)
    try:
        record.report = compute(program, bindings, shared=shared, filename=filename,
                                output=output, reject_backward=True)
        record.expect, record.gradcheck = run_checks(record.report, checks)
    except GradcliError as error:
        record.error = error.with_source(program, filename)
    except Exception as error:     # a bug: this line's record says so, and the batch goes on
        record.error = InternalError(f"internal error ({type(error).__name__}: {error}); this is "
                                     "a bug in gradcli, please report it with this line")
    return record


def is_program(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


def batch(lines: Iterable[str | bytes] | str, bindings: dict[str, float] | None = None, *,
          checks: Checks | None = None, used: set | None = None, **options) -> Iterator[Record]:
    """Records for every program line, lazily, in order. Python API and `gradcli batch`.

    `lines` is any iterable of lines (an open file, sys.stdin) or one string. Lines
    that are blank or comments are skipped, but numbering counts every physical line.
    Bindings apply to every line that has such an input; names used by some line
    are added to `used` (so a caller can report bindings no line used).
    Keyword options are Checks fields (expectations=..., gradcheck=True, ...).
    """
    if checks is None:
        if "expectations" in options:
            options["expectations"] = tuple(expectations_from(options["expectations"]))
        checks = Checks(**options)
    if isinstance(lines, str):
        lines = lines.splitlines()
    shared = dict(bindings or {})
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                record = Record(number, "", hide_answers=checks.hide_answers)
                record.error = InputError(f"line {number} is not UTF-8 text (byte {e.start} cannot "
                                          "be decoded)")
                yield record
                continue
        text = raw.rstrip("\r\n")
        if number == 1:
            # Editors on Windows save UTF-8 with a byte order mark, which is no part of line 1.
            text = text.removeprefix("\ufeff")
        if not is_program(text):
            continue
        if text.rstrip().endswith("\\"):
            record = Record(number, text, hide_answers=checks.hide_answers)
            at = text.rstrip().rindex("\\")
            record.error = InputError(
                "a batch program is one line: a backslash cannot continue it onto the next line "
                "(separate statements with ';')", Span(at, at + 1)).with_source(text, None)
        else:
            record = run_one(number, text, shared=shared, checks=checks)
        if used is not None:
            used.update(_names_used(record, shared))
        yield record


def _names_used(record: Record, shared: dict) -> set[str]:
    """The shared bindings this line has an input for. A line that does not parse may have
    meant any of them, so it counts as using them all (no false "was not used")."""
    if record.report is not None:
        return {name for name in shared if name in record.report.graph.inputs}
    try:
        statements = parse(record.program)
    except GradcliError:
        return set(shared)
    names = {e.name for st in statements if st.expr is not None for e in variables(st.expr)}
    return {name for name in shared if name in names}


@dataclass
class Tally:
    """The exit status of many records: 0, 1 when only checks failed, else the highest code."""
    status: int = 0
    records: int = 0
    failed: dict = field(default_factory=dict)

    def add(self, record: Record) -> None:
        if getattr(record, "block", False):     # points that all swept cleanly: status 0 each
            self.records += len(record)
            return
        self.records += 1
        status = record.status
        if status:
            self.failed[status] = self.failed.get(status, 0) + 1
        self.status = max(self.status, status)
