"""The trace as LaTeX, ready to paste into slides: ``align*`` environments and a booktabs table.

Needs ``\\usepackage{amsmath}`` and ``\\usepackage{booktabs}``. Node names go
through :func:`~autodiff_viz.printing.latex_name`, formulas through the
graph's LaTeX printer; every number is a stored one.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")
>>> print(primal_align(t))
\\begin{align*}
  w_{1} &= x_{1} = 2 \\\\
  w_{2} &= x_{2} = 3 \\\\
  w_{3} &= \\sin\\left(w_{1}\\right) = \\sin\\left(2\\right) = 0.9093 \\\\
  w_{4} &= w_{1} \\cdot w_{2} = 2 \\cdot 3 = 6 \\\\
  w_{5} &= w_{3} + w_{4} = 0.9093 + 6 = 6.909
\\end{align*}
>>> accent("w5", "dot"), accent("hidden", "bar"), accent("v-1", "bar")
('\\\\dot{w}_{5}', '\\\\bar{\\\\mathrm{hidden}}', '\\\\bar{v}_{-1}')

In a graph of vectors and matrices every array is a ``bmatrix`` (a vector as a
column), summarised past ``max_matrix`` (4×4); each node's shape is noted at the
end of its primal row and beside its name in the table; the terms of tensor
operations are vector-Jacobian and Jacobian-vector products in matrix notation
(``\\bar{w}_{6} w_{2}^{\\top}``), and an elementwise product of arrays is ``\\odot``.

>>> t = av.trace("W@x", at={"W": [[1, 2], [3, 4]], "x": [1, -1]}, mode="reverse")
>>> print(reverse_align(t).splitlines()[3])
  \\bar{w}_{1} &= \\bar{w}_{3} w_{2}^{\\top} = \\begin{bmatrix} 1 & -1 \\\\ 1 & -1 \\end{bmatrix} && \\frac{\\partial z}{\\partial W}
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..ops import PREC_ATOM, PREC_NEG
from ..printing import latex_name
from ..trace import Trace
from .arrays import MAX_MATRIX, latex as array_latex
from .lines import fmt, seed_text
from .structure import structure_lines
from .summary import cost_lines, directional_lines, flag_notes, note_lines, title

_SUBSCRIPTED = re.compile(r"^(\\?[A-Za-z]+)(_\{[^{}]*\})$")


def accent(name: str, command: str) -> str:
    """``\\dot{w}_{5}`` / ``\\bar{w}_{1}``: the accent on the name, not on its subscript."""
    ln = latex_name(name)
    m = _SUBSCRIPTED.match(ln)
    if m:
        return f"\\{command}{{{m.group(1)}}}{m.group(2)}"
    return f"\\{command}{{{ln}}}"


def number(v: Any, digits: int | None) -> str:
    """A stored number as LaTeX (``[…]`` lists for arrays)."""
    return fmt(v, digits, "text")


def value_latex(t: Trace, v: Any, digits: int | None = 4,
                max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """A value ``t`` stored, as LaTeX: :func:`number`, except that in a graph of vectors and
    matrices an array is a ``bmatrix`` (a vector as a column; see :func:`.arrays.latex`).

    >>> import autodiff_viz as av
    >>> t = av.trace("W@x", at={"W": [[1, 2], [3, 4]], "x": [1, -1]})
    >>> print(value_latex(t, t.value))
    \\begin{bmatrix} -1 \\\\ -1 \\end{bmatrix}
    """
    if v is None:
        return ""
    if not t.primal.tensor or np.ndim(v) == 0:
        return number(v, digits)
    return array_latex(v, digits, max_matrix)


_MATRIX_NOTATION = (("ᵀ", "^{{\\top}}"), ("⊙", " \\odot "), ("Σ", "\\textstyle\\sum "),
                    ("⟨", "\\langle "), ("⟩", " \\rangle "), ("−", "-"),
                    ("log softmax", "\\log \\operatorname{{softmax}}"),
                    ("softmax", "\\operatorname{{softmax}}"), ("log(", "\\log("))


def matrix_formula(template: str, args: list[str], **named: str) -> str:
    """A vector-Jacobian or Jacobian-vector product of the op table (matrix notation in
    Unicode, ``{g} {1}ᵀ``) as LaTeX, with LaTeX ``args`` and ``g`` or ``t``.

    >>> print(matrix_formula("{g} {1}ᵀ", ["w_{1}", "w_{2}"], g="\\\\bar{w}_{6}"))
    \\bar{w}_{6} w_{2}^{\\top}
    """
    for old, new in _MATRIX_NOTATION:
        template = template.replace(old, new)
    return " ".join(template.format(*args, **named).split())


def _shape_note(t: Trace, node: int) -> str:
    """``4 \\times 2`` for a vector or matrix node of a tensor graph; else nothing."""
    shape = t.primal.shapes[node] if t.primal.tensor and t.primal.shapes else ()
    return " \\times ".join(str(n) for n in shape)


def _args(t: Trace, node: int) -> list[str]:
    """The parents of ``node`` as LaTeX atoms (parenthesised unless atoms)."""
    atoms = t.graph._atoms(t.notation, "latex")
    return [a if prec >= PREC_ATOM else f"\\left({a}\\right)"
            for a, prec in (atoms[q] for q in t.graph.nodes[node].parents)]


def _times(t: Trace, node: int) -> str:
    """The product of an elementwise chain-rule term: ``\\odot`` when the node is an array
    of a tensor graph (an elementwise product), else ``\\cdot``."""
    return " \\odot " if _shape_note(t, node) else " \\cdot "


def _factor(text: str) -> str:
    """Parenthesise a negative number or a sum used as a factor (a matrix needs none)."""
    if text.startswith(("\\begin{bmatrix}", "\\underset")):
        return text
    return f"\\left({text}\\right)" if text.startswith("-") or " " in text else text


def partial_frac(top: str, bottom: str) -> str:
    """``\\frac{\\partial w_{3}}{\\partial w_{1}}``."""
    return f"\\frac{{\\partial {latex_name(top)}}}{{\\partial {latex_name(bottom)}}}"


def _align(rows: list[str]) -> str:
    body = " \\\\\n".join("  " + r for r in rows)
    return "\\begin{align*}\n" + body + "\n\\end{align*}"


def primal_align(t: Trace, digits: int | None = 4, *,
                 max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """``w_{3} &= \\sin(w_{1}) = \\sin(2) = 0.9093`` for every input and operation; in a
    tensor graph each array node's row ends with its shape (``&& \\text{shape } 4 \\times 2``)."""
    g, rows = t.graph, []
    for s in t.steps:
        value = value_latex(t, s.value, digits, max_matrix)
        shape = _shape_note(t, s.node)
        note = f" && \\text{{shape }} {shape}" if shape else ""
        if s.kind == "input":
            rows.append(f"{latex_name(s.name)} &= {latex_name(g.nodes[s.node].name)} = "
                        f"{value}{note}")
        elif s.kind == "op":
            args = []
            for q in s.parents:
                text = value_latex(t, t.primal.values[q], digits, max_matrix)
                args.append((text, PREC_NEG if text.startswith("-") else PREC_ATOM))
            rows.append(f"{latex_name(s.name)} &= {g.formula(s.node, t.notation, 'latex')} = "
                        f"{g.formula(s.node, t.notation, 'latex', args=args)} = {value}{note}")
    return _align(rows)


