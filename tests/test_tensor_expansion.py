"""Oracle for tensor graphs: the same graph expanded automatically, entry by entry, into a
program of numbers (the scalar path the project had before tensors, tested against sympy
and finite differences elsewhere) must give the same value and the same gradient of every
entry. Property test over random shapes, broadcasting and compositions.

The expander below works on the Graph's nodes: each node becomes a numpy array of names,
one per entry, each defined by one scalar statement in terms of its parents' entries.
"""
from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.graph import Graph

ELEMENTWISE = {"add": "({0} + {1})", "sub": "({0} - {1})", "mul": "({0}*{1})",
               "div": "({0}/{1})", "neg": "(-{0})", "sin": "sin({0})", "cos": "cos({0})",
               "tanh": "tanh({0})", "sigmoid": "sigmoid({0})", "exp": "exp({0})",
               "relu": "relu({0})"}


def expand(graph: Graph, at: dict[str, np.ndarray]) -> tuple[str, dict[str, float], dict]:
    """A scalar program computing ``graph``'s (scalar) output, its point, and the names of
    every input entry: ``{input: array of entry names}``."""
    lines: list[str] = []
    entries: list[np.ndarray] = []
    point: dict[str, float] = {}
    names: dict[str, np.ndarray] = {}

    def define(k: int, shape: tuple[int, ...], exprs: dict[tuple[int, ...], str]) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(shape):
            name = f"n{k}_" + "_".join(map(str, idx)) if shape else f"n{k}"
            lines.append(f"{name} = {exprs[idx]}")
            out[idx] = name
        return out

    for n in graph.nodes:
        if n.kind == "input":
            v = np.asarray(at[n.name], dtype=float)
            arr = np.empty(v.shape, dtype=object)
            for idx in np.ndindex(v.shape):
                nm = f"{n.name}_" + "_".join(map(str, idx)) if v.shape else f"{n.name}_"
                arr[idx] = nm
                point[nm] = float(v[idx])
            names[n.name] = arr
            entries.append(arr)
            continue
        if n.kind == "const":
            entries.append(np.array(repr(float(n.value)), dtype=object))
            continue
        op = n.op.name
        args = [entries[q] for q in n.parents]
        if op in ELEMENTWISE:
            b = np.broadcast_arrays(*args)
            exprs = {idx: ELEMENTWISE[op].format(*(a[idx] for a in b))
                     for idx in np.ndindex(b[0].shape)}
            entries.append(define(n.id, b[0].shape, exprs))
        elif op == "matmul":
            a, c = args
            a2 = a[None, :] if a.ndim == 1 else a
            c2 = c[:, None] if c.ndim == 1 else c
            full = {(i, j): "(" + " + ".join(f"{a2[i, r]}*{c2[r, j]}"
                                             for r in range(a2.shape[1])) + ")"
                    for i in range(a2.shape[0]) for j in range(c2.shape[1])}
            shape = a.shape[:-1] + c.shape[1:]
            exprs = {idx: full[(idx[0] if a.ndim == 2 else 0,
                                idx[-1] if c.ndim == 2 else 0)] for idx in np.ndindex(shape)}
            entries.append(define(n.id, shape, exprs))
        elif op == "transpose":
            entries.append(np.transpose(args[0]))
        elif op in ("sum", "mean"):
            terms = list(args[0].ravel())
            body = "(" + " + ".join(terms) + ")"
            entries.append(define(n.id, (), {(): body if op == "sum"
                                             else f"{body}/{len(terms)}"}))
        elif op in ("sum_axis", "mean_axis"):
            axis = int(float(args[1]))
            x = args[0]
            shape = x.shape[:axis] + x.shape[axis + 1:]
            exprs = {}
            for idx in np.ndindex(shape):
                sl = list(idx)
                sl.insert(axis, slice(None))
                terms = list(x[tuple(sl)])
                body = "(" + " + ".join(terms) + ")"
                exprs[idx] = body if op == "sum_axis" else f"{body}/{len(terms)}"
            entries.append(define(n.id, shape, exprs))
        elif op == "softmax":
            x = args[0]
            exprs = {}
            for idx in np.ndindex(x.shape):
                row = x[idx[:-1]] if x.ndim > 1 else x
                exprs[idx] = f"exp({x[idx]})/(" + " + ".join(f"exp({r})" for r in row) + ")"
            entries.append(define(n.id, x.shape, exprs))
        elif op == "cross_entropy":
            z, y = args
            zz = z if z.ndim > 1 else z[None, :]
            yy = y if y.ndim > 1 else y[None, :]
            rows = [f"({' + '.join(f'{yy[i, j]}*({zz[i, j]} - log(' + ' + '.join(f'exp({c})' for c in zz[i]) + '))' for j in range(zz.shape[1]))})"
                    for i in range(zz.shape[0])]
            entries.append(define(n.id, (), {(): f"-({' + '.join(rows)})/{zz.shape[0]}"}))
        else:
            raise NotImplementedError(op)
    out = graph.outputs[0][1]
    lines.append(f"L_out = {entries[out][()] if entries[out].shape == () else entries[out]}")
    return "\n".join(lines), point, names


