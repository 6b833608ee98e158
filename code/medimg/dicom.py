"""DICOM files: read them, get their pixels right, and list what their headers hold.

Built on pydicom. Bad input raises one of medimg's named errors (see
:mod:`medimg.errors`) whose message names the file and what is wrong with it.
"""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .errors import (
    NoDecoderError,
    NoPixelDataError,
    TruncatedFileError,
    WrongFormatError,
)
from .formats import identify
from .tables import Table


def read_dicom(path: str | os.PathLike, *, pixels: bool = True) -> Any:
    """Read a DICOM file with pydicom; with ``pixels`` (default) check its pixel data.

    Raises :class:`WrongFormatError` for a file that is not DICOM,
    :class:`TruncatedFileError` when the file ends inside an element, and (with
    ``pixels``) :class:`NoPixelDataError` when there is no image in it.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
    except InvalidDicomError:
        raise WrongFormatError(
            f"{path}: not a DICOM file (no 'DICM' after a 128-byte preamble); "
            f"its bytes say {identify(path)}") from None
    except (EOFError, OSError, struct.error) as err:
        raise TruncatedFileError(f"{path}: ends inside the DICOM header ({err})") from None
    _check_not_cut(ds, path)
    if pixels and not any(k in ds for k in _PIXEL_KEYWORDS):
        raise NoPixelDataError(
            f"{path}: this DICOM file holds no image (no Pixel Data, Float Pixel Data or "
            "Double Float Pixel Data element)")
    return ds


_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def _check_not_cut(ds: Any, path: Path) -> None:
    """Raise TruncatedFileError when the last element read is shorter than announced."""
    if "TransferSyntaxUID" not in getattr(ds, "file_meta", {}):
        raise TruncatedFileError(f"{path}: ends inside the DICOM file meta information")
    if len(ds) == 0:
        return
    last = ds.get_item(max(ds.keys()))  # the last element in the file, not yet decoded
    length = getattr(last, "length", None)
    value = getattr(last, "value", None)
    if length not in (None, 0xFFFFFFFF) and isinstance(value, (bytes, bytearray)) \
            and len(value) < length:
        raise TruncatedFileError(
            f"{path}: truncated: element {last.tag} announces {length} bytes but the file "
            f"holds only {len(value)}")


def decoder_packages(transfer_syntax: str) -> list[str]:
    """Name the packages that would decode this transfer syntax but are not installed.

    pydicom keeps this list with each decoder; it is empty when nothing is missing.
    """
    from pydicom.pixels import get_decoder

    try:
        decoder = get_decoder(transfer_syntax)
    except NotImplementedError:
        return []
    return [str(message) for message in decoder.missing_dependencies]


def installed_decoders(transfer_syntax: str) -> list[str]:
    """Name the installed packages (pydicom's plugins) that decode this transfer syntax."""
    from pydicom.pixels import get_decoder

    try:
        return sorted(get_decoder(transfer_syntax).available_plugins)
    except NotImplementedError:
        return []


def dicom_pixels(source: Any) -> np.ndarray:
    """Return the stored pixel values of a DICOM file (a path or a pydicom Dataset).

    The values are the *stored* ones, before rescale slope/intercept. Raises
    :class:`NoPixelDataError`, :class:`NoDecoderError` (naming the packages that would
    decode the compression) or :class:`TruncatedFileError`.
    """
    from pydicom.pixels import get_decoder

    if isinstance(source, (str, os.PathLike)):
        path, ds = Path(source), read_dicom(source)
    else:
        ds = source
        path = Path(getattr(ds, "filename", None) or "<dataset>")
        if not any(k in ds for k in _PIXEL_KEYWORDS):
            raise NoPixelDataError(f"{path}: this DICOM dataset holds no image")
    syntax = ds.file_meta.TransferSyntaxUID
    if syntax.is_compressed:
        try:
            available = get_decoder(syntax).is_available
        except NotImplementedError:
            available = False
        if not available:
            packages = decoder_packages(syntax) or ["none known to pydicom"]
            raise NoDecoderError(
                f"{path}: pixel data are compressed as '{syntax.name}' ({syntax}); no "
                f"installed package decodes it. Any of these would: {'; '.join(packages)}")
    try:
        return ds.pixel_array
    except ValueError as err:
        if "less than expected" in str(err) or "number of bytes" in str(err):
            raise TruncatedFileError(f"{path}: pixel data are cut short ({err})") from None
        raise


def hounsfield(ds: Any) -> np.ndarray:
    """Apply rescale slope and intercept: stored values -> Hounsfield units (CT), as float.

    HU = stored × RescaleSlope + RescaleIntercept. This comes *before* any window.
    """
    slope = float(ds.get("RescaleSlope", 1))
    intercept = float(ds.get("RescaleIntercept", 0))
    return dicom_pixels(ds).astype(np.float64) * slope + intercept


def display_values(ds: Any) -> np.ndarray:
    """Return pixel values oriented for display: high = bright, whatever the file says.

    A MONOCHROME1 image is meant to be shown with high values *dark*; we flip it with
    ``(2**BitsStored - 1) - x`` so that an ordinary grey colour map shows it correctly.
    """
    values = dicom_pixels(ds)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        return (2 ** int(ds.BitsStored) - 1) - values
    return values


#: The lecture's three groups of data in a medical image, as DICOM keywords.
LECTURE_GROUPS: dict[str, list[tuple[str, str]]] = {
    "acquisition": [
        ("掃描者姓名 operator's name", "OperatorsName"),
        ("掃描模組 modality", "Modality"),
        ("掃描序號 series number", "SeriesNumber"),
        ("掃描日期 study date", "StudyDate"),
        ("資料日期 acquisition date", "AcquisitionDate"),
        ("掃描時間 acquisition time", "AcquisitionTime"),
        ("掃描時間長 exposure time (ms)", "ExposureTime"),
        ("影像種類 image type", "ImageType"),
        ("機器製造商 manufacturer", "Manufacturer"),
    ],
    "image": [
        ("掃描序號 instance number", "InstanceNumber"),
        ("影像厚度 slice thickness", "SliceThickness"),
        ("影像位置 image position", "ImagePositionPatient"),
        ("影像角度 image orientation", "ImageOrientationPatient"),
        ("索引UID SOP instance UID", "SOPInstanceUID"),
        ("Slice位置 slice location", "SliceLocation"),
        ("欄 columns", "Columns"),
        ("列 rows", "Rows"),
        ("像素Spacing pixel spacing", "PixelSpacing"),
        ("Bits Allocated", "BitsAllocated"),
        ("Bits Stored", "BitsStored"),
        ("最小影像像素值 smallest pixel value", "SmallestImagePixelValue"),
        ("最大影像像素值 largest pixel value", "LargestImagePixelValue"),
        ("Window 中央位置 window centre", "WindowCenter"),
        ("Window寬 window width", "WindowWidth"),
        ("Rescale截距 rescale intercept", "RescaleIntercept"),
        ("Rescale斜率 rescale slope", "RescaleSlope"),
    ],
    "patient": [
        ("姓名 name", "PatientName"),
        ("生日 birth date", "PatientBirthDate"),
        ("性別 sex", "PatientSex"),
        ("年齡 age", "PatientAge"),
        ("體重 weight (kg)", "PatientWeight"),
        ("病歷號 patient ID", "PatientID"),
        ("掃描號 accession number", "AccessionNumber"),
        ("掃描部位 body part examined", "BodyPartExamined"),
    ],
}


def value_text(value: Any, limit: int = 32) -> str:
    """Write a DICOM value as short text: lists joined by commas, long text cut with …."""
    text = str(value)
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        text = ", ".join(str(v) for v in value)
    if text == "":
        return "(empty)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tag_text(keyword: str) -> str:
    """Return the tag of a DICOM keyword as the standard writes it, e.g. '(0028,0030)'."""
    from pydicom.datadict import tag_for_keyword

    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(f"{keyword!r} is not a DICOM keyword")
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def attributes_table(group: str, files: dict[str, Any]) -> Table:
    """The lecture's list for one group, with each attribute's value in each file.

    ``files`` maps a column title to a pydicom Dataset. "—" means the file does not have
    the attribute; "(empty)" means it has it with no value.
    """
    from pydicom.datadict import dictionary_VR

    rows = []
    for lecture, keyword in LECTURE_GROUPS[group]:
        row = [lecture, f"`{keyword}`", tag_text(keyword), dictionary_VR(keyword)]
        row += [value_text(ds.get(keyword)) if keyword in ds else "—" for ds in files.values()]
        rows.append(row)
    return Table(["Lecture 講義", "Keyword", "Tag", "VR", *files], rows)


def pixel_data_elements() -> Table:
    """The three pixel data elements of DICOM, from pydicom's data dictionary."""
    from pydicom.datadict import get_entry

    rows = []
    for keyword in _PIXEL_KEYWORDS:
        vr, _, name, _, _ = get_entry(keyword)
        rows.append([tag_text(keyword), f"`{keyword}`", name, vr])
    return Table(["Tag", "Keyword", "Name", "VR"], rows)


def dicom_affine(ds: Any) -> np.ndarray:
    """Return the 4 × 4 matrix taking (row, column, 0, 1) to millimetres in DICOM's LPS.

    Built from Image Position (Patient), the first pixel's centre; Image Orientation
    (Patient), the directions of a row and of a column; and Pixel Spacing (between rows,
    between columns).
    """
    row_dir = np.array(ds.ImageOrientationPatient[:3], dtype=float)   # along a row
    col_dir = np.array(ds.ImageOrientationPatient[3:], dtype=float)   # down a column
    between_rows, between_cols = (float(v) for v in ds.PixelSpacing)
    affine = np.eye(4)
    affine[:3, 0] = col_dir * between_rows    # moving one row down
    affine[:3, 1] = row_dir * between_cols    # moving one column right
    affine[:3, 2] = np.cross(row_dir, col_dir) * float(ds.get("SliceThickness", 1) or 1)
    affine[:3, 3] = np.array(ds.ImagePositionPatient, dtype=float)
    return affine
