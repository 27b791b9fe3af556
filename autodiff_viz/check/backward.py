"""Code assignments: check a student's backward pass written in numpy.

The student's function gets the source's inputs as keyword arguments (numpy arrays) and
returns the gradients of the scalar output — a dict by input name (``{"W": dW}`` or
``{"dW": dW}``), or a tuple in the order of ``wrt``. They are compared with

(a) the traced reverse pass, entry by entry;
(b) forward mode: along a few random unit directions v, ⟨gradient, v⟩ against the
    forward-mode tangent (as JAX's ``check_grads`` does);
(c) central finite differences of the traced primal along the same directions, and at
    the first wrong entry.

A wrong gradient is named with its first wrong entry and both values; a wrong shape
with both shapes (and what it is: the transpose, or a sum over the batch left out); a
missing gradient, NaN or inf, and an exception inside the student's function (reported
with its last line, never raised as is) are caught too.

>>> import numpy as np
>>> x, w = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([0.5, -2.0])
>>> def backward(x, w):                    # L = sum((x@w)^2): dL/dw = 2 xᵀ(x w)
...     return {"w": 2 * x.T @ (x @ w)}
>>> report = gradcheck(backward, "L = sum((x@w)^2)", {"x": x, "w": w}, wrt="w")
>>> report.passed
True
>>> def wrong(x, w):
...     return {"w": 2 * x @ (x @ w)}         # x for xᵀ
>>> print(gradcheck(wrong, "L = sum((x@w)^2)", {"x": x, "w": w}, wrt="w").message)
dw[0]: your backward gives 7, the reverse pass gives 14 (finite differences: 14); 2 of 2 entries wrong
"""
from __future__ import annotations

import inspect
import math
import os
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..api import to_graph, trace
from ..errors import AutodiffVizError, InputError
from ..printing import format_number

CORRECT = "correct"
WRONG_VALUE = "wrong value"
WRONG_SHAPE = "wrong shape"
NOT_FINITE = "not finite"
MISSING = "missing"
UNREADABLE = "unreadable"
ERROR = "error"

_SYMBOL = {CORRECT: "✓", MISSING: "?"}


def _num(v: Any) -> str:
    return format_number(v, 6)


def _at(index: tuple[int, ...]) -> str:
    return f"[{', '.join(map(str, index))}]" if index else ""


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "number"


@dataclass
class BackwardItem:
    """One checked gradient (``section="gradient"``) or forward value (``"forward"``)."""

    name: str  # the input (gradient) or program name (forward value)
    label: str  # "dW" for the gradient of W; the name itself for a forward value
    section: str
    verdict: str
    shape: tuple[int, ...] | None = None  # the right shape
    got_shape: tuple[int, ...] | None = None  # the student's
    index: tuple[int, ...] | None = None  # first wrong entry
    got: float | None = None
    expected: float | None = None
    finite_differences: float | None = None  # at the first wrong entry
    wrong: int = 0  # entries wrong
    size: int = 0
    max_error: float | None = None  # largest |yours − reference| when the shapes agree
    hint: str = ""  # what the mistake looks like (transpose, sign, a sum left out, ...)
    detail: str = ""  # missing, unreadable and error verdicts: what happened
    kink: str = ""  # the first wrong entry is at a kink of the source: which, and the convention

    @property
    def passed(self) -> bool:
        return self.verdict == CORRECT

    def message(self, reveal: bool = True) -> str:
        """One line: what is wrong, with both values (``reveal=False``: without the
        reference values)."""
        who = "your backward" if self.section == "gradient" else "your forward"
        ref = "the reverse pass" if self.section == "gradient" else "the source"
        if self.verdict == CORRECT:
            return ""
        if self.verdict in (MISSING, UNREADABLE, ERROR):
            return f"{self.label}: {self.detail}"
        if self.verdict == WRONG_SHAPE:
            text = (f"{self.label}: {who} gives shape {self.got_shape}, but {self.name} "
                    f"has shape {self.shape}")
            if self.section == "gradient":
                text += " (a gradient has the shape of its parameter)"
            return text + (f"; {self.hint}" if self.hint and reveal else "")
        where = f"{self.label}{_at(self.index or ())}"
        text = f"{where}: {who} gives {_num(self.got)}"
        if reveal:
            text += f", {ref} gives {_num(self.expected)}"
            if self.finite_differences is not None:
                text += f" (finite differences: {_num(self.finite_differences)})"
        elif self.verdict == WRONG_VALUE:
            text += ", which is wrong"
        if self.size > 1:
            text += f"; {self.wrong} of {self.size} entries " + (
                "wrong" if self.verdict == WRONG_VALUE else "nan or inf")
        text += f"; {self.hint}" if self.hint and reveal else ""
        return text + (f"; {self.kink}" if self.kink else "")

    def summary(self, reveal: bool = True) -> str:
        """A table cell: what the check found."""
        if self.verdict == CORRECT:
            err = "" if not self.max_error else f" (largest difference {_num(self.max_error)})"
            return ("matches the reverse pass" if self.section == "gradient"
                    else "matches the source") + err
        if self.verdict == WRONG_VALUE:
            text = f"{self.wrong} of {self.size} entries wrong, first {self.label}" \
                   f"{_at(self.index or ())}" if self.size > 1 else "wrong value"
            return text + (f": {self.hint}" if self.hint and reveal else "")
        if self.verdict == NOT_FINITE:
            return f"nan or inf at {self.label}{_at(self.index or ())}"
        if self.verdict == WRONG_SHAPE:
            return f"wrong shape {self.got_shape}, should be {self.shape}"
        return self.detail

    def to_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            return v if v is None or math.isfinite(v) else str(v)
        return {"name": self.name, "label": self.label, "section": self.section,
                "verdict": self.verdict, "passed": self.passed,
                "shape": list(self.shape) if self.shape is not None else None,
                "got_shape": list(self.got_shape) if self.got_shape is not None else None,
                "index": list(self.index) if self.index is not None else None,
                "got": plain(self.got), "expected": plain(self.expected),
                "finite_differences": plain(self.finite_differences),
                "wrong": self.wrong, "size": self.size, "max_error": self.max_error,
                "hint": self.hint, "kink": self.kink, "message": self.message()}


