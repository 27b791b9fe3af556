"""The trace as LaTeX for notes and slides: titled sections, ``align*`` traces that fit
the line, booktabs tables that fit ``\\textwidth``.

Needs ``\\usepackage{amsmath}`` and ``\\usepackage{booktabs}`` (a long trace in an
article also ``\\allowdisplaybreaks``). Sections are ``\\subsection*`` under a
``\\section*`` holding the expression and the point: the fragment is for an article
or notes (sections cannot go inside a beamer frame); a complete article is
:func:`.latex_doc.standalone`, slides (a frame per pass) :func:`.latex_doc.beamer`.
Node names go through :func:`~autodiff_viz.printing.latex_name`, formulas through the
graph's LaTeX printer; every number is a stored one. A chain-rule term shows both of
its factors, the carried quantity first (``\\dot{w}_{1} \\cdot \\cos(w_{1})`` =
``1 \\cdot (-0.4161)``), and a row whose working would repeat its value prints it
once. An input's adjoint is annotated with the derivative it is,
``(= \\partial z/\\partial x_{1})``. Rows too wide for the line break before an ``=``
or a ``+`` (:mod:`.latex_layout`).

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
>>> print(forward_align(t).splitlines()[3])
  \\dot{w}_{3} &= \\dot{w}_{1} \\cdot \\cos\\left(w_{1}\\right) = 0 \\cdot \\left(-0.4161\\right) = 0 \\\\
>>> accent("w5", "dot"), accent("hidden", "bar"), accent("v-1", "bar")
('\\\\dot{w}_{5}', '\\\\bar{\\\\mathrm{hidden}}', '\\\\bar{v}_{-1}')

In a graph of vectors and matrices every array is a ``bmatrix`` (a vector as a
column), summarised past ``max_matrix`` (4×4); each node's shape is noted at the
end of its primal row and beside its name in the table; the terms of tensor
operations are vector-Jacobian and Jacobian-vector products in matrix notation
(``\\bar{w}_{6} w_{2}^{\\top}``), and an elementwise product of arrays is ``\\odot``.

>>> t = av.trace("W@x", at={"W": [[1, 2], [3, 4]], "x": [1, -1]}, mode="reverse")
>>> print(reverse_align(t).splitlines()[3])
  \\bar{w}_{1} &= \\bar{w}_{3} w_{2}^{\\top} = \\begin{bmatrix} 1 & -1 \\\\ 1 & -1 \\end{bmatrix} \\qquad \\text{(${=}\\,\\partial z/\\partial W$)}
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np

from ..ops import PREC_ATOM, PREC_NEG
from ..printing import latex_name
from ..trace import Trace
from .arrays import MAX_MATRIX, latex as array_latex
from .latex_layout import (Row, align, cell_lines, lay_row, lhs_width, line_height, table_width,
                           tex_width)
from .lines import fmt, term_factors
from .structure import structure_lines
from .summary import (cost_lines, derivatives_title, directional_lines, flag_notes, note_lines,
                      title)

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
    return _shape_note_of(shape)


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


def partial_slash(top: str, bottom: str) -> str:
    """``\\partial z/\\partial x_{1}``: a derivative inside a line or a table cell."""
    return f"\\partial {latex_name(top)}/\\partial {latex_name(bottom)}"


def annotation(top: str, bottom: str) -> str:
    """``(= ∂z/∂x1)`` after a row: the derivative the row's value is."""
    return f"\\text{{(${{=}}\\,{partial_slash(top, bottom)}$)}}"


ARTICLE = 34.5  # em: \textwidth of a default article (345 pt at 10 pt)


class Section(NamedTuple):
    """A titled part of the trace: ``rows`` of an ``align*`` or a ``table``
    (:func:`summary_table`), and ``notes`` (LaTeX comments) before them; ``steps``: the
    rows are the steps of a pass."""

    title: str
    rows: list[Row]
    table: "Table | None" = None
    notes: tuple[str, ...] = ()
    steps: bool = False