def forward_align(t: Trace, k: int = 0, digits: int | None = 4, *,
                  max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """``\\dot{w}_{5} &= \\dot{w}_{3} \\cdot 1 + \\dot{w}_{4} \\cdot 1 = 0 + 2 = 2``; a tensor
    operation's terms are its Jacobian-vector products (``\\dot{w}_{1} w_{2}``)."""
    g, rows = t.graph, []
    for s in t.forward_steps(k):
        name, value = accent(s.name, "dot"), value_latex(t, s.tangent, digits, max_matrix)
        if s.is_input or not s.terms:
            rows.append(f"{name} &= {value}")
            continue
        op = g.nodes[s.node].op
        if op is not None and op.tensor:
            sym = " + ".join(matrix_formula(op.jvp_formulas[term.position], _args(t, s.node),
                                            t=accent(term.parent_name, "dot"))
                             for term in s.terms)
        else:
            sym = " + ".join(
                f"{accent(term.parent_name, 'dot')}{_times(t, s.node)}"
                f"{_factor(g.partial_formula(s.node, term.position, t.notation, 'latex'))}"
                for term in s.terms)
        num = " + ".join(_factor(value_latex(t, term.value, digits, max_matrix))
                         for term in s.terms)
        rows.append(f"{name} &= {sym} = {num} = {value}")
    return _align(rows)


def reverse_align(t: Trace, k: int = 0, digits: int | None = 4, *,
                  max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """``\\bar{w}_{1} &= \\bar{w}_{4} \\cdot w_{2} + … = 1 \\cdot 3 + … = 2.584``;
    the inputs' rows are labelled with the gradient entry they are. A tensor
    operation's term is its vector-Jacobian product (``\\bar{w}_{6} w_{2}^{\\top}``)
    with the value it adds; a term summed over the copies of a broadcast value
    has a ``\\sum``."""
    g, r, rows = t.graph, t.reverse[k], []

    def val(v: Any) -> str:
        return value_latex(t, v, digits, max_matrix)

    for s in t.reverse_steps(k):
        name, value = accent(s.name, "bar"), val(s.adjoint)
        label = f" && {partial_frac(r.output, g.nodes[s.node].name)}" if s.is_input else ""
        if not s.terms:
            rows.append(f"{name} &= {value}{label}")
            continue
        syms, nums = [], []
        for term in s.terms:
            op = g.nodes[term.child].op
            if op is not None and op.tensor:
                syms.append(matrix_formula(op.vjp_formulas[term.position],
                                           _args(t, term.child),
                                           g=accent(term.child_name, "bar")))
                nums.append(_factor(val(term.value)))
                continue
            times = _times(t, term.child)
            sym = (f"{accent(term.child_name, 'bar')}{times}"
                   f"{_factor(g.partial_formula(term.child, term.position, t.notation, 'latex'))}")
            num = f"{_factor(val(term.child_adjoint))}{times}{_factor(val(term.partial))}"
            if t.primal.tensor and np.shape(term.value) != np.broadcast_shapes(
                    np.shape(term.child_adjoint), np.shape(term.partial)):
                sym, num = f"\\textstyle\\sum {sym}", f"\\textstyle\\sum {num}"
            syms.append(sym)
            nums.append(num)
        if len(s.terms) == 1 and nums[0] == value:  # a tensor term is the adjoint itself
            rows.append(f"{name} &= {syms[0]} = {value}{label}")
            continue
        rows.append(f"{name} &= {' + '.join(syms)} = {' + '.join(nums)} = {value}{label}")
    return _align(rows)


def summary_tabular(t: Trace, digits: int | None = 4, *,
                    max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """A booktabs table: per node its definition, value, local partials, tangents, adjoints
    (in a tensor graph, each node's shape beside its name and arrays as ``bmatrix``)."""
    g = t.graph
    letter = t.letter
    heads = ["node", "definition", "value"] + (["local partials"] if t.linear is not None else [])
    heads += [f"${accent(letter, 'dot')}$ (seed ${_seed(t, k, digits, max_matrix)}$)"
              for k in range(len(t.forward))]
    heads += [f"${accent(letter, 'bar')}$ (output ${latex_name(r.output)}$)" for r in t.reverse]
    tangents = [{s.node: s.tangent for s in t.forward_steps(k)} for k in range(len(t.forward))]
    adjoints = [{s.node: s.adjoint for s in t.reverse_steps(k)} for k in range(len(t.reverse))]
    lines = ["\\begin{tabular}{" + "l" * len(heads) + "}", "\\toprule",
             " & ".join(heads) + " \\\\", "\\midrule"]
    for s in t.steps:
        if s.kind == "const":
            continue
        definition = latex_name(g.nodes[s.node].name) if s.kind == "input" \
            else g.formula(s.node, t.notation, "latex")
        partials = ";\\ ".join(_partial(t, s.node, p.position, p.parent_name, p.value, digits,
                                        max_matrix) for p in s.partials)
        shape = _shape_note(t, s.node)
        cells = [f"${latex_name(s.name)}$" + (f" (${shape}$)" if shape else ""),
                 f"${definition}$", f"${value_latex(t, s.value, digits, max_matrix)}$"]
        if t.linear is not None:
            cells.append(f"${partials}$" if partials else "")
        cells += [f"${value_latex(t, d[s.node], digits, max_matrix)}$" if s.node in d else ""
                  for d in tangents + adjoints]
        lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines)


def _partial(t: Trace, node: int, position: int, parent: str, value: Any,
             digits: int | None, max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    op = t.graph.nodes[node].op
    if op is not None and op.tensor:  # its vector-Jacobian product, for an adjoint ḡ
        formula = matrix_formula(op.vjp_formulas[position], _args(t, node), g="\\bar{g}")
    else:
        formula = t.graph.partial_formula(node, position, t.notation, "latex")
    shown = value_latex(t, value, digits, max_matrix)
    if formula != shown:
        shown = f"{formula} = {shown}" if shown else formula
    return f"{partial_frac(t.steps[node].name, parent)} = {shown}"


def _seed(t: Trace, k: int, digits: int | None,
          max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    return ",\\ ".join(f"{latex_name(n)} = {value_latex(t, v, digits, max_matrix)}"
                       for n, v in t.forward[k].seed.items())


def derivatives_align(t: Trace, digits: int | None = 4, *,
                      max_matrix: tuple[int, int] = MAX_MATRIX) -> str | None:
    """Every gradient or Jacobian entry: ``\\frac{\\partial z}{\\partial x_{1}} &= 2.584``."""
    rows = [f"{partial_frac(out, n)} &= {value_latex(t, v, digits, max_matrix)}"
            for out, row in t.jacobian.items() for n, v in row.items()]
    return _align(rows) if rows else None


_TEX_ASCII = str.maketrans({"×": "x", "Σ": "sum"})  # comments stay ASCII


def render_latex(t: Trace, digits: int | None = 4, *,
                 max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """Everything: comments for the title, structure, flags and cost; align* and a table.

    The arrays of a tensor graph are ``bmatrix`` (a vector as a column), summarised
    past ``max_matrix``.
    """
    mm = {"max_matrix": max_matrix}
    out = [f"% {title(t, digits, 'text', max_matrix)}",
           "% autodiff-viz: needs \\usepackage{amsmath} and \\usepackage{booktabs}"]
    out += note_lines(t, "% note: ")
    out += ["% Graph (who feeds whom):"]
    out += ["%   " + line for line in structure_lines(t.graph, t.notation, "text")]
    out += ["", "% Primal trace (inputs to output)", primal_align(t, digits, **mm)]
    for k in range(len(t.forward)):
        out += ["", f"% Forward trace, seed {seed_text(t, k, digits, 'text')} "
                    "(inputs to output)", forward_align(t, k, digits, **mm)]
    for k, r in enumerate(t.reverse):
        out += ["", f"% Reverse trace for {r.output} (output to inputs)"]
        out += [f"% note: {n.translate(_TEX_ASCII)}" for n in [t.seed_note(k)] if n]
        out += [reverse_align(t, k, digits, **mm)]
    if t.linear is not None:  # with mode primal the primal trace says it all
        out += ["", "% Summary", summary_tabular(t, digits, **mm)]
    deriv = derivatives_align(t, digits, **mm)
    if deriv:
        out += ["", "% Gradient" if len(t.jacobian) == 1 else "% Jacobian", deriv]
    out += [""] + [f"% directional derivative {d}"
                   for d in directional_lines(t, digits, "text", **mm)]
    out += [f"% flag: {n}" for n in flag_notes(t)]
    out += [f"% cost: {c}" for c in cost_lines(t)]
    return "\n".join(out)
