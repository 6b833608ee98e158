"""Volumes: NIfTI, Analyze, MINC and NRRD files through nibabel and pynrrd.

:func:`load_volume` reads a 2-D or 3-D volume and its affine (voxel index -> RAS
millimetres) whatever the format, refusing damaged, partial or oversized files by name; :func:`axis_codes` names where each array axis points;
:func:`analyze_pair` and :func:`nrrd_files` write the book's own Analyze and NRRD files
from a real volume (no package ships them).
"""

from __future__ import annotations

import os
import re
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np

from . import paths
from .data import nibabel_test_file
from .errors import (
    DamagedFileError,
    DimensionError,
    MissingDataFileError,
    TruncatedFileError,
    WrongFormatError,
)
from .formats import check_budget, check_file, describe, identify, is_gzip

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
# Volumes: NIfTI, Analyze, MINC, NRRD (and MGH, PAR/REC, AFNI, ECAT through nibabel)

#: The formats load_volume reads, by what :func:`medimg.formats.identify` calls them.
VOLUME_FORMATS = ("NIfTI-1", "NIfTI-2", "Analyze 7.5", "MINC", "HDF5", "NRRD",
                  "MGH", "PAR/REC", "AFNI", "ECAT")

#: Two-file formats: the suffix of the file given -> the suffixes its partner may have.
#: A header (.hdr, .PAR, .HEAD) needs its data file; a data file needs its header.
_PAIRS = {".hdr": (".img", ".img.gz"), ".img": (".hdr",), ".par": (".rec",),
          ".rec": (".par",), ".head": (".brik", ".brik.gz"), ".brik": (".head",)}


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".brik" if name.endswith(".brik.gz") else \
        ".img" if name.endswith(".img.gz") else path.suffix.lower()


def _partner(path: Path) -> Path | None:
    """The other file of a two-file format, if it is beside ``path`` (any letter case)."""
    stem = path.name[: len(path.name) - len(_suffix(path))] if _suffix(path) != ".brik" \
        else path.name[: path.name.lower().rindex(".brik")]
    for suffix in _PAIRS.get(_suffix(path), ()):
        for variant in (suffix, suffix.upper()):
            candidate = path.with_name(stem + variant)
            if candidate.is_file():
                return candidate
    return None


