"""Run gradcli in-process with stdout and stderr captured separately (for the scripting tests)."""

import sys
from dataclasses import dataclass

from click.testing import CliRunner

from gradcli.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args, stdin=None) -> Result:
    runner = CliRunner()
    with runner.isolation(input=stdin) as streams:
        code = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return Result(code, out.decode(), err.decode())
