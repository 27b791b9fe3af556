"""``autodiff-viz check``: grade a submission, or a folder of them, against a problem key."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .common import HelpFormatter
from .common import add_color_options, add_debug_option

EPILOG = """\
exit status: 0 all correct, 1 something wrong (or a submission could not be
graded), 2 invalid input (a bad key, an unreadable single submission, or a
--gradescope file name for a folder).

Gradescope's results.json is per student: for one submission --gradescope
names that file; for a folder it names a folder that gets one results file
per submission (results/ben.json for ben.txt, results/alice.json for alice/).

A folder of keys (KEY a folder: one key per student, <id>.toml, as written by
'autodiff-viz problems') grades each submission against its own student's key:
a submission matches by its file (or folder) name, else by a header line
'Student: <id>' (or 'id: <id>') in its first 30 lines. A submission without a
key and a key without a submission are both listed; the batch goes on.

examples:
  autodiff-viz check key.toml alice.txt --gradescope results.json
  autodiff-viz check out/keys/ submissions/       # one key per student
  autodiff-viz check key.toml submissions/ --jobs 2 --gradescope results/
  autodiff-viz check key.toml --point-for alice      # a per-student random point
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="grade homework: gradients, formulas, trace tables",
                       description="Grade a submission (a plain-text trace table, or a TOML, "
                                   "JSON or YAML file of answers) against a problem key; with "
                                   "a folder, grade every submission in it in parallel "
                                   "processes and write a summary.",
                       epilog=EPILOG, formatter_class=HelpFormatter)
    p.add_argument("key", metavar="KEY", help="the problem key (.toml, .json or .yaml), or a "
                                              "folder of keys, one per student (<id>.toml)")
    p.add_argument("submission", metavar="SUBMISSION", nargs="?",
                   help="a submission file, or a folder of submissions")
    p.add_argument("--format", choices=("auto", "rich", "plain", "markdown", "json"),
                   default="auto", help="how to show a report (default: rich on a terminal or "
                                        "when colour is forced, plain otherwise)")
    p.add_argument("--student", metavar="NAME", default=None,
                   help="whose submission it is (default: the file's 'student' field or name)")
    p.add_argument("--hide-expected", action="store_true",
                   help="say what is wrong without showing the expected numbers")
    p.add_argument("--only-wrong", action="store_true", help="list only what is not correct")
    p.add_argument("--details", action="store_true",
                   help="also show notes on correct items (such as accepted roundings)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="folders: worker processes (default: every core)")
    p.add_argument("--csv", metavar="PATH", default="check-summary.csv",
                   help="folders: the summary CSV (default: check-summary.csv)")
    p.add_argument("--json", metavar="PATH", default="check-summary.json",
                   help="folders: the summary JSON with every report (default: check-summary.json)")
    p.add_argument("--no-summary", action="store_true",
                   help="folders: do not write the summary CSV and JSON")
    p.add_argument("--no-resume", action="store_true",
                   help="folders: grade every submission again (by default a rerun keeps "
                        "the rows of the summary JSON whose file and key are unchanged, so "
                        "a run stopped with Ctrl-C goes on where it stopped)")
    p.add_argument("--reports", metavar="DIR", default=None,
                   help="folders: also write each student's report as Markdown in DIR")
    p.add_argument("--gradescope", metavar="PATH", default=None,
                   help="write Gradescope's autograder results: for a submission, the "
                        "file PATH (results.json); for a folder, one results file per "
                        "submission in the folder PATH (PATH/ben.json for ben.txt)")
    p.add_argument("--point-for", metavar="NAME", default=None,
                   help="print the point a student gets when the key draws random points")
    add_color_options(p, "in the rich report")
    add_debug_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..check.key_reader import load_key
    from ..errors import InputError

    if Path(args.key).is_dir():
        return _keys_folder(args)
    key = load_key(args.key)
    if args.point_for is not None:
        pt = key.point_for(args.point_for) if key.random else key.point()
        print(", ".join(f"{k}={v!r}" for k, v in pt.items()))
        return 0
    if args.submission is None:
        raise InputError("give a submission (a file or a folder) to check",
                         hint="autodiff-viz check KEY SUBMISSION")
    target = Path(args.submission)
    if target.is_dir():
        return _folder(args, key, target)
    return _single(args, key, target)


def _single(args: argparse.Namespace, key: Any, path: Path) -> int:
    from ..check.batch import gradescope_file_names, gradescope_results, row_for, write_json
    from ..check.grade import check, max_score
    from ..errors import AutodiffVizError

    if args.gradescope and Path(args.gradescope).is_dir():  # a folder: its file for this student
        args.gradescope = str(Path(args.gradescope) / gradescope_file_names(
            [{"submission": path.name}])[0])
    try:
        report = check(key, path, student=args.student)
    except AutodiffVizError as err:
        if args.gradescope:  # an autograder must always get a results file
            row = row_for(path.name, path.stem, None, err.render().removeprefix("error: "),
                          max_score(key))
            write_json(args.gradescope, gradescope_results(row))
        raise
    if args.gradescope:
        write_json(args.gradescope, gradescope_results(
            row_for(path.name, report.student or path.stem, report, None, report.max_score)))
    from ..views.formats import strict_json
    from .common import use_color, view_style

    color = use_color(args)
    fmt = args.format
    if fmt == "auto":
        fmt = "rich" if color or _isatty(sys.stdout) else "plain"
    reveal = not args.hide_expected
    if fmt == "json":
        print(strict_json(report.to_dict(), indent=2, ensure_ascii=view_style(args) == "text"))
    elif fmt == "markdown":
        print(report.to_markdown(reveal=reveal, details=args.details))
    elif fmt == "rich":
        from rich.console import Console

        from ..check.report import report_rich
        # NO_COLOR (or --color never) means no escape sequence at all, not even bold
        console = (Console(force_terminal=True, no_color=False) if color
                   else Console(color_system=None, force_terminal=False))
        console.print(report_rich(report, reveal=reveal, details=args.details))
    else:
        print(report.to_text(reveal=reveal, only_wrong=args.only_wrong, details=args.details))
    return 0 if report.all_correct else 1


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _folder(args: argparse.Namespace, key: Any, folder: Path) -> int:
    from ..check.batch import grade_folder
    from ..errors import InputError

    # every file is written as results arrive (atomically), so Ctrl-C keeps what was graded
    # and a rerun resumes from the summary JSON
    result = grade_folder(key, folder, jobs=args.jobs, outputs=_outputs(args, folder),
                          resume=not args.no_resume)
    if not result.rows:
        raise InputError(f"no submissions in {folder}",
                         hint="put one file per student in the folder (or one folder per student)")
    return _print_batch(args, result)


def _outputs(args: argparse.Namespace, folder: Path) -> Any:
    from ..check.batch import BatchOutputs, gradescope_folder

    if args.gradescope:  # refuse a results.json before grading: Gradescope's is per student
        gradescope_folder(args.gradescope, folder)
    return BatchOutputs(csv=None if args.no_summary else args.csv,
                        json=None if args.no_summary else args.json,
                        reports=args.reports, gradescope=args.gradescope,
                        reveal=not args.hide_expected)


def _keys_folder(args: argparse.Namespace) -> int:
    """KEY is a folder of keys, one per student: grade each submission against its own."""
    from ..check.batch import grade_with_keys
    from ..errors import InputError

    if args.point_for is not None:
        raise InputError("--point-for needs one key, not a folder of keys",
                         hint=f"autodiff-viz check {Path(args.key) / (args.point_for + '.toml')} "
                              "--point-for NAME")
    if args.submission is None or not Path(args.submission).is_dir():
        raise InputError("a folder of keys grades a folder of submissions"
                         + (f", but {args.submission} is not a folder" if args.submission
                            else ""),
                         hint="autodiff-viz check out/keys/ submissions/ (or give the one "
                              "student's key: autodiff-viz check out/keys/ID.toml FILE)")
    folder = Path(args.submission)
    result = grade_with_keys(args.key, folder, outputs=_outputs(args, folder))
    if not result.rows and not result.missing:
        raise InputError(f"no submissions in {folder}", hint="put one file per student in it")
    return _print_batch(args, result)


def _print_batch(args: argparse.Namespace, result: Any) -> int:
    """One line per submission (and per key without one), the totals, the files written."""
    written = result.rows if args.gradescope else []  # one results file per submission
    width = max(len(r["submission"]) for r in result.rows + result.skipped + [{"submission": ""}])
    for r in result.rows:
        if r["status"] == "graded":
            mark = "✓" if r["all_correct"] else "✗"
            tail = f"  first wrong: {r['first_error']}" if r["first_error"] else ""
            print(f"{mark} {r['submission']:<{width}}  {r['score']:g}/{r['max_score']:g}{tail}")
        else:
            print(f"! {r['submission']:<{width}}  error: {r['error'].splitlines()[0]}")
    n, errs = len(result.rows), len(result.errors)
    perfect = sum(1 for r in result.rows if r["status"] == "graded" and r["all_correct"])
    print(f"\n{n} submission{'s' if n != 1 else ''}: {perfect} all correct, "
          f"{n - perfect - errs} with mistakes, {errs} could not be graded "
          f"({result.seconds:.2f} s, {result.per_second:.0f} per second)")
    for row in result.missing:
        print(f"? {row['student']:<{width}}  missing: {row['error']}")
    if result.missing:
        print(f"{len(result.missing)} student{'s' if len(result.missing) != 1 else ''} with a "
              "key handed in nothing")
    for row in result.skipped:
        print(f"- {row['submission']:<{width}}  skipped: {row['error'].splitlines()[0]}")
    for note in result.notes:
        print(f"note: {note}")
    if not args.no_summary:
        print(f"wrote {args.csv} and {args.json}")
    if args.gradescope:
        where = args.gradescope if args.gradescope.endswith(("/", "\\")) else args.gradescope + "/"
        print(f"wrote {len(written)} Gradescope results file{'s' if len(written) != 1 else ''} "
              f"to {where}")
    return 0 if perfect == n and not result.missing else 1
