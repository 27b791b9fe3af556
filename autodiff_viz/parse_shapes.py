"""Programs that repeat a statement's shape: each shape read once.

A program a generator wrote — a network expanded into numbers, a chain of layers, one
output per line — repeats a few statement shapes with other names and numbers:
``t7 = relu(t6*x1 + x2)``, ``t8 = relu(t7*x1 + x2)``. Two regular-expression
substitutions over the whole text turn it into shapes (each name an ``\\x01``, each
number an ``\\x02``); each distinct shape is read once by the fast path's expression
reader, which records what it would build, and the recording is replayed for every
statement of that shape with the statement's own names, numbers and positions. The
graph is the one the fast path and the full parser build, spans included (the tests
compare them); anything the recording cannot stand for goes back to the fast path.

>>> g = read_shapes("t1 = relu(x*w1 + b1)\\nt2 = relu(t1*w2 + b2)\\nt3 = relu(t2*w3 + 0.5)",
...                 most=1)  # (a real program: at most half as many shapes as statements)
>>> g.to_program().splitlines()[-3:]
['w_13 = t2*w3', 'w_14 = w_13 + 0.5', 't3 = relu(w_14)']
>>> start, end = g.nodes[g.names["t3"]].span   # where t3's expression is written
>>> g.source[start:end]
'relu(t2*w3 + 0.5)'
"""
from __future__ import annotations

import re
from itertools import accumulate
from typing import Any, NamedTuple

from .graph import Graph
from .ops import OPS, Op
from .parse_fast import _NAME_SLOT, _NUMBER_SLOT, _Reader, _Unusual, _is_name

# A name that is not a call's (a call's name is part of the shape), and a number; neither
# inside a longer word (x1, log2, 1e5) nor after a dot or a closing parenthesis. A number
# takes the minus written right before it (0.5*x1 + -0.3*x2: one shape whatever the
# weights' signs) unless a power follows (-2^x is -(2^x): the whole number is looked at,
# (?![\w.]), not a shorter piece of it); a minus where an operator is
# expected (x1 -3) leaves the shape unreadable, so the token reader reads that text.
_NAME = r"[^\W\d]\w*(?!\w)(?![ \t\r\f]*\()"  # (?!\w): never part of a word
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SIGNED = rf"(?:[-−](?={_NUMBER}(?![\w.])(?![ \t\r\f]*(?:\^|\*\*|\.))))?{_NUMBER}"
_NAMES = re.compile(r"(?<![\w.)])" + _NAME)
_NUMBERS = re.compile(r"(?<![\w.)\x01\x02])" + _SIGNED)  # after _NAMES: \x01 was a name
_ATOMS = re.compile(rf"(?<![\w.)])(?:{_NAME}|{_SIGNED})")  # both, in the order written
_STATEMENTS = re.compile(r"[\n;]")
_INF = float("inf")
_NEG = OPS["neg"]
# The recorded steps of a shape
_APPLY, _CONST, _NAME_REF, _NUMBER_REF = range(4)


class _Shape(NamedTuple):
    """A statement shape's recording: whether it assigns (its first name is the target),
    how many names and numbers it holds, and its steps. A position in the statement is
    kept as (offset in the shape minus the slots before it, slots before it)."""

    assigns: bool
    slots: int
    steps: tuple[tuple[Any, ...], ...]


def read_shapes(source: str, share: bool = True, most: float = 0.5) -> Graph | None:
    """The graph of ``source`` read shape by shape, or None when its statements do not
    repeat (more than ``most`` shapes per statement) or a shape needs the token reader
    (so does a comment, whose text may hold ``;``, and the slot characters themselves)."""
    if "#" in source or _NAME_SLOT in source or _NUMBER_SLOT in source:
        return None
    shaped = _NUMBERS.sub(_NUMBER_SLOT, _NAMES.sub(_NAME_SLOT, source))
    statements = _STATEMENTS.split(shaped)
    if len(set(statements)) > most * len(statements):
        return None
    atoms = _ATOMS.findall(source)
    if len(atoms) != shaped.count(_NAME_SLOT) + shaped.count(_NUMBER_SLOT):
        return None
    del shaped
    try:
        return _Replay(source, share, atoms).read(statements)
    except (_Unusual, ValueError):
        return None


class _Recorder:
    """Stands in for the GraphBuilder while a shape is read: records each step."""

    def __init__(self) -> None:
        self.steps: list[tuple[Any, ...]] = []

    def _step(self, *step: Any) -> int:
        self.steps.append(step)
        return len(self.steps) - 1

    def apply(self, op: Op, args: "list[int] | tuple[int, ...]",
              span: tuple[int, int] | None = None, at: tuple[int, int] | None = None) -> int:
        return self._step(_APPLY, op, tuple(args), span, at)

    def const(self, value: float, text: str | None = None,
              span: tuple[int, int] | None = None) -> int:
        if span is not None:  # a number written in the shape: not replaced, unusual
            raise _Unusual
        return self._step(_CONST, value)  # an argument's default (leaky_relu's alpha)


