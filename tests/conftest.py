"""Shared fixtures: the repository root and one strict build of the book per test run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Build:
    """The outcome of one `jupyter-book build`: its exit code, its log and its HTML folder."""

    returncode: int
    log: str
    html: Path


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_site() -> Build:
    """Build the whole book from scratch, strictly, into _build/test/_build/html.

    ``MEDIMG_TEST_BUILD`` moves the output folder (so that two checkouts or two people
    testing at once do not share one).

    A fresh output folder means every notebook is executed against the current medimg,
    so a cell broken by a change in the package cannot hide behind old output.
    """
    out = Path(os.environ.get("MEDIMG_TEST_BUILD", ROOT / "_build" / "test"))
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(BIN / "jupyter-book"), "build", str(ROOT), "-W", "-n", "--keep-going",
           "--path-output", str(out)]
    # The site serves its own thebe and MathJax: `make vendor` fetches them (pinned) once.
    subprocess.run(["make", "--no-print-directory", "vendor"], cwd=ROOT, check=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return Build(proc.returncode, proc.stdout + proc.stderr, out / "_build" / "html")


# --- Browser tests: the built site on a local static server, and Debian's Chromium. ---
# Every process started here is stopped by its PID when the fixture ends, pass or fail.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket
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
    import time
    import urllib.error
    import urllib.request
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


@pytest.fixture(scope="session")
def site_url(built_site: Build) -> Iterator[str]:
    """The origin of the built site, served on 127.0.0.1 for the whole session."""
    assert built_site.returncode == 0, built_site.log[-3000:]
    with static_server(built_site.html) as origin:
        yield origin


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (which cannot download browsers here)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
