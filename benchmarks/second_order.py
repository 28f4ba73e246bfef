"""Second order and plots: a 200-point plot (samples, kinks located, the tangent, the drawing)
and the Hessian of the note's staged function, each printed with its target and PASS/FAIL.

A plot's samples are one forward-over-reverse sweep each (f, f′ and f″ at once), and each kink
costs a bisection of about fifty more. Best of several runs, in-process (start-up is measured
by bench_core.py); run it on a quiet machine. Run: .venv/bin/python benchmarks/second_order.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from gradcli.compute import compute, compute_hessian, compute_plot  # noqa: E402
from gradcli.render.plot import plain_text, render_svg  # noqa: E402

STAGED = (HERE.parent / "examples" / "staged.py").read_text()
RUNS = 7
RESULTS: list[bool] = []


def verdict(name: str, figure: str, target: str, ok: bool) -> None:
    RESULTS.append(ok)
    print(f"{name:<52} {figure:>12}   target {target:<10} {'PASS' if ok else 'FAIL'}")


def best(action) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def plot(expression: str, second: bool) -> None:
    result = compute_plot(expression, {}, "x", -3.0, 3.0, count=200, at=1.0, second=second)
    plain_text(result, width=100)
    render_svg(result, None)


def main() -> int:
    for expression, second in (("relu(x)", False), ("max(x, 0.5)", True),
                               ("sigmoid(x) * x^3 + abs(x)", True)):
        elapsed = best(lambda: plot(expression, second))
        verdict(f"plot of {expression}, 200 points{' and f″' if second else ''}",
                f"{elapsed * 1000:.1f} ms", "<= 100 ms", elapsed <= 0.1)
    report = compute(STAGED)
    elapsed = best(lambda: compute_hessian(report))
    verdict("Hessian of examples/staged.py (2 inputs)", f"{elapsed * 1000:.2f} ms", "<= 10 ms",
            elapsed <= 0.01)
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
