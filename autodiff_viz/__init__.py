"""autodiff_viz: automatic differentiation made visible and checkable.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
>>> round(t.value, 6), round(t.gradient["x1"], 6), t.gradient["x2"]
(6.909297, 2.583853, 2.0)
"""
from __future__ import annotations

from .api import gradient, jacobian, to_graph, trace
from .errors import (AutodiffVizError, DomainError, EvaluationError, InputError,
                     ParseError)
from .graph import Graph, Node
from .ops import CONSTANTS, OPS, Op
from .parser import parse
from .trace import Trace
from .tracing import FUNCTION_OBJECTS as _F, Var, trace_function

__version__ = "0.1.0"

# The math functions, for tracing Python functions (they compute on plain numbers too).
(sin, cos, tan, exp, log, ln, sqrt, abs, sign, step, tanh, sigmoid, sig, relu,  # noqa: A001
 leaky_relu, softplus, hardtanh, hard_tanh, max, min, pow) = (  # noqa: A001
    _F[n] for n in ("sin", "cos", "tan", "exp", "log", "ln", "sqrt", "abs", "sign", "step",
                    "tanh", "sigmoid", "sig", "relu", "leaky_relu", "softplus", "hardtanh",
                    "hard_tanh", "max", "min", "pow"))
pi = CONSTANTS["pi"]
e = CONSTANTS["e"]

_LAZY = {"check": "check", "assert_gradient": "check", "assert_trace": "check",
         "Report": "check", "assert_backward": "check"}


def __getattr__(name: str) -> object:
    """Heavier parts load on first use, so ``import autodiff_viz`` stays fast."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'autodiff_viz' has no attribute {name!r}")


__all__ = [
    "AutodiffVizError", "DomainError", "EvaluationError", "Graph", "InputError", "Node",
    "OPS", "Op", "ParseError", "Trace", "Var", "gradient", "jacobian", "parse", "to_graph",
    "trace", "trace_function", "__version__",
    "sin", "cos", "tan", "exp", "log", "ln", "sqrt", "abs", "sign", "step", "tanh",
    "sigmoid", "sig", "relu", "leaky_relu", "softplus", "hardtanh", "hard_tanh", "max",
    "min", "pow", "pi", "e",
]
