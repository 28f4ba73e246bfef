"""Write gradcli/lang/lalr.py, the LALR parser of grammar/gradcli.lark, with Lark's
stand-alone tool (lark is a test dependency; gradcli itself never imports it).

    python grammar/generate_parser.py

Run it after changing the grammar; tests/test_parser.py checks that the generated module's
terminals and rules are the grammar's. The generated code is one module, so its two relative
imports (of names it defines itself) are made plain references; the imports only its cache
paths need are dropped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "grammar" / "gradcli.lark"
TARGET = ROOT / "gradcli" / "lang" / "lalr.py"
# The tool's flags for gradcli.lang.syntax.PARSER_OPTIONS.
FLAGS = ["-s", "program", "-l", "basic", "--maybe_placeholders"]

HEADER = """\
# gradcli's LALR parser, generated from grammar/gradcli.lark (the reference) by Lark's
# stand-alone tool through grammar/generate_parser.py: do not edit, regenerate.
# tests/test_parser.py checks that its terminals and rules are the grammar's.
"""

# Relative imports the stand-alone module cannot make (it is one file): both names are its own.
# And the modules only its cache and save/load paths use, which gradcli never calls (the
# tables are a literal): a few milliseconds of every start-up.
REWRITES = {"        from .lexer import Token\n": "",
            "                from . import __version__\n": "",
            "import pickle, zlib, base64\n": ""}


def generate() -> str:
    text = subprocess.run([sys.executable, "-m", "lark.tools.standalone", *FLAGS, str(GRAMMAR)],
                          check=True, capture_output=True, text=True).stdout
    for old, new in REWRITES.items():
        assert old in text, f"the stand-alone tool no longer writes {old.strip()!r}"
        text = text.replace(old, new)
    return HEADER + text


if __name__ == "__main__":
    TARGET.write_text(generate(), encoding="utf-8")
