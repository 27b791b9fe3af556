"""A derivative as a formula in the inputs, written from each operation's partials (ops.py).

Forward accumulation on text: ∂node/∂x is the sum over the node's arguments of
(the operation's partial formula, in the arguments' expressions) times
(∂argument/∂x); zero terms are left out and factors of 1 are not written. The
result is correct but not simplified; it is what a solution sheet shows for a
``formula`` ask, and the checker compares formulas by value at random points.

>>> from autodiff_viz.parser import parse
>>> derivative_formula(parse("sin(x1) + x1*x2"), "x1")
'cos(x1) + x2'
>>> derivative_formula(parse("exp(x*y)/y"), "y")
'(1/y)*(exp(x*y)*x) + (-exp(x*y)/y^2)'
"""
from __future__ import annotations

import re

from ..graph import Graph
from ..ops import Op

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|[0-9]+(\.[0-9]+)?")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|[0-9.]+|[-+*/^]")


def is_atom(text: str) -> bool:
    """A name, a number or one call ``f(...)``: needs no parentheses as a factor.

    >>> is_atom("x1"), is_atom("cos(x1)"), is_atom("sin(x)*cos(x)"), is_atom("-x")
    (True, True, False, False)
    """
    if _NAME.fullmatch(text):
        return True
    m = re.match(r"[A-Za-z_][A-Za-z_0-9]*\(", text)
    if not m or not text.endswith(")"):
        return False
    depth = 0
    for i, ch in enumerate(text[m.end() - 1:], m.end() - 1):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return i == len(text) - 1
    return False


def _factor(text: str) -> str:
    return text if is_atom(text) else f"({text})"


def _times(a: str, b: str) -> str:
    if a == "1":
        return b
    if b == "1":
        return a
    return f"{_factor(a)}*{_factor(b)}"


def _partial(op: Op, j: int, args: list[str], consts: list[float | None]) -> str:
    """The partial's formula with the arguments' expressions put in: in parentheses,
    unless the template already puts them in a call's (``cos({0})``)."""
    template = op.formulas[j]
    if not isinstance(template, str):
        return op.partial_formula(j, [_factor(a) for a in args], consts)

    def put(m: re.Match[str]) -> str:
        a = args[int(m.group(1))]
        called = template[m.start() - 1:m.start()] == "(" and template[m.end():m.end() + 1] == ")"
        return a if called else _factor(a)

    return re.sub(r"\{(\d)\}", put, template)


def derivative_formula(graph: Graph, wrt: str, output: int | None = None) -> str:
    """∂output/∂``wrt`` as text the parser reads (``"0"`` when it does not depend on it)."""
    exprs = graph.expressions("text", limit=10**9)
    d: list[str] = []
    for n in graph.nodes:
        if n.kind != "op":
            d.append("1" if n.kind == "input" and n.name == wrt else "0")
            continue
        raw = [exprs[p] or "" for p in n.parents]
        consts = [graph.nodes[p].value if graph.nodes[p].kind == "const" else None
                  for p in n.parents]
        terms = [_times(_partial(n.op, j, raw, consts), d[p])  # type: ignore[arg-type]
                 for j, p in enumerate(n.parents) if d[p] != "0"]
        terms = [t for t in terms if t != "0"]
        d.append(" + ".join(_factor(t) if t.startswith("-") and len(terms) > 1 else t
                            for t in terms) or "0")
    return d[graph.outputs[0][1] if output is None else output]


def size(text: str) -> int:
    """Names, numbers and operators in ``text`` (the checker reads up to 300 in one part)."""
    return len(_TOKEN.findall(text))
