"""One line per step, as slides write them; shared by every text view.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")
>>> primal_line(t, t.primal_steps()[2])
'w3 = sin(w1) = sin(2) = 0.9093'
>>> forward_line(t, 0, t.forward_steps(0)[-1])
'ẇ5 = ẇ3·1 + ẇ4·1 = 0 + 2 = 2'
>>> reverse_line(t, 0, t.reverse_steps(0)[-1])
'w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584'
>>> reverse_line(t, 0, t.reverse_steps(0)[-1], style="text")
'dz/dw1 = dz/dw4*dw4/dw1 + dz/dw3*dw3/dw1 = 1*3 + 1*(-0.4161) = 2.584'
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple

import numpy as np

from ..ops import PREC_ATOM, PREC_NEG
from ..printing import format_number
from ..trace import (ForwardStep, ForwardTerm, PrimalStep, ReverseStep, ReverseTerm,
                     Trace)

DOT, BAR = "\u0307", "\u0304"


def fmt(v: Any, digits: int | None = 4, style: str = "unicode") -> str:
    """A stored number (or array of numbers) as text; ``digits`` significant figures."""
    if v is None:
        return ""
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        s = format_number(float(a), digits)
    elif a.ndim > 1 and a.size <= 16:  # a small matrix in full, row by row
        s = "[" + ", ".join("[" + ", ".join(format_number(float(x), digits) for x in row) + "]"
                            for row in a.reshape(a.shape[0], -1)) + "]"
    else:
        items = [format_number(float(x), digits) for x in a.ravel()[:6]]
        s = "[" + ", ".join(items) + (", …" if a.size > 6 else "") + "]"
        if a.ndim > 1:
            s = "×".join(map(str, a.shape)) + " " + s
    return s.replace("-", "−") if style == "unicode" else s


def _atom(v: Any, digits: int | None, style: str) -> tuple[str, int]:
    s = fmt(v, digits, style)
    neg = s.startswith(("-", "−"))
    return s, PREC_NEG if neg else PREC_ATOM


_ASCII = str.maketrans({"ᵀ": ".T", "⊙": "*", "−": "-", "⟨": "<", "⟩": ">", "Σ": "sum "})


def _ascii(text: str, style: str) -> str:
    """Matrix notation (ᵀ, ⊙, ⟨a, b⟩) in ASCII for the text style."""
    return text if style == "unicode" else text.translate(_ASCII)


def _paren(s: str) -> str:
    return f"({s})" if s.startswith(("-", "−")) or " " in s else s


def tangent_name(t: Trace, k: int, name: str, style: str = "unicode") -> str:
    """ẇ5 (unicode) or dw5/dx2 (text; tan_w5 when the seed is a direction)."""
    if style == "unicode":
        return unicodedata.normalize("NFC", name[0] + DOT + name[1:])
    seed = [s for s, v in t.forward[k].seed.items() if v != 0]
    return f"d{name}/d{seed[0]}" if len(seed) == 1 else f"tan_{name}"


def adjoint_name(t: Trace, k: int, name: str, style: str = "unicode") -> str:
    """w̄1 (unicode) or dz/dw1 (text)."""
    if style == "unicode":
        return unicodedata.normalize("NFC", name[0] + BAR + name[1:])
    return f"d{t.reverse[k].output}/d{name}"


class LineParts(NamedTuple):
    """A step's line in four parts: ``name = symbolic = numeric = value``.

    ``symbolic`` and ``numeric`` are empty when the step has none (inputs, seeds);
    :func:`join` puts the non-empty parts together with `` = ``.
    """

    name: str
    symbolic: str
    numeric: str
    value: str


def join(parts: LineParts) -> str:
    """``name = symbolic = numeric = value`` without the empty parts."""
    return " = ".join(p for p in parts if p)


def primal_parts(t: Trace, s: PrimalStep, digits: int | None = 4,
                 style: str = "unicode") -> LineParts:
    """The parts of :func:`primal_line`: node, definition, with values, value.

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
    >>> primal_parts(t, t.steps[3])
    LineParts(name='w4', symbolic='w1·w2', numeric='2·3', value='6')
    """
    fstyle = "unicode" if style == "unicode" else "text"
    value = fmt(s.value, digits, style)
    if s.kind == "input":
        return LineParts(s.name, t.graph.nodes[s.node].name or "", "", value)
    if s.kind == "const":
        return LineParts(s.name, "", "", value)
    formula = t.graph.formula(s.node, t.notation, fstyle)
    values = [_atom(t.primal.values[q], digits, style) for q in s.parents]
    with_values = t.graph.formula(s.node, t.notation, fstyle, args=values)
    return LineParts(s.name, formula, with_values, value)


def primal_line(t: Trace, s: PrimalStep, digits: int | None = 4, style: str = "unicode") -> str:
    """``w3 = sin(w1) = sin(2) = 0.9093``; inputs ``w1 = x1 = 2``."""
    return join(primal_parts(t, s, digits, style))


def forward_term_parts(t: Trace, k: int, s: ForwardStep, term: ForwardTerm,
                       digits: int | None = 4, style: str = "unicode") -> tuple[str, str, str]:
    """One forward chain-rule term: symbolic, its two stored factors, its stored value.

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x1")
    >>> s = t.forward_steps(0)[2]
    >>> forward_term_parts(t, 0, s, s.terms[0])
    ('ẇ1·cos(w1)', '1·(−0.4161)', '−0.4161')
    """
    mul = "·" if style == "unicode" else "*"
    fstyle = "unicode" if style == "unicode" else "text"
    op = t.graph.nodes[s.node].op
    if op is not None and op.tensor:  # a Jacobian-vector product, in matrix notation
        args = [t.names[q] for q in t.graph.nodes[s.node].parents]
        jvp = op.jvp_formulas[term.position].format(
            *args, t=tangent_name(t, k, term.parent_name, style))
        return _ascii(jvp, style), "", fmt(term.value, digits, style)
    formula = _restyle(t.steps[s.node].partial(term.position).formula, fstyle)
    symbolic = f"{tangent_name(t, k, term.parent_name, style)}{mul}{_paren(formula)}"
    numeric = (f"{_paren(fmt(term.parent_tangent, digits, style))}{mul}"
               f"{_paren(fmt(term.partial, digits, style))}")
    return symbolic, numeric, fmt(term.value, digits, style)


def forward_parts(t: Trace, k: int, s: ForwardStep, digits: int | None = 4,
                  style: str = "unicode") -> LineParts:
    """The parts of :func:`forward_line`: tangent, chain rule, term values, tangent value."""
    name = tangent_name(t, k, s.name, style)
    value = fmt(s.tangent, digits, style)
    if s.is_input or not s.terms:
        return LineParts(name, "", "", value)
    terms = [forward_term_parts(t, k, s, term, digits, style) for term in s.terms]
    return LineParts(name, " + ".join(sym for sym, _, _ in terms),
                     " + ".join(_paren(v) for _, _, v in terms), value)


def forward_line(t: Trace, k: int, s: ForwardStep, digits: int | None = 4,
                 style: str = "unicode") -> str:
    """``ẇ5 = ẇ3·1 + ẇ4·1 = 0 + 2 = 2``; inputs show their seed."""
    return join(forward_parts(t, k, s, digits, style))


def reverse_term_parts(t: Trace, k: int, s: ReverseStep, term: ReverseTerm,
                       digits: int | None = 4, style: str = "unicode") -> tuple[str, str, str]:
    """One reverse chain-rule term: symbolic, its two stored factors, its stored value.

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
    >>> s = t.reverse_steps(0)[-1]
    >>> reverse_term_parts(t, 0, s, s.terms[1])
    ('w̄3·cos(w1)', '1·(−0.4161)', '−0.4161')
    >>> reverse_term_parts(t, 0, s, s.terms[1], style="text")
    ('dz/dw3*dw3/dw1', '1*(-0.4161)', '-0.4161')
    """
    mul = "·" if style == "unicode" else "*"
    child = adjoint_name(t, k, term.child_name, style)
    op = t.graph.nodes[term.child].op
    if op is not None and op.tensor:  # a vector-Jacobian product, in matrix notation
        args = [t.names[q] for q in t.graph.nodes[term.child].parents]
        vjp = op.vjp_formulas[term.position].format(*args, g=child)
        return _ascii(vjp, style), "", fmt(term.value, digits, style)
    if style == "unicode":
        formula = _restyle(t.steps[term.child].partial(term.position).formula, "unicode")
        symbolic = f"{child}{mul}{_paren(formula)}"
    else:
        symbolic = f"{child}{mul}d{term.child_name}/d{s.name}"
    numeric = (f"{_paren(fmt(term.child_adjoint, digits, style))}{mul}"
               f"{_paren(fmt(term.partial, digits, style))}")
    if np.shape(term.value) != np.broadcast_shapes(np.shape(term.child_adjoint),
                                                   np.shape(term.partial)):
        numeric = f"Σ{numeric}" if style == "unicode" else f"sum {numeric}"  # over the copies
        symbolic = f"Σ{_paren(symbolic)}" if style == "unicode" else f"sum({symbolic})"
    return symbolic, numeric, fmt(term.value, digits, style)


def reverse_parts(t: Trace, k: int, s: ReverseStep, digits: int | None = 4,
                  style: str = "unicode") -> LineParts:
    """The parts of :func:`reverse_line`: adjoint, sum over children, factors, adjoint value."""
    name = adjoint_name(t, k, s.name, style)
    value = fmt(s.adjoint, digits, style)
    if not s.terms:
        return LineParts(name, "", "", value)
    terms = [reverse_term_parts(t, k, s, term, digits, style) for term in s.terms]
    return LineParts(name, " + ".join(sym for sym, _, _ in terms),
                     " + ".join(num for _, num, _ in terms), value)


def reverse_line(t: Trace, k: int, s: ReverseStep, digits: int | None = 4,
                 style: str = "unicode") -> str:
    """``w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584``; the output shows its seed."""
    return join(reverse_parts(t, k, s, digits, style))


def gradient_name(output: str, variable: str, style: str = "unicode") -> str:
    """``∂z/∂x1`` (unicode) or ``dz/dx1`` (text).

    >>> gradient_name("z", "x1"), gradient_name("z", "x1", "text")
    ('∂z/∂x1', 'dz/dx1')
    """
    d = "∂" if style == "unicode" else "d"
    return f"{d}{output}/{d}{variable}"


def partial_name(node: str, parent: str, style: str = "unicode") -> str:
    """``∂w3/∂w1`` (unicode) or ``dw3/dw1`` (text): a local partial's name."""
    return gradient_name(node, parent, style)


def seed_text(t: Trace, k: int, digits: int | None = 4, style: str = "unicode") -> str:
    """The seed of forward pass ``k`` as ``x1=1`` (inputs not named are seeded 0).

    >>> import autodiff_viz as av
    >>> seed_text(av.trace("x*y", at={"x": 1, "y": 2}, seed={"x": 1, "y": -0.5}), 0)
    'x=1, y=−0.5'
    """
    return ", ".join(f"{n}={fmt(v, digits, style)}" for n, v in t.forward[k].seed.items())


_MINUS = re.compile(r"(?<![A-Za-z0-9_])-")


def _restyle(formula: str, style: str) -> str:
    """A text formula in ``style``; Unicode turns * into · and minus signs into −.

    A hyphen right after a letter or digit belongs to a name (v-1 in the v
    notation) and is kept: the printer always writes a minus sign after a space,
    a parenthesis or the start.

    >>> _restyle("v0*v-1 - (-2)", "unicode")
    'v0·v-1 − (−2)'
    """
    if style == "unicode":
        return _MINUS.sub("−", formula.replace("*", "·")) if "e-" not in formula else formula
    return formula
