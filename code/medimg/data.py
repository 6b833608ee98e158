"""The real files the book uses, and one way to each of them.

- Reference files that installed packages ship, found offline: DICOM files of
  ``pydicom`` and ``pydicom-data`` (:func:`dicom_test_file`), NIfTI, Analyze and MINC
  files of ``nibabel`` (:func:`nibabel_test_file`), all listed in :data:`REAL_FILES`
  (:func:`real_file`). The book's "real test image" is the chest radiograph
  ``RG1_UNCR.dcm`` (:func:`radiograph_path`).
- Real chest X-ray material of Kermany et al. (2018, CC BY 4.0) that the book commits
  under ``data/kermany2018/`` (see its README for the credit and what was changed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DataFileError
from .paths import repo_root, sha256
from .tables import Table

RADIOGRAPH = "RG1_UNCR.dcm"


def dicom_test_file(name: str) -> Path:
    """Return the path of a DICOM file shipped by pydicom or pydicom-data, offline.

    Raises FileNotFoundError naming the file and the package to install when it is absent
    (pydicom would otherwise try to download it and return None).
    """
    from pydicom.data import get_testdata_file

    found = get_testdata_file(name, download=False)
    if found is None or not Path(found).is_file():
        raise FileNotFoundError(
            f"{name}: not found among pydicom's test files; install the 'pydicom-data' "
            "package (it is in requirements.txt)"
        )
    return Path(found)


def radiograph_path() -> Path:
    """Return the path of the real chest radiograph ``RG1_UNCR.dcm`` (pydicom-data)."""
    return dicom_test_file(RADIOGRAPH)


def nibabel_data_dir() -> Path:
    """Return the folder of test data that the installed nibabel ships."""
    import nibabel

    return Path(nibabel.__file__).parent / "tests" / "data"


def nibabel_test_file(name: str) -> Path:
    """Return the path of a file from nibabel's bundled test data."""
    path = nibabel_data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{name}: not among nibabel's test data in {path.parent}")
    return path


#: Real files used in the chapter: name -> package that ships it.
REAL_FILES = {
    "CT_small.dcm": "pydicom",
    "MR_small.dcm": "pydicom",
    "rtdose.dcm": "pydicom",
    "MR_small_jpeg_ls_lossless.dcm": "pydicom",
    "RG1_UNCR.dcm": "pydicom-data",
    "RG1_J2KR.dcm": "pydicom-data",
    "anatomical.nii": "nibabel",
    "example4d.nii.gz": "nibabel",
    "example_nifti2.nii.gz": "nibabel",
    "analyze.hdr": "nibabel",
    "tiny.mnc": "nibabel",
    "small.mnc": "nibabel",
}


def real_file(name: str) -> Path:
    """Return the path of one of :data:`REAL_FILES`, whichever package ships it."""
    if REAL_FILES.get(name) == "nibabel":
        return nibabel_test_file(name)
    return dicom_test_file(name)


def real_files_table() -> Table:
    """List the real files the chapter reads: file, package, size in bytes."""
    rows = [[f"`{name}`", package, f"{real_file(name).stat().st_size:,}"]
            for name, package in REAL_FILES.items()]
    return Table(["File", "Package", "Bytes"], rows)


# --- Real chest X-rays: Kermany, Zhang & Goldbaum (2018), CC BY 4.0 ----------------------

KERMANY = "kermany2018"
"""The folder under the repository's ``data/`` that holds the committed real material."""

KERMANY_CREDIT = (
    "Kermany D, Zhang K, Goldbaum M (2018). Labeled Optical Coherence Tomography (OCT) and "
    "Chest X-Ray Images for Classification. Mendeley Data v2, doi:10.17632/rscbjbr9sj.2. "
    "CC BY 4.0.")


def kermany_dir() -> Path:
    """Return the folder of the committed Kermany et al. (2018) material (``data/kermany2018``).

    It is part of the book's repository, so it is found from the checkout that medimg is
    installed from (whatever ``MEDIMG_DATA`` says). Raises DataFileError when medimg does
    not run from a checkout of the book.
    """
    root = repo_root()
    folder = None if root is None else root / "data" / KERMANY
    if folder is None or not (folder / "SHA256SUMS").is_file():
        raise DataFileError(
            f"{folder or 'data/' + KERMANY}: the book's real chest X-ray files are not here; "
            "they come with the book's repository (git clone it, then pip install -e ./code)")
    return folder


def _expected_sha256(name: str) -> str:
    sums = kermany_dir() / "SHA256SUMS"
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, listed = line.partition("  ")
        if listed == name:
            return digest
    raise DataFileError(f"{sums}: lists no file {name!r}")


def kermany_file(name: str, *, check: bool = True) -> Path:
    """Return the path of one committed file (e.g. ``"files.txt"``), checked against SHA256SUMS.

    Raises DataFileError naming the file when it is missing or its SHA-256 differs (a
    damaged or changed copy is never used quietly).
    """
    path = kermany_dir() / name
    if not path.is_file():
        raise DataFileError(f"{path}: missing from the book's data; restore it with git")
    if check and sha256(path) != (expected := _expected_sha256(name)):
        raise DataFileError(f"{path}: SHA-256 is not the one in SHA256SUMS ({expected[:12]}…); "
                            "the file was changed or damaged; restore it with git")
    return path


def kermany_listing() -> list[str]:
    """Return the 5,856 file names of the Kaggle copy, as ``split/LABEL/name``."""
    return kermany_file("files.txt").read_text(encoding="utf-8").split()


def kermany_val_images() -> list[Path]:
    """Return the 16 original JPEGs of the Kaggle ``val`` folder (8 NORMAL, then 8 PNEUMONIA)."""
    return [kermany_file(name) for name in kermany_listing() if name.startswith("val/")]


def kermany_64() -> tuple[np.ndarray, np.ndarray]:
    """Return all 5,856 images at 64 × 64 grey and their names, in the order of the listing.

    ``images`` is uint8 of shape (5856, 64, 64); ``names`` are ``split/LABEL/name``
    strings. The images were resized without keeping the aspect ratio (see the README
    beside the file): use the originals for anything about image sizes.
    """
    with np.load(kermany_file("chest_xray_64.npz")) as archive:
        images, names = archive["images"], archive["names"].astype(str)
    return images, names
