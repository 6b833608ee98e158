"""The chest X-ray dataset of Kermany et al. (2018) in its Kaggle layout.

The full dataset (5,856 JPEG files; the Kaggle download is a zip of about 2.5 GB) does
not ship with the book; its real listing, the 16 originals of ``val`` and a 64 × 64 copy
do (:mod:`medimg.data`). This module works on any copy laid out the Kaggle way::

    chest_xray/
        train/NORMAL/IM-0115-0001.jpeg      train/PNEUMONIA/person1_bacteria_1.jpeg
        test/...                            val/...

- :func:`index_dataset` reads every file's *header* (size, mode) and *name* (patient,
  pneumonia subtype) into a table, and reports what does not belong (``__MACOSX``,
  ``.DS_Store``, the nested copy ``chest_xray/chest_xray``, damaged files);
  :func:`index_listing` makes the same rows from a listing of names alone, and
  :func:`open_index` indexes the reader's full copy or else the book's real listing.
- :func:`counts`, :func:`subtype_counts`, :func:`duplicate_files`,
  :func:`patient_overlap`, :func:`size_summary`, :func:`baseline_scores` check it.
- :func:`patient_split` makes a new validation set with no patient in two splits.
- :func:`thumbnail` and :func:`contact_sheet` show many images fast, decoding each JPEG
  at reduced size (Pillow's draft mode).

Fetching the real data is in :mod:`medimg.fetch`; a synthetic copy in the same layout,
and a full-size replica of tiny files for tests, are made by :mod:`medimg.synthetic`.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from . import data, paths
from .errors import DatasetNotFoundError
from .formats import LIMITS
from .images import end_marker_inside, jpeg_header

SPLITS = ("train", "test", "val")
LABELS = ("NORMAL", "PNEUMONIA")
#: File endings that the dataset index counts as images (the dataset holds JPEGs; a PNG
#: would be indexed and reported, not skipped). Any image file in general: images.IMAGE_SUFFIXES.
DATASET_SUFFIXES = (".jpeg", ".jpg", ".png")

#: The lecture's table (normal, pneumonia); its Kaggle page said "5,863 images".
LECTURE_COUNTS = {"train": (1342, 3875), "test": (234, 390), "val": (8, 8)}
LECTURE_TOTAL = 5863

#: What a careful count of the Kaggle copy finds: images per split, normal and the two
#: pneumonia subtypes (5,856 in all).
KAGGLE_COUNTS = {
    "train": {"NORMAL": 1341, "bacteria": 2530, "virus": 1345},
    "test": {"NORMAL": 234, "bacteria": 242, "virus": 148},
    "val": {"NORMAL": 8, "bacteria": 8, "virus": 0},
}

#: The file that marks a folder as the book's synthetic copy (:mod:`medimg.synthetic`).
SYNTHETIC_MARKER = "README-SYNTHETIC.md"

# personN_bacteria_M.jpeg, personN_virus_M.jpeg, and odd ones like person447_virus_921_1.jpeg
PNEUMONIA_NAME = re.compile(
    r"^person(?P<person>\d+)_(?P<subtype>bacteria|virus)_(?P<number>\d+)(?:_(?P<extra>\d+))?"
    r"\.jpe?g$", re.IGNORECASE)
# IM-0115-0001.jpeg, NORMAL2-IM-0588-0001.jpeg, and odd ones like NORMAL2-IM-1345-0001-0002.jpeg
NORMAL_NAME = re.compile(
    r"^(?P<series>NORMAL2-)?IM-(?P<person>\d+)-(?P<number>\d+)(?:-(?P<extra>\d+))?\.jpe?g$",
    re.IGNORECASE)

MACOS_JUNK = ("__MACOSX", ".DS_Store")


# --- Names -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NameInfo:
    """What a file name says: the patient, the pneumonia subtype, the image number."""

    label: str | None      # "NORMAL" or "PNEUMONIA" as the name says, None if unknown
    patient: str | None    # e.g. "person447" or "IM-0115" or "NORMAL2-IM-0588"
    subtype: str | None    # "bacteria", "virus" or None
    number: int | None     # the image number in the name
    odd: bool              # the name has an extra suffix (e.g. "_1" or "-0002")


def parse_name(name: str) -> NameInfo:
    """Read the patient, subtype and image number from a file name of the dataset.

    >>> parse_name("person447_virus_921_1.jpeg")
    NameInfo(label='PNEUMONIA', patient='person447', subtype='virus', number=921, odd=True)

    A name that follows neither convention gives a NameInfo full of None (never an error):
    the file is kept and flagged.
    """
    if match := PNEUMONIA_NAME.match(name):
        return NameInfo("PNEUMONIA", f"person{int(match['person'])}", match["subtype"].lower(),
                        int(match["number"]), match["extra"] is not None)
    if match := NORMAL_NAME.match(name):
        series = "NORMAL2-IM" if match["series"] else "IM"
        return NameInfo("NORMAL", f"{series}-{match['person']}", None, int(match["number"]),
                        match["extra"] is not None)
    return NameInfo(None, None, None, None, False)


# --- Index -------------------------------------------------------------------------------

@dataclass
class DatasetIndex:
    """The result of :func:`index_dataset` (a folder) or :func:`index_listing` (a listing).

    ``images``: one row per image file in a ``split/label`` folder (damaged ones too, with
    a ``problem``); ``skipped``: what is not counted and why; ``root``: the folder
    holding ``train``, ``test`` and ``val`` (None for a listing). ``source`` says where
    the rows came from: ``"folder"`` (files and their headers read) or ``"listing"``
    (names only: the header columns are missing); ``origin`` says which listing.
    """

    root: Path | None
    images: pd.DataFrame
    skipped: pd.DataFrame
    source: str = "folder"
    origin: str = ""

    @property
    def has_headers(self) -> bool:
        """Whether the header columns (:data:`HEADER_COLUMNS`) were read from the files."""
        return self.source == "folder"

    @property
    def problems(self) -> pd.DataFrame:
        """The images whose header or name is not as expected."""
        bad = (self.images["problem"].fillna("") != "") | ~self.images["name_ok"]
        return self.images.loc[bad, ["path", "problem", "name_ok"]]

    @property
    def readable(self) -> pd.DataFrame:
        """The rows without a problem in their header (for a listing: every row)."""
        return self.images[self.images["problem"].fillna("") == ""]

    def __repr__(self) -> str:
        where = (f"from a listing, {self.origin}" if self.source == "listing"
                 else paths.shorten(self.root))
        headers = "" if self.has_headers else "names only, no headers; "
        return (f"DatasetIndex({where}: {len(self.images)} images, {headers}"
                f"{len(self.problems)} with problems, {len(self.skipped)} skipped entries)")

    def __str__(self) -> str:
        """The index in a sentence, for people (``print(index)``)."""
        where = (f"the listing {self.origin}, names only (no file headers)"
                 if self.source == "listing" else f"the folder {paths.shorten(self.root)}")
        return (f"An index of {len(self.images):,} images from {where}: "
                f"{len(self.problems):,} with problems, {len(self.skipped):,} entries skipped.")


def find_root(folder: str | os.PathLike, depth: int = 2) -> Path:
    """Return the folder that holds ``train``/``test``/``val``: ``folder`` or one below it.

    A download often unpacks to ``chest_xray/`` inside the folder you chose, and the
    Kaggle zip holds a second copy at ``chest_xray/chest_xray/``: the search goes breadth
    first, up to ``depth`` levels down (skipping ``__MACOSX``), and returns the shallowest
    match, so the nested copy is never taken for the dataset. Raises
    DatasetNotFoundError naming the folder when there is none.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetNotFoundError(
            f"{folder}: no such folder. Fetch the dataset (python -m medimg.fetch --help) or "
            f"set {paths.DATASET_ENV} to where your copy is.")
    level = [folder]
    for _ in range(depth + 1):
        for candidate in level:
            if _has_splits(candidate):
                return candidate
        level = sorted(child for parent in level for child in parent.iterdir()
                       if child.is_dir() and child.name not in MACOS_JUNK)
    raise DatasetNotFoundError(
        f"{folder}: no train/, test/ or val/ folder holding NORMAL/ or PNEUMONIA/ in it or up "
        f"to {depth} levels down; is this the chest X-ray dataset in the Kaggle layout?")


