"""Live code: thebe from the site itself, a real kernel in the book's folder, downloads, Binder.

The browser tests drive Debian's Chromium with Playwright against the published build:
the page is told about a local `jupyter server` through its address
(``?jupyter=...&token=...``, see book/_static/live-code/live-code.js) instead of Binder.
Every cell of every chapter is run through the page's own buttons, widgets are tried with
no network and with a broken asset, and the live pages are checked with axe-core in the
light and the dark theme. The Binder simulation builds a fresh environment from binder/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import pytest
import yaml

from support import ROOT, code_cells, free_port, notebook_chapters, stop, wait_until_up

BIN = Path(sys.executable).parent
CHAPTER = "book/images-as-numbers.html"
SCREENSHOT = ROOT / "_build" / "screens" / "live-output.png"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# What the test types into the chapter's first medimg cell: data found through medimg,
# whatever folder the kernel started in; the folder and a computed shape are printed,
# and the image itself is shown (every 8th pixel, to keep it small).
EDITED_CELL = """\
import os
from PIL import Image
import medimg.images, medimg.samples
grey = medimg.images.load_grey(medimg.samples.test_jpeg())
print("kernel folder:", os.getcwd())
print("test.jpeg shape:", grey.shape)
Image.fromarray(grey[::8, ::8])"""


# --- A real Jupyter server, in a folder of its own ----------------------------------------

def kernels_started_from(runtime: Path) -> list[int]:
    """PIDs of kernels whose connection file lies in runtime (i.e. started by our server)."""
    import psutil
    pids = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if any(str(runtime) in part for part in (proc.info["cmdline"] or [])):
            pids.append(proc.info["pid"])
    return pids


@contextmanager
def jupyter_server(origin: str, workdir: Path) -> Iterator[tuple[str, str]]:
    """Start `jupyter server` on 127.0.0.1 in workdir, open to origin; yield (url, token).

    The server and any kernel it started are stopped by PID at the end, pass or fail.
    """
    import psutil
    port, token = free_port(), secrets.token_hex(16)
    runtime = Path(tempfile.mkdtemp(prefix="live-runtime-"))
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime))
    cmd = [str(BIN / "jupyter"), "server", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.allow_origin={origin}",
           f"--ServerApp.root_dir={workdir}"]
    log = open(runtime / "server.log", "w")
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + "api", proc)
        yield url, token
    finally:
        stop(proc)
        for pid in kernels_started_from(runtime):
            try:
                psutil.Process(pid).kill()
            except psutil.NoSuchProcess:
                pass
        log.close()


@pytest.fixture
def server_root(tmp_path: Path) -> Path:
    """Where the reader's server starts: a folder of their own, with the book's book/ in it."""
    folder = tmp_path / "somewhere-else"
    (folder / "book").mkdir(parents=True)
    return folder


@pytest.fixture
def kernel_folder(server_root: Path) -> Path:
    """Where kernels run: book/, as on Binder (the page's thebe settings name it)."""
    return server_root / "book"


@pytest.fixture
def server(site_url: str, server_root: Path) -> Iterator[tuple[str, str]]:
    with jupyter_server(site_url, server_root) as url_token:
        yield url_token


# --- Driving the page --------------------------------------------------------------------

@contextmanager
def guarded_page(browser, site_url: str) -> Iterator[tuple[object, list[str]]]:
    """A fresh page whose requests to any other host are refused and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    foreign: list[str] = []

    def guard(route):
        url = route.request.url
        if urlparse(url).scheme in ("data", "blob") or urlparse(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("websocket", lambda ws: None if urlparse(ws.url).hostname in LOCAL_HOSTS
            else foreign.append(ws.url))
    try:
        yield page, foreign
    finally:
        context.close()


def chapter_url(site_url: str, server: tuple[str, str], chapter: str = CHAPTER) -> str:
    url, token = server
    return f"{site_url}/{chapter}?jupyter={url}&token={token}"


def press_live_code(page) -> None:
    """What a reader does: open the launch menu in the header and press Live Code."""
    page.get_by_role("button", name="Launch interactive content").click()
    page.locator("button.btn-launch-thebe").click()


def wait_for_kernel(page, timeout_ms: int = 120_000) -> None:
    status = page.locator(".live-code-status")
    page.wait_for_selector(".live-code-status[data-state=ready], .live-code-status[data-state=error]",
                           timeout=timeout_ms)
    assert status.get_attribute("data-state") == "ready", status.inner_text()
    # Record execution errors from here on (thebe reports them as events).
    page.evaluate("window.liveErrors = []; thebe.on('error', (e, d) => liveErrors.push(d.message))")


def first_medimg_cell(page) -> int:
    """Index (among the page's live cells) of the first cell that imports medimg."""
    index = page.evaluate("""() => thebe.notebook.cells.findIndex(
        c => /^\\s*(import medimg|from medimg)/m.test(c.source))""")
    assert index >= 0, "no live cell imports medimg"
    return index


def shows_output(page) -> list[bool]:
    """For each live cell, whether the published page showed an output under it."""
    shown = page.evaluate("""() => Array.from(document.querySelectorAll('.live-code-cell'),
        cell => cell.dataset.publishedOutput === 'yes')""")
    assert len(shown) == page.evaluate("thebe.notebook.cells.length")
    return shown


def first_shown_output_from(page, start: int) -> int:
    """Index of the first cell, from start on, whose output the published page shows
    (start itself if there is none: chapters are still being written)."""
    shown = shows_output(page)
    return shown.index(True, start) if True in shown[start:] else start


def cell_box(page, index: int):
    """The page's whole cell: thebe's editor and buttons, and the output below them."""
    cell_id = page.evaluate("i => thebe.notebook.cells[i].id", index)
    return page.locator(".live-code-cell").filter(has=page.locator(f'[data-thebe-id="{cell_id}"]'))


def execution_count(page, index: int):
    return page.evaluate("i => thebe.notebook.cells[i].executionCount", index)


def wait_until_run(page, index: int, before, timeout_ms: int = 60_000) -> None:
    page.wait_for_function("""([i, before]) => {
        const c = thebe.notebook.cells[i];
        return c.executionCount !== null && c.executionCount !== before && !c.isBusy; }""",
                           arg=[index, before], timeout=timeout_ms)


def reveal(box) -> None:
    """Open what hides a cell, as a reader would: a folded solution's toggle button."""
    if box.locator("button.thebe-run-button").is_visible():
        return
    folded = box.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' toggle-hidden ')]")
    for i in range(folded.count()):  # outermost first
        folded.nth(i).locator(":scope > .admonition-title .toggle-button").click()


