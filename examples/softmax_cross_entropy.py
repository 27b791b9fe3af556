"""Softmax with cross-entropy over three classes, written with scalars.

The gradient with respect to the logits is softmax(z) - y. The Jacobian of
softmax itself is diag(s) - s s^T: its off-diagonal entries are -s_i s_j, so
writing the gradient as s * (1 - s) keeps only the diagonal.

Run:  python examples/softmax_cross_entropy.py
"""
import autodiff_viz as av

SOFTMAX = """
e1 = exp(z1); e2 = exp(z2); e3 = exp(z3)
S = e1 + e2 + e3
s1 = e1/S; s2 = e2/S; s3 = e3/S
L = -(y1*log(s1) + y2*log(s2) + y3*log(s3))
"""
at = {"z1": 1.0, "z2": 2.0, "z3": 0.5, "y1": 0.0, "y2": 1.0, "y3": 0.0}
t = av.trace(SOFTMAX, at=at, mode="reverse", output="L")
s = {n.name: v for n, v in zip(t.graph.nodes, t.primal.values) if n.name in ("s1", "s2", "s3")}
for k in (1, 2, 3):
    print(f"dL/dz{k} = {t.gradient[f'z{k}']:+.6f}   s{k} - y{k} = {s[f's{k}'] - at[f'y{k}']:+.6f}")
jac = av.jacobian(av.parse(SOFTMAX, outputs=["s1", "s2", "s3"]), at)
print("softmax Jacobian row 1:", [round(jac["s1"][f"z{k}"], 6) for k in (1, 2, 3)])
print("diag(s) - s s^T row 1: ", [round(float((s["s1"] if k == 1 else 0) - s["s1"] * s[f"s{k}"]), 6)
                                  for k in (1, 2, 3)])
shifted = dict(at, z1=at["z1"] + 10, z2=at["z2"] + 10, z3=at["z3"] + 10)
print("loss unchanged by adding 10 to every z:",
      round(t.value, 12) == round(av.trace(SOFTMAX, shifted, mode="primal", output="L").value, 12))
