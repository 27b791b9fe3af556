"""Grading a folder of submissions in parallel processes; summary CSV/JSON and Gradescope files.

Every file in the folder (and every one-file subfolder) is a submission. A
submission that cannot be read (a broken link, a link loop, a FIFO, an unreadable,
binary or malformed file, a folder with no or several files) becomes an error row
with its reason, and a name starting with ``.`` or ``__`` a ``skipped`` row: the batch
never stops and nothing is silently dropped. Names are shown escaped (control
characters and bytes that are not UTF-8 as ``\\n``, ``\\xff``), so every output can
be written and every CSV row is one line.

With :class:`BatchOutputs`, the summary CSV and JSON, the Markdown reports and the
Gradescope files (one per submission: Gradescope's results are per student) are
written as results arrive, each atomically (a temporary file, then ``os.replace``).
Ctrl-C stops the workers at once, writes what was graded and raises
:class:`BatchInterrupted`; running again resumes: a submission whose row in the
summary JSON was graded from the same file (its SHA-256), the same key and the same
checker version keeps that row.

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
import errno
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import time
import unicodedata
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .. import readfile
from ..errors import AutodiffVizError, InputError
from .grade import check, max_score
from .key_reader import load_key
from .keys import Key
from .report import report_markdown
from .report import Report

SUBMISSION_SUFFIXES = (".txt", ".md", ".toml", ".json", ".yaml", ".yml", "")
CSV_COLUMNS = ("submission", "student", "status", "score", "max_score", "percent",
               "all_correct", "wrong", "carried", "missing", "first_error", "error")
HIDDEN = (".", "__")  # names skipped (with a "skipped" row): .DS_Store, __MACOSX, .git
MAX_TESTS = 100  # Gradescope tests per student before the lines worth no points are summarised
MAX_LISTED = 20  # lines named in that summary
FLUSH_SECONDS = 1.0  # the summary files are rewritten at most this often while grading
CHUNK = 4  # submissions a worker grades before it reports back (and Ctrl-C waits for)


@dataclass
class BatchResult:
    """The rows (one per submission, in file order) and how long grading took.

    ``skipped``: a row per name that was not graded (hidden files), with the reason;
    ``kept``: how many rows were kept from an earlier run (see :func:`grade_folder`).
    """

    rows: list[dict[str, Any]]
    seconds: float
    problem: str = ""
    max_score: float = 0.0
    notes: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    kept: int = 0
    total: int | None = None  # submissions found (more than len(rows) when interrupted)
    key_sha256: str | None = None  # what the rows were graded with (for resuming)
    missing: list[dict[str, Any]] = field(default_factory=list)  # keys without a submission

    @property
    def per_second(self) -> float:
        return len(self.rows) / self.seconds if self.seconds > 0 else float("inf")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["status"] != "graded"]


class BatchInterrupted(AutodiffVizError):
    """Grading a folder was interrupted (Ctrl-C): ``.result`` holds the rows graded so
    far, which are in the output files named in ``.written``; running again resumes."""

    exit_code = 130

    def __init__(self, result: BatchResult, written: Sequence[str]) -> None:
        self.result = result
        self.written = list(written)
        done, total = len(result.rows), result.total or len(result.rows)
        message = f"interrupted: {done} of {total} submissions graded"
        if self.written:
            message += f"; their results are in {', '.join(self.written)}"
            hint = (f"run the same command again to grade the other {total - done}: the "
                    f"{done} graded so far are kept (their files and the key unchanged)")
        else:
            message += "; no results were written"
            hint = None
        super().__init__(message, hint)


# -- names -----------------------------------------------------------------------------------
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_text(text: str, backslash: bool = False) -> str:
    """``text`` with control characters and undecodable bytes as backslash escapes.

    A byte that is not UTF-8 (kept by ``surrogateescape`` in a file name) becomes
    ``\\xff``, a newline ``\\n``, other control characters ``\\x1b``. With ``backslash``
    a backslash is doubled, so that two different names never look the same.

    >>> escape_text("ann\\nlee.txt"), escape_text("b\\udcffd.txt"), escape_text("a\\\\b", True)
    ('ann\\\\nlee.txt', 'b\\\\xffd.txt', 'a\\\\\\\\b')
    """
    if text.isprintable() and not (backslash and "\\" in text):
        return text
    out = []
    for ch in text:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # surrogateescape: the byte o - 0xDC00
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch == "\\" and backslash:
            out.append("\\\\")
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif o < 0x20 or 0x7F <= o < 0xA0:
            out.append(f"\\x{o:02x}")
        elif 0xD800 <= o <= 0xDFFF or unicodedata.category(ch) in ("Zl", "Zp", "Cs"):
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


def display_name(name: str) -> str:
    """A file name as the outputs show it: escaped, so that it can be written anywhere."""
    return escape_text(name, backslash=True)


# -- finding submissions -------------------------------------------------------------------
def _real(path: str | Path) -> str:
    """The path with links resolved as far as they go; never raises (link loops stay)."""
    try:
        return os.path.realpath(os.fspath(path))
    except (OSError, ValueError, RuntimeError):
        return os.path.abspath(os.fspath(path))


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def classify(path: str | Path) -> tuple[str, str | None]:
    """``("file", None)``, ``("dir", None)``, or ``("bad", reason)`` for what cannot be a
    submission: a broken link, a link loop, a FIFO or device, a path that cannot be read."""
    p = os.fspath(path)
    try:
        st = os.stat(p)
    except OSError as err:
        try:
            link = os.readlink(p) if stat.S_ISLNK(os.lstat(p).st_mode) else None
        except OSError:
            link = None
        if err.errno == errno.ELOOP:
            return "bad", ("a symbolic link loop (following it leads back to itself"
                           + (f": it points to {escape_text(link)}" if link else "") + ")")
        if link is not None and err.errno == errno.ENOENT:
            return "bad", (f"a broken symbolic link (it points to {escape_text(link)}, which "
                           "does not exist)")
        return "bad", f"cannot be read: {err.strerror or err}"
    except ValueError:
        return "bad", "cannot be read: the name holds a NUL byte"
    if stat.S_ISDIR(st.st_mode):
        return "dir", None
    if stat.S_ISREG(st.st_mode):
        return "file", None
    return "bad", f"{_kind_of(st.st_mode)}, not a regular file: it cannot be read in bounded time"


def _stem(name: str) -> str:
    return Path(name).stem or name


def find_submissions(folder: str | Path, exclude: Iterable[str | Path] = (),
                     skipped: list[tuple[str, str]] | None = None
                     ) -> list[tuple[str, str, Path | None, str | None]]:
    """``(name, student, path, problem)`` for every submission under ``folder``.

    Files directly in the folder are submissions; a subfolder is one student's: it
    must hold exactly one submission file. Anything else (a broken link, a link loop,
    a FIFO, an unreadable entry) is a submission with its ``problem``; names and
    students are escaped (:func:`display_name`). Names starting with ``.`` or ``__``
    are not submissions: with ``skipped``, ``(name, reason)`` is added there for each.
    Paths in ``exclude`` (the outputs, the key) are left out.
    """
    root = Path(folder)
    skip = {_real(p) for p in exclude}
    try:
        with os.scandir(root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as err:
        raise InputError(f"cannot list the folder {escape_text(str(folder))}: "
                         f"{err.strerror or err}",
                         hint="check the path and the folder's permissions") from None
    out: list[tuple[str, str, Path | None, str | None]] = []
    for entry in entries:
        name = display_name(entry.name)
        p = Path(entry.path)
        if _real(p) in skip:
            continue
        if entry.name.startswith(HIDDEN):
            if skipped is not None:
                skipped.append((name, f"hidden file: names starting with "
                                      f"{'.' if entry.name.startswith('.') else '__'} are not "
                                      "graded (rename it to grade it)"))
            continue
        kind, why = classify(p)
        if kind == "dir":
            out.append(_student_folder(p, name, skip))
        elif kind == "file":
            out.append((name, display_name(_stem(entry.name)), p, None))
        else:
            out.append((name, display_name(_stem(entry.name)), None, why))
    return out


def _student_folder(p: Path, name: str, skip: set[str]
                    ) -> tuple[str, str, Path | None, str | None]:
    """One student's folder: its one submission file, or the reason there is none."""
    files: list[Path] = []
    broken: list[str] = []
    errors: list[str] = []

    def failed(err: OSError) -> None:
        errors.append(f"{escape_text(os.fspath(err.filename or p))}: {err.strerror or err}")

    for top, dirs, names in os.walk(p, onerror=failed):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for n in sorted(names):
            if n.startswith("."):
                continue
            f = Path(top) / n
            if _real(f) in skip:
                continue
            kind, why = classify(f)
            if kind == "file":
                files.append(f)
            elif kind == "bad":
                broken.append(f"{display_name(str(f.relative_to(p)))} ({why})")
    usable = [f for f in files if f.suffix.lower() in SUBMISSION_SUFFIXES]
    if len(usable) == 1:
        rel = display_name(str(usable[0].relative_to(p)))
        return f"{name}/{rel}", name, usable[0], None
    if errors:
        return name + "/", name, None, f"the folder cannot be read: {errors[0]}"
    if not files and not broken:
        return name + "/", name, None, "the folder is empty"
    if not files:
        return name + "/", name, None, (f"the folder holds no file that can be read: "
                                        f"{', '.join(broken[:5])}")
    shown = ", ".join(display_name(str(f.relative_to(p))) for f in (usable or files)[:5])
    return name + "/", name, None, (f"the folder holds {len(usable) or len(files)} files "
                                    f"({shown}); put one submission in each student's folder")


