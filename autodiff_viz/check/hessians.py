"""Second-order answers: the Hessian as numbers, and ∂²z/∂xi∂xj as a formula.

The expected numbers are a :func:`autodiff_viz.second.hessian` at the key's point
(forward passes over the reverse derivative graph); formulas are compared like
first-order ones (:mod:`.formulas`). In a text submission these lines are read:

- one entry: ``d2z/dx1dx2 = 1``, ``∂²z/∂x1² = -sin(2)``, ``∂^2 z/(∂x1 ∂x2) = 1``,
  ``d²z/dx1² = -sin(x1) = -0.91`` (a formula, then its value);
- the whole matrix: ``H = [[-0.91, 1], [1, 0]]`` (also ``hessian``, ``∇²z``, ``H(z)``;
  the brackets may go on over the next lines).

A mixed partial answers both of its entries (∂²z/∂x1∂x2 = ∂²z/∂x2∂x1).

>>> from autodiff_viz import parse
>>> g = parse("sin(x1) + x1*x2")
>>> read_second_line("∂²z/∂x1² = -sin(2)", g)
SecondLine(output='z', pair=('x1', 'x1'), parts=['-sin(2)'])
>>> read_second_line("d2z/dx1dx2 = 1", g).pair, read_second_line("H = [[1, 2], [2, 0]]", g).pair
(('x1', 'x2'), None)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..graph import Graph
from .formulas import derivative_name
from .keys import SECOND_ASKS, Ask, Key
from .matrices import MatrixError, read_matrix, shape_phrase
from .read import Piece, split_parts
from .report import MISSING, UNREADABLE, Item
from .table_grader import Answer
from .tensors import plain

if TYPE_CHECKING:
    from .grade import Grading

_D = r"(?:d|∂|\\partial\s*)"
_SQUARE = r"\s*(?:\^\s*\{?\s*2\s*\}?|²)"
_NUMERATOR = re.compile(rf"^\(?\s*{_D}\s*(?:2|{_SQUARE})\s*\*?\s*(?P<out>[^\W\d]\w*)?\s*\)?\s*/\s*")
_MATRIX_NAMES = re.compile(r"^(?:H|Hess|hessian|Hessian|H\s*\(\s*\w+\s*\)|H_\{?\w+\}?|"
                           r"∇\s*(?:²|\^\s*\{?2\}?)\s*\w*|nabla\^2\s*\w*)$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class SecondLine:
    """A second-derivative line: which output and entry (None: the whole matrix) and the
    parts after its first ``=``."""

    output: str | None
    pair: tuple[str, str] | None
    parts: list[str]


def _clean(line: str) -> str:
    s = _BULLET.sub("", line).strip().replace("`", "").replace("≈", "=").replace("−", "-")
    s = s.strip("$").strip()
    if s.startswith("|") and s.endswith("|") and s.count("|") >= 3:  # | ∂²z/∂x1² | -0.91 |
        s = " = ".join(c.strip() for c in s.strip("|").split("|"))
    return s


def _denominator(text: str, inputs: list[str]) -> tuple[str, str] | None:
    """``∂x1∂x2``, ``dx1 dx2``, ``(∂x1^2)``, ``dx1*dx2`` as the two inputs, else None."""
    s = text.strip()
    while s.startswith("(") and s.endswith(")"):
        s = s[1:-1].strip()
    names = sorted(inputs, key=len, reverse=True)

    def factors(k: int, depth: int) -> list[str] | None:  # ``dx1dx2``: backtracking
        if k == len(s):
            return []
        m = re.match(rf"[\s*·]*{_D}\s*", s[k:])
        if not m or depth > 2:
            return None
        k += m.end()
        for n in names:
            if not s.startswith(n, k):
                continue
            j = k + len(n)
            sq = re.match(_SQUARE, s[j:])
            j += sq.end() if sq else 0
            j += len(s[j:]) - len(s[j:].lstrip(" *·"))
            rest = factors(j, depth + 1)
            if rest is not None:
                return [n] * (2 if sq else 1) + rest
        return None

    got = factors(0, 0)
    return (got[0], got[1]) if got is not None and len(got) == 2 else None


def read_second_line(line: str, graph: Graph) -> SecondLine | None:
    """The line as a second-derivative answer, or None when it is not one (LaTeX is read
    in the table reader's plain notation: ``\\frac{\\partial^2 z}{\\partial x_1^2}``)."""
    found = _second_line(line, graph)
    if found is None and "\\" in line:
        from .layouts import normalize
        found = _second_line(normalize(line).text, graph)
    return found


def _second_line(line: str, graph: Graph) -> SecondLine | None:
    s = _clean(line)
    parts = split_parts(Piece(s, list(range(len(s)))))
    if len(parts) < 2:
        return None
    lhs, rest = parts[0].text.strip(), [p.text.strip() for p in parts[1:]]
    if _MATRIX_NAMES.match(lhs):  # H = [[..]]; but H = w1*w2 = 6 is a step named H
        if not re.match(r"(?:np\.|numpy\.)?(?:\[|\\begin|array\()", rest[-1]):
            return None
        return SecondLine(None, None, rest)
    m = _NUMERATOR.match(lhs)
    if not m:
        return None
    pair = _denominator(lhs[m.end():], graph.input_names)
    if pair is None:
        return None
    return SecondLine(m.group("out"), pair, rest)


def _matrix_lines(lines: list[str], k: int) -> int:
    """How many lines from ``k`` a matrix answer takes (its brackets balance)."""
    depth = 0
    for j in range(k, min(len(lines), k + 40)):
        depth += lines[j].count("[") - lines[j].count("]")
        if depth <= 0:
            return j - k + 1
    return 1


def take_second_answers(key: Key, tables: list[tuple[str, str]]
                        ) -> tuple[list[tuple[str, str]], dict[str, Answer]]:
    """The tables with their second-derivative lines blanked (line numbers kept), and the
    answers those lines give to the key's second-order asks."""
    g = key.graph
    found_entries: dict[tuple[str | None, str, str], tuple[list[str], int]] = {}
    matrix: tuple[str, int] | None = None
    out_tables = []
    for origin, text in tables:
        lines = text.split("\n")
        k = 0
        while k < len(lines):
            n = _matrix_lines(lines, k) if "[" in lines[k] else 1
            joined = " ".join(x.strip() for x in lines[k:k + n])
            found = read_second_line(joined, g) if len(joined) < 2000 else None
            if found is not None and (found.output is None or found.output in
                                      g.output_names or len(g.outputs) == 1):
                if found.pair is None:
                    matrix = matrix or (found.parts[-1], k + 1)
                else:  # by output (None: the student's own name for it, or none)
                    out = found.output if found.output in g.output_names else None
                    found_entries.setdefault((out,) + found.pair, (found.parts, k + 1))
                for j in range(k, k + n):
                    lines[j] = ""
            k += n
        out_tables.append((origin, "\n".join(lines)))
    answers: dict[str, Answer] = {}
    for ask in key.asks:
        if ask.kind not in SECOND_ASKS:
            continue
        o = ask.output or g.output_names[0]
        entries = {(a, b): v for (out, a, b), v in found_entries.items() if out in (o, None)}
        if ask.wrt_inputs:
            a, b = ask.wrt_inputs
            hit = entries.get((a, b)) or entries.get((b, a))
            if hit is not None:
                parts, line = hit
                answers[ask.name] = Answer(parts[0] if ask.kind == "second_formula"
                                           else parts[-1], {"": line})
        elif matrix is not None:
            answers[ask.name] = Answer(matrix[0], {"": matrix[1]})
        elif entries:
            answers[ask.name] = Answer({p: v[-1] for p, (v, _) in entries.items()},
                                       {f"{a}/{b}": ln for (a, b), (_, ln) in entries.items()})
    return out_tables, answers


# -- expected values ---------------------------------------------------------------------
def expected_hessian(key: Key, point: Mapping[str, Any], output: str | None) -> np.ndarray:
    """The Hessian of ``output`` at ``point`` over every input (remembered per key)."""
    from ..second import hessian

    ck = ("hessian", tuple(sorted((k, float(v)) for k, v in point.items())), output)
    if ck not in key._cache:
        h = hessian(key.graph, {k: plain(v) for k, v in point.items()}, output=output)
        key._cache[ck] = h.matrix
    return key._cache[ck]


# -- grading -------------------------------------------------------------------------------
def _entry_answers(value: Any, names: list[str]) -> dict[tuple[str, str], Any] | str:
    """Entries by (row, column) input names, from a matrix (nested lists, an array, text),
    a table of rows by name ``{x1 = {x1 = .., x2 = ..}}``, or entries by pair; or why not."""
    if isinstance(value, Mapping):
        if all(isinstance(k, tuple) for k in value):
            return dict(value)
        out: dict[tuple[str, str], Any] = {}
        for a, row in value.items():
            if not isinstance(row, Mapping):
                return (f"a Hessian by name is a table of rows, e.g. "
                        f"{{ {names[0]} = {{ {names[0]} = 1, ... }} }}; {a!r} is not a row")
            out.update({(str(a), str(b)): v for b, v in row.items()})
        return out
    try:
        ans = read_matrix(value)
    except MatrixError as err:
        return f"cannot read the Hessian: {err}"
    n = len(names)
    if ans.figures.shape != (n, n):
        return (f"wrong shape: expected {shape_phrase((n, n))} (rows and columns "
                f"{', '.join(names)}), got {shape_phrase(ans.figures.shape)}")
    return {(a, b): ans.figures[i, j] for i, a in enumerate(names)
            for j, b in enumerate(names)}


def grade_hessian(gr: "Grading", ask: Ask, given: Any, from_table: Answer | None) -> None:
    """Items for a ``hessian`` ask: one per entry (the whole matrix) or the one asked."""
    key = gr.key
    g = key.graph
    out = ask.output or g.output_names[0]
    point = key.point(ask.at, gr.sub.student)
    h = expected_hessian(key, point, out)
    names = list(g.input_names)
    value = from_table.value if from_table else given
    lines = from_table.lines if from_table else {}
    pairs = [ask.wrt_inputs] if ask.wrt_inputs else [(a, b) for a in names for b in names]
    if ask.wrt_inputs:
        found: dict[tuple[str, str], Any] | str = {pairs[0]: value}  # type: ignore[dict-item]
    elif value is None:
        found = {}
    else:
        found = _entry_answers(value, names)
    if isinstance(found, str):  # unreadable as a whole: one item for all its points
        pts = ask.total if ask.total is not None else ask.points * len(pairs)
        gr.items.append(Item(name=f"Hessian of {out}", section=ask.kind, ask=ask.name,
                             verdict=UNREADABLE, score=0.0, max_score=pts,
                             expected=h.tolist(), got=value if isinstance(value, str)
                             else repr(value), message=found, line=lines.get("")))
        return
    extra = sorted({f"{a}/{b}" for a, b in found if a not in names or b not in names})
    if extra:
        gr.notes.append(f"{ask.name}: {', '.join(extra)} not an entry of the Hessian "
                        f"(its rows and columns: {', '.join(names)})")
    for a, b in pairs:
        got = found.get((a, b), found.get((b, a)))  # a mixed partial answers both entries
        line = lines.get("") or lines.get(f"{a}/{b}") or lines.get(f"{b}/{a}")
        true = float(h[names.index(a), names.index(b)])
        gr._judge(ask, derivative_name(out, (a, b)), got, true, line, share=len(pairs))
    if not ask.wrt_inputs and value is None:
        for item in gr.items[-len(pairs):]:
            if item.verdict == MISSING:
                item.message += " (write H = [[...], [...]] or one line per entry, " \
                                f"e.g. {derivative_name(out, (names[0], names[-1]))} = ...)"
