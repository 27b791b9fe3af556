r"""Lines of a trace table as students type them, turned into the checker's plain notation.

Write-ups use LaTeX (``\bar{v}_0 = \bar{v}_3 \cos(v_0)``, align rows, tabular
rows); textbooks print functions without parentheses (``v3 = sin v0``), a derivative
symbol as a factor (``v̄3 ∂v3/∂v0``), subscripts from a PDF (``v₋₁``) and ``+=``.
:func:`normalize` rewrites such a line into the plain notation that the checker's
line reader and :mod:`autodiff_viz.check.symbols` read, keeping for every character
the column of the original line it came from. LaTeX lines (:func:`is_latex`) are
converted command by command; other lines only get the textbook conventions and
otherwise come back unchanged. The rules are the tables below (``SYMBOLS``,
``CONTROLS``, ``ARG_COMMANDS``, ``SIZING``, ``DELIMITERS``, ``FRAC_SYMBOLS``, the
juxtaposition pairs, ``LATEX_PASSES``/``PLAIN_PASSES``, ...); the code walks them.

>>> normalize(r"$\bar{v}_0 = \bar{v}_3 \cos(v_0) = -0.284$").text
'v̄0 = v̄3*cos(v0) = -0.284'
>>> normalize(r"w_3 & w_1 w_2 & 6 \\").text
'w3 = w1*w2 = 6'
>>> normalize(r"\bar{w}_4 \frac{\partial w_4}{\partial w_1}").text
'w̄4*(∂w4/∂w1)'
>>> normalize("v3 = sin v0 = sin 5 = -0.959").text
'v3 = sin(v0) = sin(5) = -0.959'
>>> normalize("v̄0 += v̄2*v-1").text
'v̄0 = v̄0 + v̄2*v-1'
>>> line = r"\frac{\partial z}{\partial x_1} = 2.584"
>>> p = normalize(line)
>>> p.text, line[p.cols[p.text.index("2.584")]:][:5]
('∂z/∂x1 = 2.584', '2.584')
>>> normalize(r"\begin{tabular}{|c|c|c|}").text
''
>>> is_latex("w3 = w1*w2"), is_latex(r"w_{3} = 6")
(False, True)
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable, Sequence

from ..ops import FUNCTIONS

__all__ = ["Piece", "normalize", "is_latex"]


@dataclass
class Piece:
    """Text from a line, with the original (0-based) column of each character."""

    text: str
    cols: list[int]

    def col(self, i: int) -> int:
        """Original column of character ``i`` (past the end: just after the last one)."""
        if not self.cols:
            return 0
        return self.cols[i] if i < len(self.cols) else self.cols[-1] + 1

    def strip(self) -> "Piece":
        a = len(self.text) - len(self.text.lstrip())
        b = len(self.text.rstrip())
        return Piece(self.text[a:b], self.cols[a:b])


MACRON = "\u0304"  # adjoints: v̄0
DOT = "\u0307"  # tangents: ẇ3
MARKS = "\u0300-\u036f"

# -- the rules ----------------------------------------------------------------------------

#: Every name that is a function: the parser's, plus LaTeX operators it does not know
#: (they are not operands: ``\sinh x`` is not ``sinh*x``).
FUNCTION_ALIASES: dict[str, str] = {"sgn": "sign"}
FUNCTION_NAMES: frozenset[str] = frozenset(FUNCTIONS) | frozenset(FUNCTION_ALIASES) | {
    "sinh", "cosh", "arcsin", "arccos", "arctan", "lg", "exp", "log"}
#: Functions that may be applied without parentheses (``sin v0``): one argument.
UNARY: frozenset[str] = frozenset(n for n, op in FUNCTIONS.items() if len(op.params) == 1)
#: In plain lines, the ones textbooks print that way (``step 2`` may well be prose).
PLAIN_UNARY: frozenset[str] = UNARY & {"sin", "cos", "tan", "exp", "ln", "log", "tanh", "sqrt",
                                       "σ", "sigmoid", "relu", "softplus"}

_T = tuple[tuple[str, str], ...]  # the tokens a rule produces: (kind, text) pairs
_FUNC_COMMANDS = ("cos", "sin", "tan", "exp", "ln", "log", "tanh", "sinh", "cosh", "arcsin",
                  "arccos", "arctan", "max", "min", "lg")
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
          "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ",
          "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
          "rho": "ρ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
          "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
          "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω"}
_SPACE: _T = (("ws", " "),)
_EQ: _T = (("eq", "="),)
_TIMES: _T = (("op", "*"),)
_NOTHING: _T = ()

#: Control words without arguments: ``\name`` -> the tokens it stands for.
SYMBOLS: dict[str, _T] = {
    **{f: (("func", f),) for f in _FUNC_COMMANDS},
    **{g: (("name", u),) for g, u in _GREEK.items()},
    "sigma": (("func", "σ"),), "pi": (("name", "pi"),), "partial": (("partial", "∂"),),
    "cdot": _TIMES, "times": _TIMES, "ast": _TIMES, "cdotp": _TIMES, "div": (("op", "/"),),
    "approx": _EQ, "coloneqq": _EQ, "coloneq": _EQ, "leftarrow": _EQ, "gets": _EQ,
    "longleftarrow": _EQ, "simeq": _EQ, "triangleq": _EQ, "eqqcolon": _EQ,
    "lvert": (("func", "abs"), ("lp", "(")), "rvert": (("rp", ")"),), "vert": (("bar", "|"),),
    "lbrace": (("lp", "("),), "rbrace": (("rp", ")"),),
    "quad": _SPACE, "qquad": _SPACE, "enspace": _SPACE, "thinspace": _SPACE,
    "medspace": _SPACE, "thickspace": _SPACE, "negthinspace": _NOTHING,
    "displaystyle": _NOTHING, "textstyle": _NOTHING, "nonumber": _NOTHING, "notag": _NOTHING,
    "hline": _NOTHING, "toprule": _NOTHING, "midrule": _NOTHING, "bottomrule": _NOTHING,
    "centering": _NOTHING, "noindent": _NOTHING, "relax": _NOTHING, "item": _NOTHING,
}

#: Control symbols: ``\`` and one character that is not a letter.
CONTROLS: dict[str, _T] = {
    "\\": (("rowend", ""),), ",": _SPACE, ";": _SPACE, ":": _SPACE, ">": _SPACE, " ": _SPACE,
    "!": _NOTHING, "(": (("math", "on"),), ")": (("math", "off"),), "[": (("math", "on"),),
    "]": (("math", "off"),), "{": (("lp", "("),), "}": (("rp", ")"),), "%": (("text", "%"),),
    "&": (("text", "&"),), "_": (("text", "_"),), "#": (("text", "#"),), "$": (("text", "$"),),
}

#: Control words with arguments: ``\name`` -> (action, parameter). Actions:
#: ``frac`` (derivative symbol or ``(A)/(B)``), ``call`` (``param(A)``), ``mark`` (combining
#: mark on the first letter), ``wrap`` (the math inside), ``text`` (the text inside the
#: argument after ``param`` others; one word such as ``\text{ReLU}`` is a name or function),
#: ``drop`` (``param`` arguments dropped; -1: every argument that follows). Headings
#: (``\subsection*{Forward trace}``) are text: the checker reads them as headings.
ARG_COMMANDS: dict[str, tuple[str, object]] = {
    "frac": ("frac", None), "dfrac": ("frac", None), "tfrac": ("frac", None),
    "cfrac": ("frac", None), "sqrt": ("call", "sqrt"),
    "bar": ("mark", MACRON), "overline": ("mark", MACRON), "widebar": ("mark", MACRON),
    "dot": ("mark", DOT),
    **{w: ("wrap", None) for w in ("mathrm", "operatorname", "mathit", "mathbf", "boldsymbol",
                                    "bm", "mathsf", "mathnormal", "mathrel", "mathbin",
                                    "mathop", "mathord", "ensuremath")},
    **{t: ("text", 0) for t in ("text", "textrm", "textit", "textbf", "textnormal", "mbox",
                                 "hbox", "textsf", "emph", "section", "subsection",
                                 "subsubsection", "paragraph", "caption", "title")},
    "multicolumn": ("text", 2),
    "label": ("drop", 1), "tag": ("drop", 1), "hspace": ("drop", 1), "vspace": ("drop", 1),
    "phantom": ("drop", 1), "cline": ("drop", 1), "noalign": ("drop", 1),
    "cmidrule": ("drop", 1), "begin": ("drop", -1), "end": ("drop", 1),
}

#: Sizing commands before a delimiter: which side of a pair they open.
SIZING: dict[str, str] = {
    "left": "open", "right": "close", "middle": "auto",
    **{f"{b}l": "open" for b in ("big", "Big", "bigg", "Bigg")},
    **{f"{b}r": "close" for b in ("big", "Big", "bigg", "Bigg")},
    **{b: "auto" for b in ("big", "Big", "bigg", "Bigg")},
}
#: Delimiters after a sizing command: ``bar`` opens ``abs(`` on the left and closes it on
#: the right; ``None`` is the invisible ``\right.``.
DELIMITERS: dict[str, tuple[str, str] | None] = {
    "(": ("lp", "("), ")": ("rp", ")"), "[": ("lp", "("), "]": ("rp", ")"),
    "\\{": ("lp", "("), "\\}": ("rp", ")"), "\\lbrace": ("lp", "("), "\\rbrace": ("rp", ")"),
    "|": ("bar", "|"), "\\vert": ("bar", "|"), "\\lvert": ("bar", "|"), "\\rvert": ("bar", "|"),
    ".": None,
}

#: Single characters in LaTeX lines. (``{``, ``_``, ``^`` and ``%`` are structure.)
CHARS: dict[str, tuple[str, str]] = {
    "(": ("lp", "("), ")": ("rp", ")"), "[": ("lp", "("), "]": ("rp", ")"),
    "+": ("op", "+"), "-": ("op", "-"), "−": ("op", "−"), "*": ("op", "*"), "/": ("op", "/"),
    "·": ("op", "·"), "×": ("op", "×"), "=": ("eq", "="), ",": ("comma", ","),
    "&": ("amp", "&"), "|": ("bar", "|"), "∂": ("partial", "∂"),
}
#: Relations typed as text in LaTeX lines that mean ``=`` in a trace table.
RELATIONS = ":=|≔|≈|←|⟵"
#: Bases of a superscript that are a function: ``e^{A}`` is ``exp(A)``.
EXP_BASES: dict[str, str] = {"e": "exp"}
#: Words that join the name after them: ``\mathrm{d}z`` is ``dz``.
GLUE_WORDS: frozenset[str] = frozenset({"d"})

_NAME = rf"[^\W\d][\w{MARKS}]*(?:-\d+)?"
#: A ``\frac`` whose two halves match the same pattern is one derivative symbol.
FRAC_SYMBOLS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(∂)\s*({_NAME})"),
    re.compile(rf"(d)\s*({_NAME})"),
)
#: What a subscript may be to join its name (``x_{1}`` -> ``x1``, ``v_{-1}`` -> ``v-1``).
SUBSCRIPT = re.compile(r"[-−]?[^\W_]+")
#: A subscript or superscript typed without braces.
SUB_UNBRACED = re.compile(r"[-−]?\d+|[^\W\d_]")
SUP_UNBRACED = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]")
#: What a mark (``\bar``, ``\dot``) may go on.
MARKABLE = re.compile(r"[^\W\d_][^\W_]*(?:-\d+)?")
#: In plain lines, what may follow a function name without parentheses: a short math
#: name (a letter with marks and digits: ``v0``, ``x̄1``), so prose (``log of``) is left.
PLAIN_ATOM = re.compile(rf"[^\W\d_][{MARKS}]*(?:\d+|-\d+)?|pi|π")
#: What may come right after an atom applied without parentheses (``sin v₋₁`` is not
#: ``sin(v)₋₁``); and after white space, what stops it (``sin x^2`` is left as it is).
AFTER_ATOM = frozenset({"ws", "op", "eq", "rp", "comma", "amp"})
ATOM_STOPPERS = frozenset({"^"})
#: A name that takes ``-<digits>`` in ``ln v-1``.
DASH_BASE = re.compile(rf"[^\W\d_][{MARKS}]*")
INTEGER = re.compile(r"\d+")
#: Subscripts copied from a PDF: ``v₋₁`` is ``v-1``.
SUBSCRIPT_CHARS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₋", "0123456789-")
_SUBS = "\u2080-\u2089\u208b"

#: Juxtaposition: ``*`` goes between a token of the first kinds and one of the second.
LEFT_OPERANDS = frozenset({"name", "num", "rp", "sym"})
RIGHT_OPERANDS = frozenset({"name", "num", "func", "lp", "sym"})
NOT_JUXTAPOSED = frozenset({("num", "num")})
LATEX_JUXTAPOSED = frozenset((a, b) for a in LEFT_OPERANDS for b in RIGHT_OPERANDS
                             if (a, b) not in NOT_JUXTAPOSED)
#: White space that may separate juxtaposed factors, and a function from its argument:
#: in plain lines one space (wider gaps separate the columns of a printed table).
PLAIN_GAP = re.compile(r" ?")
#: In plain lines, as textbooks print them (``v̄0 = v̄3 ∂v3/∂v0``, ``v̄₃ cos v₀ + v̄₂ v₋₁``),
#: names must be short math names (PLAIN_ATOM), and neither numbers (``A 2-2-1 network``)
#: nor parentheses (``x1 (the input)``, ``f(x)y``) take part.
PLAIN_JUXTAPOSED = frozenset(p for p in LATEX_JUXTAPOSED if not {"num", "lp", "rp"} & set(p))
#: ``f(x1, x2)``: a name before parentheses with a comma inside is a call, not a product.
CALL_SEPARATORS = frozenset({"comma"})
#: Next to these operators a derivative symbol gets parentheses: ``w̄4*(∂w4/∂w1)``.
FACTOR_OPS = frozenset({"*", "/", "^", "·", "×"})
#: Cells of an align/tabular row join with a space (not `` = ``) next to these kinds.
QUIET_JOIN = frozenset({"eq"})
#: ``a += b`` is ``a = a + b``; the left side must look like one (``v̄0``, ``dz/dw1``,
#: ``a.grad``), not prose.
COMPOUND = {"+": "+", "-": "-", "−": "−"}
COMPOUND_LHS = re.compile(rf"[^\W\d]?[\w{MARKS}.∂/-]*")
#: Beyond this brace depth the text is left as it is (no deep recursion).
MAX_DEPTH = 60


# -- tokens -------------------------------------------------------------------------------

@dataclass
class Tok:
    """A piece of output: its kind, text, and the original column of each character."""

    kind: str  # name num func sym lp rp op eq comma ws partial amp bar text
    text: str
    cols: list[int]
    math: bool = True  # in math mode (not text between $...$)
    glue: bool = False  # joins the name after it (``\mathrm{d}z``)
    inserted: bool = False  # a ``*`` that juxtaposition put in

    def __post_init__(self) -> None:
        if len(self.cols) != len(self.text):  # inserted text: the construct's column
            self.cols = (self.cols[:1] or [0]) * len(self.text)


def _at(kind: str, text: str, col: int, math: bool = True) -> Tok:
    return Tok(kind, text, [col] * len(text), math)


def _raw(kind: str, s: str, a: int, b: int, math: bool = True) -> Tok:
    return Tok(kind, s[a:b], list(range(a, b)), math)


def _flat(toks: Sequence[Tok], spaces: bool = True) -> tuple[str, list[int]]:
    text = "".join(t.text for t in toks if spaces or t.kind != "ws")
    cols = [c for t in toks if spaces or t.kind != "ws" for c in t.cols]
    return text, cols


def _strip(toks: list[Tok]) -> list[Tok]:
    a, b = 0, len(toks)
    while a < b and toks[a].kind == "ws":
        a += 1
    while b > a and toks[b - 1].kind == "ws":
        b -= 1
    return toks[a:b]


def _join(toks: Sequence[Tok]) -> Piece:
    text, cols = _flat(toks)
    return Piece(text, cols)


# -- the API ------------------------------------------------------------------------------

_LATEX_HINT = re.compile(r"\\\S|&|[_^]\{|\$")


def is_latex(line: str) -> bool:
    """Does ``line`` look like LaTeX: a backslash command, ``&``, ``_{``, ``^{`` or ``$``?"""
    return _LATEX_HINT.search(line) is not None


def normalize(line: str) -> Piece:
    """``line`` in plain notation, with the (0-based) column in ``line`` of each character.

    Never raises: what is not recognised is left as it is.
    """
    try:
        piece = _normalize(line)
        if len(piece.text) == len(piece.cols) and all(0 <= c <= len(line) for c in piece.cols):
            return piece
    except Exception:  # pragma: no cover - a safety net; _normalize itself is fuzzed
        pass
    return Piece(line, list(range(len(line))))


def _normalize(line: str) -> Piece:
    if is_latex(line):
        toks = _Latex(line).tokens()
        passes = LATEX_PASSES
    else:
        toks = _plain_tokens(line)
        passes = PLAIN_PASSES
    for step in passes:
        toks = step(toks)
    piece = _join(toks)
    if piece.text == line:
        return Piece(line, list(range(len(line))))
    return piece


# -- plain lines --------------------------------------------------------------------------

_PLAIN_TOKEN = re.compile(rf"""
 (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
|(?P<name>[^\W\d][\w{MARKS}{_SUBS}]*)
|(?P<ws>\s+)
|(?P<lp>\()
|(?P<rp>\))
|(?P<eq>=)
|(?P<op>[-+*/^·×−])
|(?P<comma>,)
|(?P<partial>∂)
|(?P<text>.)
""", re.VERBOSE | re.DOTALL)


def _plain_tokens(line: str) -> list[Tok]:
    out = []
    for m in _PLAIN_TOKEN.finditer(line):
        kind = m.lastgroup or "text"
        tok = _raw(kind, line, m.start(), m.end())
        if kind == "name":
            _name_kind(tok)
        out.append(tok)
    return out


def _name_kind(tok: Tok) -> Tok:
    """A name token: Unicode subscripts made plain; a function name is a ``func``."""
    tok.text = tok.text.translate(SUBSCRIPT_CHARS)
    if tok.text in FUNCTION_NAMES:
        tok.kind = "func"
    return tok


# -- LaTeX lines --------------------------------------------------------------------------

_LATEX_TOKEN = re.compile(rf"""
 (?P<cmd>\\[A-Za-z]+\*?)
|(?P<ctl>\\.?)
|(?P<dollar>\$\$?)
|(?P<rel>{RELATIONS})
|(?P<num>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?)
|(?P<name>[^\W\d_](?:[^\W_]|[{MARKS}{_SUBS}])*)
|(?P<ws>\s+)
|(?P<char>.)
""", re.VERBOSE | re.DOTALL)
_CONTROL_SEQ = re.compile(r"\\(?:[A-Za-z]+|.)|.", re.DOTALL)
_ONE_CHAR = re.compile(rf".[{MARKS}]*", re.DOTALL)
_WS = re.compile(r"\s*")


@dataclass
class _Arg:
    start: int  # the argument with its braces
    end: int
    inner: tuple[int, int]  # inside the braces
    braced: bool


@dataclass
class _Latex:
    """Converts one LaTeX line to tokens (recursively over brace groups)."""

    s: str
    braces: dict[int, int] = field(default_factory=dict)
    math: bool = True
    stop: bool = False

    def __post_init__(self) -> None:
        stack: list[int] = []
        delimited = False
        s, i, n = self.s, 0, len(self.s)
        while i < n:  # match braces; escaped ones (\{) do not count
            c = s[i]
            if c == "\\":
                if i + 1 < n and s[i + 1] in "([":
                    delimited = True
                i += 2
                continue
            if c == "{":
                stack.append(i)
            elif c == "}" and stack:
                self.braces[stack.pop()] = i
            elif c == "$":
                delimited = True
            elif c == "%":
                break
            i += 1
        self.math = not delimited  # with $ or \( delimiters, the rest of the line is text

    def tokens(self) -> list[Tok]:
        return self.span(0, len(self.s), 0)

    # -- walking a span --
    def span(self, a: int, b: int, depth: int) -> list[Tok]:
        s = self.s
        if depth > MAX_DEPTH:
            return [_raw("text", s, a, b, self.math)]
        out: list[Tok] = []
        i = a
        raw_groups = False  # braces after an unknown command stay as they are
        while i < b and not self.stop:
            m = _LATEX_TOKEN.match(s, i, b)
            assert m is not None  # (?P<char>.) matches anything
            kind, text, j = m.lastgroup, m.group(), m.end()
            keep_raw = False
            toks: list[Tok] = []
            if kind == "cmd":
                toks, j, keep_raw = self.command(text[1:].rstrip("*"), i, j, b, depth, out)
            elif kind == "ctl":
                toks, j = self.produce(CONTROLS.get(text[1:]), i, j, b, text)
            elif kind == "dollar":
                self.math = not self.math
            elif kind == "rel":
                toks = [_at("eq", "=", i, self.math)]
            elif kind == "num":
                toks = [_raw("num", s, i, j, self.math)]
            elif kind == "name":
                toks = [_name_kind(_raw("name", s, i, j, self.math))]
            elif kind == "ws":
                toks = [_raw("ws", s, i, j, self.math)]
            elif text == "{" and i in self.braces and self.braces[i] < b:
                close = self.braces[i]
                if raw_groups:
                    toks, keep_raw = [_raw("text", s, i, close + 1, self.math)], True
                else:
                    toks = self.span(i + 1, close, depth + 1)
                j = close + 1
            elif text == "_":
                toks, j = self.subscript(i, b, depth, out)
            elif text == "^":
                toks, j = self.superscript(i, b, depth, out)
            elif text == "%":  # a comment: the rest of the line is not read
                self.stop = True
            elif text in CHARS:
                k, t = CHARS[text]
                toks = [Tok(k, t, [i], self.math)]
            else:
                toks = [_raw("text", s, i, j, self.math)]
            out.extend(toks)
            raw_groups = keep_raw or (raw_groups and kind == "ws")
            i = j
        return _pair_bars(out)

    def produce(self, rule: _T | None, i: int, j: int, b: int, text: str) -> tuple[list[Tok], int]:
        """The tokens of a table entry (``None``: not in the table, left as it is)."""
        if rule is None:
            return [Tok("text", text, list(range(i, j)), self.math)], j
        out = []
        for kind, t in rule:
            if kind == "math":
                self.math = t == "on"
            elif kind == "rowend":  # \\ and its optional [2pt]
                arg = self.arg(j, b, brackets=True)
                if arg is not None and not arg.braced and self.s[arg.start] == "[":
                    j = arg.end
            elif len(rule) == 1 and t == text.lstrip("\\"):
                out.append(Tok(kind, t, list(range(i + 1, i + 1 + len(t))), self.math))
            else:
                out.append(_at(kind, t, i, self.math))
        return out, j

    def arg(self, i: int, b: int, brackets: bool = False) -> _Arg | None:
        """The argument that starts at ``i`` (after white space): ``{...}`` or one token."""
        k = _WS.match(self.s, i, b).end()  # type: ignore[union-attr]
        if k >= b:
            return None
        c = self.s[k]
        if c == "{":
            close = self.braces.get(k)
            if close is None or close >= b:
                return None
            return _Arg(k, close + 1, (k + 1, close), True)
        if brackets and c == "[":
            close = self.s.find("]", k, b)
            return None if close < 0 else _Arg(k, close + 1, (k + 1, close), False)
        if c != "\\" and not c.isalnum():  # \frac{1} = 2: no second argument
            return None
        m = (_CONTROL_SEQ if c == "\\" else _ONE_CHAR).match(self.s, k, b)
        assert m is not None
        return _Arg(k, m.end(), (k, m.end()), False)

    # -- commands --
    def command(self, name: str, i: int, j: int, b: int, depth: int,
                out: list[Tok]) -> tuple[list[Tok], int, bool]:
        if name in SYMBOLS:
            toks, j = self.produce(SYMBOLS[name], i, j, b, "\\" + name)
            return toks, j, False
        if name in SIZING:
            return self.sized(SIZING[name], i, j, b)
        rule = ARG_COMMANDS.get(name)
        if rule is not None:
            done = getattr(self, "do_" + rule[0])(rule[1], i, j, b, depth)
            if done is not None:
                return done[0], done[1], False
        return [_raw("text", self.s, i, j, self.math)], j, True  # unknown: left as it is

    def sized(self, side: str, i: int, j: int, b: int) -> tuple[list[Tok], int, bool]:
        k = _WS.match(self.s, j, b).end()  # type: ignore[union-attr]
        m = _CONTROL_SEQ.match(self.s, k, b)
        if m is None or m.group() not in DELIMITERS:
            return [_raw("text", self.s, i, j, self.math)], j, False
        d = DELIMITERS[m.group()]
        if d is None:
            return [], m.end(), False
        kind, text = d
        if kind == "bar" and side == "open":
            return [_at("func", "abs", i, self.math), _at("lp", "(", i, self.math)], m.end(), False
        if kind == "bar" and side == "close":
            return [_at("rp", ")", i, self.math)], m.end(), False
        return [_at(kind, text, i, self.math)], m.end(), False

    def do_frac(self, _: object, i: int, j: int, b: int,
                depth: int) -> tuple[list[Tok], int] | None:
        a1 = self.arg(j, b)
        a2 = self.arg(a1.end, b) if a1 is not None else None
        if a1 is None or a2 is None:
            return None
        num = _strip(self.span(*a1.inner, depth + 1))
        den = _strip(self.span(*a2.inner, depth + 1))
        (nt, nc), (dt, dc) = _flat(num), _flat(den)
        for rx in FRAC_SYMBOLS:
            m1, m2 = rx.fullmatch(nt), rx.fullmatch(dt)
            if m1 and m2:
                text, cols = "", []
                for m, cs, sep in ((m1, nc, "/"), (m2, dc, "")):
                    for g in (1, 2):
                        text += m.group(g)
                        cols += cs[m.start(g):m.end(g)]
                    text += sep
                    cols += [i] * len(sep)
                return [Tok("sym", text, cols, self.math)], a2.end
        m = self.math
        return ([_at("lp", "(", a1.start, m), *num, _at("rp", ")", a1.end - 1, m),
                 _at("op", "/", i, m), _at("lp", "(", a2.start, m), *den,
                 _at("rp", ")", a2.end - 1, m)], a2.end)

    def do_call(self, fname: object, i: int, j: int, b: int,
                depth: int) -> tuple[list[Tok], int] | None:
        a = self.arg(j, b)
        if a is None or self.s[a.start] == "[":
            return None  # \sqrt[3]{x}: left as it is
        inner = _strip(self.span(*a.inner, depth + 1))
        return ([Tok("func", str(fname), list(range(i + 1, j)), self.math),
                 _at("lp", "(", a.start, self.math), *inner,
                 _at("rp", ")", a.end - 1, self.math)], a.end)

    def do_mark(self, mark: object, i: int, j: int, b: int,
                depth: int) -> tuple[list[Tok], int] | None:
        a = self.arg(j, b)
        if a is None:
            return None
        text, cols = _flat(self.span(*a.inner, depth + 1), spaces=False)
        if not MARKABLE.fullmatch(text):
            return None
        head = unicodedata.normalize("NFC", text[0] + str(mark))
        head_cols = cols[:1] if len(head) == 1 else [cols[0], i]
        return [Tok("name", head + text[1:], head_cols + cols[1:], self.math)], a.end

    def do_wrap(self, _: object, i: int, j: int, b: int,
                depth: int) -> tuple[list[Tok], int] | None:
        a = self.arg(j, b)
        if a is None:
            return None
        inner = _strip(self.span(*a.inner, depth + 1))
        word = self.word(inner)
        return (word if word is not None else inner), a.end

    def do_text(self, skip: object, i: int, j: int, b: int,
                depth: int) -> tuple[list[Tok], int] | None:
        a = self.arg(j, b)
        for _ in range(int(skip)):  # type: ignore[call-overload]
            a = self.arg(a.end, b) if a is not None else None
        if a is None:
            return None
        outer, self.math = self.math, False
        inner = self.span(*a.inner, depth + 1)
        self.math = outer
        word = self.word(inner)  # \text{ReLU}; \text{ for } stays text
        return (word if word is not None else inner), a.end

    def do_drop(self, count: object, i: int, j: int, b: int,
                depth: int) -> tuple[list[Tok], int] | None:
        left = int(count)  # type: ignore[call-overload]
        while left != 0:
            k = j if left < 0 else _WS.match(self.s, j, b).end()  # type: ignore[union-attr]
            if k >= b or self.s[k] not in "{[":
                break
            a = self.arg(k, b, brackets=True)
            if a is None:
                break
            j, left = a.end, left - 1
        return [], j

    def word(self, toks: list[Tok]) -> list[Tok] | None:
        """One word: a function (lower-cased), a glue word (``d``) or a name."""
        if len(toks) != 1 or toks[0].kind not in ("name", "func"):
            return None
        t = toks[0]
        low = t.text.lower()
        low = FUNCTION_ALIASES.get(low, low)
        if low in FUNCTION_NAMES:
            return [Tok("func", low, t.cols, self.math)]
        return [Tok("name", t.text, t.cols, self.math, glue=t.text in GLUE_WORDS)]

    # -- sub- and superscripts --
    def script(self, i: int, b: int, depth: int,
               unbraced: re.Pattern[str]) -> tuple[list[Tok], int] | None:
        k = _WS.match(self.s, i + 1, b).end()  # type: ignore[union-attr]
        a = self.arg(k, b)
        if a is not None and a.braced:
            return self.span(*a.inner, depth + 1), a.end
        m = unbraced.match(self.s, k, b)
        if m is None:
            return None
        kind = "num" if m.group()[-1:].isdigit() else "name"
        return [_raw(kind, self.s, m.start(), m.end(), self.math)], m.end()

    def subscript(self, i: int, b: int, depth: int, out: list[Tok]) -> tuple[list[Tok], int]:
        got = self.script(i, b, depth, SUB_UNBRACED)
        last = _last(out)
        if got is not None and last is not None and out[last].kind == "name":
            text, cols = _flat(got[0], spaces=False)
            if SUBSCRIPT.fullmatch(text):
                name = out[last]
                del out[last + 1:]
                out[last] = replace(name, text=name.text + text.replace("−", "-"),
                                    cols=name.cols + cols)
                return [], got[1]
        end = got[1] if got is not None else i + 1
        return [_raw("text", self.s, i, end, self.math)], end

    def superscript(self, i: int, b: int, depth: int, out: list[Tok]) -> tuple[list[Tok], int]:
        k = _WS.match(self.s, i + 1, b).end()  # type: ignore[union-attr]
        a = self.arg(k, b)
        last = _last(out)
        base = out[last] if last is not None else None
        exp = EXP_BASES.get(base.text) if base is not None and base.kind == "name" else None
        if a is not None and (a.braced or exp is not None and SUP_UNBRACED.fullmatch(
                self.s, a.start, a.end)):
            inner = _strip(self.span(*a.inner, depth + 1))
            lp, rp = _at("lp", "(", a.start, self.math), _at("rp", ")", a.end - 1, self.math)
            if exp is not None and last is not None and base is not None:
                del out[last:]
                return [_at("func", exp, base.cols[0], self.math), lp, *inner, rp], a.end
            return [_at("op", "^", i, self.math), lp, *inner, rp], a.end
        return [Tok("op", "^", [i], self.math)], i + 1


def _last(toks: list[Tok]) -> int | None:
    """Index of the last token that is not white space."""
    for k in range(len(toks) - 1, -1, -1):
        if toks[k].kind != "ws":
            return k
    return None


def _pair_bars(toks: list[Tok]) -> list[Tok]:
    """``|x|`` is ``abs(x)``: bars pair up in order (an odd number of bars: left alone)."""
    bars = [k for k, t in enumerate(toks) if t.kind == "bar"]
    if not bars:
        return toks
    out: list[Tok] = []
    opening = True
    for t in toks:
        if t.kind != "bar":
            out.append(t)
        elif len(bars) % 2:
            out.append(replace(t, kind="text"))
        else:
            out.extend([_at("func", "abs", t.cols[0], t.math), _at("lp", "(", t.cols[0], t.math)]
                       if opening else [_at("rp", ")", t.cols[0], t.math)])
            opening = not opening
    return out


# -- passes over tokens -------------------------------------------------------------------

def _cells(toks: list[Tok]) -> list[Tok]:
    """``a & b & c`` (a tabular row) is ``a = b = c``; ``a &= b`` (align) is ``a = b``."""
    if not any(t.kind == "amp" for t in toks):
        return toks
    cells: list[list[Tok]] = [[]]
    amps: list[Tok] = []
    for t in toks:
        if t.kind == "amp":
            cells.append([])
            amps.append(t)
        else:
            cells[-1].append(t)
    out: list[Tok] = []
    for k, cell in enumerate(cells):
        cell = _strip(cell)
        if not cell:
            continue
        if out:
            col = amps[k - 1].cols[0]
            if out[-1].kind in QUIET_JOIN or cell[0].kind in QUIET_JOIN:
                out.append(_at("ws", " ", col))
            else:
                out.extend([_at("ws", " ", col), _at("eq", "=", col), _at("ws", " ", col)])
        out.extend(cell)
    return out


def _spaces(toks: list[Tok]) -> list[Tok]:
    """Runs of white space become one space; none at the ends."""
    out: list[Tok] = []
    for t in toks:
        if t.kind == "ws":
            if out and out[-1].kind == "ws":
                continue
            t = Tok("ws", " ", t.cols[:1], t.math)
        elif not t.text:
            continue
        out.append(t)
    return _strip(out)


def _glue(toks: list[Tok]) -> list[Tok]:
    """``\\mathrm{d}z`` is the name ``dz``."""
    out: list[Tok] = []
    for t in toks:
        if out and out[-1].glue and t.kind == "name":
            g = out.pop()
            t = Tok("name", g.text + t.text, g.cols + t.cols, t.math)
        out.append(t)
    return out


_PARTIAL_SHAPE = ("partial", "name", "/", "partial", "name")


def _partials(toks: list[Tok], spaces: bool = True) -> list[Tok]:
    """``∂z / ∂w3`` (written out, not as a fraction) is the symbol ``∂z/∂w3``.

    Without ``spaces`` (plain lines) only ``∂z/∂w3`` written without spaces is one.
    """
    if not any(t.kind == "partial" for t in toks):
        return toks
    out: list[Tok] = []
    i, n = 0, len(toks)
    while i < n:
        if toks[i].kind == "partial":
            got: list[Tok] = []
            j, matched = i, 0
            for want in _PARTIAL_SHAPE:
                while spaces and got and j < n and toks[j].kind == "ws":
                    j += 1
                end = _dashed(toks, j) if want == "name" else None
                if end is None and j < n and (toks[j].kind == want or toks[j].text == want):
                    end = j + 1
                if end is None:
                    break
                got.extend(toks[j:end])  # a name may be v-1: three tokens
                j, matched = end, matched + 1
            if matched == len(_PARTIAL_SHAPE):
                text, cols = _flat(got)
                out.append(Tok("sym", text, cols, toks[i].math))
                i = j
                continue
        out.append(toks[i])
        i += 1
    return out


def _latex_atom(toks: list[Tok], j: int) -> int | None:
    """End of the atom at ``j`` in a LaTeX line: a name, number or symbol."""
    t = toks[j]
    if t.kind in ("num", "sym") or t.kind == "name" and not t.glue:
        return _dashed(toks, j) or j + 1
    return None


def _plain_atom(toks: list[Tok], j: int) -> int | None:
    """End of the atom at ``j`` in a plain line: a number or a short math name."""
    t = toks[j]
    if t.kind == "num" or t.kind == "name" and PLAIN_ATOM.fullmatch(t.text):
        return _dashed(toks, j) or j + 1
    return None


def _dashed(toks: list[Tok], j: int) -> int | None:
    """``v-1`` (name, minus, digits, no spaces) is one atom."""
    if (j + 2 < len(toks) and DASH_BASE.fullmatch(toks[j].text) and toks[j + 1].kind == "op"
            and toks[j + 1].text in ("-", "−") and toks[j + 2].kind == "num"
            and INTEGER.fullmatch(toks[j + 2].text)):
        return j + 3
    return None


def _apply(toks: list[Tok], atom: Callable[[list[Tok], int], int | None],
           gap: re.Pattern[str] | None, unary: frozenset[str]) -> list[Tok]:
    """``sin v0`` is ``sin(v0)``: a one-argument function, white space and one atom."""
    out: list[Tok] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if t.kind == "func" and t.math and t.text in unary:
            j = i + 1
            while j < n and toks[j].kind == "ws":
                j += 1
            spaced = j == i + 2 and gap is not None and gap.fullmatch(toks[i + 1].text)
            end = atom(toks, j) if j < n and (spaced or gap is None) else None
            if end is not None and toks[j].math:
                after = end
                while after < n and toks[after].kind == "ws":
                    after += 1
                blocked = (end < n and toks[end].kind not in AFTER_ATOM
                           or after < n and toks[after].text in ATOM_STOPPERS)
                if not blocked:
                    last = toks[end - 1].cols[-1] + 1
                    out.extend([t, _at("lp", "(", toks[i + 1].cols[0], t.math), *toks[j:end],
                                _at("rp", ")", last, t.math)])
                    i = end
                    continue
        out.append(t)
        i += 1
    return out


def _calls(toks: list[Tok]) -> set[int]:
    """Indices of the ``(`` whose parentheses hold a separator (``f(x1, x2)``)."""
    stack: list[int] = []
    found: set[int] = set()
    for k, t in enumerate(toks):
        if t.kind == "lp":
            stack.append(k)
        elif t.kind == "rp" and stack:
            stack.pop()
        elif t.kind in CALL_SEPARATORS and stack:
            found.add(stack[-1])
    return found


def _juxtapose(toks: list[Tok], pairs: frozenset[tuple[str, str]],
               operand: Callable[[Tok], bool] = lambda t: True,
               spacing: re.Pattern[str] | None = None) -> list[Tok]:
    """``w1 w2`` is ``w1*w2``: ``*`` between two operands (white space between dropped).

    A function is an operand when its parentheses follow (``\\sin^2 x`` is left alone).
    """
    out: list[Tok] = []
    prev: Tok | None = None
    gap: list[Tok] = []
    calls = _calls(toks) if any(t.kind in CALL_SEPARATORS for t in toks) else set()
    for k, t in enumerate(toks):
        if t.kind == "ws":
            gap.append(t)
            continue
        called = t.kind != "func" or k + 1 < len(toks) and toks[k + 1].kind == "lp"
        if (prev is not None and called and prev.math and t.math and (prev.kind, t.kind) in pairs
                and operand(prev) and operand(t)
                and (spacing is None or spacing.fullmatch("".join(g.text for g in gap)))
                and not (prev.kind == "name" and not gap and k in calls)):
            out.append(replace(_at("op", "*", gap[0].cols[0] if gap else t.cols[0]),
                               inserted=True))
        else:
            out.extend(gap)
        gap = []
        out.append(t)
        prev = t
    out.extend(gap)
    return out


def _plain_operand(t: Tok) -> bool:
    """In plain lines only short math names are juxtaposed (not prose: ``compute ∂y/∂x1``)."""
    return (t.kind != "name" or PLAIN_ATOM.fullmatch(t.text) is not None) and (
        t.kind != "func" or t.text in PLAIN_UNARY)


def _bracket_symbols(toks: list[Tok], inserted_only: bool = False) -> list[Tok]:
    """A derivative symbol that is a factor gets parentheses: ``w̄4*(∂w4/∂w1)``.

    With ``inserted_only`` (plain lines) only next to a ``*`` that juxtaposition put there.
    """
    sig = [k for k, t in enumerate(toks) if t.kind != "ws"]
    wrap: set[int] = set()
    for p, k in enumerate(sig):
        if toks[k].kind != "sym":
            continue
        near = [toks[sig[q]] for q in (p - 1, p + 1) if 0 <= q < len(sig)]
        if any(t.kind == "op" and t.text in FACTOR_OPS and (t.inserted or not inserted_only)
               for t in near):
            wrap.add(k)
    if not wrap:
        return toks
    out: list[Tok] = []
    for k, t in enumerate(toks):
        if k in wrap:
            out.extend([_at("lp", "(", t.cols[0], t.math), t, _at("rp", ")", t.cols[-1], t.math)])
        else:
            out.append(t)
    return out


def _compound_assign(toks: list[Tok]) -> list[Tok]:
    """``v̄0 += v̄2*v-1`` is ``v̄0 = v̄0 + v̄2*v-1`` (the left side repeated)."""
    eq = next((k for k, t in enumerate(toks) if t.kind == "eq"), None)
    if eq is None or eq == 0 or toks[eq - 1].kind != "op" or toks[eq - 1].text not in COMPOUND:
        return toks
    op = toks[eq - 1]
    lhs = _strip(toks[:eq - 1])
    rest = _strip(toks[eq + 1:])
    if not lhs or not rest or not COMPOUND_LHS.fullmatch(_flat(lhs)[0]):
        return toks
    c, e = op.cols[0], toks[eq].cols[0]
    copy = [replace(t, cols=list(t.cols)) for t in lhs]
    indent = toks[:next(k for k, t in enumerate(toks) if t.kind != "ws")]
    return [*indent, *lhs, _at("ws", " ", c), _at("eq", "=", e), _at("ws", " ", e), *copy,
            _at("ws", " ", c), _at("op", COMPOUND[op.text], c), _at("ws", " ", c), *rest]


#: The passes over a LaTeX line's tokens, in order.
LATEX_PASSES: tuple[Callable[[list[Tok]], list[Tok]], ...] = (
    _cells, _spaces, _glue, _partials,
    partial(_apply, atom=_latex_atom, gap=None, unary=UNARY),
    partial(_juxtapose, pairs=LATEX_JUXTAPOSED),
    _bracket_symbols, _spaces, _compound_assign)
#: The passes over a plain line's tokens, in order.
PLAIN_PASSES: tuple[Callable[[list[Tok]], list[Tok]], ...] = (
    partial(_partials, spaces=False),
    partial(_apply, atom=_plain_atom, gap=PLAIN_GAP, unary=PLAIN_UNARY),
    partial(_juxtapose, pairs=PLAIN_JUXTAPOSED, operand=_plain_operand, spacing=PLAIN_GAP),
    partial(_bracket_symbols, inserted_only=True),
    _compound_assign)
