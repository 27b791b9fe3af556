"""Checking matrix answers (issue 9): keys with vectors and matrices, answers in every form,
entry-by-entry judging with the rounding rule, and the mistakes the checker names.

Every expected gradient here is computed independently with numpy (the textbook backward
algorithm written out by hand), never with the project's passes: an answer equal to the
numpy oracle must get full marks, so the checker's expected values agree with it.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.errors import ProblemKeyError
from autodiff_viz.check import Figure, assert_gradient, load_key
from autodiff_viz.check.grade import max_score
from autodiff_viz.check.matrices import MatrixError, parse_matrix_text, read_matrix


# -- the XOR network of the slides: f = relu(X W + c) w + b, L = mse(f, y) ----------------
X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
W = np.array([[1.0, 0.5], [-0.5, 1.5]])
C = np.array([0.25, -0.75])
WV = np.array([1.0, -2.0])
B = 0.5
Y = np.array([0.0, 1.0, 1.0, 0.0])
XOR = "h = relu(X@W + c)\nf = h@w + b\nL = mse(f, y)"
XOR_AT = {"X": X, "W": W, "c": C, "w": WV, "b": B, "y": Y}


def xor_oracle() -> dict[str, np.ndarray]:
    """The backward pass of the XOR network, by hand."""
    a = X @ W + C
    assert np.all(np.abs(a) > 1e-9)  # no ReLU kink: the derivative is unambiguous
    h = np.maximum(a, 0)
    f = h @ WV + B
    df = 2 * (f - Y) / len(Y)
    dh = np.outer(df, WV)
    da = dh * (a > 0)
    return {"W": X.T @ da, "c": da.sum(axis=0), "w": h.T @ df, "b": df.sum(), "a": da,
            "h": h}


XOR_KEY = {"title": "XOR", "program": XOR, "at": XOR_AT,
           "ask": [{"kind": "gradient", "wrt": ["W", "c", "w", "b"]},
                   {"kind": "adjoint", "node": "X@W + c", "name": "g"}]}


# -- a small MLP on a mini-batch: tanh hidden layer, softmax cross-entropy ---------------
RNG = np.random.default_rng(7)
MX = RNG.normal(size=(4, 3)).round(2)
MW1 = RNG.normal(size=(3, 5)).round(2)
MB1 = RNG.normal(size=5).round(2)
MW2 = RNG.normal(size=(5, 3)).round(2)
MB2 = RNG.normal(size=3).round(2)
MY = np.eye(3)[[0, 2, 1, 2]]
MLP = "z1 = X@W1 + b1\nh = tanh(z1)\nz2 = h@W2 + b2\nS = softmax(z2)\nL = -sum(Y*log(S))/4"
MLP_AT = {"X": MX, "W1": MW1, "b1": MB1, "W2": MW2, "b2": MB2, "Y": MY}


def mlp_oracle() -> dict[str, np.ndarray]:
    z1 = MX @ MW1 + MB1
    h = np.tanh(z1)
    z2 = h @ MW2 + MB2
    s = np.exp(z2 - z2.max(axis=1, keepdims=True))
    s /= s.sum(axis=1, keepdims=True)
    dz2 = (s - MY) / 4                      # softmax with cross-entropy: S - Y
    dh = dz2 @ MW2.T
    dz1 = dh * (1 - h ** 2)
    # the slides' mistake: dL/dS = -Y/(4S) taken through diag(S(1 - S)) only
    sbar = -MY / (4 * s)
    wrong_dz2 = s * (1 - s) * sbar
    return {"W1": MX.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz2, "b2": dz2.sum(axis=0),
            "z2": dz2, "S": s, "Sbar": sbar, "wrong_z2": wrong_dz2, "h": h,
            "wrong_W2": h.T @ wrong_dz2, "wrong_W1": MX.T @ ((wrong_dz2 @ MW2.T) * (1 - h ** 2))}


MLP_KEY = {"title": "MLP", "program": MLP, "at": MLP_AT,
           "ask": [{"kind": "gradient", "wrt": ["W1", "b1", "W2", "b2"]},
                   {"kind": "adjoint", "node": "z2", "name": "g2"}]}


def text(a: np.ndarray, decimals: int = 6) -> list:
    """A nested list of numbers rounded as a student would write them."""
    return np.round(np.asarray(a, dtype=float), decimals).tolist()


def markdown(a: np.ndarray, decimals: int = 6) -> str:
    rows = np.atleast_2d(np.round(a, decimals))
    return "\n".join("| " + " | ".join(f"{v:g}" for v in r) + " |" for r in rows)


def latex(a: np.ndarray, env: str = "bmatrix", decimals: int = 6) -> str:
    rows = np.atleast_2d(np.round(a, decimals))
    body = " \\\\ ".join(" & ".join(f"{v:g}" for v in r) for r in rows)
    return f"\\begin{{{env}}} {body} \\end{{{env}}}"


# -- keys -----------------------------------------------------------------------------
def test_a_key_reads_vectors_and_matrices_and_keeps_each_entrys_text() -> None:
    key = load_key('program = "h = relu(X@W + c)\\nf = h@w + b"\n'
                   'at = { X = [[0, 0], [1, 0], [0, 1], [1, 1]], W = [[1.0, 1], [1, 1.50]], '
                   'c = [0, -1], w = [1, -2], b = 0 }\n'
                   '[[ask]]\nkind = "gradient"\nwrt = ["W", "b"]\n'
                   '[[ask]]\nkind = "adjoint"\nnode = "h"\n')
    assert key.arrays
    w = key.point()["W"]
    assert [[f.text for f in row] for row in w] == [["1.0", "1"], ["1", "1.50"]]
    assert all(isinstance(f, Figure) for row in w for f in row)
    assert key.describe().startswith("f = relu(X@W + c)@w + b at X=[[0, 0], [1, 0]")
    assert [a.wrt_inputs for a in key.asks] == [("W", "b"), ()]
    assert max_score(key) == 3.0  # two gradient items (W and b) and one adjoint


def test_a_key_with_numpy_arrays_and_named_points() -> None:
    key = load_key({"program": XOR, "at": {"first": XOR_AT, "second": {**XOR_AT, "b": 1.0}},
                    "ask": [{"kind": "value", "node": "f", "at": "second"}]})
    report = av.check(key, {"value": (np.maximum(X @ W + C, 0) @ WV + 1.0).tolist()})
    assert report.all_correct, report.to_text()


@pytest.mark.parametrize("at, message", [
    ({"W": [[1, 2], [3]], "x": [1, 2]}, "the value of W has rows of different lengths"),
    ({"W": [[1, 2]], "x": [1, 2, 3]}, "the shapes of the point at do not fit the expression"),
    ({"W": [[1, True]], "x": [1, 2]}, "the value of W must hold numbers"),
    ({"W": [], "x": [1, 2]}, "the value of W must not be empty"),
])
def test_bad_vectors_in_a_key_are_reported(at: dict, message: str) -> None:
    with pytest.raises(ProblemKeyError, match=message):
        load_key({"expression": "sum(W@x)", "at": at, "ask": [{"kind": "gradient"}]})


@pytest.mark.parametrize("ask, message", [
    ({"kind": "reverse"}, "trace tables of problems with vectors and matrices cannot be graded"),
    ({"kind": "formula", "wrt": "x"}, "derivative formulas of problems with vectors"),
    ({"kind": "jacobian"}, "Jacobians of problems with vectors and matrices"),
    ({"kind": "gradient", "wrt": ["W", "q"]}, "wrt 'q' is not an input"),
    ({"kind": "gradient", "wrt": 3}, "'wrt' must be an input's name or a list of them"),
    ({"kind": "gradient", "partial_credit": "yes"}, "'partial_credit' must be true or false"),
])
def test_asks_a_matrix_key_cannot_grade_are_refused(ask: dict, message: str) -> None:
    with pytest.raises(ProblemKeyError, match=message):
        load_key({"expression": "sum(W@x)", "at": {"W": [[1, 2]], "x": [1, 2]}, "ask": [ask]})


# -- correct answers in every form get full marks --------------------------------------
def xor_forms() -> list[tuple[str, object]]:
    o = xor_oracle()
    return [
        ("numpy arrays", {"gradient": {"W": o["W"], "c": o["c"], "w": o["w"], "b": o["b"]},
                          "g": o["a"]}),
        ("nested lists", {"gradient": {"W": text(o["W"]), "c": text(o["c"]), "w": text(o["w"]),
                                       "b": round(float(o["b"]), 6)}, "g": text(o["a"])}),
        ("a list in wrt order", {"gradient": [o["W"], o["c"], o["w"], o["b"]], "g": o["a"]}),
        ("bracket text", {"gradient": {"W": json.dumps(text(o["W"])), "c": str(text(o["c"])),
                                       "w": json.dumps(text(o["w"])), "b": str(o["b"])},
                          "g": json.dumps(text(o["a"]))}),
        ("numpy's printing", {"gradient": {"W": str(np.round(o["W"], 6)),
                                           "c": repr(np.round(o["c"], 6)),
                                           "w": str(np.round(o["w"], 6)), "b": o["b"]},
                              "g": str(np.round(o["a"], 6))}),
        ("Markdown tables", {"gradient": {"W": markdown(o["W"]), "c": markdown(o["c"]),
                                          "w": markdown(o["w"]), "b": markdown(o["b"])},
                             "g": markdown(o["a"])}),
        ("LaTeX", {"gradient": {"W": latex(o["W"]), "c": latex(o["c"], "pmatrix"),
                                "w": "$" + latex(o["w"]) + "$", "b": o["b"]},
                   "g": latex(o["a"], "pmatrix")}),
    ]


@pytest.mark.parametrize("form, submission", xor_forms(), ids=[f for f, _ in xor_forms()])
def test_the_right_xor_gradient_in_every_form_gets_full_marks(form: str, submission: dict
                                                               ) -> None:
    report = av.check(XOR_KEY, submission)
    assert report.all_correct, report.to_text()
    assert report.score == report.max_score == 5.0


def test_the_right_mlp_gradient_gets_full_marks() -> None:
    o = mlp_oracle()
    report = av.check(MLP_KEY, {"gradient": {k: o[k] for k in ("W1", "b1", "W2", "b2")},
                                "g2": o["z2"]})
    assert report.all_correct, report.to_text()
    assert report.score == 5.0


def test_toml_json_and_yaml_files_with_matrices(tmp_path) -> None:
    o = xor_oracle()
    (tmp_path / "key.json").write_text(json.dumps(
        {**XOR_KEY, "at": {k: np.asarray(v).tolist() for k, v in XOR_AT.items()}}))
    w, c, ww, b, a = (text(o[k], 4) for k in ("W", "c", "w", "b", "a"))
    (tmp_path / "ann.toml").write_text(
        f"gradient = {{ W = {w}, c = {c}, w = {ww}, b = {b} }}\n"
        f"g = '''\n{markdown(np.asarray(a), 4)}\n'''\n")
    (tmp_path / "ben.json").write_text(json.dumps({"gradient": {"W": w, "c": c, "w": ww,
                                                                "b": b}, "g": a}))
    for name in ("ann.toml", "ben.json"):
        report = av.check(str(tmp_path / "key.json"), str(tmp_path / name))
        assert report.all_correct, report.to_text()
    pytest.importorskip("yaml")
    (tmp_path / "cleo.yaml").write_text(
        f"gradient:\n  W: {w}\n  c: {c}\n  w: {ww}\n  b: {b}\ng: {a}\n")
    report = av.check(str(tmp_path / "key.json"), str(tmp_path / "cleo.yaml"))
    assert report.all_correct, report.to_text()


def test_the_report_holds_the_arrays_as_nested_lists() -> None:
    o = xor_oracle()
    d = av.check(XOR_KEY, {"gradient": {"W": o["W"]}}).to_dict()
    item = d["items"][0]
    assert item["name"] == "∂L/∂W" and item["passed"]
    assert np.allclose(item["expected"], o["W"]) and np.allclose(item["got"], o["W"])
    json.dumps(d)  # JSON-ready


# -- what is wrong, and where ----------------------------------------------------------------
def test_a_transposed_matrix_is_named() -> None:
    o = mlp_oracle()
    report = av.check(MLP_KEY, {"gradient": {"W1": o["W1"].T}})
    item = report.items[0]
    assert item.verdict == "wrong value" and item.score == 0
    assert item.message == "this is the transpose of ∇W1: W1 is 3×5, and ∇W1 has its shape"


def test_a_transposed_square_matrix_and_a_transposed_adjoint() -> None:
    o = xor_oracle()
    report = av.check(XOR_KEY, {"gradient": {"W": o["W"].T}, "g": o["a"].T})
    w, g = report.items[0], report.items[-1]
    assert w.message == "this is the transpose of ∇W: W is 2×2, and ∇W has its shape"
    assert g.message == ("this is the transpose of the adjoint of w8: w8 is 4×2, and its "
                         "adjoint has its shape")


def test_a_symmetric_answer_is_not_called_a_transpose() -> None:
    key = {"expression": "sum(W*W)", "at": {"W": [[1, 2], [2, 1]]}, "ask": [{"kind": "gradient"}]}
    report = av.check(key, {"gradient": [[2, 4], [4, 3]]})
    assert report.items[0].message == "1 of 4 entries wrong: entry (2, 2): expected 2, got 3"


def test_a_wrong_shape_is_named() -> None:
    o = mlp_oracle()
    wrong = np.ones((5, 3))  # 5×3 is not the transpose of 3×5's values
    report = av.check(MLP_KEY, {"gradient": {"W1": wrong, "b1": [1, 2, 3, 4], "b2": 0.5,
                                             "W2": o["W2"].ravel()}})
    msgs = {i.name: i.message for i in report.items}
    assert msgs["∂L/∂W1"] == "wrong shape: expected a 3×5 matrix (W1's shape), got 5×3"
    assert msgs["∂L/∂b1"] == "wrong shape: expected a vector of 5 (b1's shape), got 4 numbers"
    assert msgs["∂L/∂b2"] == "wrong shape: expected a vector of 3 (b2's shape), got one number"
    assert msgs["∂L/∂W2"] == "wrong shape: expected a 5×3 matrix (W2's shape), got 15 numbers"
    assert all(i.score == 0 for i in report.items)


def test_one_wrong_entry_is_named_by_row_and_column() -> None:
    o = xor_oracle()
    w = np.round(o["W"], 4)
    w[0, 1] = -w[0, 1]
    assert w[0, 1] == -1.25  # the oracle's 1.25, with the wrong sign
    report = av.check(XOR_KEY, {"gradient": {"W": w}})
    item = report.items[0]
    assert item.message == "1 of 4 entries wrong: entry (1, 2): expected 1.25, got -1.25"
    assert item.got[0][1] == -1.25 and item.expected[0][1] == pytest.approx(o["W"][0, 1])
    w = markdown(o["W"], 2).replace("-0.62", "-0.6").replace("3.25", "3.3")  # ties round
    report = av.check(XOR_KEY, {"gradient": {"W": w.replace("1.25", "1.3")}})
    assert report.items[0].passed  # -0.625 is -0.6 to one decimal, 3.25 is 3.3, 1.25 is 1.3
    report = av.check(XOR_KEY, {"gradient": {"W": w.replace("1.25", "1.4")}})
    assert report.items[0].message == "1 of 4 entries wrong: entry (1, 2): expected 1.2, got 1.4"


def test_many_wrong_entries_show_the_first_few_and_a_count() -> None:
    o = mlp_oracle()
    report = av.check(MLP_KEY, {"gradient": {"W1": o["W1"] + 1}})
    msg = report.items[0].message
    assert msg.startswith("15 of 15 entries wrong: entry (1, 1): expected ")
    assert msg.count("entry (") == 3 and msg.endswith("; and 12 more")


def test_the_vector_orientation_of_a_row_or_column_is_accepted() -> None:
    o = xor_oracle()
    for c in (latex(o["c"]), latex(o["c"][:, None]), markdown(o["c"][:, None]),
              [[v] for v in o["c"]]):
        report = av.check(XOR_KEY, {"gradient": {"c": c}})
        assert report.items[1].passed, (c, report.items[1].message)


# -- rounding, entry by entry ---------------------------------------------------------------
THIRDS = {"expression": "mean(x*w)", "at": {"x": [1, 2, -1], "w": [0.5, 1, 2]},
          "ask": [{"kind": "gradient", "wrt": "w"}]}


@pytest.mark.parametrize("answer, ok", [
    (["0.333", "0.667", "-0.333"], True),
    ([0.333, 0.667, -0.333], True),
    ([0.3, 0.7, -0.3], True),                       # one decimal: 1/3 rounds to 0.3
    ("[0.3333, 2/3, -1/3]", True),
    (r"\begin{bmatrix} \frac{1}{3} & 0.67 & -0.33 \end{bmatrix}", True),
    ([0.34, 0.667, -0.333], False),
    ([0.333, 0.67, -0.3333], True),
    ([0.333, 0.66, -0.333], False),
    (["0.3330", "0.667", "-0.333"], False),         # four decimals: 0.3330 is not 1/3
])
def test_each_entry_is_judged_by_its_own_written_decimals(answer: object, ok: bool) -> None:
    report = av.check(THIRDS, {"gradient": answer})
    assert report.all_correct is ok, report.to_text()


def test_a_wrong_rounding_names_the_entry_rounded_like_the_student() -> None:
    report = av.check(THIRDS, {"gradient": [0.34, 0.667, -0.333]})
    assert report.items[0].message == "1 of 3 entries wrong: entry 1: expected 0.33, got 0.34"
    toml = load_key('expression = "mean(x*w)"\nat = { x = [1, 2, -1], w = [0.5, 1, 2] }\n'
                    '[tolerance]\nmin_digits = 2\n[[ask]]\nkind = "gradient"\nwrt = "w"\n')
    report = av.check(toml, '{"gradient": [0.3, 0.67, -0.33]}')
    assert report.items[0].message == ("1 of 3 entries wrong: entry 1: 0.3 is rounded too far "
                                       "(give at least 2 significant digits)")


# -- points ---------------------------------------------------------------------------------
def test_a_matrix_is_all_or_nothing_unless_partial_credit() -> None:
    o = xor_oracle()
    wrong = o["a"].copy()
    wrong[0, 0] += 1  # one of 8 entries
    plain = av.check(XOR_KEY, {"g": wrong})
    assert plain.items[-1].score == 0 and plain.items[-1].max_score == 1
    key = {**XOR_KEY, "ask": [XOR_KEY["ask"][0], {**XOR_KEY["ask"][1], "points": 4,
                                                   "partial_credit": True}]}
    partial = av.check(key, {"g": wrong, "gradient": {"W": o["W"].T}})
    assert partial.items[-1].score == pytest.approx(3.5)     # 7 of 8 entries right
    assert partial.items[-1].verdict == "wrong value" and not partial.items[-1].passed
    assert partial.items[0].score == 0    # the transpose of a square matrix: W is not partial
    shape = av.check(key, {"g": wrong[:, :1]})
    assert shape.items[-1].score == 0     # a wrong shape earns nothing


def test_gradient_points_count_the_inputs_asked_for() -> None:
    key = {**XOR_KEY, "ask": [{"kind": "gradient", "wrt": "W", "points": 3}]}
    assert max_score(key) == 3.0
    report = av.check(key, {"gradient": xor_oracle()["W"]})
    assert [i.name for i in report.items] == ["∂L/∂W"] and report.score == 3.0
    report = av.check(key, {"gradient": {"W": xor_oracle()["W"], "X": [[0, 0]]}})
    assert report.score == 3.0
    assert any("X is not asked for (asked: W)" in n for n in report.notes)


# -- the slides' softmax mistake ---------------------------------------------------------------
Z = np.array([1.0, 2.0, 0.5])
ONE_HOT = np.array([0.0, 1.0, 0.0])
SOFTMAX = {"program": "s = softmax(z)\nL = -sum(y*log(s))", "at": {"z": Z, "y": ONE_HOT},
           "ask": [{"kind": "gradient", "wrt": "z"}, {"kind": "adjoint", "node": "z"}]}


def softmax_oracle() -> tuple[np.ndarray, np.ndarray]:
    s = np.exp(Z) / np.exp(Z).sum()
    return s, -ONE_HOT / s


def test_softmax_cross_entropy_right_answer_is_s_minus_y() -> None:
    s, _ = softmax_oracle()
    report = av.check(SOFTMAX, {"gradient": s - ONE_HOT, "adjoint": np.round(s - ONE_HOT, 3)})
    assert report.all_correct, report.to_text()


@pytest.mark.parametrize("decimals", [None, 4])
def test_s_times_one_minus_s_is_only_the_diagonal(decimals: int | None) -> None:
    s, _ = softmax_oracle()
    given = s * (1 - s)
    if decimals:
        given = np.round(given, decimals)
    report = av.check(SOFTMAX, {"gradient": given, "adjoint": given})
    for item in report.items:
        assert item.verdict == "wrong value" and item.score == 0
        assert item.message.startswith("this is s ⊙ (1 − s), not the adjoint of z: it is only "
                                       "the diagonal of the Jacobian of s = softmax(z)")
        assert "∂s/∂z = diag(s) − s sᵀ, of which s ⊙ (1 − s) is only the diagonal" in \
            item.message
        assert item.message.endswith("the adjoint of z is (∂s/∂z)ᵀ s̄ = s ⊙ (s̄ − ⟨s̄, s⟩)")


def test_the_diagonal_times_the_adjoint_of_s_is_caught() -> None:
    s, sbar = softmax_oracle()
    report = av.check(SOFTMAX, {"gradient": s * (1 - s) * sbar,
                                "adjoint": np.round(s * (1 - s) * sbar, 3).tolist()})
    for item in report.items:
        assert item.message.startswith("this is s ⊙ (1 − s) ⊙ s̄: the chain rule through "
                                       "s = softmax(z) with only the diagonal of its Jacobian. "
                                       "softmax is not elementwise")


def test_another_wrong_softmax_answer_gets_the_entries_not_the_diagonal_story() -> None:
    s, _ = softmax_oracle()
    report = av.check(SOFTMAX, {"gradient": s})  # forgot "- y"
    assert report.items[0].message.startswith("1 of 3 entries wrong: entry 2: expected ")


def test_the_diagonal_mistake_carried_up_to_the_weights_of_an_mlp() -> None:
    o = mlp_oracle()
    report = av.check(MLP_KEY, {"gradient": {"W1": o["wrong_W1"], "b1": o["b1"],
                                             "W2": np.round(o["wrong_W2"], 5),
                                             "b2": o["wrong_z2"].sum(axis=0)},
                                "g2": o["wrong_z2"]})
    msgs = {i.name: i.message for i in report.items}
    assert msgs["∂L/∂b1"] == ""  # right
    for name in ("∂L/∂W1", "∂L/∂W2", "∂L/∂b2"):
        assert msgs[name].startswith("this follows from the adjoint of z2 taken as "
                                     "S ⊙ (1 − S) ⊙ S̄: the chain rule through S = softmax(z2)"), \
            msgs[name]
        assert "diag(S) − S Sᵀ (row by row)" in msgs[name]
    assert msgs["adjoint of z2"].startswith("this is S ⊙ (1 − S) ⊙ S̄: the chain rule through")


def test_the_mistake_is_found_from_the_records_for_any_such_map() -> None:
    """log_softmax is not elementwise either: its diagonal 1 − softmax(z) is recognised."""
    key = {"program": "q = log_softmax(z)\nL = -sum(y*q)", "at": {"z": Z, "y": ONE_HOT},
           "ask": [{"kind": "adjoint", "node": "z"}]}
    s, _ = softmax_oracle()
    report = av.check(key, {"adjoint": (1 - s) * -ONE_HOT})
    assert report.items[0].message.startswith("this is 1 − softmax(z) ⊙ q̄: the chain rule "
                                              "through q = log_softmax(z)")
    report = av.check(key, {"adjoint": s - ONE_HOT})
    assert report.all_correct


# -- reading answers -----------------------------------------------------------------------
@pytest.mark.parametrize("written, values", [
    ("[[2, -2], [2, -2]]", [[2, -2], [2, -2]]),
    ("[[ 2. -2.]\n [ 2. -2.]]", [[2, -2], [2, -2]]),
    ("array([[ 2., -2.],\n       [ 2., -2.]])", [[2, -2], [2, -2]]),
    ("np.array([1, 2, 3], dtype=float)", [1, 2, 3]),
    ("[2 -2; 2 -2]", [[2, -2], [2, -2]]),
    ("∇W = [[2, -2], [2, -2]]", [[2, -2], [2, -2]]),
    ("| 2 | -2 |\n| 2 | -2 |", [[2, -2], [2, -2]]),
    ("|   | h1 | h2 |\n|---|---|---|\n| x1 | 2 | -2 |\n| x2 | **2** | $-2$ |",
     [[2, -2], [2, -2]]),
    ("| 1 | 2 |\n|:-:|--:|\n| 3 | 4 |", [[1, 2], [3, 4]]),
    (r"\begin{bmatrix} 2 & -2 \\ 2 & -2 \end{bmatrix}", [[2, -2], [2, -2]]),
    (r"$$\left[\begin{array}{cc} 2 & -2 \\ 2 & -2 \\ \end{array}\right]$$", [[2, -2], [2, -2]]),
    (r"\begin{pmatrix} -\frac{1}{2} & 2\cdot 10^{-1} \end{pmatrix}", [[-0.5, 0.2]]),
    ("[−1, 1/4, sqrt(4)]", [-1, 0.25, 2]),
    ("2.5", 2.5),
])
def test_matrix_text_forms(written: str, values: object) -> None:
    assert read_matrix(written).values.tolist() == values


def test_written_text_is_kept_per_entry() -> None:
    a = parse_matrix_text("[[0.50, 1], [2.000, -3.1]]")
    assert [[f.text for f in row] for row in a.figures.tolist()] == [["0.50", "1"],
                                                                     ["2.000", "-3.1"]]
    assert [f.text for f in read_matrix("[ 2. -0.5]").figures] == ["2", "-0.5"]  # numpy's "2."


@pytest.mark.parametrize("written, message", [
    ("[1, 2", "a '[' is never closed"),
    ("[1, abc]", "'abc' is not a number"),
    ("[[1, 2], [3]]", "the rows differ in length"),
    ("| 1 | x |\n| 2 | 3 |", "Markdown row 1, column 2 is not a number: 'x'"),
    (r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}", "row 2 has 1 entry, row 1 has 2"),
    (r"\begin{bmatrix} 1 & 2", "is never closed"),
    ("__import__('os').system('true')", "cannot read"),
    ("[]", "empty"),
])
def test_unreadable_matrices_say_why(written: str, message: str) -> None:
    with pytest.raises(MatrixError, match=message if message.startswith("\\") else None) as err:
        read_matrix(written)
    assert message in str(err.value)


def test_an_unreadable_answer_is_a_verdict_not_a_crash() -> None:
    report = av.check(XOR_KEY, {"gradient": {"W": "[[1, 2], [3]]", "c": {"a": 1}}})
    w, c = report.items[0], report.items[1]
    assert w.verdict == c.verdict == "unreadable"
    assert w.message.startswith("cannot read the answer: the rows differ in length")


def test_a_plain_text_submission_to_a_matrix_key_is_told_what_to_do() -> None:
    report = av.check(XOR_KEY, "dL/dW = [[1, 2], [3, 4]]")
    assert all(i.verdict == "missing" for i in report.items)
    assert report.items[0].message == "missing: ∂L/∂W (a 2×2 matrix)"
    assert any("trace tables of problems with vectors and matrices are not graded" in n
               for n in report.notes)


# -- assert_gradient ---------------------------------------------------------------------
def test_assert_gradient_with_arrays_and_nested_lists() -> None:
    o = xor_oracle()
    assert_gradient(XOR, XOR_AT, {"W": o["W"], "c": o["c"].tolist(), "w": o["w"], "b": o["b"]},
                    wrt=["W", "c", "w", "b"])
    assert_gradient(XOR, XOR_AT, o["W"], wrt="W")
    assert_gradient(XOR, XOR_AT, text(o["W"], 3), wrt="W")
    assert_gradient("mean(x*w)", {"x": np.array([1.0, 2, -1]), "w": [0.5, 1, 2]},
                    [0.333, 0.667, -0.333], wrt="w")


def test_assert_gradient_raises_with_the_entry_level_message() -> None:
    o = xor_oracle()
    w = np.round(o["W"], 3)
    w[1, 0] += 1
    with pytest.raises(AssertionError) as err:
        assert_gradient(XOR, XOR_AT, {"W": w}, wrt="W")
    text_ = str(err.value)
    assert text_.startswith("gradient of L = mse(relu(X@W + c)@w + b, y) at X=[[0, 0]")
    assert f"entry (2, 1): expected {o['W'][1, 0]:.3f}, got {w[1, 0]:g}" in text_
    with pytest.raises(AssertionError, match="this is the transpose of ∇W"):
        assert_gradient(XOR, XOR_AT, o["W"].T, wrt="W")
    with pytest.raises(AssertionError, match="missing"):
        assert_gradient(XOR, XOR_AT, {"W": o["W"]})  # every input is asked without wrt