@dataclass
class DirectionCheck:
    """⟨gradient, v⟩ along one random unit direction v, three ways."""

    number: int
    yours: float | None  # ⟨the student's gradient, v⟩ (None: no usable gradient)
    forward: float  # the forward-mode tangent of the output along v
    finite_differences: float | None  # (f(θ + εv) − f(θ − εv)) / 2ε of the traced primal
    passed: bool  # yours agrees with forward mode
    differences_agree: bool  # finite differences agree with forward mode


@dataclass
class BackwardReport:
    """What :func:`gradcheck` found: one item per gradient (and per forward value)."""

    problem: str
    items: list[BackwardItem] = field(default_factory=list)
    directions: list[DirectionCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the student's backward raised or returned nothing usable
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return (self.error is None and all(i.passed for i in self.items)
                and all(d.passed for d in self.directions))

    all_correct = passed

    @property
    def first_error(self) -> BackwardItem | None:
        """The first wrong gradient (or forward value)."""
        return next((i for i in self.items if not i.passed), None)

    @property
    def message(self) -> str:
        """The first thing wrong, in one line ("" when everything is right)."""
        return self._first(reveal=True)

    def _first(self, reveal: bool) -> str:
        if self.error is not None:
            return self.error.split("\n")[0]
        first = self.first_error
        if first is not None:
            return first.message(reveal)
        bad = next((d for d in self.directions if not d.passed), None)
        if bad is not None:
            return (f"along direction v{bad.number}, ⟨your gradient, v⟩ = {_num(bad.yours)}"
                    + (f", forward mode gives {_num(bad.forward)}" if reveal else
                       ", which is wrong"))
        return ""

    def to_text(self, reveal: bool = True) -> str:
        """The first thing wrong, then a table: each gradient, each direction, notes."""
        out = []
        if not self.passed:
            out.append(self._first(reveal))
        wrong = sum(1 for i in self.items if not i.passed)
        if self.error is not None:
            out.append(f"backward of {self.problem}: could not be checked")
            out += ["  " + ln for ln in self.error.split("\n")[1:]]
        else:
            verdict = (f"{wrong} of {len(self.items)} wrong" if wrong else
                       "right" if self.passed else "wrong along a direction")
            out.append(f"backward of {self.problem}: {verdict}")
            width = max((len(i.label) for i in self.items), default=0)
            swidth = max((len(_dims(i.shape or ())) for i in self.items), default=0)
            for i in self.items:
                sym = _SYMBOL.get(i.verdict, "✗")
                shape = _dims(i.shape) if i.shape is not None else ""
                row = f"  {sym}  {i.label:<{width}}  {shape:<{swidth}}  {i.summary(reveal)}"
                out.append(row.rstrip())
            if self.directions:
                out.append("  along random unit directions v: ⟨your gradient, v⟩, forward mode,"
                           " finite differences")
                for d in self.directions:
                    sym = "✓" if d.passed else "✗" if d.yours is not None else "·"
                    yours = _num(d.yours) if d.yours is not None else "—"
                    fd = _num(d.finite_differences) if d.finite_differences is not None else "—"
                    if not d.differences_agree:
                        fd += " (!)"
                    fwd = _num(d.forward) if reveal else "·"
                    out.append(f"  {sym}  v{d.number:<{max(1, width - 1)}}  {yours:>12}  "
                               f"{fwd:>12}  {fd if reveal else '·':>12}".rstrip())
        out += [f"note: {n}" for n in self.notes]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"BackwardReport(passed={self.passed}, message={self.message!r})"

    def to_markdown(self, reveal: bool = True) -> str:
        """Markdown for notebooks and Gradescope."""
        out = [f"**backward of** `{self.problem}`: "
               + ("**right**" if self.passed else "**wrong**")]
        if not self.passed:
            out.append(f"> {self._first(reveal)}")
        if self.error is not None:
            rest = self.error.split("\n")[1:]
            if rest:
                out.append("```\n" + "\n".join(ln.strip() for ln in rest) + "\n```")
        else:
            rows = ["| | gradient | shape | check |", "|---|---|---|---|"]
            for i in self.items:
                shape = _dims(i.shape) if i.shape is not None else ""
                rows.append(f"| {_SYMBOL.get(i.verdict, '✗')} | `{i.label}` | {shape} | "
                             f"{i.summary(reveal).replace('|', '/')} |")
            out.append("\n".join(rows))
            if self.directions:
                rows = ["| | direction | ⟨your gradient, v⟩ | forward mode | finite differences |",
                        "|---|---|---|---|---|"]
                for d in self.directions:
                    yours = _num(d.yours) if d.yours is not None else "—"
                    fd = _num(d.finite_differences) if d.finite_differences is not None else "—"
                    sym = "✓" if d.passed else "✗" if d.yours is not None else "·"
                    rows.append(f"| {sym} | v{d.number} | {yours} | "
                                + (f"{_num(d.forward)} | {fd} |" if reveal else "· | · |"))
                out.append("\n".join(rows))
        out += [f"*Note:* {n}" for n in self.notes]
        return "\n\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"schema": "autodiff_viz.check.backward", "version": 1,
                "problem": self.problem, "passed": self.passed, "message": self.message,
                "error": self.error, "items": [i.to_dict() for i in self.items],
                "directions": [vars(d).copy() for d in self.directions],
                "notes": list(self.notes)}


