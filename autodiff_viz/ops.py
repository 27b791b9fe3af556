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
>>> "cos" in FUNCTIONS, "matmul" in FUNCTIONS          # @ is an operator, not a call
(True, False)
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

Array = Any  # a float or a numpy array
Formula = "str | Callable[[list[str], list[float | None]], str]"

# Binding power used by the parser and the printers.
PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 10, 20, 30, 40, 100


class Op:
    """One operation: how to evaluate it, differentiate it and show it. Read-only; built
    with the fields below as keywords (the first five are required, the others default
    to the values written here). A plain class, not a dataclass: it is built at start-up.
    """

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
    defaults: dict[str, float] = {}  # (read-only, as every field)
    variadic: bool = False  # max(a, b, c) folds to max(max(a, b), c)
    domain: tuple[tuple[Callable[..., Array], str], ...] = ()  # (mask of bad points, why)
    partial_domain: dict[int, tuple[Callable[..., Array], str]] = {}
    nondiff: Callable[..., Array] | None = None  # mask of non-differentiable points
    convention: str = ""  # the subgradient used at those points
    doc: str = ""
    # Tensor operations (not elementwise) have no local partial per element: each argument
    # gets a vector-Jacobian product and a Jacobian-vector product instead, read by reverse
    # and forward mode alike, and a rule for the result's shape.
    tensor: bool = False
    vjp: tuple[Callable[..., Array], ...] = ()  # per argument: (*args, out, g) -> its adjoint term
    jvp: tuple[Callable[..., Array], ...] = ()  # per argument: (*args, out, t) -> the output's term
    vjp_formulas: tuple[str, ...] = ()  # per argument, matrix notation: ``{g} {1}ᵀ``
    jvp_formulas: tuple[str, ...] = ()  # per argument, the output's tangent term: ``{t} {1}``
    shape: Callable[..., tuple[int, ...]] | None = None  # result shape; ValueError if none
    static: tuple[str, ...] = ()  # arguments that must be numbers written in the text (axis)
    shown: str = ""  # the name it is written with, when not its own (sum for sum_axis)
    more: str = ""  # the operation a call with more arguments means (sum(x, axis=0))
    one: str = ""  # variadic operations: what a call with one argument means (max(x))
    # What the local partials read: the arguments ("args"), the node's value ("out"), both,
    # or nothing (x + y). A gradient computes only the values its partials read.
    reads: tuple[str, ...] = ("args", "out")

    def __init__(self, **fields: Any) -> None:
        unknown = fields.keys() - _FIELDS
        missing = _REQUIRED - fields.keys()
        if unknown or missing:
            raise TypeError(f"Op: unknown fields {sorted(unknown)}, missing {sorted(missing)}")
        self.__dict__.update(fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"an operation is read-only: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"an operation is read-only: cannot delete {name}")

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    @property
    def arity(self) -> int:
        return len(self.params)

    def partial_formula(self, i: int, args: list[str], consts: list[float | None],
                        g: str = "ḡ") -> str:
        """The formula of ∂op/∂arg_i in terms of the argument atoms ``args``; for a tensor
        operation, its vector-Jacobian product for the adjoint ``g`` (``ḡ w2ᵀ``)."""
        if self.tensor:
            return self.vjp_formulas[i].format(*args, g=g)
        f = self.formulas[i]
        return f(args, consts) if callable(f) else f.format(*args)


_FIELDS = frozenset(Op.__annotations__)
_REQUIRED = frozenset(("name", "params", "fn", "partials", "formulas"))


def _h(x: Array) -> Array:
    """Heaviside step with step(0) = 0 (and nan where x is nan, as np.heaviside).

    On a number a comparison (np.heaviside costs a ufunc call); on big arrays too:
    np.heaviside is about 3x slower (relu's partial on the activations of a layer)."""
    if not isinstance(x, np.ndarray):
        return 1.0 if x > 0 else 0.0 if x == x else x
    if x.size < 4096:
        return np.heaviside(x, 0.0)
    h = np.greater(x, 0.0).astype(np.float64)
    if not math.isfinite(np.sum(x)):  # inf or nan somewhere: nan stays nan
        h[np.isnan(x)] = np.nan
    return h


def _relu(x: Array) -> Array:
    """max(x, 0), on a number without a ufunc call (np.maximum costs 0.4 µs there)."""
    if type(x) is not np.float64:  # an array (or a Python number: numpy's result type)
        return np.maximum(x, 0.0)
    return x if x > 0.0 or x != x else _ZERO  # nan stays nan, as np.maximum


_ZERO = np.float64(0.0)


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


def _matrices(a: Array, b: Array) -> tuple[Array, Array, tuple[int, ...], tuple[int, ...]]:
    """``a @ b`` as a product of matrices: a vector is a row on the left, a column on the
    right (numpy's rule); also the shapes to put the results back in."""
    a, b = np.asarray(a), np.asarray(b)
    return (a[None, :] if a.ndim == 1 else a), (b[:, None] if b.ndim == 1 else b), a.shape, b.shape


def _matmul_vjp_a(a: Array, b: Array, out: Array, g: Array) -> Array:
    a2, b2, sa, _ = _matrices(a, b)
    return (np.reshape(g, (a2.shape[0], b2.shape[1])) @ b2.T).reshape(sa)


def _matmul_vjp_b(a: Array, b: Array, out: Array, g: Array) -> Array:
    a2, b2, _, sb = _matrices(a, b)
    return (a2.T @ np.reshape(g, (a2.shape[0], b2.shape[1]))).reshape(sb)


def _matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    if not a or not b or len(a) > 2 or len(b) > 2:
        raise ValueError("@ multiplies vectors and matrices (1 or 2 axes); use * for numbers")
    if a[-1] != b[0]:
        raise ValueError("the inner sizes must agree")
    return a[:-1] + b[1:]


def _softmax(z: Array) -> Array:
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _logsumexp(z: Array) -> Array:
    m = np.max(z, axis=-1, keepdims=True)
    return (m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)))[..., 0]


