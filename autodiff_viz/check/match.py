"""Structural matching: which node of the expression's graph a student's formula computes.

Names are matched by what they compute, not by how they are spelled or in what
order they come: an input line ``w1 = x1`` maps ``w1`` to the input ``x1``; an
operation ``w3 = w2*w1`` matches the multiplication whose arguments the names
already stand for. Sums and products are matched as wholes: ``a = w11*x1 +
w12*x2 + b1`` on one line matches the graph's nested binary nodes however they
are grouped and ordered (``-1*d`` is ``-d``, ``x/2`` is ``0.5*x``); the inner
nodes it goes through are *covered* by that line. Names the table has not
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
>>> g = parse("b1 + (w11*x1 + w12*x2)")     # the key groups the sum its own way
>>> f = parse("w11*x1 + w12*x2 + b1")
>>> m = match_formula(f, f.outputs[0][1], g, {n: g.names[n] for n in g.input_names}.get)[0]
>>> m.node == g.outputs[0][1], sorted(g.expressions()[c] for c in m.covered)
(True, ['w11*x1', 'w11*x1 + w12*x2', 'w12*x2'])
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterator, NamedTuple

from ..graph import Graph

MAX_SOLUTIONS = 64
MAX_STEPS = 20_000  # matching work per formula: permutations of many equal-looking terms
ALGEBRAIC = frozenset({"add", "sub", "neg", "mul", "div"})
COMMUTATIVE = frozenset({"add", "mul"})

Resolver = Callable[[str], "int | None"]
Found = Iterator[tuple[dict[str, int], frozenset[int]]]


class Match(NamedTuple):
    """A graph node a formula computes, the wildcard names it had to infer, and the
    graph's inner nodes the formula goes through (without naming them)."""

    node: int
    binding: dict[str, int]
    covered: frozenset[int] = frozenset()


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


def _algebraic(g: Graph, k: int) -> bool:
    """A sum, difference, negation, product, or a division by a number."""
    n = g.nodes[k]
    if n.kind != "op" or n.op.name not in ALGEBRAIC:  # type: ignore[union-attr]
        return False
    if n.op.name != "div":  # type: ignore[union-attr]
        return True
    d = g.nodes[n.parents[1]]
    return d.kind == "const" and float(d.value) != 0.0  # type: ignore[arg-type]


def terms(g: Graph, node: int, is_open: Callable[[int], bool]
          ) -> tuple[list[tuple[float, list[int]]], set[int]]:
    """``node`` as a sum of terms ``coefficient × product of factor nodes``, through the
    algebraic nodes ``is_open`` allows (``node`` itself always); and the nodes gone through."""
    seen: set[int] = set()
    summands: list[tuple[float, int]] = []
    stack = [(1.0, node)]
    while stack:
        s, k = stack.pop()
        n = g.nodes[k]
        op = n.op.name if n.kind == "op" else ""  # type: ignore[union-attr]
        if op in ("add", "sub", "neg") and (k == node or is_open(k)):
            seen.add(k)
            if op == "neg":
                stack.append((-s, n.parents[0]))
            else:
                stack.append((-s if op == "sub" else s, n.parents[1]))
                stack.append((s, n.parents[0]))
        else:
            summands.append((s, k))
    out = []
    for s, k in summands:
        coef, factors = s, []
        fstack = [k]
        while fstack:
            j = fstack.pop()
            n = g.nodes[j]
            if n.kind == "const":
                coef *= float(n.value)  # type: ignore[arg-type]
            elif _algebraic(g, j) and (j == node or is_open(j)) and n.op.name != "add" \
                    and n.op.name != "sub":  # type: ignore[union-attr]
                seen.add(j)
                if n.op.name == "neg":  # type: ignore[union-attr]
                    coef = -coef
                    fstack.append(n.parents[0])
                elif n.op.name == "div":  # type: ignore[union-attr]
                    coef /= float(g.nodes[n.parents[1]].value)  # type: ignore[arg-type]
                    fstack.append(n.parents[0])
                else:
                    fstack.extend(reversed(n.parents))
            else:
                factors.append(j)
        out.append((coef, factors))
    return out, seen


