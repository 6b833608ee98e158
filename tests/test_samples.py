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


# --- The guessing game -----------------------------------------------------------------

def test_quiz_shows_two_real_films_of_the_dataset():
    pair = samples.quiz_pair()
    assert sorted(pair.labels) == ["NORMAL", "PNEUMONIA"]
    assert pair.labels[pair.answer] == "PNEUMONIA"
    listing = data.kermany_listing()
    val = [name for name in listing if name.startswith("val/")]
    assert len(val) == 16 and set(pair.sources) <= set(val)  # two of the 16 originals
    for label, source, image in zip(pair.labels, pair.sources, pair.images):
        assert source.split("/")[1] == label                 # from its class's folder
        assert image.ndim == 2 and image.dtype == np.uint8
        with Image.open(data.kermany_file(source)) as original:
            assert image.shape == (original.height, original.width)
    assert "bacteria" in pair.sources[pair.answer]           # the val pneumonia is bacterial


def test_quiz_is_deterministic_and_the_seed_shuffles_the_order():
    pair, again = samples.quiz_pair(), samples.quiz_pair()
    assert again.answer == pair.answer and again.sources == pair.sources
    assert all(np.array_equal(a, b) for a, b in zip(pair.images, again.images))
    answers = {samples.quiz_pair(seed=s).answer for s in range(6)}
    assert answers == {0, 1}
    for seed in range(4):
        shuffled = samples.quiz_pair(seed=seed)
        assert dict(zip(shuffled.labels, shuffled.sources)) == samples.QUIZ_FILMS


def test_quiz_findings_lie_on_the_pneumonia_film():
    pair = samples.quiz_pair()
    assert pair.findings[1 - pair.answer] == ()              # nothing marked on the normal film
    film = pair.images[pair.answer].astype(float)
    found = {f.text.split("\n")[0]: f for f in pair.findings[pair.answer]}
    assert set(found) == {"consolidation, right lung", "right heart border lost",
                          "left heart border sharp"}
    for finding in found.values():
        assert 0 <= finding.row < film.shape[0] and 0 <= finding.col < film.shape[1]
    # The consolidation is on the image's left (the patient's right) and brighter than the
    # same zone of the other lung, which is still dark with air.
    region = found["consolidation, right lung"]
    assert region.is_region and region.col < film.shape[1] / 2
    rows = slice(region.row - region.height // 2, region.row + region.height // 2)
    right_lung = film[rows, region.col - region.width // 2: region.col + region.width // 2]
    mirror = film.shape[1] - region.col
    left_lung = film[rows, mirror - region.width // 4: mirror + region.width // 4]
    assert right_lung.mean() > left_lung.mean() + 15


def test_the_book_radiograph_is_an_adults_abnormal_film():
    import pydicom

    ds = pydicom.dcmread(data.radiograph_path(), stop_before_pixels=True)
    assert (ds.Modality, ds.ViewPosition, ds.BodyPartExamined) == ("CR", "PA", "CHEST")
    assert ds.PatientBirthDate.startswith("1940") and ds.ContentDate.startswith("1995")
    assert ds.PatientSex == "F"
    width = samples.radiograph_uint8().shape[1]
    sides = [f.col < width / 2 for f in samples.RADIOGRAPH_FINDINGS]
    assert sides.count(True) >= 3 and sides.count(False) >= 3  # round opacities, both lungs
    assert all(f.is_region and not f.text for f in samples.RADIOGRAPH_FINDINGS)


def test_each_radiograph_finding_is_brighter_than_the_lung_around_it():
    film = samples.radiograph_uint8().astype(float)
    for f in samples.RADIOGRAPH_FINDINGS:
        inside = film[f.row - f.height // 2: f.row + f.height // 2,
                      f.col - f.width // 2: f.col + f.width // 2].mean()
        ring = np.concatenate([film[f.row - 2 * f.height: f.row - f.height, f.col - f.width: f.col + f.width].ravel(),
                               film[f.row + f.height: f.row + 2 * f.height, f.col - f.width: f.col + f.width].ravel()])
        assert inside > np.median(ring), f


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
