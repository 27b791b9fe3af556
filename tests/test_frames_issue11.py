"""Step frames for the lecture hall (issue 11): one multi-page PDF (a page per step), an
animated SVG and an animated GIF besides the folder of slides, and captions in the
course's chain-rule notation: each term shows both factors, the carried quantity
(tangent or adjoint) first, then the local partial, and a value is printed once
(never ``= 0 = 0``).

Captions need no Graphviz; the files do, and those tests are skipped without ``dot``.
pypdf and Pillow are test dependencies (``pip install -e '.[test]'``).
"""
from __future__ import annotations

import html
import io
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.errors import InputError, RenderError
from autodiff_viz.printing import format_number
from autodiff_viz.views import animate
from autodiff_viz.views.frames import captions, frame_sources, write_frames

from test_properties import exprs

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed: apt-get install graphviz")
EXPR = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}
SVG = "{http://www.w3.org/2000/svg}"
COS2 = f"{math.cos(2):.4f}"  # -0.4161: dw3/dw1 = cos(w1) at w1 = 2, by hand
MCOS2 = COS2.replace("-", "\u2212")  # as the course's notation writes it: −0.4161
XOR = ("h = relu(X@W + c)\nf = h@w + b",
       {"X": [[0, 0], [1, 0], [0, 1], [1, 1]], "W": [[1, 1], [1, 1]], "c": [0, -1],
        "w": [1, -2], "b": 0})


@pytest.fixture(scope="module")
def t() -> av.Trace:
    """The worked example, both modes, forward pass seeded x2 (as the demo)."""
    return av.trace(EXPR, at=AT, mode="both", wrt="x2")


