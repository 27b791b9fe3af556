"""What the passes stored, looked up the way the checker needs it.

Every expected number comes from a :class:`~autodiff_viz.trace.Trace`'s step
records; nothing here recomputes mathematics. ``local_graph`` gives one node's
operation as a small graph so a student's *own* earlier numbers can be pushed
through the same operation with the project's passes (for "follows from the
earlier error").

>>> import autodiff_viz as av
>>> ex = Expected(av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2"))
>>> ex.value(3), ex.partials(3, 0), ex.tangent(0, 4), round(ex.adjoint(0, 0), 4)
(6.0, [3.0], 2.0, 2.5839)
>>> ex.own(3, {0: 2.0, 1: 4.0})     # w4 = w1*w2 with the student's w2 = 4
(8.0, [4.0, 2.0])
"""
from __future__ import annotations

from functools import cached_property
from typing import Any, Mapping

from ..graph import Graph
from ..ops import PREC_ATOM
from ..printing import number
from ..trace import ForwardStep, ReverseStep, Trace
from .evaluate import evaluate_partials, parse_cached


class Expected:
    """Lookups over one trace: values, local partials, tangents, adjoints, children."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.graph: Graph = trace.graph
        self.steps = trace.steps
        self.names: list[str] = list(trace.names)
        self._fwd: dict[int, dict[int, ForwardStep]] = {}
        self._rev: dict[int, dict[int, ReverseStep]] = {}
        self._own: dict[tuple, Any] = {}

    # -- primal ---------------------------------------------------------------
    def value(self, i: int) -> float:
        return float(self.steps[i].value)

    def formula(self, i: int) -> str:
        """Node ``i``'s definition in the key's names (``w1*w2``; inputs give their variable)."""
        return self.steps[i].formula

    def partials(self, i: int, parent: int) -> list[float]:
        """∂node_i/∂parent, one entry per argument position that uses ``parent``."""
        return [float(p.value) for p in self.steps[i].partials if p.parent == parent]

    def parents(self, i: int) -> list[int]:
        """Non-constant parents of node ``i`` (each once), by id."""
        nodes = self.graph.nodes
        return sorted({q for q in nodes[i].parents if nodes[q].kind != "const"})

    # -- forward --------------------------------------------------------------
    def _forward(self, k: int) -> dict[int, ForwardStep]:
        if k not in self._fwd:
            self._fwd[k] = {s.node: s for s in self.trace.forward_steps(k)}
        return self._fwd[k]

    def tangent(self, k: int, i: int) -> float:
        s = self._forward(k).get(i)
        return float(s.tangent) if s is not None else 0.0

    # -- reverse --------------------------------------------------------------
    def reverse_index(self, output: str | None) -> int | None:
        for k, r in enumerate(self.trace.reverse):
            if output is None or r.output == output:
                return k
        return None

    def _reverse(self, k: int) -> dict[int, ReverseStep]:
        if k not in self._rev:
            self._rev[k] = {s.node: s for s in self.trace.reverse_steps(k)}
        return self._rev[k]

    def reached(self, k: int, i: int) -> bool:
        return i in self._reverse(k)

    def adjoint(self, k: int, i: int) -> float:
        s = self._reverse(k).get(i)
        return float(s.adjoint) if s is not None else 0.0

    def reverse_order(self, k: int) -> list[int]:
        return list(self.trace.reverse[k].order)

    def output_node(self, k: int) -> int:
        return self.graph.output_id(self.trace.reverse[k].output)

    # -- a node's operation on the student's own numbers ------------------------
    @cached_property
    def _local(self) -> dict[int, tuple[Graph, int]]:
        return {}

    def local_graph(self, i: int) -> tuple[Graph, int]:
        """Node ``i``'s operation alone, its arguments named ``__p0``, ``__p1``, ... ."""
        if i not in self._local:
            n = self.graph.nodes[i]
            args = []
            for pos, q in enumerate(n.parents):
                pn = self.graph.nodes[q]
                if pn.kind == "const":
                    text, prec = number(float(pn.value))  # type: ignore[arg-type]
                    args.append((f"({text})" if prec != PREC_ATOM else text, PREC_ATOM))
                else:
                    args.append((f"__p{pos}", PREC_ATOM))
            g = parse_cached(self.graph.formula(i, args=args))
            self._local[i] = (g, g.outputs[0][1])
        return self._local[i]

    def own(self, i: int, values: Mapping[int, float]) -> tuple[float, list[float | None]] | None:
        """Node ``i``'s value and per-argument partials when its parents have ``values``.

        Parents missing from ``values`` take their true value; None outside the domain.
        """
        n = self.graph.nodes[i]
        if n.kind != "op":
            return None
        key = (i, tuple(values.get(q, self.value(q)) for q in n.parents))
        if key not in self._own:
            g, root = self.local_graph(i)
            env = {f"__p{pos}": v for pos, v in enumerate(key[1])}
            env = {k: env[k] for k in g.input_names}
            self._own[key] = evaluate_partials(g, root, [env])[0]
        return self._own[key]
