"""Grading a folder of submissions in parallel processes; summary CSV/JSON and Gradescope files.

Every file in the folder (and every one-file subfolder) is a submission. A
submission that cannot be read becomes an error row with its reason: the batch
never stops and nothing is silently dropped. Gradescope's results are per
student: one results file per submission (:func:`write_gradescope_folder`).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "alice.txt").write_text("dz/dx = 2*x = 6")
>>> _ = (d / "bob.txt").write_bytes(b"\\x00\\x01")
>>> key = {"expression": "x^2", "at": {"x": 3}, "ask": [{"kind": "gradient"}]}
>>> result = grade_folder(key, d, jobs=1)
>>> [(r["student"], r["status"], r["score"]) for r in result.rows]
[('alice', 'graded', 1.0), ('bob', 'error', 0.0)]
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import unicodedata
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..errors import AutodiffVizError, InputError
from .grade import check, max_score
from .key_reader import load_key
from .keys import Key
from .report import report_markdown
from .report import Report

SUBMISSION_SUFFIXES = (".txt", ".md", ".toml", ".json", ".yaml", ".yml", "")
CSV_COLUMNS = ("submission", "student", "status", "score", "max_score", "percent",
               "all_correct", "wrong", "carried", "missing", "first_error", "error")


@dataclass
class BatchResult:
    """The rows (one per submission, in file order) and how long grading took."""

    rows: list[dict[str, Any]]
    seconds: float
    problem: str = ""
    max_score: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return len(self.rows) / self.seconds if self.seconds > 0 else float("inf")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["status"] != "graded"]


# -- finding submissions -------------------------------------------------------------------
def find_submissions(folder: str | Path, exclude: Iterable[str | Path] = ()
                     ) -> list[tuple[str, str, Path | None, str | None]]:
    """``(name, student, path, problem)`` for every submission under ``folder``.

    Files directly in the folder are submissions (hidden files are skipped); a
    subfolder is one student's: it must hold exactly one submission file.
    """
    root = Path(folder)
    skip = {Path(p).resolve() for p in exclude}
    out: list[tuple[str, str, Path | None, str | None]] = []
    for p in sorted(root.iterdir(), key=lambda q: q.name):
        if p.name.startswith((".", "__")) or p.resolve() in skip:
            continue
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file()
                           and not any(part.startswith(".") for part in f.relative_to(p).parts)
                           and f.resolve() not in skip)
            usable = [f for f in files if f.suffix.lower() in SUBMISSION_SUFFIXES]
            if len(usable) == 1:
                out.append((f"{p.name}/{usable[0].relative_to(p)}", p.name, usable[0], None))
            elif not files:
                out.append((p.name + "/", p.name, None, "the folder is empty"))
            else:
                names = ", ".join(str(f.relative_to(p)) for f in (usable or files)[:5])
                out.append((p.name + "/", p.name, None,
                            f"the folder holds {len(usable) or len(files)} files ({names}); "
                            "put one submission in each student's folder"))
        elif p.is_file():
            out.append((p.name, p.stem, p, None))
        else:
            out.append((p.name, p.stem, None, "not a regular file"))
    return out


# -- grading (in worker processes) ---------------------------------------------------------
_KEY: Key | None = None


def _init(spec: Any) -> None:
    global _KEY
    _KEY = load_key(spec)


def row_for(name: str, student: str, report: Report | None, error: str | None,
            full: float) -> dict[str, Any]:
    """The summary row of one submission (an error row when ``report`` is None)."""
    if report is None:
        return {"submission": name, "student": student, "status": "error", "score": 0.0,
                "max_score": full, "percent": 0.0, "all_correct": False, "wrong": 0,
                "carried": 0, "missing": 0, "first_error": "", "error": error or "",
                "report": None}
    counts = report.counts()
    first = report.first_error
    first_text = ""
    if first is not None:
        where = f"line {first.line}: " if first.line is not None else ""
        first_text = f"{where}{first.text or first.name} — {first.message.splitlines()[0] if first.message else first.verdict}"
    wrong = sum(n for v, n in counts.items() if v not in ("correct", "carried", "missing"))
    return {"submission": name, "student": report.student or student, "status": "graded",
            "score": report.score, "max_score": report.max_score,
            "percent": round(100.0 * report.score / report.max_score, 2) if report.max_score else 100.0,
            "all_correct": report.all_correct, "wrong": wrong,
            "carried": counts.get("carried", 0), "missing": counts.get("missing", 0),
            "first_error": first_text, "error": "", "report": report.to_dict()}


def grade_one(key: Key, name: str, student: str, path: Path | None, problem: str | None,
              full: float) -> dict[str, Any]:
    """One row; never raises (a problem with the submission becomes an error row)."""
    if problem is not None or path is None:
        return row_for(name, student, None, problem or "no file", full)
    try:
        report = check(key, path, student=None)
        if report.student is None:
            report.student = student
        report.submission = name
        return row_for(name, student, report, None, full)
    except AutodiffVizError as err:
        return row_for(name, student, None, err.render().removeprefix("error: "), full)
    except Exception as err:  # noqa: BLE001 - a bug must not stop the batch; it is reported
        return row_for(name, student, None, f"internal error while grading ({type(err).__name__}: "
                    f"{err}); please report it", full)


def _grade_chunk(chunk: list[tuple[str, str, str | None, str | None, float]]) -> list[dict[str, Any]]:
    assert _KEY is not None
    return [grade_one(_KEY, n, s, Path(p) if p else None, e, full) for n, s, p, e, full in chunk]


def _key_spec(key: Any) -> Any:
    if isinstance(key, Key):
        return key.path if key.path else key.raw
    return key


def grade_folder(key: Any, folder: str | Path, jobs: int | None = None,
                 exclude: Iterable[str | Path] = ()) -> BatchResult:
    """Grade every submission in ``folder`` (``jobs`` processes; default: every core)."""
    k = load_key(key)
    spec = _key_spec(key)
    start = time.perf_counter()
    subs = find_submissions(folder, list(exclude) + ([k.path] if k.path else []))
    full = max_score(k)
    work = [(n, s, str(p) if p else None, e, full) for n, s, p, e in subs]
    jobs = jobs or os.cpu_count() or 1
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    if jobs <= 1 or len(work) < 16:
        rows = [grade_one(k, n, s, Path(p) if p else None, e, f) for n, s, p, e, f in work]
    else:
        size = max(1, min(64, len(work) // (jobs * 4)))
        chunks = [work[i:i + size] for i in range(0, len(work), size)]
        done: dict[int, list[dict[str, Any]]] = {}
        try:
            with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(spec,)) as pool:
                futures = {i: pool.submit(_grade_chunk, c) for i, c in enumerate(chunks)}
                for i, f in futures.items():
                    try:
                        done[i] = f.result()
                    except BrokenProcessPool:
                        raise
                    except Exception:  # noqa: BLE001 - grade that chunk here instead
                        pass
        except BrokenProcessPool:
            notes.append("a worker process stopped unexpectedly; the rest was graded in one process")
        for i, c in enumerate(chunks):  # anything the pool did not finish is graded here
            rows.extend(done[i] if i in done else
                        [grade_one(k, n, s, Path(p) if p else None, e, f) for n, s, p, e, f in c])
    return BatchResult(rows, time.perf_counter() - start, k.describe() if "" in k.points
                       else k.describe({}), full, notes)


# -- writing the results --------------------------------------------------------------------
def summary_csv(result: BatchResult) -> str:
    """One CSV row per submission (no per-item detail; see the JSON for that)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), extrasaction="ignore",
                       lineterminator="\n")
    w.writeheader()
    for r in result.rows:
        w.writerow({k: (" | ".join(x.strip() for x in r[k].splitlines() if x.strip())
                        if isinstance(r.get(k), str) else r.get(k, "")) for k in CSV_COLUMNS})
    return buf.getvalue()


