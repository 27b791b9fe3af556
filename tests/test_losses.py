"""Losses of section 4 of the worked examples, against hand-derived gradients."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff_viz as av

H = np.linspace(-2, 2, 9)


def test_squared_errors() -> None:
    g = av.gradient("(y - h)^2", {"y": 0.3, "h": H})
    np.testing.assert_allclose(g["h"], -2 * (0.3 - H), rtol=1e-15)
    g = av.gradient("0.5*(y - h)^2", {"y": 0.3, "h": H})
    np.testing.assert_allclose(g["h"], H - 0.3, rtol=1e-15, atol=1e-16)


def test_mean_squared_error() -> None:
    mse = "((y1 - h1)^2 + (y2 - h2)^2 + (y3 - h3)^2)/3"
    at = {"y1": 1.0, "h1": 0.5, "y2": -1.0, "h2": 0.0, "y3": 2.0, "h3": 2.5}
    t = av.trace(mse, at, mode="reverse")
    assert t.value == pytest.approx((0.25 + 1 + 0.25) / 3)
    for k in (1, 2, 3):
        assert t.gradient[f"h{k}"] == pytest.approx(2 / 3 * (at[f"h{k}"] - at[f"y{k}"]))


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_binary_cross_entropy_of_a_sigmoid(y: float) -> None:
    bce = "p = sigmoid(h); L = -(y*log(p) + (1 - y)*log(1 - p))"
    t = av.trace(bce, {"h": H, "y": y}, mode="reverse", output="L")
    p = 1 / (1 + np.exp(-H))
    np.testing.assert_allclose(t.value, -(y * np.log(p) + (1 - y) * np.log(1 - p)), rtol=1e-13)
    np.testing.assert_allclose(t.gradient["h"], p - y, rtol=1e-12, atol=1e-15)


def test_negative_log_likelihood_and_softmax_shift_invariance() -> None:
    prog = "S = exp(a) + exp(b); nll = -log(exp(a)/S)"
    t1 = av.trace(prog, {"a": 1.0, "b": 3.0}, mode="reverse", output="nll")
    t2 = av.trace(prog, {"a": 101.0, "b": 103.0}, mode="reverse", output="nll")
    assert t1.value == pytest.approx(np.log1p(np.exp(2.0)), rel=1e-14)
    assert t2.value == pytest.approx(t1.value, rel=1e-12)
    s_a = 1 / (1 + np.exp(2.0))
    assert t1.gradient["a"] == pytest.approx(s_a - 1) and t1.gradient["b"] == pytest.approx(1 - s_a)
