"""Step frames (issue 4): one picture per step, highlight, blanks, numbering, index.

DOT frames need no Graphviz; the image tests are skipped without ``dot``.
"""
from __future__ import annotations

import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.errors import InputError, RenderError
from autodiff_viz.views import dot_render, frames
from autodiff_viz.views.frames import captions, frame_sources, write_frames

from test_render_dot import edge_text, lines_of, node_text, table_text

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed: apt-get install graphviz")
EXPR = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def t() -> av.Trace:
    return av.trace(EXPR, at=AT, mode="both", wrt="x2")


def steps_of(t: av.Trace, kind: str) -> list:
    return {"primal": t.primal_steps, "forward": t.forward_steps,
            "reverse": t.reverse_steps}[kind]()


def highlighted(src: str) -> tuple[list[int], list[tuple[int, int]]]:
    """The node ids and (child, position) edges a frame draws in the highlight colour."""
    nodes = [int(i) for i in re.findall(r'n(\d+) \[id="n\d+"(?:(?!\];).)*?color="#D55E00", '
                                        r'penwidth="4"', src, re.S)]
    edges = [(int(c), int(p)) for c, p in re.findall(
        r'\[id="e(\d+)_(\d+)"(?:(?!\];).)*?color="#D55E00", penwidth="3.5"', src, re.S)]
    return nodes, edges


# -- frames as DOT: counts, highlights, blanks ------------------------------------------
@pytest.mark.parametrize("kind", ["primal", "forward", "reverse"])
def test_one_frame_per_step_of_the_pass(t: av.Trace, kind: str) -> None:
    srcs = frame_sources(t, kind)
    steps = steps_of(t, kind)
    assert len(srcs) == len(steps)
    for j, ((caption, src), step) in enumerate(zip(srcs, steps)):
        assert caption.startswith(f"step {j + 1}/{len(steps)}: ")
        nodes, _ = highlighted(src)
        assert nodes == [step.node]  # exactly the node this step computes


def test_reverse_frames_highlight_the_edges_whose_terms_the_step_uses(t: av.Trace) -> None:
    srcs = [src for _, src in frame_sources(t, "reverse")]
    assert [s.name for s in t.reverse_steps()] == ["w5", "w4", "w3", "w2", "w1"]
    assert highlighted(srcs[0])[1] == []  # the output: its seed, no terms
    assert highlighted(srcs[1])[1] == [(4, 1)]  # dz/dw4 = dz/dw5 * dw5/dw4
    assert highlighted(srcs[3])[1] == [(3, 1)]  # dz/dw2 = dz/dw4 * dw4/dw2
    assert highlighted(srcs[4])[1] == [(2, 0), (3, 0)]  # w1 feeds w3 and w4: two terms


def test_forward_and_primal_frames_highlight_the_edges_into_the_node(t: av.Trace) -> None:
    fwd = [src for _, src in frame_sources(t, "forward")]
    assert highlighted(fwd[0])[1] == []  # an input: its seed
    assert highlighted(fwd[3])[1] == [(3, 0), (3, 1)]  # dw4/dx2 = 3*0 + 2*1
    prim = [src for _, src in frame_sources(t, "primal")]
    assert highlighted(prim[4])[1] == [(4, 0), (4, 1)]  # w5 = w3 + w4


def hidden(frame: str, full: str) -> list[str]:
    """What a frame's line leaves blank, read from the full picture's line: each run of
    blanks (``_``) where the two differ. Anywhere else the frame must show what the
    full picture shows, and a blank is exactly as wide as what it hides (a combining
    mark, the bar of w̄, takes no width)."""
    if frame == full:
        return []
    frame, full = (unicodedata.normalize("NFC", x) for x in (frame, full))
    frame, full = ("".join(c for c in x if not unicodedata.combining(c)) for x in (frame, full))
    assert len(frame) == len(full), (frame, full)  # a blank is as wide as its number
    runs = [(m.start(), m.end()) for m in re.finditer(r"_+", frame)]
    for i, (a, b) in enumerate(zip(frame, full)):
        assert a == b or any(s <= i < e for s, e in runs), (frame, full)  # only blanks differ
    return [full[s:e] for s, e in runs if frame[s:e] != full[s:e]]


