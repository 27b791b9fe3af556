"""Standard output and error as the command line uses them: encodings and colour.

* An output whose encoding cannot write the Unicode symbols of the views (``∂``,
  ``ẇ``, ``w̄``, ``−``, ``·``), such as ``PYTHONIOENCODING=cp1252`` or an ASCII
  locale, gets the ASCII view (as ``--ascii``) without being asked, and any
  character it still cannot write is spelled in ASCII (``∂`` as ``d``, ``…`` as
  ``...``, ``ẇ`` as ``w``, ``θ`` as ``theta``) or, failing that, written ``?``:
  never a ``UnicodeEncodeError``. Standard error gets one character for each,
  so that a caret stays under its column (and a byte that is not text in a
  file name or argument, a lone surrogate, is written ``?`` on both).
* Colour (``--color auto``): not when ``NO_COLOR`` is set to anything but the
  empty string; else always when ``FORCE_COLOR`` is set (to anything but
  ``""``, ``0`` or ``false``); else only on a terminal whose ``TERM`` is not
  ``dumb``. ``--color always`` and ``never`` win over the environment.

>>> _spell("∂z/∂x1 = −0.5 · 2 …")
'dz/dx1 = -0.5 * 2 ...'
>>> _spell("ẇ5 = w̄3 ▶ θ²"), _spell("1 | sin(θ) +* …", narrow=True)
('w5 = w3 > theta2', '1 | sin(?) +* .')
"""
from __future__ import annotations

import codecs
import contextlib
import os
import sys
import unicodedata
from typing import IO, Iterator

ERRORS = "autodiff_viz.ascii"
"""The name of the codec error handler that spells characters in ASCII."""
NARROW = "autodiff_viz.ascii1"
"""The same, one character for each (for messages with a caret under a column)."""

SAMPLE = "∂ẇw̄−·…▶•─"
"""Characters the Unicode views print; an encoding that cannot write them gets ASCII."""

ASCII = {
    "∂": "d", "−": "-", "·": "*", "×": "x", "…": "...", "→": "->", "←": "<-", "▶": ">",
    "•": "*", "─": "-", "━": "-", "│": "|", "└": "`", "├": "|", "┌": "+", "┐": "+",
    "┘": "+", "┬": "+", "┴": "+", "┼": "+", "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~",
    "⊙": "(.)", "ᵀ": "^T", "‖": "||", "√": "sqrt", "∑": "sum", "∇": "grad", "✓": "ok",
    "✗": "x", "—": "--", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "θ": "theta",
    "σ": "sigma", "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "eps",
    "η": "eta", "λ": "lambda", "μ": "mu", "π": "pi", "φ": "phi", "ω": "omega", "Σ": "sum",
    "⎡": "[", "⎢": "[", "⎣": "[", "⎤": "]", "⎥": "]", "⎦": "]",
}


def _spell(text: str, narrow: bool = False) -> str:
    out = []
    for ch in text:
        if ch in ASCII and (len(ASCII[ch]) == 1 or not narrow):
            out.append(ASCII[ch])
        elif narrow and ch in ASCII:
            out.append(ASCII[ch][0] if ch in "…—" else "?")
        elif ch.isascii():
            out.append(ch)
        else:  # ẇ -> w, ² -> 2; what has no ASCII form at all -> ?
            plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii())
            if not plain and unicodedata.combining(ch):
                continue  # a combining mark (the bar of w̄): its letter is already there
            out.append(plain if plain and (len(plain) == 1 or not narrow) else "?")
    return "".join(out)


def _handler(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    return _spell(err.object[err.start:err.end]), err.end


def _narrow_handler(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    return _spell(err.object[err.start:err.end], narrow=True), err.end


for _name, _fn in ((ERRORS, _handler), (NARROW, _narrow_handler)):
    try:
        codecs.lookup_error(_name)
    except LookupError:
        codecs.register_error(_name, _fn)


def ascii_text(text: str) -> str:
    """``text`` in ASCII, for ``--ascii`` (``∂`` as ``d``, ``…`` as ``...``).

    >>> ascii_text("dz/dw1 = 1*3    ∂z/∂x1")
    'dz/dw1 = 1*3    dz/dx1'
    """
    return text if text.isascii() else _spell(text)


def writes_unicode(stream: IO[str] | None = None) -> bool:
    """Can ``stream`` (default: standard output) write the Unicode views' symbols?"""
    stream = stream if stream is not None else sys.stdout
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True  # a StringIO: it takes any text
    try:
        SAMPLE.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


@contextlib.contextmanager
def prepared() -> Iterator[None]:
    """While the command runs, standard output never raises UnicodeEncodeError (nor
    standard error when it cannot write Unicode); the streams are as before after."""
    saved = []
    for stream, errors in ((sys.stdout, ERRORS), (sys.stderr, NARROW)):
        if stream is None or not hasattr(stream, "reconfigure"):
            continue
        try:
            old = stream.errors
            stream.reconfigure(errors=errors)
        except (AttributeError, ValueError, OSError):
            continue
        saved.append((stream, old))
    try:
        yield
    finally:
        for stream, old in saved:
            with contextlib.suppress(AttributeError, ValueError, OSError):
                stream.reconfigure(errors=old)


def _env(name: str) -> str:
    return os.environ.get(name, "")


def color_wanted(choice: str = "auto", stream: IO[str] | None = None) -> bool:
    """``--color``: ``always``, ``never``, or ``auto`` (the rule in the module's doc)."""
    if choice != "auto":
        return choice == "always"
    if _env("NO_COLOR"):
        return False
    if _env("FORCE_COLOR") and _env("FORCE_COLOR").lower() not in ("0", "false"):
        return True
    if _env("TERM") == "dumb":
        return False
    stream = stream if stream is not None else sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