class _ShapeReader(_Reader):
    """Reads one statement's shape, recording the steps instead of building nodes."""

    def __init__(self, shape: str) -> None:
        super().__init__(shape, True)
        self.b = self.recorder = _Recorder()  # type: ignore[assignment]

    def slot(self, c: str, s: int, e: int) -> int:
        return self.recorder._step(_NAME_REF if c == _NAME_SLOT else _NUMBER_REF,
                                   self.src.count(_NAME_SLOT, 0, s)
                                   + self.src.count(_NUMBER_SLOT, 0, s), s, e)

    def name_ref(self, name: str, s: int, e: int) -> int:
        raise _Unusual  # a name left in the shape (after a dot, inside a word)

    def shape(self) -> _Shape | None:
        """The recording of this statement (None: a blank one)."""
        texts = self.texts
        if not texts:
            return None
        assigns = len(texts) > 2 and texts[0] == _NAME_SLOT and texts[1] == "="
        i, k = self.expression(2 if assigns else 0)
        if k != len(texts) or i != len(self.recorder.steps) - 1:
            raise _Unusual
        src = self.src

        def where(p: int) -> tuple[int, int]:
            before = src.count(_NAME_SLOT, 0, p) + src.count(_NUMBER_SLOT, 0, p)
            return p - before, before

        steps: list[tuple[Any, ...]] = []
        for step in self.recorder.steps:
            if step[0] == _APPLY:
                _, op, args, span, at = step
                steps.append((_APPLY, op, args, *where(span[0]), *where(span[1]),
                              *where(at[0]), *where(at[1])))
            elif step[0] == _CONST:
                steps.append(step)
            else:
                kind, slot, s, e = step
                steps.append((kind, slot, *where(s), *where(e)))
        return _Shape(assigns, src.count(_NAME_SLOT) + src.count(_NUMBER_SLOT), tuple(steps))


class _Replay(_Reader):
    """Builds the graph statement by statement, replaying each shape's recording."""

    def __init__(self, source: str, share: bool, atoms: list[str]) -> None:
        super().__init__(source, share, tokenize=False)
        self.atoms = atoms
        # the text's offset of atom k's start is its offset in the shapes + ends[k] - k
        self.ends = list(accumulate(map(len, atoms), initial=0))

    def read(self, statements: list[str]) -> Graph:
        shapes: dict[str, _Shape | None] = {}
        order: list[str] = []
        bare: int | None = None
        start = first = 0  # the statement's offset in the shaped text, its first atom
        for text in statements:
            shape = shapes[text] if text in shapes else shapes.setdefault(
                text, _ShapeReader(text).shape())
            if shape is not None:
                if bare is not None:
                    raise _Unusual  # only the last statement may be a bare expression
                if shape.assigns:
                    target = self.atoms[first]
                    if not _is_name(target[0]):
                        raise _Unusual  # a number where the shape had a name
                    self.target(target)
                    self.assign(target, self.replay(shape.steps, first, start - first, target),
                                order)
                else:
                    bare = self.replay(shape.steps, first, start - first, None)
                first += shape.slots
            start += len(text) + 1
        statements.clear()  # the text's pieces are let go before the graph is made
        del self.atoms, self.ends
        return self.finish(order, bare)

    def replay(self, steps: tuple[tuple[Any, ...], ...], first: int, shift: int,
               name: str | None) -> int:
        """Build one statement (its last node named ``name`` when new): ``first`` is its
        first atom; a position (q, n) of the shape is shift + q + ends[first + n]."""
        b, atoms, ends = self.b, self.atoms, self.ends
        made: list[int] = []
        last = steps[-1]
        for step in steps:
            kind = step[0]
            if kind == _APPLY:
                _, op, args, q1, n1, q2, n2, q3, n3, q4, n4 = step
                made.append(b.apply(op, (made[args[0]], made[args[1]]) if len(args) == 2 else
                                    tuple([made[a] for a in args]),
                                    (shift + q1 + ends[first + n1], shift + q2 + ends[first + n2]),
                                    (shift + q3 + ends[first + n3], shift + q4 + ends[first + n4]),
                                    name if step is last else None))
            elif kind == _NAME_REF:
                _, slot, q1, n1, q2, n2 = step
                text = atoms[first + slot]
                if not _is_name(text[0]) or text == "T":
                    raise _Unusual  # a number where the shape had a name, or W^T's T
                made.append(self.name_ref(text, shift + q1 + ends[first + n1],
                                          shift + q2 + ends[first + n2]))
            elif kind == _NUMBER_REF:
                _, slot, q1, n1, q2, n2 = step
                text = atoms[first + slot]
                s, e = shift + q1 + ends[first + n1], shift + q2 + ends[first + n2]
                signed = text[0] == "-" or text[0] == "−"
                value = float(text[1:] if signed else text)  # (a name: ValueError, unusual)
                if value == _INF:
                    raise _Unusual
                if signed:  # as the token reader builds -0.3: the number, then its negation
                    made.append(b.apply(_NEG, (b.const(value, span=(s + 1, e)),), (s, e),
                                        (s, s + 1)))
                else:
                    made.append(b.const(value, span=(s, e)))
            else:
                made.append(b.const(step[1]))
        return made[-1]