def number(text: str) -> float:
    """The number a picture shows (either minus sign), e.g. ``−0.4161``."""
    return float(text.strip().replace("\u2212", "-").split()[-1])


def blanks(frame: str, full: str) -> list[list[str]]:
    """:func:`hidden` of every line of a node's, edge's or table's text."""
    a, b = lines_of(frame), lines_of(full)
    assert len(a) == len(b), (a, b)
    return [h for x, y in zip(a, b) if (h := hidden(x, y))]


@pytest.mark.parametrize("kind", ["primal", "reverse"])
def test_values_stored_so_far_are_filled_in_and_the_rest_blank(t: av.Trace, kind: str) -> None:
    # However the pictures are styled: frame j shows exactly what the full picture shows,
    # except the numbers steps j+1.. store, left blank (as wide as the number).
    steps = steps_of(t, kind)
    full = t.to_dot(mode=kind)
    for j, (_, src) in enumerate(frame_sources(t, kind)):
        later = {s.node: (s.value if kind == "primal" else s.adjoint) for s in steps[j + 1:]}
        for i in range(5):
            gone = blanks(node_text(src, i), node_text(full, i))
            if i not in later:
                assert gone == [], (j, i, gone)
            else:  # one blank: the number stored later, e.g. 0.9093 or 2.584
                assert len(gone) == 1 and len(gone[0]) == 1, (j, i, gone)
                assert number(gone[0][0]) == pytest.approx(later[i], rel=1e-3, abs=1e-4)
        # the table: the same numbers blank in their rows (nothing else)
        shown = lines_of(table_text(src))
        for row, whole in zip(shown, lines_of(table_text(full))):
            node = int(whole.split()[0][1:]) - 1 if re.match(r"w\d ", whole) else None
            for cut in hidden(row, whole):
                assert node in later, (j, row, whole)
                assert number(cut) == pytest.approx(later[node], rel=1e-3, abs=1e-4)
        if kind == "reverse":  # an edge's term is blank until the step that adds it
            done = {(x.child, x.position) for s in steps[:j + 1] for x in s.terms}
            for s in steps:
                for x in s.terms:
                    gone = blanks(edge_text(src, x.child, x.position),
                                  edge_text(full, x.child, x.position))
                    if (x.child, x.position) in done:
                        assert gone == []
                    else:  # the whole term, its value last: adjoint x partial
                        assert len(gone) == 1 and len(gone[0]) == 1, gone
                        assert number(gone[0][0]) == pytest.approx(x.value, abs=1e-4)
    # spot checks against the worked example's numbers, by hand
    prim = [src for _, src in frame_sources(t, "primal")]
    assert "0.9093" in node_text(prim[2], 2) and "6.909" not in table_text(prim[3])
    rev = [src for _, src in frame_sources(t, "reverse")]
    assert "2.584" not in table_text(rev[3]) and "2.584" in table_text(rev[4])


def test_last_frame_has_every_number_of_the_full_picture(t: av.Trace) -> None:
    last = frame_sources(t, "reverse")[-1][1]
    full = t.to_dot(mode="reverse")
    for i in range(5):
        assert node_text(last, i) == node_text(full, i)
    for child, pos in [(2, 0), (3, 0), (3, 1), (4, 0), (4, 1)]:
        assert edge_text(last, child, pos) == edge_text(full, child, pos)
    assert "_" not in table_text(last)


def test_captions_are_the_steps_equations(t: av.Trace) -> None:
    assert captions(t, "reverse")[4] == ("step 5/5: w̄1 = w̄4·w2 + w̄3·cos(w1) = "
                                         "1·3 + 1·(\u22120.4161) = 2.584")
    assert captions(t, "reverse", style="text")[4] == (
        "step 5/5: dz/dw1 = dz/dw4*dw4/dw1 + dz/dw3*dw3/dw1 = 1*3 + 1*(-0.4161) = 2.584")
    assert captions(t, "primal")[2] == "step 3/5: w3 = sin(w1) = sin(2) = 0.9093"
    assert captions(t, "forward")[3].endswith("= 0·3 + 1·2 = 2")  # both factors (issue 11)
    with pytest.raises(InputError, match="unknown pass"):
        captions(t, "sideways")