def run_cell(page, index: int, timeout_ms: int = 60_000) -> None:
    """Press the cell's run button and wait until the kernel has answered."""
    before = execution_count(page, index)
    box = cell_box(page, index)
    reveal(box)
    box.locator("button.thebe-run-button").click()
    wait_until_run(page, index, before, timeout_ms)


# --- The browser test ----------------------------------------------------------------------

@pytest.mark.browser
def test_live_code_runs_and_reruns_an_edited_cell(chromium, site_url, server, kernel_folder):
    import medimg.images
    import medimg.samples
    shape = medimg.images.load_grey(medimg.samples.test_jpeg()).shape

    with guarded_page(chromium, site_url) as (page, foreign):
        page.goto(chapter_url(site_url, server))
        assert page.locator("script[src*='vendor/thebe']").count() == 0  # nothing before the press
        press_live_code(page)
        wait_for_kernel(page)

        # Run the chapter's cells as printed, top down, from the start to the first cell
        # after its medimg import that shows an output; that output comes back, no error.
        target = first_shown_output_from(page, first_medimg_cell(page))
        for index in range(target + 1):
            run_cell(page, index)
        box = cell_box(page, target)
        if shows_output(page)[target]:
            assert box.locator(".thebe-output .jp-OutputArea-output").count() >= 1
        assert page.evaluate("liveErrors") == []

        # Edit that cell and run it again, from the keyboard.
        before = execution_count(page, target)
        box.locator(".CodeMirror").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(EDITED_CELL)
        assert page.evaluate("i => thebe.notebook.cells[i].source", target) == EDITED_CELL
        page.keyboard.press("Shift+Enter")
        wait_until_run(page, target, before)
        output = box.locator(".thebe-output")
        text = output.inner_text()
        assert f"kernel folder: {kernel_folder}" in text
        assert f"test.jpeg shape: {shape}" in text
        assert output.locator("img[src^='data:image/png']").count() == 1
        # Edited code makes another picture: the published description no longer fits it.
        page.wait_for_function("img => img.getAttribute('alt')",
                               arg=output.locator("img").element_handle())
        assert output.locator("img").get_attribute("alt").startswith("Image made by this cell's code")
        assert page.evaluate("liveErrors") == []
        assert page.locator(".live-code-status").get_attribute("data-state") == "ready"

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOT))
    assert foreign == [], f"the page asked other sites for {foreign}"


