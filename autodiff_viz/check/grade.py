"""``check(key, submission) -> Report``: grade one submission against a problem key.

>>> r = check({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...            "ask": [{"kind": "gradient"}]},
...           {"gradient": {"x1": 2.58, "x2": 2}})
>>> r.score, r.max_score, [i.verdict for i in r.items]
(2.0, 2.0, ['correct', 'correct'])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import AutodiffVizError
from ..graph import Graph
from .figures import describe
from .formulas import check_formula, derivative_name
from .key_reader import load_key
from .hessians import grade_hessian, take_second_answers
from .keys import SECOND_ASKS, Ask, Key
from .matrices import MatrixError, Subject, as_figure, judge_matrix, read_matrix, shape_phrase
from .report import (CARRIED, CORRECT, INVALID_STEP, MISSING, UNREADABLE, WRONG_FORMULA,
                     WRONG_VALUE, Item, Report)
from .names import Entry
from .table_grader import Answer, TableGrader
from .submission import Submission, load_submission
from .read import read_table
from . import tensors


def check(key: Any, submission: Any, *, student: str | None = None) -> Report:
    """Grade ``submission`` against ``key``; returns a :class:`Report`.

    ``key``: a Key, a dict, a path or TOML/JSON text. ``submission``: a
    Submission, a dict, a path (text, TOML, JSON or YAML) or a trace table's text.
    Raises :class:`~autodiff_viz.errors.ProblemKeyError` for a bad key and
    :class:`~autodiff_viz.errors.SubmissionError` for a submission that cannot be read.
    """
    key = load_key(key)
    table_fields = tuple(a.name for a in key.asks if a.kind in ("trace", "forward", "reverse"))
    sub = load_submission(submission, student, table_fields)
    try:
        return Grading(key, sub).report()
    except AutodiffVizError:
        raise
    except Exception as err:  # noqa: BLE001 - a checker bug: a verdict, never a crash
        return Report(title=key.title, problem=key.describe(), student=sub.student,
                      submission=sub.path, error=f"internal error while grading "
                      f"({type(err).__name__}: {err}); please report it with the submission")


class Grading:
    """One submission graded against one key."""

    def __init__(self, key: Key, sub: Submission) -> None:
        self.key = key
        self.sub = sub
        tables = [a for a in key.asks if a.kind in ("trace", "forward", "reverse")]
        points = {a.at for a in tables}
        if len(points) > 1:
            from ..errors import ProblemKeyError
            raise ProblemKeyError("the trace tables of one key must be at one point "
                                  f"(asks {', '.join(a.name for a in tables)})", path=key.path,
                                  hint="give the table asks the same 'at', or make two keys")
        self.point = key.point(points.pop() if points else "", sub.student)
        self.ex = key.expected(self.point)
        self.items: list[Item] = []
        self.notes: list[str] = []

    def report(self) -> Report:
        key, sub = self.key, self.sub
        lines = []
        if key.arrays and sub.tables:  # trace tables of vectors and matrices: not yet
            self.notes.append(
                "trace tables of problems with vectors and matrices are not graded: answer "
                "each question in its own field of a TOML, JSON or YAML file (e.g. "
                "gradient = { W = [[2, -2], [2, -2]] })")
        tables = sub.tables
        second: dict[str, Answer] = {}
        if any(a.kind in SECOND_ASKS for a in key.asks) and not key.arrays:
            tables, second = take_second_answers(key, tables)  # ∂²z/∂x1∂x2 = 1, H = [[..]]
        for origin, text in ([] if key.arrays else tables):
            lines.extend(read_table(text, origin))
        self.table = TableGrader(key, self.point, lines) if lines else None
        answers = self.table.answers() if self.table else {}
        answers.update(second)
        if self.table:
            self._table_items()
            self.notes.extend(self.table.notes)
        else:
            for ask in key.asks:
                if ask.kind in ("trace", "forward", "reverse"):
                    self._whole_table_missing(ask)
        for ask in key.asks:
            if ask.kind in ("trace", "forward", "reverse"):
                continue
            given = sub.answers.get(ask.name)
            if given is not None:
                self._number_ask(ask, given, None)
            else:
                self._number_ask(ask, None, answers.get(ask.name))
        names = {a.name for a in key.asks}
        for f in sub.answers:
            if f not in names:
                self.notes.append(f"the field {f!r} is not a question of this problem "
                                  f"(questions: {', '.join(sorted(names))})")
        if key.arrays:
            self._seed_notes()
        if sub.format == "text" and self.table and not any(
                e.section not in ("heading", "text") for e in self.table.entries):
            self.notes.append("no steps found: write one step per line, e.g. w3 = w1*w2 = 6")
        return Report(title=key.title, problem=key.describe(self.point), student=sub.student,
                      submission=sub.path, items=self.items, notes=self.notes)

    # -- trace tables ---------------------------------------------------------------
    def _table_items(self) -> None:
        tg = self.table
        assert tg is not None
        key = self.key
        credit = key.carried_credit
        claimed: set[tuple[str, int]] = set()
        by_ask: dict[str, list[Entry]] = {}
        items: dict[int, tuple[Entry, Item, Ask | None]] = {}
        for e in tg.entries:
            if e.section in ("heading", "text", "answer", "formula"):
                continue
            if e.section == "unreadable" and not _looks_like_step(e):
                self.notes.append(f"line {e.line.lineno} was not read as a step: "
                                  f"{e.line.text.strip()!r}")
                continue
            ask = self._ask_for(e)
            items[id(e)] = (e, self._entry_item(e, ask), ask)
            by_ask.setdefault(ask.name if ask else "", []).append(e)
        # the points of a step go to the line that completes it: a sum over several lines
        # ends on its last line; a restatement (x̄1 = v̄-1) only counts when nothing else does
        for e, item, ask in sorted(items.values(), key=lambda t: (t[0].role != "", t[0].index)):
            weight = self._weights(ask).get(e.node) if ask is not None and e.node is not None \
                else None
            if weight is None or e.role == "partial":
                continue
            slot = (ask.name, e.node)  # type: ignore[union-attr]
            if slot not in claimed:
                claimed.add(slot)
                pts = self._points(ask) * weight  # type: ignore[arg-type]
                item.max_score = pts
                item.score = pts if e.verdict == CORRECT else (
                    pts * credit if e.verdict == CARRIED else 0.0)
            elif e.verdict != CORRECT:
                item.message = (item.message + " " if item.message else "") + \
                    "(this step was already given above: no points)"
        self.items.extend(item for _e, item, _a in items.values())
        for ask in key.asks:
            if ask.kind not in ("trace", "forward", "reverse"):
                continue
            if not by_ask.get(ask.name):
                self._whole_table_missing(ask)
                other = sorted({e.seed for e in tg.entries if e.section == "forward" and e.seed
                                and ask.kind == "forward" and e.seed != ask.seed})
                for seed in other:
                    self.notes.append(
                        "your forward trace is for the seed "
                        + ", ".join(f"{n}={v:g}" for n, v in seed if v) + "; the problem asks "
                        "for " + ", ".join(f"{n}={v:g}" for n, v in ask.seed or () if v))
                continue
            for node, weight in self._weights(ask).items():
                if (ask.name, node) not in claimed and ask.complete:
                    self.items.append(self._missing_item(ask, node, weight))

    def _whole_table_missing(self, ask: Ask) -> None:
        n = len(self._required(ask))
        what = {"trace": "primal trace", "forward": "forward trace",
                "reverse": "reverse trace"}[ask.kind]
        self.items.append(Item(name=ask.label(), section=ask.kind, ask=ask.name, verdict=MISSING,
                               score=0.0, max_score=self._points(ask) * n,
                               message=f"missing: the {what} ({n} step{'s' if n != 1 else ''})"))

    def _ask_for(self, e: Entry) -> Ask | None:
        for a in self.key.asks:
            if a.kind == "trace" and e.section == "primal":
                return a
            if a.kind == "forward" and e.section == "forward" and e.seed == a.seed:
                return a
            if (a.kind == "reverse" and e.section == "reverse" and e.k is not None
                    and self.ex.reverse_index(a.output) == e.k):
                return a
        return None

    def _required(self, ask: Ask) -> list[int]:
        return required_nodes(self.key, self.ex, ask)

    def _weights(self, ask: Ask) -> dict[int, int]:
        """The steps a table ask needs a line for, each with how many of the key's nodes it
        stands for: a student's multi-step line (a unit) carries the points of the inner
        nodes it computes, so the maximum score does not depend on how lines are grouped."""
        units = self.table.units if self.table is not None else None
        required = self._required(ask)
        wanted = set(required)
        out: dict[int, int] = {}
        for node in required:
            owner = units.owner.get(node) if units is not None else None
            if owner is not None and owner not in wanted:  # inside the output's own step:
                owner = next((q for q in reversed(units.parents(owner))  # the next line's
                              if q in wanted), None)  # type: ignore[union-attr]
            target = node if owner is None else owner
            out[target] = out.get(target, 0) + 1
        return out

    def _points(self, ask: Ask) -> float:
        if ask.total is not None:
            n = len(self._required(ask))
            return ask.total / n if n else 0.0
        return ask.points

    def _entry_item(self, e: Entry, ask: Ask | None) -> Item:
        node = self.ex.names[e.node] if e.node is not None else None
        msg = e.message
        if e.notes and e.verdict in (CORRECT, CARRIED, WRONG_VALUE, INVALID_STEP):
            msg = (msg + " " if msg else "") + "(" + "; ".join(e.notes) + ")"
        got: Any = e.got
        if got is None and e.pl is not None and e.pl.value is not None:
            got = float(e.pl.value)
        return Item(name=e.lhs, section=e.section, ask=ask.name if ask else "", verdict=e.verdict,
                    score=0.0, max_score=0.0, expected=e.expected, got=got, message=msg,
                    line=e.line.lineno, text=e.line.text.strip(), node=node,
                    origin=e.line.origin)

    def _missing_item(self, ask: Ask, node: int, weight: int = 1) -> Item:
        tg = self.table
        ex = self.ex
        name = tg.sname(node) if tg else ex.names[node]
        if ask.kind == "trace":
            expected = ex.value(node)
            step = tg.step_text(node) if tg else ex.formula(node)
            what = (f"{name} = " if name not in (step, f"({step})") else "") + \
                f"{step} = {describe(expected)}"
        elif ask.kind == "forward":
            fx = self.key.expected(self.point, ask.seed_dict)
            expected = fx.tangent(0, node)
            what = f"the tangent of {name} = {describe(expected)}"
        else:
            k = ex.reverse_index(ask.output)
            expected = ex.adjoint(k, node)  # type: ignore[arg-type]
            what = f"the adjoint of {name} = {describe(expected)}"
        return Item(name=name, section={"trace": "primal"}.get(ask.kind, ask.kind), ask=ask.name,
                    verdict=MISSING, score=0.0, max_score=self._points(ask) * weight,
                    expected=expected,
                    message=f"missing step: {what}", node=ex.names[node])

    # -- numbers and formulas ---------------------------------------------------------
    def _number_ask(self, ask: Ask, given: Any, from_table: Answer | None) -> None:
        if ask.kind in ("formula", "second_formula"):
            self._formula_ask(ask, given, from_table)
            return
        if ask.kind == "hessian":
            grade_hessian(self, ask, given, from_table)
            return
        point = self.key.point(ask.at, self.sub.student)
        ex = self.key.expected(point)
        if point != self.point:
            from_table = None  # the table is at another point
        g = self.key.graph
        lines = from_table.lines if from_table else {}
        value = from_table.value if from_table else given
        arrays = self.key.arrays
        if ask.kind in ("gradient", "jacobian"):
            outs = [ask.output or g.output_names[0]] if ask.kind == "gradient" else g.output_names
            asked = self.key.gradient_inputs(ask)
            names = [g.nodes[i].name or "" for i in asked]
            for o in outs:
                k = ex.reverse_index(o)
                row = value
                if ask.kind == "jacobian" and isinstance(value, dict):
                    row = value.get(o)
                if hasattr(row, "tolist") and not arrays:  # numpy: a list in input order
                    row = row.tolist()
                if isinstance(row, (list, tuple)) and len(row) == len(asked) and (
                        not arrays or len(asked) > 1):
                    row = dict(zip(names, row))
                if isinstance(row, dict):
                    extra = [str(n) for n in row if n not in names]
                    if extra:
                        self.notes.append(
                            f"{ask.name}: {', '.join(extra)} {'is' if len(extra) == 1 else 'are'}"
                            f" not asked for (asked: {', '.join(names)})")
                for i, var in zip(asked, names):
                    got = row.get(var) if isinstance(row, dict) else None
                    if ask.kind == "gradient" and len(asked) == 1 and not isinstance(row, dict):
                        got = row
                    label = f"∂{o}/∂{var}"
                    line = lines.get(var if ask.kind == "gradient" else f"{o}/{var}")
                    true = tensors.adjoint_of(ex, k, i) if arrays else \
                        ex.adjoint(k, i)  # type: ignore[arg-type]
                    subject = Subject(f"∇{var}", var, tensors.shape_of(ex, i)) if arrays \
                        else None
                    self._judge(ask, label, got, true, line, share=len(outs) * len(asked),
                                subject=subject,
                                mistakes=self._mistakes(ex, k, i) if arrays else None)
            return
        node = ask.node
        assert node is not None
        name = self._short_name(node)
        mistakes = None
        if ask.kind == "value":
            true = tensors.value_of(ex, node) if arrays else ex.value(node)
            label = f"value of {self._node_label(node)}"
            subject = Subject(f"the value of {name}")
        elif ask.kind == "adjoint":
            k = ex.reverse_index(ask.output)
            true = tensors.adjoint_of(ex, k, node) if arrays else \
                ex.adjoint(k, node)  # type: ignore[arg-type]
            label = f"adjoint of {self._node_label(node)}"
            subject = Subject(f"the adjoint of {name}", name, tensors.shape_of(ex, node),
                              "its adjoint")
            mistakes = self._mistakes(ex, k, node) if arrays else None  # type: ignore[arg-type]
        else:
            fx = self.key.expected(point, ask.seed_dict)
            true = tensors.tangent_of(fx, 0, node) if arrays else fx.tangent(0, node)
            seed = ", ".join(f"{n}={v:g}" for n, v in (ask.seed or ()) if v != 0)
            label = f"tangent of {self._node_label(node)} (seed {seed})"
            subject = Subject(f"the tangent of {name}", name, tensors.shape_of(ex, node),
                              "its tangent")
        self._judge(ask, label, value, true, lines.get(""), share=1,
                    subject=subject if arrays else None, mistakes=mistakes)

    @staticmethod
    def _mistakes(ex: Any, k: int, node: int) -> Any:
        """The recognised wrong answers for node ``node``'s adjoint, worked out when needed."""
        def found() -> list[tuple[Any, str]]:
            return [(m.value, m.message) for m in tensors.diagonal_mistakes(ex, k, node)]
        return found

    def _short_name(self, node: int) -> str:
        g = self.key.graph
        out = next((n for n, i in g.outputs if i == node), None)
        return out or g.nodes[node].name or self.ex.names[node]

    def _seed_notes(self) -> None:
        """An output that is not a number is seeded with ones: say so once."""
        seen = set()
        for ask in self.key.asks:
            if ask.kind not in ("gradient", "adjoint"):
                continue
            point = self.key.point(ask.at, self.sub.student)
            ex = self.key.expected(point)
            k = ex.reverse_index(ask.output)
            note = ex.trace.seed_note(k) if k is not None else None
            if note and note not in seen:
                seen.add(note)
                self.notes.append(note)

    def _node_label(self, node: int) -> str:
        g = self.key.graph
        if node in {i for _, i in g.outputs}:
            return next(n for n, i in g.outputs if i == node)
        if g.nodes[node].name:
            return g.nodes[node].name  # type: ignore[return-value]
        expr = g.expressions("text")[node]
        return f"{self.ex.names[node]} = {expr}" if expr else self.ex.names[node]

    def _judge(self, ask: Ask, label: str, got: Any, true: Any, line: int | None,
               share: int, subject: Subject | None = None, mistakes: Any = None) -> None:
        pts = (ask.total / share if ask.total is not None else ask.points)
        item = Item(name=label, section=ask.kind, ask=ask.name, verdict=MISSING, score=0.0,
                    max_score=pts, expected=true, line=line)
        if subject is not None:  # a problem with vectors and matrices: any answer may be one
            self._judge_array(ask, item, got, true, subject, mistakes)
            return
        if got is None:
            item.message = f"missing: {label} = {describe(true)}"
            self.items.append(item)
            return
        fig, problem = as_figure(got)
        if fig is None:
            item.verdict, item.got = UNREADABLE, got
            item.message = f"not a number: {problem}"
            self.items.append(item)
            return
        item.got = float(fig)
        j = self.key.tolerance.judge(fig, true)
        if j.ok:
            item.verdict, item.score = CORRECT, pts
            if j.how == "rounded":
                item.message = f"({describe(true)} rounded to {fig.decimals} decimals)"
        else:
            item.verdict = WRONG_VALUE
            item.message = self.key.tolerance.wrong_message(fig, true)
            carried = self._carried_line(line, fig)
            if carried is not None:  # read off a line that follows from an earlier error
                item.verdict, item.message = CARRIED, carried.message
                item.score = pts * self.key.carried_credit
        self.items.append(item)

    def _judge_array(self, ask: Ask, item: Item, got: Any, true: Any, subject: Subject,
                     mistakes: Any) -> None:
        """A number, vector or matrix judged entry by entry (see :mod:`.matrices`)."""
        t = np.asarray(true, dtype=float)
        item.expected = float(t) + 0.0 if t.ndim == 0 else (t + 0.0).tolist()  # no -0.0
        if got is None:
            item.message = (f"missing: {item.name} = {describe(float(t))}" if t.ndim == 0 else
                            f"missing: {item.name} ({shape_phrase(t.shape)})")
            self.items.append(item)
            return
        try:
            ans = read_matrix(got)
        except MatrixError as err:
            item.verdict, item.got = UNREADABLE, got if isinstance(got, (str, int, float)) \
                else repr(got)
            item.message = f"cannot read the answer: {err}"
            self.items.append(item)
            return
        item.got = ans.plain()
        v = judge_matrix(t, ans, self.key.tolerance, subject, mistakes)
        item.message = v.message
        if v.ok:
            item.verdict, item.score = CORRECT, item.max_score
        else:
            item.verdict = WRONG_VALUE
            if ask.partial_credit and v.share > 0:
                item.score = round(item.max_score * v.share, 6)
        self.items.append(item)

    def _carried_line(self, line: int | None, fig: Any) -> Entry | None:
        """The table's line ``line`` when it follows from an earlier error with this value."""
        if line is None or self.table is None:
            return None
        return next((e for e in self.table.entries if e.line.lineno == line
                     and e.verdict == CARRIED and e.pl is not None and e.pl.value is not None
                     and float(e.pl.value) == float(fig)), None)

    def _formula_ask(self, ask: Ask, given: Any, from_table: Answer | None) -> None:
        out = ask.output or self.key.graph.output_names[0]
        wrt: str | tuple[str, ...] = ask.wrt or ""
        if ask.kind == "second_formula":
            wrt = ask.wrt_inputs
            label = f"{derivative_name(out, ask.wrt_inputs)} formula"
        else:
            label = f"∂{out}/∂{ask.wrt} formula"
        text = from_table.value if from_table else given
        line = from_table.lines.get("") if from_table else None
        item = Item(name=label, section="formula", ask=ask.name, verdict=MISSING, score=0.0,
                    max_score=ask.total if ask.total is not None else ask.points, line=line)
        if text is None:
            item.message = f"missing: the formula of {label[:-8]}"
            self.items.append(item)
            return
        if not isinstance(text, str):
            item.verdict, item.got = UNREADABLE, text
            item.message = "a formula must be text, e.g. \"cos(x1) + x2\""
            self.items.append(item)
            return
        res = check_formula(self.key, text, wrt, ask.output)
        item.got = res.formula
        if res.ok:
            item.verdict, item.score = CORRECT, item.max_score
            item.message = f"({res.message})"
        else:
            item.verdict = WRONG_FORMULA if res.formula and "cannot read" not in res.message \
                and "uses" not in res.message else (UNREADABLE if "cannot read" in res.message
                                                    else INVALID_STEP)
            item.message = res.message
            item.expected = res.expected
            if res.counterexample:
                item.expected = {"at": res.counterexample, "derivative": res.expected,
                                 "formula_gives": res.got}
        self.items.append(item)