def test_default_pass_follows_the_mode() -> None:
    assert frames.default_pass(av.trace("x*y", at={"x": 1, "y": 2}, mode="primal")) == "primal"
    assert frames.default_pass(av.trace("x*y", at={"x": 1, "y": 2}, mode="forward")) == "forward"
    assert frames.default_pass(av.trace("x*y", at={"x": 1, "y": 2})) == "reverse"


def test_frames_of_a_missing_pass_are_an_error() -> None:
    with pytest.raises(InputError, match="no reverse pass"):
        frame_sources(av.trace("x*y", at={"x": 1, "y": 2}, mode="forward"), "reverse")


# -- files ---------------------------------------------------------------------------------
def test_dot_frames_are_written_without_graphviz(t: av.Trace, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    paths = write_frames(t, tmp_path / "f", kind="forward", format="dot")
    assert [Path(p).name for p in paths] == [f"frame_{j:03d}.dot" for j in range(1, 6)]
    assert Path(paths[3]).read_text() == frame_sources(t, "forward")[3][1]
    index = (tmp_path / "f" / "index.md").read_text()
    links = re.findall(r"\[(frame_\d+\.dot)\]", index)
    assert links == [Path(p).name for p in paths]  # in order
    assert "## Step 4/5\n\n`ẇ4 = ẇ1·w2 + ẇ2·w1 = 0·3 + 1·2 = 2`\n" in index
    page = (tmp_path / "f" / "index.html").read_text()
    assert re.findall(r'href="(frame_\d+\.dot)"', page) == links


def test_image_frames_without_graphviz_fail_before_writing(
        t: av.Trace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RenderError, match="sudo apt-get install graphviz"):
        write_frames(t, tmp_path / "f", format="svg")
    assert not (tmp_path / "f").exists()


def test_old_frames_are_replaced(t: av.Trace, tmp_path: Path) -> None:
    (tmp_path / "frame_009.dot").write_text("old")
    (tmp_path / "notes.txt").write_text("mine")
    write_frames(t, tmp_path, kind="reverse", format="dot")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"frame_00{j}.dot" for j in range(1, 6)] + ["index.html", "index.md",
                                                                  "notes.txt"]


def test_too_many_frames_is_refused_with_a_hint(t: av.Trace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="more than 3 frames") as err:
        write_frames(t, tmp_path, format="dot", max_frames=3)
    assert "--max-frames" in str(err.value)
    assert list(tmp_path.iterdir()) == []


@needs_dot
@pytest.mark.parametrize("kind", ["primal", "forward", "reverse"])
def test_svg_frames_count_equals_steps_and_nothing_moves(t: av.Trace, tmp_path: Path,
                                                         kind: str) -> None:
    paths = write_frames(t, tmp_path, kind=kind, format="svg")
    assert len(paths) == len(steps_of(t, kind))
    assert sorted(p.name for p in tmp_path.glob("frame_*.svg")) == [Path(p).name for p in paths]
    layouts = []
    for p in paths:
        root = ET.parse(p).getroot()
        shapes = []
        for g in root.iter(f"{SVG}g"):
            if g.get("class") == "node":
                title = g.find(f"{SVG}title").text
                geometry = [(e.tag, e.get("points"), e.get("cx"), e.get("cy"), e.get("rx"),
                             e.get("d"), e.get("x"), e.get("y")) for e in g
                            if e.tag != f"{SVG}title"]
                shapes.append((title, geometry))
        layouts.append(shapes)
    assert all(layout == layouts[0] for layout in layouts)  # same place in every frame
    assert {title for title, _ in layouts[0]} >= {f"n{i}" for i in range(5)}


@needs_dot
def test_png_frames(t: av.Trace, tmp_path: Path) -> None:
    paths = write_frames(t, tmp_path, kind="reverse", format="png", dpi=60)
    assert len(paths) == 5
    assert all(Path(p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    index = (tmp_path / "index.md").read_text()
    assert "## Step 1/5\n\n`w̄5 = 1`\n\n![step 1/5](frame_001.png)\n" in index
    assert index.count("![step ") == 5
