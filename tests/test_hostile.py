"""Hostile input, generated here: each item is refused by one of medimg's named errors,
whose message names the file, or reads correctly. Nothing hangs, nothing is allocated or
unpacked before the budget is checked.

The matrix is built from real files (cut at many places, headers changed) and from files
made to lie (a 65000 × 65000 JPEG header, a 30000³ NIfTI header in 83 bytes, a pipe
named .jpeg). Each item runs under a time limit.
"""

from __future__ import annotations

import gzip
import io
import os
import signal
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py  # noqa: F401  (the MINC2 items need it)
import nibabel
import nrrd
import numpy as np
import pydicom
import pytest
from PIL import Image

from medimg import (data, dataset, deid, dicom, errors, fetch, formats, images, survey, volumes)

SECONDS = 20


@dataclass
class Item:
    """One hostile input: ``make(folder)`` writes it and returns the path; ``run(path)``
    is what a reader calls; ``expect`` is a named error class, or None for "reads"."""

    name: str
    make: Callable[[Path], Path]
    run: Callable[[Path], object]
    expect: type[BaseException] | None
    says: str = ""          # a phrase the message must hold (besides the file name)


def cut(source: Path, keep: int, name: str | None = None) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        content = source.read_bytes()
        path = folder / (name or source.name)
        path.write_bytes(content[:keep])
        return path
    return make


def changed_dicom(change: Callable, name: str = "changed.dcm") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        ds = pydicom.dcmread(data.real_file("CT_small.dcm"))
        change(ds)
        path = folder / name
        ds.save_as(path)
        return path
    return make