class Table(NamedTuple):
    """A booktabs table: two header rows, body rows (cells), each row's height in lines,
    and how many first columns stay apart from the rest when the whole is too wide
    (0: never split)."""

    head: list[list[str]]
    body: list[list[str]]
    heights: list[float]
    split: int


def _laid(rows: list[Row], width: float) -> list[list[str]]:
    room = width - lhs_width(rows) - 1.0
    return [lay_row(r, room) for r in rows]


def primal_rows(t: Trace, digits: int | None = 4, *,
                max_matrix: tuple[int, int] = MAX_MATRIX) -> list[Row]:
    """``w_{3} = \\sin(w_{1}) = \\sin(2) = 0.9093`` for every input and operation; in a
    tensor graph each array node's row ends with its shape (``\\text{shape } 4 \\times 2``)."""
    g, rows = t.graph, []
    for s in t.steps:
        value = value_latex(t, s.value, digits, max_matrix)
        shape = _shape_note(t, s.node)
        note = [("", f"\\text{{shape }} {shape}")] if shape else []
        if s.kind == "input":
            rows.append(Row(latex_name(s.name),
                            [("=", latex_name(g.nodes[s.node].name or s.name)),
                             ("=", value)] + note))
        elif s.kind == "op":
            args = []
            for q in s.parents:
                text = value_latex(t, t.primal.values[q], digits, max_matrix)
                args.append((text, PREC_NEG if text.startswith("-") else PREC_ATOM))
            formula = g.formula(s.node, t.notation, "latex")
            working = g.formula(s.node, t.notation, "latex", args=args)
            rows.append(Row(latex_name(s.name), [("=", formula)] + (
                [("=", working)] if working not in (formula, value) else []) +
                [("=", value)] + note))
    return rows


def _chain_row(name: str, terms: list[tuple[str, str]], value: str,
               note: list[tuple[str, str]]) -> Row:
    """A chain-rule row: the terms' formulas, their factors (one term whose factors are
    its value: left out), the value, the annotation."""
    pieces = [("+" if i else "=", sym) for i, (sym, _) in enumerate(terms)]
    nums = [num for _, num in terms]
    if not (len(nums) == 1 and nums[0] == value):
        pieces += [("+" if i else "=", num) for i, num in enumerate(nums)]
    return Row(name, pieces + [("=", value)] + note)


def _output_of(t: Trace, node: int) -> str | None:
    return next((name for name, i in t.graph.outputs if i == node), None)


def forward_rows(t: Trace, k: int = 0, digits: int | None = 4, *,
                 max_matrix: tuple[int, int] = MAX_MATRIX) -> list[Row]:
    """``\\dot{w}_{5} = \\dot{w}_{3} \\cdot 1 + \\dot{w}_{4} \\cdot 1 = 0 \\cdot 1 + 2 \\cdot 1
    = 2``: each term the parent's tangent times the local partial (:func:`.lines.term_factors`);
    a tensor operation's terms are its Jacobian-vector products (``\\dot{w}_{1} w_{2}``).
    With one input seeded, an output's row is annotated with the derivative it is."""
    g, rows = t.graph, []
    seeded = [n for n, v in t.forward[k].seed.items() if np.ndim(v) == 0 and v != 0]
    for s in t.forward_steps(k):
        name, value = accent(s.name, "dot"), value_latex(t, s.tangent, digits, max_matrix)
        out = _output_of(t, s.node)
        note = [("", annotation(out, seeded[0]))] if out and len(seeded) == 1 \
            and not s.is_input else []
        if s.is_input or not s.terms:
            rows.append(Row(name, [("=", value)] + note))
            continue
        op = g.nodes[s.node].op
        terms = []
        for term in s.terms:
            if op is not None and op.tensor:
                terms.append((matrix_formula(op.jvp_formulas[term.position], _args(t, s.node),
                                             t=accent(term.parent_name, "dot")),
                              _factor(value_latex(t, term.value, digits, max_matrix))))
                continue
            times = _times(t, s.node)
            carried, partial = term_factors(term)
            formula = g.partial_formula(s.node, term.position, t.notation, "latex")
            terms.append((f"{accent(term.parent_name, 'dot')}{times}{_factor(formula)}",
                          f"{_factor(value_latex(t, carried, digits, max_matrix))}{times}"
                          f"{_factor(value_latex(t, partial, digits, max_matrix))}"))
        rows.append(_chain_row(name, terms, value, note))
    return rows


