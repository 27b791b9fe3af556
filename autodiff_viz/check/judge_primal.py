"""Judge stage: primal lines (``w3 = w1*w2 = 6``), the problem statement and seed headings.

>>> from autodiff_viz.check.key_reader import load_key
>>> from autodiff_viz.check.table_grader import TableGrader
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "trace"}]})
>>> g = TableGrader(key, key.point(), "z = sin(x1) + x1*x2 at x1=2, x2=5\\n"
...                 "c = x1*x2 = 2*4 = 6")
>>> [(e.verdict, e.message) for e in g.entries]
[('wrong value', "this is not the problem's point: x2 is 3, not 5"), ('wrong value', 'in the working, 4 should be x2 = 3')]
"""
from __future__ import annotations

from ..printing import format_number
from .evaluate import evaluate
from .figures import Figure
from .judge_values import ValueJudging
from .line_parts import parse_formula
from .match import match_formula
from .names import Entry
from .read import Piece
from .report import CARRIED, CORRECT, INVALID_STEP, WRONG_VALUE


class PrimalJudging(ValueJudging):
    """Verdicts on primal lines and headings (see the module doc)."""

    # -- the problem line and seed headings ---------------------------------------------
    def _grade_headings(self) -> None:
        for e in self.entries:
            if e.section == "problem":
                self._guard(e, self._grade_problem)
            elif e.section == "seed":
                self._guard(e, self._grade_seed)

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

    # -- primal grading -------------------------------------------------------------------
    def _grade_primal(self) -> None:
        prim = [e for e in self.entries if e.section == "primal"]
        order = sorted(prim, key=lambda e: (e.node if e.node is not None else 1 << 30,
                                            e.index))
        for e in order:
            if not e.verdict:  # not already unreadable or a duplicate name
                self._guard(e, self._grade_primal_line)
        for e in prim:
            if e.node is not None and e.target:
                e.expected = e.expected if e.expected is not None else self.ex.value(e.node)

    def _grade_primal_line(self, e: Entry) -> None:
        if e.invalid:
            e.verdict = INVALID_STEP
            e.message = f"not a valid step of the expression: {e.invalid}"
            e.got = e.pl.value and float(e.pl.value)  # type: ignore[union-attr]
            if e.node is not None:
                e.expected = self.step_text(e.node)
                self._record(("p", e.node), e)
            return
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
            return
        if n.kind == "input":
            self._judge_value(e, true, None, [], f"{e.target}")
            self._record(("p", node), e)
            return
        F = e.pl.symbolic if e.pl else None
        deps: list[tuple] = []
        own: float | None = None
        if F is not None:
            env_t, env_o = {}, {}
            for name in F.names:
                r = self.resolve_any(name)
                if r is None:
                    e.verdict = INVALID_STEP
                    e.message = f"not a valid step of the expression: {self._unusable(name)}"
                    return
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
                                  frozenset(self.dashed), [0], self.bound)
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
