"""medimg.dataset: index, counts, checks, split, sample and thumbnails, at full scale.

The session fixture ``replica`` is a full-size copy of the Kaggle layout (5,856 tiny
JPEGs named like the real ones, with the real counts, RGB share and clutter), plus four
damaged files put in place of real ones.
"""

import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from medimg import dataset, errors, paths, survey, synthetic

# --- Fixtures -------------------------------------------------------------------------------

def _first(split: str, label: str, nth: int = 0) -> str:
    specs = [s for s in synthetic.kaggle_names() if (s.split, s.label) == (split, label)]
    return f"{split}/{label}/{sorted(s.name for s in specs)[nth]}"


DAMAGED = {
    "png": _first("train", "NORMAL"),
    "truncated": _first("train", "PNEUMONIA"),
    "garbage": _first("test", "PNEUMONIA"),
    "empty": _first("val", "NORMAL"),
}
UNKNOWN_NAME = "train/NORMAL/scan 12 (copy).jpeg"


@pytest.fixture(scope="session")
def replica(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replica")
    root = synthetic.make_replica(folder)
    assert all((root / relative).is_file() for relative in DAMAGED.values())
    buffer = io.BytesIO()
    Image.new("L", (10, 10)).save(buffer, format="PNG")
    (root / DAMAGED["png"]).write_bytes(buffer.getvalue())
    data = (root / DAMAGED["truncated"]).read_bytes()
    (root / DAMAGED["truncated"]).write_bytes(data[: len(data) - 40])
    (root / DAMAGED["garbage"]).write_bytes(b"this is not an image at all\n")
    (root / DAMAGED["empty"]).write_bytes(b"")
    normal = sorted((root / "train" / "NORMAL").iterdir())[-1]
    normal.rename(root / UNKNOWN_NAME)
    return folder


@pytest.fixture(scope="session")
def index(replica):
    return dataset.index_dataset(replica)


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    return synthetic.make_synthetic(tmp_path_factory.mktemp("sample"))


def small_layout(folder: Path, files: dict[str, Image.Image]) -> Path:
    """Write images at the given relative paths under folder/chest_xray; return the root."""
    root = folder / "chest_xray"
    for relative, image in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, format="JPEG")
    return root


# --- Names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("person1_bacteria_1.jpeg", ("PNEUMONIA", "person1", "bacteria", 1, False)),
    ("person447_virus_921_1.jpeg", ("PNEUMONIA", "person447", "virus", 921, True)),
    ("IM-0115-0001.jpeg", ("NORMAL", "IM-0115", None, 1, False)),
    ("NORMAL2-IM-0588-0001.jpeg", ("NORMAL", "NORMAL2-IM-0588", None, 1, False)),
    ("NORMAL2-IM-1345-0001-0002.jpeg", ("NORMAL", "NORMAL2-IM-1345", None, 1, True)),
    ("scan.jpeg", (None, None, None, None, False)),
    ("person1_fungus_1.jpeg", (None, None, None, None, False)),
])
def test_parse_name(name, expected):
    info = dataset.parse_name(name)
    assert (info.label, info.patient, info.subtype, info.number, info.odd) == expected


@given(person=st.integers(1, 99999), number=st.integers(1, 99999),
       subtype=st.sampled_from(["bacteria", "virus"]), odd=st.booleans())
def test_parse_name_reads_back_what_was_written(person, number, subtype, odd):
    name = f"person{person}_{subtype}_{number}{'_1' if odd else ''}.jpeg"
    info = dataset.parse_name(name)
    assert (info.patient, info.subtype, info.number, info.odd) == (
        f"person{person}", subtype, number, odd)


def test_generated_names_follow_the_conventions():
    specs = synthetic.kaggle_names()
    assert len(specs) == 5856
    assert len({(s.split, s.label, s.name) for s in specs}) == 5856
    for spec in specs:
        info = dataset.parse_name(spec.name)
        assert info.label == spec.label and info.subtype == spec.subtype
    assert any(dataset.parse_name(s.name).odd for s in specs if s.label == "NORMAL")
    assert any(dataset.parse_name(s.name).odd for s in specs if s.label == "PNEUMONIA")


# --- Finding the root and indexing ------------------------------------------------------------

def test_find_root_accepts_the_root_or_its_parent(replica):
    assert dataset.find_root(replica) == replica / "chest_xray"
    assert dataset.find_root(replica / "chest_xray") == replica / "chest_xray"