def _has_splits(folder: Path) -> bool:
    """Whether ``folder`` holds a split folder that holds a label folder (any letter case).

    A ``test/`` folder alone (every Python project has one) is not the dataset.
    """
    try:
        splits = [e for e in os.scandir(folder) if _split_name(e.name) and e.is_dir()]
        return any(_label_name(e.name) and e.is_dir()
                   for split in splits for e in os.scandir(split.path))
    except OSError:
        return False


def _split_name(name: str) -> str | None:
    """The split a folder name stands for: 'train', 'test', 'val' in any letter case."""
    return name.lower() if name.lower() in SPLITS else None


def _label_name(name: str) -> str | None:
    """The label a folder name stands for: NORMAL or PNEUMONIA in any letter case.

    A copy that passed through another tool may have ``normal/``; its images are counted
    as NORMAL, never lost (the path keeps the folder's own name).
    """
    return name.upper() if name.upper() in LABELS else None


def index_dataset(folder: str | os.PathLike) -> DatasetIndex:
    """Index every image under ``folder`` (a copy in the Kaggle layout).

    Only the start of each file is read, where a JPEG keeps its size and number of
    colour channels (:func:`jpeg_header`; Pillow is asked about anything else), plus its
    last two bytes: a complete JPEG ends with the end-of-image marker FF D9, so a file
    cut short is caught without decoding it. Paths in the table are relative to the
    dataset root, with ``/`` separators.
    """
    folder = Path(folder)
    root = find_root(folder)
    rows: list[tuple] = []
    skipped: list[tuple[str, str, int]] = []
    if root != folder:                       # what lies beside the root, e.g. __MACOSX
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.path != str(root):
                skipped.append(_skip(entry, folder))
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if _split_name(entry.name) and entry.is_dir():
            _index_split(root, entry, rows, skipped)
        else:
            skipped.append(_skip(entry, root))
    images = pd.DataFrame.from_records(rows, columns=_COLUMNS)
    images = images.astype({"split": "category", "label": "category"})
    skipped_table = pd.DataFrame(skipped, columns=["path", "reason", "files"])
    return DatasetIndex(root, images, skipped_table)


