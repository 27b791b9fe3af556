"""assert_backward and gradcheck: a student's numpy backward checked against the passes.

Every expected number here comes from an oracle written in this file: the course's
backward formulas in numpy, and central finite differences of the loss written in numpy.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.check import BackwardReport, assert_backward, gradcheck

AFFINE_RELU = "out = x@w + b\nh = relu(out)\nL = sum(h*G)"  # G: the upstream gradient dout
SOFTMAX_CE = "s = X@W + b\nL = cross_entropy(s, y)"
SIGMOID = "h = sigmoid(x@w + b)\nL = sum(h*G)"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "backward_homework.py"


# -- oracles ------------------------------------------------------------------------------
def affine_relu_loss(x, w, b, G):
    return float(np.sum(np.maximum(x @ w + b, 0) * G))


def affine_relu_grads(x, w, b, G):
    """The course's backward: dout through the ReLU mask, then the affine layer."""
    d = G * (x @ w + b > 0)
    return {"x": d @ w.T, "w": x.T @ d, "b": d.sum(axis=0)}


def softmax_ce_loss(X, W, b, y):
    s = X @ W + b
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(len(y)), y]))


def sigmoid_loss(x, w, b, G):
    return float(np.sum(G / (1 + np.exp(-(x @ w + b)))))


def central_differences(f, at: dict, name: str, h: float = 1e-6) -> np.ndarray:
    """∂f/∂(every entry of at[name]) by (f(θ + h e) − f(θ − h e)) / 2h."""
    a = np.asarray(at[name], dtype=float)
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        plus, minus = a.copy(), a.copy()
        plus[idx] += h
        minus[idx] -= h
        g[idx] = (f(**{**at, name: plus}) - f(**{**at, name: minus})) / (2 * h)
    return g


def first_wrong(got: np.ndarray, right: np.ndarray, rtol=1e-5, atol=1e-8) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(~np.isclose(got, right, rtol=rtol, atol=atol))[0])


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?|nan", text)]


