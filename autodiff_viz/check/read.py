"""Reading a trace table as slides write it: one step per line, parts joined by ``=``.

``w3 = w1*w2 = 2*3 = 6`` has the left side ``w3`` and the parts ``w1*w2``,
``2*3`` and ``6``. Markdown decoration (bullets, backticks, table rows) is
read through; headings (``Forward trace, seed x2=1``) and the problem line
(``z = sin(x1) + x1*x2 at x1=2, x2=3``) are recognised. Every piece keeps
the column it came from, so errors can point at it with a caret.

>>> lines = read_table("Primal trace\\n  w3 = sin(w1) ≈ 0.909\\n| w4 | w1·w2 | 6 |")
>>> [(l.kind, l.lhs.text if l.lhs else None, [p.text for p in l.parts]) for l in lines]
[('heading', None, []), ('step', 'w3', ['sin(w1)', '0.909']), ('step', 'w4', ['w1·w2', '6'])]
>>> lines[1].parts[1].cols[0]      # the column (0-based) where 0.909 starts
17
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .layouts import Piece, is_latex, normalize

_HEADING = re.compile(r"^\s*(?:primal|forward|reverse|backward|tangent|adjoint|evaluation|"
                      r"derivative|gradient)s?\b", re.IGNORECASE)
_SKIP_SECTION = re.compile(r"^(?:graph|summary|gradient|jacobian|directional derivatives|flags|"
                           r"cost)\b", re.IGNORECASE)
_SEPARATOR_CELL = re.compile(r":?-{2,}:?")
_BULLET = re.compile(r"^(\s*)(?:[-*+•]|\d{1,3}[.)])\s+")
# (?<!\s): a run of spaces is tried from its start only (linear time on long runs)
_ANNOTATION = re.compile(r"(?<!\s)\s{2,}\(?∂\S+/∂\S+?\)?\s*$|(?<!\s)\s+\(\s*∂\S+/∂\S+?\s*\)\s*$")
_NUM = r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_ASSIGN = rf"[^\W\d][\w]*\s*=\s*{_NUM}"
_PROBLEM = re.compile(rf"(?<!\s)\s+at\s+(?P<pt>{_ASSIGN}(?:\s*,\s*{_ASSIGN})*)(?:\s*\.)?\s*$")
_SEED = re.compile(rf"\bseed\s+(?P<pt>{_ASSIGN}(?:\s*,\s*{_ASSIGN})*)|\b(?:wrt|with respect to)"
                   rf"\s+(?P<wrt>[^\W\d]\w*)", re.IGNORECASE)
_FOR = re.compile(r"\bfor\s+(?P<out>[^\W\d]\w*)\b")


# A trace table's line is under a few hundred characters, and a table a few hundred lines.
# Longer lines, and the lines after MAX_LINES, are not read (each gets a note), so that
# grading time is bounded whatever a file holds (a pasted data dump, a minified file).
MAX_LINE_CHARS = 2_000
MAX_LINES = 5_000  # steps, headings and prose lines read from one table
MAX_TABLE_CHARS = 200_000  # characters read from one table


def _is_separator_row(line: str) -> bool:
    """A Markdown table's rule ``|---|:--:|`` (cells of dashes, with optional colons)."""
    s = line.strip()
    s = s[1:] if s.startswith("|") else s
    s = s[:-1] if s.endswith("|") else s
    return all(_SEPARATOR_CELL.fullmatch(c.strip()) for c in s.split("|"))


@dataclass
class Line:
    """One line of a table: a step, a heading, the problem statement, or other text."""

    lineno: int  # 1-based, in ``source``
    text: str  # the line as written (NFC)
    kind: str  # "step", "heading", "problem", "text" or "skipped" (too long: see ``note``)
    lhs: Piece | None = None
    parts: list[Piece] = field(default_factory=list)
    source: str = ""  # the whole text it came from (for carets)
    origin: str = ""  # the file or field it came from
    seed: dict[str, Piece] | None = None  # headings: "seed x2=1"
    wrt: str | None = None  # headings: "wrt x2"
    output: str | None = None  # headings: "Reverse trace for z"
    point: list[tuple[Piece, Piece]] | None = None  # problem line: (name, number) pairs
    section: str | None = None  # headings: primal / forward / reverse
    note: str | None = None  # skipped lines: why the line was not read


