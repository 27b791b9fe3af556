"""Reading keys and submissions: TOML, JSON and YAML files, numbers kept as written.

Floats come back as :class:`~autodiff_viz.check.figures.Figure` (the text the
author typed is kept for the rounding rule). Syntax errors become
``error_type`` exceptions that show the line and a caret.

>>> data = load_data('x = 2.50\\nname = "a"', "toml")
>>> data["x"].text, data["name"]
('2.50', 'a')
>>> load_data('{"x": 0.90}', "json")["x"].decimals
2
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from .. import readfile
from ..errors import LocatedInputError
from .figures import Figure

FORMATS = {".toml": "toml", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}
MAX_BYTES = readfile.MAX_BYTES
MAX_DEPTH = readfile.MAX_DEPTH


def format_of(path: str | Path) -> str | None:
    """``"toml"``, ``"json"`` or ``"yaml"`` from the file's suffix; None for text."""
    return FORMATS.get(Path(path).suffix.lower())


def read_text(path: str | Path, error_type: type[LocatedInputError] = LocatedInputError,
              what: str = "file") -> str:
    """The file's text (UTF-8); clear errors for missing, binary or huge files, folders,
    FIFOs and devices (:func:`autodiff_viz.readfile.read_text`: at most ``MAX_BYTES``
    are read, whatever the file system says its size is)."""
    return readfile.read_text(path, error_type, what, MAX_BYTES)


def read_source(source: Any, error_type: type[LocatedInputError], what: str
                ) -> tuple[Any, str | None, str | None]:
    """``(data, text, path)`` of a key or template given as a dict, a path (``.toml``,
    ``.json``, ``.yaml``) or TOML/JSON text; errors are ``error_type`` and name ``what``.

    >>> read_source('x = 1.0', LocatedInputError, "key")[0]["x"].text
    '1.0'
    """
    if isinstance(source, Mapping):
        return source, None, None
    if not isinstance(source, (str, Path)):
        raise error_type(f"cannot read a {what} from {type(source).__name__}",
                         hint="give a path, TOML/JSON text or a dict")
    s = str(source)
    if isinstance(source, Path) or ("\n" not in s and "=" not in s and "\x00" not in s
                                    and len(s) <= 4096 and not s.lstrip().startswith("{")):
        fmt = format_of(s)
        if fmt is None:
            raise error_type(f"cannot tell the format of the {what} {s}", path=s,
                             hint=f"name the {what} file .toml, .json or .yaml")
        text = read_text(s, error_type, what)
        return load_data(text, fmt, s, error_type), text, s
    return load_data(s, "json" if s.lstrip().startswith("{") else "toml", None,
                     error_type), s, None


def _toml_float(text: str) -> Figure:
    return Figure(float(text), text)


def _json_float(text: str) -> Figure:
    return Figure(float(text), text)


def load_data(text: str, fmt: str, path: str | None = None,
              error_type: type[LocatedInputError] = LocatedInputError) -> Any:
    """Parse TOML, JSON or YAML text; syntax errors show the line with a caret.

    Text nested deeper than ``MAX_DEPTH`` brackets is refused before parsing (the
    parsers recurse once per level), with an error naming the file and the limit.
    """
    what = {"ProblemKeyError": "key", "SubmissionError": "submission"}.get(
        error_type.__name__, "file")
    readfile.check_depth(text, fmt, path, error_type, what, MAX_DEPTH)
    try:
        return _load_data(text, fmt, path, error_type)
    except RecursionError:
        raise readfile.too_deep(path, error_type, what, MAX_DEPTH) from None


def _load_data(text: str, fmt: str, path: str | None,
               error_type: type[LocatedInputError]) -> Any:
    if fmt == "toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]

        try:
            return tomllib.loads(text, parse_float=_toml_float)
        except tomllib.TOMLDecodeError as err:
            msg = str(err)
            m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
            if m:
                msg = msg[:m.start()].strip()
            raise error_type(f"invalid TOML: {msg}", path=path, source=text,
                             line=int(m.group(1)) if m else None,
                             column=int(m.group(2)) if m else None,
                             hint="strings need quotes (expression = \"sin(x1)\"), "
                                  "tables are [name]; for a key: python -m pydoc autodiff_viz.check.keys") from None
    if fmt == "json":
        try:
            return json.loads(text, parse_float=_json_float)
        except json.JSONDecodeError as err:
            raise error_type(f"invalid JSON: {err.msg}", path=path, source=text,
                             line=err.lineno, column=err.colno,
                             hint="JSON needs double quotes and no trailing commas") from None
    if fmt == "yaml":
        return _load_yaml(text, path, error_type)
    raise error_type(f"unknown format {fmt!r}", path=path, hint="use toml, json or yaml")


def _load_yaml(text: str, path: str | None, error_type: type[LocatedInputError]) -> Any:
    try:
        import yaml
    except ImportError:
        raise error_type("reading YAML needs the PyYAML package, which is not installed",
                         path=path, hint="install it (pip install pyyaml) or write the "
                                         "file as TOML or JSON") from None

    class Loader(yaml.SafeLoader):  # floats keep their written text
        pass

    def construct_float(loader: Any, node: Any) -> Any:
        value = yaml.SafeLoader.construct_yaml_float(loader, node)
        try:
            return Figure(value, node.value) if isinstance(value, float) else value
        except (TypeError, ValueError):
            return value

    Loader.add_constructor("tag:yaml.org,2002:float", construct_float)
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        raise error_type(f"invalid YAML: {problem}", path=path, source=text,
                         line=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None,
                         hint="check the indentation and quote strings with ':' in them") from None