def test_find_root_names_the_missing_folder(tmp_path):
    with pytest.raises(errors.DatasetNotFoundError, match=str(tmp_path / "nope")):
        dataset.find_root(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Kaggle layout"):
        dataset.find_root(tmp_path / "empty")


#: The three planted files that cannot be read (the PNG named .jpeg is a readable image).
UNREADABLE = {("train", "PNEUMONIA"): 1, ("test", "PNEUMONIA"): 1, ("val", "NORMAL"): 1}


def test_full_scale_counts_are_the_kaggle_counts_less_the_unreadable_files(index):
    table = dataset.counts(index.images)
    for split, expected in dataset.KAGGLE_COUNTS.items():
        assert table.at[split, "NORMAL"] == expected["NORMAL"] - UNREADABLE.get(
            (split, "NORMAL"), 0)
        assert table.at[split, "PNEUMONIA"] == expected["bacteria"] + expected["virus"] \
            - UNREADABLE.get((split, "PNEUMONIA"), 0)
        assert table.at[split, "excluded"] == sum(
            n for (s, _), n in UNREADABLE.items() if s == split)
    assert table.at["total", "total"] == 5856 - 3 and table.at["total", "excluded"] == 3
    assert table.at["total", "total"] + table.at["total", "excluded"] == len(index.images)
    subtypes = dataset.subtype_counts(index.images)
    assert subtypes.at["train", "bacteria"] == 2530 and subtypes.at["train", "virus"] == 1345
    assert subtypes.at["test", "bacteria"] == 242 and subtypes.at["test", "virus"] == 148
    assert subtypes.at["val", "bacteria"] == 8 and subtypes.at["val", "virus"] == 0


def test_compare_with_lecture_shows_every_difference(index):
    table = dataset.compare_with_lecture(index.images)
    differences = {(r.split, r.label): r.difference for r in table.itertuples()}
    assert differences.pop(("train", "NORMAL")) == -1
    for key, excluded in UNREADABLE.items():      # unreadable files are not counted
        assert differences.pop(key) == -excluded
    assert set(differences.values()) == {0}
    assert dataset.LECTURE_TOTAL - table["counted"].sum() == 7 + 3


def test_clutter_is_reported_not_counted(index):
    reasons = dict(zip(index.skipped["path"], index.skipped["reason"]))
    assert reasons["__MACOSX"] == "macOS metadata folder"
    assert reasons["chest_xray"] == "nested copy of the dataset"
    assert reasons[".DS_Store"] == reasons["train/.DS_Store"] == "macOS metadata file"
    assert reasons["train/notes.txt"] == "stray file"
    nested = index.skipped.set_index("path").at["chest_xray", "files"]
    assert nested == 16
    assert not index.images["path"].str.contains("DS_Store|MACOSX|notes").any()


def test_damaged_files_are_reported_with_their_path_and_the_index_goes_on(index, replica):
    problems = index.problems.set_index("path")["problem"]
    assert "PNG data" in problems[DAMAGED["png"]]
    assert "truncated" in problems[DAMAGED["truncated"]]
    assert "cannot read the header" in problems[DAMAGED["garbage"]]
    assert problems[DAMAGED["empty"]] == "empty file"
    assert DAMAGED["garbage"] in problems[DAMAGED["garbage"]]     # relative path, not /tmp/...
    assert str(replica) not in problems[DAMAGED["garbage"]]
    assert len(index.images) == 5856


def test_unknown_names_are_kept_and_flagged(index):
    row = index.images.set_index("path").loc[UNKNOWN_NAME]
    assert not row["name_ok"] and pd.isna(row["patient"])
    assert UNKNOWN_NAME in index.problems["path"].tolist()
    assert "DatasetIndex(" in repr(index) and "5856 images" in repr(index)
    assert str(index).startswith("An index of 5,856 images from the folder ")


def test_a_name_that_contradicts_its_folder_is_flagged(tmp_path):
    root = small_layout(tmp_path, {"train/NORMAL/person3_virus_7.jpeg": Image.new("L", (8, 8))})
    images = dataset.index_dataset(root).images
    assert not images.loc[0, "name_ok"] and images.loc[0, "subtype"] == "virus"


def test_index_reads_headers_like_pillow(index, replica):
    root = replica / "chest_xray"
    for row in index.images.sample(40, random_state=1).itertuples():
        if row.problem:
            continue
        with Image.open(root / row.path) as image:
            assert (row.width, row.height, row.mode) == (*image.size, image.mode)
        assert row.bytes == (root / row.path).stat().st_size


def test_index_of_a_progressive_and_a_large_header_jpeg(tmp_path):
    root = tmp_path / "chest_xray" / "test" / "NORMAL"
    root.mkdir(parents=True)
    Image.new("L", (40, 30)).save(root / "IM-0001-0001.jpeg", progressive=True)
    big_exif = Image.Exif()
    big_exif[0x010E] = "x" * 40000     # an image description longer than the head we read
    Image.new("RGB", (50, 20)).save(root / "IM-0002-0001.jpeg", exif=big_exif)
    images = dataset.index_dataset(tmp_path).images.set_index("path")
    assert tuple(images.loc["test/NORMAL/IM-0001-0001.jpeg", ["width", "height", "mode"]]) == (
        40, 30, "L")
    assert tuple(images.loc["test/NORMAL/IM-0002-0001.jpeg", ["width", "height", "mode"]]) == (
        50, 20, "RGB")
    assert (images["problem"] == "").all()


@pytest.mark.parametrize("head", [b"", b"\xff\xd8", b"\xff\xd8\x00\x00\x00\x00",
                                  b"\xff\xd8\xff\xda\x00\x02", b"\x89PNG\r\n",
                                  b"\xff\xd8\xff\xc0\x00\x11\x08\x00"])
def test_jpeg_header_gives_up_on_what_it_cannot_read(head):
    assert dataset.jpeg_header(head) is None


@settings(max_examples=30, deadline=None)
@given(width=st.integers(1, 300), height=st.integers(1, 300),
       mode=st.sampled_from(["L", "RGB", "CMYK"]), progressive=st.booleans())
def test_jpeg_header_agrees_with_pillow(width, height, mode, progressive):
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="JPEG", progressive=progressive)
    buffer.seek(0)
    with Image.open(buffer) as image:
        expected = (*image.size, image.mode)
    assert dataset.jpeg_header(buffer.getvalue()) == expected == (width, height, mode)


