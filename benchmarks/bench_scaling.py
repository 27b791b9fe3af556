"""Linear cost, and the full traced reverse pass against micrograd, in one run.

Run:  .venv/bin/python benchmarks/bench_scaling.py [--quick]
      (micrograd: pip install -e '.[bench]'; without it that part is skipped)

1. Time per node (microseconds, best of several runs) at 10^3, 10^4 and 10^5 nodes for
   graphs whose cost used to grow faster than their size (and parsing alone, whose
   target is 5 microseconds per node):
   - chain: t_k = relu(t_{k-1}*x1 + x2), traced reverse (parse + primal + partials +
     adjoints, every term stored);
   - wide: x1*x2 + x2*x3 + ... (one input per term), traced reverse;
   - outputs: y_i = x*c_i + sin(x) for i < n/5 (n/5 outputs), the Jacobian in
     reverse mode (one pass per output) and in forward mode (one pass);
   - fan-out: one input used n/2 times (x*1 + x*2 + ...), traced reverse.
   A flat row (within 1.5x from 10^3 to 10^5) is linear.
2. The chain against micrograd (build the expression from Value objects + backward, its
   recursion limit raised), and the ratio; micrograd's memory per node against ours
   (tracemalloc peak of building and differentiating).
3. The floor: our graph alone (built by direct calls, no text read, no pass run) and
   compile() of the straight-line program a code generator would write for the traced
   reverse pass, each against micrograd's build + backward: why a pure-Python tool that
   reads text and stores every term stays above 2x micrograd, and why generated code
   does not help a pass that runs once.
"""
from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autodiff_viz as av  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def chain_source(nodes: int) -> str:
    return "\n".join(["t0 = x1 + x2"] + [f"t{k} = relu(t{k - 1}*x1 + x2)"
                                         for k in range(1, max(1, nodes // 3))])


def wide_source(nodes: int) -> tuple[str, dict[str, float]]:
    n = max(2, nodes // 3)
    return (" + ".join(f"x{i}*x{i + 1}" for i in range(1, n)),
            {f"x{i}": 1.0 + i / n for i in range(1, n + 1)})


def outputs_source(nodes: int) -> str:
    return "; ".join(f"y{i} = x*{i + 1} + sin(x)" for i in range(max(1, nodes // 5)))


def fan_out_source(nodes: int) -> str:
    return " + ".join(f"x*{i + 1}" for i in range(max(1, nodes // 2)))


def cases(n: int) -> list[tuple[str, str, Callable[[], object]]]:
    """(name, source, the timed run) of each graph of about ``n`` nodes."""
    chain, (wide, wide_at) = chain_source(n), wide_source(n)
    outs, fan = outputs_source(n), fan_out_source(n)
    return [
        ("chain, parse only", chain, lambda: av.parse(chain)),
        ("wide sum, parse only", wide, lambda: av.parse(wide)),
        ("chain, traced reverse", chain,
         lambda: av.trace(chain, at={"x1": 0.5, "x2": 0.1}, mode="reverse")),
        ("wide sum, traced reverse", wide, lambda: av.trace(wide, at=wide_at, mode="reverse")),
        ("n/5 outputs, reverse Jacobian", outs,
         lambda: av.jacobian(outs, {"x": 0.5}, mode="reverse")),
        ("n/5 outputs, forward Jacobian", outs,
         lambda: av.jacobian(outs, {"x": 0.5}, mode="forward")),
        ("one input used n/2 times", fan, lambda: av.trace(fan, at={"x": 0.5}, mode="reverse")),
    ]


def scaling(sizes: list[int]) -> None:
    print("time per node (microseconds), best of several runs; flat rows are linear")
    print(f"{'graph':32}" + "".join(f"{n:>10,}" for n in sizes) + f"{'last/first':>12}")
    table: dict[str, list[float]] = {}
    for n in sizes:
        for name, source, run in cases(n):
            nodes = len(av.parse(source).nodes)
            table.setdefault(name, []).append(best(run, 5 if n <= 10_000 else 3) / nodes * 1e6)
    for name, row in table.items():
        print(f"{name:32}" + "".join(f"{x:10.2f}" for x in row) + f"{row[-1] / row[0]:11.2f}x")


def micrograd_chain(nodes: int) -> Callable[[], object]:
    from micrograd.engine import Value

    def run() -> object:
        x1, x2 = Value(0.5), Value(0.1)
        t = x1 + x2
        for _ in range(1, max(1, nodes // 3)):
            t = (t * x1 + x2).relu()
        t.backward()
        return x1.grad
    return run


def ours_chain(nodes: int) -> Callable[[], object]:
    src = chain_source(nodes)
    return lambda: av.trace(src, at={"x1": 0.5, "x2": 0.1}, mode="reverse").jacobian


def peak(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    keep = fn()  # noqa: F841  (kept alive while measuring)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def against_micrograd(sizes: list[int]) -> None:
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("\nmicrograd is not installed: pip install -e '.[bench]' to compare")
        return
    sys.setrecursionlimit(max(10_000, 4 * max(sizes)))  # micrograd's topological sort recurses
    print("\nchain t_k = relu(t_{k-1}*x1 + x2): micrograd build + backward against our parse"
          " + traced reverse pass (every value, partial, adjoint and term stored)")
    print(f"{'nodes':>8} {'micrograd us/node':>18} {'ours us/node':>13} {'ratio':>7} "
          f"{'micrograd B/node':>17} {'ours B/node':>12} {'ratio':>7}")
    for n in sizes:
        mg, us = micrograd_chain(n), ours_chain(n)
        ours_grad = next(iter(us().values()))["x1"]
        assert abs(mg() - ours_grad) < 1e-9 * max(1.0, abs(ours_grad))  # the same gradient
        rep = 5 if n <= 10_000 else 2
        t_mg, t_us = best(mg, rep) / n * 1e6, best(us, rep) / n * 1e6
        m_mg, m_us = peak(mg) / n, peak(us) / n
        print(f"{n:>8,} {t_mg:18.2f} {t_us:13.2f} {t_us / t_mg:6.1f}x {m_mg:17.0f} "
              f"{m_us:12.0f} {m_us / m_mg:6.1f}x")


def builder_chain(nodes: int) -> Callable[[], object]:
    """Our graph of the chain built by direct GraphBuilder calls: no text read."""
    from autodiff_viz.graph import GraphBuilder
    from autodiff_viz.ops import OPS
    mul, add, relu = OPS["mul"], OPS["add"], OPS["relu"]

    def run() -> object:
        b = GraphBuilder()
        x1, x2 = b.input("x1", (0, 2)), b.input("x2", (5, 7))
        t = b.apply(add, (x1, x2), (5, 12), (8, 9))
        for k in range(1, max(1, nodes // 3)):
            m = b.apply(mul, (t, x1), (0, 1), (0, 1))
            t = b.apply(relu, (b.apply(add, (m, x2), (0, 1), (0, 1)),), (0, 1), (0, 1), f"t{k}")
        return b.build([("z", t)])
    return run


def generated_code(nodes: int) -> Callable[[], object]:
    """compile() of the straight-line program a code generator would write for the chain's
    traced reverse pass (a line per value, local partial and adjoint term): what such a
    generator pays before its first step runs. Compiled only, never run."""
    lines = ["v2 = v0 + v1"]
    for k in range(1, max(1, nodes // 3)):
        t, m, a, r = 3 * k - 1, 3 * k, 3 * k + 1, 3 * k + 2
        lines += [f"v{m} = v{t}*v0", f"v{a} = v{m} + v1", f"v{r} = relu(v{a})"]
    for k in range(max(1, nodes // 3) - 1, 0, -1):
        t, m, a, r = 3 * k - 1, 3 * k, 3 * k + 1, 3 * k + 2
        lines += [f"d{r} = step(v{a})", f"g{a} = g{r}*d{r}", f"g{m} = g{a}", f"g{t} = g{m}*v0",
                  f"g0 += g{m}*v{t}", f"g1 += g{a}"]
    text = "\n".join(lines)
    return lambda: compile(text, "<generated>", "exec")


def floor(sizes: list[int]) -> None:
    """What any pure-Python traced pass pays, against micrograd's whole build + backward."""
    try:
        import micrograd  # noqa: F401
    except ImportError:
        return
    sys.setrecursionlimit(max(10_000, 4 * max(sizes)))
    print("\nthe floor, microseconds per node: micrograd's build + backward; our graph built by"
          "\ndirect builder calls (no text read, no pass run); compile() of a generated"
          "\nstraight-line program for the traced reverse pass (compiled, not run)")
    print(f"{'nodes':>8} {'micrograd':>10} {'builder':>8} {'ratio':>6} {'compile':>8} {'ratio':>6}")
    for n in sizes:
        rep = 5 if n <= 10_000 else 2
        t_mg = best(micrograd_chain(n), rep) / n * 1e6
        t_b = best(builder_chain(n), rep) / n * 1e6
        t_c = best(generated_code(n), rep) / n * 1e6
        print(f"{n:>8,} {t_mg:10.2f} {t_b:8.2f} {t_b / t_mg:5.1f}x {t_c:8.2f} {t_c / t_mg:5.1f}x")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    scaling(sizes)
    against_micrograd(sizes)
    floor(sizes)
