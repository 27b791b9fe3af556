"""Fitting LaTeX to a line width: an estimate of how wide a formula sets, ``align*`` rows
broken at ``=`` and ``+`` to fit, and tables split when they are too wide.

Widths are estimated in em of the current font (no TeX run): a character is about half
an em, a sub- or superscript about a third, ``\\frac`` its wider part. The estimate errs
wide, so that what it says fits does fit (the tests compile the output with pdflatex and
read its log for overfull boxes).

>>> row = Row("\\\\bar{w}_{1}", [("=", "\\\\bar{w}_{4} \\\\cdot w_{2}"),
...                               ("+", "\\\\bar{w}_{3} \\\\cdot \\\\cos\\\\left(w_{1}\\\\right)"),
...                               ("=", "2.584")])
>>> lay_row(row, 40.0)
['\\\\bar{w}_{1} &= \\\\bar{w}_{4} \\\\cdot w_{2} + \\\\bar{w}_{3} \\\\cdot \\\\cos\\\\left(w_{1}\\\\right) = 2.584']
>>> for line in lay_row(row, 8.0): print(line)
\\bar{w}_{1} &= \\bar{w}_{4} \\cdot w_{2}
  &\\quad {}+ \\bar{w}_{3} \\cdot \\cos\\left(w_{1}\\right)
  &= 2.584
"""
from __future__ import annotations

import re
from typing import NamedTuple

CHAR, SCRIPT, SPACE = 0.58, 0.42, 0.28  # em per character, per script character, per space
TEXT_CHAR = 0.5  # em per character of text (not math) in a table cell
_NAMED = {"sin", "cos", "tan", "log", "ln", "exp", "max", "min", "tanh", "sinh", "cosh",
          "arctan", "arcsin", "arccos", "sqrt", "sum"}
_BMATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.S)
_BRACED = r"\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"  # a group, nested three deep
_FRAC = re.compile(r"\\[dt]?frac" + _BRACED + _BRACED)
_TEXT = re.compile(r"\\(?:text|mathrm|operatorname)" + _BRACED)
_SCRIPT = re.compile(r"[_^]" + _BRACED)
_SCRIPT1 = re.compile(r"[_^](\\?[A-Za-z0-9])")
_ZERO = re.compile(r"\\(?:left|right|textstyle|displaystyle|limits|nolimits)\b|\\[,;:!]|[{}&]")
_QUAD = re.compile(r"\\(q?)quad\b")
_COMMAND = re.compile(r"\\([A-Za-z]+)")


def tex_width(tex: str) -> float:
    """An estimate, in em, of how wide ``tex`` (math) sets; errs wide.

    >>> round(tex_width("w_{3} = 0.9093"), 2)
    5.82
    >>> frac, flat = "\\\\frac{\\\\partial z}{\\\\partial x_{1}}", "\\\\partial z \\\\partial x_{1}"
    >>> tex_width(frac) < tex_width(flat)
    True
    """
    tex = _BMATRIX.sub(lambda m: " " + max(m.group(1).split("\\\\"), key=tex_width) + " ", tex)
    tex = _FRAC.sub(lambda m: max(m.group(1), m.group(2), key=tex_width), tex)
    width = 0.0
    for m in _TEXT.finditer(tex):  # text, maybe with $math$ inside
        width += sum(tex_width(part) if i % 2 else CHAR * len(part.replace("\\_", "_"))
                     for i, part in enumerate(m.group(1).split("$")))
    tex = _TEXT.sub("", tex)
    for m in list(_SCRIPT.finditer(tex)) + list(_SCRIPT1.finditer(tex)):
        width += SCRIPT / CHAR * _plain(m.group(1))
    tex = _SCRIPT1.sub("", _SCRIPT.sub("", tex))
    return width + _plain(tex)


def _plain(tex: str) -> float:
    """Width of ``tex`` without fractions, text or scripts: commands count one
    character (a named function its letters), spaces as math spacing."""
    tex = _ZERO.sub("", tex)
    width = sum(2.0 if q else 1.0 for q in _QUAD.findall(tex))
    tex = _QUAD.sub("", tex)
    tex = _COMMAND.sub(lambda m: m.group(1) if m.group(1) in _NAMED else "c", tex)
    spaces = tex.count(" ")
    wide = sum(tex.count(c) for c in "=+-<>")  # relations and operators: 0.78 em
    return width + CHAR * (len(tex) - spaces) + SPACE * spaces + 0.2 * wide


