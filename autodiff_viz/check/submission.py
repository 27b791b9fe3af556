"""Submissions: a plain-text trace table, or a TOML/JSON/YAML file of answers.

A structured submission holds one field per ask of the key (``gradient =
{ x1 = 2.58, x2 = 2 }``, ``formula_x1 = "cos(x1) + x2"``), trace tables as
text (``trace = \"\"\"...\"\"\"``) and optionally ``student = "alice"``.

>>> s = load_submission("student: alice\\nw3 = w1*w2 = 6")
>>> s.student, s.format, s.tables[0][1].strip()
('alice', 'text', 'w3 = w1*w2 = 6')
>>> load_submission({"gradient": {"x1": 2.58}, "trace": "w1 = x1"}).answers
{'gradient': {'x1': 2.58}}
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import SubmissionError
from ..readfile import binary_reason
from .files import format_of, load_data, read_text
from .read import MAX_LINE_CHARS

TABLE_FIELDS = ("trace", "table", "forward", "reverse", "primal", "steps")
_STUDENT_LINE = re.compile(r"(?:#+\s*)?student\s*[:=]\s*(?P<name>\S.*)", re.IGNORECASE)


@dataclass
class Submission:
    """What a student handed in."""

    answers: dict[str, Any] = field(default_factory=dict)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (origin, text)
    student: str | None = None
    path: str | None = None
    format: str = "text"
    fields: list[str] = field(default_factory=list)  # structured: every field given


def load_submission(source: Any, student: str | None = None,
                    table_fields: tuple[str, ...] = ()) -> Submission:
    """A :class:`Submission` from a path, a dict, JSON text or a trace table's text.

    A path's file name (without suffix) is the student's name unless the file says.
    """
    if isinstance(source, Submission):
        if student:
            source.student = student
        return source
    if isinstance(source, Mapping):
        sub = _structured(source, None, "dict", table_fields)
    elif isinstance(source, Path) or (isinstance(source, str) and looks_like_path(source)):
        path = str(source)
        text = read_text(path, SubmissionError, "submission")
        fmt = format_of(path)
        if fmt is None:
            sub = _text(text, "")
        else:
            data = load_data(text, fmt, path, SubmissionError)
            if not isinstance(data, Mapping):
                raise SubmissionError(f"a {fmt.upper()} submission must be a table of answers",
                                      path=path, hint='e.g. gradient = { x1 = 2.58, x2 = 2 }')
            sub = _structured(data, path, fmt, table_fields)
        sub.path = path
        if sub.student is None:
            sub.student = Path(path).stem
    elif isinstance(source, str):
        reason = binary_reason(source)
        if reason is not None:
            raise SubmissionError(f"the submission is binary, not text: {reason}",
                                  hint="give a trace table's text, a dict or a path")
        if source.lstrip().startswith("{"):
            data = load_data(source, "json", None, SubmissionError)
            if not isinstance(data, Mapping):
                raise SubmissionError("a JSON submission must be an object of answers")
            sub = _structured(data, None, "json", table_fields)
        else:
            sub = _text(source, "")
    else:
        raise SubmissionError(f"cannot read a submission from {type(source).__name__}",
                              hint="give a path, a dict, or the trace table as text")
    if student:
        sub.student = student
    return sub


def looks_like_path(text: str) -> bool:
    """Is a string a file's path rather than a table's or a JSON object's text?

    One line, no ``=``, not JSON, no NUL byte and no longer than a path can be.
    """
    return ("\n" not in text and "=" not in text and "\x00" not in text
            and 0 < len(text) <= 4096 and bool(text.strip())
            and not text.lstrip().startswith("{"))


def _text(text: str, origin: str) -> Submission:
    if not text.strip():
        raise SubmissionError("the submission is empty", path=origin or None,
                              hint="write one step per line, e.g. w3 = w1*w2 = 6")
    student = None
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if len(line) > MAX_LINE_CHARS or "student" not in line.lower():
            continue  # a line too long is not read (read.py says so in a note)
        m = _STUDENT_LINE.fullmatch(line.strip())
        if m:
            student = student or m.group("name").strip().strip("\"'")
            lines[k] = ""
    return Submission(tables=[(origin, "\n".join(lines))], student=student, format="text")


def _structured(data: Mapping[str, Any], path: str | None, fmt: str,
                table_fields: tuple[str, ...]) -> Submission:
    sub = Submission(path=path, format=fmt, fields=[str(k) for k in data])
    for k, v in data.items():
        key = str(k)
        if key == "student":
            if not isinstance(v, (str, int)):
                raise SubmissionError("'student' must be a name", path=path)
            sub.student = str(v)
        elif (key in TABLE_FIELDS or key in table_fields) and isinstance(v, str):
            sub.tables.append((key, v))
        else:
            sub.answers[key] = v
    if not sub.answers and not sub.tables:
        raise SubmissionError("the submission has no answers", path=path,
                              hint="give a field per question, e.g. gradient = { x1 = 2.58 }")
    return sub
