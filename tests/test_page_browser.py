"""The HTML page in a real browser (Debian's Chromium driven by Playwright, no browser
download): keys, clicks, fragments, the panel's text against the Python views (the same
notation everywhere), highlighting, no console errors, a screenshot that is not blank."""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.views.lines import forward_line, primal_line, reverse_line

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                               "(pip install -e '.[test]')")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (sudo apt-get install chromium); "
    "scripts/test installs it")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)
        yield b
        b.close()


class Page:
    """A page open in Chromium at 1280×720 that records console errors."""

    def __init__(self, browser, path: Path, fragment: str = "") -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 720})
        self.page.set_default_timeout(20_000)  # a stuck browser fails the test, never hangs it
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in (
            "error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.resolve().as_uri() + fragment)

    def state(self) -> tuple[str, int]:
        body = self.page.locator("body")
        return body.get_attribute("data-pass"), int(body.get_attribute("data-step"))

    def row(self, label: str) -> str:
        return self.page.locator(f"#step-detail tr:has(th:text-is('{label}')) td").inner_text()

    def current(self) -> list[str]:
        return self.page.eval_on_selector_all("#graph g.node.current", "gs => gs.map(g => g.id)")

    def press(self, *keys: str) -> None:
        for k in keys:
            self.page.keyboard.press(k)

    def close(self) -> None:
        assert self.errors == [], self.errors
        self.page.close()


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
    path = tmp_path_factory.mktemp("page") / "worked.html"
    t.to_html(path)
    return t, path


def test_fragment_opens_a_pass_and_step_and_the_panel_shows_its_term(browser, worked) -> None:
    t, path = worked
    pg = Page(browser, path, "#reverse/5")
    assert pg.state() == ("reverse", 5)
    # step 5 of the reverse pass: w̄1's first term, from the child w4 (hand: w̄4 = 1, w2 = 3)
    assert pg.current() == ["n0"]
    assert pg.row("adds term") == "w̄4·w2 = 1·3 = 3"
    assert pg.row("uses").startswith("w̄4 = 1 (adjoint of the child w4), ∂w4/∂w1 = w2 = 3")
    assert "w̄1 = 1·3 + … (1 more term)" == pg.row("running sum")
    edge = pg.page.eval_on_selector_all("#graph g.edge.carries", "gs => gs.map(g => g.id)")
    assert edge == ["e3_0"]                               # w1 -> w4, argument 1
    reads = pg.page.eval_on_selector_all("#graph g.node.reads", "gs => gs.map(g => g.id)")
    assert reads == ["n3"]
    pg.press("ArrowRight")                                # the second term completes w̄1
    assert pg.state() == ("reverse", 6)
    result = pg.row("result")
    assert result == reverse_line(t, 0, t.reverse_steps(0)[-1])
    value = float(result.rsplit("= ", 1)[1])
    assert math.isclose(value, math.cos(2) + 3, rel_tol=1e-3)
    assert pg.page.locator("#result-table").inner_text().split() == \
        ["∂z/∂x1", "2.584", "∂z/∂x2", "2"]
    pg.close()


SAME_AS_PYTHON = [
    ("sin(x1) + x1*x2", {"x1": 2, "x2": 3}),
    ("a = x*y; z = a + sin(a) - a/y", {"x": 1.5, "y": -2}),           # fan-out, negatives
    ("sum(relu(W @ x + c))", {"W": [[1, 2], [3, 4]], "x": [1, 2], "c": [0, -4]}),
    # a derivative graph: its nodes are named w̄1, so its own adjoint of w1 is ∂dz_dx1/∂w1
    ("derivative graph", {"x1": 2, "x2": 3}),
]


@pytest.mark.parametrize("src,at", SAME_AS_PYTHON, ids=["worked", "fan-out", "tensor",
                                                         "derivative-graph"])
def test_every_completed_step_reads_as_the_python_views_write_it(browser, tmp_path, src,
                                                                 at) -> None:
    t = av.trace(av.derivative_graph("sin(x1) + x1*x2") if src == "derivative graph"
                 else src, at=at)
    path = tmp_path / "p.html"
    t.to_html(path)
    mm = {"inline": True}
    pg = Page(browser, path, "#primal/1")
    for s in t.primal_steps():
        if s.kind != "const":
            assert pg.row("stores") == primal_line(t, s, **mm)
            pg.press("ArrowRight")
    runs = [("forward", k, f"forward-{next(iter(f.seed))}", t.forward_steps(k), forward_line)
            for k, f in enumerate(t.forward)]
    runs += [("reverse", k, "reverse" if len(t.reverse) == 1 else f"reverse-{r.output}",
              t.reverse_steps(k), reverse_line) for k, r in enumerate(t.reverse)]
    for kind, k, key, steps, line in runs:
        pg.page.goto(path.resolve().as_uri() + f"#{key}/1")
        pg.page.reload()
        done = []
        for _ in range(200):
            label = next((x for x in ("result", "stores") if pg.page.locator(
                f"#step-detail th:text-is('{x}')").count()), None)
            if label:
                done.append(pg.row(label))
            if pg.page.locator("#next").is_disabled():
                break
            pg.press("ArrowRight")
        assert done == [line(t, k, s, **mm) for s in steps], kind
    pg.close()


def test_keys_move_and_play_runs_to_the_end(browser, worked) -> None:
    _, path = worked
    pg = Page(browser, path)
    assert pg.state() == ("primal", 1)
    pg.press("ArrowRight", "ArrowRight", "ArrowRight")
    assert pg.state() == ("primal", 4)
    pg.press("ArrowLeft")
    assert pg.state() == ("primal", 3)
    pg.press("End")
    assert pg.state() == ("primal", 5)
    pg.press("Home")
    assert pg.state() == ("primal", 1)
    pg.page.select_option("#speed", "400")
    pg.page.locator("body").focus()
    pg.press(" ")
    pg.page.wait_for_function("document.body.dataset.step === '5'", timeout=10_000)
    pg.page.wait_for_function("document.body.dataset.playing === 'false'", timeout=5_000)
    assert pg.page.url.endswith("#primal/5")          # the fragment follows: a link to it
    pg.close()


def test_clicking_a_node_jumps_to_its_step_and_shows_its_partials(browser, worked) -> None:
    _, path = worked
    pg = Page(browser, path)
    pg.page.click("#graph g#n2")                          # w3 = sin(w1)
    assert pg.state() == ("primal", 3)
    assert pg.current() == ["n2"]
    assert pg.row("local partials") == "∂w3/∂w1 = cos(w1) = −0.4161"
    assert pg.page.locator("#trace-table tr.current td").first.inner_text().endswith("w3")
    pg.page.select_option("#pass", label="Reverse pass for z")
    pg.page.click("#graph g#n1")                          # w2: its adjoint's step
    assert pg.state() == ("reverse", 4)
    assert pg.row("result") == "w̄2 = w̄4·w1 = 1·2 = 2"
    pg.page.click("#graph g#n3")                          # w4 = w1·w2: its own partials
    assert pg.row("local partials") == "∂w4/∂w1 = w2 = 3, ∂w4/∂w2 = w1 = 2"
    pg.close()


def test_forward_pass_per_seed_and_notation_and_digits(browser, tmp_path) -> None:
    t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="forward")
    path = tmp_path / "fw.html"
    t.to_html(path)
    pg = Page(browser, path, "#forward-x2/4")            # ẇ4's first term
    assert pg.state() == ("forward", 4)
    assert pg.page.locator("body").get_attribute("data-run") == "forward-x2"
    assert pg.row("adds term") == "ẇ1·w2 = 0·3 = 0"
    pg.press("End")
    assert pg.row("is").startswith("∂z/∂x2")
    assert pg.page.locator("#result-table").inner_text().split() == ["∂z/∂x2", "2"]
    pg.page.select_option("#digits", "6")
    pg.page.goto(path.resolve().as_uri() + "#forward-x1/3")
    pg.page.reload()
    pg.page.select_option("#digits", "6")
    assert pg.row("adds term") == "ẇ1·cos(w1) = 1·(−0.416147) = −0.416147"
    pg.page.select_option("#notation", "v")
    assert pg.row("adds term") == "v̇-1·cos(v-1) = 1·(−0.416147) = −0.416147"
    assert pg.page.locator("body").get_attribute("data-notation") == "v"
    pg.close()


