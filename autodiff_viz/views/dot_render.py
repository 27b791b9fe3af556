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
import shutil
import subprocess
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
TIMEOUT = 120.0
"""Seconds ``dot`` may take before rendering stops with an error (never a hang)."""
DPI = 150
"""Resolution of png images (slides: 150 is sharp on a projector)."""
PNG_MAX_INCHES = 40
"""Larger pictures are scaled down to this size in png (6,000 pixels at 150 dpi), so that
big graphs stay quick; svg and pdf are never scaled."""
INSTALL_HINT = ("install Graphviz: 'sudo apt-get install graphviz' on Debian/Ubuntu, "
                "'brew install graphviz' on macOS (others: https://graphviz.org/download/). "
                "--format dot (trace.to_dot() in Python) works without it: it writes the "
                "DOT source, which needs no Graphviz")


def dot_program() -> str | None:
    """The path of Graphviz's ``dot`` program on PATH, or None."""
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


def missing_dot_error(format: str) -> RenderError:
    """The error for an image format when Graphviz's ``dot`` is not installed."""
    return RenderError(f"Graphviz's 'dot' program is needed to write {format} images, "
                       "but it is not installed (not found on PATH)", hint=INSTALL_HINT)


def dot_to_bytes(source: str, format: str, *, dpi: int = DPI,
                 timeout: float | None = TIMEOUT) -> bytes:
    """The image of DOT ``source`` as bytes (``dot`` format: the source itself)."""
    if format == "dot":
        return source.encode("utf-8")
    if format not in IMAGE_FORMATS:
        raise InputError(f"unknown format {format!r}", hint="use svg, png, pdf or dot")
    exe = dot_program()
    if exe is None:
        raise missing_dot_error(format)
    cmd = [exe, f"-T{format}"]
    if format == "png":
        cmd += [f"-Gdpi={dpi}", f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}"]
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