_COLUMNS = ["split", "label", "path", "bytes", "width", "height", "mode", "format",
            "patient", "subtype", "number", "odd_name", "name_ok", "problem"]

#: Columns that only a file's header can fill: missing (NA) in an index of a listing.
HEADER_COLUMNS = ("bytes", "width", "height", "mode", "format", "problem")


def index_listing(names: Iterable[str], origin: str = "a listing") -> DatasetIndex:
    """Index a listing of ``split/LABEL/name`` strings, such as the book's real listing.

    The rows are those :func:`index_dataset` makes for a folder, in the same columns and
    order, from the names alone: what only a file's header can tell
    (:data:`HEADER_COLUMNS`) is missing (NA). A line that is not ``split/LABEL/name``
    with a known split and label and an image's name goes to ``skipped``, with the reason.
    """
    rows: list[tuple] = []
    skipped: list[tuple[str, str, int]] = []
    for line in sorted(n.strip() for n in names if n.strip()):
        parts = line.split("/")
        split, label, name = parts if len(parts) == 3 else ("", "", "")
        if (split not in SPLITS or label not in LABELS or name.startswith(".")
                or not name.lower().endswith(DATASET_SUFFIXES)):
            skipped.append((line, "not split/LABEL/image name", 1))
            continue
        info = parse_name(name)
        rows.append((split, label, line, pd.NA, pd.NA, pd.NA, None, None, info.patient,
                     info.subtype, info.number, info.odd, info.label == label, None))
    images = pd.DataFrame.from_records(rows, columns=_COLUMNS).astype(
        {"split": "category", "label": "category", "bytes": "Int64", "width": "Int64",
         "height": "Int64", "mode": "str", "format": "str", "problem": "str"})
    skipped_table = pd.DataFrame(skipped, columns=["path", "reason", "files"])
    return DatasetIndex(None, images, skipped_table, source="listing", origin=origin)


def open_index() -> DatasetIndex:
    """Index the reader's full copy if there is one, else the real listing the book ships.

    A copy is looked for where :func:`medimg.paths.dataset_dir` says
    (``$MEDIMG_CHEST_XRAY`` or ``data/chest_xray``) and indexed file by file, headers
    included (:func:`index_dataset`). Without one, the index is made from the listing of
    the Kaggle copy committed with the book (:func:`medimg.data.kermany_listing`).
    """
    try:
        return index_dataset(paths.dataset_dir())
    except DatasetNotFoundError:
        listing = paths.shorten(data.kermany_file("files.txt"))
        return index_listing(data.kermany_listing(), origin=listing)