def test_fan_out_program_shows_one_term_per_child(browser, tmp_path) -> None:
    # a = x*y feeds b and c: its adjoint is the sum of two terms (hand: ā = 1 + cos(a)·1)
    t = av.trace("a = x*y; z = a + sin(a)", at={"x": 1, "y": 2})
    path = tmp_path / "fan.html"
    t.to_html(path)
    pg = Page(browser, path, "#reverse/1")
    a_id = next(s.node for s in t.primal_steps() if s.name == "a")   # the user's name
    hits = []
    while True:
        if pg.current() == [f"n{a_id}"]:
            hits.append((pg.row("adds term"),
                         pg.page.eval_on_selector_all("#graph g.edge.carries",
                                                      "gs => gs.map(g => g.id)")))
        if pg.page.locator("#next").is_disabled():
            break
        pg.press("ArrowRight")
    cos2 = f"{math.cos(2):.4g}".replace("-", "−")
    children = [term.child_name for term in
                next(s for s in t.reverse_steps(0) if s.name == "a").terms]
    expected = {"z": "z̄·1 = 1·1 = 1", "w4": f"w̄4·cos(a) = 1·({cos2}) = {cos2}"}
    assert sorted(children) == ["w4", "z"]
    assert [h[0] for h in hits] == [expected[c] for c in children]
    assert len({h[1][0] for h in hits}) == 2              # each term its own edge
    pg.close()


