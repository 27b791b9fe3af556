"""Matrix answers: a vector or matrix read the way students write it, judged entry by entry.

An answer may be a nested list (TOML, JSON, YAML, Python), a numpy array, or text:
``[[2, -2], [2, -2]]`` (also numpy's printed ``[[ 2. -2.] [ 2. -2.]]``,
``array([...])`` and ``[2 -2; 2 -2]``), Markdown table rows (``| 2 | -2 |``) or
LaTeX (``\\begin{bmatrix} 2 & -2 \\\\ 2 & -2 \\end{bmatrix}``, also ``pmatrix``).
Nothing is evaluated with ``eval``: numbers keep their written text (for the
rounding rule) and an entry such as ``1/3`` or ``\\frac{1}{3}`` is computed with
the project's parser and primal pass.

>>> read_matrix("[[2, -2], [2, -2.0]]").shape
(2, 2)
>>> read_matrix("| 2 | -2 |\\n| 2 | -2 |").values.tolist()
[[2.0, -2.0], [2.0, -2.0]]
>>> a = read_matrix(r"\\begin{pmatrix} \\frac{1}{3} & 0.50 \\end{pmatrix}")
>>> a.form, [round(float(f), 4) for f in a.figures.ravel()], a.figures[0, 1].text
('latex', [0.3333, 0.5], '0.50')

Judging compares every entry by the rounding rule (each entry's own written
decimals), names the wrong entries by (row, column), and recognises a transposed
answer and a wrong shape:

>>> import numpy as np
>>> from .figures import Tolerance
>>> w = Subject("∇W", "W", (2, 3))
>>> true = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
>>> print(judge_matrix(true, read_matrix([[1, 2, 3], [4, 50, 6]]), Tolerance(), w).message)
1 of 6 entries wrong: entry (2, 2): expected 5, got 50
>>> print(judge_matrix(true, read_matrix(true.T), Tolerance(), w).message)
this is the transpose of ∇W: W is 2×3, and ∇W has its shape
>>> print(judge_matrix(true, read_matrix([1, 2, 3]), Tolerance(), w).message)
wrong shape: expected a 2×3 matrix (W's shape), got 3 numbers
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from ..errors import AutodiffVizError
from .evaluate import evaluate, parse_cached
from .figures import Figure, Tolerance, describe

MAX_SHOWN = 3  # wrong entries named in a message; the rest are counted

TEXT_FORMS = ("markdown", "latex")  # a vector can only be written as a row or a column


class MatrixError(ValueError):
    """An answer that cannot be read as a number, vector or matrix (the message says why)."""


# -- one number ------------------------------------------------------------------------
def as_figure(value: Any) -> tuple[Figure | None, str]:
    """A submitted number (a Figure, an int, a numeric text or a numeric expression)."""
    if isinstance(value, (bool, np.bool_)):
        return None, repr(value)
    if isinstance(value, Figure):
        return value, ""
    if isinstance(value, np.integer):
        value = int(value)
    elif isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, (int, float)):
        return (Figure(float(value), str(value) if isinstance(value, int) else "")
                if math.isfinite(value) else None), repr(value)
    if isinstance(value, str):
        try:
            return Figure.parse(value), ""
        except ValueError:
            pass
        try:
            g = parse_cached(value)
        except AutodiffVizError as err:
            return None, f"{value!r} ({err.message})"
        if g.input_names:
            return None, f"{value!r} uses {', '.join(g.input_names)}; give a number"
        try:
            row = evaluate(g, [{}])[0]
        except (AutodiffVizError, TypeError, ValueError):  # not a number (a vector literal)
            return None, f"{value!r} is not a number"
        out = None if row is None else row[g.outputs[0][1]]
        if out is None or np.ndim(out) or not math.isfinite(out):
            return None, f"{value!r} is undefined" if out is None or not np.ndim(out) \
                else f"{value!r} is not a number"
        return Figure(float(out), None), ""
    return None, f"{value!r}"


# -- shapes in words -------------------------------------------------------------------
def dims(shape: tuple[int, ...]) -> str:
    """``2×3``."""
    return "×".join(str(n) for n in shape)


def shape_phrase(shape: tuple[int, ...]) -> str:
    """What an answer of this shape is: ``a number``, ``a vector of 3``, ``a 2×3 matrix``."""
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    return f"a {dims(shape)} {'matrix' if len(shape) == 2 else 'array'}"


def _given_phrase(shape: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if not shape:
        return "one number"
    if len(shape) == 1:
        return f"{shape[0]} number{'s' if shape[0] != 1 else ''}"
    if len(shape) == len(expected):
        return dims(shape)
    return shape_phrase(shape)


def entry_name(index: tuple[int, ...]) -> str:
    """``entry 2`` of a vector, ``entry (1, 2)`` of a matrix (counted from 1)."""
    if not index:
        return "the number"
    if len(index) == 1:
        return f"entry {index[0] + 1}"
    return "entry (" + ", ".join(str(i + 1) for i in index) + ")"


# -- an answer -------------------------------------------------------------------------
@dataclass
class MatrixAnswer:
    """A given number, vector or matrix: every entry a :class:`Figure` (its written text)."""

    figures: np.ndarray  # dtype object, entries Figure
    form: str  # number, list, array, brackets, markdown, latex

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.figures.shape)

    @property
    def values(self) -> np.ndarray:
        return self.figures.astype(float)

    def plain(self) -> Any:
        """The values as a float or nested lists (for reports and JSON)."""
        v = self.values + 0.0  # no -0.0
        return float(v) if v.ndim == 0 else v.tolist()


def _figures(nested: Any, where: str = "") -> np.ndarray:
    """An object array of Figures from nested lists of entries; rectangular or an error."""
    def shape_of(x: Any, path: str) -> tuple[int, ...]:
        if isinstance(x, (list, tuple)):
            if not x:
                raise MatrixError(f"{path or 'the answer'} is empty")
            subs = [shape_of(e, f"{path}[{k + 1}]" if path else f"row {k + 1}")
                    for k, e in enumerate(x)]
            if any(s != subs[0] for s in subs):
                k = next(k for k, s in enumerate(subs) if s != subs[0])
                what = "rows" if not path else f"the parts of {path}"
                raise MatrixError(
                    f"the {what} differ in length: {_length(x[0])} and {_length(x[k])} "
                    f"entries (row 1 and row {k + 1}); every row needs as many entries")
            return (len(x),) + subs[0]
        return ()

    shape = shape_of(nested, "")
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape) if shape else [()]:
        v = nested
        for i in idx:
            v = v[i]
        if isinstance(v, (list, tuple)):  # cannot happen for a rectangular nesting
            raise MatrixError("the rows are not all nested alike")
        fig, problem = as_figure(v)
        if fig is None:
            raise MatrixError(f"{entry_name(idx) if shape else 'the answer'} is not a number: "
                              f"{problem}")
        out[idx] = fig
    return out


def _length(x: Any) -> int:
    return len(x) if isinstance(x, (list, tuple)) else 1


def read_matrix(value: Any) -> MatrixAnswer:
    """A number, vector or matrix from any accepted form; :class:`MatrixError` says why not."""
    if isinstance(value, MatrixAnswer):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "b":
            raise MatrixError("the answer is an array of true/false, not of numbers")
        if value.dtype.kind in "iuf":
            flat = [Figure(float(x), str(int(x)) if value.dtype.kind in "iu" else "")
                    for x in value.ravel()]
            for k, f in enumerate(flat):
                if not math.isfinite(f):
                    raise MatrixError(f"{entry_name(np.unravel_index(k, value.shape))} "
                                      f"is not a number: {float(f)!r}")
            out = np.empty(len(flat), dtype=object)
            out[:] = flat
            return MatrixAnswer(out.reshape(value.shape), "array")
        return MatrixAnswer(_figures(value.tolist()), "array")
    if isinstance(value, (list, tuple)):
        return MatrixAnswer(_figures(list(value)), "list")
    if isinstance(value, str):
        return parse_matrix_text(value)
    fig, problem = as_figure(value)
    if fig is None:
        raise MatrixError(f"not a number, vector or matrix: {problem}")
    return MatrixAnswer(_scalar(fig), "number")


def _scalar(fig: Figure) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = fig
    return out


# -- text forms ------------------------------------------------------------------------
_ENVS = r"(?:bmatrix|pmatrix|Bmatrix|vmatrix|Vmatrix|matrix|smallmatrix|array)\*?"
_BEGIN = re.compile(r"\\begin\{(" + _ENVS + r")\}(\{[^}]*\}|\[[^\]]*\])?")
_RULE_ROW = re.compile(r"^:?-{1,}:?$")
_ARRAY_CALL = re.compile(r"^(?:np\.|numpy\.)?(?:array|matrix|asarray)\s*\((.*)\)$", re.S)
_DTYPE_TAIL = re.compile(r",\s*dtype\s*=\s*[\w.]+\s*$")
_NUMPY_DOT = re.compile(r"(\d)\.(?=$|[eE])")  # numpy prints 2.0 as "2.": exactly 2


def parse_matrix_text(text: str) -> MatrixAnswer:
    """A matrix from text: Markdown table rows, LaTeX, or brackets; or one number."""
    s = _unwrap(text)
    if not s:
        raise MatrixError("the answer is empty")
    if "\\begin" in s:
        return MatrixAnswer(_figures(_latex_rows(s)), "latex")
    lines = [ln.strip() for ln in s.split("\n") if ln.strip()]
    if any(ln.startswith("|") for ln in lines):
        return MatrixAnswer(_figures(_markdown_rows(lines)), "markdown")
    m = _ARRAY_CALL.match(s)
    if m:
        s = _DTYPE_TAIL.sub("", m.group(1).strip())
    if s.startswith("["):
        return MatrixAnswer(_figures(_Brackets(s).parse()), "brackets")
    fig, problem = as_figure(s)
    if fig is not None:
        return MatrixAnswer(_scalar(fig), "number")
    raise MatrixError(f"cannot read {text.strip()!r} as a number, vector or matrix: write "
                      "[[2, -2], [2, -2]], Markdown rows | 2 | -2 |, or LaTeX "
                      "\\begin{bmatrix} 2 & -2 \\\\ 2 & -2 \\end{bmatrix}")


def _unwrap(text: str) -> str:
    s = text.strip()
    s = re.sub(r"^```\w*\n(.*?)\n?```$", r"\1", s, flags=re.S).strip()
    for a, b in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"), ("`", "`")):
        if len(s) > len(a) + len(b) and s.startswith(a) and s.endswith(b):
            s = s[len(a):len(s) - len(b)].strip()
    # a name before the matrix: "∇W = [[...]]", "dL/dW = \begin{bmatrix}..."
    m = re.match(r"^[^\[\]|\\=\n]{1,40}=\s*(?=[\[|\\]|(?:np\.|numpy\.)?array)", s)
    if m:
        s = s[m.end():]
    return s.strip()


def _latex_rows(s: str) -> list[list[Figure]]:
    m = _BEGIN.search(s)
    if m is None:
        raise MatrixError("cannot find \\begin{bmatrix} ... \\end{bmatrix}")
    env = m.group(1)
    end = s.find("\\end{" + env + "}", m.end())
    if end < 0:
        raise MatrixError(f"\\begin{{{env}}} is never closed: add \\end{{{env}}}")
    body = s[m.end():end].replace("\\hline", "")
    rows = [r for r in re.split(r"\\\\(?:\[[^\]]*\])?", body)]
    while rows and not rows[-1].strip():
        rows.pop()
    if not rows:
        raise MatrixError(f"the {env} has no entries")
    out: list[list[Figure]] = []
    for r, row in enumerate(rows, 1):
        cells = row.split("&")
        out_row = []
        for c, cell in enumerate(cells, 1):
            fig, problem = as_figure(latex_number(cell))
            if fig is None:
                raise MatrixError(f"row {r}, entry {c} of the {env} is not a number: "
                                  f"{cell.strip()!r}")
            out_row.append(fig)
        out.append(out_row)
    return _rectangular(out)


def _rectangular(rows: list[list[Figure]]) -> list[list[Figure]]:
    n = len(rows[0])
    for r, row in enumerate(rows[1:], 2):
        if len(row) != n:
            raise MatrixError(f"row {r} has {len(row)} entr{'y' if len(row) == 1 else 'ies'}, "
                              f"row 1 has {n}: every row needs as many entries")
    return rows


def latex_number(text: str) -> str:
    """A LaTeX number (``-\\frac{1}{3}``, ``2\\cdot 10^{-3}``) in the expression language."""
    s = text.strip().replace("−", "-")
    s = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg)\s*([()\[\]])", r"\1", s)
    s = re.sub(r"\\[,;!: ]|~", "", s)
    s = re.sub(r"\\mathrm\{([^}]*)\}|\\text\{([^}]*)\}",
               lambda m: m.group(1) or m.group(2) or "", s)
    s = _frac(s)
    s = re.sub(r"\\sqrt\s*\{", "sqrt{", s)
    s = s.replace("\\cdot", "*").replace("\\times", "*").replace("\\pi", "pi")
    s = re.sub(r"\\(exp|ln|log|sin|cos|tan|tanh)\b", r"\1", s)
    return s.replace("{", "(").replace("}", ")").strip()


def _frac(s: str) -> str:
    """``\\frac{a}{b}`` (also ``\\dfrac``, ``\\tfrac``) as ``((a)/(b))``, nested ones too."""
    pat = re.compile(r"\\[dt]?frac\s*")
    while True:
        m = pat.search(s)
        if m is None:
            return s
        a, i = _group(s, m.end())
        b, j = _group(s, i)
        if a is None or b is None:
            return s  # left as it is: the entry is reported as unreadable
        s = s[:m.start()] + f"(({a})/({b}))" + s[j:]


def _group(s: str, i: int) -> tuple[str | None, int]:
    """A brace group ``{...}`` (or one character) starting at ``i``; and where it ends."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return None, i
    if s[i] != "{":
        return s[i], i + 1
    depth = 0
    for k in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[k], 0)
        if depth == 0:
            return s[i + 1:k], k + 1
    return None, len(s)