def with_headers(index: DatasetIndex) -> DatasetIndex:
    """``index`` if its header columns were read from files; for a listing, the originals.

    The only original files the book ships are the 16 JPEGs of the Kaggle ``val`` folder
    (:func:`medimg.data.kermany_val_images`, each checked against its SHA-256): their
    index is returned instead.
    """
    if index.has_headers:
        return index
    root = data.kermany_dir()
    checked = {p.relative_to(root).as_posix() for p in data.kermany_val_images()}
    found = index_dataset(root)            # beside val/ lie the listing, README, ...: skipped
    images = found.images[found.images["path"].isin(checked)].reset_index(drop=True)
    return DatasetIndex(root, images, found.skipped.iloc[:0])


def _index_split(root: Path, split_entry: os.DirEntry, rows: list, skipped: list) -> None:
    split = _split_name(split_entry.name)
    for label_entry in sorted(os.scandir(split_entry.path), key=lambda e: e.name):
        label = _label_name(label_entry.name)
        if label is None or not label_entry.is_dir():
            skipped.append(_skip(label_entry, root))
            continue
        prefix = f"{split_entry.name}/{label_entry.name}/"
        for entry in sorted(os.scandir(label_entry.path), key=lambda e: e.name):
            name = entry.name
            if (name.startswith(".") or not name.lower().endswith(DATASET_SUFFIXES)
                    or not entry.is_file()):
                skipped.append(_skip(entry, root))
                continue
            rows.append(_image_row(entry.path, split, label, prefix + name))


def _image_row(path: str, split: str, label: str, relative: str) -> tuple:
    info = parse_name(os.path.basename(path))
    with open(path, "rb") as file:
        head = file.read(_HEAD_BYTES)
        if len(head) < _HEAD_BYTES:               # the whole file is in ``head``
            size, tail = len(head), head[-2:]
        else:
            size = file.seek(0, os.SEEK_END)
            file.seek(size - 2)
            tail = file.read(2)
        header = jpeg_header(head)
        complete = header is not None and (tail == b"\xff\xd9" or end_marker_inside(file, head))
    if header is not None:
        width, height, mode = header
        fmt = "JPEG"
        problem = "" if complete else "truncated: no JPEG end-of-image marker"
        if width * height > LIMITS.pixels:
            problem = _too_large(width, height)
    else:
        width, height, mode, fmt, problem = _pillow_header(path, relative, size)
    return (split, label, relative, size, width, height, mode, fmt, info.patient,
            info.subtype, info.number, info.odd, info.label == label, problem)


_HEAD_BYTES = 32 * 1024


def _too_large(width: int, height: int) -> str:
    return (f"too large: {width} × {height} = {width * height:,} pixels, more than the "
            f"budget of {LIMITS.pixels:,} (medimg.formats.LIMITS.pixels)")


def _pillow_header(path: str, relative: str, size: int) -> tuple:
    """Ask Pillow about a file that is not a plain JPEG; describe what is wrong."""
    if size == 0:
        return None, None, None, None, "empty file"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                mode, fmt = image.mode, image.format
    except Image.DecompressionBombError as error:
        return None, None, None, None, f"too large: {error}"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        message = str(error).replace(path, relative)
        return None, None, None, None, f"cannot read the header: {message}"
    if width * height > LIMITS.pixels:
        return width, height, mode, fmt, _too_large(width, height)
    problem = ""
    if fmt != "JPEG" and path.lower().endswith((".jpeg", ".jpg")):
        problem = f"{fmt} data in a file named {os.path.basename(path)}"
    return width, height, mode, fmt, problem


def _skip(entry: os.DirEntry, base: Path) -> tuple[str, str, int]:
    """Say why a file or folder is not counted, and how many files it holds."""
    relative = Path(entry.path).relative_to(base).as_posix()
    name = entry.name
    if entry.is_dir():
        files = sum(len(f) for _, _, f in os.walk(entry.path))
        if name == "__MACOSX":
            reason = "macOS metadata folder"
        elif _has_splits(Path(entry.path)):
            reason = "nested copy of the dataset"
        else:
            reason = "unexpected folder"
        return relative, reason, files
    if name == ".DS_Store" or name.startswith("._"):
        return relative, "macOS metadata file", 1
    if name == SYNTHETIC_MARKER:
        return relative, "note: this is the synthetic copy", 1
    return relative, "stray file", 1


# --- Counts and checks -------------------------------------------------------------------

