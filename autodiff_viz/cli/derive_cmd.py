"""``autodiff-viz derive``: the derivative as a graph (symbol-to-symbol), printed or drawn."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .common import HelpFormatter
from .common import (add_debug_option, add_digits_option, add_notation_option,
                     add_point_option, add_source_argument, emit, merge_assignments,
                     read_source, split_names, view_style)

if TYPE_CHECKING:
    from ..derivative import DerivativeGraph

DESCRIPTION = """\
Build the derivative as a graph (symbol-to-symbol, as Theano and TensorFlow do):
the original nodes, then one node per adjoint (reverse mode) or tangent (forward
mode), made of ordinary operations from each operation's local partial. Print it
node by node, as a program that parses back, or as JSON; evaluate it at a point
(--at); draw it (-o graph.svg), the derivative nodes in their own style and the
backward half mirrored after the output."""

EPILOG = """\
worked example (z = sin(x1) + x1*x2; dz/dx1 = cos 2 + 3 = 2.584, dz/dx2 = 2):
  $ autodiff-viz derive "sin(x1) + x1*x2" --at x1=2,x2=3
  z = sin(x1) + x1·x2  at  x1=2, x2=3
  primal
    w1 = x1        = 2
    w2 = x2        = 3
    w3 = sin(w1)   = 0.9093
    w4 = w1·w2     = 6
    w5 = w3 + w4   = 6.909   (z)
  adjoints (reverse mode, output z: w̄ = ∂z/∂w)
    w̄5 = 1                    = 1
    w̄4 = w̄5·1                 = 1
    w̄3 = w̄5·1                 = 1
    w̄2 = w̄4·w1                = 2
    w̄1 = w̄4·w2 + w̄3·cos(w1)   = 2.584
  derivative outputs
    ∂z/∂x1 = w̄1 = 2.584   (dz_dx1 in the program)
    ∂z/∂x2 = w̄2 = 2   (dz_dx2 in the program)

more:
  autodiff-viz derive "sin(x1) + x1*x2" --simplify --explain   (each rule's step)
  autodiff-viz derive "sin(x1) + x1*x2" --mode forward --wrt x2 (tangents ẇ, seed x2)
  autodiff-viz derive "sin(x1) + x1*x2" --format program > d.txt
  autodiff-viz trace @d.txt --at x1=2,x2=3 --mode primal        (it is a program)
  autodiff-viz derive "sin(x1) + x1*x2" --at x1=2,x2=3 -o derivative.png

In the program an adjoint is named d<output>_d<node> (dz_dx1, dz_dw4) and a tangent
d<node>_d<input> (dw3_dx1); nodes with no name of their own are w6, w7, ...
exit codes: 0 success, 1 evaluation error (e.g. log of 0), 2 usage or input error.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("derive", help="the derivative as a graph (symbol-to-symbol)",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=HelpFormatter)
    add_source_argument(p)
    p.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                   help="reverse: adjoint nodes for one output, a derivative per input "
                        "(default); forward: tangent nodes for one input, a derivative per "
                        "output")
    p.add_argument("--wrt", metavar="INPUTS", default=None,
                   help="reverse: the inputs to differentiate with respect to, e.g. x1,x2 "
                        "(default: every input); forward: the one input seeded (default: "
                        "the first)")
    p.add_argument("--output", metavar="NAME", default=None,
                   help="reverse: the output differentiated (default: the first); forward: "
                        "the only output whose derivative is kept (default: every output)")
    p.add_argument("--simplify", action="store_true",
                   help="drop ×1 and +0 (and ×0 terms), fold constants and share identical "
                        "subexpressions")
    p.add_argument("--explain", action="store_true",
                   help="with --simplify: the graph before, every step (rule, where, "
                        "before → after), and the graph after")
    add_point_option(p)
    p.add_argument("--format", choices=("text", "program", "json"), default=None,
                   help="text: node by node, w̄1 = w̄4·w2 + ... (default); program: the "
                        "graph as a program in the expression language (it parses back); "
                        "json: both, the outputs and the steps; with -o, printed only when "
                        "asked for)")
    p.add_argument("-o", "--out-file", dest="out", metavar="FILE", default=None,
                   help="draw the graph to FILE (.svg .png .pdf need Graphviz; .dot; .tex: a "
                        "TikZ picture); with --at the nodes show their values")
    add_notation_option(p)
    add_digits_option(p)
    p.add_argument("--ascii", action="store_true",
                   help="plain ASCII: wbar1 instead of w̄1, * instead of · (automatic when "
                        "standard output cannot write Unicode)")
    add_debug_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..api import to_graph
    from ..derivative import derivative_graph
    from ..errors import InputError

    if args.explain and not args.simplify:
        raise InputError("--explain shows the steps of --simplify",
                         hint="add --simplify")
    base = to_graph(read_source(args.expr))
    wrt: Any = None
    if args.wrt is not None:
        wrt = split_names(args.wrt)
        if args.mode == "forward":
            if len(wrt) != 1:
                raise InputError(f"forward mode seeds one input, not {len(wrt)} ({args.wrt})",
                                 hint="give --wrt one name, or use --mode reverse for a "
                                      "derivative per input")
            wrt = wrt[0]
    dg = derivative_graph(base, mode=args.mode, output=args.output, wrt=wrt,
                          simplify=args.simplify)
    at = merge_assignments(args.at) if args.at else None
    values = None
    if at is not None:
        from ..api import trace
        values = trace(dg, at, mode="primal")
    if args.out is not None:
        _draw(dg, values, args)
        if args.format is None:
            return 0
    style = view_style(args)
    if args.format == "program":
        emit(program_text(dg), style="unicode")
    elif args.format == "json":
        import json  # here, not at start-up (every command's module is imported for --help)

        emit(json.dumps(to_dict(dg, values, args.notation), indent=2, ensure_ascii=False))
    else:
        plain = derivative_graph(base, mode=args.mode, output=args.output, wrt=wrt) \
            if args.explain else None
        emit(render_text(dg, values, args.notation, args.digits, style, plain), style=style)
    return 0


