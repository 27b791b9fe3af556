"""Numbers as written, and the tolerance and rounding rule that judge them."""
from __future__ import annotations

import pickle

import pytest

import autodiff_viz as av
from autodiff_viz.check import Figure, Tolerance
from autodiff_viz.errors import ProblemKeyError

T = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
SIN2, Z, DZDX1 = T.steps[2].value, T.value, T.gradient["x1"]


@pytest.mark.parametrize("text,decimals,significant", [
    ("2.58", 2, 3), ("0.9", 1, 1), ("6", 0, 1), ("-0.4160", 4, 4), ("1.5e-3", 4, 2),
    ("2.601e−7", 10, 4), ("0.090", 3, 2), ("0", 0, 0), ("120", 0, 3), ("−1", 0, 1)])
def test_figure_keeps_what_was_written(text: str, decimals: int, significant: int) -> None:
    f = Figure.parse(text)
    assert (f.decimals, f.significant) == (decimals, significant)
    assert float(f) == float(text.replace("−", "-"))


def test_figure_from_a_float_uses_its_shortest_text_and_survives_pickling() -> None:
    f = Figure(2.58)
    assert f.text == "2.58" and f.decimals == 2
    g = pickle.loads(pickle.dumps(Figure.parse("0.90")))
    assert g.text == "0.90" and g.decimals == 2 and g == 0.9
    with pytest.raises(ValueError):
        Figure.parse("2.5.8")


def test_the_course_figures_pass_by_the_rounding_rule() -> None:
    tol = Tolerance()
    for text, true in (("0.9", SIN2), ("6.9", Z), ("2.58", DZDX1), ("2.584", DZDX1),
                       ("0.91", SIN2), ("2.6", DZDX1), ("6.909", Z)):
        assert tol.judge(Figure.parse(text), true) == (True, "rounded"), text


def test_a_wrong_rounding_fails_and_the_expected_value_is_shown_at_the_same_decimals() -> None:
    tol = Tolerance()
    for text, true, shown in (("0.90", SIN2, "0.91"), ("2.59", DZDX1, "2.58"),
                              ("2.583", DZDX1, "2.584"), ("6.8", Z, "6.9")):
        got = Figure.parse(text)
        assert not tol.judge(got, true).ok, text
        assert tol.expected_text(true, got) == shown


def test_a_bare_whole_number_means_four_significant_digits() -> None:
    tol = Tolerance()
    assert not tol.judge(Figure.parse("3"), DZDX1).ok       # 3 is not "about 2.58"
    assert tol.judge(Figure.parse("1"), 0.99999988).ok       # but 1 is 1.000
    assert tol.judge(Figure.parse("-1"), -0.999982).ok
    assert tol.judge(Figure.parse("12346"), 12345.67).ok
    assert Tolerance(whole_number_digits=0).judge(Figure.parse("3"), DZDX1).ok  # the bare rule


def test_zero_is_not_a_rounding_of_a_nonzero_value_but_float_noise_is_zero() -> None:
    tol = Tolerance()
    assert not tol.judge(Figure.parse("0"), 0.4).ok
    assert not tol.judge(Figure.parse("0.0"), 0.04).ok
    assert tol.judge(Figure.parse("0"), 2e-17).ok


def test_tolerance_options() -> None:
    assert not Tolerance(rounding=False).judge(Figure.parse("0.9"), SIN2).ok
    assert not Tolerance(min_decimals=2).judge(Figure.parse("6.9"), Z).ok
    assert Tolerance(min_decimals=2).judge(Figure.parse("6.91"), Z).ok
    assert not Tolerance(min_digits=3).judge(Figure.parse("0.9"), SIN2).ok
    assert Tolerance(abs=0.01).judge(2.59, DZDX1).ok  # a plain float: tolerance only
    assert Tolerance(rel=1e-2).judge(Figure.parse("2.6"), 2.58385, ).ok
    assert not Tolerance().judge(2.6, DZDX1).ok  # computed (not written) numbers: no rounding
    assert Tolerance().judge(Figure.parse("2.675"), 2.675).how == "exact"
    assert Tolerance().judge(Figure.parse("2.68"), 2.675).ok  # a tie rounds either way


def test_tolerance_from_a_key_table_rejects_bad_settings() -> None:
    assert Tolerance.from_mapping({"abs": 0, "rounding": False}) == Tolerance(abs=0.0,
                                                                             rounding=False)
    for bad in ({"absolute": 1}, {"rel": -1}, {"rounding": "yes"}, {"min_digits": 1.5}):
        with pytest.raises(ValueError):
            Tolerance.from_mapping(bad)
    with pytest.raises(ProblemKeyError) as err:
        av.check({"expression": "x", "at": {"x": 1}, "tolerance": {"rell": 1e-3},
                  "ask": [{"kind": "value"}]}, {"value": 1})
    assert "unknown tolerance setting 'rell'" in str(err.value)
