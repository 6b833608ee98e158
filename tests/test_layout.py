"""The repository keeps the promises of its layout."""

import subprocess
import sys


def test_import_code_is_the_standard_library(root):
    out = subprocess.run([sys.executable, "-c", "import code, medimg; print(code.__file__); print(medimg.__file__)"],
                         cwd=root, capture_output=True, text=True, check=True).stdout.split()
    assert not out[0].startswith(str(root)), out[0]
    assert out[1] == str(root / "code" / "medimg" / "__init__.py")
    assert not (root / "code" / "__init__.py").exists()


def test_binder_pins_match_requirements(root):
    """Binder installs the same pins, minus the local package (installed in postBuild)."""
    def pins(path):
        lines = (root / path).read_text().splitlines()
        return [line for line in lines if line and not line.startswith(("#", "-e"))]
    assert pins("binder/requirements.txt") == pins("requirements.txt")
    assert all("==" in line for line in pins("requirements.txt"))
    assert "-e ./code" in (root / "requirements.txt").read_text().splitlines()
    assert "./code" in (root / "binder" / "postBuild").read_text()


def test_no_notebooks_are_committed(root):
    tracked = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=root, capture_output=True, text=True).stdout
    assert tracked == ""


def test_ci_runs_make_test(root):
    lines = [l for l in (root / ".ci" / "run").read_text().splitlines() if l and not l.startswith("#")]
    assert lines[-1] == "make test"


def test_jupyter_book_is_1x():
    from importlib.metadata import version
    assert version("jupyter-book").startswith("1.")
