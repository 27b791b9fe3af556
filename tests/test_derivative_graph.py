"""The derivative graph (symbol-to-symbol, issue 14): its formulas and values against
hand-derived numbers, the symbol-to-number trace at every node, sympy's diff and
finite differences; simplification keeps values; round trip through the program text;
batch evaluation."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from test_properties import SYM, exprs, points

import autodiff_viz as av
from autodiff_viz.derivative import DerivativeGraph, derivative_graph
from autodiff_viz.errors import InputError

WORKED = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def values(g: av.Graph, at: dict) -> list:
    return av.trace(g, at, mode="primal").primal.values


def test_worked_example_adjoint_formulas_are_the_textbook_ones() -> None:
    dg = derivative_graph(WORKED)
    assert dg.listing() == ["w̄5 = 1", "w̄4 = w̄5·1", "w̄3 = w̄5·1", "w̄2 = w̄4·w1",
                            "w̄1 = w̄4·w2 + w̄3·cos(w1)"]
    assert dg.output_names == ["z", "dz_dx1", "dz_dx2"]
    assert [dg.derivative_label(n) for n, _ in dg.derivative_outputs] == ["∂z/∂x1", "∂z/∂x2"]
    # the original nodes are unchanged: same ids, same order, same labels
    base = av.parse(WORKED)
    assert dg.nodes[:len(base)] == base.nodes
    assert dg.labels("w")[:5] == base.labels("w")
    # only operations from the ops table; the program parses back
    assert {n.op.name for n in dg.nodes if n.kind == "op"} == {"sin", "mul", "add", "cos"}
    v = values(dg, AT)
    # hand-derived: w̄1 = 3 + cos 2 = 2.5838531634528574, w̄2 = 2
    assert v[dg.holds[0]] == pytest.approx(3 + math.cos(2), abs=1e-15)
    assert v[dg.holds[1]] == 2.0
    assert [v[dg.holds[i]] for i in (2, 3, 4)] == [1.0, 1.0, 1.0]
    assert v[dg.output_ids["z"]] == pytest.approx(math.sin(2) + 6, abs=1e-15)


def test_worked_example_forward_tangents() -> None:
    dg = derivative_graph(WORKED, mode="forward")  # seeded input: the first, x1
    assert dg.listing() == ["ẇ1 = 1", "ẇ3 = cos(w1)·ẇ1", "ẇ4 = w2·ẇ1", "ẇ5 = 1·ẇ3 + 1·ẇ4"]
    assert dg.output_names == ["z", "dz_dx1"]
    v = values(dg, AT)
    assert v[dg.output_ids["dz_dx1"]] == pytest.approx(math.cos(2) + 3, abs=1e-15)
    assert (v[dg.holds[2]], v[dg.holds[3]]) == (pytest.approx(math.cos(2)), 3.0)


def test_a_node_used_twice_by_one_child_gets_two_terms() -> None:
    dg = derivative_graph("x*x")
    assert dg.listing()[-1] == "w̄1 = w̄2·w1 + w̄2·w1"
    assert values(dg, {"x": 3.0})[dg.holds[0]] == 6.0


def _finite_trace(g: av.Graph, point: dict) -> av.Trace | None:
    try:
        t = av.trace(g, point)
    except av.AutodiffVizError:
        return None
    ok = all(math.isfinite(float(a)) for r in t.reverse for a in r.adjoints)
    return t if ok and math.isfinite(t.value) else None


@SETTINGS
@given(exprs, points)
def test_every_adjoint_and_tangent_node_equals_the_trace_and_sympy(e, at) -> None:
    """The symbol-to-symbol graph gives, at every node, the number the symbol-to-number
    passes give; its outputs are sympy's derivatives. Simplified or not."""
    text, sym = e
    g = av.parse(text)
    assume(g.op_count > 0 and len(g.inputs) > 0)
    point = {v: at[v] for v in g.input_names}
    t = _finite_trace(g, point)
    assume(t is not None)
    adjoints = t.reverse[0].adjoints
    scale = max(1.0, max(abs(float(a)) for a in adjoints))
    subs = {SYM[v]: sp.Float(point[v], 30) for v in g.input_names}
    for simplify in (False, True):
        dg = derivative_graph(g, simplify=simplify)
        v = values(dg, point)
        assert dg.holds, text
        for i, j in dg.holds.items():
            assert math.isclose(v[j], adjoints[i], rel_tol=1e-12, abs_tol=1e-12 * scale), \
                (text, simplify, g.labels()[i])
        for (name, j), (_y, x) in zip(dg.derivative_outputs, dg.pairs):
            exact = float(sp.diff(sym, SYM[x]).evalf(30, subs=subs))
            assert math.isclose(v[j], exact, rel_tol=1e-9, abs_tol=1e-9 * scale), (text, x)
        for x in g.input_names:
            fd = derivative_graph(g, mode="forward", wrt=x, simplify=simplify)
            tangents = av.trace(g, point, mode="forward", wrt=x).forward[0].tangents
            vf = values(fd, point)
            for i, j in fd.holds.items():
                assert math.isclose(vf[j], tangents[i], rel_tol=1e-12, abs_tol=1e-12 * scale), \
                    (text, x, i, simplify)
            assert math.isclose(vf[fd.output_ids[f"d{g.output_names[0]}_d{x}"]],
                                v[dg.output_ids[f"d{g.output_names[0]}_d{x}"]],
                                rel_tol=1e-12, abs_tol=1e-12 * scale)


