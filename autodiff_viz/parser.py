"""The expression language: a tokenizer and an iterative (shunting-yard) parser.

No recursion, so nesting 10,000 deep parses; no ``eval`` ever. :func:`parse` (in
:mod:`autodiff_viz.parse_fast`, and importable from here) reads the common forms in one
pass and everything else, every error included, with this module's full parser.

>>> g = parse("a = x1*x2; b = sin(x1); z = a + b")
>>> g.output_names, g.input_names
(['z'], ['x1', 'x2'])
>>> parse("2^-x").to_program()
'w2 = -x\\nz = 2^w2'
"""
from __future__ import annotations

import re

import numpy as np
from typing import Iterable, NamedTuple

from .errors import ParseError
from .graph import Graph, GraphBuilder
from .ops import CONSTANTS, FUNCTIONS, INFIX, OPS
from .parse_fast import parse, parse_fast  # noqa: F401  (parse: the entry point, here too)

_TOKEN = re.compile(r"""
 (?P<ws>[ \t\r\f]+|\\\n)
|(?P<comment>\#[^\n]*)
|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
|(?P<name>[^\W\d]\w*)
|(?P<post>\.T(?![\w.]))
|(?P<op>\*\*|[-+*/^·×−@])
|(?P<lp>\()
|(?P<rp>\))
|(?P<comma>,)
|(?P<eq>=)
|(?P<colon>:)
|(?P<sep>[;\n])
|(?P<bad>.)
""", re.VERBOSE | re.DOTALL)
_OP_ALIASES = {"**": "^", "·": "*", "×": "*", "−": "-"}


