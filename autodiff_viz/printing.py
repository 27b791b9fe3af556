"""Formatting one operation applied to already-formatted arguments.

One printer, three styles: ``"text"`` (ASCII, parseable back), ``"unicode"``
(terminals: ·, −, σ, π) and ``"latex"``. Precedence decides the parentheses.

>>> from autodiff_viz.ops import OPS, PREC_ATOM
>>> apply_format(OPS["mul"], [("a + b", 10), ("c", PREC_ATOM)], "text")
('(a + b)*c', 20)
>>> apply_format(OPS["sin"], [("w1", PREC_ATOM)], "latex")[0]
'\\\\sin\\\\left(w1\\\\right)'
"""
from __future__ import annotations

import re
import unicodedata

from .ops import PREC_ATOM, PREC_NEG, Op

STYLES = ("text", "unicode", "latex")

_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
          "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ",
          "phi": "φ", "omega": "ω", "pi": "π"}
_LATEX_GREEK = {v: "\\" + k for k, v in _GREEK.items()}
_SUB = re.compile(r"^([^\W\d_]+)_?(\d+|\{-?\d+\}|-?\d+)$")


def atom(text: str, style: str = "text") -> tuple[str, int]:
    """Format a name or a non-negative number as an atom."""
    if style == "latex":
        return latex_name(text), PREC_ATOM
    if style == "unicode" and text == "pi":
        return "π", PREC_ATOM
    return text, PREC_ATOM


def number(value: float, style: str = "text", digits: int | None = None) -> tuple[str, int]:
    """Format a constant; negative numbers bind like unary minus."""
    s = format_number(value, digits)
    if style == "unicode" and s.startswith("-"):
        s = "−" + s[1:]
    return s, (PREC_NEG if value < 0 else PREC_ATOM)


def format_number(value: float, digits: int | None = None) -> str:
    """Shortest exact text of ``value``, or rounded to ``digits`` significant figures.

    >>> format_number(2.0), format_number(0.1), format_number(2.5838531634528574, 4)
    ('2', '0.1', '2.584')
    """
    v = float(value)
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if digits is not None:
        s = f"{v:.{digits}g}"
        if "e" in s:
            mant, exp = s.split("e")
            s = f"{mant}e{int(exp)}"
        return "0" if s in ("-0", "0") else s
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


_MARKS = {"\u0304": "bar", "\u0307": "dot"}  # w̄4, ẇ3 (ẇ decomposed: w + U+0307)


def latex_name(name: str) -> str:
    """LaTeX for a variable or node name: w12 -> w_{12}, theta -> \\theta, v-1 -> v_{-1};
    an adjoint or a tangent of the derivative graph: w̄4 -> \\bar{w}_{4}, ẇ3 -> \\dot{w}_{3}.

    >>> print(latex_name("w̄4"), latex_name("ẇ3"), latex_name("theta2"))
    \\bar{w}_{4} \\dot{w}_{3} \\theta_{2}
    """
    if not name.isascii():
        decomposed = unicodedata.normalize("NFD", name)
        for mark, command in _MARKS.items():
            if mark in decomposed:
                inner = latex_name(decomposed.replace(mark, "", 1))
                m = re.match(r"^(\\[A-Za-z]+|[A-Za-z])(.*)$", inner)
                if m:
                    return f"\\{command}{{{m.group(1)}}}{m.group(2)}"
    if name in _GREEK:
        return "\\" + name
    if name in _LATEX_GREEK:
        return _LATEX_GREEK[name]
    m = _SUB.match(name)
    if m:
        base, sub = m.group(1), m.group(2).strip("{}")
        base = "\\" + base if base in _GREEK else _LATEX_GREEK.get(base, base)
        return f"{base}_{{{sub}}}"
    if len(name) > 1:
        return "\\mathrm{" + name.replace("_", "\\_") + "}"
    return name


def apply_format(op: Op, args: list[tuple[str, int]], style: str = "text") -> tuple[str, int]:
    """Format ``op`` applied to formatted ``args`` (text, precedence) pairs."""
    if op.kind == "infix":
        (a, pa), (b, pb) = args
        left_paren = pa < op.prec or (pa == op.prec and op.right_assoc)
        right_paren = pb < op.prec or (pb == op.prec and not op.right_assoc) or pb == PREC_NEG
        if style == "latex":
            if op.name == "div":
                return op.latex.format(a, b), PREC_ATOM
            if op.name == "pow":
                right_paren = False
        a = f"({a})" if left_paren and style != "latex" else (
            f"\\left({a}\\right)" if left_paren else a)
        b = f"({b})" if right_paren and style != "latex" else (
            f"\\left({b}\\right)" if right_paren else b)
        if style == "latex":
            return op.latex.format(a, b), op.prec
        sym = op.unicode if style == "unicode" else op.symbol
        if op.name in ("add", "sub"):
            return f"{a} {sym} {b}", op.prec
        return f"{a}{sym}{b}", op.prec
    if op.kind == "postfix":  # W.T, Wᵀ, W^{\top}
        (a, pa), = args
        if pa < op.prec:
            a = f"\\left({a}\\right)" if style == "latex" else f"({a})"
        if style == "latex":
            return op.latex.format(a), op.prec
        return a + (op.unicode if style == "unicode" else op.symbol), op.prec
    if op.kind == "prefix":
        (a, pa), = args
        if pa < PREC_ATOM and pa <= op.prec:
            a = f"\\left({a}\\right)" if style == "latex" else f"({a})"
        sym = op.unicode if style == "unicode" else op.symbol
        return f"{sym}{a}", op.prec
    texts = [a for a, _ in args]
    if style == "latex":
        return op.latex.format(*texts), PREC_ATOM
    texts = [f"{p}={a}" if p in op.static else a for p, a in zip(op.params, texts)]
    name = op.unicode if (style == "unicode" and op.unicode) else (op.shown or op.name)
    return f"{name}({', '.join(texts)})", PREC_ATOM
