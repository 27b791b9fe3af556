"""Names in a student's table: which node each stands for, and how to show nodes to them.

Part of :class:`~autodiff_viz.check.steps.TableGrader`: a student's own names
come first (matched by structure), then input variables, then the program's
names and the key's labels (for lines that give no formula).

>>> from autodiff_viz.check.keys import load_key
>>> from autodiff_viz.check.steps import TableGrader
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "trace"}]})
>>> g = TableGrader(key, key.point(), "a = x1\\nw3 = a*x2")
>>> g.sname(3), g.sname(2), g.step_text(4)       # the student's w3 is our w4
('w3', 'sin(x1)', 'sin(x1) + w3')
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..ops import PREC_ATOM
from ..printing import number
from .symbols import safe_name, split_marks, written_name

if TYPE_CHECKING:
    from ..graph import Graph
    from .expected import Expected
    from .figures import Figure, Tolerance
    from .keys import Key
    from .steps import Entry
    from .table import Line


class GraderState:
    """What :class:`~autodiff_viz.check.steps.TableGrader` keeps while it grades a table."""

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


class NameLookup(GraderState):
    """Methods of :class:`~autodiff_viz.check.steps.TableGrader` (see the module doc)."""

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
        """The student's name for a node (the key's name when they have none)."""
        if node in self.node_name:
            return self.node_name[node]
        n = self.graph.nodes[node]
        if n.kind == "input":
            return n.name or ""
        ours = self.ex.names[node]
        if ours not in self.map and ours not in self.table_names:
            return ours
        expr = self.graph.expressions("text")[node] or ours  # the student uses our name
        return expr if re.fullmatch(r"\w+\(.*\)|[\w.]+", expr) else f"({expr})"

    def step_text(self, node: int) -> str:
        """Node's definition in the student's names: ``w1*w2``."""
        g = self.graph
        n = g.nodes[node]
        if n.kind != "op":
            return g.nodes[node].name or ""
        args = []
        for q in n.parents:
            if g.nodes[q].kind == "const":
                args.append(number(float(g.nodes[q].value)))  # type: ignore[arg-type]
            else:
                args.append((self.sname(q), PREC_ATOM))
        return g.formula(node, args=args)

    def partial_text(self, child: int, parent: int) -> str:
        """∂child/∂parent as a formula in the student's names."""
        g = self.graph
        n = g.nodes[child]
        args: list[str] = []
        consts: list[float | None] = []
        for q in n.parents:
            if g.nodes[q].kind == "const":
                t, p = number(float(g.nodes[q].value))  # type: ignore[arg-type]
                args.append(t if p == PREC_ATOM else f"({t})")
                consts.append(float(g.nodes[q].value))  # type: ignore[arg-type]
            else:
                args.append(self.sname(q))
                consts.append(None)
        forms = [n.op.partial_formula(pos, args, consts)  # type: ignore[union-attr]
                 for pos, q in enumerate(n.parents) if q == parent]
        return " + ".join(forms) if forms else "0"

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
