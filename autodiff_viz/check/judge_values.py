"""Judge stage, shared part: a line's value (right, carried from an earlier error, or
wrong), the numbers in its working, and local derivatives written as formulas.

The student's numbers are kept per node as they are read, so a later line can be
checked against the value its own formula gives from them ("follows from the
earlier error"). Each number in the working is aligned with the part of the
formula it stands for. A local derivative written as a formula must be right at
other points too, not only by chance at the problem's point.

>>> from autodiff_viz import parse
>>> g = parse("a*b*c")
>>> [g.nodes[k].name for k in _factors(g, g.outputs[0][1])]
['a', 'b', 'c']
"""
from __future__ import annotations

import math
from typing import Any

from ..graph import Graph
from .evaluate import evaluate
from .expected import Expected
from .figures import Figure, Tolerance, describe
from .line_parts import Formula
from .mapping import PrimalMapping
from .names import Entry
from .report import CARRIED, CORRECT, MISSING, WRONG_PARTIAL, WRONG_VALUE
from .symbols import written_name


def leaves(g: Graph, node: int) -> set[int]:
    """Input nodes (names and placeholders) under ``node``."""
    seen, stack, out = set(), [node], set()
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        n = g.nodes[k]
        if n.kind == "input":
            out.add(k)
        stack.extend(n.parents)
    return out




