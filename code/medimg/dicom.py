"""DICOM files: read them, get their pixels right, and list what their headers hold.

Built on pydicom. Bad input raises one of medimg's named errors (see
:mod:`medimg.errors`) whose message names the file and what is wrong with it: a file cut
short, a header that lacks what the pixels need or contradicts them, compressed pixels
that no installed package decodes (the package to install is taken from pydicom's own
table of decoders, :func:`decoder_table`).
"""

from __future__ import annotations

import os
import re
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .errors import (
    DamagedFileError,
    HeaderError,
    NoDecoderError,
    NoPixelDataError,
    TooLargeError,
    TruncatedFileError,
    WrongFormatError,
)
from .formats import LIMITS, check_budget, check_file, describe, identify, is_gzip
from .tables import Table


def read_dicom(path: str | os.PathLike, *, pixels: bool = True) -> Any:
    """Read a DICOM file with pydicom; with ``pixels`` (default) check its pixel data.

    Raises :class:`WrongFormatError` for a file that is not DICOM (the message says what
    its bytes are), :class:`TruncatedFileError` when the file ends before its last
    element does, :class:`DamagedFileError` when pydicom cannot parse the header, and
    (with ``pixels``) :class:`NoPixelDataError` when there is no image in it.
    """
    import pydicom

    path = check_file(path)
    kind = identify(path)
    if kind != "DICOM" or is_gzip(path):
        raise WrongFormatError(f"{path}: not a DICOM file (no 'DICM' after a 128-byte "
                               f"preamble); {_not_dicom_advice(path, kind)}")
    size = path.stat().st_size
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = pydicom.dcmread(path)
        except (EOFError, struct.error, pydicom.errors.BytesLengthException) as err:
            raise TruncatedFileError(f"{path}: ends inside the DICOM header ({err})") from None
        except (ValueError, KeyError, TypeError, AttributeError, NotImplementedError,
                OSError, pydicom.errors.InvalidDicomError) as err:
            raise DamagedFileError(f"{path}: pydicom cannot read the header "
                                   f"({type(err).__name__}: {err})") from None
    _check_not_cut(ds, path, size, [str(w.message) for w in caught])
    if pixels and not any(k in ds for k in _PIXEL_KEYWORDS):
        kind = _sop_class(ds)
        why = ""
        if "Image Storage" in kind:   # an image object whose image is missing
            why = (f": such an object should hold one, so the image was left out when the "
                   f"file was saved, or the file is cut short right after element "
                   f"{max(ds.keys())} (it has {size:,} bytes)")
        raise NoPixelDataError(
            f"{path}: this DICOM file holds no image (no Pixel Data, Float Pixel Data or "
            f"Double Float Pixel Data element); it is a {kind}{why}")
    return ds


_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def _not_dicom_advice(path: Path, kind: str) -> str:
    if kind == "DICOM":       # a gzip file with a DICOM file inside
        return ("it is gzip-compressed and holds a DICOM file: unpack it first "
                f"(e.g. gunzip -k {path.name}) and read the file inside")
    if kind == "DICOM (no preamble)":
        return (f"{describe(kind)}; pydicom.dcmread(path, force=True) can read its header, "
                "but the file does not record how its pixels are encoded")
    return describe(kind)


def _sop_class(ds: Any) -> str:
    """Name what kind of DICOM object this is (its SOP Class), for messages."""
    uid = ds.get("SOPClassUID") or ds.file_meta.get("MediaStorageSOPClassUID")
    return f"'{uid.name}' object" if uid else "DICOM object without a SOP Class UID"


#: pydicom's warnings that mean the file ended before what it announced.
_CUT_WARNINGS = ("end of file reached", "ended before", "unexpected end")