def affine_point(seed: int = 1, n: int = 4, d: int = 3, m: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    at = {"x": rng.normal(size=(n, d)), "w": rng.normal(size=(d, m)),
          "b": rng.normal(size=m), "G": rng.normal(size=(n, m))}
    assert np.abs(at["x"] @ at["w"] + at["b"]).min() > 0.05  # away from ReLU's kink
    return at


def student(bug=None):
    """An affine + ReLU backward as students write it; ``bug(x, w, b, dout)`` replaces the
    affine part's return."""
    def backward(x, w, b, G):
        out = x @ w + b
        dout = G * (out > 0)
        if bug is not None:
            return bug(x, w, b, dout)
        return dout @ w.T, x.T @ dout, dout.sum(axis=0)
    return backward


WRT = ("x", "w", "b")


def raised(fn, *args, **kw) -> AssertionError:
    with pytest.raises(AssertionError) as info:
        assert_backward(fn, *args, **kw)
    return info.value


def check_entry_message(message: str, label: str, idx: tuple[int, ...], got: float,
                        right: float, fd: float) -> None:
    """``dw[1, 0]: your backward gives g, the reverse pass gives r (finite differences: f)``."""
    where = f"{label}[{', '.join(map(str, idx))}]" if idx else label
    assert message.startswith(f"{where}: your backward gives "), message
    head = message[len(where) + 1:].split(";")[0]
    g, r, f = numbers(head)[:3]
    assert g == pytest.approx(got, rel=1e-5, abs=1e-9)
    assert r == pytest.approx(right, rel=1e-5, abs=1e-9)
    assert f == pytest.approx(fd, rel=1e-4, abs=1e-6)
    assert "the reverse pass gives" in head and "finite differences" in head


# -- right backwards pass -------------------------------------------------------------------
def test_a_correct_affine_relu_backward_passes() -> None:
    at = affine_point()
    oracle = affine_relu_grads(**at)
    for name in WRT:  # the oracle formulas themselves agree with finite differences
        np.testing.assert_allclose(oracle[name], central_differences(affine_relu_loss, at, name),
                                   atol=1e-7)
    assert assert_backward(student(), AFFINE_RELU, at, wrt=WRT) is None
    report = gradcheck(student(), AFFINE_RELU, at, wrt=WRT)
    assert isinstance(report, BackwardReport) and report.passed and report.message == ""
    assert [i.label for i in report.items] == ["dx", "dw", "db"]
    assert [i.shape for i in report.items] == [(4, 3), (3, 2), (2,)]
    assert all(i.max_error < 1e-12 for i in report.items)
    assert len(report.directions) == 3
    for d in report.directions:  # forward mode and finite differences agree with the student
        assert d.passed and d.differences_agree
        assert d.yours == pytest.approx(d.forward, abs=1e-12)
        assert d.finite_differences == pytest.approx(d.forward, abs=1e-6)
    assert str(report).startswith("backward of out = x@w + b; h = relu(out); L = sum(h*G) "
                                  "at x: 4×3, w: 3×2, b: 2, G: 4×2: right")


def test_a_dict_by_name_and_a_student_taking_only_some_inputs() -> None:
    at = affine_point(2)

    def backward(x, w, G, b):  # any order; "dW" or "W" names the gradient
        d = G * (x @ w + b > 0)
        return {"dx": d @ w.T, "w": x.T @ d, "db": d.sum(0)}

    assert_backward(backward, AFFINE_RELU, at, wrt=WRT)

    def only_b(b, **rest):
        return affine_relu_grads(b=b, **rest)["b"]

    assert_backward(only_b, AFFINE_RELU, at, wrt="b")


def test_a_correct_softmax_cross_entropy_backward_and_forward_pass() -> None:
    rng = np.random.default_rng(3)
    at = {"X": rng.normal(size=(5, 3)), "W": rng.normal(size=(3, 4)), "b": rng.normal(size=4),
          "y": np.array([0, 3, 1, 1, 2])}

    def softmax(X, W, b):
        s = X @ W + b
        p = np.exp(s - s.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)

    def forward(X, W, b, y):
        p = softmax(X, W, b)
        return -np.mean(np.log(p[np.arange(len(y)), y])), (X, W, b, y)  # (loss, cache)

    def backward(X, W, b, y):  # y arrives as the integer labels it was given
        assert y.dtype.kind == "i"
        dscores = softmax(X, W, b)
        dscores[np.arange(len(y)), y] -= 1
        dscores /= len(y)
        return {"W": X.T @ dscores, "b": dscores.sum(axis=0)}

    for name in ("W", "b"):  # the student's formulas, against finite differences
        np.testing.assert_allclose(backward(**at)[name],
                                   central_differences(softmax_ce_loss, at, name), atol=1e-7)
    report = gradcheck(backward, SOFTMAX_CE, at, wrt=["W", "b"], forward_fn=forward)
    assert report.passed, report
    assert [(i.section, i.label) for i in report.items] == [
        ("forward", "L"), ("gradient", "dW"), ("gradient", "db")]

    def bad_forward(X, W, b, y):
        p = softmax(X, W, b)
        return -np.sum(np.log(p[np.arange(len(y)), y])), None  # the mean's 1/N left out

    err = raised(backward, SOFTMAX_CE, at, wrt=["W", "b"], forward_fn=bad_forward)
    first = str(err).splitlines()[0]
    assert first.startswith("L: your forward gives ")
    got, right = numbers(first.split(": ", 1)[1])[:2]
    assert got == pytest.approx(softmax_ce_loss(**at) * 5, rel=1e-5)  # 6 figures shown
    assert right == pytest.approx(softmax_ce_loss(**at), rel=1e-5)


# -- the mistakes students make ---------------------------------------------------------------
def test_a_transposed_dw_is_named_with_both_shapes() -> None:
    at = affine_point()
    err = raised(student(lambda x, w, b, d: (d @ w.T, d.T @ x, d.sum(0))), AFFINE_RELU, at,
                 wrt=WRT)
    first = str(err).splitlines()[0]
    assert first.startswith("dw: your backward gives shape (2, 3), but w has shape (3, 2)")
    assert "it is the transpose of the right gradient" in first
    rows = {ln.split()[1]: ln for ln in str(err).splitlines() if ln.startswith("  ✓") or
            ln.startswith("  ✗")}
    assert rows["dx"].startswith("  ✓") and rows["db"].startswith("  ✓")
    assert rows["dw"].startswith("  ✗") and "wrong shape (2, 3), should be (3, 2)" in rows["dw"]


def test_dout_at_x_in_a_square_layer_is_caught_on_the_first_wrong_entry() -> None:
    at = affine_point(5, n=3, d=3, m=3)  # square, so dout @ x has the right shape
    buggy = student(lambda x, w, b, d: (d @ w.T, d @ x, d.sum(0)))
    bug = buggy(**at)[1]
    right = affine_relu_grads(**at)["w"]
    fd = central_differences(affine_relu_loss, at, "w")
    idx = first_wrong(bug, right)
    report = gradcheck(buggy, AFFINE_RELU, at, wrt=WRT)
    item = report.first_error
    assert item.label == "dw" and item.index == idx
    assert item.wrong == int((~np.isclose(bug, right, rtol=1e-5, atol=1e-8)).sum())
    check_entry_message(report.message, "dw", idx, bug[idx], right[idx], fd[idx])
    assert [i.passed for i in report.items] == [True, False, True]
    assert not any(d.passed for d in report.directions)  # ⟨dw, v⟩ is off along every v
    for d in report.directions:
        assert d.differences_agree


def test_db_not_summed_over_the_batch() -> None:
    at = affine_point()
    err = raised(student(lambda x, w, b, d: (d @ w.T, x.T @ d, d)), AFFINE_RELU, at, wrt=WRT)
    first = str(err).splitlines()[0]
    assert first == ("db: your backward gives shape (4, 2), but b has shape (2,) (a gradient "
                     "has the shape of its parameter); summed over axis 0 it is right: sum "
                     "over the batch")


def test_a_wrong_sign_is_named_on_its_parameter_and_entry() -> None:
    at = affine_point(4)
    right = affine_relu_grads(**at)["w"]
    fd = central_differences(affine_relu_loss, at, "w")
    idx = first_wrong(-right, right)
    err = raised(student(lambda x, w, b, d: (d @ w.T, -(x.T @ d), d.sum(0))), AFFINE_RELU, at,
                 wrt=WRT)
    first = str(err).splitlines()[0]
    check_entry_message(first, "dw", idx, -right[idx], right[idx], fd[idx])
    assert first.endswith("it is minus the right gradient: a sign error")


def test_sigma_instead_of_sigma_prime() -> None:
    rng = np.random.default_rng(6)
    at = {"x": rng.normal(size=(4, 3)), "w": rng.normal(size=(3, 2)), "b": rng.normal(size=2),
          "G": rng.normal(size=(4, 2))}

    def backward(x, w, b, G, prime=True):
        s = 1 / (1 + np.exp(-(x @ w + b)))
        d = G * (s * (1 - s) if prime else s)
        return d @ w.T, x.T @ d, d.sum(axis=0)

    right = backward(**at)
    for k, name in enumerate(WRT):
        np.testing.assert_allclose(right[k], central_differences(sigmoid_loss, at, name),
                                   atol=1e-7)
    assert_backward(backward, SIGMOID, at, wrt=WRT)
    bug = backward(**at, prime=False)
    report = gradcheck(lambda **kw: backward(**kw, prime=False), SIGMOID, at, wrt=WRT)
    assert [i.passed for i in report.items] == [False, False, False]
    idx = first_wrong(bug[0], right[0])
    fd = central_differences(sigmoid_loss, at, "x")
    check_entry_message(report.message, "dx", idx, bug[0][idx], right[0][idx], fd[idx])
    for item, b, r in zip(report.items, bug, right):  # each names its own first wrong entry
        assert item.index == first_wrong(b, r)
        assert item.wrong == int((~np.isclose(b, r, rtol=1e-5, atol=1e-8)).sum())


def relu_ge(x, w, b, G):
    """The ReLU mask written with >=: the same as > except where out is exactly 0."""
    d = G * (x @ w + b >= 0)
    return d @ w.T, x.T @ d, d.sum(axis=0)


def test_a_relu_mask_with_ge_passes_away_from_the_kink() -> None:
    at = affine_point(8)  # asserts no pre-activation is near 0
    assert_backward(relu_ge, AFFINE_RELU, at, wrt=WRT)
    assert_backward(student(), AFFINE_RELU, at, wrt=WRT)


def test_a_relu_mask_with_ge_is_caught_at_the_kink() -> None:
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    w = np.array([[1.0, -1.0], [2.0, 1.0]])
    b = np.array([-5.0, 0.5])
    G = np.array([[1.0, 2.0], [3.0, 4.0]])
    at = {"x": x, "w": w, "b": b, "G": G}
    pre = x @ w + b
    assert pre[0, 0] == 0 and np.count_nonzero(pre == 0) == 1  # exactly one kink, exact
    right = affine_relu_grads(**at)  # relu'(0) = 0, as the course's mask out > 0
    assert_backward(student(), AFFINE_RELU, at, wrt=WRT)  # the > mask passes
    bug = relu_ge(**at)
    idx = first_wrong(bug[0], right["x"])
    fd = central_differences(affine_relu_loss, at, "x")
    # finite differences straddle the kink: the average of the two one-sided derivatives
    assert fd[idx] == pytest.approx((bug[0][idx] + right["x"][idx]) / 2, abs=1e-6)
    err = raised(relu_ge, AFFINE_RELU, at, wrt=WRT)
    first = str(err).splitlines()[0]
    check_entry_message(first, "dx", idx, bug[0][idx], right["x"][idx], fd[idx])
    assert "h = relu(out) is at a kink, where the passes use relu'(0) = 0" in first
    assert "x > 0, not x >= 0" in first
    assert "note: finite differences disagree with forward mode" in str(err)


def test_a_shape_mismatch_gives_both_shapes() -> None:
    at = affine_point()
    report = gradcheck(student(lambda x, w, b, d: (d @ w.T[:, :2], x.T @ d, d.sum(0))),
                       AFFINE_RELU, at, wrt=WRT)
    item = report.first_error
    assert (item.label, item.verdict, item.got_shape, item.shape) == (
        "dx", "wrong shape", (4, 2), (4, 3))
    assert report.message == ("dx: your backward gives shape (4, 2), but x has shape (4, 3) "
                              "(a gradient has the shape of its parameter)")
    assert all(d.yours is None and not d.passed for d in report.directions)


def test_an_exception_in_the_students_function_becomes_an_assertion_error() -> None:
    at = affine_point()

    def backward(x, w, b, G):
        dout = G * (x @ w + b > 0)
        dx = dout @ w  # forgot the transpose: (4, 2) @ (3, 2)
        return dx, x.T @ dout, dout.sum(0)

    with pytest.raises(ValueError):  # what the student's function does on its own
        backward(**at)
    report = gradcheck(backward, AFFINE_RELU, at, wrt=WRT)  # reported, not raised
    assert not report.passed and isinstance(report.exception, ValueError)
    err = raised(backward, AFFINE_RELU, at, wrt=WRT)
    assert type(err) is AssertionError and isinstance(err.__cause__, ValueError)
    lines = str(err).splitlines()
    assert lines[0].startswith("your backward raised ValueError: matmul")
    assert lines[1].endswith("could not be checked")
    assert lines[2].strip() == ("in backward (test_check_backward.py, line "
                                f"{backward.__code__.co_firstlineno + 2}): dx = dout @ w  "
                                "# forgot the transpose: (4, 2) @ (3, 2)")

    def divides(x, w, b, G):
        return 1 / 0

    err = raised(divides, AFFINE_RELU, at, wrt=WRT)
    assert str(err).startswith("your backward raised ZeroDivisionError: division by zero")


def test_missing_gradients_nan_and_unusable_returns() -> None:
    at = affine_point()
    err = raised(lambda x, w, b, G: {"dx": affine_relu_grads(x, w, b, G)["x"],
                                     "dw": affine_relu_grads(x, w, b, G)["w"]},
                 AFFINE_RELU, at, wrt=WRT)
    assert str(err).splitlines()[0] == ("db: your backward returns no gradient for b "
                                        "(it returns dx, dw)")
    right = affine_relu_grads(**at)
    nan_w = right["w"].copy()
    nan_w[2, 1] = np.nan
    assert right["w"][2, 1] != 0
    report = gradcheck(lambda **kw: (right["x"], nan_w, right["b"]), AFFINE_RELU, at, wrt=WRT)
    item = report.first_error
    assert (item.label, item.verdict, item.index, item.wrong) == ("dw", "not finite", (2, 1), 1)
    head = "dw[2, 1]: your backward gives nan, the reverse pass gives "
    assert report.message.startswith(head)
    assert numbers(report.message[len(head):])[0] == pytest.approx(right["w"][2, 1], rel=1e-5)
    assert gradcheck(lambda **kw: None, AFFINE_RELU, at, wrt=WRT).message.startswith(
        "your backward returned None")
    assert gradcheck(lambda **kw: (right["x"], right["w"]), AFFINE_RELU, at, wrt=WRT).message \
        == "your backward returned 2 values, but 3 gradients are asked: return dx, dw, db, " \
           "in this order"
    assert gradcheck(lambda dout, cache: 0, AFFINE_RELU, at, wrt=WRT).message.startswith(
        "your backward needs dout, cache, which are not inputs of the source")


def test_a_student_who_changes_the_inputs_in_place_does_not_change_the_check() -> None:
    at = affine_point()
    keep = {k: v.copy() for k, v in at.items()}

    def backward(x, w, b, G):
        G *= x @ w + b > 0  # in place: the student's own copy
        x *= 0
        return G @ w.T, keep["x"].T @ G, G.sum(0)

    assert_backward(backward, AFFINE_RELU, at, wrt=WRT)
    for k in at:
        np.testing.assert_array_equal(at[k], keep[k])


def test_reveal_false_hides_the_reference_values() -> None:
    at = affine_point(4)
    right = affine_relu_grads(**at)["w"]
    idx = first_wrong(-right, right)
    err = raised(student(lambda x, w, b, d: (d @ w.T, -(x.T @ d), d.sum(0))), AFFINE_RELU, at,
                 wrt=WRT, reveal=False)
    text = str(err)
    where = f"dw[{idx[0]}, {idx[1]}]"
    assert text.splitlines()[0].startswith(f"{where}: your backward gives ")
    assert "which is wrong" in text and "the reverse pass gives" not in text
    assert "finite differences:" not in text and "sign error" not in text


def test_reports_for_notebooks_and_json() -> None:
    import json
    at = affine_point(4)
    report = gradcheck(student(lambda x, w, b, d: (d @ w.T, -(x.T @ d), d.sum(0))),
                       AFFINE_RELU, at, wrt=WRT)
    md = report._repr_markdown_()
    assert "| ✗ | `dw` | 3×2 |" in md and "| ✓ | `dx` | 4×3 |" in md
    assert report.message in md
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is False and data["items"][1]["verdict"] == "wrong value"
    assert repr(report).startswith("BackwardReport(passed=False, message='dw[")


def test_nothing_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    at = affine_point()
    assert_backward(student(), AFFINE_RELU, at, wrt=WRT)
    with pytest.raises(AssertionError):
        assert_backward(student(lambda x, w, b, d: (d @ w.T, x.T @ d, d)), AFFINE_RELU, at,
                        wrt=WRT)
    gradcheck(lambda **kw: 1 / 0, AFFINE_RELU, at, wrt=WRT)
    assert capsys.readouterr() == ("", "")


def test_the_instructors_mistakes_raise_input_errors() -> None:
    at = affine_point()
    with pytest.raises(av.InputError, match="wrt names q, not an input"):
        gradcheck(student(), AFFINE_RELU, at, wrt=["x", "q"])
    with pytest.raises(av.InputError, match="the output h has shape \\(4, 2\\), not a number"):
        gradcheck(student(), "out = x@w + b\nh = relu(out)", {k: at[k] for k in "xwb"})


def test_exported_from_the_package() -> None:
    assert av.assert_backward is assert_backward
    assert av.check.gradcheck is gradcheck and av.check.BackwardReport is BackwardReport


def test_the_example_script() -> None:
    proc = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    out = proc.stdout
    assert "the right backward: passed" in out
    assert re.search(r"^dW\[\d, \d\]: your backward gives .*, the reverse pass gives ", out,
                     re.M)
    assert "sum over the batch" in out
