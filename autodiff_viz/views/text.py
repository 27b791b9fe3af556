"""Plain-text trace view: the primal, forward and reverse traces, one line per step.

>>> import autodiff_viz as av
>>> print(render_text(av.trace("x*y", at={"x": 2, "y": 5}, mode="reverse")))
z = x*y at x=2, y=5
<BLANKLINE>
Primal trace (inputs to output)
  w1 = x = 2
  w2 = y = 5
  w3 = w1·w2 = 2·5 = 10
<BLANKLINE>
Reverse trace for z (output to inputs)
  w̄3 = 1
  w̄2 = w̄3·w1 = 1·2 = 2    ∂z/∂y
  w̄1 = w̄3·w2 = 1·5 = 5    ∂z/∂x
"""
from __future__ import annotations

from ..trace import Trace
from .arrays import MAX_MATRIX
from .columns import hjoin, indent
from .lines import _ascii, forward_line, join, node_name, primal_parts, reverse_line, seed_text
from .summary import title


def render_text(t: Trace, digits: int | None = 4, style: str = "unicode", *,
                max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """The whole trace as text (Unicode symbols by default, ``style="text"`` for ASCII).

    In a graph of vectors and matrices each node's shape follows its name
    (``w6 : 4×2``) and a step with matrices takes several lines, the matrices
    aligned and the step on their middle line; arrays larger than ``max_matrix``
    are summarised (shape, min, max, first entries).
    """
    g = t.graph
    mm = {"max_matrix": max_matrix}
    out = [title(t, digits, style)] + [f"note: {n}" for n in t.notes]
    out += ["", "Primal trace (inputs to output)"]
    out += [indent(join(primal_parts(t, s, digits, style, **mm)._replace(
        name=node_name(t, s.node, style=style))), "  ") for s in t.steps if s.kind != "const"]
    for k in range(len(t.forward)):
        out += ["", f"Forward trace, seed {seed_text(t, k, digits, style)} (inputs to output)"]
        out += [indent(forward_line(t, k, s, digits, style, **mm), "  ")
                for s in t.forward_steps(k)]
    for k, r in enumerate(t.reverse):
        out += ["", f"Reverse trace for {r.output} (output to inputs)"]
        out += [f"  ({_ascii(n, style)})" for n in [t.seed_note(k)] if n]
        for s in t.reverse_steps(k):
            line = reverse_line(t, k, s, digits, style, **mm)
            if s.is_input:
                line = hjoin([line, f"    ∂{r.output}/∂{g.nodes[s.node].name}"])
            out.append(indent(line, "  "))
    return "\n".join(out)
