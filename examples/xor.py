"""The two-layer XOR network f(x) = w^T max(0, W^T x + c) + b, written with scalars.

W = [[1, 1], [1, 1]], c = [0, -1], w = [1, -2], b = 0; on the four inputs it
gives [0, 1, 1, 0]. The inputs are numpy arrays: one graph, four points.

Run:  python examples/xor.py
"""
import numpy as np

import autodiff_viz as av

XOR = """
a1 = 1*x1 + 1*x2 + 0
a2 = 1*x1 + 1*x2 - 1
h1 = relu(a1)
h2 = relu(a2)
f = 1*h1 - 2*h2 + 0
"""
X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
t = av.trace(XOR, at={"x1": X[:, 0], "x2": X[:, 1]}, mode="reverse")
steps = {s.name: s.value for s in t.steps}
print("XW + c =", np.stack([steps["a1"], steps["a2"]], axis=1).tolist())
print("ReLU   =", np.stack([steps["h1"], steps["h2"]], axis=1).tolist())
print("f(X)   =", t.value.tolist())
print("df/dx1 =", t.gradient["x1"].tolist(), "(relu'(0) = 0 by convention)")
