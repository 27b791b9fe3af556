"""Time per node of the primal, forward and reverse passes, and batch gradients.

Run:  .venv/bin/python benchmarks/bench_passes.py [--quick]

Graphs: a chain t_k = tanh(t_{k-1}*x1 + t_{k-2}) (three operations per
statement) of 10^3, 10^4 and 10^5 nodes. "reverse" is everything a gradient
needs after the primal pass: the local partials (linearize) plus the reverse
sweep; "forward" likewise for one forward pass. Ratios are against the primal
pass measured in the same run. The batch part times av.gradient of
sin(x1) + x1*x2 at 10^6 points against hand-written numpy (cos(x1) + x2, x1).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autodiff_viz as av  # noqa: E402
from autodiff_viz.passes import forward, linearize, primal, reverse  # noqa: E402


def chain(n_nodes: int) -> str:
    lines = ["t0 = x1 + 0", "t1 = x2 + 0"]
    k = 2
    while 3 * k < n_nodes:
        lines.append(f"t{k} = tanh(t{k - 1}*x1 + t{k - 2})")
        k += 1
    return "\n".join(lines)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(quick: bool = False) -> None:
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    print("scalar graphs: time per node (microseconds), best of several runs")
    print(f"{'nodes':>8} {'parse':>8} {'primal':>8} {'forward':>8} {'reverse':>8} "
          f"{'rev/primal':>10} {'grad/primal':>11}")
    at = {"x1": 0.5, "x2": -0.3}
    for size in sizes:
        src = chain(size)
        g = av.parse(src)
        n = len(g)
        rep = 5 if size <= 10_000 else 3
        t_parse = best(lambda: av.parse(src), rep)
        p = primal(g, at)
        lin = linearize(g, p)
        t_primal = best(lambda: primal(g, at), rep)
        t_lin = best(lambda: linearize(g, p), rep)
        t_fwd = best(lambda: forward(g, p, lin, {"x1": 1.0}), rep)
        t_rev = best(lambda: reverse(g, p, lin), rep)
        us = 1e6 / n
        rev = t_lin + t_rev
        print(f"{n:>8} {t_parse * us:>8.2f} {t_primal * us:>8.2f} {(t_lin + t_fwd) * us:>8.2f} "
              f"{rev * us:>8.2f} {rev / t_primal:>10.2f} {(t_primal + rev) / t_primal:>11.2f}")

    print()
    points = 100_000 if quick else 1_000_000
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=points), rng.normal(size=points)
    g = av.parse("sin(x1) + x1*x2")

    def ours() -> object:
        return av.gradient(g, {"x1": x1, "x2": x2})

    def hand() -> object:
        return np.cos(x1) + x2, x1

    ref = hand()
    got = ours()
    assert np.allclose(got["x1"], ref[0]) and np.allclose(got["x2"], ref[1])
    t_ours = statistics.median([best(ours, 1) for _ in range(7)])
    t_hand = statistics.median([best(hand, 1) for _ in range(7)])
    print(f"batch gradient of sin(x1) + x1*x2 at {points:,} points (median of 7)")
    print(f"  autodiff_viz.gradient   {t_ours * 1e3:8.2f} ms")
    print(f"  hand-written numpy      {t_hand * 1e3:8.2f} ms")
    print(f"  ratio                   {t_ours / t_hand:8.2f}x")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
