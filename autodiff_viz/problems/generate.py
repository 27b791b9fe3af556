"""One well-posed problem per student, from a template, a roster and a seed.

Each student's draws come from their own random stream, seeded with a SHA-256
of (the seed, the student's id), so a student's problem depends only on the
seed, their id and the template, never on the other students: adding a student
at the end of the roster changes nobody else's problem. The one exception is
uniqueness: when a draw repeats the problem of a student earlier in the roster
(same expression and point), the later student draws again; so inserting a
student *before* others can change a later student's problem, and only when
the newcomer's problem is the one that student drew.

>>> from autodiff_viz.problems import generate
>>> template = {"expression": "sin(x1) + x1*x2", "point": {"range": [0.5, 3]},
...             "ask": [{"kind": "reverse"}]}
>>> problems = generate(template, ["1001", "1002"], seed=7)
>>> [(p.student.id, p.describe()) for p in problems]
[('1001', 'z = sin(x1) + x1*x2 at x1=2.4, x2=2.6'), ('1002', 'z = sin(x1) + x1*x2 at x1=2, x2=2.3')]
>>> [p.describe() for p in generate(template, ["1002"], seed=7)]  # 1002's alone: the same
['z = sin(x1) + x1*x2 at x1=2, x2=2.3']
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from ..graph import Graph
from ..parse_fast import parse
from ..printing import format_number
from .expressions import random_expression, shape_of
from .formula import derivative_formula, size
from .roster import Student, load_roster
from .template import Template, TemplateError, load_template
from .wellposed import reason

MAX_DRAWS = 5000
"""Draws for one student before the template is declared too narrow."""
MAX_FORMULA = 150
"""Names, numbers and operators of a derivative formula a solution may show."""


def student_rng(seed: int, student_id: str) -> np.random.Generator:
    """The student's own random stream: a function of (seed, id) only."""
    digest = hashlib.sha256(f"autodiff-viz problems\x00{seed}\x00{student_id}".encode()).digest()
    words = [int.from_bytes(digest[i:i + 8], "little") for i in range(0, 32, 8)]
    return np.random.default_rng(np.random.SeedSequence(words))


@dataclass(frozen=True)
class Problem:
    """One student's problem: the expression, the point, and the template's asks."""

    student: Student
    expression: str
    point: tuple[tuple[str, float], ...]
    template: Template = field(repr=False)
    draws: int = 1

    @property
    def at(self) -> dict[str, float]:
        return dict(self.point)

    @property
    def signature(self) -> tuple[str, tuple[tuple[str, float], ...]]:
        """What makes two problems the same: the expression and the point."""
        return self.expression, self.point

    def describe(self) -> str:
        """``z = sin(x1) + x1*x2 at x1=2, x2=3``."""
        pt = ", ".join(f"{n}={format_number(v)}" for n, v in self.point)
        return f"z = {self.expression} at {pt}"

    def key_data(self) -> dict[str, Any]:
        """The student's problem key (:mod:`autodiff_viz.check.keys`), as fields."""
        return {**self.template.key_fields, "expression": self.expression, "at": self.at}

    def key(self) -> Any:
        """The loaded :class:`~autodiff_viz.check.keys.Key`."""
        from ..check.key_reader import load_key

        return load_key(self.key_data())


def _seeds(template: Template) -> list[dict[str, float]]:
    """The forward traces the template asks for (their seeds), for the checks."""
    seeds = []
    for a in template.asks:
        if a.get("kind") in ("forward", "tangent", "tangents"):
            if "seed" in a:
                seeds.append({n: float(a["seed"].get(n, 0.0)) for n in template.inputs})
            else:
                wrt = a.get("wrt", template.inputs[0])
                seeds.append({n: float(n == wrt) for n in template.inputs})
    return seeds


def _formula_inputs(template: Template) -> list[str]:
    return [str(a.get("wrt", template.inputs[0])) for a in template.asks
            if a.get("kind") in ("formula", "derivative")]


def draw_point(template: Template, rng: np.random.Generator) -> tuple[tuple[str, float], ...]:
    """Each input uniform in its range, rounded to the template's decimals."""
    out = []
    for name, lo, hi in template.ranges:
        v = round(float(rng.uniform(lo, hi)), template.decimals)
        out.append((name, min(max(v, lo), hi) + 0.0))
    return tuple(out)


def draw_expression(template: Template, rng: np.random.Generator) -> tuple[str, Graph] | None:
    """A random expression of the template's shape (None: this draw missed it)."""
    depth = int(rng.integers(template.depth[0], template.depth[1] + 1))
    text = random_expression(rng, template.inputs, depth, template.ops, template.constants)
    g = parse(text)
    d, fanouts, used = shape_of(g)
    if (not template.depth[0] <= d <= template.depth[1]
            or not template.fanouts[0] <= fanouts <= template.fanouts[1]
            or len(used) != len(template.inputs)):
        return None
    canonical = g.expressions("text", limit=10**9)[g.outputs[0][1]] or text
    if g.input_names != sorted(g.input_names, key=template.inputs.index):
        # number the inputs in the order they are first written: x1 before x2
        names = dict(zip(g.input_names, sorted(g.input_names, key=template.inputs.index)))
        canonical = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: names.get(m.group(), m.group()),
                           canonical)
        g = parse(canonical)
    return canonical, g


def problem_for(template: Template, student: Student, seed: int,
                taken: set[Any] | frozenset[Any] = frozenset(),
                why: Counter[str] | None = None) -> Problem:
    """The student's problem: the first well-posed draw of their stream not in ``taken``."""
    rng = student_rng(seed, student.id)
    fixed = parse(template.expression) if template.expression is not None else None
    seeds = _seeds(template)
    formulas = _formula_inputs(template)
    why = Counter() if why is None else why
    for draw in range(1, MAX_DRAWS + 1):
        if fixed is not None:
            expression, g = template.expression, fixed
        else:
            got = draw_expression(template, rng)
            if got is None:
                why["shape"] += 1
                continue
            expression, g = got
        point = draw_point(template, rng)
        if (expression, point) in taken:
            why["the same problem as another student's"] += 1
            continue
        problem = reason(g, dict(point), rng, template.ranges, digits=template.digits,
                         seeds=seeds)
        if problem is None and any(size(derivative_formula(g, x)) > MAX_FORMULA
                                   for x in formulas):
            problem = "the derivative formula is too long"
        if problem is not None:
            why[problem.split(":")[0]] += 1
            continue
        assert expression is not None
        return Problem(student, expression, point, template, draw)
    common = "; ".join(f"{w} ({n}×)" for w, n in why.most_common(3))
    raise TemplateError(f"no well-posed problem for student {student.id} in {MAX_DRAWS} draws "
                        f"(most common reasons: {common})", path=template.path,
                        hint="widen the family: more operations, a wider [point] range, "
                             "more decimals, or a depth and fan-outs that fit together")


def generate(template: Any, students: Iterable[Any] | str, seed: int) -> list[Problem]:
    """One well-posed problem per student, in roster order; no two the same.

    ``template``: a path, TOML text, a dict or a :class:`Template`; ``students``: a
    roster CSV path, or ids, :class:`Student` s or dicts.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TemplateError(f"the seed must be a whole number, not {seed!r}")
    t = load_template(template)
    roster = load_roster(students)
    taken: set[Any] = set()
    out = []
    for s in roster:
        p = problem_for(t, s, int(seed), taken)
        taken.add(p.signature)
        out.append(p)
    return out
