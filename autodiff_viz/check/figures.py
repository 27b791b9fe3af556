"""Numbers as students write them, and the tolerance that decides whether one is right.

A :class:`Figure` is a float that remembers its written text, so the rounding
rule can see how many decimals were written: ``0.9``, ``6.9`` and ``2.58`` are
the true values of the worked example rounded to 1, 1 and 2 decimals.

>>> tol = Tolerance()
>>> tol.judge(Figure.parse("2.58"), 2.5838531634528574).ok
True
>>> tol.judge(Figure.parse("2.59"), 2.5838531634528574).ok
False
>>> tol.expected_text(2.5838531634528574, Figure.parse("2.59"))
'2.58'
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from typing import Any, Mapping, NamedTuple

from ..printing import format_number

_LITERAL = re.compile(r"(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?")
_NUMBER = re.compile(r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class Figure(float):
    """A float that keeps the text it was written with (``None`` when computed).

    >>> f = Figure.parse("-0.4160")
    >>> float(f), f.text, f.decimals, f.significant
    (-0.416, '-0.4160', 4, 4)
    >>> Figure.parse("1.5e-3").decimals, Figure(0.25).text
    (4, '0.25')
    """

    text: str | None

    def __new__(cls, value: float, text: str | None = "") -> "Figure":
        obj = super().__new__(cls, value)
        if text == "":  # written as a Python float: its shortest repr is what was typed
            text = format_number(float(value)) if math.isfinite(value) else None
        obj.text = text
        return obj

    def __getnewargs__(self) -> tuple[float, str | None]:  # type: ignore[override]  # pickling
        return (float(self), self.text)

    @classmethod
    def parse(cls, text: str) -> "Figure":
        """A figure from its text, e.g. ``"2.58"``, ``"-0.4161"``, ``"1e-3"``, ``"−1"``."""
        clean = text.strip().replace("−", "-").replace("_", "")
        if not _NUMBER.fullmatch(clean):
            raise ValueError(f"not a number: {text!r}")
        return cls(float(clean), clean)

    def _parts(self) -> tuple[str, str, int] | None:
        if not self.text:
            return None
        m = _NUMBER.search(self.text.replace("−", "-"))
        if m is None:
            return None
        lit = _LITERAL.fullmatch(m.group().lstrip("+-"))
        if lit is None:
            return None
        return lit.group(1) or "", lit.group(2) or "", int(lit.group(3) or 0)

    @property
    def decimals(self) -> int | None:
        """Decimals written (``2.58`` → 2, ``3`` → 0, ``1.5e-3`` → 4); None when computed."""
        p = self._parts()
        return None if p is None else len(p[1]) - p[2]

    @property
    def significant(self) -> int | None:
        """Significant digits written (``0.090`` → 2, ``0`` → 0); None when computed."""
        p = self._parts()
        if p is None:
            return None
        return len((p[0] + p[1]).lstrip("0"))

    def __repr__(self) -> str:
        return self.text if self.text else float.__repr__(self)


class Judgement(NamedTuple):
    """Whether a figure is accepted, and how (``"exact"``, ``"tolerance"``, ``"rounded"``)."""

    ok: bool
    how: str


@dataclass(frozen=True)
class Tolerance:
    """When a number counts as right.

    Accepted when ``|got - true| <= abs + rel*|true|``, or (``rounding``) when a
    figure written with d decimals equals the true value rounded to d decimals
    and has at least ``min_digits`` significant digits (so ``0`` is not accepted
    for 0.4) and at least ``min_decimals`` decimals (when set). A number written
    without a decimal point counts as having at least ``whole_number_digits``
    significant digits: ``3`` means 3.00, so it is not accepted for 2.58, but
    ``1`` is accepted for 0.9999996 (0 gives the bare rule: 3 passes for 2.58).

    >>> Tolerance().judge(Figure.parse("0.9"), 0.9092974268256817)
    Judgement(ok=True, how='rounded')
    >>> Tolerance(rounding=False).judge(Figure.parse("0.9"), 0.9092974268256817).ok
    False
    >>> Tolerance().judge(Figure.parse("0"), 0.4).ok, Tolerance(min_decimals=2).judge(Figure.parse("6.9"), 6.909).ok
    (False, False)
    >>> Tolerance().judge(Figure.parse("3"), 2.5838).ok, Tolerance().judge(Figure.parse("1"), 0.9999996).ok
    (False, True)
    """

    abs: float = 1e-9
    rel: float = 1e-6
    rounding: bool = True
    min_digits: int = 1
    min_decimals: int | None = None
    whole_number_digits: int = 3  # as many as courses round to: 137 passes for 136.688

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Tolerance":
        """Build from a key's ``[tolerance]`` table; raises ValueError naming a bad field."""
        known = {f.name for f in fields(cls)}
        bad = [k for k in data if k not in known]
        if bad:
            raise ValueError(f"unknown tolerance setting {bad[0]!r} (known: {', '.join(sorted(known))})")
        out: dict[str, Any] = {}
        for k, v in data.items():
            if k == "rounding":
                if not isinstance(v, bool):
                    raise ValueError(f"tolerance {k!r} must be true or false")
                out[k] = v
            elif k in ("min_digits", "min_decimals", "whole_number_digits"):
                if isinstance(v, bool) or not isinstance(v, int):
                    raise ValueError(f"tolerance {k!r} must be a whole number")
                out[k] = v
            else:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                    raise ValueError(f"tolerance {k!r} must be a number >= 0")
                out[k] = float(v)
        return cls(**out)

    def close(self, got: float, true: float) -> bool:
        """Absolute/relative closeness only (for computed values, which have no decimals)."""
        if not (math.isfinite(got) and math.isfinite(true)):
            return got == true
        return abs(got - true) <= self.abs + self.rel * abs(true)

    def judge(self, got: float, true: float) -> Judgement:
        """Is ``got`` (a :class:`Figure` or a plain float) the true value?"""
        if got == true:
            return Judgement(True, "exact")
        if self.close(float(got), float(true)):
            return Judgement(True, "tolerance")
        if self.rounding and isinstance(got, Figure) and math.isfinite(true):
            d, sig = got.decimals, got.significant
            text = got.text or ""
            if d is not None and sig is not None and "." not in text and "e" not in text.lower():
                d = max(d, self.whole_number_digits - (sig + d))  # 3 is 3.00
            if d is not None and sig is not None:
                half = 0.5 * 10.0 ** -max(-300, min(300, d))  # 1e400 is not a figure
                if abs(float(got) - true) <= half * (1 + 1e-9) + 1e-12 * abs(true):
                    if sig >= self.min_digits and (self.min_decimals is None
                                                   or d >= self.min_decimals):
                        return Judgement(True, "rounded")
                    return Judgement(False, "coarse")  # right, but rounded too far
        return Judgement(False, "wrong")

    def rule(self) -> str:
        """The digits rule in words: ``give at least 3 significant digits``."""
        parts = []
        if self.min_digits > 1:
            parts.append(f"at least {self.min_digits} significant digits")
        if self.min_decimals is not None:
            parts.append(f"at least {self.min_decimals} decimal"
                         f"{'s' if self.min_decimals != 1 else ''}")
        return "give " + " and ".join(parts or ["more digits"])

    def wrong_message(self, got: float, true: float) -> str:
        """What to tell a student whose figure ``got`` is not accepted for ``true``."""
        if self.judge(got, true).how == "coarse":
            return (f"rounded too far: {self.rule()} ({getattr(got, 'text', None) or got} "
                    f"is {describe(true)} rounded to fewer digits)")
        shown = self.expected_text(true, got)
        return f"wrong value: expected {shown}" + (
            f" ({describe(true)})" if shown != describe(true) else "")

    def expected_text(self, true: float, got: float | None = None) -> str:
        """The true value as the student should have written it (rounded like ``got``)."""
        d = got.decimals if isinstance(got, Figure) else None
        full = format_number(true, 6)
        if d is not None and 0 < d <= 12 and self.rounding and math.isfinite(true):
            shown = f"{true:.{d}f}"
            if shown.startswith("-") and float(shown) == 0:
                shown = shown[1:]
            return shown
        return full


def describe(value: float) -> str:
    """A value for messages: six significant digits (``0.909297``)."""
    return format_number(value, 6)
