"""medimg.samples: the real radiograph and the files made from it."""

import numpy as np
import pytest
from PIL import Image

from medimg import data, images, paths, samples


def test_radiograph_is_the_real_cr_image():
    pixels = samples.chest_radiograph()
    assert pixels.shape == (1955, 1841)
    assert pixels.dtype == np.uint16
    assert pixels.max() < 2 ** 15  # 15 bits stored


def test_monochrome1_is_flipped_so_lungs_are_dark():
    pixels = samples.chest_radiograph().astype(float)
    h, w = pixels.shape
    lung = pixels[h // 3: h // 2, w // 5: w // 3].mean()      # left lung field
    spine = pixels[h // 3: h // 2, w // 2 - 40: w // 2 + 40].mean()  # mediastinum
    assert lung < spine


def test_missing_test_file_names_the_package():
    with pytest.raises(FileNotFoundError, match="pydicom-data"):
        data.dicom_test_file("no_such_file.dcm")


def test_test_jpeg_is_made_once_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    path = samples.test_jpeg()
    assert path == tmp_path / "generated" / "test.jpeg"
    with Image.open(path) as image:
        assert image.format == "JPEG" and image.mode == "L" and image.size == (1841, 1955)
    stamp = path.stat().st_mtime_ns
    assert samples.test_jpeg().stat().st_mtime_ns == stamp
    assert [p.name for p in path.parent.iterdir()] == ["test.jpeg"]  # no partial files left


# --- The lecture's numbers -------------------------------------------------------------

def test_lecture_matrix_is_the_slide():
    m = samples.lecture_matrix()
    assert m.shape == (15, 14) and m.dtype == np.uint8
    assert m[0].tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 5, 8, 1, 0, 0, 0]
    assert m[14].tolist() == [0, 0, 243, 255, 243, 255, 255, 243, 255, 243, 255, 0, 0, 0]
    assert (m[2, 5], m[9, 4], m[12, 1], m[12, 12]) == (120, 254, 56, 142)
    assert samples.LECTURE_PIXEL_VALUES == (16, 243)


def test_the_slides_empty_cell_is_missing_and_filled():
    missing = samples.lecture_matrix_missing()
    assert missing.shape == (15, 14) and missing.dtype == bool
    assert np.argwhere(missing).tolist() == [[11, 12]]  # row 12, column 13 counting from 1
    assert samples.lecture_matrix()[11, 12] == 0
    filled = samples.lecture_matrix(fill=200)
    assert filled[11, 12] == 200
    assert np.array_equal(filled[~missing], samples.lecture_matrix()[~missing])


@pytest.mark.parametrize("fill", [-1, 256, 1.5, True, "0"])
def test_lecture_matrix_rejects_a_bad_fill(fill):
    with pytest.raises(ValueError, match="fill"):
        samples.lecture_matrix(fill=fill)


# --- The simulated opacity -------------------------------------------------------------

def test_opacity_mask_is_a_smooth_deterministic_blob():
    mask = samples.opacity_mask((200, 180))
    assert mask.shape == (200, 180) and 0 <= mask.min() and mask.max() <= 1
    assert np.array_equal(mask, samples.opacity_mask((200, 180)))
    assert not np.array_equal(mask, samples.opacity_mask((200, 180), seed=8))
    rows, cols = np.indices(mask.shape)
    centre = (rows * mask).sum() / mask.sum() / 200, (cols * mask).sum() / mask.sum() / 180
    assert abs(centre[0] - 0.60) < 0.1 and abs(centre[1] - 0.25) < 0.1
    assert mask[:20].max() < 0.01  # far from the centre there is nothing
    assert np.abs(np.diff(mask, axis=0)).max() < 0.1  # smooth: no sharp edges


@pytest.mark.parametrize("kwargs", [
    {"shape": (0, 5)}, {"shape": (5,)}, {"shape": (5, 5), "size": 0},
    {"shape": (5, 5), "center": (1.5, 0.5)},
])
def test_opacity_mask_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        samples.opacity_mask(**kwargs)


def test_simulated_opacity_brightens_only_its_region():
    original = samples.chest_radiograph()
    changed = samples.with_simulated_opacity()
    assert changed.shape == original.shape and changed.dtype == original.dtype
    assert np.array_equal(changed, samples.with_simulated_opacity())  # deterministic
    mask = samples.opacity_mask(original.shape)
    inside, outside = mask > 0.5, mask < 1e-5
    difference = changed.astype(float) - original
    assert difference[inside].mean() > 1000  # clearly brighter (15-bit units)
    assert np.abs(difference[outside]).max() <= 1
    assert (difference >= -0.5).all()  # never darker
    # The lung markings fade inside: less contrast than before.
    assert changed[inside].std() < original[inside].std()


def test_simulated_opacity_on_other_images_keeps_dtype():
    ramp = np.tile(np.arange(40, dtype=np.uint8) * 6, (50, 1))  # 0 … 234, left to right
    out = samples.with_simulated_opacity(ramp, strength=1.0)
    assert out.dtype == np.uint8 and out.shape == ramp.shape
    assert out.max() <= 234 and out.mean() > ramp.mean() + 5
    floats = samples.with_simulated_opacity(ramp.astype(np.float32), strength=0.0)
    assert floats.dtype == np.float32 and np.array_equal(floats, ramp)


@pytest.mark.parametrize("image, error", [
    (np.zeros((4, 4, 3)), ValueError), (np.zeros((4, 4), dtype=bool), TypeError),
])
def test_simulated_opacity_rejects_bad_images(image, error):
    with pytest.raises(error, match="image|dtype"):
        samples.with_simulated_opacity(image)


def test_simulated_opacity_rejects_a_bad_strength():
    with pytest.raises(ValueError, match="strength"):
        samples.with_simulated_opacity(np.zeros((4, 4)), strength=2)


# --- The guessing game -----------------------------------------------------------------

@pytest.fixture
def no_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATASET_ENV, str(tmp_path / "nothing-here"))