class Row(NamedTuple):
    """One equation of an ``align*``: the left side and the pieces of the right side, each
    with what joins it to the one before: ``"="`` (a new side of the equation), ``"+"``
    (the next term of a sum) or ``""`` (an annotation, set off by a ``\\qquad``)."""

    lhs: str
    pieces: list[tuple[str, str]]


def _piece(joiner: str, tex: str, first: bool) -> str:
    if joiner == "":  # an annotation, set off even at the start of a continued line
        return f"\\qquad {tex}"
    if joiner == "+" and first:
        return f"\\quad {{}}+ {tex}"  # {}: a binary +, not a sign
    return f"{joiner} {tex}"


def lay_row(row: Row, width: float) -> list[str]:
    """The lines of ``row`` in an ``align*``, the right side broken before ``=`` or ``+``
    wherever it would pass ``width`` em (measured from the alignment point); a line
    holds at least one piece, so one too long piece overflows on its own line."""
    lines: list[list[str]] = [[]]
    used = 0.0
    for joiner, tex in row.pieces:
        first = not lines[-1]
        text = _piece(joiner, tex, first)
        w = tex_width(text) + SPACE
        if not first and used + w > width:
            lines.append([])
            text = _piece(joiner, tex, True)
            w, used = tex_width(text), 0.0
        lines[-1].append(text)
        used += w
    out = [f"{row.lhs} &" + " ".join(lines[0])]
    out += ["  &" + " ".join(line) for line in lines[1:]]
    return out


def lhs_width(rows: list[Row]) -> float:
    """The widest left side of ``rows``: the right sides start after it."""
    return max((tex_width(r.lhs) for r in rows), default=0.0)


def align(laid: list[list[str]], overlays: int | None = None) -> str:
    """An ``align*`` of rows already laid out (:func:`lay_row`), the lines of one row
    kept together (``\\\\*``); ``overlays``: row ``i`` appears on beamer overlay
    ``overlays + i`` (``\\onslide`` in every cell, so the layout never moves).

    >>> print(align([["a &= 1"], ["b &= 2", "  &= 3"]], overlays=1))
    \\begin{align*}
      \\onslide<1->{a} &\\onslide<1->{= 1} \\\\
      \\onslide<2->{b} &\\onslide<2->{= 2} \\\\*
      &\\onslide<2->{= 3}
    \\end{align*}
    """
    out = []
    for i, lines in enumerate(laid):
        for j, line in enumerate(lines):
            if overlays is not None:
                lhs, rhs = line.split("&", 1)
                on = f"\\onslide<{overlays + i}->"
                lhs = f"{on}{{{lhs.strip()}}} " if lhs.strip() else ""
                line = f"{lhs}&{on}{{{rhs.strip()}}}"
            last = i == len(laid) - 1 and j == len(lines) - 1
            end = "" if last else (" \\\\*" if j < len(lines) - 1 else " \\\\")
            out.append("  " + line.strip() + end)
    return "\\begin{align*}\n" + "\n".join(out) + "\n\\end{align*}"


def cell_lines(items: list[str]) -> str:
    """Several lines in one table cell: a nested ``tabular`` (plain LaTeX, no package)."""
    if len(items) <= 1:
        return "".join(items)
    return "\\begin{tabular}[t]{@{}l@{}}" + " \\\\ ".join(items) + "\\end{tabular}"


def cell_width(cell: str) -> float:
    """The estimated width of a table cell (text with ``$…$`` math; nested lines)."""
    parts = re.split(r"\\\\|\\begin\{tabular\}\[t\]\{@\{\}l@\{\}\}|\\end\{tabular\}", cell)
    return max(sum(tex_width(p) if i % 2 else TEXT_CHAR * len(p) for i, p in enumerate(
        part.split("$"))) for part in parts)


def table_width(rows: list[list[str]], scale: float = 1.0) -> float:
    """The estimated width of a table of these cells set at ``scale`` of the normal font
    size: the cells scale, the 12 pt of padding per column (``\\tabcolsep``) does not."""
    cols = max(len(r) for r in rows)
    return sum(scale * max(cell_width(r[c]) for r in rows if c < len(r)) + 1.2
               for c in range(cols))


def line_height(tex: str) -> float:
    """How many text lines a line of math is high: a ``bmatrix`` its rows, a displayed
    fraction one and a half.

    >>> line_height("a = b"), line_height("\\\\begin{bmatrix} 1 \\\\\\\\ 2 \\\\end{bmatrix}")
    (1.0, 2.2)
    """
    rows = [m.count("\\\\") + 1 for m in _BMATRIX.findall(tex)]
    return max([1.0] + [0.9 * r + 0.4 for r in rows] + ([1.6] if "\\frac" in tex else []))
