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
from .lines import fmt, forward_line, primal_line, reverse_line


def render_text(t: Trace, digits: int | None = 4, style: str = "unicode") -> str:
    """The whole trace as text (Unicode symbols by default, ``style="text"`` for ASCII)."""
    g = t.graph
    at = ", ".join(f"{n}={fmt(t.at[n], digits, style)}" for n in g.input_names)
    head = "; ".join(f"{name} = {g.expressions('text')[i] or g.formula(i, t.notation)}"
                     for name, i in g.outputs)
    out = [f"{head} at {at}" if at else head] + [f"note: {n}" for n in t.notes]
    out += ["", "Primal trace (inputs to output)"]
    out += ["  " + primal_line(t, s, digits, style) for s in t.steps if s.kind != "const"]
    for k, f in enumerate(t.forward):
        seed = ", ".join(f"{n}={fmt(v, digits, style)}" for n, v in f.seed.items())
        out += ["", f"Forward trace, seed {seed} (inputs to output)"]
        out += ["  " + forward_line(t, k, s, digits, style) for s in t.forward_steps(k)]
    for k, r in enumerate(t.reverse):
        out += ["", f"Reverse trace for {r.output} (output to inputs)"]
        out += [f"  ({n})" for n in [t.seed_note(k)] if n]
        for s in t.reverse_steps(k):
            line = "  " + reverse_line(t, k, s, digits, style)
            if s.is_input:
                line += f"    ∂{r.output}/∂{g.nodes[s.node].name}"
            out.append(line)
    return "\n".join(out)
