"""Vectors and matrices as the slides write them: aligned blocks, one-line forms, bmatrix.

Small arrays (up to ``max_matrix``, 4×4 by default) are printed in full; larger
ones are summarised by their shape, smallest and largest entry and their first
entries. A vector counts as small when its length is at most the larger of the
two sizes. Every number is a stored one, printed with
:func:`~autodiff_viz.printing.format_number`; nothing is computed but the
minimum and maximum of the entries shown.

>>> import numpy as np
>>> print(block(np.array([[0., 0.], [1, 1], [1, 1], [2, 2]])))
⎡0 0⎤
⎢1 1⎥
⎢1 1⎥
⎣2 2⎦
>>> print(block(np.array([[0., -1], [2, 1]]), style="text"))
[[0 -1]
 [2  1]]
>>> block(np.array([1., -2])), inline(np.array([[0., 0.], [1, 1]])), shape_text((4, 2))
('[1, −2]', '[0, 0; 1, 1]', '4×2')
>>> print(latex(np.array([1., -2])))
\\begin{bmatrix} 1 \\\\ -2 \\end{bmatrix}
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..printing import format_number
from .columns import Block

MAX_MATRIX: tuple[int, int] = (4, 4)
"""The largest matrix printed in full (rows, columns); larger ones are summarised."""

_BRACKETS = {"unicode": (("⎡", "⎤"), ("⎢", "⎥"), ("⎣", "⎦")),
             "text": (("[[", "]"), (" [", "]"), (" [", "]]"))}


def shape_text(shape: tuple[int, ...], style: str = "unicode") -> str:
    """``4×2`` for a matrix, ``2`` for a vector, nothing for a number (``4x2`` in text).

    >>> shape_text((4, 2)), shape_text((2,)), shape_text(()), shape_text((4, 2), "text")
    ('4×2', '2', '', '4x2')
    """
    return ("×" if style == "unicode" else "x").join(str(n) for n in shape)


def parse_size(text: str) -> tuple[int, int]:
    """``6x6`` (or ``6×6``, ``6``) as (rows, columns), each at least 1.

    >>> parse_size("6x6"), parse_size("3×8"), parse_size("5")
    ((6, 6), (3, 8), (5, 5))
    """
    parts = text.strip().lower().replace("×", "x").split("x")
    if len(parts) == 1:
        parts = parts * 2
    try:
        rows, cols = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"expected a size like 4x4, got {text!r}") from None
    if rows < 1 or cols < 1:
        raise ValueError(f"a matrix size must be at least 1x1, got {text!r}")
    return rows, cols


def fits(shape: tuple[int, ...], max_matrix: tuple[int, int] = MAX_MATRIX) -> bool:
    """Whether an array of ``shape`` is printed in full (else it is summarised).

    >>> fits((4, 4)), fits((5, 2)), fits((4,)), fits((5,)), fits((2, 2, 2))
    (True, False, True, False, False)
    """
    rows, cols = max_matrix
    if len(shape) <= 1:
        return not shape or shape[0] <= max(rows, cols)
    return len(shape) == 2 and shape[0] <= rows and shape[1] <= cols


def _num(x: float, digits: int | None, style: str) -> str:
    s = format_number(float(x), digits)
    return s.replace("-", "−") if style == "unicode" else s


def _grid(rows: list[list[str]]) -> list[str]:
    """Rows of entries with every column right-aligned (one space between columns)."""
    from .columns import display_width

    widths = [max(display_width(r[j]) for r in rows) for j in range(len(rows[0]))]
    return [" ".join(" " * (w - display_width(x)) + x for x, w in zip(r, widths)) for r in rows]


def _bracket(lines: list[str], style: str) -> list[str]:
    """Matrix brackets around rows: ⎡⎢⎣ … ⎤⎥⎦ (Unicode) or numpy's [[ … ]] (text)."""
    if len(lines) == 1:
        return [f"[[{lines[0]}]]"]
    (tl, tr), (ml, mr), (bl, br) = _BRACKETS["unicode" if style == "unicode" else "text"]
    return ([tl + lines[0] + tr] + [ml + line + mr for line in lines[1:-1]]
            + [bl + lines[-1] + br])


