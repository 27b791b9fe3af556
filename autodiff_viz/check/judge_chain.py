"""Judge stage: forward and reverse lines, the chain rule term by term.

A reverse line for node j must sum adjoint(c)·∂c/∂j over every child c; a
forward line sums ∂i/∂p·tangent(p) over every parent p. Reports a missing
child's (parent's) term, a wrong local derivative, or a step that is not in
the graph; local partial lines (``dw4/dw1 = cos(w1)``) are checked too.

>>> _join(["w10", "w3", "w4"])
'w3, w4 and w10'
"""
from __future__ import annotations

import re

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


def linear_in(g: Graph, node: int, carrier: int) -> bool:
    """True when ``node`` is ``carrier`` times a factor free of it (×, ÷ by, unary −)."""
    while node != carrier:
        n = g.nodes[node]
        if n.kind != "op":
            return False
        inside = [k for k, p in enumerate(n.parents) if carrier in leaves(g, p)]
        if len(inside) != 1 or (len(n.parents) == 2 and n.parents[0] == n.parents[1]):
            return False
        name = n.op.name  # type: ignore[union-attr]
        if name == "mul" or name == "neg" or (name == "div" and inside[0] == 0):
            node = n.parents[inside[0]]
        else:
            return False
    return True


class ChainJudging(ValueJudging):
    """Verdicts on forward, reverse and local-partial lines (see the module doc)."""

    def _leaf_env(self, e: Entry, F: Formula, mode: str) -> tuple[dict, dict, dict, dict, dict]:
        """Values of each input of the student's formula: true, own, unit-true, unit-own; and kinds."""
        true, own, kinds = {}, {}, {}
        ex = self._ex(e)
        occurrences: dict[tuple[int, int], list[str]] = {}
        for name in F.names:
            sym = F.rw.syms.get(name)
            kinds[name] = self._leaf_kind(e, name, sym, mode)
            kind = kinds[name]
            if kind[0] == "par" and kind[1] is not None and kind[2] is not None:
                occurrences.setdefault((kind[1], kind[2]), []).append(name)
        for name in F.names:
            kind = kinds[name]
            t, o = 0.0, 0.0
            if kind[0] == "val":
                t = ex.value(kind[1])
                o = self._own(("p", kind[1]), t)
            elif kind[0] == "adj":
                t = ex.adjoint(e.k, kind[1])  # type: ignore[arg-type]
                o = self._own(("a", e.k, kind[1]), t)
            elif kind[0] == "tan":
                t = ex.tangent(0, kind[1])
                o = self._own(("t", e.seed, kind[1]), t)
            elif kind[0] == "par" and kind[1] is not None and kind[2] is not None:
                c, p = kind[1], kind[2]
                per = ex.partials(c, p)
                occ = occurrences[(c, p)]
                own_row = self._own_partials(c)
                own_per = [own_row[pos] for pos, q in enumerate(self.graph.nodes[c].parents)
                           if q == p] if own_row else per
                idx = occ.index(name)
                if len(occ) == len(per) and len(per) > 1:
                    t, o = per[idx], own_per[idx]  # type: ignore[assignment]
                else:
                    t, o = sum(per), sum(v or 0.0 for v in own_per)
            true[name], own[name] = t, o
        ut = {n: (1.0 if kinds[n][0] in ("adj", "tan") else v) for n, v in true.items()}
        uo = {n: (1.0 if kinds[n][0] in ("adj", "tan") else v) for n, v in own.items()}
        return true, own, ut, uo, kinds

    def _own_partials(self, c: int) -> list[float | None] | None:
        n = self.graph.nodes[c]
        if n.kind != "op":
            return None
        vals = {q: self.sv[("p", q)] for q in n.parents if ("p", q) in self.sv}
        r = self.ex.own(c, vals)
        return r[1] if r else None

    def _leaf_kind(self, e: Entry, name: str, sym: Sym | None, mode: str) -> tuple:
        """("val", node) | ("adj", node) | ("tan", node) | ("par", child, parent) | ("bad", why)."""
        if sym is None:
            node = self.resolve_any(name)
            return ("val", node) if node is not None else ("bad", f"{written_name(name)} is not "
                                                                  "a step of your table")
        a = self.resolve_any(sym.a) if sym.a else None
        b = self.resolve_any(sym.b)
        if sym.kind == "adjoint":
            if mode != "reverse":
                return ("bad", f"{sym.text} is an adjoint; a forward step uses tangents")
            return ("adj", b) if b is not None else ("bad", f"{sym.b} is not a step of your table")
        if sym.kind == "tangent":
            if mode != "forward":
                return ("bad", f"{sym.text} is a tangent; a reverse step uses adjoints")
            return ("tan", b) if b is not None else ("bad", f"{sym.b} is not a step of your table")
        if a is None or b is None:
            return ("bad", f"{sym.text}: {sym.a if a is None else sym.b} is not a step of your table")
        if mode == "reverse":
            if b == e.node:
                return ("par", a, b)
            if self.is_output(sym.a or "", e.k):
                return ("adj", b)
            return ("par", a, b)
        if mode == "forward":
            if a == e.node:
                return ("par", a, b)
            seed_vars = [n for n, v in (e.seed or ()) if v != 0]
            if len(seed_vars) == 1 and (sym.b == seed_vars[0] or b == self.inputs[seed_vars[0]]):
                return ("tan", a)
            return ("par", a, b)
        return ("par", a, b)

    def _ex(self, e: Entry) -> Expected:
        if e.section == "forward" and e.seed:
            return self.key.expected(self.point, dict(e.seed))
        return self.ex

    # -- forward and reverse ------------------------------------------------------------
    def _grade_forward(self) -> None:
        fwd = [e for e in self.entries if e.section == "forward" and not e.verdict]
        for e in fwd:
            e.node = self.resolve_any(e.target or "")
        for e in sorted(fwd, key=lambda e: (e.node if e.node is not None else 1 << 30,
                                            e.index)):
            if e.node is None:
                e.verdict, e.message = UNREADABLE, f"{e.target} is not a step of your table"
                continue
            self._grade_chain(e, "forward")
            self._record(("t", e.seed, e.node), e)

    def _grade_reverse(self) -> None:
        rev = [e for e in self.entries if e.section == "reverse" and not e.verdict]
        for e in rev:
            e.node = self.resolve_any(e.target or "")
            if e.k is None:
                e.k = self.output_k(None)
        def order(e: Entry) -> tuple:
            if e.node is None or e.k is None:
                return (1 << 30, e.index)
            o = self.ex.reverse_order(e.k)
            return (o.index(e.node) if e.node in o else len(o), e.index)
        for e in sorted(rev, key=order):
            if e.k is None:
                e.verdict, e.message = UNREADABLE, "the key has no reverse pass for this output"
                continue
            if e.node is None:
                e.verdict, e.message = UNREADABLE, f"{e.target} is not a step of your table"
                continue
            self._grade_chain(e, "reverse")
            self._record(("a", e.k, e.node), e)

    def _grade_chain(self, e: Entry, mode: str) -> None:
        ex = self._ex(e)
        node = e.node
        assert node is not None
        if mode == "reverse":
            true = ex.adjoint(e.k, node)  # type: ignore[arg-type]
            related = ex.children(node)
            reached = [c for c in related if ex.reached(e.k, c)]  # type: ignore[arg-type]
            terms_true = ex.reverse_terms(e.k, node)  # type: ignore[arg-type]
            what = f"the adjoint of {self.sname(node)}"
        else:
            true = ex.tangent(0, node)
            related = ex.parents(node)
            reached = related
            terms_true = {p: ex.tangent(0, p) * sum(ex.partials(node, p)) for p in related}
            what = f"the tangent of {self.sname(node)}"
        is_seed = (mode == "reverse" and node == ex.output_node(e.k)) or (  # type: ignore[arg-type]
            mode == "forward" and self.graph.nodes[node].kind == "input")
        F = e.pl.symbolic if e.pl else None
        if F is None or is_seed:
            own, deps = self._own_chain(e, mode, ex, node, related)
            if is_seed:
                own, deps = None, []
            self._judge_value(e, true, own, deps, what)
            if e.verdict == WRONG_VALUE and not is_seed and e.pl and e.pl.value is not None:
                self._diagnose_missing(e, float(e.pl.value), true, terms_true, mode)
            return
        true_env, own_env, ut, uo, kinds = self._leaf_env(e, F, mode)
        bad = [k[1] for k in kinds.values() if k[0] == "bad"]
        if bad:
            e.verdict = INVALID_STEP
            e.message = f"not a valid step: {bad[0]}"
            e.got = e.pl.value and float(e.pl.value)  # type: ignore[union-attr]
            e.expected = true
            return
        rows = evaluate(F.graph, [true_env, own_env, ut, uo])
        if rows[0] is None or rows[2] is None:
            e.verdict, e.message = INVALID_STEP, "the formula is undefined at this point"
            return
        carrier_kind = "adj" if mode == "reverse" else "tan"
        names = F.graph.input_names
        name_node = {F.graph.nodes[i].name: i for i in F.graph.inputs}
        groups: dict[int, list[tuple[float, float | None]]] = {}
        symbolic_terms: dict[int, list[tuple[int, int]]] = {}  # factors written as formulas
        direct_t, direct_o = 0.0, 0.0
        problems: list[tuple[str, str]] = []
        for term, sign in split_terms(F.graph, F.root):
            lv = [F.graph.nodes[i].name for i in leaves(F.graph, term)]
            carriers = [n for n in lv if kinds[n][0] == carrier_kind]
            if not carriers:
                direct_t += sign * rows[0][term]
                direct_o += sign * (rows[1][term] if rows[1] else rows[0][term])
                continue
            if len(carriers) > 1 or not linear_in(F.graph, term, name_node[carriers[0]]):
                problems.append((INVALID_STEP, f"write each term as "
                                 f"{'adjoint × local derivative' if mode == 'reverse' else 'local derivative × tangent'}"
                                 f": {source_text(F, term)}"))
                continue
            c = kinds[carriers[0]][1]
            groups.setdefault(c, []).append((sign * rows[2][term],
                                             sign * rows[3][term] if rows[3] else None))
            if any(kinds[n][0] == "val" for n in lv) and not any(kinds[n][0] == "par" for n in lv):
                symbolic_terms.setdefault(c, []).append((term, sign))
            else:
                symbolic_terms.setdefault(c, []).append((-1, 0))
            for n in lv:
                k = kinds[n]
                if k[0] == "par" and (k[1], k[2]) != ((c, node) if mode == "reverse" else (node, c)):
                    sym = F.rw.syms.get(n or "")
                    problems.append((WRONG_PARTIAL, f"{sym.text if sym else n} does not belong in "
                                     f"the term of {self.sname(c)}"))
        for c, factors in groups.items():
            if c not in related:
                who = (f"{self.sname(c)} does not use {self.sname(node)}" if mode == "reverse"
                       else f"{self.sname(node)} does not use {self.sname(c)}")
                problems.append((INVALID_STEP, who))
                continue
            pc, pj = (c, node) if mode == "reverse" else (node, c)
            per = ex.partials(pc, pj)
            own_row = self._own_partials(pc)
            own_total = sum((own_row[pos] or 0.0) for pos, q in
                            enumerate(self.graph.nodes[pc].parents) if q == pj) if own_row else None
            if not self._factor_ok(factors, per, own_total):
                got = sum(f for f, _ in factors)
                problems.append((WRONG_PARTIAL,
                                 f"wrong local derivative ∂{self.sname(pc)}/∂{self.sname(pj)}: "
                                 f"it is {self.partial_text(pc, pj)} = {describe(sum(per))}, "
                                 f"your factor is {describe(got)}"))
            elif all(t >= 0 for t, _ in symbolic_terms.get(c, [])):
                other = self._formula_elsewhere(F, kinds, symbolic_terms[c], pc, pj, carrier_kind)
                if other:
                    problems.append((WRONG_PARTIAL, other))
        missing = [c for c in reached if c not in groups]
        residual = sum(terms_true.get(c, 0.0) for c in missing)
        if missing and not (abs(direct_t) > 0 and self.tol.close(direct_t, residual)):
            real = [c for c in missing if terms_true.get(c, 0.0) != 0.0]
            for c in missing:
                if c not in real:
                    e.notes.append(f"the term from {self.sname(c)} is 0 here, so leaving it out "
                                   "does not change the value")
            for c in real:
                problems.append((MISSING_TERM, self._missing_text(e, mode, c, node, terms_true[c])))
        elif not missing and abs(direct_t) > 0 and not self.tol.close(direct_t, 0.0):
            problems.append((INVALID_STEP, "a term that carries no "
                             f"{'adjoint' if mode == 'reverse' else 'tangent'}"))
        work = self._working(e, F, [rows[0], rows[1]], ({}, {}), kinds)
        for w in [w for w in work if w.startswith(WRONG_PARTIAL + ":")]:
            problems.append((WRONG_PARTIAL, w[len(WRONG_PARTIAL) + 1:]))
        work = [w for w in work if not w.startswith(WRONG_PARTIAL + ":")]
        deps = [d for d in (self._dep_key(e, kinds[n]) for n in names) if d is not None]
        own = rows[1][F.root] if rows[1] else None
        self._judge_value(e, true, own, deps, what)
        if problems:
            order = {INVALID_STEP: 0, MISSING_TERM: 1, WRONG_PARTIAL: 2}
            problems.sort(key=lambda p: order[p[0]])
            verdict = problems[0][0]
            msgs = [m for v, m in problems if v == verdict]
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

    def _dep_key(self, e: Entry, kind: tuple) -> tuple | None:
        if kind[0] == "val":
            return ("p", kind[1])
        if kind[0] == "adj":
            return ("a", e.k, kind[1])
        if kind[0] == "tan":
            return ("t", e.seed, kind[1])
        if kind[0] == "par":
            parents = self.graph.nodes[kind[1]].parents
            keys = [("p", q) for q in parents if self.st.get(("p", q), ("ok",))[0] != "ok"]
            return keys[0] if keys else None
        return None

    def _factor_ok(self, factors: list[tuple[float, float | None]], per: list[float],
                   own_total: float | None) -> bool:
        total = sum(per)
        got = sum(f for f, _ in factors)
        if self.tol.close(got, total) or abs(got - total) <= 1e-9 * max(1.0, abs(total)):
            return True
        own_got = [o for _, o in factors]
        if own_total is not None and None not in own_got:
            if self.tol.close(sum(o for o in own_got if o is not None), own_total):
                return True
        if len(factors) == len(per) and len(per) > 1:
            return all(any(self.tol.close(f, p) for p in per) for f, _ in factors)
        return False

    def _own_chain(self, e: Entry, mode: str, ex: Expected, node: int, related: list[int]
                   ) -> tuple[float | None, list[tuple]]:
        """The line's value from the student's own numbers through the true chain rule."""
        total = 0.0
        deps: list[tuple] = []
        if mode == "reverse":
            for c in related:
                if not ex.reached(e.k, c):  # type: ignore[arg-type]
                    continue
                own_row = self._own_partials(c)
                if own_row is None:
                    return None, []
                key = ("a", e.k, c)
                deps.append(key)
                deps.extend(("p", q) for q in self.graph.nodes[c].parents if ("p", q) in self.st)
                adj = self._own(key, ex.adjoint(e.k, c))  # type: ignore[arg-type]
                total += adj * sum((own_row[pos] or 0.0) for pos, q in
                                   enumerate(self.graph.nodes[c].parents) if q == node)
        else:
            own_row = self._own_partials(node)
            if own_row is None:
                return None, []
            for pos, q in enumerate(self.graph.nodes[node].parents):
                if own_row[pos] is None:
                    continue
                tkey: tuple = ("t", e.seed, q)
                deps.append(tkey)
                total += own_row[pos] * self._own(tkey, ex.tangent(0, q))  # type: ignore[operator]
            deps.extend(("p", q) for q in self.graph.nodes[node].parents if ("p", q) in self.st)
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
        ex = self._ex(e)
        if mode == "reverse":
            users = ex.children(node)
            out = self.ex.trace.reverse[e.k].output  # type: ignore[index]
            if e.style == "leibniz":
                sym = f"d{out}/d{self.sname(c)}*d{self.sname(c)}/d{self.sname(node)}"
            elif e.style == "prefix":
                sym = f"adj_{self.sname(c)}*{_paren(self.partial_text(c, node))}"
            else:
                sym = f"{_mark(self.sname(c), '̄')}·{_paren(self.partial_text(c, node))}"
            return (f"misses the term from child {self.sname(c)} = {self.step_text(c)}: "
                    f"{self.sname(node)} is used by {_join([self.sname(u) for u in users])}, so "
                    f"its adjoint sums one term per child; add {sym} = {describe(term)}")
        seedvar = next((n for n, v in (e.seed or ()) if v != 0), "x")
        if e.style == "leibniz":
            sym = f"d{self.sname(c)}/d{seedvar}*{_paren(self.partial_text(node, c))}"
        elif e.style == "prefix":
            sym = f"tan_{self.sname(c)}*{_paren(self.partial_text(node, c))}"
        else:
            sym = f"{_mark(self.sname(c), '̇')}·{_paren(self.partial_text(node, c))}"
        return (f"misses the term from parent {self.sname(c)}: {self.sname(node)} = "
                f"{self.step_text(node)} uses {_join([self.sname(p) for p in self.ex.parents(node)])}; "
                f"add {sym} = {describe(term)}")

    # -- local partial lines ----------------------------------------------------------
    def _grade_partials(self) -> None:
        for e in self.entries:
            if e.section != "partial" or e.verdict or e.pair is None:
                continue
            c, p = e.pair
            per = self.ex.partials(c, p)
            if not per:
                e.verdict = INVALID_STEP
                e.message = f"not a valid step: {self.sname(c)} does not use {self.sname(p)}"
                continue
            own_row = self._own_partials(c)
            own = sum((own_row[pos] or 0.0) for pos, q in enumerate(self.graph.nodes[c].parents)
                      if q == p) if own_row else None
            F = e.pl.symbolic if e.pl else None
            if F is not None:
                vals = {n: self._name_value(e, n, True) for n in F.names}
                if any(v is None for v in vals.values()) or F.rw.syms:
                    e.verdict, e.message = INVALID_STEP, "not a valid step: unknown names"
                    continue
                row = evaluate(F.graph, [{k: v for k, v in vals.items() if v is not None}])[0]
                if row is None or not self.tol.close(row[F.root], sum(per)):
                    e.verdict = WRONG_PARTIAL
                    e.expected = sum(per)
                    e.got = row[F.root] if row else None
                    e.message = (f"wrong local derivative: ∂{self.sname(c)}/∂{self.sname(p)} = "
                                 f"{self.partial_text(c, p)} = {describe(sum(per))}")
                    continue
            deps = [("p", q) for q in self.graph.nodes[c].parents]
            self._judge_value(e, sum(per), own, deps, f"∂{self.sname(c)}/∂{self.sname(p)}")
            if e.verdict == WRONG_VALUE:
                e.verdict = WRONG_PARTIAL
                e.message = (f"wrong local derivative: ∂{self.sname(c)}/∂{self.sname(p)} = "
                             f"{self.partial_text(c, p)} = {describe(sum(per))}")


def _paren(s: str) -> str:
    return s if re.fullmatch(r"[\w.]+|\w+\(.*\)", s) else f"({s})"


def _mark(name: str, mark: str) -> str:
    import unicodedata
    return unicodedata.normalize("NFC", name[0] + mark + name[1:])


def _join(names: list[str]) -> str:
    names = sorted(dict.fromkeys(names), key=lambda n: [int(t) if t.isdigit() else t
                                                         for t in re.split(r"(\d+)", n)])
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
