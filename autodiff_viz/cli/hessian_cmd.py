"""``autodiff-viz hessian``: second derivatives as passes over the derivative graph."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .common import HelpFormatter
from .common import (add_debug_option, add_digits_option, add_notation_option,
                     add_point_option, add_source_argument, emit, merge_assignments,
                     read_source, split_names, view_style)

if TYPE_CHECKING:
    from ..second import HVP, Cost, Hessian

MODES = ("forward-over-reverse", "reverse-over-reverse", "forward-over-forward")

DESCRIPTION = """\
Print the Hessian (every second derivative) of one output. The derivative
graph is an ordinary graph, so a second derivative is one more first-order
pass over it: forward-over-reverse runs a forward pass over the reverse
derivative graph per input (the tangents of the adjoints), reverse-over-reverse
a reverse pass over it per gradient output, forward-over-forward a forward
pass per input over the forward derivative graph of each input (n² passes).
--v gives a Hessian-vector product H·v in one forward pass, without the
Hessian."""

EPILOG = """\
worked example (∂²z/∂x1² = -sin 2, ∂²z/∂x1∂x2 = 1, ∂²z/∂x2² = 0):
  $ autodiff-viz hessian "sin(x1) + x1*x2" --at x1=2,x2=3
  z = sin(x1) + x1*x2 at x1=2, x2=3

  Hessian of z (forward-over-reverse: a forward pass over the reverse derivative graph per input)
              x1  x2
      x1 -0.9093   1
      x2       1   0

  Cost: 2 forward passes over a derivative graph of 13 nodes; model (passes × nodes) 26, 26 nodes visited, 28 multiply-adds

more:
  autodiff-viz hessian "sin(x1) + x1*x2" --at x1=2,x2=3 --mode all    (the three modes)
  autodiff-viz hessian "sin(x1) + x1*x2" --at x1=2,x2=3 --trace       (every pass)
  autodiff-viz hessian "sin(x1) + x1*x2" --at x1=2,x2=3 --v 1,0       (H·v)

exit codes: 0 success, 1 evaluation error (e.g. log of 0), 2 usage or input error.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hessian", help="the Hessian (second derivatives) and what each mode "
                                       "costs; Hessian-vector products",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=HelpFormatter)
    add_source_argument(p)
    add_point_option(p)
    p.add_argument("--mode", choices=MODES + ("all",), default=MODES[0],
                   help="how: forward-over-reverse (default), reverse-over-reverse, "
                        "forward-over-forward, or all: the three side by side with their cost")
    p.add_argument("--trace", action="store_true",
                   help="also print every pass step by step (the derivative graph's traces)")
    p.add_argument("--v", metavar="VECTOR", default=None,
                   help="a Hessian-vector product H·v instead of the Hessian: one number per "
                        "input in order (1,0) or by name (x1=1,x2=0; inputs not named are 0)")
    p.add_argument("--output", metavar="NAME", default=None,
                   help="the output to differentiate (needed when there are several)")
    p.add_argument("--wrt", metavar="INPUTS", default=None,
                   help="rows and columns for these inputs only, e.g. x1,x2 (default: every "
                        "input)")
    add_notation_option(p)
    add_digits_option(p)
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table (default) or json")
    p.add_argument("--ascii", action="store_true",
                   help="plain ASCII (also in the --trace tables)")
    add_debug_option(p)
    p.set_defaults(func=run, color="never", width=None)


def run(args: argparse.Namespace) -> int:
    from ..api import bind_constants
    from ..errors import InputError
    from ..parse_fast import parse

    graph = parse(read_source(args.expr))
    at = merge_assignments(args.at)
    graph = bind_constants(graph, at)
    wrt = split_names(args.wrt) if args.wrt else None
    if args.wrt is not None and not wrt:
        raise InputError("--wrt is empty", hint=f"name inputs: {', '.join(graph.input_names)}")
    style = view_style(args)
    if args.v is not None:
        if args.mode != MODES[0]:
            raise InputError(f"--v is computed forward-over-reverse, not {args.mode}",
                             hint="leave out --mode (one forward pass over the reverse "
                                  "derivative graph, seeded with v)")
        from ..second import hvp
        h = hvp(graph, at, _vector(args.v, wrt or graph.input_names), output=args.output,
                wrt=wrt, notation=args.notation)
        emit(render_hvp(h, args, graph), style=style)
        return 0
    from ..second import hessian
    modes = MODES if args.mode == "all" else (args.mode,)
    results = [hessian(graph, at, mode=m, output=args.output, wrt=wrt, notation=args.notation)
               for m in modes]
    emit(render(results, args, graph), style=style)
    return 0


def _vector(text: str, names: list[str]) -> Any:
    """``--v``: ``1,0`` (in input order) or ``x1=1,x2=0``."""
    from ..errors import InputError

    if "=" in text:
        return merge_assignments([text], "--v")
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p.replace("−", "-")) for p in parts]
    except ValueError:
        raise InputError(f"--v {text!r}: expected numbers separated by commas",
                         hint=f"e.g. --v {','.join('1' if k == 0 else '0' for k in range(len(names)))}"
                              f" or --v {names[0]}=1") from None
    if len(values) != len(names):
        raise InputError(f"--v gives {len(values)} number{'s' if len(values) != 1 else ''}, "
                         f"but there {'is' if len(names) == 1 else 'are'} {len(names)} "
                         f"input{'s' if len(names) != 1 else ''} ({', '.join(names)})",
                         hint="one number per input, in this order, or name them: "
                              f"--v {names[0]}=1")
    return values


