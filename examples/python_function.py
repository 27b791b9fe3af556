"""Trace a Python function instead of text: the same graph, the same passes.

Run:  python examples/python_function.py
"""
import autodiff_viz as av


def f(x1, x2):
    return av.sin(x1) + x1 * x2


g = av.trace_function(f)
print(g.to_program())
print(av.gradient(f, at={"x1": 2.0, "x2": 3.0}))
print(av.parse("sin(x1) + x1*x2").structure() == g.structure())
