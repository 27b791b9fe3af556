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

import unicodedata
from typing import Any

import numpy as np

from ..ops import PREC_ATOM, PREC_NEG
from ..printing import format_number
from ..trace import ForwardStep, PrimalStep, ReverseStep, Trace

DOT, BAR = "\u0307", "\u0304"


def fmt(v: Any, digits: int | None = 4, style: str = "unicode") -> str:
    """A stored number (or array of numbers) as text; ``digits`` significant figures."""
    if v is None:
        return ""
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        s = format_number(float(a), digits)
    else:
        items = [format_number(float(x), digits) for x in a.ravel()[:6]]
        s = "[" + ", ".join(items) + (", …" if a.size > 6 else "") + "]"
    return s.replace("-", "−") if style == "unicode" else s


def _atom(v: Any, digits: int | None, style: str) -> tuple[str, int]:
    s = fmt(v, digits, style)
    neg = s.startswith(("-", "−"))
    return s, PREC_NEG if neg else PREC_ATOM


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
        return name[0] + BAR + name[1:]
    return f"d{t.reverse[k].output}/d{name}"


def primal_line(t: Trace, s: PrimalStep, digits: int | None = 4, style: str = "unicode") -> str:
    """``w3 = sin(w1) = sin(2) = 0.9093``; inputs ``w1 = x1 = 2``."""
    fstyle = "unicode" if style == "unicode" else "text"
    if s.kind == "input":
        return f"{s.name} = {t.graph.nodes[s.node].name} = {fmt(s.value, digits, style)}"
    if s.kind == "const":
        return f"{s.name} = {fmt(s.value, digits, style)}"
    formula = t.graph.formula(s.node, t.notation, fstyle)
    values = [_atom(t.primal.values[q], digits, style) for q in s.parents]
    with_values = t.graph.formula(s.node, t.notation, fstyle, args=values)
    return f"{s.name} = {formula} = {with_values} = {fmt(s.value, digits, style)}"


def forward_line(t: Trace, k: int, s: ForwardStep, digits: int | None = 4,
                 style: str = "unicode") -> str:
    """``ẇ5 = ẇ3·1 + ẇ4·1 = 0 + 2 = 2``; inputs show their seed."""
    name = tangent_name(t, k, s.name, style)
    if s.is_input:
        return f"{name} = {fmt(s.tangent, digits, style)}"
    mul = "·" if style == "unicode" else "*"
    fstyle = "unicode" if style == "unicode" else "text"
    step = t.steps[s.node]
    if not s.terms:
        return f"{name} = 0"
    symbolic = " + ".join(
        f"{tangent_name(t, k, term.parent_name, style)}{mul}{_paren(_restyle(step.partial(term.position).formula, fstyle))}"
        for term in s.terms)
    numeric = " + ".join(_paren(fmt(term.value, digits, style)) for term in s.terms)
    return f"{name} = {symbolic} = {numeric} = {fmt(s.tangent, digits, style)}"


def reverse_line(t: Trace, k: int, s: ReverseStep, digits: int | None = 4,
                 style: str = "unicode") -> str:
    """``w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584``; the output shows its seed."""
    name = adjoint_name(t, k, s.name, style)
    if not s.terms:
        return f"{name} = {fmt(s.adjoint, digits, style)}"
    mul = "·" if style == "unicode" else "*"
    fstyle = "unicode" if style == "unicode" else "text"
    steps = t.steps
    parts, nums = [], []
    for term in s.terms:
        child = adjoint_name(t, k, term.child_name, style)
        if style == "unicode":
            formula = _restyle(steps[term.child].partial(term.position).formula, fstyle)
            parts.append(f"{child}{mul}{_paren(formula)}")
        else:
            parts.append(f"{child}{mul}d{term.child_name}/d{s.name}")
        nums.append(f"{_paren(fmt(term.child_adjoint, digits, style))}{mul}"
                    f"{_paren(fmt(term.partial, digits, style))}")
    return f"{name} = {' + '.join(parts)} = {' + '.join(nums)} = {fmt(s.adjoint, digits, style)}"


def _restyle(formula: str, style: str) -> str:
    if style == "unicode":
        return formula.replace("*", "·").replace("-", "−") if "e-" not in formula else formula
    return formula
