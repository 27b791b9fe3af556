"""Step through a trace one node (primal) or one chain-rule term (forward, reverse) at a time.

A frame shows the node being computed, the values it uses (parent values,
parent tangents or child adjoints with the local partial), the term just
added, and the table of stored values as it grows. Every number is read from
the trace; a sum is shown only when the record holds it (after its last term).
:mod:`.step_tty` runs the keys in a terminal; :func:`print_all` prints every step.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x1")
>>> passes = build_passes(t)
>>> [(p.kind, len(p.steps)) for p in passes]
[('primal', 5), ('forward', 7), ('reverse', 6)]
>>> print("\\n".join(detail_lines(t, passes[2], 5)))
  node       w̄1 = w̄4·w2 + w̄3·cos(w1)   (sum over its children w4, w3)
  uses       w̄3 = 1 (adjoint of the child w3), ∂w3/∂w1 = cos(w1) = −0.4161
  adds term  w̄3·cos(w1) = 1·(−0.4161) = −0.4161
  result     w̄1 = 1·3 + 1·(−0.4161) = 2.584   = ∂z/∂x1 (gradient)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..trace import Trace
from .arrays import MAX_MATRIX
from .columns import columns, hjoin, join_with
from .lines import (LineParts, _p, _restyle, adjoint_name, forward_parts, forward_term_parts,
                    gradient_name, join, node_name, once, partial_name, primal_parts,
                    reverse_term_parts, seed_text, tangent_name, value_text)
from .summary import note_lines, title

RESET, BOLD, GREEN = "\x1b[0m", "\x1b[1m", "\x1b[1;32m"


@dataclass(frozen=True)
class Step:
    """One step: a node, and for forward/reverse passes which of its terms is added."""

    node: int
    term: int | None  # index into the node's chain-rule terms; None: the node has none
    last: bool  # the node is complete after this step


@dataclass(frozen=True)
class Pass:
    """The steps of one pass, in the order the pass computes them."""

    kind: str  # "primal", "forward" or "reverse"
    run: int  # which forward or reverse pass of the trace
    steps: tuple[Step, ...]
    order: tuple[int, ...]  # nodes in the order the pass finishes them
    records: dict[int, Any] = field(default_factory=dict)  # node -> Forward/ReverseStep

    def record(self, node: int) -> Any:
        """The trace's ForwardStep or ReverseStep of ``node`` in this pass."""
        return self.records[node]

    def terms(self, node: int) -> tuple[Any, ...]:
        """The chain-rule terms of ``node`` in this pass (none in the primal pass)."""
        return self.records[node].terms if node in self.records else ()

    def position(self) -> dict[int, int]:
        """Node -> index of the step that completes it."""
        return {s.node: i for i, s in enumerate(self.steps) if s.last}


def build_passes(t: Trace) -> list[Pass]:
    """Primal, then every forward pass, then every reverse pass of ``t``."""
    prim = tuple(Step(s.node, None, True) for s in t.steps if s.kind != "const") \
        or tuple(Step(s.node, None, True) for s in t.steps)  # a constant program: its value
    passes = [Pass("primal", 0, prim, tuple(s.node for s in prim))]
    for k in range(len(t.forward)):
        steps: list[Step] = []
        fsteps = t.forward_steps(k)
        for fs in fsteps:
            n = len(fs.terms)
            steps += [Step(fs.node, j, j == n - 1) for j in range(n)] if n and not fs.is_input \
                else [Step(fs.node, None, True)]
        passes.append(Pass("forward", k, tuple(steps), tuple(fs.node for fs in fsteps),
                           {fs.node: fs for fs in fsteps}))
    for k in range(len(t.reverse)):
        steps = []
        rsteps = t.reverse_steps(k)
        for rs in rsteps:
            n = len(rs.terms)
            steps += [Step(rs.node, j, j == n - 1) for j in range(n)] if n \
                else [Step(rs.node, None, True)]
        passes.append(Pass("reverse", k, tuple(steps), tuple(rs.node for rs in rsteps),
                           {rs.node: rs for rs in rsteps}))
    return passes


def pass_title(t: Trace, p: Pass, digits: int | None = 4, style: str = "unicode") -> str:
    """``Primal pass``, ``Forward pass, seed x1=1``, ``Reverse pass for z``."""
    if p.kind == "primal":
        return "Primal pass (inputs to output)"
    if p.kind == "forward":
        return f"Forward pass, seed {seed_text(t, p.run, digits, style)} (inputs to output)"
    note = t.seed_note(p.run)  # a non-scalar output: its seed is all ones
    return (f"Reverse pass for {t.reverse[p.run].output} (output to inputs)"
            + (f"; {t.reverse[p.run].output} is not a number, its seed is all ones"
               if note else ""))