def _one_hot(y: Array, z: Array) -> Array:
    """Labels as one-hot rows: ``y`` is one-hot already, or class indices (0-based)."""
    y = np.asarray(y, dtype=float)
    if y.shape == np.shape(z):
        return y
    k = np.shape(z)[-1]
    idx = y.astype(int)
    return (np.arange(k) == idx[..., None]).astype(float)


def _rows(z: Array) -> int:
    """How many examples a loss averages over: the leading axes of ``z``."""
    return int(np.prod(np.shape(z)[:-1])) if np.ndim(z) > 1 else 1


def _cross_entropy(z: Array, y: Array) -> Array:
    return -np.sum(_one_hot(y, z) * (z - _logsumexp(z)[..., None])) / _rows(z)


def _labels_shape(z: tuple[int, ...], y: tuple[int, ...]) -> tuple[int, ...]:
    if not z:
        raise ValueError("the logits must be a vector (or a matrix, one row per example)")
    if y != z and y != z[:-1]:
        raise ValueError("the labels must be one-hot (the logits' shape) or class indices "
                         "(one per row)")
    return ()


def _last_axis(z: tuple[int, ...], keep: bool = True) -> tuple[int, ...]:
    """softmax, log_softmax (``keep``) and logsumexp work along the last axis: not on a
    number."""
    if not z:
        raise ValueError("it works along the last axis, so it needs a vector or a matrix")
    return z if keep else z[:-1]


def _same_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    if a != b:
        raise ValueError("a loss compares two arrays of the same shape")
    return ()


def _op(name: str, params: str, fn: Callable[..., Array], partials: tuple, formulas: tuple,
        **kw: Any) -> Op:
    return Op(name=name, params=tuple(params.split()), fn=fn, partials=partials,
              formulas=formulas, symbol=kw.pop("symbol", name), **kw)


