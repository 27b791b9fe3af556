"""A two-layer MLP in matrix form, checked against the textbook backward algorithm.

Column vectors throughout, as in the textbook: an example x is a column (2x1),
W(k) maps layer k-1 to layer k (W1 is 3x2, W2 is 2x3), b(k) is a column, and

    h(0) = x,  a(k) = W(k) h(k-1) + b(k),  h(k) = f(k)(a(k)),  yhat = h(2),
    J = L(yhat, y) + lam * Omega,  Omega = sum(W1*W1) + sum(W2*W2),

with f(1) = tanh, f(2) = sigmoid and L = mse (the mean of the squared errors).
The tool traces this program and one reverse pass gives every gradient. The oracle
is the textbook backward algorithm written by hand in numpy below:

    g <- grad_yhat J
    for k = 2, 1:  g <- g * f'(a(k))            (this g is the adjoint of a(k))
                   grad_b(k) J = g + lam grad_b(k) Omega      (grad_b Omega = 0)
                   grad_W(k) J = g h(k-1)^T + lam grad_W(k) Omega  (= ... + 2 lam W(k))
                   g <- W(k)^T g

The same program is then run on a mini-batch whose m columns are m examples
(X is 2xm, b(k) is added to every column): g becomes a matrix G, g h^T becomes
G H^T (a sum over the examples) and grad_b = G 1 (the tool's adjoint of a
broadcast b is that same sum).

Second oracle, for the single example: the old form of this example, the same
network expanded to a scalar program (one node per multiplication) by string
formatting; its gradients are the same numbers.

Matrices are printed as JSON lists: `python examples/mlp.py`.
"""
import json

import numpy as np

import autodiff_viz as av

MLP = """
a1 = W1@X + b1
h1 = tanh(a1)
a2 = W2@h1 + b2
yhat = sigmoid(a2)
J = mse(yhat, Y) + lam*(sum(W1*W1) + sum(W2*W2))
"""
PARAMETERS = ("W1", "b1", "W2", "b2")


def show(value: object) -> str:
    """A number, vector or matrix as JSON, rounded to 12 decimals (no -0.0)."""
    return json.dumps((np.round(np.asarray(value, dtype=float), 12) + 0.0).tolist())


def textbook_backward(X, Y, W1, b1, W2, b2, lam):
    """The textbook algorithm in numpy; the columns of X and Y are examples."""
    W, b = [W1, W2], [b1, b2]
    f = [np.tanh, lambda a: 1 / (1 + np.exp(-a))]
    f_prime = [lambda a: 1 - np.tanh(a) ** 2, lambda a: f[1](a) * (1 - f[1](a))]
    h, a = [X], []
    for k in range(2):                                   # forward
        a.append(W[k] @ h[k] + b[k])
        h.append(f[k](a[k]))
    yhat = h[2]
    J = np.mean((yhat - Y) ** 2) + lam * (np.sum(W1 * W1) + np.sum(W2 * W2))
    grads, g_of_a = {}, {}
    g = 2 * (yhat - Y) / yhat.size                       # g <- grad_yhat J
    for k in (1, 0):                                     # backward: layers 2, 1
        g = g * f_prime[k](a[k])                         # g <- g * f'(a(k))
        g_of_a[f"a{k + 1}"] = g
        grads[f"b{k + 1}"] = g.sum(axis=1, keepdims=True) + lam * 0  # + lam grad_b Omega
        grads[f"W{k + 1}"] = g @ h[k].T + lam * 2 * W[k]  # g h(k-1)^T + lam grad_W Omega
        g = W[k].T @ g                                   # g <- W(k)^T g
    return J, grads, g_of_a


