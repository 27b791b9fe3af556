"""A small document model (headings, paragraphs, tables, code, pictures) written as
Markdown, HTML or LaTeX, so that a handout and its solution come out the same in each.

>>> doc = [Heading(1, "Homework"), Para("Student: 1001"),
...        Table(("node", "formula", "value"), [("w1", "x1", "2"), ("w3", "", "")])]
>>> print(markdown(doc))
# Homework
<BLANKLINE>
Student: 1001
<BLANKLINE>
| node | formula | value |
|---|---|---|
| w1 | x1 | 2 |
| w3 |  |  |
<BLANKLINE>
>>> "<td>x1</td>" in html(doc, "Homework"), "\\\\texttt{w1} & \\\\texttt{x1}" in latex(doc)
(True, True)
"""
from __future__ import annotations

import html as _html
from dataclasses import dataclass
from typing import Sequence, Union


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Code:
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Picture:
    path: str  # relative to the document
    alt: str


Block = Union[Heading, Para, Table, Code, Picture]


def markdown(doc: Sequence[Block]) -> str:
    """Markdown; table rows are ``| a | b |`` lines (the checker reads them back)."""
    out: list[str] = []
    for b in doc:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            out += [b.text, ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(b.headers) + " |")
            out.append("|" + "---|" * len(b.headers))
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in b.rows]
            out.append("")
        elif isinstance(b, Code):
            out += ["```text", *b.lines, "```", ""]
        else:
            out += [f"![{b.alt}]({b.path})", ""]
    return "\n".join(out)


CSS = """body { font-family: sans-serif; max-width: 48em; margin: 2em auto; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #888; padding: 0.35em 0.8em; font-family: monospace; }
td { min-width: 6em; height: 1.6em; }
td:nth-child(2) { min-width: 16em; }
pre { background: #f4f4f4; padding: 0.6em; }
@media print { body { margin: 0; } }"""


def html(doc: Sequence[Block], title: str) -> str:
    """A self-contained HTML page (no script), printable."""
    e = _html.escape
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{e(title)}</title>", f"<style>\n{CSS}\n</style>", "</head>", "<body>"]
    for b in doc:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{e(b.text)}</p>")
        elif isinstance(b, Table):
            out.append("<table>")
            out.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in b.headers) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in b.rows]
            out.append("</table>")
        elif isinstance(b, Code):
            out.append("<pre>" + e("\n".join(b.lines)) + "</pre>")
        else:
            out.append(f'<p><img src="{e(b.path)}" alt="{e(b.alt)}"></p>')
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


_TEX = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&",
        "#": "\\#", "%": "\\%", "_": "\\_", "^": "\\textasciicircum{}", "~": "\\textasciitilde{}"}


def tex_escape(text: str) -> str:
    """Text as LaTeX sets it (Latin-1 letters as they are; other characters become ``?``).

    >>> tex_escape("x1^2 + a_b")
    'x1\\\\textasciicircum{}2 + a\\\\_b'
    """
    return "".join(_TEX.get(c, c) if ord(c) < 128 or c.isalpha() and ord(c) < 256 else "?"
                   for c in text)


def _tt(text: str) -> str:
    return f"\\texttt{{{tex_escape(text)}}}" if text else ""


# Deterministic PDFs: no date, no trailer id (the same input gives the same bytes).
PREAMBLE = r"""\pdfinfoomitdate=1
\pdftrailerid{}
\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{array}
\renewcommand{\arraystretch}{1.8}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
\pagestyle{empty}
\begin{document}
"""


def latex(doc: Sequence[Block]) -> str:
    """A LaTeX article (pdflatex, the base packages only)."""
    out = [PREAMBLE]
    for b in doc:
        if isinstance(b, Heading):
            cmd = {1: "section*", 2: "subsection*"}.get(b.level, "subsubsection*")
            out.append(f"\\{cmd}{{{tex_escape(b.text)}}}")
        elif isinstance(b, Para):
            out.append(tex_escape(b.text) + "\n")
        elif isinstance(b, Table):
            cols = "|" + "|".join(["p{3.2cm}", "p{8cm}", "p{3cm}"][:len(b.headers)]
                                  if len(b.headers) <= 3 else ["l"] * len(b.headers)) + "|"
            out.append(f"\\begin{{tabular}}{{{cols}}}\n\\hline")
            out.append(" & ".join(f"\\textbf{{{tex_escape(h)}}}" for h in b.headers)
                       + " \\\\\n\\hline")
            out += [" & ".join(_tt(c) for c in r) + " \\\\\n\\hline" for r in b.rows]
            out.append("\\end{tabular}\n")
        elif isinstance(b, Code):
            out.append("\\begin{verbatim}\n" + "\n".join(b.lines) + "\n\\end{verbatim}")
    out.append("\\end{document}\n")
    return "\n".join(out)
