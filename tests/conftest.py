"""Fixtures: the repository root, one strict build of the book per test run, the site
served on 127.0.0.1, and Chromium. Shared helpers are in support.py.

A test that needs the built book, the PDF toolchain (XeLaTeX, poppler) or Chromium is
marked ``build``, ``pdf`` or ``browser`` (pytest.ini), so that `make check` can leave it
out. The markers follow from the fixtures a test asks for (NEEDS below); a test that
runs one of those tools by itself carries its marker in its own file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from support import CHROMIUM, CHROMIUM_ARGS, ROOT, Build, build_book, static_server

# fixture -> the marker of every test that uses it, directly or through another fixture
NEEDS = {"built_site": "build", "pdfs": "pdf", "chromium": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in NEEDS.items():
            if fixture in item.fixturenames:
                item.add_marker(marker)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give a test its own data folder (MEDIMG_DATA), so generated files start from scratch."""
    from medimg import paths
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_site() -> Build:
    """The whole book built from scratch, strictly, into _build/test/_build/html.

    ``MEDIMG_TEST_BUILD`` moves the output folder (so that two checkouts or two people
    testing at once do not share one). A fresh output folder and execution cache mean
    every notebook is executed against the current medimg, so a cell broken by a change
    in the package cannot hide behind old output (support.build_book).
    """
    return build_book(Path(os.environ.get("MEDIMG_TEST_BUILD", ROOT / "_build" / "test")))


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
