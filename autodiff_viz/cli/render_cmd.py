"""``autodiff-viz render``: draw the graph with every stored number, or step frames."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import HelpFormatter
from .common import add_debug_option, add_matrix_option, add_source_argument, \
    add_trace_options, split_names, trace_from_args

EPILOG = """\
examples:
  autodiff-viz render "sin(x1) + x1*x2" --at x1=2,x2=3 -o graph.svg
  autodiff-viz render "sin(x1) + x1*x2" --at x1=2,x2=3 --mode reverse -o graph.png
  autodiff-viz render "sin(x1) + x1*x2" --at x1=2,x2=3 --mode forward --wrt x2 --rankdir TB -o g.pdf
  autodiff-viz render "sin(x1) + x1*x2" --at x1=2,x2=3 --mode reverse --frames slides/
  autodiff-viz render "sin(x1) + x1*x2" --at x1=2,x2=3 > graph.dot     (no Graphviz needed)
  autodiff-viz render "relu(W@x + c)" --at 'W=[[1,2],[3,4]],x=[1,-1],c=[0,1]' -o layer.png

pictures for slides:
  autodiff-viz render "f = 1*relu(x1 + x2) - 2*relu(x1 + x2 - 1)" --at x1=1,x2=1 --mode reverse \\
      --fit 16:9 -o xor.png                 (at most 1920x1080 px; 4:3 gives 1440x1080)
  autodiff-viz render "sin(x1) + x1*x2" --at x1=2,x2=3 --size 1280x720 -o g.svg    (or 13.3x7.5in)
  autodiff-viz render "sin(x1) + x1*x2" --at x1=2,x2=3 --detail compact --no-legend -o g.png
  autodiff-viz render "sin(x1) + x1*x2" --at x1=2,x2=3 --ascii -o g.svg     (dz/dw1, not w̄1)

Labels are in the course's notation: w̄1 (= ∂z/∂w1), ẇ1, ∂w3/∂w1 and · (--notation v or u
for v̄1, ū1; --ascii for dz/dw1, dw3/dw1 and *). Constants are written inside the nodes that
use them. --detail full labels every edge with its local partial and the chain-rule term
it carries; compact leaves edges bare and lists the chain-rule steps in a table (auto:
compact from 13 nodes on, or when the full picture would not fit a slide). Without
--rankdir the layout (left to right or top to bottom, the table below or beside the
graph) is chosen to fit --fit's shape, else 16:9; a picture that fits a 16:9 slide with
text at least 12 px high is kept within 1920x1080 px.

