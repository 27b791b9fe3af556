"""autodiff_viz: automatic differentiation made visible and checkable.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
>>> round(t.value, 6), round(t.gradient["x1"], 6), t.gradient["x2"]
(6.909297, 2.583853, 2.0)

Every public name is imported on first use (PEP 562), so ``import autodiff_viz``
and ``autodiff-viz --help`` / ``--version`` load neither numpy nor networkx.
``from autodiff_viz import *`` binds :data:`__all__`, which leaves out the math
functions named like Python's built-ins (``abs``, ``max``, ``min``, ``pow``):
reach those as ``av.max`` and so on.
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any, Callable

__version__ = "0.1.0"

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ below loads these
    from .api import gradient, jacobian, to_graph, trace
    from .check import Report, _CallableModule, assert_backward, assert_gradient, assert_trace
    from .derivative import DerivativeGraph, derivative_graph
    from .errors import (AutodiffVizError, DomainError, EvaluationError, InputError,
                         ParseError)
    from .graph import Graph, Node
    from .ops import OPS, Op
    from .parse_fast import parse
    from .second import hessian, hvp
    from .trace import Trace
    from .tracing import Var, trace_function

    sin: Callable[..., Any]
    cos: Callable[..., Any]
    tan: Callable[..., Any]
    exp: Callable[..., Any]
    log: Callable[..., Any]
    ln: Callable[..., Any]
    sqrt: Callable[..., Any]
    abs: Callable[..., Any]  # noqa: A001
    sign: Callable[..., Any]
    step: Callable[..., Any]
    tanh: Callable[..., Any]
    sigmoid: Callable[..., Any]
    sig: Callable[..., Any]
    relu: Callable[..., Any]
    leaky_relu: Callable[..., Any]
    softplus: Callable[..., Any]
    hardtanh: Callable[..., Any]
    hard_tanh: Callable[..., Any]
    max: Callable[..., Any]  # noqa: A001
    min: Callable[..., Any]  # noqa: A001
    pow: Callable[..., Any]  # noqa: A001
    CONSTANTS: dict[str, float]
    pi: float
    e: float
    # The package autodiff_viz.check, which is callable: av.check(key, submission) is a
    # Report, and its other names (av.check.load_key) are there too.
    check: _CallableModule

# Where each lazily imported name lives.
_FROM = {
    "gradient": "api", "jacobian": "api", "to_graph": "api", "trace": "api",
    "AutodiffVizError": "errors", "DomainError": "errors", "EvaluationError": "errors",
    "InputError": "errors", "ParseError": "errors",
    "Graph": "graph", "Node": "graph",
    "CONSTANTS": "ops", "OPS": "ops", "Op": "ops",
    "parse": "parse_fast", "Trace": "trace", "Var": "tracing", "trace_function": "tracing",
    "hessian": "second", "hvp": "second",
    "Report": "check", "assert_backward": "check", "assert_gradient": "check",
    "assert_trace": "check",
    "derivative_graph": "derivative", "DerivativeGraph": "derivative",
}
# The math functions, for tracing Python functions (they compute on plain numbers too).
_MATH = ("sin", "cos", "tan", "exp", "log", "ln", "sqrt", "abs", "sign", "step", "tanh",
         "sigmoid", "sig", "relu", "leaky_relu", "softplus", "hardtanh", "hard_tanh", "max",
         "min", "pow")
_CONSTANTS = ("pi", "e")
_SUBMODULES = ("api", "check", "cli", "errors", "graph", "ops", "parser", "passes", "printing",
               "problems", "second", "tracing", "views")


def __getattr__(name: str) -> object:
    """Load a public name (or a submodule) on first use and keep it."""
    value: object
    if name in _FROM:
        value = getattr(importlib.import_module(f".{_FROM[name]}", __name__), name)
    elif name in _MATH:
        value = importlib.import_module(".tracing", __name__).FUNCTION_OBJECTS[name]
    elif name in _CONSTANTS:
        value = importlib.import_module(".ops", __name__).CONSTANTS[name]
    elif name in _SUBMODULES:  # ``autodiff_viz.check`` is the (callable) package itself
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'autodiff_viz' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM) | set(_MATH) | set(_CONSTANTS) | set(_SUBMODULES))


class _Package(types.ModuleType):
    """Keeps ``autodiff_viz.trace`` the function when the submodule of that name loads.

    Importing a submodule sets it as an attribute of its package; eagerly importing
    ``.api`` after ``.trace`` used to rebind the name, and with lazy loading nothing
    would, so the module ``autodiff_viz.trace`` (reached as ``sys.modules`` entry or
    with ``from autodiff_viz.trace import Trace``) never replaces the function.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "trace" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    # tracing and differentiating
    "trace", "gradient", "jacobian", "hessian", "hvp", "parse", "to_graph", "trace_function",
    "derivative_graph", "DerivativeGraph",
    "Trace", "Graph", "Node", "Var", "Op", "OPS",
    # homework checking
    "check", "assert_gradient", "assert_trace", "assert_backward", "Report",
    # errors
    "AutodiffVizError", "DomainError", "EvaluationError", "InputError", "ParseError",
    # the math functions and constants, except those named like built-ins (abs, max,
    # min, pow), which a star import would shadow: use av.abs, av.max, av.min, av.pow
    "sin", "cos", "tan", "exp", "log", "ln", "sqrt", "sign", "step", "tanh", "sigmoid", "sig",
    "relu", "leaky_relu", "softplus", "hardtanh", "hard_tanh", "pi", "e",
]
