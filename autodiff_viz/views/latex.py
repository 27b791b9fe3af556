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
"""
from __future__ import annotations

import re
from typing import Any

from ..ops import PREC_ATOM, PREC_NEG
from ..printing import latex_name
from ..trace import Trace
from .lines import fmt
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


def _factor(text: str) -> str:
    """Parenthesise a negative number or a sum used as a factor."""
    return f"\\left({text}\\right)" if text.startswith("-") or " " in text else text


def partial_frac(top: str, bottom: str) -> str:
    """``\\frac{\\partial w_{3}}{\\partial w_{1}}``."""
    return f"\\frac{{\\partial {latex_name(top)}}}{{\\partial {latex_name(bottom)}}}"


def _align(rows: list[str]) -> str:
    body = " \\\\\n".join("  " + r for r in rows)
    return "\\begin{align*}\n" + body + "\n\\end{align*}"


def primal_align(t: Trace, digits: int | None = 4) -> str:
    """``w_{3} &= \\sin(w_{1}) = \\sin(2) = 0.9093`` for every input and operation."""
    g, rows = t.graph, []
    for s in t.steps:
        value = number(s.value, digits)
        if s.kind == "input":
            rows.append(f"{latex_name(s.name)} &= {latex_name(g.nodes[s.node].name)} = {value}")
        elif s.kind == "op":
            args = []
            for q in s.parents:
                text = number(t.primal.values[q], digits)
                args.append((text, PREC_NEG if text.startswith("-") else PREC_ATOM))
            rows.append(f"{latex_name(s.name)} &= {g.formula(s.node, t.notation, 'latex')} = "
                        f"{g.formula(s.node, t.notation, 'latex', args=args)} = {value}")
    return _align(rows)


def forward_align(t: Trace, k: int = 0, digits: int | None = 4) -> str:
    """``\\dot{w}_{5} &= \\dot{w}_{3} \\cdot 1 + \\dot{w}_{4} \\cdot 1 = 0 + 2 = 2``."""
    g, rows = t.graph, []
    for s in t.forward_steps(k):
        name, value = accent(s.name, "dot"), number(s.tangent, digits)
        if s.is_input or not s.terms:
            rows.append(f"{name} &= {value}")
            continue
        sym = " + ".join(f"{accent(term.parent_name, 'dot')} \\cdot "
                         f"{_factor(g.partial_formula(s.node, term.position, t.notation, 'latex'))}"
                         for term in s.terms)
        num = " + ".join(_factor(number(term.value, digits)) for term in s.terms)
        rows.append(f"{name} &= {sym} = {num} = {value}")
    return _align(rows)


def reverse_align(t: Trace, k: int = 0, digits: int | None = 4) -> str:
    """``\\bar{w}_{1} &= \\bar{w}_{4} \\cdot w_{2} + … = 1 \\cdot 3 + … = 2.584``;
    the inputs' rows are labelled with the gradient entry they are."""
    g, r, rows = t.graph, t.reverse[k], []
    for s in t.reverse_steps(k):
        name, value = accent(s.name, "bar"), number(s.adjoint, digits)
        label = f" && {partial_frac(r.output, g.nodes[s.node].name)}" if s.is_input else ""
        if not s.terms:
            rows.append(f"{name} &= {value}{label}")
            continue
        sym = " + ".join(
            f"{accent(term.child_name, 'bar')} \\cdot "
            f"{_factor(g.partial_formula(term.child, term.position, t.notation, 'latex'))}"
            for term in s.terms)
        num = " + ".join(f"{_factor(number(term.child_adjoint, digits))} \\cdot "
                         f"{_factor(number(term.partial, digits))}" for term in s.terms)
        rows.append(f"{name} &= {sym} = {num} = {value}{label}")
    return _align(rows)


def summary_tabular(t: Trace, digits: int | None = 4) -> str:
    """A booktabs table: per node its definition, value, local partials, tangents, adjoints."""
    g = t.graph
    letter = t.letter
    heads = ["node", "definition", "value"] + (["local partials"] if t.linear is not None else [])
    heads += [f"${accent(letter, 'dot')}$ (seed ${_seed(t, k, digits)}$)"
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
        partials = ";\\ ".join(_partial(t, s.node, p.position, p.parent_name, p.value, digits)
                                 for p in s.partials)
        cells = [f"${latex_name(s.name)}$", f"${definition}$", f"${number(s.value, digits)}$"]
        if t.linear is not None:
            cells.append(f"${partials}$" if partials else "")
        cells += [f"${number(d[s.node], digits)}$" if s.node in d else "" for d in tangents]
        cells += [f"${number(d[s.node], digits)}$" if s.node in d else "" for d in adjoints]
        lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines)


def _partial(t: Trace, node: int, position: int, parent: str, value: Any,
             digits: int | None) -> str:
    formula = t.graph.partial_formula(node, position, t.notation, "latex")
    shown = number(value, digits)
    if formula != shown:
        shown = f"{formula} = {shown}"
    return f"{partial_frac(t.steps[node].name, parent)} = {shown}"


def _seed(t: Trace, k: int, digits: int | None) -> str:
    return ",\\ ".join(f"{latex_name(n)} = {number(v, digits)}"
                       for n, v in t.forward[k].seed.items())


def derivatives_align(t: Trace, digits: int | None = 4) -> str | None:
    """Every gradient or Jacobian entry: ``\\frac{\\partial z}{\\partial x_{1}} &= 2.584``."""
    rows = [f"{partial_frac(out, n)} &= {number(v, digits)}"
            for out, row in t.jacobian.items() for n, v in row.items()]
    return _align(rows) if rows else None


def render_latex(t: Trace, digits: int | None = 4) -> str:
    """Everything: comments for the title, structure, flags and cost; align* and a table."""
    out = [f"% {title(t, digits, 'text')}",
           "% autodiff-viz: needs \\usepackage{amsmath} and \\usepackage{booktabs}"]
    out += note_lines(t, "% note: ")
    out += ["% Graph (who feeds whom):"]
    out += ["%   " + line for line in structure_lines(t.graph, t.notation, "text")]
    out += ["", "% Primal trace (inputs to output)", primal_align(t, digits)]
    for k in range(len(t.forward)):
        seed = ", ".join(f"{n}={number(v, digits)}" for n, v in t.forward[k].seed.items())
        out += ["", f"% Forward trace, seed {seed} (inputs to output)",
                forward_align(t, k, digits)]
    for k, r in enumerate(t.reverse):
        out += ["", f"% Reverse trace for {r.output} (output to inputs)",
                reverse_align(t, k, digits)]
    if t.linear is not None:  # with mode primal the primal trace says it all
        out += ["", "% Summary", summary_tabular(t, digits)]
    deriv = derivatives_align(t, digits)
    if deriv:
        out += ["", "% Gradient" if len(t.jacobian) == 1 else "% Jacobian", deriv]
    out += [""] + [f"% directional derivative {d}" for d in directional_lines(t, digits, "text")]
    out += [f"% flag: {n}" for n in flag_notes(t)]
    out += [f"% cost: {c}" for c in cost_lines(t)]
    return "\n".join(out)
