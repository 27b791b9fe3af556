"""Reading what a user gives, within bounds: regular files only, a byte limit that holds for
devices and pipes, text that is really text, and JSON/TOML nested no deeper than a limit.

Every function raises the project's own errors (``error_type``, an
:class:`~autodiff_viz.errors.InputError` subclass by default), never ``OSError``,
``ValueError`` or ``RecursionError``, and never blocks: a FIFO, a character device
(``/dev/zero``), a socket or a block device is refused before it is opened, and a file
is read with at most ``limit + 1`` bytes, whatever ``st_size`` says.

Messages call the file ``the {what}`` and add its path (``the submission is a FIFO
... (class/ann.txt)``), or, with ``name``, call it that (``cannot read point.json:
...``). ``hint`` replaces the hint of a file that cannot be opened.

>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> p = os.path.join(d, "t.txt")
>>> _ = open(p, "wb").write(b"w1 = x1\\nw2 = \\x00 2\\n")
>>> try:
...     read_text(p, what="submission", name="t.txt")
... except InputError as err:
...     print(err.message)
t.txt is a binary file, not text: it contains a NUL byte at offset 13 (line 2, column 6)
>>> nesting_depth('{"a": [[1, "]]]"]]}', "json")
3
"""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

from .errors import InputError, LocatedInputError

MAX_BYTES = 2_000_000  # a trace table, an answer file, a key or a point: a few kilobytes
MAX_DEPTH = 100  # nesting of JSON, TOML and YAML: a matrix is 2 deep, a key 4
_CHUNK = 1 << 16
# control characters that text may hold: tab, newline, vertical tab, form feed, return
_TEXT_CONTROLS = frozenset("\t\n\v\f\r")

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class _Names:
    """How messages name the file: ``the submission`` and its path, or ``name``."""

    def __init__(self, path: str | None, what: str, name: str | None,
                 error_type: type[InputError]) -> None:
        self.label = name or f"the {what}"
        self.path = None if name else path
        self.error_type = error_type

    def error(self, message: str, hint: str | None = None, **where: Any) -> InputError:
        if issubclass(self.error_type, LocatedInputError):
            return self.error_type(message, path=self.path, hint=hint, **where)
        if where.get("line"):
            message += f" (line {where['line']}, column {where.get('column')})"
        if self.path:
            message += f" ({self.path})"
        return self.error_type(message, hint=hint)


def _kind(mode: int) -> str | None:
    """What a non-regular file is (``"a FIFO (named pipe)"``), None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


_UNBOUNDED = "not a regular file: it cannot be read in bounded time"
_REGULAR_HINT = "give a regular file (save what the pipe or device gives in one first)"
_OPEN_HINT = "check the path and the file's permissions"


def require_regular(path: str | Path, error_type: type[InputError] = InputError,
                    what: str = "file", *, name: str | None = None,
                    hint: str | None = None) -> os.stat_result:
    """``os.stat(path)`` for a regular file; a clear error for anything else.

    A FIFO, a device or a socket cannot be read in bounded time (it may block forever
    or never end), so it is refused before it is opened.
    """
    p = os.fspath(path)
    n = _Names(p, what, name, error_type)
    try:
        st = os.stat(p)
    except ValueError:  # an embedded NUL: no file can have this name
        raise n.error(f"cannot read {n.label}: its name contains a NUL byte",
                      hint or "check the path") from None
    except OSError as err:
        raise n.error(f"cannot read {n.label}: {err.strerror or err}",
                      hint or _OPEN_HINT) from None
    kind = _kind(st.st_mode)
    if kind == "a folder":
        raise n.error(f"{n.label} is a folder, not a file", hint)
    if kind is not None:
        raise n.error(f"{n.label} is {kind}, {_UNBOUNDED}", _REGULAR_HINT)
    return st


def read_bytes(path: str | Path, error_type: type[InputError] = InputError,
               what: str = "file", limit: int = MAX_BYTES, *, name: str | None = None,
               hint: str | None = None) -> bytes:
    """The file's bytes: a regular file of at most ``limit`` bytes, or a clear error.

    The limit is enforced by reading (at most ``limit + 1`` bytes), not by trusting
    ``st_size``, and the file is checked again once open (it may have been replaced).
    """
    p = os.fspath(path)
    n = _Names(p, what, name, error_type)
    require_regular(p, error_type, what, name=name, hint=hint)
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
             | getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(p, flags)
    except OSError as err:
        raise n.error(f"cannot read {n.label}: {err.strerror or err}",
                      hint or _OPEN_HINT) from None
    chunks: list[bytes] = []
    size = 0
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise n.error(f"{n.label} is {kind}, {_UNBOUNDED}", _REGULAR_HINT)
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise n.error(f"cannot read {n.label}: {err.strerror or err}", hint or _OPEN_HINT
                      ) from None
    finally:
        os.close(fd)
    if size > limit:
        raise n.error(f"{n.label} is too large (more than {limit:,} bytes; the limit is "
                      f"{limit:,})",
                      "a trace table, an answer file, a key or a point is a few kilobytes")
    return b"".join(chunks)


def read_stdin(error_type: type[InputError] = InputError, what: str = "standard input",
               limit: int = MAX_BYTES) -> str:
    """Standard input (an explicit ``-``) as UTF-8 text, at most ``limit`` bytes.

    ``what`` names it in messages (``standard input (EXPR is '-')``).
    """
    n = _Names(None, what, what, error_type)
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a replaced sys.stdin (tests): text already
        raw = sys.stdin.read(limit + 1).encode("utf-8", "surrogateescape")
    else:
        raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise n.error(f"{n.label} is too large (more than {limit:,} bytes; the limit is "
                      f"{limit:,})")
    return decode_text(raw, None, error_type, what, name=what)


def binary_reason(data: bytes | str) -> str | None:
    """Why ``data`` is binary, not text (a NUL byte, or many control characters); or None.

    >>> binary_reason(b"w1 = 2\\n\\x00")
    'it contains a NUL byte at offset 7 (line 2, column 1)'
    >>> binary_reason("w1 = 2") is None
    True
    """
    nul = data.find(b"\x00") if isinstance(data, bytes) else data.find("\x00")
    if nul >= 0:
        return f"it contains a NUL byte at offset {nul}{_position(data, nul)}"
    text = data[:_CHUNK].decode("utf-8", "replace") if isinstance(data, bytes) else data[:_CHUNK]
    controls = [i for i, ch in enumerate(text)
                if (ch < " " or ch == "\x7f") and ch not in _TEXT_CONTROLS]
    if controls and len(controls) * 100 > len(text):  # more than 1% of the text: binary
        i = controls[0]
        return (f"it contains {len(controls):,} control characters (the first, "
                f"0x{ord(text[i]):02x}, at character {i}{_position(text, i)})")
    return None


def _position(data: bytes | str, offset: int) -> str:
    nl: Any = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(nl, 0, offset) + 1
    col = offset - (data.rfind(nl, 0, offset) + 1) + 1
    return f" (line {line}, column {col})"


def decode_text(raw: bytes, path: str | None, error_type: type[InputError] = InputError,
                what: str = "file", *, name: str | None = None) -> str:
    """``raw`` as UTF-8 text (a byte order mark dropped); clear errors for binary data."""
    n = _Names(path, what, name, error_type)
    reason = binary_reason(raw)
    if reason is not None:
        raise n.error(f"{n.label} is a binary file, not text: {reason}",
                      "give a plain text, TOML, JSON or YAML file")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        before = raw[:err.start]
        line = before.count(b"\n") + 1
        col = err.start - (before.rfind(b"\n") + 1) + 1
        raise n.error(f"{n.label} is not UTF-8 text (byte 0x{raw[err.start]:02x})",
                      "save it as plain UTF-8 text (not a Word or PDF file)",
                      line=line, column=col) from None


def read_text(path: str | Path, error_type: type[InputError] = InputError,
              what: str = "file", limit: int = MAX_BYTES, *, name: str | None = None,
              hint: str | None = None) -> str:
    """A regular file's UTF-8 text, at most ``limit`` bytes (:func:`read_bytes`)."""
    raw = read_bytes(path, error_type, what, limit, name=name, hint=hint)
    return decode_text(raw, os.fspath(path), error_type, what, name=name)


