"""Helpers shared by the tests and the benchmarks (the fixtures themselves are in conftest.py).

* The book's pages: the table of contents, and each page read as a notebook by jupytext.
* The strict HTML build of the whole book, which executes every chapter once, in a
  temporary folder, into a fresh execution cache that the PDF builds then read
  (book/_latex/pdf.py --cache), so that a test run executes each chapter only once.
* Processes: a free port, a static web server, stopping what we started; Chromium.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterator

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


# --- The book's pages ------------------------------------------------------------------------

def toc_chapters(root: Path = ROOT) -> list[str]:
    """The chapter files of _toc.yml in order (the root page is the preface, not a chapter)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every page of _toc.yml: the root page, then the chapters."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"], *toc_chapters(root)]


def read_page(name: str, root: Path = ROOT):
    """A page's MyST source (e.g. "book/formats") as a notebook, read by jupytext."""
    import jupytext
    return jupytext.read(root / f"{name}.md", fmt="myst")


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def notebook_chapters(root: Path = ROOT) -> list[str]:
    """The chapters that are notebooks (their front matter names a kernel)."""
    return [name for name in toc_chapters(root) if read_page(name, root).metadata.get("kernelspec")]


# --- The build --------------------------------------------------------------------------------

#: The file in which each kernel the test build starts writes the folder it started in.
KERNEL_LOG_ENV = "MEDIMG_TEST_KERNEL_LOG"
# An IPython startup file; it runs in the notebook's namespace, so it leaves no name there.
RECORD_KERNEL_FOLDER = f'''\
def _record_kernel_folder():
    import os
    with open(os.environ["{KERNEL_LOG_ENV}"], "a", encoding="utf-8") as log:
        log.write(os.getcwd() + "\\n")


_record_kernel_folder()
del _record_kernel_folder
'''


@cache
def pdf_script():
    """book/_latex/pdf.py as a module: how the PDF executes notebooks, which the build shares."""
    spec = importlib.util.spec_from_file_location("medimg_book_pdf", ROOT / "book" / "_latex" / "pdf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Build:
    """The outcome of one `jupyter-book build`: its exit code, its log and its folders."""

    returncode: int
    log: str
    out: Path

    @property
    def html(self) -> Path:
        return self.out / "_build" / "html"

    @property
    def cache(self) -> Path:
        """The execution cache (jupyter-cache) the build filled, one notebook per chapter."""
        return self.out / "execution-cache"

    def executed(self, name: str):
        """The chapter's notebook as the build executed it, outputs and all."""
        import nbformat
        path = self.out / "_build" / "jupyter_execute" / f"{name}.ipynb"
        return nbformat.read(path, as_version=4)

    def kernel_folders(self) -> list[Path]:
        """The working folder of each kernel the build started, in order."""
        log = self.out / "kernel-folders.txt"
        lines = log.read_text(encoding="utf-8").splitlines() if log.is_file() else []
        return [Path(line) for line in lines]


def build_book(out: Path) -> Build:
    """Build the whole book from scratch, strictly, into out/_build/html.

    The configuration is _config.yml, except that notebooks are executed through a new,
    empty execution cache (out/execution-cache), so each one runs now, against the
    current medimg, and the PDF builds can read its outputs instead of running it again.
    The kernels run as for print (pdf.py's kernel_environment: figures as PNG and PDF,
    so the pages' PNGs have twice the pixels of `make book`'s; the pages are otherwise
    the same), and each writes the folder it started in to out/kernel-folders.txt.
    """
    pdf = pdf_script()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    build = Build(0, "", out)
    env = dict(os.environ, **pdf.kernel_environment(out / "ipython"),
               **{KERNEL_LOG_ENV: str(out / "kernel-folders.txt")})
    startup = out / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-record-kernel-folder.py").write_text(RECORD_KERNEL_FOLDER, encoding="utf-8")
    config = out / "_config.yml"
    config.write_text(yaml.safe_dump(pdf.cached_config(build.cache), allow_unicode=True),
                      encoding="utf-8")
    # The site serves its own thebe, require.js and axe-core: `make vendor` fetches them (pinned) once.
    subprocess.run(["make", "--no-print-directory", "vendor"], cwd=ROOT, check=True)
    cmd = [str(BIN / "jupyter-book"), "build", str(ROOT), "-W", "-n", "--keep-going",
           "--config", str(config), "--path-output", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    build.returncode, build.log = proc.returncode, proc.stdout + proc.stderr
    return build


# --- Processes: servers and the browser --------------------------------------------------------
# Every process started here is stopped by its PID, pass or fail.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Stop a process we started, by its PID: politely, then for good."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until url answers (any HTTP status), or fail if the process died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1; yields the origin, e.g. http://127.0.0.1:40123."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        origin = f"http://127.0.0.1:{port}"
        wait_until_up(origin + "/", proc)
        yield origin
    finally:
        stop(proc)
