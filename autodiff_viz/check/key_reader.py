"""Reading and validating a problem key's fields (see :mod:`.keys` for the format).

Every mistake in a key is reported with where it is (the file, the line when it
can be found) and how to fix it.

>>> from autodiff_viz.errors import ProblemKeyError
>>> try:
...     KeyReader({"expression": "x^2", "at": {"x": 1}, "ask": [{"kind": "gradiant"}]},
...               None, None).read()
... except ProblemKeyError as err:
...     print(err.render())
error: ask #1: unknown kind 'gradiant'
hint: did you mean 'gradient'?
"""
from __future__ import annotations

import difflib
import math
from typing import Any, Mapping

import numpy as np

from ..errors import AutodiffVizError, ParseError, ProblemKeyError, ShapeError
from ..graph import NOTATIONS, Graph
from ..parse_fast import parse
from .figures import Figure, Tolerance
from .files import read_source
from .keys import (COMMON_FIELDS, KIND_ALIASES, KIND_FIELDS, KINDS, SECOND_ASKS, TABLE_KINDS,
                   TOP_FIELDS, Ask, FormulaSettings, Key, RandomPoints)
from .tensors import figure_array, is_array, plain


class KeyReader:
    """Turns the fields of a key file into a :class:`~autodiff_viz.check.keys.Key`."""

    def __init__(self, data: Any, text: str | None, path: str | None) -> None:
        self.data = data
        self.text = text
        self.path = path

    def error(self, message: str, hint: str | None = None, near: tuple[str, ...] = ()
              ) -> ProblemKeyError:
        line = col = None
        if self.text and near:
            line, col = _locate(self.text, near)
        return ProblemKeyError(message, path=self.path, source=self.text, line=line,
                               column=col, hint=hint)

    def read(self) -> Key:
        d = self.data
        if not isinstance(d, Mapping):
            raise self.error("a problem key must be a table of fields (expression, at, ask, ...)")
        for k in d:
            if k not in TOP_FIELDS:
                raise self.error(f"unknown field {k!r} in the key", hint=_did_you_mean(k, TOP_FIELDS),
                                 near=(str(k),))
        if ("expression" in d) == ("program" in d):
            raise self.error("the key needs exactly one of 'expression' or 'program'",
                             hint='expression = "sin(x1) + x1*x2"')
        field_name = "expression" if "expression" in d else "program"
        source = d[field_name]
        if not isinstance(source, str):
            raise self.error(f"{field_name!r} must be text", near=(field_name,))
        share = d.get("share", True)
        if not isinstance(share, bool):
            raise self.error("'share' must be true or false", near=("share",))
        try:
            graph = parse(source, share=share, variables=_bound_names(d))
        except ParseError as err:
            raise self._parse_error(field_name, source, err) from None
        notation = d.get("notation", "w")
        if notation not in NOTATIONS:
            raise self.error(f"unknown notation {notation!r}", near=("notation",),
                             hint="use w (w1, w2, ...), v (v-1, v0, v1, ...) or u (u1, ...)")
        output = d.get("output")
        if output is not None:
            if not isinstance(output, str):
                raise self.error("'output' must be a name", near=("output",))
            try:
                graph.output_id(output)
            except AutodiffVizError as err:
                raise self.error(err.message, err.hint, near=("output",)) from None
            graph = graph.with_outputs([output]) if output not in graph.output_names else graph
        points = self._points(graph, d.get("at"))
        random = self._random(graph, d.get("random")) if "random" in d else None
        if not points and random is None:
            raise self.error("the key needs a point: 'at' (e.g. at = { x1 = 2, x2 = 3 }) or "
                             "'random' (a seed and ranges for per-student points)")
        try:
            tolerance = Tolerance.from_mapping(self._table(d.get("tolerance", {}), "tolerance"))
        except ValueError as err:
            raise self.error(str(err), near=("tolerance",)) from None
        carried = d.get("carried_credit", 1.0)
        if isinstance(carried, bool) or not isinstance(carried, (int, float)) or not 0 <= carried <= 1:
            raise self.error("'carried_credit' must be a number from 0 to 1",
                             near=("carried_credit",),
                             hint="the share of a step's points earned when it follows "
                                  "correctly from an earlier wrong value")
        formulas = self._formulas(graph, d.get("formulas", {}), random)
        key = Key(source=source, graph=graph, asks=(), title=str(d.get("title", "")),
                  points=points, random=random, notation=notation, tolerance=tolerance,
                  carried_credit=float(carried), formulas=formulas, output=output,
                  path=self.path, raw=d, text=self.text)
        key.asks = self._asks(key, d.get("ask"))
        if key.arrays:
            self._array_asks(key)
        if "" in key.points:
            self._check_point(key, key.points[""], "at")
        for name, pt in key.points.items():
            if name:
                self._check_point(key, pt, f"at.{name}" if not name.startswith("@") else "at")
        return key

    def _parse_error(self, field_name: str, source: str, err: ParseError) -> ProblemKeyError:
        line = col = None
        if self.text:
            pos = self.text.find(source)
            if pos >= 0:
                abs_pos = pos + err.start
                line = self.text.count("\n", 0, abs_pos) + 1
                col = abs_pos - (self.text.rfind("\n", 0, abs_pos) + 1) + 1
        if line is None:
            return ProblemKeyError(f"the {field_name} does not parse:\n{err.render()}",
                                   path=self.path)
        return ProblemKeyError(f"the {field_name} does not parse: {err.message}",
                               path=self.path, source=self.text, line=line, column=col,
                               width=err.end - err.start, hint=err.hint)

    def _table(self, value: Any, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(f"{what!r} must be a table", near=(what,))
        return value

    def _point(self, graph: Graph, value: Any, what: str) -> dict[str, Any]:
        pt = self._table(value, what)
        names = graph.input_names
        missing = [n for n in names if n not in pt]
        unknown = [n for n in pt if n not in names]
        if missing or unknown:
            probs = ([f"no value for {', '.join(missing)}"] if missing else []) + \
                    ([f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not an "
                      "input of the expression"] if unknown else [])
            raise self.error(f"{what}: " + "; ".join(probs), near=(what.split(".")[0],),
                             hint=f"the inputs are: {', '.join(names)}")
        out: dict[str, Any] = {}
        for n in names:
            v = pt[n]
            if is_array(v):  # a vector or matrix: nested lists, each entry as written
                try:
                    out[n] = figure_array(v)
                except ValueError as err:
                    raise self.error(f"{what}: the value of {n} {err}", near=(n,),
                                     hint="a vector is a list [0, -1], a matrix a list of "
                                          "rows [[1, 1], [1, 1]]") from None
                continue
            if isinstance(v, (np.integer, np.floating)):
                v = float(v)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise self.error(f"{what}: the value of {n} must be a number, a vector or a "
                                 f"matrix, got {v!r}", near=(n,))
            out[n] = v if isinstance(v, Figure) else Figure(float(v))
        return out

    def _points(self, graph: Graph, at: Any) -> dict[str, dict[str, Any]]:
        if at is None:
            return {}
        at = self._table(at, "at")
        if at and all(isinstance(v, Mapping) for v in at.values()):
            pts = {str(k): self._point(graph, v, f"at.{k}") for k, v in at.items()}
            first = next(iter(pts.values()))
            return {"": first, **pts}
        return {"": self._point(graph, at, "at")}

    def _ranges(self, graph: Graph, value: Any, what: str) -> tuple[tuple[str, float, float], ...]:
        r = self._table(value, what)
        out = []
        for n, span in r.items():
            if n not in graph.input_names:
                raise self.error(f"{what}: {n!r} is not an input", near=(str(n),),
                                 hint=f"the inputs are: {', '.join(graph.input_names)}")
            if (not isinstance(span, list) or len(span) != 2
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                               for x in span) or not span[0] < span[1]):
                raise self.error(f"{what}: the range of {n} must be [low, high] with low < high",
                                 near=(str(n),))
            out.append((n, float(span[0]), float(span[1])))
        return tuple(out)

    def _random(self, graph: Graph, value: Any) -> RandomPoints:
        r = self._table(value, "random")
        bad = [k for k in r if k not in ("seed", "ranges", "decimals")]
        if bad:
            raise self.error(f"unknown field {bad[0]!r} in [random]", near=(bad[0],),
                             hint="[random] takes seed, ranges and decimals")
        seed = r.get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise self.error("[random] needs an integer 'seed'", near=("random",))
        decimals = r.get("decimals", 1)
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
            raise self.error("[random] 'decimals' must be a whole number from 0 to 6",
                             near=("decimals",))
        return RandomPoints(seed, self._ranges(graph, r.get("ranges", {}), "random.ranges"),
                            decimals)

    def _formulas(self, graph: Graph, value: Any, random: RandomPoints | None) -> FormulaSettings:
        f = self._table(value, "formulas")
        known = ("samples", "seed", "ranges", "rtol", "atol")
        bad = [k for k in f if k not in known]
        if bad:
            raise self.error(f"unknown field {bad[0]!r} in [formulas]", near=(bad[0],),
                             hint="[formulas] takes " + ", ".join(known))
        samples = f.get("samples", 24)
        if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 10_000:
            raise self.error("[formulas] 'samples' must be a whole number from 1 to 10000",
                             near=("samples",))
        seed = f.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise self.error("[formulas] 'seed' must be a whole number", near=("seed",))
        for k in ("rtol", "atol"):
            v = f.get(k, 0.0)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise self.error(f"[formulas] {k!r} must be a number >= 0", near=(k,))
        ranges = (self._ranges(graph, f["ranges"], "formulas.ranges") if "ranges" in f
                  else (random.ranges if random else ()))
        return FormulaSettings(samples, seed, ranges, float(f.get("rtol", 1e-7)),
                               float(f.get("atol", 1e-9)))

    def _asks(self, key: Key, value: Any) -> tuple[Ask, ...]:
        if value is None:
            raise self.error("the key asks for nothing: add [[ask]] entries",
                             hint='[[ask]]\nkind = "gradient"   # or value, formula, trace, '
                                  'forward, reverse, ...')
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.error("'ask' must be a list of tables ([[ask]] in TOML)", near=("ask",))
        asks: list[Ask] = []
        names: set[str] = set()
        for k, a in enumerate(value, 1):
            ask = self._ask(key, a, k)
            if ask.name in names:
                raise self.error(f"two asks are named {ask.name!r}",
                                 hint="give each its own name, e.g. name = \"q2\"",
                                 near=("name", ask.name) if "name" in a else ("kind",))
            names.add(ask.name)
            asks.append(ask)
        return tuple(asks)

    def _ask(self, key: Key, a: Any, k: int) -> Ask:
        where = f"ask #{k}"
        if not isinstance(a, Mapping):
            raise self.error(f"{where} must be a table", near=("ask",))
        kind = a.get("kind")
        if not isinstance(kind, str):
            raise self.error(f"{where} needs a kind", near=("ask",),
                             hint="kinds: " + ", ".join(KINDS))
        kind = KIND_ALIASES.get(kind, kind)
        if kind not in KINDS:
            raise self.error(f"{where}: unknown kind {a['kind']!r}", near=("kind", a["kind"]),
                             hint=_did_you_mean(a["kind"], KINDS) or "kinds: " + ", ".join(KINDS))
        allowed = COMMON_FIELDS | KIND_FIELDS[kind]
        for f in a:
            if f not in allowed:
                raise self.error(f"{where} ({kind}): unknown field {f!r}", near=(f,),
                                 hint=f"a {kind} ask takes: {', '.join(sorted(allowed))}")
        g = key.graph
        for f in ("points", "total"):
            v = a.get(f)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
                raise self.error(f"{where}: {f!r} must be a number >= 0", near=(f,))
        if "points" in a and "total" in a:
            raise self.error(f"{where}: give 'points' (per item) or 'total', not both",
                             near=("total",))
        wrt = a.get("wrt")
        wrt_inputs: tuple[str, ...] = ()
        if kind == "gradient" and wrt is not None:  # a name or a list of names
            names = [wrt] if isinstance(wrt, str) else wrt
            if not isinstance(names, list) or not names or not all(
                    isinstance(n, str) for n in names):
                raise self.error(f"{where}: 'wrt' must be an input's name or a list of them",
                                 near=("wrt",), hint='wrt = ["W", "b"]')
            bad = [n for n in names if n not in g.input_names]
            if bad:
                raise self.error(f"{where}: wrt {bad[0]!r} is not an input", near=("wrt",),
                                 hint=f"the inputs are: {', '.join(g.input_names)}")
            if len(set(names)) != len(names):
                raise self.error(f"{where}: wrt names an input twice", near=("wrt",))
            wrt_inputs, wrt = tuple(names), None
        if kind in SECOND_ASKS:
            wrt_inputs, wrt = self._second_wrt(kind, wrt, g, where), None
        if wrt is not None and (not isinstance(wrt, str) or wrt not in g.input_names):
            raise self.error(f"{where}: wrt {wrt!r} is not an input", near=("wrt",),
                             hint=f"the inputs are: {', '.join(g.input_names)}")
        seed = None
        if "seed" in a:
            if wrt is not None:
                raise self.error(f"{where}: give 'wrt' or 'seed', not both", near=("seed",))
            s = self._table(a["seed"], "seed")
            for n, v in s.items():
                if n not in g.input_names or isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise self.error(f"{where}: the seed needs numbers for inputs, got {n} = {v!r}",
                                     near=("seed",),
                                     hint=f"the inputs are: {', '.join(g.input_names)}")
            seed = tuple((n, float(s.get(n, 0.0))) for n in g.input_names)
        if kind in ("forward", "tangent", "formula") and wrt is None and seed is None:
            if len(g.input_names) != 1:
                raise self.error(f"{where} ({kind}): say which input (wrt = \"x1\")"
                                 + (" or give a seed" if kind != "formula" else ""),
                                 near=("kind", a["kind"]))
            wrt = g.input_names[0]
        if kind in ("forward", "tangent") and seed is None:
            seed = tuple((n, 1.0 if n == wrt else 0.0) for n in g.input_names)
        output = a.get("output", key.output)
        if output is not None:
            if output not in g.output_names:
                raise self.error(f"{where}: {output!r} is not an output",
                                 near=("output",), hint=f"outputs: {', '.join(g.output_names)}")
        elif kind in ("gradient", "adjoint", "formula", "reverse") + SECOND_ASKS and \
                len(g.outputs) > 1:
            raise self.error(f"{where} ({kind}): the program has several outputs "
                             f"({', '.join(g.output_names)}); say which (output = \"...\")",
                             near=("kind", a["kind"]))
        node = node_text = None
        if kind in ("value", "tangent", "adjoint"):
            node_text = a.get("node")
            if node_text is None:
                if kind == "adjoint":
                    raise self.error(f"{where}: an adjoint ask needs the node "
                                     "(node = \"w3\" or node = \"x1*x2\")", near=("adjoint",))
                if len(g.outputs) > 1:
                    raise self.error(f"{where}: the program has several outputs; say which "
                                     "(node = \"...\")", near=("kind", a["kind"]))
                node = g.outputs[0][1]
            else:
                node = self._node(key, node_text, where)
        at = ""
        if "at" in a:
            if isinstance(a["at"], str):
                if a["at"] not in key.points:
                    raise self.error(f"{where}: no point named {a['at']!r}", near=("at",),
                                     hint="named points are tables under [at.NAME]")
                at = a["at"]
            else:
                at = f"@{k}"
                key.points[at] = self._point(g, a["at"], f"{where} at")
        inputs = a.get("inputs", False)
        complete = a.get("complete", True)
        partial = a.get("partial_credit", False)
        for f, v in (("inputs", inputs), ("complete", complete), ("partial_credit", partial)):
            if not isinstance(v, bool):
                raise self.error(f"{where}: {f!r} must be true or false", near=(f,))
        name = a.get("name")
        if name is None:
            name = kind + (f"_{wrt}" if wrt and kind in ("formula", "forward", "tangent") else "")
            if kind in SECOND_ASKS and wrt_inputs:
                name = "_".join((kind,) + wrt_inputs)
        if not isinstance(name, str) or not name.strip():
            raise self.error(f"{where}: 'name' must be text", near=("name",))
        return Ask(name=name, kind=kind,
                   points=float(a.get("points", 1.0)) if "total" not in a else 0.0,
                   total=float(a["total"]) if "total" in a else None,
                   title=str(a.get("title", "")), node=node, node_text=node_text, wrt=wrt,
                   seed=seed, output=output, at=at, inputs=inputs, complete=complete,
                   wrt_inputs=wrt_inputs, partial_credit=partial)

    def _array_asks(self, key: Key) -> None:
        """Vectors and matrices: values, gradients, adjoints and tangents are graded (as
        arrays, entry by entry); trace tables, formulas and Jacobians not yet."""
        for k, a in enumerate(key.asks, 1):
            what = {"formula": "derivative formulas", "jacobian": "Jacobians",
                    "hessian": "second derivatives",
                    "second_formula": "second derivative formulas"}.get(a.kind, "trace tables")
            if a.kind in TABLE_KINDS or a.kind in ("formula", "jacobian") + SECOND_ASKS:
                raise self.error(
                    f"ask #{k} ({a.kind}): {what} of problems with vectors and matrices "
                    "cannot be graded yet", near=("kind", a.kind),
                    hint='ask for arrays: kind = "gradient" (with wrt = ["W", "b"]), '
                         '"adjoint" (node = "a1"), "value" or "tangent"')

    def _second_wrt(self, kind: str, wrt: Any, g: Graph, where: str) -> tuple[str, ...]:
        """The entry a second-order ask is about: ``wrt = ["x1", "x2"]`` (∂²/∂x1∂x2) or
        ``wrt = "x1"`` (∂²/∂x1²); none for the whole Hessian (one input: its only entry)."""
        if wrt is None:
            if kind == "hessian":
                return ()
            if len(g.input_names) != 1:
                raise self.error(f"{where} ({kind}): say which second derivative "
                                 "(wrt = [\"x1\", \"x2\"] for ∂²/∂x1∂x2)", near=("kind",))
            return (g.input_names[0],) * 2
        names = [wrt] if isinstance(wrt, str) else wrt
        if (not isinstance(names, list) or not 1 <= len(names) <= 2
                or not all(isinstance(n, str) for n in names)):
            raise self.error(f"{where}: 'wrt' of a second derivative is two inputs "
                             "(or one, for ∂²/∂x²)", near=("wrt",), hint='wrt = ["x1", "x2"]')
        bad = [n for n in names if n not in g.input_names]
        if bad:
            raise self.error(f"{where}: wrt {bad[0]!r} is not an input", near=("wrt",),
                             hint=f"the inputs are: {', '.join(g.input_names)}")
        return (names[0], names[-1])

    def _node(self, key: Key, text: Any, where: str) -> int:
        from .match import find_node

        g = key.graph
        if not isinstance(text, str):
            raise self.error(f"{where}: 'node' must be text", near=("node",))
        labels = g.labels(key.notation)
        display = g.display_names(key.notation)
        for names in (display, labels):
            if text in names and g.nodes[names.index(text)].kind != "const":
                return names.index(text)
        if text in g.names:
            return g.names[text]
        try:
            found = find_node(text, g)
        except ParseError:
            found = None
        if found is None:
            ops = [labels[n.id] for n in g.nodes if n.kind == "op"]
            note = g.label_note(key.notation)
            raise self.error(f"{where}: no node {text!r} in the expression", near=("node", text),
                             hint=f"name a node by its label ({', '.join(ops[:3])}"
                                  f"{', ...' if len(ops) > 3 else ''}), its name in the "
                                  "program, or the subexpression it computes (x1*x2)"
                                  + (f"; {note}" if note else ""))
        return found

    def _check_point(self, key: Key, pt: Mapping[str, float], what: str) -> None:
        from ..api import trace

        try:
            trace(key.graph, {k: plain(v) for k, v in pt.items()}, mode="reverse")
        except ShapeError as err:
            raise self.error(f"the shapes of the point {what} do not fit the expression: "
                             f"{err.message}", near=(what.split(".")[0],),
                             hint=err.hint or "give every input a value of the shape the "
                                              "expression needs") from None
        except AutodiffVizError as err:
            raise self.error(f"the expression cannot be differentiated at the point {what}: "
                             f"{err.message}", near=(what.split(".")[0],),
                             hint="choose a point inside the domain") from None


