"""Problem templates: the family of per-student problems a course hands out (TOML).

A template holds a problem key's fields (``title``, ``notation``, ``[tolerance]``,
``carried_credit``, ``[[ask]]``: ``python -m pydoc autodiff_viz.check.keys``) and says how each
student's problem is made: a fixed ``expression`` with per-student points, or a
``[generate]`` table for a random expression per student, and a ``[point]`` table
for the points. Every mistake names the field and, in a file, its line.

Fields: ``expression`` (one for everybody) or ``[generate]`` with ``inputs`` (1-6:
x1, x2, ...), ``depth`` (operations on the longest path, 1-6), ``fanouts`` (nodes used
by two or more operations, 0-4; both a number or ``[least, most]``), ``ops`` (from
:data:`OPS`) and ``constants`` (true: whole numbers 2-5 in operations); ``[point]``
with ``range = [low, high]``, ``ranges = { x1 = [low, high] }`` and ``decimals``;
``digits`` (significant digits of the solution's numbers, default 4); the key's
``title``, ``notation``, ``[tolerance]``, ``carried_credit``, ``[formulas]`` and
``[[ask]]`` (kinds :data:`HANDOUT_KINDS`).

>>> t = load_template('''
... title = "Homework 4"
... [generate]
... inputs = 2
... depth = 3
... fanouts = 1
... ops = ["add", "mul", "sin"]
... [point]
... range = [0.5, 3]
... [[ask]]
... kind = "reverse"
... ''')
>>> t.inputs, t.depth, t.fanouts, t.ops, t.ranges, t.decimals, t.digits
(('x1', 'x2'), (3, 3), (1, 1), ('add', 'mul', 'sin'), (('x1', 0.5, 3.0), ('x2', 0.5, 3.0)), 1, 4)
>>> try:
...     load_template('expression = "x*y"\\n[point]\\nrange = [3, 1]\\n[[ask]]\\nkind = "gradient"')
... except TemplateError as err:
...     print(err.render())
error: [point] range: the low end 3 is not below the high end 1 (line 3, column 1)
3 | range = [3, 1]
    ^
hint: write range = [low, high], e.g. range = [-3, 3]
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import LocatedInputError, ParseError, ProblemKeyError
from ..parse_fast import parse

KEY_FIELDS = ("title", "notation", "tolerance", "carried_credit", "formulas", "ask",
              "description")
"""Fields copied into every student's key as they are."""
TEMPLATE_FIELDS = (*KEY_FIELDS, "expression", "generate", "point", "digits")
GENERATE_FIELDS = ("inputs", "depth", "fanouts", "ops", "constants")
POINT_FIELDS = ("range", "ranges", "decimals")
UNARY = ("neg", "sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "softplus",
         "square", "cube")
BINARY = ("add", "sub", "mul", "div")
OPS = BINARY + UNARY
"""Operations a generated expression may use (``square``: ``a^2``, ``cube``: ``a^3``)."""
LEFT_OUT = {"abs": "it is not differentiable at 0", "relu": "its derivative is 0 for a < 0",
            "step": "its derivative is 0 everywhere", "sign": "its derivative is 0 everywhere",
            "max": "it is not differentiable at a tie", "min": "it is not differentiable at a tie",
            "pow": "use square or cube (a^2, a^3)"}
HANDOUT_KINDS = ("trace", "forward", "reverse", "gradient", "formula", "value")
"""What a problem may ask (each has a table in the handout)."""
DEFAULT_OPS = ("add", "sub", "mul", "sin", "cos", "exp", "square")
DEFAULT_RANGE = (-3.0, 3.0)
MAX_INPUTS, MAX_DEPTH, MAX_DECIMALS = 6, 6, 3


class TemplateError(LocatedInputError):
    """A problem template that cannot be used: what, where (file, line) and how to fix it."""


@dataclass(frozen=True)
class Template:
    """A validated template (see the module's documentation for the fields)."""

    key_fields: Mapping[str, Any]  # copied into each key: title, notation, tolerance, ask, ...
    expression: str | None = None  # a fixed expression; None: generated per student
    inputs: tuple[str, ...] = ()
    depth: tuple[int, int] = (2, 2)  # (least, most) operations on the longest path
    fanouts: tuple[int, int] = (1, 1)  # (least, most) nodes used by two or more operations
    ops: tuple[str, ...] = DEFAULT_OPS
    constants: bool = True
    ranges: tuple[tuple[str, float, float], ...] = ()
    decimals: int = 1
    digits: int = 4  # significant digits of the numbers the solution shows
    path: str | None = None
    text: str | None = field(default=None, repr=False, compare=False)

    @property
    def title(self) -> str:
        return str(self.key_fields.get("title", ""))

    @property
    def notation(self) -> str:
        return str(self.key_fields.get("notation", "w"))

    @property
    def asks(self) -> list[Mapping[str, Any]]:
        return list(self.key_fields.get("ask", []))

    def range_of(self, name: str) -> tuple[float, float]:
        for n, lo, hi in self.ranges:
            if n == name:
                return lo, hi
        return DEFAULT_RANGE


