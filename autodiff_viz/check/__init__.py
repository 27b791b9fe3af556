"""Homework checking: grade gradients, derivative formulas and whole trace tables.

It reads the trace records of :func:`autodiff_viz.trace` and never recomputes
mathematics; student formulas are parsed with the project's parser.

>>> import autodiff_viz as av
>>> key = {"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...        "ask": [{"kind": "trace"}, {"kind": "reverse"}]}
>>> table = '''
... w1 = x1 = 2
... w2 = x2 = 3
... w3 = w1*w2 = 6
... w4 = sin(w1) = 0.9
... w5 = w3 + w4 = 6.9
... dz/dw5 = 1
... dz/dw4 = dz/dw5*dw5/dw4 = 1
... dz/dw3 = dz/dw5*dw5/dw3 = 1
... dz/dw2 = dz/dw3*dw3/dw2 = 2
... dz/dw1 = dz/dw3*dw3/dw1 = 3
... '''
>>> report = av.check(key, table)
>>> report.score, report.max_score
(6.0, 7.0)
>>> print(report.first_error.message.split(";")[0])
misses the term from child w4 = sin(w1): w1 is used by w3 and w4, so its adjoint sums one term per child
"""
from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from .assertions import assert_formula, assert_gradient, assert_trace
from .backward import BackwardReport, assert_backward, gradcheck
from .figures import Figure, Tolerance
from .grade import check as check_submission
from .key_reader import load_key
from .keys import Ask, Key
from .report import (CARRIED, CORRECT, ERROR, INVALID_STEP, MISSING, MISSING_TERM,
                     UNREADABLE, VERDICTS, WRONG_FORMULA, WRONG_PARTIAL, WRONG_VALUE, Item,
                     Report)
from .submission import Submission, load_submission

__all__ = [
    "Ask", "BackwardReport", "CARRIED", "CORRECT", "ERROR", "Figure", "INVALID_STEP", "Item",
    "Key", "MISSING",
    "MISSING_TERM", "Report", "Submission", "Tolerance", "UNREADABLE", "VERDICTS",
    "WRONG_FORMULA", "WRONG_PARTIAL", "WRONG_VALUE", "assert_formula", "assert_gradient",
    "assert_trace", "assert_backward", "check", "gradcheck", "load_key", "load_submission",
    "grade_folder",
]


class _CallableModule(types.ModuleType):
    """This package is callable: ``autodiff_viz.check(key, submission)`` grades.

    ``autodiff_viz.check`` is always this package (whether reached through the lazy
    attribute of ``autodiff_viz`` or an import), so its other names are always there
    too (``autodiff_viz.check.load_key``).
    """

    def __call__(self, key: Any, submission: Any, *, student: str | None = None) -> Report:
        """Grade ``submission`` against ``key`` (see :func:`.grade.check`)."""
        return check_submission(key, submission, student=student)


sys.modules[__name__].__class__ = _CallableModule
if TYPE_CHECKING:  # type checkers see the grading function the callable package runs
    from .grade import check as check
else:
    check = sys.modules[__name__]  # autodiff_viz.check.check is the same callable


def __getattr__(name: str) -> object:
    if name == "grade_folder":
        from .batch import grade_folder
        return grade_folder
    raise AttributeError(f"module 'autodiff_viz.check' has no attribute {name!r}")
