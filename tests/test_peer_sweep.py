"""Every file that the installed pydicom, pydicom-data and nibabel ship, read by medimg.

Each one either reads, with the shape and dtype its own header gives, or raises one of
medimg's named errors whose message names the file and the cause. Nothing else: no
exception from deep inside a library, and no hang (each file gets a time limit, in a
worker process that is replaced if it ever stops answering). The tally is printed.
"""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
import queue
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pydicom
import pytest

pytestmark = pytest.mark.slow  # every file of three packages: make test only, not make check

PER_FILE_SECONDS = 30


def peer_files() -> list[Path]:
    import nibabel

    roots = [Path(pydicom.__file__).parent / "data" / "test_files",
             Path(importlib.util.find_spec("data_store").origin).parent,
             Path(nibabel.__file__).parent / "tests" / "data"]
    return sorted(p for root in roots for p in root.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def expected_dicom(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from the DICOM header itself (as pydicom's pixel_array gives them)."""
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    frames, samples = int(ds.get("NumberOfFrames") or 1), int(ds.SamplesPerPixel)
    shape = (*((frames,) if frames > 1 else ()), int(ds.Rows), int(ds.Columns),
             *((samples,) if samples > 1 else ()))
    bits = int(ds.BitsAllocated)
    if "FloatPixelData" in pydicom.dcmread(path):
        return shape, np.dtype("float32")
    if "DoubleFloatPixelData" in pydicom.dcmread(path):
        return shape, np.dtype("float64")
    kind = "i" if int(ds.PixelRepresentation) else "u"
    return shape, np.dtype(f"{kind}{max(1, bits // 8)}")


def expected_volume(path: Path, fmt: str) -> tuple[tuple[int, ...], set[np.dtype]]:
    """Shape and possible dtypes from nibabel's reading of the header."""
    import nibabel
    import nibabel.ecat

    image = nibabel.ecat.load(path) if fmt == "ECAT" else nibabel.load(path)
    shape = image.shape
    while len(shape) > 4 and shape[-1] == 1:
        shape = shape[:-1]
    try:
        stored = image.get_data_dtype()
    except TypeError:
        stored = image.get_data_dtype(0)
    return shape, {np.dtype(stored), np.dtype("float32"), np.dtype("float64")}


def _same_type(found: np.dtype, wanted: set[np.dtype]) -> bool:
    """Same kind and size; the byte order is the file's (big-endian files stay so)."""
    return any(found.kind == w.kind and found.itemsize == w.itemsize for w in wanted)


def read_one(path: Path) -> tuple[str, str]:
    """Read one file the way a reader of the book would; return (outcome, detail)."""
    from medimg import dicom, errors, formats, volumes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            kind = formats.identify(path)
            if kind.startswith("DICOM"):
                array = dicom.dicom_pixels(path)
                shape, dtype = expected_dicom(path)
                ok = array.shape == shape and _same_type(array.dtype, {dtype})
            else:
                array, affine = volumes.load_volume(path, max_dims=4)
                shape, dtypes = expected_volume(path, kind)
                ok = array.shape == tuple(shape) and _same_type(array.dtype, dtypes) \
                    and affine.shape == (4, 4)
            return ("read", f"{array.shape} {array.dtype}") if ok else \
                ("wrong", f"{array.shape} {array.dtype}, header says {shape}")
        except errors.MedimgError as err:
            named = str(path) in str(err) and len(str(err)) > len(str(path)) + 20
            return ("named" if named else "vague", f"{type(err).__name__}: {err}")
        except Exception as err:  # noqa: BLE001 - exactly what the sweep looks for
            return "unrelated", f"{type(err).__name__}: {err}"


def _worker(jobs: mp.Queue, results: mp.Queue) -> None:
    while (path := jobs.get()) is not None:
        results.put((path, *read_one(Path(path))))


def sweep(files: list[Path]) -> dict[str, tuple[str, str]]:
    """Read every file in a worker process; a file that takes too long is a hang."""
    context = mp.get_context("spawn")
    outcomes: dict[str, tuple[str, str]] = {}
    pending = [str(p) for p in files]
    while pending:
        jobs, results = context.Queue(), context.Queue()
        worker = context.Process(target=_worker, args=(jobs, results), daemon=True)
        worker.start()
        try:
            for path in pending:
                jobs.put(path)
            jobs.put(None)
            while pending:
                try:
                    path, outcome, detail = results.get(timeout=PER_FILE_SECONDS + 30)
                except queue.Empty:                 # the worker is stuck on pending[0]
                    outcomes[pending.pop(0)] = ("hang", f"no answer in {PER_FILE_SECONDS} s")
                    break
                outcomes[path] = (outcome, detail)
                pending.remove(path)
        finally:
            worker.kill()
            worker.join()
    return outcomes


def test_every_peer_file_reads_or_is_refused_by_name(capsys):
    files = peer_files()
    assert len(files) > 300
    outcomes = sweep(files)
    tally = Counter(outcome for outcome, _ in outcomes.values())
    with capsys.disabled():
        print(f"\npeer sweep: {len(files)} files shipped by pydicom, pydicom-data and nibabel: "
              f"{tally['read']} read, {tally['named']} named errors, "
              f"{tally['unrelated']} unrelated exceptions, {tally['hang']} hangs, "
              f"{tally['wrong'] + tally['vague']} wrong or vague")
    bad = {Path(p).name: o for p, o in outcomes.items() if o[0] not in ("read", "named")}
    assert not bad, bad
    assert tally["read"] > 150 and tally["named"] > 100
    # files the issue found wrong, now right
    by_name = {Path(p).name: o for p, o in outcomes.items()}
    assert by_name["JPGExtended.dcm"][0] == "read"          # 12-bit JPEG: pylibjpeg
    assert by_name["GDCMJ2K_TextGBR.dcm"][0] == "read"
    assert "HeaderError" in by_name["nested_priv_SQ.dcm"][1]
    assert "TruncatedFileError" in by_name["emri_small_jpeg_2k_lossless_too_short.dcm"][1]
    assert "Transfer Syntax UID" in by_name["meta_missing_tsyntax.dcm"][1]
    assert "gzip" in by_name["zipMR.gz"][1]
    assert "CIFTI-2" in by_name["row_major.dconn.nii"][1]
    assert by_name["test.mgz"][0] == by_name["tinypet.v"][0] == "read"