def _check_not_cut(ds: Any, path: Path, size: int, messages: list[str]) -> None:
    """Raise TruncatedFileError when the file ends before its last element does.

    pydicom stops quietly at the end of a file; three signs say it stopped too early: its
    own warning (a sequence or encapsulated pixel data without their end), a last value
    shorter than its length says, and a few bytes left over (part of a next element).
    """
    for message in messages:
        if any(sign in message.lower() for sign in _CUT_WARNINGS):
            message = message.replace(f" in file {path}", "")
            raise TruncatedFileError(f"{path}: the file is cut short ({message})")
    if len(ds) == 0:
        raise TruncatedFileError(
            f"{path}: ends after {size:,} bytes, before the first element of its data set "
            "(only the file meta information is there): the file is cut short")
    last = ds.get_item(max(ds.keys()))  # the last element in the file, not yet decoded
    length = getattr(last, "length", None)
    value = getattr(last, "value", None)
    if length not in (None, 0xFFFFFFFF) and isinstance(value, (bytes, bytearray)) \
            and len(value) < length:
        raise TruncatedFileError(
            f"{path}: truncated: element {_element_name(last.tag)} announces {length:,} "
            f"bytes but the file holds only {len(value):,}; copy or download it again")
    end = _data_set_end(ds, path)
    if end is not None and 0 < size - end < 8:
        raise TruncatedFileError(
            f"{path}: truncated: the file ends {size - end} byte(s) after its last whole "
            "element, inside the 8-byte header of the next one; copy or download it again")


def _element_name(tag: Any) -> str:
    """'Pixel Data (7FE0,0010)', or just the tag for a private or unknown element."""
    from pydicom.datadict import dictionary_description

    try:
        return f"{dictionary_description(tag)} {tag}"
    except KeyError:
        return str(tag)


def _data_set_end(ds: Any, path: Path) -> int | None:
    """Where the last whole top-level element ends, found by walking the elements again.

    pydicom's own walk stops silently when fewer than 8 bytes (a tag, VR and length) are
    left; walking the raw elements here tells where that was. None when it cannot be
    told (no group length in the file meta, or a deflated data set).
    """
    from pydicom.filereader import data_element_generator

    meta_length = ds.file_meta.get("FileMetaInformationGroupLength")
    syntax = ds.file_meta.get("TransferSyntaxUID")
    if meta_length is None or syntax is None or syntax.is_deflated:
        return None
    end = 132 + 12 + int(meta_length)
    with open(path, "rb") as fp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fp.seek(end)
        try:
            for _ in data_element_generator(fp, syntax.is_implicit_VR, syntax.is_little_endian,
                                            defer_size=256):
                end = fp.tell()
        except Exception:  # noqa: BLE001 - a second walk that fails tells nothing more
            return None
    return end


# ---------------------------------------------------------------------------------------
# Decoders: pydicom's table of which package decodes which transfer syntax

#: pydicom names the packages each decoder needs by the name you import; pip needs the
#: distribution's name, which differs for one of them (pydicom's own "pixeldata" extra
#: lists python-gdcm; a test checks that).
PIP_NAMES = {"gdcm": "python-gdcm"}

#: Cases that a decoder pydicom lists for a transfer syntax refuses, from each plugin's
#: code in pydicom.pixels.decoders (a test checks each one against pydicom): plugin,
#: transfer syntax keyword -> (a test on the dataset, what the plugin does decode).
PLUGIN_LIMITS = {
    ("pillow", "JPEGExtended12Bit"): (lambda ds: int(ds.BitsStored) != 8, "8-bit samples only"),
    ("gdcm", "JPEGExtended12Bit"): (lambda ds: int(ds.BitsStored) != 8, "8-bit samples only"),
    ("pillow", "JPEG2000Lossless"): (
        lambda ds: int(ds.BitsStored) > 16 or (int(ds.SamplesPerPixel) > 1
                                                and int(ds.BitsStored) > 8),
        "up to 16-bit grey or 8-bit colour"),
    ("pillow", "JPEG2000"): (
        lambda ds: int(ds.BitsStored) > 16 or (int(ds.SamplesPerPixel) > 1
                                                and int(ds.BitsStored) > 8),
        "up to 16-bit grey or 8-bit colour"),
}


def _keyword(uid: Any) -> str:
    from pydicom.uid import UID

    return UID(uid).keyword or str(uid)


def _limited(plugin: str, uid: Any, ds: Any) -> bool:
    rule = PLUGIN_LIMITS.get((plugin, _keyword(uid)))
    try:
        return bool(rule and rule[0](ds))
    except (AttributeError, TypeError, ValueError):
        return False


def _pip_requirement(requirement: str) -> str:
    """'gdcm>=3.0.10' -> 'python-gdcm>=3.0.10'; other names are already pip's."""
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)
    return PIP_NAMES.get(name, name) + requirement[len(name):]


