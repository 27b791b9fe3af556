"""One table line taken apart: its left side, symbolic formula, working and value.

``w3 = sin(w1) = sin(2) = 0.9093`` gives the formula ``sin(w1)`` (parsed with
the project's parser), the working ``sin(2)`` and the value ``0.9093`` (a
:class:`~autodiff_viz.check.figures.Figure`, so its decimals are known).

>>> from autodiff_viz.check.read import read_table
>>> line = read_table("w3 = sin(w1) = sin(2) = 0.9093")[0]
>>> p = parse_line(line, {"w1", "w3"}.__contains__)
>>> p.symbolic.rw.text, [w.rw.text for w in p.working], p.value.text
('sin(w1)', ['sin(2)'], '0.9093')
>>> print(parse_line(read_table("w3 = sin(w1 = 1")[0], lambda n: True).error.render())
error: cannot read this: this '(' is never closed (line 1, column 9)
1 | w3 = sin(w1 = 1
            ^
hint: add the missing ')'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from ..errors import ParseError, SubmissionError
from ..graph import Graph
from .evaluate import evaluate, parse_cached
from .figures import Figure
from .symbols import Rewritten, rewrite
from .read import Line, Piece

MAX_FORMULA_NODES = 300  # a step's formula or working: a few dozen nodes in any table
_NUMBER = re.compile(r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class Formula:
    """A part of a line parsed into a small graph (placeholders for derivative symbols)."""

    piece: Piece
    rw: Rewritten
    graph: Graph
    root: int

    @property
    def names(self) -> list[str]:
        return self.graph.input_names

    def figure(self, node: int) -> Figure | None:
        """The number a constant node was written as (None for other nodes)."""
        n = self.graph.nodes[node]
        if n.kind != "const":
            return None
        text = None
        if n.span and self.graph.source:
            m = _NUMBER.search(self.graph.source[n.span[0]:n.span[1]])
            text = m.group() if m else None
        if text is None or n.text in ("pi", "e", "-pi", "-e"):
            return Figure(float(n.value), None)  # type: ignore[arg-type]
        try:
            fig = Figure.parse(text)
        except ValueError:
            return Figure(float(n.value), None)  # type: ignore[arg-type]
        return fig if float(fig) == float(n.value) else Figure(float(n.value), text.lstrip("+-−"))  # type: ignore[arg-type]


@dataclass
class ParsedLine:
    line: Line
    lhs: Rewritten | None
    symbolic: Formula | None = None
    working: list[Formula] = field(default_factory=list)
    value: Figure | None = None
    value_piece: Piece | None = None
    error: SubmissionError | None = None
    definition: Formula | None = None  # a first part without names (a step on constants?)


def located(line: Line, message: str, col: int, width: int = 1,
            hint: str | None = None) -> SubmissionError:
    """An error pointing into ``line`` (not raised: it becomes an item's message)."""
    err = SubmissionError(message, path=None, source=None, line=line.lineno,
                          column=col + 1, width=width, hint=hint)
    err.line_text = source_line(line.source, line.lineno)  # not the whole table split again
    return err


@lru_cache(maxsize=8)
def _line_starts(source: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", source))]


def source_line(source: str, lineno: int) -> str | None:
    """Line ``lineno`` (1-based) of ``source``, without its end; None outside it.

    The line starts are worked out once per text, so that a table with many unreadable
    lines takes time linear in its length.
    """
    starts = _line_starts(source)
    if not 0 < lineno <= len(starts):
        return None
    end = starts[lineno] - 1 if lineno < len(starts) else len(source)
    return source[starts[lineno - 1]:end].rstrip()


def parse_formula(line: Line, piece: Piece, known: Callable[[str], bool],
                  dashed: frozenset[str], counter: list[int],
                  variables: frozenset[str] = frozenset()) -> Formula:
    """Parse one part; a syntax error becomes a :class:`SubmissionError` pointing at it."""
    rw = rewrite(piece, known, dashed, counter)
    if not rw.text.strip():
        raise located(line, "empty part between '=' signs", piece.col(0),
                      hint="write name = formula = value")
    try:
        g = parse_cached(rw.text, variables)
    except ParseError as err:
        raise located(line, f"cannot read this: {err.message}", rw.col(err.start),
                      max(1, err.end - err.start) if err.end - err.start < 40 else 1,
                      err.hint) from None
    if len(g.outputs) != 1 or "=" in rw.text:
        raise located(line, "one formula per part", piece.col(0))
    if len(g.nodes) > MAX_FORMULA_NODES:  # grading a part takes time in its size squared
        raise located(line, f"this part is too long to read: {len(g.nodes):,} numbers, names "
                      f"and operations (a part is read up to {MAX_FORMULA_NODES})",
                      piece.col(0), hint="write one step per line")
    return Formula(piece, rw, g, g.outputs[0][1])


def parse_line(line: Line, known: Callable[[str], bool], dashed: frozenset[str] = frozenset(),
               variables: frozenset[str] = frozenset()) -> ParsedLine:
    """Take a step line apart (syntax errors are kept in ``.error``, never raised)."""
    counter = [0]
    lhs = rewrite(line.lhs, known, dashed, counter) if line.lhs is not None else None
    out = ParsedLine(line, lhs)
    try:
        forms = [parse_formula(line, p, known, dashed, counter, variables) for p in line.parts]
    except SubmissionError as err:
        out.error = err
        return out
    if forms and not forms[-1].names:
        last = forms.pop()
        out.value_piece = last.piece
        node = last.graph.nodes[last.root]
        if node.kind == "const":
            out.value = last.figure(last.root)
        else:
            row = evaluate(last.graph, [{}])[0]
            if row is None:
                out.error = located(line, "this value is undefined (outside the domain)",
                                    last.piece.col(0), len(last.piece.text))
                return out
            out.value = Figure(row[last.root], None)
    for f in forms:
        if out.symbolic is None and f.names:
            out.symbolic = f
        else:
            out.working.append(f)
    if out.symbolic is None and out.working and out.value is not None:
        out.definition = out.working[0]  # sin(2) = 0.9093: a step on constants, or working
    return out
