r"""Lines as students type them (LaTeX, textbook print) turned into the checker's notation.

Most cases are lines from real write-ups: LaTeX align/tabular traces of Baydin et al.
(2018), the course's worked example, and textbook tables copied from a PDF.
"""
from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff_viz import parse
from autodiff_viz.check import layouts
from autodiff_viz.check.layouts import is_latex, normalize

NFC = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731
BAR, DOT = "\u0304", "\u0307"

# (as typed, as the checker reads it)
CASES = [
    # 1. LaTeX: delimiters, marks, subscripts
    (r"$\bar{v}_0 = \bar{v}_3 \cos(v_0) = -0.284$", NFC(f"v{BAR}0 = v{BAR}3*cos(v0) = -0.284")),
    (r"\bar{v}_0 = \bar{v}_3 \cos(v_0) = -0.284", NFC(f"v{BAR}0 = v{BAR}3*cos(v0) = -0.284")),
    (r"\(\bar v_0 = 1\)", NFC(f"v{BAR}0 = 1")),
    (r"\overline{w}_3 = 1", NFC(f"w{BAR}3 = 1")),
    (r"$\bar{v}_{-1} = 5.5$", NFC(f"v{BAR}-1 = 5.5")),
    (r"$\bar{v_0}$", NFC(f"v{BAR}0")),
    (r"\dot{w}_3 = \dot{w}_1 \cos(w_1) = 0", NFC(f"w{DOT}3 = w{DOT}1*cos(w1) = 0")),
    (r"$\dot w_3 = 2$", NFC(f"w{DOT}3 = 2")),
    (r"$\dot{y} = \dot{v}_5 = 5.5$", NFC(f"y{DOT} = v{DOT}5 = 5.5")),
    (r"$x_1 = 2$", "x1 = 2"),
    (r"x_{1} = 2", "x1 = 2"),
    (r"$w_{11} = w_{1}$", "w11 = w1"),
    (r"v_{-1} &= x_1 = 2 \\", "v-1 = x1 = 2"),
    # derivative symbols
    (r"\frac{\partial z}{\partial x_1} = \cos(x_1) + x_2 = 2.584", "∂z/∂x1 = cos(x1) + x2 = 2.584"),
    (r"$\frac{dz}{dx_1} = 2.584$", "dz/dx1 = 2.584"),
    (r"$\frac{d z}{d w_3} = 1$", "dz/dw3 = 1"),
    (r"$\frac{\mathrm{d}z}{\mathrm{d}x_1} = 1$", "dz/dx1 = 1"),
    (r"$\partial z / \partial w_3 = 1$", "∂z/∂w3 = 1"),
    (r"$\frac{a + b}{c{d}}$", "(a + b)/(c*d)"),
    (r"$\frac{1}{\frac{x_1}{2}}$", "(1)/((x1)/(2))"),
    (r"$\frac12$", "(1)/(2)"),
    # operators, functions, constants
    (r"$w_4 = w_1 \cdot w_2 \times w_3 \ast 2$", "w4 = w1 * w2 * w3 * 2"),
    (r"$v_4 = \tan(v_1) + \exp(v_2) + \ln(v_3) + \log(v_0) + \tanh(v_5)$",
     "v4 = tan(v1) + exp(v2) + ln(v3) + log(v0) + tanh(v5)"),
    (r"$h = \sigma(a_1)$", "h = σ(a1)"),
    (r"$h = \operatorname{ReLU}(a_1)$", "h = relu(a1)"),
    (r"$h = \mathrm{relu}(a_1)$", "h = relu(a1)"),
    (r"$h = \mathrm{abc} + \text{def}$", "h = abc + def"),
    (r"$w_3 = \left( w_1 + w_2 \right) \bigl( w_1 \bigr)$", "w3 = ( w1 + w2 )*( w1 )"),
    (r"$w_3 = \left|w_1\right|$", "w3 = abs(w1)"),
    (r"$w_3 = |w_1| + 1$", "w3 = abs(w1) + 1"),
    (r"$w_3 = \sqrt{w_1 + 1}$", "w3 = sqrt(w1 + 1)"),
    (r"$w_3 = e^{w_1 w_2}$", "w3 = exp(w1*w2)"),
    (r"$w_3 = w_1^{2}$", "w3 = w1^(2)"),
    (r"$w_3 = 2\pi w_1$", "w3 = 2*pi*w1"),
    (r"$w_3 = {-}0.5$", "w3 = -0.5"),
    (r"$w_3 = w_1 − w_2$", "w3 = w1 − w2"),
    # relations
    (r"$w_3 \approx 0.909$", "w3 = 0.909"),
    (r"$w_3 \coloneqq w_1$", "w3 = w1"),
    (r"$w_3 := w_1$", "w3 = w1"),
    (r"$w_3 \leftarrow w_1$", "w3 = w1"),
    # align and tabular rows
    (r"v_2 &= v_{-1} \times v_0 &= 10 \\", "v2 = v-1 * v0 = 10"),
    (r"w_3 & w_1 w_2 & 6 \\", "w3 = w1*w2 = 6"),
    (r"$w_3$ & $w_1 \cdot w_2$ & $6$ \\", "w3 = w1 * w2 = 6"),
    (r"$\bar{z}$ & & $1$ \\", NFC(f"z{BAR} = 1")),
    (r"$\frac{\partial z}{\partial x_1}$ & $\bar{w}_1$ & $2.58$ \\",
     NFC(f"∂z/∂x1 = w{BAR}1 = 2.58")),
    (r"& = 0.5 \\", "= 0.5"),
    (r"w_3 = 6 \, \; \! \quad \\ \hline", "w3 = 6"),
    (r"v_2 = v_1 \cdot \sqrt{v_0}\\[2pt]", "v2 = v1 * sqrt(v0)"),
    (r"\begin{align*}", ""),
    (r"\end{align*}", ""),
    (r"\begin{tabular}{|l|l|r|}", ""),
    (r"\hline", ""),
    (r"\toprule", ""),
    (r"\subsection*{Forward primal trace}", "Forward primal trace"),
    (r"\multicolumn{3}{|l|}{Reverse (adjoint) trace} \\", "Reverse (adjoint) trace"),
    # 2. juxtaposition
    (r"$w_3 = 2 x$", "w3 = 2*x"),
    (r"$\dot{w}_3 = \dot{w}_1 w_2 + w_1 \dot{w}_2$", NFC(f"w{DOT}3 = w{DOT}1*w2 + w1*w{DOT}2")),
    (r"$\dot{w}_4 = \cos(w_1)\, \dot{w}_1$", NFC(f"w{DOT}4 = cos(w1)*w{DOT}1")),
    (r"$\bar{w}_1 = \bar{w}_4 \frac{\partial w_4}{\partial w_1}$",
     NFC(f"w{BAR}1 = w{BAR}4*(∂w4/∂w1)")),
    (r"\bar{v}_0 &= \bar{v}_0 + \bar{v}_2 \frac{\partial v_2}{\partial v_0} = 1.716 \\",
     NFC(f"v{BAR}0 = v{BAR}0 + v{BAR}2*(∂v2/∂v0) = 1.716")),
    (r"\bar{v}_{-1} &= \bar{v}_{-1} + \frac{\bar{v}_1}{v_{-1}} = 5.5 \\",
     NFC(f"v{BAR}-1 = v{BAR}-1 + (v{BAR}1)/(v-1) = 5.5")),
    (r"$\frac{\partial z}{\partial w_4} \frac{\partial w_4}{\partial w_1}$",
     "(∂z/∂w4)*(∂w4/∂w1)"),
    (r"$\mathrm{d}z/\mathrm{d}x_1 = 1$", "dz/dx1 = 1"),
    (r"$f(x_1, x_2) = x_1 (x_2 + 1)$", "f(x1, x2) = x1*(x2 + 1)"),
    # 3. functions without parentheses
    (r"v_1 &= \ln v_{-1} = \ln 2 = 0.693 \\", "v1 = ln(v-1) = ln(2) = 0.693"),
    (r"\dot{v}_3 &= \dot{v}_0 \times \cos v_0 = 0 \times \cos 5 = 0 \\",
     NFC(f"v{DOT}3 = v{DOT}0 * cos(v0) = 0 * cos(5) = 0")),
    (r"$\bar{v}_0 = \bar{v}_3 \cos v_0$", NFC(f"v{BAR}0 = v{BAR}3*cos(v0)")),
    ("v3 = sin v0 = sin 5 = -0.959", "v3 = sin(v0) = sin(5) = -0.959"),
    ("v1 = ln v-1 = ln 2 = 0.693", "v1 = ln(v-1) = ln(2) = 0.693"),
    (NFC(f"v{DOT}3 = v{DOT}0 × cos v0 = 0 × cos 5 = 0"),
     NFC(f"v{DOT}3 = v{DOT}0 × cos(v0) = 0 × cos(5) = 0")),
    (NFC(f"v{BAR}0 = v{BAR}3 × (−cos v0) = 0.284"), NFC(f"v{BAR}0 = v{BAR}3 × (−cos(v0)) = 0.284")),
    (NFC(f"w3 = cos x{BAR}1"), NFC(f"w3 = cos(x{BAR}1)")),
    # textbook print: a derivative symbol as a factor, subscripts from a PDF
    (NFC(f"v{BAR}0 = v{BAR}3 ∂v3/∂v0 = v{BAR}3 × cos v0 = −0.284"),
     NFC(f"v{BAR}0 = v{BAR}3*(∂v3/∂v0) = v{BAR}3 × cos(v0) = −0.284")),
    (NFC(f"v{BAR}-1 = v{BAR}2 ∂v2/∂v-1 = v{BAR}2 × v0 = 5"),
     NFC(f"v{BAR}-1 = v{BAR}2*(∂v2/∂v-1) = v{BAR}2 × v0 = 5")),
    ("v₁ = ln v₋₁ = ln 2 = 0.693", "v1 = ln(v-1) = ln(2) = 0.693"),
    (NFC(f"v{BAR}₀ = v{BAR}₃ cos v₀ + v{BAR}₂ v₋₁ = −0.284 + 2 = 1.716"),
     NFC(f"v{BAR}0 = v{BAR}3*cos(v0) + v{BAR}2*v-1 = −0.284 + 2 = 1.716")),
    # 4. +=
    (NFC(f"v{BAR}0 += v{BAR}2*v-1"), NFC(f"v{BAR}0 = v{BAR}0 + v{BAR}2*v-1")),
    (NFC(f"v{BAR}0 += v{BAR}2 × v-1 = −0.284 + 1 × 2 = 1.716"),
     NFC(f"v{BAR}0 = v{BAR}0 + v{BAR}2 × v-1 = −0.284 + 1 × 2 = 1.716")),
    ("a.grad += b * d.grad = -2.0 + 4.0 = 2.0", "a.grad = a.grad + b * d.grad = -2.0 + 4.0 = 2.0"),
    (r"\bar{v}_0 \mathrel{+}= \bar{v}_2 v_{-1}", NFC(f"v{BAR}0 = v{BAR}0 + v{BAR}2*v-1")),
]

