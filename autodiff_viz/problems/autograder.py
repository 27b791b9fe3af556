"""Gradescope's side of the autograder: grade the uploaded file against the uploader's key.

Gradescope lays a run out as ``/autograder/source`` (the unzipped autograder:
``keys/<id>.toml`` and ``roster.json``), ``/autograder/submission`` (the files the
student uploaded), ``/autograder/submission_metadata.json`` (its ``users`` give each
uploader's ``sid`` and ``email``) and ``/autograder/results/results.json`` (written
here). ``run_autograder`` runs ``python3 -m autodiff_viz.problems.autograder``;
``AUTOGRADER_ROOT`` (or ``--root``) moves ``/autograder`` elsewhere, for tests.

The student is the first uploader whose ``sid`` is a key's id, else whose ``email``
the roster gives an id with a key. The submission is the uploaded file when there is
one; among several, the one named after the student or with the line
``Student: <id>``, else the only Markdown or text file. Whatever goes wrong (no key
for the uploader, no file, an unreadable file) still gives a ``results.json`` with
score 0 and the reason, so the student always sees why.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, Sequence

from ..check.batch import gradescope_results, row_for, write_json
from ..check.batch import student_header as header_id
from ..errors import AutodiffVizError

def _failed(message: str) -> dict[str, Any]:
    return {"score": 0.0, "output": message, "output_format": "md", "visibility": "visible",
            "tests": [{"name": "submission graded", "score": 0.0, "max_score": 0.0,
                       "status": "failed", "output": message, "output_format": "md"}]}


def find_student(meta: Any, keys: Path, roster: Sequence[dict[str, str]]) -> str | None:
    """The id of the first uploader who has a key (by sid, then by email)."""
    users = meta.get("users", []) if isinstance(meta, dict) else []
    by_email = {s.get("email", "").strip().lower(): s["id"] for s in roster if s.get("email")}
    for u in users if isinstance(users, list) else []:
        if not isinstance(u, dict):
            continue
        for sid in (str(u.get("sid") or "").strip(),
                    by_email.get(str(u.get("email") or "").strip().lower(), "")):
            if sid and (keys / f"{sid}.toml").is_file():
                return sid
    return None


def pick_submission(folder: Path, sid: str) -> tuple[Path | None, str]:
    """The uploaded file to grade, or None and why."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and not any(part.startswith((".", "__")) for part in p.relative_to(folder).parts))
    if not files:
        return None, "no file was uploaded"
    if len(files) == 1:
        return files[0], ""
    named = [p for p in files if p.stem == sid]
    if len(named) == 1:
        return named[0], ""
    headed = []
    for p in files:
        try:
            if header_id(p.read_text(encoding="utf-8", errors="replace")[:20000]) == sid:
                headed.append(p)
        except OSError:
            continue
    if len(headed) == 1:
        return headed[0], ""
    texts = [p for p in files if p.suffix.lower() in (".md", ".txt")]
    if len(texts) == 1:
        return texts[0], ""
    shown = ", ".join(str(p.relative_to(folder)) for p in files[:5])
    return None, (f"{len(files)} files were uploaded ({shown}) and none of them is clearly the "
                  f"trace table: upload one file (your handout's Markdown, filled in, with "
                  f"the line 'Student: {sid}')")


def grade(root: Path) -> dict[str, Any]:
    """The results for the run laid out under ``root``."""
    from ..check.grade import check, max_score
    from ..check.key_reader import load_key

    source = root / "source"
    keys = source / "keys"
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return _failed(f"The autograder could not read the submission's metadata ({err}). "
                       "Please tell your instructor.")
    try:
        roster = json.loads((source / "roster.json").read_text(encoding="utf-8"))["students"]
    except (OSError, ValueError, KeyError, TypeError):
        roster = []
    sid = find_student(meta, keys, roster)
    if sid is None:
        users = meta.get("users", []) if isinstance(meta, dict) else []
        who = ", ".join(f"sid {u.get('sid')!r}, email {u.get('email')!r}" for u in users
                        if isinstance(u, dict)) or "nobody"
        return _failed(f"There is no problem key for this submission's student ({who}): "
                       "your instructor's roster does not list your student id or email. "
                       "Please tell your instructor.")
    path, why = pick_submission(root / "submission", sid)
    key = load_key(keys / f"{sid}.toml")
    if path is None:
        return gradescope_results(row_for("submission", sid, None, why, max_score(key)))
    name = str(path.relative_to(root / "submission"))
    try:
        report = check(key, path, student=sid)
    except AutodiffVizError as err:
        return gradescope_results(row_for(name, sid, None, err.render().removeprefix("error: "),
                                          max_score(key)))
    results = gradescope_results(row_for(name, sid, report, None, report.max_score))
    try:
        said = header_id(path.read_text(encoding="utf-8", errors="replace")[:20000])
    except OSError:
        said = None
    if said is not None and said != sid:
        results["output"] = (f"**Note:** the file says it is student {said}'s, but it was "
                             f"uploaded by student {sid}: it was graded against {sid}'s "
                             "problem.\n\n" + results["output"])
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autodiff_viz.problems.autograder",
                                     description="Grade a Gradescope submission against the "
                                                 "uploading student's key.")
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"),
                        help="Gradescope's folder (default: $AUTOGRADER_ROOT or /autograder)")
    root = Path(parser.parse_args(argv).root)
    try:
        results = grade(root)
    except Exception as err:  # noqa: BLE001 -- the student must always get a results file
        results = _failed(f"The autograder failed ({type(err).__name__}: {err}). "
                          "Please tell your instructor.")
    out = root / "results"
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "results.json", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
