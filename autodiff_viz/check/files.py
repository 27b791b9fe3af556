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
from typing import Any

from ..errors import LocatedInputError
from .figures import Figure

FORMATS = {".toml": "toml", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}
MAX_BYTES = 2_000_000


def format_of(path: str | Path) -> str | None:
    """``"toml"``, ``"json"`` or ``"yaml"`` from the file's suffix; None for text."""
    return FORMATS.get(Path(path).suffix.lower())


def read_text(path: str | Path, error_type: type[LocatedInputError] = LocatedInputError,
              what: str = "file") -> str:
    """The file's text (UTF-8); clear errors for missing, binary or huge files."""
    p = Path(path)
    try:
        if p.is_dir():
            raise error_type(f"the {what} is a folder, not a file", path=str(p))
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise error_type(f"the {what} is too large ({size:,} bytes; the limit is "
                             f"{MAX_BYTES:,})", path=str(p),
                             hint="a trace table or answer file is a few kilobytes")
        raw = p.read_bytes()
    except OSError as err:
        raise error_type(f"cannot read the {what}: {err.strerror or err}", path=str(p),
                         hint="check the path and the file's permissions") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw[:8192]:
        raise error_type(f"the {what} is a binary file, not text", path=str(p),
                         hint="submit a plain text, TOML, JSON or YAML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        before = raw[:err.start]
        line = before.count(b"\n") + 1
        col = err.start - (before.rfind(b"\n") + 1) + 1
        raise error_type(f"the {what} is not UTF-8 text (byte 0x{raw[err.start]:02x})",
                         path=str(p), line=line, column=col,
                         hint="save it as plain UTF-8 text (not a Word or PDF file)") from None
    return text


def _toml_float(text: str) -> Figure:
    return Figure(float(text), text)


def _json_float(text: str) -> Figure:
    return Figure(float(text), text)


def load_data(text: str, fmt: str, path: str | None = None,
              error_type: type[LocatedInputError] = LocatedInputError) -> Any:
    """Parse TOML, JSON or YAML text; syntax errors show the line with a caret."""
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
    raise ValueError(f"unknown format {fmt!r}")


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
