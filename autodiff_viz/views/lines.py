"""One line per step, as slides write them; shared by every text view.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")
>>> primal_line(t, t.primal_steps()[2])
'w3 = sin(w1) = sin(2) = 0.9093'
>>> forward_line(t, 0, t.forward_steps(0)[-1])
'ẇ5 = ẇ3·1 + ẇ4·1 = 0·1 + 2·1 = 2'
>>> forward_line(t, 0, t.forward_steps(0)[2])
'ẇ3 = ẇ1·cos(w1) = 0·(−0.4161) = 0'
>>> reverse_line(t, 0, t.reverse_steps(0)[-1])
'w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584'
>>> reverse_line(t, 0, t.reverse_steps(0)[-1], style="text")
'dz/dw1 = dz/dw4*dw4/dw1 + dz/dw3*dw3/dw1 = 1*3 + 1*(-0.4161) = 2.584'

In a graph of vectors and matrices (``t.primal.tensor``) a step whose values are
matrices takes several lines: each matrix one row per line, its columns aligned,
and the rest of the step on its middle line (``inline=True``: one line, a matrix
row by row as ``[0, 0; 1, 1]``). Arrays larger than ``max_matrix`` (4×4) are
summarised; see :mod:`.arrays`.

One chain-rule notation: a term always shows both factors, the carried quantity first
and then the local partial (forward ``ẇ1·cos(w1)`` = ``1·(−0.4161)``, reverse ``w̄4·w2``
= ``1·3``; :func:`term_factors`), and a line never writes the same thing twice in a row
(``ẇ3 = ẇ1·cos(w1) = 0·(−0.4161) = 0``, not ``= 0 = 0``; :func:`once`). A matrix-product
term keeps its matrix notation (``ḡ w2ᵀ``) and shows its value instead of two factors.
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
from .arrays import MAX_MATRIX, block as _block, brief, fits, inline as _inline, shape_text
from .columns import Block, hjoin, join_with

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


def value_text(t: Trace, v: Any, digits: int | None = 4, style: str = "unicode",
               max_matrix: tuple[int, int] = MAX_MATRIX, inline: bool = False,
               operand: bool = False) -> str:
    """A value ``t`` stored, as text: :func:`fmt`, except that in a graph of vectors and
    matrices an array is an aligned block (``inline``: one line); see :mod:`.arrays`.
    An ``operand`` (a value inside a formula) too large for ``max_matrix`` is only named
    by its shape, ``[100×3 matrix]``: its own row shows its summary.

    >>> import autodiff_viz as av
    >>> t = av.trace("W@x", at={"W": [[1, 2], [3, 4]], "x": [1, -1]})
    >>> print(value_text(t, t.steps[0].value))
    ⎡1 2⎤
    ⎣3 4⎦
    >>> value_text(t, t.steps[0].value, inline=True), value_text(t, t.value)
    ('[1, 2; 3, 4]', '[−1, −1]')
    """
    if v is None:
        return ""
    if not t.primal.tensor or np.ndim(v) == 0:
        return fmt(v, digits, style)
    if operand and not fits(np.shape(v), max_matrix):
        return brief(v, style)
    return (_inline if inline else _block)(v, digits, style, max_matrix)


def node_name(t: Trace, node: int, name: str | None = None, style: str = "unicode") -> str:
    """``w6 : 4×2``: a node's name and, in a graph of vectors and matrices, its shape
    (a vector's length; nothing more for a number). With a shape it is a
    :class:`~.columns.Block`, so that tables do not break it over two lines.

    >>> import autodiff_viz as av
    >>> t = av.trace("W@x", at={"W": [[1, 2], [3, 4]], "x": [1, -1]})
    >>> node_name(t, 0), node_name(t, 1, style="text"), node_name(t, 2, "z")
    ('w1 : 2×2', 'w2 : 2', 'z : 2')
    """
    name = t.steps[node].name if name is None else name
    shape = t.primal.shapes[node] if t.primal.tensor and t.primal.shapes else ()
    return Block(f"{name} : {shape_text(shape, style)}") if shape else name


def _p(t: Trace, s: str) -> str:
    """:func:`_paren`, except that a vector or matrix needs none: its brackets delimit it."""
    if t.primal.tensor and (s.startswith(("[", "⎡")) or "\n" in s):
        return s
    return _paren(s)


def _with_values(t: Trace, node: int, texts: list[str], style: str) -> str:
    """Node ``node``'s formula with the parents' values ``texts`` in place of their names;
    values of several lines (matrices) are set side by side with :func:`hjoin`."""
    atoms, blocks = [], {}
    for k, s in enumerate(texts):
        if isinstance(s, Block):  # a private-use mark stands in for the array while printing
            mark = chr(0xE000 + k)
            blocks[mark] = s
            atoms.append((mark, PREC_ATOM))
        else:
            atoms.append((s, PREC_NEG if s.startswith(("-", "−")) else PREC_ATOM))
    text = t.graph.formula(node, t.notation, style, args=atoms)
    if not blocks:
        return text
    pieces = [x for x in re.split("([\ue000-\uf8ff])", text) if x]
    out = []
    for j, x in enumerate(pieces):
        if x in blocks:
            out.append(blocks[x])
            continue
        near = [pieces[i] for i in (j - 1, j + 1) if 0 <= i < len(pieces)]
        if _OPERATOR.match(x) and any("\n" in blocks.get(y, "") for y in near):
            x = f" {x} "  # an operator beside a matrix: W @ x
        out.append(x)
    return hjoin(out)


_OPERATOR = re.compile(r"^[@·*/^]$")


def _times(a: str, mul: str, b: str) -> str:
    """``a·b``; with a matrix on either side, spaced: ``A · B``."""
    return hjoin([a, f" {mul} ", b]) if "\n" in a or "\n" in b else a + mul + b


_ASCII = str.maketrans({"ᵀ": ".T", "⊙": "*", "−": "-", "⟨": "<", "⟩": ">", "Σ": "sum ",
                        "×": "x"})


def _ascii(text: str, style: str) -> str:
    """Matrix notation (ᵀ, ⊙, ⟨a, b⟩) in ASCII for the text style."""
    return text if style == "unicode" else text.translate(_ASCII)


def _paren(s: str) -> str:
    return f"({s})" if s.startswith(("-", "−")) or " " in s else s


def tangent_name(t: Trace, k: int, name: str, style: str = "unicode") -> str:
    """ẇ5 (unicode) or dw5/dx2 (text; tan_w5 when the seed is a direction). In a graph
    that has a node named ẇ5 itself (a forward derivative graph, traced again) the
    tangent of w5 is written ∂w5/∂x2 instead, so that no name means two things."""
    seed = [s for s, v in t.forward[k].seed.items() if v != 0]
    if style == "unicode":
        dotted = unicodedata.normalize("NFC", name[0] + DOT + name[1:])
        if dotted not in t.name_set or len(seed) != 1:
            return dotted
        return f"∂{name}/∂{seed[0]}"
    return f"d{name}/d{seed[0]}" if len(seed) == 1 else f"tan_{name}"


def adjoint_name(t: Trace, k: int, name: str, style: str = "unicode") -> str:
    """w̄1 (unicode) or dz/dw1 (text). In a graph that has a node named w̄1 itself (a
    reverse derivative graph, traced again in reverse) the adjoint of w1 is written
    ∂out/∂w1 instead, so that no name means two things."""
    if style == "unicode":
        barred = unicodedata.normalize("NFC", name[0] + BAR + name[1:])
        if barred not in t.name_set:
            return barred
        return f"∂{t.reverse[k].output}/∂{name}"
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


def once(parts: LineParts) -> LineParts:
    """``parts`` with nothing written twice in a row: a working equal to the value or
    to the formula (a sum of one term whose factors are not shown, an operation on
    constants only) is left out, and so is a formula equal to the name.

    >>> once(LineParts("w1", "2·3", "2·3", "6"))
    LineParts(name='w1', symbolic='2·3', numeric='', value='6')
    >>> once(LineParts("ẇ3", "ẇ1·cos(w1)", "0", "0"))
    LineParts(name='ẇ3', symbolic='ẇ1·cos(w1)', numeric='', value='0')
    >>> once(LineParts("ẇ3", "ẇ1·cos(w1)", "0·(−0.4161)", "0"))
    LineParts(name='ẇ3', symbolic='ẇ1·cos(w1)', numeric='0·(−0.4161)', value='0')
    """
    name, symbolic, numeric, value = parts
    if numeric and numeric in (symbolic, value):
        numeric = ""
    if symbolic and (symbolic == name or (symbolic == value and not numeric)):
        symbolic = ""
    return LineParts(name, symbolic, numeric, value)


def join(parts: LineParts) -> str:
    """``name = symbolic = numeric = value`` without the empty parts and without a part
    that repeats the one before it (:func:`once`); parts of several lines (matrices) side
    by side.

    >>> join(LineParts("ẇ3", "ẇ1·cos(w1)", "1·(−0.4161)", "−0.4161"))
    'ẇ3 = ẇ1·cos(w1) = 1·(−0.4161) = −0.4161'
    >>> join(LineParts("w1", "", "", "2"))
    'w1 = 2'
    """
    return join_with(" = ", [p for p in once(parts) if p])


def term_factors(term: ForwardTerm | ReverseTerm) -> tuple[Any, Any]:
    """A chain-rule term's two stored factors in the order every view writes them:
    the carried quantity first (the parent's tangent in forward mode, the child's
    adjoint in reverse mode), then the local partial. Their product is ``term.value``.

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x1")
    >>> carried, partial = term_factors(t.forward_steps(0)[2].terms[0])   # ẇ1·cos(w1)
    >>> carried, round(partial, 4)
    (1.0, -0.4161)
    >>> term_factors(t.reverse_steps(0)[-1].terms[0])                      # w̄4·w2
    (1.0, 3.0)
    """
    carried = term.parent_tangent if isinstance(term, ForwardTerm) else term.child_adjoint
    return carried, term.partial


def working(t: Trace, terms: list[tuple[str, str, str]]) -> str:
    """The numeric side of a chain-rule sum from its terms' parts (symbolic, factors,
    value, as :func:`forward_term_parts` and :func:`reverse_term_parts` give them): each
    term's two factors, ``1·3 + 1·(−0.4161)``; a term without two factors to show (a
    matrix product) by its value. One term without factors gives ``""``: its value is
    the step's value, written once.

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")
    >>> working(t, [("ẇ1·w2", "0·3", "0"), ("ẇ2·w1", "1·2", "2")])
    '0·3 + 1·2'
    >>> working(t, [("ḡ w2ᵀ", "", "[1, 2]")])
    ''
    """
    return join_with(" + ", [num or (_p(t, val) if len(terms) > 1 else "")
                             for _, num, val in terms])


def primal_parts(t: Trace, s: PrimalStep, digits: int | None = 4, style: str = "unicode", *,
                 max_matrix: tuple[int, int] = MAX_MATRIX, inline: bool = False) -> LineParts:
    """The parts of :func:`primal_line`: node, definition, with values, value.

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
    >>> primal_parts(t, t.steps[3])
    LineParts(name='w4', symbolic='w1·w2', numeric='2·3', value='6')
    """
    fstyle = "unicode" if style == "unicode" else "text"
    value = value_text(t, s.value, digits, style, max_matrix, inline)
    if s.kind == "input":
        return LineParts(s.name, t.graph.nodes[s.node].name or "", "", value)
    if s.kind == "const":
        return LineParts(s.name, "", "", value)
    formula = t.graph.formula(s.node, t.notation, fstyle)
    values = [value_text(t, t.primal.values[q], digits, style, max_matrix, inline, operand=True)
              for q in s.parents]
    return LineParts(s.name, formula, _with_values(t, s.node, values, fstyle), value)


def primal_line(t: Trace, s: PrimalStep, digits: int | None = 4, style: str = "unicode", *,
                max_matrix: tuple[int, int] = MAX_MATRIX, inline: bool = False) -> str:
    """``w3 = sin(w1) = sin(2) = 0.9093``; inputs ``w1 = x1 = 2``."""
    return join(primal_parts(t, s, digits, style, max_matrix=max_matrix, inline=inline))


def forward_term_parts(t: Trace, k: int, s: ForwardStep, term: ForwardTerm,
                       digits: int | None = 4, style: str = "unicode", *,
                       max_matrix: tuple[int, int] = MAX_MATRIX,
                       inline: bool = False) -> tuple[str, str, str]:
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

    def val(v: Any, operand: bool = False) -> str:
        return value_text(t, v, digits, style, max_matrix, inline, operand)

    if op is not None and op.tensor:  # a Jacobian-vector product, in matrix notation
        args = [t.names[q] for q in t.graph.nodes[s.node].parents]
        jvp = op.jvp_formulas[term.position].format(
            *args, t=tangent_name(t, k, term.parent_name, style))
        return _ascii(jvp, style), "", val(term.value)
    formula = _restyle(t.steps[s.node].partial(term.position).formula, fstyle)
    symbolic = f"{tangent_name(t, k, term.parent_name, style)}{mul}{_paren(formula)}"
    carried, partial = term_factors(term)
    numeric = _times(_p(t, val(carried, True)), mul, _p(t, val(partial, True)))
    return symbolic, numeric, val(term.value)


def forward_parts(t: Trace, k: int, s: ForwardStep, digits: int | None = 4,
                  style: str = "unicode", *, max_matrix: tuple[int, int] = MAX_MATRIX,
                  inline: bool = False) -> LineParts:
    """The parts of :func:`forward_line`: tangent, chain rule, each term's two factors
    (tangent, then partial; :func:`working`), tangent value.

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")
    >>> forward_parts(t, 0, t.forward_steps(0)[3])
    LineParts(name='ẇ4', symbolic='ẇ1·w2 + ẇ2·w1', numeric='0·3 + 1·2', value='2')
    """
    name = tangent_name(t, k, s.name, style)
    value = value_text(t, s.tangent, digits, style, max_matrix, inline)
    if s.is_input or not s.terms:
        return LineParts(name, "", "", value)
    terms = [forward_term_parts(t, k, s, term, digits, style, max_matrix=max_matrix,
                                inline=inline) for term in s.terms]
    return LineParts(name, " + ".join(sym for sym, _, _ in terms), working(t, terms), value)


def forward_line(t: Trace, k: int, s: ForwardStep, digits: int | None = 4,
                 style: str = "unicode", *, max_matrix: tuple[int, int] = MAX_MATRIX,
                 inline: bool = False) -> str:
    """``ẇ5 = ẇ3·1 + ẇ4·1 = 0·1 + 2·1 = 2``; inputs show their seed."""
    return join(forward_parts(t, k, s, digits, style, max_matrix=max_matrix, inline=inline))


def reverse_term_parts(t: Trace, k: int, s: ReverseStep, term: ReverseTerm,
                       digits: int | None = 4, style: str = "unicode", *,
                       max_matrix: tuple[int, int] = MAX_MATRIX,
                       inline: bool = False) -> tuple[str, str, str]:
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

    def val(v: Any, operand: bool = False) -> str:
        return value_text(t, v, digits, style, max_matrix, inline, operand)

    if op is not None and op.tensor:  # a vector-Jacobian product, in matrix notation
        args = [t.names[q] for q in t.graph.nodes[term.child].parents]
        vjp = op.vjp_formulas[term.position].format(*args, g=child)
        return _ascii(vjp, style), "", val(term.value)
    if style == "unicode":
        formula = _restyle(t.steps[term.child].partial(term.position).formula, "unicode")
        symbolic = f"{child}{mul}{_paren(formula)}"
    else:
        symbolic = f"{child}{mul}d{term.child_name}/d{s.name}"
    carried, partial = term_factors(term)
    numeric = _times(_p(t, val(carried, True)), mul, _p(t, val(partial, True)))
    if np.shape(term.value) != np.broadcast_shapes(np.shape(term.child_adjoint),
                                                   np.shape(term.partial)):
        numeric = hjoin(["Σ" if style == "unicode" else "sum ", numeric])  # over the copies
        symbolic = f"Σ{_paren(symbolic)}" if style == "unicode" else f"sum({symbolic})"
    return symbolic, numeric, val(term.value)


def reverse_parts(t: Trace, k: int, s: ReverseStep, digits: int | None = 4,
                  style: str = "unicode", *, max_matrix: tuple[int, int] = MAX_MATRIX,
                  inline: bool = False) -> LineParts:
    """The parts of :func:`reverse_line`: adjoint, sum over children, each term's two
    factors (adjoint, then partial; :func:`working`), adjoint value.

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
    >>> reverse_parts(t, 0, t.reverse_steps(0)[3])
    LineParts(name='w̄2', symbolic='w̄4·w1', numeric='1·2', value='2')
    """
    name = adjoint_name(t, k, s.name, style)
    value = value_text(t, s.adjoint, digits, style, max_matrix, inline)
    if not s.terms:
        return LineParts(name, "", "", value)
    terms = [reverse_term_parts(t, k, s, term, digits, style, max_matrix=max_matrix,
                                inline=inline) for term in s.terms]
    # a matrix-product term has no two factors to show: its value stands in the working
    return LineParts(name, " + ".join(sym for sym, _, _ in terms), working(t, terms), value)


def reverse_line(t: Trace, k: int, s: ReverseStep, digits: int | None = 4,
                 style: str = "unicode", *, max_matrix: tuple[int, int] = MAX_MATRIX,
                 inline: bool = False) -> str:
    """``w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584``; the output shows its seed."""
    return join(reverse_parts(t, k, s, digits, style, max_matrix=max_matrix, inline=inline))


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
    return ", ".join(f"{n}={value_text(t, v, digits, style, inline=True)}"
                     for n, v in t.forward[k].seed.items())


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
    if not formula.isascii():  # a tensor operation's matrix notation: ḡ w2ᵀ as g w2.T
        return _ascii(formula.replace("\u1e21", "g"), "text")
    return formula
