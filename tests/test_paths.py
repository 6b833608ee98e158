"""medimg.paths finds the book's data from any working directory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from medimg import paths


def test_data_dir_in_checkout_is_repo_data(root, monkeypatch):
    monkeypatch.delenv(paths.DATA_ENV, raising=False)
    assert paths.repo_root() == root
    assert paths.data_dir() == root / "data"


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "d"))
    monkeypatch.setenv(paths.DATASET_ENV, str(tmp_path / "x"))
    assert paths.data_dir() == tmp_path / "d"
    assert paths.data_dir().is_dir()
    assert paths.generated_dir() == tmp_path / "d" / "generated"
    assert paths.dataset_dir() == tmp_path / "x"


def test_dataset_defaults_inside_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    monkeypatch.delenv(paths.DATASET_ENV, raising=False)
    assert paths.dataset_dir() == tmp_path / "chest_xray"


def test_outside_a_checkout_uses_user_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.DATA_ENV, raising=False)
    monkeypatch.setattr(paths, "repo_root", lambda: None)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.data_dir() == tmp_path / ".cache" / "medimg"


def test_same_answer_from_another_working_directory(tmp_path, root):
    env = {k: v for k, v in os.environ.items() if k != paths.DATA_ENV}
    out = subprocess.run([sys.executable, "-c", "from medimg import paths; print(paths.data_dir())"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(root / "data")


def test_shorten_inside_and_outside_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "d"))
    assert paths.shorten(tmp_path / "d" / "generated" / "x.jpeg") == "<data>/generated/x.jpeg"
    assert paths.shorten(tmp_path / "elsewhere") == str(tmp_path / "elsewhere")


def test_write_atomically_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    assert paths.write_atomically(target, lambda tmp: open(tmp, "w").write("new")) == target
    assert target.read_text() == "new"

    def fail(tmp):
        open(tmp, "w").write("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        paths.write_atomically(target, fail)
    assert target.read_text() == "new"                  # the old file is untouched
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]  # no .part left


def test_tidy_writes_the_machine_folders_short(tmp_path, monkeypatch):
    import site
    import tempfile
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "d"))
    package = site.getsitepackages()[0]
    text = (f"{paths.data_dir()}/x.jpeg; {package}/pydicom/CT.dcm; "
            f"{tempfile.gettempdir()}/tmpab12/missing.jpeg; {Path.home()}/Desktop/a.png")
    assert paths.tidy(text) == ("<data>/x.jpeg; <site-packages>/pydicom/CT.dcm; "
                                "<tmp>/tmpab12/missing.jpeg; ~/Desktop/a.png")
    assert paths.tidy("no folders here") == "no folders here"