def step_header(t: Trace, p: Pass, i: int, style: str = "unicode",
                digits: int | None = 4) -> str:
    """``Reverse pass for z (output to inputs): step 6 of 6, w̄1, term 2 of 2``."""
    s = p.steps[i]
    name = t.steps[s.node].name
    if p.kind == "forward":
        name = tangent_name(t, p.run, name, style)
    elif p.kind == "reverse":
        name = adjoint_name(t, p.run, name, style)
    head = f"{pass_title(t, p, digits, style)}: step {i + 1} of {len(p.steps)}, {name}"
    if s.term is not None:
        n = len(p.terms(s.node))
        if n > 1:
            head += f", term {s.term + 1} of {n}"
    return head


def detail_lines(t: Trace, p: Pass, i: int, digits: int | None = 4, style: str = "unicode",
                 color: bool = False, *,
                 max_matrix: tuple[int, int] = MAX_MATRIX) -> list[str]:
    """What step ``i`` of pass ``p`` computes, uses and adds (matrices as aligned blocks,
    the text beside them on their middle line)."""
    s = p.steps[i]
    g, step = t.graph, t.steps[s.node]
    mm = {"max_matrix": max_matrix}

    def hl(text: str) -> str:
        return "\n".join(f"{GREEN}{line}{RESET}" for line in text.split("\n")) if color \
            else text

    def val(v: Any) -> str:
        return value_text(t, v, digits, style, max_matrix)

    out: list[str] = []

    def row(label: str, text: str) -> None:
        out.extend(hjoin([f"  {label:<10} ", text]).split("\n"))

    if p.kind == "primal":
        parts = primal_parts(t, step, digits, style, **mm)
        if step.kind == "input":
            row("node", f"{node_name(t, s.node, style=style)} = {parts.symbolic}  (input)")
            row("stores", hl(hjoin([f"{parts.name} = ", parts.value])))
            return out
        row("node", f"{node_name(t, s.node, style=style)} = {parts.symbolic}")
        row("uses", join_with(", ", [hjoin([f"{t.steps[q].name} = ", val(t.steps[q].value)])
                                     for q in dict.fromkeys(step.parents)
                                     if g.nodes[q].kind != "const"]) or "constants only")
        row("stores", hl(join(parts._replace(symbolic=""))))
        return out

    if p.kind == "forward":
        fs = p.record(s.node)
        parts = forward_parts(t, p.run, fs, digits, style, **mm)
        if fs.is_input:
            row("node", f"{parts.name}  (input {g.nodes[s.node].name})")
            row("seed", hl(hjoin([f"{parts.name} = ", parts.value])))
            return out
        if s.term is None:
            row("node", f"{parts.name}  ({step.name} = {step.formula} uses no input)")
            row("stores", hl(hjoin([f"{parts.name} = ", parts.value])))
            return out
        term = fs.terms[s.term]
        partial = step.partial(term.position)
        row("node", f"{parts.name} = {parts.symbolic}")
        row("uses", hjoin([f"{tangent_name(t, p.run, term.parent_name, style)} = ",
                           val(term.parent_tangent), f" (tangent of {term.parent_name}), "
                           f"{partial_name(step.name, term.parent_name, style)} = ",
                           _shown(t, partial.formula, term.partial, digits, style, max_matrix)]))
        row("adds term", hl(_term_text(forward_term_parts(t, p.run, fs, term, digits, style,
                                                          **mm))))

        def fpart(j: int) -> str:
            _, num, value_ = forward_term_parts(t, p.run, fs, fs.terms[j], digits, style, **mm)
            return num or _p(t, value_)

        _so_far(row, parts.name, s.term + 1, fpart, s.last, parts.value,
                _forward_note(t, p.run, s.node, style))
        return out

    r = t.reverse[p.run]
    rs = p.record(s.node)
    name = adjoint_name(t, p.run, rs.name, style)
    value = val(rs.adjoint)
    grad = f"   = {gradient_name(r.output, g.nodes[s.node].name, style)} (gradient)" \
        if rs.is_input else ""
    if s.term is None:
        row("node", f"{name}  (output {r.output})")
        row("seed", hjoin([hl(hjoin([f"{name} = ", value])), grad]))
        return out
    term = rs.terms[s.term]

    def part(j: int, which: int) -> str:
        return reverse_term_parts(t, p.run, rs, rs.terms[j], digits, style, **mm)[which]

    symbolic = _sum(len(rs.terms), lambda j: part(j, 0))
    if len(rs.terms) > 6:
        symbolic += f"   ({len(rs.terms)} terms)"
    children = list(dict.fromkeys(x.child_name for x in rs.terms))
    shown = ", ".join(children) if len(children) <= 6 else \
        ", ".join(children[:3]) + f", … ({len(children)} children)"
    row("node", f"{name} = {symbolic}   (sum over its children {shown})"
        if len(rs.terms) > 1 else f"{name} = {symbolic}   (its child {shown})")
    child_partial = t.steps[term.child].partial(term.position)
    row("uses", hjoin([f"{adjoint_name(t, p.run, term.child_name, style)} = ",
                       val(term.child_adjoint), f" (adjoint of the child {term.child_name}), "
                       f"{partial_name(term.child_name, step.name, style)} = ",
                       _shown(t, child_partial.formula, term.partial, digits, style,
                              max_matrix)]))
    row("adds term", hl(_term_text(reverse_term_parts(t, p.run, rs, term, digits, style, **mm))))
    _so_far(row, name, s.term + 1, lambda j: part(j, 1) or _p(t, part(j, 2)), s.last, value,
            grad)
    return out


