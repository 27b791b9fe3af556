"""Primal lines (``w3 = w1*w2 = 6``): matched to nodes by structure, then graded.

Part of :class:`~autodiff_viz.check.steps.TableGrader`. Lines may come in any
order and with any numbering: each is matched once the names it uses are
known; names the table never defines are inferred from the structure.

>>> from autodiff_viz.check.keys import load_key
>>> from autodiff_viz.check.steps import TableGrader
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "trace"}]})
>>> g = TableGrader(key, key.point(), "s = p + q\\np = x2*x1\\nq = sin(x1)")
>>> {name: g.ex.names[node] for name, node in g.map.items()}
{'p': 'w4', 'q': 'w3', 's': 'w5'}
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..printing import format_number
from .evaluate import evaluate
from .figures import Figure
from .line_parts import Formula, parse_formula
from .match import match_formula
from .report import CARRIED, CORRECT, INVALID_STEP, UNREADABLE, WRONG_VALUE
from .symbols import written_name
from .table import Piece
from .working import WorkingCheck

if TYPE_CHECKING:
    from .steps import Entry


class PrimalLines(WorkingCheck):
    """Methods of :class:`~autodiff_viz.check.steps.TableGrader` (see the module doc)."""

    # -- the problem line and seed headings ---------------------------------------------
    def _grade_headings(self) -> None:
        for e in self.entries:
            if e.section == "problem":
                self._grade_problem(e)
            elif e.section == "seed":
                self._grade_seed(e)

    def _grade_problem(self, e: Entry) -> None:
        line = e.line
        wrong = []
        for name_p, num_p in line.point or []:
            name = name_p.text
            try:
                fig = Figure.parse(num_p.text)
            except ValueError:
                wrong.append(f"cannot read {num_p.text!r}")
                continue
            if name not in self.point:
                wrong.append(f"{name} is not an input of the problem")
            elif not self.tol.judge(fig, float(self.point[name])).ok:
                wrong.append(f"{name} is {format_number(float(self.point[name]))}, not {num_p.text}")
        e.expected = self.key.describe(self.point)
        e.got = line.text.strip()
        if wrong:
            e.verdict = WRONG_VALUE
            e.message = "this is not the problem's point: " + "; ".join(wrong)
            return
        if line.parts and len(self.graph.outputs) == 1:
            try:
                f = parse_formula(line, line.parts[0], lambda n: False, frozenset(), [0])
                found = match_formula(f.graph, f.root, self.graph, self.inputs.get,
                                      root_candidates=(self.graph.outputs[0][1],),
                                      wildcards=lambda n: False)
            except Exception:  # noqa: BLE001 - an unreadable statement is simply not the problem
                found = []
            if not found:
                e.verdict = INVALID_STEP
                e.message = (f"this is not the problem's expression: it is "
                             f"{self.key.describe(self.point)}")
                return
        e.verdict = CORRECT

    def _grade_seed(self, e: Entry) -> None:
        seeds = [a.seed for a in self.key.asks if a.kind == "forward" and a.seed]
        if not seeds:
            e.verdict = CORRECT
            return
        written: dict[str, Figure | None] = {}
        for n, p in (e.line.seed or {}).items():
            try:
                written[n] = Figure.parse(p.text)
            except ValueError:
                written[n] = None
        for sd in seeds:
            want = dict(sd)
            if all(n in want for n in written) and all(
                    written.get(n) is not None and self.tol.judge(written[n], v).ok  # type: ignore[arg-type]
                    if n in written else v == 0 for n, v in want.items()):
                e.verdict = CORRECT
                e.expected = e.got = dict(sd)
                return
        e.verdict = WRONG_VALUE
        e.expected = dict(seeds[0])
        e.got = {n: (float(v) if v is not None else None) for n, v in written.items()}
        e.message = "the problem asks for the seed " + " or ".join(
            ", ".join(f"{n}={format_number(v)}" for n, v in sd if v != 0) for sd in seeds)

    # -- primal: matching by structure --------------------------------------------------
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
                self._map_line(e, wildcard_ok, failed)
                done.add(id(e))
                pending.remove(e)
                progress = True
            if not progress:
                e = pending.pop(0)
                self._map_line(e, lambda n: written_name(n) not in self.map, failed)
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

    def _bind(self, name: str, node: int, how: str) -> None:
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
                e.invalid = f"{ref} is not defined before this line"
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

    # -- primal grading -------------------------------------------------------------------
    def _grade_primal(self) -> None:
        prim = [e for e in self.entries if e.section == "primal"]
        order = sorted(prim, key=lambda e: (e.node if e.node is not None else 1 << 30,
                                            e.index))
        for e in order:
            if e.verdict:  # unreadable or duplicate name
                continue
            if e.invalid:
                e.verdict = INVALID_STEP
                e.message = f"not a valid step of the expression: {e.invalid}"
                e.got = e.pl.value and float(e.pl.value)  # type: ignore[union-attr]
                if e.node is not None:
                    e.expected = self.step_text(e.node)
                    self._record(("p", e.node), e)
                continue
            node = e.node
            assert node is not None
            n = self.graph.nodes[node]
            true = self.ex.value(node)
            defines_only = not any(a.kind == "trace" for a in self.key.asks)
            if e.pl is not None and e.pl.value is None and (
                    n.kind == "input" or self.how.get(e.target or "") == "alias"
                    or defines_only):
                e.verdict, e.expected = CORRECT, true  # only names a node: nothing to check
                e.notes.append(f"names {self.sname(node) if n.kind != 'input' else n.name}")
                continue
            if n.kind == "input":
                self._judge_value(e, true, None, [], f"{e.target}")
                self._record(("p", node), e)
                continue
            F = e.pl.symbolic if e.pl else None
            deps: list[tuple] = []
            own: float | None = None
            if F is not None:
                env_t, env_o = {}, {}
                for name in F.names:
                    r = self.resolve_any(name)
                    env_t[name] = self.ex.value(r)  # type: ignore[arg-type]
                    env_o[name] = self._own(("p", r), env_t[name])
                    deps.append(("p", r))
                rows = evaluate(F.graph, [env_t, env_o])
                own = rows[1][F.root] if rows[1] else None
                problems = self._working(e, F, rows, (env_t, env_o))
            else:
                deps = [("p", q) for q in self.ex.parents(node)]
                mine = self.ex.own(node, {k[1]: self.sv[k] for k in deps if k in self.sv})
                own = mine[0] if mine else None
                problems = []
                if e.pl is not None and e.pl.working:  # w3 = 2*3 = 6: the node's own formula
                    text = self.step_text(node)
                    G = parse_formula(e.line, Piece(text, [0] * len(text)), self.known,
                                      frozenset(self.dashed), [0])
                    vt = {n: self._name_value(e, n, True) for n in G.names}
                    vo = {n: self._name_value(e, n, False) for n in G.names}
                    if None not in vt.values() and None not in vo.values():
                        env_t = {k: v for k, v in vt.items() if v is not None}
                        env_o = {k: v for k, v in vo.items() if v is not None}
                        rows = evaluate(G.graph, [env_t, env_o])
                        problems = self._working(e, G, rows, (env_t, env_o))
            self._judge_value(e, true, own, deps, e.target or "")
            if problems and e.verdict in (CORRECT, CARRIED):
                e.verdict = WRONG_VALUE
                e.message = problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
                e.notes = [n for n in e.notes if "rounded" not in n]
            self._record(("p", node), e)
        for e in prim:
            if e.node is not None and e.target:
                e.expected = e.expected if e.expected is not None else self.ex.value(e.node)
