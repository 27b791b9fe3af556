"""A logistic unit p = sigmoid(w1*x1 + w2*x2 + b) with binary cross-entropy.

The parameters w1, w2, b are inputs of the graph like x1, x2; reverse mode
gives dL/dw1, dL/dw2, dL/db in one pass, and dL/dh = p - y.

Run:  python examples/logistic_unit.py
"""
import autodiff_viz as av

UNIT = """
h = w1*x1 + w2*x2 + b
p = sigmoid(h)
L = -(y*log(p) + (1 - y)*log(1 - p))
"""
at = {"w1": 0.5, "w2": -1.0, "b": 0.1, "x1": 2.0, "x2": 1.0, "y": 1.0}
t = av.trace(UNIT, at=at, mode="reverse")
p = next(s.value for s in t.steps if s.name == "p")
h_adjoint = next(s.adjoint for s in t.reverse_steps() if s.name == "h")
print(f"p = {p:.6f}, L = {t.value:.6f}")
print(f"dL/dh = {h_adjoint:.6f}  (p - y = {p - at['y']:.6f})")
for name in ("w1", "w2", "b"):
    print(f"dL/d{name} = {t.gradient[name]:.6f}")
