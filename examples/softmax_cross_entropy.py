"""Softmax with cross-entropy, in vector and matrix form.

z is a vector of three logits, y a one-hot target, s = softmax(z) and
L = cross_entropy(z, y) = -sum(y * log_softmax(z)) = -y^T log s.

1. One reverse pass gives dL/dz = s - y (printed with numpy's s - y), for the
   built-in cross_entropy, for the slides' -sum(y * log(s)) with s = softmax(z),
   and for -sum(y * log_softmax(z)).
2. The softmax Jacobian J[i, j] = ds_i/dz_j, built by the tool two ways:
   row i by a reverse pass of r = sum(softmax(z) * u) with u = e_i (the reverse
   pass of a vector output gives the gradient of its sum, so the weights u pick
   one output), and column j by a forward pass through s = softmax(z + t*d) with
   d = e_j, seeded on the scalar t (the direction d is the seed of z). Both are
   compared with the formula diag(s) - s s^T.
3. The slides' s * (1 - s) is only the Jacobian's diagonal: the off-diagonal
   entries -s_i s_j are not zero, and using the diagonal alone in the chain rule
   gives a wrong gradient.
4. A batch: the rows of Z (4x3) are examples and y holds class indices; the
   loss is averaged over the rows, so dL/dZ = (S - Y)/4 with Y one-hot.
5. The loss is unchanged by adding a constant to every logit.
6. A worked homework: "give dL/dz for s = softmax(z), L = -sum(y*log(s))".
   Three students answer: s - y (right), the chain rule through s with the
   slides' s * (1 - s) in place of the Jacobian, and s * (1 - s) itself. The
   checker grades the last two wrong and says why.

Vectors and matrices are printed as JSON lists: `python examples/softmax_cross_entropy.py`.
"""
import json

import numpy as np

import autodiff_viz as av


def show(value: object) -> str:
    """A number, vector or matrix as JSON, rounded to 12 decimals (no -0.0)."""
    return json.dumps((np.round(np.asarray(value, dtype=float), 12) + 0.0).tolist())


z = np.array([1.0, 2.0, 0.5])
y = np.array([0.0, 1.0, 0.0])
s = np.exp(z) / np.exp(z).sum()                     # numpy, for comparison
n = len(z)
print(f"z = {show(z)}, y = {show(y)}")

# 1. the gradient of the loss, three ways of writing it
t = av.trace("L = cross_entropy(z, y)", at={"z": z, "y": y}, mode="reverse")
slides = av.trace("s = softmax(z)\nL = -sum(y * log(s))", at={"z": z, "y": y}, mode="reverse")
stable = av.trace("L = -sum(y * log_softmax(z))", at={"z": z, "y": y}, mode="reverse")
s_node = next(step for step in slides.steps if step.name == "s")
print(f"s               = {show(s_node.value)}    (node s = softmax(z))")
print(f"L               = {show(t.value)}")
print(f"dL/dz           = {show(t.gradient['z'])}    L = cross_entropy(z, y)")
print(f"dL/dz           = {show(slides.gradient['z'])}    L = -sum(y * log(s)), s = softmax(z)")
print(f"dL/dz           = {show(stable.gradient['z'])}    L = -sum(y * log_softmax(z))")
print(f"s - y (numpy)   = {show(s - y)}")

# 2. the softmax Jacobian, row by row (reverse) and column by column (forward)
eye = np.eye(n)
rows = np.array([av.trace("r = sum(softmax(z) * u)", at={"z": z, "u": eye[i]},
                          mode="reverse").gradient["z"] for i in range(n)])
columns = np.array([av.trace("s = softmax(z + t*d)", at={"z": z, "d": eye[j], "t": 0.0},
                             mode="forward", wrt="t").gradient["t"] for j in range(n)]).T
formula = np.diag(s) - np.outer(s, s)
print()
print("softmax Jacobian ds_i/dz_j:")
print(f"  by reverse passes (rows)     = {show(rows)}")
print(f"  by forward passes (columns)  = {show(columns)}")
print(f"  diag(s) - s s^T (numpy)      = {show(formula)}")
print(f"  max difference from the formula: "
      f"{max(np.abs(rows - formula).max(), np.abs(columns - formula).max()):.3g}")

# 3. the slides' s * (1 - s)
print()
print(f"diagonal of the Jacobian = {show(np.diag(rows))}")
print(f"s * (1 - s)              = {show(s * (1 - s))}")
print(f"off-diagonal entries -s_i s_j = {show(rows[~np.eye(n, dtype=bool)])} (not zero)")
upstream = -y / s                                   # dL/ds for L = -y^T log s
print(f"dL/ds = -y / s = {show(upstream)}; back to z through")
print(f"  the full Jacobian, J^T dL/ds    = {show(rows.T @ upstream)}    = s - y")
print(f"  the diagonal, s*(1 - s)*dL/ds   = {show(s * (1 - s) * upstream)}    != s - y")

# 4. a batch of rows with class indices
Z = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 1.0], [3.0, -1.0, 0.0], [0.2, 0.4, 0.6]])
labels = np.array([1, 2, 0, 1])
batch = av.trace("L = cross_entropy(Z, y)", at={"Z": Z, "y": labels}, mode="reverse")
S = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
Y = np.eye(n)[labels]
print()
print(f"batch: Z = {show(Z)}, class indices y = {json.dumps(labels.tolist())}")
print(f"  L              = {show(batch.value)}    mean of -log S[i, y_i]: "
      f"{show(-np.log(S[np.arange(4), labels]).mean())}")
print(f"  dL/dZ          = {show(batch.gradient['Z'])}")
print(f"  (S - Y)/4      = {show((S - Y) / 4)}")

# 5. invariance to a shift of every logit
shifted = av.trace("L = cross_entropy(z, y)", at={"z": z + 10, "y": y}, mode="primal")
print()
print("loss unchanged by adding 10 to every z:",
      bool(np.isclose(float(shifted.value), float(t.value), rtol=0, atol=1e-12)))

# 6. a worked homework, graded: the slides' s * (1 - s) answer is wrong
key = {"title": "Softmax with cross-entropy",
       "program": "s = softmax(z)\nL = -sum(y*log(s))",
       "at": {"z": z.tolist(), "y": y.tolist()},
       "ask": [{"kind": "adjoint", "node": "z", "name": "zbar"}]}
answers = {"right (s - y)": np.round(s - y, 3),
           "diagonal chain rule (s*(1-s) * dL/ds)": np.round(s * (1 - s) * upstream, 3),
           "s*(1-s) itself": np.round(s * (1 - s), 3)}
print()
print("homework: dL/dz for s = softmax(z), L = -sum(y*log(s))")
for who, answer in answers.items():
    report = av.check(key, {"zbar": answer})
    print(f"  {who}: answer {show(answer)}, score {report.score:g}/{report.max_score:g}")
    if not report.all_correct:
        print(f"    {report.first_error.message}")
