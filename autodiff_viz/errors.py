"""The project's exception types.

Library code raises these; only the CLI turns them into exit codes.

>>> from autodiff_viz import parse
>>> try:
...     parse("sin(x1 + 2")
... except ParseError as err:
...     print(err.line, err.column)
1 4
"""
from __future__ import annotations

from bisect import bisect_right


class AutodiffVizError(Exception):
    """Base class of every error autodiff_viz raises on bad input or bad values."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The full, human-readable message (what, where, how to fix)."""
        text = f"error: {self.message}"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self.render()


class ParseError(AutodiffVizError):
    """Syntax error in an expression or program; knows line and column.

    ``start``/``end`` are character offsets into ``source``; ``line`` and
    ``column`` are 1-based.
    """

    def __init__(self, message: str, source: str, start: int, end: int | None = None,
                 hint: str | None = None) -> None:
        self.source = source
        self.start = max(0, min(start, len(source)))
        self.end = max(self.start + 1, end if end is not None else self.start + 1)
        starts = _line_starts(source)
        idx = bisect_right(starts, self.start) - 1
        self.line = idx + 1
        self.column = self.start - starts[idx] + 1
        line_end = source.find("\n", starts[idx])
        self.line_text = source[starts[idx]: line_end if line_end >= 0 else len(source)]
        super().__init__(message, hint)

    def render(self) -> str:
        width = max(1, min(self.end - self.start, len(self.line_text) - self.column + 1))
        gutter = f"{self.line} | "
        caret = " " * (len(gutter) + self.column - 1) + "^" + "~" * (width - 1)
        text = (f"error: {self.message} (line {self.line}, column {self.column})\n"
                f"{gutter}{self.line_text}\n{caret}")
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class InputError(AutodiffVizError):
    """Bad input values: missing or unknown variables, unusable numbers, bad options."""


class ShapeError(ParseError):
    """Operands whose shapes do not fit (``W @ x`` with W 2×3 and x of 2): names both
    operands and their shapes, with a caret at the operator."""


class EvaluationError(AutodiffVizError):
    """A pass could not be carried out on the given values."""

    exit_code = 1


class DomainError(EvaluationError):
    """A node's operation was applied outside its domain (log of 0, 1/0, ...)."""

    def __init__(self, message: str, node: str, formula: str, value: object,
                 hint: str | None = None) -> None:
        self.node = node
        self.formula = formula
        self.value = value
        super().__init__(message, hint)


def _line_starts(source: str) -> list[int]:
    starts = [0]
    pos = source.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = source.find("\n", pos + 1)
    return starts


class RenderError(AutodiffVizError):
    """An image could not be made: Graphviz's ``dot`` is missing, failed or took too long."""


class LocatedInputError(InputError):
    """Bad input in a file or text, with where it is: path, line and column (1-based).

    ``render()`` shows the line with a caret under the column.

    >>> err = LocatedInputError("expected a value", path="key.toml", source="a = \\nb = 2",
    ...                         line=1, column=5, hint="write a = 1")
    >>> print(err.render())
    error: expected a value (key.toml, line 1, column 5)
    1 | a =
            ^
    hint: write a = 1
    """

    def __init__(self, message: str, *, path: str | None = None, source: str | None = None,
                 line: int | None = None, column: int | None = None, width: int = 1,
                 hint: str | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.width = max(1, width)
        lines = source.split("\n") if source is not None else []
        self.line_text = lines[line - 1].rstrip() if line and 0 < line <= len(lines) else None
        super().__init__(message, hint)

    def render(self) -> str:
        where = [p for p in (self.path,
                             f"line {self.line}" if self.line else None,
                             f"column {self.column}" if self.line and self.column else None) if p]
        text = f"error: {self.message}" + (f" ({', '.join(where)})" if where else "")
        if self.line_text is not None:
            gutter = f"{self.line} | "
            text += f"\n{gutter}{self.line_text}"
            if self.column:
                text += "\n" + " " * (len(gutter) + self.column - 1) + "^" + "~" * (self.width - 1)
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class ProblemKeyError(LocatedInputError):
    """A problem key (for checking homework) that cannot be used."""


class SubmissionError(LocatedInputError):
    """A submission that cannot be read at all (a bad line in a trace table is graded, not raised)."""
