"""Step frames as one file: a PDF of one page per step, an animated SVG, an animated GIF.

The frames are those of :mod:`.frames` (the same DOT sources, captions and
highlights), drawn by Graphviz and put together here:

* **PDF**: ``dot -Tpdf`` per frame, the pages joined in order by ``pypdf`` (pure
  Python), with an outline entry per page holding the step's equation;
* **animated SVG**: ``dot -Tsvg`` per frame, each frame a ``<g class="frame">`` of
  one self-contained SVG, shown in turn by SMIL ``<animate>`` (every browser plays
  it; a viewer without animation shows the last frame, the full picture);
* **animated GIF**: ``dot -Tpng`` per frame (at most :data:`GIF_MAX_SIDE` pixels a
  side), one palette for all frames, joined by Pillow, looping.

``pypdf`` and Pillow are the optional extra ``autodiff-viz[frames]``; without them
the PDF or the GIF is refused with that hint before anything is drawn.

>>> picture = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><g id="a"/></svg>'
>>> svg = animated_svg(["step 1/2: a", "step 2/2: b"], [picture, picture], seconds=1.5)
>>> svg.count('<g id="frame_'), svg.count("<animate "), 'dur="3s"' in svg, 'id="f2-a"' in svg
(2, 2, True, True)
"""
from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, RenderError
from .dot_render import DPI, FRAME_SECONDS, MAX_FRAMES, TIMEOUT, write_output

if TYPE_CHECKING:
    from ..trace import Trace
# .frames (and numpy with it) is imported on first use: the command line reads the
# defaults here for --help, which loads no numpy

MAX_SECONDS = 60.0
GIF_MAX_SIDE = 1920
"""A GIF is drawn at most this many pixels wide and high (a 16:9 screen's width)."""
KINDS = ("pdf", "svg", "gif")
"""What :func:`write_frames_file` writes, by the file's suffix."""
EXTRA_HINT = "pip install 'autodiff-viz[frames]' (or: pip install {})"

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_REF = re.compile(r"url\(#([^)]+)\)")


def check_seconds(seconds: float) -> float:
    """``seconds`` if it is a usable time per frame (more than 0, at most 60)."""
    if not 0 < seconds <= MAX_SECONDS:  # also NaN
        raise InputError(f"the time per frame must be more than 0 and at most "
                         f"{MAX_SECONDS:g} seconds, not {seconds:g}",
                         hint=f"for example --frame-seconds {FRAME_SECONDS:g}")
    return float(seconds)


_NEEDS = {"pdf": ("pypdf", "pypdf", "a PDF of the frames"),
          "gif": ("PIL", "Pillow", "an animated GIF")}


