"""Many points at once: the note's staged function at 10^6 points in one vectorized sweep,
against the same forward and backward pass written by hand in numpy.

This is the sweep `--at-file points.csv` runs (gradcli.arrays.points: the program lowered once,
each column bound as a 1-D array, upstream ones, so entry i of each gradient is point i's
gradient, swept in cache-sized blocks); reading the CSV and writing the records are not timed.
For comparison it also prints the array engine's `compute` on the whole columns (no target).
Best of several runs; run it on a quiet machine. Prints each figure with its target and
PASS/FAIL. Run: .venv/bin/python benchmarks/arrays_points.py
"""

from __future__ import annotations

import time

from pathlib import Path

import numpy as np

from gradcli.compute import compute, points_graph as lower_for_points
from gradcli.engine.points import sweep_all

STAGED = (Path(__file__).resolve().parent.parent / "examples" / "staged.py").read_text()

POINTS = 10 ** 6
TARGET = 1.5
RUNS = 7


def by_hand(x, y):
    """The note's forward and backward pass, vectorized."""
    sigy = 1.0 / (1 + np.exp(-y))
    num = x + sigy
    sigx = 1.0 / (1 + np.exp(-x))
    xpy = x + y
    xpysqr = xpy ** 2
    den = sigx + xpysqr
    invden = 1.0 / den
    f = num * invden
    dnum = invden
    dinvden = num
    dden = (-1.0 / (den ** 2)) * dinvden
    dsigx = dden
    dxpysqr = dden
    dxpy = (2 * xpy) * dxpysqr
    dx = dxpy.copy()
    dy = dxpy.copy()
    dx += ((1 - sigx) * sigx) * dsigx
    dx += dnum
    dsigy = dnum
    dy += ((1 - sigy) * sigy) * dsigy
    return f, dx, dy


def best_of(runs: int, work) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def at_file_sweep(x, y):
    graph = lower_for_points(STAGED, None, None)
    return sweep_all(graph, {"x": x, "y": y}, {})


def main() -> int:
    rng = np.random.RandomState(0)
    x, y = rng.randn(POINTS), rng.randn(POINTS)
    value, grads, failed = at_file_sweep(x, y)
    f, dx, dy = by_hand(x, y)
    assert failed is None
    assert np.allclose(value, f) and np.allclose(grads["x"], dx) and np.allclose(grads["y"], dy)
    hand = best_of(RUNS, lambda: by_hand(x, y))
    engine = best_of(RUNS, lambda: at_file_sweep(x, y))
    whole = best_of(3, lambda: compute(STAGED, {"x": x, "y": y}))
    ratio = engine / hand
    status = "PASS" if ratio <= TARGET else "FAIL"
    print(f"staged function, {POINTS:,} points (best of {RUNS}): by hand {hand:.4f} s, "
          f"--at-file sweep {engine:.4f} s")
    print(f"ratio {ratio:.2f} (target <= {TARGET}): {status}")
    print(f"for comparison, compute() on whole columns: {whole:.4f} s "
          f"(ratio {whole / hand:.2f}, no target)")
    return 0 if status == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
