"""Grading a class in one process: 500 submission files through `gradcli check`.

Target: 500 files graded in at most 2 s, against one problem file and against 500
per-student keys from `gradcli gen` (each computed once). The submissions mix right, rounded,
wrong and unreadable answers, in every spelling. Prints each figure, its target and
PASS/FAIL; exits 1 if a target is missed.

    .venv/bin/python benchmarks/bench_grading.py [--students 500]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import tomllib

PROBLEMS = """\
[[problem]]
id = "1a"
program = "q = x + y; f = q * z + x"
at = {x = {min = -20, max = 20}, y = {min = -10, max = 10, step = 0.5}, z = {min = -9, max = 9}}
fork = true
nice = true

[[problem]]
id = "1b"
program = "q = w*x + b; f = sigmoid(q)"
at = {w = {min = -3, max = 3, step = 0.25}, x = {min = -4, max = 4, step = 0.5}, b = [-1, 0, 1]}
ask = ["value", "d/dw", "d/dq"]
sigfigs = 3

[[problem]]
id = "1c"
program = "h = relu(a*b - c); f = h * a"
at = {a = {min = -6, max = 6}, b = {min = -5, max = 5}, c = {min = -5, max = 5, step = 0.5}}
no_kinks = true
nice = true
marks = 2
"""


def gradcli_command() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "gradcli")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "gradcli"]


def submission(key: dict, rng: random.Random) -> str:
    kind = rng.choice(["right", "right", "rounded", "wrong", "dx", "fraction", "broken"])
    if kind == "broken":
        return '[[problem]\nid = "1a"\n'
    lines = [f'student = "{key["student"]}"']
    for problem in key["problem"]:
        answers = []
        for item, value in problem["expect"].items():
            name = "d" + item[3:] if kind == "dx" and item != "value" else item
            if kind == "rounded":
                value = float(f"{value:.2e}")
            elif kind == "wrong" and item != "value":
                value = -value + 1
            text = f'"{value!r}/1"' if kind == "fraction" else repr(value)
            answers.append(f'"{name}" = {text}')
        lines += ["", "[[problem]]", f'id = "{problem["id"]}"',
                  "expect = {" + ", ".join(answers) + "}"]
    return "\n".join(lines) + "\n"


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    args = parser.parse_args()
    command = gradcli_command()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "problems.toml"), "w") as f:
            f.write(PROBLEMS)
        with open(os.path.join(work, "students.csv"), "w") as f:
            f.write("id\n" + "".join(f"s{i:04d}\n" for i in range(args.students)))
        subprocess.run([*command, "x", "x=1"], check=True, capture_output=True)  # warm caches
        gen_seconds, done = timed([*command, "gen", os.path.join(work, "problems.toml"),
                                   "--roster", os.path.join(work, "students.csv"), "--seed",
                                   "1", "-o", os.path.join(work, "week")])
        if done.returncode != 0:
            print(done.stderr[-2000:])
            print("FAIL: gen failed")
            return 1
        keys = os.path.join(work, "week", "keys")
        folder = os.path.join(work, "submissions")
        os.mkdir(folder)
        for name in sorted(os.listdir(keys)):
            with open(os.path.join(keys, name), "rb") as f:
                key = tomllib.load(f)
            with open(os.path.join(folder, name), "w") as f:
                f.write(submission(key, rng))
        # One problem file for everyone: the first student's key (the others' answers fail).
        one_key = os.path.join(work, "key.toml")
        with open(os.path.join(keys, sorted(os.listdir(keys))[0])) as f, open(one_key, "w") as g:
            g.write(f.read())
        runs = []
        for label, problems in (("one problem file", one_key), ("per-student keys", keys)):
            seconds, done = timed([*command, "check", "--problems", problems, folder,
                                   "--quiet"])
            runs.append((label, seconds, done.returncode))
        seconds, done = timed([*command, "check", "--problems", keys, folder, "-o",
                               os.path.join(work, "grades.csv")])
        with open(os.path.join(work, "grades.csv")) as f:
            rows = sum(1 for _ in f) - 1

    ok = rows == args.students and done.returncode == 1
    print(f"gradebook rows: {rows:,} of {args.students:,} (exit {done.returncode})  "
          f"{'PASS' if ok else 'FAIL'}")
    print(f"gen: {args.students:,} students × 3 problems in {gen_seconds:.2f} s (no target)")
    for label, seconds, status in runs + [("per-student keys, CSV written", seconds,
                                           done.returncode)]:
        passed = seconds <= 2.0 and status in (0, 1)
        print(f"check, {label}: {args.students:,} files in one process")
        print(f"  {seconds:.2f} s wall ({args.students / seconds:,.0f} files/s)")
        print(f"  target ≤ 2 s for 500 files: {'PASS' if passed else 'FAIL'}")
        ok = ok and passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