class Token(NamedTuple):
    kind: str  # num name op lp rp comma eq sep end
    text: str
    start: int
    end: int


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens; newlines inside parentheses are white space."""
    tokens: list[Token] = []
    depth = 0
    for m in _TOKEN.finditer(source):
        kind = m.lastgroup
        if kind == "ws" or kind == "comment":
            continue
        text = m.group()
        if kind == "bad":
            pos = m.start()
            hint = "did you mean '=' (assignment) or '*'?" if text in ":!" else None
            if text in "[]{}":
                hint = "use round parentheses ( ) for grouping"
            raise ParseError(f"unexpected character {text!r}", source, pos, pos + 1,
                             hint or "expressions use numbers, names, + - * / ^, "
                                     "function calls and parentheses")
        if kind == "num" and source.startswith(".", m.end()) and not _POST.match(source, m.end()):
            raise _second_point(source, m)
        if kind == "lp":
            depth += 1
        elif kind == "rp":
            depth = max(0, depth - 1)
        elif kind == "sep" and text == "\n" and depth > 0:
            continue
        elif kind == "op":
            text = _OP_ALIASES.get(text, text)
        tokens.append(Token(kind, text, m.start(), m.end()))  # type: ignore[arg-type]
    n = len(source)
    tokens.append(Token("end", "", n, n))
    return tokens


_POST = re.compile(r"\.T(?![\w.])")


def _second_point(source: str, m: re.Match[str]) -> ParseError:
    """``2.5.3`` or ``1e3.5``: the number's second decimal point, pointed at.

    >>> print(_second_point("2.5.3*x", _TOKEN.match("2.5.3*x")).render())
    error: a number with two decimal points: '2.5.3' (line 1, column 4)
    1 | 2.5.3*x
           ^
    hint: a number has one decimal point at most: remove the extra one
    """
    dot = m.end()
    tail = re.match(r"\.[\d.]*(?:[eE][+-]?\d+)?", source[dot:])
    whole = _short(m.group() + (tail.group() if tail else "."))
    if "e" in m.group().lower():
        return ParseError(f"a number's exponent must be a whole number: {whole!r}", source,
                          dot, dot + 1, hint="write the exponent without a decimal point, "
                                             "as in 1.5e3")
    return ParseError(f"a number with two decimal points: {whole!r}", source, dot, dot + 1,
                      hint="a number has one decimal point at most: remove the extra one")


def _short(text: str, limit: int = 30) -> str:
    """A token as a message quotes it: at most ``limit`` characters, then ``…``."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _suggest(name: str) -> str | None:
    import difflib  # only for a message: kept off the start-up path
    close = difflib.get_close_matches(name.lower(), list(FUNCTIONS), n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else None


class _Parser:
    def __init__(self, source: str, share: bool, variables: Iterable[str] = ()) -> None:
        self.src = source
        self.b = GraphBuilder(share)
        # constant names (e, pi) that something binds: they are variables here
        self.variables: dict[str, str] = {n: "it is given a value" for n in variables
                                          if n in CONSTANTS}
        self.shadowed: list[str] = []  # bound constant names the text uses, in order
        self.t_is_name: bool | None = None  # is T a name anywhere (then W^T is a power)
        self.declared: dict[str, tuple[tuple[int, ...], int]] = {}  # W: 2x2 -> shape, where
        self.scope: dict[str, int] = {}  # names assigned so far
        self.assigned_at: dict[str, int] = {}
        self.input_at: dict[str, int] = {}
        self.used_later: set[str] = set()

    def error(self, msg: str, start: int, end: int | None = None,
              hint: str | None = None) -> ParseError:
        return ParseError(msg, self.src, start, end, hint)

    # -- statements -----------------------------------------------------------
    def program(self, outputs: list[str] | None) -> Graph:
        tokens = tokenize(self.src)
        statements: list[list[Token]] = [[]]
        for t in tokens:
            if t.kind == "sep":
                statements.append([])
            elif t.kind != "end":
                statements[-1].append(t)
        statements = [s for s in statements if s]
        statements = [s for s in statements if not self.declaration(s)]  # W: 2x2
        if not statements:
            raise self.error("empty expression", 0, hint="write an expression such as "
                                                          "sin(x1) + x1*x2")
        for st in statements:  # a constant name assigned anywhere is a variable everywhere
            if len(st) >= 2 and st[0].kind == "name" and st[1].kind == "eq" \
                    and st[0].text in CONSTANTS and st[0].text not in self.variables:
                line = self.src.count("\n", 0, st[0].start) + 1
                self.variables[st[0].text] = f"it is assigned on line {line}"
        order: list[str] = []
        bare: int | None = None
        for k, st in enumerate(statements):
            if len(st) >= 2 and st[0].kind == "name" and st[1].kind == "eq":
                target = st[0]
                self.check_target(target)
                if len(st) == 2:
                    raise self.error(f"nothing after '=' in the assignment to {target.text!r}",
                                     st[1].start, st[1].end,
                                     hint=f"write {target.text} = <expression>")
                i = self.expression(st[2:], st[1].end)
                self.b.name(i, target.text)
                self.scope[target.text] = i
                self.assigned_at[target.text] = target.start
                order.append(target.text)
            else:
                if k != len(statements) - 1:
                    raise self.error("this expression is not assigned to a name", st[0].start,
                                     st[-1].end, hint="only the last statement may be a bare "
                                                      "expression; write name = expression")
                bare = self.expression(st, st[0].start)
        outs = [(n, self.scope[n]) for n in order if n not in self.used_later]
        if bare is not None:
            taken = set(self.scope) | set(self.b.inputs)
            name = next(c for c in ("z", "f", "y", "out", "result") if c not in taken)
            outs.append((name, bare))
        notes = tuple(f"{n} is a variable here ({self.variables[n]}), not the constant "
                      f"{n} = {CONSTANTS[n]:.6g}" for n in self.shadowed)
        for name, (_shape, start) in self.declared.items():
            if name not in self.b.inputs:
                raise self.error(f"{name!r} is declared but is not an input of the program",
                                 start, start + len(name),
                                 hint="declare the shapes of inputs (W: 2x2); an assigned "
                                      "name's shape follows from its formula")
        graph = self.b.build(outs, self.src, notes,
                             {n: s for n, (s, _at) in self.declared.items()})
        if graph.declared and set(graph.input_names) <= set(graph.declared):
            from .passes import infer_shapes  # every shape known: check them now
            infer_shapes(graph, {n: np.zeros(s) for n, s in graph.declared.items()})
        return graph.with_outputs(outputs) if outputs else graph

    def declaration(self, st: list[Token]) -> bool:
        """``W: 2x2`` (or ``2×2``; ``c: 2`` for a vector): an input's shape, declared."""
        if len(st) < 2 or st[1].kind != "colon":
            for t in st:
                if t.kind == "colon":
                    raise self.error("':' declares a shape, on its own line: W: 2x2", t.start,
                                     t.end, hint="write name = expression to assign")
            return False
        if st[0].kind != "name":
            raise self.error("a declaration starts with a name: W: 2x2", st[0].start, st[0].end)
        text = self.src[st[1].end:st[-1].end] if len(st) > 2 else ""
        m = re.fullmatch(r"\s*(\d+)\s*(?:[x×,]\s*(\d+)\s*)?", text)
        if not m or int(m.group(1)) == 0 or (m.group(2) and int(m.group(2)) == 0):
            raise self.error(f"cannot read the shape {text.strip()!r}", st[1].end,
                             st[-1].end if len(st) > 2 else st[1].end + 1,
                             hint="write rows x columns (W: 2x3) or a length (c: 3)")
        name = st[0].text
        if name in self.declared:
            raise self.error(f"{name!r} is declared twice", st[0].start, st[0].end)
        self.declared[name] = (tuple(int(g) for g in m.groups() if g), st[0].start)
        return True

    def check_target(self, t: Token) -> None:
        name = t.text
        if name in FUNCTIONS:
            raise self.error(f"{name!r} is a function name and cannot be assigned to",
                             t.start, t.end, hint="choose another name")
        self.use(name)
        if name in self.scope:
            line = self.src.count("\n", 0, self.assigned_at[name]) + 1
            raise self.error(f"{name!r} is already assigned (line {line})", t.start, t.end,
                             hint="each name is assigned once; choose a new name")
        if name in self.b.inputs:
            raise self.error(f"{name!r} was already used as an input before this assignment",
                             t.start, t.end, hint="assign a name before using it, or rename")

    # -- expressions (shunting-yard) ------------------------------------------
    def expression(self, toks: list[Token], where: int) -> int:
        b = self.b
        operands: list[tuple[int, int, int]] = []  # node, start, end
        stack: list[list] = []  # ["op", Op, start, end] | ["group", start] | ["call", ...]
        expect_operand = True
        i, n = 0, len(toks)
        last_end = where

        def reduce() -> None:
            _, op, s, _e = stack.pop()
            if op.kind == "prefix":
                a = operands.pop()
                operands.append((b.apply(op, [a[0]], (s, a[2]), (s, _e)), s, a[2]))
            else:
                r = operands.pop()
                left = operands.pop()
                operands.append((b.apply(op, [left[0], r[0]], (left[1], r[2]), (s, _e)),
                                 left[1], r[2]))

        def pop_to_frame() -> list | None:
            while stack and stack[-1][0] == "op":
                reduce()
            return stack[-1] if stack else None

        while i < n:
            t = toks[i]
            nxt = toks[i + 1] if i + 1 < n else None
            if expect_operand:
                if t.kind == "num":
                    value = float(t.text)
                    if value == float("inf"):
                        raise self.error(f"number {t.text[:20]}{'…' if len(t.text) > 20 else ''}"
                                         " is too large (it overflows to infinity)",
                                         t.start, t.end, hint="numbers must be below about 1.8e308")
                    operands.append((b.const(value, span=(t.start, t.end)), t.start, t.end))
                    expect_operand = False
                elif t.kind == "name" and nxt is not None and nxt.kind == "eq" and stack \
                        and stack[-1][0] == "call" and toks[i - 1].kind in ("lp", "comma"):
                    frame = stack[-1]
                    frame[5].append((t.text, frame[4], t.start, t.end))
                    i += 2
                    continue
                elif t.kind == "name" and nxt is not None and nxt.kind == "lp":
                    op = FUNCTIONS.get(t.text)
                    if op is None:
                        if t.text in self.scope or t.text in self.b.inputs:
                            hint = f"to multiply, write {_short(t.text)}*(...)"
                            msg = f"{_short(t.text)!r} is a variable, not a function"
                        else:
                            hint = _suggest(t.text) or "known functions: " + ", ".join(
                                sorted(k for k in FUNCTIONS if k.isascii()))
                            msg = f"unknown function {_short(t.text)!r}"
                        raise self.error(msg, t.start, t.end, hint=hint)
                    # ["call", op, name start, name end, arg count, keywords, lp start]
                    stack.append(["call", op, t.start, t.end, 0, [], nxt.start])
                    i += 2
                    if i < n and toks[i].kind == "rp":
                        raise self.error(f"{t.text}() needs arguments", t.start, toks[i].end,
                                         hint=f"{t.text} takes ({', '.join(op.params)})")
                    continue
                elif t.kind == "name":
                    operands.append((self.name_ref(t), t.start, t.end))
                    expect_operand = False
                elif t.kind == "lp":
                    stack.append(["group", t.start])
                elif t.kind == "op" and t.text in "+-":
                    if t.text == "-":
                        stack.append(["op", OPS["neg"], t.start, t.end])
                else:
                    raise self._expected_operand(t, toks[i - 1] if i else None)
            else:
                if t.kind == "post" or (t.kind == "op" and t.text == "^" and self._transposes(toks, i)):
                    node, s, e = operands.pop()  # W.T and W^T: transpose, binding tightest
                    end = t.end if t.kind == "post" else toks[i + 1].end
                    operands.append((b.apply(OPS["transpose"], [node], (s, end), (t.start, end)),
                                     s, end))
                    last_end = end
                    i += 1 if t.kind == "post" else 2
                    continue
                if t.kind == "op":
                    op = INFIX[t.text]
                    while stack and stack[-1][0] == "op" and (
                            stack[-1][1].prec > op.prec
                            or (stack[-1][1].prec == op.prec and not op.right_assoc)):
                        reduce()
                    stack.append(["op", op, t.start, t.end])
                    expect_operand = True
                elif t.kind == "rp":
                    frame = pop_to_frame()
                    if frame is None:
                        raise self.error("this ')' has no matching '('", t.start, t.end,
                                         hint="remove it or add a '(' before it")
                    stack.pop()
                    if frame[0] == "call":
                        self.finish_call(frame, operands, t.end)
                    else:
                        node, _s, _e = operands.pop()
                        operands.append((node, frame[1], t.end))
                elif t.kind == "comma":
                    frame = pop_to_frame()
                    if frame is None or frame[0] != "call":
                        raise self.error("',' outside a function call", t.start, t.end,
                                         hint="commas separate function arguments, "
                                              "as in max(a, b)")
                    frame[4] += 1
                    expect_operand = True
                elif t.kind == "eq":
                    raise self.error("unexpected '='", t.start, t.end,
                                     hint="an assignment is name = expression, one per "
                                          "statement; separate statements with ';' or newlines")
                else:
                    prev = toks[i - 1]
                    hint = (f"to multiply, write {_short(prev.text)}*{_short(t.text)}"
                            if t.kind in ("num", "name", "lp") else None)
                    raise self.error(f"missing operator before {_short(t.text)!r}", t.start,
                                     t.end, hint=hint)
            last_end = t.end
            i += 1
        if expect_operand:
            prev = toks[-1] if toks else None
            raise self.error("the expression ends too early: a number, a name or '(' is "
                             "expected here", last_end, last_end + 1,
                             hint=f"complete the expression after {_short(prev.text)!r}"
                             if prev else None)
        frame = pop_to_frame()
        if frame is not None:
            start = frame[6] if frame[0] == "call" else frame[1]
            raise self.error("this '(' is never closed", start, start + 1,
                             hint="add the missing ')'")
        node = operands[-1][0]
        return node

    def _transposes(self, toks: list[Token], i: int) -> bool:
        """``W^T`` is W transposed, unless the text uses ``T`` as a name somewhere else."""
        if i + 1 >= len(toks) or toks[i + 1].kind != "name" or toks[i + 1].text != "T":
            return False
        if i + 2 < len(toks) and toks[i + 2].kind in ("lp", "name", "num"):
            return False
        if self.t_is_name is None:
            tt = tokenize(self.src)
            self.t_is_name = "T" in self.variables or any(
                x.kind == "name" and x.text == "T" and not (k and tt[k - 1].text == "^")
                for k, x in enumerate(tt))
        return not self.t_is_name

    def _expected_operand(self, t: Token, prev: Token | None) -> ParseError:
        what = {"rp": "')'", "comma": "','", "eq": "'='"}.get(t.kind, repr(_short(t.text)))
        if t.kind == "rp" and prev is not None and prev.kind == "lp":
            return self.error("empty parentheses", prev.start, t.end,
                              hint="put an expression inside ( )")
        after = f" after {_short(prev.text)!r}" if prev is not None else ""
        return self.error(f"expected a number, a name or '(' but found {what}{after}",
                          t.start, t.end)

    def use(self, name: str) -> None:
        """Remember that a bound constant name is used (for the note that says so)."""
        if name in self.variables and name not in self.shadowed:
            self.shadowed.append(name)

    def name_ref(self, t: Token) -> int:
        name = t.text
        if name in self.scope:
            self.used_later.add(name)
            return self.scope[name]
        if name in CONSTANTS and name not in self.variables:
            return self.b.const(CONSTANTS[name], name, (t.start, t.end))
        self.use(name)
        if name in FUNCTIONS:
            raise self.error(f"{name!r} is a function: call it as {name}(...)", t.start, t.end)
        self.input_at.setdefault(name, t.start)
        return self.b.input(name, (t.start, t.end))

    def finish_call(self, frame: list, operands: list[tuple[int, int, int]], end: int) -> None:
        _, op, start, name_end, commas, keywords, _lp = frame
        count = commas + 1
        args = operands[len(operands) - count:]
        del operands[len(operands) - count:]
        name = self.src[start:name_end]
        nkw = len(keywords)
        positional = args[:count - nkw]
        for kname, index, ks, ke in keywords:
            if index < count - nkw:
                raise self.error("a positional argument follows a keyword argument", ks, ke)
        values: dict[str, int] = {}
        if op.more and ((len(positional) > len(op.params) and not op.variadic) or any(
                k[0] not in op.params for k in keywords)):
            op = OPS[op.more]  # sum(x, axis=0): the reduction along an axis
        elif op.one and count == 1 and not keywords:
            op = OPS[op.one]  # max(x): the largest entry
        params = list(op.params)
        if op.variadic and not keywords:
            if count < 2:
                raise self.error(f"{name}() needs at least 2 arguments, got {count}", start, end)
            node = positional[0][0]
            for a in positional[1:]:
                node = self.b.apply(op, [node, a[0]], (start, end), (start, name_end))
            operands.append((node, start, end))
            return
        if len(positional) > len(params):
            raise self.error(f"{name}() takes {len(params)} argument"
                             f"{'s' if len(params) > 1 else ''} ({', '.join(params)}), "
                             f"got {len(positional)}", start, end)
        for p, a in zip(params, positional):
            values[p] = a[0]
        for (kname, _index, ks, ke), a in zip(keywords, args[count - nkw:]):
            if kname not in params:
                raise self.error(f"{name}() has no argument {kname!r}", ks, ke,
                                 hint=f"its arguments are ({', '.join(params)})")
            if kname in values:
                at = params.index(kname)
                given = self.src[positional[at][1]:positional[at][2]]
                raise self.error(
                    f"argument {kname!r} given twice: {name}({', '.join(params)}) already "
                    f"takes its argument {at + 1}, {given!r}, as {kname}", ks, ke,
                    hint=f"drop one of them, e.g. {name}({', '.join(params[:at] + [kname + '=…'])})")
            values[kname] = a[0]
        for p in params:
            if p not in values:
                if p in op.defaults:
                    values[p] = self.b.const(op.defaults[p])
                else:
                    raise self.error(f"{name}() is missing argument {p!r}", start, end,
                                     hint=f"{name} takes ({', '.join(params)})")
            if p in op.static and self.b.node(values[p]).kind != "const":
                raise self.error(f"{name}(): {p} must be a number written here, such as "
                                 f"{p}=0", start, end, hint=f"write {name}(x, {p}=0)")
        node = self.b.apply(op, [values[p] for p in params], (start, end), (start, name_end))
        operands.append((node, start, end))


def reformat(text: str, style: str) -> str:
    """Re-print a single expression (such as a partial-derivative formula) in ``style``."""
    g = parse(text)
    out = g.outputs[0][1]
    if g.nodes[out].kind != "op":
        return g.expressions(style)[out] or text
    return g.expressions(style, limit=10_000)[out] or text
