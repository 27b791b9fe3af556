"""Match stage, part 3: the student's own graph, made of *units* of the key's nodes.

A student who writes ``a1 = w11*x1 + w12*x2 + b1`` on one line computes three
of the key's binary nodes in one step. That step is a unit: its root (the node
``a1`` names) and the inner nodes it goes through without naming them. In the
student's graph the unit's parents are the named values it reads, and its local
partial with respect to one of them is the derivative through the inner nodes
(here ∂a1/∂w11 = x1). Adjoints and tangents of the nodes the student names are
the same in both graphs; the chain-rule terms are the unit's. A graph without
multi-step lines has only one-node units, and then everything here is the key's
own local partials.

>>> import autodiff_viz as av
>>> from autodiff_viz.check.expected import Expected
>>> g = av.parse("(w11*x1 + w12*x2) + b1")
>>> ex = Expected(av.trace(g, {"w11": 2, "x1": 3, "w12": 5, "x2": 7, "b1": 1}, mode="reverse"))
>>> root = g.outputs[0][1]
>>> u = Units(g, ex, {root: set(range(root)) - set(g.inputs)})
>>> [g.nodes[q].name for q in u.parents(root)]
['w11', 'x1', 'w12', 'x2', 'b1']
>>> [u.partial_total(root, q) for q in u.parents(root)]
[3.0, 2.0, 7.0, 5.0, 1.0]
>>> u.children(g.names["x1"]) == [root]
True
"""
from __future__ import annotations

from typing import Callable, Mapping

from ..errors import AutodiffVizError
from ..graph import Graph
from ..ops import PREC_ATOM
from ..passes import linearize, primal, reverse
from ..printing import apply_format, number
from .evaluate import parse_cached
from .expected import Expected


