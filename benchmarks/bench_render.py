"""Render time of the graph views for graphs of about 10, 100 and 1,000 nodes.

The graphs are small multilayer perceptrons written out scalar by scalar (one
statement per unit), as a course would expand them by hand: weights and biases
are constants, hidden units use tanh, the output a sigmoid, and the loss is a
squared error. For each size it prints the node count, the time to run the
passes, to build the step records (``Trace.steps``, built once on first use by
any view), to write the DOT source (pure Python), and to render it with
Graphviz's ``dot`` as svg and png (skipped without ``dot``).

    .venv/bin/python benchmarks/bench_render.py            # best of 3 runs
    .venv/bin/python benchmarks/bench_render.py --repeat 1
"""
from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autodiff_viz as av  # noqa: E402
from autodiff_viz.views.dot_render import dot_to_bytes  # noqa: E402
from autodiff_viz.views.graphviz import trace_to_dot  # noqa: E402

# (inputs, hidden widths): about 10, 100 and 1,000 nodes once expanded
SIZES = {10: (2, []), 100: (3, [4, 3]), 1000: (6, [16, 16, 4])}


def mlp_program(n_in: int, hidden: list[int]) -> str:
    """A scalar-expanded MLP with a squared-error loss, as a program of the language."""
    def weight(k: int) -> str:
        return f"{math.sin(1.7 * k + 0.3):.2f}"

    lines, prev, k = [], [f"x{i}" for i in range(1, n_in + 1)], 0
    for layer, width in enumerate(hidden, 1):
        cur = []
        for j in range(1, width + 1):
            terms = []
            for p in prev:
                k += 1
                terms.append(f"{weight(k)}*{p}")
            k += 1
            lines.append(f"h{layer}_{j} = tanh({' + '.join(terms)} + {weight(k)})")
            cur.append(f"h{layer}_{j}")
        prev = cur
    terms = []
    for p in prev:
        k += 1
        terms.append(f"{weight(k)}*{p}")
    lines.append(f"p = sigmoid({' + '.join(terms)})")
    lines.append("loss = (1 - p)^2")
    return "\n".join(lines)


def mlp_trace(n_in: int, hidden: list[int]) -> av.Trace:
    at = {f"x{i}": round(0.5 - 0.1 * i, 2) for i in range(1, n_in + 1)}
    return av.trace(mlp_program(n_in, hidden), at=at, mode="reverse")


def best(f: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    have_dot = shutil.which("dot") is not None
    print(f"{'target':>6} {'nodes':>6} {'edges':>6} {'passes':>8} {'records':>8} "
          f"{'DOT text':>9} {'dot svg':>8} {'dot png':>8}  edge labels")
    for target, (n_in, hidden) in SIZES.items():
        t = mlp_trace(n_in, hidden)
        g = t.graph
        passes = best(lambda: mlp_trace(n_in, hidden), args.repeat)
        fresh = [mlp_trace(n_in, hidden) for _ in range(args.repeat)]
        records = best(lambda: fresh.pop().steps, args.repeat)  # Trace.steps, built once
        src = trace_to_dot(t)
        gen = best(lambda: trace_to_dot(t), args.repeat)
        svg = png = float("nan")
        if have_dot:
            svg = best(lambda: dot_to_bytes(src, "svg"), args.repeat)
            png = best(lambda: dot_to_bytes(src, "png"), args.repeat)
        labels = "dropped (past the limit)" if "edge labels left out" in src else "drawn"
        print(f"{target:>6} {len(g.nodes):>6} {g.edge_count:>6} {passes:>7.3f}s "
              f"{records:>7.3f}s {gen:>8.3f}s {svg:>7.2f}s {png:>7.2f}s  {labels}")
    if not have_dot:
        print("Graphviz's dot is not installed: render times skipped "
              "(sudo apt-get install graphviz / brew install graphviz)")


if __name__ == "__main__":
    main()