svg, png and pdf need Graphviz's dot program (Debian/Ubuntu: sudo apt-get install
graphviz; macOS: brew install graphviz); --format dot never does.
"""


def register(sub: argparse._SubParsersAction) -> None:
    from ..views.dot_render import (DPI, FORMATS, MAX_EDGE_LABELS, MAX_FRAMES, MAX_TABLE_ROWS,
                                    TIMEOUT)

    p = sub.add_parser("render", help="draw the computational graph with every stored number",
                       description="Draw the computational graph: every node's value (and "
                                   "tangent, adjoint), every edge's local partial, and the "
                                   "gradient table, as svg, png, pdf or DOT source; or one "
                                   "frame per step of a pass (--frames).",
                       epilog=EPILOG, formatter_class=HelpFormatter)
    add_source_argument(p)
    add_trace_options(p)
    p.add_argument("-o", "--out-file", dest="out", metavar="FILE", default=None,
                   help="write the picture to FILE; the suffix (.svg .png .pdf .dot, or .tex "
                        "for a TikZ picture) gives the format (default: DOT source on "
                        "standard output)")
    p.add_argument("--format", choices=FORMATS + ("tex",), default=None,
                   help="output format when the file name does not say it (tex: a TikZ "
                        "picture, no Graphviz needed)")
    p.add_argument("--standalone", action="store_true",
                   help="with .tex: a whole document that pdflatex compiles on its own "
                        "(default: a tikzpicture to \\input in your slides)")
    p.add_argument("--rankdir", choices=("LR", "TB"), default=None,
                   help="layout: LR left to right or TB top to bottom (default: the one that "
                        "fits the slide best; small graphs LR)")
    p.add_argument("--fit", metavar="W:H", default=None,
                   help="fit the picture in a slide of this shape: 16:9 (1920x1080 px at 96 "
                        "dpi), 4:3 (1440x1080 px); it is shrunk if larger, never enlarged")
    p.add_argument("--size", metavar="WxH", default=None,
                   help="fit the picture in this box instead: pixels at 96 dpi (1280x720, "
                        "1280x720px) or inches (13.33x7.5in)")
    p.add_argument("--detail", choices=("auto", "full", "compact"), default="auto",
                   help="full: every edge labelled with its local partial and term; compact: "
                        "bare edges, the chain-rule steps in a table (auto: compact from "
                        "13 nodes on or when full would not fit a slide)")
    p.add_argument("--ascii", action="store_true",
                   help="ASCII labels: dz/dw1, dw3/dw1, * (default: w̄1, ∂w3/∂w1, ·)")
    p.add_argument("--contributions", choices=("auto", "forward", "reverse", "none"),
                   default="auto",
                   help="the chain-rule term each edge carries (auto: reverse when shown, "
                        "else forward)")
    p.add_argument("--no-table", dest="table", action="store_false",
                   help="leave out the gradient table")
    p.add_argument("--legend", action=argparse.BooleanOptionalAction, default=True,
                   help="a one-line legend of the node kinds under the title (default: on)")
    p.add_argument("--max-edge-labels", type=int, default=MAX_EDGE_LABELS, metavar="N",
                   help=f"leave edge labels out past N edges (default: {MAX_EDGE_LABELS})")
    p.add_argument("--max-table-rows", type=int, default=MAX_TABLE_ROWS, metavar="N",
                   help="past N nodes the table lists only inputs and outputs "
                        f"(default: {MAX_TABLE_ROWS})")
    add_frames_options(p, MAX_FRAMES)
    add_matrix_option(p)
    p.add_argument("--params", metavar="NAMES", default=None,
                   help="inputs drawn as parameters (their own colour), e.g. W,c,w,b "
                        "(default, for vectors and matrices: the operands of @ and the "
                        "inputs added to a @ product, unless named like data: x, X, y, t, "
                        "x1, X_train, ...)")
    p.add_argument("--dpi", type=int, default=DPI, metavar="N",
                   help=f"png resolution (default: {DPI})")
    p.add_argument("--timeout", type=float, default=TIMEOUT, metavar="SECONDS",
                   help=f"stop dot after this long (default: {TIMEOUT:g})")
    add_debug_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..views.dot_render import TIMEOUT, dot_to_bytes, format_of, write_output
    from ..views.graphviz import trace_to_dot

    for name in ("max_edge_labels", "max_table_rows", "max_frames", "dpi"):
        if getattr(args, name) < 0 or (name == "dpi" and args.dpi == 0):
            raise InputError(f"--{name.replace('_', '-')} must be positive")
    if not 0 < args.timeout < float("inf"):  # also NaN
        raise InputError(f"--timeout must be a positive number of seconds, not {args.timeout:g}",
                         hint=f"for example --timeout {TIMEOUT:g}")
    if _tikz_wanted(args):
        return _write_tikz(args)
    if args.standalone:
        raise InputError("--standalone is for a TikZ picture (-o graph.tex or --format tex)",
                         hint="leave --standalone out, or write graph.tex")
    kind = format_of(args.out, args.format)
    t = trace_from_args(args)
    options = dict(digits=args.digits, rankdir=args.rankdir, table=args.table,
                   legend=args.legend, contributions=args.contributions,
                   max_edge_labels=args.max_edge_labels, max_table_rows=args.max_table_rows,
                   max_matrix=args.max_matrix, fit=args.fit, size=args.size,
                   detail=args.detail, ascii=args.ascii,
                   params=split_names(args.params) if args.params is not None else None)
    if write_frame_outputs(t, args, kind, options) and args.out is None:
        return 0
    data = dot_to_bytes(trace_to_dot(t, mode=args.mode, **options), kind, dpi=args.dpi,
                        timeout=args.timeout)
    if args.out in (None, "-"):
        if kind in ("png", "pdf") and sys.stdout.isatty():
            raise InputError(f"{kind} is binary: not writing it to the terminal",
                             hint=f"give -o graph.{kind}, or redirect: > graph.{kind}")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    write_output(data, args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _tikz_wanted(args: argparse.Namespace) -> bool:
    """``-o graph.tex`` or ``--format tex``: the TikZ picture instead of Graphviz."""
    suffix = Path(args.out).suffix.lower() if args.out not in (None, "-") else ""
    return args.format == "tex" or (args.format is None and suffix == ".tex")


def _write_tikz(args: argparse.Namespace) -> int:
    """The graph as a TikZ picture (:func:`~autodiff_viz.views.tikz.render_tikz`)."""
    from ..errors import InputError
    from ..views.dot_render import write_output
    from ..views.tikz import render_tikz

    frames = [f"--frames{'' if k is None else '-' + k}" for k in (None, "pdf", "svg", "gif")
              if getattr(args, "frames" if k is None else f"frames_{k}", None) is not None]
    if frames:
        raise InputError(f"{frames[0]} draws Graphviz pictures, not TikZ",
                         hint="write the TikZ picture and the frames in two commands")
    t = trace_from_args(args)
    text = render_tikz(t, mode=args.mode, digits=args.digits, standalone=args.standalone)
    if args.out in (None, "-"):
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    write_output(text.encode("utf-8"), args.out)
    print(f"wrote {args.out}" + (" (compile it with pdflatex)" if args.standalone else
                                 " (\\input it; needs \\usepackage{tikz} and {amsmath})"),
          file=sys.stderr)
    return 0


# -- step frames: --frames DIR, --frames-pdf, --frames-svg, --frames-gif ---------------------
FRAME_FILES = (("pdf", "one PDF, a page per step of the pass"),
               ("svg", "one animated SVG (opens in a browser), a frame per step"),
               ("gif", "one animated GIF, a frame per step"))


def add_frames_options(p: argparse.ArgumentParser, max_frames: int) -> None:
    """The step frames' options: a folder of slides, one PDF, an animated SVG or GIF."""
    from ..views.dot_render import FRAME_SECONDS

    p.add_argument("--frames", metavar="DIR", default=None,
                   help="write one image per step of a pass into DIR (frame_001.svg, ...) "
                        "and an index (index.md, index.html)")
    for kind, what in FRAME_FILES:
        p.add_argument(f"--frames-{kind}", metavar="FILE", default=None,
                       help=f"write the frames as {what}" + (" (needs pypdf)" if kind == "pdf"
                                                             else " (needs Pillow)"
                                                             if kind == "gif" else ""))
    p.add_argument("--frame-seconds", type=float, default=FRAME_SECONDS, metavar="SECONDS",
                   help="how long the animations show each step "
                        f"(default: {FRAME_SECONDS:g})")
    p.add_argument("--pass", dest="frames_pass", choices=("primal", "forward", "reverse"),
                   default=None,
                   help="the pass the frames draw (default: --mode; both means reverse)")
    p.add_argument("--max-frames", type=int, default=max_frames, metavar="N",
                   help=f"refuse passes of more than N steps (default: {max_frames})")