def test_screenshot_at_projector_size_is_not_blank(browser, worked, tmp_path) -> None:
    from PIL import Image

    _, path = worked
    pg = Page(browser, path, "#reverse/6")
    shot = tmp_path / "page.png"
    pg.page.screenshot(path=str(shot))
    img = Image.open(shot).convert("L")
    assert img.size == (1280, 720)
    dark = sum(img.histogram()[:128])
    assert dark > 0.01 * 1280 * 720, dark                 # text and the graph, not a blank
    width = pg.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280                                  # nothing wider than the projector
    pg.close()


def test_page_without_picture_still_steps(browser, tmp_path) -> None:
    t = av.trace("x*y", at={"x": 2, "y": 5})
    path = tmp_path / "nopic.html"
    t.to_html(path, graph=False)
    pg = Page(browser, path, "#reverse/3")
    assert pg.state() == ("reverse", 3)
    assert pg.row("result") == "w̄1 = w̄3·w2 = 1·5 = 5"
    pg.close()


def test_tensor_nodes_show_their_matrices(browser, tmp_path) -> None:
    t = av.trace("sum(W @ x)", at={"W": [[1, 2], [3, 4]], "x": [1, -1]})
    path = tmp_path / "tensor.html"
    t.to_html(path)
    pg = Page(browser, path, "#primal/1")
    cells = pg.page.eval_on_selector_all("#trace-table table.matrix",
                                         "ts => ts.map(t => t.innerText.split(/\\s+/))")
    assert ["1", "2", "3", "4"] in cells                  # W, entry by entry
    pg.close()


def test_page_prints_every_number_of_the_step(browser, worked, tmp_path) -> None:
    import subprocess

    _, path = worked
    pg = Page(browser, path, "#reverse/6")
    pdf = tmp_path / "page.pdf"
    pg.page.pdf(path=str(pdf), format="A4")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (sudo apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "2.584" in text and "0.9093" in text and "6.909" in text
    assert "play" not in text                              # the controls are not printed
    pg.close()


def test_names_taken_by_the_user_use_the_free_letter(browser, tmp_path) -> None:
    # w11, w12 are the user's names: the nodes are u1, u2, ... and the page says so
    t = av.trace("y = w11*x1 + w12*x2", at={"w11": 2, "x1": 3, "w12": -1, "x2": 5},
                 mode="reverse")
    path = tmp_path / "u.html"
    t.to_html(path)
    pg = Page(browser, path, "#reverse/1")
    header = pg.page.locator("#trace-table th").all_inner_texts()
    assert header[-1] == "ū adjoint"
    options = pg.page.locator("#notation option").all_inner_texts()
    assert options[0].startswith("w: u1, u2")
    pg.press("End")
    # ∂y/∂w11 = x1 = 3 (by hand), the last input's step
    assert pg.page.locator("#result-table").inner_text().split()[:2] == ["∂y/∂w11", "3"]
    pg.close()