UNCHANGED = [
    "w3 = w1*w2 = 2*3 = 6",
    "dz/dw4 = dz/dw5*dw5/dw4 = 1",
    "∂z/∂w4*∂w4/∂w1 = 1",
    NFC(f"x{BAR}1 = 2.584"),
    NFC(f"w{BAR}3 = w{BAR}5·1 = 1"),
    NFC(f"v{BAR}0 = v{BAR}3·cos(v0) = -0.284"),
    "w4 = sin(w1) ≈ 0.909",
    "sinx = 2",
    "cosine v0 = 1",
    "expo = 3",
    "w3 = sin(x)",
    "take the log of x",
    "step 2: w3 = w1*w2",
    "Reverse adjoint trace (adjoints accumulated with +=)",
    "z = sin(x1) + x1*x2 at x1=2, x2=3",
    "Forward trace, seed x2=1",
    "| w3 | w1 · w2 | 6 |",
    "  w3     sin(w1)      sin(x1)           sin(2)        0.9093",
    "A 2-2-1 network",
    "w3 = 2 x",
    "w_3 = w1",
    "",
    "   ",
]


@pytest.mark.parametrize(("line", "plain"), CASES, ids=[c[0] for c in CASES])
def test_lines_as_typed_become_plain_notation(line: str, plain: str) -> None:
    p = normalize(line)
    assert p.text == plain
    assert len(p.cols) == len(p.text)
    assert all(0 <= c <= len(line) for c in p.cols)
    for ch, col in zip(p.text, p.cols):  # a digit shown comes from that digit
        if ch in "0123456789" and line[col] not in "₀₁₂₃₄₅₆₇₈₉":
            assert line[col] == ch, (ch, col)
    assert normalize(plain).text == plain  # the plain notation is left as it is


