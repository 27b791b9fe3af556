"""Pictures that fit a slide (issue 11): the XOR network and a scalar softmax with
cross-entropy render within 1920x1080 pixels at 96 dpi, and their smallest text is at
least 12 pixels high, read from the SVG Graphviz writes (font sizes times the picture's
scale). The layout (left to right or top to bottom, the table below or beside the graph,
values beside or below the definitions) is chosen to fit; full detail stays available.

The numbers in these pictures are checked against hand formulas: softmax s = e^z / Σ e^z,
∂L/∂z = s − y, ∂L/∂y_i = −log s_i; XOR f = relu(x1 + x2) − 2 relu(x1 + x2 − 1).
"""
from __future__ import annotations

import ast
import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.errors import InputError
from autodiff_viz.views.dot_fit import MIN_PX, MIN_SCALE
from autodiff_viz.views.dot_render import fit_box, size_box

from test_render_dot import lines_of, text_of

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed: apt-get install graphviz")
SVG = "{http://www.w3.org/2000/svg}"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def xor_program() -> str:
    """The scalar 2-2-1 XOR network of examples/xor.py (its SCALARS program), read from
    the file so that the test draws what the example runs."""
    tree = ast.parse((EXAMPLES / "xor.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SCALARS":
            return ast.literal_eval(node.value)
    raise AssertionError("examples/xor.py has no SCALARS program")


# examples/softmax_cross_entropy.py with scalars: z = [1, 2, 0.5], one-hot y = [0, 1, 0]
SOFTMAX = """
e1 = exp(z1)
e2 = exp(z2)
e3 = exp(z3)
S = e1 + e2 + e3
s1 = e1/S
s2 = e2/S
s3 = e3/S
L = -(y1*log(s1) + y2*log(s2) + y3*log(s3))
"""
Z, Y = (1.0, 2.0, 0.5), (0.0, 1.0, 0.0)


# a scalar 2-3-1 perceptron (tanh hidden layer) with a squared loss: 40 nodes, 11 deep
MLP = """
a1 = w11*x1 + w12*x2 + b1
a2 = w21*x1 + w22*x2 + b2
a3 = w31*x1 + w32*x2 + b3
h1 = tanh(a1)
h2 = tanh(a2)
h3 = tanh(a3)
y = v1*h1 + v2*h2 + v3*h3 + c
L = (y - t)^2
"""
MLP_AT = dict(x1=0.5, x2=-1.0, w11=0.1, w12=0.2, w21=-0.3, w22=0.4, w31=0.5, w32=-0.6,
              b1=0.0, b2=0.1, b3=-0.1, v1=0.7, v2=-0.8, v3=0.9, c=0.05, t=1.0)


def mlp(mode: str) -> av.Trace:
    return av.trace(MLP, at=MLP_AT, mode=mode, output="L")


def xor(mode: str, x1: float = 1, x2: float = 0) -> av.Trace:
    return av.trace(xor_program(), at={"x1": x1, "x2": x2}, mode=mode)


def softmax(mode: str) -> av.Trace:
    at = {f"z{i + 1}": z for i, z in enumerate(Z)} | {f"y{i + 1}": y for i, y in enumerate(Y)}
    return av.trace(SOFTMAX, at=at, mode=mode, output="L")


def svg_measure(path: str | Path) -> tuple[float, float, float]:
    """Width and height of an SVG in pixels at 96 dpi, and its smallest text in pixels:
    each font-size times the group's scale and the viewBox-to-size scale."""
    root = ET.parse(path).getroot()
    width_pt = float(root.get("width", "0").removesuffix("pt"))
    height_pt = float(root.get("height", "0").removesuffix("pt"))
    box = [float(x) for x in root.get("viewBox", "").split()]
    view = width_pt / box[2]
    group = next(root.iter(f"{SVG}g"))
    m = re.search(r"scale\(([\d.]+)", group.get("transform", ""))
    scale = float(m.group(1)) if m else 1.0
    sizes = [float(e.get("font-size", "14")) for e in root.iter(f"{SVG}text")]
    px = 96 / 72
    return width_pt * px, height_pt * px, min(sizes) * scale * view * px


def texts(path: str | Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [" ".join("".join(e.itertext()).split()) for e in root.iter(f"{SVG}text")]


# -- the numbers, by hand -----------------------------------------------------------------
def test_the_examples_compute_the_hand_numbers() -> None:
    t = softmax("reverse")
    e = [math.exp(z) for z in Z]
    s = [x / sum(e) for x in e]
    assert t.value == pytest.approx(-math.log(s[1]))
    for i in range(3):  # ∂L/∂z = s − y, ∂L/∂y_i = −log s_i
        assert t.gradient[f"z{i + 1}"] == pytest.approx(s[i] - Y[i])
        assert t.gradient[f"y{i + 1}"] == pytest.approx(-math.log(s[i]))
    for x1, x2, f in ((0, 0, 0), (1, 0, 1), (0, 1, 1), (1, 1, 0)):  # XOR
        assert xor("primal", x1, x2).value == f
    # at (1, 1) both units are active: ∂f/∂x1 = 1 − 2 = −1
    assert xor("reverse", 1, 1).gradient == {"x1": -1.0, "x2": -1.0}


# -- fit options ---------------------------------------------------------------------------
def test_fit_and_size_boxes() -> None:
    assert fit_box("16:9") == (20.0, 11.25)  # 1920x1080 px at 96 dpi
    assert fit_box("4:3") == (15.0, 11.25)  # 1440x1080 px
    assert size_box("1280x720") == (13.333, 7.5) and size_box("1280x720px") == (13.333, 7.5)
    assert size_box("13.33x7.5in") == (13.33, 7.5)
    for bad in ("16", "0:9", "a:b", "100:1"):
        with pytest.raises(InputError, match="cannot read the shape"):
            fit_box(bad)
    for bad in ("10", "x", "0x10", "1e9x5"):
        with pytest.raises(InputError):
            size_box(bad)
    src = xor("reverse").to_dot(fit="16:9")
    assert 'size="20,11.25"' in src
    assert 'size="13.333,7.5"' in xor("reverse").to_dot(size="1280x720")
    assert 'size="15,11.25"' in xor("reverse").to_dot(fit="16:9", size=(15, 11.25))  # size wins
    assert MIN_SCALE == pytest.approx(MIN_PX / (11 * 96 / 72))


def test_compact_is_chosen_by_size_and_full_detail_stays_available() -> None:
    t = xor("reverse")
    compact = t.to_dot()
    assert not re.search(r'\[id="e\d+_\d+", label=', compact)  # bare edges
    steps = lines_of(text_of(compact))
    # the table of steps, carried quantity first: ā2 = w̄10·step(a2) = (−2)·0 = 0
    assert "ā2 = w̄10·step(a2) = (−2)·0 = 0" in steps
    full = t.to_dot(detail="full")
    assert len(re.findall(r'\[id="e\d+_\d+", label=', full)) == sum(
        1 for n in t.graph.nodes for q in n.parents if t.graph.nodes[q].kind != "const")
    assert "w̄10 += (−1)·2 = −2" in lines_of(text_of(full))  # on the edge w10 -> w11
    small = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="reverse").to_dot()
    assert "+=" in small  # the worked example fits a slide in full detail
    with pytest.raises(InputError, match="unknown detail"):
        t.to_dot(detail="some")


def test_a_long_sum_in_the_table_of_steps_takes_several_lines() -> None:
    src = softmax("reverse").to_dot()
    # S̄ = s̄3·(−e3/S^2) + s̄2·(−e2/S^2) + s̄1·(−e1/S^2): three terms, broken after a "+"
    start = src.index('<TD ALIGN="LEFT">S&#772; ')
    row = "</TD>".join(src[start:].split("</TD>")[:4])  # its four cells
    assert row.count('+<BR ALIGN="LEFT"/>') == 2  # symbolic and numeric sums, one break each
    assert "2.584" not in row and "0.08506" in row  # S̄ = 0.08506


# -- the slide test ------------------------------------------------------------------------
@needs_dot
@pytest.mark.parametrize("name", ["xor", "softmax"])
@pytest.mark.parametrize("mode", ["reverse", "both"])
@pytest.mark.parametrize("options", [{"fit": "16:9"}, {}], ids=["fit", "default"])
def test_slide_examples_fit_1920x1080_with_text_of_at_least_12_px(
        tmp_path: Path, name: str, mode: str, options: dict[str, str]) -> None:
    t = xor(mode) if name == "xor" else softmax(mode)
    path = t.render(tmp_path / f"{name}.svg", **options)
    width, height, smallest = svg_measure(path)
    assert width <= 1920.5 and height <= 1080.5, (width, height)
    assert smallest >= MIN_PX, smallest
    shown = texts(path)
    for k in range(len(t.reverse)):  # every adjoint is in the picture, as stored
        for s in t.reverse_steps(k):
            assert av.views.lines.fmt(s.adjoint, 4, "unicode") in " ".join(shown)


@needs_dot
def test_4_3_and_a_size_in_pixels(tmp_path: Path) -> None:
    t = softmax("reverse")
    width, height, _ = svg_measure(t.render(tmp_path / "a.svg", fit="4:3"))
    assert width <= 1440.5 and height <= 1080.5
    width, height, _ = svg_measure(t.render(tmp_path / "b.svg", size="1280x720"))
    assert width <= 1280.5 and height <= 720.5


@needs_dot
def test_png_of_a_fitted_picture_keeps_the_box(tmp_path: Path) -> None:
    """png used to override the picture's size with its 40-inch cap."""
    path = Path(xor("reverse").render(tmp_path / "x.png", fit="16:9", dpi=96))
    data = path.read_bytes()
    width, height = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    assert width <= 1921 and height <= 1081


def test_a_long_title_takes_several_lines_the_point_on_its_own() -> None:
    """A title wider than the legend and key would stretch the legend's swatches."""
    src = xor("reverse", 1, 1).to_dot()
    head = re.search(r"cluster_main \{\n    label=<(.*?)>; labelloc=t", src, re.S)
    assert head
    title = head.group(1).split("</B>")[0]
    lines = [text_of(x).strip() for x in title.split('<BR ALIGN="LEFT"/>')]
    assert lines[-1] == "at  x1=1, x2=1" and lines[0].startswith("f = 1·relu(1·x1")
    small = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}).to_dot()
    assert "z = sin(x1) + x1&#183;x2  at  x1=2, x2=3</B>" in small  # short: one line


