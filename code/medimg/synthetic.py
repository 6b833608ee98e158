"""Synthetic copies of the chest X-ray dataset, for when the real images are not there.

- :func:`synthetic_dir` makes (once) a small *synthetic* copy in the Kaggle layout: about
  1/30 of the images, drawn by :func:`synthetic_radiograph`, every one stamped
  SYNTHETIC, with the clutter real copies carry. The book uses it only where nothing
  real can serve (the messy-layout demonstrations), and says so.
- :func:`make_replica` writes a full-size replica of the layout, one tiny JPEG per real
  file name, for tests and benchmarks.

The file names follow the real conventions (:func:`kaggle_names`); no image shows a
patient.
"""

from __future__ import annotations

import io
import os
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from . import paths
from .dataset import KAGGLE_COUNTS, SPLITS, SYNTHETIC_MARKER, find_root
from .errors import DatasetNotFoundError

#: The synthetic copy: the same layout and quirks, about 1/30 of the images (val kept
#: whole), each side a quarter of the real image sizes.
SYNTHETIC_COUNTS = {
    "train": {"NORMAL": 44, "bacteria": 84, "virus": 44},
    "test": {"NORMAL": 12, "bacteria": 12, "virus": 8},
    "val": {"NORMAL": 8, "bacteria": 8, "virus": 0},
}
SYNTHETIC_SCALE = 4
SYNTHETIC_NAME = "chest_xray_synthetic_v1"



@dataclass(frozen=True)
class FileSpec:
    """One file of a generated copy: where it goes and what it shows."""

    split: str
    label: str
    name: str
    subtype: str | None


def kaggle_names(counts_: dict = KAGGLE_COUNTS, seed: int = 8) -> list[FileSpec]:
    """Make file names that follow the dataset's conventions, for the given counts.

    Pneumonia: ``personN_<subtype>_M.jpeg`` with one to three images per person; each
    subtype numbers its persons and images on its own, so a person number recurs across
    splits only with another subtype (as in the real copy). A few names get the odd
    extra suffix. Normal: ``IM-NNNN-MMMM.jpeg`` and ``NORMAL2-IM-NNNN-MMMM.jpeg``.
    """
    rng = np.random.default_rng(seed)
    person = {"bacteria": 0, "virus": 0, "IM": 0, "NORMAL2-IM": 0}
    image_number = {"bacteria": 0, "virus": 0}
    specs: list[FileSpec] = []
    for split in SPLITS:
        for kind, total in counts_[split].items():
            made = 0
            while made < total:
                per_person = min(int(rng.integers(1, 4)), total - made)
                if kind == "NORMAL":
                    series = "NORMAL2-IM" if rng.random() < 0.45 else "IM"
                    person[series] += 1
                    for k in range(1, per_person + 1):
                        odd = "-0002" if person[series] % 40 == 7 and k == 1 else ""
                        name = f"{series}-{person[series]:04d}-{k:04d}{odd}.jpeg"
                        specs.append(FileSpec(split, "NORMAL", name, None))
                else:
                    person[kind] += 1
                    for _ in range(per_person):
                        image_number[kind] += 1
                        odd = "_1" if image_number[kind] % 60 == 21 else ""
                        name = f"person{person[kind]}_{kind}_{image_number[kind]}{odd}.jpeg"
                        specs.append(FileSpec(split, "PNEUMONIA", name, kind))
                made += per_person
    return specs


def _is_rgb(spec: FileSpec) -> bool:
    """About 1 in 20 pneumonia files are stored as RGB with equal channels, as in the data."""
    return spec.label == "PNEUMONIA" and zlib.crc32(spec.name.encode()) % 20 == 0


def _image_size(spec: FileSpec, rng: np.random.Generator, scale: float) -> tuple[int, int]:
    """A width and height near the real medians (1654 × 1357 normal, 1176 × 784 pneumonia)."""
    width, height = (1654, 1357) if spec.label == "NORMAL" else (1176, 784)
    factor = float(np.exp(rng.normal(0, 0.2)))
    aspect = float(np.exp(rng.normal(0, 0.08)))
    w = int(np.clip(width * factor * aspect, 620, 2890) / scale)
    h = int(np.clip(height * factor / aspect, 329, 2570) / scale)
    return w, h