def _corner(a: np.ndarray, max_matrix: tuple[int, int]) -> tuple[np.ndarray, bool, bool]:
    """The first entries of a matrix that does not fit: at most rows−1 × columns−1 of
    them when cut (room for the ⋮ and … marks); and whether rows, columns were cut."""
    rows, cols = max_matrix
    cut_r, cut_c = a.shape[0] > rows, a.shape[1] > cols
    return (a[: max(1, rows - 1) if cut_r else a.shape[0],
              : max(1, cols - 1) if cut_c else a.shape[1]], cut_r, cut_c)


def _kind(a: np.ndarray, style: str) -> str:
    what = "vector" if a.ndim == 1 else "matrix" if a.ndim == 2 else "array"
    return f"vector of {a.shape[0]}" if a.ndim == 1 else f"{shape_text(a.shape, style)} {what}"


def summary(v: Any, digits: int | None = 4, style: str = "unicode", sep: str = ", ") -> str:
    """Shape, smallest and largest entry of an array: ``100×3 matrix, min −2.6, max 3.9``
    (``sep`` between the shape and the rest).

    >>> summary(np.arange(12.0).reshape(6, 2), 3, "text")
    '6x2 matrix, min 0, max 11'
    """
    a = np.asarray(v, dtype=float)
    if a.size == 0:
        return f"{_kind(a, style)}{sep}empty"
    with np.errstate(all="ignore"):
        lo, hi = np.nanmin(a) if not np.isnan(a).all() else np.nan, \
            np.nanmax(a) if not np.isnan(a).all() else np.nan
    return (f"{_kind(a, style)}{sep}min {_num(lo, digits, style)}, "
            f"max {_num(hi, digits, style)}")


def brief(v: Any, style: str = "unicode") -> str:
    """An array too large to print where it is only an operand: its kind and shape.

    >>> brief(np.zeros((100, 3))), brief(np.zeros(100), "text")
    ('[100×3 matrix]', '[vector of 100]')
    """
    return f"[{_kind(np.asarray(v), style)}]"


def grid(v: Any, digits: int | None = 4, style: str = "unicode",
         max_matrix: tuple[int, int] = MAX_MATRIX) -> tuple[str, list[list[str]]]:
    """An array's entries as text, row by row (a vector is one row), and the summary
    line when it is too large for ``max_matrix`` (else ``""``). Cut rows and columns
    are marked ``⋮`` and ``…`` (``...`` in text); the matrix views all read this.

    >>> grid(np.arange(6.0).reshape(3, 2), max_matrix=(2, 1), style="text")
    ('3x2 matrix, min 0, max 5', [['0', '...'], ['...', '']])
    """
    a = np.asarray(v, dtype=float)
    dots = "…" if style == "unicode" else "..."
    if a.ndim == 1 and fits(a.shape, max_matrix):
        return "", [[_num(x, digits, style) for x in a]]
    if a.ndim == 2 and a.size and fits(a.shape, max_matrix):
        return "", [[_num(x, digits, style) for x in r] for r in a]
    if a.ndim != 2 or not a.size:  # a long vector, three axes or more: the first entries
        flat = a.ravel()[: max(1, max(max_matrix) - 1)]
        return summary(a, digits, style), [[_num(x, digits, style) for x in flat]
                                           + ([dots] if a.size > len(flat) else [])]
    corner, cut_r, cut_c = _corner(a, max_matrix)
    rows = [[_num(x, digits, style) for x in r] + ([dots] if cut_c else []) for r in corner]
    if cut_r:
        rows.append(["⋮" if style == "unicode" else dots] * corner.shape[1]
                    + ([""] if cut_c else []))
    return summary(a, digits, style), rows


