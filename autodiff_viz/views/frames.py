"""Step frames: one picture per step of a pass, a ready-made slide sequence.

Frame ``j`` highlights the node step ``j`` computes and the edges whose terms it
uses; the numbers stored up to that step are filled in, the rest left blank
(blanks are as wide as the numbers, so nothing moves from frame to frame).
Files are ``frame_001.svg``, ``frame_002.svg``, ... plus ``index.md`` and
``index.html`` listing them in order with each step's equation.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="reverse")
>>> frames = frame_sources(t)                  # DOT only: no Graphviz needed
>>> len(frames) == len(t.reverse_steps()), frames[-1][0]
(True, 'step 5/5: dz/dw1 = dz/dw4*dw4/dw1 + dz/dw3*dw3/dw1 = 1*3 + 1*(-0.4161) = 2.584')
"""
from __future__ import annotations

import html
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..trace import Trace
from .arrays import MAX_MATRIX
from .dot_render import (DPI, FORMATS, MAX_FRAMES, TIMEOUT, dot_program, dot_to_bytes,
                         missing_dot_error)
from .dot_view import PASSES, Progress, check_pass
from .graphviz import title_text, trace_to_dot
from .lines import forward_line, primal_line, reverse_line

_FRAME = re.compile(r"^frame_\d{3,}\.(svg|png|pdf|dot)$")
_TITLES = {"primal": "Primal pass", "forward": "Forward pass", "reverse": "Reverse pass"}


def default_pass(trace: Trace) -> str:
    """The pass frames show when none is named: the trace's mode (``both``: reverse)."""
    return {"primal": "primal", "forward": "forward"}.get(trace.mode, "reverse")


def captions(trace: Trace, kind: str, k: int = 0, digits: int | None = 4,
             max_matrix: tuple[int, int] = MAX_MATRIX) -> list[str]:
    """One line per step of the pass: ``step j/n: <the step's equation>`` (ASCII; a
    matrix row by row, ``[0, 0; 1, 1]``)."""
    mm = {"max_matrix": max_matrix, "inline": True}
    if kind == "primal":
        lines = [primal_line(trace, s, digits, "text", **mm) for s in trace.primal_steps()]
    elif kind == "forward":
        check_pass(trace, kind, k)
        lines = [forward_line(trace, k, s, digits, "text", **mm)
                 for s in trace.forward_steps(k)]
    elif kind == "reverse":
        check_pass(trace, kind, k)
        lines = [reverse_line(trace, k, s, digits, "text", **mm)
                 for s in trace.reverse_steps(k)]
    else:
        raise InputError(f"unknown pass {kind!r}", hint="use one of: " + ", ".join(PASSES))
    n = len(lines)
    return [f"step {j}/{n}: {line}" for j, line in enumerate(lines, 1)]


def frame_sources(trace: Trace, kind: str | None = None, k: int = 0,
                  **options: Any) -> list[tuple[str, str]]:
    """``(caption, DOT source)`` for every step of the pass (default :func:`default_pass`).

    ``options`` are those of :func:`~autodiff_viz.views.graphviz.trace_to_dot`.
    """
    kind = kind or default_pass(trace)
    lines = captions(trace, kind, k, options.get("digits", 4),
                     options.get("max_matrix", MAX_MATRIX))
    width = max(len(c) for c in lines)
    return [(c, trace_to_dot(trace, progress=Progress(kind, k, j, c.ljust(width, "\u00a0")),
                             **options))
            for j, c in enumerate(lines)]


def write_frames(trace: Trace, directory: str | os.PathLike[str], *, kind: str | None = None,
                 k: int = 0, format: str = "svg", dpi: int = DPI,
                 timeout: float | None = TIMEOUT, max_frames: int = MAX_FRAMES,
                 **options: Any) -> list[str]:
    """Write one ``frame_NNN.<format>`` per step of the pass into ``directory``, and
    ``index.md`` / ``index.html`` listing them in order; returns the frame paths.

    Earlier ``frame_*`` files in the folder are removed so the index and the folder
    agree. ``format="dot"`` needs no Graphviz.
    """
    if format not in FORMATS:
        raise InputError(f"unknown format {format!r}", hint="use svg, png, pdf or dot")
    kind = kind or default_pass(trace)
    n = len(captions(trace, kind, k))
    if n > max_frames:
        raise InputError(f"the {kind} pass has {n} steps: more than {max_frames} frames",
                         hint="raise the limit with --max-frames N (max_frames=N), or draw "
                              "a smaller graph")
    if format != "dot" and dot_program() is None:
        raise missing_dot_error(format)  # before touching the folder
    sources = frame_sources(trace, kind, k, **options)
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in sorted(folder.iterdir()):
            if _FRAME.match(old.name):
                old.unlink()
    except OSError as err:
        raise InputError(f"cannot write frames to {folder}: {err.strerror}",
                         hint="check that the folder can be created and written") from None
    digits = max(3, len(str(n)))
    paths = [folder / f"frame_{j:0{digits}d}.{format}" for j in range(1, n + 1)]

    def one(job: tuple[Path, str]) -> None:
        path, src = job
        path.write_bytes(dot_to_bytes(src, format, dpi=dpi, timeout=timeout))

    jobs = list(zip(paths, (src for _, src in sources)))
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(one, jobs))  # re-raises the first error
    _write_index(folder, trace, kind, k, paths, [c for c, _ in sources], format)
    return [str(p) for p in paths]


def _write_index(folder: Path, trace: Trace, kind: str, k: int, paths: list[Path],
                 lines: list[str], format: str) -> None:
    which = _TITLES[kind]
    if kind == "reverse" and len(trace.graph.outputs) > 1:
        which += f" for {trace.reverse[k].output}"
    title = f"{which}: {title_text(trace.graph, trace)}"
    image = format in ("svg", "png")
    count = f"{len(paths)} frame{'s' if len(paths) != 1 else ''}, one per step, in order."
    md = [f"# {title}", "", count, ""]
    body = []
    for p, line in zip(paths, lines):
        step, equation = line.split(": ", 1)
        shown_md = f"![{step}]({p.name})" if image else f"[{p.name}]({p.name})"
        md += [f"## {step.capitalize()}", "", f"`{equation}`", "", shown_md, ""]
        e = html.escape(line)
        shown = f'<img src="{p.name}" alt="{e}">' if image else f'<a href="{p.name}">{p.name}</a>'
        body.append(f'<section id="{p.stem}"><h2>{e}</h2>\n{shown}</section>')
    (folder / "index.md").write_text("\n".join(md), encoding="utf-8")
    page = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            "<style>body{font-family:sans-serif;margin:2em}img{max-width:100%;"
            "border:1px solid #ccc}section{margin-bottom:3em}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>", *body, "</body></html>", ""]
    (folder / "index.html").write_text("\n".join(page), encoding="utf-8")