def load_volume(path: str | os.PathLike, *, max_dims: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Read a 2-D or 3-D volume and its affine (voxel index -> RAS millimetres).

    NIfTI, Analyze and MINC (and FreeSurfer MGH, Philips PAR/REC, AFNI and ECAT) go
    through nibabel; NRRD through pynrrd (its LPS space directions are turned into RAS).
    A two-file image may be given by either file (``.hdr`` or ``.img``, ``.PAR`` or
    ``.REC``, ``.HEAD`` or ``.BRIK``); the other must lie beside it
    (:class:`MissingDataFileError`). Trailing axes of length 1 are dropped; a volume
    with more than ``max_dims`` axes raises :class:`DimensionError`. What the header
    claims is checked against :data:`medimg.formats.LIMITS` before any data are read
    (:class:`TooLargeError`); data that end early raise :class:`TruncatedFileError`.
    """
    path = check_file(path)
    partner = _partner(path) if _suffix(path) in _PAIRS else None
    if _suffix(path) in _PAIRS and partner is None and identify(path) in (
            "Raw", "Analyze 7.5", "NIfTI-1", "NIfTI-2", "PAR/REC", "AFNI"):
        wanted = " or ".join(_PAIRS[_suffix(path)])
        raise MissingDataFileError(
            f"{path}: one file of a two-file image, but its partner ({wanted}, same name) is "
            "not beside it; keep the two files together")
    header = partner if _suffix(path) in (".img", ".rec", ".brik") else path
    fmt = identify(header)
    if fmt not in VOLUME_FORMATS:
        raise WrongFormatError(f"{path}: not a volume medimg reads (NIfTI, Analyze, MINC, "
                               f"NRRD, MGH, PAR/REC, AFNI, ECAT): {describe(fmt)}")
    if fmt == "NRRD":
        return _load_nrrd(path, max_dims)
    return _load_nibabel(path, max_dims, fmt)


def _load_nibabel(path: Path, max_dims: int, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    import nibabel
    import nibabel.ecat

    load = nibabel.ecat.load if fmt == "ECAT" else nibabel.load  # not in nibabel.load's list
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # nibabel's notes on odd headers
        try:
            image = load(path)
        except _nibabel_errors() as err:
            raise _damage(path, err, "nibabel cannot read its header") from None
    if getattr(image, "affine", None) is None:
        raise WrongFormatError(
            f"{path}: a {type(image).__name__.replace('Image', '')} file: its data are not "
            "a volume in space (CIFTI-2 holds values on brain surfaces and regions, "
            "'grayordinates') and it has no affine; read it with nibabel.load")
    shape = image.shape
    while len(shape) > max_dims and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) > max_dims:
        raise DimensionError(
            f"{path}: has {len(shape)} axes {tuple(shape)}; expected at most "
            f"{max_dims}. Pick one volume first, e.g. image.slicer[..., 0]")
    proxy = image.dataobj
    scaled = getattr(proxy, "slope", 1) != 1 or getattr(proxy, "inter", 0) != 0
    try:
        dtype = image.get_data_dtype()
    except TypeError:                         # ECAT: one dtype per frame
        dtype = image.get_data_dtype(0)
    itemsize = max(dtype.itemsize, 8 if scaled else 0)
    check_budget(path, image.shape, itemsize, "the volume")
    _check_size_on_disk(path, proxy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            data = np.asanyarray(proxy).reshape(shape)
        except _nibabel_errors() as err:
            raise _damage(path, err, "the data cannot be read") from None
    return data, image.affine


_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError, KeyError, IndexError, TypeError,
                AttributeError, struct.error, NotImplementedError, RuntimeError)


def _nibabel_errors() -> tuple[type[BaseException], ...]:
    """What nibabel raises for a file it cannot read: its own errors and the built-in ones."""
    import nibabel

    own = [getattr(module, name, None) for module, name in (
        (nibabel.filebasedimages, "ImageFileError"), (nibabel.spatialimages, "HeaderDataError"),
        (nibabel.parrec, "PARRECError"), (nibabel.brikhead, "AFNIHeaderError"),
        (nibabel.minc1, "MincError"), (nibabel.spatialimages, "ImageDataError"))]
    return _READ_ERRORS + tuple(e for e in own if isinstance(e, type))


def _damage(path: Path, err: BaseException, what: str) -> Exception:
    """A named error for a library's failure: truncated when the message says so."""
    import nibabel

    if isinstance(err, nibabel.filebasedimages.ImageFileError):
        return WrongFormatError(f"{path}: {what} ({err})")
    text = f"{type(err).__name__}: {err}"
    if isinstance(err, EOFError) or any(
            s in str(err).lower() for s in ("truncated", "end-of-stream", "end of file",
                                           "not enough", "too small", "cannot reshape")):
        return TruncatedFileError(f"{path}: the file is cut short; {what} ({text})")
    return DamagedFileError(f"{path}: {what} ({text})")


def _check_size_on_disk(path: Path, proxy: object) -> None:
    """An uncompressed file must hold header + data; say 'cut short' if it does not."""
    file = getattr(proxy, "file_like", None)
    offset, shape, dtype = (getattr(proxy, name, None) for name in ("offset", "shape", "dtype"))
    if not isinstance(file, (str, os.PathLike)) or offset is None or dtype is None \
            or is_gzip(file):
        return
    need = int(offset) + int(np.prod(shape)) * np.dtype(dtype).itemsize
    have = os.path.getsize(file)
    if have < need:
        raise TruncatedFileError(
            f"{path}: the header says the data end at byte {need:,}, but "
            f"{Path(file).name} has only {have:,} bytes: the file is cut short")


def _load_nrrd(path: Path, max_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Read a NRRD file; the affine comes from its space fields (spacings if only those)."""
    import nrrd

    try:
        header = nrrd.read_header(str(path))
    except (nrrd.NRRDError, *_READ_ERRORS) as err:
        raise DamagedFileError(f"{path}: not a NRRD header pynrrd can read ({err})") from None
    sizes = [int(s) for s in header.get("sizes", [])]
    try:
        itemsize = np.dtype(nrrd.reader._determine_datatype(header)).itemsize
    except (nrrd.NRRDError, *_READ_ERRORS):
        itemsize = 8
    check_budget(path, tuple(sizes), itemsize, "the volume")
    if "data file" in header or "datafile" in header:
        name = header.get("data file") or header.get("datafile")
        data_path = Path(name) if Path(name).is_absolute() else path.parent / name
        if not data_path.is_file():
            raise MissingDataFileError(f"{path}: a detached NRRD header whose data file "
                                       f"{data_path.name} is not beside it")
    try:
        data, header = nrrd.read(str(path))
    except (nrrd.NRRDError, *_READ_ERRORS) as err:
        # pynrrd: "Size of the data does not equal the product of all the dimensions: A-B=C"
        sizes_said = re.search(r"dimensions: (\d+)-(\d+)=", str(err))
        if sizes_said and int(sizes_said[1]) > int(sizes_said[2]):
            raise TruncatedFileError(
                f"{path}: the header says {int(sizes_said[1]):,} values, the file holds only "
                f"{int(sizes_said[2]):,}: the file is cut short") from None
        raise _damage(path, err, "pynrrd cannot read the data") from None
    return _nrrd_axes(path, data, header, max_dims)


def _nrrd_axes(path: Path, data: np.ndarray, header: dict,
               max_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Put the spatial axes first, any others (a vector, colour) last; build the affine."""
    ndim = data.ndim
    directions = header.get("space directions")
    if directions is not None:
        rows = [None if row is None or np.isnan(np.asarray(row, dtype=float)).all()
                else np.asarray(row, dtype=float) for row in directions]
    else:   # no space: plain spacings (or 1) along each axis, no patient direction
        spacings = header.get("spacings", [1.0] * ndim)
        rows = []
        for axis, step in enumerate(spacings):
            row = np.zeros(min(ndim, 3))
            if axis < 3 and np.isfinite(step):
                row[axis] = step
                rows.append(row)
            else:
                rows.append(None)
    spatial = [axis for axis, row in enumerate(rows) if row is not None]
    other = [axis for axis in range(ndim) if axis not in spatial]
    if ndim > max_dims:
        kinds = header.get("kinds", ["?"] * ndim)
        raise DimensionError(
            f"{path}: has {ndim} axes {data.shape} (kinds: {', '.join(map(str, kinds))}); "
            f"expected at most {max_dims}. A vector or colour NRRD has one value per "
            "component in each voxel: read it with load_volume(path, max_dims=4)")
    data = np.moveaxis(data, spatial + other, list(range(ndim)))
    affine = np.eye(4)
    for column, axis in enumerate(spatial[:3]):
        row = rows[axis]
        affine[: len(row), column] = row
    origin = header.get("space origin")
    if origin is not None and np.isfinite(np.asarray(origin, dtype=float)).all():
        affine[: len(origin), 3] = np.asarray(origin, dtype=float)
    if header.get("space") == "left-posterior-superior":
        affine = LPS_TO_RAS @ affine
    return data, affine


SOURCE_VOLUME = "anatomical.nii"
"""The real volume (nibabel's test data) from which the chapter writes Analyze and NRRD."""


def analyze_pair() -> tuple[Path, Path]:
    """Write (once) the real volume as an Analyze 7.5 pair; return (header, image) paths.

    Both files are written into a private folder that is renamed into place whole, so a
    header never points at a missing or half-written image.
    """
    import nibabel

    folder = paths.generated_dir("formats") / "analyze"
    hdr, img = folder / "anatomical_analyze.hdr", folder / "anatomical_analyze.img"

    def write(work: Path) -> None:
        source = nibabel.load(nibabel_test_file(SOURCE_VOLUME))
        data = np.asanyarray(source.dataobj)
        nibabel.save(nibabel.AnalyzeImage(data, source.affine), work / img.name)

    if not (hdr.is_file() and img.is_file()):
        paths.publish_folder(folder, write, if_exists="keep")
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

    folder = paths.generated_dir("formats") / "nrrd"
    files = {"attached": folder / "anatomical.nrrd",
             "detached header": folder / "anatomical_detached.nhdr",
             "detached data": folder / "anatomical_detached.raw"}

    def write(work: Path) -> None:
        source = nibabel.load(nibabel_test_file(SOURCE_VOLUME))
        data = np.asanyarray(source.dataobj).astype("<i2")
        lps = LPS_TO_RAS @ source.affine
        header = {"space": "left-posterior-superior",
                  "space directions": lps[:3, :3].T, "space origin": lps[:3, 3],
                  "encoding": "raw", "endian": "little"}
        nrrd.write(str(work / files["attached"].name), data, header)
        nrrd.write(str(work / files["detached header"].name), data, header,
                   detached_header=True)
        for key in ("attached", "detached header"):
            _drop_nrrd_timestamp(work / files[key].name)

    if not all(p.is_file() for p in files.values()):
        paths.publish_folder(folder, write, if_exists="keep")
    return files


def _drop_nrrd_timestamp(path: Path) -> None:
    """Remove pynrrd's "# on <date and time>" comment line, so the file is reproducible."""
    content = path.read_bytes()
    start = content.find(b"\n# on ")
    if start != -1:
        end = content.index(b"\n", start + 1)
        path.write_bytes(content[:start] + content[end:])
