"""assert_gradient, assert_trace, assert_formula: AssertionError with a readable table, no output."""
from __future__ import annotations

import pytest

import autodiff_viz as av
from autodiff_viz.check import assert_formula, assert_gradient, assert_trace

EX = "sin(x1) + x1*x2"
AT = {"x1": 2, "x2": 3}
TABLE = """w1 = x1 = 2
w2 = x2 = 3
w3 = w1*w2 = 6
w4 = sin(w1) = 0.9
w5 = w3 + w4 = 6.9
dz/dw5 = 1
dz/dw4 = dz/dw5*dw5/dw4 = 1
dz/dw3 = dz/dw5*dw5/dw3 = 1
dz/dw2 = dz/dw3*dw3/dw2 = 2
dz/dw1 = dz/dw3*dw3/dw1 + dz/dw4*dw4/dw1 = 2.58
"""


def test_right_answers_pass_silently(capfd: pytest.CaptureFixture[str]) -> None:
    assert_gradient(EX, AT, {"x1": 2.58, "x2": 2})
    assert_gradient(EX, AT, [2.5838531634528574, 2.0])
    import numpy as np
    assert_gradient(EX, AT, np.array([2.584, 2.0]))
    assert_trace(EX, AT, TABLE)
    assert_formula(EX, "x1", "cos(x1) + x2")

    def f(x1, x2):
        return av.sin(x1) + x1 * x2
    assert_gradient(f, AT, (2.58, 2))
    assert capfd.readouterr() == ("", "")


def test_a_wrong_gradient_raises_a_table_of_what_is_wrong(capfd: pytest.CaptureFixture[str]
                                                          ) -> None:
    with pytest.raises(AssertionError) as err:
        assert_gradient(EX, AT, {"x1": 3.0, "x2": 1.99})
    assert str(err.value) == (
        "gradient of z = sin(x1) + x1*x2 at x1=2, x2=3: 2 of 2 wrong\n"
        "  ✗  ∂z/∂x1    0/1\n"
        "     wrong value: expected 2.58385\n"
        "  ✗  ∂z/∂x2    0/1\n"
        "     wrong value: expected 2.00 (2)")
    assert capfd.readouterr() == ("", "")


def test_a_wrong_trace_table_names_the_line_and_the_mistake() -> None:
    bad = TABLE.replace(" + dz/dw4*dw4/dw1 = 2.58", " = 3")
    with pytest.raises(AssertionError) as err:
        assert_trace(EX, AT, bad)
    lines = str(err.value).splitlines()
    assert lines[0] == "trace table of z = sin(x1) + x1*x2 at x1=2, x2=3: 1 of 10 wrong"
    assert lines[1].startswith("  ✗  line 10  dz/dw1 = dz/dw3*dw3/dw1 = 3")
    assert "misses the term from child w4 = sin(w1)" in lines[2]


def test_reveal_false_says_what_is_wrong_without_the_answer() -> None:
    with pytest.raises(AssertionError) as err:
        assert_gradient(EX, AT, [3, 2], reveal=False)
    assert "2.58" not in str(err.value) and "wrong value" in str(err.value)
    with pytest.raises(AssertionError) as err:
        assert_trace(EX, AT, TABLE.replace("0.9\n", "0.95\n"), reveal=False)
    assert "0.91" not in str(err.value) and "line 4" in str(err.value)


def test_required_sections_and_missing_steps() -> None:
    primal_only = TABLE.split("dz/dw5")[0]
    assert_trace(EX, AT, primal_only)  # the sections it has are complete
    with pytest.raises(AssertionError) as err:
        assert_trace(EX, AT, primal_only, require=["trace", "reverse"])
    assert "missing: the reverse trace (4 steps)" in str(err.value)
    with pytest.raises(AssertionError) as err:
        assert_trace(EX, AT, "w3 = w1*w2 = 6", require=["trace"])
    assert "missing step: sin(x1) = 0.909297" in str(err.value)
    with pytest.raises(AssertionError, match="no steps found"):
        assert_trace(EX, AT, "I do not know")


def test_forward_tables_take_their_seed_from_the_lines_or_wrt() -> None:
    fwd = TABLE.split("dz/dw5")[0] + "dw3/dx2 = dw1/dx2*w2 + dw2/dx2*w1 = 2\ndw4/dx2 = 0\n" \
                                     "dw5/dx2 = 2\n"
    assert_trace(EX, AT, fwd)
    dots = TABLE.split("dz/dw5")[0] + "ẇ3 = ẇ1·w2 + ẇ2·w1 = 2\nẇ4 = 0\nẇ5 = 2\n"
    assert_trace(EX, AT, dots, wrt="x2")
    with pytest.raises(AssertionError):
        assert_trace(EX, AT, dots, wrt="x1")


def test_tolerance_options_and_bad_options() -> None:
    with pytest.raises(AssertionError):
        assert_gradient(EX, AT, [2.58, 2], rounding=False)
    assert_gradient(EX, AT, [2.6, 2.05], abs_tol=0.1)
    with pytest.raises(TypeError, match="tolerance options"):
        assert_gradient(EX, AT, [2.58, 2], tol=0.1)


def test_a_wrong_formula_shows_its_counterexample() -> None:
    with pytest.raises(AssertionError) as err:
        assert_formula(EX, "x1", "x2", ranges={"x1": [0, 1], "x2": [0, 1]})
    text = str(err.value)
    assert text.startswith("formula of ∂z/∂x1 of z = sin(x1) + x1*x2: 1 of 1 wrong")
    assert "your formula gives" in text
