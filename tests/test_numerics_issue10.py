"""Issue 10, numerics: nothing crashes, nothing is silently wrong.

- a local partial off every chain-rule path from an input (``x^(1+1)``: the exponent is a
  constant) raises no domain error;
- a tangent or adjoint that is not finite is flagged, like a value or a local partial;
- no numpy warning reaches the user;
- seeds (and input values) that are not finite are input errors naming the input;
- the crashes of arrays meeting a domain error stay fixed (a DomainError, never a
  TypeError or ValueError).

Oracles are hand-derived numbers and central finite differences.
"""
from __future__ import annotations

import html
import math
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.errors import AutodiffVizError, DomainError, InputError
from autodiff_viz.passes import depends_on_input, linearize, primal
from autodiff_viz.views.summary import flag_notes


def fd(f, x: float, h: float = 1e-6) -> float:
    """Central finite difference of a function of one number."""
    return (f(x + h) - f(x - h)) / (2 * h)


def nonfinite(v) -> bool:
    return v is not None and not bool(np.all(np.isfinite(np.asarray(v, dtype=float))))


def flags_of(t: av.Trace, name: str) -> tuple[str, ...]:
    """The flags of the input named ``name`` (or of the first output for "out")."""
    g = t.graph
    i = g.outputs[0][1] if name == "out" else g.names[name]
    return t.steps[i].flags


# -- 1. no false domain error for a partial nobody needs ------------------------------------

@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_constant_exponent_at_a_negative_base_is_x_squared(mode: str) -> None:
    for x in (-1.0, -2.5, 3.0):
        g = av.gradient("x^(1+1)", at={"x": x}, mode=mode)
        assert g["x"] == pytest.approx(2 * x)  # d/dx x^2 = 2x
        assert g == pytest.approx(av.gradient("x^2", at={"x": x}, mode=mode))


def test_constant_exponent_in_a_batch_with_negative_points() -> None:
    xs = np.array([-1.0, -2.0, 0.0, 3.0])
    t = av.trace("x^(1+1)", at={"x": xs})
    assert np.allclose(t.value, xs ** 2)
    assert np.allclose(t.gradient["x"], 2 * xs)
    assert not any(s.flags for s in t.steps)


def test_the_unneeded_partial_is_left_out_where_it_does_not_exist() -> None:
    t = av.trace("x^(1+1)", at={"x": -1.0})
    pow_step = t.steps[-1]
    assert [p.parent_name for p in pow_step.partials] == ["w1"]  # only ∂/∂x
    assert pow_step.partials[0].value == -2.0
    assert not any(s.flags for s in t.steps)
    # the constant 1 + 1 gets no adjoint term, and its tangent is exactly 0
    assert [s.name for s in t.reverse_steps()] == ["w3", "w1"]
    assert {s.name: s.tangent for s in t.forward_steps()}["w2"] == 0.0


def test_the_partial_with_respect_to_a_constant_subgraph_is_kept_where_it_exists() -> None:
    t = av.trace("x^(1+1)", at={"x": 2.0})
    parts = {p.parent_name: p.value for p in t.steps[-1].partials}
    assert parts["w2"] == pytest.approx(4 * math.log(2))  # d/db x^b = x^b log x
    adj = {s.name: s.adjoint for s in t.reverse_steps()}
    assert adj["w2"] == pytest.approx(4 * math.log(2))


def test_a_variable_exponent_still_needs_a_positive_base() -> None:
    for mode in ("reverse", "forward"):
        with pytest.raises(DomainError, match="needs a > 0"):
            av.gradient("x^y", at={"x": -1.0, "y": 2.0}, mode=mode)
    with pytest.raises(DomainError, match="needs a > 0"):
        av.trace("0^t*x", at={"t": np.array([0.0, 1.0, 2.0]), "x": 2.0})


def test_constant_base_and_exponent_subgraphs() -> None:
    # (0 - 1)^(1 + 1) is the number 1: d/dx of x * 1 is 1
    for expr in ("x*(0-1)^(1+1)", "(0-1)^(1+1)*x"):
        for mode in ("reverse", "forward"):
            assert av.gradient(expr, at={"x": 5.0}, mode=mode) == {"x": 1.0}


def test_other_partials_that_do_not_exist_on_a_constant_subgraph() -> None:
    # sqrt'(0) is infinite, but 1 - 1 is a constant: d/dx x*sqrt(1-1) = sqrt(0) = 0
    for mode in ("reverse", "forward"):
        assert av.gradient("x*sqrt(1-1)", at={"x": 2.0}, mode=mode) == {"x": 0.0}
    t = av.trace("x*sqrt(1-1)", at={"x": 2.0})
    assert not any(s.flags for s in t.steps)
    # exp(710 - 0) overflows: flagged as a value, and d/dx x*exp(710) = exp(710) = inf
    t = av.trace("x*exp(710-0)", at={"x": 2.0}, mode="forward")
    assert t.gradient["x"] == math.inf
    assert "tangent-overflow" in flags_of(t, "out")


