"""Second derivatives as passes over the derivative graph (issue 14).

1. The worked example z = sin(x1) + x1*x2 at x1 = 2, x2 = 3: by hand
   H = [[-sin 2, 1], [1, 0]]; the three modes give it, each at its own cost.
2. A Hessian-vector product of a small MLP's loss (a 2-3-1 network with tanh and
   sigmoid, one example, written with numbers; examples/mlp_hvp.py does it in matrix
   form): one forward pass over the reverse derivative graph, checked against
   central differences of the gradient along v.

Run: `python examples/hessian.py`.
"""
import numpy as np

import autodiff_viz as av


def mlp_program() -> str:
    """J = (yhat - y)^2/2 + lam*Σ weights², with h = tanh(W1 x + b1), yhat = sigmoid(W2 h + b2)."""
    lines = [f"h{i} = tanh(W1_{i}0*x0 + W1_{i}1*x1 + b1_{i})" for i in range(3)]
    lines.append("yhat = sigmoid(" + " + ".join(f"W2_{i}*h{i}" for i in range(3)) + " + b2)")
    squares = " + ".join([f"W1_{i}{j}^2" for i in range(3) for j in range(2)]
                         + [f"W2_{i}^2" for i in range(3)])
    lines.append(f"J = (yhat - y)^2/2 + lam*({squares})")
    return "\n".join(lines)


def mlp_point() -> dict[str, float]:
    rng = np.random.default_rng(7)
    at = {f"W1_{i}{j}": rng.normal() for i in range(3) for j in range(2)}
    at |= {f"b1_{i}": rng.normal() for i in range(3)} | {f"W2_{i}": rng.normal() for i in range(3)}
    at |= {"b2": rng.normal(), "x0": 0.5, "x1": -1.0, "y": 1.0, "lam": 0.01}
    return {k: round(float(v), 2) for k, v in at.items()}


def show(m: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(f"{x:.4g}" for x in row) + "]" for row in m) + "]"


if __name__ == "__main__":
    print("1. z = sin(x1) + x1*x2 at x1=2, x2=3")
    results = [av.hessian("sin(x1) + x1*x2", {"x1": 2, "x2": 3}, mode=m)
               for m in ("forward-over-reverse", "reverse-over-reverse", "forward-over-forward")]
    print(f"  H = {show(results[0].matrix)}   (by hand: [[-sin 2, 1], [1, 0]])")
    for h in results:
        c = h.cost
        print(f"  {h.mode:<21} {c.passes} passes, model {c.model} (passes × graph size), "
              f"{c.nodes_visited} nodes visited")
    worst = max(float(abs(h.matrix - results[0].matrix).max()) for h in results)
    print("  the three modes agree" if worst == 0 else f"  the modes differ by {worst:.3g}")
    t = results[0].traces[0]
    w1bar = next(s for s in t.forward_steps(0) if s.name == "w̄1")
    print(f"  tangent of the adjoint w̄1 along x1: {w1bar.tangent:.4g} = ∂²z/∂x1²")

    print()
    print("2. H·v of an MLP loss (2-3-1, one example), one forward pass")
    src, at = mlp_program(), mlp_point()
    params = [k for k in at if k.startswith(("W", "b"))]
    rng = np.random.default_rng(11)
    v = {k: round(float(rng.normal()), 2) for k in params}
    p = av.hvp(src, at, v, output="J", wrt=params)
    eps = 1e-5
    up = av.gradient(src, {k: at[k] + eps * v.get(k, 0.0) for k in at}, output="J")
    down = av.gradient(src, {k: at[k] - eps * v.get(k, 0.0) for k in at}, output="J")
    gap = 0.0
    for k in params:
        fd = (up[k] - down[k]) / (2 * eps)
        gap = max(gap, abs(p.product[k] - fd))
        print(f"  (H·v)[{k:<5}] = {p.product[k]: .6f}   differences of the gradient: {fd: .6f}")
    print(f"  1 forward pass over a derivative graph of {p.cost.graph_nodes} nodes "
          f"({len(params)} parameters: the whole Hessian needs {len(params)} passes)")
    print(f"max difference from central differences: {gap:.3g}")
