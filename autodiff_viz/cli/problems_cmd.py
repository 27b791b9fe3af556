"""``autodiff-viz problems``: a problem per student, with handouts, keys, solutions and a
Gradescope autograder."""
from __future__ import annotations

import argparse

from .common import HelpFormatter
from .common import add_debug_option

EPILOG = """\
writes (the same seed and roster give the same bytes):
  OUT/handouts/<id>.md, .html, .pdf   the problem and empty trace tables (PDF: pdflatex)
  OUT/keys/<id>.toml                  each student's key (the format of 'check')
  OUT/solutions/<id>.md, .svg         the filled tables and the graph (SVG: Graphviz)

Students fill in the handout's Markdown file and hand it in; grade them all with
  autodiff-viz check OUT/keys/ submissions/
(each submission matched to its key by file name or its 'Student: <id>' line).

examples:
  autodiff-viz problems template.toml --roster roster.csv --seed 2026 -o out/
  autodiff-viz problems template.toml --roster roster.csv --seed 2026 -o out/ \\
      --gradescope autograder.zip

exit status: 0 written, 2 a bad template, roster or option (the message says where).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("problems", help="a problem per student: handouts, keys, solutions",
                       description="Generate a well-posed problem for each student of a roster "
                                   "from a template (its fields: python -m pydoc "
                                   "autodiff_viz.problems.template), and write handouts, "
                                   "keys and solution sheets; optionally a Gradescope "
                                   "autograder.",
                       epilog=EPILOG, formatter_class=HelpFormatter)
    p.add_argument("template", metavar="TEMPLATE", help="the problem template (.toml)")
    p.add_argument("--roster", required=True, metavar="CSV",
                   help="the students: a CSV file with a header row (id, name, email)")
    p.add_argument("--seed", required=True, type=int, metavar="S",
                   help="the seed (a whole number): the same seed and roster give the same "
                        "problems")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="the output folder")
    p.add_argument("--gradescope", metavar="ZIP", default=None,
                   help="also write a Gradescope autograder (setup.sh, run_autograder, keys)")
    p.add_argument("--wheel", metavar="WHL", default=None,
                   help="with --gradescope: the autodiff-viz wheel to bundle (default: built "
                        "from this source tree with pip wheel)")
    p.add_argument("--no-wheel", action="store_true",
                   help="with --gradescope: bundle no wheel (setup.sh installs from PyPI)")
    p.add_argument("--no-pdf", dest="pdf", action="store_false",
                   help="no PDF handouts (no pdflatex needed)")
    p.add_argument("--no-picture", dest="picture", action="store_false",
                   help="no graph pictures in the solutions (no Graphviz needed)")
    add_debug_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import InputError
    from ..problems import generate
    from ..problems.gradescope import write_autograder
    from ..problems.write import write

    if (args.wheel or args.no_wheel) and not args.gradescope:
        raise InputError("--wheel and --no-wheel go with --gradescope",
                         hint="add --gradescope autograder.zip")
    if args.gradescope and not args.gradescope.lower().endswith(".zip"):
        raise InputError(f"the Gradescope autograder is a zip file, not {args.gradescope}",
                         hint="--gradescope autograder.zip")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"the output {args.out} is a file, not a folder",
                         hint="give a folder: -o out/")
    problems = generate(args.template, args.roster, args.seed)
    written = write(problems, out, pdf=args.pdf, pictures=args.picture,
                    template_name=Path(args.template).name)
    n = len(problems)
    print(f"{n} problem{'s' if n != 1 else ''} for {Path(args.roster).name}, seed {args.seed}:")
    for p in problems:
        print(f"  {p.student.id:<12} {p.describe()}")
    kinds = sorted({f.suffix for f in written.files if f.parent.name == "handouts"})
    print(f"wrote {out}/handouts/ ({', '.join(k.lstrip('.') for k in kinds)}), "
          f"{out}/keys/, {out}/solutions/")
    for note in written.notes:
        print(f"note: {note}")
    if args.gradescope:
        notes = write_autograder(problems, args.gradescope, wheel=args.wheel,
                                 build=not args.no_wheel)
        print(f"wrote {args.gradescope}: upload it as the assignment's autograder "
              f"({'; '.join(notes)})")
    return 0
