"""The terminal view of a trace: tables readable with or without colour, and when piped.

Sections: the graph's structure (who feeds whom), the primal trace, each
forward and reverse trace with every chain-rule term, a summary table per
node, the gradient or Jacobian, flags and cost. Numbers come from the trace.

>>> import autodiff_viz as av
>>> t = av.trace("x*y", at={"x": 2, "y": 5}, mode="reverse")
>>> print(render_table(t, width=70))
z = x*y at x=2, y=5
<BLANKLINE>
Graph (who feeds whom)
  z = w3 = w1·w2
  ├── w1 = x
  └── w2 = y
<BLANKLINE>
Primal trace (inputs to output)
  node   definition   in the inputs   with values   value
  ───────────────────────────────────────────────────────
  w1     x                                          2
  w2     y                                          5
  w3     w1·w2        x·y             2·5           10
<BLANKLINE>
Reverse trace for z (output to inputs)
  adjoint   sum over children   terms   value   gradient
  ──────────────────────────────────────────────────────
  w̄3        seed                        1
  w̄2        w̄3·w1               1·2     2       ∂z/∂y
  w̄1        w̄3·w2               1·5     5       ∂z/∂x
<BLANKLINE>
Summary
  node   definition   value   local partials     w̄, output z
  ──────────────────────────────────────────────────────────
  w1     x            2                          5
  w2     y            5                          2
  w3     w1·w2        10      ∂w3/∂w1 = w2 = 5   1
                              ∂w3/∂w2 = w1 = 2
<BLANKLINE>
Gradient of z
  ∂z/∂x = 5
  ∂z/∂y = 2
<BLANKLINE>
Cost
  primal: 1 pass, 1 operation, 3 values stored
  reverse: 1 pass, 2 multiply-adds, 3 adjoints stored
"""
from __future__ import annotations

from typing import Any

from ..trace import Trace
from .arrays import MAX_MATRIX
from .columns import BOLD, RESET, STYLES, columns, hjoin, indent
from .lines import (_ascii, forward_parts, gradient_name, node_name, once, primal_parts,
                    reverse_parts, seed_text)
from .structure import structure_lines
from .summary import (cost_lines, derivatives_title, directional_lines, flag_notes, jacobian_rows,
                      note_lines, summary_rows, title)


def render_table(t: Trace, digits: int | None = 4, style: str = "unicode", width: int = 100,
                 color: bool = False, *, max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """The whole trace as terminal text; ``style="text"`` is plain ASCII throughout.

    Tables wrap their widest cells to fit ``width``; ``color`` adds ANSI
    colours (bold titles, green gradient rows, yellow flags). In a graph of
    vectors and matrices each node's shape follows its name (``w6 : 4×2``) and
    matrices up to ``max_matrix`` are printed in full, one row per line with
    their columns aligned (never wrapped); larger ones are summarised.
    """
    out: list[str] = []
    mm = {"max_matrix": max_matrix}
    bold = (lambda text: f"{BOLD}{text}{RESET}") if color else (lambda text: text)

    def heading(text: str) -> None:
        out.extend(["", bold(text)])

    def lines(items: list[str], style_: str = "") -> None:
        code = STYLES.get(style_, "") if color else ""
        for item in items:  # an item of several lines (a matrix) is indented as a whole
            out.extend(f"{code}{line}{RESET}" if code else line
                       for line in indent(item, "  ").split("\n"))

    def table(headers: list[str], rows: list[list[str]], highlight: str | None = None) -> None:
        styles = [highlight if highlight and row[-1] else None for row in rows]
        out.extend(columns(headers, rows, width, style, color, row_styles=styles))

    out.append(bold(title(t, digits, style, max_matrix)))
    out.extend(note_lines(t))
    heading("Graph (who feeds whom)")
    lines(structure_lines(t.graph, t.notation, style))

    heading("Primal trace (inputs to output)")
    outputs = {i: name for name, i in t.graph.outputs}
    exprs = t.graph.expressions("unicode" if style == "unicode" else "text")
    rows = []
    for s in t.steps:
        if s.kind == "const":
            continue
        p = once(primal_parts(t, s, digits, style, **mm))  # a constant's 2·3 written once
        expr = exprs[s.node] if s.kind == "op" else ""
        rows.append([node_name(t, s.node, style=style), p.symbolic, expr or "", p.numeric,
                     p.value])
    table(["node", "definition", "in the inputs", "with values", "value"], rows)

    for k in range(len(t.forward)):
        heading(f"Forward trace, seed {seed_text(t, k, digits, style)} (inputs to output)")
        rows = []
        for fs in t.forward_steps(k):
            p = once(forward_parts(t, k, fs, digits, style, **mm))
            rows.append([p.name, p.symbolic or ("seed" if fs.is_input else ""), p.numeric,
                         p.value, outputs.get(fs.node, "")])
        table(["tangent", "chain rule", "terms", "value", "output"], rows)

    for k, r in enumerate(t.reverse):
        heading(f"Reverse trace for {r.output} (output to inputs)")
        lines([_ascii(n, style) for n in [t.seed_note(k)] if n])
        rows = []
        for rs in t.reverse_steps(k):
            p = once(reverse_parts(t, k, rs, digits, style, **mm))
            grad = gradient_name(r.output, t.graph.nodes[rs.node].name, style) \
                if rs.is_input else ""
            rows.append([p.name, p.symbolic or "seed", p.numeric, p.value, grad])
        table(["adjoint", "sum over children", "terms", "value", "gradient"], rows,
              highlight="green")

    if t.linear is not None:  # with --mode primal the primal trace says it all
        heading("Summary")
        headers, rows = summary_rows(t, digits, style, **mm)
        table(headers, rows, highlight="yellow" if headers[-1] == "flags" else None)
    _derivatives(t, digits, style, heading, lines, table, max_matrix)
    notes = flag_notes(t)
    if notes:
        heading("Flags")
        lines(notes, "yellow")
    heading("Cost")
    lines(cost_lines(t))
    return "\n".join(out)


def _derivatives(t: Trace, digits: int | None, style: str, heading: Any, lines: Any,
                 table: Any, max_matrix: tuple[int, int] = MAX_MATRIX) -> None:
    """The gradient as a list (one output) or the Jacobian as a table (several), and
    derivatives along seeded directions."""
    directional = directional_lines(t, digits, style, max_matrix=max_matrix)
    if directional:
        heading("Directional derivatives (forward passes along a seed)")
        lines(directional, "bold green")
    headers, rows = jacobian_rows(t, digits, style, max_matrix=max_matrix)
    if not rows or not t.graph.inputs:  # no inputs: nothing to differentiate
        return
    if len(rows) == 1:
        out = rows[0][0]
        heading(derivatives_title(t))
        names = [n for n in t.graph.input_names if n in t.jacobian[out]]
        lines([hjoin([f"{gradient_name(out, n, style)} = ", v])
               for n, v in zip(names, rows[0][1:])], "bold green")
        return
    heading(derivatives_title(t))
    table(headers, rows)