def summary_json(result: BatchResult, key_path: str | None = None) -> dict[str, Any]:
    graded = [r for r in result.rows if r["status"] == "graded"]
    return {
        "schema": "autodiff_viz.check.batch", "version": 1, "key": key_path,
        "problem": result.problem, "max_score": result.max_score,
        "count": len(result.rows), "graded": len(graded), "errors": len(result.errors),
        "all_correct": sum(1 for r in graded if r["all_correct"]),
        "mean_score": round(sum(r["score"] for r in graded) / len(graded), 4) if graded else None,
        "notes": result.notes, "rows": result.rows,
    }


def gradescope_results(row: Mapping[str, Any]) -> dict[str, Any]:
    """Gradescope's autograder ``results.json`` for one submission's row.

    Gradescope's results file is per student, so this takes exactly one row (one of
    :attr:`BatchResult.rows`, or :func:`row_for`); for a folder, write one file per
    row with :func:`write_gradescope_folder`. An error row gives a failing test with
    the reason, so the autograder always gets a result.
    """
    if not isinstance(row, Mapping):
        raise TypeError("gradescope_results takes one submission's row (a dict), not "
                        f"{type(row).__name__}: Gradescope's results.json is per student; "
                        "use write_gradescope_folder for a folder of submissions")
    tests: list[dict[str, Any]] = []
    if row["status"] != "graded":
        tests.append({"name": "submission can be read", "score": 0.0,
                      "max_score": row["max_score"], "status": "failed",
                      "output": f"The submission could not be graded:\n\n```\n{row['error']}\n```",
                      "output_format": "md"})
        first = row["error"].splitlines()[0] if row["error"] else "no reason given"
        return {"score": 0.0, "output": f"**{row['submission']}** could not be graded: {first}",
                "output_format": "md", "test_output_format": "md", "visibility": "visible",
                "tests": tests}
    rep = row["report"]
    for it in rep["items"]:
        where = f"line {it['line']}: " if it["line"] is not None else ""
        shown = it["text"] or it["name"]
        msg = it["message"] or ("correct" if it["passed"] else it["verdict"])
        out = f"```\n{msg}\n```" if "\n" in msg else msg
        tests.append({"name": f"{where}{shown}"[:200], "score": it["score"],
                      "max_score": it["max_score"],
                      "status": "passed" if it["passed"] else "failed",
                      "output": out, "output_format": "md"})
    return {"score": round(row["score"], 6), "output": report_markdown(report_from_dict(rep)),
            "output_format": "md", "test_output_format": "md", "visibility": "visible",
            "tests": tests}