def reverse_rows(t: Trace, k: int = 0, digits: int | None = 4, *,
                 max_matrix: tuple[int, int] = MAX_MATRIX) -> list[Row]:
    """``\\bar{w}_{1} = \\bar{w}_{4} \\cdot w_{2} + … = 1 \\cdot 3 + … = 2.584``, each term
    the child's adjoint times the local partial; the inputs' rows are annotated with the
    derivative they are. A tensor operation's term is its vector-Jacobian product
    (``\\bar{w}_{6} w_{2}^{\\top}``) with the value it adds; a term summed over the copies
    of a broadcast value has a ``\\sum``."""
    g, r, rows = t.graph, t.reverse[k], []

    def val(v: Any) -> str:
        return value_latex(t, v, digits, max_matrix)

    for s in t.reverse_steps(k):
        name, value = accent(s.name, "bar"), val(s.adjoint)
        note = [("", annotation(r.output, g.nodes[s.node].name or s.name))] \
            if s.is_input else []
        if not s.terms:
            rows.append(Row(name, [("=", value)] + note))
            continue
        terms = []
        for term in s.terms:
            op = g.nodes[term.child].op
            if op is not None and op.tensor:
                terms.append((matrix_formula(op.vjp_formulas[term.position],
                                             _args(t, term.child),
                                             g=accent(term.child_name, "bar")),
                              _factor(val(term.value))))
                continue
            times = _times(t, term.child)
            carried, partial = term_factors(term)
            sym = (f"{accent(term.child_name, 'bar')}{times}"
                   f"{_factor(g.partial_formula(term.child, term.position, t.notation, 'latex'))}")
            num = f"{_factor(val(carried))}{times}{_factor(val(partial))}"
            if t.primal.tensor and np.shape(term.value) != np.broadcast_shapes(
                    np.shape(carried), np.shape(partial)):
                sym, num = f"\\textstyle\\sum {sym}", f"\\textstyle\\sum {num}"
            terms.append((sym, num))
        rows.append(_chain_row(name, terms, value, note))
    return rows


def derivative_rows(t: Trace, digits: int | None = 4, *,
                    max_matrix: tuple[int, int] = MAX_MATRIX) -> list[Row]:
    """Every gradient or Jacobian entry: ``\\frac{\\partial z}{\\partial x_{1}} = 2.584``."""
    return [Row(partial_frac(out, n), [("=", value_latex(t, v, digits, max_matrix))])
            for out, row in t.jacobian.items() for n, v in row.items()]


