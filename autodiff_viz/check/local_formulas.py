"""Local derivatives written as formulas: right at other points too, not only by chance here?

Part of :class:`~autodiff_viz.check.steps.TableGrader`. At the problem's point
``sin(w1)`` and ``-sin(w1)`` agree when w1 = 0; the factor is re-evaluated with
the node's arguments varied (the operation's own partial, from the project's
passes on its local graph), or, when the formula uses other nodes, at points
of the whole graph near the problem's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .chain import leaves
from .evaluate import evaluate
from .figures import describe
from .judging import ValueJudging
from .working import source_text

if TYPE_CHECKING:
    from .expected import Expected
    from .line_parts import Formula


class LocalFormulaCheck(ValueJudging):
    """Methods of :class:`~autodiff_viz.check.steps.TableGrader` (see the module doc)."""

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

    def _formula_elsewhere(self, F: Formula, kinds: dict, terms: list[tuple[int, int]],
                           pc: int, pj: int, carrier_kind: str) -> str:
        """A local derivative written as a formula must be right at other points too.

        When the formula uses only the node's arguments, they are varied independently
        (the operation's own partial at random arguments); otherwise the whole graph is
        re-evaluated near the problem's point.
        """
        ck = ("formula-elsewhere", F.rw.text, tuple(sorted((n, tuple(k)) for n, k in kinds.items())),
              tuple(terms), pc, pj, carrier_kind,
              tuple(sorted((k, float(v)) for k, v in self.point.items())),
              tuple(self.sname(q) for q in self.graph.nodes[pc].parents))
        cache = self.key._cache
        if ck not in cache:  # many students write the same line: remember the verdict
            cache[ck] = self._formula_elsewhere_uncached(F, kinds, terms, pc, pj, carrier_kind)
        return cache[ck]

    def _formula_elsewhere_uncached(self, F: Formula, kinds: dict, terms: list[tuple[int, int]],
                                    pc: int, pj: int, carrier_kind: str) -> str:
        in_terms = {F.graph.nodes[i].name for t, _ in terms for i in leaves(F.graph, t)}
        used = {kinds[n][1] for n in in_terms if kinds[n][0] == "val"}
        parents = set(self.graph.nodes[pc].parents)
        if used <= parents:
            return self._formula_at_random_arguments(F, kinds, terms, pc, pj, carrier_kind)
        exs = self._perturbed()
        envs = []
        for ex in exs:
            env = {}
            for n in F.names:
                k = kinds[n]
                env[n] = 1.0 if k[0] == carrier_kind else (ex.value(k[1]) if k[0] == "val" else 0.0)
            envs.append(env)
        rows = evaluate(F.graph, envs)
        for ex, env, row in zip(exs, envs, rows):
            if row is None:
                continue
            got = sum(sign * row[t] for t, sign in terms)
            want = sum(ex.partials(pc, pj))
            if not self.tol.close(got, want) and abs(got - want) > 1e-9 * max(1.0, abs(want)):
                where = ", ".join(f"{self.sname(q)} = {describe(ex.value(q))}"
                                  for q in sorted(used))
                text = " + ".join(source_text(F, t) for t, _ in terms)
                return (f"wrong local derivative ∂{self.sname(pc)}/∂{self.sname(pj)}: it is "
                        f"{self.partial_text(pc, pj)}, but your factor in {text!r} is another "
                        f"formula (equal here by chance; at {where} it gives {describe(got)} "
                        f"instead of {describe(want)})")
        return ""

    def _formula_at_random_arguments(self, F: Formula, kinds: dict, terms: list[tuple[int, int]],
                                     pc: int, pj: int, carrier_kind: str) -> str:
        import numpy as np

        from .evaluate import evaluate_partials

        rng = np.random.default_rng(pc * 7919 + pj)
        n = self.graph.nodes[pc]
        args = [q for q in dict.fromkeys(n.parents) if self.graph.nodes[q].kind != "const"]
        samples = [{q: (self.ex.value(q) + float(rng.uniform(-0.7, 0.7))
                        * max(1.0, abs(self.ex.value(q)))) if k < 3 else float(rng.uniform(-2, 2))
                    for q in args} for k in range(6)]  # near the point, then anywhere in [-2, 2]
        g, root = self.ex.local_graph(pc)
        local = evaluate_partials(g, root, [
            {f"__p{pos}": vals[q] for pos, q in enumerate(n.parents) if q in vals
             and f"__p{pos}" in g.input_names} for vals in samples])
        envs = [{m: (1.0 if kinds[m][0] == carrier_kind else
                     vals.get(kinds[m][1], 0.0) if kinds[m][0] == "val" else 0.0)
                 for m in F.names} for vals in samples]
        rows = evaluate(F.graph, envs)
        for vals, r, row in zip(samples, local, rows):
            if r is None or row is None:
                continue
            want = sum((d or 0.0) for q, d in zip(n.parents, r[1]) if q == pj)
            got = sum(sign * row[t] for t, sign in terms)
            if not self.tol.close(got, want) and abs(got - want) > 1e-9 * max(1.0, abs(want)):
                where = ", ".join(f"{self.sname(q)} = {describe(v)}" for q, v in vals.items())
                text = " + ".join(source_text(F, t) for t, _ in terms)
                return (f"wrong local derivative ∂{self.sname(pc)}/∂{self.sname(pj)}: it is "
                        f"{self.partial_text(pc, pj)}, but your factor in {text!r} is another "
                        f"formula (equal here by chance; with {where} it gives {describe(got)} "
                        f"instead of {describe(want)})")
        return ""