def synthetic_radiograph(width: int, height: int, subtype: str | None, seed: int,
                         noise: float = 3.0) -> np.ndarray:
    """Draw a cartoon chest radiograph (uint8): body, two dark lungs, spine, ribs.

    ``subtype`` "bacteria" adds one dense patch in a lung (like lobar consolidation),
    "virus" a faint haze over both lungs; None draws a clear chest. It is a drawing made
    to exercise the code, not a medical image.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = x / width, y / height
    body = np.exp(-(((u - 0.5) / 0.46) ** 2 + ((v - 0.6) / 0.62) ** 2) ** 3)
    lungs = sum(np.exp(-(((u - cx) / 0.15) ** 2 + ((v - 0.47) / 0.3) ** 2) ** 2)
                for cx in (0.32 + rng.normal(0, 0.01), 0.68 + rng.normal(0, 0.01)))
    heart = np.exp(-(((u - 0.55) / 0.12) ** 2 + ((v - 0.68) / 0.11) ** 2) ** 2)
    spine = np.exp(-((u - 0.5) / 0.035) ** 2) / (1 + np.exp(-(v - 0.12) * 40))
    ribs = 0.5 + 0.5 * np.cos(2 * np.pi * (v * 7 + 0.8 * np.abs(u - 0.5)))
    image = 20 + 150 * body - 100 * lungs * (1 - 0.12 * ribs) + 55 * heart + 45 * spine
    if subtype == "bacteria":
        cx, cy = (0.32 if rng.random() < 0.5 else 0.68), rng.uniform(0.45, 0.65)
        image += 85 * lungs * np.exp(-(((u - cx) / 0.07) ** 2 + ((v - cy) / 0.09) ** 2))
    elif subtype == "virus":
        coarse = Image.fromarray(rng.normal(0.5, 0.25, (12, 12)).astype(np.float32), mode="F")
        haze = np.asarray(coarse.resize((width, height), Image.Resampling.BICUBIC))
        image += lungs * 55 * np.clip(haze, 0, 1)
    image += rng.normal(0, noise, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _label_synthetic(image: Image.Image) -> Image.Image:
    """Write "SYNTHETIC" across the top of the image, so no one mistakes it for a patient's."""
    draw = ImageDraw.Draw(image)
    size = max(8, image.width // 14)
    font = ImageFont.load_default(size=size)
    fill = 255 if image.mode == "L" else (255, 255, 255)
    draw.text((size // 2, size // 3), "SYNTHETIC", fill=fill, font=font)
    return image


def write_synthetic_image(path: Path, spec: FileSpec, scale: float = SYNTHETIC_SCALE) -> None:
    """Write one synthetic JPEG for ``spec`` (deterministic: seeded by its name)."""
    seed = zlib.crc32(f"{spec.split}/{spec.label}/{spec.name}".encode())
    rng = np.random.default_rng(seed)
    width, height = _image_size(spec, rng, scale)
    pixels = synthetic_radiograph(width, height, spec.subtype, seed)
    image = Image.fromarray(pixels, mode="L").filter(ImageFilter.GaussianBlur(1))
    image = _label_synthetic(image)
    if _is_rgb(spec):
        image = Image.merge("RGB", (image, image, image))
    image.save(path, format="JPEG", quality=80)


_SYNTHETIC_README = """\
# SYNTHETIC copy of the chest X-ray dataset, made by medimg

Every image in this folder is a drawing made by `medimg.synthetic.synthetic_dir()` (version {name}).
None of them shows a patient. The word SYNTHETIC is written in each image.

The folder imitates the Kaggle copy of the chest X-ray dataset of Kermany et al. (2018)
so that the book's code can run without the download: the same layout
(chest_xray/{{train,test,val}}/{{NORMAL,PNEUMONIA}}), file names that follow the real
conventions, about 1/30 of the images (val kept whole: 8 + 8), sizes a quarter of the real
ones on each side, a few RGB files with equal channels, and the clutter real copies carry
(__MACOSX/, .DS_Store, a nested chest_xray/chest_xray/ copy, here of val only).

Delete the folder at any time: it is made again, byte for byte, when next needed.
"""


def synthetic_dir() -> Path:
    """Return the synthetic copy's folder, making it on first use.

    The copy is built in a private folder beside its place and renamed into place when
    complete (:func:`medimg.paths.publish_folder`), so two builds running at once never
    see half of it; if another build finished first, its identical copy is kept.
    """
    target = paths.generated_dir() / SYNTHETIC_NAME
    if not (target / SYNTHETIC_MARKER).is_file():
        paths.publish_folder(target, make_synthetic, if_exists="keep")
    if not (target / SYNTHETIC_MARKER).is_file():
        raise FileExistsError(f"{target}: exists but is not the synthetic copy (no "
                              f"{SYNTHETIC_MARKER}); move it away and try again")
    return target


def make_synthetic(folder: Path) -> Path:
    """Write the synthetic copy (layout, images, clutter, README) into ``folder``."""
    root = folder / "chest_xray"
    for spec in kaggle_names(SYNTHETIC_COUNTS):
        place = root / spec.split / spec.label
        place.mkdir(parents=True, exist_ok=True)
        write_synthetic_image(place / spec.name, spec)
    _add_clutter(folder, root)
    (folder / SYNTHETIC_MARKER).write_text(_SYNTHETIC_README.format(name=SYNTHETIC_NAME))
    return folder


def _add_clutter(folder: Path, root: Path) -> None:
    """Add what real copies carry: .DS_Store, __MACOSX/._ files, a nested copy of val."""
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(24))
    (root / "train" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(24))
    mac = folder / "__MACOSX" / "chest_xray" / "train" / "NORMAL"
    mac.mkdir(parents=True)
    for image in sorted((root / "train" / "NORMAL").iterdir())[:3]:
        (mac / f"._{image.name}").write_bytes(b"\x00\x05\x16\x07" + bytes(28))
    shutil.copytree(root / "val", root / "chest_xray" / "val")


def is_synthetic(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` (or the folder above its dataset root) is the synthetic copy."""
    folder = Path(folder)
    return (folder / SYNTHETIC_MARKER).is_file() or (folder.parent / SYNTHETIC_MARKER).is_file()


def dataset_or_synthetic() -> Path:
    """The real dataset's folder when a copy is present, else the synthetic copy's.

    The real copy is looked for where :func:`medimg.paths.dataset_dir` says
    (``$MEDIMG_CHEST_XRAY`` or ``data/chest_xray``).
    """
    real = paths.dataset_dir()
    try:
        find_root(real)
        return real
    except DatasetNotFoundError:
        return synthetic_dir()


def _tiny_jpeg(mode: str, size: tuple[int, int], shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (shade,) * len(mode)).save(buffer, format="JPEG", quality=50)
    return buffer.getvalue()


def make_replica(folder: str | os.PathLike, counts_: dict = KAGGLE_COUNTS,
                 clutter: bool = True) -> Path:
    """Write a full-size replica of the layout: one tiny JPEG per real file (fast).

    Names, counts, the share of RGB files and the clutter follow the real copy; the images
    themselves are 16 × 12 or 12 × 8 pixels. Each file carries its own name in a JPEG
    comment, so no two files have the same content. Returns the dataset root.
    """
    folder = Path(folder)
    root = folder / "chest_xray"
    templates = {(label, mode): _tiny_jpeg(mode, size, 100)
                 for label, size in (("NORMAL", (16, 12)), ("PNEUMONIA", (12, 8)))
                 for mode in ("L", "RGB")}
    made = set()
    for spec in kaggle_names(counts_):
        place = root / spec.split / spec.label
        if place not in made:
            place.mkdir(parents=True, exist_ok=True)
            made.add(place)
        data = templates[spec.label, "RGB" if _is_rgb(spec) else "L"]
        comment = spec.name.encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        (place / spec.name).write_bytes(data[:2] + segment + data[2:])
    if clutter:
        _add_clutter(folder, root)
        (root / "train" / "notes.txt").write_text("a stray file\n")
    return root

