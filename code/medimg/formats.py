"""What a file is: the formats table, a file's format told from its bytes, and the budget.

:data:`FORMATS` holds the chapter's table of formats as data (a test checks it against
real files); :func:`identify` names a file's format from its first bytes, never its name;
and a few lines of ``struct`` read header bytes by hand, to *show* them (the tests prove
that they agree with pydicom, nibabel, pynrrd and h5py). :func:`check_file` and
:data:`LIMITS` are what every reader of medimg checks first: that the path is a regular
file, and that what its header claims fits the budget. Reading DICOM files is in
:mod:`medimg.dicom`, volumes in :mod:`medimg.volumes`.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import stat
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import (
    DamagedFileError,
    IsAFolderError,
    MissingFileError,
    NotAFileError,
    TooLargeError,
    TruncatedFileError,
    WrongFormatError,
)
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


def check_file(path: str | os.PathLike) -> Path:
    """Return ``path`` as a Path if it names a regular file; else raise a named error.

    A missing path raises :class:`~medimg.errors.MissingFileError`, a folder
    :class:`~medimg.errors.IsAFolderError`, and anything else that is not a regular file
    (a named pipe, a device) :class:`~medimg.errors.NotAFileError`: opening a pipe to
    read it would wait forever for a writer.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise MissingFileError(f"{path}: no such file") from None
    except OSError as err:
        raise NotAFileError(f"{path}: cannot be looked at ({err.strerror})") from None
    if stat.S_ISDIR(mode):
        raise IsAFolderError(f"{path}: is a folder, not a file; pass one of the files in it")
    if not stat.S_ISREG(mode):
        raise NotAFileError(f"{path}: not a regular file (a pipe, socket or device); "
                            "reading it could wait forever, so it is refused")
    return path


@dataclass
class Limits:
    """The budget medimg keeps to when it reads files and unpacks archives.

    Every reader checks what a header *claims* against these numbers before it allocates
    memory, decompresses or writes anything, so a small hostile file (a "decompression
    bomb") cannot fill the memory or the disk. Change them for the whole session with
    ``formats.LIMITS.pixels = ...``, or for a block of code with :func:`limits`.
    """

    #: Pixels in one 2-D image (rows × columns): about seven times the largest chest
    #: X-ray of the Kermany dataset (2890 × 2570).
    pixels: int = 50_000_000
    #: Bytes of one decoded array: an image, all frames of a DICOM file, a volume.
    bytes: int = 2 * 1024**3
    #: Bytes that one archive may unpack to (the real chest X-ray zip: about 2.5 GB).
    archive_bytes: int = 8 * 1024**3
    #: Members (files and folders) in one archive (the real zip: about 24,000).
    archive_members: int = 100_000
    #: Unpacked size over archive size: JPEG files hardly compress, a bomb compresses
    #: a thousandfold.
    archive_ratio: float = 100.0


#: The budget in force (see :class:`Limits`).
LIMITS = Limits()


@contextmanager
def limits(**changes: float) -> Iterator[Limits]:
    """Change some of :data:`LIMITS` inside a ``with`` block, e.g. ``limits(pixels=10**6)``."""
    before = dataclasses.replace(LIMITS)
    for name, value in changes.items():
        if not hasattr(LIMITS, name):
            raise TypeError(f"no limit called {name!r}; known: {list(vars(LIMITS))}")
        setattr(LIMITS, name, value)
    try:
        yield LIMITS
    finally:
        for name, value in vars(before).items():
            setattr(LIMITS, name, value)


def check_budget(path: str | os.PathLike, shape: tuple[int, ...], itemsize: int,
                 what: str = "the data") -> None:
    """Raise :class:`~medimg.errors.TooLargeError` when an array of ``shape`` would not
    fit :data:`LIMITS` (bytes). ``shape`` is what a header claims: nothing is allocated.
    """
    count = 1
    for size in shape:
        count *= int(size)
    need = count * int(itemsize)
    if need > LIMITS.bytes:
        raise TooLargeError(
            f"{path}: {what} would need {need:,} bytes (shape "
            f"{tuple(int(s) for s in shape)}, {itemsize} byte(s) each), more than the budget "
            f"of {LIMITS.bytes:,}; refused before reading. If the file is genuine, raise "
            "medimg.formats.LIMITS.bytes")


GZIP_MAGIC = b"\x1f\x8b"


def _head(path: Path, size: int) -> bytes:
    """Return the first ``size`` bytes of a file, uncompressing a gzip file.

    Gzip is recognised by its first two bytes (1F 8B), not by the name.
    """
    check_file(path)
    with open(path, "rb") as fh:
        head = fh.read(size)
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(size)
    except (EOFError, OSError, zlib.error) as err:
        raise TruncatedFileError(f"{path}: gzip-compressed, but cut short or damaged "
                                 f"before its first {size} bytes ({err})") from None