def nesting_depth(text: str, fmt: str, stop: int | None = None) -> int:
    """How deep ``[`` and ``{`` nest in JSON, TOML or YAML text (strings and comments
    skipped).

    A linear scan, done before parsing: the parsers recurse once per level. With
    ``stop``, the scan ends as soon as the depth passes it.
    """
    return _scan_depth(text, fmt, stop)[0]


def _scan_depth(text: str, fmt: str, stop: int | None) -> tuple[int, int]:
    """The deepest nesting and the offset where it is first reached."""
    depth = deepest = where = 0
    i, n = 0, len(text)
    quotes = '"' if fmt == "json" else "\"'"
    while i < n:
        ch = text[i]
        if ch in quotes:
            triple = fmt == "toml" and text.startswith(ch * 3, i)
            end = ch * 3 if triple else ch
            j = i + len(end)
            escapes = ch == '"'  # TOML's and YAML's '...' strings have no escapes
            while j < n:
                if escapes and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(end, j):
                    break
                if not triple and text[j] == "\n" and fmt != "json":
                    break  # an unclosed quote ends with its line (TOML, YAML)
                j += 1
            i = j + len(end)
            continue
        if ch == "#" and fmt in ("toml", "yaml"):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, where = depth, i
                if stop is not None and deepest > stop:
                    return deepest, where
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest, where


def check_depth(text: str, fmt: str, path: str | None = None,
                error_type: type[InputError] = InputError, what: str = "file",
                limit: int = MAX_DEPTH, *, name: str | None = None) -> None:
    """Refuse JSON, TOML or YAML nested deeper than ``limit`` (before parsing it)."""
    if fmt not in ("json", "toml", "yaml"):
        return
    deepest, where = _scan_depth(text, fmt, stop=limit)
    if deepest > limit:
        n = _Names(path, what, name, error_type)
        line = text.count("\n", 0, where) + 1
        column = where - (text.rfind("\n", 0, where) + 1) + 1
        raise n.error(f"{n.label} is nested too deeply: more than {limit} levels of "
                      f"brackets (the limit is {limit})",
                      "answers, keys and points are numbers, lists and tables a few "
                      "levels deep", line=line, column=column)


def too_deep(path: str | None, error_type: type[InputError] = InputError, what: str = "file",
             limit: int = MAX_DEPTH, *, name: str | None = None) -> InputError:
    """The error for a parser's ``RecursionError`` (nesting the bracket count missed)."""
    n = _Names(path, what, name, error_type)
    return n.error(f"{n.label} is nested too deeply to read (the limit is {limit} levels)",
                   "answers, keys and points are numbers, lists and tables a few levels "
                   "deep")
