"""Match stage, part 1: what each line of a table is about, and the student's names.

A line is classified (primal step, adjoint, tangent, local partial, answer,
heading, problem statement) and its names are looked up: the student's own
names first (matched by structure, see :mod:`.mapping`), then input variables,
then the program's names and the key's labels (for lines that give no formula).

>>> from autodiff_viz.check.key_reader import load_key
>>> from autodiff_viz.check.table_grader import TableGrader
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "trace"}]})
>>> g = TableGrader(key, key.point(), "a = x1\\nw3 = a*x2")
>>> g.sname(3), g.sname(2), g.step_text(4)       # the student's w3 is our w4
('w3', 'sin(a)', 'sin(a) + w3')
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..graph import Graph
from ..ops import CONSTANTS
from .expected import Expected
from .figures import Figure, Tolerance
from .keys import NUMBER_ASKS, Key
from .line_parts import ParsedLine, located, parse_line
from .read import Line
from .report import CORRECT, UNREADABLE
from .symbols import Sym, safe_name, split_marks, written_name
from .units import Units

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
    role: str = ""  # chain lines: "partial" (summed on on a later line), "restates" (x̄1 = v̄-1)

    @property
    def ok(self) -> bool:
        return self.verdict == CORRECT



class NameLookup:
    """What a :class:`~autodiff_viz.check.table_grader.TableGrader` keeps, and its name lookups."""

    key: Key
    graph: Graph
    point: dict[str, Figure]
    tol: Tolerance
    ex: Expected
    lines: list[Line]
    entries: list[Entry]
    notes: list[str]
    map: dict[str, int]  # the student's primal names -> nodes
    how: dict[str, str]  # how each name was matched
    node_name: dict[int, str]  # node -> the student's (first) name for it
    sv: dict[tuple, float]  # the student's numbers: ("p", node), ("a", k, node), ("t", seed, node)
    st: dict[tuple, tuple[str, int, str]]  # the same keys -> (status, line, name as written)
    inputs: dict[str, int]
    labels: dict[str, int]
    table_names: set[str]
    known_names: set[str]
    known_safe: set[str]
    dashed: set[str]
    bound: frozenset[str]  # constant names (e, pi) that are variables here
    covered: dict[int, frozenset[int]]  # a primal line's node -> inner nodes it goes through
    shown: dict[int, str]  # sname of the nodes the student did not name (reset on a new name)
    units: Units  # the student's graph (see .units)


    section: str | None = None
    _last_kind: str | None = None
    ctx_seed: tuple[tuple[str, float], ...] | None = None
    ctx_output: str | None = None

    def _prescan(self) -> None:
        g = self.graph
        self.table_names: set[str] = set()
        self.dashed: set[str] = {n for n in self.labels if "-" in n}
        for line in self.lines:
            if line.kind == "step" and line.lhs is not None:
                t = line.lhs.text.strip()
                if re.fullmatch(r"[^\W\d]\w*(?:-\d+)?", t) and split_marks(t)[1] is None:
                    self.table_names.add(t)
                    if "-" in t:
                        self.dashed.add(t)
        base = set(self.inputs) | set(g.names) | set(self.labels) | set(g.output_names)
        for t in list(self.table_names):  # adj_w3, w3_bar, tan_w3 ... are symbols, not names
            m = re.match(r"^(?:adj|bar|tan|dot)_(.+)$", t) or re.match(r"^(.+?)_?(?:bar|dot)$", t)
            if m and (m.group(1) in self.table_names or m.group(1) in base):
                self.table_names.discard(t)
        self.known_names = self.table_names | base
        # e and pi are variables where the table or the key binds them (e = sin(b))
        self.bound = frozenset(n for n in CONSTANTS if n in self.known_names)
        self.known_safe = {safe_name(n) for n in self.known_names} | self.known_names

    def known(self, name: str) -> bool:
        return name in self.known_safe

    def resolve(self, name: str) -> int | None:
        """A name's node from the student's own lines, or an input variable."""
        name = written_name(name)
        if name in self.map:
            return self.map[name]
        return self.inputs.get(name)

    def resolve_any(self, name: str) -> int | None:
        """Also the program's names and the key's labels (for lines without a formula)."""
        name = written_name(name)
        r = self.resolve(name)
        if r is not None:
            return r
        if name in self.table_names:
            return None  # the table defines it, but not as a valid step
        if name in self.graph.names:
            return self.graph.names[name]
        return self.labels.get(name)

    def sname(self, node: int) -> str:
        """The student's name for a node; for a node they never named, what it computes
        in their names (never one of the key's labels, which they did not write)."""
        if node in self.node_name:
            return self.node_name[node]
        n = self.graph.nodes[node]
        if n.kind == "input":
            return n.name or ""
        if n.kind == "const":
            return n.text or ""
        cache = self.shown
        if node not in cache:
            cache[node] = "…"  # a guard while the definition below is written
            expr = self.step_text(node)
            if len(expr) > 60:
                expr = expr[:57] + "…"
            cache[node] = expr if re.fullmatch(r"\w+\(.*\)|[\w.]+", expr) else f"({expr})"
        return cache[node]

    def step_text(self, node: int) -> str:
        """The step's definition in the student's names: ``w1*w2`` (a unit's whole line)."""
        if self.graph.nodes[node].kind != "op":
            return self.graph.nodes[node].name or ""
        return self.units.formula(node, self.sname)

    def partial_text(self, child: int, parent: int) -> str:
        """∂child/∂parent as a formula in the student's names."""
        return self.units.partial_formula(child, parent, self.sname)

    def partial_is(self, child: int, parent: int, value: str) -> str:
        """``cos(w1) = -0.416147``, or just ``1`` when the formula is the number."""
        formula = self.partial_text(child, parent)
        try:
            same = float(formula) == float(value)
        except ValueError:
            same = False
        return value if same else f"{formula} = {value}"

    def out_name(self, k: int) -> str:
        """The student's name for the output of reverse pass ``k`` (``f`` where they wrote
        ``f = ...``), else the key's."""
        node = self.ex.output_node(k)
        written = [e.sym.a for e in self.entries if e.section == "reverse" and e.k == k
                   and e.sym is not None and e.sym.kind == "deriv" and e.sym.a]
        if written:  # the numerator of their own dz/dw3
            return written_name(max(set(written), key=written.count))
        alias = next((name for name, how in self.how.items()
                      if how == "alias" and self.map.get(name) == node), None)
        return alias or self.node_name.get(node) or self.ex.trace.reverse[k].output

    def is_output(self, name: str, k: int | None = None) -> bool:
        name = written_name(name)
        outs = self.graph.output_names
        if k is not None:
            target = self.ex.output_node(k)
            return (name == self.ex.trace.reverse[k].output
                    or self.resolve_any(name) == target)
        return name in outs or self.resolve_any(name) in {i for _, i in self.graph.outputs}

    def output_k(self, name: str | None) -> int | None:
        """The reverse pass for an output named ``name`` (the student's or ours)."""
        if name is None:
            return self.ex.reverse_index(self.key.output)
        name = written_name(name)
        for k, r in enumerate(self.ex.trace.reverse):
            if r.output == name or self.resolve_any(name) == self.ex.output_node(k):
                return k
        return None

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
        pl = parse_line(line, known, frozenset(self.dashed), self.bound)
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


    def _unusable(self, name: str) -> str:
        """Why a name a line uses stands for no value: not an input, or not a valid step."""
        name = written_name(name)
        line = next((e.line.lineno for e in getattr(self, "entries", [])
                     if e.section == "primal" and e.target == name), None)
        if line is not None:
            return f"it uses {name}, which is not a valid step (line {line})"
        return (f"{name} is neither a step of your table nor an input of the problem "
                f"(the inputs are {', '.join(self.graph.input_names)})")

    def _guard(self, e: Entry, judge: Any, *args: Any) -> Any:
        """``judge(e, *args)``; a checker bug becomes this line's verdict, never a crash,
        and the rest of the table is still graded."""
        try:
            return judge(e, *args)
        except Exception as err:  # noqa: BLE001 - one line must not stop the grading
            e.verdict = UNREADABLE
            e.message = (f"the checker could not judge this line (internal error: "
                         f"{type(err).__name__}: {err}); please report it with the table")
            return None

    def _seed_for(self, var: str) -> tuple[tuple[str, float], ...]:
        return tuple((n, 1.0 if n == var else 0.0) for n in self.graph.input_names)

    def _forward_seed_default(self) -> tuple[tuple[str, float], ...] | None:
        for a in self.key.asks:
            if a.kind in ("forward", "tangent") and a.seed:
                return a.seed
        return None

