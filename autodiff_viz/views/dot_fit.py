"""Choosing a picture's layout so that it fits a slide, without running Graphviz.

A picture can be drawn left to right or top to bottom, with its table beside the
graph or below it, and its nodes' values beside or below their definitions. Each
candidate's size in points is guessed from its labels (:func:`label_size`: characters
times an average glyph width, rows times a line height), its nodes stacked in columns
by depth (:func:`graph_size`) and its table and heading (:func:`combine`);
:func:`choose` takes the candidate that needs the least shrinking to fit the box. The
guess only ranks layouts: ``dot`` makes the picture, and a ``size`` attribute keeps it
inside the box.

>>> label_size("<TABLE><TR><TD>w1 = x1 = 2</TD></TR><TR><TD>w&#772;1 = 1</TD></TR></TABLE>", 12)
(73.9, 30.0)
>>> choose([Layout("LR", False), Layout("TB", False)], lambda c: (800.0, 400.0)
...        if c.rankdir == "LR" else (300.0, 900.0), (1440.0, 810.0))
(Layout(rankdir='LR', side=False, narrow=False, columns=1), 1.0)
"""
from __future__ import annotations

import html
import re
import unicodedata
from typing import Callable, NamedTuple, Sequence

from .dot_view import SMALL

GLYPH = 0.56
"""Average width of a Helvetica glyph, as a fraction of the font size."""
LINE = 1.25
"""Height of a line of text, as a multiple of the font size."""
MIN_PX = 12
"""The smallest text a slide may show, in pixels at 96 dpi."""
MIN_SCALE = MIN_PX / (SMALL * 96 / 72)
"""A picture shrunk further than this (about 0.82) would show its smallest text
(:data:`~autodiff_viz.views.dot_view.SMALL` points) under :data:`MIN_PX` pixels."""


class Layout(NamedTuple):
    """``rankdir`` (``LR`` or ``TB``), whether the table is beside the graph (``side``)
    rather than below it, whether nodes write their values on a line of their own
    (``narrow``), and in how many columns the table of steps is (``columns``)."""

    rankdir: str
    side: bool
    narrow: bool = False
    columns: int = 1


def label_size(label: str, size: float) -> tuple[float, float]:
    """A label's guessed size in points at font ``size``: its widest row, its rows (a
    combining bar or dot, as in w̄1, takes no room: a blank of a step frame is as wide).

    >>> label_size("abc", 10)
    (16.8, 12.5)
    """
    rows = re.split(r"</TR>|<BR[^>]*>", label) if "<" in label else label.split("\\n")
    texts = [label_text(r).strip() for r in rows]
    texts = [t for t in texts if t] or [""]
    width = max(sum(not unicodedata.combining(c) for c in t) for t in texts) * GLYPH * size
    return round(width, 1), round(len(texts) * LINE * size, 1)


def label_text(label: str) -> str:
    """The text an HTML-like label shows: tags dropped, references resolved.

    >>> label_text('<FONT COLOR="#0072B2">w&#772;1</FONT> += 1')
    'w̄1 += 1'
    """
    return html.unescape(re.sub(r"<[^>]+>", "", label))


def graph_size(nodes: dict[int, tuple[float, float]], ranks: dict[int, int], rankdir: str,
               nodesep: float, ranksep: float) -> tuple[float, float]:
    """The guessed size of the graph: nodes (``id -> (width, height)``) in columns by rank
    (``LR``: columns left to right; ``TB``: rows top to bottom), ``nodesep`` apart in a
    column and ``ranksep`` between columns (points).

    >>> graph_size({0: (50, 20), 1: (50, 20), 2: (80, 20)}, {0: 0, 1: 0, 2: 1}, "LR", 10, 30)
    (160, 50)
    >>> graph_size({0: (50, 20), 1: (50, 20), 2: (80, 20)}, {0: 0, 1: 0, 2: 1}, "TB", 10, 30)
    (110, 70)
    """
    columns: dict[int, list[tuple[float, float]]] = {}
    for i, (w, h) in nodes.items():
        columns.setdefault(ranks[i], []).append((w, h) if rankdir == "LR" else (h, w))
    across = sum(max(w for w, _ in col) for col in columns.values()) \
        + ranksep * (len(columns) - 1)
    along = max(sum(h for _, h in col) + nodesep * (len(col) - 1) for col in columns.values())
    return (across, along) if rankdir == "LR" else (along, across)


def combine(graph: tuple[float, float], table: tuple[float, float] | None,
            head: tuple[float, float], side: bool, gap: float = 20) -> tuple[float, float]:
    """The whole picture: the heading above, the table beside or below the graph.

    >>> combine((400, 300), (200, 100), (300, 40), side=True)
    (620, 340)
    >>> combine((400, 300), (200, 100), (300, 40), side=False)
    (400, 460)
    """
    w, h = graph
    if table is not None:
        tw, th = table
        w, h = (w + gap + tw, max(h, th)) if side else (max(w, tw), h + gap + th)
    return max(w, head[0]), h + head[1]


def shrink(size: tuple[float, float], box: tuple[float, float]) -> float:
    """How much a picture of ``size`` must shrink to fit ``box`` (1: not at all).

    >>> shrink((2000, 500), (1440, 810)), shrink((700, 400), (1440, 810))
    (0.72, 1.0)
    """
    return min(1.0, box[0] / max(size[0], 1.0), box[1] / max(size[1], 1.0))


def choose(candidates: Sequence[Layout], size: Callable[[Layout], tuple[float, float]],
           box: tuple[float, float]) -> tuple[Layout, float]:
    """The candidate that needs the least shrinking to fit ``box`` (points), and how
    much it needs (:func:`shrink`); the first of equals (no shrinking counts as equal)."""
    scales = [shrink(size(c), box) for c in candidates]
    best = max(range(len(candidates)), key=scales.__getitem__)  # the first of equals
    return candidates[best], scales[best]
