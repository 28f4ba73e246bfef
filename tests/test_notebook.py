"""In a real Jupyter kernel: nbclient runs examples/classroom.ipynb end to end, and a cell whose
value is a report displays the HTML page (its table and circuit), a check its verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "classroom.ipynb"


def run_notebook():
    nbformat = pytest.importorskip("nbformat", reason="needs nbformat (the test extra)")
    nbclient = pytest.importorskip("nbclient", reason="needs nbclient (the test extra)")
    pytest.importorskip("ipykernel", reason="needs ipykernel (the test extra)")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError:
        raise
    except Exception as error:      # no kernel could start here (sockets, a missing spec)
        pytest.skip(f"a Jupyter kernel (ipykernel) could not start: {error}")
    return notebook


def test_a_notebook_cell_displays_the_report_and_the_checks():
    notebook = run_notebook()
    outputs = {cell.source: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}
    [report] = outputs['gradcli.grad("(x+y)*z", x=-2, y=5, z=-4)']
    data = report["data"]
    assert data["text/plain"] == "Report(f=-12, ∂f/∂x=-4, ∂f/∂y=-4, ∂f/∂z=3, 5 nodes)"
    page = data["text/html"]
    assert page.startswith('<div class="gradcli"') and "<table" in page and "<svg" in page
    assert '<td class="n g" data-at="3">-4</td>' in page and "http" not in page
    assert data["text/markdown"].startswith("| node | op | value |")
    [check] = [out for source, cell in outputs.items() if source.startswith("gradcli.expect")
               for out in cell]
    assert check["data"]["text/plain"] == "ExpectResult(passed=False, 1 of 2 failed: d/dx)"
    assert "FAIL" in check["data"]["text/html"]