def test_jpeg_header_skips_fill_bytes():
    buffer = io.BytesIO()
    Image.new("L", (7, 5)).save(buffer, format="JPEG")
    data = buffer.getvalue()
    assert dataset.jpeg_header(data[:2] + b"\xff" + data[2:]) == (7, 5, "L")


# --- Checks -----------------------------------------------------------------------------------

def test_no_duplicates_in_the_replica_and_a_copy_across_splits_is_found(index, replica, tmp_path):
    assert dataset.duplicate_files(index.images, index.root).empty
    image = Image.effect_noise((32, 32), 40)
    root = small_layout(tmp_path, {"train/NORMAL/IM-0001-0001.jpeg": image,
                                   "test/NORMAL/IM-0009-0001.jpeg": image,
                                   "test/NORMAL/IM-0010-0001.jpeg": Image.new("L", (32, 32))})
    found = dataset.duplicate_files(dataset.index_dataset(root).images, root)
    assert sorted(found["path"]) == ["test/NORMAL/IM-0009-0001.jpeg",
                                     "train/NORMAL/IM-0001-0001.jpeg"]
    assert found["across_splits"].all()
    digest = hashlib.sha256((root / "test/NORMAL/IM-0009-0001.jpeg").read_bytes()).hexdigest()
    assert set(found["sha256"]) == {digest}


def test_person_numbers_recur_across_splits_only_with_another_subtype(index):
    overlap = dataset.patient_overlap(index.images)
    assert not overlap.empty
    assert not overlap["same_subtype"].any()
    assert set(overlap["split"]) >= {"train", "test"}


def test_patient_overlap_flags_the_same_subtype(tmp_path):
    grey = Image.new("L", (8, 8))
    root = small_layout(tmp_path, {"train/PNEUMONIA/person5_virus_1.jpeg": grey,
                                   "test/PNEUMONIA/person5_virus_2.jpeg": grey,
                                   "test/PNEUMONIA/person6_virus_3.jpeg": grey})
    overlap = dataset.patient_overlap(dataset.index_dataset(root).images)
    assert list(overlap["patient"]) == ["person5", "person5"]
    assert overlap["same_subtype"].all()