def test_the_graph_alone_fits_too() -> None:
    g = av.parse(xor_program())
    assert 'size="15,11.25"' in g.to_dot(fit="4:3")
    assert 'size="10,5"' in g.to_dot(size=(10, 5))
    assert "dw3/dw1" in av.parse("sin(x1) + x1*x2").to_dot(ascii=True, detail="full")


def test_the_mlp_gradient_is_the_finite_difference() -> None:
    t = mlp("reverse")
    grad = t.jacobian["L"]

    def loss(p: dict[str, float]) -> float:
        h = [math.tanh(p[f"w{k}1"] * p["x1"] + p[f"w{k}2"] * p["x2"] + p[f"b{k}"])
             for k in (1, 2, 3)]
        return (sum(p[f"v{k + 1}"] * h[k] for k in range(3)) + p["c"] - p["t"]) ** 2

    assert math.isclose(t.value, loss(MLP_AT), rel_tol=1e-12)
    for name in MLP_AT:
        up, down = dict(MLP_AT), dict(MLP_AT)
        up[name] += 1e-6
        down[name] -= 1e-6
        assert math.isclose(grad[name], (loss(up) - loss(down)) / 2e-6, abs_tol=1e-8), name


@needs_dot
@pytest.mark.parametrize("mode,options", [("reverse", {}), ("reverse", {"fit": "16:9"}),
                                          ("both", {"fit": "16:9"})])