def _markdown_rows(lines: list[str]) -> list[list[Figure]]:
    table = [ln for ln in lines if ln.startswith("|")]
    rows: list[list[str]] = []
    header: set[int] = set()
    for ln in table:
        body = ln.strip()
        body = body[1:] if body.startswith("|") else body
        body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", body)]
        if cells and all(_RULE_ROW.match(c.replace(" ", "")) for c in cells if c) \
                and any(cells):
            if rows:
                header.add(len(rows) - 1)  # the row above a rule is the header
            continue
        rows.append([_cell(c) for c in cells])
    numeric = [[as_figure(latex_number(c))[0] if c else None for c in row] for row in rows]
    keep = [k for k in range(len(rows))
            if not (k in header and not all(f is not None for f in numeric[k]))]
    if not keep:
        raise MatrixError("the Markdown table has no rows of numbers")
    # row labels (| x1 | 2 | -2 |): a first column with no numbers at all is dropped
    first = 1 if all(numeric[k][0] is None for k in keep) and \
        all(len(rows[k]) > 1 for k in keep) else 0
    out: list[list[Figure]] = []
    for n, k in enumerate(keep, 1):
        row = []
        for c in range(first, len(rows[k])):
            f = numeric[k][c]
            if f is None:
                raise MatrixError(f"Markdown row {n}, column {c + 1 - first} is not a number: "
                                  f"{rows[k][c]!r}")
            row.append(f)
        out.append(row)
    return _rectangular(out)


