"""What a file is: the formats table, and a file's format told from its bytes.

:data:`FORMATS` holds the chapter's table of formats as data (a test checks it against
real files); :func:`identify` names a file's format from its first bytes, never its name;
and a few lines of ``struct`` read header bytes by hand, to *show* them (the tests prove
that they agree with pydicom, nibabel, pynrrd and h5py). Reading DICOM files is in
:mod:`medimg.dicom`, volumes in :mod:`medimg.volumes`.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import TruncatedFileError, WrongFormatError
from .tables import Table

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
