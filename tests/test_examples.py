"""Every script in examples/ runs and prints the numbers the course material gives."""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(name: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", line)]


def test_worked_example_prints_the_rounded_course_figures() -> None:
    out = run("worked_example.py")
    assert "z = 6.9, dz/dx1 = 2.58, dz/dx2 = 2" in out
    assert "w3 = sin(w1) = sin(2) = 0.9093" in out
    assert "w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584" in out


def printed(out: str, label: str) -> list:
    """Every value printed as ``label = <JSON>`` (leading spaces and padding allowed)."""
    pattern = re.compile(r"\s*" + re.escape(label) + r"\s*= ")
    found = []
    for line in out.splitlines():
        m = pattern.match(line)
        if m:
            found.append(json.JSONDecoder().raw_decode(line[m.end():])[0])
    assert found, f"nothing printed as {label!r}"
    return found


def section(out: str, heading: str) -> str:
    """The lines from the one starting with ``heading`` to the next blank line."""
    text = out[out.index(heading):]
    return text.split("\n\n", 1)[0]


def central_differences(f, arrays: dict[str, np.ndarray], h: float = 1e-6) -> dict[str, np.ndarray]:
    """∂f/∂(every entry of every array), by (f(θ + h e) − f(θ − h e)) / 2h."""
    grads = {}
    for name, a in arrays.items():
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = {k: v.copy() for k, v in arrays.items()}
            minus = {k: v.copy() for k, v in arrays.items()}
            plus[name][idx] += h
            minus[name][idx] -= h
            g[idx] = (f(**plus) - f(**minus)) / (2 * h)
        grads[name] = g
    return grads


def test_xor_matrix_form_gives_the_slides_matrices() -> None:
    out = run("xor.py")
    primal = section(out, "Primal trace")
    # worked-examples.md section 5, number for number
    assert printed(primal, "XW") == [[[0, 0], [1, 1], [1, 1], [2, 2]]]
    assert printed(primal, "XW + c") == [[[0, -1], [1, 0], [1, 0], [2, 1]]]
    assert printed(primal, "ReLU") == [[[0, 0], [1, 0], [1, 0], [2, 1]]]
    assert printed(primal, "f(X)") == [[0, 1, 1, 0]]
    assert "w6 = w1@w2" in primal and "h = relu(w7)" in primal  # the tool's own nodes
    assert printed(out, "f(x1, x2)") == [[0, 1, 1, 0]]  # the scalar network, batch of points
    assert "at the slide's parameters: L = 0.0" in out


def test_xor_loss_gradient_equals_finite_differences() -> None:
    out = run("xor.py")
    moved = section(out, "at moved parameters")
    X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0], dtype=float)
    theta = {n: np.array(printed(moved, n)[0], dtype=float) for n in ("W", "c", "w", "b")}
    assert theta["W"].tolist() != [[1, 1], [1, 1]]

    def loss(W, c, w, b):
        return np.mean((np.maximum(0, X @ W + c) @ w + b - y) ** 2)

    pre = X @ theta["W"] + theta["c"]
    assert np.abs(pre).min() > 0.05  # away from ReLU's kink: differences are valid
    L = loss(**theta)
    assert L > 0.01 and printed(moved, "L")[0] == pytest.approx(L, abs=1e-12)
    fd = central_differences(loss, theta)
    grads = section(out, "Gradient of L")
    for name in theta:
        got = np.array(printed(grads, f"dL/d{name}")[0])
        assert got.shape == fd[name].shape
        np.testing.assert_allclose(got, fd[name], atol=1e-8, rtol=0)
    # the adjoints of the matrix-form backward pass: f̄ = 2(f − y)/4, h̄ = f̄ wᵀ
    fbar = 2 * (np.maximum(0, pre) @ theta["w"] + theta["b"] - y) / 4
    np.testing.assert_allclose(printed(moved, "dL/d(f(X))")[0], fbar, atol=1e-12)
    np.testing.assert_allclose(printed(moved, "dL/d(ReLU)")[0], np.outer(fbar, theta["w"]),
                               atol=1e-12)
    np.testing.assert_allclose(printed(moved, "dL/d(XW + c)")[0],
                               np.outer(fbar, theta["w"]) * (pre > 0), atol=1e-12)


def test_logistic_unit_gradient_is_p_minus_y() -> None:
    out = run("logistic_unit.py")
    h = 0.5 * 2.0 + (-1.0) * 1.0 + 0.1
    p = 1 / (1 + math.exp(-h))
    line = next(x for x in out.splitlines() if x.startswith("dL/dh"))
    got, expected = numbers(line)[0], numbers(line)[1]
    assert got == pytest.approx(p - 1, abs=1e-6) and expected == pytest.approx(p - 1, abs=1e-6)
    assert numbers(next(x for x in out.splitlines() if x.startswith("dL/dw1")))[-1] == \
        pytest.approx((p - 1) * 2.0, abs=1e-6)