def write_frame_outputs(t: object, args: argparse.Namespace, kind: str,
                        options: dict[str, object]) -> bool:
    """Write what the frame options ask for; False when they ask for nothing."""
    from ..views.animate import check_file, check_seconds, write_frames_file
    from ..views.frames import write_frames

    files = [(k, getattr(args, f"frames_{k}")) for k, _ in FRAME_FILES]
    files = [(k, path) for k, path in files if path is not None]
    if args.frames is None and not files:
        return False
    check_seconds(args.frame_seconds)  # all checked before anything is drawn:
    for fmt, path in files:  # the file names, and pypdf / Pillow installed
        check_file(path, fmt)
    common = dict(kind=args.frames_pass, timeout=args.timeout, max_frames=args.max_frames,
                  **options)
    if args.frames is not None:
        fkind = args.format or (kind if args.out not in (None, "-") else "svg")
        paths = write_frames(t, args.frames, format=fkind, dpi=args.dpi,  # type: ignore[arg-type]
                             **common)  # type: ignore[arg-type]
        print(f"wrote {len(paths)} frame{'s' if len(paths) != 1 else ''} to {args.frames} "
              "(index: index.md, index.html)", file=sys.stderr)
    for fmt, path in files:
        write_frames_file(t, path, format=fmt, seconds=args.frame_seconds,  # type: ignore[arg-type]
                          dpi=args.dpi, **common)  # type: ignore[arg-type]
        print(f"wrote {path}", file=sys.stderr)
    return True