def is_gzip(path: str | os.PathLike) -> bool:
    """Whether a file starts with the gzip signature (1F 8B)."""
    with open(check_file(path), "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


#: Other kinds of file that :func:`identify` recognises (they are not in the chapter's
#: table): the name it returns, and what the kind is.
OTHER_KINDS = {
    "DICOM (no preamble)": "a DICOM data set without the 128-byte preamble, 'DICM' and "
                           "file meta information (an old ACR-NEMA file or a raw data set)",
    "MGH": "a FreeSurfer MGH volume (.mgh, .mgz)",
    "PAR/REC": "a Philips PAR/REC header (.PAR), whose image is in a .REC file",
    "AFNI": "an AFNI header (.HEAD), whose image is in a .BRIK file",
    "ECAT": "an ECAT 7 PET file (.v)",
    "TrackVis": "TrackVis streamlines (.trk): fibre tracks, not an image",
    "MRtrix tracks": "MRtrix streamlines (.tck): fibre tracks, not an image",
    "JPEG": "a JPEG image", "PNG": "a PNG image", "TIFF": "a TIFF image", "GIF": "a GIF image",
    "JPEG 2000": "a JPEG 2000 image", "zip": "a zip archive",
}

_PLAIN_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"), (b"GIF8", "GIF"), (b"\x00\x00\x00\x0cjP  \r\n", "JPEG 2000"),
    (b"\xffO\xffQ", "JPEG 2000"), (b"PK\x03\x04", "zip"), (b"MATRIX7", "ECAT"),
    (b"TRACK", "TrackVis"), (b"mrtrix tracks", "MRtrix tracks"),
)


def identify(path: str | os.PathLike) -> str:
    """Name the format of a file from its bytes, not its name.

    Returns one of the names in :data:`FORMATS` ("MINC" for a netCDF MINC1 file;
    "HDF5" for any HDF5 file, MINC2 included), one of :data:`OTHER_KINDS`, or "Raw"
    when nothing matches. A ``.hdr`` whose first four bytes say 348 without a NIfTI
    magic is "Analyze 7.5"; the header of a NIfTI ``.hdr``/``.img`` pair is NIfTI-1 or
    NIfTI-2. A gzip-compressed file is named by what it holds.
    """
    path = check_file(path)
    head = _head(path, 1024 + 8)
    for facts in FORMATS:
        if facts.magic and head[facts.magic_offset:].startswith(facts.magic):
            return facts.name
    if head[:4] == b"CDF\x01" or head[:4] == b"CDF\x02":
        return "MINC"
    if head[:4] in (struct.pack("<i", 348), struct.pack(">i", 348)):
        return "NIfTI-1" if head[344:348] == b"ni1\x00" else "Analyze 7.5"
    if head[:4] in (struct.pack("<i", 540), struct.pack(">i", 540)) \
            and head[4:12] == b"ni2\x00\r\n\x1a\n":
        return "NIfTI-2"
    for offset in (512, 1024):  # HDF5 may start after a user block
        if head[offset:offset + 8] == b"\x89HDF\r\n\x1a\n":
            return "HDF5"
    return _other_kind(head)


def _other_kind(head: bytes) -> str:
    """Recognise the kinds of :data:`OTHER_KINDS` (and "Raw" for anything else)."""
    for magic, name in _PLAIN_MAGIC:
        if head.startswith(magic):
            return name
    if b"DATA DESCRIPTION FILE" in head[:512] and head.lstrip()[:1] == b"#":
        return "PAR/REC"
    if b"type = " in head[:256] and b"name = " in head[:512] and b"count = " in head[:512]:
        return "AFNI"
    # MGH: a big-endian int32 version 1, then width, height, depth, frames, data type
    if len(head) >= 28 and struct.unpack(">i", head[:4])[0] == 1:
        dims = struct.unpack(">5i", head[4:24])
        if all(d > 0 for d in dims[:4]) and dims[4] in (0, 1, 3, 4):
            return "MGH"
    # A DICOM data set without preamble starts with a tag of group 0002 or 0008, little
    # or big endian, then (explicit VR) two capital letters or (implicit) a short length.
    for endian in "<>":
        if len(head) >= 8:
            group, element = struct.unpack(endian + "HH", head[:4])
            if group in (0x0002, 0x0008) and element < 0x0200 and (
                    head[4:6].isalpha() and head[4:6].isupper()
                    or struct.unpack(endian + "I", head[4:8])[0] < 1024):
                return "DICOM (no preamble)"
    return "Raw"


def require_format(path: str | os.PathLike, *names: str) -> str:
    """Check that a file's bytes say it is one of ``names``; return the format found."""
    found = identify(path)
    if found not in names:
        raise WrongFormatError(f"{path}: expected {' or '.join(names)}, but {describe(found)}")
    return found


def describe(kind: str) -> str:
    """Say in words what :func:`identify`'s answer means, for an error message."""
    if kind == "Raw":
        return ("its bytes match no format medimg knows (no signature at the start); "
                "check that it is the file you meant")
    if kind in OTHER_KINDS:
        return f"its bytes say it is {OTHER_KINDS[kind]}"
    return f"its bytes say {kind}"


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
    if len(head) < 132 or head[128:132] != b"DICM":
        raise WrongFormatError(f"{path}: no 'DICM' at byte 128, so not a DICOM file")
    if len(head) < 144:
        raise TruncatedFileError(f"{path}: ends {len(head)} bytes in, right after 'DICM'")
    group, element, vr, length = struct.unpack("<HH2sH", head[132:140])
    (value,) = struct.unpack("<I", head[140:144])
    if (group, element, vr, length) != (0x0002, 0x0000, b"UL", 4):
        raise DamagedFileError(
            f"{path}: 'DICM' is followed by {head[132:140].hex(' ')}, not the element "
            "(0002,0000) UL of length 4 that every DICOM file has there: the file is "
            "damaged or only pretends to be DICOM")
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

    try:
        with h5py.File(path, "r") as fh:
            fh.visititems(visit)
    except (OSError, KeyError, RuntimeError, ValueError) as err:
        kind = TruncatedFileError if "truncated" in str(err).lower() else DamagedFileError
        raise kind(f"{path}: an HDF5 file that h5py cannot read ({err})") from None
    return lines