def _work(written: str) -> Piece:
    """The line in plain notation (:mod:`.layouts`: LaTeX, ``sin v0``, ``+=``, ...) with
    Markdown decoration blanked out; columns point into the line as written."""
    plain = normalize(written)
    line = plain.text
    chars = list(line)
    m = _BULLET.match(line)
    if m:
        for i in range(m.start(0) + len(m.group(1)), m.end(0)):
            chars[i] = " "
    s = "".join(chars).replace("`", " ").replace("$", " ").replace("≈", "=").replace("←", "=")
    s = s.replace(":=", " =")
    s = re.sub(r"(?<=\d[eE])−(?=\d)", "-", s)  # 2.6e−7 as the Unicode views print it
    m = _ANNOTATION.search(s) if "∂" in s else None
    if m:
        s = s[:m.start()] + " " * (len(s) - m.start())
    hash_at = _comment_start(s)
    if hash_at is not None:
        s = s[:hash_at] + " " * (len(s) - hash_at)
    return Piece(s, plain.cols)


def _comment_start(s: str) -> int | None:
    for i, ch in enumerate(s):
        if ch == "#" and (i == 0 or s[i - 1].isspace()):
            return i
    return None


def _cells(line: str) -> Piece:
    """A Markdown table row ``| w3 | w1·w2 | 6 |`` as ``w3 = w1·w2 = 6`` (columns kept)."""
    text: list[str] = []
    cols: list[int] = []
    cells: list[tuple[int, int]] = []
    start = None
    for i, ch in enumerate(line):
        if ch == "|":
            if start is not None:
                cells.append((start, i))
            start = i + 1
    if start is not None and start < len(line) and line[start:].strip():
        cells.append((start, len(line)))
    for a, b in cells:
        cell = _work(line[a:b])  # each cell on its own: a bar is a column, never |x|
        if not cell.text.strip():
            continue
        if text:
            text.extend(" = ")
            cols.extend([a - 1] * 3)
        text.extend(cell.text)
        cols.extend(a + c for c in cell.cols)
    return Piece("".join(text), cols)


def split_parts(piece: Piece) -> list[Piece]:
    """Split at ``=`` signs outside parentheses."""
    out: list[Piece] = []
    depth, start = 0, 0
    s = piece.text
    for i, ch in enumerate(s):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "=" and depth == 0:
            if i + 1 < len(s) and s[i + 1] == "=":
                continue
            if i > 0 and s[i - 1] in "=<>!":
                continue
            out.append(Piece(s[start:i], piece.cols[start:i]))
            start = i + 1
    out.append(Piece(s[start:], piece.cols[start:]))
    return [p.strip() for p in out]


