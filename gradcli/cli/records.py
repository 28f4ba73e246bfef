"""Records of many programs written as they come (batch lines, --at-file points), with a
progress bar on a terminal for a long file."""

from __future__ import annotations

import os
import sys

from gradcli.cli.io import sink
from gradcli.records.lines import Tally
from gradcli.render.records import make_writer, one_line

PROGRESS_MIN_BYTES = 64 * 1024


def stream(records, format_: str, out: str | None, precision: int, key: str = "line") -> int:
    """Write every record as it comes; return the exit status of them all."""
    target = sink(out)
    tally = Tally()
    try:
        writer = make_writer(format_, target, precision, key)
        for record in records:
            writer.write(record)
            tally.add(record)
            if record.error is not None and format_ != "table":
                # Machine formats keep stdout clean; people still see the line's error, named
                # once (a bad cell's message already says its row).
                text = one_line(record.error)
                place = f"{key} {record.number}"
                sys.stderr.write(text + "\n" if text.startswith(place + " ") else
                                 f"{place}: {text}\n")
    finally:
        target.close()
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


def lines_with_progress(source, total: int):
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("batch"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True,
                        # Records going to a terminal print above the bar; to a file, untouched.
                        redirect_stdout=sys.stdout.isatty(), redirect_stderr=False)
    with progress:
        task = progress.add_task("batch", total=total)
        for line in source:
            yield line
            progress.advance(task, len(line))
