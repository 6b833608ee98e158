"""medimg.samples: the real radiograph and the files made from it."""

import numpy as np
import pytest
from PIL import Image

from medimg import paths, samples


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
        samples.dicom_test_file("no_such_file.dcm")


def test_test_jpeg_is_made_once_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    path = samples.test_jpeg()
    assert path == tmp_path / "generated" / "test.jpeg"
    with Image.open(path) as image:
        assert image.format == "JPEG" and image.mode == "L" and image.size == (1841, 1955)
    stamp = path.stat().st_mtime_ns
    assert samples.test_jpeg().stat().st_mtime_ns == stamp
    assert [p.name for p in path.parent.iterdir()] == ["test.jpeg"]  # no partial files left
