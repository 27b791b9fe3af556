"""Lay the problems out on disk, the same bytes for the same seed and roster::

    out/handouts/<id>.md, <id>.html, <id>.pdf   (the PDF through pdflatex, when present)
    out/keys/<id>.toml                          (the key: autodiff-viz check out/keys/ ...)
    out/solutions/<id>.md, <id>.svg             (the SVG through Graphviz, when present)

Nothing written depends on the date, the machine or the order of a dict or set;
PDFs are made without a date or trailer id.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import InputError, RenderError
from .document import html, latex, markdown
from .generate import Problem
from .handout import sheet
from .keyfile import toml_text
from .solution import graph_svg, solution

PDFLATEX_SECONDS = 60.0


@dataclass
class Written:
    """The files written (in order) and notes on what was left out and why."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _write(path: Path, data: bytes | str, written: Written) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as err:
        raise InputError(f"cannot write {path} ({err.strerror or err})",
                         hint="check the output folder and that you may write there") from None
    written.files.append(path)


def pdf_bytes(tex: str) -> bytes:
    """``tex`` compiled by pdflatex (in a temporary folder); RenderError on failure."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise RenderError("pdflatex is not installed",
                          hint="install TeX Live (apt-get install texlive-latex-base "
                               "texlive-latex-recommended), or use --no-pdf")
    with tempfile.TemporaryDirectory(prefix="autodiff-viz-") as tmp:
        (Path(tmp) / "handout.tex").write_text(tex, encoding="utf-8")
        env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
        try:
            done = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error",
                                   "-no-shell-escape", "handout.tex"], cwd=tmp, env=env,
                                  capture_output=True, timeout=PDFLATEX_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise RenderError(f"pdflatex took longer than {PDFLATEX_SECONDS:g} s",
                              hint="use --no-pdf and compile the handouts yourself") from None
        pdf = Path(tmp) / "handout.pdf"
        if done.returncode != 0 or not pdf.exists():
            log = done.stdout.decode("utf-8", "replace").strip().splitlines()[-8:]
            raise RenderError("pdflatex could not compile a handout:\n" + "\n".join(log),
                              hint="please report this; use --no-pdf meanwhile")
        return pdf.read_bytes()


def write(problems: Sequence[Problem], out: str | os.PathLike[str], *, pdf: bool = True,
          pictures: bool = True, template_name: str = "") -> Written:
    """Write every student's handout, key and solution sheet under ``out``."""
    root = Path(out)
    w = Written()
    has_pdflatex = pdf and shutil.which("pdflatex") is not None
    if pdf and not has_pdflatex:
        w.notes.append("PDF handouts skipped: pdflatex is not installed (install TeX Live: "
                       "apt-get install texlive-latex-base texlive-latex-recommended)")
    svg_ok = pictures
    for p in problems:
        sid = p.student.id
        hand = sheet(p)
        title = f"{p.template.title or 'Problem'} — {sid}"
        _write(root / "handouts" / f"{sid}.md", markdown(hand), w)
        _write(root / "handouts" / f"{sid}.html", html(hand, title), w)
        if has_pdflatex:
            _write(root / "handouts" / f"{sid}.pdf", pdf_bytes(latex(hand)), w)
        who = sid + (f" ({p.student.name})" if p.student.name else "")
        made = f"made by autodiff-viz problems{' from ' + template_name if template_name else ''}"
        _write(root / "keys" / f"{sid}.toml",
               toml_text(p.key_data(), f"Problem key for student {who}, {made}.\n"
                                       f"Grade: autodiff-viz check keys/ submissions/"), w)
        svg = graph_svg(p) if svg_ok else None
        if svg_ok and svg is None:
            svg_ok = False
            w.notes.append("graph pictures skipped: Graphviz's dot is not installed (the "
                           "solution sheets show the graph's structure as text)")
        if svg is not None:
            _write(root / "solutions" / f"{sid}.svg", svg, w)
        _write(root / "solutions" / f"{sid}.md",
               markdown(solution(p, f"{sid}.svg" if svg is not None else None)), w)
    ids = {p.student.id for p in problems}
    stale = sorted(k.stem for k in (root / "keys").glob("*.toml") if k.stem not in ids)
    if stale:
        w.notes.append(f"{root / 'keys'} also holds keys of students not on this roster "
                       f"({', '.join(stale[:5])}{', ...' if len(stale) > 5 else ''}): "
                       "'check' will list them as missing; remove them or write to a new "
                       "folder")
    return w