def scalar_program() -> str:
    """The single-example MLP expanded to scalars, as this example used to be built."""
    lines = []
    for i in range(3):
        terms = " + ".join(f"W1_{i}{j}*x{j}" for j in range(2))
        lines += [f"a1_{i} = {terms} + b1_{i}", f"h1_{i} = tanh(a1_{i})"]
    for i in range(2):
        terms = " + ".join(f"W2_{i}{j}*h1_{j}" for j in range(3))
        lines += [f"a2_{i} = {terms} + b2_{i}", f"yhat_{i} = sigmoid(a2_{i})"]
    squares = " + ".join(f"(yhat_{i} - y{i})^2" for i in range(2))
    weights = " + ".join([f"W1_{i}{j}^2" for i in range(3) for j in range(2)]
                         + [f"W2_{i}{j}^2" for i in range(2) for j in range(3)])
    lines.append(f"J = ({squares})/2 + lam*({weights})")
    return "\n".join(lines)


def scalar_inputs(at: dict) -> dict:
    out = {"lam": at["lam"]}
    out |= {f"x{j}": at["X"][j, 0] for j in range(2)} | {f"y{i}": at["Y"][i, 0] for i in range(2)}
    for k, (rows, cols) in ((1, (3, 2)), (2, (2, 3))):
        out |= {f"W{k}_{i}{j}": at[f"W{k}"][i, j] for i in range(rows) for j in range(cols)}
        out |= {f"b{k}_{i}": at[f"b{k}"][i, 0] for i in range(rows)}
    return out


def scalar_gradients(t: av.Trace) -> dict:
    """Reassemble the scalar program's gradients into matrices and columns."""
    g = t.gradient
    return {"W1": np.array([[g[f"W1_{i}{j}"] for j in range(2)] for i in range(3)]),
            "b1": np.array([[g[f"b1_{i}"]] for i in range(3)]),
            "W2": np.array([[g[f"W2_{i}{j}"] for j in range(3)] for i in range(2)]),
            "b2": np.array([[g[f"b2_{i}"]] for i in range(2)])}


rng = np.random.default_rng(1)


def draw(*shape: int) -> np.ndarray:
    return np.round(rng.normal(size=shape), 2)  # two decimals: short to print, exact to re-read


theta = {"W1": draw(3, 2), "b1": draw(3, 1), "W2": draw(2, 3), "b2": draw(2, 1), "lam": 0.01}
cases = {"one example (x and y are columns)": 1, "a mini-batch of 4 columns": 4}
differences = []
for title, m in cases.items():
    at = theta | {"X": draw(2, m), "Y": np.round(rng.uniform(size=(2, m)), 2)}
    t = av.trace(MLP, at=at, mode="reverse", output="J")
    J, oracle, g_of_a = textbook_backward(**at)
    adjoints = {r.name: r.adjoint for r in t.reverse_steps()}
    print(f"{title}, m = {m}")
    for name in ("lam", "X", "Y") + PARAMETERS:
        print(f"  {name:<8}= {show(at[name])}")
    print(f"  J       = {show(t.value)}   (numpy: {show(J)})")
    worst = abs(float(t.value) - J)
    for name in PARAMETERS:
        print(f"  dJ/d{name:<4}= {show(t.gradient[name])}")
        print(f"  textbook= {show(oracle[name])}")
        worst = max(worst, np.abs(t.gradient[name] - oracle[name]).max())
    for name in ("a2", "a1"):  # the textbook's g after g <- g * f'(a(k)) is the adjoint of a(k)
        worst = max(worst, np.abs(adjoints[name] - g_of_a[name]).max())
    print(f"  max difference from the textbook backward algorithm (J, every gradient, "
          f"g = adjoint of a2 and a1): {worst:.3g}")
    differences.append(worst)
    if m == 1:
        scalar = av.trace(scalar_program(), at=scalar_inputs(at), mode="reverse", output="J")
        expanded = scalar_gradients(scalar)
        gap = max(np.abs(t.gradient[n] - expanded[n]).max() for n in PARAMETERS)
        gap = max(gap, abs(float(scalar.value) - float(t.value)))
        print(f"  scalar-expanded program: {len(scalar.graph.nodes)} nodes against "
              f"{len(t.graph.nodes)}; max difference: {gap:.3g}")
        differences.append(gap)
    print()
print(f"max difference over all parameters and both cases: {max(differences):.3g}")
