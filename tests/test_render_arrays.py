"""render/arrays, reports of array programs: the table's shape column, previews, each fork's
contributions and the dimension analysis, within 80 columns; JSON with nested lists and shapes
(and a null local partial for array nodes, the scalar ones kept); CSV and Markdown."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from _helpers import run, run_cli


def test_the_neuron_table(capsys, array_folder):
    status, out, err = run(["-f", str(array_folder / "neuron.py"), "--color", "never"], capsys)
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


def test_the_matmul_table_has_shapes_and_the_dimension_analysis(capsys, array_folder):
    status, out, err = run(["-f", str(array_folder / "matmul.py"), "--upstream", "randn",
                            "--seed", "3"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert next(line for line in lines if line.startswith("W ")).split()[:3] == \
        ["W", "input", "(5,"]
    assert "  dW = dD @ X.T : (5, 3) @ (3, 10) -> (5, 10)" in lines
    assert "  dX = W.T @ dD : (10, 5) @ (5, 3) -> (10, 3)" in lines
    assert "upstream: randn (seed 3) (see --upstream)." in out
    assert "random arrays: seed 3, as after np.random.seed(3)" in out


def test_json_has_nested_lists_shapes_and_null_local_for_arrays(capsys, array_folder):
    status, out, _ = run(["-f", str(array_folder / "matmul.py"), "--format", "json",
                          "--upstream", "randn"], capsys)
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


def test_json_of_the_neuron_keeps_scalar_locals(capsys, array_folder):
    status, out, _ = run(["-f", str(array_folder / "neuron.py"), "--format", "json"], capsys)
    data = json.loads(out)
    assert data["shape"] == [] and data["upstream"] == "1"
    assert data["gradients"]["w"] == pytest.approx([-0.19661193, -0.39322387, 0.19661193])
    index = next(n for n in data["nodes"] if n["text"] == "w[0]")
    assert index["shape"] == [] and index["local"] == [[1.0, 0.0, 0.0]]


def test_csv_and_markdown(capsys, array_folder):
    status, out, _ = run(["-f", str(array_folder / "neuron.py"), "--format", "csv"], capsys)
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    w = next(r for r in rows if r["name"] == "w")
    assert w["shape"] == "(3,)" and w["local"] == "" and json.loads(w["value"]) == [2, -3, -3]
    status, out, _ = run(["-f", str(array_folder / "matmul.py"), "--format", "markdown"], capsys)
    assert status == 0
    assert "| `W` | input | (5, 10) |" in out
    assert "dW = dD @ X.T : (5, 3) @ (3, 10) -> (5, 10)" in out


def test_array_csv_has_the_scalar_columns_and_the_table_shape():
    scalar = list(csv.DictReader(io.StringIO(run_cli("x*y", "x=1", "y=2",
                                                     "--format", "csv").out)))
    arrays = list(csv.DictReader(io.StringIO(run_cli("sum(x*w)", "x=[1,2,3]", "w=[1,1,1]",
                                                     "--format", "csv").out)))
    assert set(scalar[0]) <= set(arrays[0])
    assert [row["shape"] for row in arrays] == ["(3,)", "(3,)", "(3,)", "()"]
    assert {row["local"] for row in arrays} == {""}
    table = run_cli("sum(x*w)", "x=[1,2,3]", "w=[1,1,1]").out
    assert "(3,)" in table
    assert json.loads(arrays[0]["value"]) == [1.0, 2.0, 3.0]
