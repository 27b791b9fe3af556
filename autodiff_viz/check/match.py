"""Structural matching: which node of the expression's graph a student's formula computes.

Names are matched by what they compute, not by how they are spelled or in what
order they come: an input line ``w1 = x1`` maps ``w1`` to the input ``x1``; an
operation ``w3 = w2*w1`` matches the multiplication whose arguments the names
already stand for (``+`` and ``*`` in either order). Names the table has not
defined act as wildcards and are inferred from the structure.

>>> from autodiff_viz import parse
>>> g = parse("sin(x1) + x1*x2")
>>> f = parse("b*a")                       # a student's line: w4 = b*a
>>> known = {"a": 0, "b": 1}.get            # a = x1, b = x2 from earlier lines
>>> [m.node for m in match_formula(f, f.outputs[0][1], g, known)]
[3]
>>> f = parse("s + p")                      # p is not defined anywhere: inferred
>>> m = match_formula(f, f.outputs[0][1], g, {"s": 2}.get)[0]
>>> m.node, m.binding
(4, {'p': 3})
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterator, NamedTuple

from ..graph import Graph

COMMUTATIVE = frozenset({"add", "mul"})
MAX_SOLUTIONS = 64

Resolver = Callable[[str], "int | None"]


class Match(NamedTuple):
    """A graph node a formula computes, and the wildcard names it had to infer."""

    node: int
    binding: dict[str, int]


@lru_cache(maxsize=32)
def ops_by_name(graph: Graph) -> dict[str, tuple[int, ...]]:
    """Operation nodes of ``graph`` grouped by operation name."""
    out: dict[str, list[int]] = {}
    for n in graph.nodes:
        if n.kind == "op":
            out.setdefault(n.op.name, []).append(n.id)  # type: ignore[union-attr]
    return {k: tuple(v) for k, v in out.items()}


def same_constant(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def match_formula(formula: Graph, root: int, graph: Graph, resolve: Resolver,
                  root_candidates: tuple[int, ...] | None = None,
                  taken: frozenset[int] = frozenset(),
                  wildcards: Callable[[str], bool] = lambda name: True) -> list[Match]:
    """Every node of ``graph`` that node ``root`` of ``formula`` can stand for.

    ``resolve(name)`` gives the node a name already stands for (or None);
    unresolved names may bind to any node not in ``taken`` when ``wildcards(name)``.
    """
    fnode = formula.nodes[root]
    if root_candidates is None:
        if fnode.kind == "op":
            root_candidates = ops_by_name(graph).get(fnode.op.name, ())  # type: ignore[union-attr]
        else:
            root_candidates = tuple(range(len(graph.nodes)))
    out: list[Match] = []
    for g in root_candidates:
        for b in _match(formula, root, graph, g, {}, resolve, taken, wildcards):
            out.append(Match(g, b))
            if len(out) >= MAX_SOLUTIONS:
                return out
    return out


def _match(F: Graph, f: int, G: Graph, g: int, binding: dict[str, int], resolve: Resolver,
           taken: frozenset[int], wildcards: Callable[[str], bool]) -> Iterator[dict[str, int]]:
    fn, gn = F.nodes[f], G.nodes[g]
    if fn.kind == "input":
        name = fn.name or ""
        known = resolve(name)
        if known is not None:
            if known == g:
                yield binding
            return
        if name in binding:
            if binding[name] == g:
                yield binding
            return
        if gn.kind == "const" or g in taken or g in binding.values() or not wildcards(name):
            return
        yield {**binding, name: g}
        return
    if fn.kind == "const":
        if gn.kind == "const" and same_constant(float(fn.value), float(gn.value)):  # type: ignore[arg-type]
            yield binding
        return
    if gn.kind != "op" or gn.op.name != fn.op.name or len(gn.parents) != len(fn.parents):  # type: ignore[union-attr]
        return
    orders = [gn.parents]
    if fn.op.name in COMMUTATIVE and gn.parents[0] != gn.parents[1]:  # type: ignore[union-attr]
        orders.append(gn.parents[::-1])
    for order in orders:
        yield from _match_all(F, list(zip(fn.parents, order)), G, binding, resolve, taken,
                              wildcards)


def _match_all(F: Graph, pairs: list[tuple[int, int]], G: Graph, binding: dict[str, int],
               resolve: Resolver, taken: frozenset[int],
               wildcards: Callable[[str], bool]) -> Iterator[dict[str, int]]:
    if not pairs:
        yield binding
        return
    (f, g), rest = pairs[0], pairs[1:]
    for b in _match(F, f, G, g, binding, resolve, taken, wildcards):
        yield from _match_all(F, rest, G, b, resolve, taken, wildcards)


def find_node(text: str, graph: Graph) -> int | None:
    """The node a subexpression such as ``"x1*x2"`` computes (inputs by name), or None."""
    from ..parser import parse

    f = parse(text)
    root = f.outputs[0][1]
    inputs = {graph.nodes[i].name: i for i in graph.inputs}
    found = match_formula(f, root, graph, inputs.get, wildcards=lambda name: False)
    nodes = sorted({m.node for m in found})
    return nodes[0] if nodes else None
