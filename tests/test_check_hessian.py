"""The checker's second-derivative answers (issue 14): the Hessian as numbers, entries,
and ∂²z/∂xi∂xj as formulas, in structured and plain-text submissions.

Expected numbers are hand-derived for the worked example (H = [[-sin 2, 1], [1, 0]]);
formulas are sympy's second derivatives, printed and graded as a student's answer.
"""
from __future__ import annotations

import math
import subprocess
import sys

import pytest
import sympy as sp

import autodiff_viz as av
from autodiff_viz.check.grade import max_score
from autodiff_viz.check.hessians import read_second_line
from autodiff_viz.check.key_reader import load_key
from autodiff_viz.errors import ProblemKeyError

WORKED = {"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3}}


def key(*asks: dict, **top: object) -> dict:
    return {**WORKED, **top, "ask": list(asks)}


def verdicts(report: av.Report) -> list[tuple[str, str, float]]:
    return [(i.name, i.verdict, i.score) for i in report.items]


# -- keys ----------------------------------------------------------------------------------
def test_the_kinds_their_default_names_and_points() -> None:
    k = load_key(key({"kind": "hessian"}, {"kind": "hessian", "wrt": ["x1", "x2"], "points": 2},
                     {"kind": "second_formula", "wrt": "x1"},
                     {"kind": "hessian_formula", "wrt": ["x2", "x1"]}))
    assert [(a.name, a.kind, a.wrt_inputs) for a in k.asks] == [
        ("hessian", "hessian", ()), ("hessian_x1_x2", "hessian", ("x1", "x2")),
        ("second_formula_x1_x1", "second_formula", ("x1", "x1")),
        ("second_formula_x2_x1", "second_formula", ("x2", "x1"))]
    assert max_score(k) == 4 + 2 + 1 + 1  # the whole Hessian: one item per entry


@pytest.mark.parametrize("ask, words", [
    ({"kind": "hessian", "wrt": ["x1", "x3"]}, "wrt 'x3' is not an input"),
    ({"kind": "hessian", "wrt": ["x1", "x2", "x1"]}, "two inputs"),
    ({"kind": "second_formula"}, "say which second derivative"),
    ({"kind": "hessian", "node": "w3"}, "unknown field 'node'"),
    ({"kind": "hesian"}, "did you mean 'hessian'"),
])
def test_key_mistakes_are_reported(ask: dict, words: str) -> None:
    with pytest.raises(ProblemKeyError) as err:
        load_key(key(ask))
    assert words in err.value.render()


def test_a_key_of_vectors_and_matrices_cannot_ask_for_second_derivatives_yet() -> None:
    with pytest.raises(ProblemKeyError, match="second derivatives"):
        load_key({"expression": "sum(W @ x)", "at": {"W": [[1, 2], [3, 4]], "x": [1, 2]},
                  "ask": [{"kind": "hessian"}]})


# -- numbers -------------------------------------------------------------------------------
def test_a_whole_hessian_right_rounded_and_wrong() -> None:
    k = key({"kind": "hessian"})
    r = av.check(k, {"hessian": [[-0.91, 1], [1, 0]]})
    assert r.score == r.max_score == 4
    assert "rounded to 2 decimals" in r.items[0].message
    r = av.check(k, {"hessian": [["-0.90", 1], [1, 1]]})  # -0.90 is not -0.9093 rounded
    assert verdicts(r) == [("∂²z/∂x1²", "wrong value", 0.0), ("∂²z/∂x1∂x2", "correct", 1.0),
                           ("∂²z/∂x2∂x1", "correct", 1.0), ("∂²z/∂x2²", "wrong value", 0.0)]
    assert r.items[0].message == "wrong value: expected -0.91 (-0.909297)"
    assert r.items[0].expected == pytest.approx(-math.sin(2))


def test_a_hessian_by_name_a_numpy_array_and_text() -> None:
    import numpy as np
    k = key({"kind": "hessian"})
    for answer in ({"x1": {"x1": "-sin(2)", "x2": 1}, "x2": {"x2": 0}},  # symmetric: x2/x1
                   np.array([[-math.sin(2), 1.0], [1.0, 0.0]]),
                   "[[-0.909, 1], [1, 0]]",
                   "\\begin{bmatrix} -0.9093 & 1 \\\\ 1 & 0 \\end{bmatrix}"):
        r = av.check(k, {"hessian": answer})
        assert r.score == 4, (answer, [i.message for i in r.items])


def test_a_hessian_of_the_wrong_shape_is_one_item_that_says_so() -> None:
    r = av.check(key({"kind": "hessian", "points": 2}), {"hessian": [[1, 2, 3]]})
    assert len(r.items) == 1 and r.items[0].max_score == 8 and r.items[0].score == 0
    assert "expected a 2×2 matrix (rows and columns x1, x2), got a 1×3 matrix" \
        in r.items[0].message


def test_one_entry_and_missing_answers() -> None:
    k = key({"kind": "hessian", "wrt": ["x2", "x1"], "points": 2}, {"kind": "hessian"})
    r = av.check(k, {"hessian_x2_x1": "1"})
    assert verdicts(r)[0] == ("∂²z/∂x2∂x1", "correct", 2.0)
    assert [i.verdict for i in r.items[1:]] == ["missing"] * 4
    assert "write H = [[...], [...]]" in r.items[1].message
    r = av.check(k, {"hessian_x2_x1": "2", "hessian": [[0, 1], [1, 0]]})
    assert verdicts(r)[0] == ("∂²z/∂x2∂x1", "wrong value", 0.0)
    assert r.items[1].verdict == "wrong value"


# -- formulas ------------------------------------------------------------------------------
def test_second_derivative_formulas_right_and_wrong_with_a_counterexample() -> None:
    k = key({"kind": "second_formula", "wrt": "x1"}, {"kind": "second_formula",
                                                     "wrt": ["x1", "x2"]})
    r = av.check(k, {"second_formula_x1_x1": "-sin(x1)", "second_formula_x1_x2": "1"})
    assert r.score == 2, [i.message for i in r.items]
    assert r.items[0].message == "(equals ∂²z/∂x1² at 24 random points)"
    r = av.check(k, {"second_formula_x1_x1": "sin(x1)", "second_formula_x1_x2": "x2"})
    assert [i.verdict for i in r.items] == ["wrong formula", "wrong formula"]
    msg = r.items[0].message
    assert msg.startswith("wrong formula: at x1=") and "∂²z/∂x1² = " in msg
    ex = r.items[0].expected
    assert ex["derivative"] == pytest.approx(-math.sin(ex["at"]["x1"]), abs=1e-12)
    assert ex["formula_gives"] == pytest.approx(math.sin(ex["at"]["x1"]), abs=1e-12)
    r = av.check(k, {"second_formula_x1_x1": "cos(", "second_formula_x1_x2": "y"})
    assert [i.verdict for i in r.items] == ["unreadable", "invalid step"]


X, Y = sp.symbols("x y")


@pytest.mark.parametrize("expr", [X * Y ** 2 + sp.exp(X), sp.sin(X * Y) / (1 + Y ** 2),
                                  sp.log(1 + X ** 2) * sp.tanh(Y), sp.sqrt(1 + X ** 2 * Y ** 2)])
def test_sympys_second_derivatives_are_accepted_and_a_changed_one_is_not(expr: sp.Expr) -> None:
    text = str(expr).replace("**", "^")
    k = key({"kind": "second_formula", "wrt": ["x", "y"]}, {"kind": "second_formula",
                                                           "wrt": "x"},
            expression=text, at={"x": 0.5, "y": 1.5})
    right = {"second_formula_x_y": str(sp.diff(expr, X, Y)).replace("**", "^"),
             "second_formula_x_x": str(sp.diff(expr, X, 2)).replace("**", "^")}
    r = av.check(k, right)
    assert r.score == 2, [i.message for i in r.items]
    wrong = {**right, "second_formula_x_y": f"({right['second_formula_x_y']})*1.001"}
    assert [i.verdict for i in av.check(k, wrong).items] == ["wrong formula", "correct"]


# -- plain-text submissions ----------------------------------------------------------------
@pytest.mark.parametrize("line, pair", [
    ("d2z/dx1dx2 = 1", ("x1", "x2")), ("∂²z/∂x1² = -sin(2)", ("x1", "x1")),
    ("∂^2 z/(∂x1 ∂x2) = 1", ("x1", "x2")), ("d^2z/dx2^2 = 0", ("x2", "x2")),
    ("- `∂²z/∂x2∂x1 ≈ 1`", ("x2", "x1")), ("| ∂²z/∂x1² | -0.91 |", ("x1", "x1")),
    ("$\\frac{\\partial^2 z}{\\partial x_1^2} = -\\sin(2)$", None),
])
def test_the_forms_of_a_second_derivative_line(line: str, pair: tuple | None) -> None:
    g = av.parse("sin(x1) + x1*x2")
    found = read_second_line(line, g)
    assert found is not None and found.pair == (pair or ("x1", "x1"))  # None: the LaTeX line
    for other in ("dz/dx1 = 2.58", "w3 = sin(w1) = 0.91", "d2z/dx1 = 3", "dz/dx1dx2 = 1",
                  "H = w1*w2 = 6"):  # a step named H is not the Hessian
        assert read_second_line(other, g) is None


def test_a_text_submission_answers_by_lines_and_keeps_its_trace_table() -> None:
    k = key({"kind": "trace"}, {"kind": "hessian"}, {"kind": "hessian", "wrt": ["x1", "x2"]},
            {"kind": "second_formula", "wrt": "x1"})
    text = ("w3 = sin(w1) = 0.91\nw4 = w1*w2 = 6\nw5 = w3 + w4 = 6.91\n"
            "∂²z/∂x1² = -sin(x1) = -0.91\n"   # the formula, then the number
            "d2z/dx1dx2 = 1\n"
            "H = [[-0.91, 1],\n     [1, 0]]\n")
    r = av.check(k, text)
    assert r.score == r.max_score == 3 + 4 + 1 + 1, [(i.name, i.message) for i in r.items]
    lines = {i.name: i.line for i in r.items}
    assert lines["∂²z/∂x1² formula"] == 4 and lines["∂²z/∂x1∂x2"] == 5
    assert not [n for n in r.notes if "not read" in n]


def test_text_entries_without_the_matrix_fill_the_hessian_mixed_partials_both_ways() -> None:
    k = key({"kind": "hessian"})
    r = av.check(k, "d2z/dx1^2 = -0.91\nd2z/dx2dx1 = 1\nd2z/dx2^2 = 0\n")
    assert r.score == 4, [(i.name, i.message) for i in r.items]
    r = av.check(k, "d2z/dx1^2 = -0.91\nd2z/dx2dx1 = 1\n")
    assert [i.verdict for i in r.items] == ["correct", "correct", "correct", "missing"]
    r = av.check(k, "d2z/dx1^2 = -0.92\nd2z/dx1dx2 = 1\nd2z/dx2^2 = 0\n")
    assert [i.verdict for i in r.items] == ["wrong value", "correct", "correct", "correct"]
    r = av.check(k, "$\\frac{\\partial^2 z}{\\partial x_1^2} = -0.909$\n"
                    "$\\frac{\\partial^2 z}{\\partial x_1 \\partial x_2} = 1$\nd2z/dx2^2 = 0")
    assert r.score == 4, [(i.name, i.message) for i in r.items]


def test_the_command_line_grades_a_key_file(tmp_path) -> None:
    (tmp_path / "key.toml").write_text(
        'expression = "sin(x1) + x1*x2"\nat = { x1 = 2, x2 = 3 }\n'
        '[[ask]]\nkind = "hessian"\n[[ask]]\nkind = "second_formula"\nwrt = ["x1", "x2"]\n',
        encoding="utf-8")
    (tmp_path / "ada.txt").write_text("H = [[-0.91, 1], [1, 0]]\n∂²z/∂x1∂x2 = 1\n",
                                      encoding="utf-8")
    (tmp_path / "ben.txt").write_text("H = [[-0.9, 1], [1, 1]]\n∂²z/∂x1∂x2 = x2\n",
                                      encoding="utf-8")
    cmd = [sys.executable, "-m", "autodiff_viz", "check", "key.toml"]
    ok = subprocess.run(cmd + ["ada.txt"], capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0 and "score 5 / 5" in ok.stdout, ok.stdout + ok.stderr
    bad = subprocess.run(cmd + ["ben.txt"], capture_output=True, text=True, cwd=tmp_path)
    assert "score 3 / 5" in bad.stdout and "Traceback" not in bad.stdout + bad.stderr
    assert "wrong formula" in bad.stdout


def test_with_several_outputs_a_line_answers_the_output_it_names() -> None:
    k = {"program": "a = x*y\nb = x^2*y", "at": {"x": 2, "y": 3},
         "ask": [{"kind": "hessian", "wrt": ["x", "y"], "output": "a", "name": "qa"},
                 {"kind": "hessian", "wrt": ["x", "y"], "output": "b", "name": "qb"}]}
    r = av.check(k, "d2b/dxdy = 4\nd2a/dxdy = 1\n")  # ∂²(xy)/∂x∂y = 1; ∂²(x²y)/∂x∂y = 2x
    assert [(i.ask, i.verdict, i.line) for i in r.items] == [("qa", "correct", 2),
                                                           ("qb", "correct", 1)]



def test_per_student_points_give_each_student_their_own_hessian() -> None:
    k = {"expression": "x*y + sin(x)", "random": {"seed": 2024, "ranges": {"x": [0, 2],
                                                                          "y": [1, 3]}},
         "ask": [{"kind": "hessian"}]}
    x = float(load_key(k).point_for("ada")["x"])
    answer = [[-math.sin(x), 1], [1, 0]]  # by hand: ∂²/∂x² = -sin x, ∂²/∂x∂y = 1
    assert av.check(k, {"student": "ada", "hessian": answer}).score == 4
    other = av.check(k, {"student": "ben", "hessian": answer})
    assert [i.verdict for i in other.items] == ["wrong value", "correct", "correct", "correct"]