# -- checking ---------------------------------------------------------------------------
def gradcheck(fn: Callable[..., Any], source: Any, at: Mapping[str, Any], *,
              output: str | None = None, wrt: str | Sequence[str] | None = None,
              forward_fn: Callable[..., Any] | None = None, rtol: float = 1e-5,
              atol: float = 1e-8, eps: float = 1e-6, directions: int = 3,
              seed: int = 0) -> BackwardReport:
    """Check ``fn``, a student's backward, and return a :class:`BackwardReport`.

    ``fn(**inputs)`` returns the gradients of the scalar ``output`` (a dict by input
    name, ``W`` or ``dW``; a tuple in the order of ``wrt``; one array when ``wrt`` names
    one input). ``wrt``: the inputs whose gradients are asked (default: every input of
    the source). ``fn`` and ``forward_fn`` receive the inputs their signature names (all
    of them if it takes ``**kwargs``), as fresh copies. An entry is right when
    ``|yours − reverse pass| ≤ atol + rtol·|reverse pass|``. ``directions`` random unit
    directions (from ``seed``) compare ⟨gradient, v⟩ with forward mode and with central
    finite differences of step ``eps``. ``forward_fn(**inputs)`` returns the output's
    value, an ``(out, cache)`` pair, or a dict of program names and values.

    A source or point that cannot be used (an unknown name in ``wrt``, an output that
    is not a number) raises :class:`~autodiff_viz.errors.InputError`; everything about
    the student's functions goes into the report.
    """
    graph = to_graph(source)
    inputs = graph.input_names
    names = [wrt] if isinstance(wrt, str) else list(wrt if wrt is not None else inputs)
    bad = [n for n in names if n not in inputs]
    if not names:
        raise InputError("wrt names no input", hint=f"the inputs are: {', '.join(inputs)}")
    if bad:
        raise InputError(f"wrt names {', '.join(bad)}, not an input of the source",
                         hint=f"the inputs are: {', '.join(inputs)}")
    missing = [n for n in inputs if n not in at]
    if missing:
        raise InputError(f"no value for {', '.join(missing)} in at",
                         hint="give every input of the source a value")
    point = {k: (np.array(v, dtype=float) if k in names else np.array(v))
             if np.ndim(v) else (float(v) if k in names else v) for k, v in at.items()}
    graph.output_id(output)  # an unknown name, or several outputs and none chosen: says so
    out_name = output if output is not None else graph.output_names[0]
    t = trace(graph, point, mode="reverse", output=out_name, params=names)
    value = t.values[out_name]
    if np.ndim(value):
        raise InputError(f"the output {out_name} has shape {np.shape(value)}, not a number: "
                         "a backward is checked on the gradient of a scalar",
                         hint="end the source with a scalar, e.g. L = sum(h*G) with G the "
                              "upstream gradient (dout), or a loss such as mse(h, y)")
    grads = t.gradient
    reference = {n: np.asarray(grads[n], dtype=float) if n in grads else
                 np.zeros(np.shape(point[n])) for n in names}
    report = BackwardReport(_describe(source, graph, point))
    kinks = _kinks(t)

    def primal(values: Mapping[str, Any]) -> float | None:
        try:
            with np.errstate(all="ignore"):
                return float(trace(graph, values, mode="primal").values[out_name])
        except AutodiffVizError:
            return None

    def entry_fd(name: str, index: tuple[int, ...]) -> float | None:
        e = np.zeros(np.shape(point[name]))
        e[index] = eps
        hi = primal({**point, name: point[name] + (e if e.ndim else float(e))})
        lo = primal({**point, name: point[name] - (e if e.ndim else float(e))})
        return None if hi is None or lo is None else (hi - lo) / (2 * eps)

    # the student's forward, if given
    if forward_fn is not None:
        report.items += _check_forward(forward_fn, graph, t, point, out_name, rtol, atol,
                                       report)

    # the student's backward
    result, error, exc, said = _call(fn, point, "backward")
    report.notes += said
    if error is not None:
        report.error, report.exception = error, exc
        return report
    got, problem, notes = _gradients(result, names, inputs)
    returned = [str(k) for k in result] if isinstance(result, Mapping) else list(got)
    report.notes += notes
    if problem is not None:
        report.error = problem
        return report
    usable: dict[str, np.ndarray] = {}
    for n in names:
        item, arr = _check_gradient(n, got.get(n, _ABSENT), reference[n], rtol, atol,
                                    entry_fd, kinks, returned)
        report.items.append(item)
        if arr is not None:
            usable[n] = arr

    # directions: forward mode and finite differences
    rng = np.random.default_rng(seed)
    size = sum(r.size for r in reference.values())
    ref_norm = math.sqrt(sum(float(np.sum(r * r)) for r in reference.values()))
    f0 = float(value)
    for k in range(directions):
        v = {n: rng.standard_normal(np.shape(point[n])) for n in names}
        norm = math.sqrt(sum(float(np.sum(a * a)) for a in v.values())) or 1.0
        v = {n: (a / norm if np.ndim(a) else float(a) / norm) for n, a in v.items()}
        fwd = float(trace(graph, point, mode="forward", seed=v).directional(0)[out_name])
        hi = primal({**point, **{n: point[n] + eps * v[n] for n in names}})
        lo = primal({**point, **{n: point[n] - eps * v[n] for n in names}})
        fd = None if hi is None or lo is None else (hi - lo) / (2 * eps)
        yours = (float(sum(np.sum(usable[n] * v[n]) for n in names))
                 if len(usable) == len(names) else None)
        tol = atol * math.sqrt(size) + rtol * ref_norm + 1e-12 * (ref_norm + abs(fwd))
        ok = yours is not None and math.isfinite(yours) and abs(yours - fwd) <= tol
        agree = fd is not None and abs(fd - fwd) <= 1e-5 * (1 + abs(fwd) + abs(f0))
        report.directions.append(DirectionCheck(k + 1, yours, fwd, fd, ok, agree))
    if any(not d.differences_agree for d in report.directions):
        report.notes.append(
            "finite differences disagree with forward mode along a direction marked (!): "
            "the source is not differentiable at or near this point"
            + (f" ({kinks})" if kinks else "") + ", or eps is too large or too small; "
            "the checks use the passes")
    elif kinks:
        report.notes.append(f"the source is not differentiable at this point: {kinks}")
    return report