def primal_align(t: Trace, digits: int | None = 4, *, width: float = ARTICLE,
                 max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """:func:`primal_rows` as an ``align*`` fitting ``width`` em."""
    return align(_laid(primal_rows(t, digits, max_matrix=max_matrix), width))


def forward_align(t: Trace, k: int = 0, digits: int | None = 4, *, width: float = ARTICLE,
                  max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """:func:`forward_rows` as an ``align*`` fitting ``width`` em."""
    return align(_laid(forward_rows(t, k, digits, max_matrix=max_matrix), width))


def reverse_align(t: Trace, k: int = 0, digits: int | None = 4, *, width: float = ARTICLE,
                  max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """:func:`reverse_rows` as an ``align*`` fitting ``width`` em."""
    return align(_laid(reverse_rows(t, k, digits, max_matrix=max_matrix), width))


def summary_table(t: Trace, digits: int | None = 4, *,
                  max_matrix: tuple[int, int] = MAX_MATRIX) -> Table:
    """Per node its definition, value, local partials (one a line), tangents, adjoints
    (in a tensor graph, each node's shape beside its name and arrays as ``bmatrix``);
    split, when too wide, into partials (the first four columns) and passes."""
    g, partials_col = t.graph, t.linear is not None
    head = [["node", "definition", "value"] + (["local partials"] if partials_col else []),
            ["", "", ""] + ([""] if partials_col else [])]
    for k in range(len(t.forward)):
        head[0].append(f"${accent(t.letter, 'dot')}$")
        head[1].append(_seed_head(t, k, digits, max_matrix))
    for r in t.reverse:
        head[0].append(f"${accent(t.letter, 'bar')}$")
        head[1].append(f"for ${latex_name(r.output)}$")
    tangents = [{s.node: s.tangent for s in t.forward_steps(k)} for k in range(len(t.forward))]
    adjoints = [{s.node: s.adjoint for s in t.reverse_steps(k)} for k in range(len(t.reverse))]
    body, heights = [], []
    for s in t.steps:
        if s.kind == "const":
            continue
        definition = latex_name(g.nodes[s.node].name or s.name) if s.kind == "input" \
            else g.formula(s.node, t.notation, "latex")
        partials = ["$" + _partial(t, s.node, p.position, p.parent_name, p.value, digits,
                                   max_matrix) + "$" for p in s.partials]
        shape = _shape_note(t, s.node)
        cells = [f"${latex_name(s.name)}$" + (f" (${shape}$)" if shape else ""),
                 f"${definition}$", f"${value_latex(t, s.value, digits, max_matrix)}$"]
        if partials_col:
            cells.append(cell_lines(partials))
        cells += [f"${value_latex(t, d[s.node], digits, max_matrix)}$" if s.node in d else ""
                  for d in tangents + adjoints]
        body.append(cells)
        heights.append(max([sum(line_height(p) for p in partials)] +
                           [line_height(c) for c in cells]))
    lead = 4 if partials_col else 3
    return Table(head, body, heights, lead if len(head[0]) > lead else 0)


def table_parts(table: Table, width: float,
                scales: tuple[float, ...] = (1.0, 0.9, 0.8)) -> list[tuple[str, Table]]:
    """``table`` in the largest font size that fits ``width`` em (normal, ``\\small``,
    ``\\footnotesize``, at ``scales`` of the normal size); when none does, the
    definitions (the ``split`` first columns) apart from the passes, and the passes as
    many at a time as fit beside the nodes' names and values. Gives (size command,
    table) pairs."""
    sizes = list(zip(("", "\\small", "\\footnotesize"), scales))

    def size(tab: Table) -> str | None:
        return next((cmd for cmd, scale in sizes
                     if table_width(tab.head + tab.body, scale) <= width), None)

    def cols(keep: list[int]) -> Table:
        rows = [[r[c] for c in keep] for r in table.head + table.body]
        tall = table.split and table.split - 1 in keep
        return Table(rows[:2], rows[2:], table.heights if tall else
                     [max(line_height(c) for c in r) for r in rows[2:]], 0)

    if not table.split or size(table) is not None:
        parts = [table]
    else:
        parts, group = [cols(list(range(table.split)))], [0, 2]
        for c in range(table.split, len(table.head[0])):
            if len(group) > 2 and size(cols(group + [c])) is None:
                parts.append(cols(group))
                group = [0, 2]
            group.append(c)
        parts.append(cols(group))
    return [("\\footnotesize" if s is None else s, p) for s, p in
            ((size(p), p) for p in parts)]


def tabular(table: Table, rows: list[int] | None = None) -> str:
    """The booktabs ``tabular`` of ``table`` (only the body ``rows``, if given)."""
    body = table.body if rows is None else [table.body[i] for i in rows]
    head = [table.head[0]] + ([table.head[1]] if any(table.head[1]) else [])
    lines = ["\\begin{tabular}{" + "l" * len(table.head[0]) + "}", "\\toprule"]
    lines += [" & ".join(h) + " \\\\" for h in head] + ["\\midrule"]
    lines += [" & ".join(cells) + " \\\\" for cells in body]
    return "\n".join(lines + ["\\bottomrule", "\\end{tabular}"])


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
    return f"{partial_slash(t.steps[node].name, parent)} = {shown}"


def _seed_head(t: Trace, k: int, digits: int | None, max_matrix: tuple[int, int]) -> str:
    """``seed $x_{2}$`` (that input seeded 1, the others 0), else the whole seed."""
    ones = [n for n, v in t.forward[k].seed.items() if np.ndim(v) or v != 0]
    if len(ones) == 1 and np.ndim(t.forward[k].seed[ones[0]]) == 0 \
            and t.forward[k].seed[ones[0]] == 1:
        return f"seed ${latex_name(ones[0])}$"
    return f"seed ${_seed(t, k, digits, max_matrix)}$"


def _seed(t: Trace, k: int, digits: int | None,
          max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    return ",\\ ".join(f"{latex_name(n)} = {value_latex(t, v, digits, max_matrix)}"
                       for n, v in t.forward[k].seed.items())


_TEX_ASCII = str.maketrans({"×": "x", "Σ": "sum", "−": "-"})  # comments stay ASCII
_SPECIAL = re.compile(r"([\\{}_^&%$#~])")


def text(s: str) -> str:
    """Plain text escaped for LaTeX's text mode (names with underscores, …).

    >>> print(text("Derivative of learning_rate & 100%"))
    Derivative of learning\\_rate \\& 100\\%
    """
    def esc(m: re.Match[str]) -> str:
        c = m.group(1)
        return {"\\": "\\textbackslash{}", "^": "\\^{}", "~": "\\~{}"}.get(c, "\\" + c)
    return _SPECIAL.sub(esc, s.translate(_TEX_ASCII))


_WORDS = {"of", "with", "respect", "to"}  # the headings' own words, never taken for names


def _math_names(heading: str, t: Trace) -> str:
    """A heading with the graph's input and output names set as math (``Gradient of $z$``),
    the rest escaped as text.

    >>> import autodiff_viz as av
    >>> t = av.trace("x_hat*y", at={"x_hat": 2, "y": 5}, mode="forward", wrt="x_hat")
    >>> print(_math_names("Derivative of z with respect to x_hat", t))
    Derivative of $z$ with respect to $\\mathrm{x\\_hat}$
    """
    names = set(t.graph.input_names) | set(t.graph.output_names)
    return " ".join(f"${latex_name(w)}$" if w in names and w not in _WORDS else text(w)
                    for w in heading.split(" "))


def derivatives_heading(t: Trace) -> str:
    """``Gradient of $z$``, ``Derivative of $z$ with respect to $x_{2}$`` (one forward
    pass: not a gradient) or ``Jacobian``: what the derivatives listed are."""
    return _math_names(derivatives_title(t, short=len(t.jacobian) > 1), t)


def title_latex(t: Trace, digits: int | None = 4,
                max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """``$z = \\sin(x_{1}) + x_{1} \\cdot x_{2}$ at $x_{1} = 2$, $x_{2} = 3$``: the outputs
    (by name only when their expression is long) and the point (an array by its shape)."""
    g = t.graph
    exprs = g.expressions("latex")
    heads = []
    for name, i in g.outputs:
        expr = exprs[i] or g.formula(i, t.notation, "latex")
        whole = f"{latex_name(name)} = {expr}"
        heads.append(f"${whole}$" if tex_width(whole) <= 24 and "bmatrix" not in whole
                     else f"${latex_name(name)}$")
    at = []
    for n in g.input_names:
        v = t.at[n]
        if np.ndim(v):
            at.append(f"${latex_name(n)}$ (${_shape_note_of(np.shape(v))}$)")
        else:
            at.append(f"${latex_name(n)} = {number(v, digits)}$")
    head = "; ".join(heads)
    return f"{head} at {', '.join(at)}" if at else head


def _shape_note_of(shape: tuple[int, ...]) -> str:
    return " \\times ".join(str(n) for n in shape)


def sections(t: Trace, digits: int | None = 4, *,
             max_matrix: tuple[int, int] = MAX_MATRIX) -> list[Section]:
    """The trace's parts in order: primal trace, a forward trace per seed, a reverse
    trace per output, the summary table (not for a primal-only trace), the derivatives."""
    mm = {"max_matrix": max_matrix}
    out = [Section("Primal trace (inputs to output)", primal_rows(t, digits, **mm),
                   steps=True)]
    for k in range(len(t.forward)):
        out.append(Section(f"Forward trace, seed ${_seed(t, k, digits, max_matrix)}$ "
                           "(inputs to output)", forward_rows(t, k, digits, **mm), steps=True))
    for k, r in enumerate(t.reverse):
        notes = tuple(f"note: {n.translate(_TEX_ASCII)}" for n in [t.seed_note(k)] if n)
        out.append(Section(f"Reverse trace for ${latex_name(r.output)}$ (output to inputs)",
                           reverse_rows(t, k, digits, **mm), notes=notes, steps=True))
    if t.linear is not None:  # with mode primal the primal trace says it all
        out.append(Section("Summary", [], summary_table(t, digits, **mm)))
    deriv = derivative_rows(t, digits, **mm)
    if deriv:
        out.append(Section(derivatives_heading(t), deriv))
    return out


def comments(t: Trace, digits: int | None = 4,
             max_matrix: tuple[int, int] = MAX_MATRIX) -> tuple[list[str], list[str]]:
    """The LaTeX comments before the trace (title, packages, notes, the graph's structure)
    and after it (directional derivatives, flags, cost)."""
    before = [f"% {title(t, digits, 'text', max_matrix)}",
              "% autodiff-viz: needs \\usepackage{amsmath} and \\usepackage{booktabs}; "
              "a long trace also \\allowdisplaybreaks"]
    before += note_lines(t, "% note: ")
    before += ["% Graph (who feeds whom):"]
    before += ["%   " + line for line in structure_lines(t.graph, t.notation, "text")]
    after = [f"% directional derivative {d}"
             for d in directional_lines(t, digits, "text", max_matrix=max_matrix)]
    after += [f"% flag: {n}" for n in flag_notes(t)]
    after += [f"% cost: {c}" for c in cost_lines(t)]
    return before, after


def section_body(section: Section, width: float) -> list[str]:
    """An article's body of ``section``: its ``align*`` or its table(s), centred."""
    out = [f"% {n}" for n in section.notes]
    if section.table is None:
        return out + [align(_laid(section.rows, width))]
    for size, part in table_parts(section.table, width):
        out += ["\\begin{center}" + (size and f"{size}"), tabular(part), "\\end{center}"]
    return out


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def ascii_safe(doc: str) -> str:
    """``doc`` with what is left of Unicode outside comments (a name such as ``é``) as
    ``\\text{é}``, which pdflatex sets in math and in text; comments are kept.

    >>> print(ascii_safe("% é\\n$w_{1} = é$"))
    % é
    $w_{1} = \\text{é}$
    """
    return "\n".join(line if line.startswith("%") else
                      _NON_ASCII.sub(lambda m: f"\\text{{{m.group(0)}}}", line)
                      for line in doc.split("\n"))


def render_latex(t: Trace, digits: int | None = 4, *, width: float = ARTICLE,
                 max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """Everything, for an article: a ``\\section*`` with the expression and the point, a
    ``\\subsection*`` per part (:func:`sections`), rows and tables fitting ``width`` em
    (345 pt, a default article's ``\\textwidth``); comments for the graph's structure,
    flags and cost.

    The arrays of a tensor graph are ``bmatrix`` (a vector as a column), summarised
    past ``max_matrix``.
    """
    before, after = comments(t, digits, max_matrix)
    out = before + ["", f"\\section*{{{title_latex(t, digits, max_matrix)}}}"]
    for section in sections(t, digits, max_matrix=max_matrix):
        out += ["", f"\\subsection*{{{section.title}}}"] + section_body(section, width)
    return ascii_safe("\n".join(out + ([""] + after if after else [])))