def _term_text(parts: tuple[str, str, str]) -> str:
    """``ẇ1·cos(w1) = 1·(−0.4161) = −0.4161``: a term, its two factors and its value,
    nothing written twice in a row (:func:`~.lines.once`)."""
    sym, num, value = parts
    return join_with(" = ", [x for x in once(LineParts("", sym, num, value))[1:] if x])


def _forward_note(t: Trace, k: int, node: int, style: str) -> str:
    """``   = ∂z/∂x2`` after an output's tangent when pass ``k`` seeds one input (the
    derivative with respect to it), ``   = ż along the seed (directional derivative)``
    when it seeds a direction; nothing for other nodes."""
    outputs = [o for o, i in t.graph.outputs if i == node]
    if not outputs:
        return ""
    seeded = [n for n, v in t.forward[k].seed.items() if np.any(np.asarray(v) != 0)]
    if len(seeded) == 1 and np.ndim(t.at[seeded[0]]) == 0 \
            and np.all(np.asarray(t.forward[k].seed[seeded[0]]) == 1):
        return "   = " + ", ".join(gradient_name(o, seeded[0], style) for o in outputs) \
            + f" (derivative with respect to {seeded[0]})"
    return f"   (directional derivative of {', '.join(outputs)} along the seed)"


def _shown(t: Trace, formula: str, value: Any, digits: int | None, style: str,
           max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    formula = _restyle(formula, "unicode" if style == "unicode" else "text")
    number = value_text(t, value, digits, style, max_matrix)
    return number if formula == number else formula if not number else \
        hjoin([formula, " = ", number])


def _sum(n: int, term: Callable[[int], str], most: int = 6) -> str:
    """``a + b + c``; past ``most`` terms the middle ones are left out (a node may
    have thousands of children: each frame stays short and quick to draw).

    >>> _sum(3, str), _sum(9, str)
    ('0 + 1 + 2', '0 + 1 + … + 7 + 8')
    """
    if n <= most:
        return join_with(" + ", [term(j) for j in range(n)])
    return join_with(" + ", [term(0), term(1), "…", term(n - 2), term(n - 1)])


def _so_far(row: Any, name: str, n: int, term: Callable[[int], str], last: bool, value: str,
            note: str) -> None:
    """The ``n`` terms added so far; the sum only once the record holds it (last term)."""
    count = f"   ({n} terms)" if n > 6 else ""
    if last:
        row("result", hjoin([f"{name} = ", _sum(n, term), " = ", value, f"{note}{count}"])
            if n > 1 else hjoin([f"{name} = ", value, note]))
    else:
        first = f"the first {n} terms; " if n > 6 else ""
        row("so far", hjoin([f"{name} = ", _sum(n, term),
                             f" + …   ({first}more terms to come)"]))


def table_lines(t: Trace, p: Pass, i: int, digits: int | None = 4, style: str = "unicode",
                color: bool = False, max_rows: int | None = None,
                marks: bool = True, width: int = 100, *,
                max_matrix: tuple[int, int] = MAX_MATRIX) -> list[str]:
    """The stored values after step ``i``: rows grow in the primal pass, the
    tangent or adjoint column grows in the others. ``▶`` marks the node being
    computed, ``•`` the nodes whose stored values it uses (``marks=False``: no
    marks, for the table at the end of a pass)."""
    s = p.steps[i]
    done = {st.node for st in (p.steps[j] for j in range(i + 1)) if st.last}
    used = _used(t, p, s)
    headers = ["", "node", "definition", "value"]
    extra: dict[int, Any] = {}
    if p.kind == "forward":
        headers.append(tangent_name(t, p.run, t.letter, style))
        extra = {n: fs.tangent for n, fs in p.records.items()}
    elif p.kind == "reverse":
        headers.append(adjoint_name(t, p.run, t.letter, style))
        extra = {n: rs.adjoint for n, rs in p.records.items()}
    cur, dot = ("▶", "•") if style == "unicode" else (">", "*")
    rows, tags = [], []
    fstyle = "unicode" if style == "unicode" else "text"
    for st in t.steps:
        if st.kind == "const" or (p.kind == "primal" and st.node not in done):
            continue
        mark = cur if st.node == s.node else dot if st.node in used else ""
        definition = t.graph.nodes[st.node].name if st.kind == "input" else \
            t.graph.formula(st.node, t.notation, fstyle)
        row = [mark, node_name(t, st.node, style=style), definition or "",
               value_text(t, st.value, digits, style, max_matrix)]
        if p.kind != "primal":
            row.append(value_text(t, extra[st.node], digits, style, max_matrix)
                       if st.node in done else "…" if st.node == s.node else "")
        rows.append(row)
        tags.append(mark)
    rows, tags = _window(rows, tags, cur, max_rows)
    if not marks:
        headers, rows = headers[1:], [r[1:] for r in rows]
    styles = ["inverse" if m == cur else "cyan" if m == dot else None for m in tags]
    return columns(headers, rows, width, style, color, gap=2, row_styles=styles)


def _used(t: Trace, p: Pass, s: Step) -> set[int]:
    if p.kind == "primal":
        return {q for q in t.graph.nodes[s.node].parents if t.graph.nodes[q].kind != "const"}
    if s.term is None:
        return set()
    term = p.terms(s.node)[s.term]
    return {term.parent if p.kind == "forward" else term.child}


def _window(rows: list[list[str]], marks: list[str], cur: str,
            max_rows: int | None) -> tuple[list[list[str]], list[str]]:
    """At most ``max_rows`` lines of rows, around the current one; cut rows are said.
    (A row holding a matrix takes a line per matrix row.)"""
    heights = [max(str(c).count("\n") + 1 for c in row) for row in rows]
    if max_rows is None or sum(heights) <= max_rows:
        return rows, marks
    max_rows = max(3, max_rows)
    at = marks.index(cur) if cur in marks else len(rows) - 1
    if all(h == 1 for h in heights):
        start = min(max(0, at - (max_rows - 2) // 2), len(rows) - (max_rows - 2))
        end = start + max_rows - 2
    else:  # grow around the current row while the lines fit (it is always shown)
        start, end, used = at, at + 1, heights[at]
        while True:
            grown = False
            for side in (end, start - 1):
                if 0 <= side < len(rows) and used + heights[side] <= max_rows - 2:
                    used += heights[side]
                    start, end = (start, end + 1) if side == end else (start - 1, end)
                    grown = True
            if not grown:
                break
    blank = ["", "", "", ""] + [""] * (len(rows[0]) - 4)
    above = [["", "…", f"{start} rows above"] + blank[3:]] if start else []
    below = [["", "…", f"{len(rows) - end} rows below"] + blank[3:]] if end < len(rows) else []
    return (above + rows[start:end] + below,
            [""] * len(above) + marks[start:end] + [""] * len(below))


def frame_lines(t: Trace, passes: list[Pass], p: int, i: int, digits: int | None = 4,
                style: str = "unicode", color: bool = False,
                max_rows: int | None = None, width: int = 100, *,
                max_matrix: tuple[int, int] = MAX_MATRIX) -> list[str]:
    """A whole frame: title, pass list, step header, details and the stored values."""
    bold = (lambda text: f"{BOLD}{text}{RESET}") if color else (lambda text: text)
    names = []
    for k, q in enumerate(passes):
        if q.kind == "forward":
            label = f"forward {seed_text(t, q.run, digits, style)}"
        elif q.kind == "reverse":
            label = f"reverse {t.reverse[q.run].output}"
        else:
            label = "primal"
        names.append(f"[{label}]" if k == p else label)
    sep = " · " if style == "unicode" else " | "
    return ([bold(title(t, digits, style, max_matrix))] + note_lines(t)
            + ["passes: " + sep.join(names), "",
               bold(step_header(t, passes[p], i, style, digits))]
            + detail_lines(t, passes[p], i, digits, style, color, max_matrix=max_matrix)
            + ["", "Stored values"]
            + table_lines(t, passes[p], i, digits, style, color, max_rows, width=width,
                          max_matrix=max_matrix))


def print_all(t: Trace, digits: int | None = 4, style: str = "unicode", *,
              max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """Every step of every pass in order (for pipes and files), each pass's table at its end."""
    out = [title(t, digits, style, max_matrix)] + note_lines(t)
    for p in build_passes(t):
        out += ["", f"== {pass_title(t, p, digits, style)} =="]
        for i in range(len(p.steps)):
            out += ["", step_header(t, p, i, style, digits)]
            out += detail_lines(t, p, i, digits, style, max_matrix=max_matrix)
        out += ["", f"Stored values after the {p.kind} pass"]
        out += table_lines(t, p, len(p.steps) - 1, digits, style, marks=False,
                           max_matrix=max_matrix)
    return "\n".join(out)