class ValueJudging(PrimalMapping):
    """Judging values, working and local-derivative formulas (see the module doc)."""

    def _own(self, key: tuple, true: float) -> float:
        return self.sv.get(key, true)

    def _record(self, key: tuple, e: Entry) -> None:
        if key in self.sv or e.pl is None or e.pl.value is None:
            if key not in self.st and e.value_status == "seed":
                self.st[key] = ("seed", e.line.lineno, e.lhs)
            return
        self.sv[key] = float(e.pl.value)
        # what later lines care about is whether the number is right, not the working
        status = e.value_status or ("ok" if e.verdict == CORRECT else
                                    "carried" if e.verdict == CARRIED else "wrong")
        self.st[key] = (status, e.line.lineno, e.lhs)

    def _earlier_errors(self, keys: list[tuple]) -> list[str]:
        out = []
        for k in keys:
            st = self.st.get(k)
            if st and st[0] != "ok":
                out.append(f"{st[2]} (line {st[1]})")
        return list(dict.fromkeys(out))

    def _judge_value(self, e: Entry, true: float, own: float | None, deps: list[tuple],
                     what: str) -> None:
        """The verdict on the line's value: correct, carried or wrong."""
        v = e.pl.value  # type: ignore[union-attr]
        e.got = float(v) if v is not None else None
        e.expected = true
        if v is None:
            e.verdict = MISSING
            e.message = f"no value given for {what}: it is {describe(true)}"
            return
        j = self.tol.judge(v, true)
        if j.ok:
            e.verdict, e.value_status = CORRECT, "ok"
            if j.how == "rounded":
                e.notes.append(f"{describe(true)} rounded to {v.decimals} decimal"
                               f"{'s' if v.decimals != 1 else ''}")  # type: ignore[union-attr]
            return
        errs = self._earlier_errors(deps)
        seeds = [k for k in deps if self.st.get(k, ("ok",))[0] == "seed"]
        if seeds and own is not None and math.isfinite(own) and self.tol.judge(v, own).ok:
            st = self.st[seeds[0]]
            e.verdict, e.value_status = WRONG_VALUE, "seed"  # another derivative: no credit
            e.message = (f"follows from the wrong seed ({st[2]}, line {st[1]}): this is the "
                         f"derivative along another direction (expected "
                         f"{self.tol.expected_text(true, v)})")
            return
        if own is not None and math.isfinite(own) and self.tol.judge(v, own).ok:
            if errs:
                e.verdict, e.value_status = CARRIED, "carried"
                e.message = (f"follows from the earlier error in {', '.join(errs)}: with your "
                             f"numbers this is {describe(own)} (the true value is "
                             f"{self.tol.expected_text(true, v)})")
                return
            if deps and all(self.st.get(k, ("ok",))[0] == "ok" for k in deps):
                e.verdict, e.value_status = CORRECT, "ok"
                e.notes.append(f"computed from your rounded earlier values ({describe(own)})")
                return
        e.verdict, e.value_status = WRONG_VALUE, "wrong"
        e.message = self.tol.wrong_message(v, true)
        if errs:
            e.message += "; it does not follow from your earlier values either"

    def _working(self, e: Entry, F: Formula, rows: list, envs_n: tuple[dict, dict],
                 kinds: dict | None = None, leaf: Any = None) -> list[str]:
        """Check the numbers in the working parts against the formula they substitute into.

        ``leaf(W, name)`` gives a name's (true, own) values where the working uses
        derivative symbols (``v̄5 × 1``); plain names are the primal values.
        """
        problems: list[str] = []
        pl = e.pl
        assert pl is not None
        for W in pl.working:
            both = {n: (leaf(W, n) if leaf is not None and n in W.rw.syms else
                        (self._name_value(e, n, true=True), self._name_value(e, n, true=False)))
                    for n in W.names}
            env_t = {n: v[0] if v else None for n, v in both.items()}
            env_o = {n: v[1] if v else None for n, v in both.items()}
            if any(v is None for v in list(env_t.values()) + list(env_o.values())):
                problems.append(f"cannot follow the working {W.piece.text!r}")
                continue
            wrows = evaluate(W.graph, [{k: v for k, v in env.items() if v is not None}
                                       for env in (env_t, env_o)])
            pairs = self._align(F, F.root, W, W.root, rows, wrows)
            for f, w, ok in pairs:
                if not ok:
                    fig = W.figure(w)
                    t = rows[0][f] if rows[0] else float("nan")
                    shown = fig.text if fig is not None and fig.text else describe(
                        wrows[0][w]) if wrows[0] else "?"
                    what = F.graph.nodes[f]
                    label = (self._leaf_label(F, what.name) if what.kind == "input" else
                             source_text(F, f))
                    kind = kinds.get(what.name or "") if kinds and what.kind == "input" else None
                    if kind is not None and kind[0] == "par":
                        c, p = kind[1], kind[2]
                        problems.append(
                            f"{WRONG_PARTIAL}:wrong local derivative {label}: it is "
                            f"{self.partial_is(c, p, self.tol.expected_text(t, fig))}, "
                            f"you used {shown}")
                    else:
                        problems.append(f"in the working, {shown} should be {label} = "
                                        f"{self.tol.expected_text(t, fig)}")
        return problems

    def _leaf_label(self, F: Formula, name: str | None) -> str:
        sym = F.rw.syms.get(name or "")
        return sym.text if sym else written_name(name or "")

    def _name_value(self, e: Entry, name: str, true: bool) -> float | None:
        node = self.resolve_any(name)
        if node is None:
            return None
        t = self.ex.value(node)
        return t if true else self._own(("p", node), t)

    def _align(self, F: Formula, f: int, W: Formula, w: int, rows: list, wrows: list
               ) -> list[tuple[int, int, bool]]:
        fn, wn = F.graph.nodes[f], W.graph.nodes[w]
        if (fn.kind == "op" and wn.kind == "op" and fn.op.name == wn.op.name  # type: ignore[union-attr]
                and len(fn.parents) == len(wn.parents)):
            orders = [wn.parents]
            if fn.op.name in ("add", "mul"):  # type: ignore[union-attr]
                orders.append(wn.parents[::-1])
            fitting = [o for o in orders if all(_fits(F.graph, a, W.graph, b)
                                                for a, b in zip(fn.parents, o))]
            orders = fitting or orders[:1]
            best: list[tuple[int, int, bool]] | None = None
            for order in orders:
                out: list[tuple[int, int, bool]] = []
                for a, b in zip(fn.parents, order):
                    out.extend(self._align(F, a, W, b, rows, wrows))
                if best is None or sum(not ok for *_, ok in out) < sum(not ok for *_, ok in best):
                    best = out
            if best and any(not ok for *_, ok in best) and self._regrouped(F, f, W, w, rows):
                return [(f, w, True)]  # (a·2)·b written as a·(2·b): the same factors
            return best or []
        if fn.kind == "op" and self._regrouped(F, f, W, w, rows):
            return [(f, w, True)]
        return [(f, w, self._pair_ok(F, f, W, w, rows, wrows))]

    def _regrouped(self, F: Formula, f: int, W: Formula, w: int, rows: list) -> bool:
        """A product whose written factors are products of consecutive formula factors."""
        sf, wf = _factors(F.graph, f), _factors(W.graph, w)
        if len(wf) >= len(sf) or len(wf) < 2:
            return False
        figs = [W.figure(k) for k in wf]
        if any(x is None for x in figs):
            return False
        for r in rows:
            if r is None:
                continue
            vals = [r[k] for k in sf]
            for order in (figs, figs[::-1]):
                if _partition_ok(vals, order, self.tol):  # type: ignore[arg-type]
                    return True
        return False

    def _pair_ok(self, F: Formula, f: int, W: Formula, w: int, rows: list, wrows: list) -> bool:
        fig = W.figure(w)
        cands = [r[f] for r in rows if r is not None]
        if fig is not None:
            return any(self.tol.judge(fig, c).ok for c in cands if math.isfinite(c))
        vals = [r[w] for r in wrows if r is not None]
        lits = [x for x in (W.figure(k) for k in leaves_consts(W.graph, w))
                if x is not None and x.decimals is not None and "." in (x.text or "")]
        for v in vals:
            for c in cands:
                if not math.isfinite(c):
                    continue
                # rounding errors of the written numbers, carried through a product or a sum
                slack = sum(0.5 * 10.0 ** -max(-300, min(300, x.decimals)) * max(1.0, abs(c) / max(abs(float(x)), 1e-12))  # type: ignore[operator]
                            for x in lits)
                if self.tol.close(v, c) or abs(v - c) <= slack + 1e-12:
                    return True
        return False

    def _perturbed(self) -> list[Expected]:
        """The trace records at a few points near the problem's (for checking formulas)."""
        import numpy as np

        from ..errors import AutodiffVizError
        ck = ("perturbed", tuple(sorted((k, float(v)) for k, v in self.point.items())))
        if ck not in self.key._cache:
            rng = np.random.default_rng(12345)
            out: list[Expected] = []
            for _ in range(40):
                pt = {k: float(v) + float(rng.uniform(-0.5, 0.5)) * max(1.0, abs(float(v)))
                      for k, v in self.point.items()}
                try:
                    ex = self.key.expected(pt)
                except AutodiffVizError:
                    continue
                if not any(st.flags for st in ex.steps):
                    out.append(ex)
                if len(out) == 3:
                    break
            self.key._cache[ck] = out
        return self.key._cache[ck]


