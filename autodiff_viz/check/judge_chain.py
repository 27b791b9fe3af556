"""Judge stage: forward and reverse lines, the chain rule term by term.

A reverse line for node j must sum adjoint(c)·∂c/∂j over every child c of j in
the student's graph (:mod:`.units`); a forward line sums ∂i/∂p·tangent(p) over
every parent p. The student's formula is read as a linear function of the
adjoints (tangents) it uses: each one's coefficient must be the local partial,
however the line is written (``v̇1 = (v̇-1 − v1·v̇0)/v0`` for a quotient is fine).
Reported: a missing child's (parent's) term, a wrong local derivative, a step
that is not in the graph. An adjoint may be summed over several lines
(``v̄0 = v̄3·cos(v0)`` then ``v̄0 = v̄0 + v̄2·v-1``, or ``+=``): the earlier
lines are partial sums, the last one is graded; ``x̄1 = v̄-1`` and ``ȳ = 1``
restate a node's adjoint under another name. Local partial lines
(``dw4/dw1 = cos(w1)``) are checked too.

>>> _join(["w10", "w3", "w4"])
'w3, w4 and w10'
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from ..graph import Graph
from .evaluate import evaluate
from .expected import Expected
from .figures import describe
from .judge_values import ValueJudging, leaves, source_text
from .line_parts import Formula
from .names import Entry
from .report import (CARRIED, CORRECT, INVALID_STEP, MISSING_TERM, UNREADABLE, WRONG_PARTIAL,
                     WRONG_VALUE)
from .symbols import Sym, written_name

CARRIER = {"reverse": "adj", "forward": "tan"}
# a missing chain-rule term, written in the notation of the student's line
TERM_IN = {
    ("reverse", "leibniz"): "d{out}/d{c}*d{c}/d{j}",
    ("reverse", "prefix"): "adj_{c}*{partial}",
    ("reverse", "mark"): "{c_bar}·{partial}",
    ("forward", "leibniz"): "d{c}/d{seed}*{partial}",
    ("forward", "prefix"): "tan_{c}*{partial}",
    ("forward", "mark"): "{c_dot}·{partial}",
}


def split_terms(g: Graph, root: int, sign: int = 1) -> list[tuple[int, int]]:
    """The terms of a sum (``+``, ``-`` and unary minus), each with its sign."""
    out: list[tuple[int, int]] = []
    stack = [(root, sign)]
    while stack:
        node, s = stack.pop()
        n = g.nodes[node]
        name = n.op.name if n.kind == "op" else None  # type: ignore[union-attr]
        if name == "add":
            stack.append((n.parents[1], s))
            stack.append((n.parents[0], s))
        elif name == "sub":
            stack.append((n.parents[1], -s))
            stack.append((n.parents[0], s))
        elif name == "neg":
            stack.append((n.parents[0], -s))
        else:
            out.append((node, s))
    return out


@dataclass
class Reading:
    """A chain-rule line read as a linear function of its carriers (adjoints or tangents)."""

    kinds: dict[str, tuple]  # each leaf name -> its kind (see ChainJudging._leaf_kind)
    true: dict[str, float]  # each leaf at its true value
    own: dict[str, float]  # each leaf at the student's own value
    rows: list = field(default_factory=list)  # node values of F: true, own
    coef: dict[int, float] = field(default_factory=dict)  # per related node: the factor
    coef_own: dict[int, float | None] = field(default_factory=dict)
    self_coef: float | None = None  # the coefficient of the node's own carrier
    direct: float = 0.0  # what carries no adjoint (tangent): true values
    linear: bool = True


class ChainJudging(ValueJudging):
    """Verdicts on forward, reverse and local-partial lines (see the module doc)."""

    # -- what each name of a chain-rule formula stands for -------------------------------
    def _leaf_kind(self, e: Entry, name: str, sym: Sym | None, mode: str) -> tuple:
        """("val", node) | ("adj", node) | ("tan", node) | ("self",) | ("par", child, parent)
        | ("bad", why). "self" is the line's own node's carrier (a sum over several lines,
        or the same value under another name)."""
        if sym is None:
            node = self.resolve_any(name)
            return ("val", node) if node is not None else ("bad", f"{written_name(name)} is not "
                                                                  "a step of your table")
        a = self.resolve_any(sym.a) if sym.a else None
        b = self.resolve_any(sym.b)
        carrier = CARRIER[mode]
        if sym.kind in ("adjoint", "tangent"):
            if (sym.kind == "adjoint") != (mode == "reverse"):
                other = "an adjoint" if sym.kind == "adjoint" else "a tangent"
                uses = "tangents" if mode == "forward" else "adjoints"
                return ("bad", f"{sym.text} is {other}; a {mode} step uses {uses}")
            if b is None:
                return ("bad", f"{written_name(sym.b)} is not a step of your table")
            return ("self",) if b == e.node else (carrier, b)
        if a is None or b is None:
            return ("bad", f"{sym.text}: {written_name(sym.a or '') if a is None else written_name(sym.b)}"
                           " is not a step of your table")
        if mode == "reverse":
            if self._output_word(sym.a or "", e.k):  # dz/dw3: z is the output itself
                return ("self",) if b == e.node else ("adj", b)
            if b == e.node:
                return ("par", a, b)
            if self.is_output(sym.a or "", e.k):
                return ("adj", b)
            return ("par", a, b)
        seed_vars = [n for n, v in (e.seed or ()) if v != 0]
        if len(seed_vars) == 1 and written_name(sym.b) == seed_vars[0]:
            return ("self",) if a == e.node else ("tan", a)  # dw3/dx2: a tangent
        return ("par", a, b)

    def _output_word(self, name: str, k: int | None) -> bool:
        """Is ``name`` the output's name as such (z, or the student's ``y = v5``), not a
        node's label that happens to be the output node (w5 in dw5/dw3)?"""
        name = written_name(name)
        if k is None:
            return False
        node = self.ex.output_node(k)
        if name == self.ex.trace.reverse[k].output and name not in self.map:
            return True
        return self.how.get(name) == "alias" and self.map.get(name) == node

    def _leaf_value(self, e: Entry, k: tuple, prev: tuple[float, float] | None,
                    index: int = 0, count: int = 1) -> tuple[float, float]:
        """A leaf's (true, own) value; ``index`` of ``count`` Leibniz factors of one pair."""
        ex = self._ex(e)
        if k[0] == "val":
            t = ex.value(k[1])
            return t, self._own(("p", k[1]), t)
        if k[0] == "adj":
            t = ex.adjoint(e.k, k[1])  # type: ignore[arg-type]
            return t, self._own(("a", e.k, k[1]), t)
        if k[0] == "tan":
            t = ex.tangent(0, k[1])
            return t, self._own(("t", e.seed, k[1]), t)
        if k[0] == "self":
            return prev if prev is not None else (0.0, 0.0)
        if k[0] == "par":
            per = self.units.partials(k[1], k[2])
            if count == len(per) and len(per) > 1:  # x*x written as two terms
                return per[index], per[index]
            if ("par", k[1], k[2]) in self.sv:  # the student's own line dw4/dw1 = ...
                return sum(per), self.sv[("par", k[1], k[2])]
            own_row = self._own_partials(k[1])
            own_total = own_row.get(k[2]) if own_row else None
            return sum(per), (own_total if own_total is not None else sum(per))
        return 0.0, 0.0

    def _ex(self, e: Entry) -> Expected:
        if e.section == "forward" and e.seed:
            return self.key.expected(self.point, dict(e.seed))
        return self.ex

    def _own_partials(self, c: int) -> dict[int, float] | None:
        """∂c/∂q per parent q of unit c, from the student's own primal values."""
        n = self.graph.nodes[c]
        if n.kind != "op":
            return None
        vals = {q: self.sv[("p", q)] for q in self.units.parents(c) if ("p", q) in self.sv}
        r = self.units.own(c, vals)
        return r[1] if r else None

    def _read(self, e: Entry, F: Formula, mode: str, prev: tuple[float, float] | None) -> Reading:
        """The formula's leaves, their values, and its coefficients per related node."""
        kinds = {n: self._leaf_kind(e, n, F.rw.syms.get(n), mode) for n in F.names}
        true: dict[str, float] = {}
        own: dict[str, float] = {}
        occurrences: dict[tuple[int, int], list[str]] = {}
        for n, k in kinds.items():
            if k[0] == "par":
                occurrences.setdefault((k[1], k[2]), []).append(n)
        for n, k in kinds.items():
            occ = occurrences.get((k[1], k[2]), []) if k[0] == "par" else []
            true[n], own[n] = self._leaf_value(e, k, prev, occ.index(n) if occ else 0, len(occ))
        r = Reading(kinds, true, own)
        carriers = [n for n, k in kinds.items() if k[0] in ("adj", "tan", "self")]
        zero = {n: 0.0 for n in carriers}
        scaled = {n: 2.0 * true[n] + 0.5 for n in carriers}  # a second point: is it linear?
        envs = [true, own, {**true, **zero}, {**own, **zero}, {**true, **scaled}]
        for n in carriers:
            envs += [{**true, **zero, n: 1.0}, {**own, **zero, n: 1.0}]
        rows = evaluate(F.graph, envs)
        r.rows = rows[:2]
        if any(rows[i] is None for i in (0, 2, 4)) or any(
                rows[5 + 2 * j] is None for j in range(len(carriers))):
            r.linear = False
            return r
        root = F.root
        base_t = rows[2][root]
        base_o = rows[3][root] if rows[3] is not None else None
        r.direct = base_t
        predicted_t, predicted_s = base_t, base_t
        for j, n in enumerate(carriers):
            ct = rows[5 + 2 * j][root] - base_t
            row_o = rows[6 + 2 * j]
            co = (row_o[root] - base_o) if row_o is not None and base_o is not None else None
            predicted_t += ct * true[n]
            predicted_s += ct * scaled[n]
            k = kinds[n]
            if k[0] == "self":
                r.self_coef = (r.self_coef or 0.0) + ct
                continue
            r.coef[k[1]] = r.coef.get(k[1], 0.0) + ct
            prev_o = r.coef_own.get(k[1], 0.0)
            r.coef_own[k[1]] = None if co is None or prev_o is None else prev_o + co
        for got, want in ((rows[0][root], predicted_t), (rows[4][root], predicted_s)):
            if not (math.isfinite(got) and abs(got - want) <= 1e-7 * max(1.0, abs(want))):
                r.linear = False
        return r

    # -- forward and reverse ------------------------------------------------------------
    def _grade_forward(self) -> None:
        fwd = [e for e in self.entries if e.section == "forward" and not e.verdict]
        for e in fwd:
            e.node = self.resolve_any(e.target or "")
        self._grade_chains(sorted(fwd, key=lambda e: (e.node if e.node is not None else 1 << 30,
                                                      e.index)), "forward")

    def _grade_reverse(self) -> None:
        rev = [e for e in self.entries if e.section == "reverse" and not e.verdict]
        for e in rev:
            e.node = self.resolve_any(e.target or "")
            if e.k is None:
                e.k = self.output_k(None)
        position: dict[int, dict[int, int]] = {}

        def order(e: Entry) -> tuple:
            if e.node is None or e.k is None:
                return (1 << 30, e.index)
            if e.k not in position:
                position[e.k] = {n: i for i, n in enumerate(self.ex.reverse_order(e.k))}
            return (position[e.k].get(e.node, len(position[e.k])), e.index)
        self._grade_chains(sorted(rev, key=order), "reverse")

    def _grade_chains(self, entries: list[Entry], mode: str) -> None:
        """Grade the lines of one mode; lines about the same node: the last that is not a
        restatement is graded, the earlier ones are partial sums. A line that adds to the
        node's earlier sum comes after the line it adds to, whatever the table's order
        (a reverse table may be written from the bottom up)."""
        # a restatement: the node's carrier under another name (x̄1 = v̄-1), or a value alone
        # where another line about the node gives the working (dz/dx2 = 2 after dz/dw2 = ...)
        with_formula = {(e.k, e.seed, e.node) for e in entries
                        if e.pl is not None and e.pl.symbolic is not None}
        for e in entries:
            no_formula = e.pl is None or e.pl.symbolic is None
            e.role = "restates" if self._restates(e, mode) or (
                no_formula and (e.k, e.seed, e.node) in with_formula) else ""
        # within a node: the lines that start a sum, those that add to it, restatements
        rank = {id(e): 2 if e.role else int(self._adds_to_itself(e, mode)) for e in entries}
        first: dict[tuple, int] = {}
        for k, e in enumerate(entries):  # entries come in node order
            first.setdefault((e.k, e.seed, e.node), k)
        entries = sorted(entries, key=lambda e: (first[(e.k, e.seed, e.node)], rank[id(e)],
                                                 e.index))
        last: dict[tuple, Entry] = {}
        for e in entries:
            if e.node is not None and not e.role:
                last[(e.k if mode == "reverse" else e.seed, e.node)] = e
        prev: dict[tuple, tuple[Entry, set[int]]] = {}
        partials: dict[tuple, list[Entry]] = {}  # the earlier lines of each node's sum
        for e in entries:
            if mode == "reverse" and e.k is None:
                e.verdict, e.message = UNREADABLE, "the key has no reverse pass for this output"
                continue
            if e.node is None:
                e.verdict, e.message = UNREADABLE, f"{e.target} is not a step of your table"
                continue
            slot = (e.k if mode == "reverse" else e.seed, e.node)
            final = last.get(slot) is e or slot not in last
            e.role = e.role or ("" if final else "partial")
            before = prev.get(slot)
            covered = self._guard(e, self._grade_chain, mode, final, before)
            if final and e.role == "" and e.verdict in (CORRECT, CARRIED):
                self._inherit(e, partials.get(slot, []))
            if e.role == "partial":
                partials.setdefault(slot, []).append(e)
            if isinstance(covered, set) and e.role != "restates":
                prev[slot] = (e, covered)
            self._record(("sum", id(e)), e)  # what a later line adding to it reads
            if final:
                self._record(("a", e.k, e.node) if mode == "reverse" else ("t", e.seed, e.node), e)
            elif e.role == "partial":
                partial_of = last[slot]
                if e.verdict == CORRECT:
                    e.notes.append(f"a partial sum: the {'adjoint' if mode == 'reverse' else 'tangent'}"
                                   f" of {self.sname(e.node)} is completed on line "
                                   f"{partial_of.line.lineno}")

    def _inherit(self, e: Entry, partials: list[Entry]) -> None:
        """A sum over several lines is one step: a mistake in its earlier lines is a mistake
        in the step, whose points the last line carries."""
        wrong = [p for p in partials if p.verdict not in (CORRECT, CARRIED)]
        if not wrong:
            return
        p = wrong[0]
        e.verdict, e.value_status = p.verdict, "wrong"
        e.message = (f"the sum begun on line {p.line.lineno} is wrong: "
                     f"{p.message.splitlines()[0] if p.message else p.verdict}")

    def _adds_to_itself(self, e: Entry, mode: str) -> bool:
        """``v̄0 = v̄0 + v̄2·v-1``: the line adds to the node's own earlier sum."""
        F = e.pl.symbolic if e.pl else None
        if F is None or e.node is None or e.role == "restates":
            return False
        return any(self._leaf_kind(e, n, F.rw.syms.get(n), mode) == ("self",) for n in F.names)

    def _restates(self, e: Entry, mode: str) -> bool:
        """``x̄1 = v̄-1``, ``ẏ = v̇5``: the node's own carrier under another name, nothing else."""
        F = e.pl.symbolic if e.pl else None
        if F is None or e.node is None or len(F.names) != 1 or F.graph.nodes[F.root].kind != "input":
            return False
        return self._leaf_kind(e, F.names[0], F.rw.syms.get(F.names[0]), mode) == ("self",)

    def _grade_chain(self, e: Entry, mode: str, final: bool = True,
                     before: tuple[Entry, set[int]] | None = None) -> set[int]:
        """Judge one chain-rule line; returns the related nodes whose terms it has summed."""
        ex = self._ex(e)
        node = e.node
        assert node is not None
        if mode == "reverse":
            full = ex.adjoint(e.k, node)  # type: ignore[arg-type]
            related = self.units.children(node)
            reached = [c for c in related if ex.reached(e.k, c)]  # type: ignore[arg-type]
            terms_true = {c: ex.adjoint(e.k, c) * self.units.partial_total(c, node)  # type: ignore[arg-type]
                          for c in reached}
            what = f"the adjoint of {self.sname(node)}"
        else:
            full = ex.tangent(0, node)
            related = self.units.parents(node)
            reached = related
            terms_true = {p: ex.tangent(0, p) * self.units.partial_total(node, p) for p in related}
            what = f"the tangent of {self.sname(node)}"
        is_seed = (mode == "reverse" and node == ex.output_node(e.k)) or (  # type: ignore[arg-type]
            mode == "forward" and self.graph.nodes[node].kind == "input")
        F = e.pl.symbolic if e.pl else None
        restates = e.role == "restates"
        if is_seed or F is None or restates:
            if is_seed:
                own, deps = None, []
            elif restates and before is not None:
                own, deps = self._value_of(before[0]), [("sum", id(before[0]))]
            else:
                own, deps = self._own_chain(e, mode, ex, node, reached)
            self._judge_value(e, full, own, deps, what)
            if is_seed and mode == "forward" and e.verdict != CORRECT:
                self._wrong_seed(e, ex)
            if e.verdict == WRONG_VALUE and not is_seed and e.pl and e.pl.value is not None:
                self._diagnose_missing(e, float(e.pl.value), full, terms_true, mode)
            return set(reached) if (is_seed or F is None) else (before[1] if before else set())
        prev_cov = before[1] if before is not None else set()
        prev_vals = None
        if before is not None:
            partial_true = sum(terms_true.get(c, 0.0) for c in prev_cov)
            prev_vals = (partial_true, self._value_of(before[0], partial_true))
        r = self._read(e, F, mode, prev_vals)
        bad = [k[1] for k in r.kinds.values() if k[0] == "bad"]
        if bad:
            e.verdict = INVALID_STEP
            e.message = f"not a valid step: {bad[0]}"
            e.got = e.pl.value and float(e.pl.value)  # type: ignore[union-attr]
            e.expected = full
            return prev_cov
        if not r.rows or r.rows[0] is None:
            e.verdict, e.message = INVALID_STEP, "the formula is undefined at this point"
            return prev_cov
        problems: list[tuple[str, str]] = []
        if not r.linear:
            problems.append((INVALID_STEP, "write each term as "
                             + ("adjoint × local derivative" if mode == "reverse"
                                else "local derivative × tangent")
                             + f": {F.piece.text}"))
        if r.self_coef is not None and before is None:
            problems.append((INVALID_STEP, f"{self.sname(node)} is not summed on an earlier "
                             "line, so it cannot be added to here"))
        elif r.self_coef is not None and abs(r.self_coef - 1.0) > 1e-9:
            problems.append((INVALID_STEP, f"a sum over several lines adds to the earlier "
                             f"value once: {self._carrier_name(e, mode, node)} + ..."))
        covered = (set(prev_cov) if r.self_coef is not None else set()) | set(r.coef)
        for c in r.coef:
            if c not in related:
                who = (f"{self.sname(c)} does not use {self.sname(node)}" if mode == "reverse"
                       else f"{self.sname(node)} does not use {self.sname(c)}")
                problems.append((INVALID_STEP, who))
                continue
            pc, pj = (c, node) if mode == "reverse" else (node, c)
            per = self.units.partials(pc, pj)
            own_row = self._own_partials(pc)
            own_total = own_row.get(pj) if own_row else None
            got = r.coef[c]
            if not self._factor_ok(got, r.coef_own.get(c), per, own_total):
                problems.append((WRONG_PARTIAL,
                                 f"wrong local derivative ∂{self.sname(pc)}/∂{self.sname(pj)}: "
                                 f"it is {self.partial_is(pc, pj, describe(sum(per)))}, "
                                 f"your factor is {describe(got)}"))
                continue
            misplaced = self._misplaced_partial(F, r, c, node, mode)
            if misplaced:
                problems.append((WRONG_PARTIAL, misplaced))
            elif r.linear:
                other = self._formula_elsewhere(F, r, c, pc, pj, mode)
                if other:
                    problems.append((WRONG_PARTIAL, other))
        if final and not restates:
            missing = [c for c in reached if c not in covered]
            residual = sum(terms_true.get(c, 0.0) for c in missing)
            direct = r.direct
            if missing and not (abs(direct) > 0 and self.tol.close(direct, residual)):
                real = [c for c in missing if terms_true.get(c, 0.0) != 0.0]
                for c in missing:
                    if c not in real:
                        e.notes.append(f"the term from {self.sname(c)} is 0 here, so leaving it "
                                       "out does not change the value")
                for c in real:
                    problems.append((MISSING_TERM,
                                     self._missing_text(e, mode, c, node, terms_true[c])))
            elif not missing and abs(direct) > 0 and not self.tol.close(direct, 0.0):
                problems.append((INVALID_STEP, "a term that carries no "
                                 f"{'adjoint' if mode == 'reverse' else 'tangent'}"))
            true = full
        else:  # a partial sum: what its terms add up to
            true = sum(terms_true.get(c, 0.0) for c in covered) + (
                r.direct if r.direct and self.tol.close(r.direct, sum(
                    terms_true.get(c, 0.0) for c in reached if c not in covered)) else 0.0)
        def leaf(W: Formula, name: str) -> tuple[float, float] | None:
            k = self._leaf_kind(e, name, W.rw.syms.get(name), mode)
            return None if k[0] == "bad" else self._leaf_value(e, k, prev_vals)
        work = self._working(e, F, r.rows, ({}, {}), r.kinds, leaf)
        for w in [w for w in work if w.startswith(WRONG_PARTIAL + ":")]:
            problems.append((WRONG_PARTIAL, w[len(WRONG_PARTIAL) + 1:]))
        work = [w for w in work if not w.startswith(WRONG_PARTIAL + ":")]
        deps = [d for d in (self._dep_key(e, r.kinds[n], before) for n in F.names)
                if d is not None]
        own = r.rows[1][F.root] if r.rows[1] else None
        self._judge_value(e, true, own, deps, what)
        used = [d for d in deps if d[0] == "par" and self.st[d][0] != "ok"]
        if used and e.verdict in (CARRIED, WRONG_VALUE):  # sigma for sigma': the step's own
            c, p = used[0][1], used[0][2]                 # local derivative is wrong
            problems.append((WRONG_PARTIAL, f"uses your wrong local derivative "
                             f"{self.st[used[0]][2]} (line {self.st[used[0]][1]}): "
                             f"∂{self.sname(c)}/∂{self.sname(p)} is "
                             f"{self.partial_is(c, p, describe(self.units.partial_total(c, p)))}"))
        if problems:
            order = {INVALID_STEP: 0, MISSING_TERM: 1, WRONG_PARTIAL: 2}
            problems.sort(key=lambda p: order[p[0]])
            verdict = problems[0][0]
            msgs = list(dict.fromkeys(m for v, m in problems if v == verdict))
            e.verdict = verdict
            e.message = ("not a valid step: " if verdict == INVALID_STEP else "") + "; ".join(msgs)
            e.expected = true
            v = e.pl.value if e.pl else None
            if v is None or not self.tol.judge(v, true).ok:
                e.value_status = "wrong"  # later lines built on it follow from this error
        elif work and e.verdict in (CORRECT, CARRIED):
            e.notes = [n for n in e.notes if "rounded" not in n]
            e.verdict = WRONG_VALUE
            e.message = work[0] + (f" (and {len(work) - 1} more)" if len(work) > 1 else "")
        return covered

    def _value_of(self, e: Entry, default: float = 0.0) -> float:
        v = e.pl.value if e.pl else None
        return float(v) if v is not None else default

    def _wrong_seed(self, e: Entry, ex: Expected) -> None:
        """A seed that is not the problem's: everything it feeds is another derivative."""
        seed = [n for n, v in (e.seed or ()) if v != 0]
        var = self.graph.nodes[e.node].name  # type: ignore[index]
        e.value_status = "seed"
        want = format(ex.tangent(0, e.node), "g")  # type: ignore[arg-type]
        e.message = (f"wrong seed: this problem differentiates with respect to "
                     f"{', '.join(seed)}, so the tangent of {var} starts at {want}")

    def _misplaced_partial(self, F: Formula, r: Reading, c: int, node: int, mode: str) -> str:
        """A Leibniz factor ∂a/∂b in the term of c that is not ∂c/∂node (∂node/∂c)."""
        want = (c, node) if mode == "reverse" else (node, c)
        carrier = CARRIER[mode]
        for term, _sign in split_terms(F.graph, F.root):
            lv = [F.graph.nodes[i].name for i in leaves(F.graph, term)]
            if not any(r.kinds[n][0] == carrier and r.kinds[n][1] == c for n in lv):
                continue
            for n in lv:
                k = r.kinds[n]
                if k[0] == "par" and (k[1], k[2]) != want:
                    sym = F.rw.syms.get(n or "")
                    return (f"{sym.text if sym else n} does not belong in the term of "
                            f"{self.sname(c)}")
        return ""

    def _carrier_name(self, e: Entry, mode: str, node: int) -> str:
        mark = "\u0304" if mode == "reverse" else "\u0307"
        return _mark(self.sname(node), mark)

    def _dep_key(self, e: Entry, kind: tuple, before: tuple[Entry, set[int]] | None
                 ) -> tuple | None:
        if kind[0] == "val":
            return ("p", kind[1])
        if kind[0] == "adj":
            return ("a", e.k, kind[1])
        if kind[0] == "tan":
            return ("t", e.seed, kind[1])
        if kind[0] == "self":
            return ("sum", id(before[0])) if before is not None else None
        if kind[0] == "par":
            if ("par", kind[1], kind[2]) in self.st:
                return ("par", kind[1], kind[2])
            keys = [("p", q) for q in self.units.parents(kind[1])
                    if self.st.get(("p", q), ("ok",))[0] != "ok"]
            return keys[0] if keys else None
        return None

    def _factor_ok(self, got: float, own_got: float | None, per: list[float],
                   own_total: float | None) -> bool:
        total = sum(per)
        if self.tol.close(got, total) or abs(got - total) <= 1e-9 * max(1.0, abs(total)):
            return True
        return (own_total is not None and own_got is not None
                and self.tol.close(own_got, own_total))

    def _own_chain(self, e: Entry, mode: str, ex: Expected, node: int, reached: list[int]
                   ) -> tuple[float | None, list[tuple]]:
        """The line's value from the student's own numbers through the true chain rule."""
        total = 0.0
        deps: list[tuple] = []
        if mode == "reverse":
            for c in reached:
                own_row = self._own_partials(c)
                if own_row is None:
                    return None, []
                key = ("a", e.k, c)
                deps.append(key)
                deps.extend(("p", q) for q in self.units.parents(c) if ("p", q) in self.st)
                adj = self._own(key, ex.adjoint(e.k, c))  # type: ignore[arg-type]
                total += adj * own_row.get(node, 0.0)
        else:
            own_row = self._own_partials(node)
            if own_row is None:
                return None, []
            for q, d in own_row.items():
                tkey: tuple = ("t", e.seed, q)
                deps.append(tkey)
                total += d * self._own(tkey, ex.tangent(0, q))
            deps.extend(("p", q) for q in self.units.parents(node) if ("p", q) in self.st)
        return total, deps

    def _diagnose_missing(self, e: Entry, got: float, true: float, terms: dict[int, float],
                          mode: str) -> None:
        fig = e.pl.value  # type: ignore[union-attr]
        for c, term in terms.items():
            if term != 0 and len(terms) > 1 and self.tol.judge(fig, true - term).ok:  # type: ignore[arg-type]
                e.verdict = MISSING_TERM
                e.message = (self._missing_text(e, mode, c, e.node, term)  # type: ignore[arg-type]
                             + f"; expected {self.tol.expected_text(true, fig)}")
                return

    def _missing_text(self, e: Entry, mode: str, c: int, node: int, term: float) -> str:
        """What is missing, and the term to add, written in the line's own notation."""
        child, parent = (c, node) if mode == "reverse" else (node, c)
        sym = TERM_IN[(mode, e.style)].format(
            out=self.out_name(e.k) if mode == "reverse" else "",  # type: ignore[arg-type]
            seed=next((n for n, v in (e.seed or ()) if v != 0), "x"), c=self.sname(c),
            j=self.sname(node), partial=_paren(self.partial_text(child, parent)),
            c_bar=_mark(self.sname(c), "\u0304"), c_dot=_mark(self.sname(c), "\u0307"))
        if mode == "reverse":
            users = [self.sname(u) for u in self.units.children(node)]
            return (f"misses the term from child {self.sname(c)} = {self.step_text(c)}: "
                    f"{self.sname(node)} is used by {_join(users)}, so its adjoint sums one "
                    f"term per child; add {sym} = {describe(term)}")
        return (f"misses the term from parent {self.sname(c)}: {self.sname(node)} = "
                f"{self.step_text(node)} uses "
                f"{_join([self.sname(p) for p in self.units.parents(node)])}; "
                f"add {sym} = {describe(term)}")

    # -- local derivatives written as formulas -------------------------------------------
    def _formula_elsewhere(self, F: Formula, r: Reading, c: int, pc: int, pj: int,
                           mode: str) -> str:
        """A factor written as a formula in the nodes' names must be the local derivative at
        other points too, not only by chance at the problem's point."""
        carriers = [n for n, k in r.kinds.items() if k[0] in ("adj", "tan", "self")]
        mine = [n for n in carriers if r.kinds[n][0] != "self" and r.kinds[n][1] == c]
        vals = [n for n, k in r.kinds.items() if k[0] == "val"]
        if not mine or not vals or any(k[0] == "par" for k in r.kinds.values()):
            return ""
        ck = ("formula-elsewhere", F.rw.text, tuple(sorted((n, r.kinds[n]) for n in F.names)),
              c, pc, pj, tuple(sorted((k, float(v)) for k, v in self.point.items())),
              tuple(self.sname(q) for q in self.units.parents(pc)))
        cache = self.key._cache
        if ck not in cache:  # many students write the same line: remember the verdict
            cache[ck] = self._elsewhere(F, r, carriers, mine, pc, pj)
        return cache[ck]

    def _elsewhere(self, F: Formula, r: Reading, carriers: list[str], mine: list[str],
                   pc: int, pj: int) -> str:
        import numpy as np

        mine_terms = [t for t, _ in split_terms(F.graph, F.root)
                      if any(F.graph.nodes[i].name in mine for i in leaves(F.graph, t))]
        names = ({F.graph.nodes[i].name for t in mine_terms for i in leaves(F.graph, t)}
                 if not any(F.graph.nodes[i].name in carriers and F.graph.nodes[i].name
                            not in mine for t in mine_terms for i in leaves(F.graph, t))
                 else set(F.names))  # terms that mix carriers: every name may matter
        used = {r.kinds[n][1] for n in names if r.kinds[n][0] == "val"}
        parents = self.units.parents(pc)
        rng = np.random.default_rng(pc * 7919 + pj)
        samples: list[dict[int, float]] = []
        if used <= set(parents):  # the unit's own arguments, varied independently
            for k in range(6):
                samples.append({q: (self.ex.value(q) + float(rng.uniform(-0.7, 0.7))
                                    * max(1.0, abs(self.ex.value(q)))) if k < 3
                                else float(rng.uniform(-2, 2)) for q in parents})
            wants = [self.units.own(pc, s) for s in samples]
            points = [(s, w[1].get(pj, 0.0) if w else None) for s, w in zip(samples, wants)]
        else:  # other nodes too: the whole graph near the problem's point
            points = []
            for ex in self._perturbed():
                s = {q: ex.value(q) for q in used}
                points.append((s, sum(ex.partials(pc, pj)) if pc not in self.units.members
                               else None))
        envs = []
        for s, _w in points:
            base = {n: (s.get(r.kinds[n][1], 0.0) if r.kinds[n][0] == "val" else 0.0)
                    for n in F.names}
            envs += [base, {**base, **{n: 1.0 for n in mine}}]
        rows = evaluate(F.graph, envs)
        for j, (s, want) in enumerate(points):
            r0, r1 = rows[2 * j], rows[2 * j + 1]
            if want is None or r0 is None or r1 is None:
                continue
            got = r1[F.root] - r0[F.root]
            if not self.tol.close(got, want) and abs(got - want) > 1e-9 * max(1.0, abs(want)):
                where = ", ".join(f"{self.sname(q)} = {describe(v)}" for q, v in s.items()
                                  if q in used or q in parents)
                text = " + ".join(source_text(F, t) for t, _ in split_terms(F.graph, F.root)
                                  if any(F.graph.nodes[i].name in mine
                                         for i in leaves(F.graph, t))) or F.piece.text
                return (f"wrong local derivative ∂{self.sname(pc)}/∂{self.sname(pj)}: it is "
                        f"{self.partial_text(pc, pj)}, but your factor in {text!r} is another "
                        f"formula (equal here by chance; with {where} it gives {describe(got)} "
                        f"instead of {describe(want)})")
        return ""

    # -- local partial lines ----------------------------------------------------------
    def _grade_partials(self) -> None:
        for e in self.entries:
            if e.section != "partial" or e.verdict or e.pair is None:
                continue
            self._guard(e, self._grade_partial)

    def _grade_partial(self, e: Entry) -> None:
        self._grade_partial_line(e)
        self._record(("par",) + e.pair, e)  # type: ignore[operator]

    def _grade_partial_line(self, e: Entry) -> None:
        c, p = e.pair  # type: ignore[misc]
        per = self.units.partials(c, p) if p in self.units.parents(c) else []
        if not per:
            e.verdict = INVALID_STEP
            e.message = f"not a valid step: {self.sname(c)} does not use {self.sname(p)}"
            return
        own_row = self._own_partials(c)
        own = own_row.get(p) if own_row else None
        F = e.pl.symbolic if e.pl else None
        if F is not None:
            vals = {n: self._name_value(e, n, True) for n in F.names}
            if any(v is None for v in vals.values()) or F.rw.syms:
                e.verdict, e.message = INVALID_STEP, "not a valid step: unknown names"
                return
            row = evaluate(F.graph, [{k: v for k, v in vals.items() if v is not None}])[0]
            if row is None or not self.tol.close(row[F.root], sum(per)):
                e.verdict = WRONG_PARTIAL
                e.expected = sum(per)
                e.got = row[F.root] if row else None
                e.message = (f"wrong local derivative: ∂{self.sname(c)}/∂{self.sname(p)} = "
                             f"{self.partial_is(c, p, describe(sum(per)))}")
                return
        deps = [("p", q) for q in self.units.parents(c)]
        self._judge_value(e, sum(per), own, deps, f"∂{self.sname(c)}/∂{self.sname(p)}")
        if e.verdict == WRONG_VALUE:
            e.verdict = WRONG_PARTIAL
            e.message = (f"wrong local derivative: ∂{self.sname(c)}/∂{self.sname(p)} = "
                         f"{self.partial_is(c, p, describe(sum(per)))}")


def _paren(s: str) -> str:
    return s if re.fullmatch(r"[\w.]+|\w+\(.*\)", s) else f"({s})"


def _mark(name: str, mark: str) -> str:
    return unicodedata.normalize("NFC", name[0] + mark + name[1:])


def _join(names: list[str]) -> str:
    names = sorted(dict.fromkeys(names), key=lambda n: [int(t) if t.isdigit() else t
                                                         for t in re.split(r"(\d+)", n)])
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