class _Reader:
    def __init__(self, data: Any, text: str | None, path: str | None) -> None:
        self.data, self.text, self.path = data, text, path

    def error(self, message: str, near: tuple[str, ...] = (), hint: str | None = None
              ) -> TemplateError:
        from ..check.key_reader import _locate

        line = col = None
        if self.text and near:
            line, col = _locate(self.text, near)
        return TemplateError(message, path=self.path, source=self.text, line=line, column=col,
                             hint=hint)

    def table(self, name: str) -> Mapping[str, Any]:
        v = self.data.get(name, {})
        if not isinstance(v, Mapping):
            raise self.error(f"'{name}' must be a table ([{name}])", (name,))
        return v

    def fields(self, table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
        from ..check.key_reader import _did_you_mean

        for k in table:
            if k not in allowed:
                raise self.error(f"{where}unknown field {k!r}", (str(k),),
                                 _did_you_mean(k, allowed)
                                 or f"the fields are: {', '.join(allowed)}")

    def count(self, table: Mapping[str, Any], name: str, default: int, low: int, high: int,
              where: str) -> tuple[int, int]:
        """An int, or [least, most], within [low, high]."""
        v = table.get(name, default)
        pair = v if isinstance(v, list) else [v, v]
        if (len(pair) != 2 or any(isinstance(x, bool) or not isinstance(x, int) for x in pair)
                or not low <= pair[0] <= pair[1] <= high):
            raise self.error(f"{where}{name} must be a whole number from {low} to {high}, or "
                             f"[least, most] (got {v!r})", (name,),
                             f"e.g. {name} = {max(low, min(default, high))}")
        return pair[0], pair[1]

    def read(self) -> Template:
        d = self.data
        if not isinstance(d, Mapping):
            raise self.error("a template must be a table of fields (title, generate, point, "
                             "ask, ...)")
        self.fields(d, TEMPLATE_FIELDS, "")
        if ("expression" in d) == ("generate" in d):
            raise self.error("the template needs exactly one of 'expression' (one expression, "
                             "a point per student) or [generate] (an expression per student)",
                             ("expression",) if "expression" in d else (),
                             'expression = "sin(x1) + x1*x2", or [generate] with inputs, '
                             'depth, fanouts and ops')
        kw: dict[str, Any] = {}
        if "expression" in d:
            kw.update(self.fixed(d["expression"]))
        else:
            kw.update(self.generate(self.table("generate")))
        kw.update(self.point(self.table("point"), kw["inputs"]))
        digits = d.get("digits", 4)
        if isinstance(digits, bool) or not isinstance(digits, int) or not 2 <= digits <= 8:
            raise self.error(f"digits must be a whole number from 2 to 8 (got {digits!r})",
                             ("digits",), "the significant digits the solution shows, "
                                          "e.g. digits = 4")
        if not isinstance(d.get("ask"), list) or not d["ask"]:
            raise self.error("the template asks for nothing: add [[ask]] tables", (),
                             '[[ask]]\nkind = "reverse"')
        key_fields = {k: d[k] for k in KEY_FIELDS if k in d}
        t = Template(key_fields=key_fields, digits=digits, path=self.path, text=self.text, **kw)
        self.check_asks(t)
        return t

    def fixed(self, source: Any) -> dict[str, Any]:
        if not isinstance(source, str) or not source.strip():
            raise self.error("'expression' must be text", ("expression",))
        try:
            g = parse(source)
        except ParseError as err:
            raise self.error(f"the expression does not parse: {err.message}", ("expression",),
                             err.hint) from None
        if len(g.outputs) != 1 or g.tensor:
            raise self.error("the expression must give one number (one output, no vectors "
                             "or matrices)", ("expression",))
        return {"expression": source, "inputs": tuple(g.input_names)}

    def generate(self, gen: Mapping[str, Any]) -> dict[str, Any]:
        w = "[generate] "
        self.fields(gen, GENERATE_FIELDS, w)
        n = self.count(gen, "inputs", 2, 1, MAX_INPUTS, w)
        if n[0] != n[1]:
            raise self.error(f"{w}inputs must be one whole number", ("inputs",))
        depth = self.count(gen, "depth", 2, 1, MAX_DEPTH, w)
        fanouts = self.count(gen, "fanouts", 1, 0, 4, w)
        ops = gen.get("ops", list(DEFAULT_OPS))
        if not isinstance(ops, list) or not ops or not all(isinstance(o, str) for o in ops):
            raise self.error(f"{w}ops must be a list of operation names", ("ops",),
                             f"the operations: {', '.join(OPS)}")
        for o in ops:
            if o not in OPS:
                why = LEFT_OUT.get(o)
                close = difflib.get_close_matches(o, OPS, n=1, cutoff=0.6)
                raise self.error(f"{w}ops: {o!r} cannot be used in generated problems"
                                 + (f" ({why})" if why else ""), ("ops", o),
                                 (f"did you mean {close[0]!r}? " if close and not why else "")
                                 + f"the operations: {', '.join(OPS)}")
        if not any(o in BINARY for o in ops) and n[0] > 1:
            raise self.error(f"{w}ops: {n[0]} inputs need an operation of two arguments "
                             f"({', '.join(BINARY)})", ("ops",))
        constants = gen.get("constants", True)
        if not isinstance(constants, bool):
            raise self.error(f"{w}constants must be true or false", ("constants",))
        names = ("x",) if n[0] == 1 else tuple(f"x{i}" for i in range(1, n[0] + 1))
        return {"inputs": names, "depth": depth, "fanouts": fanouts,
                "ops": tuple(dict.fromkeys(ops)), "constants": constants}

    def point(self, pt: Mapping[str, Any], inputs: tuple[str, ...]) -> dict[str, Any]:
        w = "[point] "
        self.fields(pt, POINT_FIELDS, w)
        default = self.interval(pt.get("range", list(DEFAULT_RANGE)), f"{w}range", "range")
        per = pt.get("ranges", {})
        if not isinstance(per, Mapping):
            raise self.error(f"{w}ranges must be a table: ranges = {{ x1 = [0.5, 3] }}",
                             ("ranges",))
        for name in per:
            if name not in inputs:
                raise self.error(f"{w}ranges: {name!r} is not an input", ("ranges", str(name)),
                                 f"the inputs are: {', '.join(inputs)}")
        ranges = tuple((n, *(self.interval(per[n], f"{w}ranges.{n}", n) if n in per
                             else default)) for n in inputs)
        decimals = pt.get("decimals", 1)
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not (
                0 <= decimals <= MAX_DECIMALS):
            raise self.error(f"{w}decimals must be a whole number from 0 to {MAX_DECIMALS}",
                             ("decimals",))
        return {"ranges": ranges, "decimals": decimals}

    def interval(self, v: Any, where: str, near: str) -> tuple[float, float]:
        hint = "write range = [low, high], e.g. range = [-3, 3]"
        if (not isinstance(v, list) or len(v) != 2
                or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v)):
            raise self.error(f"{where} must be [low, high] (got {v!r})", (near,), hint)
        lo, hi = float(v[0]), float(v[1])
        if not lo < hi:
            raise self.error(f"{where}: the low end {v[0]!r} is not below the high end "
                             f"{v[1]!r}", (near,), hint)
        return lo, hi

    def check_asks(self, t: Template) -> None:
        """Read the key fields as a key would (errors name the template's lines), then
        keep to what a handout shows: the tables, the gradient, a formula, the value."""
        from ..check.key_reader import KeyReader

        source = t.expression or " + ".join(t.inputs)
        data = {**t.key_fields, "expression": source,
                "at": {n: (lo + hi) / 2 for n, lo, hi in t.ranges}}
        for k, a in enumerate(t.asks, 1):
            for f in ("node", "at"):
                if isinstance(a, Mapping) and f in a:
                    raise self.error(f"ask #{k}: {f!r} cannot be used in a problem template "
                                     "(each student has one expression and one point)", (f,),
                                     "ask for the tables, the gradient, a formula or the "
                                     "output's value")
        try:
            key = KeyReader(data, self.text, self.path).read()
        except ProblemKeyError as err:
            raise TemplateError(err.message, path=self.path, source=self.text, line=err.line,
                                column=err.column, hint=err.hint) from None
        except LocatedInputError:
            return  # a point outside the domain: each student's point is checked instead
        for k, (ask, raw) in enumerate(zip(key.asks, t.asks), 1):
            if ask.kind not in HANDOUT_KINDS:
                raise self.error(f"ask #{k}: a handout cannot ask for kind {raw['kind']!r} yet",
                                 ("kind", str(raw["kind"])),
                                 f"the kinds a handout shows: {', '.join(HANDOUT_KINDS)}")


def load_template(source: Any) -> Template:
    """A :class:`Template` from a Template, a dict, a ``.toml``/``.json``/``.yaml`` path
    or TOML text; raises :class:`TemplateError` with the field and line."""
    from ..check.files import read_source

    if isinstance(source, Template):
        return source
    data, text, path = read_source(source, TemplateError, "template")
    return _Reader(data, text, path).read()
