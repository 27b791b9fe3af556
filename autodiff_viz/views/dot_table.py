"""The gradient table: per node value, tangent(s), adjoint(s), and the final gradient.

:func:`table_data` gives it as plain strings (the notebook's text fallback
uses them); :func:`table_html` draws it as a Graphviz HTML-like table for the
picture. Numbers are the trace's stored records, printed with ``fmt``.

>>> import autodiff_viz as av
>>> d = table_data(av.trace("x*y", at={"x": 2, "y": 5}, mode="reverse"))
>>> d["header"]
['node', 'definition', 'value', 'dz/d(node)']
>>> d["rows"][-1], d["result"]
(['w3', 'w1*w2', '10', '1'], [('dz/dx', '5'), ('dz/dy', '2')])
"""
from __future__ import annotations

from typing import Any, Callable

from ..trace import Trace
from .arrays import MAX_MATRIX
from .dot_view import PALETTE, View, _par, build_view, edge_term, esc, slot, table


def table_data(t: Trace, mode: str | None = None, digits: int | None = 4, *,
               max_matrix: tuple[int, int] = MAX_MATRIX, ascii: bool = True) -> dict[str, Any]:
    """The table as strings: ``header``, ``rows`` (one per input and operation) and
    ``result`` (gradient or Jacobian entries as ``(name, number)``); the arrays of a
    tensor graph on one line, row by row. ``values`` and ``result_values`` hold the
    stored values themselves. ASCII (``dz/dx1``) unless ``ascii=False`` (``∂z/∂x1``)."""
    return view_table(build_view(t.graph, t, digits=digits, mode=mode, contributions="none",
                                 max_matrix=max_matrix, ascii=ascii))


def _headers(v: View) -> list[str]:
    """The columns of tangents and adjoints: ``ẇ = ∂w/∂x2``, ``w̄ = ∂z/∂w`` (ASCII
    ``d(node)/dx2``, ``dz/d(node)``)."""
    t = v.trace
    assert t is not None
    if v.style == "text":
        return [v.tan(k, "(node)") for k in v.fwd] + [v.adj(k, "(node)") for k in v.rev]
    letter = v.graph.label_letter(v.notation)
    out = []
    for k in v.fwd:
        wrt, name = v.seeded(k), v.tan(k, letter)
        out.append(f"{name} = {v.d(letter, wrt)}" if wrt and len(v.fwd) == 1 else name)
    for k in v.rev:
        name = v.adj(k, letter)
        out.append(name if len(v.rev) > 1 else f"{name} = {v.d(t.reverse[k].output, letter)}")
    return out


def view_table(v: View) -> dict[str, Any]:
    """The table of one view; ``known`` and ``result_known`` say what a frame fills in."""
    t, g = v.trace, v.graph
    assert t is not None
    header = ["node", "definition", "value"] + _headers(v)
    rows, known, ids, values = [], [], [], []
    for s in t.steps:
        if s.kind == "const":
            continue
        i = s.node
        shape = v.shape(i)
        row = [v.names[i] + (f" : {shape}" if shape else ""), v.formula(i), v.num(s.value)]
        raw: list[Any] = [s.value]
        ok = [True, True, i in v.values]
        for k in v.fwd:
            fs = v.step("forward", k, i)
            row.append(v.num(fs.tangent) if fs else "")
            raw.append(fs.tangent if fs else None)
            ok.append(i in v.tangents[k])
        for k in v.rev:
            rs = v.step("reverse", k, i)
            row.append(v.num(rs.adjoint) if rs else "")
            raw.append(rs.adjoint if rs else None)
            ok.append(i in v.adjoints[k])
        rows.append(row)
        values.append(raw)
        known.append(ok)
        ids.append(i)
    result_values, result_known, direction = _result(v)
    result = [(name, v.num(x)) for name, x in result_values]
    if direction or not v.rev:  # forward passes only: derivatives, not a gradient
        title = "derivative" if len(result) == 1 else "derivatives"
    else:
        title = "Jacobian" if len(g.outputs) > 1 else "gradient"
    return {"header": header, "rows": rows, "known": known, "ids": ids, "result": result,
            "values": values, "result_values": result_values,
            "result_known": result_known, "directional": direction, "result_title": title}


