"""A gradient computes only what its local partials read (issue 13: batch gradient).

``Op.reads`` says what each operation's partials read; ``gradient_plan`` follows it, so
``av.gradient`` of ``sin(x1) + x1*x2`` evaluates no operation's value, only cos(x1).
Oracles: each partial called with what it does not read replaced by None equals the
full call; the gradient equals the full trace's, sympy's and central differences.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given

import autodiff_viz as av
from autodiff_viz import passes
from autodiff_viz.ops import OPS
from test_properties import SETTINGS, SYM, VARS, exprs, points

ELEMENTWISE = sorted(n for n, op in OPS.items() if not op.tensor)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_reads_is_true_to_each_partial(name: str) -> None:
    """A partial that does not read the arguments (or the value) gives the same number
    without them: what the gradient leaves uncomputed is never read."""
    op = OPS[name]
    rng = np.random.default_rng(len(name))
    for _ in range(20):
        args = [float(v) for v in rng.uniform(0.2, 1.5, op.arity)]  # inside every domain
        out = float(op.fn(*args))
        shown_args = args if "args" in op.reads else [None] * op.arity
        shown_out = out if "out" in op.reads else None
        for k, partial in enumerate(op.partials):
            assert float(partial(*shown_args, shown_out)) == pytest.approx(
                float(partial(*args, out)), rel=1e-15, abs=0)


def test_the_worked_example_needs_no_operation_value() -> None:
    g = av.parse("sin(x1) + x1*x2")
    path, needed = passes.gradient_plan(g, g.output_id())
    assert path == {2, 3, 4} and needed == set()
    p = passes.primal(g, {"x1": 2.0, "x2": 3.0}, only=needed)
    assert p.values[2:] == [None, None, None]
    grad = av.gradient(g, {"x1": 2, "x2": 3})
    assert grad == {"x1": pytest.approx(np.cos(2) + 3, rel=1e-15), "x2": 2.0}


def test_values_a_partial_reads_are_computed() -> None:
    g = av.parse("exp(sin(x)) + 0*y")  # exp' = exp(sin(x)): its value, hence sin's
    path, needed = passes.gradient_plan(g, g.output_id())
    assert {g.names["x"], g.names["y"]} <= set(range(len(g))) and len(needed) == 2
    grad = av.gradient(g, {"x": 0.3, "y": 5.0})
    assert grad["x"] == pytest.approx(np.exp(np.sin(0.3)) * np.cos(0.3), rel=1e-14)
    assert grad["y"] == 0.0


def test_a_domain_on_the_path_is_still_checked_without_its_value() -> None:
    """log(x)'s value is not read (sub's partials read nothing), but x = -1 is still
    outside its domain: the same error as the full trace."""
    with pytest.raises(av.DomainError) as lazy:
        av.gradient("x + log(x) - log(x)", {"x": -1.0})
    with pytest.raises(av.DomainError) as full:
        av.trace("x + log(x) - log(x)", at={"x": -1.0})
    assert lazy.value.message == full.value.message


@SETTINGS
@given(exprs, points)
def test_the_gradient_equals_the_full_trace_and_sympy(e: tuple[str, sp.Expr], at: dict) -> None:
    text, expr = e
    g = av.parse(text)
    names = g.input_names
    point = {v: at[v] for v in names}
    lazy = av.gradient(g, point)
    full = av.trace(g, at=point, mode="reverse").gradient
    assert lazy.keys() == full.keys()
    for v in names:
        assert lazy[v] == pytest.approx(full[v], rel=1e-12, abs=1e-12)
        exact = float(sp.diff(expr, SYM[v]).subs({SYM[k]: at[k] for k in VARS}))
        assert lazy[v] == pytest.approx(exact, rel=1e-9, abs=1e-9)


@SETTINGS
@given(exprs)
def test_a_batch_gradient_equals_central_differences(e: tuple[str, sp.Expr]) -> None:
    g = av.parse(e[0])
    rng = np.random.default_rng(1)
    at = {v: rng.uniform(-1.5, 1.5, 50) for v in g.input_names}
    grad = av.gradient(g, at)
    h = 1e-6
    for v in g.input_names:
        up, down = dict(at), dict(at)
        up[v], down[v] = at[v] + h, at[v] - h
        fd = (av.trace(g, at=up, mode="primal").value - av.trace(g, at=down, mode="primal").value) / (2 * h)
        assert np.allclose(np.broadcast_to(grad[v], fd.shape), fd, rtol=1e-5, atol=1e-5)
    assert set(VARS) >= set(g.input_names)