def cli(args: list[str], cwd: Path, path: str | None = None) -> subprocess.CompletedProcess:
    """``autodiff-viz render ARGS`` in a fresh process (PATH as given: '' hides Graphviz)."""
    env = dict(os.environ, **({} if path is None else {"PATH": path}))
    return subprocess.run([sys.executable, "-m", "autodiff_viz", "render", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def working(caption: str) -> list[str]:
    """A caption's parts: ``step j/n: A = B = C`` -> ``[A, B, C]``."""
    return caption.split(": ", 1)[1].split(" = ")


def no_repeat(caption: str) -> bool:
    """No ``= A = A``: a part after the name never repeats the one before it."""
    parts = working(caption)
    return all(a != b for a, b in zip(parts[1:], parts[2:]))


# -- captions --------------------------------------------------------------------------------
def test_forward_captions_of_the_worked_example_seeded_x2(t: av.Trace) -> None:
    # w1 = x1 = 2, w2 = x2 = 3; seed x2: tangents 0 and 1. Each term: tangent * partial,
    # in the course's notation (the picture's), and in ASCII for ascii=True
    assert captions(t, "forward") == [
        "step 1/5: ẇ1 = 0",
        "step 2/5: ẇ2 = 1",
        f"step 3/5: ẇ3 = ẇ1·cos(w1) = 0·({MCOS2}) = 0",  # the value once, not "= 0 = 0"
        "step 4/5: ẇ4 = ẇ1·w2 + ẇ2·w1 = 0·3 + 1·2 = 2",
        "step 5/5: ẇ5 = ẇ3·1 + ẇ4·1 = 0·1 + 2·1 = 2",
    ]
    assert captions(t, "forward", style="text") == [
        "step 1/5: dw1/dx2 = 0",
        "step 2/5: dw2/dx2 = 1",
        f"step 3/5: dw3/dx2 = dw1/dx2*cos(w1) = 0*({COS2}) = 0",
        "step 4/5: dw4/dx2 = dw1/dx2*w2 + dw2/dx2*w1 = 0*3 + 1*2 = 2",
        "step 5/5: dw5/dx2 = dw3/dx2*1 + dw4/dx2*1 = 0*1 + 2*1 = 2",
    ]


def test_forward_caption_seeded_x1_and_the_reverse_captions(t: av.Trace) -> None:
    x1 = av.trace(EXPR, at=AT, mode="forward", wrt="x1")
    assert captions(x1, "forward")[2] == f"step 3/5: ẇ3 = ẇ1·cos(w1) = 1·({MCOS2}) = {MCOS2}"
    grad = f"{math.cos(2) + 3:.4g}"  # dz/dx1 = cos 2 + x2 = 2.584
    assert captions(t, "reverse") == [  # each term: adjoint * partial
        "step 1/5: w̄5 = 1",
        "step 2/5: w̄4 = w̄5·1 = 1·1 = 1",
        "step 3/5: w̄3 = w̄5·1 = 1·1 = 1",
        "step 4/5: w̄2 = w̄4·w1 = 1·2 = 2",
        f"step 5/5: w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·({MCOS2}) = {grad}",
    ]
    assert captions(t, "reverse", style="text")[4] == (
        f"step 5/5: dz/dw1 = dz/dw4*dw4/dw1 + dz/dw3*dw3/dw1 = 1*3 + 1*({COS2}) = {grad}")
    assert captions(t, "primal")[3] == "step 4/5: w4 = w1·w2 = 2·3 = 6"


@pytest.mark.parametrize("ascii", [False, True])
def test_the_caption_is_the_one_drawn_in_the_frame(t: av.Trace, ascii: bool) -> None:
    sources = frame_sources(t, "reverse", ascii=ascii)
    assert [c for c, _ in sources] == captions(t, "reverse", style="text" if ascii
                                               else "unicode")
    for caption, src in sources:
        shown = re.search(r"step \d/5: [^<]*", html.unescape(src).replace("\u00a0", " "))
        assert shown is not None and shown.group(0).rstrip() == caption


FAN_OUT = [("x*y + x*sin(y) + exp(x)*x", {"x": 0, "y": 0}),  # x feeds four nodes; zeros
           ("y = x*x\nz = y*y + sin(y)*y", {"x": 0}),  # y feeds three, x one twice
           (EXPR, AT)]


@pytest.mark.parametrize("program,at", FAN_OUT)
def test_no_caption_of_any_step_of_any_pass_prints_a_value_twice(program: str,
                                                                   at: dict) -> None:
    for wrt in at:  # every seed
        tr = av.trace(program, at=at, mode="both", wrt=wrt)
        for kind in ("primal", "forward", "reverse"):
            for style in ("unicode", "text"):
                caps = captions(tr, kind, style=style)
                assert len(caps) == len(tr.primal_steps())
                for caption in caps:
                    assert no_repeat(caption), caption
                    assert not re.search(r"= (\S+) = \1$", caption), caption
        rev = captions(tr, "reverse", style="text")
        for caption, s in zip(rev, tr.reverse_steps()):
            _check_terms(caption, [(x.child_adjoint, x.partial) for x in s.terms])
        for caption, s in zip(captions(tr, "forward", style="text"), tr.forward_steps()):
            _check_terms(caption, [] if s.is_input else
                         [(x.parent_tangent, x.partial) for x in s.terms])
    # by hand: x fans out to w3 = x*y, w5 = x*sin(y), w7 = exp(x) and w8 = w7*x; at 0 the
    # adjoint of x is 1*1 (through w8 = exp(x)*x) + 0*1 + 1*0 + 1*0 = 1 = d/dx
    tr = av.trace(FAN_OUT[0][0], at=FAN_OUT[0][1], mode="reverse")
    assert captions(tr, "reverse")[-1] == (
        "step 9/9: w̄1 = w̄8·w7 + w̄7·exp(w1) + w̄5·w4 + w̄3·w2 = 1·1 + 0·1 + 1·0 + 1·0 = 1")


def test_vector_and_matrix_steps_show_both_factors_and_each_value_once() -> None:
    xor = av.trace(XOR[0], at=XOR[1], mode="both")
    fwd = captions(xor, "forward")
    # relu's tangent: one elementwise term, the tangent times relu's slope, then the value
    assert fwd[7] == ("step 8/10: ḣ = ẇ7·step(w7) = [2, 2; 2, 2; 2, 2; 2, 2]·"
                      "[0, 0; 1, 0; 1, 0; 1, 1] = [0, 0; 2, 0; 2, 0; 2, 2]")
    assert captions(xor, "forward", style="text")[7] == (
        "step 8/10: dh/dX = dw7/dX*step(w7) = [2, 2; 2, 2; 2, 2; 2, 2]*"
        "[0, 0; 1, 0; 1, 0; 1, 1] = [0, 0; 2, 0; 2, 0; 2, 2]")
    for kind in ("forward", "reverse", "primal"):
        for caption in captions(xor, kind) + captions(xor, kind, style="text"):
            assert no_repeat(caption), caption
    # a transpose's tangent has no two factors (matrix notation): its value, once
    tr = av.trace("sum(transpose(X))", at={"X": [[1, 2], [3, 4]]}, mode="forward")
    assert captions(tr, "forward")[1] == "step 2/3: ẇ2 = ẇ1ᵀ = [1, 1; 1, 1]"
    assert captions(tr, "forward", style="text")[1] == "step 2/3: dw2/dX = dw1/dX.T = [1, 1; 1, 1]"


def _factor(v: float) -> str:
    s = format_number(float(v), 4)
    return f"({s})" if s.startswith("-") else s


def _check_terms(caption: str, terms: list[tuple[float, float]]) -> None:
    """The working is one ``carried*partial`` per stored term, in order."""
    parts = working(caption)
    if not terms:
        assert len(parts) == 2, caption  # an input's seed, the output's seed: name = value
        return
    assert len(parts) == 4, caption  # name = symbolic = factors = value
    assert parts[2] == " + ".join(f"{_factor(c)}*{_factor(p)}" for c, p in terms), caption


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exprs, st.fixed_dictionaries({v: st.sampled_from([0, 1, -1, 2, 0.5])
                                     for v in ("x", "y", "z")}))
def test_no_caption_repeats_a_value_and_terms_show_both_factors(e: tuple, at: dict) -> None:
    g = av.parse(e[0])
    assume(len(g.inputs) > 0)
    try:
        tr = av.trace(g, {v: at[v] for v in g.input_names}, mode="both")
    except av.AutodiffVizError:
        assume(False)
    assume(all(math.isfinite(v) for v in tr.gradient.values()))
    caps = {kind: captions(tr, kind, style="text") for kind in ("primal", "forward", "reverse")}
    shown = [c for kind in caps for c in caps[kind] + captions(tr, kind)]
    for caption in shown:
        assert no_repeat(caption), (e[0], caption)
        assert not re.search(r"= (\S+) = \1$", caption), (e[0], caption)
    for caption, s in zip(caps["forward"], tr.forward_steps()):
        _check_terms(caption, [] if s.is_input else
                     [(x.parent_tangent, x.partial) for x in s.terms])
    for caption, s in zip(caps["reverse"], tr.reverse_steps()):
        _check_terms(caption, [(x.child_adjoint, x.partial) for x in s.terms])


# -- the multi-page PDF ----------------------------------------------------------------------
def pdf_pages_text(path: Path) -> list[str]:
    """Each page's text: pdftotext when installed (the poppler tool), else pypdf."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                             check=True).stdout.decode("utf-8")
        return out.split("\f")[:-1]
    import pypdf
    return [p.extract_text() for p in pypdf.PdfReader(str(path)).pages]


@needs_dot
@pytest.mark.parametrize("kind", ["primal", "forward", "reverse"])
def test_pdf_has_one_page_per_step_in_order(t: av.Trace, tmp_path: Path, kind: str) -> None:
    import pypdf

    path = tmp_path / f"{kind}.pdf"
    assert animate.write_frames_file(t, path, kind=kind) == str(path)
    reader = pypdf.PdfReader(str(path))
    caps = captions(t, kind)
    steps = {"primal": t.primal_steps, "forward": t.forward_steps,
             "reverse": t.reverse_steps}[kind]()
    assert len(reader.pages) == len(steps) == len(caps) == 5
    assert [o.title for o in reader.outline] == caps  # a bookmark per page: its step
    assert [reader.get_destination_page_number(o) for o in reader.outline] == list(range(5))
    assert reader.metadata.title.startswith(f"{kind.capitalize()} pass: z = sin(x1) + x1*x2")
    for j, text in enumerate(pdf_pages_text(path)):
        flat = " ".join(text.replace("\u00a0", " ").split())
        assert f"step {j + 1}/5:" in flat and f"step {j + 2}/5:" not in flat


def squeezed(text: str) -> str:
    """Text without any white space (pdftotext sets a combining bar, w̄, apart)."""
    return "".join(text.replace("\u00a0", " ").split())


@needs_dot
def test_pdf_pages_show_the_worked_example_numbers_as_they_are_stored(
        t: av.Trace, tmp_path: Path) -> None:
    rev = tmp_path / "reverse.pdf"
    animate.write_frames_file(t, rev, kind="reverse")
    pages = [squeezed(p) for p in pdf_pages_text(rev)]
    caps = [squeezed(c) for c in captions(t, "reverse")]
    assert len(pages) == 5
    for j, (page, caption) in enumerate(zip(pages, caps)):
        assert caption in page, (j, caption)  # page j shows step j's equation and numbers
    assert "6.909" in pages[0] and "0.9093" in pages[0]  # primal values known from the start
    assert "2.584" not in pages[0]  # dz/dx1 not yet: blank
    assert squeezed("w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584") in pages[4]
    # besides the caption, the picture itself (node, table) shows dz/dx1 only once stored
    assert "2.584" in pages[4].replace(caps[4], "")
    assert "2.584" not in pages[3]  # step 4: dz/dx2 = 2 stored, dz/dx1 still blank
    fwd = tmp_path / "forward.pdf"
    animate.write_frames_file(t, fwd, kind="forward", ascii=True)  # the ASCII picture
    text = pdf_pages_text(fwd)
    assert "step 3/5: dw3/dx2 = dw1/dx2*cos(w1) = 0*(-0.4161) = 0" in text[2]
    assert "= 0 = 0" not in " ".join(text) and "=0=0" not in squeezed(" ".join(text))


def test_pdf_without_pypdf_says_what_to_install(t: av.Trace, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf fails
    with pytest.raises(RenderError, match=r"pypdf is needed") as err:
        animate.write_frames_file(t, tmp_path / "f.pdf")
    assert "autodiff-viz[frames]" in (err.value.hint or "")
    assert not (tmp_path / "f.pdf").exists()


# -- the animated SVG ------------------------------------------------------------------------
def shown_at(frames: list[ET.Element], when: float) -> list[int]:
    """Which frames a SMIL player displays at ``when`` seconds (discrete keyTimes)."""
    shown = []
    for j, g in enumerate(frames):
        a = g.find(f"{SVG}animate")
        assert a is not None
        dur = float(a.get("dur", "").rstrip("s"))
        times = [float(x) * dur for x in a.get("keyTimes", "").split(";")]
        values = a.get("values", "").split(";")
        now = when % dur
        value = [v for tm, v in zip(times, values) if tm <= now][-1]
        if value != "none":
            shown.append(j)
    return shown


@needs_dot
def test_animated_svg_is_well_formed_with_a_frame_per_step(t: av.Trace, tmp_path: Path) -> None:
    path = tmp_path / "reverse.svg"
    animate.write_frames_file(t, path, kind="reverse", seconds=1.5)
    root = ET.parse(path).getroot()  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    frames = [g for g in root if g.tag == f"{SVG}g" and g.get("class") == "frame"]
    caps = captions(t, "reverse")
    assert len(frames) == len(t.reverse_steps()) == 5
    assert [g.get("id") for g in frames] == [f"frame_00{j}" for j in range(1, 6)]
    for g, caption in zip(frames, caps):
        assert g.findtext(f"{SVG}title") == caption
        drawn = " ".join("".join(g.find(f"{SVG}svg").itertext()).replace("\u00a0", " ").split())
        assert caption in drawn  # the frame is that step's picture
        (a,) = g.findall(f"{SVG}animate")
        assert (a.get("attributeName"), a.get("calcMode"), a.get("repeatCount"),
                a.get("dur")) == ("display", "discrete", "indefinite", "7.5s")
    # played: each step in turn, 1.5 s each, one at a time, then again
    for j in range(5):
        assert shown_at(frames, 1.5 * j + 0.75) == [j]
        assert shown_at(frames, 7.5 + 1.5 * j + 0.1) == [j]
    # not played (a viewer without SMIL): the last frame, the full picture
    assert [g.get("display") for g in frames] == ["none"] * 4 + ["inline"]
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))  # the frames' own ids were made unique
    assert "f5-n0" in ids and "f1-n0" in ids
    text = path.read_text(encoding="utf-8")  # self-contained: no script, nothing fetched
    assert "<script" not in text and not re.search(r'(?:href|src)="(?!#)', text)


CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


@needs_dot
@pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium to play the SVG")
def test_a_browser_plays_the_animated_svg(t: av.Trace, tmp_path: Path) -> None:
    """Chromium (driven by Playwright) shows a different frame at 1 s and at 9 s: the
    animation's clock is set with the SVG's own API (setCurrentTime), so the test does
    not depend on how busy the machine is."""
    from PIL import Image, ImageChops

    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install -e '.[test]')")
    path = tmp_path / "reverse.svg"
    animate.write_frames_file(t, path, kind="reverse", seconds=2)
    shots = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), timeout=60_000, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1300, "height": 650})
        page.set_default_timeout(20_000)
        page.goto(path.as_uri())
        for seconds in (1, 9):  # step 1, then step 5
            page.evaluate(f"(() => {{ const s = document.documentElement; s.pauseAnimations();"
                          f" s.setCurrentTime({seconds}); }})()")
            page.wait_for_timeout(100)
            shot = tmp_path / f"at_{seconds}.png"
            page.screenshot(path=str(shot))
            shots.append(Image.open(shot).convert("RGB"))
        browser.close()
    assert ImageChops.difference(shots[0], shots[1]).getbbox() is not None  # it plays
    assert all(s.getextrema() != ((255, 255), (255, 255), (255, 255)) for s in shots)


@needs_dot
def test_animated_svg_of_a_matrix_graph(tmp_path: Path) -> None:
    xor = av.trace(XOR[0], at=XOR[1], mode="reverse")
    svg = animate.frames_svg(xor)
    root = ET.fromstring(svg)
    frames = [g for g in root if g.get("class") == "frame"]
    assert len(frames) == len(xor.reverse_steps()) == 10
    assert all(len(g.findall(f"{SVG}animate")) == 1 for g in frames)


# -- the animated GIF ------------------------------------------------------------------------
@needs_dot
def test_animated_gif_has_a_frame_per_step(t: av.Trace, tmp_path: Path) -> None:
    from PIL import Image, ImageChops, ImageSequence

    path = tmp_path / "forward.gif"
    animate.write_frames_file(t, path, kind="forward", seconds=0.5, dpi=72)
    gif = Image.open(path)
    assert gif.format == "GIF" and gif.n_frames == len(t.forward_steps()) == 5
    assert gif.info.get("loop") == 0  # loops forever
    shots = []
    for frame in ImageSequence.Iterator(gif):
        assert frame.info.get("duration") == 500
        shots.append(frame.convert("RGB"))
    assert len({s.size for s in shots}) == 1
    for a, b in zip(shots, shots[1:]):
        assert ImageChops.difference(a, b).getbbox() is not None  # each step changes it
    assert shots[0].getpixel((1, 1)) == (255, 255, 255)  # the background stays white


def chain(n: int) -> str:
    """A program of about ``n`` steps: x and y fan out into every other node."""
    expr = "x"
    for i in range(n):
        expr = f"sin({expr})*x" if i % 2 else f"({expr} + y)"
    return expr


@needs_dot
def test_a_50_step_pass_makes_a_gif_of_bounded_size(tmp_path: Path) -> None:
    from PIL import Image

    tr = av.trace(chain(32), at={"x": 0.5, "y": 0.3}, mode="reverse")
    assert len(tr.reverse_steps()) == 50
    path = tmp_path / "long.gif"
    animate.write_frames_file(tr, path, seconds=0.1, max_side=960)
    gif = Image.open(path)
    assert gif.n_frames == 50 and max(gif.size) <= 960  # drawn at a lower dpi to fit
    assert gif.info.get("duration") == 100
    assert path.stat().st_size < 5_000_000


def test_gif_without_pillow_says_what_to_install(t: av.Trace, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(RenderError, match="Pillow is needed") as err:
        animate.frames_gif(t)
    assert "autodiff-viz[frames]" in (err.value.hint or "")


def test_file_kind_and_time_per_frame_are_checked(t: av.Trace, tmp_path: Path) -> None:
    assert animate.file_kind("a.PDF") == "pdf" and animate.file_kind("x", "gif") == "gif"
    with pytest.raises(InputError, match="cannot tell what to write"):
        animate.file_kind("frames.png")
    with pytest.raises(InputError, match="says svg but the frames are pdf"):
        animate.file_kind("frames.svg", "pdf")
    for bad in (0, -1, float("nan"), float("inf"), 61):
        with pytest.raises(InputError, match="time per frame"):
            animate.frames_svg(t, seconds=bad)


# -- the command line ------------------------------------------------------------------------
@needs_dot
def test_cli_writes_the_pdf_the_svg_and_the_gif_with_the_folder(
        t: av.Trace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pypdf

    out = {k: tmp_path / f"frames.{k}" for k in ("pdf", "svg", "gif")}
    code = main(["render", EXPR, "--at", "x1=2,x2=3", "--wrt", "x2", "--pass", "forward",
                 "--frames", str(tmp_path / "slides"), "--frames-pdf", str(out["pdf"]),
                 "--frames-svg", str(out["svg"]), "--frames-gif", str(out["gif"]),
                 "--frame-seconds", "1", "--dpi", "60"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert len(list((tmp_path / "slides").glob("frame_*.svg"))) == 5
    for path in out.values():
        assert f"wrote {path}" in err
    assert len(pypdf.PdfReader(str(out["pdf"])).pages) == 5
    root = ET.parse(out["svg"]).getroot()
    assert [g.findtext(f"{SVG}title") for g in root if g.get("class") == "frame"] == \
        captions(t, "forward")
    assert root.find(f".//{SVG}animate").get("dur") == "5s"
    from PIL import Image
    assert Image.open(out["gif"]).n_frames == 5


def test_cli_errors(tmp_path: Path) -> None:
    base = [EXPR, "--at", "x1=2,x2=3"]
    done = cli([*base, "--frames-svg", "a.svg", "--frame-seconds", "0"], tmp_path)
    assert done.returncode == 2 and "time per frame" in done.stderr
    done = cli([*base, "--frames-pdf", "a.svg"], tmp_path)
    assert done.returncode == 2 and "says svg but the frames are pdf" in done.stderr
    done = cli([*base, "--frames-pdf", "a.pdf"], tmp_path, path="")  # no Graphviz
    assert done.returncode == 2 and "sudo apt-get install graphviz" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "a.pdf").exists()


@pytest.mark.parametrize("module,flag,package", [("pypdf", "--frames-pdf", "pypdf"),
                                                 ("PIL", "--frames-gif", "Pillow")])
def test_cli_without_the_frames_extra_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        module: str, flag: str, package: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails, as when not installed
    out = tmp_path / f"frames.{flag[-3:]}"
    code = main(["render", EXPR, "--at", "x1=2,x2=3", "--frames", str(tmp_path / "slides"),
                 flag, str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"the Python package {package} is needed" in err
    assert "pip install 'autodiff-viz[frames]'" in err and "Traceback" not in err
    # refused before anything is drawn: neither the file nor the folder of slides
    assert not out.exists() and not (tmp_path / "slides").exists()


def test_version_and_help_load_no_numpy_pillow_or_pypdf() -> None:
    probe = ("import contextlib, io, sys\n"
             "from autodiff_viz.cli import main\n"
             "for argv in (['--version'], ['--help'], ['render', '--help']):\n"
             "    with contextlib.redirect_stdout(io.StringIO()):\n"
             "        try:\n"
             "            main(argv)\n"
             "        except SystemExit:\n"
             "            pass\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'PIL', 'pypdf'}))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "[]"
    help_text = subprocess.run([sys.executable, "-m", "autodiff_viz", "render", "--help"],
                               capture_output=True, text=True, timeout=60).stdout
    for flag in ("--frames-pdf", "--frames-svg", "--frames-gif", "--frame-seconds"):
        assert flag in help_text


def test_dot_frames_folder_is_unchanged_by_the_new_options(t: av.Trace, tmp_path: Path) -> None:
    paths = write_frames(t, tmp_path / "f", kind="forward", format="dot")
    index = (tmp_path / "f" / "index.md").read_text()
    assert len(paths) == 5 and f"`ẇ3 = ẇ1·cos(w1) = 0·({MCOS2}) = 0`" in index
    write_frames(t, tmp_path / "a", kind="forward", format="dot", ascii=True)
    ascii_index = (tmp_path / "a" / "index.md").read_text()
    assert "`dw3/dx2 = dw1/dx2*cos(w1) = 0*(-0.4161) = 0`" in ascii_index
    assert "= 0 = 0" not in index + ascii_index
