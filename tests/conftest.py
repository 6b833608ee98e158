"""Shared fixtures: the repository root and one strict build of the book per test run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return Build(proc.returncode, proc.stdout + proc.stderr, out / "_build" / "html")
