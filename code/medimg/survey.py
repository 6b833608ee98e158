"""A first look at a copy of the chest X-ray dataset, beyond counting its files.

- :func:`patients_per_split`: how many patients the file names promise, counted two ways.
- :func:`pictures`: every image as 64 × 64 grey pixels, from the book's 64 × 64 set
  (:func:`medimg.data.kermany_64`) when the index came from the listing, else decoded
  from the reader's files; :func:`tile` lays many of them out as one contact sheet.
- :func:`thumbnail`, :func:`thumbnails` and :func:`contact_sheet`: many files at a
  glance, each decoded at reduced size (Pillow's draft mode).
- :func:`rgb_files` and :func:`channels_equal`: which colour files are grey in disguise.
- :func:`identical_pictures`: images whose pictures are the same, pixel for pixel.
- :func:`damaged_examples`: a small folder of real files, damaged on purpose, on which the
  index's checks can be seen at work.

The index itself (:func:`medimg.dataset.open_index`) and the counts are in
:mod:`medimg.dataset`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from . import data, paths
from .dataset import LABELS, SPLITS, DatasetIndex, group_key
from .errors import DamagedImageError
from .images import is_grey_rgb, open_image

#: The side of :func:`pictures`, in pixels: that of the book's 64 × 64 set.
PICTURE_SIZE = 64


def patients_per_split(images: pd.DataFrame) -> pd.DataFrame:
    """Images and patient ids per split and label, with the most images of one patient.

    ``patients`` counts the ids of :func:`medimg.dataset.group_key` (``person5`` for every
    ``person5_…`` file, whatever its subtype); ``if_subtypes_differ`` counts them as if a
    bacterial and a viral ``person5`` were two children. The names cannot say which is
    right, nor whether a child appears under two numbers.
    """
    keys = group_key(images)
    table = (images.assign(key=keys, separate=keys + ":" + images["subtype"].fillna(""))
             .groupby(["split", "label"], observed=True)
             .agg(images=("path", "size"), patients=("key", "nunique"),
                  if_subtypes_differ=("separate", "nunique"),
                  most_images=("key", lambda k: int(k.value_counts().max()))))
    order = [(s, label) for s in SPLITS for label in LABELS if (s, label) in table.index]
    return table.loc[order]


def _square(path: str | os.PathLike, size: int) -> np.ndarray:
    """Decode a file at reduced size (JPEG draft mode) and squeeze it to size × size grey."""
    return np.asarray(_draft_grey(path, size).resize((size, size), Image.Resampling.LANCZOS))


def pictures(index: DatasetIndex, rows: pd.DataFrame | None = None,
             workers: int | None = None) -> np.ndarray:
    """The images of ``rows`` (default: ``index.readable``) as 64 × 64 grey pixels.

    Returns uint8 of shape (n, 64, 64), each image squeezed to a square (its aspect ratio
    is not kept). For an index made from the listing they are the images of the book's
    64 × 64 set; for a folder, each file is decoded at reduced size (draft mode, as
    :func:`thumbnail`) and resized the same way, on ``workers`` threads.
    """
    rows = index.readable if rows is None else rows
    if not index.has_headers:
        stored, names = data.kermany_64()
        where = {name: i for i, name in enumerate(names)}
        missing = [p for p in rows["path"] if p not in where]
        if missing:
            raise KeyError(f"{missing[0]}: not in the book's 64 × 64 set "
                           f"({len(missing)} such names in all)")
        return stored[[where[p] for p in rows["path"]]]
    files = [Path(index.root) / p for p in rows["path"]]
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        squares = list(pool.map(lambda p: _square(p, PICTURE_SIZE), files))
    if not squares:
        return np.zeros((0, PICTURE_SIZE, PICTURE_SIZE), np.uint8)
    return np.stack(squares)


def tile(images: Sequence[np.ndarray], columns: int = 10, gap: int = 2) -> np.ndarray:
    """Lay grey pictures of one size out in a grid, row by row, ``gap`` black pixels apart."""
    if len(images) == 0:
        raise ValueError("tile needs at least one picture")
    height, width = np.asarray(images[0]).shape
    columns = max(1, min(columns, len(images)))
    rows = -(-len(images) // columns)
    sheet = np.zeros((rows * (height + gap) - gap, columns * (width + gap) - gap), np.uint8)
    for i, picture in enumerate(images):
        if np.shape(picture) != (height, width):
            raise ValueError(f"picture {i} has shape {np.shape(picture)}, the first "
                             f"{(height, width)}: tile needs pictures of one size")
        row, column = divmod(i, columns)
        y, x = row * (height + gap), column * (width + gap)
        sheet[y:y + height, x:x + width] = picture
    return sheet


def channels_equal(path: str | os.PathLike) -> bool:
    """Whether an RGB image's three channels are identical (a grey image stored as RGB).

    The image is decoded at reduced size (draft mode), which keeps equal channels equal.
    A grey ("L") image counts as equal.
    """
    with Image.open(path) as image:
        if image.mode == "L":
            return True
        image.draft("RGB", (image.width // 8 or 1, image.height // 8 or 1))
        array = np.asarray(image.convert("RGB"))
    return is_grey_rgb(array)


def rgb_files(images: pd.DataFrame, root: str | os.PathLike) -> pd.DataFrame:
    """The readable RGB files, with whether their channels are equal (:func:`channels_equal`).

    Files with a problem (see :attr:`medimg.dataset.DatasetIndex.problems`) are left out: they cannot be
    decoded, and the index has already reported them.
    """
    readable = images["problem"] == "" if "problem" in images else True
    rgb = images.loc[(images["mode"] == "RGB") & readable, ["split", "label", "path"]]
    equal = [channels_equal(Path(root) / p) for p in rgb["path"]]
    return rgb.assign(channels_equal=equal).reset_index(drop=True)


def identical_pictures(index: DatasetIndex) -> pd.DataFrame:
    """Groups of readable images whose 64 × 64 pictures (:func:`pictures`) are identical.

    One row per group: how many images, in which splits, under which patient ids
    (:func:`medimg.dataset.group_key`), and their paths. Identical at 64 × 64 means the
    same picture or nearly so: only the full files could tell a copy from a near-copy.
    """
    rows = index.readable
    groups: dict[bytes, list[int]] = {}
    for i, picture in enumerate(pictures(index, rows)):
        groups.setdefault(picture.tobytes(), []).append(i)
    keys = group_key(rows).to_numpy()
    found = []
    for members in groups.values():
        if len(members) > 1:
            part = rows.iloc[members]
            found.append({"images": len(members),
                          "splits": ", ".join(sorted(set(part["split"].astype(str)))),
                          "patients": ", ".join(sorted(set(keys[members]))),
                          "paths": ", ".join(part["path"])})
    table = pd.DataFrame(found, columns=["images", "splits", "patients", "paths"])
    return table.sort_values("paths", ignore_index=True)


def damaged_examples(folder: str | os.PathLike | None = None) -> Path:
    """A small copy in the Kaggle layout whose files are damaged, made from real originals.

    Four of the 16 originals (:func:`medimg.data.kermany_val_images`): one copied as it
    is, one cut in half, one emptied, one saved as PNG under its JPEG name (the kinds of
    damage an interrupted download or a careless copy leaves). Made once, in ``folder``
    or under the book's generated data, and published whole
    (:func:`medimg.paths.publish_folder`). Returns the folder.
    """
    target = Path(folder) if folder is not None else paths.generated_dir() / "damaged_v1"
    if target.is_dir():
        return target

    def fill(work: Path) -> None:
        originals = data.kermany_val_images()
        whole, cut, empty, png = (originals[i] for i in (0, 1, 8, 9))
        for original in (whole, cut, empty, png):
            place = work / "chest_xray" / "val" / original.parent.name
            place.mkdir(parents=True, exist_ok=True)
            (place / original.name).write_bytes(original.read_bytes())
        root = work / "chest_xray" / "val"
        content = cut.read_bytes()
        (root / "NORMAL" / cut.name).write_bytes(content[: len(content) // 2])
        (root / "PNEUMONIA" / empty.name).write_bytes(b"")
        with Image.open(png) as image:
            image.load()
            image.save(root / "PNEUMONIA" / png.name, format="PNG")

    return paths.publish_folder(target, fill, if_exists="keep")


# --- Many files at a glance ----------------------------------------------------------------

def _draft_grey(path: str | os.PathLike, size: int) -> Image.Image:
    """Decode an image file in grey at reduced size, the right way up; checked first.

    ``draft`` asks the JPEG decoder for a 1/2, 1/4 or 1/8 scale image directly (and only
    the grey channel), which skips most of the work of a full decode. Other formats are
    decoded in full. The file is checked before any pixel is decoded
    (:func:`medimg.images.open_image`: a regular file, an image, within the pixel
    budget), and the EXIF orientation a camera stored is applied.
    """
    with open_image(path) as image:
        try:
            image.draft("L", (size, size))
            return ImageOps.exif_transpose(image).convert("L")
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise DamagedImageError(f"{path}: cannot be decoded ({error})") from None


def thumbnail(path: str | os.PathLike, size: int = 128) -> Image.Image:
    """Return a grey thumbnail that fits in ``size`` × ``size``, decoded at reduced size.

    The small final resize after the reduced decode is cheap (see :func:`_draft_grey`).
    """
    grey = _draft_grey(path, size)
    grey.thumbnail((size, size), Image.Resampling.BILINEAR)
    return grey


def thumbnail_full_decode(path: str | os.PathLike, size: int = 128) -> Image.Image:
    """The naive way, for comparison: decode every pixel, then shrink."""
    with Image.open(path) as image:
        grey = image.convert("L")
    grey.thumbnail((size, size), Image.Resampling.BILINEAR)
    return grey


def thumbnails(paths_: Sequence[str | os.PathLike], size: int = 128,
               workers: int | None = None) -> list[Image.Image]:
    """Thumbnails of many files, on ``workers`` threads (default: one per core).

    Pillow lets go of Python's global lock while it decodes, so threads use every core.
    """
    paths_ = list(paths_)
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        return [thumbnail(p, size) for p in paths_]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda p: thumbnail(p, size), paths_, chunksize=8))


def contact_sheet(paths_: Sequence[str | os.PathLike], size: int = 128, columns: int = 10,
                  workers: int | None = None, gap: int = 2) -> Image.Image:
    """Tile the thumbnails of ``paths_`` into one grey image, row by row (:func:`tile`).

    Each thumbnail is centred in a ``size`` × ``size`` cell on black.
    """
    if not paths_:
        raise ValueError("contact_sheet needs at least one image")
    cells = []
    for small in thumbnails(paths_, size, workers):
        cell = np.zeros((size, size), np.uint8)
        y, x = (size - small.height) // 2, (size - small.width) // 2
        cell[y:y + small.height, x:x + small.width] = np.asarray(small)
        cells.append(cell)
    return Image.fromarray(tile(cells, columns, gap))
