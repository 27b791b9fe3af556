"""The one table of operations.

Every operation is defined here once: numpy evaluation, local partial
derivatives (as numbers and as formulas in the expression language), display
symbols (text, Unicode, LaTeX), precedence, domain, and the subgradient
convention at non-differentiable points. Forward and reverse mode both read
``Op.partials``, so they cannot disagree; adding an operation is one entry.

>>> float(OPS["sin"].fn(0.0))
0.0
>>> OPS["mul"].partial_formula(1, ["w1", "w2"], [None, None])
'w1'
>>> sorted(FUNCTIONS)[:4]
['abs', 'cos', 'exp', 'hard_tanh']
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

Array = Any  # a float or a numpy array
Formula = "str | Callable[[list[str], list[float | None]], str]"

# Binding power used by the parser and the printers.
PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 10, 20, 30, 40, 100


@dataclass(frozen=True)
class Op:
    """One operation: how to evaluate it, differentiate it and show it."""

    name: str
    params: tuple[str, ...]
    fn: Callable[..., Array]
    partials: tuple[Callable[..., Array], ...]  # d(*args, out) per argument
    formulas: tuple[Any, ...]  # per argument: template "cos({0})" or callable
    kind: str = "call"  # "infix", "prefix" or "call"
    symbol: str = ""  # ASCII symbol (infix/prefix) or function name
    unicode: str = ""  # pretty symbol for terminals
    latex: str = ""  # LaTeX template; {0}, {1} are the arguments
    prec: int = PREC_ATOM
    right_assoc: bool = False
    aliases: tuple[str, ...] = ()
    defaults: dict[str, float] = field(default_factory=dict)
    variadic: bool = False  # max(a, b, c) folds to max(max(a, b), c)
    domain: tuple[tuple[Callable[..., Array], str], ...] = ()  # (mask of bad points, why)
    partial_domain: dict[int, tuple[Callable[..., Array], str]] = field(default_factory=dict)
    nondiff: Callable[..., Array] | None = None  # mask of non-differentiable points
    convention: str = ""  # the subgradient used at those points
    doc: str = ""

    @property
    def arity(self) -> int:
        return len(self.params)

    def partial_formula(self, i: int, args: list[str], consts: list[float | None]) -> str:
        """The formula of ∂op/∂arg_i in terms of the argument atoms ``args``."""
        f = self.formulas[i]
        return f(args, consts) if callable(f) else f.format(*args)


def _h(x: Array) -> Array:
    """Heaviside step with step(0) = 0."""
    return np.heaviside(x, 0.0)


def _fmt_const(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _pow_base_formula(args: list[str], consts: list[float | None]) -> str:
    a, b = args
    if consts[1] is not None:
        e = consts[1] - 1.0
        if e == 0:
            return "1"
        if e == 1:
            return f"{b}*{a}"
        ex = _fmt_const(e)
        return f"{b}*{a}^{ex if e >= 0 else '(' + ex + ')'}"
    return f"{b}*{a}^({b} - 1)"


def _op(name: str, params: str, fn: Callable[..., Array], partials: tuple, formulas: tuple,
        **kw: Any) -> Op:
    return Op(name=name, params=tuple(params.split()), fn=fn, partials=partials,
              formulas=formulas, symbol=kw.pop("symbol", name), **kw)


_ONE = 1.0
_TABLE: list[Op] = [
    # --- arithmetic ------------------------------------------------------
    _op("add", "a b", np.add, (lambda a, b, o: _ONE, lambda a, b, o: _ONE), ("1", "1"),
        kind="infix", symbol="+", unicode="+", latex="{0} + {1}", prec=PREC_ADD),
    _op("sub", "a b", np.subtract, (lambda a, b, o: _ONE, lambda a, b, o: -_ONE), ("1", "-1"),
        kind="infix", symbol="-", unicode="−", latex="{0} - {1}", prec=PREC_ADD),
    _op("mul", "a b", np.multiply, (lambda a, b, o: b, lambda a, b, o: a), ("{1}", "{0}"),
        kind="infix", symbol="*", unicode="·", latex="{0} \\cdot {1}", prec=PREC_MUL),
    _op("div", "a b", np.divide, (lambda a, b, o: 1.0 / b, lambda a, b, o: -o / b),
        ("1/{1}", "-{0}/{1}^2"), kind="infix", symbol="/", unicode="/",
        latex="\\frac{{{0}}}{{{1}}}", prec=PREC_MUL,
        domain=((lambda a, b: b == 0, "division by zero"),)),
    _op("pow", "a b", np.power,
        (lambda a, b, o: b * np.power(a, b - 1.0), lambda a, b, o: o * np.log(a)),
        (_pow_base_formula, "{0}^{1}*log({0})"),
        kind="infix", symbol="^", unicode="^", latex="{0}^{{{1}}}", prec=PREC_POW,
        right_assoc=True,
        domain=((lambda a, b: (a == 0) & (b < 0), "0 to a negative power is undefined"),
                (lambda a, b: (a < 0) & (np.floor(b) != b),
                 "a negative base needs an integer exponent")),
        partial_domain={1: (lambda a, b: a <= 0,
                            "the derivative of a^b with respect to b needs a > 0")},
        doc="a^b or a**b or pow(a, b)"),
    _op("neg", "a", np.negative, (lambda a, o: -_ONE,), ("-1",),
        kind="prefix", symbol="-", unicode="−", latex="-{0}", prec=PREC_NEG),
    # --- elementary functions ---------------------------------------------
    _op("sin", "x", np.sin, (lambda a, o: np.cos(a),), ("cos({0})",), latex="\\sin\\left({0}\\right)"),
    _op("cos", "x", np.cos, (lambda a, o: -np.sin(a),), ("-sin({0})",), latex="\\cos\\left({0}\\right)"),
    _op("tan", "x", np.tan, (lambda a, o: 1.0 + o * o,), ("1 + tan({0})^2",),
        latex="\\tan\\left({0}\\right)"),
    _op("exp", "x", np.exp, (lambda a, o: o,), ("exp({0})",), latex="e^{{{0}}}"),
    _op("log", "x", np.log, (lambda a, o: 1.0 / a,), ("1/{0}",), aliases=("ln",),
        latex="\\ln\\left({0}\\right)",
        domain=((lambda a: a <= 0, "log needs a positive argument"),), doc="natural logarithm"),
    _op("sqrt", "x", np.sqrt, (lambda a, o: 0.5 / o,), ("1/(2*sqrt({0}))",),
        latex="\\sqrt{{{0}}}",
        domain=((lambda a: a < 0, "sqrt needs a non-negative argument"),)),
    _op("abs", "x", np.abs, (lambda a, o: np.sign(a),), ("sign({0})",),
        latex="\\left|{0}\\right|", nondiff=lambda a: a == 0,
        convention="abs'(0) = 0"),
    _op("sign", "x", np.sign, (lambda a, o: 0.0 * a,), ("0",),
        latex="\\operatorname{{sign}}\\left({0}\\right)", nondiff=lambda a: a == 0,
        convention="sign'(0) = 0"),
    _op("step", "x", _h, (lambda a, o: 0.0 * a,), ("0",),
        latex="H\\left({0}\\right)", nondiff=lambda a: a == 0,
        convention="step(0) = 0 and step'(0) = 0", doc="Heaviside step, 1 for x > 0 else 0"),
    # --- activations ----------------------------------------------------------
    _op("tanh", "x", np.tanh, (lambda a, o: 1.0 - o * o,), ("1 - tanh({0})^2",),
        latex="\\tanh\\left({0}\\right)"),
    _op("sigmoid", "x", lambda a: np.exp(-np.logaddexp(0.0, -a)), (lambda a, o: o * (1.0 - o),),
        ("sigmoid({0})*(1 - sigmoid({0}))",), aliases=("σ", "sig"), unicode="σ",
        latex="\\sigma\\left({0}\\right)", doc="logistic sigmoid 1/(1 + e^(-x))"),
    _op("relu", "x", lambda a: np.maximum(a, 0.0), (lambda a, o: _h(a),), ("step({0})",),
        latex="\\operatorname{{ReLU}}\\left({0}\\right)", nondiff=lambda a: a == 0,
        convention="relu'(0) = 0", doc="max(0, x)"),
    _op("leaky_relu", "x alpha", lambda a, al: np.maximum(a, 0.0) + al * np.minimum(a, 0.0),
        (lambda a, al, o: _h(a) + al * (1.0 - _h(a)), lambda a, al, o: np.minimum(a, 0.0)),
        ("step({0}) + {1}*(1 - step({0}))", "min(0, {0})"), defaults={"alpha": 0.01},
        latex="\\operatorname{{LeakyReLU}}_{{{1}}}\\left({0}\\right)",
        nondiff=lambda a, al: a == 0, convention="leaky_relu'(0) = alpha",
        doc="max(0, x) + alpha*min(0, x); alpha defaults to 0.01"),
    _op("softplus", "x", lambda a: np.logaddexp(0.0, a),
        (lambda a, o: np.exp(-np.logaddexp(0.0, -a)),), ("sigmoid({0})",),
        latex="\\operatorname{{softplus}}\\left({0}\\right)", doc="log(1 + e^x)"),
    _op("hardtanh", "x", lambda a: np.clip(a, -1.0, 1.0),
        (lambda a, o: _h(a + 1.0) * _h(1.0 - a),), ("step({0} + 1)*step(1 - {0})",),
        aliases=("hard_tanh",), latex="\\operatorname{{hardtanh}}\\left({0}\\right)",
        nondiff=lambda a: np.abs(a) == 1, convention="hardtanh'(±1) = 0",
        doc="max(-1, min(1, x))"),
    _op("max", "a b", np.maximum,
        (lambda a, b, o: 1.0 - _h(b - a), lambda a, b, o: _h(b - a)),
        ("1 - step({1} - {0})", "step({1} - {0})"), variadic=True,
        latex="\\max\\left({0}, {1}\\right)", nondiff=lambda a, b: a == b,
        convention="at a tie the derivative goes to the first argument",
        doc="max(a, b, ...): several arguments fold left (maxout)"),
    _op("min", "a b", np.minimum,
        (lambda a, b, o: 1.0 - _h(a - b), lambda a, b, o: _h(a - b)),
        ("1 - step({0} - {1})", "step({0} - {1})"), variadic=True,
        latex="\\min\\left({0}, {1}\\right)", nondiff=lambda a, b: a == b,
        convention="at a tie the derivative goes to the first argument",
        doc="min(a, b, ...): several arguments fold left"),
]

OPS: dict[str, Op] = {op.name: op for op in _TABLE}
"""Every operation by canonical name."""

INFIX: dict[str, Op] = {op.symbol: op for op in _TABLE if op.kind == "infix"}
"""Binary operators by ASCII symbol."""

FUNCTIONS: dict[str, Op] = {}
"""Callable functions by every accepted name (aliases included); ``pow`` too."""
for _o in _TABLE:
    if _o.kind == "call":
        for _n in (_o.name, *_o.aliases):
            FUNCTIONS[_n] = _o
FUNCTIONS["pow"] = OPS["pow"]

CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}
"""Named constants of the expression language."""