def _cell(c: str) -> str:
    c = c.strip().strip("`").strip()
    c = re.sub(r"^\*\*(.*)\*\*$", r"\1", c)
    c = re.sub(r"^\*(.*)\*$", r"\1", c)
    c = c.strip()
    if len(c) > 1 and c.startswith("$") and c.endswith("$"):
        c = c.strip("$").strip()
    return c


class _Brackets:
    """``[[2, -2], [2, -2]]``, numpy's ``[[ 2. -2.]\\n [ 2. -2.]]``, ``[2 -2; 2 -2]``."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, what: str) -> MatrixError:
        return MatrixError(f"{what} (column {self.i + 1} of {self.s.strip()!r})")

    def parse(self) -> list[Any]:
        out = self.list()
        self.space()
        if self.i < len(self.s):
            raise self.fail(f"unexpected {self.s[self.i]!r} after the closing ']'")
        return out

    def space(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def list(self) -> list[Any]:
        assert self.s[self.i] == "["
        self.i += 1
        rows: list[list[Any]] = [[]]  # ';' starts a new row (MATLAB)
        while True:
            self.space()
            if self.i >= len(self.s):
                raise self.fail("a '[' is never closed")
            ch = self.s[self.i]
            if ch == "]":
                self.i += 1
                break
            if ch == "[":
                rows[-1].append(self.list())
            elif ch == ",":
                self.i += 1
            elif ch == ";":
                self.i += 1
                rows.append([])
            else:
                rows[-1].extend(self.chunk())
        if len(rows) > 1:
            return [r for r in rows if r] if any(rows) else []
        return rows[0]

    def chunk(self) -> list[Figure]:
        start = self.i
        depth = 0
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif depth == 0 and ch in ",;[]":
                break
            self.i += 1
        text = self.s[start:self.i].strip()
        if not text:
            return []
        parts = text.split()
        if len(parts) > 1 and all(_plain_number(p) for p in parts):  # numpy: [ 2. -2.]
            return [Figure.parse(_NUMPY_DOT.sub(r"\1", p)) for p in parts]
        fig, problem = as_figure(text)
        if fig is None:
            self.i = start
            raise self.fail(f"{text!r} is not a number")
        return [fig]


def _plain_number(text: str) -> bool:
    try:
        Figure.parse(text)
        return True
    except ValueError:
        return False


# -- judging ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Subject:
    """What an answer is, for messages: ``∇W`` of the input ``W`` (shape 2×3)."""

    what: str  # "∇W", "the adjoint of a1", "the value of h"
    owner: str | None = None  # the node whose shape it has ("W"), None for values
    owner_shape: tuple[int, ...] | None = None
    again: str = ""  # ``what`` once the owner is named: "its adjoint" (default: ``what``)


@dataclass
class MatrixVerdict:
    ok: bool
    share: float  # entries right in place, as a share of all (0 for a wrong shape)
    message: str
    kind: str  # correct, entries, shape, transposed, mistake
    wrong: list[tuple[int, ...]] = field(default_factory=list)


Mistakes = Callable[[], Iterable[tuple[np.ndarray, str]]]


def _oriented(true: np.ndarray, ans: MatrixAnswer) -> np.ndarray:
    """The answer's entries in the expected shape when only the writing differs: a row or a
    column written for a vector (or a list for a one-row or one-column matrix); a single
    cell of a table for a number."""
    f = ans.figures
    t, g = true.shape, f.shape
    if g == t:
        return f
    if len(t) == 1 and len(g) == 2 and 1 in g and f.size == true.size:
        return f.reshape(t)
    if len(g) == 1 and len(t) == 2 and 1 in t and f.size == true.size:
        return f.reshape(t)
    if not t and f.size == 1 and ans.form in TEXT_FORMS:
        return f.reshape(())
    return f


def _matches(figs: np.ndarray, target: np.ndarray, tol: Tolerance) -> bool:
    if figs.shape != target.shape:
        return False
    return all(tol.judge(f, float(t)).ok for f, t in zip(figs.ravel(), target.ravel()))


def _got_text(f: Figure) -> str:
    return f.text if f.text and len(f.text) <= 12 else describe(float(f))


def judge_matrix(true: Any, ans: MatrixAnswer, tol: Tolerance, subject: Subject,
                 mistakes: Mistakes | None = None) -> MatrixVerdict:
    """Judge ``ans`` against ``true`` entry by entry; name a transposed answer, a wrong
    shape, and the recognised ``mistakes`` (candidate wrong answers with their reasons)."""
    t = np.asarray(true, dtype=float)
    figs = _oriented(t, ans)
    if figs.shape == t.shape:
        judged = [(idx, tol.judge(figs[idx], float(t[idx]))) for idx in np.ndindex(t.shape)]
        wrong = [(idx, j) for idx, j in judged if not j.ok]
        if not wrong:
            rounded = [idx for idx, j in judged if j.how == "rounded"]
            note = ""
            if rounded:
                note = "(" + "; ".join(
                    f"{entry_name(i) if t.ndim else 'the number'}: {describe(float(t[i]))} "
                    f"rounded to {figs[i].decimals} decimal{'s' if figs[i].decimals != 1 else ''}"
                    for i in rounded[:MAX_SHOWN]) + (
                    f"; and {len(rounded) - MAX_SHOWN} more" if len(rounded) > MAX_SHOWN
                    else "") + ")"
            return MatrixVerdict(True, 1.0, note, "correct")
        share = 1.0 - len(wrong) / max(t.size, 1)
        named = _named_mistake(t, figs, tol, subject, mistakes)
        if named is not None:
            return MatrixVerdict(False, share, named[1], named[0], [i for i, _ in wrong])
        if t.ndim == 0:
            return MatrixVerdict(False, 0.0, tol.wrong_message(figs[()], float(t)), "entries",
                                 [()])
        parts = []
        for idx, j in wrong[:MAX_SHOWN]:
            f = figs[idx]
            if j.how == "coarse":
                parts.append(f"{entry_name(idx)}: {_got_text(f)} is rounded too far "
                             f"({tol.rule()})")
            else:
                parts.append(f"{entry_name(idx)}: expected {tol.expected_text(float(t[idx]), f)}"
                             f", got {_got_text(f)}")
        more = len(wrong) - MAX_SHOWN
        msg = (f"{len(wrong)} of {t.size} entries wrong: " + "; ".join(parts)
               + (f"; and {more} more" if more > 0 else ""))
        return MatrixVerdict(False, share, msg, "entries", [i for i, _ in wrong])
    named = _named_mistake(t, figs, tol, subject, mistakes)
    if named is not None:
        return MatrixVerdict(False, 0.0, named[1], named[0])
    owner = (f" ({subject.owner}'s shape)" if subject.owner and subject.owner_shape == t.shape
             else "")
    return MatrixVerdict(False, 0.0, f"wrong shape: expected {shape_phrase(t.shape)}{owner}, "
                         f"got {_given_phrase(figs.shape, t.shape)}", "shape")


def _named_mistake(t: np.ndarray, figs: np.ndarray, tol: Tolerance, subject: Subject,
                   mistakes: Mistakes | None) -> tuple[str, str] | None:
    """A recognised mistake the answer is: the transpose, or one of ``mistakes``."""
    if t.ndim == 2 and figs.shape == t.T.shape and _matches(figs, t.T, tol):
        if subject.owner and subject.owner_shape == t.shape:
            return "transposed", (f"this is the transpose of {subject.what}: {subject.owner} "
                                  f"is {dims(t.shape)}, and {subject.again or subject.what} "
                                  "has its shape")
        return "transposed", f"this is the transpose of {subject.what} ({dims(t.shape)})"
    if mistakes is not None:
        for cand, why in mistakes():
            c = np.asarray(cand, dtype=float)
            if c.shape == figs.shape and _matches(figs, c, tol):
                return "mistake", why
    return None
