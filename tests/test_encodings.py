"""Any locale, any terminal: where standard output and error cannot carry the views' glyphs
(an ISO-8859-1 locale, PYTHONIOENCODING=cp1252, a pipe under an ASCII locale), every view,
command, help page and error is written with ASCII glyphs and exits as it would anywhere else.

One interpreter per encoding runs every command line in turn through gradcli.cli.main, with
the real standard streams that encoding gives them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gradcli.cli.commands import COMMANDS
from gradcli.render import FORMATS, RENDERERS
from gradcli.render.glyphs import ASCII, to_ascii

ROOT = Path(__file__).resolve().parent.parent
ENCODINGS = ["iso-8859-1", "cp1252", "ascii"]

# A fork (←), a cut label (…), a kink (!) and ∂ everywhere.
SCALAR = ["sigmoid(x*y + max(x, y) * tanh(x) + x)", "x=1", "y=1"]
ARRAYS = ["sum(W * x) + max(x)", "W=[1, 2]", "x=[3, 4]"]

PROBLEMS = """\
[[problem]]
id = "1a"
program = "(x+y)*z"
at = {x = -2, y = 5, z = -4}
expect = {value = -12, "d/dx" = -4, "d/dz" = 3.001, "d/dy" = 4}
"""
BACKPROP = """\
x = -2; y = 5; z = -4
q = x + y
f = q * z
dfdz = q
dfdq = z
dfdx = 1.0 * dfdq
dfdy = -1.0 * dfdq
"""


def command_lines(folder: Path) -> list[tuple[list[str], int]]:
    """(argv, exit status) for every view and command."""
    (folder / "programs.txt").write_text("x*y\nsin(x) + max(x, y)\nx +\n")
    (folder / "points.csv").write_text("x,y\n1,2\n3,4\n")
    (folder / "homework.toml").write_text(PROBLEMS)
    (folder / "backprop.py").write_text(BACKPROP)
    lines: list[tuple[list[str], int]] = []
    # Every view the renderer registry has, for a scalar and an array program.
    for format_, domain in RENDERERS:
        if domain == "scalar":
            lines.append(([*SCALAR, "--format", format_], 0))
        elif domain == "array":
            lines.append(([*ARRAYS, "--format", format_], 0))
        elif domain == "why":       # the reasons for zero and tiny gradients, after the view
            lines.append(([*SCALAR, "--why", "--format", format_], 0))
    lines += [
        ([*SCALAR, "--explain"], 0),
        ([*SCALAR, "--all", "--precision", "3"], 0),
        ([*SCALAR, "--exact"], 0),
        ([*SCALAR, "--exact", "--format", "json"], 0),
        ([*SCALAR, "--mode", "forward", "--wrt", "x"], 0),
        ([*SCALAR, "--mode", "forward", "--wrt", "x", "--format", "json"], 0),
        ([*SCALAR, "--expect", "value=1", "--gradcheck"], 1),
        ([*ARRAYS, "--explain"], 0),
        (["x*y", "--at-file", str(folder / "points.csv")], 0),
        (["x*√2", "x=1"], 2),                                   # an error quoting the glyph
        (["x * (", "x=1"], 2),
        (["diff", "sigmoid(x*y) + max(x, y)"], 0),
        (["diff", "sigmoid(x*y)", "--format", "latex"], 0),
        (["graph", "sigmoid(x*y)", "x=1", "y=2"], 0),
        (["graph", "sigmoid(x*y)", "x=1", "y=2", "--format", "mermaid"], 0),
        (["batch", "-f", str(folder / "programs.txt"), "x=1", "y=2"], 2),
        (["batch", "-f", str(folder / "programs.txt"), "x=1", "y=2", "--format", "csv"], 2),
        (["check", str(folder / "homework.toml")], 1),
        (["key", str(folder / "homework.toml")], 0),
        (["verify", str(folder / "backprop.py")], 1),
        (["--version"], 0),
        (["--help"], 0),
    ]
    lines += [([name, "--help"], 0) for name in sorted(COMMANDS)]
    return lines


DRIVER = """
import json, sys
from gradcli.cli import main
for argv in json.load(open(sys.argv[1])):
    status = main(argv)
    sys.stdout.flush(); sys.stderr.flush()
    sys.stdout.write("\\n@@ %d\\n" % status); sys.stderr.write("\\n@@\\n")
    sys.stdout.flush(); sys.stderr.flush()
