"""Property tests on random expressions (hypothesis), with sympy as the oracle.

Each random expression is generated twice, independently: as text for our
parser and as a sympy expression, so sympy's derivative is a true oracle.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autodiff_viz as av

VARS = ["x", "y", "z"]
SYM = {v: sp.Symbol(v) for v in VARS}

leaves = st.one_of(
    st.sampled_from(VARS).map(lambda v: (v, SYM[v])),
    st.sampled_from([1, 2, 3, 0.5]).map(lambda c: (repr(c), sp.nsimplify(c))),
)


def _unary(child: st.SearchStrategy) -> st.SearchStrategy:
    fns = {
        "sin": (lambda t: f"sin({t})", sp.sin),
        "cos": (lambda t: f"cos({t})", sp.cos),
        "tanh": (lambda t: f"tanh({t})", sp.tanh),
        "exp": (lambda t: f"exp(sin({t}))", lambda e: sp.exp(sp.sin(e))),
        "sigmoid": (lambda t: f"sigmoid({t})", lambda e: 1 / (1 + sp.exp(-e))),
        "log": (lambda t: f"log(1 + ({t})^2)", lambda e: sp.log(1 + e ** 2)),
        "sqrt": (lambda t: f"sqrt(1 + ({t})^2)", lambda e: sp.sqrt(1 + e ** 2)),
        "neg": (lambda t: f"-({t})", lambda e: -e),
        "square": (lambda t: f"({t})^2", lambda e: e ** 2),
        "softplus": (lambda t: f"softplus({t})", lambda e: sp.log(1 + sp.exp(e))),
    }
    return st.tuples(st.sampled_from(sorted(fns)), child).map(
        lambda p: (fns[p[0]][0](p[1][0]), fns[p[0]][1](p[1][1])))


def _binary(child: st.SearchStrategy) -> st.SearchStrategy:
    ops = {
        "+": (lambda a, b: f"({a}) + ({b})", lambda a, b: a + b),
        "-": (lambda a, b: f"({a}) - ({b})", lambda a, b: a - b),
        "*": (lambda a, b: f"({a})*({b})", lambda a, b: a * b),
        "/": (lambda a, b: f"({a})/(1 + ({b})^2)", lambda a, b: a / (1 + b ** 2)),
    }
    return st.tuples(st.sampled_from(sorted(ops)), child, child).map(
        lambda p: (ops[p[0]][0](p[1][0], p[2][0]), ops[p[0]][1](p[1][1], p[2][1])))


exprs = st.recursive(leaves, lambda c: st.one_of(_unary(c), _binary(c)), max_leaves=10)
points = st.fixed_dictionaries({v: st.floats(-2, 2, allow_nan=False) for v in VARS})
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def close(a: float, b: float, rel: float, scale: float = 1.0) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel * max(1.0, scale))


@SETTINGS
@given(exprs, points)
def test_forward_equals_reverse_equals_sympy(e: tuple[str, sp.Expr], at: dict) -> None:
    text, sym = e
    g = av.parse(text)
    assume(g.op_count > 0 and len(g.inputs) > 0)
    point = {v: at[v] for v in g.input_names}
    fwd = av.trace(g, point, mode="forward")
    rev = av.trace(g, point, mode="reverse")
    assume(all(math.isfinite(v) for v in rev.gradient.values()))
    scale = max(abs(float(a)) for a in rev.reverse[0].adjoints)
    subs = {SYM[v]: sp.Float(point[v], 30) for v in g.input_names}
    assert close(rev.value, float(sym.evalf(30, subs=subs)), 1e-11, abs(rev.value))
    for v in g.input_names:
        assert close(fwd.gradient[v], rev.gradient[v], 1e-12, scale), (text, v)
        exact = float(sp.diff(sym, SYM[v]).evalf(30, subs=subs))
        assert close(rev.gradient[v], exact, 1e-9, scale), (text, v, exact)


@SETTINGS
@given(exprs)
def test_parse_print_parse_gives_the_same_graph(e: tuple[str, sp.Expr]) -> None:
    text, _ = e
    g = av.parse(text)
    assert av.parse(g.to_program()).structure() == g.structure()
    out = g.outputs[0][1]
    flat = g.expressions(limit=10_000)[out]
    if g.nodes[out].kind == "op":
        again = av.parse(flat)
        assert again.structure() == g.structure(), (text, flat)
    for style in ("unicode", "latex"):  # every style prints without error
        assert g.expressions(style, limit=10_000)[out]


@SETTINGS
@given(exprs, st.lists(points, min_size=1, max_size=5))
def test_batch_evaluation_equals_point_by_point(e: tuple[str, sp.Expr], pts: list) -> None:
    text, _ = e
    g = av.parse(text)
    assume(len(g.inputs) > 0)
    batch_at = {v: np.array([p[v] for p in pts]) for v in g.input_names}
    batch = av.trace(g, batch_at, mode="both")
    for j, p in enumerate(pts):
        one = av.trace(g, {v: p[v] for v in g.input_names}, mode="both")
        assert batch.value[j] == one.value or (math.isnan(one.value) and math.isnan(batch.value[j]))
        for v in g.input_names:
            a, b = batch.gradient[v][j], one.gradient[v]
            assert a == b or (math.isnan(a) and math.isnan(b))
