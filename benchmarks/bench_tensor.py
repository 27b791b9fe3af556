"""A matrix-form MLP traced in reverse mode against hand-written numpy (issue 9).

Run:  .venv/bin/python benchmarks/bench_tensor.py [--quick] [--runs N] [--seed S]

The network is 784-256-10 with ReLU and softmax cross-entropy on a batch of 128
(random data, fixed seed; --quick uses 64-32-10 on a batch of 16):

    h = relu(X@W1 + b1)
    L = cross_entropy(h@W2 + b2, y)        # y: class indices

"autodiff_viz" is ``av.trace(text, at, mode="reverse")``: parse, primal, linearize and
the reverse sweep, keeping every value, local partial, adjoint and chain-rule term.
The baseline is hand-written numpy forward plus backward computing the same gradients
(every input the trace differentiates, X included); a second baseline computes the
parameters' gradients only, as a training step would. Times are medians of several
runs in this process, in blocks of consecutive calls with every measurement in turn;
minor page faults per call are counted too (on a VM, memory freed by one call and
mapped again by the next costs microseconds a page, on both sides). Before timing, the
trace's gradients are compared with the numpy backward's (max abs difference, must be
< 1e-10). On a shared machine OPENBLAS_NUM_THREADS=1 gives steadier figures.

Memory: the bytes of every array the trace holds (primal values, local partials,
adjoints, terms), counted once per reference and once per distinct buffer, and which
stored arrays are the same object (or a view) rather than a copy.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autodiff_viz as av  # noqa: E402
from autodiff_viz.passes import linearize, primal, reverse  # noqa: E402

SOURCE = "h = relu(X@W1 + b1)\nL = cross_entropy(h@W2 + b2, y)"
TOLERANCE = 1e-10


PARAMS = ["W1", "b1", "W2", "b2"]  # reverse mode for these only: no adjoint for X and y


def make_data(batch: int, d_in: int, hidden: int, classes: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {
        "X": rng.normal(size=(batch, d_in)),
        "W1": rng.normal(size=(d_in, hidden)) * np.sqrt(2.0 / d_in),
        "b1": rng.normal(size=hidden) * 0.1,
        "W2": rng.normal(size=(hidden, classes)) * np.sqrt(1.0 / hidden),
        "b2": rng.normal(size=classes) * 0.1,
        "y": rng.integers(0, classes, size=batch),
    }


def numpy_mlp(X: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray,
              b2: np.ndarray, y: np.ndarray, input_grad: bool = True) -> tuple[float, dict]:
    """Forward and backward by hand: the loss and its gradients."""
    a1 = X @ W1 + b1
    h = np.maximum(a1, 0.0)
    z = h @ W2 + b2
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - z[rows, y]))
    dz = e / s
    dz[rows, y] -= 1.0
    dz /= len(y)
    grads = {"W2": h.T @ dz, "b2": dz.sum(axis=0)}
    da1 = (dz @ W2.T) * (a1 > 0)  # relu'(0) = 0, as in the op table
    grads["W1"] = X.T @ da1
    grads["b1"] = da1.sum(axis=0)
    if input_grad:
        grads["X"] = da1 @ W1.T
    return loss, grads


def interleaved(fns: dict[str, Callable[[], object]], runs: int,
                block: int = 3) -> dict[str, float]:
    """Median time of each function over ``runs`` calls, taken in blocks of consecutive
    calls, the functions in turn (drifts in machine speed hit all alike). The first call
    of a block is not timed: what ran just before a call matters (memory another call
    freed is mapped again, page by page, when first touched)."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    while min(len(v) for v in times.values()) < runs:
        for k, fn in fns.items():
            fn()
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


# -- memory ---------------------------------------------------------------------------

