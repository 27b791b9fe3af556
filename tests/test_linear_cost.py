"""Cost linear in inputs and outputs, checked by counting operations (not by timing):
name comparisons while inputs are validated, and nodes a reverse pass touches per
output. A quadratic lookup (a list scanned per input, a pass over every node per output)
makes the count per item grow with the size; these counts stay flat."""
from __future__ import annotations

import autodiff_viz as av
from autodiff_viz.passes import linearize, primal, reverse


class CountingName(str):
    """An input name that counts how often it is compared for equality (a list scan
    compares it with every element; a dict or set lookup once)."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        CountingName.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


class CountingNodes(tuple):
    """A graph's node tuple that counts every node the passes read."""

    read = 0

    def __getitem__(self, i):  # type: ignore[override]
        CountingNodes.read += 1
        return tuple.__getitem__(self, i)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def wide_sum(n: int) -> tuple[str, dict[str, float]]:
    """x1*x2 + x2*x3 + ... over n inputs, each used twice."""
    src = " + ".join(f"x{i}*x{i + 1}" for i in range(1, n))
    return src, {f"x{i}": 1.0 + i / n for i in range(1, n + 1)}


def comparisons_per_input(n: int, mode: str) -> float:
    src, at = wide_sum(n)
    at = {CountingName(k): v for k, v in at.items()}
    CountingName.compared = 0
    t = av.trace(src, at=at, mode=mode, wrt=list(at) if mode == "forward" else None)
    assert len(t.graph.inputs) == n
    return CountingName.compared / n


def test_validating_inputs_compares_each_name_a_bounded_number_of_times() -> None:
    for mode in ("reverse", "primal", "forward"):
        small, large = comparisons_per_input(300, mode), comparisons_per_input(3000, mode)
        assert large <= 1.5 * small + 2, (mode, small, large)   # a list scan: 10x


def test_wide_gradient_is_right() -> None:
    src, at = wide_sum(50)
    g = av.gradient(src, at)
    # hand: d/dx_i of sum x_k x_{k+1} is x_{i-1} + x_{i+1} (the neighbours that exist)
    for i in range(1, 51):
        want = at.get(f"x{i - 1}", 0.0) + at.get(f"x{i + 1}", 0.0)
        assert abs(g[f"x{i}"] - want) < 1e-12


def nodes_read_per_output(n: int) -> float:
    """Reverse passes of a program with n outputs y_i = x*c_i + sin(x): each output's
    ancestors are a few nodes, so each pass should read a few nodes."""
    src = "; ".join(f"y{i} = x*{i + 1} + sin(x)" for i in range(n))
    g = av.parse(src)
    p = primal(g, {"x": 0.5})
    lin = linearize(g, p)
    g.nodes = CountingNodes(g.nodes)
    CountingNodes.read = 0
    records = [reverse(g, p, lin, name) for name in g.output_names]
    per = CountingNodes.read / n
    # dy_i/dx = (i + 1) + cos(x): the numbers are right, not only cheap
    import math
    for i, r in enumerate(records[:: max(1, n // 7)]):
        k = i * max(1, n // 7)
        assert abs(r.adjoints[g.inputs[0]] - (k + 1 + math.cos(0.5))) < 1e-9
    return per


def test_reverse_pass_costs_what_the_outputs_ancestors_cost() -> None:
    small, large = nodes_read_per_output(100), nodes_read_per_output(1000)
    assert large <= 1.5 * small, (small, large)                # a pass over all nodes: 10x
    assert small < 40, small


def test_reverse_jacobian_of_many_outputs_agrees_with_forward_mode() -> None:
    src = "; ".join(f"y{i} = x{i % 5}*{i + 1} + sin(x{(i + 1) % 5})" for i in range(40))
    at = {f"x{k}": 0.1 * (k + 1) for k in range(5)}
    rev = av.jacobian(src, at, mode="reverse")
    fwd = av.jacobian(src, at, mode="forward")
    assert rev.keys() == fwd.keys()
    for o in rev:
        for x in at:
            assert abs(rev[o][x] - fwd[o][x]) < 1e-12
