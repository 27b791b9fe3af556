"""parse(), the entry point, and the common case of the language read in one pass.

:func:`parse` tries :func:`parse_fast` and hands the text to the full parser
(:mod:`autodiff_viz.parser`, imported only then) when it returns None.
:func:`parse_fast` reads what nearly every program is made of — numbers, names,
``+ - * / ^ @``, unary minus, parentheses, calls with their arguments in order,
assignments separated by ``;`` or new lines, comments — with one regular expression
over the whole text and one loop over its tokens, building the graph as it goes. For
anything else (a shape declaration, ``W.T``, keyword arguments, ``max(a, b, c)``, a
constant's name assigned, and every error) it returns None and
:func:`parse` reads the text with the full parser, which knows every
form and writes every message. Both build the same graph (the test suite compares them
on random programs).

>>> g = parse_fast("a = x1*x2; z = sin(x1) + a")
>>> g.to_program()
'a = x1*x2\\nw4 = sin(x1)\\nz = w4 + a'
>>> parse_fast("W: 2x2\\nW@x") is None  # a declaration: the full parser's
True
"""
from __future__ import annotations

import re
from array import array
from itertools import accumulate, chain
from sys import intern
from typing import Iterable

from .gcpause import gc_paused
from .graph import Graph, GraphBuilder
from .ops import CONSTANTS, FUNCTIONS, INFIX, OPS, Op

# White space, then one token: a comment, a name, a number, ** or any other character.
_TOKENS = re.compile(r"([ \t\r\f]*)(\#[^\n]*|[^\W\d]\w*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
                     r"|\*\*|[^ \t\r\f])", re.DOTALL)
_ALIASES = {"**": "^", "·": "*", "×": "*", "−": "-"}
_INFIX = {**INFIX, **{a: INFIX[op] for a, op in _ALIASES.items()}}  # with the other spellings
_NEG = OPS["neg"]
_NAME_SLOT, _NUMBER_SLOT = "\x01", "\x02"  # a name, a number in a statement's shape
_INF = float("inf")


class _Unusual(Exception):
    """Something the fast path leaves to the full parser."""


def _callable(name: str) -> Op:
    """The operation a call ``name(...)`` with its arguments in order applies, or raise."""
    op = FUNCTIONS.get(name)
    if op is None or op.variadic or op.one or op.static:
        raise _Unusual
    return op


@gc_paused
def parse(source: str, *, share: bool = True, outputs: list[str] | None = None,
          variables: Iterable[str] = ()) -> Graph:
    """Parse an expression or a program into a :class:`~autodiff_viz.graph.Graph`.

    ``share=False`` keeps identical subexpressions as separate nodes;
    ``outputs`` names the outputs (default: assigned names nothing later uses).
    The names ``e`` and ``pi`` are the constants unless something binds them:
    an assignment in the program, or ``variables`` (the names given values);
    then they are variables, and ``Graph.notes`` says so.

    >>> parse("e*x", variables=["e"]).input_names
    ['e', 'x']
    >>> parse("e = c - d; f = e*2").notes()
    ['e is a variable here (it is assigned on line 1), not the constant e = 2.71828']

    >>> parse("sin(x1) + x1*x2").formula(3)
    'w1*w2'
    """
    if not isinstance(source, str):
        from .errors import InputError
        raise InputError(f"expected the expression as text, got {type(source).__name__}")
    graph = parse_fast(source, share, variables)  # the common forms, in one pass
    if graph is not None:
        return graph.with_outputs(outputs) if outputs else graph
    from .parser import _Parser  # every other form, and every error's message
    return _Parser(source, share, variables).program(outputs)


def parse_fast(source: str, share: bool = True, variables: Iterable[str] = ()) -> Graph | None:
    """The graph of ``source`` when it uses only the common forms, else None. A long
    program that repeats its statements' shapes is read shape by shape (parse_shapes)."""
    if any(v in CONSTANTS for v in variables):
        return None
    if source.count("\n") + source.count(";") >= 16:  # many statements: if they repeat,
        from .parse_shapes import read_shapes         # read each shape once
        graph = read_shapes(source, share)
        if graph is not None:
            return graph
    try:
        return _Reader(source, share).program()
    except _Unusual:
        return None


