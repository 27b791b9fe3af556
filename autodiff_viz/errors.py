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
        text = (f"error: {self.message} (line {self.line}, column {self.column})\n"
                + source_excerpt(self.line, self.line_text, self.column, width))
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


EXCERPT_CONTEXT = 60
"""Characters shown either side of an error's column when its line is long."""


def source_excerpt(line: int, line_text: str, column: int | None, width: int = 1,
                   context: int = EXCERPT_CONTEXT) -> str:
    """The line ``N | text`` and, with a ``column`` (1-based), a caret line under it.

    A line longer than ``2*context`` characters is cut to a window of about
    ``context`` characters either side of the column, each cut marked ``...``;
    the caret stays under the column. Tabs and control characters are shown as
    one space or ``?`` each, so the caret stays aligned and no escape sequence
    reaches the terminal.

    >>> print(source_excerpt(1, "x +* 2", 4))
    1 | x +* 2
           ^
    >>> long = "x + " * 40 + "(" + " + y" * 40
    >>> print(source_excerpt(3, long, 161, 1, context=10))
    3 | ...+ x + x + ( + y + y ...
                     ^
    """
    text = "".join(" " if ch == "\t" else "?" if _is_control(ch) else ch for ch in line_text)
    gutter = f"{line} | "
    if column is None or column < 1:
        return gutter + text[:2 * context] + ("..." if len(text) > 2 * context else "")
    col = column - 1  # may be just past the end: "nothing after '='"
    lo, hi = 0, len(text)
    if len(text) > 2 * context:
        at = min(col, len(text))
        hi = min(len(text), max(at + context, 2 * context))
        lo = max(0, hi - 2 * context)
        col = at
    left = "..." if lo > 0 else ""
    shown = left + text[lo:hi] + ("..." if hi < len(text) else "")
    width = max(1, min(width, max(1, hi - col)))
    caret = " " * (len(gutter) + len(left) + col - lo) + "^" + "~" * (width - 1)
    return f"{gutter}{shown}\n{caret}"


def _is_control(ch: str) -> bool:
    return ch < " " or "\x7f" <= ch < "\xa0" or ch in "\u2028\u2029"


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
        if self.line_text is not None and self.line:
            text += "\n" + source_excerpt(self.line, self.line_text, self.column, self.width)
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class ProblemKeyError(LocatedInputError):
    """A problem key (for checking homework) that cannot be used."""


class SubmissionError(LocatedInputError):
    """A submission that cannot be read at all (a bad line in a trace table is graded, not raised)."""
