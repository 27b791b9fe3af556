"""The textbook backward algorithm view (issue 9, "Views"): autodiff_viz/views/backprop.py.

Oracle: the backward algorithm of the course (worked examples, section 5) written out
in numpy in this file, independently of the tool: g ← ∇ŷ J; for k = l … 1:
g ← g ⊙ f'(a(k)); ∇b(k) J = g + λ∇b(k) Ω; ∇W(k) J = g h(k−1)ᵀ + λ∇W(k) Ω;
g ← W(k)ᵀ g (with the examples as rows: h(k−1)ᵀ g and g W(k)ᵀ; a bias added to every
example sums g over them). The printed numbers are read back from the view's one-line
ASCII form at 15 significant digits and compared with the numpy ones; the structured
steps are compared at full precision; the default Unicode view is checked to hold the
numpy matrices as aligned blocks.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.views import arrays
from autodiff_viz.views.backprop import (FALLBACK, NotAChain, backprop_steps, find_network,
                                         render_backprop)
from autodiff_viz.views.text import render_text

COLUMNS = """
a1 = W1@X + b1
h1 = tanh(a1)
a2 = W2@h1 + b2
yhat = sigmoid(a2)
J = mse(yhat, Y) + lam*(sum(W1*W1) + sum(W2*W2))
"""
ROWS = """
H1 = relu(X@W1 + b1)
yhat = H1@W2 + b2
J = mse(yhat, Y) + lam*norm2(W1)^2 + lam*norm2(W2)^2
"""
XOR = "h = relu(X@W + c)\nf = h@w + b"
XOR_AT = {"X": [[0, 0], [1, 0], [0, 1], [1, 1]], "W": [[1, 1], [1, 1]], "c": [0, -1],
          "w": [1, -2], "b": 0}


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def textbook(at: dict, fs: list, fps: list, rows: bool, n: int) -> dict[str, np.ndarray]:
    """The course's backward algorithm in numpy for J = mse(ŷ, Y) + λ Σ‖W(k)‖²:
    ∇ŷ J, and per layer k the g after ⊙, ∇b(k) J, ∇W(k) J and the g passed down."""
    Ws = [np.asarray(at[f"W{k}"], float) for k in range(1, n + 1)]
    bs = [np.asarray(at[f"b{k}"], float) for k in range(1, n + 1)]
    X, Y, lam = np.asarray(at["X"], float), np.asarray(at["Y"], float), at["lam"]
    h, a = [X], []
    for W, b, f in zip(Ws, bs, fs):                    # forward
        a.append((h[-1] @ W if rows else W @ h[-1]) + b)
        h.append(f(a[-1]))
    g = 2 * (h[-1] - Y) / h[-1].size                   # g ← ∇ŷ J
    out = {"yhat": g}
    for k in reversed(range(n)):
        g = g * fps[k](a[k])                           # g ← g ⊙ f'(a(k))
        out[f"g{k + 1}"] = g
        if rows:
            out[f"b{k + 1}"] = g.sum(axis=0) if g.ndim == 2 else g          # + λ∇b Ω = 0
            out[f"W{k + 1}"] = h[k].T @ g + lam * 2 * Ws[k]                # + λ∇W Ω = 2λW
            g = g @ Ws[k].T                                              # g ← g W(k)ᵀ
        else:
            out[f"b{k + 1}"] = g.sum(axis=1, keepdims=True) if bs[k].ndim == 2 else g
            out[f"W{k + 1}"] = (g @ h[k].T if g.ndim == 2 else np.outer(g, h[k])) \
                + lam * 2 * Ws[k]
            g = Ws[k].T @ g                                              # g ← W(k)ᵀ g
        out[f"back{k + 1}"] = g
    return out


def value_after(out: str, start: str) -> np.ndarray:
    """The value at the end of the (one-line) step whose text begins with ``start``:
    after its last `` = `` and before the name in the margin."""
    line = next(x.strip() for x in out.splitlines() if x.strip().startswith(start)
                or re.sub(r"^layer \d+:\s+", "", x.strip()).startswith(start))
    text = line.rsplit(" = ", 1)[1].split("    ")[0].strip()
    if text.startswith("["):
        return np.array([[float(v) for v in r.split(",")] for r in text[1:-1].split(";")])
    return np.array(float(text))


def check_printed(out: str, oracle: dict, n: int, linear: tuple[int, ...] = ()) -> None:
    """Every value of the ASCII one-line view against the numpy algorithm; the layers
    in ``linear`` have no activation (g stays as it is)."""
    def same(got: np.ndarray, want: np.ndarray) -> None:
        np.testing.assert_allclose(got.ravel(), np.ravel(want), rtol=1e-12, atol=1e-13)

    same(value_after(out, "g <- grad_yhat J ="), oracle["yhat"])
    for k in range(n, 0, -1):
        if k in linear:
            assert f"g <- g * f'(a{k}) = g    (no activation: f(a) = a)" in out
        else:
            same(value_after(out, f"g <- g * f'(a{k}) ="), oracle[f"g{k}"])
        same(value_after(out, f"grad_b{k} J ="), oracle[f"b{k}"])
        same(value_after(out, f"grad_W{k} J ="), oracle[f"W{k}"])
        back = [x for x in out.splitlines() if f"W{k}.T" in x and "<-" in x]
        assert len(back) == 1
        same(value_after(out, back[0].strip()[:12]), oracle[f"back{k}"])


def columns_point(m: int | None) -> dict:
    rng = np.random.default_rng(7)
    shape = (m,) if m is None else (2, m)
    X = rng.normal(size=2) if m is None else rng.normal(size=shape)
    Y = rng.uniform(size=2) if m is None else rng.uniform(size=(2, m))
    col = (lambda r: rng.normal(size=r)) if m is None else (lambda r: rng.normal(size=(r, 1)))
    return {"X": X, "Y": Y, "W1": rng.normal(size=(3, 2)), "b1": col(3),
            "W2": rng.normal(size=(2, 3)), "b2": col(2), "lam": 0.05}


@pytest.mark.parametrize("m", [None, 4], ids=["one example (vectors)", "4 examples (columns)"])
def test_columns_mlp_prints_the_textbook_numbers(m: int | None) -> None:
    at = columns_point(m)
    t = av.trace(COLUMNS, at=at, mode="reverse")
    oracle = textbook(at, [np.tanh, sigmoid],
                      [lambda a: 1 - np.tanh(a) ** 2, lambda a: sigmoid(a) * (1 - sigmoid(a))],
                      rows=False, n=2)
    out = render_backprop(t, digits=15, style="text", inline=True)
    check_printed(out, oracle, 2)
    # the same numbers in the records the view read, at full precision
    steps = {(s.layer, s.kind): s for s in backprop_steps(t)}
    np.testing.assert_allclose(steps[0, "output"].value, oracle["yhat"], rtol=1e-13)
    for k in (1, 2):
        np.testing.assert_allclose(steps[k, "activation"].value, oracle[f"g{k}"], rtol=1e-13)
        np.testing.assert_allclose(steps[k, "bias"].value, oracle[f"b{k}"], rtol=1e-13)
        np.testing.assert_allclose(steps[k, "weight"].value, oracle[f"W{k}"], rtol=1e-13)
        np.testing.assert_allclose(steps[k, "back"].value, oracle[f"back{k}"], rtol=1e-13)
        # ∇W(k) J = g h(k−1)ᵀ + λ∇W(k) Ω: the layer's term and the weight decay's (2λW,
        # in two halves: W*W has W twice)
        np.testing.assert_allclose(sum(steps[k, "weight"].decay), 2 * at["lam"] * at[f"W{k}"])
        assert steps[k, "bias"].decay == ()
        assert steps[k, "bias"].summed == (m is not None)  # Σ over the m columns
    # the terminal view: the textbook's symbols, the program's names, aligned blocks
    shown = render_backprop(t)
    for text in ("g ← ∇ŷ J = ", "layer 2:  g ← g ⊙ f'(a(2)) = ",
                 "∇W(2) J = g h(1)ᵀ + λ∇W(2) Ω = ", "g ← W(2)ᵀ g = ",
                 "layer 1:  a(1) = W(1) h(0) + b(1)  a1 = W1@X + b1",
                 "h(1) = f(a(1))", "h1 = tanh(a1)", "ŷ = h(2) = f(a(2))", "yhat = σ(a2)",
                 "J = L(ŷ, y) + λΩ", "J = mse(yhat, Y) + lam·(sum(W1·W1) + sum(W2·W2))",
                 "∂J/∂W1", "∂J/∂b2", "ā1", "h̄1"):
        assert text in shown, text
    assert ("∇b(1) J = Σg + λ∇b(1) Ω" if m else "∇b(1) J = g + λ∇b(1) Ω") in shown
    lines = shown.splitlines()
    block = arrays.block(oracle["W1"], 4).split("\n")
    at_row = [i for i, line in enumerate(lines) if block[0] in line]
    assert any(all(row in lines[i + j] for j, row in enumerate(block)) for i in at_row), \
        "∇W(1) J is not printed as the numpy matrix, row under row"


def test_rows_as_examples_mlp_prints_the_textbook_numbers() -> None:
    rng = np.random.default_rng(3)
    at = {"X": rng.normal(size=(5, 3)), "Y": rng.normal(size=(5, 2)),
          "W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
          "W2": rng.normal(size=(4, 2)), "b2": rng.normal(size=2), "lam": 0.1}
    t = av.trace(ROWS, at=at, mode="reverse")
    oracle = textbook(at, [lambda a: np.maximum(a, 0), lambda a: a],
                      [lambda a: (a > 0).astype(float), lambda a: np.ones_like(a)],
                      rows=True, n=2)
    out = render_backprop(t, digits=15, style="text", inline=True, max_matrix=(8, 8))
    check_printed(out, oracle, 2, linear=(2,))
    for text in ("grad_W1 J = h0.T g + lam grad_W1 Omega", "g <- g W2.T",
                 "a1 = h0 W1 + b1", "grad_b1 J = sum(g) + lam grad_b1 Omega",
                 "J = mse(yhat, Y) + lam*norm2(W1)^2 + lam*norm2(W2)^2"):
        assert text in out, text


def test_xor_network_of_the_readme() -> None:
    """README "Vectors and matrices": ∂f/∂W = [2 −2; 2 −2] and the bias summed over rows."""
    t = av.trace(XOR, at=XOR_AT, mode="reverse")
    out = render_backprop(t, style="text", inline=True)
    assert value_after(out, "grad_W1 J = h0.T g =").tolist() == [[2, -2], [2, -2]]
    assert float(value_after(out, "grad_b2 J = sum(g) =")) == 4
    assert value_after(out, "grad_b1 J = sum(g) =").ravel().tolist() == [3, -2]
    assert "(f is 4, not a number: its seed is all ones" in out
    net = find_network(t)
    assert [t.graph.nodes[L.W].name for L in net.layers] == ["W", "w"]
    assert all(L.rows for L in net.layers)


def test_three_layers_without_weight_decay_and_a_layer_without_bias() -> None:
    at = {"W1": [[1.0, -0.5], [0.3, 0.8]], "x": [0.7, -1.2], "W2": [[0.5, -1.0], [2.0, 0.1]],
          "b2": [0.2, -0.3], "W3": [[1.5, -0.7]], "b3": [0.1], "y": [0.4]}
    src = ("h1 = tanh(W1@x)\nh2 = leaky_relu(W2@h1 + b2)\nyhat = W3@h2 + b3\n"
           "J = mse(yhat, y)")
    t = av.trace(src, at=at, mode="reverse")
    out = render_backprop(t, digits=15, style="text", inline=True)
    assert "lam" not in out and "Omega" not in out
    assert "grad_b1" not in out  # layer 1 has no bias
    W1, x, W2, b2 = (np.array(at[k]) for k in ("W1", "x", "W2", "b2"))
    W3, b3, y = (np.array(at[k]) for k in ("W3", "b3", "y"))
    a1 = W1 @ x
    h1 = np.tanh(a1)
    a2 = W2 @ h1 + b2
    h2 = np.where(a2 > 0, a2, 0.01 * a2)
    yhat = W3 @ h2 + b3
    g = 2 * (yhat - y) / yhat.size
    want = {"W3": np.outer(g, h2), "b3": g}
    g = W3.T @ g * np.where(a2 > 0, 1, 0.01)
    want |= {"W2": np.outer(g, h1), "b2": g}
    g = W2.T @ g * (1 - np.tanh(a1) ** 2)
    want |= {"W1": np.outer(g, x)}
    for name, v in want.items():
        got = value_after(out, f"grad_{name} J =")
        np.testing.assert_allclose(got.ravel(), v.ravel(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(value_after(out, "g <- W1.T g =").ravel(), W1.T @ g, rtol=1e-12)


@pytest.mark.parametrize("src, at, why", [
    ("sin(x1) + x1*x2", {"x1": 2, "x2": 3}, "no matrix product W@h (or h@W) with W an input"),
    ("h1 = relu(W1@x + b1)\nJ = sum(W2@h1 + h1)",
     {"W1": [[1, 2], [3, 4]], "x": [1, 1], "b1": [0, 0], "W2": [[1, 0], [0, 1]]},
     "h1 is used by"),
    ("h1 = relu(W1@x + b1)\nJ = sum(W1@h1)", {"W1": [[1, 2], [3, 4]], "x": [1, 1], "b1": [0, 0]},
     "W1 has two places in the layers"),
    ("h1 = relu(W1@x + b1)\nJ = sum(h1)*sum(W1*W1)",
     {"W1": [[1, 2], [3, 4]], "x": [1, 1], "b1": [0, 0]},
     "the weight decay is not added to the loss: J = sum(h1)*sum(W1*W1)"),
])
def test_a_graph_of_another_form_gets_the_reverse_trace(src: str, at: dict, why: str) -> None:
    t = av.trace(src, at=at, mode="reverse")
    out = render_backprop(t)
    lines = out.splitlines()
    assert lines[0] == FALLBACK
    assert lines[1].startswith("(") and why in lines[1]
    assert out.endswith(render_text(t))  # the normal text view, in full
    with pytest.raises(NotAChain, match=re.escape(why)):
        backprop_steps(t)


def test_no_reverse_pass_says_so() -> None:
    t = av.trace(XOR, at=XOR_AT, mode="primal")
    out = render_backprop(t, style="text")
    assert out.splitlines()[:2] == [FALLBACK, "(the trace has no reverse pass: trace with mode "
                                              "reverse (or both))"]


def test_large_matrices_are_summarised() -> None:
    rng = np.random.default_rng(0)
    at = {"X": rng.normal(size=(6, 10)), "W1": rng.normal(size=(8, 6)),
          "b1": rng.normal(size=(8, 1)), "W2": rng.normal(size=(1, 8)),
          "b2": rng.normal(size=(1, 1)), "Y": rng.uniform(size=(1, 10))}
    t = av.trace("yhat = sigmoid(W2@relu(W1@X + b1) + b2)\nJ = mse(yhat, Y)", at=at,
                 mode="reverse")
    out = render_backprop(t)
    assert "8×6 matrix" in out and "∇W(1) J = g h(0)ᵀ = " in out
    assert out.splitlines()[0].startswith("J = mse(")


# -- the command line ---------------------------------------------------------------------
CLI_AT = "X=[[0,0],[1,0],[0,1],[1,1]],W=[[1,1],[1,1]],c=[0,-1],w=[1,-2],b=0"


def test_cli_format_backprop(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", XOR, "--at", CLI_AT, "--format", "backprop"]) == 0
    out = capsys.readouterr().out
    t = av.trace(XOR, at=XOR_AT, mode="both")
    assert out.rstrip("\n") == render_backprop(t)
    assert "∇W(1) J = h(0)ᵀ g = ⎡2 −2⎤    ∂f/∂W" in out
    assert main(["trace", XOR, "--at", CLI_AT, "--format", "backprop", "--ascii",
                 "--mode", "reverse"]) == 0
    out = capsys.readouterr().out
    assert "layer 1:  g <- g * f'(a1) = " in out and "g <- g W1.T = " in out
    assert out.isascii()


def test_cli_format_backprop_falls_back(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "sin(x1) + x1*x2", "--at", "x1=2,x2=3", "--format", "backprop"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == FALLBACK and "Reverse trace for z" in out


def test_reverse_pass_for_the_parameters_only() -> None:
    """With ``params`` (reverse mode for chosen inputs: no adjoint for the data X), the
    algorithm has the same ∇W and ∇b and omits layer 1's g ← W(1)ᵀ g (X has no adjoint)."""
    at = columns_point(3)
    t = av.trace(COLUMNS, at=at, mode="reverse", params=["W1", "b1", "W2", "b2"])
    oracle = textbook(at, [np.tanh, sigmoid],
                      [lambda a: 1 - np.tanh(a) ** 2, lambda a: sigmoid(a) * (1 - sigmoid(a))],
                      rows=False, n=2)
    steps = {(s.layer, s.kind): s for s in backprop_steps(t)}
    for k in (1, 2):
        np.testing.assert_allclose(steps[k, "weight"].value, oracle[f"W{k}"], rtol=1e-13)
        np.testing.assert_allclose(steps[k, "bias"].value, oracle[f"b{k}"], rtol=1e-13)
    np.testing.assert_allclose(steps[2, "back"].value, oracle["back2"], rtol=1e-13)
    assert (1, "back") not in steps and "∂J/∂X" not in render_backprop(t)
    only_b2 = av.trace(COLUMNS, at=at, mode="reverse", params="b2")
    assert [(s.layer, s.kind) for s in backprop_steps(only_b2)] == [
        (0, "output"), (2, "activation"), (2, "bias")]
    assert "J = L(ŷ, y) + λΩ" in render_backprop(only_b2)  # the weight decay is still J's
    with pytest.raises(NotAChain, match="visits no layer"):
        backprop_steps(av.trace(COLUMNS, at=at, mode="reverse", params="Y"))
