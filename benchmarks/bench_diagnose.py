"""Mistake diagnosis and the class view, each figure printed with its target and PASS/FAIL.

- Diagnosis of one failed gradient in a program of 50 nodes (staged, with forks, every kind
  of gate the catalogue knows): at most 50 ms, the slowest of many, each on a fresh report
  (nothing cached from an earlier answer).
- `gradcli check --problems KEYS/ FOLDER --report class.md` on 500 submissions whose wrong
  answers are catalogued mistakes, against 500 per-student keys (no diagnosis shared between
  students): at most 3 s for the whole run, grading included.

    .venv/bin/python benchmarks/bench_diagnose.py [--students 500]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from gradcli.checks import diagnose as diagnosis  # noqa: E402
from gradcli.compute import compute  # noqa: E402

RESULTS: list[bool] = []


def verdict(name: str, figure: str, target: str, ok: bool) -> None:
    RESULTS.append(ok)
    print(f"{name:<52} {figure:>14}   target {target:<12} {'PASS' if ok else 'FAIL'}")


GATES = ("{a} * {b}", "{a} + {b}", "{a} - {b}", "sigmoid({a}) * {b}", "max({a}, {b})",
         "tanh({a} + {b})", "({a})^2 * 0.1 + {b}", "relu({a}) + {b}", "exp(-{a}^2) * {b}")


def program_of(nodes: int, rng: random.Random) -> str:
    """A staged program of about `nodes` nodes, each line reusing earlier values (forks)."""
    names = ["x", "y", "z", "w", "s0"]
    lines = ["s0 = x * y + z * w"]
    k = 1
    while True:
        text = "\n".join(lines + [f"f = {names[-1]} * {names[-2]}"])
        if len(compute(text, POINT).graph.ops) >= nodes - 4:
            return text
        a, b = rng.sample(names[-6:], 2)
        lines.append(f"s{k} = " + rng.choice(GATES).format(a=a, b=b))
        names.append(f"s{k}")
        k += 1


POINT = {"x": 0.3, "y": -0.7, "z": 1.1, "w": 0.4}


def bench_diagnosis(programs: int = 40) -> None:
    rng = random.Random(7)
    times = []
    sizes = []
    for _ in range(programs):
        text = program_of(50, rng)
        for name in POINT:
            report = compute(text, POINT)
            sizes.append(len(report.graph.ops))
            node = report.node_named(name)
            answer = report.grads[node] + rng.uniform(0.5, 2.0)
            start = time.perf_counter()
            diagnosis.diagnose(report, node, answer, 1e-4, 1e-8)
            times.append(time.perf_counter() - start)
    print(f"diagnosis: {len(times)} failed gradients in programs of {min(sizes)}-{max(sizes)} "
          f"nodes; median {statistics.median(times) * 1000:.1f} ms")
    verdict("diagnosis of one failed gradient, 50 nodes (slowest)",
            f"{max(times) * 1000:.1f} ms", "<= 50 ms", max(times) <= 0.050)


PROBLEMS = """\
[[problem]]
id = "1a"
program = "q = x + y; f = q * z + x"
at = {x = {min = -20, max = 20}, y = {min = -10, max = 10, step = 0.5}, z = {min = -9, max = 9}}
fork = true
nice = true

[[problem]]
id = "1b"
program = "q = w*x + b; f = sigmoid(q) * max(w, b)"
at = {w = {min = -3, max = 3, step = 0.25}, x = {min = -4, max = 4, step = 0.5}, b = [-1, 0, 1]}
ask = ["value", "d/dw", "d/dx", "d/dq"]

[[problem]]
id = "1c"
program = "h = relu(a*b - c); f = h * a + (a - c)^2"
at = {a = {min = -6, max = 6}, b = {min = -5, max = 5}, c = {min = -5, max = 5, step = 0.5}}
no_kinks = true
nice = true
marks = 2
"""


def submission(key: dict, rng: random.Random) -> str:
    """A student's answers: right, or a catalogued mistake's number, or a random one."""
    lines = [f'student = "{key["student"]}"']
    for problem in key["problem"]:
        report = compute(problem["program"], problem["at"])
        answers = []
        for item, value in problem["expect"].items():
            kind = rng.choice(["right", "mistake", "mistake", "random"])
            if item != "value" and kind == "mistake":
                made = diagnosis.mistaken_gradients(report, report.node_named(item[3:]))
                if made:
                    value = rng.choice(made)[1]
            elif kind == "random":
                value = round(value + rng.uniform(-5, 5), 3)
            answers.append(f'"{item}" = {value!r}')
        lines += ["", "[[problem]]", f'id = "{problem["id"]}"',
                  "expect = {" + ", ".join(answers) + "}"]
    return "\n".join(lines) + "\n"


def gradcli_command() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "gradcli")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "gradcli"]


def bench_class(students: int) -> None:
    command = gradcli_command()
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "problems.toml"), "w") as f:
            f.write(PROBLEMS)
        with open(os.path.join(work, "students.csv"), "w") as f:
            f.write("id\n" + "".join(f"s{i:04d}\n" for i in range(students)))
        subprocess.run([*command, "gen", os.path.join(work, "problems.toml"), "--roster",
                        os.path.join(work, "students.csv"), "--seed", "1", "-o",
                        os.path.join(work, "week")], check=True, capture_output=True)
        keys = os.path.join(work, "week", "keys")
        folder = os.path.join(work, "submissions")
        os.mkdir(folder)
        for name in sorted(os.listdir(keys)):
            with open(os.path.join(keys, name), "rb") as f:
                key = tomllib.load(f)
            with open(os.path.join(folder, name), "w") as f:
                f.write(submission(key, rng))
        report = os.path.join(work, "class.md")
        subprocess.run([*command, "x", "x=1"], capture_output=True)    # warm the caches
        start = time.perf_counter()
        done = subprocess.run([*command, "check", "--problems", keys, folder, "--report",
                               report, "--quiet"], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        text = open(report).read() if os.path.exists(report) else ""
    mistakes = text.count("% of the answers")
    print(f"class view: {students} files, {mistakes} lines of mistakes (exit {done.returncode})")
    verdict(f"check --report class.md, {students} files, per-student keys", f"{seconds:.2f} s",
            "<= 3 s", seconds <= 3.0 and done.returncode == 1 and mistakes > 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    args = parser.parse_args()
    bench_diagnosis()
    bench_class(args.students)
    failed = RESULTS.count(False)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
