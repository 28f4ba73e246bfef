"""Big programs, many points, hostile sizes and start-up: each figure with its target and
PASS/FAIL.

    python benchmarks/bench_big.py            # the sizes the targets are for (~3 minutes)
    python benchmarks/bench_big.py --quick    # a tenth of the sizes (targets scaled), ~30 s
    python benchmarks/bench_big.py --only startup,writer

Every gradcli run is a subprocess of this interpreter (`python -c "from gradcli.cli import
run; run()"`, what the console script runs), so PYTHONPATH picks the checkout measured.
Times are wall-clock minima; peak memory is the child's maximum resident set size. Run it
on a quiet machine before quoting figures.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
STAGED = (HERE.parent / "examples" / "staged.py").read_text()
RESULTS: list[bool] = []
GRADCLI = [sys.executable, "-c", "import sys; sys.argv[0] = 'gradcli'; "
           "from gradcli.cli import run; run()"]
# As an installed copy runs: bytecode cached.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["NO_COLOR"] = "1"


def verdict(name: str, figure: str, target: str, ok: bool) -> None:
    RESULTS.append(ok)
    print(f"{name:<58} {figure:>16}   target {target:<14} {'PASS' if ok else 'FAIL'}",
          flush=True)


def measured(argv: list[str]) -> tuple[float, float, int]:
    """Time and peak memory of one run, the peak read by GNU time-like wait4."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    err = child.stderr.read()
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2) and err:
        print("    " + err.decode(errors="replace")[-500:])
    return elapsed, usage.ru_maxrss / 1024, code


