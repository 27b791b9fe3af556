"""A student's key written as TOML in the existing key format (``check.load_key`` reads it).

Written by hand, in a fixed order (scalars, then tables, then ``[[ask]]``), so the
same problem always gives the same bytes.

>>> print(toml_text({"title": "HW", "expression": "x*y", "at": {"x": 2.0, "y": 0.5},
...                  "tolerance": {"rel": 1e-6}, "ask": [{"kind": "gradient", "points": 2}]}))
title = "HW"
expression = "x*y"
at = { x = 2, y = 0.5 }
<BLANKLINE>
[tolerance]
rel = 1e-06
<BLANKLINE>
[[ask]]
kind = "gradient"
points = 2
<BLANKLINE>
"""
from __future__ import annotations

import json
import re
from typing import Any, Mapping

_BARE = re.compile(r"[A-Za-z0-9_-]+")
ORDER = ("title", "description", "expression", "at", "notation", "carried_credit")


def _key(k: str) -> str:
    return k if _BARE.fullmatch(k) else json.dumps(k)


def value(v: Any) -> str:
    """One TOML value: a string, number, boolean, list or inline table."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(str(k))} = {value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} in a key")


def toml_text(data: Mapping[str, Any], comment: str = "") -> str:
    """The key's fields as TOML text (``comment`` lines first, each after ``# ``)."""
    lines = [f"# {c}" if c else "#" for c in comment.splitlines()]
    scalars = [k for k in ORDER if k in data] + sorted(
        k for k, v in data.items() if k not in ORDER and k != "ask" and (
            not isinstance(v, Mapping) or k == "at"))
    lines += [f"{_key(k)} = {value(data[k])}" for k in scalars]
    for k in sorted(k for k, v in data.items() if isinstance(v, Mapping) and k not in scalars):
        lines += ["", f"[{_key(k)}]"] + [f"{_key(str(f))} = {value(x)}"
                                         for f, x in data[k].items()]
    for ask in data.get("ask", []):
        lines += ["", "[[ask]]"] + [f"{_key(str(f))} = {value(x)}" for f, x in ask.items()]
    return "\n".join(lines) + "\n"