def read_table(text: str, origin: str = "") -> list[Line]:
    """Every line of ``text`` as a :class:`Line` (blank lines left out).

    In Markdown, steps may be in fenced code blocks, list items, table rows or
    inline code (`` `w3 = w1*w2 = 6` ``); the sections the Markdown trace view
    adds around the steps (Graph, Summary, Gradient, Jacobian, Directional
    derivatives, Flags, Cost) are not read.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    raw = _joined(text.split("\n"))
    out: list[Line] = []
    long = {k for k, line in enumerate(raw) if len(line) > MAX_LINE_CHARS}
    header_rows = {k for k in range(len(raw) - 1)
                   if k + 1 not in long and raw[k].lstrip().startswith("|")
                   and _is_separator_row(raw[k + 1])}
    header_rows |= _latex_header_rows(raw, long)
    in_code = skipping = False
    chars = 0
    for k, line in enumerate(raw):
        n = k + 1
        if k in long:
            out.append(Line(n, line[:60] + "…", "skipped", source=text, origin=origin,
                            note=f"line {n} was not read: it is {len(line):,} characters long "
                                 f"(a line is read up to {MAX_LINE_CHARS:,} characters)"))
            continue
        chars += len(line) + 1
        if (len(out) >= MAX_LINES or chars > MAX_TABLE_CHARS) and line.strip():
            rest = sum(1 for j, x in enumerate(raw[k:], k) if x.strip() and j not in long)
            why = (f"a table is read up to {MAX_LINES:,} lines" if len(out) >= MAX_LINES
                   else f"a table is read up to {MAX_TABLE_CHARS:,} characters")
            out.append(Line(n, line[:60], "skipped", source=text, origin=origin,
                            note=f"lines {n:,} to {len(raw):,} were not read ({rest:,} with "
                                 f"text): {why}"))
            out.extend(Line(j + 1, raw[j][:60] + "…", "skipped", source=text, origin=origin,
                            note=f"line {j + 1} was not read: it is {len(raw[j]):,} characters "
                                 f"long (a line is read up to {MAX_LINE_CHARS:,} characters)")
                       for j in sorted(long) if j > k)
            break
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if not stripped:
            continue
        if not in_code and stripped.startswith("#"):
            head = stripped.lstrip("#").strip()
            skipping = bool(_SKIP_SECTION.match(head))
            if _PROBLEM.search(head) and "=" in head.split(" at ")[0]:
                out.extend(_lines_from(n, line, Piece(line, list(range(len(line)))), text, origin))
            else:
                out.append(_heading(n, line, head, text, origin))
            continue
        if skipping:
            continue
        if "|" in line and _is_separator_row(line) or k in header_rows:
            out.append(Line(n, line, "text", source=text, origin=origin))
            continue
        if not in_code and line.count("`") >= 2 and not re.fullmatch(r"\s*(?:[-*+]\s+)?`[^`]*`\s*", line):
            spans = [m for m in re.finditer(r"`([^`]+)`", line) if "=" in m.group(1)]
            for m in spans:  # prose with steps in inline code: each span is a step
                out.extend(_lines_from(n, m.group(1), _work(" " * m.start(1) + m.group(1)),
                                       text, origin))
            if not spans:
                out.append(Line(n, line, "text", source=text, origin=origin))
            continue
        if stripped.startswith("|"):
            out.extend(_lines_from(n, line, _cells(line), text, origin))
            continue
        for a, b in _latex_steps(line):  # a row may hold two steps side by side
            work = _work(line[a:b])
            out.extend(_lines_from(n, line, Piece(work.text, [a + c for c in work.cols]),
                                   text, origin))
    return out


_LATEX_ROW_END = re.compile(r"\\\\(?:\s*\[[^\]]*\])?\s*$")
_CONTINUES = ("+", "-", "−", "&", "=", "\\cdot", "\\times")
_RULE = re.compile(r"^\s*\\(?:hline|toprule|midrule|bottomrule|cline|begin\{tabular)")


def _joined(raw: list[str]) -> list[str]:
    """A LaTeX statement broken over lines (``... = a`` then ``  + b = 2.58 \\\\``) as one
    line, on its first line's number; the lines it took stay, empty.

    Linear in the text: the pieces are joined once, and whether the statement goes on is
    worked out from the piece just added (LaTeX and ``=`` stay once seen; a row ends with
    the last piece).
    """
    out = list(raw)
    head: int | None = None
    pieces: list[str] = []
    latex = equals = False

    def close() -> None:
        if head is not None and len(pieces) > 1:
            out[head] = " ".join(pieces)

    for k, line in enumerate(raw):
        stripped = line.strip()
        if head is not None and stripped.startswith(_CONTINUES):
            pieces.append(stripped)
            out[k] = ""
            piece = stripped
        else:
            close()
            head, pieces = k, [line.rstrip()]
            latex = equals = False
            piece = line
        latex = latex or is_latex(piece)
        equals = equals or "=" in piece
        if not (latex and equals and not _LATEX_ROW_END.search(piece)
                and not raw[head].strip().startswith(("%", "\\begin", "\\end"))):
            close()
            head, pieces = None, []
    close()
    return out


def _latex_header_rows(raw: list[str], long: set[int] = frozenset()) -> set[int]:  # type: ignore[assignment]
    """The header row of a LaTeX tabular (between its top rule and its mid rule)."""
    rows = set()
    for k, line in enumerate(raw):
        if k in long or "&" not in line or not _LATEX_ROW_END.search(line):
            continue
        before = next((raw[j] for j in range(k - 1, -1, -1) if raw[j].strip()), "")
        after = next((raw[j] for j in range(k + 1, len(raw)) if raw[j].strip()), "")
        if _RULE.match(before) and _RULE.match(after) and "=" not in line:
            rows.add(k)
    return rows


def _latex_steps(line: str) -> list[tuple[int, int]]:
    """Where the steps of a line are: the whole line, or, for a LaTeX row that holds two
    steps side by side (``v_1 & = ... & \\dot{v}_1 & = ...``), each group of cells."""
    if "&" not in line or not is_latex(line):
        return [(0, len(line))]
    cuts = [m.start() for m in re.finditer(r"(?<!\\)&", line)]
    cells = list(zip([-1] + cuts, cuts + [len(line)]))
    bodies = [line[a + 1:b].replace("$", "").strip() for a, b in cells]
    starts = [cells[k][0] for k in range(1, len(cells) - 1)
              if bodies[k] and not bodies[k].startswith("=") and bodies[k + 1].startswith("=")]
    if not starts:
        return [(0, len(line))]
    return list(zip([0] + [a + 1 for a in starts], starts + [len(line)]))


def _lines_from(n: int, line: str, work: Piece, text: str, origin: str) -> list[Line]:
    """The :class:`Line` a (cleaned) line of text is: heading, problem, step or other."""
    out: list[Line] = []
    if work.text.strip():
        body = work.strip()
        if not body.text:
            return out
        if _HEADING.match(body.text) and not re.match(r"^\s*[^\W\d]\w*\s*=", body.text):
            out.append(_heading(n, line, body.text, text, origin))
            return out
        problem = _PROBLEM.search(body.text)
        parts = split_parts(body)
        if len(parts) < 2:
            out.append(Line(n, line, "text", source=text, origin=origin))
            return out
        if problem and problem.start() > 0 and "=" in body.text[:problem.start()]:
            head = Piece(body.text[:problem.start()], body.cols[:problem.start()])
            hp = split_parts(head)
            pts = []
            for m in re.finditer(rf"([^\W\d]\w*)\s*=\s*({_NUM})", problem.group("pt")):
                base = problem.start("pt")
                pts.append((Piece(m.group(1), body.cols[base + m.start(1): base + m.end(1)]),
                            Piece(m.group(2), body.cols[base + m.start(2): base + m.end(2)])))
            out.append(Line(n, line, "problem", hp[0], hp[1:], text, origin, point=pts))
            return out
        out.append(Line(n, line, "step", parts[0], parts[1:], text, origin))
    return out


def _unmarked(name: str) -> str:
    """``ẋ2`` → ``x2``: a seed written with the tangent's dot names the input."""
    return unicodedata.normalize("NFC", "".join(
        ch for ch in unicodedata.normalize("NFD", name) if not unicodedata.combining(ch)))


def _heading(n: int, line: str, body: str, text: str, origin: str) -> Line:
    h = Line(n, line, "heading", source=text, origin=origin)
    low = body.lower()
    if "forward" in low or "tangent" in low:
        h.section = "forward"
    elif "reverse" in low or "backward" in low or "adjoint" in low:
        h.section = "reverse"
    elif "primal" in low or "evaluation" in low:
        h.section = "primal"
    m = _SEED.search(body)
    if m and m.group("pt"):
        base = line.find(body) + m.start("pt")
        h.seed = {}
        for a in re.finditer(rf"([^\W\d]\w*)\s*=\s*({_NUM})", m.group("pt")):
            h.seed[_unmarked(a.group(1))] = Piece(a.group(2), list(range(base + a.start(2), base + a.end(2))))
    elif m and m.group("wrt"):
        h.wrt = m.group("wrt")
    f = _FOR.search(body)
    if f and h.section == "reverse":
        h.output = f.group("out")
    return h