FIGURE_CELL = """\
from medimg.plots import style
fig = style.new_figure(2, 1.5)
fig.subplots().plot([0, 1], [1, 0])
fig.alt = "A falling line, drawn to test alt text."
fig"""


@pytest.mark.browser
def test_a_live_figure_takes_its_alt_text_from_the_kernel(chromium, site_url, server):
    """A medimg figure whose alt text is set carries it to the live page (display metadata)."""
    with guarded_page(chromium, site_url) as (page, foreign):
        page.goto(chapter_url(site_url, server))
        press_live_code(page)
        wait_for_kernel(page)
        run_edited(page, 0, FIGURE_CELL)
        picture = cell_box(page, 0).locator(".thebe-output img")
        page.wait_for_function("img => img.getAttribute('alt')", arg=picture.element_handle())
        assert picture.get_attribute("alt") == "A falling line, drawn to test alt text."
    assert foreign == []


@pytest.mark.browser
def test_only_a_server_on_this_computer_replaces_binder(chromium, site_url):
    """A server on another host in the address is ignored: the kernel is asked of Binder
    (whose requests this test refuses), never of that host."""
    with guarded_page(chromium, site_url) as (page, foreign):
        page.goto(f"{site_url}/{CHAPTER}?jupyter=http://example.org:8888&token=x")
        press_live_code(page)
        page.wait_for_function("() => document.querySelector('.live-code-status')"
                               " && /mybinder\\.org/.test(document.querySelector('.live-code-status').textContent)")
        page.wait_for_timeout(2000)
    assert foreign and all(urlparse(url).hostname == "mybinder.org" for url in foreign), foreign


# --- Every cell of every chapter, live ------------------------------------------------------

#: What a cell's output shows, on the published page (.cell_output) or live (.thebe-output).
OUTPUTS_JS = """(box) => {
    const kinds = new Set();
    if (!box) return {kinds: [], alts: [], captions: []};
    if (box.querySelector('img')) kinds.add('image');
    if (box.querySelector('table')) kinds.add('table');
    if (box.querySelector('.output.stream:not(.stderr), .output.text_plain, ' +
        '[data-mime-type="application/vnd.jupyter.stdout"], [data-mime-type="text/plain"]')) kinds.add('text');
    if (box.querySelector('.output.stderr, [data-mime-type="application/vnd.jupyter.stderr"]')) kinds.add('stderr');
    if (box.querySelector('.output.traceback, .output.error, [data-mime-type="application/vnd.jupyter.error"]')) kinds.add('error');
    if (box.querySelector('.jupyter-widgets')) kinds.add('widget');
    if (box.querySelector('[data-mime-type="text/markdown"]')) kinds.add('markdown');
    const captionBoxes = box.matches('.cell_output') && !box.querySelector('.thebe-output')
        ? box.querySelectorAll('figcaption') : box.parentElement.querySelectorAll('.live-code-caption');
    return {kinds: Array.from(kinds).sort(),
            alts: Array.from(box.querySelectorAll('img'), img => img.getAttribute('alt') || ''),
            captions: Array.from(captionBoxes, c => (c.querySelector('.caption-text') || c).textContent.trim())};
}"""