def test_softmax_gradient_is_s_minus_y_and_the_jacobian_is_not_diagonal() -> None:
    out = run("softmax_cross_entropy.py")
    z = np.array([1.0, 2.0, 0.5])
    y = np.array([0.0, 1.0, 0.0])
    s = np.exp(z) / np.exp(z).sum()
    assert printed(out, "z")[0] == z.tolist()
    np.testing.assert_allclose(printed(out, "s")[0], s, atol=1e-12)
    assert printed(out, "L")[0] == pytest.approx(-np.log(s[1]), abs=1e-12)
    gradients = printed(out, "dL/dz")
    assert len(gradients) == 3  # cross_entropy, -sum(y*log(s)), -sum(y*log_softmax(z))
    for g in gradients:
        np.testing.assert_allclose(g, s - y, atol=1e-12)
    jacobian = np.diag(s) - np.outer(s, s)
    np.testing.assert_allclose(printed(out, "by reverse passes (rows)")[0], jacobian, atol=1e-12)
    np.testing.assert_allclose(printed(out, "by forward passes (columns)")[0], jacobian,
                               atol=1e-12)
    # s ⊙ (1 − s) is the diagonal only: the off-diagonal entries are −s_i s_j, not 0
    np.testing.assert_allclose(printed(out, "diagonal of the Jacobian")[0], s * (1 - s),
                               atol=1e-12)
    np.testing.assert_allclose(printed(out, "s * (1 - s)")[0], s * (1 - s), atol=1e-12)
    off = printed(out, "off-diagonal entries -s_i s_j")[0]
    assert sorted(off) == pytest.approx(sorted(-np.outer(s, s)[~np.eye(3, dtype=bool)]))
    assert min(abs(v) for v in off) > 0.03
    np.testing.assert_allclose(printed(out, "the full Jacobian, J^T dL/ds")[0], s - y, atol=1e-12)
    wrong = np.array(printed(out, "the diagonal, s*(1 - s)*dL/ds")[0])
    assert np.abs(wrong - (s - y)).max() > 0.1
    assert "loss unchanged by adding 10 to every z: True" in out


def test_softmax_cross_entropy_on_a_batch_of_rows_averages() -> None:
    batch = section(run("softmax_cross_entropy.py"), "batch:")
    Z = np.array(printed(batch, "batch: Z")[0])
    labels = np.array(json.loads(batch.split("class indices y = ")[1].splitlines()[0]))
    S = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)

    def loss(Z):
        return -np.mean(np.log((np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
                               [np.arange(len(Z)), labels]))

    assert printed(batch, "L")[0] == pytest.approx(loss(Z), abs=1e-12)
    got = np.array(printed(batch, "dL/dZ")[0])
    np.testing.assert_allclose(got, (S - np.eye(3)[labels]) / len(Z), atol=1e-12)
    np.testing.assert_allclose(got, central_differences(loss, {"Z": Z})["Z"], atol=1e-8)


def test_softmax_homework_grades_the_slides_diagonal_answers_wrong_and_says_why() -> None:
    homework = section(run("softmax_cross_entropy.py"), "homework:")
    z = np.array([1.0, 2.0, 0.5])
    y = np.array([0.0, 1.0, 0.0])
    s = np.exp(z) / np.exp(z).sum()
    lines = homework.splitlines()
    scores = {}
    for i, line in enumerate(lines):
        found = re.match(r"  (.+): answer (\[.*\]), score (\S+)/(\S+)$", line)
        if found:
            answer = np.array(json.loads(found.group(2)))
            scores[found.group(1)] = (answer, float(found.group(3)),
                                      lines[i + 1] if i + 1 < len(lines) else "")
    right, diag_chain, diag = (scores[k] for k in (
        "right (s - y)", "diagonal chain rule (s*(1-s) * dL/ds)", "s*(1-s) itself"))
    np.testing.assert_allclose(right[0], s - y, atol=5e-4)
    np.testing.assert_allclose(diag_chain[0], s * (1 - s) * (-y / s), atol=5e-4)
    np.testing.assert_allclose(diag[0], s * (1 - s), atol=5e-4)
    assert (right[1], diag_chain[1], diag[1]) == (1.0, 0.0, 0.0)
    assert "only the diagonal of its Jacobian" in diag_chain[2]
    assert "diag(s) − s sᵀ" in diag_chain[2] and "not elementwise" in diag_chain[2]
    assert diag[2].strip().startswith("this is s ⊙ (1 − s), not the adjoint of z")


def mlp_loss(X, Y, W1, b1, W2, b2, lam):
    """J of examples/mlp.py in plain numpy; the columns of X and Y are examples."""
    yhat = 1 / (1 + np.exp(-(W2 @ np.tanh(W1 @ X + b1) + b2)))
    return np.mean((yhat - Y) ** 2) + lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


@pytest.mark.parametrize("m", [1, 4])
def test_mlp_matrix_form_matches_the_textbook_algorithm_and_differences(m: int) -> None:
    out = run("mlp.py")
    case = section(out, "one example" if m == 1 else "a mini-batch")
    assert f"m = {m}" in case.splitlines()[0]
    at = {n: np.array(printed(case, n)[0], dtype=float)
          for n in ("X", "Y", "W1", "b1", "W2", "b2", "lam")}
    assert at["X"].shape == (2, m) and at["b1"].shape == (3, 1)  # column vectors
    assert at["lam"] > 0
    J = mlp_loss(**at)
    assert printed(case, "J")[0] == pytest.approx(J, abs=1e-12)
    params = {n: at[n] for n in ("W1", "b1", "W2", "b2")}
    fd = central_differences(lambda **p: mlp_loss(**(at | p)), params)
    for name in params:
        got = np.array(printed(case, f"dJ/d{name}")[0])
        assert got.shape == params[name].shape
        np.testing.assert_allclose(got, fd[name], atol=1e-8, rtol=0)
    textbook = numbers(next(x for x in case.splitlines() if "textbook backward algorithm" in x))
    assert textbook[-1] < 1e-12
    if m == 1:
        scalar = next(x for x in case.splitlines() if "scalar-expanded program" in x)
        assert numbers(scalar)[-1] < 1e-12
    assert numbers(out.splitlines()[-1])[-1] < 1e-12


def test_python_function_front_end() -> None:
    out = run("python_function.py")
    assert out.splitlines()[-1] == "True"
    assert "'x2': 2.0" in out