def test_about_five_percent_of_pneumonia_files_are_rgb_with_equal_channels(index, replica):
    modes = dataset.mode_counts(index.images)
    share = modes.at["PNEUMONIA", "RGB"] / modes.loc["PNEUMONIA"].sum()
    assert 0.03 < share < 0.07
    assert modes.at["NORMAL", "RGB"] == 0
    rgb = survey.rgb_files(index.images.head(400), index.root)
    assert len(rgb) > 0 and rgb["channels_equal"].all()


def test_channels_equal_tells_grey_from_colour(tmp_path):
    colour = Image.merge("RGB", [Image.new("L", (64, 64), v) for v in (10, 120, 240)])
    colour.save(tmp_path / "colour.jpeg")
    grey = Image.effect_noise((64, 64), 30)
    Image.merge("RGB", (grey, grey, grey)).save(tmp_path / "grey-rgb.jpeg")
    grey.save(tmp_path / "grey.jpeg")
    assert not survey.channels_equal(tmp_path / "colour.jpeg")
    assert survey.channels_equal(tmp_path / "grey-rgb.jpeg")
    assert survey.channels_equal(tmp_path / "grey.jpeg")


def test_size_summary(index):
    summary = dataset.size_summary(index.images)
    assert summary.at["NORMAL", "median_width"] == 16
    assert summary.at["PNEUMONIA", "median_height"] == 8
    assert summary.at["NORMAL", "rgb_share"] == 0
    assert summary["images"].sum() == 5856 - 2    # two files have no readable header


def test_always_pneumonia_baseline(index):
    scores = dataset.baseline_scores(index.images, "test")
    assert scores["images"] == 624
    assert scores["accuracy"] == pytest.approx(390 / 624)
    assert (scores["sensitivity"], scores["specificity"]) == (1.0, 0.0)
    with pytest.raises(ValueError, match="holdout"):
        dataset.baseline_scores(index.images, "holdout")


# --- Patient-grouped split --------------------------------------------------------------------

def test_patient_split_keeps_patients_together_and_test_untouched(index):
    new = dataset.patient_split(index.images, val_fraction=0.2, seed=0)
    keys = dataset.group_key(index.images)
    kept = new != "excluded"
    assert new[kept].groupby(keys[kept]).nunique().max() == 1     # one split per patient
    test = index.images["split"] == "test"
    assert (new[test] == "test").all()
    excluded = new == "excluded"
    assert excluded.any() and set(keys[excluded]) <= set(keys[test])
    pooled = ~test & kept
    for label in dataset.LABELS:
        in_label = pooled & (index.images["label"] == label)
        assert (new[in_label] == "val").mean() == pytest.approx(0.2, abs=0.01)


