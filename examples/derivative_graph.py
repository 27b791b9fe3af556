"""Symbol-to-symbol: the derivative of z = sin(x1) + x1*x2 as a graph of its own.

The backward pass adds nodes that describe the derivative (as Theano and TensorFlow
do) instead of numbers for one point (as Torch and Caffe do). The result is an ordinary
graph: it evaluates at many points at once, simplifies step by step, prints as a program,
and can be differentiated again.

Run:  python examples/derivative_graph.py
"""
import numpy as np

import autodiff_viz as av

dg = av.derivative_graph("sin(x1) + x1*x2")
print("adjoint nodes (reverse mode):")
for line in dg.listing():
    print("  " + line)

values = av.trace(dg, at={"x1": 2.0, "x2": 3.0}, mode="primal").values
numbers = av.gradient("sin(x1) + x1*x2", at={"x1": 2.0, "x2": 3.0})
print(f"at x1=2, x2=3: dz/dx1 = {values['dz_dx1']:.4f}, dz/dx2 = {values['dz_dx2']:g} "
      f"(symbol-to-number: {numbers['x1']:.4f}, {numbers['x2']:g})")

x1 = np.linspace(0.0, 3.0, 4)  # the same graph at four points at once
print("dz/dx1 at x1 = 0, 1, 2, 3 (x2=3):",
      np.round(av.trace(dg, at={"x1": x1, "x2": 3.0}, mode="primal").values["dz_dx1"], 4))

simple = av.derivative_graph("sin(x1) + x1*x2", simplify=True)
print("simplified:", "; ".join(simple.listing()[-2:]))
for step in simple.steps:
    print("  " + str(step))
print("as a program:")
print(simple.to_program())

second = av.derivative_graph(simple, output="dz_dx1", wrt=["x1"], simplify=True)
print("d2z/dx1^2 at x1=2, x2=3 =",
      round(av.trace(second, at={"x1": 2.0, "x2": 3.0}, mode="primal").values["ddz_dx1_dx1"],
            4), "(-sin 2)")
