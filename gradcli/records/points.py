"""--at-file: one record per point of a CSV whose header names inputs.

The good rows are swept together where the program allows it (compute.point_reports: one
vectorized sweep per block of rows, each row's own Report), giving the same records as one
run per row. A row whose maths fails anywhere is run again on its own, so its record
carries the very error the row-by-row path gives.
"""

from __future__ import annotations

import csv
from typing import Iterator

from gradcli.compute import parse_binding_value, point_columns, point_reports, points_graph
from gradcli.errors import GradcliError, InputError, InternalError
from gradcli.program.bindings import check_bindings
from gradcli.records.lines import Checks, Record, run_checks, run_one


def read_points(text: str, source: str, given=()) -> Iterator[tuple[int, dict[str, float] | GradcliError]]:
    """The rows of a points CSV: (row number, bindings or the error for that row).

    The header names inputs; each later row is one point. A bad cell spoils only its row;
    a header naming one of `given` (the command line's bindings) spoils them all, so is one error.
    """
    # Spreadsheets save "CSV UTF-8" with a byte order mark, which is no part of the first name.
    reader = csv.reader(text.removeprefix("\ufeff").splitlines())
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{source} is empty: its first row must name the inputs, like x,y,z") from None
    names = _header_names(header, source, given)
    row = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row += 1
        if len(cells) != len(names):
            yield row, InputError(f"row {row} of {source} has {_count(len(cells), 'cell')} but "
                                  f"the header names {_count(len(names), 'input')}")
            continue
        point: dict[str, float] = {}
        try:
            for name, cell in zip(names, cells):
                try:
                    point[name] = parse_binding_value(cell.strip())
                except GradcliError as error:
                    raise InputError(f"row {row} of {source}, column {name}: {error.message}") from None
        except GradcliError as error:
            yield row, error
            continue
        yield row, point


def _header_names(header: list[str], source: str, given) -> list[str]:
    names = [cell.strip() for cell in header]
    for name in names:
        if not (name.isidentifier() and name.isascii()):
            raise InputError(f"{source}: the header cell {name!r} is not an input name "
                             "(the first row names the inputs, like x,y,z)")
    if len(set(names)) != len(names):
        raise InputError(f"{source}: the header names an input twice")
    both = [name for name in names if name in given]
    if both:
        raise InputError(f"{both[0]!r} is given both in {source} and on the command line")
    return names


_CELL = r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*"


def read_columns(text: str, source: str, given=()):
    """(names, one float array per name) when every row is plain finite numbers, one per
    header name, with no blank line: what read_points would read, in one pass at C speed.
    None for anything else (quotes, expressions like pi/2, a bad cell), which read_points
    reads row by row."""
    import re

    import numpy as np

    text = text.removeprefix("\ufeff")
    end = text.find("\n")
    if end == -1 or '"' in text[:end]:
        return None
    names = _header_names(text[:end].rstrip("\r").split(","), source, given)
    body = text[end + 1:]
    # Line by line: one regex over the whole text would keep a mark per line (gigabytes).
    row = re.compile(_CELL + ("," + _CELL) * (len(names) - 1) + "\r?")
    lines = body.split("\n")
    if lines[-1] == "":
        lines.pop()         # the last line's end
    if not lines or not all(map(row.fullmatch, lines)):
        return None
    cells = ",".join(lines).split(",")
    del lines
    values = np.fromiter(map(float, cells), dtype=float, count=len(cells))
    if not np.isfinite(values).all() or len(values) % len(names):
        return None     # 1e999: read_points says which cell
    table = values.reshape(-1, len(names))
    return names, {name: np.ascontiguousarray(table[:, k]) for k, name in enumerate(names)}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


class PointBlock:
    """Consecutive points that swept cleanly, as columns: what a writer that needs only each
    point's value and gradients (CSV, --quiet) writes in bulk instead of record by record."""

    block = True
    error = None
    status = 0

    def __init__(self, rows: list[int], value, grads: dict, names: list[str]):
        self.rows = rows            # the CSV row numbers
        self.value = value          # a float array, one entry per row
        self.grads = grads          # input name -> float array
        self.names = names          # the gradients in report order (every input)

    def __len__(self) -> int:
        return len(self.rows)


def at_points(program: str, points_text: str, source: str, bindings: dict[str, float] | None = None,
              *, checks: Checks = Checks(), filename: str | None = None,
              output: str | None = None, vectorize: bool = True,
              blocks: bool = False) -> Iterator[Record]:
    """One record per point (key "row"); command-line bindings fill in what the CSV lacks.

    The good rows are evaluated together in one vectorized sweep (engine/points.py)
    where the program allows it, giving the same records as one run per row
    (`vectorize=False`), which is the fallback. With `blocks` (a consumer that writes only
    values and gradients, and no checks), runs of good rows come as PointBlocks instead of
    one Record each; rows that fail are still Records of their own."""
    bindings = dict(bindings or {})
    wants_blocks = blocks and vectorize and not (checks.expectations or checks.gradcheck)
    if wants_blocks:
        read = read_columns(points_text, source, bindings)
        if read is not None:
            names, columns = read
            prepared = prepare(program, [(1, dict.fromkeys(names, 0.0))], bindings,
                               filename=filename, output=output)
            if prepared is not None:
                return _column_blocks(program, names, columns, prepared, bindings, checks,
                                      filename, output)
    rows = list(read_points(points_text, source, bindings))
    if not rows:
        raise InputError(f"{source} has no rows: after the header, each row is one point")
    if wants_blocks:
        good = [(row, point) for row, point in rows if not isinstance(point, GradcliError)]
        prepared = prepare(program, good, bindings, filename=filename, output=output) \
            if good else None
        if prepared is not None:
            return _point_blocks(program, rows, good, prepared, bindings, checks, filename,
                                 output)
    return _point_records(program, rows, source, bindings, checks, filename, output, vectorize)


