"""A small MLP (2 inputs, 3 tanh hidden units, 1 linear output, squared error)
expanded to scalars, checked against the textbook backward algorithm in numpy:
g <- dJ/dy; for each layer: g <- g * f'(a); dW = g h^T; db = g; g <- W^T g.

Run:  python examples/mlp.py
"""
import numpy as np

import autodiff_viz as av

rng = np.random.default_rng(1)
W1, b1 = rng.normal(size=(3, 2)), rng.normal(size=3)
W2, b2 = rng.normal(size=(1, 3)), rng.normal(size=1)
x, y = np.array([0.5, -1.2]), 0.7

lines = []
for i in range(3):
    terms = " + ".join(f"W1_{i}{j}*x{j}" for j in range(2))
    lines += [f"a{i} = {terms} + b1_{i}", f"h{i} = tanh(a{i})"]
lines.append("yhat = " + " + ".join(f"W2_0{i}*h{i}" for i in range(3)) + " + b2_0")
lines.append("J = 0.5*(yhat - y)^2")
program = "\n".join(lines)

at = {f"x{j}": x[j] for j in range(2)} | {"y": y}
at |= {f"W1_{i}{j}": W1[i, j] for i in range(3) for j in range(2)}
at |= {f"b1_{i}": b1[i] for i in range(3)} | {f"W2_0{i}": W2[0, i] for i in range(3)}
at |= {"b2_0": b2[0]}
t = av.trace(program, at=at, mode="reverse", output="J")

# the textbook algorithm, by hand in numpy
a1 = W1 @ x + b1
h1 = np.tanh(a1)
yhat = W2 @ h1 + b2
g = yhat - y                    # dJ/dyhat
dW2, db2 = np.outer(g, h1), g
g = W2.T @ g                    # back through the output layer
g = g * (1 - np.tanh(a1) ** 2)  # g * f'(a)
dW1, db1 = np.outer(g, x), g

ours_W1 = np.array([[t.gradient[f"W1_{i}{j}"] for j in range(2)] for i in range(3)])
print(f"graph: {len(t.graph)} nodes, J = {t.value:.6f}")
print("dJ/dW1 (autodiff_viz):", np.round(ours_W1, 6).tolist())
print("dJ/dW1 (textbook):    ", np.round(dW1, 6).tolist())
print("max difference over all parameters:",
      max(abs(ours_W1 - dW1).max(), abs(np.array([t.gradient[f"b1_{i}"] for i in range(3)]) - db1).max(),
          abs(np.array([t.gradient[f"W2_0{i}"] for i in range(3)]) - dW2[0]).max(),
          abs(t.gradient["b2_0"] - db2[0])))