"""


def run_all(folder: Path, environment: dict) -> list[tuple[int, bytes, bytes]]:
    lines = command_lines(folder)
    (folder / "argv.json").write_text(json.dumps([argv for argv, _ in lines]))
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONIOENCODING", "LC_ALL", "LANG", "NO_COLOR", "FORCE_COLOR")}
    env.update(environment, COLUMNS="80")
    done = subprocess.run([sys.executable, "-c", DRIVER, str(folder / "argv.json")], cwd=folder,
                          env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # Output k sits between marker k-1 and marker k: "...\n@@ STATUS\n...".
    pieces = done.stdout.split(b"\n@@ ")
    statuses = [int(piece.split(b"\n", 1)[0]) for piece in pieces[1:]]
    outs = [pieces[0]] + [piece.split(b"\n", 1)[1] for piece in pieces[1:-1]]
    errs = done.stderr.split(b"\n@@\n")
    return [(argv, expected, statuses[k], outs[k], errs[k])
            for k, (argv, expected) in enumerate(lines)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_view_and_command_writes_ascii_glyphs(tmp_path, encoding):
    for argv, expected, status, out, err in run_all(tmp_path, {"PYTHONIOENCODING": encoding}):
        assert status == expected, (argv, status, err.decode(encoding, "replace"))
        assert out.isascii(), (argv, out.decode(encoding, "replace"))
        assert err.isascii(), (argv, err.decode(encoding, "replace"))
        assert b"internal error" not in err and b"Traceback" not in err, argv


def test_the_table_in_ascii_keeps_its_columns(tmp_path):
    results = run_all(tmp_path, {"PYTHONIOENCODING": "cp1252"})
    utf8 = run_all(tmp_path, {"PYTHONIOENCODING": "utf-8"})
    table = next(k for k, r in enumerate(results) if r[0][-2:] == ["--format", "table"])
    ascii_lines = results[table][3].decode("ascii").splitlines()
    utf8_lines = utf8[table][3].decode("utf-8").splitlines()
    assert "df/dx" in results[table][3].decode() and "<- " in results[table][3].decode()
    # Columns where the UTF-8 table has them: the numbers end in the same places.
    for plain, glyphs in zip(ascii_lines, utf8_lines):
        if "←" not in glyphs and "…" not in glyphs:
            assert len(plain.rstrip()) == len(glyphs.rstrip()), (plain, glyphs)


def test_files_written_with_o_keep_their_glyphs(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    out = tmp_path / "table.txt"
    subprocess.run([sys.executable, "-m", "gradcli", *SCALAR, "-o", str(out)], env=env,
                   check=True, capture_output=True)
    assert "∂f/∂x" in out.read_text(encoding="utf-8")


def test_a_latin_1_locale_writes_ascii_glyphs(tmp_path):
    check = subprocess.run([sys.executable, "-c", "import sys; print(sys.stdout.encoding)"],
                           env={**os.environ, "LC_ALL": "en_US.ISO-8859-1"},
                           capture_output=True, text=True)
    if check.stdout.strip().lower().replace("_", "-") not in ("iso-8859-1", "iso8859-1",
                                                               "latin-1"):
        pytest.skip("the en_US.ISO-8859-1 locale is not installed (locale-gen en_US)")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LANG")}
    done = subprocess.run([sys.executable, "-m", "gradcli", *SCALAR],
                          env={**env, "LC_ALL": "en_US.ISO-8859-1"}, capture_output=True)
    assert done.returncode == 0 and done.stdout.isascii() and b"df/dx" in done.stdout


def test_every_glyph_has_an_ascii_form():
    for glyph, text in ASCII.items():
        assert text.isascii() and text, glyph
    assert to_ascii("∂f/∂x ← … ×", "cp1252") == "df/dx <- ... x"
    assert to_ascii("中", "ascii") == "\\u4e2d"
    assert "table" in FORMATS


def test_the_manuals_cp1252_example_is_what_gradcli_writes():
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    command = "$ PYTHONIOENCODING=cp1252 gradcli '(x+y)*z' x=-2 y=5 z=-4\n"
    shown = page.split(command, 1)[1].split("```", 1)[0]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run([sys.executable, "-m", "gradcli", "(x+y)*z", "x=-2", "y=5", "z=-4"],
                          env={**env, "PYTHONIOENCODING": "cp1252", "COLUMNS": "80"},
                          capture_output=True, check=True)
    assert done.stdout.decode("ascii") == shown
