"""Snapshot files under tests/snapshots/: compared exactly, never rewritten by CI.

Run with GRADCLI_UPDATE_SNAPSHOTS=1 (locally, never in CI) to write new ones, then read the
diff before committing them.
"""

import os
from pathlib import Path

DIRECTORY = Path(__file__).parent / "snapshots"


def assert_snapshot(name: str, text: str) -> None:
    path = DIRECTORY / name
    updating = os.environ.get("GRADCLI_UPDATE_SNAPSHOTS") == "1" and os.environ.get("CI") != "true"
    if updating:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}; write it with GRADCLI_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its snapshot:\n{text}"


def fixed_console_text(renderable, width: int = 80) -> str:
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    Console(file=out, width=width, no_color=True, color_system=None, highlight=False,
            force_terminal=False).print(renderable)
    return out.getvalue()
