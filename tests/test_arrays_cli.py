"""The command line with arrays: bindings from text and files, --seed, --upstream, the
table's shape column and dimension analysis, JSON, CSV, Markdown, errors and exit codes;
and the scalar one-liner never importing numpy."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from gradcli.cli import main

from _helpers import MATMUL, NEURON  # the note's two array blocks


def run(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def programs(tmp_path):
    (tmp_path / "neuron.py").write_text(NEURON)
    (tmp_path / "matmul.py").write_text(MATMUL)
    return tmp_path


def test_the_neuron_table(capsys, programs):
    status, out, err = run(capsys, "-f", str(programs / "neuron.py"), "--color", "never")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["node", "op", "shape", "value", "∂f/∂node", "local", "downstream"]
    assert all(len(line) <= 80 for line in lines)
    row = next(line for line in lines if line.startswith("w "))
    assert row.split()[:4] == ["w", "input", "(3,)", "[2"]
    assert "f = 0.7311" in out
    assert "∂f/∂w (3,) = [-0.1966 -0.3932 0.1966]" in out
    assert "∂f/∂x (2,) = [0.3932 -0.5898]" in out
    mul = next(line for line in lines if line.startswith("w[0] * x[0]"))
    assert "∂/∂w[0] = -1" in mul
    # w is used three times: each use's contribution, in the order the reverse sweep adds them.
    forks = [line.split() for line in lines if line.startswith(" ← w[")]
    assert forks == [["←", "w[2]", "[0", "0", "0.197]"], ["←", "w[1]", "[0", "-0.393", "0]"],
                     ["←", "w[0]", "[-0.197", "0", "0]"]]


def test_the_matmul_table_has_shapes_and_the_dimension_analysis(capsys, programs):
    status, out, err = run(capsys, "-f", str(programs / "matmul.py"), "--upstream", "randn",
                           "--seed", "3")
    assert status == 0
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert next(line for line in lines if line.startswith("W ")).split()[:3] == \
        ["W", "input", "(5,"]
    assert "  dW = dD @ X.T : (5, 3) @ (3, 10) -> (5, 10)" in lines
    assert "  dX = W.T @ dD : (10, 5) @ (5, 3) -> (10, 3)" in lines
    assert "upstream: randn (seed 3) (see --upstream)." in out
    assert "random arrays: seed 3, as after np.random.seed(3)" in out


def test_json_has_nested_lists_shapes_and_null_local_for_arrays(capsys, programs):
    status, out, _ = run(capsys, "-f", str(programs / "matmul.py"), "--format", "json",
                         "--upstream", "randn")
    assert status == 0
    data = json.loads(out)
    np.random.seed(0)
    W, X = np.random.randn(5, 10), np.random.randn(10, 3)
    dD = np.random.randn(5, 3)
    assert data["shape"] == [5, 3] and data["upstream"] == "randn (seed 0)" and data["seed"] == 0
    assert np.allclose(data["value"], W @ X)
    assert np.allclose(data["gradients"]["W"], dD @ X.T)
    assert np.allclose(data["gradients"]["X"], W.T @ dD)
    nodes = {node["name"]: node for node in data["nodes"] if node["name"]}
    assert nodes["W"]["shape"] == [5, 10] and nodes["D"]["shape"] == [5, 3]
    assert nodes["D"]["op"] == "matmul" and nodes["D"]["local"] is None
    assert len(nodes["W"]["value"]) == 5 and len(nodes["W"]["value"][0]) == 10


def test_json_of_the_neuron_keeps_scalar_locals(capsys, programs):
    status, out, _ = run(capsys, "-f", str(programs / "neuron.py"), "--format", "json")
    data = json.loads(out)
    assert data["shape"] == [] and data["upstream"] == "1"
    assert data["gradients"]["w"] == pytest.approx([-0.19661193, -0.39322387, 0.19661193])
    index = next(n for n in data["nodes"] if n["text"] == "w[0]")
    assert index["shape"] == [] and index["local"] == [[1.0, 0.0, 0.0]]


def test_csv_and_markdown(capsys, programs):
    status, out, _ = run(capsys, "-f", str(programs / "neuron.py"), "--format", "csv")
    assert status == 0
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(out)))
    w = next(r for r in rows if r["name"] == "w")
    assert w["shape"] == "(3,)" and w["local"] == "" and json.loads(w["value"]) == [2, -3, -3]
    status, out, _ = run(capsys, "-f", str(programs / "matmul.py"), "--format", "markdown")
    assert status == 0
    assert "| `W` | input | (5, 10) |" in out
    assert "dW = dD @ X.T : (5, 3) @ (3, 10) -> (5, 10)" in out