def test_patient_split_is_reproducible_and_depends_on_the_seed(index):
    first = dataset.patient_split(index.images, seed=3)
    assert first.equals(dataset.patient_split(index.images, seed=3))
    assert not first.equals(dataset.patient_split(index.images, seed=4))


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_patient_split_refuses_a_fraction_outside_0_1(index, fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        dataset.patient_split(index.images, val_fraction=fraction)


@settings(max_examples=40, deadline=None)
@given(groups=st.lists(st.tuples(st.sampled_from(dataset.LABELS), st.integers(1, 5),
                                 st.lists(st.sampled_from(["train", "val", "test"]),
                                          min_size=1, max_size=3)),
                       min_size=2, max_size=40),
       fraction=st.floats(0.05, 0.6), seed=st.integers(0, 10))
def test_no_patient_is_ever_in_two_splits(groups, fraction, seed):
    rows = [{"split": split, "label": label, "path": f"f{i}-{k}-{split}", "patient": f"p{i}"}
            for i, (label, n, splits) in enumerate(groups) for split in splits for k in range(n)]
    images = pd.DataFrame(rows)
    new = dataset.patient_split(images, val_fraction=fraction, seed=seed)
    assert set(new) <= {"train", "val", "test", "excluded"}
    used = images.assign(new=new)[new != "excluded"]
    assert used.groupby("patient")["new"].nunique().max() == 1
    assert (new[images["split"] == "test"] == "test").all()


def test_shared_patients(index):
    shared = dataset.shared_patients(index.images)
    assert shared == sorted(set(dataset.patient_overlap(index.images)["patient"]))
    assert dataset.shared_patients(index.images, dataset.patient_split(index.images)) == []


def test_unnamed_files_are_their_own_group():
    images = pd.DataFrame({"path": ["a", "b"], "patient": [None, "person1"]})
    assert list(dataset.group_key(images)) == ["file:a", "person1"]


# --- The synthetic sample ---------------------------------------------------------------------

def test_sample_has_the_layout_counts_and_clutter(sample):
    index = dataset.index_dataset(sample)
    table = dataset.counts(index.images)
    for split, expected in synthetic.SYNTHETIC_COUNTS.items():
        assert table.at[split, "NORMAL"] == expected["NORMAL"]
        assert table.at[split, "PNEUMONIA"] == expected["bacteria"] + expected["virus"]
    assert {"__MACOSX", "chest_xray", ".DS_Store"} <= set(index.skipped["path"])
    assert index.problems.empty                   # odd names are flagged as odd, not bad
    assert index.images["name_ok"].all() and (index.images["problem"] == "").all()
    assert index.images["odd_name"].any()
    assert (index.images["mode"] == "RGB").any() and (index.images["format"] == "JPEG").all()


def test_sample_images_are_small_real_looking_and_labelled(sample):
    index = dataset.index_dataset(sample)
    summary = dataset.size_summary(index.images)
    assert summary.at["NORMAL", "median_width"] == pytest.approx(1654 / 4, rel=0.15)
    assert summary.at["PNEUMONIA", "median_width"] == pytest.approx(1176 / 4, rel=0.15)
    total = sum(f.stat().st_size for f in sample.rglob("*") if f.is_file())
    assert total < 3_000_000
    readme = (sample / dataset.SYNTHETIC_MARKER).read_text()
    assert "SYNTHETIC" in readme and "None of them shows a patient" in readme
    assert synthetic.is_synthetic(sample) and synthetic.is_synthetic(sample / "chest_xray")
    assert survey.rgb_files(index.images, index.root)["channels_equal"].all()


def test_synthetic_text_is_in_the_image():
    spec = synthetic.FileSpec("train", "NORMAL", "IM-0001-0001.jpeg", None)
    plain = Image.new("L", (400, 300), 0)
    labelled = synthetic._label_synthetic(plain.copy())
    top = np.asarray(labelled)[:60]
    assert top.max() == 255 and np.asarray(plain).max() == 0
    assert spec.subtype is None


def test_pneumonia_drawings_are_denser_in_the_lungs():
    clear = synthetic.synthetic_radiograph(200, 160, None, seed=1, noise=0).astype(float)
    for subtype in ("bacteria", "virus"):
        sick = synthetic.synthetic_radiograph(200, 160, subtype, seed=1, noise=0).astype(float)
        assert sick.mean() > clear.mean()


def test_sample_is_deterministic(sample, tmp_path):
    again = synthetic.make_synthetic(tmp_path / "again")

    def digests(folder):
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}
    assert digests(again) == digests(sample)


def test_synthetic_dir_is_made_once_atomically(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    calls = []

    def quick_sample(folder):             # the real one is tested above; this one is fast
        calls.append(folder)
        (folder / "chest_xray" / "train").mkdir(parents=True)
        (folder / dataset.SYNTHETIC_MARKER).write_text("synthetic")
        return folder
    monkeypatch.setattr(synthetic, "make_synthetic", quick_sample)
    folder = synthetic.synthetic_dir()
    assert folder == tmp_path / "generated" / synthetic.SYNTHETIC_NAME
    assert synthetic.synthetic_dir() == folder and len(calls) == 1
    assert [p.name for p in folder.parent.iterdir()] == [synthetic.SYNTHETIC_NAME]


def test_synthetic_dir_accepts_a_copy_finished_by_someone_else(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))

    def racing(folder):          # another build finishes while this one is still writing
        other = tmp_path / "generated" / synthetic.SYNTHETIC_NAME
        other.mkdir(parents=True)
        (other / "chest_xray").mkdir()
        (other / dataset.SYNTHETIC_MARKER).write_text("theirs")
        (folder / "chest_xray").mkdir()
        return folder
    monkeypatch.setattr(synthetic, "make_synthetic", racing)
    folder = synthetic.synthetic_dir()
    assert (folder / dataset.SYNTHETIC_MARKER).read_text() == "theirs"
    assert [p.name for p in folder.parent.iterdir()] == [synthetic.SYNTHETIC_NAME]


