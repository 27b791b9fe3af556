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

sin = _F["sin"]
cos = _F["cos"]
tan = _F["tan"]
exp = _F["exp"]
log = _F["log"]
ln = _F["ln"]
sqrt = _F["sqrt"]
abs = _F["abs"]  # noqa: A001 - mirrors the expression language
sign = _F["sign"]
step = _F["step"]
tanh = _F["tanh"]
sigmoid = _F["sigmoid"]
sig = _F["sig"]
relu = _F["relu"]
leaky_relu = _F["leaky_relu"]
softplus = _F["softplus"]
hardtanh = _F["hardtanh"]
hard_tanh = _F["hard_tanh"]
max = _F["max"]  # noqa: A001
min = _F["min"]  # noqa: A001
pow = _F["pow"]  # noqa: A001
pi = CONSTANTS["pi"]
e = CONSTANTS["e"]

_LAZY = {"check": "check", "assert_gradient": "check", "assert_trace": "check",
         "Report": "check"}


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