def test_a_constant_at_a_kink_is_not_flagged_nondifferentiable() -> None:
    t = av.trace("abs(1-1)*x + relu(0*1)", at={"x": 3.0})
    assert not any(s.flags for s in t.steps)
    assert t.gradient == {"x": 0.0}
    # a variable at the kink still is
    t = av.trace("abs(x)", at={"x": 0.0})
    assert "nondifferentiable" in flags_of(t, "out")


def test_depends_on_input() -> None:
    g = av.parse("x*(1+1) + exp(2)")
    kinds = [n.op.name if n.op else n.kind for n in g.nodes]
    assert kinds == ["input", "const", "const", "add", "mul", "exp", "add"]
    assert depends_on_input(g) == [True, False, False, False, True, False, True]


def test_linearize_leaves_the_unneeded_partial_out_and_raises_for_a_needed_one() -> None:
    g = av.parse("x^(1+1)")
    lin = linearize(g, primal(g, {"x": -1.0}))
    assert lin.partials[-1][0] == -2.0 and lin.partials[-1][1] is None
    g = av.parse("x^y")
    with pytest.raises(DomainError):
        linearize(g, primal(g, {"x": -1.0, "y": 2.0}))


def test_every_view_shows_a_graph_whose_unneeded_partial_is_left_out() -> None:
    from autodiff_viz.cli.trace_cmd import render
    from autodiff_viz.views.step import print_all

    for expr, at in (("x^(1+1)", {"x": -1.0}), ("x + 1e308^exp(1)", {"x": 2.0})):
        t = av.trace(expr, at=at)
        assert t.gradient == {"x": -2.0 if expr.startswith("x^") else 1.0}
        for fmt in ("table", "json", "csv", "markdown", "latex"):
            assert render(t, fmt, 4)
        assert print_all(t, 4, "unicode")
        dot = t.to_dot()
        if expr.startswith("x^"):  # the edge from 1 + 1 has its formula and no number
            # (in the pictures' notation of issue 11: ∂ and ·, as HTML entities in the dot)
            assert "∂w3/∂w2 = w1^w2·log(w1)</TD>" in html.unescape(dot)


def test_softmax_of_a_number_is_a_shape_error_not_a_crash() -> None:
    from autodiff_viz.errors import ShapeError
    for expr, at in (("log_softmax(e)", {}), ("softmax(x)", {"x": 2.0}),
                     ("logsumexp(x) + 1", {"x": 2.0})):
        with pytest.raises(ShapeError, match="needs a vector or a matrix"):
            av.trace(expr, at=at)
    # a vector still works: log Σ e^x at x = (0, log 3) is log 4
    t = av.trace("logsumexp(x)", at={"x": [0.0, math.log(3)]})
    assert t.value == pytest.approx(math.log(4))
    assert np.allclose(t.gradient["x"], [0.25, 0.75])  # softmax(x)


# -- 2. non-finite tangents and adjoints are flagged --------------------------------------------

def test_tan_log_theta_at_a_tiny_theta() -> None:
    theta = 1e-308
    t = av.trace("tan(log(θ))", at={"θ": theta})
    # d/dθ tan(log θ) = (1 + tan(log θ)^2) / θ, beyond the largest float
    exact = (1 + math.tan(math.log(theta)) ** 2) / theta
    assert exact == math.inf
    assert t.value == pytest.approx(math.tan(math.log(theta)))
    assert t.jacobian["z"]["θ"] == math.inf
    assert "adjoint-overflow" in flags_of(t, "θ")
    assert "tangent-overflow" in flags_of(t, "out")
    notes = flag_notes(t)
    assert any("an adjoint is not finite" in n for n in notes)
    assert any("a tangent is not finite" in n for n in notes)
    nodes = {n["name"]: n["flags"] for n in t.to_dict()["nodes"]}
    assert "adjoint-overflow" in nodes["w1"]