def test_synthetic_dir_reports_a_failed_rename(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    monkeypatch.setattr(synthetic, "make_synthetic", lambda f: f)
    blocker = tmp_path / "generated" / synthetic.SYNTHETIC_NAME
    blocker.mkdir(parents=True)
    (blocker / "something").write_text("not a sample")
    with pytest.raises(OSError):
        synthetic.synthetic_dir()
    assert sorted(p.name for p in blocker.parent.iterdir()) == [synthetic.SYNTHETIC_NAME]


def test_dataset_or_synthetic_prefers_a_real_copy(tmp_path, monkeypatch, replica):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    monkeypatch.setenv(paths.DATASET_ENV, str(replica))
    assert synthetic.dataset_or_synthetic() == replica
    monkeypatch.setattr(synthetic, "synthetic_dir", lambda: tmp_path / "the-sample")
    monkeypatch.setenv(paths.DATASET_ENV, str(tmp_path / "absent"))
    assert synthetic.dataset_or_synthetic() == tmp_path / "the-sample"


# --- Thumbnails --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_jpegs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    files = []
    for i, (subtype, size) in enumerate([(None, (826, 678)), ("bacteria", (588, 392)),
                                         ("virus", (600, 400))]):
        pixels = synthetic.synthetic_radiograph(*size, subtype, seed=i)
        image = Image.fromarray(pixels)
        if i == 2:
            image = Image.merge("RGB", (image, image, image))
        image.save(folder / f"{i}.jpeg", quality=90)
        files.append(folder / f"{i}.jpeg")
    return files


def test_thumbnail_fits_and_matches_the_full_decode(big_jpegs):
    for path in big_jpegs:
        fast = survey.thumbnail(path, 128)
        slow = survey.thumbnail_full_decode(path, 128)
        assert fast.mode == "L" and max(fast.size) == 128
        assert abs(fast.width - slow.width) <= 1 and abs(fast.height - slow.height) <= 1
        a = np.asarray(fast.resize(slow.size), dtype=float)
        assert np.abs(a - np.asarray(slow, dtype=float)).mean() < 4


def test_thumbnail_uses_draft_mode(big_jpegs, monkeypatch):
    from PIL import JpegImagePlugin
    seen = []
    original = JpegImagePlugin.JpegImageFile.draft
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft",
                        lambda self, mode, size: seen.append((mode, size)) or original(self, mode, size))
    survey.thumbnail(big_jpegs[0], 100)
    assert seen[0] == ("L", (100, 100))


def test_contact_sheet_tiles_every_image(big_jpegs):
    sheet = survey.contact_sheet(big_jpegs * 3, size=64, columns=4, gap=2)
    assert sheet.size == (4 * 66 - 2, 3 * 66 - 2) and sheet.mode == "L"
    one_core = survey.contact_sheet(big_jpegs * 3, size=64, columns=4, gap=2, workers=1)
    assert np.array_equal(np.asarray(sheet), np.asarray(one_core))
    assert len(survey.thumbnails(big_jpegs, 32, workers=2)) == 3


def test_thumbnail_of_a_bad_file_names_it(tmp_path):
    from medimg.errors import DamagedImageError, NotAnImageError
    (tmp_path / "text.jpeg").write_text("not an image")
    with pytest.raises(NotAnImageError, match="text.jpeg"):
        survey.thumbnail(tmp_path / "text.jpeg")
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 40).save(buffer, format="JPEG")
    (tmp_path / "cut.jpeg").write_bytes(buffer.getvalue()[:2000])
    with pytest.raises(DamagedImageError, match="cut.jpeg"):
        survey.contact_sheet([tmp_path / "cut.jpeg"], workers=2)
    with pytest.raises(FileNotFoundError):
        survey.thumbnail(tmp_path / "absent.jpeg")


def test_contact_sheet_needs_images():
    with pytest.raises(ValueError, match="at least one"):
        survey.contact_sheet([])


def test_replica_without_clutter(tmp_path):
    counts = {"train": {"NORMAL": 3, "bacteria": 2, "virus": 1},
              "test": {"NORMAL": 1, "bacteria": 1, "virus": 0},
              "val": {"NORMAL": 0, "bacteria": 1, "virus": 0}}
    root = synthetic.make_replica(tmp_path, counts, clutter=False)
    index = dataset.index_dataset(tmp_path)
    assert len(index.images) == 9 and index.skipped.empty
    assert root == tmp_path / "chest_xray" and not (tmp_path / "__MACOSX").exists()


