"""Many points at once: the note's staged function at 10^6 points through the array engine,
against the same forward and backward pass written by hand in numpy.

This is the sweep `--at-file points.csv` will run (each column bound as a 1-D array, upstream
ones, so row i of each gradient is that point's gradient); reading the CSV is not timed.
Prints each figure with its target and PASS/FAIL. Run: .venv/bin/python benchmarks/arrays_points.py
"""

from __future__ import annotations

import time

import numpy as np

from gradcli.report import compute

STAGED = """\
x = 3 # example values
y = -4

# forward pass
sigy = 1.0 / (1 + math.exp(-y)) # sigmoid in numerator   #(1)
num = x + sigy # numerator                               #(2)
sigx = 1.0 / (1 + math.exp(-x)) # sigmoid in denominator #(3)
xpy = x + y                                              #(4)
xpysqr = xpy**2                                          #(5)
den = sigx + xpysqr # denominator                        #(6)
invden = 1.0 / den                                       #(7)
f = num * invden # done!                                 #(8)
"""

POINTS = 10 ** 6
TARGET = 1.5


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


def main() -> int:
    rng = np.random.RandomState(0)
    x, y = rng.randn(POINTS), rng.randn(POINTS)
    report = compute(STAGED, {"x": x, "y": y})
    f, dx, dy = by_hand(x, y)
    assert np.allclose(report.value, f)
    assert np.allclose(report.gradients["x"], dx) and np.allclose(report.gradients["y"], dy)
    hand = best_of(3, lambda: by_hand(x, y))
    engine = best_of(3, lambda: compute(STAGED, {"x": x, "y": y}))
    ratio = engine / hand
    status = "PASS" if ratio <= TARGET else "FAIL"
    print(f"staged function, {POINTS:,} points: by hand {hand:.3f} s, gradcli {engine:.3f} s")
    print(f"ratio {ratio:.2f} (target <= {TARGET}): {status}")
    return 0 if status == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