class _Matcher:
    def __init__(self, F: Graph, G: Graph, resolve: Resolver, taken: frozenset[int],
                 wildcards: Callable[[str], bool]) -> None:
        self.F, self.G = F, G
        self.resolve, self.taken, self.wildcards = resolve, taken, wildcards
        self.steps = 0

    def node(self, f: int, g: int, binding: dict[str, int]) -> Found:
        """Every way formula node ``f`` can be graph node ``g``."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            return
        F, G = self.F, self.G
        fn, gn = F.nodes[f], G.nodes[g]
        if fn.kind == "input":
            name = fn.name or ""
            known = self.resolve(name)
            if known is not None:
                if known == g:
                    yield binding, frozenset()
                return
            if name in binding:
                if binding[name] == g:
                    yield binding, frozenset()
                return
            if gn.kind == "const" or g in self.taken or g in binding.values() \
                    or not self.wildcards(name):
                return
            yield {**binding, name: g}, frozenset()
            return
        if fn.kind == "const":
            if gn.kind == "const" and same_constant(float(fn.value), float(gn.value)):  # type: ignore[arg-type]
                yield binding, frozenset()
            return
        if gn.kind != "op":
            return
        found = False
        if gn.op.name == fn.op.name and len(gn.parents) == len(fn.parents):  # type: ignore[union-attr]
            orders = [gn.parents]
            if fn.op.name in COMMUTATIVE and gn.parents[0] != gn.parents[1]:  # type: ignore[union-attr]
                orders.append(gn.parents[::-1])
            for order in orders:
                for b, cov in self.pairs(list(zip(fn.parents, order)), binding):
                    found = True
                    yield b, cov | {g}
        if not found and _algebraic(F, f) and _algebraic(G, g):
            yield from self.algebraic(f, g, binding)  # the same terms, grouped another way

    def pairs(self, pairs: list[tuple[int, int]], binding: dict[str, int]) -> Found:
        if not pairs:
            yield binding, frozenset()
            return
        (f, g), rest = pairs[0], pairs[1:]
        for b, cov in self.node(f, g, binding):
            for b2, cov2 in self.pairs(rest, b):
                yield b2, cov | cov2

    def algebraic(self, f: int, g: int, binding: dict[str, int]) -> Found:
        """Sums of products matched as wholes: the same terms in any grouping and order."""
        fterms, _ = terms(self.F, f, lambda k: True)
        gterms, seen = terms(self.G, g, lambda k: k not in self.taken)
        if len(fterms) != len(gterms):
            return
        for b, cov in self.term_lists(fterms, gterms, binding):
            yield b, cov | seen

    def term_lists(self, fterms: list, gterms: list, binding: dict[str, int]) -> Found:
        if not fterms:
            yield binding, frozenset()
            return
        (fc, ffac), rest = fterms[0], fterms[1:]
        for j, (gc, gfac) in enumerate(gterms):
            if len(ffac) != len(gfac) or not same_constant(fc, gc):
                continue
            for b, cov in self.factor_lists(ffac, gfac, binding):
                for b2, cov2 in self.term_lists(rest, gterms[:j] + gterms[j + 1:], b):
                    yield b2, cov | cov2

    def factor_lists(self, ffac: list[int], gfac: list[int], binding: dict[str, int]) -> Found:
        if not ffac:
            yield binding, frozenset()
            return
        f, rest = ffac[0], ffac[1:]
        tried: set[int] = set()
        for j, g in enumerate(gfac):
            if g in tried:  # the same factor twice (x*x): one try is enough
                continue
            tried.add(g)
            for b, cov in self.node(f, g, binding):
                for b2, cov2 in self.factor_lists(rest, gfac[:j] + gfac[j + 1:], b):
                    yield b2, cov | cov2


def match_formula(formula: Graph, root: int, graph: Graph, resolve: Resolver,
                  root_candidates: tuple[int, ...] | None = None,
                  taken: frozenset[int] = frozenset(),
                  wildcards: Callable[[str], bool] = lambda name: True) -> list[Match]:
    """Every node of ``graph`` that node ``root`` of ``formula`` can stand for.

    ``resolve(name)`` gives the node a name already stands for (or None);
    unresolved names may bind to any node not in ``taken`` when ``wildcards(name)``.
    Sums and products are not expanded through the nodes in ``taken``.
    """
    fnode = formula.nodes[root]
    if root_candidates is None:
        if fnode.kind == "op" and _algebraic(formula, root):
            by_op = ops_by_name(graph)
            root_candidates = tuple(sorted(k for op in ALGEBRAIC for k in by_op.get(op, ())
                                           if _algebraic(graph, k)))
        elif fnode.kind == "op":
            root_candidates = ops_by_name(graph).get(fnode.op.name, ())  # type: ignore[union-attr]
        else:
            root_candidates = tuple(range(len(graph.nodes)))
    out: list[Match] = []
    seen: set[tuple] = set()
    for g in root_candidates:
        m = _Matcher(formula, graph, resolve, taken - {g}, wildcards)
        for b, cov in m.node(root, g, {}):
            sig = (g, tuple(sorted(b.items())))
            if sig in seen:
                continue
            seen.add(sig)
            out.append(Match(g, b, frozenset(cov - {g})))
            if len(out) >= MAX_SOLUTIONS:
                return out
    return out


def find_node(text: str, graph: Graph) -> int | None:
    """The node a subexpression such as ``"x1*x2"`` computes (inputs by name), or None."""
    from ..parse_fast import parse

    f = parse(text, variables=graph.input_names)
    root = f.outputs[0][1]
    inputs = {graph.nodes[i].name: i for i in graph.inputs}
    found = match_formula(f, root, graph, inputs.get, wildcards=lambda name: False)
    nodes = sorted({m.node for m in found})
    return nodes[0] if nodes else None
