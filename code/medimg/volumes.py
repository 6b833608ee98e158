"""Volumes: NIfTI, Analyze, MINC and NRRD files through nibabel and pynrrd.

:func:`load_volume` reads a 2-D or 3-D volume and its affine (voxel index -> RAS
millimetres) whatever the format; :func:`axis_codes` names where each array axis points;
:func:`analyze_pair` and :func:`nrrd_files` write the book's own Analyze and NRRD files
from a real volume (no package ships them).
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np

from . import paths
from .data import nibabel_test_file
from .errors import DimensionError, TruncatedFileError, WrongFormatError
from .formats import require_format

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