def assert_backward(student_fn: Callable[..., Any], source: Any, at: Mapping[str, Any], *,
                    output: str | None = None, wrt: str | Sequence[str] | None = None,
                    forward_fn: Callable[..., Any] | None = None, rtol: float = 1e-5,
                    atol: float = 1e-8, eps: float = 1e-6, directions: int = 3,
                    seed: int = 0, reveal: bool = True) -> None:
    """Raise ``AssertionError`` unless ``student_fn`` returns the right gradients.

    The same checks and options as :func:`gradcheck`; the message names the first wrong
    gradient and entry with both values, followed by a small table. An exception inside
    the student's function becomes an ``AssertionError`` (chained to it). Prints nothing.
    ``reveal=False`` says what is wrong without the reference values.
    """
    report = gradcheck(student_fn, source, at, output=output, wrt=wrt, forward_fn=forward_fn,
                       rtol=rtol, atol=atol, eps=eps, directions=directions, seed=seed)
    if not report.passed:
        raise AssertionError(report.to_text(reveal=reveal)) from report.exception


# -- helpers ----------------------------------------------------------------------------
_ABSENT = object()


def _describe(source: Any, graph: Any, point: Mapping[str, Any]) -> str:
    """``out = x@w + b; L = sum(out*G) at x: 4×3, w: 3×2, b: 2, G: 4×2``."""
    text = source if isinstance(source, str) else graph.to_program()
    lines = [ln.strip() for part in text.split("\n") for ln in part.split(";")]
    lines = [ln for ln in lines if ln and not (":" in ln and "=" not in ln)]  # W: 2x3
    src = "; ".join(lines)
    if "=" not in src:
        src = f"{graph.output_names[0]} = {src}"
    at = ", ".join(f"{k}: {_dims(np.shape(v))}" if np.ndim(v) else f"{k}={_num(v)}"
                   for k, v in point.items() if k in graph.input_names)
    return f"{src} at {at}"


