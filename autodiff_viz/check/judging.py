"""Judging a line's value: right, following from an earlier error, or wrong.

Part of :class:`~autodiff_viz.check.steps.TableGrader`: the student's numbers
are kept per node as they are read, so a later line can be checked against
the value its own formula gives from them ("follows from the earlier error").
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .figures import describe
from .report import CARRIED, CORRECT, MISSING, WRONG_VALUE
from .table_names import NameLookup

if TYPE_CHECKING:
    from .steps import Entry


class ValueJudging(NameLookup):
    """Methods of :class:`~autodiff_viz.check.steps.TableGrader` (see the module doc)."""

    def _seed_for(self, var: str) -> tuple[tuple[str, float], ...]:
        return tuple((n, 1.0 if n == var else 0.0) for n in self.graph.input_names)

    def _forward_seed_default(self) -> tuple[tuple[str, float], ...] | None:
        for a in self.key.asks:
            if a.kind in ("forward", "tangent") and a.seed:
                return a.seed
        return None

    def _own(self, key: tuple, true: float) -> float:
        return self.sv.get(key, true)

    def _record(self, key: tuple, e: Entry) -> None:
        if key in self.sv or e.pl is None or e.pl.value is None:
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
        e.message = (f"wrong value: expected {self.tol.expected_text(true, v)}"
                     + (f" ({describe(true)})" if self.tol.expected_text(true, v) != describe(true)
                        else ""))
        if errs:
            e.message += "; it does not follow from your earlier values either"
