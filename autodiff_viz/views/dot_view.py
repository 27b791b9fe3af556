"""What a graph picture shows, read from a trace's records: the model behind the DOT views.

A :class:`View` gathers, for one picture, which passes are shown, which stored
numbers are filled in yet (all of them, except in a step frame) and which node
and edges a frame highlights. Small helpers write HTML-like label pieces.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="reverse")
>>> v = build_view(t.graph, t, mode="reverse", progress=Progress("reverse", 0, 1))
>>> v.names[v.current], sorted(v.adjoints[0]), sorted(v.used)
('w4', [3, 4], [(4, 1)])
>>> slot("2.584"), slot("2.584", known=False).count(NBSP)
('<FONT FACE="Courier">2.584</FONT>', 5)
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import InputError
from ..graph import Graph
from ..trace import Trace
from .lines import fmt

MODES = ("primal", "forward", "reverse", "both")
PASSES = ("primal", "forward", "reverse")
CONTRIBUTIONS = ("auto", "forward", "reverse", "none")

# Okabe & Ito's colour-blind-safe palette; every kind of node also has its own shape.
PALETTE = {"input": "#56B4E9", "const": "#F0E442", "op": "#E69F00", "output": "#009E73",
           "highlight": "#D55E00", "flow": "#0072B2", "edge": "#4D4D4D", "grid": "#8C8C8C",
           "head": "#F2F2F2"}
SHAPES = {"input": ("box", "rounded,filled"), "const": ("hexagon", "filled"),
          "op": ("ellipse", "filled"), "output": ("box", "filled")}
KIND_NAMES = {"input": "input", "const": "constant", "op": "operation", "output": "output"}
FONT, MONO = "Helvetica", "Courier"
NBSP = "&#160;"


def esc(text: str) -> str:
    """Text for an HTML-like label: escaped, non-ASCII as character references."""
    return html.escape(text, quote=True).encode("ascii", "xmlcharrefreplace").decode("ascii")


def slot(text: str, known: bool = True) -> str:
    """A number in a monospaced font; not known yet, as many blanks (so nothing moves)."""
    if not text:
        return ""  # Graphviz rejects an empty <FONT></FONT>
    body = esc(text) if known else NBSP * len(text)
    return f'<FONT FACE="{MONO}">{body}</FONT>'


def table(rows: Sequence[str], **attrs: Any) -> str:
    """An HTML-like ``<TABLE>``, borderless unless ``attrs`` say otherwise."""
    base = {"BORDER": "0", "CELLBORDER": "0", "CELLSPACING": "0", "CELLPADDING": "1"}
    base.update({k.upper(): str(v) for k, v in attrs.items()})
    a = " ".join(f'{k}="{v}"' for k, v in base.items())
    return f"<TABLE {a}>\n" + "\n".join(rows) + "\n</TABLE>"


@dataclass(frozen=True)
class Progress:
    """A step frame: step ``step`` (0-based) of pass ``k`` of kind ``kind`` has just run."""

    kind: str  # "primal", "forward" or "reverse"
    k: int
    step: int
    caption: str = ""


@dataclass
class View:
    """One picture: the shown passes, what is filled in yet, what is highlighted."""

    graph: Graph
    trace: Trace | None
    notation: str = "w"
    digits: int | None = 4
    mode: str = "primal"
    fwd: list[int] = field(default_factory=list)  # forward passes shown in nodes and table
    rev: list[int] = field(default_factory=list)
    edge_fwd: int | None = None  # forward pass whose terms the edges carry
    edge_rev: int | None = None
    progress: Progress | None = None
    names: list[str] = field(default_factory=list)
    outputs: dict[int, list[str]] = field(default_factory=dict)  # node id -> output names
    values: set[int] = field(default_factory=set)  # node ids whose value is filled in
    tangents: dict[int, set[int]] = field(default_factory=dict)  # pass -> node ids
    adjoints: dict[int, set[int]] = field(default_factory=dict)
    fterms: set[tuple[int, int]] = field(default_factory=set)  # (child, argument position)
    rterms: set[tuple[int, int]] = field(default_factory=set)
    current: int | None = None
    used: set[tuple[int, int]] = field(default_factory=set)
    _steps: dict[tuple[str, int], dict[int, Any]] = field(default_factory=dict)
    _formulas: list[str] = field(default_factory=list)

    def num(self, v: Any) -> str:
        """A stored number as label text (ASCII, ``digits`` significant figures)."""
        return fmt(v, self.digits, "text")

    def formula(self, i: int) -> str:
        """Node ``i``'s definition in its parents' names (ASCII)."""
        if self.trace is not None:
            return self.trace.steps[i].formula  # stored once per trace
        if not self._formulas:  # Graph.formula re-derives every name per call: do it once
            atoms = self.graph._atoms(self.notation, "text")
            self._formulas = [self.graph.formula(n.id, self.notation, "text",
                                                 args=[atoms[q] for q in n.parents])
                              for n in self.graph.nodes]
        return self._formulas[i]

    def kind(self, i: int) -> str:
        """input, const, op or output: how node ``i`` is drawn."""
        node = self.graph.nodes[i]
        return "output" if node.kind == "op" and i in self.outputs else node.kind

    def pass_complete(self, kind: str) -> bool:
        """True unless this is a frame of a ``kind`` pass before its last step."""
        p, t = self.progress, self.trace
        if p is None or p.kind != kind or t is None:
            return True
        steps = t.forward_steps(p.k) if kind == "forward" else t.reverse_steps(p.k)
        return p.step == len(steps) - 1

    def step(self, kind: str, k: int, i: int) -> Any:
        """The forward or reverse step record of node ``i`` in pass ``k`` (None if none)."""
        key = (kind, k)
        if key not in self._steps:
            t = self.trace
            assert t is not None
            steps = t.forward_steps(k) if kind == "forward" else t.reverse_steps(k)
            self._steps[key] = {s.node: s for s in steps}
        return self._steps[key].get(i)


def build_view(graph: Graph, trace: Trace | None, *, notation: str | None = None,
               digits: int | None = 4, mode: str | None = None, contributions: str = "auto",
               forward_pass: int = 0, reverse_pass: int = 0,
               progress: Progress | None = None) -> View:
    """Check the options against the trace and work out what the picture shows."""
    mode = mode or (trace.mode if trace is not None else "primal")
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}", hint="use one of: " + ", ".join(MODES))
    if contributions not in CONTRIBUTIONS:
        raise InputError(f"unknown contributions {contributions!r}",
                         hint="use one of: " + ", ".join(CONTRIBUTIONS))
    if digits is not None and not 1 <= digits <= 17:
        raise InputError(f"digits must be between 1 and 17, not {digits}")
    v = View(graph, trace, notation or (trace.notation if trace else "w"), digits, mode,
             progress=progress)
    v.names = graph.display_names(v.notation)
    for name, i in graph.outputs:
        v.outputs.setdefault(i, []).append(name)
    if trace is None:
        return v
    strict = mode != trace.mode  # the trace's own mode shows the passes it has (maybe none)
    if mode in ("forward", "both") and (strict or trace.forward):
        v.fwd = check_pass(trace, "forward", forward_pass)
    if mode in ("reverse", "both") and (strict or trace.reverse):
        v.rev = check_pass(trace, "reverse", reverse_pass)
    if progress is not None:  # a frame shows its own pass only
        if progress.kind not in PASSES:
            raise InputError(f"unknown pass {progress.kind!r}",
                             hint="use one of: " + ", ".join(PASSES))
        if progress.kind != "primal":
            check_pass(trace, progress.kind, progress.k)
        v.mode = progress.kind
        v.fwd = [progress.k] if progress.kind == "forward" else []
        v.rev = [progress.k] if progress.kind == "reverse" else []
        forward_pass = reverse_pass = progress.k
    want = contributions if contributions != "auto" else (
        "reverse" if v.rev else "forward" if v.fwd else "none")
    v.edge_fwd = forward_pass if want == "forward" and v.fwd else None
    v.edge_rev = reverse_pass if want == "reverse" and v.rev else None
    v.values = set(range(len(graph.nodes)))
    v.tangents = {k: {s.node for s in trace.forward_steps(k)} for k in v.fwd}
    v.adjoints = {k: {s.node for s in trace.reverse_steps(k)} for k in v.rev}
    if v.edge_fwd is not None:
        v.fterms = {(s.node, t.position) for s in trace.forward_steps(v.edge_fwd)
                    for t in s.terms}
    if v.edge_rev is not None:
        v.rterms = {(t.child, t.position) for s in trace.reverse_steps(v.edge_rev)
                    for t in s.terms}
    if progress is not None:
        _apply_progress(v, trace, progress)
    return v


def check_pass(trace: Trace, kind: str, k: int) -> list[int]:
    """All pass numbers of ``kind``, after checking pass ``k`` exists."""
    passes = trace.forward if kind == "forward" else trace.reverse
    if not passes and kind == "forward" and not trace.graph.inputs:
        raise InputError("this graph has no inputs, so there is no forward pass to show")
    if not passes:
        raise InputError(f"this trace has no {kind} pass to show (it was run with "
                         f"mode={trace.mode!r})",
                         hint=f"trace with mode='{kind}' or 'both' (--mode {kind})")
    if not 0 <= k < len(passes):
        raise InputError(f"{kind} pass {k} does not exist: the trace has {len(passes)} "
                         f"{kind} pass{'es' if len(passes) > 1 else ''} (numbered from 0)")
    return list(range(len(passes)))


def _apply_progress(v: View, trace: Trace, p: Progress) -> None:
    """Blank what the pass has not stored yet; mark the current node and its edges."""
    if p.kind == "primal":
        steps = trace.primal_steps()
        _check_step(p, len(steps))
        done = steps[: p.step + 1]
        v.values = {s.node for s in done}
        v.current = done[-1].node
        v.used = {(done[-1].node, pos) for pos in range(len(done[-1].parents))}
    elif p.kind == "forward":
        steps = trace.forward_steps(p.k)
        _check_step(p, len(steps))
        done = steps[: p.step + 1]
        v.tangents = {p.k: {s.node for s in done}}
        v.fterms = {(s.node, t.position) for s in done for t in s.terms}
        v.current = done[-1].node
        v.used = {(done[-1].node, t.position) for t in done[-1].terms}
    else:
        steps = trace.reverse_steps(p.k)
        _check_step(p, len(steps))
        done = steps[: p.step + 1]
        v.adjoints = {p.k: {s.node for s in done}}
        v.rterms = {(t.child, t.position) for s in done for t in s.terms}
        v.current = done[-1].node
        v.used = {(t.child, t.position) for t in done[-1].terms}


def _check_step(p: Progress, n: int) -> None:
    if not 0 <= p.step < n:
        raise InputError(f"step {p.step} of the {p.kind} pass does not exist "
                         f"(it has {n} steps, numbered from 0)")