_UNSAFE = re.compile(r"[^\w.-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}


def _safe_name(text: str) -> str:
    """``text`` as a file name that works everywhere: no separators, not hidden, not reserved."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip("._-")[:100] or "submission"
    return "_" + name if name.split(".")[0].lower() in _RESERVED else name


def gradescope_file_names(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """One distinct, filesystem-safe ``.json`` name per row, named after its submission.

    ``ben.txt`` gives ``ben.json``, a student's folder ``alice/`` (or ``alice/hw.txt``)
    ``alice.json``. Names that would clash (also by case only, as on macOS and Windows)
    keep the file's suffix (``ben.txt.json``, ``ben.toml.json``), then get a number.

    >>> gradescope_file_names([{"submission": "ben.txt"}, {"submission": "alice/hw.txt"},
    ...                        {"submission": "cy.txt"}, {"submission": "cy.toml"},
    ...                        {"submission": "a b.txt"}, {"submission": "a_b.txt"}])
    ['ben.json', 'alice.json', 'cy.txt.json', 'cy.toml.json', 'a_b.txt.json', 'a_b.txt-2.json']
    """
    subs = [str(r["submission"]) for r in rows]
    tops = [s.split("/")[0] for s in subs]
    short = [_safe_name(t if "/" in s else Path(t).stem or t) for t, s in zip(tops, subs)]
    clash = Counter(s.casefold() for s in short)
    preferred = [s if clash[s.casefold()] == 1 else _safe_name(t) for s, t in zip(short, tops)]
    count = Counter(p.casefold() for p in preferred)
    taken = {p.casefold() for p in preferred if count[p.casefold()] == 1}
    names: list[str] = []
    for p in preferred:
        name, i = p, 1  # several with the same name: the first keeps it, then -2, -3, ...
        if count[p.casefold()] > 1:
            while name.casefold() in taken:
                i += 1
                name = f"{p}-{i}"
            taken.add(name.casefold())
        names.append(name + ".json")
    return names


def gradescope_folder(path: str | Path, submissions: str | Path | None = None) -> Path:
    """Check (and create) the folder for a folder's Gradescope results; call it before grading.

    Refuses a path that looks like one file (``results.json``) or is one, and the
    submissions folder itself, with an :class:`InputError` that says how to fix it.
    """
    p = Path(path)
    hint = ("give a folder: --gradescope results/ writes one results file per student "
            "(a single submission writes one results.json)")
    if p.suffix.lower() == ".json":
        raise InputError(f"the Gradescope results path {path} looks like one file, but a "
                         "folder of submissions gets one results file per student "
                         "(Gradescope's results.json is per student)", hint=hint)
    if p.exists() and not p.is_dir():
        raise InputError(f"the Gradescope results path {path} is an existing file, but a "
                         "folder of submissions gets one results file per student, in a "
                         "folder", hint=hint)
    if submissions is not None and p.resolve() == Path(submissions).resolve():
        raise InputError(f"the Gradescope results would be written into the submissions "
                         f"folder {submissions} and graded as submissions next time",
                         hint="give another folder: --gradescope results/")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create the folder {path} for the Gradescope results "
                         f"({err.strerror or err})",
                         hint="check the path and that you may write there") from None
    return p


def write_gradescope_folder(rows: Sequence[Mapping[str, Any]], folder: str | Path) -> list[Path]:
    """Write one Gradescope results file per row into ``folder``; returns the paths in row order.

    Every row gets a file, an error row a failing one with its reason: no submission is lost.
    """
    out = gradescope_folder(folder)
    paths = [out / name for name in gradescope_file_names(rows)]
    for row, path in zip(rows, paths):
        try:
            write_json(path, gradescope_results(row))
        except OSError as err:
            raise InputError(f"cannot write the Gradescope results file {path} "
                             f"({err.strerror or err})",
                             hint="check the folder and that you may write there") from None
    return paths


def report_from_dict(d: dict[str, Any]) -> Report:
    """A :class:`Report` back from its ``to_dict()``."""
    from .report import Item

    items = [Item(**{k: v for k, v in it.items() if k != "passed"}) for it in d["items"]]
    return Report(title=d["title"], problem=d["problem"], student=d["student"],
                  submission=d["submission"], items=items, notes=d["notes"], error=d["error"])


def write_json(path: str | Path, data: Any) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
