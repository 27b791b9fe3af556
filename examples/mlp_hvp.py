"""H·v of a matrix-form MLP's loss: one forward pass over its reverse derivative graph.

A 2-layer network on a batch of 4 examples (one per row of X, 3 features), 5 hidden
ReLU units, 2 classes, softmax cross-entropy with class labels y:

    h = relu(X W1 + b1),  z = h W2 + b2,  L = cross_entropy(z, y)

The reverse derivative graph holds the adjoints as nodes of the operations table
(``matmul_bt(w̄, W2)`` is w̄ W2ᵀ, ``sum_to(t, b1)`` sums over the rows broadcasting
copied b1 to); a forward pass over it, seeded with a direction v (one array per
parameter), gives H·v without forming the 37×37 Hessian. The oracle: central
differences of the gradient along v, (∇L(θ + εv) − ∇L(θ − εv)) / 2ε. An mse variant
(tanh, sigmoid outputs against one-hot targets) is checked the same way.

Run: `python examples/mlp_hvp.py`.
"""
import numpy as np

import autodiff_viz as av

CE = """
X: 4x3
W1: 3x5
b1: 5
W2: 5x2
b2: 2
y: 4
h = relu(X@W1 + b1)
z = h@W2 + b2
L = cross_entropy(z, y)
"""
MSE = """
h = tanh(X@W1 + b1)
L = mse(sigmoid(h@W2 + b2), Y)
"""
PARAMETERS = ["W1", "b1", "W2", "b2"]


def point() -> dict[str, np.ndarray]:
    """The batch, its labels and the weights, fixed by a seed."""
    rng = np.random.default_rng(5)
    return {"X": rng.normal(size=(4, 3)), "W1": rng.normal(size=(3, 5)),
            "b1": rng.normal(size=5), "W2": rng.normal(size=(5, 2)),
            "b2": rng.normal(size=2), "y": np.array([0.0, 1.0, 1.0, 0.0]),
            "Y": np.eye(2)[[0, 1, 1, 0]]}


def direction(at: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(6)
    return {k: rng.normal(size=np.shape(at[k])) for k in PARAMETERS}


def differences(src: str, at: dict[str, np.ndarray], v: dict[str, np.ndarray],
                eps: float = 1e-5) -> dict[str, np.ndarray]:
    """Central differences of the gradient along v: the oracle."""
    up = av.gradient(src, {k: x + eps * v.get(k, 0.0) for k, x in at.items()}, wrt=PARAMETERS)
    down = av.gradient(src, {k: x - eps * v.get(k, 0.0) for k, x in at.items()},
                       wrt=PARAMETERS)
    return {k: (np.asarray(up[k]) - np.asarray(down[k])) / (2 * eps) for k in PARAMETERS}


def relative_error(p: dict[str, np.ndarray], fd: dict[str, np.ndarray]) -> float:
    num = max(float(np.max(np.abs(p[k] - fd[k]))) for k in PARAMETERS)
    return num / max(float(np.max(np.abs(fd[k]))) for k in PARAMETERS)


if __name__ == "__main__":
    at, names = point(), ("cross-entropy", "mse")
    v = direction(at)
    for name, src in zip(names, (CE, MSE)):
        inputs = {k: at[k] for k in av.parse(src).input_names}
        p = av.hvp(src, inputs, v, wrt=PARAMETERS)
        fd = differences(src, inputs, v)
        print(f"{name} loss: H·v, one forward pass over a derivative graph of "
              f"{p.cost.graph_nodes} nodes")
        for k in PARAMETERS:
            shape = "×".join(map(str, np.shape(p.product[k])))
            print(f"  (H·v)[{k}] ({shape}) first row: "
                  + ", ".join(f"{x: .5f}" for x in np.atleast_2d(p.product[k])[0]))
        print(f"  relative error against central differences of the gradient: "
              f"{relative_error(p.product, fd):.1e}")
    u = {k: np.ones(np.shape(at[k])) for k in PARAMETERS}
    inputs = {k: at[k] for k in av.parse(CE).input_names}
    hv, hu = av.hvp(CE, inputs, v, wrt=PARAMETERS), av.hvp(CE, inputs, u, wrt=PARAMETERS)
    a = sum(float(np.sum(u[k] * hv.product[k])) for k in PARAMETERS)
    b = sum(float(np.sum(v[k] * hu.product[k])) for k in PARAMETERS)
    print(f"symmetry: uᵀ(H v) = {a:.6f}, vᵀ(H u) = {b:.6f}")
    dg = av.derivative_graph(CE, wrt=PARAMETERS)
    print("the reverse derivative graph, one adjoint a line:")
    for line in dg.listing():
        print("  " + line)