def test_there_are_many_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("line", UNCHANGED)
def test_plain_lines_come_back_unchanged(line: str) -> None:
    p = normalize(line)
    assert p.text == line
    assert p.cols == list(range(len(line)))


def test_is_latex() -> None:
    assert is_latex(r"\bar{v}_0 = 1")
    assert is_latex("w_3 & w_1 w_2 & 6")
    assert is_latex("x_{1} = 2")
    assert is_latex("$x = 1$")
    assert is_latex("e^{x}")
    assert not is_latex("w3 = w1*w2 = 6")
    assert not is_latex(NFC(f"v{BAR}0 += v{BAR}2*v-1"))
    assert not is_latex("v3 = sin v0")


def _col_of(line: str, plain: str, needle: str) -> int:
    p = normalize(line)
    assert p.text == plain
    return p.cols[p.text.index(needle)]


def test_columns_point_back_at_the_original() -> None:
    line = r"\bar{v}_0 = \bar{v}_3 \cos(v_0) = -0.284"
    p = normalize(line)
    k = p.text.index("0.284")
    assert [line[c] for c in p.cols[k:k + 5]] == list("0.284")
    assert line[p.cols[p.text.index("cos")]] == "c"  # \cos: the letters of the command
    assert line[p.cols[p.text.index("v0)")]] == "v"
    # the mark comes from \bar, the letter and index from where they were written
    assert p.cols[0] == line.index("v") and line[p.cols[1]] == "\\" and line[p.cols[2]] == "0"
    # the inserted * points at the space it replaced
    assert line[p.cols[p.text.index("*")]] == " "