class _Reader:
    """One pass over the tokens of ``source``, building its graph (or raising _Unusual)."""

    def __init__(self, source: str, share: bool, tokenize: bool = True) -> None:
        self.src = source
        self.b: GraphBuilder = GraphBuilder(share)
        self.scope: dict[str, int] = {}  # names assigned so far
        self.used: set[str] = set()  # assigned names used later (not outputs)
        self.texts: list[str] = []
        self.pos = array("q")
        if tokenize:  # (parse_shapes reads statements by their shapes instead)
            self.tokenize(source)

    def tokenize(self, source: str) -> None:
        pairs = _TOKENS.findall(source)  # (white space, token)
        self.texts = [intern(t) for _, t in pairs]  # a name written many times: one string
        # where each piece starts: token k spans pos[2k + 1]:pos[2k + 2]
        self.pos = array("q", accumulate(map(len, chain.from_iterable(pairs)), initial=0))

    def program(self) -> Graph:
        texts = self.texts
        order: list[str] = []
        bare: int | None = None
        k, n = 0, len(texts)
        while k < n:
            t = texts[k]
            if t == "\n" or t == ";" or t[0] == "#":
                k += 1
            elif bare is not None:
                raise _Unusual  # only the last statement may be a bare expression
            elif k + 2 < n and texts[k + 1] == "=" and _is_name(t[0]):
                self.target(t)
                i, k = self.expression(k + 2)
                self.assign(t, i, order)
            else:
                bare, k = self.expression(k)
        return self.finish(order, bare)

    def target(self, t: str) -> None:
        """Check the name an assignment gives (before its expression is read)."""
        if t in FUNCTIONS or t in self.scope or t in self.b.inputs or t in CONSTANTS or t == "T":
            raise _Unusual

    def assign(self, t: str, i: int, order: list[str]) -> None:
        self.b.name(i, t)
        self.scope[t] = i
        order.append(t)

    def finish(self, order: list[str], bare: int | None) -> Graph:
        """The graph, its outputs the names never used later and the bare expression."""
        b, scope = self.b, self.scope
        if not order and bare is None:
            raise _Unusual
        outs = [(name, scope[name]) for name in order if name not in self.used]
        if bare is not None:
            taken = set(scope) | set(b.inputs)
            outs.append((next(c for c in ("z", "f", "y", "out", "result") if c not in taken),
                         bare))
        return b.build(outs, self.src)

    def expression(self, k: int) -> tuple[int, int]:
        """Shunting-yard from token ``k`` to the end of the statement: the expression's
        node and the index of the token that ends it."""
        b, texts, pos = self.b, self.texts, self.pos
        operands: list[tuple[int, int, int]] = []  # node, start, end
        stack: list[list] = []  # ["op", Op, start, end] | ["(", start] | ["call", Op, start, name end, commas]
        n = len(texts)
        expect_operand = True
        depth = 0  # parentheses and calls open: a new line inside them is white space

        def reduce() -> None:
            _, op, s, e = stack.pop()
            r = operands.pop()
            if op is _NEG:
                operands.append((b.apply(op, (r[0],), (s, r[2]), (s, e)), s, r[2]))
            else:
                left = operands.pop()
                operands.append((b.apply(op, (left[0], r[0]), (left[1], r[2]), (s, e)),
                                 left[1], r[2]))

        def close() -> list:
            nonlocal depth
            while stack and stack[-1][0] == "op":
                reduce()
            if not stack:
                raise _Unusual
            depth -= 1
            return stack.pop()

        while k < n:
            t = texts[k]
            c = t[0]
            if c in "\n;#":
                if c == "#" or (c == "\n" and depth):
                    k += 1  # a comment, or a new line inside parentheses: white space
                    continue
                break
            s, e = pos[2 * k + 1], pos[2 * k + 2]
            if expect_operand:
                if c.isdecimal() or (c == "." and len(t) > 1):
                    value = float(t)
                    if value == _INF:
                        raise _Unusual
                    operands.append((b.const(value, span=(s, e)), s, e))
                    expect_operand = False
                elif c.isalpha() or c == "_":  # a name
                    after = texts[k + 1] if k + 1 < n else ""
                    if after == "(":
                        stack.append(["call", _callable(t), s, e, 0])
                        depth += 1
                        k += 2
                        if k < n and texts[k] == ")":
                            raise _Unusual
                        continue
                    if after == "=" or t == "T":
                        raise _Unusual  # a keyword argument, W^T, or an error
                    operands.append((self.name_ref(t, s, e), s, e))
                    expect_operand = False
                elif c == "(":
                    stack.append(["(", s])
                    depth += 1
                elif t == "-" or t == "−":
                    stack.append(["op", _NEG, s, e])
                elif c == _NAME_SLOT or c == _NUMBER_SLOT:  # a statement's shape (parse_shapes)
                    operands.append((self.slot(c, s, e), s, e))
                    expect_operand = False
                elif t != "+":
                    raise _Unusual
            elif c == ")":
                frame = close()
                if frame[0] == "call":
                    self.call(frame, operands, e)
                else:
                    node = operands.pop()[0]
                    operands.append((node, frame[1], e))
            elif c == ",":
                frame = close()
                if frame[0] != "call":
                    raise _Unusual
                frame[4] += 1
                stack.append(frame)
                depth += 1
                expect_operand = True
            else:
                op = _INFIX.get(t)
                if op is None:
                    raise _Unusual
                while stack and stack[-1][0] == "op" and (
                        stack[-1][1].prec > op.prec
                        or (stack[-1][1].prec == op.prec and not op.right_assoc)):
                    reduce()
                stack.append(["op", op, s, e])
                expect_operand = True
            k += 1
        if expect_operand:
            raise _Unusual
        while stack and stack[-1][0] == "op":
            reduce()
        if stack:
            raise _Unusual
        return operands[-1][0], k

    def call(self, frame: list, operands: list[tuple[int, int, int]], end: int) -> None:
        _, op, start, name_end, commas = frame
        count = commas + 1
        missing = op.params[count:]
        if count > len(op.params) or any(p not in op.defaults for p in missing):
            raise _Unusual  # too many arguments, or too few: the full parser says so
        args = [a[0] for a in operands[len(operands) - count:]]
        del operands[len(operands) - count:]
        if missing:  # leaky_relu(x): alpha=0.01
            args += [self.b.const(op.defaults[p]) for p in missing]
        operands.append((self.b.apply(op, args, (start, end), (start, name_end)), start, end))

    def slot(self, c: str, s: int, e: int) -> int:
        """A name or number of a statement's shape (in a program's own text: unusual)."""
        raise _Unusual

    def name_ref(self, name: str, s: int, e: int) -> int:
        if name in self.scope:
            self.used.add(name)
            return self.scope[name]
        if name in CONSTANTS:
            return self.b.const(CONSTANTS[name], name, (s, e))
        if name in FUNCTIONS:
            raise _Unusual
        return self.b.input(name, (s, e))


def _is_name(c: str) -> bool:
    """Whether a token starting with ``c`` is a name (a letter or ``_`` first)."""
    return c.isalpha() or c == "_"