def _result(v: View) -> tuple[list[tuple[str, Any]], list[bool], bool]:
    """Gradient/Jacobian entries the shown passes computed (name, stored value), outputs
    then inputs in order; a forward pass along a direction (not one input) gives its
    output tangents."""
    t, g = v.trace, v.graph
    assert t is not None
    jac = t.jacobian
    found: dict[tuple[str, str], bool] = {}  # (output, input) -> filled in yet
    out: list[tuple[str, Any]] = []
    known: list[bool] = []
    direction = False
    for k in v.fwd:
        nz = [x for x, s in t.forward[k].seed.items() if s != 0]
        for oname, oid in g.outputs:
            done = oid in v.tangents[k]
            if len(nz) == 1 and nz[0] in jac.get(oname, {}):
                found[(oname, nz[0])] = found.get((oname, nz[0]), False) or done
            else:
                direction = True
                seed = ", ".join(f"{x}={v.num(s)}" for x, s in t.forward[k].seed.items())
                name = f"tangent of {oname}" if v.style == "text" else v.tan(k, oname)
                out.append((f"{name}, seed {seed}", t.directional(k)[oname]))
                known.append(done)
    for k in v.rev:
        oname = t.reverse[k].output
        for iid, xname in zip(g.inputs, g.input_names):
            if xname in jac.get(oname, {}):
                # an input the output does not depend on has no step: its 0 is final
                # once the pass is
                done = iid in v.adjoints[k] or (v.step("reverse", k, iid) is None
                                                and v.pass_complete("reverse"))
                found[(oname, xname)] = found.get((oname, xname), False) or done
    order = list(dict.fromkeys(g.output_names + [r.output for r in t.reverse]))
    for oname in order:
        for xname in g.input_names:
            if (oname, xname) in found:
                out.append((v.d(oname, xname), jac[oname][xname]))
                known.append(found[(oname, xname)])
    return out, known, direction


def table_html(v: View, max_rows: int) -> str:
    """The node table and, to its right, the gradient: one grid so rows stay compact.

    Past ``max_rows`` nodes only the inputs and outputs are listed, with a note.
    """
    d = view_table(v)
    g = v.graph
    head = f'BGCOLOR="{PALETTE["head"]}"'
    left: list[list[str]] = [[f"<TD {head}><B>{esc(h)}</B></TD>" for h in d["header"]]]
    keep = _keep(d["ids"], g, max_rows)
    omitted = len(d["rows"]) - len(keep)
    for r in keep:
        row, ok, raw = d["rows"][r], d["known"][r], d["values"][r]
        cells = [f'<TD ALIGN="LEFT">{esc(row[0])}</TD>', f'<TD ALIGN="LEFT">{esc(row[1])}</TD>']
        cells += [f'<TD ALIGN="RIGHT">{_cell(v, x, value, k)}</TD>'
                  for x, value, k in zip(row[2:], raw, ok[2:])]
        left.append(cells)
    width = len(d["header"])
    if omitted:
        left.append([f'<TD COLSPAN="{width}" ALIGN="LEFT"><I>{omitted} more nodes left out '
                     f'(past {max_rows} rows; raise max_table_rows / --max-table-rows)</I></TD>'])
    return _side_by_side(left, _result_rows(v, d, max_rows), width)


