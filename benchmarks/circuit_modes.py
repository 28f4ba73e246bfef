"""Time the circuit modes on a 15,000-node program; print each figure, its target, PASS/FAIL.

Run: .venv/bin/python benchmarks/circuit_modes.py
"""

import subprocess
import sys
import time
from pathlib import Path

TERMS = 5000        # sin(x*k) summed: 3 nodes per term
PROGRAM = "+".join(f"sin(x*{k})" for k in range(TERMS))
GRADCLI = [sys.executable, "-m", "gradcli"]
CASES = [
    ("--format dot", [PROGRAM, "x=1", "--format", "dot"], 3.0),
    ("--format mermaid", [PROGRAM, "x=1", "--format", "mermaid"], 3.0),
    ("--format tree", [PROGRAM, "x=1", "--format", "tree"], 3.0),
    ("--explain", [PROGRAM, "x=1", "--explain"], 5.0),
    ("--format python", [PROGRAM, "x=1", "--format", "python"], 3.0),
    ("--format latex", [PROGRAM, "x=1", "--format", "latex"], 3.0),
    ("--mode forward", [PROGRAM, "x=1", "--mode", "forward", "--wrt", "x"], 5.0),
    ("--exact", [PROGRAM, "x=1", "--exact"], 5.0),
    ("diff", ["diff", PROGRAM], 5.0),
    ("9^9^9^9 --exact (refuses)", ["9^9^9^9", "--exact"], 1.0),
]


def main() -> int:
    failures = 0
    root = Path(__file__).resolve().parent.parent
    print(f"{'case':<28} {'seconds':>8} {'target':>8}")
    for name, args, target in CASES:
        start = time.perf_counter()
        subprocess.run(GRADCLI + args, cwd=root, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        elapsed = time.perf_counter() - start
        verdict = "PASS" if elapsed <= target else "FAIL"
        failures += verdict == "FAIL"
        print(f"{name:<28} {elapsed:>8.2f} {target:>8.1f}  {verdict}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
