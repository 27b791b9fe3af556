"""The gradient (one output) or Jacobian (several) with the passes each mode needs and their cost.

Forward mode needs one pass per input, reverse mode one pass per output; the
work done is read from ``Trace.cost`` for the passes that were run.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
>>> print(render_grad_text(t))
z = sin(x1) + x1*x2 at x1=2, x2=3
value: z = 6.909
<BLANKLINE>
Gradient of z
  ∂z/∂x1 = 2.584
  ∂z/∂x2 = 2
<BLANKLINE>
Passes and cost
  mode      passes needed        passes run   multiply-adds   stored
  forward   2 (one per input)    2            10              10 tangents
  reverse   1 (one per output)   1            5               5 adjoints
  (primal   1                    1            3 operations    5 values)
reverse mode needs fewer passes here: 1 output, 2 inputs.
"""
from __future__ import annotations

from typing import Any

from ..trace import Trace
from .arrays import MAX_MATRIX
from .columns import hjoin, indent
from .formats import full, md_table, strict_json
from .lines import gradient_name, value_text
from .summary import derivatives_title, jacobian_rows, note_lines, plural, title


def passes_rows(t: Trace) -> list[list[str]]:
    """Per mode: passes needed, passes run, multiply-adds, values stored (blank if not run)."""
    c = t.cost
    n_in, n_out = len(t.graph.inputs), len(t.graph.outputs)
    f, r, p = c["forward"], c["reverse"], c["primal"]
    rows = [["forward", f"{n_in} (one per input)", str(f["passes"]),
             str(f["multiply_adds"]) if f["passes"] else "",
             plural(f["stored_tangents"], "tangent") if f["passes"] else ""],
            ["reverse", f"{n_out} (one per output)", str(r["passes"]),
             str(r["multiply_adds"]) if r["passes"] else "",
             plural(r["stored_adjoints"], "adjoint") if r["passes"] else ""],
            ["primal", "1", "1", plural(p["operations"], "operation"),
             plural(p["stored_values"], "value")]]
    return rows


PASS_HEADERS = ["mode", "passes needed", "passes run", "multiply-adds", "stored"]


def verdict(t: Trace) -> str:
    """Which mode needs fewer passes for this graph (a count of inputs and outputs)."""
    n_in, n_out = len(t.graph.inputs), len(t.graph.outputs)
    counts = f"{plural(n_out, 'output')}, {plural(n_in, 'input')}"
    if not n_in:
        return "nothing to differentiate: the expression has no inputs."
    if n_out < n_in:
        return f"reverse mode needs fewer passes here: {counts}."
    if n_in < n_out:
        return f"forward mode needs fewer passes here: {counts}."
    return f"both modes need the same number of passes here: {counts}."


def _values(t: Trace, digits: int | None, style: str,
            max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    return ", ".join(f"{o} = {value_text(t, v, digits, style, max_matrix, inline=True)}"
                     for o, v in t.values.items())


def _derivative_lines(t: Trace, digits: int | None, style: str,
                      max_matrix: tuple[int, int] = MAX_MATRIX) -> list[str]:
    jac = t.jacobian
    if not t.graph.inputs:
        return ["No inputs: nothing to differentiate."]
    if len(jac) == 1:  # matrices as aligned blocks, the name on their middle line
        (out, row), = jac.items()
        return [derivatives_title(t)] + [
            line for n, v in row.items() for line in indent(hjoin([
                f"{gradient_name(out, n, style)} = ",
                value_text(t, v, digits, style, max_matrix)]), "  ").split("\n")]
    headers, rows = jacobian_rows(t, digits, style, max_matrix=max_matrix, inline=True)
    return [derivatives_title(t)] + _columns([headers] + rows)


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return ["  " + "   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def render_grad_text(t: Trace, digits: int | None = 4, style: str = "unicode", *,
                     max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """Plain text: value, gradient or Jacobian, and a table of passes and cost."""
    out = [title(t, digits, style, max_matrix)] + note_lines(t) + [
        f"value: {_values(t, digits, style, max_matrix)}", ""]
    out += _derivative_lines(t, digits, style, max_matrix)
    out += ["", "Passes and cost"]
    rows = passes_rows(t)
    rows[-1] = ["(" + rows[-1][0]] + rows[-1][1:-1] + [rows[-1][-1] + ")"]
    out += _columns([PASS_HEADERS] + rows)
    out.append(verdict(t))
    return "\n".join(out)


def render_grad_json(t: Trace) -> str:
    """Schema ``autodiff_viz.grad`` v1: the trace's inputs, outputs, Jacobian and cost,
    and the passes each mode needs."""
    d = t.to_dict()
    data: dict[str, Any] = {
        "schema": "autodiff_viz.grad", "version": 1, "source": d["source"],
        "inputs": d["inputs"], "outputs": d["outputs"], "jacobian": d["jacobian"],
        "passes_needed": {"forward": len(t.graph.inputs), "reverse": len(t.graph.outputs)},
        "cost": d["cost"]}
    return strict_json(data, indent=2)


def render_grad_csv(t: Trace) -> str:
    """``output,input,derivative`` rows at full precision."""
    lines = ["output,input,derivative"]
    for out, row in t.jacobian.items():
        lines += [f"{_csv(out)},{_csv(n)},{_csv(full(v))}" for n, v in row.items()]
    return "\n".join(lines)


def _csv(text: str) -> str:
    return f'"{text}"' if any(c in text for c in ',"\n ') else text


def render_grad_markdown(t: Trace, digits: int | None = 4, *,
                         max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """A title, the derivatives table and the passes table."""
    headers, rows = jacobian_rows(t, digits, "text", max_matrix=max_matrix, inline=True)
    out = [f"# {title(t, digits, 'text', max_matrix)}", ""] + [f"> {n}" for n in note_lines(t)]
    out += [""] * bool(t.notes) + [f"Value: {_values(t, digits, 'text', max_matrix)}", "",
           f"## {derivatives_title(t, short=True)}", ""] + md_table(headers, rows)
    out += ["", "## Passes and cost", ""] + md_table(PASS_HEADERS, passes_rows(t))
    out += ["", verdict(t)]
    return "\n".join(out)


def render_grad_latex(t: Trace, digits: int | None = 4, *,
                      max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """``grad --format latex``: see :func:`~autodiff_viz.views.latex_doc.grad_fragment`."""
    from .latex_doc import grad_fragment
    return grad_fragment(t, digits, max_matrix=max_matrix)