def published_outputs(page) -> list[dict]:
    """Per code cell, before Live Code is pressed: what its published output shows."""
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('div.cell'))
        .filter(cell => cell.querySelector('.cell_input pre'))
        .map(cell => ({OUTPUTS_JS})(cell.querySelector('.cell_output')))""")


def live_outputs(page) -> list[dict]:
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('.live-code-cell'),
        cell => ({OUTPUTS_JS})(cell.querySelector('.thebe-output')))""")


def compare_outputs(published: list[dict], live: list[dict], sources: list[str]) -> list[str]:
    """What differs between the published and the live outputs, cell by cell."""
    problems = []
    for index, (before, after) in enumerate(zip(published, live)):
        where = f"cell {index} ({sources[index][:60]!r})"
        if "widget" in after["kinds"]:
            # A widget needs a running kernel: the static page leaves it out (the cell
            # checks JPY_SESSION_NAME), and shows a still figure elsewhere instead.
            if before["kinds"]:
                problems.append(f"{where}: a widget live, {before['kinds']} on the page")
            continue
        if before["kinds"] != after["kinds"]:
            problems.append(f"{where}: {before['kinds']} on the page, {after['kinds']} live")
        if not all(after["alts"]):
            problems.append(f"{where}: a live image without alt text")
        elif before["alts"] and after["alts"] != before["alts"]:
            problems.append(f"{where}: alt text {after['alts']} live, {before['alts']} on the page")
        if before["captions"] != after["captions"]:
            problems.append(f"{where}: captions {after['captions']} live, {before['captions']} on the page")
    return problems


def check_widget(page, box) -> None:
    """The window widget works: its sliders move the picture (from the keyboard)."""
    handle = box.locator('.widget-slider [role="slider"]').first
    assert handle.get_attribute("aria-label") == "center"
    picture = box.locator("img.widget-image")
    assert picture.get_attribute("alt")
    before = picture.get_attribute("src")
    handle.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("([img, old]) => img.getAttribute('src') !== old",
                           arg=[picture.element_handle(), before], timeout=30_000)


def run_every_cell(page) -> None:
    count = page.evaluate("thebe.notebook.cells.length")
    for index in range(count):
        run_cell(page, index, timeout_ms=120_000)
    # Outputs are decorated (alt text, captions) on the next frame after they arrive.
    page.wait_for_function("() => Array.from(document.querySelectorAll('.thebe-output img'))"
                           ".every(img => img.getAttribute('alt'))")


@pytest.mark.browser
@pytest.mark.parametrize("chapter", notebook_chapters(ROOT))
def test_every_cell_runs_live_like_the_published_page(chromium, site_url, server, chapter):
    """Press Live Code, then each cell's run button, top to bottom, as a reader would (a
    folded solution is opened first): no error, outputs of the kinds the page shows
    (images, tables, text), with the page's alt text and captions, nothing asked of
    another site, and no axe violation in the light or the dark theme."""
    from test_pages import axe_violations, check_violations, set_theme
    with guarded_page(chromium, site_url) as (page, foreign):
        page.goto(chapter_url(site_url, server, f"{chapter}.html"))
        published = published_outputs(page)
        press_live_code(page)
        wait_for_kernel(page)
        sources = page.evaluate("thebe.notebook.cells.map(c => c.source)")
        assert len(sources) == len(published)
        run_every_cell(page)
        assert page.evaluate("liveErrors") == []
        live = live_outputs(page)
        problems = compare_outputs(published, live, sources)
        assert not problems, "\n".join(problems)
        assert sum(bool(cell["kinds"]) for cell in live) >= len(live) // 2
        widgets = [i for i, cell in enumerate(live) if "widget" in cell["kinds"]]
        for index in widgets:
            check_widget(page, cell_box(page, index))
        counts: dict[str, int] = {}
        details: dict[str, list[str]] = {}
        for mode in ("light", "dark"):
            set_theme(page, mode)
            for rule, nodes in axe_violations(page).items():
                counts[rule] = counts.get(rule, 0) + len(nodes)
                details.setdefault(rule, []).extend(f"{mode} live {chapter}: {n}" for n in nodes)
        check_violations(counts, details)
        assert page.locator(".live-code-status").get_attribute("data-state") == "ready"
    assert foreign == [], f"the page asked other sites for {foreign}"


