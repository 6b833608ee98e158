"""The repository keeps the promises of its layout."""

import os
import subprocess
import sys
from pathlib import Path


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


def fake_commands(folder: Path, **scripts: str) -> dict:
    """An environment whose PATH finds these shell scripts (name: body) before the real
    commands; each script may write what it was asked to "$LOG"."""
    folder.mkdir()
    for name, body in scripts.items():
        script = folder / name.replace("_", "-")
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)
    return dict(os.environ, PATH=f"{folder}:{os.environ['PATH']}", LOG=str(folder / "log"))


def test_ci_runs_make_test_and_nothing_else(root, tmp_path):
    env = fake_commands(tmp_path / "bin", make='echo "make $*" >> "$LOG"')
    subprocess.run([str(root / ".ci" / "run")], cwd=tmp_path, env=env, check=True)
    assert (tmp_path / "bin" / "log").read_text().splitlines() == ["make test"]


def test_make_installs_the_debian_packages_it_misses(root, tmp_path):
    """`make debs-book` asks apt-get for exactly the packages dpkg does not know, the CJK
    font among them (figure text in Chinese fails without it), and Binder installs them
    too; with everything present it installs nothing."""
    def packages_installed(dpkg_knows: str) -> list[str]:
        folder = tmp_path / f"bin-{dpkg_knows}"
        env = fake_commands(folder, dpkg=f'[ "$2" = "{dpkg_knows}" ]',
                            apt_get='echo "$@" >> "$LOG"')
        subprocess.run(["make", "--no-print-directory", "-s", "debs-book", "SUDO="], cwd=root,
                       env=env, check=True, capture_output=True)
        log = folder / "log"
        calls = log.read_text().splitlines() if log.exists() else []
        return calls[-1].split()[4:] if calls else []
    wanted = packages_installed("nothing")
    assert "fonts-noto-cjk" in wanted
    assert packages_installed(wanted[0]) == wanted[1:]
    binder = (root / "binder" / "apt.txt").read_text(encoding="utf-8").splitlines()
    assert set(wanted) <= {line.partition("#")[0].strip() for line in binder}
