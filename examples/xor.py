"""The two-layer XOR network f(x) = w^T max(0, W^T x + c) + b in matrix form.

W = [[1, 1], [1, 1]], c = [0, -1], w = [1, -2], b = 0 (the slide's numbers).
Rows are examples: X (4x2) holds the four inputs, one per row, so the slide's
W^T x for every x at once is the matrix product X W, c is added to every row
(broadcast), and f(X) = relu(X W + c) w + b is the vector of the four outputs:
[0, 1, 1, 0]. Every intermediate matrix is printed.

Then a loss: the mean squared error against the XOR targets is 0 at the slide's
parameters, so the parameters are moved a little (W and c, keeping every entry of
X W + c away from ReLU's kink at 0) and one reverse pass gives the gradient of the
loss with respect to W, c, w and b (tests/test_examples.py checks it against
central finite differences).

Last, the same network written with scalars, whose inputs are arrays of four
points (one graph evaluated at four points at once), gives the same outputs.

Matrices are printed as JSON lists: `python examples/xor.py`.
"""
import json

import numpy as np

import autodiff_viz as av

NETWORK = """
h = relu(X@W + c)
f = h@w + b
"""
X = [[0, 0], [1, 0], [0, 1], [1, 1]]
SLIDE = {"X": X, "W": [[1, 1], [1, 1]], "c": [0, -1], "w": [1, -2], "b": 0}
SLIDE_NAMES = {"X@W": "XW", "X@W + c": "XW + c", "relu(X@W + c)": "ReLU",
               "relu(X@W + c)@w": "hw", "relu(X@W + c)@w + b": "f(X)",
               "mse(relu(X@W + c)@w + b, y)": "L"}


def show(value: object) -> str:
    """A number, vector or matrix as JSON, rounded to 12 decimals (no -0.0)."""
    return json.dumps((np.round(np.asarray(value, dtype=float), 12) + 0.0).tolist())


def label(step) -> str:  # a primal step: the slide's name for its value
    return SLIDE_NAMES.get(step.expression, step.expression)


t = av.trace(NETWORK, at=SLIDE, mode="primal")
print("f(X) = relu(X@W + c)@w + b; rows of X are the four examples")
print("Primal trace (every node, inputs first):")
for s in t.steps:
    print(f"  {label(s):<7}= {show(s.value)}    {s.name} = {s.formula}")

LOSS = NETWORK + "L = mse(f, y)\n"
y = [0, 1, 1, 0]
print()
print("Loss L = mse(f, y) against the XOR targets y =", show(y))
at_slide = av.trace(LOSS, at=SLIDE | {"y": y}, mode="primal")
print("at the slide's parameters: L =", show(at_slide.value))
moved = SLIDE | {"W": [[1.1, 0.9], [0.8, 1.2]], "c": [0.1, -1.0], "y": y}
t = av.trace(LOSS, at=moved, mode="reverse", output="L")
print("at moved parameters:")
for name in ("W", "c", "w", "b"):
    print(f"  {name:<7}= {show(moved[name])}")
steps = {s.name: s for s in t.steps}
for s in t.steps[len(t.graph.input_names):]:
    print(f"  {label(s):<7}= {show(s.value)}    {s.name} = {s.formula}")
print("Reverse trace for L (adjoints, output to inputs):")
for r in t.reverse_steps():
    if not r.is_input:
        print(f"  {'dL/d(' + label(steps[r.name]) + ')':<14}= {show(r.adjoint)}    {r.name}")
print("Gradient of L:")
for name in ("W", "c", "w", "b"):
    print(f"  dL/d{name:<3}= {show(t.gradient[name])}")

SCALARS = """
a1 = 1*x1 + 1*x2 + 0
a2 = 1*x1 + 1*x2 - 1
f = 1*relu(a1) - 2*relu(a2) + 0
"""
Xa = np.array(X, dtype=float)
points = av.trace(SCALARS, at={"x1": Xa[:, 0], "x2": Xa[:, 1]}, mode="primal")
print()
print("The same network with scalars, x1 and x2 arrays of the four points:")
print(f"  f(x1, x2) = {show(points.value)}")