def program_text(dg: "DerivativeGraph") -> str:
    """The graph as a program (it parses back), under a comment that says what it is."""
    what = (f"reverse mode, output {dg.of}: d{dg.of}_dw is the adjoint of w; the seed "
            f"d{dg.of}_d{dg.of} is the constant 1" if dg.mode == "reverse" else
            f"forward mode, seed {dg.of}: dw_d{dg.of} is the tangent of w; the seed "
            f"d{dg.of}_d{dg.of} is the constant 1")
    return f"# the derivative graph ({what})\n" + dg.to_program()


def _draw(dg: "DerivativeGraph", values: Any, args: argparse.Namespace) -> None:
    from pathlib import Path

    from ..views.dot_render import dot_to_bytes, format_of, write_output
    from ..views.graphviz import graph_to_dot, trace_to_dot

    if Path(args.out).suffix.lower() == ".tex":
        from ..views.tikz import render_tikz
        data = render_tikz(values if values is not None else dg, mode="primal",
                           notation=args.notation, digits=args.digits).encode("utf-8")
    else:
        kind = format_of(args.out)
        source = trace_to_dot(values, mode="primal", digits=args.digits) if values is not None \
            else graph_to_dot(dg, notation=args.notation)
        data = dot_to_bytes(source, kind)
    write_output(data, args.out)
    print(f"wrote {args.out}", file=sys.stderr)


def _value(values: Any, j: int, digits: int, style: str) -> str:
    from ..views.lines import fmt
    return fmt(values.primal.values[j], digits, style)


def _section(rows: list[tuple[str, str, int]], values: Any, digits: int, style: str,
             marks: dict[int, str] | None = None) -> list[str]:
    """Rows ``name = formula`` aligned, with ``= value`` when there are values."""
    lefts = [f"{a} = {b}" for a, b, _ in rows]
    width = max((_width(x) for x in lefts), default=0)
    out = []
    for text, (_a, _b, j) in zip(lefts, rows):
        line = "  " + text
        if values is not None:
            line += " " * (width - _width(text)) + "   = " + _value(values, j, digits, style)
        if marks and j in marks:
            line += f"   ({marks[j]})"
        out.append(line.rstrip())
    return out


def _width(text: str) -> int:
    import unicodedata
    return sum(not unicodedata.combining(c) for c in text)