dims = st.integers(1, 3)
acts = st.sampled_from(["tanh", "sigmoid", "sin", "cos"])
TEMPLATES = [
    # (program, shapes as functions of m, n, p)
    ("L = sum({act}(A@B + v) * s)", lambda m, n, p: {"A": (m, n), "B": (n, p), "v": (p,),
                                                      "s": ()}),
    ("L = cross_entropy(A@B + v, Y)", lambda m, n, p: {"A": (m, n), "B": (n, p), "v": (p,),
                                                        "Y": (m, p)}),
    ("h = A.T@u\nL = sum(h*h) - mean({act}(h))", lambda m, n, p: {"A": (m, n), "u": (m,)}),
    ("L = sum(mean(softmax(A@B), axis=0) * w)", lambda m, n, p: {"A": (m, n), "B": (n, p),
                                                                 "w": (p,)}),
    ("L = sum(sum({act}(A) * C, axis=1) / (2 + s*s))", lambda m, n, p: {"A": (m, n),
                                                                        "C": (m, n), "s": ()}),
    ("L = sum((A@B - v) * (A@B - v)) + sum(u@A)", lambda m, n, p: {"A": (m, n), "B": (n, p),
                                                                   "v": (p,), "u": (m,)}),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.sampled_from(range(len(TEMPLATES))), m=dims, n=dims, p=dims, act=acts,
       seed=st.integers(0, 10_000))
def test_a_tensor_graph_equals_its_expansion_to_numbers(template: int, m: int, n: int, p: int,
                                                         act: str, seed: int) -> None:
    src, shapes = TEMPLATES[template]
    src = src.format(act=act)
    rng = np.random.default_rng(seed)
    at = {k: rng.normal(size=s) if s else float(rng.normal()) for k, s in shapes(m, n, p).items()}
    if "Y" in at:  # one-hot labels
        at["Y"] = np.eye(p)[rng.integers(0, p, size=m)]
    t = av.trace(src, at, mode="reverse")
    program, point, names = expand(t.graph, at)
    s = av.trace(program, point, mode="reverse", output="L_out")
    assert t.value == np.float64(s.value) or abs(t.value - s.value) <= 1e-10 * max(1, abs(s.value))
    for name, arr in names.items():
        grad = np.asarray(t.gradient[name], dtype=float)
        for idx in np.ndindex(arr.shape):
            want = s.gradient[arr[idx]]
            assert abs(grad[idx] - want) <= 1e-9 * max(1.0, abs(want)), (src, name, idx)


def test_the_expander_itself_on_a_hand_made_case() -> None:
    g = av.parse("L = sum(A@x)")
    program, point, names = expand(g, {"A": np.array([[1.0, 2.0]]), "x": np.array([3.0, 4.0])})
    assert "(A_0_0*x_0 + A_0_1*x_1)" in program and point["x_1"] == 4.0
    assert av.trace(program, point, output="L_out").value == 11.0
    assert list(itertools.chain(*names["A"])) == ["A_0_0", "A_0_1"]
