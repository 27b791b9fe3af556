"""The Hessian of a 100-input function in each mode, against its cost model.

Run:  .venv/bin/python benchmarks/bench_hessian.py [--quick]     (--quick: 20 inputs)

The function has a dense Hessian and a graph linear in n:

    s = x1 + ... + xn,   z = Σ sin(x_i x_{i+1}) + s²/2 + exp(sin(s)).

Each mode runs first-order passes over a derivative graph
(:mod:`autodiff_viz.second`): forward-over-reverse n forward passes over the
reverse derivative graph, reverse-over-reverse n reverse passes over it,
forward-over-forward n² forward passes over n forward derivative graphs. The cost
model is Σ passes × size of the graph they run on; "visited" counts the nodes the
passes really went through (a reverse pass only the ancestors of its output).
Times include building the derivative graph(s) and their primal evaluation; the
last column is the time per node of the model. The modes must agree, the Hessian be
symmetric, and one Hessian-vector product equal H·v.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autodiff_viz as av  # noqa: E402
from autodiff_viz.second import MODES  # noqa: E402


def program(n: int) -> str:
    xs = [f"x{i}" for i in range(1, n + 1)]
    pairs = " + ".join(f"sin({a}*{b})" for a, b in zip(xs, xs[1:]))
    return f"s = {' + '.join(xs)}\nz = {pairs} + s^2/2 + exp(sin(s))"


def main(quick: bool = False) -> int:
    n = 20 if quick else 100
    src = program(n)
    rng = np.random.default_rng(0)
    at = {f"x{i}": float(rng.uniform(-1, 1)) for i in range(1, n + 1)}
    graph = av.parse(src)
    print(f"Hessian of a {n}-input function: {len(graph)} nodes, {graph.op_count} operations")
    print(f"{'mode':<22}{'time (s)':>9}{'passes':>8}{'graph':>7}{'model':>10}{'visited':>10}"
          f"{'visited/model':>14}{'µs/model node':>14}")
    results = []
    for mode in MODES:
        t0 = time.perf_counter()
        h = av.hessian(av.parse(src), at, mode=mode, output="z")  # a fresh graph: no cache
        dt = time.perf_counter() - t0
        c = h.cost
        results.append(h)
        print(f"{mode:<22}{dt:>9.3f}{c.passes:>8}{c.graph_nodes:>7}{c.model:>10}"
              f"{c.nodes_visited:>10}{c.nodes_visited / c.model:>14.2f}"
              f"{1e6 * dt / c.model:>14.2f}")
    ref = results[0].matrix
    worst = max(float(np.abs(h.matrix - ref).max()) for h in results)
    asym = float(np.abs(ref - ref.T).max())
    v = rng.normal(size=n)
    t0 = time.perf_counter()
    p = av.hvp(av.parse(src), at, list(v), output="z")
    dt = time.perf_counter() - t0
    hv = np.array([p.product[f"x{i}"] for i in range(1, n + 1)])
    gap = float(np.abs(hv - ref @ v).max())
    print(f"{'hvp (one pass)':<22}{dt:>9.3f}{p.cost.passes:>8}{p.cost.graph_nodes:>7}"
          f"{p.cost.model:>10}{p.cost.nodes_visited:>10}")
    scale = max(1.0, float(np.abs(ref).max()))
    ok = worst <= 1e-9 * scale and asym <= 1e-9 * scale and gap <= 1e-9 * scale * n
    print(f"correctness: modes differ by {worst:.3g}, asymmetry {asym:.3g}, |H·v - hvp| "
          f"{gap:.3g} ({'ok' if ok else 'FAILED'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main("--quick" in sys.argv[1:]))