# --- Widgets: from this site only, and failing in their own cell ---------------------------

WIDGET_CELL = """\
from medimg import plots, samples
plots.window_widget(samples.chest_radiograph(), center=25000, width=12000, step=8)"""


def run_edited(page, index: int, code: str) -> None:
    """Replace a cell's code from the keyboard and run it with Shift+Enter."""
    before = execution_count(page, index)
    box = cell_box(page, index)
    reveal(box)
    box.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    wait_until_run(page, index, before)


@pytest.mark.browser
def test_a_widget_works_with_no_network(chromium, site_url, server):
    """Every request to another site is refused: the widget's require.js comes from the site."""
    with guarded_page(chromium, site_url) as (page, foreign):
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(chapter_url(site_url, server, "book/pixel-operations.html"))
        press_live_code(page)
        wait_for_kernel(page)
        run_edited(page, 0, WIDGET_CELL)
        box = cell_box(page, 0)
        box.locator(".widget-slider").first.wait_for(timeout=30_000)
        check_widget(page, box)
        assert box.locator(".live-code-widget-error").count() == 0
        assert any(url.endswith("/_static/vendor/requirejs/require.js") for url in asked)
    assert foreign == [], f"the page asked other sites for {foreign}"


@pytest.mark.browser
def test_a_broken_widget_asset_fails_in_its_own_cell(chromium, site_url, server):
    """require.js arrives damaged (its hash does not match): the widget's cell says so, and
    the kernel and the other cells go on working."""
    with guarded_page(chromium, site_url) as (page, foreign):
        page.route("**/_static/vendor/requirejs/require.js",
                   lambda route: route.fulfill(status=200, body="window.require = 'damaged';",
                                               content_type="application/javascript"))
        page.goto(chapter_url(site_url, server, CHAPTER))
        press_live_code(page)
        wait_for_kernel(page)
        run_edited(page, 0, WIDGET_CELL)
        box = cell_box(page, 0)
        note = box.locator(".live-code-widget-error")
        note.wait_for(timeout=30_000)
        assert "could not start" in note.inner_text() and "hash" in note.inner_text()
        assert note.get_attribute("role") == "alert"
        target = first_shown_output_from(page, 1)
        for index in range(1, target + 1):
            run_cell(page, index)
        assert cell_box(page, target).locator(".thebe-output .jp-OutputArea-output").count() >= 1
        assert page.evaluate("liveErrors") == []
        assert page.locator(".live-code-status").get_attribute("data-state") == "ready"
    assert foreign == []


# --- The published build ------------------------------------------------------------------