def _result_rows(v: View, d: dict[str, Any], max_rows: int) -> list[list[str]]:
    """The gradient (Jacobian, derivatives) as rows of cells, headed by its title."""
    head = f'BGCOLOR="{PALETTE["head"]}"'
    right: list[list[str]] = []
    if d["result"]:
        right.append([f'<TD COLSPAN="2" {head}><B>{d["result_title"]}</B></TD>'])
        shown = list(zip(d["result"], d["result_values"], d["result_known"]))
        for (name, num), (_, value), k in shown[:max_rows]:
            right.append([f'<TD ALIGN="LEFT">{esc(name)}</TD>',
                          f'<TD ALIGN="RIGHT">{_cell(v, num, value, k)}</TD>'])
        if len(shown) > max_rows:
            right.append([f'<TD COLSPAN="2" ALIGN="LEFT"><I>{len(shown) - max_rows} more '
                          "left out</I></TD>"])
    return right


def _side_by_side(left: list[list[str]], right: list[list[str]], width: int,
                  border: int = 1) -> str:
    """Two blocks of rows in one grid, ``right`` beside ``left`` (``width`` cells wide)."""
    rows = []
    for r in range(max(len(left), len(right))):
        cells = left[r] if r < len(left) else [f'<TD COLSPAN="{width}" BORDER="0"></TD>']
        if right:
            cells = cells + ['<TD BORDER="0" WIDTH="14"></TD>']
            cells += right[r] if r < len(right) else ['<TD COLSPAN="2" BORDER="0"></TD>']
        rows.append("<TR>" + "".join(cells) + "</TR>")
    return table(rows, CELLBORDER=border, CELLPADDING=4 if border else 1,
                 COLOR=PALETTE["grid"])


def steps_table_html(v: View, max_rows: int, columns: int = 1) -> str:
    """The chain-rule steps of the pass the edges carry, one row per node in the pass's
    order: ``w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584``, each term the
    carried quantity first, then the local partial (a long partial by its name,
    ``∂w4/∂w1``); the gradient beside it. A compact picture's table: its edges carry
    no labels. Without an edge pass, the node table (:func:`table_html`); in a primal
    picture, none. Past ``max_rows`` steps only the inputs' and outputs' are listed.
    ``columns``: the steps in that many columns side by side, read down each column.
    """
    t = v.trace
    assert t is not None
    if v.edge_fwd is None and v.edge_rev is None:
        return table_html(v, max_rows) if (v.fwd or v.rev) else ""
    kind = "forward" if v.edge_fwd is not None else "reverse"
    k: int = v.edge_fwd if v.edge_fwd is not None else v.edge_rev  # type: ignore[assignment]
    steps: list[Any] = list(t.forward_steps(k) if kind == "forward" else t.reverse_steps(k))
    done = v.tangents[k] if kind == "forward" else v.adjoints[k]
    keep = _keep([s.node for s in steps], v.graph, max_rows)
    if kind == "forward":
        seed = ", ".join(f"{x}={v.num(s)}" for x, s in t.forward[k].seed.items() if s != 0)
        title = f"forward pass, seed {seed} (inputs to output)"
    else:
        title = f"reverse pass for {t.reverse[k].output} (output to inputs)"
    head = f'BGCOLOR="{PALETTE["head"]}"'
    left: list[list[str]] = []
    for r in keep:
        s = steps[r]
        name = v.tan(k, s.name) if kind == "forward" else v.adj(k, s.name)
        value = s.tangent if kind == "forward" else s.adjoint
        found = [edge_term(v, s.node, x.position, short=True) if kind == "forward"
                 else edge_term(v, x.child, x.position, short=True) for x in s.terms]
        terms = [x for x in found if x is not None]
        known = s.node in done
        symbolic = [x.symbolic for x in terms]
        numeric = [x.numeric or _par(x.value) for x in terms] \
            if len(terms) > 1 or (terms and terms[0].numeric) else []
        gap = "  "  # between the columns
        cells = [f'<TD ALIGN="LEFT">{esc(name)}{gap}</TD>',
                 '<TD ALIGN="LEFT" BALIGN="LEFT">' + ("= " + _sum(symbolic, esc) + gap
                                                      if symbolic else "") + "</TD>",
                 '<TD ALIGN="LEFT" BALIGN="LEFT">' + ("= " + _sum(
                     numeric, lambda x: slot(x, known)) + gap if numeric else "") + "</TD>",
                 f'<TD ALIGN="LEFT">{_equals(v.cell(value, known))}</TD>']
        left.append(cells)
    left, width = _columns(left, columns)
    left.insert(0, [f'<TD COLSPAN="{width}" ALIGN="LEFT" {head}><B>{esc(title)}</B></TD>'])
    if len(keep) < len(steps):
        left.append([f'<TD COLSPAN="{width}" ALIGN="LEFT"><I>{len(steps) - len(keep)} more '
                     f"steps left out (past {max_rows} rows; raise max_table_rows / "
                     "--max-table-rows)</I></TD>"])
    return _side_by_side(left, _result_rows(v, view_table(v), max_rows), width, border=0)