def test_columns_of_cells_fractions_and_compound_assignment() -> None:
    line = r"w_3 & w_1 w_2 & 6 \\"
    p = normalize(line)
    assert p.text == "w3 = w1*w2 = 6"
    assert line[p.cols[p.text.index("=")]] == "&"  # the cell separator it stands for
    assert line[p.cols[-1]] == "6"

    line = r"\frac{\partial z}{\partial x_1} = 2.584"
    p = normalize(line)
    assert line[p.cols[0]:].startswith(r"\partial z")
    assert line[p.cols[1]] == "z" and line[p.cols[p.text.index("x1")]] == "x"
    assert line[p.cols[p.text.index("/")]:].startswith(r"\frac")

    line = NFC(f"  v{BAR}0 += v{BAR}2*v-1")
    p = normalize(line)
    assert p.text == NFC(f"  v{BAR}0 = v{BAR}0 + v{BAR}2*v-1")
    lhs = p.cols[2:2 + len(NFC(f"v{BAR}0"))]
    again = p.text.index(NFC(f"v{BAR}0"), 4)
    assert p.cols[again:again + len(lhs)] == lhs  # the repeated left side maps to the original
    assert line[p.cols[p.text.index("=")]] == "="
    assert line[p.cols[p.text.index("+")]] == "+"
    k = p.text.index("v-1")
    assert line[p.cols[k]:p.cols[k + 2] + 1] == "v-1"

    line = "v3 = sin v0 = sin 5"
    p = normalize(line)
    assert p.text == "v3 = sin(v0) = sin(5)"
    assert line[p.cols[p.text.index("(")]] == " "
    assert p.cols[p.text.index(")")] == line.index("v0", 5) + 2  # just after the argument


def test_subscripts_and_marks_are_nfc() -> None:
    p = normalize(r"$\dot{w}_3$")
    assert p.text == "ẇ3" and len(p.text) == 2  # w + U+0307 composes to one character
    assert len(p.cols) == 2
    p = normalize(r"$\bar{a}_1$")
    assert p.text == "ā1"
    p = normalize(r"$\bar{v}_0$")
    assert p.text == "v\u03040"  # no precomposed v-macron: the combining mark stays


