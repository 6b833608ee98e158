"""Live code: thebe from the site itself, a real kernel in another folder, downloads, Binder.

The browser test drives Debian's Chromium with Playwright against the published build:
the page is told about a local `jupyter server` through its address
(``?jupyter=...&token=...``, see book/_static/live-code/live-code.js) instead of Binder.
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

from conftest import ROOT, free_port, stop, wait_until_up

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
def kernel_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "somewhere-else"
    folder.mkdir()
    return folder


@pytest.fixture
def server(site_url: str, kernel_folder: Path) -> Iterator[tuple[str, str]]:
    with jupyter_server(site_url, kernel_folder) as url_token:
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
        assert page.evaluate("liveErrors") == []
        assert page.locator(".live-code-status").get_attribute("data-state") == "ready"

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOT))
    assert foreign == [], f"the page asked other sites for {foreign}"


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


# --- The published build ------------------------------------------------------------------

def toc_chapters(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]


def notebook_chapters(root: Path) -> list[str]:
    """Chapters that are notebooks (their front matter names a kernel)."""
    return [name for name in toc_chapters(root)
            if "kernelspec:" in (root / f"{name}.md").read_text(encoding="utf-8").split("\n---", 1)[0]]


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


def test_thebe_and_mathjax_are_the_pinned_versions(built_site, root):
    makefile = (root / "Makefile").read_text()
    for package, variable in (("thebe", "THEBE_VERSION"), ("mathjax", "MATHJAX_VERSION")):
        pinned = re.search(rf"^{variable} := (\S+)$", makefile, re.M).group(1)
        manifest = built_site.html / "_static" / "vendor" / package / "package.json"
        assert json.loads(manifest.read_text())["version"] == pinned
    assert (built_site.html / "_static" / "vendor" / "thebe" / "index.js").is_file()
    assert not list((built_site.html / "_static" / "vendor" / "thebe").glob("*.map"))
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


def test_downloaded_notebooks_run_in_another_folder(built_site, root, tmp_path):
    """A reader's download runs with only `pip install -r requirements.txt`, anywhere."""
    import nbformat
    from nbclient import NotebookClient
    for name in notebook_chapters(root):
        notebook = nbformat.read(built_site.html / "_sources" / f"{name}.ipynb", as_version=4)
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()


def test_binder_opens_markdown_chapters_as_notebooks(root):
    post_build = (root / "binder" / "postBuild").read_text()
    assert "jupytext-config set-default-viewer" in post_build
    assert re.fullmatch(r"python-3\.\d+\s*", (root / "binder" / "runtime.txt").read_text())
    assert "jupytext==" in (root / "binder" / "requirements.txt").read_text()
    config = yaml.safe_load((root / "_config.yml").read_text())
    assert config["launch_buttons"]["notebook_interface"] == "jupyterlab"
    assert config["launch_buttons"]["thebe"] is True
    assert not config["launch_buttons"].get("colab_url")


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
    source = tmp_path / "chapter.md"
    source.write_text("---\njupytext:\n  text_representation:\n    format_name: myst\n"
                      "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n# Title\n\n"
                      "```{code-cell} ipython3\nprint(1 + 1)\n```\n", encoding="utf-8")
    target = tmp_path / "out" / "chapter.ipynb"
    live_code.write_atomically(target, live_code.notebook_from_source(source))
    notebook = nbformat.reads(target.read_text(encoding="utf-8"), as_version=4)
    assert [c.source for c in notebook.cells if c.cell_type == "code"] == ["print(1 + 1)"]
    assert list(target.parent.iterdir()) == [target]