def missing_decoders(transfer_syntax: str, ds: Any = None) -> dict[str, list[str]]:
    """The decoders pydicom knows for this transfer syntax that are not installed.

    Returns ``{plugin: [pip requirements still to install]}``, from pydicom's own table
    (each decoder's ``missing_dependencies``). With a dataset ``ds``, plugins that would
    refuse it anyway (:data:`PLUGIN_LIMITS`) are left out.
    """
    from pydicom.pixels import get_decoder

    try:
        decoder = get_decoder(transfer_syntax)
    except NotImplementedError:
        return {}
    found = {}
    for line in decoder.missing_dependencies:
        plugin, _, needs = str(line).partition(" - requires ")
        if ds is not None and _limited(plugin, transfer_syntax, ds):
            continue
        found[plugin] = [_pip_requirement(r) for r in needs.split(" and ") if r]
    return found


def decoder_packages(transfer_syntax: str) -> list[str]:
    """Name, for each missing decoder of this transfer syntax, what to ``pip install``."""
    return [f"{plugin}: pip install {' '.join(f'{chr(34)}{r}{chr(34)}' for r in needs)}"
            for plugin, needs in missing_decoders(transfer_syntax).items()]


def pixels_without(packages: list[str], path: str | os.PathLike) -> np.ndarray:
    """:func:`dicom_pixels` in a fresh Python where ``packages`` cannot be imported.

    Shows what a reader whose computer lacks, say, pylibjpeg meets: the same named
    error is raised here (a decoder once loaded cannot be unloaded, hence the separate
    process). Returns the pixels when they decode even so.
    """
    import json
    import subprocess
    import sys

    from . import errors

    script = (
        "import json, sys\n"
        f"for name in {list(packages)!r}: sys.modules[name] = None\n"
        "from medimg import dicom, errors\n"
        "try:\n"
        f"    a = dicom.dicom_pixels({str(path)!r}); print(json.dumps(['ok', a.shape]))\n"
        "except errors.MedimgError as err:\n"
        "    print(json.dumps([type(err).__name__, str(err)]))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, check=True)
    kind, detail = json.loads(out.stdout.strip().splitlines()[-1])
    if kind != "ok":
        raise getattr(errors, kind)(detail)
    return dicom_pixels(path)


def installed_decoders(transfer_syntax: str, ds: Any = None) -> list[str]:
    """Name the installed pydicom plugins that decode this transfer syntax.

    With a dataset ``ds``, only those that decode this one (Pillow, for instance,
    decodes JPEG Extended only with 8-bit samples; see :data:`PLUGIN_LIMITS`).
    """
    from pydicom.pixels import get_decoder

    try:
        plugins = get_decoder(transfer_syntax).available_plugins
    except NotImplementedError:
        return []
    return sorted(p for p in plugins if ds is None or not _limited(p, transfer_syntax, ds))


def decoder_table() -> Table:
    """Every compressed transfer syntax pydicom knows: who decodes it here, who would."""
    from pydicom.pixels import decoders
    from pydicom.pixels.decoders.base import Decoder
    from pydicom.uid import UID

    rows = []
    for decoder in vars(decoders).values():
        if not isinstance(decoder, Decoder) or not UID(decoder.UID).is_compressed:
            continue
        uid = decoder.UID
        here = []
        for plugin in sorted(decoder.available_plugins):
            rule = PLUGIN_LIMITS.get((plugin, _keyword(uid)))
            here.append(f"{plugin} ({rule[1]})" if rule else plugin)
        would = [f"{p}: {' '.join(r)}" for p, r in missing_decoders(uid).items()]
        rows.append([UID(uid).name, str(uid), ", ".join(here) or "none",
                     "; ".join(would) or "—"])
    return Table(["Transfer syntax", "UID", "Decoded here by", "Would also decode"], rows)


# ---------------------------------------------------------------------------------------
# Pixels


def dicom_pixels(source: Any) -> np.ndarray:
    """Return the stored pixel values of a DICOM file (a path or a pydicom Dataset).

    The values are the *stored* ones, before rescale slope/intercept. The header is
    checked first: the attributes the pixels need (:class:`HeaderError` when one is
    missing or impossible), their size against :data:`medimg.formats.LIMITS`
    (:class:`TooLargeError`), the length of uncompressed pixel data against what the
    header says (:class:`TruncatedFileError`, :class:`HeaderError`), and for compressed
    pixels an installed decoder (:class:`NoDecoderError`, naming the package to install).
    """
    if isinstance(source, (str, os.PathLike)):
        path, ds = Path(source), read_dicom(source)
    else:
        ds = source
        path = Path(getattr(ds, "filename", None) or "<dataset>")
        if not any(k in ds for k in _PIXEL_KEYWORDS):
            raise NoPixelDataError(f"{path}: this DICOM dataset holds no image")
    syntax = ds.file_meta.get("TransferSyntaxUID")
    if not syntax:
        raise HeaderError(
            f"{path}: the file meta information lacks the Transfer Syntax UID (0002,0010), "
            "a required element, so how the pixels are encoded is unknown. If you know it, "
            "set ds.file_meta.TransferSyntaxUID and pass the dataset")
    shape, itemsize = _pixel_header(ds, path)
    check_budget(path, shape, itemsize, "the pixel data")
    if not syntax.is_transfer_syntax:
        raise HeaderError(f"{path}: the Transfer Syntax UID {syntax} is not a transfer "
                          "syntax pydicom knows, so the pixels cannot be decoded")
    if syntax.is_compressed:
        _check_decoder(ds, path, syntax)
    else:
        _check_length(ds, path, shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # pydicom's notes on padding: checked above
        try:
            return ds.pixel_array
        except RuntimeError as err:
            raise _decode_failure(path, syntax, str(err)) from None
        except (ValueError, AttributeError, KeyError, TypeError, NotImplementedError,
                IndexError, struct.error, EOFError) as err:
            raise DamagedFileError(f"{path}: pydicom cannot decode the pixel data "
                                   f"({type(err).__name__}: {err})") from None


#: What every image needs in its header: the Image Pixel module's required attributes.
_NEEDED = ("Rows", "Columns", "BitsAllocated", "SamplesPerPixel", "PhotometricInterpretation")
_NEEDED_INTEGER = ("BitsStored", "PixelRepresentation")


def _pixel_header(ds: Any, path: Path) -> tuple[tuple[int, ...], int]:
    """Check the attributes that describe the pixels; return (shape, bytes per value)."""
    from pydicom.pixels.common import PhotometricInterpretation

    needed = _NEEDED + (_NEEDED_INTEGER if "PixelData" in ds else ())
    values = {}
    for keyword in needed:
        if keyword not in ds:
            raise HeaderError(
                f"{path}: the header lacks {keyword} {tag_text(keyword)}, which the pixel "
                "data need (a required attribute of the Image Pixel module)")
        try:
            values[keyword] = ds[keyword].value
        except (ValueError, TypeError, KeyError) as err:
            raise HeaderError(f"{path}: the header's {keyword} {tag_text(keyword)} cannot be "
                              f"read ({err})") from None
    sizes = {}
    for keyword in ("Rows", "Columns", "BitsAllocated", "SamplesPerPixel", "BitsStored",
                    "NumberOfFrames"):
        try:
            raw = values[keyword] if keyword in values else ds.get(keyword)
            if raw in (None, ""):   # optional here: Float Pixel Data has no BitsStored
                raw = 1 if keyword == "NumberOfFrames" else values["BitsAllocated"]
            sizes[keyword] = int(raw)
        except (TypeError, ValueError) as err:
            raise HeaderError(f"{path}: the header's {keyword} {tag_text(keyword)} is not a "
                              f"whole number ({err})") from None
    rows, cols, frames = sizes["Rows"], sizes["Columns"], sizes["NumberOfFrames"]
    bits, samples, stored = sizes["BitsAllocated"], sizes["SamplesPerPixel"], sizes["BitsStored"]
    known = [p.value for p in PhotometricInterpretation]
    problems = []
    if rows < 1 or cols < 1 or frames < 1:
        problems.append(f"Rows {rows}, Columns {cols} and NumberOfFrames {frames} must be "
                        "at least 1")
    if bits != 1 and bits % 8:
        problems.append(f"BitsAllocated {bits} is not a value DICOM allows (1 or a multiple "
                        "of 8)")
    if not 1 <= stored <= bits:
        problems.append(f"BitsStored {stored} must lie between 1 and BitsAllocated {bits}")
    if samples not in (1, 3, 4):
        problems.append(f"SamplesPerPixel {samples} is not 1 (grey) or 3 (colour)")
    if values["PhotometricInterpretation"] not in known:
        problems.append(f"PhotometricInterpretation '{values['PhotometricInterpretation']}' "
                        f"is not one DICOM defines ({', '.join(known)})")
    if problems:
        raise HeaderError(f"{path}: {'; '.join(problems)}")
    if rows * cols > LIMITS.pixels:
        raise TooLargeError(f"{path}: {rows} rows × {cols} columns = {rows * cols:,} pixels, "
                            f"more than the budget of {LIMITS.pixels:,}; refused before "
                            "decoding (raise medimg.formats.LIMITS.pixels if it is genuine)")
    shape = (frames, rows, cols, samples)
    return shape, max(1, bits // 8)


def _check_length(ds: Any, path: Path, shape: tuple[int, ...]) -> None:
    """Uncompressed pixels: compare the bytes in the file with what the header says."""
    keyword = next(k for k in _PIXEL_KEYWORDS if k in ds)
    element = ds[keyword]
    held = len(element.value or b"")
    frames, rows, cols, samples = shape
    bits = int(ds.BitsAllocated)
    frame = (rows * cols * samples * bits + 7) // 8
    if ds.PhotometricInterpretation == "YBR_FULL_422":   # two chroma samples per pixel pair
        frame = frame // 3 * 2
    expected = frame * frames
    sizes = (f"Rows {rows} × Columns {cols} × {samples} sample(s) × {bits} bits × "
             f"{frames} frame(s) = {expected:,} bytes")
    if held < expected:
        raise TruncatedFileError(f"{path}: the pixel data hold {held:,} bytes, fewer than "
                                 f"the header's {sizes}: the file is cut short; copy or "
                                 "download it again")
    if held - expected >= frame:
        raise HeaderError(f"{path}: the pixel data hold {held:,} bytes, but the header's "
                          f"{sizes}: the header and the pixels disagree (a wrong Rows, "
                          "Columns or NumberOfFrames?)")


def _decode_failure(path: Path, syntax: Any, message: str) -> Exception:
    """Turn pydicom's "all plugins failed" into NoDecoderError or DamagedFileError."""
    reasons = [line.strip() for line in message.splitlines()[1:] if line.strip()]
    unsupported = reasons and all(
        any(s in r for s in ("does not support", "cannot decode", "supported")) for r in reasons)
    said = "; ".join(reasons) or message
    if unsupported:
        return NoDecoderError(f"{path}: no installed decoder handles these '{syntax.name}' "
                              f"pixels ({said}). {_install_advice(syntax)}")
    return DamagedFileError(f"{path}: every installed decoder failed on the '{syntax.name}' "
                            f"pixel data ({said}); the compressed data are damaged or "
                            "not what the header says")


def _install_advice(syntax: Any, ds: Any = None) -> str:
    missing = missing_decoders(syntax, ds)
    if not missing:
        return "pydicom knows no other package that would."
    options = [f"pip install {' '.join(f'{chr(34)}{r}{chr(34)}' for r in needs)} "
               f"(pydicom's {plugin} plugin)" for plugin, needs in missing.items()]
    return "Any of these would: " + "; ".join(options)


def _check_decoder(ds: Any, path: Path, syntax: Any) -> None:
    """Compressed pixels: refuse by name when no installed plugin can decode them."""
    from pydicom.pixels import get_decoder

    try:
        get_decoder(syntax)
    except NotImplementedError:
        raise NoDecoderError(f"{path}: pixel data are compressed as '{syntax.name}' "
                             f"({syntax}); pydicom has no decoder for it at all") from None
    if installed_decoders(syntax, ds):
        return
    refusing = [p for p in installed_decoders(syntax) if _limited(p, syntax, ds)]
    note = ""
    if refusing:
        limits = [f"{p} decodes {PLUGIN_LIMITS[(p, _keyword(syntax))][1]}" for p in refusing]
        note = f" ({'; '.join(limits)}; these have BitsStored {ds.BitsStored})"
    raise NoDecoderError(
        f"{path}: pixel data are compressed as '{syntax.name}' ({syntax}); no installed "
        f"package decodes them{note}. {_install_advice(syntax, ds)}")


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