# -- grading (in worker processes) ---------------------------------------------------------
_KEY: Key | None = None


def _init(spec: Any) -> None:
    global _KEY
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops us
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


def skipped_row(name: str, reason: str) -> dict[str, Any]:
    """The row of a name that was not graded (a hidden file): no score, the reason."""
    return {"submission": name, "student": "", "status": "skipped", "score": None,
            "max_score": None, "percent": None, "all_correct": False, "wrong": 0,
            "carried": 0, "missing": 0, "first_error": "", "error": reason, "report": None}


def grade_one(key: Key, name: str, student: str, path: Path | None, problem: str | None,
              full: float) -> dict[str, Any]:
    """One row; never raises (a problem with the submission becomes an error row)."""
    if problem is not None or path is None:
        return row_for(name, student, None, problem or "no file", full)
    try:
        report = check(key, path, student=None)
        if report.student is None:
            report.student = student
        report.student = escape_text(report.student)
        report.submission = name
        return row_for(name, student, report, None, full)
    except AutodiffVizError as err:
        return row_for(name, student, None, err.render().removeprefix("error: "), full)
    except Exception as err:  # noqa: BLE001 - a bug must not stop the batch; it is reported
        return row_for(name, student, None, f"internal error while grading ({type(err).__name__}: "
                    f"{err}); please report it", full)


