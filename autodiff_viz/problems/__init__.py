"""Per-student problems: generate, hand out and grade individual exercises (issue 15).

``generate(template, students, seed)`` gives each student their own well-posed
problem (:mod:`.generate`); :func:`write` lays out the handouts, keys and
solution sheets, and :mod:`.gradescope` packs an autograder. The template's fields:
``python -m pydoc autodiff_viz.problems.template``.

>>> import autodiff_viz as av
>>> template = {"generate": {"inputs": 2, "depth": 3}, "ask": [{"kind": "reverse"}]}
>>> problems = av.problems.generate(template, ["1001"], seed=1)
>>> problems[0].student.id, len(problems[0].key().asks) > 0
('1001', True)
"""
from __future__ import annotations

from .generate import Problem, generate, problem_for, student_rng
from .roster import Student, load_roster, read_roster
from .template import Template, TemplateError, load_template

__all__ = ["Problem", "Student", "Template", "TemplateError", "generate", "load_roster",
           "load_template", "problem_for", "read_roster", "student_rng"]
