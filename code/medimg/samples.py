"""The real and generated images the book uses, found from any working directory.

The book's "real test image" is the chest radiograph ``RG1_UNCR.dcm`` that the
``pydicom-data`` package ships (a computed radiography (CR) image, PA view, 1955 × 1841,
MONOCHROME1, 15 bits stored). Files made from it are written once into
:func:`medimg.paths.generated_dir` and reused.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image

from . import images, paths

RADIOGRAPH = "RG1_UNCR.dcm"


def dicom_test_file(name: str) -> Path:
    """Return the path of a DICOM file shipped by pydicom or pydicom-data, offline.

    Raises FileNotFoundError naming the file and the package to install when it is absent
    (pydicom would otherwise try to download it and return None).
    """
    from pydicom.data import get_testdata_file

    try:
        found = get_testdata_file(name, download=False)
    except TypeError:  # older pydicom without the download argument
        found = get_testdata_file(name)
    if found is None or not Path(found).is_file():
        raise FileNotFoundError(
            f"{name}: not found among pydicom's test files; install the 'pydicom-data' "
            "package (it is in requirements.txt)"
        )
    return Path(found)


def radiograph_path() -> Path:
    """Return the path of the real chest radiograph ``RG1_UNCR.dcm``."""
    return dicom_test_file(RADIOGRAPH)


def chest_radiograph() -> np.ndarray:
    """Return the real chest radiograph as uint16, with high values bright (like a film).

    The file is MONOCHROME1: its high values are meant to be shown *dark*. We flip it once
    here, ``(2**bits_stored - 1) - x``, so that every later step can treat bright as dense,
    as in the chest X-ray dataset's JPEGs.
    """
    ds = pydicom.dcmread(radiograph_path())
    pixels = ds.pixel_array
    if ds.PhotometricInterpretation == "MONOCHROME1":
        pixels = (2 ** int(ds.BitsStored) - 1) - pixels
    return pixels.astype(np.uint16)


def radiograph_uint8() -> np.ndarray:
    """Return the chest radiograph as an 8-bit grey image (0–255).

    The 1st and 99.5th percentiles of the 15-bit values become 0 and 255, so the few very
    dark and very bright pixels do not take up the 256 levels.
    """
    pixels = chest_radiograph()
    low, high = np.percentile(pixels, [1, 99.5])
    return images.to_uint8(pixels, low, high)


def test_jpeg() -> Path:
    """Return the path of the book's ``test.jpeg``: the radiograph as an 8-bit grey JPEG.

    It plays the part of the workshop's ``test.jpeg``. Made on first use (quality 95) and
    written atomically, so a half-written file is never seen.
    """
    target = paths.generated_dir() / "test.jpeg"
    if not target.is_file():
        image = Image.fromarray(radiograph_uint8(), mode="L")
        _save_atomically(image, target, format="JPEG", quality=95)
    return target


def _save_atomically(image: Image.Image, target: Path, **save_options) -> None:
    """Save a Pillow image to a temporary file beside ``target``, then rename it."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        image.save(tmp, **save_options)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
