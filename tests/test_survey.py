"""medimg.survey: patients counted two ways, pictures of many images, copies, damaged files."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from medimg import data, dataset, paths, survey


@pytest.fixture(scope="module")
def listing():
    return dataset.index_listing(data.kermany_listing(), origin="the book's listing")


def _write(root: Path, relative: str, pixels: np.ndarray, fmt: str = "JPEG") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format=fmt, quality=95)


def test_patients_are_counted_both_ways():
    images = pd.DataFrame({
        "split": pd.Categorical(["train"] * 5 + ["test"]),
        "label": pd.Categorical(["PNEUMONIA"] * 3 + ["NORMAL"] * 2 + ["PNEUMONIA"]),
        "path": [f"f{i}" for i in range(6)],
        "patient": ["person5", "person5", "person6", "IM-0001", "IM-0001", "person9"],
        "subtype": ["bacteria", "virus", "virus", None, None, "virus"]})
    table = survey.patients_per_split(images)
    assert table.index.tolist() == [("train", "NORMAL"), ("train", "PNEUMONIA"),
                                    ("test", "PNEUMONIA")]
    assert table.loc[("train", "PNEUMONIA")].tolist() == [3, 2, 3, 2]
    assert table.loc[("train", "NORMAL")].tolist() == [2, 1, 1, 2]


def test_pictures_of_the_listing_are_the_64_set(listing):
    rows = listing.images.iloc[[5855, 0, 2000]]
    stored, names = data.kermany_64()
    picked = survey.pictures(listing, rows)
    assert picked.shape == (3, 64, 64) and picked.dtype == np.uint8
    for picture, path in zip(picked, rows["path"]):
        assert np.array_equal(picture, stored[list(names).index(path)])


def test_a_name_outside_the_64_set_is_named():
    index = dataset.index_listing(["train/NORMAL/IM-9999-0001.jpeg"])
    with pytest.raises(KeyError, match="IM-9999-0001"):
        survey.pictures(index)


def test_pictures_of_a_folder_are_decoded_and_squeezed(tmp_path):
    gradient = np.tile(np.linspace(0, 255, 300).astype(np.uint8), (150, 1))
    _write(tmp_path / "chest_xray", "train/NORMAL/IM-0001-0001.jpeg", gradient)
    _write(tmp_path / "chest_xray", "train/NORMAL/IM-0002-0001.jpeg", 255 - gradient)
    index = dataset.index_dataset(tmp_path)
    picked = survey.pictures(index, workers=2)
    assert picked.shape == (2, 64, 64)
    assert picked[0, :, 0].mean() < 15 and picked[0, :, -1].mean() > 240   # dark to light
    assert picked[1, :, 0].mean() > 240                                   # its negative
    assert survey.pictures(index, index.images.iloc[:0]).shape == (0, 64, 64)


def test_tile_lays_pictures_out_row_by_row():
    pictures = [np.full((4, 5), 10 * (i + 1), np.uint8) for i in range(5)]
    sheet = survey.tile(pictures, columns=3, gap=1)
    assert sheet.shape == (2 * 4 + 1, 3 * 5 + 2)
    assert sheet[0, 0] == 10 and sheet[0, 6] == 20 and sheet[5, 6] == 50
    assert sheet[4, 0] == 0 and sheet[5, 12] == 0       # the gap, and the empty sixth cell
    with pytest.raises(ValueError, match="at least one"):
        survey.tile([])
    with pytest.raises(ValueError, match="picture 1 has shape"):
        survey.tile([np.zeros((4, 5), np.uint8), np.zeros((5, 4), np.uint8)])


def test_identical_pictures_are_grouped_with_their_splits_and_patients(tmp_path):
    rng = np.random.default_rng(0)
    chest, other = rng.integers(0, 255, (2, 80, 100)).astype(np.uint8)
    root = tmp_path / "chest_xray"
    _write(root, "train/NORMAL/IM-0001-0001.jpeg", chest)
    _write(root, "test/NORMAL/IM-0002-0001.jpeg", chest)
    _write(root, "test/NORMAL/IM-0003-0001.jpeg", other)
    copies = survey.identical_pictures(dataset.index_dataset(tmp_path))
    assert len(copies) == 1
    row = copies.iloc[0]
    assert (row["images"], row["splits"], row["patients"]) == (2, "test, train",
                                                               "IM-0001, IM-0002")
    assert row["paths"] == "test/NORMAL/IM-0002-0001.jpeg, train/NORMAL/IM-0001-0001.jpeg"


def test_the_real_set_has_thirty_groups_of_identical_pictures(listing):
    copies = survey.identical_pictures(listing)
    assert (len(copies), copies["images"].sum()) == (30, 62)
    assert not copies["splits"].str.contains(",").any()
    two = copies[copies["patients"].str.contains(",")]
    assert two["patients"].tolist() == ["NORMAL2-IM-0095, NORMAL2-IM-0096"]


def test_damaged_examples_show_each_kind_of_damage(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    folder = survey.damaged_examples()
    assert folder == tmp_path / "generated" / "damaged_v1"
    index = dataset.index_dataset(folder)
    assert len(index.images) == 4 and index.skipped.empty
    problems = dict(zip(index.problems["path"], index.problems["problem"]))
    assert problems == {
        "val/NORMAL/NORMAL2-IM-1430-0001.jpeg": "truncated: no JPEG end-of-image marker",
        "val/PNEUMONIA/person1946_bacteria_4874.jpeg": "empty file",
        "val/PNEUMONIA/person1946_bacteria_4875.jpeg":
            "PNG data in a file named person1946_bacteria_4875.jpeg"}
    whole = index.readable["path"].tolist()
    assert whole == ["val/NORMAL/NORMAL2-IM-1427-0001.jpeg"]
    original = data.kermany_val_images()[0]
    assert (folder / "chest_xray" / whole[0]).read_bytes() == original.read_bytes()
    stamp = (folder / "chest_xray" / whole[0]).stat().st_mtime_ns
    assert survey.damaged_examples() == folder                       # made once, kept
    assert (folder / "chest_xray" / whole[0]).stat().st_mtime_ns == stamp