class Units:
    """Units of the key's graph: ``members[root]`` for multi-node units, one node otherwise."""

    def __init__(self, graph: Graph, ex: Expected, absorbed: Mapping[int, set[int]]) -> None:
        self.graph = graph
        self.ex = ex
        self.members: dict[int, frozenset[int]] = {
            r: frozenset({r} | set(inner)) for r, inner in absorbed.items() if inner}
        self.hidden: frozenset[int] = frozenset(
            n for m in self.members.values() for n in m) - frozenset(self.members)
        self.owner: dict[int, int] = {}  # a hidden node -> the (first) unit it is inside
        for r in sorted(self.members):
            for n in self.members[r]:
                if n in self.hidden:
                    self.owner.setdefault(n, r)
        kids: dict[int, set[int]] = {}
        for n in graph.nodes:
            if n.kind == "op" and n.id not in self.hidden:
                for q in self.parents(n.id):
                    kids.setdefault(q, set()).add(n.id)
        self._children = {q: sorted(c) for q, c in kids.items()}
        self._local: dict[int, tuple[Graph, int, list[int]]] = {}

    def of(self, node: int) -> frozenset[int]:
        """The key's nodes that the unit rooted at ``node`` computes."""
        return self.members.get(node, frozenset({node}))

    def parents(self, u: int) -> list[int]:
        """The values unit ``u`` reads (non-constant, outside the unit), by id."""
        members = self.of(u)
        nodes = self.graph.nodes
        return sorted({q for m in members for q in nodes[m].parents
                       if q not in members and nodes[q].kind != "const"})

    def children(self, j: int) -> list[int]:
        """The units that read node ``j``, by id."""
        return self._children.get(j, [])

    # -- local partials --------------------------------------------------------------
    def partials(self, u: int, q: int) -> list[float]:
        """∂u/∂q: one entry per argument position for a one-node unit, else the total."""
        if u not in self.members:
            return self.ex.partials(u, q)
        return [self.partial_total(u, q)]

    def partial_total(self, u: int, q: int) -> float:
        if u not in self.members:
            return sum(self.ex.partials(u, q))
        return self._chain(u).get(q, 0.0)

    def _chain(self, u: int) -> dict[int, float]:
        """∂u/∂q for every parent q: a small reverse pass over the unit's members."""
        nodes = self.graph.nodes
        members = self.of(u)
        adj: dict[int, float] = {u: 1.0}
        out: dict[int, float] = {}
        for m in sorted(members, reverse=True):
            a = adj.get(m)
            if a is None:
                continue
            for q in dict.fromkeys(nodes[m].parents):
                if nodes[q].kind == "const":
                    continue
                d = a * sum(self.ex.partials(m, q))
                target = adj if q in members else out
                target[q] = target.get(q, 0.0) + d
        return out

    def own(self, u: int, values: Mapping[int, float]) -> tuple[float, dict[int, float]] | None:
        """Unit ``u``'s value and ∂u/∂q per parent when parents have ``values`` (the
        others their true values); None outside the domain."""
        if u not in self.members:
            n = self.graph.nodes[u]
            r = self.ex.own(u, values)
            if r is None:
                return None
            per: dict[int, float] = {}
            for pos, q in enumerate(n.parents):
                if r[1][pos] is not None:
                    per[q] = per.get(q, 0.0) + float(r[1][pos])  # type: ignore[arg-type]
            return r[0], per
        g, root, parents = self.local_graph(u)
        env = {f"__q{q}": float(values.get(q, self.ex.value(q))) for q in parents}
        try:
            p = primal(g, env)
            rev = reverse(g, p, linearize(g, p), g.outputs[0][0])
        except AutodiffVizError:
            return None
        return (float(p.values[root]),
                {q: float(rev.adjoints[g.names[f"__q{q}"]]) for q in parents})

    def local_graph(self, u: int) -> tuple[Graph, int, list[int]]:
        """The unit's operation alone, its parents named ``__q<id>``: (graph, root, parents)."""
        if u not in self._local:
            parents = self.parents(u)
            text = self.formula(u, lambda q: f"__q{q}")
            g = parse_cached(text)
            self._local[u] = (g, g.outputs[0][1], parents)
        return self._local[u]

    # -- formulas for messages -----------------------------------------------------------
    def formula(self, u: int, name: Callable[[int], str]) -> str:
        """Unit ``u``'s definition in terms of its parents, each shown as ``name(parent)``."""
        if self.graph.nodes[u].kind != "op":
            return name(u)
        members = self.of(u)
        texts: dict[int, tuple[str, int]] = {}
        for m in sorted(members):
            texts[m] = apply_format(self.graph.nodes[m].op, [  # type: ignore[arg-type]
                self._arg(q, members, texts, name) for q in self.graph.nodes[m].parents])
        return texts[u][0]

    def _arg(self, q: int, members: frozenset[int], texts: dict[int, tuple[str, int]],
             name: Callable[[int], str]) -> tuple[str, int]:
        n = self.graph.nodes[q]
        if n.kind == "const":
            return number(float(n.value))  # type: ignore[arg-type]
        if q in members:
            return texts[q]
        return name(q), PREC_ATOM

    def partial_formula(self, u: int, q: int, name: Callable[[int], str]) -> str:
        """∂u/∂q as a formula in the parents' names (the chain rule through the members)."""
        nodes = self.graph.nodes
        if nodes[u].kind != "op":
            return "0"
        members = self.of(u)
        texts: dict[int, tuple[str, int]] = {}
        for m in sorted(members):
            texts[m] = apply_format(nodes[m].op, [  # type: ignore[arg-type]
                self._arg(p, members, texts, name) for p in nodes[m].parents])
        sym: dict[int, list[str]] = {u: ["1"]}
        out: list[str] = []
        for m in sorted(members, reverse=True):
            if m not in sym:
                continue
            a = _sum(sym[m])
            n = nodes[m]
            args, consts = [], []
            for p in n.parents:
                t, prec = self._arg(p, members, texts, name)
                args.append(t if prec == PREC_ATOM else f"({t})")
                consts.append(float(nodes[p].value) if nodes[p].kind == "const" else None)  # type: ignore[arg-type]
            for pos, p in enumerate(n.parents):
                if nodes[p].kind == "const":
                    continue
                d = _product(a, n.op.partial_formula(pos, args, consts))  # type: ignore[union-attr]
                if p in members:
                    sym.setdefault(p, []).append(d)
                elif p == q:
                    out.append(d)
        return _sum(out) if out else "0"


def _sum(parts: list[str]) -> str:
    parts = [p for p in parts if p != "0"]
    return " + ".join(parts) if parts else "0"


def _product(a: str, b: str) -> str:
    if a == "1":
        return b
    if b == "1":
        return a
    wrap = (lambda s: s if s.replace(".", "").replace("_", "").isalnum() else f"({s})")
    return f"{wrap(a)}*{wrap(b)}"