def _head(args: argparse.Namespace, graph: Any, at: dict[str, Any]) -> str:
    from ..views.lines import fmt  # a number, or a vector or matrix (a tensor program)

    exprs = graph.expressions("text")
    outs = [(n, i) for n, i in graph.outputs if args.output in (None, n)] or graph.outputs
    text = "; ".join(f"{n} = {exprs[i] or graph.formula(i)}" for n, i in outs)
    point = ", ".join(f"{k}={fmt(v, args.digits, 'text')}" for k, v in at.items())
    return f"{text} at {point}"


def cost_line(c: "Cost", mode: str) -> str:
    """``2 forward passes over a derivative graph of 13 nodes; model ...``."""
    kind = "reverse" if mode == "reverse-over-reverse" else "forward"
    graphs = ("a derivative graph" if c.graphs == 1 else
              f"{c.graphs} derivative graphs (one per input)")
    return (f"{c.passes} {kind} pass{'es' if c.passes != 1 else ''} over {graphs} of "
            f"{'up to ' if c.graphs > 1 else ''}{c.graph_nodes} nodes; model (passes × nodes) "
            f"{c.model}, {c.nodes_visited} nodes visited, {c.multiply_adds} multiply-adds")


def render(results: list["Hessian"], args: argparse.Namespace, graph: Any) -> str:
    """The Hessian (table or JSON); several modes: their costs side by side."""
    from ..second import MODE_TEXT, matrix_table

    first = results[0]
    if args.format == "json":
        data = first.to_dict()
        if len(results) > 1:
            data["modes"] = {h.mode: {"cost": h.cost.to_dict(),
                                      "max_difference": _difference(h, first)}
                             for h in results}
        import json  # here, not at start-up

        return json.dumps(data, indent=2)
    out = [_head(args, graph, first.at), ""]
    if args.trace:
        for h in results:
            for k, t in enumerate(h.traces, 1):
                what = (f"the forward derivative graph of ∂{h.output}/∂{h.inputs[k - 1]}"
                        if h.mode == "forward-over-forward" else
                        "the reverse derivative graph")
                out += [f"== {h.mode}: passes over {what} ==", "",
                        t.to_text(args.digits, ascii=args.ascii), ""]
    mode = "" if len(results) > 1 else f" ({first.mode}: {MODE_TEXT[first.mode]})"
    out += [f"Hessian of {first.output}{mode}",
            _indent(matrix_table(first.inputs, first.inputs, first.matrix, args.digits)), ""]
    if len(results) == 1:
        out.append("Cost: " + cost_line(first.cost, first.mode))
        return "\n".join(out)
    rows = [("mode", "passes", "graph nodes", "model", "nodes visited", "multiply-adds",
             "largest difference")]
    for h in results:
        c = h.cost
        rows.append((h.mode, str(c.passes), str(c.graph_nodes), str(c.model),
                     str(c.nodes_visited), str(c.multiply_adds),
                     f"{_difference(h, first):.3g}"))
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    out.append("Modes and cost (model = Σ passes × nodes of the graph they run on)")
    out += ["  " + "   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    agree = all(_difference(h, first) <= 1e-9 * (1 + abs(first.matrix).max()) for h in results)
    out += ["", "the three modes agree" if agree else
            "the modes DISAGREE (largest difference above): please report this"]
    return "\n".join(out)


def _difference(h: "Hessian", ref: "Hessian") -> float:
    return float(abs(h.matrix - ref.matrix).max()) if h.matrix.size else 0.0


def render_hvp(h: "HVP", args: argparse.Namespace, graph: Any) -> str:
    """H·v as a table of one row per input (or JSON)."""
    from ..views.lines import fmt

    if args.format == "json":
        import json  # here, not at start-up

        return json.dumps(h.to_dict(), indent=2)
    at = {k: v for k, v in h.trace.at.items()}
    out = [_head(args, graph, at), ""]
    if args.trace:
        out += ["== one forward pass over the reverse derivative graph, seeded with v ==",
                "", h.trace.to_text(args.digits, ascii=args.ascii), ""]
    v = ", ".join(f"{k}={fmt(x, args.digits, 'text')}" for k, x in h.v.items())
    out.append(f"Hessian-vector product H·v of {h.output}, v: {v}")
    w = max(len(k) for k in h.product)
    out += [f"  (H·v)[{k.ljust(w)}] = {fmt(x, args.digits, 'text')}"
            for k, x in h.product.items()]
    out += ["", "Cost: 1 forward pass over the reverse derivative graph of "
                f"{h.cost.graph_nodes} nodes (the Hessian itself needs one per input)"]
    return "\n".join(out)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.split("\n"))
