"""The pieces every trace view shares: title, summary rows, Jacobian, flags, cost.

Everything here reads the trace's stored records; nothing is recomputed.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")
>>> title(t)
'z = sin(x1) + x1*x2 at x1=2, x2=3'
>>> headers, rows = summary_rows(t)
>>> headers
['node', 'definition', 'value', 'local partials', 'ẇ, seed x2=1', 'w̄, output z']
>>> rows[2]
['w3', 'sin(w1)', '0.9093', '∂w3/∂w1 = cos(w1) = −0.4161', '0', '1']
>>> jacobian_rows(t)
(['', '∂/∂x1', '∂/∂x2'], [['z', '2.584', '2']])
"""
from __future__ import annotations

import numpy as np

from ..trace import Trace
from .arrays import MAX_MATRIX, fits, shape_text
from .columns import Block, hjoin
from .lines import (_restyle, adjoint_name, node_name, partial_name, seed_text,
                    tangent_name, value_text)

FLAG_TEXT = {"nondifferentiable": "not differentiable at this point",
             "overflow": "overflow: a value is not finite",
             "tangent-overflow": "overflow: a tangent is not finite",
             "adjoint-overflow": "overflow: an adjoint is not finite"}


def title(t: Trace, digits: int | None = 4, style: str = "unicode",
          max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """``z = sin(x1) + x1*x2 at x1=2, x2=3``: the outputs' definitions and the point."""
    g = t.graph
    exprs = g.expressions("text")
    head = "; ".join(f"{name} = {exprs[i] or g.formula(i, t.notation)}" for name, i in g.outputs)
    at = point_text(t, digits, style, max_matrix)
    return f"{head} at {at}" if at else head


def point_text(t: Trace, digits: int | None = 4, style: str = "unicode",
               max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """The inputs' values on one line: ``x1=2, x2=3``; in a graph of vectors and matrices
    a small array row by row (``W=[1, 1; 1, 1]``), a large one by its shape (``X (100×3)``).

    >>> import autodiff_viz as av
    >>> point_text(av.trace("sum(X@w)", at={"X": [[1.0] * 2] * 9, "w": [1, -2]}))
    'X (9×2), w=[1, −2]'
    """
    out = []
    for n in t.graph.input_names:
        v = t.at[n]
        if t.primal.tensor and np.ndim(v) and not fits(np.shape(v), max_matrix):
            out.append(f"{n} ({shape_text(np.shape(v), style)})")
        else:
            out.append(f"{n}={value_text(t, v, digits, style, max_matrix, inline=True)}")
    return ", ".join(out)


def note_lines(t: Trace, prefix: str = "note: ") -> list[str]:
    """One line per note on the names (labels that had to change, e is a variable here)."""
    return [prefix + n for n in t.notes]


def tangent_header(t: Trace, k: int, digits: int | None = 4, style: str = "unicode") -> str:
    """Column header of forward pass ``k``: ``ẇ, seed x1=1`` or ``dw/dx1``."""
    letter = tangent_name(t, k, t.letter, style)
    if style == "unicode":
        return f"{letter}, seed {seed_text(t, k, digits, style)}"
    if letter.startswith("tan_"):  # a direction, not one input
        return f"tangent ({seed_text(t, k, digits, style)})"
    return letter


def adjoint_header(t: Trace, k: int, style: str = "unicode") -> str:
    """Column header of reverse pass ``k``: ``w̄, output z`` or ``dz/dw``."""
    letter = adjoint_name(t, k, t.letter, style)
    return f"{letter}, output {t.reverse[k].output}" if style == "unicode" else letter


def partial_cells(t: Trace, node: int, digits: int | None = 4, style: str = "unicode", *,
                  max_matrix: tuple[int, int] = MAX_MATRIX, inline: bool = False) -> list[str]:
    """``∂w4/∂w1 = w2 = 3`` for each stored local partial of ``node`` (a matrix of
    partials as an aligned block, see :func:`~.lines.value_text`)."""
    s = t.steps[node]
    fstyle = "unicode" if style == "unicode" else "text"
    out = []
    for p in s.partials:
        formula = _restyle(p.formula, fstyle)
        value = value_text(t, p.value, digits, style, max_matrix, inline)
        shown = [value] if formula == value else [formula] if not value else \
            [formula, " = ", value]
        out.append(hjoin([f"{partial_name(s.name, p.parent_name, style)} = ", *shown]))
    return out


def summary_rows(t: Trace, digits: int | None = 4, style: str = "unicode",
                 sep: str = "\n", *, max_matrix: tuple[int, int] = MAX_MATRIX,
                 inline: bool = False) -> tuple[list[str], list[list[str]]]:
    """Per node (constants left out): definition, value, local partials, tangents, adjoints.

    A blank adjoint means the node does not feed that output; multi-line
    cells are joined with ``sep``. A ``flags`` column is added when a node is flagged.
    In a graph of vectors and matrices the node's shape follows its name and
    matrices are aligned blocks (:class:`~.columns.Block` cells; ``inline``: on one line).
    """
    def val(v: object) -> str:
        return value_text(t, v, digits, style, max_matrix, inline)

    partials = t.linear is not None  # primal mode stores no partials
    headers = ["node", "definition", "value"] + (["local partials"] if partials else [])
    headers += [tangent_header(t, k, digits, style) for k in range(len(t.forward))]
    headers += [adjoint_header(t, k, style) for k in range(len(t.reverse))]
    tangents = [{s.node: s.tangent for s in t.forward_steps(k)} for k in range(len(t.forward))]
    adjoints = [{s.node: s.adjoint for s in t.reverse_steps(k)} for k in range(len(t.reverse))]
    flagged = any(s.flags for s in t.steps)
    if flagged:
        headers.append("flags")
    rows = []
    for s in t.steps:
        if s.kind == "const":
            continue
        definition = t.graph.nodes[s.node].name if s.kind == "input" else \
            t.graph.formula(s.node, t.notation, "unicode" if style == "unicode" else "text")
        row = [node_name(t, s.node, style=style), definition or "", val(s.value)]
        if partials:
            cells = partial_cells(t, s.node, digits, style, max_matrix=max_matrix, inline=inline)
            joined = sep.join(cells)
            row.append(Block(joined) if any(isinstance(c, Block) for c in cells) else joined)
        row += [val(tan[s.node]) if s.node in tan else "" for tan in tangents]
        row += [val(adj[s.node]) if s.node in adj else "" for adj in adjoints]
        if flagged:
            row.append(", ".join(s.flags))
        rows.append(row)
    return headers, rows


def jacobian_rows(t: Trace, digits: int | None = 4, style: str = "unicode", *,
                  max_matrix: tuple[int, int] = MAX_MATRIX,
                  inline: bool = False) -> tuple[list[str], list[list[str]]]:
    """The gradient (one output) or Jacobian as a table: a row per output, a column per input.

    Blank cells are derivatives no pass computed (forward mode seeded on other inputs).
    """
    jac = t.jacobian
    names = [n for n in t.graph.input_names if any(n in row for row in jac.values())]
    d = "∂" if style == "unicode" else "d"
    headers = [""] + [f"{d}/{d}{n}" for n in names]
    rows = [[out] + [value_text(t, row[n], digits, style, max_matrix, inline) if n in row
                     else "" for n in names] for out, row in jac.items()]
    return headers, rows


def derivatives_title(t: Trace, short: bool = False) -> str:
    """The heading of the derivatives the passes computed (:func:`jacobian_rows`): the
    ``Gradient of z`` when every input has its entry (a reverse pass, or a forward pass
    per input), else what the forward passes give, ``Derivative of z with respect to x2``
    (``∂z/∂x2``: one seeded input, not a gradient) or ``Derivatives of z``; with several
    outputs the ``Jacobian`` (or ``Derivatives``: some columns of it). ``short``: without
    the output's name and the reading of the table (``Gradient``, ``Jacobian``).

    >>> import autodiff_viz as av
    >>> forward_x2 = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="forward",
    ...                       wrt="x2")
    >>> derivatives_title(forward_x2), derivatives_title(forward_x2, short=True)
    ('Derivative of z with respect to x2', 'Derivative with respect to x2')
    >>> derivatives_title(av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}))
    'Gradient of z'
    >>> derivatives_title(av.trace("a = x*y; b = x + y", at={"x": 2, "y": 5}))
    'Jacobian (row: output, column: input)'
    """
    jac = {o: row for o, row in t.jacobian.items() if row}
    names = [n for n in t.graph.input_names if any(n in row for row in jac.values())]
    every = all(len(row) == len(t.graph.inputs) for row in jac.values())
    if len(jac) > 1:
        what = "Jacobian" if every else "Derivatives"
        return what if short else f"{what} (row: output, column: input)"
    of = "" if short else f" of {next(iter(jac), '')}"
    if every:
        return f"Gradient{of}"
    if len(names) == 1:
        return f"Derivative{of} with respect to {names[0]}"
    return f"Derivatives{of}"


def directional_lines(t: Trace, digits: int | None = 4, style: str = "unicode", *,
                      max_matrix: tuple[int, int] = MAX_MATRIX) -> list[str]:
    """Forward passes seeded along a direction (not one input): each output's tangent.

    >>> import autodiff_viz as av
    >>> t = av.trace("x*y", at={"x": 2, "y": 5}, mode="forward", seed={"x": 1, "y": 0.5})
    >>> directional_lines(t)
    ['along x=1, y=0.5: ż = 6']
    """
    out = []
    for k, f in enumerate(t.forward):
        if sum(1 for v in f.seed.values() if v != 0) == 1:
            continue  # a coordinate: part of the gradient or Jacobian
        tangents = t.directional(k)
        out.append(f"along {seed_text(t, k, digits, style)}: " + ", ".join(
            f"{tangent_name(t, k, o, style)} = "
            f"{value_text(t, v, digits, style, max_matrix, inline=True)}"
            for o, v in tangents.items()))
    return out


def flag_notes(t: Trace) -> list[str]:
    """One note per flagged node: what is wrong and which convention was used."""
    notes = []
    for s in t.steps:
        for flag in s.flags:
            text = f"{s.name} = {s.formula}: {FLAG_TEXT.get(flag, flag)}"
            op = t.graph.nodes[s.node].op
            if flag == "nondifferentiable" and op is not None and op.convention:
                text += f"; the convention {op.convention} is used"
            notes.append(text)
    return notes


def cost_lines(t: Trace) -> list[str]:
    """The passes run and their work, from ``Trace.cost``."""
    c = t.cost
    p, f, r = c["primal"], c["forward"], c["reverse"]
    out = [f"primal: 1 pass, {plural(p['operations'], 'operation')}, "
           f"{plural(p['stored_values'], 'value')} stored"]
    if f["passes"]:
        out.append(f"forward: {plural(f['passes'], 'pass')}, "
                   f"{plural(f['multiply_adds'], 'multiply-add')}, "
                   f"{plural(f['stored_tangents'], 'tangent')} stored")
    if r["passes"]:
        out.append(f"reverse: {plural(r['passes'], 'pass')}, "
                   f"{plural(r['multiply_adds'], 'multiply-add')}, "
                   f"{plural(r['stored_adjoints'], 'adjoint')} stored")
    return out


def plural(n: int, word: str) -> str:
    """``1 pass``, ``2 passes``, ``5 multiply-adds``.

    >>> plural(1, "pass"), plural(2, "pass"), plural(0, "value")
    ('1 pass', '2 passes', '0 values')
    """
    return f"{n} {word}" + ("" if n == 1 else "es" if word.endswith("s") else "s")