def test_log_of_theta_times_w() -> None:
    theta, w = 5e-324, 1e308
    t = av.trace("log(θ*w)", at={"θ": theta, "w": w})
    assert t.value == pytest.approx(math.log(theta * w))
    # ∂/∂θ = 1/θ (beyond the largest float), ∂/∂w = 1/w
    assert t.gradient["θ"] == math.inf
    assert t.gradient["w"] == pytest.approx(1 / w)
    assert "adjoint-overflow" in flags_of(t, "θ")
    assert "adjoint-overflow" not in flags_of(t, "w")
    assert "tangent-overflow" in flags_of(t, "out")
    for mode in ("forward", "reverse"):
        assert av.gradient("log(θ*w)", at={"θ": theta, "w": w}, mode=mode)["w"] == \
            pytest.approx(1 / w)


def test_finite_results_are_not_flagged_and_match_finite_differences() -> None:
    expr, x = "tan(log(θ))", 0.7
    t = av.trace(expr, at={"θ": x})
    assert not any(s.flags for s in t.steps)
    assert t.gradient["θ"] == pytest.approx(fd(lambda v: math.tan(math.log(v)), x), rel=1e-6)


def test_a_nan_from_cancelling_infinities_in_an_adjoint_is_flagged() -> None:
    # z = x*w1 - x*w1 with w1 = exp(x): at x = 710 the two terms of x̄ are +inf and -inf
    t = av.trace("exp(x)*x - exp(x)*x", at={"x": 710.0}, mode="reverse")
    g = t.gradient["x"]
    assert math.isnan(g)
    assert "adjoint-overflow" in flags_of(t, "x")


def test_flags_of_a_batch_name_the_node_once() -> None:
    t = av.trace("tan(log(θ))", at={"θ": np.array([1e-308, 0.5])})
    assert t.gradient["θ"][0] == math.inf
    assert t.gradient["θ"][1] == pytest.approx(fd(lambda v: math.tan(math.log(v)), 0.5),
                                               rel=1e-6)
    assert flags_of(t, "θ").count("adjoint-overflow") == 1


# -- 3. no numpy warning reaches the user -----------------------------------------------------

def test_no_numpy_warning_from_the_command_line() -> None:
    run = subprocess.run([sys.executable, "-m", "autodiff_viz", "trace", "x^0.5",
                          "--at", "x=[1e308,1e308]"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr and run.stderr == ""


def test_no_numpy_warning_from_the_library() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = av.trace("x^0.5", at={"x": np.array([1e308, 1e308])})
        assert np.allclose(t.value, 1e154)
        av.trace("tan(log(θ))", at={"θ": 1e-308})
        av.trace("log(θ*w)", at={"θ": 5e-324, "w": 1e308})


# -- 4. seeds and input values that are not finite ---------------------------------------------

@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e400])
def test_a_seed_that_is_not_finite_is_an_input_error(bad: float) -> None:
    with pytest.raises(InputError, match="seed of x is not finite") as err:
        av.trace("x*y", at={"x": 1.0, "y": 2.0}, mode="forward", seed={"x": bad, "y": 0})
    assert "finite" in (err.value.hint or "")


def test_a_seed_that_is_not_a_number_is_an_input_error() -> None:
    for bad in ("a", None, True, [1, "b"]):
        with pytest.raises(InputError, match="seed of x"):
            av.trace("x*y", at={"x": 1.0, "y": 2.0}, mode="forward", seed={"x": bad})


def test_an_array_seed_with_a_nan_is_an_input_error() -> None:
    with pytest.raises(InputError, match="seed of w is not finite"):
        av.trace("sum(w*w)", at={"w": [1.0, 2.0]}, mode="forward",
                 seed={"w": [1.0, float("nan")]})


@pytest.mark.parametrize("bad", [0.0, float("nan"), float("inf")])
def test_an_output_seed_that_is_zero_or_not_finite_is_an_input_error(bad: float) -> None:
    with pytest.raises(InputError, match="output_seed"):
        av.trace("x*y", at={"x": 1.0, "y": 2.0}, mode="reverse", output_seed=bad)


def test_a_finite_output_seed_scales_the_adjoints() -> None:
    t = av.trace("x*y", at={"x": 2.0, "y": 5.0}, mode="reverse", output_seed=-0.5)
    assert {s.name: s.adjoint for s in t.reverse_steps()}["w1"] == -2.5
    assert t.gradient == {"x": 5.0, "y": 2.0}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), [1.0, float("-inf")]])
def test_an_input_value_that_is_not_finite_is_an_input_error(bad) -> None:
    with pytest.raises(InputError, match="value of 'x' is not finite"):
        av.trace("x*2", at={"x": bad})


