"""The table grader: every line of a trace table through the pipeline, and its answers.

Read (:mod:`.read`) → match lines to graph nodes (:mod:`.names`, :mod:`.mapping`)
→ judge each line (:mod:`.judge_primal`, :mod:`.judge_chain`); :mod:`.grade`
turns the verdicts into a report.

>>> from autodiff_viz.check.key_reader import load_key
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "trace"}]})
>>> g = TableGrader(key, key.point(), "a = x1\\nb = x2\\nc = a*b = 6\\nd = sin(a) = 0.95\\n"
...                 "e = d + c = 6.95")
>>> [(e.lhs, e.verdict) for e in g.entries]
[('a', 'correct'), ('b', 'correct'), ('c', 'correct'), ('d', 'wrong value'), ('e', 'carried')]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph import Graph
from ..ops import CONSTANTS
from .expected import Expected
from .figures import Figure, Tolerance
from .judge_chain import ChainJudging
from .judge_primal import PrimalJudging
from .keys import NUMBER_ASKS, Key
from .names import Entry
from .read import Line, read_table
from .units import Units


@dataclass
class Answer:
    """A student's answer to a number ask: a figure, a formula, or a table of figures."""

    value: Any
    lines: dict[str, int] = field(default_factory=dict)  # entry -> line of the table


class TableGrader(PrimalJudging, ChainJudging):
    """Grade every line of ``text`` against ``key`` at ``point``; see :attr:`entries`."""

    def __init__(self, key: Key, point: dict[str, Figure], text: str | list[Line],
                 origin: str = "") -> None:
        self.key = key
        self.graph: Graph = key.graph
        self.point = point
        self.tol: Tolerance = key.tolerance
        self.ex: Expected = key.expected(point)
        self.lines = read_table(text, origin) if isinstance(text, str) else text
        self.notes: list[str] = [ln.note for ln in self.lines  # lines too long to read
                                 if ln.kind == "skipped" and ln.note]
        self.map: dict[str, int] = {}  # student primal name -> node
        self.how: dict[str, str] = {}  # how the name was matched
        self.node_name: dict[int, str] = {}  # node -> the student's (first) name for it
        self.sv: dict[tuple, float] = {}  # student values: ("p", node), ("a", k, node), ("t", seed, node)
        self.st: dict[tuple, tuple[str, int, str]] = {}  # same keys -> (status, line, name)
        g = self.graph
        self.inputs = {g.nodes[i].name or "": i for i in g.inputs}
        self.labels = {}
        for names in (g.labels(key.notation), g.display_names(key.notation)):
            for i, label in enumerate(names):
                if g.nodes[i].kind != "const":
                    self.labels.setdefault(label, i)
        self.covered: dict[int, frozenset[int]] = {}  # a line's node -> inner nodes it covers
        self.shown: dict[int, str] = {}
        self.units = Units(self.graph, self.ex, {})  # one-node units until lines are matched
        self._prescan()
        self.entries: list[Entry] = [self._classify(line) for line in self._context_lines()]
        for index, e in enumerate(self.entries):
            e.index = index
        for name in sorted(self.bound & self.table_names - set(self.graph.user_names)):
            line = next(e.line.lineno for e in self.entries if e.lhs == name)
            self.notes.append(f"{name} is your name for a step here (line {line}), not the "
                              f"constant {name} = {CONSTANTS[name]:.6g}")
        self._grade_headings()
        self._map_primal()
        self._build_units()
        for e in self.entries:  # derivative lines need the names the primal lines define
            if e.section == "pending":
                self._classify_symbol(e, e.sym, e.ctx)  # type: ignore[arg-type]
        self._grade_primal()
        self._grade_partials()  # before the chain rule lines that may use them
        self._grade_forward()
        self._grade_reverse()

    # -- classification ---------------------------------------------------------------

    # -- answers for the number asks --------------------------------------------------
    def answers(self) -> dict[str, "Answer"]:
        """Numbers and formulas the table gives for the key's number asks."""
        out: dict[str, Answer] = {}
        g = self.graph
        for a in self.key.asks:
            if a.kind not in NUMBER_ASKS:
                continue
            ans: Answer | None = None
            if a.kind == "value":
                ans = self._single(self._first("primal", a.node))
            elif a.kind == "adjoint":
                ans = self._single(self._first("reverse", a.node, k=self.ex.reverse_index(a.output)))
            elif a.kind == "tangent":
                ans = self._single(self._first("forward", a.node, seed=a.seed))
            elif a.kind in ("gradient", "jacobian"):
                outs = [a.output or g.output_names[0]] if a.kind == "gradient" else g.output_names
                table: dict[str, dict[str, Any]] = {}
                lines: dict[str, int] = {}
                for o in outs:
                    k = self.ex.reverse_index(o)
                    for i in g.inputs:
                        var = g.nodes[i].name or ""
                        e = self._first("reverse", i, k=k) if k is not None else None
                        e = e or self._first("forward", g.output_id(o), seed=self._seed_for(var))
                        e = e or next((x for x in self.entries if x.section == "formula"
                                       and x.target == var and x.pl and x.pl.value is not None
                                       and len(outs) == 1), None)
                        if e is not None:
                            table.setdefault(o, {})[var] = e.pl.value  # type: ignore[union-attr]
                            lines[var if a.kind == "gradient" else f"{o}/{var}"] = e.line.lineno
                if table:
                    ans = Answer(table[outs[0]] if a.kind == "gradient" else table, lines)
            elif a.kind == "formula":
                e = next((x for x in self.entries if x.section == "formula" and x.ask == a.name),
                         None)
                if e is not None:
                    ans = Answer(e.pl.symbolic.piece.text, {"": e.line.lineno})  # type: ignore[union-attr]
            for e in self.entries:
                if e.section == "answer" and e.ask == a.name and e.pl is not None:
                    if e.pl.value is not None:
                        ans = Answer(e.pl.value, {"": e.line.lineno})
                    elif e.pl.symbolic is not None:
                        ans = Answer(e.pl.symbolic.piece.text, {"": e.line.lineno})
            if ans is not None:
                out[a.name] = ans
        return out

    def _single(self, e: Entry | None) -> "Answer | None":
        return Answer(e.pl.value, {"": e.line.lineno}) if e is not None else None  # type: ignore[union-attr]

    def _first(self, section: str, node: int | None, k: int | None = None,
               seed: Any = None) -> Entry | None:
        """The line that answers for ``node``: the first primal line; for adjoints and
        tangents the last (a sum over several lines ends there)."""
        found = [e for e in self.entries
                 if e.section == section and e.node == node and e.pl is not None
                 and e.pl.value is not None and (k is None or e.k == k)
                 and (seed is None or e.seed == seed)]
        if not found:
            return None
        if section == "primal":
            return found[0]
        var = self.graph.nodes[node].name if node is not None else None
        named = [e for e in found if e.target == var and var]  # x̄2 = v̄0 = 1.716: the answer
        final = [e for e in found if e.role == ""]  # where a sum over several lines ends
        return (named or final or found)[-1]