def test_the_2_3_1_mlp_fits_a_slide_legibly(tmp_path: Path, mode: str,
                                            options: dict[str, str]) -> None:
    t = mlp(mode)
    path = t.render(tmp_path / "mlp.svg", **options)
    width, height, smallest = svg_measure(path)
    assert width <= 1920.5 and height <= 1080.5, (width, height)
    assert smallest >= MIN_PX, smallest
    shown = " ".join(texts(path))
    for s in t.reverse_steps(0):
        assert av.views.lines.fmt(s.adjoint, 4, "unicode") in shown


def test_a_big_graph_keeps_its_natural_size_unless_a_box_is_asked_for() -> None:
    # 330 statements: past BIG_GRAPH nodes, where no size is guessed; shrinking a graph
    # this big into a slide would make its text a few pixels high
    src = "; ".join(["t0 = x1 + x2"] + [f"t{k} = relu(t{k - 1}*x1 + x2)" for k in range(1, 110)])
    t = av.trace(src, at={"x1": 0.5, "x2": 0.1}, mode="reverse")
    from autodiff_viz.views.dot_render import BIG_GRAPH
    assert len(t.graph.nodes) >= BIG_GRAPH
    assert not re.search(r'[\s,\[]size="', t.to_dot())
    assert re.search(r'[\s,\[]size="20,11.25"', t.to_dot(fit="16:9"))
