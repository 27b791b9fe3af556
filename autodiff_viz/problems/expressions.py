"""Random expressions of a given depth, inputs, fan-outs and operations.

An expression is built as a small tree of operations (a fixed depth on one
path, shallower subtrees elsewhere, subtrees and inputs sometimes used twice)
and written as text for the project's parser; :func:`shape_of` measures what
the parser made of it (identical subexpressions share one node), and the
caller keeps the expressions whose depth and fan-outs are the template's.

>>> import numpy as np
>>> from autodiff_viz.parser import parse
>>> text = random_expression(np.random.default_rng(11), ("x1", "x2"), 3, ("add", "mul", "sin"),
...                          True)
>>> text, shape_of(parse(text))
('sin(x1) + x2 + sin(x1*x2)', (3, 2, ('x1', 'x2')))
"""
from __future__ import annotations

from typing import Any, Union

import numpy as np

from ..graph import Graph
from .template import BINARY

Tree = Union[str, tuple[Any, ...]]  # an input's name, ("const", k) or (op, *arguments)
SYMBOLS = {"add": ("+", 10), "sub": ("-", 10), "mul": ("*", 20), "div": ("/", 20)}
REUSE = 0.3  # chance that a subtree already built is used again (a fan-out)
CONSTANT = 0.2  # chance that an operation of two arguments takes a small whole number


def random_expression(rng: np.random.Generator, inputs: tuple[str, ...], depth: int,
                      ops: tuple[str, ...], constants: bool) -> str:
    """An expression with ``depth`` operations on its longest path, as text."""
    built: dict[int, list[Tree]] = {}
    unused = list(inputs)

    def leaf() -> str:
        pool = unused if unused and rng.random() < 0.5 else inputs
        name = pool[int(rng.integers(len(pool)))]
        if name in unused:
            unused.remove(name)
        return name

    def build(d: int) -> Tree:
        if d == 0:
            return leaf()
        if built.get(d) and rng.random() < REUSE:
            return built[d][int(rng.integers(len(built[d])))]
        op = ops[int(rng.integers(len(ops)))]
        if op not in BINARY:
            tree: Tree = (op, build(d - 1))
        elif constants and rng.random() < CONSTANT:
            k = ("const", int(rng.integers(2, 6)))
            deep = build(d - 1)
            tree = (op, deep, k) if rng.random() < 0.5 or op in ("add", "mul") else (op, k, deep)
        else:
            deep, other = build(d - 1), build(int(rng.integers(d)))
            if other == deep:  # a + a, a - a: no fan-out, or a constant
                rest = [n for n in inputs if n != deep]
                other = rest[int(rng.integers(len(rest)))] if rest else ("const", 2)
            tree = (op, deep, other) if rng.random() < 0.5 else (op, other, deep)
        built.setdefault(d, []).append(tree)
        return tree

    return text_of(build(depth))[0]


def text_of(tree: Tree) -> tuple[str, int]:
    """The tree as parser text, and its binding power (for parentheses).

    >>> text_of(("sub", "x1", ("add", "x2", ("const", 3))))[0]
    'x1 - (x2 + 3)'
    >>> text_of(("square", ("neg", ("sin", "x"))))[0]
    '(-sin(x))^2'
    """
    if isinstance(tree, str):
        return tree, 100
    op, *args = tree
    if op == "const":
        return str(args[0]), 100
    if op in SYMBOLS:
        sym, prec = SYMBOLS[op]
        (a, pa), (b, pb) = (text_of(x) for x in args)
        a = a if pa >= prec else f"({a})"
        b = b if pb > prec else f"({b})"  # a - (b + c), and a*(b*c) keeps its shape
        return f"{a} {sym} {b}" if prec == 10 else f"{a}{sym}{b}", prec
    a, pa = text_of(args[0])
    if op == "neg":
        return f"-{a if pa == 100 else f'({a})'}", 30
    if op in ("square", "cube"):
        return f"{a if pa == 100 and not a.startswith('-') else f'({a})'}^" \
               f"{2 if op == 'square' else 3}", 40
    return f"{op}({a})", 100


def shape_of(graph: Graph) -> tuple[int, int, tuple[str, ...]]:
    """The graph's depth (operations on its longest path), its fan-outs (inputs and
    operations used by two or more operations) and the inputs it uses."""
    depth = [0] * len(graph.nodes)
    for n in graph.nodes:
        if n.kind == "op":
            depth[n.id] = 1 + max((depth[p] for p in n.parents), default=0)
    out = graph.outputs[0][1]
    fanouts = sum(1 for n in graph.nodes if n.kind != "const"
                  and len({c for c, _ in graph.children[n.id]}) >= 2)
    used = tuple(sorted(str(graph.nodes[i].name) for i in graph.inputs if graph.children[i]))
    return depth[out], fanouts, used
