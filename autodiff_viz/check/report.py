"""Grading results: one :class:`Item` per thing checked, collected in a :class:`Report`.

>>> r = Report(title="demo", items=[
...     Item("w3", "primal", "trace", CORRECT, 1, 1, expected=6.0, got=6.0, line=3),
...     Item("w4", "primal", "trace", WRONG_VALUE, 0, 1, expected=0.9093, got=0.95, line=4,
...          message="wrong value: expected 0.91")])
>>> r.score, r.max_score, r.all_correct, r.first_error.name
(1.0, 2.0, False, 'w4')
>>> r.to_dict()["items"][1]["verdict"]
'wrong value'

Shown as plain text, Markdown (Gradescope) or a rich renderable (terminals):

>>> r = Report(title="demo", problem="z = x*y at x=2, y=5", items=[
...     Item("w3", "primal", "trace", CORRECT, 1, 1, line=3, text="w3 = w1*w2 = 10"),
...     Item("dz/dw1", "reverse", "reverse", WRONG_VALUE, 0, 1, line=6, text="dz/dw1 = 4",
...          message="wrong value: expected 5")])
>>> print(report_text(r))
demo: z = x*y at x=2, y=5
score 1 / 2
<BLANKLINE>
  ✓  line 3  w3 = w1*w2 = 10    1/1
  ✗  line 6  dz/dw1 = 4         0/1
             wrong value: expected 5
<BLANKLINE>
first wrong step: line 6: dz/dw1 = 4 — wrong value: expected 5
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
import unicodedata
from typing import Any

from ..printing import format_number

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


def symbol(verdict: str, remark: bool = False) -> str:
    """✓ correct, ↳ follows from an earlier error, ? missing, ✗ anything else; ``!`` for
    a ``remark``: something wrong that costs no points on a table with full marks."""
    if remark and verdict not in SYMBOLS:
        return "!"
    return SYMBOLS.get(verdict, "✗")


def _symbol(report: "Report", item: "Item") -> str:
    return symbol(item.verdict, remark=item.max_score == 0 and report.full_marks)


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
    def full_marks(self) -> bool:
        """Every point earned (remarks on lines worth nothing may remain)."""
        return self.error is None and self.max_score > 0 and self.score == self.max_score

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
        """The report as plain text (see :func:`report_text`)."""
        return report_text(self, **options)

    def to_markdown(self, **options: Any) -> str:
        return report_markdown(self, **options)

    def __str__(self) -> str:
        return self.to_text()

    def __rich__(self) -> Any:
        return report_rich(self)


# -- showing a report ------------------------------------------------------------------
VERDICT_TEXT = {
    CORRECT: "correct", CARRIED: "follows from an earlier error", WRONG_VALUE: "wrong value",
    INVALID_STEP: "not a valid step of the expression",
    MISSING_TERM: "misses the term of a child (sum over every node that uses it)",
    WRONG_PARTIAL: "wrong local derivative", WRONG_FORMULA: "wrong formula",
    MISSING: "missing", UNREADABLE: "cannot be read", ERROR: "could not be graded",
}


def _pts(x: float) -> str:
    return format_number(round(x, 4))


def _message(item: Item, reveal: bool, details: bool = False) -> str:
    if item.verdict == CORRECT and not details:
        return ""
    if reveal or item.verdict in (UNREADABLE, ERROR):
        return item.message
    return "" if item.verdict == CORRECT else VERDICT_TEXT.get(item.verdict, item.verdict)


def symbol_text(verdict: str) -> str:
    return VERDICT_TEXT.get(verdict, verdict)


def _where(item: Item) -> str:
    """``line 4``, or ``trace line 4`` for a table in a field of a TOML/JSON submission."""
    if item.line is None:
        return ""
    return f"{item.origin} line {item.line}" if item.origin else f"line {item.line}"


def _shown(item: Item) -> str:
    return item.text or item.name


def _width(s: str) -> int:
    """Columns a string takes on a terminal (combining marks such as w̄'s bar take none)."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in s)


def _pad(s: str, n: int) -> str:
    return s + " " * max(0, n - _width(s))


def report_text(report: Report, reveal: bool = True, only_wrong: bool = False,
                details: bool = False) -> str:
    """Plain text: one row per item (✓ ✗ ↳ ?), its points, and what is wrong.

    ``reveal=False`` hides expected values; ``details`` adds notes on correct items
    (such as "0.909297 rounded to 1 decimal").
    """
    head = ": ".join(p for p in (report.title, report.problem) if p)
    out = [head] if head else []
    if report.student:
        out.append(f"student: {report.student}")
    if report.error:
        out.append(f"could not be graded: {report.error}")
        return "\n".join(out)
    out.append(f"score {_pts(report.score)} / {_pts(report.max_score)}")
    items = [i for i in report.items if not (only_wrong and i.passed)]
    if items:
        out.append("")
        wwhere = max(len(_where(i)) for i in items)
        wtext = min(60, max(_width(_shown(i)) for i in items))
        for i in items:
            pts = f"{_pts(i.score)}/{_pts(i.max_score)}" if i.max_score else ""
            where = f"{_where(i):<{wwhere}}  " if wwhere else ""
            row = f"  {_symbol(report, i)}  {where}{_pad(_shown(i), wtext)}    {pts}"
            out.append(row.rstrip())
            msg = _message(i, reveal, details)
            pad = " " * (5 + (wwhere + 2 if wwhere else 0))
            for ln in msg.splitlines():
                out.append(pad + ln)
    for n in report.notes:
        out.append(f"note: {n}")
    first = report.first_error
    if first is not None:
        first_lines = _message(first, reveal).splitlines()
        where = f"{_where(first)}: " if first.line is not None else ""
        out.append("")
        head = "remark (worth no points)" if report.full_marks else "first wrong step"
        out.append(f"{head}: {where}{_shown(first)}"
                   + (f" — {first_lines[0]}" if first_lines else ""))
    return "\n".join(out)


def report_markdown(report: Report, reveal: bool = True, details: bool = False) -> str:
    """Markdown (for Gradescope's ``output_format: md`` and notebooks)."""
    out = []
    title = " — ".join(p for p in (report.title, report.problem) if p)
    if title:
        out.append(f"### {title}")
    if report.error:
        out.append(f"**Could not be graded:** {report.error}")
        return "\n\n".join(out)
    out.append(f"**Score: {_pts(report.score)} / {_pts(report.max_score)}**")
    first = report.first_error
    if first is not None:
        head = _message(first, reveal).splitlines()
        label = "Remark (worth no points)" if report.full_marks else "First wrong step"
        out.append(f"{label}: {_where(first) + ' ' if first.line else ''}"
                   f"`{_shown(first)}`" + (f" — {head[0]}" if head else ""))
    rows = []
    for i in report.items:
        pts = f" ({_pts(i.score)}/{_pts(i.max_score)})" if i.max_score else ""
        where = f"{_where(i)}: " if i.line is not None else ""
        rows.append(f"- {_symbol(report, i)} {where}`{_shown(i)}`{pts}")
        msg = _message(i, reveal, details)
        if "\n" in msg:
            rows.append("  ```\n" + "\n".join("  " + ln for ln in msg.splitlines()) + "\n  ```")
        elif msg:
            rows.append(f"  {msg}")
    if rows:
        out.append("\n".join(rows))
    for n in report.notes:
        out.append(f"*Note:* {n}")
    return "\n\n".join(out)


def report_rich(report: Report, reveal: bool = True, details: bool = False) -> Any:
    """A rich renderable: a table of items with coloured verdicts."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    colours = {CORRECT: "green", CARRIED: "yellow", MISSING: "magenta"}
    head = Text(": ".join(p for p in (report.title, report.problem) if p), style="bold")
    parts: list[Any] = [head]
    if report.student:
        parts.append(Text(f"student: {report.student}"))
    if report.error:
        parts.append(Text(f"could not be graded: {report.error}", style="red"))
        return Group(*parts)
    parts.append(Text(f"score {_pts(report.score)} / {_pts(report.max_score)}",
                      style="bold green" if report.all_correct else "bold"))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("")
    table.add_column("line", justify="right")
    table.add_column("step")
    table.add_column("points", justify="right")
    table.add_column("verdict")
    for i in report.items:
        colour = colours.get(i.verdict, "red")
        pts = f"{_pts(i.score)}/{_pts(i.max_score)}" if i.max_score else ""
        table.add_row(Text(_symbol(report, i), style=colour),
                      str(i.line) if i.line is not None else "", Text(_shown(i)), pts,
                      Text(_message(i, reveal, details) or symbol_text(i.verdict),
                           style=colour))
    parts.append(table)
    for n in report.notes:
        parts.append(Text(f"note: {n}", style="dim"))
    return Group(*parts)
