"""The two-input example of the course notes: z = sin(x1) + x1*x2 at x1 = 2, x2 = 3.

Run:  python examples/worked_example.py
"""
import autodiff_viz as av
from autodiff_viz.views.text import render_text

t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="both", wrt="x2")
print(render_text(t))
print()
print(f"z = {t.value:.1f}, dz/dx1 = {t.gradient['x1']:.2f}, dz/dx2 = {t.gradient['x2']:g}")
print(f"cost: forward needs {len(t.graph.inputs)} passes for the gradient, reverse needs 1")
