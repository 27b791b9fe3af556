"""Running Graphviz's ``dot`` program (DOT source to svg, png or pdf), and the limits.

The limits live here, in a module that imports nothing heavy, so that the
command line can show them in ``--help`` without loading numpy. Only this
module runs Graphviz; DOT source itself is written in Python and
needs none. Without ``dot`` on PATH, asking for an image raises
:class:`~autodiff_viz.errors.RenderError` with install instructions.

>>> format_of("graph.PNG"), format_of("graph.gv"), format_of(None), format_of("g", "pdf")
('png', 'dot', 'dot', 'pdf')
>>> dot_to_bytes("digraph { a }", "dot")
b'digraph { a }'
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import InputError, RenderError

FORMATS = ("svg", "png", "pdf", "dot")
"""Output formats; all but ``dot`` need Graphviz's ``dot`` program."""
IMAGE_FORMATS = ("svg", "png", "pdf")
MAX_EDGE_LABELS = 150
"""Past this many labelled edges, edge labels are left out (a note in the picture says so)."""
MAX_TABLE_ROWS = 60
"""Past this many rows, the table lists only the inputs and outputs (with a note)."""
BIG_GRAPH = 300
"""From this many nodes on, ``dot`` is asked for a quicker, plainer layout (straight edges)."""
MAX_FRAMES = 200
"""Step frames refuse passes of more steps than this (``max_frames`` / --max-frames)."""
FRAME_SECONDS = 2.0
"""How long an animation shows each step (``seconds=`` / --frame-seconds)."""
TIMEOUT = 120.0
"""Seconds ``dot`` may take before rendering stops with an error (never a hang)."""
DPI = 150
"""Resolution of png images (slides: 150 is sharp on a projector)."""
PNG_MAX_INCHES = 40
"""Larger pictures are scaled down to this size in png (6,000 pixels at 150 dpi), so that
big graphs stay quick; svg and pdf are never scaled."""
SCREEN_DPI = 96
"""Pixels per inch of a screen or projector: ``--size`` in pixels is read at this
resolution, and a picture's natural size is its size in points times 96/72."""
SLIDE_HEIGHT_PX = 1080
"""``--fit W:H`` makes the picture fill a box of that shape this many pixels high (at
:data:`SCREEN_DPI`; a box wider than 16:9 is 1920 pixels wide instead): 16:9 is
1920x1080 px, 20 x 11.25 inches."""
INSTALL_HINT = ("install Graphviz: 'sudo apt-get install graphviz' on Debian/Ubuntu, "
                "'brew install graphviz' on macOS (others: https://graphviz.org/download/). "
                "--format dot (trace.to_dot() in Python) works without it: it writes the "
                "DOT source, which needs no Graphviz")


def dot_program() -> str | None:
    """The path of Graphviz's ``dot`` program on PATH, or None."""
    import shutil  # here, not at the top: the command line reads the limits above at start-up
    return shutil.which("dot")


def format_of(path: str | os.PathLike[str] | None, format: str | None = None) -> str:
    """The output format: ``format`` when given, else the file's suffix (``.gv`` is dot);
    no file (None or ``-``, standard output) means dot."""
    to_stdout = path is None or str(path) == "-"
    suffix = "" if to_stdout else Path(path).suffix.lower().lstrip(".")  # type: ignore[arg-type]
    suffix = "dot" if suffix == "gv" else suffix
    if format is not None:
        kind = format.lower()
        if kind not in FORMATS:
            raise InputError(f"unknown format {format!r}", hint="use svg, png, pdf or dot")
        if suffix in FORMATS and suffix != kind:
            raise InputError(f"the file name {path} says {suffix} but the format is {kind}",
                             hint="make the suffix and the format agree, or leave one out")
        return kind
    if to_stdout:
        return "dot"
    if not suffix:
        raise InputError(f"cannot tell the format of {path}: it has no suffix",
                         hint="name it graph.svg (or .png, .pdf, .dot), or give --format")
    if suffix not in FORMATS:
        raise InputError(f"cannot write .{suffix} files", hint="use .svg, .png, .pdf or .dot")
    return suffix