def _kinks(t: Any) -> str:
    """The steps at a non-differentiable point and the convention the passes use there."""
    parts = []
    for s in t.steps:
        if "nondifferentiable" in s.flags:
            op = t.graph.nodes[s.node].op
            conv = f", where the passes use {op.convention}" if op and op.convention else ""
            parts.append(f"{s.name} = {s.formula} is at a kink{conv}")
    return "; ".join(parts)


def _arguments(fn: Callable[..., Any], values: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The inputs ``fn``'s signature asks for (all of them for ``**kwargs``)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return dict(values), None
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return dict(values), None
    named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    need = [p.name for p in params if p.default is p.empty and p.kind is not p.VAR_POSITIONAL
            and p.name not in values]
    if need:
        return {}, (f"needs {', '.join(need)}, which "
                    f"{'is not an input' if len(need) == 1 else 'are not inputs'} of the source "
                    f"(its inputs: {', '.join(values)}); take the inputs by name, or wrap it: "
                    f"lambda {', '.join(values)}: ...")
    return {p.name: values[p.name] for p in named if p.name in values}, None


def _fresh(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v)
            for k, v in values.items()}


def _call(fn: Callable[..., Any], point: Mapping[str, Any], role: str
          ) -> tuple[Any, str | None, BaseException | None, list[str]]:
    """Call the student's function on copies of the inputs: (result, error, exception, notes)."""
    kwargs, problem = _arguments(fn, point)
    if problem is not None:
        return None, f"your {role} {problem}", None, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(**_fresh(kwargs))
        except Exception as err:  # the student's error, reported, never raised as is
            return None, _raised(err, role), err, []
    said = list(dict.fromkeys(f"your {role} warned: {w.category.__name__}: {w.message}"
                              for w in caught))[:3]
    return result, None, None, said