def counts(images: pd.DataFrame) -> pd.DataFrame:
    """Images per split (rows: train, test, val, total) and label (columns, and total).

    Only readable images are counted (:func:`unreadable`): an empty, cut-short, damaged
    or oversized file is not data. The column ``excluded`` says how many such files each
    split holds, so nothing is left out silently.
    """
    bad = unreadable(images)
    good = images[~bad]
    table = pd.crosstab(good["split"], good["label"], margins=True, margins_name="total")
    order = [s for s in SPLITS if s in set(images["split"].astype(str))] + ["total"]
    columns = [label for label in LABELS if label in set(images["label"].astype(str))]
    table = table.reindex(index=order, columns=columns + ["total"], fill_value=0)
    excluded = images.loc[bad, "split"].astype(str).value_counts()
    table["excluded"] = [int(excluded.get(s, 0)) for s in order[:-1]] + [int(bad.sum())]
    return table.rename_axis(index="split", columns=None)


#: The problems that make a file unusable (a wrong name or format alone does not).
UNREADABLE = ("empty file", "truncated", "cannot read the header", "too large")


def unreadable(images: pd.DataFrame) -> pd.Series:
    """True for each row whose file cannot be used as an image (see :data:`UNREADABLE`)."""
    if "problem" not in images:
        return pd.Series(False, index=images.index)
    return images["problem"].fillna("").str.startswith(UNREADABLE)


def subtype_counts(images: pd.DataFrame) -> pd.DataFrame:
    """Pneumonia images per split and subtype (bacteria, virus, unknown)."""
    pneumonia = images[images["label"] == "PNEUMONIA"]
    subtype = pneumonia["subtype"].fillna("unknown")
    table = pd.crosstab(pneumonia["split"].astype(str), subtype, margins=True,
                        margins_name="total")
    order = [s for s in SPLITS if s in table.index] + ["total"]
    columns = [c for c in ("bacteria", "virus", "unknown") if c in table.columns] + ["total"]
    return table.reindex(index=order, columns=columns, fill_value=0).rename_axis(
        index="split", columns=None)


def compare_with_lecture(images: pd.DataFrame) -> pd.DataFrame:
    """Put the counted table beside the lecture's, with the difference (counted − lecture)."""
    counted = counts(images)
    rows = []
    for split, (normal, pneumonia) in LECTURE_COUNTS.items():
        for label, said in (("NORMAL", normal), ("PNEUMONIA", pneumonia)):
            found = int(counted.at[split, label]) if (
                split in counted.index and label in counted.columns) else 0
            rows.append({"split": split, "label": label, "lecture": said, "counted": found,
                         "difference": found - said})
    return pd.DataFrame(rows)


def duplicate_files(images: pd.DataFrame, root: str | os.PathLike) -> pd.DataFrame:
    """Files with identical content (same SHA-256), and whether they cross splits.

    Only files that share their size with another file can be identical, so only those are
    hashed: on the real data that is a few dozen files, not the whole copy.
    """
    root = Path(root)
    same_size = images[images.duplicated("bytes", keep=False)]
    digests = [paths.sha256(root / p) for p in same_size["path"]]
    found = same_size.assign(sha256=digests)
    found = found[found.duplicated("sha256", keep=False)]
    found = found[["sha256", "split", "label", "path"]].sort_values(["sha256", "path"])
    crosses = found.groupby("sha256")["split"].transform(lambda s: s.nunique() > 1)
    return found.assign(across_splits=crosses.astype(bool)).reset_index(drop=True)


def patient_overlap(images: pd.DataFrame) -> pd.DataFrame:
    """Patient ids (from file names) that occur in more than one split.

    One row per such id and split: how many images, and with which pneumonia subtypes.
    The column ``same_subtype`` says whether every split shows the id with the same
    subtype. The names can show that two files share a number; they cannot show that
    they are the same child.
    """
    named = images.dropna(subset=["patient"])
    splits_per_patient = named.groupby("patient")["split"].nunique()
    shared = splits_per_patient[splits_per_patient > 1].index
    rows = named[named["patient"].isin(shared)].copy()
    rows["subtype"] = rows["subtype"].fillna("-")
    table = (rows.groupby(["patient", "split"], observed=True)
             .agg(images=("path", "size"), subtypes=("subtype", lambda s: ",".join(sorted(set(s)))))
             .reset_index())
    same = table.groupby("patient")["subtypes"].transform("nunique") == 1
    return table.assign(same_subtype=same.astype(bool))