def _fake_dataset(root, monkeypatch):
    """Write a tiny dataset in the Kaggle layout; one PNEUMONIA file is RGB, as some are."""
    for split, label, name, value in [
        ("train", "NORMAL", "IM-0001-0001.jpeg", 60),
        ("test", "NORMAL", "IM-0002-0001.jpeg", 70),
        ("train", "PNEUMONIA", "person1_bacteria_1.jpeg", 180),
        ("val", "PNEUMONIA", "person2_virus_3.jpeg", 190),
    ]:
        folder = root / split / label
        folder.mkdir(parents=True, exist_ok=True)
        mode = "RGB" if "virus" in name else "L"
        Image.new(mode, (32, 24), (value,) * 3 if mode == "RGB" else value).save(folder / name)
    (root / "train" / "NORMAL" / ".DS_Store").write_bytes(b"junk")
    monkeypatch.setenv(paths.DATASET_ENV, str(root))


def test_quiz_without_dataset_uses_the_simulated_pair(no_dataset):
    pair = samples.quiz_pair()
    assert pair.simulated and pair.answer in (0, 1)
    assert pair.labels[pair.answer] == "simulated opacity"
    assert "simulated" in pair.sources[pair.answer]
    normal, sick = pair.images[1 - pair.answer], pair.images[pair.answer]
    assert normal.dtype == sick.dtype == np.uint8 and normal.shape == (1955, 1841)
    assert np.array_equal(normal, samples.radiograph_uint8())
    assert sick.astype(int).sum() > normal.astype(int).sum()
    again = samples.quiz_pair()
    assert again.answer == pair.answer and np.array_equal(again.images[0], pair.images[0])


def test_quiz_seed_changes_the_order(no_dataset):
    answers = {samples.quiz_pair(seed=s).answer for s in range(6)}
    assert answers == {0, 1}


def test_quiz_insisting_on_a_missing_dataset_names_the_folder(no_dataset):
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        samples.quiz_pair(use_dataset=True)


def test_quiz_with_the_dataset_uses_real_classes(tmp_path, monkeypatch):
    _fake_dataset(tmp_path, monkeypatch)
    assert [p.name for p in samples.dataset_images("NORMAL")] == [
        "IM-0002-0001.jpeg", "IM-0001-0001.jpeg"]  # sorted by full path: test before train
    pair = samples.quiz_pair()
    assert not pair.simulated
    assert pair.labels[pair.answer] == "PNEUMONIA" and pair.labels[1 - pair.answer] == "NORMAL"
    assert all(image.ndim == 2 and image.dtype == np.uint8 for image in pair.images)
    assert pair.images[pair.answer].mean() > 150 > pair.images[1 - pair.answer].mean()
    forced = samples.quiz_pair(use_dataset=False)
    assert forced.simulated


def test_dataset_images_looks_one_folder_down(tmp_path, monkeypatch):
    _fake_dataset(tmp_path / "download" / "chest_xray", monkeypatch)
    (tmp_path / "download" / "__MACOSX").mkdir()
    assert len(samples.dataset_images("PNEUMONIA", root=tmp_path / "download")) == 2
    assert samples.dataset_images("PNEUMONIA", root=tmp_path / "download" / "__MACOSX") == []


def test_dataset_images_rejects_an_unknown_label(tmp_path):
    with pytest.raises(ValueError, match="NORMAL"):
        samples.dataset_images("normal", root=tmp_path)
    assert samples.dataset_images("NORMAL", root=tmp_path) == []



# --- Colour ----------------------------------------------------------------------------

def test_rgb_circles_mix_the_channels():
    rgb = samples.rgb_circles()
    assert rgb.shape == (120, 120, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0].tolist() == [0, 0, 0]
    assert rgb[30, 60].tolist() == [255, 255, 0]  # red + green = yellow
    assert rgb[46, 30].tolist() == [255, 0, 0]
    assert rgb[90, 60].tolist() == [0, 0, 255]
    colours = {tuple(p) for p in rgb.reshape(-1, 3).tolist()}
    assert (255, 255, 255) in colours and len(colours) == 8  # every mix of on/off
    assert samples.rgb_circles(16).shape == (16, 16, 3)


@pytest.mark.parametrize("size", [4, 10.0, "big"])
def test_rgb_circles_rejects_a_bad_size(size):
    with pytest.raises(ValueError, match="size"):
        samples.rgb_circles(size)



def test_grey_rgb_jpeg_is_an_rgb_file_with_equal_channels(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    path = samples.grey_rgb_jpeg()
    assert path == tmp_path / "generated" / "grey-as-rgb.jpeg"
    with Image.open(path) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        pixels = np.array(image)
    assert pixels.shape == (1955 // 4, 1841 // 4, 3)
    assert images.is_grey_rgb(pixels)
    stamp = path.stat().st_mtime_ns
    assert samples.grey_rgb_jpeg().stat().st_mtime_ns == stamp
    assert sorted(p.name for p in path.parent.iterdir()) == ["grey-as-rgb.jpeg"]  # no partial files