_ONE = 1.0
_TABLE: list[Op] = [
    # --- arithmetic ------------------------------------------------------
    _op("add", "a b", operator.add, (lambda a, b, o: _ONE, lambda a, b, o: _ONE), ("1", "1"),
        kind="infix", symbol="+", unicode="+", latex="{0} + {1}", prec=PREC_ADD, reads=()),
    _op("sub", "a b", operator.sub, (lambda a, b, o: _ONE, lambda a, b, o: -_ONE), ("1", "-1"),
        kind="infix", symbol="-", unicode="−", latex="{0} - {1}", prec=PREC_ADD, reads=()),
    _op("mul", "a b", operator.mul, (lambda a, b, o: b, lambda a, b, o: a), ("{1}", "{0}"),
        kind="infix", symbol="*", unicode="·", latex="{0} \\cdot {1}", prec=PREC_MUL,
        reads=("args",)),
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
    _op("neg", "a", operator.neg, (lambda a, o: -_ONE,), ("-1",),
        kind="prefix", symbol="-", unicode="−", latex="-{0}", prec=PREC_NEG, reads=()),
    # --- elementary functions ---------------------------------------------
    _op("sin", "x", np.sin, (lambda a, o: np.cos(a),), ("cos({0})",),
        latex="\\sin\\left({0}\\right)", reads=("args",)),
    _op("cos", "x", np.cos, (lambda a, o: -np.sin(a),), ("-sin({0})",),
        latex="\\cos\\left({0}\\right)", reads=("args",)),
    _op("tan", "x", np.tan, (lambda a, o: 1.0 + o * o,), ("1 + tan({0})^2",),
        latex="\\tan\\left({0}\\right)", reads=("out",)),
    _op("exp", "x", np.exp, (lambda a, o: o,), ("exp({0})",), latex="e^{{{0}}}", reads=("out",)),
    _op("log", "x", np.log, (lambda a, o: 1.0 / a,), ("1/{0}",), aliases=("ln",),
        latex="\\ln\\left({0}\\right)",
        domain=((lambda a: a <= 0, "log needs a positive argument"),), doc="natural logarithm",
        reads=("args",)),
    _op("sqrt", "x", np.sqrt, (lambda a, o: 0.5 / o,), ("1/(2*sqrt({0}))",),
        latex="\\sqrt{{{0}}}",
        domain=((lambda a: a < 0, "sqrt needs a non-negative argument"),), reads=("out",)),
    _op("abs", "x", np.abs, (lambda a, o: np.sign(a),), ("sign({0})",),
        latex="\\left|{0}\\right|", nondiff=lambda a: a == 0,
        convention="abs'(0) = 0", reads=("args",)),
    _op("sign", "x", np.sign, (lambda a, o: 0.0 * a,), ("0",),
        latex="\\operatorname{{sign}}\\left({0}\\right)", nondiff=lambda a: a == 0,
        convention="sign'(0) = 0", reads=("args",)),
    _op("step", "x", _h, (lambda a, o: 0.0 * a,), ("0",),
        latex="H\\left({0}\\right)", nondiff=lambda a: a == 0,
        convention="step(0) = 0 and step'(0) = 0", doc="Heaviside step, 1 for x > 0 else 0",
        reads=("args",)),
    # --- activations ----------------------------------------------------------
    _op("tanh", "x", np.tanh, (lambda a, o: 1.0 - o * o,), ("1 - tanh({0})^2",),
        latex="\\tanh\\left({0}\\right)", reads=("out",)),
    _op("sigmoid", "x", lambda a: np.exp(-np.logaddexp(0.0, -a)), (lambda a, o: o * (1.0 - o),),
        ("sigmoid({0})*(1 - sigmoid({0}))",), aliases=("σ", "sig"), unicode="σ",
        latex="\\sigma\\left({0}\\right)", doc="logistic sigmoid 1/(1 + e^(-x))", reads=("out",)),
    _op("relu", "x", _relu, (lambda a, o: _h(a),), ("step({0})",),
        latex="\\operatorname{{ReLU}}\\left({0}\\right)", nondiff=lambda a: a == 0,
        convention="relu'(0) = 0", doc="max(0, x)", reads=("args",)),
    _op("leaky_relu", "x alpha", lambda a, al: np.maximum(a, 0.0) + al * np.minimum(a, 0.0),
        (lambda a, al, o: _h(a) + al * (1.0 - _h(a)), lambda a, al, o: np.minimum(a, 0.0)),
        ("step({0}) + {1}*(1 - step({0}))", "min(0, {0})"), defaults={"alpha": 0.01},
        latex="\\operatorname{{LeakyReLU}}_{{{1}}}\\left({0}\\right)",
        nondiff=lambda a, al: a == 0, convention="leaky_relu'(0) = alpha",
        doc="max(0, x) + alpha*min(0, x); alpha defaults to 0.01", reads=("args",)),
    _op("softplus", "x", lambda a: np.logaddexp(0.0, a),
        (lambda a, o: np.exp(-np.logaddexp(0.0, -a)),), ("sigmoid({0})",),
        latex="\\operatorname{{softplus}}\\left({0}\\right)", doc="log(1 + e^x)", reads=("args",)),
    _op("hardtanh", "x", lambda a: np.clip(a, -1.0, 1.0),
        (lambda a, o: _h(a + 1.0) * _h(1.0 - a),), ("step({0} + 1)*step(1 - {0})",),
        aliases=("hard_tanh",), latex="\\operatorname{{hardtanh}}\\left({0}\\right)",
        nondiff=lambda a: np.abs(a) == 1, convention="hardtanh'(±1) = 0",
        doc="max(-1, min(1, x))", reads=("args",)),
    _op("max", "a b", np.maximum,
        (lambda a, b, o: 1.0 - _h(b - a), lambda a, b, o: _h(b - a)),
        ("1 - step({1} - {0})", "step({1} - {0})"), variadic=True, more="max_axis",
        one="max_all",
        latex="\\max\\left({0}, {1}\\right)", nondiff=lambda a, b: a == b,
        convention="at a tie the derivative goes to the first argument",
        doc="max(a, b, ...): several arguments fold left (maxout)", reads=("args",)),
    _op("min", "a b", np.minimum,
        (lambda a, b, o: 1.0 - _h(a - b), lambda a, b, o: _h(a - b)),
        ("1 - step({0} - {1})", "step({0} - {1})"), variadic=True, more="min_axis",
        one="min_all",
        latex="\\min\\left({0}, {1}\\right)", nondiff=lambda a, b: a == b,
        convention="at a tie the derivative goes to the first argument",
        doc="min(a, b, ...): several arguments fold left", reads=("args",)),
]

def _ax(axis: Array) -> int:
    return int(axis)


def _axis_shape(x: tuple[int, ...], axis_shape: tuple[int, ...], axis: float) -> tuple[int, ...]:
    if not x:
        raise ValueError("a reduction along an axis needs a vector or a matrix")
    a = int(axis)
    if a != axis or not -len(x) <= a < len(x):
        raise ValueError(f"axis must be a whole number from {-len(x)} to {len(x) - 1}")
    return x[:a % len(x)] + x[a % len(x) + 1:]