def fit_box(ratio: str) -> tuple[float, float]:
    """The box (width, height in inches) ``--fit`` makes a picture fill: ``W:H`` at
    :data:`SLIDE_HEIGHT_PX` pixels high, at most 1920 wide.

    >>> fit_box("16:9"), fit_box("4:3"), fit_box("21:9")
    ((20.0, 11.25), (15.0, 11.25), (20.0, 8.571))
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[:/x]\s*(\d+(?:\.\d+)?)\s*", str(ratio))
    w, h = (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)
    if not (w > 0 and h > 0) or not 0.1 <= w / h <= 10:
        raise InputError(f"cannot read the shape {ratio!r}",
                         hint="give a width-to-height ratio such as 16:9 or 4:3")
    height = SLIDE_HEIGHT_PX / SCREEN_DPI
    width = height * w / h
    limit = 1920 / SCREEN_DPI
    if width > limit:
        width, height = limit, limit * h / w
    return round(width, 3), round(height, 3)


def size_box(size: str | tuple[float, float]) -> tuple[float, float]:
    """The box (width, height in inches) of ``--size``: ``WxH`` in pixels at
    :data:`SCREEN_DPI` (``1920x1080``, or ``1920x1080px``) or in inches (``13.33x7.5in``);
    a pair of numbers is inches.

    >>> size_box("1920x1080"), size_box("13.33x7.5in"), size_box((10, 5))
    ((20.0, 11.25), (13.33, 7.5), (10.0, 5.0))
    """
    if isinstance(size, (tuple, list)) and len(size) == 2:
        w, h = (float(x) for x in size)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[x,*]\s*(\d+(?:\.\d+)?)\s*(px|in)?\s*",
                         str(size).lower())
        if not m:
            raise InputError(f"cannot read the size {size!r}",
                             hint="give WxH in pixels (1920x1080, read at 96 dpi) or in "
                                  "inches (13.33x7.5in)")
        scale = 1.0 if m.group(3) == "in" else 1 / SCREEN_DPI
        w, h = float(m.group(1)) * scale, float(m.group(2)) * scale
    if not (0 < w <= 200 and 0 < h <= 200):
        raise InputError(f"the size {size!r} is not a picture size",
                         hint="between 1 pixel and 200 inches on each side")
    return round(w, 3), round(h, 3)


def missing_dot_error(format: str) -> RenderError:
    """The error for an image format when Graphviz's ``dot`` is not installed."""
    return RenderError(f"Graphviz's 'dot' program is needed to write {format} images, "
                       "but it is not installed (not found on PATH)", hint=INSTALL_HINT)


def dot_to_bytes(source: str, format: str, *, dpi: int = DPI,
                 timeout: float | None = TIMEOUT) -> bytes:
    """The image of DOT ``source`` as bytes (``dot`` format: the source itself)."""
    import subprocess
    if format == "dot":
        return source.encode("utf-8")
    if format not in IMAGE_FORMATS:
        raise InputError(f"unknown format {format!r}", hint="use svg, png, pdf or dot")
    exe = dot_program()
    if exe is None:
        raise missing_dot_error(format)
    cmd = [exe, f"-T{format}"]
    if format == "png":
        cmd.append(f"-Gdpi={dpi}")
        if not re.search(r"^\s*graph \[[^\n]*\bsize=", source, re.M):  # --fit/--size: theirs
            cmd.append(f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}")
    try:
        done = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"dot took longer than {timeout:g} s and was stopped",
                          hint="draw fewer labels (--max-edge-labels 0, --no-table), or "
                               "write --format dot and render it yourself") from None
    except OSError as err:
        raise RenderError(f"cannot run {exe}: {err.strerror}", hint=INSTALL_HINT) from None
    if done.returncode != 0 or not done.stdout:
        msg = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        raise RenderError(f"dot could not render the graph: {msg}",
                          hint="please report this with the DOT source (--format dot)")
    return done.stdout


def write_output(data: bytes, path: str | os.PathLike[str]) -> str:
    """Write ``data`` to ``path``; a bad path is the user's error, not a crash."""
    try:
        Path(path).write_bytes(data)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror}",
                         hint="check that the folder exists and is writable") from None
    return str(path)


def render_dot(source: str, path: str | os.PathLike[str], format: str | None = None, *,
               dpi: int = DPI, timeout: float | None = TIMEOUT) -> str:
    """Write DOT ``source`` to ``path`` as svg/png/pdf/dot (format from the suffix)."""
    kind = format_of(path, format)
    return write_output(dot_to_bytes(source, kind, dpi=dpi, timeout=timeout), path)