@pytest.mark.parametrize(("line", "formula"), [
    (r"w_3 & w_1 w_2 & 6 \\", "w1*w2"),
    (r"$w_3 = e^{w_1 w_2}$", "exp(w1*w2)"),
    (r"$w_3 = \sqrt{w_1 + 1}$", "sqrt(w1 + 1)"),
    (r"$w_3 = \left|w_1\right| + |w_2|$", "abs(w1) + abs(w2)"),
    (r"$w_3 = \frac{w_1 + 1}{2 w_2}$", "(w1 + 1)/(2*w2)"),
    (r"$w_3 = w_1^{2} + 2\pi w_2$", "w1^(2) + 2*pi*w2"),
    (r"$h = \operatorname{ReLU}(a_1) + \sigma(a_2) + \tanh a_3$", "relu(a1) + σ(a2) + tanh(a3)"),
    (r"$w_4 = \cos(w_1)\, w_2 \cdot \sin w_3$", "cos(w1)*w2 * sin(w3)"),
    (r"$w_5 = \left( w_1 + w_2 \right) \bigl( w_3 - w_4 \bigr)$", "( w1 + w2 )*( w3 - w4 )"),
    (r"v_3 &= \sin v_0 = \sin 5 = -0.959 \\", "sin(v0)"),
    ("v3 = sin v0 = sin 5 = -0.959", "sin(v0)"),
    ("w4 = tanh x1 + exp w2", "tanh(x1) + exp(w2)"),
])
def test_normalized_formulas_parse(line: str, formula: str) -> None:
    text = normalize(line).text
    rhs = text.split(" = ")[1]
    assert rhs == formula
    g = parse(rhs)  # the project's parser reads it
    assert g.output_names


def test_unrecognised_latex_is_left_as_it_is() -> None:
    assert normalize(r"$\mathcal{L} = 1$").text == r"\mathcal{L} = 1"
    assert normalize(r"$\sqrt[3]{x} = 1$").text.startswith(r"\sqrt")
    assert normalize(r"$\bar{} = 1$").text.startswith(r"\bar")
    assert normalize(r"$\frac{1} = 2$").text.startswith(r"\frac")
    assert normalize(r"$x = 1$ % a comment").text == "x = 1"


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_never_raises_on_random_text(line: str) -> None:
    _check_any(line)


_FRAGMENTS = ["\\frac", "\\bar", "\\dot", "\\overline", "\\left", "\\right", "\\partial",
              "\\sqrt", "\\text", "\\mathrm", "\\operatorname", "\\\\", "\\begin", "\\end",
              "\\cos", "\\ln", "\\sigma", "\\cdot", "\\,", "\\(", "\\)", "\\{", "\\}", "\\big",
              "\\multicolumn", "{", "}", "_", "^", "$", "&", "|", "(", ")", "[", "]", "=", "+=",
              "-", "−", "*", "/", "·", "×", "∂", " ", "  ", "x", "v", "w", "e", "d", "0", "1",
              "12", ".5", "sin ", "cos ", "ln ", "\u0304", "\u0307", "₋₁", "₀", "%", ",", ":=",
              "\\approx", "\\unknown"]


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=60).map("".join))
@settings(max_examples=1500, deadline=None)
def test_never_raises_on_latex_like_text(line: str) -> None:
    _check_any(line)


def _check_any(line: str) -> None:
    layouts._normalize(line)  # the code itself does not raise (not only the safety net)
    p = normalize(line)
    assert len(p.cols) == len(p.text)
    assert all(c in range(len(line) + 1) for c in p.cols)
    if not is_latex(line) and line.strip() == line and not any(
            k in line for k in ("+=", "-=", "−=", " ", "∂", *"₀₁₂₃₄₅₆₇₈₉₋")):
        assert p.text == line  # plain, no function name applied, nothing to add


@pytest.mark.parametrize("line", [
    "{" * 20000 + "x" + "}" * 20000,
    r"\frac{" * 3000 + "x" + "}{y}" * 3000,
    r"\bar{v}_0 " * 4000,
    "sin v0 " * 5000,
    "& " * 20000,
    r"\partial z / " * 5000,
    "$" + "w_1 " * 8000,
    r"\\" + "[" * 20000,
    r"\sqrt" * 20000,
    "e^" * 20000,
])
def test_long_lines_take_linear_time(line: str) -> None:
    t = time.perf_counter()
    p = normalize(line)
    assert len(p.cols) == len(p.text)
    assert time.perf_counter() - t < 3.0
