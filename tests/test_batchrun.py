import csv
import io
import json
import os
import subprocess
import sys

import pytest

import gradcli
from gradcli.records.lines import Tally, batch
from gradcli.cli.records import wants_progress
from _helpers import run_cli


def test_python_api_batch():
    records = list(gradcli.batch("x*y\n\nx/0*y", {"x": 1, "y": 2}, gradcheck=True,
                                 expectations={"value": 2}))
    assert [(r.number, r.status) for r in records] == [(1, 0), (3, 3)]
    assert records[0].gradcheck.passed and records[0].expect.passed


@pytest.mark.parametrize("command", ["batch", "check", "key", "verify"])
def test_every_command_has_help(command):
    r = run_cli(command, "--help")
    assert r.code == 0 and f"gradcli {command}" in r.out
    assert command in run_cli("--help").out


