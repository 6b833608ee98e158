"""medimg.data: the real files the book uses, and the committed Kermany et al. material."""

from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from medimg import data, errors, paths


def test_every_committed_file_matches_its_sha256():
    folder = data.kermany_dir()
    listed = [line.split("  ", 1)[1] for line in
              (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()]
    assert len(listed) == 18  # files.txt, the npz and the 16 val JPEGs
    for name in listed:
        assert paths.sha256(folder / name) == data._expected_sha256(name), name


def test_the_credit_and_licence_stand_beside_the_files():
    readme = (data.kermany_dir() / "README.md").read_text(encoding="utf-8")
    for words in ("CC BY 4.0", "10.17632/rscbjbr9sj.2", "Kermany", "changed"):
        assert words in readme


def test_the_listing_is_the_real_kaggle_copy():
    names = data.kermany_listing()
    assert len(names) == len(set(names)) == 5856
    counted = Counter(tuple(name.split("/")[:2]) for name in names)
    assert counted == {("train", "NORMAL"): 1341, ("train", "PNEUMONIA"): 3875,
                       ("test", "NORMAL"): 234, ("test", "PNEUMONIA"): 390,
                       ("val", "NORMAL"): 8, ("val", "PNEUMONIA"): 8}


def test_the_val_originals_are_real_grey_jpegs():
    files = data.kermany_val_images()
    assert [f.parent.name for f in files] == ["NORMAL"] * 8 + ["PNEUMONIA"] * 8
    for path in files:
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.mode == "L"
            assert 900 < image.width < 1800 and 500 < image.height < 1500


def test_the_64_pixel_set_holds_every_image_in_listing_order():
    images, names = data.kermany_64()
    assert images.shape == (5856, 64, 64) and images.dtype == np.uint8
    assert list(names) == data.kermany_listing()
    assert 60 < images.mean() < 200 and images.std() > 20  # radiographs, not blanks


def test_a_changed_file_is_refused_by_name(tmp_path, monkeypatch):
    copy = tmp_path / "kermany2018"
    shutil.copytree(data.kermany_dir(), copy)
    monkeypatch.setattr(data, "kermany_dir", lambda: copy)
    (copy / "files.txt").write_text("test/NORMAL/x.jpeg\n")
    with pytest.raises(errors.DataFileError, match=r"files\.txt: SHA-256"):
        data.kermany_listing()
    (copy / "files.txt").unlink()
    with pytest.raises(errors.DataFileError, match=r"files\.txt: missing"):
        data.kermany_listing()
    (copy / "other.txt").write_text("not listed")
    with pytest.raises(errors.DataFileError, match="lists no file 'other.txt'"):
        data.kermany_file("other.txt")


def test_outside_a_checkout_the_error_says_where_the_files_come_from(monkeypatch):
    monkeypatch.setattr(data, "repo_root", lambda: None)
    with pytest.raises(errors.DataFileError, match="git clone"):
        data.kermany_dir()
