"""Evaluating small graphs (a student's formula, one node's operation) with the project's passes.

Several environments (true values, the student's own values, ...) are
evaluated in one batched primal pass; an environment outside the domain gives
None instead of stopping the others.

>>> from autodiff_viz import parse
>>> g = parse("a*b + sin(a)")
>>> rows = evaluate(g, [{"a": 2.0, "b": 3.0}, {"a": 0.0, "b": 1.0}])
>>> round(rows[0][-1], 4), rows[1][-1]
(6.9093, 0.0)
>>> evaluate(parse("log(a)"), [{"a": -1.0}, {"a": 1.0}])[0] is None
True
"""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np

from ..errors import AutodiffVizError
from ..graph import Graph
from ..parse_fast import parse
from ..passes import linearize, primal

Row = list[float]


@lru_cache(maxsize=8192)
def parse_cached(text: str, variables: frozenset[str] = frozenset()) -> Graph:
    """``parse(text, variables=...)``, remembered: many students write the same lines.

    ``variables``: constant names (e, pi) that the table binds, so they are variables.
    """
    return parse(text, variables=variables)


def _rows(values: list, n: int) -> list[Row]:
    cols = [[float(v)] * n if np.ndim(v) == 0 else np.asarray(v, dtype=float).tolist()
            for v in values]
    return [list(r) for r in zip(*cols)] if cols else [[] for _ in range(n)]


_MEMO: dict[tuple, list[Row | None]] = {}
_MEMO_SIZE = 50_000


def evaluate(graph: Graph, envs: Sequence[Mapping[str, float]]) -> list[Row | None]:
    """Value of every node (by id) in each environment; None where it is out of the domain.

    Remembered (per formula text and environment): a class writes the same lines.
    """
    key = None
    if graph.source is not None:
        key = (graph.source, tuple(graph.input_names), tuple(tuple(sorted((k, float(v)) for k, v in e.items()))
                                   for e in envs))
        hit = _MEMO.get(key)
        if hit is not None:
            return [None if r is None else list(r) for r in hit]
    out = _evaluate(graph, envs)
    if key is not None:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[key] = out
        out = [None if r is None else list(r) for r in out]
    return out


def _evaluate(graph: Graph, envs: Sequence[Mapping[str, float]]) -> list[Row | None]:
    n = len(envs)
    if n == 0:
        return []
    names = graph.input_names
    if n > 1:
        at = {k: np.array([float(e[k]) for e in envs]) for k in names}
        try:
            return list(_rows(primal(graph, at).values, n))
        except AutodiffVizError:
            pass
    out: list[Row | None] = []
    for e in envs:
        try:
            out.append(_rows(primal(graph, {k: float(e[k]) for k in names}).values, 1)[0])
        except AutodiffVizError:
            out.append(None)
    return out


def evaluate_partials(graph: Graph, node: int, envs: Sequence[Mapping[str, float]]
                      ) -> list[tuple[float, list[float | None]] | None]:
    """Value of ``node`` and its local partials (per argument; None for constants) per env."""
    out: list[tuple[float, list[float | None]] | None] = []
    names = graph.input_names
    n = len(envs)
    if n > 1:
        try:
            p = primal(graph, {k: np.array([float(e[k]) for e in envs]) for k in names})
            lin = linearize(graph, p)
            vals = _rows([p.values[node]], n)
            parts = [None if d is None else _rows([d], n) for d in lin.partials[node]]
            if not p.flags and not lin.flags:
                return [(vals[e][0], [None if c is None else c[e][0] for c in parts])
                        for e in range(n)]
        except AutodiffVizError:
            pass
    for e in envs:
        try:
            p = primal(graph, {k: float(e[k]) for k in names})
            lin = linearize(graph, p)
        except AutodiffVizError:
            out.append(None)
            continue
        out.append((float(p.values[node]),
                    [None if d is None else float(d) for d in lin.partials[node]]))
    return out