def _need(module: str, package: str, what: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise RenderError(f"the Python package {package} is needed to write {what}, "
                          "but it is not installed",
                          hint=EXTRA_HINT.format(package)) from None


# -- PDF ------------------------------------------------------------------------------------
def frames_pdf(trace: Trace, kind: str | None = None, k: int = 0, *,
               timeout: float | None = TIMEOUT, max_frames: int = MAX_FRAMES,
               **options: Any) -> bytes:
    """One PDF with a page per step of the pass (default: :func:`.frames.default_pass`),
    in order; each page's outline entry is its step's equation. Needs Graphviz and pypdf.

    ``options`` are those of :func:`~autodiff_viz.views.graphviz.trace_to_dot`.
    """
    from .frames import checked_sources, pass_title, render_sources

    pypdf = _need(*_NEEDS["pdf"])
    kind, sources = checked_sources(trace, kind, k, "pdf", max_frames, **options)
    writer = pypdf.PdfWriter()
    for j, (data, (caption, _)) in enumerate(
            zip(render_sources(sources, "pdf", timeout=timeout), sources)):
        for page in pypdf.PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
        writer.add_outline_item(title=caption, page_number=j)
    writer.add_metadata({"/Title": pass_title(trace, kind, k), "/Creator": "autodiff_viz"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- animated SVG ---------------------------------------------------------------------------
def frames_svg(trace: Trace, kind: str | None = None, k: int = 0, *,
               seconds: float = FRAME_SECONDS, timeout: float | None = TIMEOUT,
               max_frames: int = MAX_FRAMES, **options: Any) -> str:
    """One self-contained SVG that shows the pass's frames in turn, ``seconds`` each, in
    a loop (SMIL; without animation the last frame shows). Needs Graphviz."""
    from .frames import checked_sources, pass_title, render_sources

    seconds = check_seconds(seconds)
    kind, sources = checked_sources(trace, kind, k, "svg", max_frames, **options)
    images = render_sources(sources, "svg", timeout=timeout)
    return animated_svg([c for c, _ in sources], images, seconds=seconds,
                        title=pass_title(trace, kind, k))


def animated_svg(captions: list[str], images: list[bytes], *, seconds: float = FRAME_SECONDS,
                 title: str = "") -> str:
    """The SVG ``images`` (one per caption) as frames of one animated SVG.

    Frame ``j`` is ``<g id="frame_00j" class="frame">`` holding its picture as a
    nested ``<svg>`` (ids prefixed ``fj-`` so they stay unique) and one discrete
    ``<animate>`` of its ``display``: shown from ``(j-1)·seconds`` for ``seconds``,
    over a cycle of ``n·seconds``, repeated. Only the last frame is displayed without
    animation, so a static viewer shows the full picture.
    """
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    n = len(images)
    frames = [ET.fromstring(data) for data in images]
    boxes = [_box(f) for f in frames]
    width, height = max(b[2] for b in boxes), max(b[3] for b in boxes)
    root = ET.Element(f"{{{_SVG}}}svg", {"version": "1.1", "width": f"{width:g}pt",
                                          "height": f"{height:g}pt",
                                          "viewBox": f"0 0 {width:g} {height:g}"})
    ET.SubElement(root, f"{{{_SVG}}}title").text = title or "step frames"
    ET.SubElement(root, f"{{{_SVG}}}desc").text = (
        f"{n} frame{'s' if n != 1 else ''}, one per step, each shown {seconds:g} s, in a "
        "loop; without animation the last frame, the full picture, shows")
    ET.SubElement(root, f"{{{_SVG}}}rect", {"width": "100%", "height": "100%",
                                            "fill": "white"})
    digits = max(3, len(str(n)))
    for j, (caption, frame, box) in enumerate(zip(captions, frames, boxes)):
        g = ET.SubElement(root, f"{{{_SVG}}}g", {
            "id": f"frame_{j + 1:0{digits}d}", "class": "frame",
            "display": "inline" if j == n - 1 else "none"})
        ET.SubElement(g, f"{{{_SVG}}}title").text = caption
        _prefix_ids(frame, f"f{j + 1}-")
        frame.attrib.update({"x": "0", "y": "0", "width": f"{box[2]:g}",
                             "height": f"{box[3]:g}",
                             "viewBox": " ".join(f"{v:g}" for v in box)})
        g.append(frame)
        ET.SubElement(g, f"{{{_SVG}}}animate", _shown(j, n, seconds)).tail = "\n"
    for el in root:
        el.tail = "\n"
    root.text = "\n"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            + ET.tostring(root, encoding="unicode") + "\n")


def _box(svg: ET.Element) -> tuple[float, float, float, float]:
    """The viewBox of a Graphviz SVG (its size in points)."""
    box = svg.get("viewBox")
    if box:
        x, y, w, h = (float(v) for v in box.replace(",", " ").split())
        return x, y, w, h
    w, h = (float(re.sub(r"[a-z]+$", "", svg.get(a, "0"))) for a in ("width", "height"))
    return 0.0, 0.0, w, h


def _prefix_ids(svg: ET.Element, prefix: str) -> None:
    """Prefix every id, and every reference to one (``#id``, ``url(#id)``)."""
    for el in svg.iter():
        for name, value in list(el.attrib.items()):
            if name == "id":
                el.set(name, prefix + value)
            elif name in ("href", f"{{{_XLINK}}}href") and value.startswith("#"):
                el.set(name, "#" + prefix + value[1:])
            elif "url(#" in value:
                el.set(name, _REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", value))


def _shown(j: int, n: int, seconds: float) -> dict[str, str]:
    """The ``<animate>`` that displays frame ``j`` (0-based) of ``n`` in its turn."""
    def at(i: int) -> str:
        return f"{i / n:.6f}".rstrip("0").rstrip(".")

    values, times = ["inline"], ["0"]  # frame 0 shows from the start
    if j > 0:
        values, times = ["none", "inline"], ["0", at(j)]
    if j < n - 1:
        values.append("none")
        times.append(at(j + 1))
    return {"attributeName": "display", "values": ";".join(values),
            "keyTimes": ";".join(times), "calcMode": "discrete", "begin": "0s",
            "dur": f"{n * seconds:g}s", "repeatCount": "indefinite"}


# -- animated GIF ---------------------------------------------------------------------------
def frames_gif(trace: Trace, kind: str | None = None, k: int = 0, *,
               seconds: float = FRAME_SECONDS, dpi: int = DPI,
               timeout: float | None = TIMEOUT, max_frames: int = MAX_FRAMES,
               max_side: int = GIF_MAX_SIDE, **options: Any) -> bytes:
    """An animated GIF of the pass's frames, ``seconds`` each, looping; drawn as png at
    ``dpi``, lower when the picture would be more than ``max_side`` pixels wide or
    high (a GIF is for a screen: memory and time stay bounded for long passes). Needs
    Graphviz and Pillow."""
    seconds = check_seconds(seconds)
    _need(*_NEEDS["gif"])
    from PIL import Image

    from .frames import checked_sources, render_sources

    kind, sources = checked_sources(trace, kind, k, "png", max_frames, **options)
    with Image.open(io.BytesIO(render_sources(sources[-1:], "png", dpi=72,
                                              timeout=timeout)[0])) as probe:
        side = max(probe.size + (1,))  # pixels at 72 dpi (as dot scales: png's size cap)
    dpi = max(1, min(dpi, int(max_side * 72 / side)))
    pngs = render_sources(sources, "png", dpi=dpi, timeout=timeout)  # compressed: small
    palette: Image.Image | None = None
    frames = []
    for data in reversed(pngs):  # the last frame, the full picture, has every colour
        with Image.open(io.BytesIO(data)) as png:
            rgba = png.convert("RGBA")
        page = Image.new("RGB", rgba.size, "white")  # no transparency
        page.paste(rgba, (0, 0), rgba)
        del rgba
        if palette is None:  # one palette for all: no flicker, small frame differences
            palette = _palette(page)
        frames.append(page.quantize(palette=palette, dither=Image.Dither.NONE))
    frames.reverse()
    size = (max(f.width for f in frames), max(f.height for f in frames))
    if any(f.size != size for f in frames):  # frames of one size, the picture top left
        frames = [_padded(f, size) for f in frames]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                   duration=max(20, round(seconds * 1000)), loop=0)
    return out.getvalue()


def _palette(page: Any) -> Any:
    """256 colours for every frame, from ``page``, the near-whites made white (Pillow maps
    colours to a palette coarsely: the white background would turn light grey)."""
    from PIL import Image

    palette = page.quantize(colors=256, dither=Image.Dither.NONE)
    rgb = palette.getpalette()
    for i in range(0, len(rgb) - 2, 3):
        if min(rgb[i:i + 3]) >= 244:
            rgb[i:i + 3] = [255, 255, 255]
    palette.putpalette(rgb)
    return palette


def _padded(frame: Any, size: tuple[int, int]) -> Any:
    """A paletted frame on a larger white page of ``size``."""
    from PIL import Image

    page = Image.new("RGB", size, "white").quantize(palette=frame, dither=Image.Dither.NONE)
    page.paste(frame, (0, 0))
    return page


# -- files ----------------------------------------------------------------------------------
def file_kind(path: str | os.PathLike[str], format: str | None = None) -> str:
    """``pdf``, ``svg`` or ``gif``: ``format`` when given, else the file's suffix."""
    suffix = Path(path).suffix.lstrip(".").lower()
    kind = (format or suffix).lower()
    if format and suffix in KINDS + ("png", "dot", "gv") and suffix != kind:
        raise InputError(f"the file name {path} says {suffix} but the frames are {kind}",
                         hint=f"name it frames.{kind}")
    if kind not in KINDS:
        raise InputError(f"cannot tell what to write to {path}",
                         hint="name it frames.pdf (a page per step), frames.svg or "
                              "frames.gif (animated)")
    return kind


def check_file(path: str | os.PathLike[str], format: str | None = None) -> str:
    """:func:`file_kind`, once the package that kind needs is known to be installed
    (pypdf for a PDF, Pillow for a GIF): what the command line checks before drawing.

    >>> check_file("slides.svg")
    'svg'
    """
    kind = file_kind(path, format)
    if kind in _NEEDS:
        _need(*_NEEDS[kind])
    return kind


def write_frames_file(trace: Trace, path: str | os.PathLike[str], *,
                      format: str | None = None, kind: str | None = None, k: int = 0,
                      seconds: float = FRAME_SECONDS, dpi: int = DPI,
                      timeout: float | None = TIMEOUT, max_frames: int = MAX_FRAMES,
                      **options: Any) -> str:
    """Write the pass's frames to ``path`` as one file: ``pdf`` (a page per step), ``svg``
    or ``gif`` (animated), from ``format`` or the suffix; returns the path."""
    what = check_file(path, format)
    common = dict(kind=kind, k=k, timeout=timeout, max_frames=max_frames, **options)
    if what == "pdf":
        data = frames_pdf(trace, **common)
    elif what == "svg":
        data = frames_svg(trace, seconds=seconds, **common).encode("utf-8")
    else:
        data = frames_gif(trace, seconds=seconds, dpi=dpi, **common)
    return write_output(data, path)