def block(v: Any, digits: int | None = 4, style: str = "unicode",
          max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """A stored value as aligned text: a number; a vector on one line (``[1, −2]``); a
    matrix one row per line, columns right-aligned (a :class:`Block`); an array too
    large for ``max_matrix``, its :func:`summary` above its first entries."""
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return _num(a, digits, style)
    head, rows = grid(a, digits, style, max_matrix)
    if a.ndim == 2 and a.size:
        body = _bracket(_grid(rows), style)
    else:
        body = ["[" + ", ".join(rows[0]) + "]"]
    if head:  # the shape on a line of its own, min and max on the next: a narrow block
        head = summary(a, digits, style, sep="\n")
    return Block("\n".join(([head] if head else []) + body))


def inline(v: Any, digits: int | None = 4, style: str = "unicode",
           max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """A stored value on one line: ``[1, −2]``, a matrix row by row ``[0, 0; 1, 1]``;
    too large for ``max_matrix``, ``100×3 matrix, min −2.6, max 3.9: [0.5, 1.2; …]``."""
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return _num(a, digits, style)
    dots = "…" if style == "unicode" else "..."
    if fits(a.shape, max_matrix) and a.size:
        if a.ndim == 1:
            return "[" + ", ".join(_num(x, digits, style) for x in a) + "]"
        return "[" + "; ".join(", ".join(_num(x, digits, style) for x in r) for r in a) + "]"
    if a.ndim == 2 and a.size:
        corner, cut_r, cut_c = _corner(a, max_matrix)
        rows = ["; ".join(", ".join([_num(x, digits, style) for x in r]
                                    + ([dots] if cut_c else [])) for r in corner)]
        body = rows[0] + (f"; {dots}" if cut_r else "")
    else:
        flat = a.ravel()[: max(1, max(max_matrix) - 1)]
        body = ", ".join([_num(x, digits, style) for x in flat]
                         + ([dots] if a.size > len(flat) else []))
    return f"{summary(a, digits, style)}: [{body}]"


def latex(v: Any, digits: int | None = 4, max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """A stored value as LaTeX: a number, or a ``bmatrix`` (a vector as a column); too
    large for ``max_matrix``, its first entries with ``\\vdots``/``\\cdots`` and, under
    it, its shape, smallest and largest entry.

    >>> latex(np.array([[0., 0.], [1, 1]]))
    '\\\\begin{bmatrix} 0 & 0 \\\\\\\\ 1 & 1 \\\\end{bmatrix}'
    """
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return format_number(float(a), digits)
    if a.ndim == 1:
        a = a.reshape(-1, 1)  # a vector is a column, as on the slides
        small = fits((a.shape[0],), max_matrix)
        max_matrix = (max(max_matrix), 1)
    elif a.ndim == 2:
        small = fits(a.shape, max_matrix)
    else:
        a, small = a.reshape(1, -1), False
        max_matrix = (1, max(max_matrix))
    if a.size == 0:
        return "\\begin{bmatrix} \\end{bmatrix}"
    if small:
        corner, cut_r, cut_c = a, False, False
    else:
        corner, cut_r, cut_c = _corner(a, max_matrix)
    rows = [[format_number(float(x), digits) for x in r] + (["\\cdots"] if cut_c else [])
            for r in corner]
    if cut_r:
        rows.append(["\\vdots"] * corner.shape[1] + (["\\ddots"] if cut_c else []))
    body = "\\begin{bmatrix} " + " \\\\ ".join(" & ".join(r) for r in rows) + " \\end{bmatrix}"
    if small:
        return body
    b = np.asarray(v, dtype=float)
    lo, hi = (format_number(float(f(b)), digits) for f in (np.min, np.max))
    shape = " \\times ".join(str(n) for n in b.shape)
    return f"\\underset{{{shape},\\ \\min {lo},\\ \\max {hi}}}{{{body}}}"
