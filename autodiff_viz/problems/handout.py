"""A student's handout: the problem and empty trace tables in the key's notation (and, filled
in, the solution sheet's tables: :mod:`.solution`).

The tables are Markdown table rows (``| w3 | sin(w1) | 0.9093 |``), which the
checker reads, so a student fills in the handout's Markdown file and hands it
in as it is; the line ``Student: <id>`` matches it to their key. Input rows, the
forward seeds and the output's adjoint seed are given; every other cell is
blank. Every number comes from the trace records (never recomputed here).

>>> from autodiff_viz.problems import generate
>>> p = generate({"expression": "sin(x1) + x1*x2", "point": {"range": [1, 3]},
...               "ask": [{"kind": "reverse"}]}, ["1001"], seed=1)[0]
>>> from autodiff_viz.problems.document import markdown
>>> print(markdown(sheet(p)).split("## Reverse trace")[1].strip())
| adjoint | formula | value |
|---|---|---|
| dz/dw5 |  | 1 |
| dz/dw4 |  |  |
| dz/dw3 |  |  |
| dz/dw2 |  |  |
| dz/dw1 |  |  |
"""
from __future__ import annotations

from typing import Any

from ..views.lines import (LineParts, forward_parts, gradient_name, node_name, primal_parts,
                           reverse_parts, seed_text, value_text)
from .document import Block, Heading, Para, Table
from .formula import derivative_formula
from .generate import Problem

HEADERS = {"trace": ("node", "formula", "value"), "forward": ("tangent", "formula", "value"),
           "reverse": ("adjoint", "formula", "value")}


def _row(parts: LineParts, filled: bool, given: bool) -> tuple[str, str, str]:
    if filled or given:
        return parts.name, parts.symbolic, parts.value
    return parts.name, "", ""


def traces(problem: Problem) -> tuple[Any, Any, dict[int, Any]]:
    """The key, its reverse trace at the point, and a forward trace per forward ask."""
    from ..api import trace

    key = problem.key()
    at = problem.at
    rev = trace(key.graph, at, mode="reverse", notation=key.notation)
    fwd = {i: trace(key.graph, at, mode="forward", seed=a.seed_dict, notation=key.notation)
           for i, a in enumerate(key.asks) if a.kind in ("forward", "tangent")}
    return key, rev, fwd


def sheet(problem: Problem, filled: bool = False) -> list[Block]:
    """The handout's blocks (``filled``: with every cell, as the solution has them)."""
    key, t, fwd = traces(problem)
    digits = problem.template.digits
    s = problem.student
    title = problem.template.title or "Automatic differentiation"
    doc: list[Block] = [Heading(1, title + (" — solution" if filled else "")),
                        Para(f"Student: {s.id}")]
    if s.name:
        doc.append(Para(f"Name: {s.name}"))
    doc.append(Para(key.describe()))
    if not filled:
        doc.append(Para(
            f"Fill in the tables: one row per node, numbered as given ({', '.join(t.names[:2])}, "
            "... from the inputs); write each formula in the table's names and each value "
            f"rounded to {digits} significant digits. Hand in this Markdown file with the "
            f"tables filled in, keeping the line 'Student: {s.id}'."))
    out = key.graph.output_names[0]
    for i, a in enumerate(key.asks):
        if a.kind == "trace":
            doc += [Heading(2, "Primal trace"), Table(HEADERS["trace"], [
                _row(primal_parts(t, st, digits, "text")._replace(
                    name=node_name(t, st.node, style="text")), filled, st.kind == "input")
                for st in t.steps if st.kind != "const"])]
        elif a.kind == "forward":
            f = fwd[i]
            doc += [Heading(2, f"Forward trace, seed {seed_text(f, 0, digits, 'text')}"),
                    Table(HEADERS["forward"], [
                        _row(forward_parts(f, 0, st, digits, "text"), filled, st.is_input)
                        for st in f.forward_steps(0)])]
        elif a.kind == "reverse":
            doc += [Heading(2, "Reverse trace"), Table(HEADERS["reverse"], [
                _row(reverse_parts(t, 0, st, digits, "text"), filled, not st.terms)
                for st in t.reverse_steps(0)])]
        elif a.kind == "gradient":
            names = a.wrt_inputs or tuple(key.graph.input_names)
            doc += [Heading(2, "Gradient"), Table(("derivative", "value"), [
                (gradient_name(out, n, "text"),
                 value_text(t, t.gradient[n], digits, "text") if filled else "")
                for n in names])]
        elif a.kind == "formula":
            wrt = a.wrt or key.graph.input_names[0]
            doc += [Heading(2, f"Derivative formula in the inputs (d{out}/d{wrt})"),
                    Table(("derivative", "formula"), [
                        (gradient_name(out, wrt, "text"),
                         derivative_formula(key.graph, wrt) if filled else "")])]
        elif a.kind == "value":
            doc += [Heading(2, "Value"), Table(("quantity", "value"), [
                (out, value_text(t, t.value, digits, "text") if filled else "")])]
    return doc
