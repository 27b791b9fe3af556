"""Throughput of homework checking: submissions graded per second.

Run:  .venv/bin/python benchmarks/bench_check.py [--quick] [--n N]

Two scenarios, each a folder of N generated submissions graded with
``grade_folder`` in 1 process and in one process per core:

* same point: the worked homework (examples/homework/key.toml, 16 items: the
  primal, forward and reverse tables, the gradient and a formula); submissions
  are the example's three, each with one number changed at random, plus 5%
  binary files and 5% malformed TOML (error rows).
* per-student points: a key that draws each student's own point; every
  submission is the project's text trace at that student's point, so no two
  submissions share a number (the worst case for the checker's caches).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autodiff_viz as av  # noqa: E402
from autodiff_viz.check import load_key  # noqa: E402
from autodiff_viz.check.batch import grade_folder  # noqa: E402
from autodiff_viz.views.text import render_text  # noqa: E402

HOMEWORK = Path(__file__).resolve().parents[1] / "examples" / "homework"
NUMBER = re.compile(r"(?<![\w.\u0300-\u036f])\d+\.?\d*")
RANDOM_KEY = {"expression": "sin(x1) + x1*x2", "random": {"seed": 1, "ranges": {
    "x1": [-2, 2], "x2": [-2, 2]}, "decimals": 2},
    "ask": [{"kind": "trace"}, {"kind": "forward", "wrt": "x1"}, {"kind": "reverse"},
            {"kind": "gradient"}]}


def same_point(folder: Path, n: int) -> None:
    rng = random.Random(0)
    bases = [p.read_text(encoding="utf-8") for p in sorted((HOMEWORK / "submissions").glob("*"))]
    for i in range(n):
        if i % 20 == 0:
            (folder / f"s{i:05d}.txt").write_bytes(b"\x00binary")
        elif i % 20 == 1:
            (folder / f"s{i:05d}.toml").write_text("gradient = { x1 = \n")
        else:
            text = rng.choice(bases)
            m = rng.choice(list(NUMBER.finditer(text)))
            text = text[:m.start()] + str(rng.randint(0, 9)) + text[m.end():]
            (folder / f"s{i:05d}.txt").write_text(text.replace("student: ", "# "))


def per_student(folder: Path, n: int) -> None:
    key = load_key(RANDOM_KEY)
    for i in range(n):
        t = av.trace(key.graph, key.point_for(f"s{i:05d}"), wrt="x1")
        (folder / f"s{i:05d}.txt").write_text(render_text(t, style="text"))


def run(name: str, make, n: int, key: object) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench_check_"))
    try:
        make(folder, n)
        cores = os.cpu_count() or 1
        for jobs in sorted({1, cores}):
            t0 = time.perf_counter()
            result = grade_folder(key, folder, jobs=jobs)
            dt = time.perf_counter() - t0
            assert len(result.rows) == n
            errors = len(result.errors)
            print(f"  {name:<20} {n:>6} {jobs:>5} {dt:>9.2f} {n / dt:>12.0f} {errors:>7}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="200 submissions instead of 1000")
    ap.add_argument("--n", type=int, default=None, help="number of submissions")
    args = ap.parse_args()
    n = args.n or (200 if args.quick else 1000)
    print(f"homework checking throughput ({os.cpu_count()} cores)")
    print(f"  {'scenario':<20} {'subs':>6} {'procs':>5} {'seconds':>9} {'subs/second':>12} "
          f"{'errors':>7}")
    run("same point", same_point, n, HOMEWORK / "key.toml")
    run("per-student points", per_student, n, RANDOM_KEY)
    key = load_key(HOMEWORK / "key.toml")
    text = (HOMEWORK / "submissions" / "ben.txt").read_text()
    t0 = time.perf_counter()
    av.check(key, text)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(50):
        av.check(key, text)
    warm = (time.perf_counter() - t0) / 50
    print(f"  one submission in process: first {cold * 1e3:.1f} ms, then {warm * 1e3:.2f} ms each")


if __name__ == "__main__":
    main()
