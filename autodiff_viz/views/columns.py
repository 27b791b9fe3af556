"""Plain-text tables for the terminal: aligned columns, a rule under the header,
long cells wrapped to fit a width. Small and fast (the CLI must start instantly),
and aware that combining marks (the bar of w̄) take no column.

>>> print("\\n".join(columns(["node", "adjoint"], [["w̄1", "2.584"], ["w2", "2"]])))
  node   adjoint
  ──────────────
  w̄1     2.584
  w2     2
>>> print("\\n".join(columns(["a", "b"], [["one two three", "x"]], width=16, style="text")))
  a            b
  --------------
  one two      x
  three

A :class:`Block` is text of several lines laid out in columns (a matrix): tables
keep its lines as they are, and :func:`hjoin` sets blocks side by side.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

BOLD, RESET = "\x1b[1m", "\x1b[0m"
STYLES = {"green": "\x1b[32m", "yellow": "\x1b[33m", "cyan": "\x1b[36m", "inverse": "\x1b[7m",
          "bold": BOLD, "bold green": "\x1b[1;32m"}


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (combining marks and colour codes take none;
    wide characters two)."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if text.isascii():
        return len(text)
    w = 0
    for c in text:
        if c < "\u0300":
            w += 1
        elif not unicodedata.combining(c):
            w += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return w


class Block(str):
    """Text of several lines whose columns line up (a matrix): never wrapped, only padded.

    >>> isinstance(Block("[0 0]\\n [1 1]]"), str)
    True
    """

    __slots__ = ()


def hjoin(pieces: Sequence[str]) -> str:
    """Pieces of text side by side; a piece of several lines (a :class:`Block`) stands
    centred on the line the one-line pieces share (a matrix's middle row).

    Without a piece of several lines this is ``"".join(pieces)``; with one, the
    result is a :class:`Block` padded to a rectangle, trailing blanks cut.

    >>> print(hjoin(["a = ", Block("⎡0 0⎤\\n⎢1 1⎥\\n⎣2 2⎦"), " + 1"]))
        ⎡0 0⎤
    a = ⎢1 1⎥ + 1
        ⎣2 2⎦
    """
    if not any("\n" in p for p in pieces):
        return "".join(pieces)
    parts = [p.split("\n") for p in pieces]
    base = max((len(lines) - 1) // 2 for lines in parts)
    height = max(base - (len(lines) - 1) // 2 + len(lines) for lines in parts)
    rows = [""] * height
    for lines in parts:
        width = max(display_width(line) for line in lines)
        top = base - (len(lines) - 1) // 2
        for r in range(height):
            k = r - top
            rows[r] += pad(lines[k] if 0 <= k < len(lines) else "", width)
    return Block("\n".join(row.rstrip() for row in rows))


def join_with(sep: str, pieces: Sequence[str]) -> str:
    """``sep.join(pieces)``, laid out with :func:`hjoin` when a piece has several lines."""
    out: list[str] = []
    for k, p in enumerate(pieces):
        out += [sep, p] if k else [p]
    return hjoin(out)


def indent(text: str, first: str, rest: str | None = None) -> str:
    """Every line of ``text`` behind a prefix: ``first`` on the first, ``rest`` (as many
    spaces as ``first`` when not given) on the others.

    >>> indent("a\\nb", "  - ")
    '  - a\\n    b'
    """
    rest = " " * display_width(first) if rest is None else rest
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [(rest + line).rstrip() for line in lines[1:]])


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` columns."""
    return text + " " * max(0, width - display_width(text))


def wrap(text: str, width: int) -> list[str]:
    """Word-wrap one line to ``width`` columns; words longer than that are cut."""
    if display_width(text) <= width:
        return [text]
    lines: list[str] = []
    cur = ""
    for word in text.split(" "):
        candidate = f"{cur} {word}" if cur else word
        if display_width(candidate) <= width:
            cur = candidate
            continue
        if cur:
            lines.append(cur)
        while display_width(word) > width:
            cut = _cut(word, width)
            lines.append(word[:cut])
            word = word[cut:]
        cur = word
    if cur:
        lines.append(cur)
    return lines or [""]


def _cut(word: str, width: int) -> int:
    """Index at which ``word`` fills ``width`` columns (a combining mark stays with its letter)."""
    w, i = 0, 0
    while i < len(word):
        step = 0 if unicodedata.combining(word[i]) else 1
        if w + step > width:
            break
        w += step
        i += 1
    return max(1, i)


def _fit_widths(natural: list[int], minimum: list[int], available: int) -> list[int]:
    """Shrink the widest columns first until the total fits ``available``."""
    widths = list(natural)
    while sum(widths) > available:
        k = max(range(len(widths)), key=lambda j: (widths[j] - minimum[j], widths[j]))
        if widths[k] <= minimum[k]:
            break
        widths[k] -= 1
    return widths


def columns(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int = 100,
            style: str = "unicode", color: bool = False, indent: int = 2, gap: int = 3,
            row_styles: Sequence[str | None] | None = None) -> list[str]:
    """The table as lines: header, rule, rows (cells may hold several lines).

    Columns keep their natural width when the table fits in ``width``; else the
    widest shrink and their cells wrap. A :class:`Block` cell (a matrix) is never
    wrapped: its column keeps at least its width. ``row_styles`` names a colour per
    row (used only with ``color``).
    """
    n = len(headers)
    cells = [[str(c).split("\n") for c in row] for row in rows]
    natural = [max([display_width(headers[j])] + [display_width(line) for row in cells
                                                   for line in row[j]]) for j in range(n)]
    blocks = [max([0] + [display_width(line) for row in rows if isinstance(row[j], Block)
                         for line in str(row[j]).split("\n")]) for j in range(n)]
    minimum = [max(blocks[j], min(natural[j], max(6, max(
        (display_width(w) for w in headers[j].split()), default=1)))) for j in range(n)]
    widths = _fit_widths(natural, minimum, width - indent - gap * (n - 1))
    lead, sep = " " * indent, " " * gap
    rule = ("─" if style == "unicode" else "-") * (sum(widths) + gap * (n - 1))

    def block(row: Sequence[list[str]], code: str = "",
              keep: Sequence[bool] = ()) -> list[str]:
        wrapped = [cell if keep and keep[j] else
                   [piece for text in cell for piece in wrap(text, widths[j])]
                   for j, cell in enumerate(row)]
        lines = []
        for k in range(max(len(c) for c in wrapped)):
            parts = [c[k] if k < len(c) else "" for c in wrapped]
            text = (lead + sep.join(pad(p, w) for p, w in zip(parts, widths))).rstrip()
            lines.append(f"{code}{text}{RESET}" if code else text)
        return lines

    out = block([[h] for h in headers], BOLD if color else "") + [lead + rule]
    for r, row in enumerate(cells):
        code = STYLES.get(row_styles[r] or "", "") if color and row_styles else ""
        out += block(row, code, [isinstance(c, Block) for c in rows[r]])
    return out