def _fits(F: Graph, f: int, W: Graph, w: int) -> bool:
    """Can working node ``w`` stand where formula node ``f`` is (same operation, or a number)?"""
    fn, wn = F.nodes[f], W.nodes[w]
    if wn.kind == "const" or fn.kind != "op":
        return True
    return wn.kind == "op" and wn.op.name == fn.op.name  # type: ignore[union-attr]


def _factors(g: Graph, node: int) -> list[int]:
    """The factors of a product (through nested ``*``), left to right."""
    n = g.nodes[node]
    if n.kind == "op" and n.op.name == "mul":  # type: ignore[union-attr]
        return _factors(g, n.parents[0]) + _factors(g, n.parents[1])
    return [node]


def _partition_ok(vals: list[float], figs: list[Figure], tol: Tolerance) -> bool:
    """Can ``vals`` be cut into len(figs) consecutive runs whose products are the figures?"""
    if not figs:
        return not vals
    if len(vals) < len(figs):
        return False
    for cut in range(1, len(vals) - len(figs) + 2):
        prod = math.prod(vals[:cut])
        if tol.judge(figs[0], prod).ok and _partition_ok(vals[cut:], figs[1:], tol):
            return True
    return False


def leaves_consts(g: Graph, node: int) -> list[int]:
    seen, stack, out = set(), [node], []
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        if g.nodes[k].kind == "const":
            out.append(k)
        stack.extend(g.nodes[k].parents)
    return out


def source_text(F: Formula, node: int) -> str:
    """The text a node of the student's formula came from."""
    n = F.graph.nodes[node]
    if n.span is None:
        return F.piece.text
    a, b = n.span
    start = F.rw.col(a) - F.piece.col(0)
    end = F.rw.col(b - 1) - F.piece.col(0) + 1
    text = F.piece.text[max(0, start):max(start + 1, end)]
    return text or F.piece.text