def min_time(argv: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        best = min(best, time.perf_counter() - start)
    return best


# ------------------------------------------------------------------ programs

def chain_program(statements: int) -> str:
    """Four nodes a statement, each value feeding the next twice (a fork)."""
    lines = ["x = 0.5", "y = 0.25", "w = 0.5"]
    previous = "x"
    functions = ("sin", "tanh", "sigmoid", "cos")
    for i in range(statements):
        lines.append(f"t{i} = {functions[i % 4]}({previous}) * y + {previous} * w")
        previous = f"t{i}"
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ benchmarks

def bench_startup(runs: int) -> None:
    bare = min_time([sys.executable, "-c", "pass"], runs)
    min_time(GRADCLI + ["x", "x=1"], 1)       # the parser's cache, .pyc files
    table = min_time(GRADCLI + ["(x+y)*z", "x=-2", "y=5", "z=-4"], runs)
    as_json = min_time(GRADCLI + ["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "json"], runs)
    verdict("one-liner start-up, JSON, vs python -c pass", f"{as_json / bare:.1f}x",
            "<= 6x", as_json <= 6 * bare)
    verdict("one-liner start-up, table, vs python -c pass", f"{table / bare:.1f}x",
            "<= 8x", table <= 8 * bare)
    print(f"    {as_json * 1000:.0f} ms (JSON), {table * 1000:.0f} ms (table), "
          f"{bare * 1000:.0f} ms (python -c pass)")


def bench_big_program(nodes: int, scale: float, formats) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.py"
        path.write_text(chain_program(nodes // 4))
        for format_ in formats:
            seconds, peak, code = measured(GRADCLI + ["-f", str(path), "--format", format_])
            ok = code == 0 and seconds <= 20 * scale and peak <= 500 * scale
            verdict(f"{nodes:,}-node program end to end, --format {format_}",
                    f"{seconds:.1f} s {peak:.0f} MiB",
                    f"<= {20 * scale:g} s {500 * scale:g} MiB", ok)


def bench_long_sum(size: int, scale: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sum.txt"
        path.write_text("+".join(["x"] * (size // 2)))
        for format_ in ("table", "json"):
            seconds, peak, code = measured(GRADCLI + ["-f", str(path), "x=1", "--format",
                                                      format_])
            ok = code == 0 and seconds <= 10 * scale and peak <= 400 * scale
            verdict(f"{size >> 10} KiB expression x+x+...+x, --format {format_}",
                    f"{seconds:.1f} s {peak:.0f} MiB",
                    f"<= {10 * scale:g} s {400 * scale:g} MiB", ok)


def bench_open_brackets(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deep.txt"
        path.write_text("(" * size)
        seconds, peak, code = measured(GRADCLI + ["-f", str(path)])
        verdict(f"{size >> 10} KiB of '(' refused", f"{seconds:.2f} s {peak:.0f} MiB",
                "<= 2 s 200 MiB", code == 2 and seconds <= 2 and peak <= 200)


class Discard:
    def write(self, text: str) -> None:
        pass


def bench_writer(nodes: int) -> None:
    """The JSON and CSV writers alone, over a finished report."""
    from gradcli.compute import compute
    from gradcli.render import Settings, renderer

    report = compute(chain_program(nodes // 4), {})
    n = len(report.graph)
    for format_ in ("json", "csv"):
        write, kind = renderer(format_)
        sink = Discard()

        def written():
            for chunk in write(report, Settings()):
                sink.write(chunk)
        gc.collect()
        start = time.perf_counter()
        written()
        seconds = time.perf_counter() - start
        gc.collect()
        tracemalloc.start()
        written()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        us, per_node = seconds / n * 1e6, peak / n
        verdict(f"--format {format_} writer, {n:,} nodes", f"{us:.2f} us {per_node:.0f} B/node",
                "<= 3 us 100 B", us <= 3 and per_node <= 100)


def by_hand(x, y):
    """The note's staged forward and backward pass, vectorized by hand."""
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


def hand_written(points: Path, out: Path) -> None:
    """What a person writes with numpy: read the CSV, the passes, write value and gradients."""
    data = np.loadtxt(points, delimiter=",", skiprows=1, ndmin=2)
    f, dx, dy = by_hand(data[:, 0], data[:, 1])
    rows = np.arange(1, len(f) + 1)
    np.savetxt(out, np.column_stack([rows, f, dx, dy]), fmt=["%d", "%.17g", "%.17g", "%.17g"],
               delimiter=",", header="row,value,x,y", comments="")


def bench_points(count: int, runs: int) -> None:
    from gradcli.compute import points_graph
    from gradcli.engine.points import sweep_all

    rng = np.random.RandomState(0)
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp) / "staged.py"
        program.write_text(STAGED)
        points = Path(tmp) / "points.csv"
        xy = rng.randn(count, 2)
        np.savetxt(points, xy, fmt="%.17g", delimiter=",", header="x,y", comments="")
        best_hand = float("inf")
        for _ in range(max(1, runs // 2)):
            start = time.perf_counter()
            hand_written(points, Path(tmp) / "hand.csv")
            best_hand = min(best_hand, time.perf_counter() - start)
        # The hand-written program's interpreter start-up is part of its run too.
        best_hand += min_time([sys.executable, "-c", "import numpy"], 3)
        for format_ in ("csv", "json"):
            out = Path(tmp) / f"out.{format_}"
            seconds, peak, code = measured(GRADCLI + ["-f", str(program), "--at-file",
                                                      str(points), "--format", format_,
                                                      "-o", str(out)])
            ratio = seconds / best_hand
            verdict(f"--at-file {count:,} points end to end, --format {format_}",
                    f"{ratio:.2f}x", "<= 2x", code == 0 and ratio <= 2)
            print(f"    {seconds:.2f} s against {best_hand:.2f} s by hand; peak {peak:.0f} MiB")
    for n in (count // 10, count):
        x, y = rng.randn(n), rng.randn(n)
        graph = points_graph(STAGED, None, None)
        hand = engine = float("inf")
        for _ in range(runs):
            start = time.perf_counter()
            by_hand(x, y)
            hand = min(hand, time.perf_counter() - start)
            start = time.perf_counter()
            sweep_all(graph, {"x": x, "y": y}, {})
            engine = min(engine, time.perf_counter() - start)
        verdict(f"--at-file sweep, {n:,} points, vs numpy by hand", f"{engine / hand:.2f}x",
                "<= 1.5x", engine <= 1.5 * hand)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--only", default="", help="comma-separated: startup, brackets, "
                        "writer, program, sum, points")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    wanted = (lambda name: not only or name in only)
    scale = 0.1 if args.quick else 1.0
    big = 100_000 if args.quick else 1_000_000
    if wanted("startup"):
        bench_startup(runs=5 if args.quick else 15)
    if wanted("brackets"):
        bench_open_brackets(1 << 20)
    if wanted("writer"):
        bench_writer(big // 10 if args.quick else big // 4)
    if wanted("program"):
        bench_big_program(big, scale, ("table", "json", "csv"))
    if wanted("sum"):
        bench_long_sum((1 << 20) // (10 if args.quick else 1), scale)
    if wanted("points"):
        bench_points(big, runs=3 if args.quick else 5)
    failed = RESULTS.count(False)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