def _spread(g: Array, x: Array, axis: Array) -> Array:
    """The adjoint of a reduction along ``axis``: ``g`` copied back along that axis."""
    return np.broadcast_to(np.expand_dims(g, _ax(axis)), np.shape(x))


def _spread_shape(g: tuple[int, ...], x: tuple[int, ...], axis: float) -> tuple[int, ...]:
    if _axis_shape(x, (), axis) != g:
        raise ValueError("g must have x's shape without the axis")
    return x


def _first_extreme(x: Array, axis: Array | None, which: Callable[..., Array]) -> Array:
    """1 where the max (min) along ``axis`` is, the first one at a tie; 0 elsewhere."""
    x = np.asarray(x)
    if axis is None:
        mask = np.zeros(x.shape)
        mask[np.unravel_index(which(x), x.shape)] = 1.0
        return mask
    a = _ax(axis)
    idx = np.expand_dims(which(x, axis=a), a)
    mask = np.zeros(x.shape)
    np.put_along_axis(mask, idx, 1.0, axis=a)
    return mask


def _norm2(x: Array) -> Array:
    return np.sqrt(np.sum(np.square(x)))


def _extreme_axis(kind: str, word: str, doc: str) -> Op:
    """``max_axis`` or ``min_axis``: the largest (smallest) entry along one axis; its
    derivative goes to that entry, the first one at a tie."""
    reduce, arg = (np.max, np.argmax) if kind == "max" else (np.min, np.argmin)
    return _op(f"{kind}_axis", "x axis", lambda x, axis: reduce(x, axis=_ax(axis)), _NONE,
               _NONE, latex=f"\\{kind}_{{{{{{1}}}}}} {{0}}", tensor=True, static=("axis",),
               shown=kind,
               vjp=(lambda x, axis, o, g: _first_extreme(x, axis, arg) * _spread(g, x, axis),
                    None),
               jvp=(lambda x, axis, o, t: np.sum(_first_extreme(x, axis, arg) * t,
                                                 axis=_ax(axis)), None),
               vjp_formulas=(f"{{g}} at the {word} entry along axis {{1}}", ""),
               jvp_formulas=(f"{{t}} at the {word} entry along axis {{1}}", ""),
               shape=_axis_shape,
               convention=f"at a tie the derivative goes to the first {word} entry", doc=doc)


def _extreme_all(kind: str, word: str) -> Op:
    """``max_all`` or ``min_all``: the largest (smallest) entry of all (``max(x)``)."""
    reduce, arg = (np.max, np.argmax) if kind == "max" else (np.min, np.argmin)
    return _op(f"{kind}_all", "x", lambda x: reduce(x), _NONE, _NONE,
               latex=f"\\{kind} {{0}}", tensor=True, shown=kind,
               vjp=(lambda x, o, g: _first_extreme(x, None, arg) * g,),
               jvp=(lambda x, o, t: np.sum(_first_extreme(x, None, arg) * t),),
               vjp_formulas=(f"{{g}} at the {word} entry",),
               jvp_formulas=(f"{{t}} at the {word} entry",), shape=lambda x: (),
               doc=f"the {word} entry")