BLOCK_ROWS = 65536      # rows a PointBlock holds at most: a writer's chunk


def _column_blocks(program, names, columns, prepared, bindings, checks, filename, output):
    """_point_blocks for points read as columns (read_columns): rows 1, 2, ... in order."""
    graph, numbers = prepared
    value, grads, failed = point_columns(graph, columns, numbers)
    gradient_names = list(graph.inputs)
    count = len(value)
    bad = [] if failed is None else failed.nonzero()[0].tolist()
    first = 0
    for stop in bad + [count]:
        for start in range(first, stop, BLOCK_ROWS):
            last = min(start + BLOCK_ROWS, stop)
            yield PointBlock(range(start + 1, last + 1), value[start:last],
                             {name: grads[name][start:last] for name in gradient_names},
                             gradient_names)
        if stop < count:
            point = {name: float(columns[name][stop]) for name in names}
            record = run_one(stop + 1, program, key="row", bindings={**bindings, **point},
                             checks=checks, filename=filename, output=output)
            record.point = point
            yield record
        first = stop + 1


def _point_blocks(program, rows, good, prepared, bindings, checks, filename, output):
    """PointBlocks of the rows that swept cleanly, and a Record for every other row, in order."""
    import numpy as np

    graph, numbers = prepared
    names = list(good[0][1])
    columns = {name: np.fromiter((point[name] for _, point in good), dtype=float,
                                 count=len(good)) for name in names}
    value, grads, failed = point_columns(graph, columns, numbers)
    gradient_names = list(graph.inputs)
    pending: list[int] = []      # positions in `good` of the rows waiting to make a block

    def block():
        first, last = pending[0], pending[-1] + 1
        out = PointBlock([good[k][0] for k in pending], value[first:last],
                         {name: grads[name][first:last] for name in gradient_names},
                         gradient_names)
        pending.clear()
        return out

    bad = failed.tolist() if failed is not None else None
    position = 0
    for row, point in rows:
        if isinstance(point, GradcliError) or (bad is not None and bad[position]):
            if pending:
                yield block()
            if isinstance(point, GradcliError):
                record = Record(row, program, "row", hide_answers=checks.hide_answers)
                record.error = point
                record.point = {}
            else:
                record = run_one(row, program, key="row", bindings={**bindings, **point},
                                 checks=checks, filename=filename, output=output)
                record.point = point
                position += 1
            yield record
            continue
        pending.append(position)
        position += 1
        if len(pending) == BLOCK_ROWS:
            yield block()
    if pending:
        yield block()


def _point_records(program, rows, source, bindings, checks, filename, output,
                   vectorize) -> Iterator[Record]:
    good = [(row, point) for row, point in rows if not isinstance(point, GradcliError)]
    fast = None
    if vectorize and good:
        prepared = prepare(program, good, bindings, filename=filename, output=output)
        if prepared is not None:
            fast = _swept_records(program, good, prepared, bindings, checks, filename, output)
    for row, point in rows:
        if isinstance(point, GradcliError):
            record = Record(row, program, "row", hide_answers=checks.hide_answers)
            record.error = point
            record.point = {}       # the point column stays empty: the row has no point
            yield record
            continue
        if fast is not None:
            yield next(fast)
            continue
        record = run_one(row, program, key="row", bindings={**bindings, **point}, checks=checks,
                         filename=filename, output=output)
        record.point = point
        yield record


def prepare(program: str, points: list[tuple[int, dict]], bindings: dict, *,
             filename: str | None = None, output: str | None = None):
    """(graph, numbers) for sweeping the rows `points` together, or None where the program
    cannot be vectorized, or lowering or binding fails (every row then fails alike, and the
    row-by-row path words that error per row)."""
    try:
        graph = points_graph(program, filename, output)
        if graph is None:
            return None
        check_bindings(graph, {**bindings, **{name: 0.0 for name in points[0][1]}})
    except GradcliError:
        return None
    numbers = {name: value for name, value in bindings.items() if name in graph.inputs}
    return graph, numbers


def _swept_records(program: str, points: list[tuple[int, dict]], prepared, bindings: dict,
                   checks, filename: str | None, output: str | None):
    """The row-by-row path's records, in order, from one sweep per block."""
    graph, numbers = prepared
    reports = point_reports(graph, [point for _, point in points], bindings, numbers)
    for (row, point), report in zip(points, reports):
        record = Record(row, program, "row", hide_answers=checks.hide_answers)
        try:
            if report is None:
                raise InputError("this point runs on its own")
            record.report = report
            record.expect, record.gradcheck = run_checks(report, checks)
        except GradcliError:
            # Whatever failed, the row's own run says it exactly as the row-by-row path.
            record = run_one(row, program, key="row", bindings={**bindings, **point},
                             checks=checks, filename=filename, output=output)
        except Exception as error:
            record.error = InternalError(f"internal error ({type(error).__name__}: {error}); "
                                         "this is a bug in gradcli, please report it")
        record.point = point
        yield record