def written(name: str, content: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(content)
        return folder / name
    return make


def jpeg_header(width: int, height: int) -> bytes:
    """A JPEG whose start-of-frame claims width × height (a few hundred bytes in all)."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, "JPEG")
    raw = bytearray(buffer.getvalue())
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(raw)


def png_header(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, "PNG")
    raw = bytearray(buffer.getvalue())
    raw[16:24] = struct.pack(">II", width, height)      # IHDR width, height
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))   # and its checksum
    return bytes(raw)


def nifti_bomb(folder: Path) -> Path:
    header = nibabel.Nifti1Header()
    header.set_data_shape((30000, 30000, 30000))
    header.set_data_dtype(np.int16)
    path = folder / "bomb.nii.gz"
    path.write_bytes(gzip.compress(header.binaryblock + bytes(4), mtime=0))
    return path


def fifo(name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        os.mkfifo(folder / name)
        return folder / name
    return make


def folder_named(name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).mkdir()
        return folder / name
    return make


def missing(name: str) -> Callable[[Path], Path]:
    return lambda folder: folder / name


def tree(files: dict[str, bytes]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        for relative, content in files.items():
            (folder / "copy" / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / "copy" / relative).write_bytes(content)
        return folder / "copy"
    return make


def nrrd_file(values: np.ndarray, header: dict, name: str = "v.nrrd") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        nrrd.write(str(folder / name), values, header)
        return folder / name
    return make


def nifti_pair(version: int, by: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        source = nibabel.load(data.real_file("anatomical.nii"))
        kind = nibabel.Nifti1Pair if version == 1 else nibabel.Nifti2Pair
        nibabel.save(kind(np.asanyarray(source.dataobj), source.affine), folder / "pair.img")
        return folder / f"pair.{by}"
    return make


def archive(members: dict[str, bytes], kind: str = "zip") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        buffer = io.BytesIO()
        if kind == "zip":
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, content in members.items():
                    zf.writestr(name, content)
        else:
            with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
                for name, content in members.items():
                    info = tarfile.TarInfo(name)
                    info.size = len(content)
                    tf.addfile(info, io.BytesIO(content))
        path = folder / f"a.{kind}"
        path.write_bytes(buffer.getvalue())
        return path
    return make


def index_counts(path: Path):
    index = dataset.index_dataset(path)
    return dataset.counts(index.images), index


def thumbnail_upright(path: Path):
    thumb = np.asarray(survey.thumbnail(path, size=64))
    assert thumb.shape[0] > thumb.shape[1]       # stored wide, shown tall (EXIF 6: turn)
    return thumb


def exif_rotated(folder: Path) -> Path:
    image = Image.new("L", (80, 40), 0)
    image.paste(255, (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6                                 # "rotate 90° clockwise to view"
    path = folder / "phone.jpeg"
    image.save(path, exif=exif)
    return path


def trailing_bytes(folder: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("L", (16, 16), 128).save(buffer, "JPEG")
    root = folder / "copy" / "train" / "NORMAL"
    root.mkdir(parents=True)
    (root / "IM-0001-0001.jpeg").write_bytes(buffer.getvalue() + b"\x00" * 300)
    return folder / "copy"


def counted_once(expected: dict[tuple[str, str], int], excluded: int = 0):
    def check(path: Path):
        table, index = index_counts(path)
        for (split, label), n in expected.items():
            assert table.at[split, label] == n, (split, label, table)
        assert table.at["total", "excluded"] == excluded
        assert (index.images["problem"] == "").sum() == len(index.images) - excluded
    return check


def small_jpeg() -> bytes:
    """A real photograph-like JPEG (noise), large enough that its data are not all padding."""
    buffer = io.BytesIO()
    noise = np.random.default_rng(1).integers(0, 256, (96, 96), dtype=np.uint8)
    Image.fromarray(noise).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _matrix() -> list[Item]:
    ct, mr_ls, j2k = (data.real_file(n) for n in
                      ("CT_small.dcm", "MR_small_jpeg_ls_lossless.dcm", "RG1_J2KR.dcm"))
    minc1, minc2, nii = (data.real_file(n) for n in ("tiny.mnc", "small.mnc", "anatomical.nii"))
    nib = data.nibabel_test_file
    pix = dicom.dicom_pixels
    vol = volumes.load_volume
    jpeg = small_jpeg()
    items: list[Item] = []
    # DICOM cut everywhere that matters: preamble, meta, header, pixels
    for keep in (0, 100, 131, 140, 200, 300, 700, 1500, 5000, 20000, -1000, -2, -1):
        expect = errors.WrongFormatError if keep < 132 and keep >= 0 else errors.MedimgError
        items.append(Item(f"CT cut at {keep}", cut(ct, keep, "ct.dcm"), pix, expect))
    for keep in (400, 1000, -500, -1):
        items.append(Item(f"JPEG-LS cut at {keep}", cut(mr_ls, keep, "ls.dcm"), pix,
                          errors.MedimgError))
    for keep in (3000, 100_000, -10):
        items.append(Item(f"JPEG 2000 cut at {keep}", cut(j2k, keep, "j2k.dcm"), pix,
                          errors.MedimgError))
    changes = {
        "Rows halved": (lambda ds: setattr(ds, "Rows", 64), errors.HeaderError, "disagree"),
        "Rows doubled": (lambda ds: setattr(ds, "Rows", 256), errors.TruncatedFileError, "fewer"),
        "Columns 0": (lambda ds: setattr(ds, "Columns", 0), errors.HeaderError, "at least 1"),
        "BitsAllocated 12": (lambda ds: setattr(ds, "BitsAllocated", 12), errors.HeaderError,
                             "BitsAllocated 12"),
        "BitsStored 20": (lambda ds: setattr(ds, "BitsStored", 20), errors.HeaderError,
                          "BitsStored 20"),
        "no SamplesPerPixel": (lambda ds: delattr(ds, "SamplesPerPixel"), errors.HeaderError,
                               "SamplesPerPixel"),
        "no BitsAllocated": (lambda ds: delattr(ds, "BitsAllocated"), errors.HeaderError,
                             "BitsAllocated"),
        "PhotometricInterpretation FOO": (lambda ds: setattr(ds, "PhotometricInterpretation",
                                                             "FOO"), errors.HeaderError, "FOO"),
        "60000 × 60000 claimed": (lambda ds: (setattr(ds, "Rows", 60000),
                                              setattr(ds, "Columns", 60000)),
                                  errors.TooLargeError, "budget"),
        "no Transfer Syntax": (lambda ds: delattr(ds.file_meta, "TransferSyntaxUID"),
                               errors.HeaderError, "Transfer Syntax UID"),
        "no pixel data": (lambda ds: delattr(ds, "PixelData"), errors.NoPixelDataError,
                          "left out"),
    }
    for name, (change, expect, says) in changes.items():
        items.append(Item(f"CT with {name}", changed_dicom(change), pix, expect, says))
    items += [
        Item("DICM + random bytes (preamble)", written("r.dcm", bytes(128) + b"DICM" +
             np.random.default_rng(0).bytes(300)), formats.dicom_preamble,
             errors.DamagedFileError, "damaged"),
        Item("DICM + random bytes (read)", written("r.dcm", bytes(128) + b"DICM" +
             np.random.default_rng(0).bytes(300)), pix, errors.MedimgError),
        Item("NumberOfFrames '1A' (badVR.dcm)", lambda f: data.dicom_test_file("badVR.dcm"), pix,
             errors.HeaderError, "NumberOfFrames"),
        Item("gzipped DICOM", lambda f: data.dicom_test_file("zipMR.gz"), pix,
             errors.WrongFormatError, "gunzip"),
        Item("meta_missing_tsyntax", lambda f: data.dicom_test_file("meta_missing_tsyntax.dcm"),
             pix, errors.HeaderError, "Transfer Syntax UID"),
        Item("too-short JPEG 2000", lambda f: data.dicom_test_file(
            "emri_small_jpeg_2k_lossless_too_short.dcm"), pix, errors.TruncatedFileError),
        Item("damaged 12-bit JPEG", lambda f: data.dicom_test_file("JPEG-lossy.dcm"), pix,
             errors.DamagedFileError, "every installed decoder"),
        Item("no SOPInstanceUID, de-identified", cut(data.dicom_test_file("nested_priv_SQ.dcm"),
                                                     None), lambda p: deid.deidentify(
            p, p.with_name("out.dcm")), None),
        Item("JPEG named .dcm", written("photo.dcm", jpeg), pix, errors.WrongFormatError,
             "JPEG image"),
    ]
    # volumes
    for keep in (10, 200, 348, 1000, -10):
        items.append(Item(f"NIfTI cut at {keep}", cut(nii, keep, "cut.nii"), vol,
                          errors.MedimgError))
    gz = gzip.compress(nii.read_bytes(), mtime=0)
    for keep in (20, 200, len(gz) // 2):
        items.append(Item(f"NIfTI .gz cut at {keep}", written("cut.nii.gz", gz[:keep]), vol,
                          errors.MedimgError))
    for keep in (50, 1000, minc1.stat().st_size // 2):
        items.append(Item(f"MINC1 cut at {keep}", cut(minc1, keep, "cut.mnc"), vol,
                          errors.MedimgError))
    for keep in (600, 3000, minc2.stat().st_size // 2):
        items.append(Item(f"MINC2 cut at {keep}", cut(minc2, keep, "cut2.mnc"), vol,
                          errors.MedimgError))
        items.append(Item(f"MINC2 cut at {keep}, hdf5_tree", cut(minc2, keep, "cut2.mnc"),
                          formats.hdf5_tree, errors.MedimgError))
    items += [
        Item("83-byte .nii.gz claiming 30000³ int16", nifti_bomb, vol, errors.TooLargeError,
             "budget"),
        Item("NRRD without space fields", nrrd_file(np.zeros((2, 3, 4), np.int16), {}), vol,
             None),
        Item("vector NRRD", nrrd_file(np.zeros((3, 4, 5, 6), np.float32), {
            "kinds": ["vector", "domain", "domain", "domain"], "space": "RAS",
            "space directions": [[np.nan] * 3, [1, 0, 0], [0, 1, 0], [0, 0, 1]]}), vol,
            errors.DimensionError, "vector"),
        Item("NIfTI-2 pair by .hdr", nifti_pair(2, "hdr"), vol, None),
        Item("NIfTI-2 pair by .img", nifti_pair(2, "img"), vol, None),
        Item("NIfTI-1 pair by .img", nifti_pair(1, "img"), vol, None),
        Item("NIfTI-1 .hdr alone", lambda f: nib("nifti1.hdr"), vol,
             errors.MissingDataFileError, ".img"),
        Item("CIFTI-2", lambda f: nib("row_major.dconn.nii"), vol, errors.WrongFormatError,
             "CIFTI-2"),
        Item(".mgz", lambda f: nib("test.mgz"), lambda p: vol(p, max_dims=4), None),
        Item(".mgz cut", cut(nib("test.mgz"), 200), vol, errors.MedimgError),
        Item("PAR without REC", lambda f: nib("T1.PAR"), vol, errors.MissingDataFileError,
             ".rec"),
        Item("PAR/REC", lambda f: nib("phantom_EPI_asc_CLEAR_2_1.PAR"),
             lambda p: vol(p, max_dims=4), None),
        Item("BRIK", lambda f: nib("scaled+tlrc.BRIK"), vol, None),
        Item("HEAD without BRIK", lambda f: nib("bad_attribute+orig.HEAD"), vol,
             errors.MissingDataFileError, ".brik"),
        Item("ECAT .v", lambda f: nib("tinypet.v"), vol, None),
        Item("streamlines", lambda f: nib("simple.trk"), vol, errors.WrongFormatError,
             "TrackVis"),
        Item("DICOM given to load_volume", lambda f: ct, vol, errors.WrongFormatError, "DICOM"),
    ]
    # images: cut headers, lying sizes, pipes, folders, missing files
    scan = jpeg.index(b"\xff\xda")                     # where the image data begin
    for keep in (3, 20, 100, scan - 40, scan - 2, scan + 30, len(jpeg) - 40):
        items.append(Item(f"JPEG cut at {keep}, load_image", written("cut.jpeg", jpeg[:keep]),
                          images.load_image, errors.ImageLoadError))
        items.append(Item(f"JPEG cut at {keep}, thumbnail", written("cut.jpeg", jpeg[:keep]),
                          survey.thumbnail, errors.ImageLoadError))
    big_jpeg, big_png = jpeg_header(65000, 65000), png_header(50000, 50000)
    for label, content, name in (("65000² JPEG", big_jpeg, "big.jpeg"),
                                 ("50000² PNG", big_png, "big.png")):
        for fn, call in (("load_image", images.load_image), ("thumbnail", survey.thumbnail),
                         ("contact_sheet", lambda p: survey.contact_sheet([p], workers=1))):
            items.append(Item(f"{label} header, {fn}", written(name, content), call,
                              errors.ImageTooLargeError))
        items.append(Item(f"{label} header, index_dataset",
                          tree({f"train/NORMAL/IM-0001-0001.{name.split('.')[1]}": content,
                                "train/NORMAL/IM-0002-0001.jpeg": jpeg}),
                          counted_once({("train", "NORMAL"): 1}, excluded=1), None))
    readers = {"load_image": images.load_image, "thumbnail": survey.thumbnail,
               "identify": formats.identify, "read_dicom": dicom.read_dicom,
               "load_volume": vol}
    for fn, call in readers.items():
        items.append(Item(f"pipe named .jpeg, {fn}", fifo("scan.jpeg"), call,
                          errors.NotAFileError, "pipe"))
        items.append(Item(f"folder, {fn}", folder_named("scan.dcm"), call,
                          errors.IsAFolderError, "folder"))
        items.append(Item(f"missing file, {fn}", missing("absent.jpeg"), call,
                          errors.MissingFileError, "no such file"))
    items += [
        Item("EXIF orientation, thumbnail", exif_rotated, thumbnail_upright, None),
        Item("bytes after the JPEG end marker", trailing_bytes,
             counted_once({("train", "NORMAL"): 1}), None),
        Item("zero-byte and garbage files not counted",
             tree({"train/NORMAL/IM-0001-0001.jpeg": jpeg, "train/NORMAL/IM-0002-0001.jpeg": b"",
                   "test/PNEUMONIA/person1_virus_1.jpeg": b"garbage"}),
             counted_once({("train", "NORMAL"): 1, ("test", "PNEUMONIA"): 0}, excluded=2), None),
        Item("lowercase normal/ counted",
             tree({"train/normal/IM-0001-0001.jpeg": jpeg, "train/NORMAL/IM-0002-0001.jpeg": jpeg}),
             counted_once({("train", "NORMAL"): 2}), None),
        Item("a test/ folder is not the dataset", tree({"test/test_x.py": b"def test(): pass"}),
             dataset.index_dataset, errors.DatasetNotFoundError, "NORMAL"),
    ]
    # archives
    items += [
        Item("zip bomb", archive({"chest_xray/train/NORMAL/a.jpeg": bytes(30 * 1024**2)}),
             lambda p: fetch.unpack(p, p.parent / "out"), errors.ArchiveTooLargeError, "bomb"),
        Item("truncated tar.gz", lambda f: cut(archive({"chest_xray/train/NORMAL/a.jpeg": jpeg * 50},
                                                       "tar.gz")(f), 300, "cut.tar.gz")(f),
             lambda p: fetch.unpack(p, p.parent / "out"), errors.TruncatedFileError, "cut short"),
        Item("zip slip", archive({"../evil.txt": b"x"}),
             lambda p: fetch.unpack(p, p.parent / "out"), errors.UnsafeArchiveError, "outside"),
    ]
    return items


MATRIX = _matrix()


def _alarm(signum, frame):
    raise TimeoutError(f"no answer in {SECONDS} s: a hang")


@pytest.mark.parametrize("item", MATRIX, ids=[i.name for i in MATRIX])
def test_hostile_input(item, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    path = item.make(folder)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS)
    try:
        if item.expect is None:
            item.run(path)
        else:
            with pytest.raises(item.expect) as caught:
                item.run(path)
            message = str(caught.value)
            assert isinstance(caught.value, errors.MedimgError)
            assert path.name in message, message
            assert item.says in message, message
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_the_matrix_is_large_and_says_so(capsys):
    with capsys.disabled():
        print(f"\nhostile matrix: {len(MATRIX)} items")
    assert len(MATRIX) >= 100