PROGRAMS = [WORKED, "a = x*y; b = sigmoid(a) + exp(a)/y", "tanh(x)^2 + sqrt(1 + x*y) - log(2 + y)",
            "max(x, y)*relu(x - 1) + abs(y)", "x^3 + 2^y + x/y"]


@pytest.mark.parametrize("text", PROGRAMS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("simplify", [False, True])
def test_the_program_parses_back_to_the_same_values(text: str, mode: str, simplify: bool) -> None:
    dg = derivative_graph(text, mode=mode, simplify=simplify)
    program = dg.to_program()
    again = av.parse(program, outputs=dg.output_names)
    at = {n: 0.7 + 0.4 * k for k, n in enumerate(dg.input_names)}
    mine, theirs = av.trace(dg, at, mode="primal").values, av.trace(again, at, mode="primal").values
    assert list(mine) == list(theirs) == dg.output_names
    for name in mine:
        assert theirs[name] == pytest.approx(mine[name], rel=1e-15), (program, name)


@pytest.mark.parametrize("text", PROGRAMS)
def test_derivative_outputs_match_finite_differences(text: str) -> None:
    dg = derivative_graph(text, simplify=True)
    at = {n: 0.7 + 0.4 * k for k, n in enumerate(dg.input_names)}
    out = dg.output_names[0]
    got = av.trace(dg, at, mode="primal").values
    for (name, _j), (_y, x) in zip(dg.derivative_outputs, dg.pairs):
        h = 1e-6
        up, down = dict(at), dict(at)
        up[x] += h
        down[x] -= h
        fd = (av.trace(text, up, mode="primal").values[out]
              - av.trace(text, down, mode="primal").values[out]) / (2 * h)
        assert got[name] == pytest.approx(fd, rel=1e-6, abs=1e-6), (text, name)


def test_simplification_keeps_values_shrinks_the_graph_and_says_what_it_did() -> None:
    text = "a = x*y; b = sigmoid(a) + exp(a)/y"
    plain, simple = derivative_graph(text, mode="forward", wrt="y"), \
        derivative_graph(text, mode="forward", wrt="y", simplify=True)
    assert len(simple) < len(plain) and simple.op_count < plain.op_count
    assert not plain.steps
    rules = {s.rule for s in simple.steps}
    assert {"drop ×1", "share identical subexpressions"} <= rules
    # exp(a) in ∂(exp(a)/y) is the original node w5, shared (no second exp node)
    assert sum(1 for n in simple.nodes if n.kind == "op" and n.op.name == "exp") == 1
    assert any(s.rule == "share identical subexpressions" and s.after == "w5"
               for s in simple.steps)
    at = {"x": np.linspace(-2, 2, 9), "y": np.linspace(0.5, 3, 9)}
    a, b = av.trace(plain, at, mode="primal").values, av.trace(simple, at, mode="primal").values
    np.testing.assert_allclose(b["db_dy"], a["db_dy"], rtol=1e-14)
    # the worked example simplifies to the textbook gradient
    dg = derivative_graph(WORKED, simplify=True)
    assert dg.listing()[-2:] == ["w̄2 = w1", "w̄1 = w2 + cos(w1)"]
    assert "dz_dx2 = x1" in dg.to_program().splitlines()
    assert [str(s) for s in dg.steps][:1] == ["drop ×1 in w̄3: 1·1 → 1"]
    # a named constant stays named; constants fold
    assert derivative_graph("pi*x", simplify=True).listing()[-1] == "w̄1 = π"
    folded = derivative_graph("2*(3*x)", simplify=True)
    assert "fold constants in w̄1: 2·3 → 6" in [str(s) for s in folded.steps]
    assert derivative_graph("-x*y", simplify=True).listing()[-1] == "w̄1 = −w2"
    assert "drop ×1 in w̄1: 1·w2 → w2" in [str(s) for s in dg.steps]


def test_a_zero_term_and_a_constant_derivative() -> None:
    dg = derivative_graph("sign(x)*y + 3*x", simplify=True)
    v = values(dg, {"x": -2.0, "y": 5.0})
    assert v[dg.output_ids["dz_dx"]] == 3.0 and v[dg.output_ids["dz_dy"]] == -1.0
    assert any(s.rule == "drop ×0 term" for s in dg.steps)
    # an input the output does not depend on: its derivative is the constant 0
    dg = derivative_graph("a = x*x; b = y + 1", output="a")
    assert dg.nodes[dg.output_ids["da_dy"]].kind == "const"
    assert values(dg, {"x": 1.0, "y": 1.0})[dg.output_ids["da_dy"]] == 0.0


def test_many_points_at_once() -> None:
    dg = derivative_graph(WORKED)
    x1 = np.linspace(-3, 3, 101)
    got = av.trace(dg, {"x1": x1, "x2": 3.0}, mode="primal").values
    np.testing.assert_allclose(got["dz_dx1"], np.cos(x1) + 3.0, rtol=1e-15)
    batch = av.gradient(WORKED, at={"x1": x1, "x2": 3.0})
    np.testing.assert_allclose(got["dz_dx1"], batch["x1"], rtol=1e-15)
    np.testing.assert_allclose(got["dz_dx2"], x1, rtol=1e-15)


def test_a_python_function_and_the_choice_of_output_and_inputs() -> None:
    def f(x, y):
        return av.sin(x) * y

    dg = av.derivative_graph(f, wrt=["y"])
    assert isinstance(dg, DerivativeGraph) and dg.output_names == ["z", "dz_dy"]
    v = av.trace(dg, {"x": 1.0, "y": 2.0}, mode="primal").values
    assert v["dz_dy"] == pytest.approx(math.sin(1.0), abs=1e-15)
    dg = derivative_graph("a = x*y; b = x + y", output="b")
    assert dg.output_names == ["a", "b", "db_dx", "db_dy"]
    dg = derivative_graph("a = x*y; b = x + y", mode="forward", wrt="y")
    assert dg.output_names == ["a", "b", "da_dy", "db_dy"]
    assert [dg.derivative_label(n) for n in ("da_dy", "db_dy")] == ["∂a/∂y", "∂b/∂y"]


def test_generated_names_never_take_a_users_name() -> None:
    dg = derivative_graph("dz_dx = x*y; z = dz_dx + 1")
    assert dg.output_names == ["z", "dz_dx_", "dz_dy"]
    again = av.parse(dg.to_program(), outputs=dg.output_names)
    assert av.trace(again, {"x": 2, "y": 3}, mode="primal").values["dz_dx_"] == 3.0


@pytest.mark.parametrize("kwargs, words", [
    ({"mode": "sideways"}, ["unknown mode 'sideways'", "mode='reverse'"]),
    ({"wrt": ["x", "q"]}, ["'q'", "not an input", "the inputs are: x, y"]),
    ({"mode": "forward", "wrt": ["x", "y"]}, ["forward mode seeds one input"]),
    ({"output": "nope"}, ["unknown output 'nope'"]),
])
def test_bad_requests_say_what_and_how_to_fix(kwargs: dict, words: list) -> None:
    with pytest.raises(InputError) as err:
        derivative_graph("x*y", **kwargs)
    text = err.value.render()
    for w in words:
        assert w in text, text


def test_vectors_and_matrices_are_refused_with_a_reason_when_simplified() -> None:
    # built without simplify=True: tests/test_derivative_tensor.py
    with pytest.raises(InputError, match="graphs of numbers"):
        derivative_graph("W: 2x2\nx: 2\nz = sum(W @ x)", simplify=True)


def test_differentiating_the_derivative_graph_gives_second_derivatives() -> None:
    text = "sin(x1) + x1*x2*x1"
    x1, x2 = sp.symbols("x1 x2")
    z = sp.sin(x1) + x1 * x2 * x1
    at = {"x1": 0.7, "x2": -1.3}
    subs = {x1: at["x1"], x2: at["x2"]}
    for simplify in (False, True):
        dg = derivative_graph(text, simplify=simplify)
        rr = derivative_graph(dg, output="dz_dx1", simplify=simplify)  # reverse over reverse
        fr = derivative_graph(dg, mode="forward", wrt="x2", simplify=simplify)
        v, w = values(rr, at), values(fr, at)
        assert v[rr.output_ids["ddz_dx1_dx1"]] == pytest.approx(
            float(sp.diff(z, x1, 2).subs(subs)), rel=1e-13)
        assert v[rr.output_ids["ddz_dx1_dx2"]] == pytest.approx(
            float(sp.diff(z, x1, x2).subs(subs)), rel=1e-13)
        assert w[fr.output_ids["ddz_dx1_dx2"]] == pytest.approx(
            float(sp.diff(z, x1, x2).subs(subs)), rel=1e-13)


def test_the_picture_mirrors_the_backward_half_after_the_output() -> None:
    from autodiff_viz.views.dot_view import build_view
    dg = derivative_graph(WORKED)
    v = build_view(dg, None)
    depths = v.depths()
    out = dg.output_ids["z"]
    assert all(depths[j] > depths[out] for j in depths if j >= len(dg.base))
    # the adjoint of a node nearer the inputs lies further out: w̄1 after w̄4 after w5
    assert depths[dg.holds[0]] > depths[dg.holds[3]] > depths[out]
    assert {v.kind(j) for j in depths if j >= len(dg.base)} == {"deriv", "doutput"}
    assert (out, dg.holds[3]) in v.anchors()  # the seed is a constant: placed by an
    # invisible edge from the output
    forward = build_view(derivative_graph(WORKED, mode="forward"), None)
    assert forward.anchors() == []


def test_the_example_script_prints_the_gradient_both_ways() -> None:
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "examples" / "derivative_graph.py"
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    out = proc.stdout.splitlines()
    assert "  w̄1 = w̄4·w2 + w̄3·cos(w1)" in out
    assert ("at x1=2, x2=3: dz/dx1 = 2.5839, dz/dx2 = 2 (symbol-to-number: 2.5839, 2)"
            in out)  # cos 2 + 3 = 2.5839
    assert "dz/dx1 at x1 = 0, 1, 2, 3 (x2=3): [4.     3.5403 2.5839 2.01  ]" in out
    assert "d2z/dx1^2 at x1=2, x2=3 = -0.9093 (-sin 2)" in out
    assert "dz_dx1 = x2 + w6" in out