def _columns(rows: list[list[str]], columns: int) -> tuple[list[list[str]], int]:
    """Rows of four cells in ``columns`` blocks side by side (read down each block), a
    gap between the blocks; and how many cells wide that is.

    >>> _columns([["a"] * 4, ["b"] * 4, ["c"] * 4], 2)[1]
    9
    >>> [row[0] for row in _columns([["a"] * 4, ["b"] * 4, ["c"] * 4], 2)[0]]
    ['a', 'b']
    """
    if columns <= 1 or len(rows) < 2:
        return rows, 4
    height = -(-len(rows) // columns)
    blocks = [rows[c * height:(c + 1) * height] for c in range(columns)]
    blank = ['<TD COLSPAN="4"></TD>']
    out = []
    for r in range(height):
        cells: list[str] = []
        for c, block in enumerate(blocks):
            cells += (['<TD WIDTH="24"></TD>'] if c else []) + (
                block[r] if r < len(block) else blank)
        out.append(cells)
    return out, 4 * columns + columns - 1


def _equals(cell: str) -> str:
    """``= `` and a cell's content; before an array's table (no text may precede a
    table in a cell), in a table of its own."""
    if not cell.startswith("<TABLE"):
        return f"= {cell}"
    return table([f"<TR><TD>= </TD><TD>{cell}</TD></TR>"])


WRAP = 34
"""A sum in the table of steps longer than this many characters takes several lines."""


def _sum(terms: list[str], write: Callable[[str], str]) -> str:
    """``a + b + c`` as label text (each term through ``write``); past :data:`WRAP`
    characters, on several lines, a line break after a ``+``.

    >>> _sum(["1·3", "1·(−0.4161)"], str)
    '1·3 + 1·(−0.4161)'
    >>> _sum(["0·(−0.01193)", "(−1.591)·(−0.05346)", "0·(−0.01967)"], str)
    '0·(−0.01193) + (−1.591)·(−0.05346) +<BR ALIGN="LEFT"/>0·(−0.01967)'
    """
    lines: list[list[str]] = [[]]
    for term in terms:
        if lines[-1] and len(" + ".join(lines[-1] + [term])) > WRAP:
            lines.append([])
        lines[-1].append(term)
    return ' +<BR ALIGN="LEFT"/>'.join(" + ".join(map(write, line)) for line in lines)


def _cell(v: View, text: str, value: Any, known: bool) -> str:
    """A table cell: the number's text, or (blank cells aside) an array's own table."""
    return v.cell(value, known) if text and v.tensor else slot(text, known)


def _keep(ids: list[int], g: Any, max_rows: int) -> list[int]:
    """Row numbers to list: all of them, or past ``max_rows`` the inputs and outputs
    (as many inputs as fit beside the outputs)."""
    if len(ids) <= max_rows:
        return list(range(len(ids)))
    outs = {i for _, i in g.outputs}
    ins = [r for r, i in enumerate(ids) if g.nodes[i].kind == "input" and i not in outs]
    last = [r for r, i in enumerate(ids) if i in outs]
    return sorted(ins[: max(0, max_rows - len(last))] + last)
