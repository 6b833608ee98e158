"""Medical image files: read them with the real libraries, look at their bytes, compare
their headers, and de-identify a DICOM file.

Everything here is built on pydicom, nibabel, pynrrd and h5py. The few lines of
``struct`` that read header bytes by hand are there to *show* the bytes; the tests prove
that they agree with the libraries.

Bad input raises a :class:`FormatError` subclass (a ``ValueError``) whose message names
the file and what is wrong with it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from . import paths, samples

# ---------------------------------------------------------------------------------------
# Errors


class FormatError(ValueError):
    """A medical image file could not be used; the message names the file and why."""


class WrongFormatError(FormatError):
    """The file is not in the format it claims (by its name or by the caller)."""


class TruncatedFileError(FormatError):
    """The file ends before the data its header announces."""


class NoPixelDataError(FormatError):
    """A DICOM file holds no image: no (7FE0,0010), (7FE0,0008) or (7FE0,0009)."""


class NoDecoderError(FormatError):
    """The DICOM pixels are compressed in a way no installed package can decode."""


class DimensionError(FormatError):
    """The image has more axes than the caller can use (e.g. a 4-D fMRI series)."""


# ---------------------------------------------------------------------------------------
# Tables that print as Markdown in a notebook


@dataclass
class Table:
    """Rows of text under named columns; a notebook shows it as a Markdown table."""

    columns: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        """Return the values of one column, top to bottom."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_markdown(self) -> str:
        def cell(value: Any) -> str:
            text = str(value).replace("|", "\\|").replace("\n", " ")
            if "--" in text and "`" not in text:  # keep "----" from becoming a dash
                text = f"`{text}`"
            return text

        lines = ["| " + " | ".join(cell(c) for c in self.columns) + " |",
                 "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_markdown()


# ---------------------------------------------------------------------------------------
# The real files the chapter reads


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
    return samples.dicom_test_file(name)


def real_files_table() -> Table:
    """List the real files the chapter reads: file, package, size in bytes."""
    rows = [[f"`{name}`", package, f"{real_file(name).stat().st_size:,}"]
            for name, package in REAL_FILES.items()]
    return Table(["File", "Package", "Bytes"], rows)


# ---------------------------------------------------------------------------------------
# The formats table, kept as data


@dataclass(frozen=True)
class FormatFacts:
    """What one file format is, in the words of the chapter's table.

    ``magic`` (bytes found at ``magic_offset``) and ``header_bytes`` (a fixed header
    size) are what a test checks against real files; ``dtypes`` lists the numpy names of
    the pixel types, where a library gives the full list to check against.
    """

    name: str
    extensions: str
    header: str
    data_types: str
    colour: str
    layout: str
    magic: bytes | None = None
    magic_offset: int = 0
    header_bytes: int | None = None
    dtypes: tuple[str, ...] = ()


FORMATS: tuple[FormatFacts, ...] = (
    FormatFacts(
        "Analyze 7.5", ".hdr + .img",
        "fixed, 348-byte binary header in its own file",
        "uint8; int16, int32; float32, float64; complex64",
        "RGB 24-bit", "header then data (two files)",
        header_bytes=348,
        dtypes=("uint8", "int16", "int32", "float32", "float64", "complex64", "RGB"),
    ),
    FormatFacts(
        "NIfTI-1", ".nii (or .hdr + .img)",
        "fixed, 348-byte binary header; in a .nii the data start at `vox_offset` "
        "(352, or later when header extensions follow)",
        "signed and unsigned 8- to 64-bit integers; 32- to 128-bit floats; "
        "64- to 256-bit complex",
        "RGB 24-bit, RGBA 32-bit", "header then data",
        magic=b"n+1\x00", magic_offset=344, header_bytes=348,
        dtypes=("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
                "float32", "float64", "float128", "complex64", "complex128", "complex256",
                "RGB", "RGBA"),
    ),
    FormatFacts(
        "NIfTI-2", ".nii",
        "fixed, 540-byte binary header (64-bit sizes); data at `vox_offset` (544 or later)",
        "as NIfTI-1", "RGB 24-bit, RGBA 32-bit", "header then data",
        magic=b"n+2\x00\r\n\x1a\n", magic_offset=4, header_bytes=540,
    ),
    FormatFacts(
        "MINC", ".mnc",
        "extensible: MINC1 is a netCDF file, MINC2 an HDF5 file",
        "signed and unsigned 8- to 32-bit integers; 32-, 64-bit floats; complex",
        "not in the lecture's list", "container",
    ),
    FormatFacts(
        "DICOM", ".dcm (or no extension)",
        "variable length: 128-byte preamble, `DICM`, then tagged data elements",
        "signed and unsigned 8-, 16-bit integers (32-bit e.g. for RT Dose); "
        "32- and 64-bit floats since Supplement 172 (2014): Float Pixel Data "
        "(7FE0,0008), Double Float Pixel Data (7FE0,0009)",
        "RGB 24-bit, YBR, palette colour", "header then data (pixel data is one element)",
        magic=b"DICM", magic_offset=128,
    ),
    FormatFacts(
        "NRRD", ".nrrd (or .nhdr + data file)",
        "text: `NRRD000x` then `field: value` lines, ended by a blank line",
        "signed and unsigned 8- to 64-bit integers; 32-, 64-bit floats",
        "any number of values per pixel (one more axis)", "header then data",
        magic=b"NRRD000",
    ),
    FormatFacts(
        "HDF5", ".h5, .hdf5 (and MINC2 .mnc)",
        "container: a tree of groups and datasets, each with attributes",
        "any numeric type", "any (as an array axis)", "container",
        magic=b"\x89HDF\r\n\x1a\n",
    ),
    FormatFacts(
        "Raw", ".raw (any)",
        "none: size, type and byte order must be known from elsewhere",
        "anything", "anything", "data only",
    ),
)


def format_facts(name: str) -> FormatFacts:
    """Return the :class:`FormatFacts` of the format called ``name``."""
    for facts in FORMATS:
        if facts.name == name:
            return facts
    raise KeyError(f"no format called {name!r}; known: {[f.name for f in FORMATS]}")


def formats_table() -> Table:
    """The chapter's table of formats, generated from :data:`FORMATS`."""
    rows = [[f.name, f.extensions, f.header, f.data_types, f.colour, f.layout]
            for f in FORMATS]
    return Table(["Format", "Extension", "Header", "Data types", "Colour", "Layout"], rows)


def _head(path: Path, size: int) -> bytes:
    """Return the first ``size`` bytes of a file, uncompressing a .gz file."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(size)
    except gzip.BadGzipFile:
        raise WrongFormatError(f"{path}: named .gz but not gzip-compressed") from None
    except (EOFError, zlib.error) as err:
        raise TruncatedFileError(f"{path}: cannot read its first bytes ({err})") from None


def identify(path: str | os.PathLike) -> str:
    """Name the format of a file from its bytes, not its name.

    Returns one of the names in :data:`FORMATS` ("MINC" for a netCDF MINC1 file;
    "HDF5" for any HDF5 file, MINC2 included). A ``.hdr`` whose first four bytes say 348
    without a NIfTI magic is "Analyze 7.5"; anything else is "Raw".
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    head = _head(path, 1024 + 8)
    for facts in FORMATS:
        if facts.magic and head[facts.magic_offset:].startswith(facts.magic):
            return facts.name
    if head[:4] == b"CDF\x01" or head[:4] == b"CDF\x02":
        return "MINC"
    if head[:4] in (struct.pack("<i", 348), struct.pack(">i", 348)):
        return "NIfTI-1" if head[344:348] == b"ni1\x00" else "Analyze 7.5"
    for offset in (512, 1024):  # HDF5 may start after a user block
        if head[offset:offset + 8] == b"\x89HDF\r\n\x1a\n":
            return "HDF5"
    return "Raw"


def require_format(path: str | os.PathLike, *names: str) -> str:
    """Check that a file's bytes say it is one of ``names``; return the format found."""
    found = identify(path)
    if found not in names:
        raise WrongFormatError(
            f"{path}: expected {' or '.join(names)}, but its bytes say {found}")
    return found


# ---------------------------------------------------------------------------------------
# Header bytes, read by hand with struct (the tests check them against the libraries)


def hex_dump(data: bytes, start: int = 0, width: int = 16) -> str:
    """Show bytes the way a hex viewer does: offset, hex values, printable characters."""
    lines = []
    for offset in range(0, len(data), width):
        chunk = data[offset:offset + width]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{start + offset:08x}  {chunk.hex(' '):<{3 * width}} {text}")
    return "\n".join(lines)


def dicom_preamble(path: str | os.PathLike) -> dict[str, Any]:
    """Read a DICOM file's first bytes by hand.

    Returns the 128-byte ``preamble``, the 4-byte ``prefix`` (``b"DICM"``) and the first
    data element after it, which is always (0002,0000) written in explicit VR little
    endian: ``group``, ``element``, ``vr``, ``length`` and its 4-byte ``value``.
    """
    path = Path(path)
    head = _head(path, 144)
    if len(head) < 144 or head[128:132] != b"DICM":
        raise WrongFormatError(f"{path}: no 'DICM' at byte 128, so not a DICOM file")
    group, element, vr, length = struct.unpack("<HH2sH", head[132:140])
    (value,) = struct.unpack("<I", head[140:144])
    return {"preamble": head[:128], "prefix": head[128:132], "group": group,
            "element": element, "vr": vr.decode("ascii"), "length": length, "value": value}


_NIFTI1 = {"sizeof_hdr": (0, "i"), "dim": (40, "8h"), "datatype": (70, "h"),
           "bitpix": (72, "h"), "pixdim": (76, "8f"), "vox_offset": (108, "f"),
           "magic": (344, "4s")}
_NIFTI2 = {"sizeof_hdr": (0, "i"), "magic": (4, "8s"), "datatype": (12, "h"),
           "bitpix": (14, "h"), "dim": (16, "8q"), "pixdim": (104, "8d"),
           "vox_offset": (168, "q")}


def nifti_header_fields(path: str | os.PathLike) -> dict[str, Any]:
    """Read the main fields of a NIfTI-1 or NIfTI-2 header with ``struct``.

    The first four bytes hold ``sizeof_hdr``: 348 for NIfTI-1, 540 for NIfTI-2. Read as
    little endian they give the number directly; if not, the file is big endian.
    Returns the fields plus ``endian`` ("<" or ">").
    """
    path = Path(path)
    head = _head(path, 540)
    for endian in "<>":
        if len(head) >= 4 and struct.unpack(endian + "i", head[:4])[0] in (348, 540):
            break
    else:
        raise WrongFormatError(f"{path}: first four bytes are not 348 or 540: not NIfTI")
    size = struct.unpack(endian + "i", head[:4])[0]
    layout = _NIFTI1 if size == 348 else _NIFTI2
    if len(head) < size:
        raise TruncatedFileError(f"{path}: header needs {size} bytes, file has {len(head)}")
    fields: dict[str, Any] = {"endian": endian}
    for name, (offset, code) in layout.items():
        values = struct.unpack_from(endian + code, head, offset)
        fields[name] = values[0] if len(values) == 1 else list(values)
    return fields


def nrrd_text_header(path: str | os.PathLike) -> str:
    """Return the text header of a NRRD file: the lines up to the first blank line."""
    path = Path(path)
    require_format(path, "NRRD")
    lines = []
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.decode("ascii", errors="replace").rstrip("\r\n")
            if not line:
                break
            lines.append(line)
    return "\n".join(lines)


def hdf5_tree(path: str | os.PathLike) -> list[str]:
    """List the groups and datasets of an HDF5 file (a MINC2 file is one) as a tree."""
    import h5py

    path = Path(path)
    require_format(path, "HDF5")
    lines: list[str] = []

    def visit(name: str, obj: Any) -> None:
        depth = name.count("/")
        label = name.rsplit("/", 1)[-1]
        if isinstance(obj, h5py.Dataset):
            lines.append(f"{'    ' * depth}{label}  dataset {obj.shape} {obj.dtype}")
        else:
            lines.append(f"{'    ' * depth}{label}/")

    with h5py.File(path, "r") as fh:
        fh.visititems(visit)
    return lines


# ---------------------------------------------------------------------------------------
# DICOM


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


def _show(value: Any, limit: int = 32) -> str:
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
        row += [_show(ds.get(keyword)) if keyword in ds else "—" for ds in files.values()]
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


LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
"""Multiply a point or an affine by this to go from LPS to RAS, or back (it is its own
inverse): x and y change sign, z stays."""


def axis_codes(affine: np.ndarray, space: str = "RAS") -> str:
    """Name where each array axis points, e.g. 'LAS' (axis 0 towards Left, …).

    ``space`` says whether the affine maps to RAS (NIfTI, MINC) or LPS (DICOM, ITK);
    the answer is always in patient terms, so it is the same for both.
    """
    import nibabel

    matrix = np.asarray(affine, dtype=float)
    if space == "LPS":
        matrix = LPS_TO_RAS @ matrix
    elif space != "RAS":
        raise ValueError(f"space must be 'RAS' or 'LPS', got {space!r}")
    return "".join(nibabel.aff2axcodes(matrix))


# ---------------------------------------------------------------------------------------
# Volumes: NIfTI, Analyze, MINC, NRRD


def load_volume(path: str | os.PathLike, *, max_dims: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Read a 2-D or 3-D volume and its affine (voxel index -> RAS millimetres).

    NIfTI, Analyze and MINC go through nibabel; NRRD through pynrrd (its LPS space
    directions are turned into RAS). Trailing axes of length 1 are dropped. A volume
    with more than ``max_dims`` axes raises :class:`DimensionError`.
    """
    path = Path(path)
    fmt = require_format(path, "NIfTI-1", "NIfTI-2", "Analyze 7.5", "MINC", "HDF5", "NRRD")
    if fmt == "NRRD":
        data, affine = _load_nrrd(path)
    else:
        import nibabel
        from nibabel.filebasedimages import ImageFileError

        try:
            image = nibabel.load(path)
        except ImageFileError as err:
            raise WrongFormatError(f"{path}: nibabel cannot read it as an image ({err})") \
                from None
        shape = image.shape
        while len(shape) > max_dims and shape[-1] == 1:
            shape = shape[:-1]
        if len(shape) > max_dims:
            raise DimensionError(
                f"{path}: has {len(shape)} axes {tuple(shape)}; expected at most "
                f"{max_dims}. Pick one volume first, e.g. image.slicer[..., 0]")
        if not (path.with_suffix(".img").is_file() or fmt != "Analyze 7.5"):
            raise FileNotFoundError(f"{path}: Analyze header without its .img data file")
        try:
            data = np.asanyarray(image.dataobj).reshape(shape)
        except (OSError, EOFError, zlib.error, ValueError) as err:
            raise TruncatedFileError(f"{path}: the data are cut short ({err})") from None
        affine = image.affine
    if data.ndim > max_dims:
        raise DimensionError(f"{path}: has {data.ndim} axes {data.shape}; "
                             f"expected at most {max_dims}")
    return data, affine


def _load_nrrd(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import nrrd

    try:
        data, header = nrrd.read(str(path))
    except (nrrd.NRRDError, OSError, EOFError, ValueError, zlib.error) as err:
        raise TruncatedFileError(f"{path}: pynrrd cannot read it ({err})") from None
    affine = np.eye(4)
    affine[:3, :3] = np.asarray(header["space directions"], dtype=float).T
    affine[:3, 3] = np.asarray(header["space origin"], dtype=float)
    if header.get("space") == "left-posterior-superior":
        affine = LPS_TO_RAS @ affine
    return data, affine


def _formats_dir() -> Path:
    folder = paths.generated_dir() / "formats"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _publish(workdir: Path, names: Iterable[str], target_dir: Path) -> None:
    """Move finished files from a private work folder into place, one rename each."""
    for name in names:
        os.replace(workdir / name, target_dir / name)


SOURCE_VOLUME = "anatomical.nii"
"""The real volume (nibabel's test data) from which the chapter writes Analyze and NRRD."""


def analyze_pair() -> tuple[Path, Path]:
    """Write (once) the real volume as an Analyze 7.5 pair; return (header, image) paths.

    The data file is moved into place before the header, so a header never points at a
    missing or half-written image.
    """
    import nibabel

    folder = _formats_dir()
    hdr, img = folder / "anatomical_analyze.hdr", folder / "anatomical_analyze.img"
    if not (hdr.is_file() and img.is_file()):
        source = nibabel.load(nibabel_test_file(SOURCE_VOLUME))
        data = np.asanyarray(source.dataobj)
        work = Path(tempfile.mkdtemp(dir=folder, prefix=".analyze."))
        try:
            nibabel.save(nibabel.AnalyzeImage(data, source.affine), work / img.name)
            _publish(work, [img.name, hdr.name], folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return hdr, img


def nrrd_files() -> dict[str, Path]:
    """Write (once) the real volume as NRRD, attached and detached; return the paths.

    Keys: "attached" (one ``.nrrd`` file, header then raw data), "detached header"
    (``.nhdr``, text only) and "detached data" (its ``.raw`` file). The space is
    left-posterior-superior (LPS), as in DICOM and ITK, so the directions are the NIfTI
    affine's with x and y negated.
    """
    import nibabel
    import nrrd

    folder = _formats_dir()
    files = {"attached": folder / "anatomical.nrrd",
             "detached header": folder / "anatomical_detached.nhdr",
             "detached data": folder / "anatomical_detached.raw"}
    if not all(p.is_file() for p in files.values()):
        source = nibabel.load(nibabel_test_file(SOURCE_VOLUME))
        data = np.asanyarray(source.dataobj).astype("<i2")
        lps = LPS_TO_RAS @ source.affine
        header = {"space": "left-posterior-superior",
                  "space directions": lps[:3, :3].T, "space origin": lps[:3, 3],
                  "encoding": "raw", "endian": "little"}
        work = Path(tempfile.mkdtemp(dir=folder, prefix=".nrrd."))
        try:
            nrrd.write(str(work / files["attached"].name), data, header)
            nrrd.write(str(work / files["detached header"].name), data, header,
                       detached_header=True)
            for key in ("attached", "detached header"):
                _drop_nrrd_timestamp(work / files[key].name)
            _publish(work, [files["attached"].name, files["detached data"].name,
                            files["detached header"].name], folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return files


def _drop_nrrd_timestamp(path: Path) -> None:
    """Remove pynrrd's "# on <date and time>" comment line, so the file is reproducible."""
    content = path.read_bytes()
    start = content.find(b"\n# on ")
    if start != -1:
        end = content.index(b"\n", start + 1)
        path.write_bytes(content[:start] + content[end:])


def _minc1_groups(path: Path) -> str:
    """Name the MINC1 standard variables about the patient and study, with attributes."""
    from nibabel.externals.netcdf import netcdf_file

    found = []
    with netcdf_file(str(path), "r", mmap=False) as fh:
        for name in ("patient", "study", "acquisition"):
            if name in fh.variables:
                attrs = {k: v.decode("latin-1").strip("_") for k, v in
                         fh.variables[name]._attributes.items()
                         if k in ("modality", "full_name", "identification", "birthdate")}
                found.append(f"`{name}` {attrs}" if attrs else f"`{name}`")
    return ", ".join(found) or "none"


def header_knowledge() -> Table:
    """What each header knows, read from real files: spacing, orientation, patient data."""
    import nibabel
    import nrrd

    rows = []
    for name in ("CT_small.dcm", "RG1_UNCR.dcm"):
        ds = read_dicom(real_file(name), pixels=False)
        spacing = ", ".join(str(v) for v in ds.get("PixelSpacing", [])) or "—"
        orient = ("Image Orientation (Patient), LPS" if "ImageOrientationPatient" in ds
                  else f"only Patient Orientation {_show(ds.get('PatientOrientation', '—'))}")
        patient = [k for _, k in LECTURE_GROUPS["patient"] if str(ds.get(k, "")).strip()]
        rows.append(["DICOM", f"`{name}`", spacing, orient, ", ".join(patient)])
    for name, label in (("anatomical.nii", "NIfTI-1"), ("example_nifti2.nii.gz", "NIfTI-2")):
        image = nibabel.load(nibabel_test_file(name))
        zooms = ", ".join(f"{z:g}" for z in image.header.get_zooms()[:3])
        _, code = image.header.get_sform(coded=True)
        descrip = image.header["descrip"].item().decode("latin-1").strip("\x00 ")
        rows.append([label, f"`{name}`", zooms,
                     f"affine (sform code {int(code)}), RAS, {axis_codes(image.affine)}",
                     f"no patient fields; free text `descrip`: '{descrip}'"])
    hdr, _ = analyze_pair()
    analyze = nibabel.load(hdr)
    patient_id = analyze.header["patient_id"].item().decode("latin-1").strip("\x00 ")
    rows.append(["Analyze 7.5", f"`{hdr.name}` (made here)",
                 ", ".join(f"{z:g}" for z in analyze.header.get_zooms()[:3]),
                 f"no affine: an `orient` code; nibabel assumes {axis_codes(analyze.affine)}",
                 f"a 10-byte `patient_id` field ('{patient_id}'), `exp_date`, `exp_time`"])
    tiny = nibabel.load(nibabel_test_file("tiny.mnc"))
    rows.append(["MINC1", "`tiny.mnc`", ", ".join(f"{z:g}" for z in tiny.header.get_zooms()),
                 f"direction cosines, RAS, {axis_codes(tiny.affine)}",
                 f"standard variables: {_minc1_groups(nibabel_test_file('tiny.mnc'))}"])
    import h5py

    with h5py.File(nibabel_test_file("small.mnc"), "r") as fh:
        info = sorted(fh["minc-2.0/info"].keys()) if "minc-2.0/info" in fh else []
    minc = nibabel.load(nibabel_test_file("small.mnc"))
    rows.append(["MINC2", "`small.mnc`", ", ".join(f"{z:g}" for z in minc.header.get_zooms()),
                 f"direction cosines, RAS, {axis_codes(minc.affine)}",
                 f"group `info`: {', '.join(info) or 'empty'}"])
    header = nrrd.read_header(str(nrrd_files()["attached"]))
    spacing = np.linalg.norm(np.asarray(header["space directions"], dtype=float), axis=1)
    rows.append(["NRRD", "`anatomical.nrrd` (made here)", ", ".join(f"{s:g}" for s in spacing),
                 f"space directions, {header['space']}", "none unless someone adds a field"])
    return Table(["Format", "File", "Spacing (mm)", "Orientation", "Patient data"], rows)


def format_evidence() -> Table:
    """Check the formats table on real files: what the bytes say and what the library reads."""
    import nibabel

    hdr, _ = analyze_pair()
    nrrd_path = nrrd_files()["attached"]
    cases = [
        ("DICOM", real_file("CT_small.dcm"), "pydicom"),
        ("NIfTI-1", real_file("example4d.nii.gz"), "nibabel"),
        ("NIfTI-2", real_file("example_nifti2.nii.gz"), "nibabel"),
        ("Analyze 7.5", hdr, "made by medimg with nibabel"),
        ("MINC", real_file("tiny.mnc"), "nibabel"),
        ("HDF5", real_file("small.mnc"), "nibabel"),
        ("NRRD", nrrd_path, "made by medimg with pynrrd"),
    ]
    rows = []
    for claimed, path, origin in cases:
        found = identify(path)
        if claimed == "DICOM":
            ds = read_dicom(path)
            read = f"{ds.Modality}, {dicom_pixels(ds).dtype}, {ds.Rows} × {ds.Columns}"
        elif claimed == "NRRD":
            data, _ = load_volume(path)
            read = f"{data.dtype}, shape {data.shape}"
        else:
            image = nibabel.load(path)
            read = f"{type(image).__name__}, {image.get_data_dtype()}, shape {image.shape}"
        rows.append([claimed, f"`{path.name}`", origin, found, read,
                     "yes" if found == claimed else "no"])
    return Table(["Format", "File", "From", "Bytes say", "Library reads", "Agree"], rows)


# ---------------------------------------------------------------------------------------
# De-identification (DICOM PS3.15 Annex E, Basic Application Level Confidentiality Profile)

#: Part of Table E.1-1 of PS3.15: the attributes that ordinary image files carry, with
#: the Basic Profile's action. X remove; Z make empty; D replace by a dummy value;
#: U replace the UID by a new one (consistently); "X/Z" etc. depend on the IOD.
BASIC_PROFILE: dict[str, str] = {
    # patient
    "PatientName": "Z", "PatientID": "Z/D", "PatientBirthDate": "Z", "PatientSex": "Z",
    "PatientBirthTime": "X", "PatientAge": "X", "PatientSize": "X", "PatientWeight": "X",
    "PatientAddress": "X", "PatientTelephoneNumbers": "X", "PatientBirthName": "X",
    "PatientMotherBirthName": "X", "OtherPatientIDs": "X", "OtherPatientIDsSequence": "X",
    "OtherPatientNames": "X", "IssuerOfPatientID": "X", "MedicalRecordLocator": "X",
    "EthnicGroup": "X", "Occupation": "X", "AdditionalPatientHistory": "X",
    "PatientComments": "X", "MilitaryRank": "X", "BranchOfService": "X",
    "CountryOfResidence": "X", "RegionOfResidence": "X", "MedicalAlerts": "X",
    "Allergies": "X", "PregnancyStatus": "X", "SmokingStatus": "X",
    "LastMenstrualDate": "X", "PatientReligiousPreference": "X", "PatientState": "X",
    # study, visit, request
    "AccessionNumber": "Z", "StudyID": "Z", "StudyDate": "Z", "StudyTime": "Z",
    "StudyDescription": "X", "ReferringPhysicianName": "Z",
    "ReferringPhysicianAddress": "X", "ReferringPhysicianTelephoneNumbers": "X",
    "PhysiciansOfRecord": "X", "NameOfPhysiciansReadingStudy": "X",
    "PerformingPhysicianName": "X", "RequestingPhysician": "X",
    "AdmittingDiagnosesDescription": "X", "AdmissionID": "X", "ReasonForStudy": "X",
    "RequestedProcedureDescription": "X/Z", "RequestedProcedureID": "X",
    "RequestAttributesSequence": "X", "ReferencedPatientSequence": "X",
    "ReferencedStudySequence": "X/Z", "PerformedProcedureStepID": "X",
    "PerformedProcedureStepDescription": "X", "PerformedProcedureStepStartDate": "X",
    "PerformedProcedureStepStartTime": "X",
    # series, equipment, image
    "SeriesDate": "X/D", "SeriesTime": "X/D", "SeriesDescription": "X",
    "AcquisitionDate": "X/Z", "AcquisitionTime": "X/Z", "AcquisitionDateTime": "X/Z/D",
    "ContentDate": "Z/D", "ContentTime": "Z/D", "InstanceCreationDate": "X/D",
    "InstanceCreationTime": "X/Z/D", "TimezoneOffsetFromUTC": "X",
    "InstitutionName": "X/Z/D", "InstitutionAddress": "X",
    "InstitutionalDepartmentName": "X", "StationName": "X/Z/D", "OperatorsName": "X/Z/D",
    "DeviceSerialNumber": "X/Z/D", "ProtocolName": "X/D", "DerivationDescription": "X",
    "ImageComments": "X", "AcquisitionComments": "X", "ContrastBolusAgent": "Z/D",
    "DateOfLastCalibration": "X", "TimeOfLastCalibration": "X", "DetectorID": "X/D",
    "PlateID": "X", "CassetteID": "X", "GantryID": "X", "GeneratorID": "X",
    "AcquisitionDeviceProcessingDescription": "X/D",
    # identifiers
    "StudyInstanceUID": "U", "SeriesInstanceUID": "U", "SOPInstanceUID": "U",
    "FrameOfReferenceUID": "U", "SynchronizationFrameOfReferenceUID": "U",
    "InstanceCreatorUID": "U", "ReferencedSOPInstanceUID": "U", "IrradiationEventUID": "U",
    "StorageMediaFileSetUID": "U", "UID": "U",
}

DEIDENTIFICATION_METHOD = "DICOM PS3.15 Annex E Basic Profile, as applied by medimg"


def _action(keyword: str) -> str:
    """Collapse an IOD-dependent action: Z when the profile allows it, else X (or U).

    Z keeps a Type 2 attribute present but empty, which is always allowed; a full
    implementation would look up each attribute's type in its IOD.
    """
    options = BASIC_PROFILE[keyword].split("/")
    for choice in ("Z", "X", "U"):
        if choice in options:
            return choice
    raise ValueError(f"unknown action {BASIC_PROFILE[keyword]!r} for {keyword}")


def _profile_elements(ds: Any, depth: int = 0) -> Iterable[tuple[int, Any]]:
    """Yield (depth, element) for every element of the profile, inside sequences too."""
    for element in ds:
        if element.keyword in BASIC_PROFILE and str(element.value).strip():
            yield depth, element
        if element.VR == "SQ":
            for item in element.value:
                yield from _profile_elements(item, depth + 1)


def patient_data_table(ds: Any) -> Table:
    """List the attributes of the Basic Profile that this file carries with a value.

    Attributes found inside a sequence are marked with "↳"; the last row counts the
    private elements (all of them go).
    """
    rows = []
    for depth, element in _profile_elements(ds):
        value = (f"sequence of {len(element.value)} item(s)" if element.VR == "SQ"
                 else _show(element.value))
        rows.append(["↳ " * depth + f"`{element.keyword}`", tag_text(element.keyword),
                     value, BASIC_PROFILE[element.keyword]])
    private = sum(1 for element in ds.iterall() if element.tag.is_private)
    if private:
        rows.append(["(private tags)", "odd groups", f"{private} elements", "X"])
    return Table(["Keyword", "Tag", "Value", "Action"], rows)


def _new_uid(old: str) -> str:
    """A new UID made from the old one: the same old UID always gives the same new one.

    It is "2.25." followed by a 128-bit number, the form PS3.5 gives for UIDs made from a
    UUID; here the 128 bits come from a SHA-256 hash of the old UID instead.
    """
    digest = hashlib.sha256(f"medimg de-identification {old}".encode()).hexdigest()
    return f"2.25.{int(digest[:32], 16)}"


def _deidentify_dataset(ds: Any) -> None:
    """Apply the profile's actions, recursively, to a pydicom Dataset (in memory)."""
    from pydicom.sequence import Sequence

    def apply(dataset: Any, element: Any) -> None:
        keyword = element.keyword
        if keyword not in BASIC_PROFILE:
            return
        action = _action(keyword)
        if action == "X":
            del dataset[element.tag]
        elif action == "Z":
            element.value = Sequence() if element.VR == "SQ" else ""
        elif isinstance(element.value, (list, tuple)) or element.VM > 1:
            element.value = [_new_uid(str(v)) for v in element.value]
        elif str(element.value):
            element.value = _new_uid(str(element.value))

    ds.remove_private_tags()
    for tag in [t for t in ds.keys() if 0x5000 <= t.group <= 0x50FF
                or (0x6000 <= t.group <= 0x60FF and t.element in (0x3000, 0x4000))]:
        del ds[tag]  # curves, overlay data and overlay comments
    ds.walk(apply)


def deidentify(source: str | os.PathLike, target: str | os.PathLike | None = None) -> Path:
    """Write a de-identified copy of a DICOM file; the source file is never modified.

    Follows the Basic Profile (:data:`BASIC_PROFILE`): names, IDs, dates and
    descriptions are emptied or removed, UIDs replaced consistently, private tags,
    curves and overlays removed, the 128-byte preamble zeroed. The pixel data are kept
    byte for byte. Patient Identity Removed (0012,0062) is set to YES and the method is
    recorded. The default target is ``<generated>/formats/<name>_deid.dcm``. The file
    is written beside the target and renamed into place.
    """
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    source = Path(source)
    target = Path(target) if target is not None else \
        _formats_dir() / f"{source.stem}_deid.dcm"
    if target.exists() and target.resolve() == source.resolve():
        raise ValueError(f"{target}: the target must be a new file, not the source")
    ds = read_dicom(source)
    _deidentify_dataset(ds)
    ds.preamble = b"\x00" * 128
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEIDENTIFICATION_METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    return paths.write_atomically(target, lambda tmp: ds.save_as(tmp, enforce_file_format=True))


def sha256(path: str | os.PathLike) -> str:
    """Return the SHA-256 hash of a file's bytes (to prove a file did not change)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
