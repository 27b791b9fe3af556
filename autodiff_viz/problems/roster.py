"""The class roster: one student per row of a CSV file (``id``, and optionally ``name``
and ``email``).

The id names each student's files (``out/keys/<id>.toml``), so it must be usable
as a file name: letters, digits, ``.``, ``_`` and ``-``, not starting with ``.``.
Gradescope's submission metadata gives a student's ``sid`` (the roster's id) and
``email``; the autograder finds the key by either.

>>> students = read_roster("id,name,email\\n1001,Ada Lovelace,ada@uni.edu\\n1002,Ben,\\n")
>>> [(s.id, s.name, s.email) for s in students]
[('1001', 'Ada Lovelace', 'ada@uni.edu'), ('1002', 'Ben', '')]
>>> try:
...     read_roster("id\\n1001\\n1001\\n", "roster.csv")
... except TemplateError as err:
...     print(err.render())
error: student id '1001' is listed twice (rows 2 and 3) (roster.csv, line 3)
3 | 1001
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from .template import TemplateError

SAFE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
ID_COLUMNS = ("id", "sid", "student_id", "student id", "student")


@dataclass(frozen=True)
class Student:
    """One student: the id (file names, keys), and the name and email shown on handouts."""

    id: str
    name: str = ""
    email: str = ""


def _error(message: str, path: str | None, text: str | None, line: int | None,
           hint: str | None = None) -> TemplateError:
    return TemplateError(message, path=path, source=text, line=line, hint=hint)


def read_roster(text: str, path: str | None = None) -> list[Student]:
    """Students from CSV text with a header row naming an ``id`` column."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or not any(c.strip() for c in rows[0]):
        raise _error("the roster is empty", path, None, None,
                     "write a header row and one row per student: id,name,email")
    header = [c.strip().lower() for c in rows[0]]
    col = next((header.index(c) for c in ID_COLUMNS if c in header), None)
    if col is None:
        raise _error(f"the roster's header has no id column (it has: {', '.join(header)})",
                     path, text, 1, "name the column of student ids 'id': id,name,email")
    name_col = header.index("name") if "name" in header else None
    email_col = header.index("email") if "email" in header else None
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        sid = row[col].strip() if col < len(row) else ""
        if not SAFE_ID.fullmatch(sid):
            raise _error(f"row {line}: the student id {sid!r} cannot name a file" if sid else
                         f"row {line}: no student id", path, text, line,
                         "ids are letters, digits, '.', '_' and '-' (up to 64), not starting "
                         "with '.'")
        if sid in seen:
            raise _error(f"student id {sid!r} is listed twice (rows {seen[sid]} and {line})",
                         path, text, line)
        seen[sid] = line

        def cell(c: int | None) -> str:
            return row[c].strip() if c is not None and c < len(row) else ""

        students.append(Student(sid, cell(name_col), cell(email_col)))
    if not students:
        raise _error("the roster lists no students", path, text, None,
                     "add one row per student under the header")
    return students


def load_roster(source: Any) -> list[Student]:
    """Students from a CSV path, or a list of ids, :class:`Student`\\ s or dicts
    (``{"id": ..., "name": ..., "email": ...}``)."""
    from ..readfile import read_text

    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source):
        return read_roster(read_text(source, TemplateError, "roster"), str(source))
    if isinstance(source, str):  # CSV text
        return read_roster(source)
    out: list[Student] = []
    for item in source:
        if isinstance(item, Student):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(Student(str(item.get("id", "")), str(item.get("name", "")),
                               str(item.get("email", ""))))
        else:
            out.append(Student(str(item)))
    return _checked(out)


def _checked(students: Iterable[Student]) -> list[Student]:
    out = list(students)
    seen: set[str] = set()
    for s in out:
        if not SAFE_ID.fullmatch(s.id):
            raise TemplateError(f"the student id {s.id!r} cannot name a file",
                                hint="ids are letters, digits, '.', '_' and '-'")
        if s.id in seen:
            raise TemplateError(f"student id {s.id!r} is listed twice")
        seen.add(s.id)
    if not out:
        raise TemplateError("no students", hint="give a roster with one row per student")
    return out
