"""Problem keys: the expression, the point(s), what is asked, points and tolerance.

A key is a TOML, JSON or YAML file (or a dict with the same fields)::

    title = "Worked example"
    expression = "sin(x1) + x1*x2"
    at = { x1 = 2, x2 = 3 }

    [[ask]]
    kind = "gradient"
    points = 2

>>> from autodiff_viz.check.key_reader import load_key
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "gradient"}, {"kind": "reverse"}]})
>>> [a.name for a in key.asks], key.describe()
(['gradient', 'reverse'], 'z = sin(x1) + x1*x2 at x1=2, x2=3')
>>> round(key.expected(key.point()).adjoint(0, 0), 4)
2.5839
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ..errors import AutodiffVizError, ProblemKeyError
from ..graph import Graph
from ..printing import format_number
from .expected import Expected
from .figures import Figure, Tolerance
from .tensors import hashable, is_array, plain, point_text

KINDS: dict[str, str] = {
    "value": "a node's value (default: the output)",
    "gradient": "every ∂output/∂input",
    "jacobian": "∂output/∂input for every output and input",
    "tangent": "a node's tangent for a seed (default node: the output)",
    "adjoint": "a node's adjoint ∂output/∂node",
    "formula": "∂output/∂input as a formula in the inputs",
    "trace": "the primal trace table (one line per operation)",
    "forward": "the forward trace table for one seed",
    "reverse": "the reverse trace table",
    "hessian": "second derivatives ∂²output/∂xi∂xj: the whole Hessian, or one entry (wrt)",
    "second_formula": "∂²output/∂xi∂xj as a formula in the inputs",
}
KIND_ALIASES = {"primal": "trace", "values": "trace", "grad": "gradient",
                "derivative": "formula", "backward": "reverse", "tangents": "forward",
                "adjoints": "reverse", "second": "hessian", "second_derivative": "hessian",
                "hessian_formula": "second_formula", "second_derivative_formula": "second_formula"}
TABLE_KINDS = ("trace", "forward", "reverse")
NUMBER_ASKS = ("value", "gradient", "jacobian", "tangent", "adjoint", "formula")
SECOND_ASKS = ("hessian", "second_formula")  # read and graded by .hessians
COMMON_FIELDS = {"kind", "name", "points", "total", "at", "title"}
KIND_FIELDS = {
    "value": {"node", "partial_credit"}, "gradient": {"output", "wrt", "partial_credit"},
    "jacobian": {"partial_credit"},
    "tangent": {"node", "wrt", "seed", "partial_credit"},
    "adjoint": {"node", "output", "partial_credit"},
    "formula": {"wrt", "output"}, "trace": {"inputs", "complete"},
    "forward": {"wrt", "seed", "inputs", "complete"}, "reverse": {"output", "inputs", "complete"},
    "hessian": {"wrt", "output"}, "second_formula": {"wrt", "output"},
}
TOP_FIELDS = {"title", "expression", "program", "output", "at", "random", "notation", "share",
        "tolerance", "carried_credit", "formulas", "ask", "description"}


@dataclass(frozen=True)
class Ask:
    """One thing the problem asks for, and what each of its items is worth."""

    name: str
    kind: str
    points: float = 1.0
    total: float | None = None
    title: str = ""
    node: int | None = None  # value/tangent/adjoint: which node
    node_text: str | None = None
    wrt: str | None = None
    seed: tuple[tuple[str, float], ...] | None = None
    output: str | None = None
    at: str = ""  # the point's name ("" is the default point)
    inputs: bool = False  # trace tables: input and seed lines are graded items
    complete: bool = True  # trace tables: a step without a line is missing (and costs its points)
    wrt_inputs: tuple[str, ...] = ()  # gradient: the inputs asked for (empty: every input);
    # hessian, second_formula: the two inputs of one entry (empty: the whole Hessian)
    partial_credit: bool = False  # a vector or matrix earns its points per entry right

    @property
    def seed_dict(self) -> dict[str, float] | None:
        return dict(self.seed) if self.seed is not None else None

    def label(self) -> str:
        """A short human name: ``gradient``, ``forward trace (seed x2=1)``."""
        if self.title:
            return self.title
        if self.kind == "forward" and self.seed:
            return "forward trace (seed " + ", ".join(
                f"{k}={format_number(v)}" for k, v in self.seed if v != 0) + ")"
        return {"trace": "primal trace", "reverse": "reverse trace"}.get(self.kind, self.name)


@dataclass(frozen=True)
class RandomPoints:
    """Per-student points: each input drawn in its range from a seeded generator."""

    seed: int
    ranges: tuple[tuple[str, float, float], ...]
    decimals: int = 1


@dataclass(frozen=True)
class FormulaSettings:
    """How derivative formulas are compared: how many random points, where, how close."""

    samples: int = 24
    seed: int = 0
    ranges: tuple[tuple[str, float, float], ...] = ()
    rtol: float = 1e-7
    atol: float = 1e-9


@dataclass
class Key:
    """A loaded, validated problem key."""

    source: str
    graph: Graph
    asks: tuple[Ask, ...]
    title: str = ""
    points: dict[str, dict[str, Any]] = field(default_factory=dict)  # Figure or nested lists
    random: RandomPoints | None = None
    notation: str = "w"
    tolerance: Tolerance = field(default_factory=Tolerance)
    carried_credit: float = 1.0
    formulas: FormulaSettings = field(default_factory=FormulaSettings)
    output: str | None = None
    path: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)  # the fields as read
    text: str | None = field(default=None, repr=False, compare=False)  # the file's text
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- points ----------------------------------------------------------------
    @property
    def arrays(self) -> bool:
        """True when a point gives an input a vector or matrix (the answers are arrays)."""
        return any(is_array(v) for pt in self.points.values() for v in pt.values())

    def gradient_inputs(self, ask: Ask) -> list[int]:
        """The inputs a gradient ask asks for (its ``wrt``, else every input), by node id."""
        g = self.graph
        if not ask.wrt_inputs:
            return list(g.inputs)
        return [g.names[n] for n in ask.wrt_inputs]

    @property
    def needs_student(self) -> bool:
        """True when the default point is drawn per student (``random`` without ``at``)."""
        return "" not in self.points and self.random is not None

    def point(self, name: str = "", student: str | None = None) -> dict[str, Figure]:
        """The point called ``name`` ("" is the default); random keys need ``student``."""
        if name in self.points:
            return self.points[name]
        if self.random is None:
            raise ProblemKeyError(f"the key has no point named {name!r}", path=self.path)
        if student is None:
            raise ProblemKeyError(
                "this problem gives every student their own point, so the submission must "
                "say whose it is", path=self.path,
                hint='add student = "NAME" to the submission, or name the file after '
                     'the student (e.g. alice.txt)')
        return self.point_for(student)

    def point_for(self, student: str) -> dict[str, Figure]:
        """The student's own point (deterministic: the key's seed and the student's name).

        Points where the expression is undefined or not differentiable are skipped.
        """
        ck = ("point", student)
        if ck in self._cache:
            return self._cache[ck]
        r = self.random
        assert r is not None
        digest = hashlib.sha256(f"{r.seed}\x00{student.strip()}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        ranges = {n: (lo, hi) for n, lo, hi in r.ranges}
        for _ in range(200):
            pt = {}
            for n in self.graph.input_names:
                lo, hi = ranges.get(n, (-3.0, 3.0))
                v = round(float(rng.uniform(lo, hi)), r.decimals)
                pt[n] = Figure(v + 0.0)
            if self._usable(pt):
                self._cache[ck] = pt
                return pt
        raise ProblemKeyError(f"could not find a point inside the domain for {student!r}",
                              path=self.path, hint="widen or move the [random] ranges")

    def _usable(self, pt: Mapping[str, float]) -> bool:
        from ..api import trace

        try:
            t = trace(self.graph, {k: plain(v) for k, v in pt.items()}, mode="reverse")
        except AutodiffVizError:
            return False
        return not any(s.flags for s in t.steps)

    # -- expected values ---------------------------------------------------------
    def expected(self, point: Mapping[str, float], seed: Mapping[str, float] | None = None
                 ) -> Expected:
        """The trace records at ``point`` (with one forward pass along ``seed``)."""
        from ..api import trace

        ck = ("trace", tuple(sorted((k, hashable(v)) for k, v in point.items())),
              tuple(sorted(seed.items())) if seed else None)
        if ck not in self._cache:
            pt = {k: plain(v) for k, v in point.items()}
            if seed:
                t = trace(self.graph, pt, mode="both", seed=dict(seed), notation=self.notation)
            else:
                t = trace(self.graph, pt, mode="reverse", notation=self.notation)
            self._cache[ck] = Expected(t)
        return self._cache[ck]

    def describe(self, point: Mapping[str, float] | None = None) -> str:
        """``z = sin(x1) + x1*x2 at x1=2, x2=3``."""
        g = self.graph
        exprs = g.expressions("text")
        head = "; ".join(f"{name} = {exprs[i] or g.formula(i, self.notation)}"
                         for name, i in g.outputs)
        if point is None and "" in self.points:
            point = self.points[""]
        if point:
            head += " at " + ", ".join(f"{k}={point_text(v)}" for k, v in point.items())
        return head