def test_unexpected_folders_are_reported(tmp_path):
    root = small_layout(tmp_path, {"train/NORMAL/IM-0001-0001.jpeg": Image.new("L", (8, 8))})
    (root / "train" / "COVID").mkdir()
    (root / "extras").mkdir()
    (root / "train" / "NORMAL" / "folder.jpeg").mkdir()
    skipped = dict(zip(*dataset.index_dataset(root).skipped[["path", "reason"]].T.values))
    assert skipped["train/COVID"] == "unexpected folder"
    assert skipped["extras"] == "unexpected folder"
    assert skipped["train/NORMAL/folder.jpeg"] == "unexpected folder"


# --- An index from a listing, and the chapter on the real listing ---------------------------

def test_a_listing_gives_the_rows_of_a_folder_index(tmp_path):
    counts = {"train": {"NORMAL": 5, "bacteria": 4, "virus": 3},
              "test": {"NORMAL": 2, "bacteria": 1, "virus": 1},
              "val": {"NORMAL": 1, "bacteria": 1, "virus": 0}}
    synthetic.make_replica(tmp_path, counts, clutter=False)
    folder = dataset.index_dataset(tmp_path)
    listing = dataset.index_listing(reversed(folder.images["path"].tolist()), origin="a test")
    assert list(listing.images.columns) == list(folder.images.columns)
    names_only = [c for c in folder.images.columns if c not in dataset.HEADER_COLUMNS]
    assert listing.images[names_only].equals(folder.images[names_only])
    assert listing.images[list(dataset.HEADER_COLUMNS)].isna().all().all()
    assert folder.has_headers and not listing.has_headers
    assert listing.source == "listing" and listing.root is None
    assert "from a listing, a test: 18 images, names only" in repr(listing)
    assert listing.problems.empty and len(listing.readable) == 18
    assert dataset.counts(listing.images).equals(dataset.counts(folder.images))


def test_a_listing_skips_lines_that_are_not_images_in_the_layout():
    index = dataset.index_listing(["train/NORMAL/IM-0001-0001.jpeg", "", "train/NORMAL",
                                   "holdout/NORMAL/IM-0002-0001.jpeg", "train/COVID/x.jpeg",
                                   "train/NORMAL/.DS_Store", "train/PNEUMONIA/notes.txt",
                                   "train/NORMAL/person3_virus_7.jpeg"])
    assert len(index.images) == 2 and len(index.skipped) == 5
    assert set(index.skipped["reason"]) == {"not split/LABEL/image name"}
    assert index.problems["path"].tolist() == ["train/NORMAL/person3_virus_7.jpeg"]


def test_open_index_takes_a_full_copy_when_there_is_one(replica, tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATASET_ENV, str(replica))
    full = dataset.open_index()
    assert full.has_headers and full.root == replica / "chest_xray"
    assert dataset.with_headers(full) is full
    monkeypatch.setenv(paths.DATASET_ENV, str(tmp_path / "absent"))
    shipped = dataset.open_index()
    assert shipped.source == "listing" and len(shipped.images) == 5856
    assert shipped.origin.endswith("kermany2018/files.txt")


def test_with_headers_of_the_listing_reads_the_16_originals(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.DATASET_ENV, str(tmp_path / "absent"))
    originals = dataset.with_headers(dataset.open_index())
    images = originals.images
    assert originals.has_headers and len(images) == 16 and originals.skipped.empty
    assert dataset.counts(images).loc["val", ["NORMAL", "PNEUMONIA"]].tolist() == [8, 8]
    assert (images["mode"] == "L").all() and (images["problem"] == "").all()
    assert (images["width"].min(), images["height"].min()) == (968, 592)
    assert (images["width"].max(), images["height"].max()) == (1776, 1416)


def _chapter_cells(root):
    """The code cells of book/dataset.md, read as Jupyter reads them (jupytext)."""
    from support import code_cells, read_page
    return [cell.source for cell in code_cells(read_page("book/dataset", root))]


def _run_chapter(root):
    import matplotlib
    matplotlib.use("Agg")
    namespace: dict = {}
    for cell in _chapter_cells(root):
        exec(compile(cell, "dataset.md", "exec"), namespace)
    return namespace


