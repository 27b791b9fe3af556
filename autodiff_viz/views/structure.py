"""A compact text view of the graph's structure: who feeds whom.

Each output is drawn as a tree of the nodes that feed it (an operation's
branches are its arguments, in order). A node that feeds several others is
drawn once and then referred to, so the drawing stays as small as the graph;
a last line lists those shared nodes and every node they feed.

>>> from autodiff_viz import parse
>>> print("\\n".join(structure_lines(parse("sin(x1) + x1*x2"))))
z = w5 = w3 + w4
├── w3 = sin(w1)
│   └── w1 = x1
└── w4 = w1·w2
    ├── w1 = x1  (shared)
    └── w2 = x2
shared: w1 feeds w3, w4
"""
from __future__ import annotations

from ..graph import Graph

_BRANCHES = {"unicode": ("├── ", "└── ", "│   ", "    "),
             "text": ("|-- ", "`-- ", "|   ", "    ")}


def structure_lines(graph: Graph, notation: str = "w", style: str = "unicode",
                    max_lines: int = 60, max_depth: int = 20) -> list[str]:
    """The trees of the graph's outputs as text lines (``style`` "unicode" or "text").

    At most ``max_lines`` tree lines and ``max_depth`` levels are drawn; what is
    cut is said on a last line. Iterative, so very deep graphs are fine.
    """
    fstyle = "unicode" if style == "unicode" else "text"
    tee, last, bar, blank = _BRANCHES[fstyle]
    names = graph.display_names(notation)
    nodes = graph.nodes
    drawn: set[int] = set()
    lines: list[str] = []
    cut = 0

    def describe(i: int) -> str:
        n = nodes[i]
        if n.kind == "const":
            return names[i] if fstyle == "text" else names[i].replace("pi", "π")
        if n.kind == "input":
            text = f"{names[i]} = {n.name}"
            return text + ("  (shared)" if i in drawn and len(graph.children[i]) > 1 else "")
        if i in drawn:
            return f"{names[i]}  (shared, see above)"
        return f"{names[i]} = {graph.formula(i, notation, fstyle)}"

    for out_name, root in graph.outputs:
        if cut or len(lines) >= max_lines:
            cut = 1
            break
        head = describe(root)
        lines.append(head if names[root] == out_name else f"{out_name} = {head}")
        expand = nodes[root].kind == "op" and root not in drawn
        drawn.add(root)
        if not expand:
            continue
        # (node, prefix of its line, prefix of its children's lines, depth)
        stack = [(p, prefix, child, 1) for p, prefix, child in
                 _branches(nodes[root].parents, "", tee, last, bar, blank)][::-1]
        while stack:
            i, prefix, child_prefix, depth = stack.pop()
            if len(lines) >= max_lines:
                cut += 1
                break
            if depth > max_depth:
                lines.append(prefix + "…")
                continue
            lines.append(prefix + describe(i))
            if nodes[i].kind == "op" and i not in drawn:
                stack.extend([(p, pre, ch, depth + 1) for p, pre, ch in
                              _branches(nodes[i].parents, child_prefix, tee, last, bar,
                                        blank)][::-1])
            drawn.add(i)
    if cut:
        lines.append(f"… drawing cut at {max_lines} lines ({len(nodes)} nodes in all)")
    shared = [i for i in range(len(nodes))
              if nodes[i].kind != "const" and len(graph.children[i]) > 1]
    if shared:
        shown = shared[:8]
        text = "; ".join(f"{names[i]} feeds " + ", ".join(
            dict.fromkeys(names[c] for c, _ in graph.children[i])) for i in shown)
        more = f"; … {len(shared) - len(shown)} more" if len(shared) > len(shown) else ""
        lines.append(f"shared: {text}{more}")
    return lines


def _branches(parents: tuple[int, ...], prefix: str, tee: str, last: str, bar: str,
              blank: str) -> list[tuple[int, str, str]]:
    out = []
    for j, p in enumerate(parents):
        end = j == len(parents) - 1
        out.append((p, prefix + (last if end else tee), prefix + (blank if end else bar)))
    return out
