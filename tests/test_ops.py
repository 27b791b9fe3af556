"""Every operation of the table: partials against central finite differences,
symbolic partial formulas against the numeric partials, domains, conventions.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.ops import OPS

UNARY_POINTS = [-1.7, -0.45, 0.35, 0.8, 1.6]
POINTS: dict[str, list[tuple[float, ...]]] = {
    "log": [(0.3,), (1.1,), (2.5,)],
    "sqrt": [(0.3,), (1.1,), (2.5,)],
    "tan": [(-1.0,), (0.3,), (1.2,)],
    "add": [(1.5, -2.0), (0.3, 0.7)],
    "sub": [(1.5, -2.0), (0.3, 0.7)],
    "mul": [(1.5, -2.0), (0.3, 0.7)],
    "div": [(1.5, -2.0), (0.3, 0.7), (-1.1, 0.4)],
    "pow": [(1.3, 2.0), (0.7, -1.5), (2.2, 0.5), (1.9, 3.0)],
    "max": [(1.5, -2.0), (0.3, 0.7)],
    "min": [(1.5, -2.0), (0.3, 0.7)],
    "leaky_relu": [(1.5, 0.01), (-0.6, 0.2), (-2.0, 0.3)],
}


def source(op: av.Op) -> str:
    a = ["a", "b"][: op.arity]
    if op.kind == "infix":
        return f"a {op.symbol} b"
    if op.kind == "prefix":
        return "-a"
    return f"{op.name}({', '.join(a)})"


ELEMENTWISE = sorted(name for name, op in OPS.items() if not op.tensor)  # tensor ops: test_tensor
CASES = [(name, pt) for name in ELEMENTWISE
         for pt in POINTS.get(name, [(x,) for x in UNARY_POINTS])]


@pytest.mark.parametrize("name,point", CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_partials_match_central_differences_and_formulas(name: str, point: tuple) -> None:
    op = OPS[name]
    names = ["a", "b"][: op.arity]
    at = dict(zip(names, point))
    t = av.trace(source(op), at, mode="reverse")
    step = t.steps[-1]
    assert step.op == name
    for k, var in enumerate(names):
        numeric = step.partial(k).value
        # oracle 1: central finite difference of the op's own evaluation
        h = 1e-6 * max(1.0, abs(point[k]))
        up, down = dict(at), dict(at)
        up[var] += h
        down[var] -= h
        fd = (av.trace(source(op), up, mode="primal").value
              - av.trace(source(op), down, mode="primal").value) / (2 * h)
        assert numeric == pytest.approx(fd, rel=1e-6, abs=1e-7), (name, k)
        # oracle 2: the symbolic formula, parsed and evaluated, gives the same number
        formula = step.partial(k).formula
        fg = av.parse(formula)
        by_label = {t.steps[i].name: at[v] for i, v in zip(t.graph.inputs, t.graph.input_names)}
        value = av.trace(fg, {n: by_label[n] for n in fg.input_names}, mode="primal").value
        assert value == pytest.approx(numeric, rel=1e-12, abs=1e-15), (name, formula)
        # the reverse pass hands exactly these partials to the inputs
        assert t.gradient[var] == pytest.approx(numeric, rel=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_batch_evaluation_equals_point_by_point(name: str) -> None:
    op = OPS[name]
    pts = POINTS.get(name, [(x,) for x in UNARY_POINTS])
    names = ["a", "b"][: op.arity]
    at = {n: np.array([p[k] for p in pts]) for k, n in enumerate(names)}
    batch = av.trace(source(op), at, mode="both")
    for j, p in enumerate(pts):
        one = av.trace(source(op), dict(zip(names, p)), mode="both")
        assert batch.value[j] == one.value
        for n in names:
            assert batch.gradient[n][j] == one.gradient[n]


@pytest.mark.parametrize("expr,at,message,node", [
    ("log(x - 1)", {"x": 1.0}, "log needs a positive argument", "w3 = log(w2)"),
    ("sqrt(x)", {"x": -4.0}, "sqrt needs a non-negative argument", "w2 = sqrt(w1)"),
    ("1/(x - 2)", {"x": 2.0}, "division by zero", "w3 = 1/w2"),
    ("x^(-1)", {"x": 0.0}, "0 to a negative power", "w2 = w1^(-1) (that is x^(-1))"),
    ("x^0.5", {"x": -8.0}, "negative base needs an integer exponent", "w2 = w1^0.5"),
])
def test_out_of_domain_names_node_formula_and_value(expr, at, message, node) -> None:
    with pytest.raises(av.DomainError) as err:
        av.trace(expr, at, mode="primal")
    text = str(err.value)
    assert message in text and node in text
    assert err.value.exit_code == 1


def test_domain_error_formula_uses_input_names_and_point_index_in_batches() -> None:
    with pytest.raises(av.DomainError) as err:
        av.trace("log(x)", {"x": np.array([1.0, 2.0, -3.0])})
    assert "w1 = -3" in str(err.value) and "at point 2" in str(err.value)


def test_variable_exponent_needs_positive_base_for_its_partial() -> None:
    t = av.trace("x^y", {"x": -2.0, "y": 2.0}, mode="primal")
    assert t.value == 4.0  # the value itself is fine
    with pytest.raises(av.DomainError, match="with respect to b needs a > 0"):
        av.trace("x^y", {"x": -2.0, "y": 2.0}, mode="reverse")
    # a constant exponent never needs log(x)
    assert av.gradient("x^2", {"x": -2.0}) == {"x": -4.0}
    g = av.gradient("x^y", {"x": 2.0, "y": 3.0})
    assert g["x"] == 12.0 and g["y"] == pytest.approx(8 * math.log(2))


@pytest.mark.parametrize("expr,at,grad", [
    ("relu(x)", {"x": 0.0}, {"x": 0.0}),
    ("abs(x)", {"x": 0.0}, {"x": 0.0}),
    ("step(x)", {"x": 0.0}, {"x": 0.0}),
    ("sign(x)", {"x": 0.0}, {"x": 0.0}),
    ("hardtanh(x)", {"x": 1.0}, {"x": 0.0}),
    ("hardtanh(x)", {"x": -1.0}, {"x": 0.0}),
    ("leaky_relu(x, alpha=0.1)", {"x": 0.0}, {"x": 0.1}),
    ("max(x, y)", {"x": 1.0, "y": 1.0}, {"x": 1.0, "y": 0.0}),
    ("min(x, y)", {"x": 1.0, "y": 1.0}, {"x": 1.0, "y": 0.0}),
])
def test_nondifferentiable_points_use_the_convention_and_are_flagged(expr, at, grad) -> None:
    t = av.trace(expr, at, mode="reverse")
    assert t.gradient == grad
    assert "nondifferentiable" in t.steps[-1].flags
    op = OPS[t.steps[-1].op]
    assert op.convention  # documented in the table
    # away from the kink, nothing is flagged
    away = {k: v + 0.5 * (i + 1) for i, (k, v) in enumerate(at.items())}
    assert "nondifferentiable" not in av.trace(expr, away).steps[-1].flags


def test_overflow_is_flagged_not_silently_passed_on() -> None:
    t = av.trace("exp(x) - exp(x)", {"x": 1000.0})
    assert "overflow" in t.steps[1].flags  # exp(1000) = inf
    assert math.isnan(t.value)
    assert "overflow" in t.steps[-1].flags
    s = av.trace("sqrt(x)", {"x": 0.0}, mode="reverse")
    assert s.value == 0 and "overflow" in s.steps[-1].flags  # d sqrt/dx = inf at 0


def test_activations_match_their_textbook_definitions() -> None:
    x = np.linspace(-3, 3, 13)
    at = {"z": x}
    sig = av.trace("sigmoid(z)", at, mode="reverse")
    np.testing.assert_allclose(sig.value, 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(sig.gradient["z"], sig.value * (1 - sig.value), rtol=1e-14)
    # tanh(z) = 2σ(2z) − 1
    np.testing.assert_allclose(av.trace("2*σ(2*z) - 1", at).value, np.tanh(x), atol=1e-15)
    np.testing.assert_allclose(av.trace("softplus(z)", at).value, np.log1p(np.exp(x)), rtol=1e-14)
    np.testing.assert_allclose(av.trace("hard_tanh(z)", at).value,
                               np.maximum(-1, np.minimum(1, x)))
    lr = av.trace("leaky_relu(z)", at).value  # alpha defaults to 0.01
    np.testing.assert_allclose(lr, np.maximum(0, x) + 0.01 * np.minimum(0, x))
    # Gaussian RBF exp(-(eps*r)^2) with eps = 0.5
    rbf = av.trace("exp(-(0.5*r)^2)", {"r": x}, mode="reverse")
    np.testing.assert_allclose(rbf.gradient["r"], -2 * 0.25 * x * np.exp(-(0.5 * x) ** 2),
                               rtol=1e-13, atol=1e-16)


def test_relu_on_a_number_is_numpys_maximum_exactly() -> None:
    """relu's number path (no ufunc call) gives np.maximum's value, type and sign."""
    f = OPS["relu"].fn
    for x in [2.0, -1.0, 0.0, -0.0, 5e-324, -5e-324, np.inf, -np.inf, np.nan, 1e308]:
        got, want = f(np.float64(x)), np.maximum(np.float64(x), 0.0)
        assert type(got) is type(want) is np.float64
        assert (np.isnan(got) and np.isnan(want)) or (got == want and
                                                      np.signbit(got) == np.signbit(want))
    assert f(np.array([1.0, -2.0])).tolist() == [1.0, 0.0]