def render_text(dg: "DerivativeGraph", values: Any = None, notation: str = "w",
                digits: int = 4, style: str = "unicode",
                before: "DerivativeGraph | None" = None) -> str:
    """The terminal view: the primal nodes, the adjoints (tangents) one per line, the
    derivative outputs; ``before``: the graph before simplification and every step."""
    from ..views.graphviz import title_text

    base = dg.base
    head = title_text(base, None, digits, style=style)
    if values is not None and values.at:
        from ..views.lines import fmt
        head += "  at  " + ", ".join(f"{n}={fmt(values.at[n], digits, style)}"
                                     for n in base.input_names)
    names = base.display_names(notation)
    outs: dict[int, list[str]] = {}
    for name, i in base.outputs:
        outs.setdefault(i, []).append(name)
    primal = [(names[n.id], base.formula(n.id, notation, style) if n.kind == "op"
               else n.name or "", n.id) for n in base.nodes if n.kind != "const"]
    if dg.mode == "reverse":
        what = f"adjoints (reverse mode, output {dg.of}: {_bar(dg, notation, style)} = " \
               f"{_d(dg.of, _letter(base, notation), style)})"
    else:
        what = f"tangents (forward mode, seed {dg.of}: {_bar(dg, notation, style)} = " \
               f"{_d(_letter(base, notation), dg.of, style)})"
    lines = [head, "primal"]
    lines += _section(primal, values, digits, style, {i: ", ".join(o) for i, o in outs.items()})
    if before is not None:
        lines += [f"{what}, before simplifying"]
        lines += _section(before.rows(notation, style), None, digits, style)
        lines += [f"simplification: {len(dg.steps)} step{'s' if len(dg.steps) != 1 else ''}"]
        lines += [f"  {k}. {step}" for k, step in enumerate(dg.steps, 1)]
        lines += [f"{what}, simplified"]
    else:
        lines += [what]
    lines += _section(dg.rows(notation, style), values, digits, style)
    lines += ["derivative outputs"]
    for (name, j), label, i in zip(dg.derivative_outputs, _labels(dg, style), dg.whose()):
        line = f"  {label} = {dg.symbol(i, notation, style)}"
        if values is not None:
            line += f" = {_value(values, j, digits, style)}"
        lines.append(line + f"   ({name} in the program)")
    if dg.steps and before is None:
        lines.append(f"simplified in {len(dg.steps)} step{'s' if len(dg.steps) != 1 else ''} "
                     "(--explain shows them)")
    return "\n".join(lines)


def _labels(dg: "DerivativeGraph", style: str) -> list[str]:
    return [dg.derivative_label(name, style) for name, _ in dg.derivative_outputs]


def _letter(g: Any, notation: str) -> str:
    return g.label_letter(notation)


def _bar(dg: "DerivativeGraph", notation: str, style: str) -> str:
    """The adjoint (tangent) mark on the notation's letter: w̄ (ẇ)."""
    import unicodedata
    letter = dg.base.label_letter(notation)
    if style != "unicode":
        return letter + ("bar" if dg.mode == "reverse" else "dot")
    return unicodedata.normalize("NFC", letter + ("\u0304" if dg.mode == "reverse"
                                                  else "\u0307"))


def _d(top: str, bottom: str, style: str) -> str:
    return f"∂{top}/∂{bottom}" if style == "unicode" else f"d{top}/d{bottom}"


def to_dict(dg: "DerivativeGraph", values: Any = None, notation: str = "w") -> dict[str, Any]:
    """The derivative graph for programs: mode, program, each line, outputs, steps."""
    def num(j: int) -> Any:
        v = values.primal.values[j]
        return v.tolist() if hasattr(v, "tolist") else float(v)

    rows = dg.rows(notation)
    out: dict[str, Any] = {
        "schema": "autodiff_viz.derivative_graph", "mode": dg.mode,
        ("output" if dg.mode == "reverse" else "wrt"): dg.of,
        "program": dg.to_program(),
        "nodes": [{"name": a, "formula": b, "node": j} | ({"value": num(j)} if values else {})
                  for a, b, j in rows],
        "derivatives": [{"name": name, "label": dg.derivative_label(name), "of": y, "wrt": x,
                         "node": j} | ({"value": num(j)} if values else {})
                        for (name, j), (y, x) in zip(dg.derivative_outputs, dg.pairs)],
        "steps": [s._asdict() for s in dg.steps],
    }
    if values is not None:
        out["at"] = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in values.at.items()}
    return out