_NONE: tuple = ()
_TENSOR_TABLE: list[Op] = [
    # --- vectors and matrices: vector-Jacobian and Jacobian-vector products ------------
    _op("matmul", "a b", lambda a, b: np.matmul(a, b), _NONE, _NONE, kind="infix", symbol="@",
        unicode="@", latex="{0} {1}", prec=PREC_MUL, tensor=True,
        vjp=(_matmul_vjp_a, _matmul_vjp_b),
        jvp=(lambda a, b, o, t: np.matmul(t, b), lambda a, b, o, t: np.matmul(a, t)),
        vjp_formulas=("{g} {1}ᵀ", "{0}ᵀ {g}"), jvp_formulas=("{t} {1}", "{0} {t}"),
        shape=_matmul_shape,
        doc="matrix product (vector·matrix, matrix·vector, dot of vectors)"),
    _op("transpose", "a", lambda a: np.transpose(a), _NONE, _NONE, kind="postfix",
        symbol=".T", unicode="ᵀ", latex="{0}^{{\\top}}", prec=PREC_POW + 5, tensor=True,
        vjp=(lambda a, o, g: np.transpose(g),),
        jvp=(lambda a, o, t: np.transpose(t),), vjp_formulas=("{g}ᵀ",), jvp_formulas=("{t}ᵀ",),
        shape=lambda a: a[::-1], doc="W.T, W^T or transpose(W)"),
    _op("sum", "x", lambda x: np.sum(x), _NONE, _NONE, latex="\\sum {0}", tensor=True,
        vjp=(lambda x, o, g: np.broadcast_to(g, np.shape(x)),),
        jvp=(lambda x, o, t: np.sum(t),), vjp_formulas=("{g} 1",), jvp_formulas=("Σ{t}",),
        shape=lambda x: (), more="sum_axis",
        doc="the sum of every entry"),
    _op("mean", "x", lambda x: np.mean(x), _NONE, _NONE, latex="\\operatorname{{mean}} {0}",
        tensor=True, vjp=(lambda x, o, g: np.broadcast_to(g / max(np.size(x), 1), np.shape(x)),),
        jvp=(lambda x, o, t: np.mean(t),), vjp_formulas=("{g} 1 / n",),
        jvp_formulas=("Σ{t} / n",), shape=lambda x: (), more="mean_axis",
        doc="the mean of every entry"),
    _op("softmax", "z", _softmax, _NONE, _NONE, latex="\\operatorname{{softmax}}({0})",
        tensor=True,
        vjp=(lambda z, s, g: s * (g - np.sum(g * s, axis=-1, keepdims=True)),),
        jvp=(lambda z, s, t: s * (t - np.sum(t * s, axis=-1, keepdims=True)),),
        vjp_formulas=("s ⊙ ({g} − ⟨{g}, s⟩)",), jvp_formulas=("s ⊙ ({t} − ⟨{t}, s⟩)",),
        shape=_last_axis,
        doc="e^z / Σ e^z over the last axis"),
    _op("log_softmax", "z", lambda z: z - _logsumexp(z)[..., None], _NONE, _NONE,
        latex="\\log\\operatorname{{softmax}}({0})", tensor=True,
        vjp=(lambda z, o, g: g - np.exp(o) * np.sum(g, axis=-1, keepdims=True),),
        jvp=(lambda z, o, t: t - np.sum(np.exp(o) * t, axis=-1, keepdims=True),),
        vjp_formulas=("{g} − s Σ{g}",), jvp_formulas=("{t} − ⟨s, {t}⟩",), shape=_last_axis,
        doc="z − logsumexp(z)"),
    _op("logsumexp", "z", _logsumexp, _NONE, _NONE, latex="\\log\\sum e^{{{0}}}",
        tensor=True, vjp=(lambda z, o, g: np.asarray(g)[..., None] * _softmax(z),),
        jvp=(lambda z, o, t: np.sum(_softmax(z) * t, axis=-1),),
        vjp_formulas=("{g} softmax({0})",), jvp_formulas=("⟨softmax({0}), {t}⟩",),
        shape=lambda z: _last_axis(z, keep=False),
        doc="log Σ e^z over the last axis"),
    _op("outer", "a b", lambda a, b: np.outer(a, b), _NONE, _NONE,
        latex="{0} {1}^{{\\top}}", tensor=True,
        vjp=(lambda a, b, o, g: g @ b, lambda a, b, o, g: np.transpose(g) @ a),
        jvp=(lambda a, b, o, t: np.outer(t, b), lambda a, b, o, t: np.outer(a, t)),
        vjp_formulas=("{g} {1}", "{g}ᵀ {0}"), jvp_formulas=("{t} {1}ᵀ", "{0} {t}ᵀ"),
        shape=lambda a, b: (int(np.prod(a)), int(np.prod(b))), doc="a bᵀ"),
    _op("cross_entropy", "z y", _cross_entropy, _NONE, _NONE,
        latex="\\operatorname{{CE}}({0}, {1})", tensor=True,
        vjp=(lambda z, y, o, g: g * (_softmax(z) - _one_hot(y, z)) / _rows(z),
             lambda z, y, o, g: (-g * (z - _logsumexp(z)[..., None]) / _rows(z))
             if np.shape(y) == np.shape(z) else np.zeros(np.shape(y))),
        jvp=(lambda z, y, o, t: np.sum((_softmax(z) - _one_hot(y, z)) * t) / _rows(z),
             lambda z, y, o, t: -np.sum((z - _logsumexp(z)[..., None]) * t) / _rows(z)
             if np.shape(y) == np.shape(z) else 0.0),
        vjp_formulas=("{g} (softmax({0}) − {1})", "−{g} log softmax({0})"),
        jvp_formulas=("⟨softmax({0}) − {1}, {t}⟩", "−⟨log softmax({0}), {t}⟩"),
        shape=_labels_shape,
        doc="cross-entropy of logits z and labels y (one-hot, or class indices from 0); "
            "a matrix of logits is one example per row, averaged"),
    # --- reductions along an axis (and max/min of every entry): sum(x, axis=0) ---------
    _op("sum_axis", "x axis", lambda x, axis: np.sum(x, axis=_ax(axis)), _NONE, _NONE,
        latex="\\sum_{{{1}}} {0}", tensor=True, static=("axis",), shown="sum",
        vjp=(lambda x, axis, o, g: _spread(g, x, axis), None),
        jvp=(lambda x, axis, o, t: np.sum(t, axis=_ax(axis)), None),
        vjp_formulas=("{g} copied along axis {1}", ""), jvp_formulas=("Σ_{1} {t}", ""),
        shape=_axis_shape, doc="the sum along one axis"),
    _op("mean_axis", "x axis", lambda x, axis: np.mean(x, axis=_ax(axis)), _NONE, _NONE,
        latex="\\operatorname{{mean}}_{{{1}}} {0}", tensor=True, static=("axis",),
        shown="mean",
        vjp=(lambda x, axis, o, g: _spread(g, x, axis) / np.shape(x)[_ax(axis)], None),
        jvp=(lambda x, axis, o, t: np.mean(t, axis=_ax(axis)), None),
        vjp_formulas=("{g} copied along axis {1} / n", ""), jvp_formulas=("mean_{1} {t}", ""),
        shape=_axis_shape, doc="the mean along one axis"),
    _extreme_axis("max", "largest", "the largest entry along one axis (maxout over a group)"),
    _extreme_axis("min", "smallest", "the smallest entry along one axis"),
    _extreme_all("max", "largest"),
    _extreme_all("min", "smallest"),
    _op("norm2", "x", _norm2, _NONE, _NONE, latex="\\lVert {0} \\rVert_2", tensor=True,
        vjp=(lambda x, o, g: g * np.asarray(x) / o if o else np.zeros(np.shape(x)),),
        jvp=(lambda x, o, t: np.sum(np.asarray(x) * t) / o if o else 0.0,),
        vjp_formulas=("{g} {0} / ‖{0}‖",), jvp_formulas=("⟨{0}, {t}⟩ / ‖{0}‖",),
        shape=lambda x: (), convention="norm2'(0) = 0",
        doc="the Euclidean norm ‖x‖₂ (of every entry: Frobenius for a matrix)"),
    _op("mse", "a b", lambda a, b: np.mean((np.asarray(a) - b) ** 2), _NONE, _NONE,
        latex="\\operatorname{{MSE}}({0}, {1})", tensor=True,
        vjp=(lambda a, b, o, g: g * 2 * (np.asarray(a) - b) / max(np.size(a), 1),
             lambda a, b, o, g: -g * 2 * (np.asarray(a) - b) / max(np.size(a), 1)),
        jvp=(lambda a, b, o, t: np.mean(2 * (np.asarray(a) - b) * t),
             lambda a, b, o, t: -np.mean(2 * (np.asarray(a) - b) * t)),
        vjp_formulas=("2 {g} ({0} − {1}) / n", "−2 {g} ({0} − {1}) / n"),
        jvp_formulas=("2⟨{0} − {1}, {t}⟩ / n", "−2⟨{0} − {1}, {t}⟩ / n"), shape=_same_shape,
        doc="mean squared error"),
    _op("bce", "p y", lambda p, y: -np.mean(y * np.log(p) + (1 - np.asarray(y)) * np.log(1 - p)),
        _NONE, _NONE, latex="\\operatorname{{BCE}}({0}, {1})", tensor=True,
        vjp=(lambda p, y, o, g: g * (p - y) / (p * (1 - p)) / max(np.size(p), 1),
             lambda p, y, o, g: -g * (np.log(p) - np.log(1 - p)) / max(np.size(p), 1)),
        jvp=(lambda p, y, o, t: np.mean((p - y) / (p * (1 - p)) * t),
             lambda p, y, o, t: -np.mean((np.log(p) - np.log(1 - p)) * t)),
        vjp_formulas=("{g} ({0} − {1}) / ({0} (1 − {0})) / n", "−{g} log({0} / (1 − {0})) / n"),
        jvp_formulas=("⟨({0} − {1}) / ({0} (1 − {0})), {t}⟩ / n",
                      "−⟨log({0} / (1 − {0})), {t}⟩ / n"),
        shape=_same_shape,
        domain=((lambda p, y: (np.asarray(p) <= 0) | (np.asarray(p) >= 1),
                 "bce needs probabilities strictly between 0 and 1"),),
        doc="binary cross-entropy of probabilities p and labels y, averaged"),
]
# --- helpers of the derivative graph of a tensor graph ------------------------------------
# The adjoints as operations of the table, so that a derivative graph of vectors and
# matrices evaluates, traces and is differentiated again like any graph (each is linear in
# its first argument, or a count: its own jvp and vjp below). Not functions of the
# expression language: they appear in derivative graphs only (``shown`` keeps them out of
# FUNCTIONS).
def _resize(x: Array, shape: tuple[int, ...]) -> Array:
    """``x`` brought to ``shape``: summed over the axes broadcasting would copy into it
    (the adjoint of a broadcast), copied along the axes ``shape`` has more of."""
    xs = np.shape(x)
    if xs == tuple(shape):
        return x
    x = np.asarray(x, dtype=float)
    lead = x.ndim - len(shape)
    if lead > 0:
        x = x.sum(axis=tuple(range(lead)))
    off = len(shape) - x.ndim
    axes = tuple(k for k in range(x.ndim) if shape[off + k] == 1 and x.shape[k] != 1)
    if axes:
        x = x.sum(axis=axes, keepdims=True)
    return np.array(np.broadcast_to(x, shape)) if shape else np.float64(x)