def size_summary(images: pd.DataFrame) -> pd.DataFrame:
    """Median, smallest and largest width and height per label, and the share of RGB files."""
    readable = images.dropna(subset=["width"]).astype({"width": int, "height": int})
    grouped = readable.groupby("label", observed=True)
    table = grouped.agg(images=("path", "size"),
                        median_width=("width", "median"), median_height=("height", "median"),
                        min_width=("width", "min"), min_height=("height", "min"),
                        max_width=("width", "max"), max_height=("height", "max"))
    table["rgb_share"] = grouped["mode"].apply(lambda m: float((m == "RGB").mean()))
    return table


def mode_counts(images: pd.DataFrame) -> pd.DataFrame:
    """How many files of each label have each Pillow mode ("L" grey, "RGB" colour)."""
    return pd.crosstab(images["label"], images["mode"].fillna("unreadable"))


def baseline_scores(images: pd.DataFrame, split: str = "test") -> dict[str, float]:
    """Scores of the classifier that answers "pneumonia" for every image of ``split``.

    Accuracy is the share of pneumonia images; sensitivity is 1 (no pneumonia missed);
    specificity is 0 (no normal image recognised). Any real model must beat this.
    """
    labels = images.loc[images["split"] == split, "label"]
    if labels.empty:
        raise ValueError(f"no images in split {split!r}")
    positives = int((labels == "PNEUMONIA").sum())
    return {"images": int(len(labels)), "accuracy": positives / len(labels),
            "sensitivity": 1.0 if positives else float("nan"),
            "specificity": 0.0 if positives < len(labels) else float("nan")}


# --- A patient-grouped split ---------------------------------------------------------------

def group_key(images: pd.DataFrame) -> pd.Series:
    """The group each image belongs to when splitting: the patient id from its name.

    Pneumonia ids are person numbers *without* the subtype (``person5`` for both
    ``person5_bacteria_…`` and ``person5_virus_…``): if in doubt, keep files together. A
    file whose name says nothing is its own group.
    """
    return images["patient"].fillna("file:" + images["path"])


def patient_split(images: pd.DataFrame, val_fraction: float = 0.2, seed: int = 0,
                  pool: Sequence[str] = ("train", "val")) -> pd.Series:
    """Re-split the images of ``pool`` into train and val by patient, stratified by label.

    For each label, the patients are shuffled (seeded, so the result is reproducible) and
    given to val until val holds about ``val_fraction`` of that label's images; the others
    go to train. Images outside ``pool`` (the test set) keep their split, and pool images
    whose patient id also occurs there are marked "excluded": we cannot move the test
    images, so the only way to keep such a patient out of two splits is to leave them out
    of training. No patient ends up in two splits of the result, and each label is split
    in the same proportion. Returns the new split of every row, aligned with ``images``.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    keys = group_key(images)
    result = images["split"].astype(str).copy()
    in_pool = images["split"].isin(pool)
    elsewhere = set(keys[~in_pool])
    excluded = in_pool & keys.isin(elsewhere)
    result[excluded] = "excluded"
    rng = np.random.default_rng(seed)
    for label in LABELS:
        chosen = in_pool & ~excluded & (images["label"] == label)
        sizes = keys[chosen].value_counts().sort_index()   # images per patient, sorted by id
        order = rng.permutation(len(sizes))
        target = val_fraction * int(sizes.sum())
        taken = 0
        val_keys = set()
        for i in order:
            if taken >= target:
                break
            if taken + sizes.iloc[i] - target > target - taken:   # would overshoot more
                continue
            val_keys.add(sizes.index[i])
            taken += int(sizes.iloc[i])
        result[chosen] = np.where(keys[chosen].isin(val_keys), "val", "train")
    return result.rename("resplit")


def shared_patients(images: pd.DataFrame, splits: pd.Series | None = None) -> list[str]:
    """The patient ids (see :func:`group_key`) found in more than one split.

    ``splits`` is a split per row, such as the result of :func:`patient_split`; by default
    the folders' own split. Rows marked "excluded" are not in any split.
    """
    splits = images["split"].astype(str) if splits is None else splits
    used = splits != "excluded"
    per_patient = splits[used].groupby(group_key(images)[used]).nunique()
    return sorted(per_patient[per_patient > 1].index)