@pytest.mark.slow
def test_the_chapter_publishes_the_real_numbers(root, tmp_path, monkeypatch, capsys):
    """Every cell of the chapter, run as the build runs it (no full copy): the counts,
    subtypes and patient figures are those of the real listing, and the text says so."""
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(paths.DATASET_ENV, str(tmp_path / "absent"))
    ns = _run_chapter(root)
    out = capsys.readouterr().out
    index = ns["index"]
    assert index.source == "listing" and len(index.images) == 5856
    table = dataset.counts(index.images)
    assert table.loc[["train", "test", "val"], ["NORMAL", "PNEUMONIA"]].to_numpy().tolist() == [
        [1341, 3875], [234, 390], [8, 8]]
    subtypes = dataset.subtype_counts(index.images)
    assert subtypes.loc[["train", "test", "val"], ["bacteria", "virus"]].to_numpy().tolist() == [
        [2530, 1345], [242, 148], [8, 0]]
    # train and val together are the paper's training set (Kermany et al. 2018, Cell
    # 172:1127): 1,349 normal, 2,538 bacterial and 1,345 viral images
    pooled = subtypes.loc["train"] + subtypes.loc["val"]
    assert (table.at["train", "NORMAL"] + table.at["val", "NORMAL"],
            pooled["bacteria"], pooled["virus"]) == (1349, 2538, 1345)
    assert ns["scores"]["accuracy"] == pytest.approx(390 / 624)
    patients = survey.patients_per_split(index.images)
    assert patients["patients"].tolist() == [1211, 1635, 225, 202, 8, 7]
    assert patients["if_subtypes_differ"].tolist() == [1211, 2443, 225, 203, 8, 7]
    assert ns["overlap"]["patient"].nunique() == 170 and not ns["overlap"]["same_subtype"].any()
    assert set(ns["overlap"]["split"]) == {"train", "test"}
    copies = ns["copies"]
    assert (len(copies), copies["images"].sum()) == (30, 62)
    assert not ns["across_splits"].any() and ns["two_numbers"].sum() == 1
    resplit = pd.crosstab(ns["resplit"], index.images["label"])
    assert resplit.loc["val"].tolist() == [270, 685] and resplit.loc["excluded"].tolist() == [0, 457]
    assert "patients in two splits, Kaggle folders: 170" in out
    assert "patients in two splits, new split:      0" in out
    assert "the lecture's table: 5857" in out and "the files, counted: 5856" in out
    mine = pd.crosstab(ns["mine"], index.images["label"])
    assert mine.loc["val"].tolist() == [135, 343]
    text = (root / "book" / "dataset.md").read_text(encoding="utf-8")
    for stated in ["1,341 normal images in `train`", "2,530 bacterial and 1,345 viral",
                   "242 and 148", "1,635 numbers, or 2,443", "170 person numbers",
                   "808 person numbers", "It costs 457 pneumonia images", "holds 955 images",
                   "135 normal and 343 pneumonia", "Thirty groups", "62.5 %",
                   "1,341 + 8 = 1,349 normal"]:
        assert stated in " ".join(text.split()), stated
    pneumonia_train = index.images[(index.images["split"] == "train")
                                   & (index.images["label"] == "PNEUMONIA")]
    both = pneumonia_train.groupby("patient")["subtype"].nunique()
    assert int((both > 1).sum()) == 808


@pytest.mark.slow
def test_the_chapters_cells_run_on_a_full_size_copy(replica, tmp_path, monkeypatch, root,
                                                    capsys):
    """Every code cell of book/dataset.md, run in order with MEDIMG_CHEST_XRAY set to the
    replica (damaged files included), as a reader with the real data would run them."""
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(paths.DATASET_ENV, str(replica))
    assert len(_chapter_cells(root)) > 20
    ns = _run_chapter(root)
    out = capsys.readouterr().out
    assert ns["index"].has_headers and ns["index"].root == replica / "chest_xray"
    assert ns["headers"] is ns["index"]
    assert "patients in two splits, new split:      0" in out
    assert "patients in two splits: 0" in out
    assert f"{len(DAMAGED) + 1} of 5856 images with a problem" in out


def test_the_chapters_tables_are_tables_in_print(root):
    """tables.show gives Markdown to the PDF; only a notebook whose Markdown outputs are
    read as MyST (not the default CommonMark, which has no tables) turns it into a LaTeX
    table instead of printing the pipes."""
    import jupytext
    notebook = jupytext.read(root / "book" / "dataset.md")
    assert notebook.metadata["mystnb"]["render_markdown_format"] == "myst"
    assert any("tables.show(" in cell.source for cell in notebook.cells)
