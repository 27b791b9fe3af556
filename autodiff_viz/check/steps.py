"""Grading a student's trace table line by line.

Lines are matched to graph nodes by structure (:mod:`.match`), each line gets
a verdict, and a line computed correctly from the student's own wrong earlier
value is marked as following from that error. Expected numbers are the trace
records' (:mod:`.expected`); the student's formulas are evaluated with the
project's passes (:mod:`.evaluate`).

>>> import autodiff_viz as av
>>> from autodiff_viz.check.keys import load_key
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "trace"}]})
>>> g = TableGrader(key, key.point(), "a = x1\\nb = x2\\nc = a*b = 6\\nd = sin(a) = 0.95\\n"
...                 "e = d + c = 6.95")
>>> [(e.lhs, e.verdict) for e in g.entries]
[('a', 'correct'), ('b', 'correct'), ('c', 'correct'), ('d', 'wrong value'), ('e', 'carried')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..graph import Graph
from .answers import NUMBER_ASKS, TableAnswers
from .chain_lines import ChainLines
from .expected import Expected
from .figures import Figure, Tolerance
from .keys import Key
from .line_parts import ParsedLine, located, parse_line
from .primal_lines import PrimalLines
from .report import CORRECT, UNREADABLE
from .symbols import Sym, written_name
from .table import Line, read_table


_NAME = re.compile(r"^[^\W\d]\w*$")


@dataclass
class Entry:
    """A line of the table and what the checker made of it."""

    line: Line
    pl: ParsedLine | None
    section: str  # primal forward reverse partial problem heading formula answer unreadable
    lhs: str  # the left side as written
    target: str | None = None  # the student's name of the node the line is about
    node: int | None = None
    k: int | None = None  # reverse pass index
    seed: tuple[tuple[str, float], ...] | None = None  # forward seed
    output: str | None = None
    style: str = "leibniz"  # how the student writes derivatives: leibniz, mark, prefix
    pair: tuple[int, int] | None = None  # partial lines: (child, parent)
    ask: str = ""  # answer lines: the ask's name
    verdict: str = ""
    expected: Any = None
    got: Any = None
    message: str = ""
    notes: list[str] = field(default_factory=list)
    invalid: str = ""  # why the line is not a valid step (primal)
    index: int = 0  # position in the table(s), for reading order
    sym: Sym | None = None  # the derivative on the left side (until classified)
    value_status: str = ""  # the value alone: ok, carried or wrong
    ctx: tuple = ()  # the section, seed and output the headings above it set

    @property
    def ok(self) -> bool:
        return self.verdict == CORRECT


class TableGrader(PrimalLines, ChainLines, TableAnswers):
    """Grade every line of ``text`` against ``key`` at ``point``; see :attr:`entries`."""

    def __init__(self, key: Key, point: dict[str, Figure], text: str | list[Line],
                 origin: str = "") -> None:
        self.key = key
        self.graph: Graph = key.graph
        self.point = point
        self.tol: Tolerance = key.tolerance
        self.ex: Expected = key.expected(point)
        self.lines = read_table(text, origin) if isinstance(text, str) else text
        self.notes: list[str] = []
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
        self._prescan()
        self.entries: list[Entry] = [self._classify(line) for line in self._context_lines()]
        for index, e in enumerate(self.entries):
            e.index = index
        self._grade_headings()
        self._map_primal()
        for e in self.entries:  # derivative lines need the names the primal lines define
            if e.section == "pending":
                self._classify_symbol(e, e.sym, e.ctx)  # type: ignore[arg-type]
        self._grade_primal()
        self._grade_forward()
        self._grade_reverse()
        self._grade_partials()

    # -- classification ---------------------------------------------------------------
    def _context_lines(self) -> list[Line]:
        return [l for l in self.lines if l.kind in ("step", "problem", "heading")]

    def _classify(self, line: Line) -> Entry:
        if line.kind == "heading":
            self._context(line)
            return self._heading_entry(line)
        if line.kind == "problem":
            return Entry(line, None, "problem", line.lhs.text if line.lhs else "")
        known = self.known
        pl = parse_line(line, known, frozenset(self.dashed))
        lhs_text = line.lhs.text if line.lhs is not None else ""
        e = Entry(line, pl, "unreadable", lhs_text)
        lhs = pl.lhs
        if lhs is None or not lhs.text.strip():
            e.verdict, e.message = UNREADABLE, "no name before '='"
            return e
        t = lhs.text.strip()
        if t in lhs.syms:
            e.section, e.sym = "pending", lhs.syms[t]
            e.ctx = (self.section, self.ctx_seed, self.ctx_output)
        elif _NAME.match(t):
            name = lhs.written(t)
            ask = next((a for a in self.key.asks if a.name == name and a.kind in NUMBER_ASKS),
                       None)
            if ask is not None and name not in self.known_names - self.table_names:
                e.section, e.ask = "answer", ask.name
            else:
                e.section, e.target = "primal", name
        else:
            e.verdict = UNREADABLE
            e.message = located(line, "the left side must be one name (w3) or one derivative "
                                "(dz/dw3, w̄3, ẇ3, dw3/dx1)", line.lhs.col(0),  # type: ignore[union-attr]
                                len(lhs_text)).render().removeprefix("error: ")
            return e
        if pl.error is not None and e.section not in ("unreadable",):
            e.section = "unreadable" if e.section == "pending" else e.section
            e.verdict, e.message = UNREADABLE, pl.error.render().removeprefix("error: ")
        return e

    def _context(self, line: Line) -> None:
        if line.section:
            self.section = line.section
        if line.section == "forward":
            self.ctx_seed = None
            if line.seed:
                try:
                    vals = {n: float(Figure.parse(p.text)) for n, p in line.seed.items()}
                except ValueError:
                    vals = {}
                if vals and all(n in self.inputs for n in vals):
                    nz = [n for n, v in vals.items() if v != 0]
                    self.ctx_seed = (self._seed_for(nz[0]) if len(nz) == 1
                                     else tuple((n, vals.get(n, 0.0)) for n in self.graph.input_names))
            elif line.wrt and line.wrt in self.inputs:
                self.ctx_seed = self._seed_for(line.wrt)
        if line.section == "reverse":
            self.ctx_output = line.output

    section: str | None = None
    _last_kind: str | None = None
    ctx_seed: tuple[tuple[str, float], ...] | None = None
    ctx_output: str | None = None

    def _heading_entry(self, line: Line) -> Entry:
        e = Entry(line, None, "heading", line.text.strip())
        if line.section == "forward" and line.seed:
            e.section = "seed"
        return e

    def _classify_symbol(self, e: Entry, sym: Sym, ctx: tuple) -> None:
        pl = e.pl
        assert pl is not None
        section, ctx_seed, ctx_output = ctx
        e.style = {"deriv": "leibniz"}.get(sym.kind, "mark")
        if sym.kind != "deriv" and re.match(r"^(adj|bar|tan|dot)_", sym.text):
            e.style = "prefix"
        if sym.kind in ("adjoint", "tangent"):
            self._last_kind = "reverse" if sym.kind == "adjoint" else "forward"
        if sym.kind == "adjoint":
            e.section, e.target = "reverse", sym.b
            e.k = self.output_k(ctx_output)
            return
        if sym.kind == "tangent":
            e.section, e.target = "forward", sym.b
            e.seed = ctx_seed or self._forward_seed_default()
            if e.seed is None:
                e.section = "unreadable"
                e.verdict = UNREADABLE
                e.message = ("which seed is this tangent for? Start the forward trace with a "
                             "heading such as 'Forward trace, seed x1=1', or write dw3/dx1")
            return
        a, b = written_name(sym.a or ""), written_name(sym.b)
        out_a = self.is_output(a)
        var_b = b if b in self.inputs else None  # dw3/dx2: a tangent needs the variable's name
        formula_ask = next((x for x in self.key.asks if x.kind == "formula" and x.wrt == b), None)
        rhs_syms = [s for f in ([pl.symbolic] if pl.symbolic else []) for s in f.rw.syms.values()]
        if (out_a and b in self.inputs and formula_ask is not None and pl.symbolic is not None
                and not rhs_syms and all(n in self.inputs or n in self.graph.names
                                         for n in pl.symbolic.names)
                and not any(n in self.table_names for n in pl.symbolic.names)):
            e.section, e.target, e.ask = "formula", b, formula_ask.name
            return
        if out_a and var_b is not None:
            if section in ("forward", "reverse"):
                kind = section
            elif any(s.kind == "adjoint" or (s.kind == "deriv" and self.is_output(s.a or ""))
                     for s in rhs_syms):
                kind = "reverse"
            elif any(s.kind == "tangent" or (s.kind == "deriv" and s.b == b) for s in rhs_syms):
                kind = "forward"
            elif self._last_kind in ("forward", "reverse"):
                kind = self._last_kind  # dw5/dx2 after forward lines is a tangent too
            elif any(x.kind in ("reverse", "gradient") for x in self.key.asks):
                kind = "reverse"
            else:
                kind = "forward"
        elif out_a:
            kind = "reverse"
        elif var_b is not None:
            kind = "forward"
        else:
            kind = "partial"
        if kind in ("forward", "reverse") and not (out_a and var_b is not None):
            self._last_kind = kind
        if kind == "reverse":
            e.section, e.target = "reverse", b
            e.k = self.output_k(a) if out_a else self.output_k(None)
        elif kind == "forward":
            e.section, e.target = "forward", a
            e.seed = self._seed_for(var_b)  # type: ignore[arg-type]
        else:
            e.section, e.target = "partial", None
            ca, cb = self.resolve_any(a), self.resolve_any(b)
            if ca is None or cb is None:
                e.section, e.verdict = "unreadable", UNREADABLE
                e.message = (f"cannot tell what d{a}/d{b} is: {a if ca is None else b} is not "
                             f"a step of your table")
            else:
                e.pair = (ca, cb)
