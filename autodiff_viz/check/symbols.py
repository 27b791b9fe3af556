"""Derivative symbols in a student's line, replaced by names the parser can read.

Adjoints: ``dz/dw3``, ``∂z/∂w3``, ``w̄3`` (combining macron), ``adj_w3``, ``w3.grad``
(micrograd).
Tangents: ``ẇ3`` (combining dot), ``dw3/dx2``, ``tan_w3``, ``dot_w3``. Local
partials: ``dw4/dw1``. Every occurrence becomes its own placeholder name
(``__s0``, ``__s1``, ...) so that it can carry its own value; what it stood
for is kept in :class:`Sym`. Names such as ``v-1`` become ``v__m1``.

>>> r = rewrite("dz/dw4*dw4/dw1 + w̄3·cos(w1)", known={"z", "w1", "w3", "w4"}.__contains__)
>>> r.text
'__s0*__s1 + __s2·cos(w1)'
>>> [(s.kind, s.a, s.b) for s in r.syms.values()]
[('deriv', 'z', 'w4'), ('deriv', 'w4', 'w1'), ('adjoint', None, 'w3')]
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from .read import Piece

BAR_MARKS = ("\u0304", "\u0305")
DOT_MARK = "\u0307"
_TOK = re.compile(r"""
 (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
|(?P<partial>∂)
|(?P<ident>[^\W\d][\w\u0300-\u036f]*)
|(?P<ws>\s+)
|(?P<other>.)
""", re.VERBOSE)
_PREFIX = re.compile(r"^(?P<p>adj|bar|tan|dot)_(?P<n>.+)$")
_SUFFIX = re.compile(r"^(?P<n>.+?)_?(?P<p>bar|dot)$")


@dataclass(frozen=True)
class Sym:
    """What a placeholder stands for: ``adjoint`` of b, ``tangent`` of b, or ``deriv`` da/db."""

    kind: str
    a: str | None
    b: str
    text: str
    col: int


@dataclass
class Rewritten:
    """Parser-ready text, the original column of each character, and the placeholders."""

    text: str
    cols: list[int]
    syms: dict[str, Sym] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # safe name -> as written
    segments: list[tuple[str, int]] = field(default_factory=list, repr=False)

    def col(self, i: int) -> int:
        if not self.cols:
            return 0
        return self.cols[i] if i < len(self.cols) else self.cols[-1] + 1

    def written(self, name: str) -> str:
        """How the student wrote a (safe) name."""
        return self.names.get(name, name)


def safe_name(name: str) -> str:
    """``v-1`` → ``v__m1`` (a name the parser reads as one name)."""
    if "-" in name:
        base, _, num = name.rpartition("-")
        return f"{base}__m{num}"
    return name


def written_name(name: str) -> str:
    """The inverse of :func:`safe_name`."""
    m = re.fullmatch(r"(.+)__m(\d+)", name)
    return f"{m.group(1)}-{m.group(2)}" if m else name


def split_marks(ident: str) -> tuple[str, str | None]:
    """``w̄1`` → ("w1", "adjoint"), ``ẇ1`` → ("w1", "tangent"), other names unchanged."""
    nfd = unicodedata.normalize("NFD", ident)
    if len(nfd) >= 2 and nfd[1] in BAR_MARKS + (DOT_MARK,):
        kind = "tangent" if nfd[1] == DOT_MARK else "adjoint"
        return unicodedata.normalize("NFC", nfd[0] + nfd[2:]), kind
    return ident, None


_IDENTS = re.compile(r"[^\W\d][\w\u0300-\u036f]*")
_MEMO: dict[tuple, tuple[str, list[tuple[str, int]], dict[str, tuple], dict[str, str], int]] = {}


def rewrite(piece: Piece | str, known: Callable[[str], bool], dashed: frozenset[str] = frozenset(),
            counter: list[int] | None = None) -> Rewritten:
    """Replace derivative symbols and dashed names in ``piece`` (see the module doc)."""
    if isinstance(piece, str):
        piece = Piece(piece, list(range(len(piece))))
    counter = counter if counter is not None else [0]
    # the result depends on the text, which of its names are known, and the counter:
    # remember it, since a class writes the same lines
    queries: set[str] = set()
    for tok in _IDENTS.findall(piece.text):
        base = split_marks(tok)[0]
        queries.update((base, base[1:]))
        m = _PREFIX.match(base) or _SUFFIX.match(base)
        if m:
            queries.add(m.group("n"))
    key = (piece.text, dashed, frozenset(q for q in queries if q and known(q)), counter[0])
    hit = _MEMO.get(key)
    if hit is None:
        plain = Piece(piece.text, list(range(len(piece.text))))
        start = counter[0]
        r = _rewrite(plain, known, dashed, counter)
        segs = r.segments
        hit = (r.text, segs, {k: (v.kind, v.a, v.b, v.text, v.col) for k, v in r.syms.items()},
               r.names, counter[0] - start)
        if len(_MEMO) > 50_000:
            _MEMO.clear()
        _MEMO[key] = hit
    else:
        counter[0] += hit[4]
    text, segs, syms, names, _ = hit
    cols: list[int] = []
    for seg_text, idx in segs:
        if _same_width(seg_text):
            cols.extend(piece.col(idx + i) for i in range(len(seg_text)))
        else:
            cols.extend([piece.col(idx)] * len(seg_text))
    return Rewritten(text, cols, {k: Sym(a, b, c, d, piece.col(e)) for k, (a, b, c, d, e)
                                  in syms.items()}, dict(names))


def _rewrite(piece: Piece, known: Callable[[str], bool], dashed: frozenset[str],
             counter: list[int]) -> Rewritten:
    s = piece.text
    toks = [(m.lastgroup, m.group(), m.start(), m.end()) for m in _TOK.finditer(s)]
    # absorb "-<digits>" into names such as v-1 (when the table uses them)
    merged: list[tuple[str | None, str, int, int]] = []
    k = 0
    while k < len(toks):
        kind, text, a, b = toks[k]
        if (kind == "ident" and k + 2 < len(toks) and toks[k + 1][1] == "-"
                and toks[k + 2][0] == "num" and toks[k + 2][1].isdigit()):
            cand = text + "-" + toks[k + 2][1]
            base, mark = split_marks(cand)
            bare = base[1:] if base[:1] == "d" and base[1:] in dashed else base
            for pfx in ("adj_", "bar_", "tan_", "dot_"):
                if bare.startswith(pfx):
                    bare = bare[len(pfx):]
            if bare in dashed:
                merged.append(("ident", cand, a, toks[k + 2][3]))
                k += 3
                continue
        merged.append(toks[k])
        k += 1
    out = Rewritten("", [])
    pieces: list[tuple[str, int]] = []  # (text, original column of its first char)

    def emit_sym(kind: str, a: str | None, b: str, start: int, end: int) -> None:
        ph = f"__s{counter[0]}"
        counter[0] += 1
        out.syms[ph] = Sym(kind, a, b, s[start:end], piece.col(start))
        pieces.append((ph, piece.col(start)))

    k = 0
    n = len(merged)
    while k < n:
        kind, text, a, b = merged[k]

        def peek(j: int) -> tuple[str | None, str, int, int] | None:
            # next token at or after j that is not white space
            while j < n and merged[j][0] == "ws":
                j += 1
            return merged[j] if j < n else None

        def index_after(j: int) -> int:
            while j < n and merged[j][0] == "ws":
                j += 1
            return j

        if kind == "partial":  # ∂a/∂b
            j1 = index_after(k + 1)
            if j1 < n and merged[j1][0] == "ident":
                j2 = index_after(j1 + 1)
                j3 = index_after(j2 + 1) if j2 < n and merged[j2][1] == "/" else n
                j4 = index_after(j3 + 1) if j3 < n and merged[j3][0] == "partial" else n
                if j4 < n and merged[j4][0] == "ident":
                    emit_sym("deriv", split_marks(merged[j1][1])[0], split_marks(merged[j4][1])[0],
                             a, merged[j4][3])
                    k = j4 + 1
                    continue
        if (kind == "ident" and k + 2 < n and merged[k + 1][1] == "."
                and merged[k + 2][1] == "grad"):  # micrograd: x.grad is the adjoint of x
            emit_sym("adjoint", None, split_marks(text)[0], a, merged[k + 2][3])
            k += 3
            continue
        if kind == "ident":
            base, mark = split_marks(text)
            nxt = peek(k + 1)
            if base.startswith("d") and len(base) > 1 and nxt is not None and nxt[1] == "/":
                j2 = index_after(index_after(k + 1) + 1)
                if j2 < n and merged[j2][0] == "ident":
                    other = split_marks(merged[j2][1])[0]
                    if (other.startswith("d") and len(other) > 1 and known(base[1:])
                            and known(other[1:]) and not (known(base) and known(other))):
                        emit_sym("deriv", base[1:], other[1:], a, merged[j2][3])
                        k = j2 + 1
                        continue
            if mark is not None:
                emit_sym(mark, None, base, a, b)
                k += 1
                continue
            m = None if known(base) else _PREFIX.match(base)
            if m is None and not known(base):
                m = _SUFFIX.match(base)
                m = m if m is not None and known(m.group("n")) else None
            if m is not None and m.group("n")[:1].isalpha():
                emit_sym("adjoint" if m.group("p") in ("adj", "bar") else "tangent", None,
                         m.group("n"), a, b)
                k += 1
                continue
            if base == "π":
                pieces.append(("pi", piece.col(a)))
                k += 1
                continue
            if "-" in base:
                safe = safe_name(base)
                out.names[safe] = base
                pieces.append((safe, piece.col(a)))
                k += 1
                continue
        pieces.append((text, piece.col(a)))
        k += 1
    text_parts, cols = [], []
    for t, c in pieces:
        text_parts.append(t)
        cols.extend([c] * len(t) if not _same_width(t) else [c + i for i in range(len(t))])
    out.text = "".join(text_parts)
    out.cols = cols
    out.segments = pieces
    return out


def _same_width(t: str) -> bool:
    return not t.startswith("__s") and t != "pi" and "__m" not in t
