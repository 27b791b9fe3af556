"""Answers a trace table gives to the key's number questions (value, gradient, formula...).

>>> Answer(2.58, {"": 7}).lines
{'': 7}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .judging import ValueJudging

if TYPE_CHECKING:
    from .steps import Entry


NUMBER_ASKS = ("value", "gradient", "jacobian", "tangent", "adjoint", "formula")


@dataclass
class Answer:
    """A student's answer to a number ask: a figure, a formula, or a table of figures."""

    value: Any
    lines: dict[str, int] = field(default_factory=dict)  # entry -> line of the table


class TableAnswers(ValueJudging):
    """Methods of :class:`~autodiff_viz.check.steps.TableGrader` (see the module doc)."""

    # -- answers for the number asks --------------------------------------------------
    def answers(self) -> dict[str, "Answer"]:
        """Numbers and formulas the table gives for the key's number asks."""
        out: dict[str, Answer] = {}
        g = self.graph
        for a in self.key.asks:
            if a.kind not in NUMBER_ASKS:
                continue
            ans: Answer | None = None
            if a.kind == "value":
                ans = self._single(self._first("primal", a.node))
            elif a.kind == "adjoint":
                ans = self._single(self._first("reverse", a.node, k=self.ex.reverse_index(a.output)))
            elif a.kind == "tangent":
                ans = self._single(self._first("forward", a.node, seed=a.seed))
            elif a.kind in ("gradient", "jacobian"):
                outs = [a.output or g.output_names[0]] if a.kind == "gradient" else g.output_names
                table: dict[str, dict[str, Any]] = {}
                lines: dict[str, int] = {}
                for o in outs:
                    k = self.ex.reverse_index(o)
                    for i in g.inputs:
                        var = g.nodes[i].name or ""
                        e = self._first("reverse", i, k=k) if k is not None else None
                        e = e or self._first("forward", g.output_id(o), seed=self._seed_for(var))
                        e = e or next((x for x in self.entries if x.section == "formula"
                                       and x.target == var and x.pl and x.pl.value is not None
                                       and len(outs) == 1), None)
                        if e is not None:
                            table.setdefault(o, {})[var] = e.pl.value  # type: ignore[union-attr]
                            lines[var if a.kind == "gradient" else f"{o}/{var}"] = e.line.lineno
                if table:
                    ans = Answer(table[outs[0]] if a.kind == "gradient" else table, lines)
            elif a.kind == "formula":
                e = next((x for x in self.entries if x.section == "formula" and x.ask == a.name),
                         None)
                if e is not None:
                    ans = Answer(e.pl.symbolic.piece.text, {"": e.line.lineno})  # type: ignore[union-attr]
            for e in self.entries:
                if e.section == "answer" and e.ask == a.name and e.pl is not None:
                    if e.pl.value is not None:
                        ans = Answer(e.pl.value, {"": e.line.lineno})
                    elif e.pl.symbolic is not None:
                        ans = Answer(e.pl.symbolic.piece.text, {"": e.line.lineno})
            if ans is not None:
                out[a.name] = ans
        return out

    def _single(self, e: Entry | None) -> "Answer | None":
        return Answer(e.pl.value, {"": e.line.lineno}) if e is not None else None  # type: ignore[union-attr]

    def _first(self, section: str, node: int | None, k: int | None = None,
               seed: Any = None) -> Entry | None:
        for e in self.entries:
            if (e.section == section and e.node == node and e.pl is not None
                    and e.pl.value is not None and (k is None or e.k == k)
                    and (seed is None or e.seed == seed)):
                return e
        return None
