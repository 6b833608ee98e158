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