def required_nodes(key: Key, ex: Any, ask: Ask) -> list[int]:
    """The nodes a table ask needs a line for (in evaluation order)."""
    ck = ("required", ask.name)
    if ck in key._cache:
        return key._cache[ck]
    g: Graph = key.graph
    if ask.kind in ("trace", "forward"):
        out = [n.id for n in g.nodes if n.kind == "op" or (ask.inputs and n.kind == "input")]
    else:
        k = ex.reverse_index(ask.output)
        top = ex.output_node(k)
        out = [i for i in ex.reverse_order(k) if i != top or ask.inputs]
    key._cache[ck] = out
    return out


def max_score(key: Key) -> float:
    """The most a submission can score on ``key``."""
    key = load_key(key)
    point = key.point("", "__max_score__") if key.needs_student else key.point()
    ex = key.expected(point)
    g = key.graph
    total = 0.0
    for ask in key.asks:
        if ask.total is not None:
            total += ask.total
        elif ask.kind in ("trace", "forward", "reverse"):
            total += ask.points * len(required_nodes(key, ex, ask))
        elif ask.kind == "gradient":
            total += ask.points * len(key.gradient_inputs(ask))
        elif ask.kind == "jacobian":
            total += ask.points * len(g.inputs) * len(g.outputs)
        elif ask.kind == "hessian" and not ask.wrt_inputs:
            total += ask.points * len(g.inputs) ** 2
        else:
            total += ask.points
    return round(total, 6)


def _looks_like_step(e: Entry) -> bool:
    lhs = e.line.lhs.text.strip() if e.line.lhs else ""
    return bool(lhs) and " " not in lhs and len(lhs) <= 40