def test_the_command_line_rejects_seeds_and_values_beyond_the_largest_float(
        capsys: pytest.CaptureFixture[str]) -> None:
    from autodiff_viz.cli import main
    for argv, part in ((["trace", "x*y", "--at", "x=1,y=2", "--seed", "x=1e400"],
                        "seed of x is not finite"),
                       (["trace", "x*y", "--at", "x=1e400,y=2"], "value of 'x' is not finite")):
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 2
        assert out == ""
        assert part in err and "1e400" in err  # the hint says why 1e400 is not finite
        assert "Traceback" not in err


# -- 5. the crashes of arrays meeting a domain error stay fixed ----------------------------------

def test_division_by_zero_over_an_array() -> None:
    with pytest.raises(DomainError, match="division by zero"):
        av.trace("x/0", at={"x": np.array([1.0, 2.0])})


def test_division_by_zero_with_broadcast_inputs() -> None:
    with pytest.raises(DomainError, match="division by zero"):
        av.trace("x*y/(y-y)", at={"x": np.array([1.0, 2.0, 3.0]), "y": np.array([1.0])})


def test_zero_to_a_negative_power_over_an_array() -> None:
    with pytest.raises(DomainError, match="negative power") as err:
        av.trace("0^t*x", at={"t": np.array([0.0, -1.0, 2.0]), "x": 2.0})
    assert "at point 1" in str(err.value)


# -- the rule: every non-finite result is flagged (a fuzz over extreme values) ---------------------

_UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu",
          "softplus"]
_BINARY = ["+", "-", "*", "/", "^"]
_LEAVES = ["x", "y", "x", "y", "2", "0.5", "(1+1)", "1e308", "1e-308", "(0-1)"]
_VALUES = [1e-308, 5e-324, 1e308, -1e308, 1.0, -1.0, 0.0, 710.0, -745.0, 1e154, -0.5, 2.0]


def _expr(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(_LEAVES)
    if rng.random() < 0.5:
        return f"{rng.choice(_UNARY)}({_expr(rng, depth - 1)})"
    return f"({_expr(rng, depth - 1)}){rng.choice(_BINARY)}({_expr(rng, depth - 1)})"


def _check_every_nonfinite_result_is_flagged(t: av.Trace) -> None:
    g = t.graph
    for s in t.steps:
        if nonfinite(s.value):
            assert "overflow" in s.flags, (s.name, s.value, s.flags)
        for p in s.partials:
            if nonfinite(p.value):
                assert s.flags, (s.name, p)
    for k in range(len(t.forward)):
        for s in t.forward_steps(k):
            fl = t.steps[s.node].flags
            if nonfinite(s.tangent) or any(nonfinite(term.value) for term in s.terms):
                assert "tangent-overflow" in fl, (s.name, s.tangent, fl)
    for k in range(len(t.reverse)):
        for s in t.reverse_steps(k):
            fl = t.steps[s.node].flags
            if nonfinite(s.adjoint) or any(nonfinite(term.value) for term in s.terms):
                assert "adjoint-overflow" in fl, (s.name, s.adjoint, fl)
    for out, row in t.jacobian.items():
        for name, v in row.items():
            if nonfinite(v):
                assert ("adjoint-overflow" in t.steps[g.names[name]].flags
                        or "tangent-overflow" in t.steps[g.output_id(out)].flags), (out, name)


def test_fuzz_every_nonfinite_result_is_flagged_and_nothing_warns() -> None:
    rng = random.Random(10)
    traced = flagged = 0
    for _ in range(600):
        expr = _expr(rng, 3)
        names = [n for n in ("x", "y") if n in expr]
        at = {n: rng.choice(_VALUES) for n in names}
        if names and rng.random() < 0.3:  # a batch of points
            at[names[0]] = np.array([rng.choice(_VALUES) for _ in range(3)])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a numpy warning fails the test
            try:
                t = av.trace(expr, at=at)
                t.to_dict()
                flag_notes(t)
            except AutodiffVizError:
                continue
        traced += 1
        flagged += any(s.flags for s in t.steps)
        _check_every_nonfinite_result_is_flagged(t)
    assert traced > 200 and flagged > 20  # the fuzz reached both kinds of point


def test_names_written_together_get_the_product_as_a_hint_in_the_library_too() -> None:
    with pytest.raises(av.InputError) as info:
        av.trace("a = x1x2 + 1\nb = a*x1", {"x1": 2, "x2": 3})
    err = info.value
    assert "did you mean x1*x2?" in err.render() and (err.line, err.column) == (1, 5)
    # without a product of known names, the plain message
    with pytest.raises(av.InputError) as info:
        av.trace("xy + 1", {"x1": 2})
    assert "did you mean" not in info.value.render()
    # and the product itself is what the hint says it is
    assert av.gradient("x1*x2 + 1", {"x1": 2, "x2": 3}) == {"x1": 3.0, "x2": 2.0}