def _root(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s buffer (``a`` itself when it owns it)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def stored_arrays(t: av.Trace) -> list[tuple[str, str, Any]]:
    """(kind, where, array) for every numpy array (not scalar) the trace holds."""
    names = t.names
    out: list[tuple[str, str, Any]] = []
    for i, v in enumerate(t.primal.values):
        out.append(("value", names[i], v))
    for i, row in enumerate(t.linear.partials if t.linear else []):
        for k, d in enumerate(row):
            out.append(("partial", f"∂{names[i]}/∂arg{k}", d))
    for r in t.reverse:
        for i, a in enumerate(r.adjoints):
            out.append(("adjoint", names[i], a))
        for q, ts in enumerate(r.terms):
            for c, k, v in ts:
                out.append(("term", f"{names[q]}<-{names[c]}", v))
    return [(kind, where, v) for kind, where, v in out
            if isinstance(v, np.ndarray) and v.ndim > 0]


def size(n: int) -> str:
    return (f"{n} B" if n < 1024 else f"{n / 1024:.0f} KiB" if n < 2**20
            else f"{n / 2**20:.2f} MiB")


def memory_report(t: av.Trace, at: dict[str, Any]) -> None:
    arrays = stored_arrays(t)
    by_kind: dict[str, list[int]] = {}
    for kind, _, v in arrays:
        by_kind.setdefault(kind, []).append(v.nbytes)
    seen: dict[int, np.ndarray] = {}
    for _, _, v in arrays:
        r = _root(v)
        seen[id(r)] = r
    distinct = sum(r.nbytes for r in seen.values())
    nominal = sum(v.nbytes for _, _, v in arrays)
    caller = sum(at[n].nbytes for n in at
                 if any(_root(v) is _root(at[n]) for k, _, v in arrays if k == "value"))
    print("memory: arrays the trace stores (scalars left out)")
    for kind in ("value", "partial", "adjoint", "term"):
        b = by_kind.get(kind, [])
        print(f"  {kind + 's':<10} {len(b):>3} arrays {sum(b) / 2**20:>9.2f} MiB")
    print(f"  {'total':<10} {len(arrays):>3} refs   {nominal / 2**20:>9.2f} MiB counted per "
          "reference (a broadcast view counts its full shape)")
    print(f"  {'distinct':<10} {len(seen):>3} bufs   {distinct / 2**20:>9.2f} MiB in distinct "
          f"buffers, of which {caller / 2**20:.2f} MiB are the caller's input arrays")

    # sharing: inputs, adjoints made of one term, and terms of a partial that is 1
    g = t.graph
    names = [w if n.kind != "input" else f"{w} ({n.name})" for w, n in zip(t.names, g.nodes)]
    vals = t.primal.values
    print("sharing (is: same object; view: shares memory; copy: a new buffer)")
    shared_in = [n for n, i in zip(g.input_names, g.inputs) if vals[i] is at[n]]
    copied_in = [n for n in g.input_names if n not in shared_in]
    print(f"  inputs stored as the caller's arrays: {', '.join(shared_in) or 'none'}; "
          f"converted copies: {', '.join(f'{n} ({at[n].dtype})' for n in copied_in) or 'none'}")
    r = t.reverse[0]
    one_term = [q for q in range(len(g.nodes)) if len(r.terms[q]) == 1]
    same = [names[q] for q in one_term if r.adjoints[q] is r.terms[q][0][2]]
    print(f"  adjoint is its single term (`is`): {len(same)} of {len(one_term)} nodes "
          f"({', '.join(same)})")
    for q, ts in enumerate(r.terms):
        for c, k, v in ts:
            node = g.nodes[c]
            if node.op is None or node.op.tensor or not isinstance(v, np.ndarray):
                continue
            d = t.linear.partials[c][k]  # type: ignore[union-attr]
            if not (np.ndim(d) == 0 and float(d) == 1.0):
                continue
            parent_shape = np.shape(vals[q])
            if np.shape(r.adjoints[c]) != parent_shape:
                print(f"  term {names[q]} <- {names[c]} ({node.op.name}, partial 1): "
                      f"{names[c]}'s adjoint summed over the copies {names[q]} was broadcast "
                      f"to (a new array, as it must be: {size(v.nbytes)})")
                continue
            how = ("is" if v is r.adjoints[c] else
                   "view" if np.shares_memory(v, r.adjoints[c]) else "copy")
            print(f"  term {names[q]} <- {names[c]} ({node.op.name}, partial 1): {how} of "
                  f"{names[c]}'s adjoint ({size(v.nbytes)}"
                  + (" that could be the adjoint itself)" if how == "copy" else ")"))
    for i, row in enumerate(t.linear.partials):  # type: ignore[union-attr]
        for k, d in enumerate(row):
            if isinstance(d, np.ndarray) and d.ndim > 0:
                print(f"  local partial ∂{names[i]}/∂{names[g.nodes[i].parents[k]]} "
                      f"({g.nodes[i].op.name}): a {'×'.join(map(str, d.shape))} array, "  # type: ignore[union-attr]
                      f"{size(d.nbytes)}")


# -- main -----------------------------------------------------------------------------

def page_faults(fn: Callable[[], object], calls: int = 10) -> float:
    """Minor page faults per call, after a call to settle."""
    fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def allocated(fn: Callable[[], object]) -> tuple[int, int]:
    """Bytes allocated at the peak of one call and bytes still held by its result
    (numpy reports its arrays to tracemalloc)."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = fn()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak - base, held - base


def blas_threads() -> str:
    set_ = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                             "MKL_NUM_THREADS") if k in os.environ]
    return ", ".join(set_) or f"BLAS threads: default ({os.cpu_count()} CPUs)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, few runs (for tests)")
    ap.add_argument("--runs", type=int, default=None,
                    help="timed runs per measurement (default 36, --quick 6)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    sizes = (16, 64, 32, 10) if args.quick else (128, 784, 256, 10)
    runs = args.runs or (6 if args.quick else 36)
    batch, d_in, hidden, classes = sizes
    at = make_data(batch, d_in, hidden, classes, args.seed)
    print(f"MLP {d_in}-{hidden}-{classes}, ReLU, softmax cross-entropy, batch {batch} "
          f"(seed {args.seed}); numpy {np.__version__}, {blas_threads()}")
    print("  " + SOURCE.replace("\n", "\n  "))

    # correctness first
    t = av.trace(SOURCE, at, mode="reverse")
    loss, ref = numpy_mlp(**at)
    grad = t.gradient
    diff = max(float(np.max(np.abs(np.asarray(grad[k]) - ref[k]))) for k in ref)
    diff = max(diff, abs(float(t.value) - loss))
    y_zero = not np.any(grad["y"])
    ok = diff < TOLERANCE and y_zero
    print(f"correctness: loss {float(t.value):.6f}; max abs difference of the loss and the "
          f"gradients (X, W1, b1, W2, b2) from numpy's backward = {diff:.2e} "
          f"({'ok' if ok else 'FAIL'}: must be < {TOLERANCE:g}; ∂L/∂y is 0)")
    if not ok:
        return 1

    # time
    g = av.parse(SOURCE)
    p = primal(g, at)
    lin = linearize(g, p)
    fns: dict[str, Callable[[], object]] = {
        "trace": lambda: av.trace(SOURCE, at, mode="reverse"),
        "trace_graph": lambda: av.trace(g, at, mode="reverse"),
        "trace_params": lambda: av.trace(SOURCE, at, mode="reverse", params=PARAMS),
        "numpy": lambda: numpy_mlp(**at),
        "numpy_params": lambda: numpy_mlp(**at, input_grad=False),
        "parse": lambda: av.parse(SOURCE),
        "primal": lambda: primal(g, at),
        "linearize": lambda: linearize(g, p),
        "reverse": lambda: reverse(g, p, lin),
    }
    for fn in fns.values():  # warm up
        fn()
    med = interleaved(fns, runs)
    parts = {k: med[k] for k in ("parse", "primal", "linearize", "reverse")}
    ms = 1e3
    print(f"\ntimes (median of {runs} runs in blocks, in turn; milliseconds)")
    print(f"  autodiff_viz  av.trace(text, mode='reverse')   {med['trace'] * ms:8.3f}")
    for k, v in parts.items():
        print(f"    {k:<10}{'':36}{v * ms:8.3f}")
    print(f"    (av.trace of the parsed graph               {med['trace_graph'] * ms:8.3f})")
    print(f"  av.trace(text, mode='reverse', params=...)    {med['trace_params'] * ms:8.3f}")
    print(f"  numpy forward + backward, same gradients     {med['numpy'] * ms:8.3f}")
    print(f"  numpy forward + backward, parameters only    {med['numpy_params'] * ms:8.3f}")
    ratio = med["trace"] / med["numpy"]
    print(f"ratio: autodiff_viz / numpy = {ratio:.2f}x (target at most 2x; "
          f"{med['trace_graph'] / med['numpy']:.2f}x without parse; "
          f"{med['trace'] / med['numpy_params']:.2f}x against the parameters-only backward)")
    print(f"ratio, parameters only: av.trace(params=W1,b1,W2,b2) / numpy parameters-only backward"
          f" = {med['trace_params'] / med['numpy_params']:.2f}x")
    faults = {k: page_faults(fns[k]) for k in ("trace", "numpy", "numpy_params")}
    print(f"minor page faults per call: autodiff_viz {faults['trace']:.0f}, numpy same "
          f"gradients {faults['numpy']:.0f}, parameters only {faults['numpy_params']:.0f}")
    print()
    memory_report(t, at)
    peak_t, held_t = allocated(lambda: av.trace(SOURCE, at, mode="reverse"))
    peak_n, held_n = allocated(lambda: numpy_mlp(**at))
    print(f"allocated in one call (tracemalloc): autodiff_viz peak {peak_t / 2**20:.2f} MiB, "
          f"kept by the trace {held_t / 2**20:.2f} MiB; numpy peak {peak_n / 2**20:.2f} MiB, "
          f"kept (loss and gradients) {held_n / 2**20:.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