def test_no_page_loads_code_or_styles_from_another_site(built_site):
    pages = sorted(built_site.html.rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
            if tag.startswith("<link") and re.search(r'rel="(canonical|prev|next)"', tag):
                continue
            assert not re.search(r'(src|href)="(https?:)?//', tag), (page.name, tag)
        assert "unpkg.com" not in html and "cdn.jsdelivr" not in html, page.name


def test_served_packages_are_the_pinned_versions(built_site, root):
    """What the site serves from _static/vendor/ is what book/_ext/vendor.toml pins (version,
    and require.js's hash in every page), nothing else is there, and none of it is in git."""
    import tomllib
    pins = tomllib.loads((root / "book" / "_ext" / "vendor.toml").read_text(encoding="utf-8"))
    served = {name for name, pin in pins.items() if pin.get("site")}
    assert served == {"thebe", "requirejs"}
    vendor = built_site.html / "_static" / "vendor"
    assert {p.name for p in vendor.iterdir()} - {"fontawesome"} == served  # (the theme's own)
    for name in served:
        manifest = json.loads((vendor / name / "package.json").read_text())
        assert manifest["name"] == name and manifest["version"] == pins[name]["version"]
        assert not list((vendor / name).rglob("*.map")) and not list((vendor / name).glob(".*"))
    assert (vendor / "thebe" / "index.js").is_file()
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import live_code
    sri = live_code.integrity(vendor / "requirejs" / "require.js")
    assert "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js" in \
        (vendor / "thebe" / "index.js").read_text(encoding="utf-8")  # what live-code.js replaces
    for name in notebook_chapters(root):
        assert f'data-requirejs-integrity="{sri}"' in (built_site.html / f"{name}.html").read_text()
    assert not (root / "vendor").exists() or subprocess.run(
        ["git", "ls-files", "vendor"], cwd=root, capture_output=True, text=True).stdout == ""


def test_every_chapter_has_live_code_binder_and_downloads(built_site, root):
    config = yaml.safe_load((root / "_config.yml").read_text())
    repo = urlparse(config["repository"]["url"]).path.strip("/")
    branch = config["repository"]["branch"]
    chapters = notebook_chapters(root)
    assert chapters
    for name in chapters:
        html = (built_site.html / f"{name}.html").read_text(encoding="utf-8")
        assert "initThebeSBT()" in html and "live-code/live-code.js" in html, name
        binder = f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{name}.md"
        assert f'href="{binder}"' in html, name
        assert "logo_colab" not in html and "colab.research.google.com" not in html, name
        for suffix in (".md", ".ipynb"):
            assert f'href="../_sources/{name}{suffix}"' in html, (name, suffix)
            assert (built_site.html / "_sources" / f"{name}{suffix}").is_file(), (name, suffix)


def test_downloaded_notebooks_match_their_sources(built_site, root):
    import jupytext
    import nbformat
    for name in notebook_chapters(root):
        path = built_site.html / "_sources" / f"{name}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        source = jupytext.read(root / f"{name}.md")
        code = [c.source for c in source.cells if c.cell_type == "code"]
        assert [c.source for c in notebook.cells if c.cell_type == "code"] == code, name
        assert notebook.metadata["kernelspec"]["name"] == "python3"
        assert "source_map" not in notebook.metadata


#: Calls that return None by design, so IPython shows nothing: glue(..., display=False)
#: hands a value to the text, and the window widget is None without a live kernel.
RETURNS_NONE = {"glue", "window_widget"}


def ends_in_a_value(source: str) -> bool:
    """Whether IPython shows the cell's last line: an expression, not `;`-ended, not a
    bare name (which may hold None) and not a call of RETURNS_NONE."""
    import ast
    from IPython.core.inputtransformer2 import TransformerManager
    body = ast.parse(TransformerManager().transform_cell(source)).body
    if not body or not isinstance(body[-1], ast.Expr) or source.rstrip().endswith(";"):
        return False
    value = body[-1].value
    if isinstance(value, ast.Call):
        called = value.func.attr if isinstance(value.func, ast.Attribute) else \
            getattr(value.func, "id", "")
        return called not in RETURNS_NONE
    return not isinstance(value, ast.Name)


def test_downloaded_notebooks_run_in_another_folder(built_site, root):
    """A reader's download runs with only `pip install -r requirements.txt`, anywhere.

    The build executed each chapter (the same code cells as its download) in a new
    temporary folder, one kernel each (test_build checks where each kernel started):
    every code cell ran, in order, none raised, and each that ends in a value shows it.
    So the cells found their data from a folder that is not the book's.
    """
    import nbformat
    for name in notebook_chapters(root):
        download = nbformat.read(built_site.html / "_sources" / f"{name}.ipynb", as_version=4)
        executed = code_cells(built_site.executed(name))
        assert [c.source for c in executed] == [c.source for c in code_cells(download)], name
        for number, cell in enumerate(executed, 1):
            assert cell.execution_count == number, (name, number, cell.source)
            errors = [out for out in cell.outputs if out.output_type == "error"]
            assert errors == [], (name, number, errors)
            assert cell.outputs or not ends_in_a_value(cell.source), (name, number, cell.source)
        assert sum(1 for cell in executed if cell.outputs) > len(executed) / 2, name
    folders = built_site.kernel_folders()
    assert len(folders) == len(notebook_chapters(root)), folders
    assert all(root not in folder.parents and folder != root for folder in folders), folders


def test_binder_opens_markdown_chapters_as_notebooks(root):
    post_build = (root / "binder" / "postBuild").read_text()
    assert "jupytext-config set-default-viewer" in post_build
    assert re.fullmatch(r"python-3\.\d+\s*", (root / "binder" / "runtime.txt").read_text())
    assert "jupytext==" in (root / "binder" / "requirements.txt").read_text()
    config = yaml.safe_load((root / "_config.yml").read_text())
    assert config["launch_buttons"]["notebook_interface"] == "jupyterlab"
    assert config["launch_buttons"]["thebe"] is True
    assert not config["launch_buttons"].get("colab_url")



# --- Binder, simulated --------------------------------------------------------------------

BINDER_RUN = """\
import json, sys
import jupytext
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

# Which Python and which medimg a kernel of this environment runs, and in which folder.
probe = new_notebook(cells=[new_code_cell(
    "import os, sys, medimg; print(sys.prefix); print(medimg.__file__); print(os.getcwd())")])
NotebookClient(probe, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
print(json.dumps({"probe": probe.cells[0].outputs[0]["text"].split()}))
for name in sys.argv[1:]:
    notebook = jupytext.read(name)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": "."}}).execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    errors = [o.get("ename") for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    print(json.dumps({"chapter": name, "cells": len(code), "errors": errors}))
"""


@pytest.mark.slow
def test_binder_environment_runs_every_chapter_from_book(root, tmp_path):
    """What Binder builds, here: a fresh venv from binder/requirements.txt, binder/postBuild,
    then each chapter (MyST, through jupytext) executed as a notebook in book/, where
    Binder's kernels start. (pip may use its cache; the venv is removed afterwards.)"""
    import shutil
    venv = tmp_path / "binder-venv"
    config = tmp_path / "jupyter-config"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER", "MEDIMG_", "COV_"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               JUPYTER_CONFIG_DIR=str(config), JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "-r", "binder/requirements.txt"], cwd=root, env=env, check=True,
                       timeout=1500)
        subprocess.run(["bash", "binder/postBuild"], cwd=root, env=env, check=True, timeout=300)
        overrides = json.loads((config / "labconfig" / "default_setting_overrides.json").read_text())
        assert "markdown" in json.dumps(overrides)
        chapters = [f"{Path(name).name}.md" for name in notebook_chapters(root)]
        proc = subprocess.run([str(venv / "bin" / "python"), "-c", BINDER_RUN, *chapters],
                              cwd=root / "book", env=env, capture_output=True, text=True,
                              timeout=1500)
        assert proc.returncode == 0, proc.stderr[-4000:]
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        prefix, package, cwd = lines[0]["probe"]
        assert Path(prefix) == venv and Path(package).is_relative_to(root / "code")
        assert Path(cwd) == root / "book"
        ran = {line["chapter"]: line for line in lines[1:]}
        assert sorted(ran) == sorted(chapters)
        assert all(line["cells"] > 0 and line["errors"] == [] for line in ran.values()), ran
    finally:
        shutil.rmtree(venv, ignore_errors=True)


# --- The extension's own pieces -----------------------------------------------------------

def test_missing_vendor_folder_is_a_clear_error(tmp_path):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import live_code
    from sphinx.errors import ExtensionError
    with pytest.raises(ExtensionError, match=r"make vendor"):
        live_code.vendored_version(tmp_path, "thebe")


def test_notebook_from_source_without_outputs_and_atomic_write(tmp_path):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import live_code
    import nbformat
    from medimg import paths
    source = tmp_path / "chapter.md"
    source.write_text("---\njupytext:\n  text_representation:\n    format_name: myst\n"
                      "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n# Title\n\n"
                      "```{code-cell} ipython3\nprint(1 + 1)\n```\n", encoding="utf-8")
    target = tmp_path / "out" / "chapter.ipynb"
    text = live_code.notebook_from_source(source)
    # as write_notebooks writes it: through medimg's one atomic writer
    paths.write_atomically(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    notebook = nbformat.reads(target.read_text(encoding="utf-8"), as_version=4)
    assert [c.source for c in notebook.cells if c.cell_type == "code"] == ["print(1 + 1)"]
    assert list(target.parent.iterdir()) == [target]
