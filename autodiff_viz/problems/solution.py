"""The instructor's solution sheet: the handout's tables filled in, the graph's structure,
and a picture of the graph with its values (an SVG next to the sheet, when Graphviz's
``dot`` is there).

The sheet is itself a valid submission: graded against the student's key it scores
full marks (the tests check this for every generated problem they write).

>>> from autodiff_viz.problems import generate
>>> p = generate({"expression": "sin(x1) + x1*x2", "point": {"range": [1, 3]},
...               "ask": [{"kind": "reverse"}]}, ["1001"], seed=1)[0]
>>> from autodiff_viz.problems.document import markdown
>>> import autodiff_viz as av
>>> report = av.check(p.key(), markdown(solution(p)))
>>> report.score == report.max_score
True
"""
from __future__ import annotations

from ..views.structure import structure_lines
from .document import Block, Code, Heading, Picture
from .generate import Problem
from .handout import sheet, traces


def solution(problem: Problem, picture: str | None = None) -> list[Block]:
    """The solution's blocks; ``picture``: the graph image's path relative to the sheet."""
    doc = sheet(problem, filled=True)
    key = problem.key()
    doc += [Heading(2, "Graph (who feeds whom)"),
            Code(tuple(structure_lines(key.graph, key.notation, "text")))]
    if picture:
        doc.append(Picture(picture, "the computational graph with its values and adjoints"))
    return doc


def graph_svg(problem: Problem) -> bytes | None:
    """The graph with every value and adjoint as SVG (None without Graphviz's ``dot``)."""
    from ..views.dot_render import dot_program, dot_to_bytes
    from ..views.graphviz import trace_to_dot

    if dot_program() is None:
        return None
    _, t, _ = traces(problem)
    return dot_to_bytes(trace_to_dot(t, digits=problem.template.digits), "svg")