def _raised(err: BaseException, role: str) -> str:
    """``your backward raised ValueError: ...`` and the student's line that raised it."""
    last = traceback.format_exception_only(type(err), err)[-1].strip()
    text = f"your {role} raised {last}"
    skip = (os.path.dirname(np.__file__), os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not os.path.abspath(f.filename).startswith(skip)]
    if frames:
        f = frames[-1]
        code = f": {f.line.strip()}" if f.line else ""
        text += f"\nin {f.name} ({os.path.basename(f.filename)}, line {f.lineno}){code}"
    return text


def _gradients(result: Any, wrt: list[str], inputs: list[str]
               ) -> tuple[dict[str, Any], str | None, list[str]]:
    """The student's gradients by input name, or why the result cannot be read."""
    order = ", ".join("d" + n for n in wrt)
    if result is None:
        return {}, ("your backward returned None: return the gradients "
                    f"({'a dict by name, or ' if len(wrt) > 1 else ''}return {order})"), []
    if isinstance(result, Mapping):
        got: dict[str, Any] = {}
        notes = []
        for key, v in result.items():
            k = str(key)
            name = k if k in inputs else k[1:] if k.startswith("d") and k[1:] in inputs else None
            if name is None:
                notes.append(f"your backward returns {k!r}, which is not an input of the source "
                             f"(the inputs: {', '.join(inputs)}); it is not checked")
            elif name in got:
                notes.append(f"your backward returns the gradient of {name} twice; "
                             f"{k!r} is not checked")
            else:
                got[name] = v
        return got, None, notes
    if len(wrt) == 1:
        if isinstance(result, tuple) and len(result) == 1:
            result = result[0]
        return {wrt[0]: result}, None, []
    if isinstance(result, (tuple, list)):
        if len(result) != len(wrt):
            return {}, (f"your backward returned {len(result)} values, but {len(wrt)} "
                        f"gradients are asked: return {order}, in this order"), []
        return dict(zip(wrt, result)), None, []
    return {}, (f"your backward returned one {type(result).__name__}, but {len(wrt)} gradients "
                f"are asked: return a tuple {order}, or a dict by name"), []


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.abs(a - b) <= atol + rtol * np.abs(b)