def _resize_shape(x: tuple[int, ...], ref: tuple[int, ...]) -> tuple[int, ...]:
    np.broadcast_shapes(x, ref)  # ValueError if they do not broadcast
    return ref


def _mm_bt(g: Array, b: Array) -> Array:
    """``g bᵀ``, the adjoint of ``a`` in ``a @ b`` (numpy's vector rules: an outer product
    when ``b`` is a vector)."""
    return np.multiply.outer(g, b) if np.ndim(b) == 1 else np.matmul(g, np.transpose(b))


def _mm_at(a: Array, g: Array) -> Array:
    """``aᵀ g``, the adjoint of ``b`` in ``a @ b`` (an outer product when ``a`` is a
    vector)."""
    return np.multiply.outer(a, g) if np.ndim(a) == 1 else np.matmul(np.transpose(a), g)


def _mm_bt_shape(g: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    if len(b) == 1:
        return g + b
    if not g or g[-1] != b[-1]:
        raise ValueError("the inner sizes must agree")
    return g[:-1] + b[:1]


def _mm_at_shape(a: tuple[int, ...], g: tuple[int, ...]) -> tuple[int, ...]:
    if len(a) == 1:
        return a + g
    if not g or g[0] != a[0]:
        raise ValueError("the inner sizes must agree")
    return a[1:] + g[1:]


def _labels_back(g: Array, y: Array) -> Array:
    """The adjoint of one-hot labels ``y`` from ``g`` (the logits' shape): ``g`` itself
    when ``y`` is one-hot, 0 when it holds class indices (not differentiable)."""
    return g if np.shape(y) == np.shape(g) else np.zeros(np.shape(y))


def _zero(*_: Array) -> Array:
    return 0.0


def _zeros_like(k: int) -> Callable[..., Array]:
    """A vjp that is 0 for argument ``k`` (a count, or a shape only read)."""
    return lambda *a: np.zeros(np.shape(a[k]))


def _count(name: str, fn: Callable[[Array], float], doc: str) -> Op:
    return _op(name, "x", fn, _NONE, _NONE, latex=f"\\operatorname{{{{{name}}}}}({{0}})",
               tensor=True, shown=name, vjp=(_zeros_like(0),), jvp=(_zero,),
               vjp_formulas=("0",), jvp_formulas=("0",), shape=lambda x: (), doc=doc)


def _at_extreme(kind: str, along: bool) -> Op:
    """``at_max(x)`` (``at_max_axis(x, axis)``): 1 at the largest entry (along ``axis``),
    the first one at a tie, 0 elsewhere; a constant almost everywhere (derivative 0). The
    adjoint of max is ḡ there."""
    arg = np.argmax if kind == "max" else np.argmin
    word = "largest" if kind == "max" else "smallest"
    name = f"at_{kind}" + ("_axis" if along else "")
    if along:
        return _op(name, "x axis", lambda x, axis: _first_extreme(x, axis, arg), _NONE, _NONE,
                   latex=f"[{{0}} = \\{kind}_{{{{{{1}}}}}}]", tensor=True, static=("axis",),
                   shown=name, vjp=(_zeros_like(0), None), jvp=(_zero, None),
                   vjp_formulas=("0", ""), jvp_formulas=("0", ""),
                   shape=lambda x, a, axis: (_axis_shape(x, a, axis), x)[1],
                   doc=f"1 at the {word} entry along axis (the first at a tie), else 0")
    return _op(name, "x", lambda x: _first_extreme(x, None, arg), _NONE, _NONE,
               latex=f"[{{0}} = \\{kind}]", tensor=True, shown=name,
               vjp=(_zeros_like(0),), jvp=(_zero,), vjp_formulas=("0",), jvp_formulas=("0",),
               shape=lambda x: x, doc=f"1 at the {word} entry (the first at a tie), else 0")


_TENSOR_TABLE += [
    _at_extreme("max", False), _at_extreme("min", False), _at_extreme("max", True),
    _at_extreme("min", True),
    _op("sum_to", "x ref", lambda x, ref: _resize(x, np.shape(ref)), _NONE, _NONE,
        latex="\\operatorname{{sum\\_to}}({0}, {1})", tensor=True, shown="sum_to",
        vjp=(lambda x, ref, o, g: _resize(g, np.shape(x)), _zeros_like(1)),
        jvp=(lambda x, ref, o, t: _resize(t, np.shape(ref)), _zero),
        vjp_formulas=("sum_to({g}, {0})", "0"), jvp_formulas=("sum_to({t}, {1})", "0"),
        shape=_resize_shape,
        doc="x brought to ref's shape: summed over the axes broadcasting copies, or copied "
            "(the adjoint of a broadcast)"),
    _count("size", lambda x: float(np.size(x)), "the number of entries of x"),
    _count("rows", lambda x: float(_rows(x)),
           "the number of examples of logits x (its rows; 1 for a vector)"),
    _op("rowsum", "x", lambda x: np.sum(x, axis=-1, keepdims=True), _NONE, _NONE,
        latex="\\sum_{{-1}} {0}", tensor=True, shown="rowsum",
        vjp=(lambda x, o, g: _resize(g, np.shape(x)),),
        jvp=(lambda x, o, t: np.sum(t, axis=-1, keepdims=True),),
        vjp_formulas=("sum_to({g}, {0})",), jvp_formulas=("rowsum({t})",),
        shape=lambda x: _last_axis(x)[:-1] + (1,),
        doc="the sum along the last axis, kept as an axis of size 1"),
    _op("one_hot", "y z", _one_hot, _NONE, _NONE, latex="\\operatorname{{onehot}}({0})",
        tensor=True, shown="one_hot",
        vjp=(lambda y, z, o, g: _labels_back(g, y), _zeros_like(1)),
        jvp=(lambda y, z, o, t: t if np.shape(y) == np.shape(z) else 0.0, _zero),
        vjp_formulas=("{g}", "0"), jvp_formulas=("{t}", "0"),
        shape=lambda y, z: (_labels_shape(z, y), z)[1],
        doc="labels y as one-hot rows of z's shape (y one-hot already, or class indices)"),
    _op("from_one_hot", "g y", _labels_back, _NONE, _NONE,
        latex="\\operatorname{{labels}}({0})", tensor=True, shown="from_one_hot",
        vjp=(lambda g, y, o, h: h if np.shape(y) == np.shape(g) else np.zeros(np.shape(g)),
             _zeros_like(1)),
        jvp=(lambda g, y, o, t: _labels_back(t, y), _zero),
        vjp_formulas=("{g}", "0"), jvp_formulas=("{t}", "0"),
        shape=lambda g, y: y,
        doc="the adjoint of one_hot: g where the labels y are one-hot, 0 for class indices"),
    _op("spread_axis", "g x axis", _spread, _NONE, _NONE,
        latex="\\operatorname{{spread}}_{{{2}}}({0})", tensor=True, static=("axis",),
        shown="spread_axis",
        vjp=(lambda g, x, axis, o, h: np.sum(h, axis=_ax(axis)), _zeros_like(1), None),
        jvp=(lambda g, x, axis, o, t: _spread(t, x, axis), _zero, None),
        vjp_formulas=("sum({g}, axis={2})", "0", ""),
        jvp_formulas=("spread_axis({t}, {1}, {2})", "0", ""),
        shape=lambda g, x, a, axis: _spread_shape(g, x, axis),
        doc="g copied along axis to x's shape: the adjoint of a sum along that axis"),
    _op("matmul_bt", "g b", _mm_bt, _NONE, _NONE, latex="{0} {1}^{{\\top}}", tensor=True,
        shown="matmul_bt",
        vjp=(lambda g, b, o, h: np.matmul(h, b), lambda g, b, o, h: _mm_at(h, g)),
        jvp=(lambda g, b, o, t: _mm_bt(t, b), lambda g, b, o, t: _mm_bt(g, t)),
        vjp_formulas=("{g} {1}", "{g}ᵀ {0}"), jvp_formulas=("{t} {1}ᵀ", "{0} {t}ᵀ"),
        shape=_mm_bt_shape,
        doc="g bᵀ: the adjoint of a in a @ b (an outer product when b is a vector)"),
    _op("matmul_at", "a g", _mm_at, _NONE, _NONE, latex="{0}^{{\\top}} {1}", tensor=True,
        shown="matmul_at",
        vjp=(lambda a, g, o, h: _mm_bt(g, h), lambda a, g, o, h: np.matmul(a, h)),
        jvp=(lambda a, g, o, t: _mm_at(t, g), lambda a, g, o, t: _mm_at(a, t)),
        vjp_formulas=("{1} {g}ᵀ", "{0} {g}"), jvp_formulas=("{t}ᵀ {1}", "{0}ᵀ {t}"),
        shape=_mm_at_shape,
        doc="aᵀ g: the adjoint of b in a @ b (an outer product when a is a vector)"),
]
DERIVATIVE_HELPERS = frozenset(("sum_to", "spread_axis", "size", "rows", "rowsum", "one_hot",
                                "from_one_hot",
                                "matmul_bt", "matmul_at", "at_max", "at_min", "at_max_axis",
                                "at_min_axis"))
"""The operations above, made for derivative graphs of tensor graphs (not written by users)."""
_TABLE += _TENSOR_TABLE

OPS: dict[str, Op] = {op.name: op for op in _TABLE}
"""Every operation by canonical name."""

INFIX: dict[str, Op] = {op.symbol: op for op in _TABLE if op.kind == "infix"}
"""Binary operators by ASCII symbol."""

FUNCTIONS: dict[str, Op] = {}
"""Callable functions by every accepted name (aliases included); ``pow`` too."""
for _o in _TABLE:
    if _o.kind == "call" and not _o.shown:  # sum_axis is written sum(x, axis=0)
        for _n in (_o.name, *_o.aliases):
            FUNCTIONS[_n] = _o
FUNCTIONS["pow"] = OPS["pow"]
FUNCTIONS["transpose"] = OPS["transpose"]
for _n in DERIVATIVE_HELPERS:  # so that a derivative graph's program parses back
    FUNCTIONS[_n] = OPS[_n]
FUNCTIONS.pop("T", None)  # T is a postfix (W^T), not a function name

CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}
"""Named constants of the expression language."""
