"""Chain-rule lines: is ``dz/dw1 = dz/dw4*dw4/dw1 + dz/dw3*dw3/dw1`` a right sum of terms?

A reverse line for node j must sum, over every child c of j, adjoint(c) times
∂c/∂j; a forward line for node i sums, over every parent p, ∂i/∂p times
tangent(p). This module splits the student's formula into terms, finds the
adjoint (tangent) each term carries, and reads each term's factor with the
adjoints set to 1, all by evaluating the formula with the project's passes.

>>> from autodiff_viz import parse
>>> g = parse("a*b + c*sin(d) - f")
>>> [(g.nodes[t].op.name if g.nodes[t].kind == "op" else g.nodes[t].name, s)
...  for t, s in split_terms(g, g.outputs[0][1])]
[('mul', 1), ('mul', 1), ('f', -1)]
"""
from __future__ import annotations

from ..graph import Graph


def split_terms(g: Graph, root: int, sign: int = 1) -> list[tuple[int, int]]:
    """The terms of a sum (``+``, ``-`` and unary minus), each with its sign."""
    out: list[tuple[int, int]] = []
    stack = [(root, sign)]
    while stack:
        node, s = stack.pop()
        n = g.nodes[node]
        name = n.op.name if n.kind == "op" else None  # type: ignore[union-attr]
        if name == "add":
            stack.append((n.parents[1], s))
            stack.append((n.parents[0], s))
        elif name == "sub":
            stack.append((n.parents[1], -s))
            stack.append((n.parents[0], s))
        elif name == "neg":
            stack.append((n.parents[0], -s))
        else:
            out.append((node, s))
    return out


def leaves(g: Graph, node: int) -> set[int]:
    """Input nodes (names and placeholders) under ``node``."""
    seen, stack, out = set(), [node], set()
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        n = g.nodes[k]
        if n.kind == "input":
            out.add(k)
        stack.extend(n.parents)
    return out


def linear_in(g: Graph, node: int, carrier: int) -> bool:
    """True when ``node`` is ``carrier`` times a factor free of it (×, ÷ by, unary −)."""
    while node != carrier:
        n = g.nodes[node]
        if n.kind != "op":
            return False
        inside = [k for k, p in enumerate(n.parents) if carrier in leaves(g, p)]
        if len(inside) != 1 or (len(n.parents) == 2 and n.parents[0] == n.parents[1]):
            return False
        name = n.op.name  # type: ignore[union-attr]
        if name == "mul" or name == "neg" or (name == "div" and inside[0] == 0):
            node = n.parents[inside[0]]
        else:
            return False
    return True
