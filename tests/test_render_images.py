"""Images made with Graphviz's dot (issue 4): svg, png and pdf are produced and valid,
and the missing-binary path raises the documented error."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.errors import AutodiffVizError, InputError, RenderError
from autodiff_viz.views import dot_render
from autodiff_viz.views.dot_render import format_of, render_dot
from autodiff_viz.views.lines import fmt

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed: apt-get install graphviz")
EXPR = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}
SVG = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def svg_texts(path: str | Path) -> list[str]:
    """Every text run of an SVG file (parsed as XML, so it must be well-formed)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return [" ".join("".join(e.itertext()).split()) for e in root.iter(f"{SVG}text")]


def stored_numbers(t: av.Trace, digits: int = 4, style: str = "unicode") -> set[str]:
    """Every value, tangent and adjoint the trace stored, as the picture prints them
    (−0.4161 with a minus sign; ``style="text"``: -0.4161)."""
    nums = {fmt(s.value, digits, style) for s in t.steps}
    for k in range(len(t.forward)):
        nums |= {fmt(s.tangent, digits, style) for s in t.forward_steps(k)}
    for k in range(len(t.reverse)):
        nums |= {fmt(s.adjoint, digits, style) for s in t.reverse_steps(k)}
    return nums


@needs_dot
@pytest.mark.parametrize("mode", ["primal", "forward", "reverse", "both"])
def test_svg_is_valid_and_shows_every_stored_number(tmp_path: Path, mode: str) -> None:
    t = av.trace(EXPR, at=AT, mode=mode, wrt=None if mode == "primal" else "x2")
    path = t.render(tmp_path / "g.svg")
    assert path == str(tmp_path / "g.svg")
    texts = svg_texts(path)
    for s in t.steps:
        assert fmt(s.value, 4, "unicode") in texts, s.name  # every node's value
    assert stored_numbers(t) <= set(texts)
    assert "input" in texts and "output" in texts and "operation" in texts  # the legend
    if mode in ("reverse", "both"):
        assert "∂z/∂x1" in texts and "2.584" in texts
        assert "w̄1 += 1·(−0.4161) = −0.4161" in texts  # w̄4·∂w3/∂w1: carried, then partial
    if mode == "primal":
        assert not any("∂" in x or "+=" in x for x in texts)  # no derivatives at all
    ascii_texts = svg_texts(t.render(tmp_path / "a.svg", ascii=True))
    assert stored_numbers(t, style="text") <= set(ascii_texts)
    if mode in ("reverse", "both"):
        assert "dz/dw1 += 1*(-0.4161) = -0.4161" in ascii_texts


@needs_dot
def test_png_and_pdf_have_their_magic_bytes(tmp_path: Path) -> None:
    t = av.trace(EXPR, at=AT, mode="both", wrt="x2")
    png = Path(t.render(tmp_path / "g.png"))
    pdf = Path(t.render(tmp_path / "g.pdf"))
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert Path(t.render(tmp_path / "g", format="pdf")).read_bytes()[:5] == b"%PDF-"
    width = int.from_bytes(png.read_bytes()[16:20], "big")
    assert width > 1000  # 150 dpi by default: sharp on slides


@needs_dot
def test_graph_alone_renders(tmp_path: Path) -> None:
    src = av.parse(EXPR).to_dot(rankdir="TB")
    texts = svg_texts(render_dot(src, tmp_path / "g.svg"))
    assert "∂w3/∂w1 = cos(w1)" in texts


@needs_dot
def test_dot_errors_become_render_errors() -> None:
    with pytest.raises(RenderError, match="dot could not render"):
        dot_render.dot_to_bytes("digraph { a -> }", "svg")


def test_dot_format_needs_no_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    t = av.trace(EXPR, at=AT)
    path = t.render(tmp_path / "g.dot")
    assert Path(path).read_text() == t.to_dot()
    assert Path(t.render(tmp_path / "g.gv", mode="reverse")).read_text() == t.to_dot(mode="reverse")


@pytest.mark.parametrize("fmt_", ["svg", "png", "pdf"])
def test_missing_dot_raises_the_documented_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 fmt_: str) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    t = av.trace(EXPR, at=AT)
    with pytest.raises(RenderError) as err:
        t.render(tmp_path / f"g.{fmt_}")
    text = err.value.render()
    assert isinstance(err.value, AutodiffVizError) and err.value.exit_code == 2
    assert f"Graphviz's 'dot' program is needed to write {fmt_} images" in text
    assert "sudo apt-get install graphviz" in text and "Debian/Ubuntu" in text
    assert "brew install graphviz" in text and "macOS" in text
    assert "--format dot" in text and "trace.to_dot()" in text
    assert not (tmp_path / f"g.{fmt_}").exists()


def test_formats_come_from_the_suffix_or_the_option() -> None:
    assert [format_of(p) for p in ("a.svg", "a.PNG", "a.pdf", "a.dot", "a.gv")] == [
        "svg", "png", "pdf", "dot", "dot"]
    assert format_of(None) == format_of("-") == "dot"
    assert format_of("a.svg", "svg") == "svg" and format_of("a", "png") == "png"
    for bad, kw in (("a.jpg", {}), ("a", {}), ("a.png", {"format": "svg"}),
                    ("a.svg", {"format": "gif"})):
        with pytest.raises(InputError):
            format_of(bad, **kw)


def test_unwritable_path_is_an_input_error(tmp_path: Path) -> None:
    t = av.trace(EXPR, at=AT)
    with pytest.raises(InputError, match="cannot write"):
        t.render(tmp_path / "no" / "such" / "folder" / "g.dot")
