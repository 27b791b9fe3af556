"""Match stage, part 2: primal lines (``w3 = w1*w2 = 6``) matched to graph nodes by structure.

Lines may come in any order and with any numbering: each is matched once the
names it uses are known; names the table never defines are inferred from the
structure. A line that is not a valid step still tells later lines what the
student meant by its name.

>>> from autodiff_viz.check.key_reader import load_key
>>> from autodiff_viz.check.table_grader import TableGrader
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "trace"}]})
>>> g = TableGrader(key, key.point(), "s = p + q\\np = x2*x1\\nq = sin(x1)")
>>> {name: g.ex.names[node] for name, node in g.map.items()}
{'p': 'w4', 'q': 'w3', 's': 'w5'}
"""
from __future__ import annotations

from typing import Any

from .line_parts import Formula
from .match import match_formula
from .names import Entry, NameLookup
from .report import UNREADABLE
from .symbols import written_name
from .units import Units


class PrimalMapping(NameLookup):
    """Which node each of the student's primal names stands for (see the module doc)."""

    def _map_primal(self) -> None:
        prim = [e for e in self.entries if e.section == "primal" and not e.verdict]
        defined: dict[str, Entry] = {}
        for e in prim:
            if e.target in defined:
                e.verdict = UNREADABLE
                e.message = (f"{e.target} is already defined on line {defined[e.target].line.lineno}"
                             "; give each step its own name")
            else:
                defined[e.target] = e  # type: ignore[index]
        pending = [e for e in prim if not e.verdict]
        done: set[int] = set()
        failed: set[str] = set()

        def wildcard_ok(name: str) -> bool:
            w = written_name(name)
            return w not in defined or id(defined[w]) in done and w in failed

        while pending:
            progress = False
            for e in list(pending):
                refs = e.pl.symbolic.names if e.pl and e.pl.symbolic else []
                waiting = [r for r in refs if written_name(r) in defined
                           and defined[written_name(r)] is not e
                           and id(defined[written_name(r)]) not in done]
                if waiting:
                    continue
                self._guard(e, self._map_line, wildcard_ok, failed)
                done.add(id(e))
                pending.remove(e)
                progress = True
            if not progress:
                e = pending.pop(0)
                self._guard(e, self._map_line, lambda n: written_name(n) not in self.map,
                            failed)
                done.add(id(e))
        # a line that was not a valid step: which node was it meant to be? (for later lines)
        for e in prim:
            if e.invalid and e.target not in self.map and e.pl and e.pl.symbolic:
                node = self._near(e.pl.symbolic)
                if node is None and self.labels.get(e.target or "") not in self.node_name:
                    node = self.labels.get(e.target or "")
                if node is not None and self.graph.nodes[node].kind == "op":
                    self._bind(e.target, node, "near")  # type: ignore[arg-type]
        # a line that was not a valid step: if later lines show which node it should be, say so
        for e in prim:
            if e.invalid and e.target in self.map and e.node is None:
                e.node = self.map[e.target]  # type: ignore[index]
                e.invalid += (f"; the expression has {e.target} = {self.step_text(e.node)} here")

    def _build_units(self) -> None:
        """The student's graph: each multi-step line a unit of the nodes it goes through."""
        named = set(self.node_name)
        absorbed = {root: set(inner) - named for root, inner in self.covered.items()
                    if root in named}
        self.units = Units(self.graph, self.ex, absorbed)
        self.shown.clear()

    def _bind(self, name: str, node: int, how: str) -> None:
        self.shown.clear()  # what unnamed nodes are shown as may use this name
        self.map[name] = node
        self.how[name] = how
        self.node_name.setdefault(node, name)

    def _map_line(self, e: Entry, wildcard_ok: Any, failed: set[str]) -> None:
        pl = e.pl
        assert pl is not None and e.target is not None
        if pl.symbolic is None and pl.definition is not None:  # sin(2) = 0.9093?
            D = pl.definition
            if D.graph.nodes[D.root].kind == "op" and match_formula(
                    D.graph, D.root, self.graph, self.resolve, wildcards=lambda n: False):
                pl.symbolic = D
                pl.working.remove(D)
        if pl.symbolic is None:  # value only: the name must be known some other way
            node = self.resolve_any(e.target) if e.target not in self.table_names or \
                e.target in self.map else None
            if node is None and e.target not in self.map:
                node = self.graph.names.get(e.target, self.labels.get(e.target))
            if node is None:
                e.verdict = UNREADABLE
                e.message = (f"cannot tell which step {e.target} is: give its formula, "
                             f"e.g. {e.target} = w1*w2 = 6")
                return
            e.node = node
            self._bind(e.target, node, "name")
            e.notes.append("matched by its name (no formula given)")
            return
        F = pl.symbolic
        if F.rw.syms:
            e.invalid = "a derivative symbol in a primal step"
            failed.add(e.target)
            return
        fnode = F.graph.nodes[F.root]
        if fnode.kind == "input":
            ref = written_name(fnode.name or "")
            node = self.resolve(ref)
            if node is None and wildcard_ok(ref):
                node = self.resolve_any(ref)
            if node is None:
                e.invalid = (f"{ref} is not defined before this line" if ref in self.table_names
                             else self._unusable(ref))
                failed.add(e.target)
                return
            e.node = node
            self._bind(e.target, node, "input" if self.graph.nodes[node].kind == "input" else "alias")
            return
        if fnode.kind == "const":
            e.invalid = "a step must compute something from earlier steps"
            failed.add(e.target)
            return
        claimed = frozenset(self.node_name)
        found = match_formula(F.graph, F.root, self.graph, self.resolve, taken=claimed,
                              wildcards=wildcard_ok)
        if not found:
            e.invalid = self._why_invalid(F)
            failed.add(e.target)
            return
        nodes = sorted({m.node for m in found})
        fresh = [n for n in nodes if n not in claimed]
        node = (fresh or nodes)[0]
        if len(fresh) > 1:
            e.notes.append("several steps of the expression have this form; matched the first")
        if node in claimed:
            e.notes.append(f"computes the same node as {self.node_name[node]}")
        sols = [m.binding for m in found if m.node == node]
        if node not in claimed:  # the inner nodes this line goes through without naming them
            self.covered[node] = frozenset.intersection(*(m.covered for m in found
                                                          if m.node == node))
        for name in sols[0]:
            targets = {b.get(name) for b in sols}
            if len(targets) == 1 and written_name(name) not in self.map:
                self._bind(written_name(name), targets.pop(), "inferred")  # type: ignore[arg-type]
                if written_name(name) not in self.table_names:
                    e.notes.append(f"took {written_name(name)} to be "
                                   f"{self.step_text(self.map[written_name(name)])}")
        e.node = node
        self._bind(e.target, node, "structure")

    def _near(self, F: Formula) -> int | None:
        """The one unclaimed node F computes if its constants were right (15*w3 for 2*w3)."""
        g = self.graph

        def near(f: int, n: int) -> bool:
            fn, gn = F.graph.nodes[f], g.nodes[n]
            if fn.kind == "const" or gn.kind == "const":
                return fn.kind == gn.kind
            if fn.kind == "input":
                return self.resolve(fn.name or "") == n
            if gn.kind != "op" or gn.op.name != fn.op.name:  # type: ignore[union-attr]
                return False
            pairs = [list(zip(fn.parents, gn.parents))]
            if fn.op.name in ("add", "mul"):  # type: ignore[union-attr]
                pairs.append(list(zip(fn.parents, gn.parents[::-1])))
            return any(all(near(a, b) for a, b in ps) for ps in pairs)

        root = F.graph.nodes[F.root]
        if root.kind != "op":
            return None
        found = [n.id for n in g.nodes if n.kind == "op" and n.id not in self.node_name
                 and near(F.root, n.id)]
        return found[0] if len(found) == 1 else None

    def _why_invalid(self, F: Formula) -> str:
        unknown = [written_name(n) for n in F.names if self.resolve(n) is None]
        undefined = [n for n in unknown if n not in self.table_names and n not in self.labels
                     and n not in self.graph.names]
        if undefined:
            return (f"{', '.join(undefined)} {'is' if len(undefined) == 1 else 'are'} not "
                    "defined in your table")
        fn = F.graph.nodes[F.root]
        op = fn.op.name if fn.kind == "op" else ""  # type: ignore[union-attr]
        return f"the expression has no step {F.piece.text}" + (
            "" if any(n.kind == "op" and n.op.name == op for n in self.graph.nodes)  # type: ignore[union-attr]
            else f" (it uses no {op})")
