"""Grading results: one :class:`Item` per thing checked, collected in a :class:`Report`.

>>> r = Report(title="demo", items=[
...     Item("w3", "primal", "trace", CORRECT, 1, 1, expected=6.0, got=6.0, line=3),
...     Item("w4", "primal", "trace", WRONG_VALUE, 0, 1, expected=0.9093, got=0.95, line=4,
...          message="wrong value: expected 0.91")])
>>> r.score, r.max_score, r.all_correct, r.first_error.name
(1.0, 2.0, False, 'w4')
>>> r.to_dict()["items"][1]["verdict"]
'wrong value'
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

CORRECT = "correct"
CARRIED = "carried"  # follows from an earlier error
WRONG_VALUE = "wrong value"
INVALID_STEP = "invalid step"  # not a valid step of the expression
MISSING_TERM = "missing term"  # an adjoint (or tangent) misses a child's (parent's) term
WRONG_PARTIAL = "wrong partial"  # wrong local derivative
WRONG_FORMULA = "wrong formula"  # a derivative formula that differs from the AD derivative
MISSING = "missing"  # asked for, not given
UNREADABLE = "unreadable"
ERROR = "error"  # the whole submission could not be graded

VERDICTS = (CORRECT, CARRIED, WRONG_VALUE, INVALID_STEP, MISSING_TERM, WRONG_PARTIAL,
            WRONG_FORMULA, MISSING, UNREADABLE, ERROR)
SYMBOLS = {CORRECT: "✓", CARRIED: "↳", MISSING: "?"}


def symbol(verdict: str) -> str:
    """✓ correct, ↳ follows from an earlier error, ? missing, ✗ anything else."""
    return SYMBOLS.get(verdict, "✗")


@dataclass
class Item:
    """One checked thing: a step of a table, a gradient entry, a formula, ..."""

    name: str  # "w3", "dz/dw1", "gradient dz/dx1", ...
    section: str  # primal, forward, reverse, partial, problem, value, gradient, formula, ...
    ask: str  # the key's ask this belongs to ("" for extra lines)
    verdict: str
    score: float
    max_score: float
    expected: Any = None
    got: Any = None
    message: str = ""
    line: int | None = None
    text: str | None = None  # the student's line as written
    node: str | None = None  # the node in the key's names
    origin: str = ""  # file or field of the submission

    @property
    def passed(self) -> bool:
        return self.verdict == CORRECT

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["passed"] = self.passed
        d["expected"] = _plain(self.expected)
        d["got"] = _plain(self.got)
        return d


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return float(v) if math.isfinite(v) else str(v)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


@dataclass
class Report:
    """Everything checked in one submission, with the score."""

    title: str = ""
    problem: str = ""  # "z = sin(x1) + x1*x2 at x1=2, x2=3"
    student: str | None = None
    submission: str | None = None  # file name
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # set when the submission could not be graded at all

    @property
    def score(self) -> float:
        return round(float(sum(i.score for i in self.items)), 6)

    @property
    def max_score(self) -> float:
        return round(float(sum(i.max_score for i in self.items)), 6)

    @property
    def all_correct(self) -> bool:
        return self.error is None and all(i.passed for i in self.items)

    @property
    def first_error(self) -> Item | None:
        """The first wrong item in reading order (what to tell the student first)."""
        wrong = [i for i in self.items if not i.passed]
        lined = [i for i in wrong if i.line is not None]
        return min(lined, key=lambda i: i.line or 0) if lined else (wrong[0] if wrong else None)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in self.items:
            out[i.verdict] = out.get(i.verdict, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (schema ``autodiff_viz.check.report`` v1)."""
        first = self.first_error
        return {
            "schema": "autodiff_viz.check.report", "version": 1,
            "title": self.title, "problem": self.problem, "student": self.student,
            "submission": self.submission, "score": self.score, "max_score": self.max_score,
            "all_correct": self.all_correct, "error": self.error,
            "first_error": first.to_dict() if first else None,
            "counts": self.counts(), "notes": list(self.notes),
            "items": [i.to_dict() for i in self.items],
        }

    def to_text(self, **options: Any) -> str:
        """The report as plain text (see :mod:`autodiff_viz.check.render`)."""
        from .render import report_text
        return report_text(self, **options)

    def to_markdown(self, **options: Any) -> str:
        from .render import report_markdown
        return report_markdown(self, **options)

    def __str__(self) -> str:
        return self.to_text()

    def __rich__(self) -> Any:
        from .render import report_rich
        return report_rich(self)