def _pattern(g: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> str:
    """What a wrong gradient of the right shape looks like, if it is simple."""
    def same(a: np.ndarray) -> bool:
        return bool(np.all(_close(a, ref, rtol, atol)))
    if not np.any(ref):
        return ""
    if same(-g):
        return "it is minus the right gradient: a sign error"
    if g.ndim == 2 and g.shape[0] == g.shape[1] and same(g.T):
        return "it is the transpose of the right gradient"
    if not np.any(g):
        return "every entry is 0"
    nz = np.abs(ref) > 0
    with np.errstate(all="ignore"):
        c = float(np.median(g[nz] / ref[nz]))
    if math.isfinite(c) and c != 0 and same(g / c) and nz.sum() > 1:
        return f"every entry is {_num(c)} times the right one"
    return ""


def _shape_hint(g: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> str:
    def same(a: np.ndarray) -> bool:
        return a.shape == ref.shape and bool(np.all(_close(a, ref, rtol, atol)))
    if g.ndim == 2 and g.shape == ref.shape[::-1]:
        return ("it is the transpose of the right gradient" if same(g.T) else
                "it has the shape of the transpose")
    with np.errstate(all="ignore"):
        if g.ndim == ref.ndim + 1 and g.shape[1:] == ref.shape and same(g.sum(axis=0)):
            return "summed over axis 0 it is right: sum over the batch"
        if g.ndim == ref.ndim and g.ndim >= 1:
            for ax in range(g.ndim):
                if g.shape[ax] != ref.shape[ax] and ref.shape[ax] == 1 and \
                        same(g.sum(axis=ax, keepdims=True)):
                    return f"summed over axis {ax} it is right"
        if g.size == ref.size and same(g.reshape(ref.shape)):
            return f"the right numbers in the wrong shape: reshape it to {ref.shape}"
    return ""


def _compare(item: BackwardItem, g: np.ndarray, ref: np.ndarray, rtol: float,
             atol: float) -> tuple[np.ndarray | None, tuple[int, ...] | None]:
    """Fill ``item`` from the comparison of ``g`` with ``ref``: (the usable array, the
    first wrong entry)."""
    item.size = int(ref.size)
    item.got_shape = tuple(g.shape)
    if g.shape != ref.shape:
        if ref.shape == () and g.size == 1:
            g = g.reshape(())
        else:
            item.verdict = WRONG_SHAPE
            item.hint = _shape_hint(g, ref, rtol, atol)
            return None, None
    bad = ~np.isfinite(g)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if g.ndim else ()
        item.verdict, item.index, item.wrong = NOT_FINITE, idx, int(bad.sum())
        item.got, item.expected = float(g[idx]), float(ref[idx])
        return None, None
    with np.errstate(all="ignore"):
        item.max_error = float(np.max(np.abs(g - ref))) if g.size else 0.0
    ok = _close(g, ref, rtol, atol)
    if ok.all():
        item.verdict = CORRECT
        return g, None
    idx = tuple(int(i) for i in np.argwhere(~ok)[0]) if g.ndim else ()
    item.verdict, item.index, item.wrong = WRONG_VALUE, idx, int((~ok).sum())
    item.got, item.expected = float(g[idx]), float(ref[idx])
    item.hint = _pattern(g, ref, rtol, atol)
    return g, idx


_COMPLEX = getattr(np, "exceptions", np).ComplexWarning


def _as_array(v: Any) -> np.ndarray | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", _COMPLEX)
            return np.asarray(v, dtype=float)
    except (TypeError, ValueError, _COMPLEX):
        return None


def _check_gradient(name: str, raw: Any, ref: np.ndarray, rtol: float, atol: float,
                    entry_fd: Callable[[str, tuple[int, ...]], float | None], kinks: str,
                    returned: list[str]) -> tuple[BackwardItem, np.ndarray | None]:
    item = BackwardItem(name, "d" + name, "gradient", CORRECT, shape=tuple(ref.shape),
                        size=int(ref.size))
    if raw is _ABSENT:
        item.verdict = MISSING
        item.detail = (f"your backward returns no gradient for {name} (it returns "
                       f"{', '.join(returned) or 'nothing'})")
        return item, None
    g = _as_array(raw)
    if g is None:
        item.verdict = UNREADABLE
        item.detail = f"not an array of numbers ({type(raw).__name__}: {str(raw)[:40]})"
        return item, None
    usable, idx = _compare(item, g, ref, rtol, atol)
    if idx is not None:
        item.finite_differences = entry_fd(name, idx)
        fd = item.finite_differences
        if kinks and fd is not None and abs(fd - item.expected) > 1e-5 * (1 + abs(fd)):  # type: ignore[operator]
            note = f"not differentiable here: {kinks}"
            if "relu'(0)" in kinks:
                note += " (in numpy: a mask x > 0, not x >= 0)"
            item.kink = note
    return item, usable


def _check_forward(forward_fn: Callable[..., Any], graph: Any, t: Any, point: Mapping[str, Any],
                   out_name: str, rtol: float, atol: float,
                   report: BackwardReport) -> list[BackwardItem]:
    """The student's forward against the source's primal values."""
    result, error, exc, said = _call(forward_fn, point, "forward")
    report.notes += said
    if error is not None:
        if report.exception is None:
            report.exception = exc
        return [BackwardItem(out_name, out_name, "forward", ERROR, detail=error.replace("\n", " "))]
    if isinstance(result, tuple) and result:
        result = result[0]  # (out, cache)
    values = dict(result) if isinstance(result, Mapping) else {out_name: result}
    items = []
    for name, raw in values.items():
        name = str(name)
        if name not in graph.names:
            report.notes.append(f"your forward returns {name!r}, which is not a name of the "
                                f"source (names: {', '.join(graph.names)}); it is not checked")
            continue
        ref = np.asarray(t.steps[graph.names[name]].value, dtype=float)
        item = BackwardItem(name, name, "forward", CORRECT, shape=tuple(ref.shape),
                            size=int(ref.size))
        g = _as_array(raw)
        if g is None:
            item.verdict = UNREADABLE
            item.detail = f"not an array of numbers ({type(raw).__name__})"
        else:
            _compare(item, g, ref, rtol, atol)
        items.append(item)
    return items