def _bound_names(d: Mapping[str, Any]) -> list[str]:
    """Names the key gives values (its points and random ranges): e and pi among them are
    variables, not the constants."""
    names: list[str] = []
    at = d.get("at")
    if isinstance(at, Mapping):
        for k, v in at.items():
            names.extend(map(str, v) if isinstance(v, Mapping) else [str(k)])
    rnd = d.get("random")
    if isinstance(rnd, Mapping) and isinstance(rnd.get("ranges"), Mapping):
        names.extend(map(str, rnd["ranges"]))
    return names


def _did_you_mean(word: Any, choices: Any) -> str | None:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _locate(text: str, near: tuple[str, ...]) -> tuple[int | None, int | None]:
    """Line and column of the first line mentioning every string in ``near``."""
    needles = [str(n) for n in near if str(n)]
    for k, line in enumerate(text.split("\n"), 1):
        if all(n in line for n in needles):
            return k, line.index(needles[-1]) + 1
    return None, None


# -- loading -----------------------------------------------------------------------
def load_key(source: Any) -> Key:
    """A :class:`Key` from a Key, a dict, a path (``.toml``, ``.json``, ``.yaml``) or TOML/JSON text."""
    if isinstance(source, Key):
        return source
    data, text, path = read_source(source, ProblemKeyError, "key")
    return KeyReader(data, text, path).read()