def _grade_chunk(chunk: list[tuple[int, str, str, str | None, str | None, float]]
                 ) -> list[tuple[int, dict[str, Any]]]:
    assert _KEY is not None
    return [(i, grade_one(_KEY, n, s, Path(p) if p else None, e, full))
            for i, n, s, p, e, full in chunk]


def _key_spec(key: Any) -> Any:
    if isinstance(key, Key):
        return key.path if key.path else key.raw
    return key


def key_digest(key: Key) -> str:
    """SHA-256 of what the key says (its file's text, or its fields), for resuming."""
    text = key.text if key.text is not None else json.dumps(key.raw, sort_keys=True,
                                                             default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _fingerprint(path: Path | None) -> dict[str, str] | None:
    """The submission's SHA-256 (None for no file, or one that cannot be read)."""
    if path is None:
        return None
    try:
        return {"sha256": hashlib.sha256(readfile.read_bytes(path)).hexdigest()}
    except InputError:
        return None


def _checker() -> str:
    from .. import __version__

    return __version__


# -- grading a folder -------------------------------------------------------------------------
@dataclass
class BatchOutputs:
    """Where :func:`grade_folder` writes as results arrive (None: not written).

    ``csv`` and ``json``: the summary files; ``reports``: a folder of Markdown reports,
    one per submission; ``gradescope``: a folder of Gradescope results files, one per
    submission; ``reveal=False`` keeps the expected numbers out of the reports.
    """

    csv: str | Path | None = None
    json: str | Path | None = None
    reports: str | Path | None = None
    gradescope: str | Path | None = None
    reveal: bool = True

    def paths(self) -> list[str | Path]:
        return [p for p in (self.csv, self.json, self.reports, self.gradescope) if p]


def grade_folder(key: Any, folder: str | Path, jobs: int | None = None,
                 exclude: Iterable[str | Path] = (), *, outputs: BatchOutputs | None = None,
                 resume: bool = True, on_row: Callable[[dict[str, Any]], None] | None = None
                 ) -> BatchResult:
    """Grade every submission in ``folder`` (``jobs`` processes; default: every core).

    With ``outputs``, the files are written as results arrive (each atomically). With
    ``resume`` (the default) and a summary JSON from an earlier run, a submission
    whose row there was graded from the same file (its SHA-256), the same key and the
    same checker version keeps its row (error rows are graded again).
    ``on_row(row)`` is called as each row arrives (in the order they finish).
    Ctrl-C stops the workers, writes what was graded and raises
    :class:`BatchInterrupted` (with the partial result).
    """
    k = load_key(key)
    spec = _key_spec(key)
    start = time.perf_counter()
    hidden: list[tuple[str, str]] = []
    extra = list(outputs.paths()) if outputs else []
    subs = find_submissions(folder, list(exclude) + extra + ([k.path] if k.path else []),
                            hidden)
    full = max_score(k)
    problem = k.describe() if "" in k.points else k.describe({})
    digest = key_digest(k)
    writer = _Writer(outputs, subs, k, problem, full, digest,
                     [skipped_row(n, why) for n, why in hidden]) if outputs else None
    previous = writer.previous(digest) if writer is not None and resume else {}
    rows: dict[int, dict[str, Any]] = {}
    notes: list[str] = []
    todo = []
    for i, (n, s, p, e) in enumerate(subs):
        fp = _fingerprint(p)
        old = previous.get(n)
        if (old is not None and fp is not None and old.get("status") == "graded"
                and old.get("fingerprint") == fp):
            rows[i] = old
        else:
            todo.append((i, n, s, str(p) if p else None, e, full))
    kept = len(rows)
    if kept:
        notes.append(f"{kept} submission{'s' if kept != 1 else ''} unchanged since "
                     f"{outputs.json if outputs else 'the last run'} kept their results "
                     "(same file, key and checker version)")
        for i in sorted(rows):
            if writer is not None:
                writer.student_files(i, rows[i])
            if on_row is not None:
                on_row(rows[i])

    def arrived(i: int, row: dict[str, Any]) -> None:
        row["fingerprint"] = _fingerprint(subs[i][2])
        rows[i] = row
        if writer is not None:
            writer.student_files(i, row)
            writer.summary(_result(), final=False)
        if on_row is not None:
            on_row(row)

    def _result() -> BatchResult:
        return BatchResult([rows[i] for i in sorted(rows)], time.perf_counter() - start,
                           problem, full, notes, writer.skipped if writer else
                           [skipped_row(n, why) for n, why in hidden], kept, len(subs),
                           digest)

    try:
        _run(k, spec, todo, jobs or os.cpu_count() or 1, arrived, notes)
    except KeyboardInterrupt:
        result = _result()
        written = writer.summary(result, final=True) if writer is not None else []
        raise BatchInterrupted(result, written) from None
    result = _result()
    if writer is not None:
        writer.summary(result, final=True)
    return result


def _run(k: Key, spec: Any, todo: list[tuple[int, str, str, str | None, str | None, float]],
         jobs: int, arrived: Callable[[int, dict[str, Any]], None], notes: list[str]) -> None:
    """Grade ``todo``; each row goes to ``arrived`` as it is done."""
    def here(chunk: Sequence[tuple[int, str, str, str | None, str | None, float]]) -> None:
        for i, n, s, p, e, full in chunk:
            arrived(i, grade_one(k, n, s, Path(p) if p else None, e, full))

    if jobs <= 1 or len(todo) < 16:
        here(todo)
        return
    size = max(1, min(CHUNK, len(todo) // (jobs * 4)))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(spec,))
    pending: dict[Future, int] = {}
    finished: set[int] = set()
    interrupted = _DeferredInterrupt()
    try:
        pending = {pool.submit(_grade_chunk, c): j for j, c in enumerate(chunks)}
        while pending:
            done, _ = wait(list(pending), timeout=0.5, return_when=FIRST_COMPLETED)
            if interrupted():  # here, between waits: never inside one, holding its locks
                raise KeyboardInterrupt
            for f in done:
                j = pending.pop(f)
                try:
                    got = f.result()
                except BrokenProcessPool:
                    raise
                except Exception:  # noqa: BLE001 - grade that chunk here instead
                    continue
                finished.add(j)
                for i, row in got:
                    arrived(i, row)
    except BrokenProcessPool:
        notes.append("a worker process stopped unexpectedly; the rest was graded in one process")
    except BaseException:
        _stop(pool, pending)
        raise
    finally:
        interrupted.restore()
    pool.shutdown(wait=True)
    for j, c in enumerate(chunks):  # anything the pool did not finish is graded here
        if j not in finished:
            here(c)


class _DeferredInterrupt:
    """Ctrl-C while the pool runs only sets a flag, read between waits: a
    KeyboardInterrupt raised inside ``concurrent.futures.wait`` can leave a future's lock
    held, and the pool's manager thread then blocks on it for ever at exit. Outside the
    main thread (where signals cannot be handled) nothing changes."""

    def __init__(self) -> None:
        import signal
        import threading

        self.hit = False
        self.previous: Any = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)

    def _handler(self, signum: int, frame: Any) -> None:
        self.hit = True

    def __call__(self) -> bool:
        return self.hit

    def restore(self) -> None:
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None


STOP_GRACE = 5.0
"""Seconds the workers get, after Ctrl-C, to finish the chunk they are grading."""


def _stop(pool: ProcessPoolExecutor, pending: Iterable[Future]) -> None:
    """Stop promptly: cancel every chunk that has not started. The workers ignore
    Ctrl-C and end after the chunk they are grading (a few submissions); one still
    running after :data:`STOP_GRACE` seconds is terminated, so that the program always
    exits (the pool's own clean-up at exit would otherwise wait for it for ever)."""
    for f in pending:  # here, not only through shutdown: its manager thread may not see
        f.cancel()     # the executor again once it is garbage
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_GRACE
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    for w in workers:
        if w.is_alive():
            w.terminate()


# -- writing the results --------------------------------------------------------------------
def _cell(value: Any) -> Any:
    if isinstance(value, str):  # one line, no control characters: every row parses
        return escape_text(" | ".join(x.strip() for x in value.splitlines() if x.strip()))
    return "" if value is None else value


def summary_csv(result: BatchResult) -> str:
    """One CSV row per submission (no per-item detail; see the JSON for that), then one
    per skipped name; every row is one line (names and messages escaped)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), extrasaction="ignore",
                       lineterminator="\n")
    w.writeheader()
    for r in [*result.rows, *result.missing, *result.skipped]:
        w.writerow({k: _cell(r.get(k, "")) for k in CSV_COLUMNS})
    return buf.getvalue()


def summary_json(result: BatchResult, key_path: str | None = None,
                 key_sha256: str | None = None) -> dict[str, Any]:
    graded = [r for r in result.rows if r["status"] == "graded"]
    total = result.total if result.total is not None else len(result.rows)
    return {
        "schema": "autodiff_viz.check.batch", "version": 1, "key": key_path,
        "key_sha256": key_sha256 or result.key_sha256, "checker": _checker(),
        "problem": result.problem, "max_score": result.max_score,
        "count": len(result.rows), "graded": len(graded), "errors": len(result.errors),
        "complete": len(result.rows) == total, "submissions": total,
        "all_correct": sum(1 for r in graded if r["all_correct"]),
        "mean_score": round(sum(r["score"] for r in graded) / len(graded), 4) if graded else None,
        "notes": result.notes, "rows": result.rows, "skipped": result.skipped,
        **({"missing": result.missing} if result.missing else {}),
    }


def report_file_name(submission: str) -> str:
    """The Markdown report's file name for a submission (``alice/hw.txt`` →
    ``alice_hw.txt.md``): no separators, never hidden."""
    name = re.sub(r"[/\\:]+", "_", submission).rstrip("_") or "submission"
    return ("_" + name if name.startswith(".") else name) + ".md"


class _Writer:
    """Writes the outputs of :func:`grade_folder` as results arrive, each atomically."""

    def __init__(self, outputs: BatchOutputs, subs: Sequence[tuple[str, str, Any, Any]],
                 key: Key, problem: str, full: float, digest: str,
                 skipped: list[dict[str, Any]]) -> None:
        self.out = outputs
        self.key_path = key.path
        self.digest = digest
        self.skipped = skipped
        self.last = 0.0
        self.gs_names = gradescope_file_names([{"submission": n} for n, *_ in subs])
        if outputs.gradescope:
            gradescope_folder(outputs.gradescope)  # refuses a results.json: one file per student
        if outputs.reports:
            _mkdir(outputs.reports)

    def previous(self, digest: str) -> dict[str, dict[str, Any]]:
        """Rows of the summary JSON an earlier run wrote with the same key, by submission."""
        if not self.out.json:
            return {}
        try:
            old = json.loads(Path(self.out.json).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if (not isinstance(old, dict) or old.get("key_sha256") != digest
                or old.get("checker") != _checker()):
            return {}
        return {r["submission"]: r for r in old.get("rows", [])
                if isinstance(r, dict) and isinstance(r.get("submission"), str)}

    def student_files(self, i: int, row: dict[str, Any]) -> None:
        if self.out.gradescope:
            atomic_write(Path(self.out.gradescope) / self.gs_names[i],
                         _json_text(gradescope_results(row)))
        if self.out.reports:
            text = (report_markdown(report_from_dict(row["report"]), reveal=self.out.reveal)
                    if row["report"] else f"**Could not be graded:** {row['error']}\n")
            atomic_write(Path(self.out.reports) / report_file_name(row["submission"]),
                         text + "\n")

    def summary(self, result: BatchResult, final: bool) -> list[str]:
        """Rewrite the summary files (at most every FLUSH_SECONDS unless ``final``)."""
        now = time.monotonic()
        if not final and now - self.last < FLUSH_SECONDS:
            return []
        self.last = now
        written = []
        if self.out.csv:
            atomic_write(self.out.csv, summary_csv(result))
            written.append(str(self.out.csv))
        if self.out.json:
            atomic_write(self.out.json, _json_text(summary_json(result, self.key_path,
                                                                self.digest)))
            written.append(str(self.out.json))
        for what in (self.out.gradescope, self.out.reports):
            if what:
                written.append(str(what).rstrip("/\\") + "/")
        return written


def _mkdir(folder: str | Path) -> None:
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create the folder {folder} ({err.strerror or err})",
                         hint="check the path and that you may write there") from None


def _json_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def atomic_write(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: a temporary file in the same
    folder, then ``os.replace``; an interrupted write leaves the old file or none."""
    p = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".",
                                   prefix=f".{p.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as f:
            f.write(text)
        os.replace(tmp, p)
        tmp = None
    except OSError as err:
        raise InputError(f"cannot write {path} ({err.strerror or err})",
                         hint="check the folder and that you may write there") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


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
    items = rep["items"]
    # one test per item; past MAX_TESTS, the items worth no points (lines a student may
    # write any number of) are summarised in one test, so the file stays small
    summarised = [it for it in items if not it["max_score"]] if len(items) > MAX_TESTS else []
    for it in (items if not summarised else [it for it in items if it["max_score"]]):
        tests.append(_gradescope_test(it))
    shown = report_from_dict(rep)
    if summarised:
        wrong = [it for it in summarised if not it["passed"]]
        listed = [f"- {_where_text(it)}`{_clip(it['text'] or it['name'])}`: "
                  f"{(it['message'] or it['verdict']).splitlines()[0]}" for it in wrong[:MAX_LISTED]]
        if len(wrong) > MAX_LISTED:
            listed.append(f"- … and {len(wrong) - MAX_LISTED} more")
        tests.append({"name": f"lines worth no points ({len(summarised)})", "score": 0.0,
                      "max_score": 0.0, "status": "failed" if wrong else "passed",
                      "output": f"{len(summarised)} lines worth no points (input and seed "
                                f"lines, repeated or extra lines, remarks): "
                                f"{len(summarised) - len(wrong)} right, {len(wrong)} not"
                                + (":\n\n" + "\n".join(listed) if listed else "."),
                      "output_format": "md"})
        shown.items = [i for i in shown.items if i.max_score]
        shown.notes.append(f"{len(summarised)} lines worth no points are summarised in the "
                           f"test 'lines worth no points ({len(summarised)})'")
    if len(shown.notes) > MAX_LISTED:
        shown.notes = shown.notes[:MAX_LISTED] + [f"… and {len(shown.notes) - MAX_LISTED} "
                                                  "more notes"]
    return {"score": round(row["score"], 6), "output": report_markdown(shown),
            "output_format": "md", "test_output_format": "md", "visibility": "visible",
            "tests": tests}


def _where_text(it: Mapping[str, Any]) -> str:
    return f"line {it['line']}: " if it["line"] is not None else ""


def _clip(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _gradescope_test(it: Mapping[str, Any]) -> dict[str, Any]:
    shown = it["text"] or it["name"]
    msg = it["message"] or ("correct" if it["passed"] else it["verdict"])
    out = f"```\n{msg}\n```" if "\n" in msg else msg
    return {"name": f"{_where_text(it)}{shown}"[:200], "score": it["score"],
            "max_score": it["max_score"], "status": "passed" if it["passed"] else "failed",
            "output": out, "output_format": "md"}


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

    Every row gets a file, an error row a failing one with its reason: no submission is
    lost. Each file is written atomically (:func:`atomic_write`).
    """
    out = gradescope_folder(folder)
    paths = [out / name for name in gradescope_file_names(rows)]
    for row, path in zip(rows, paths):
        atomic_write(path, _json_text(gradescope_results(row)))
    return paths


def report_from_dict(d: dict[str, Any]) -> Report:
    """A :class:`Report` back from its ``to_dict()``."""
    from .report import Item

    items = [Item(**{k: v for k, v in it.items() if k != "passed"}) for it in d["items"]]
    return Report(title=d["title"], problem=d["problem"], student=d["student"],
                  submission=d["submission"], items=items, notes=d["notes"], error=d["error"])


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as JSON (UTF-8, indented) atomically (:func:`atomic_write`)."""
    atomic_write(path, _json_text(data))


# -- a folder of keys: one per student (autodiff-viz problems) -------------------------------
KEY_SUFFIXES = (".toml", ".json", ".yaml", ".yml")
_HEADER = re.compile(r"^\s*(?:[#>*\-]+\s*)?(?:student(?:\s+id)?|id|sid)\s*[:=]\s*"
                     r"[\"'`*]*(?P<id>[A-Za-z0-9_.-]+)", re.IGNORECASE | re.MULTILINE)
HEADER_LINES = 30  # the id line is looked for in a submission's first lines


def student_header(text: str) -> str | None:
    """The student id a submission's header line gives, in its first 30 lines:
    ``Student: 1001``, ``id: 1001``, ``Student ID: 1001``, ``student = "1001"`` (TOML).

    >>> student_header("# HW 4\\nStudent: 1001\\nw3 = w1*w2 = 6"), student_header('id = "s-7"')
    ('1001', 's-7')
    >>> print(student_header("w3 = w1*w2 = 6"))
    None
    """
    m = _HEADER.search("\n".join(text.splitlines()[:HEADER_LINES]))
    return m.group("id") if m else None


def find_keys(folder: str | Path) -> dict[str, Path]:
    """Student id (the file name's stem) -> key file, for every key in ``folder``."""
    try:
        files = sorted(p for p in Path(folder).iterdir()
                       if p.suffix.lower() in KEY_SUFFIXES and not p.name.startswith(HIDDEN))
    except OSError as err:
        raise InputError(f"cannot list the folder of keys {folder}: {err.strerror or err}",
                         hint="check the path") from None
    keys: dict[str, Path] = {}
    for p in files:
        if p.stem in keys:
            raise InputError(f"two keys for student {p.stem}: {keys[p.stem].name} and {p.name}",
                             hint="keep one key per student id in the folder")
        keys[p.stem] = p
    if not keys:
        raise InputError(f"no keys in {folder} (.toml, .json or .yaml files named by student id)",
                         hint="write them with: autodiff-viz problems TEMPLATE --roster "
                              "roster.csv --seed S -o out/ (then out/keys/)")
    return keys


def match_key(student: str, path: Path | None, ids: Iterable[str]) -> tuple[str | None, str]:
    """The key id for a submission: its file (or folder) name when that is a student's id,
    else the id its ``Student: <id>`` line gives; None and why when neither names a key."""
    known = set(ids)
    if student in known:
        return student, ""
    said = None
    if path is not None:
        try:
            said = student_header(readfile.read_bytes(path, InputError, "submission")
                                  [:65536].decode("utf-8", "replace"))
        except InputError:
            said = None
    if said in known:
        return said, ""
    if said is not None:
        return None, (f"no key for student {said} (the submission's 'Student: {said}' line), "
                      f"nor for its name {student}")
    return None, (f"no key matches this submission: its name ({student}) is no student's id "
                  "and it has no 'Student: <id>' line")


def grade_with_keys(keys: str | Path, folder: str | Path, *,
                    outputs: BatchOutputs | None = None,
                    on_row: Callable[[dict[str, Any]], None] | None = None) -> BatchResult:
    """Grade each submission in ``folder`` against its own student's key from the folder
    ``keys`` (``<id>.toml``), matched by :func:`match_key`.

    A submission without a key is an error row, a key without a submission a row in
    ``missing`` (status ``missing``), a key that cannot be loaded an error row for each of
    its submissions, a file that is no submission (a picture: ``.svg``) a ``skipped`` row:
    nothing is dropped and the batch goes on. Graded in this process.
    """
    start = time.perf_counter()
    found = find_keys(keys)
    hidden: list[tuple[str, str]] = []
    extra = list(outputs.paths()) if outputs else []
    subs = []
    for sub in find_submissions(folder, [keys, *extra], hidden):
        if sub[2] is not None and sub[2].suffix.lower() not in SUBMISSION_SUFFIXES:
            hidden.append((sub[0], f"not a submission ({sub[2].suffix} file): only "
                                   f"{', '.join(SUBMISSION_SUFFIXES[:-1])} files are graded "
                                   "against a student's key"))
        else:
            subs.append(sub)
    loaded: dict[str, Key | str] = {}

    def key_of(sid: str) -> Key | str:
        if sid not in loaded:
            try:
                loaded[sid] = load_key(found[sid])
            except AutodiffVizError as err:
                loaded[sid] = f"the key {found[sid].name} cannot be used: " + \
                    err.render().removeprefix("error: ")
        return loaded[sid]

    digest = hashlib.sha256("".join(f"{k}\x00{_fingerprint(p)}\n" for k, p in sorted(
        found.items())).encode()).hexdigest()
    writer = _Writer(outputs, subs, _KeysFolder(str(keys)), "", 0.0, digest,  # type: ignore[arg-type]
                     [skipped_row(n, why) for n, why in hidden]) if outputs else None
    rows: list[dict[str, Any]] = []
    used: dict[str, list[str]] = {}
    for i, (name, student, path, problem) in enumerate(subs):
        sid, why = match_key(student, path, found)
        key = key_of(sid) if sid is not None else why
        if isinstance(key, str):
            row = row_for(name, sid or student, None, key, 0.0)
        else:
            row = grade_one(key, name, sid or student, path, problem, max_score(key))
            row["student"] = sid
        row["key"] = found[sid].name if sid is not None else None
        row["fingerprint"] = _fingerprint(path)
        if sid is not None:
            used.setdefault(sid, []).append(name)
        rows.append(row)
        if writer is not None:
            writer.student_files(i, row)
        if on_row is not None:
            on_row(row)
    missing = []
    for sid, p in found.items():
        if sid not in used:
            key = key_of(sid)
            full = max_score(key) if not isinstance(key, str) else 0.0
            row = row_for("", sid, None, f"no submission for student {sid} (key {p.name})", full)
            row.update(status="missing", key=p.name)
            missing.append(row)
    notes = [f"student {sid} has {len(names)} submissions ({', '.join(names)}): each is graded"
             for sid, names in used.items() if len(names) > 1]
    result = BatchResult(rows, time.perf_counter() - start, "", 0.0, notes,
                         [skipped_row(n, why) for n, why in hidden], 0, len(subs), digest,
                         missing)
    if writer is not None:
        writer.summary(result, final=True)
    return result


@dataclass
class _KeysFolder:
    """What :class:`_Writer` needs of a key, for a folder of keys: its path."""

    path: str
