"""The real and generated images the book uses, found from any working directory.

The book's "real test image" is the chest radiograph ``RG1_UNCR.dcm`` that the
``pydicom-data`` package ships (a computed radiography (CR) image, PA view, 1955 × 1841,
MONOCHROME1, 15 bits stored). Files made from it are written once into
:func:`medimg.paths.generated_dir` and reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from . import data, dicom, images, paths
from .dataset import find_root
from .errors import DatasetNotFoundError


def chest_radiograph() -> np.ndarray:
    """Return the real chest radiograph as uint16, with high values bright (like a film).

    The file is MONOCHROME1: its high values are meant to be shown *dark*. We flip it once
    here, ``(2**bits_stored - 1) - x``, so that every later step can treat bright as dense,
    as in the chest X-ray dataset's JPEGs.
    """
    return dicom.display_values(dicom.read_dicom(data.radiograph_path())).astype(np.uint16)


def radiograph_uint8() -> np.ndarray:
    """Return the chest radiograph as an 8-bit grey image (0–255).

    The 1st and 99.5th percentiles of the 15-bit values become 0 and 255, so the few very
    dark and very bright pixels do not take up the 256 levels.
    """
    pixels = chest_radiograph()
    low, high = np.percentile(pixels, [1, 99.5])
    return images.to_uint8(pixels, low, high)


def test_jpeg() -> Path:
    """Return the path of the book's ``test.jpeg``: the radiograph as an 8-bit grey JPEG.

    It plays the part of the workshop's ``test.jpeg``. Made on first use (quality 95) and
    written atomically, so a half-written file is never seen.
    """
    target = paths.generated_dir() / "test.jpeg"
    if not target.is_file():
        image = Image.fromarray(radiograph_uint8(), mode="L")
        paths.write_atomically(target, lambda tmp: image.save(tmp, format="JPEG", quality=95))
    return target




# --- The lecture's numbers (chapter "Images as numbers") ------------------------------

# Two single pixels the lecture shows: a nearly black one and a nearly white one.
LECTURE_PIXEL_VALUES: tuple[int, int] = (16, 243)

# The lecture's 15 × 14 grey matrix, row by row as on the slide. One cell is empty on the
# slide (row 12, column 13, counting from 1); it is written None here and filled by
# lecture_matrix().
_LECTURE_ROWS: tuple[tuple[int | None, ...], ...] = (
    (0, 0, 0, 0, 0, 0, 0, 1, 5, 8, 1, 0, 0, 0),
    (0, 0, 0, 0, 0, 0, 0, 1, 5, 8, 1, 0, 0, 0),
    (0, 0, 0, 0, 0, 120, 0, 1, 5, 8, 1, 0, 0, 0),
    (0, 0, 0, 0, 3, 0, 0, 1, 5, 8, 1, 0, 0, 0),
    (0, 0, 0, 0, 0, 43, 0, 1, 5, 8, 1, 0, 0, 0),
    (0, 0, 0, 0, 33, 0, 0, 1, 5, 8, 1, 0, 0, 0),
    (0, 0, 0, 0, 22, 0, 0, 1, 5, 8, 1, 0, 0, 0),
    (0, 0, 0, 0, 0, 0, 231, 165, 250, 8, 1, 0, 0, 0),
    (0, 0, 0, 0, 78, 0, 250, 1, 254, 8, 1, 0, 0, 0),
    (0, 0, 0, 112, 254, 199, 222, 231, 250, 231, 98, 0, 0, 0),
    (0, 33, 77, 231, 250, 210, 231, 250, 250, 250, 86, 134, 0, 0),
    (0, 23, 89, 250, 250, 228, 255, 222, 222, 222, 92, 169, None, 0),
    (0, 56, 132, 222, 222, 251, 243, 255, 222, 231, 132, 215, 142, 0),
    (0, 0, 255, 222, 255, 222, 255, 255, 222, 255, 222, 0, 0, 0),
    (0, 0, 243, 255, 243, 255, 255, 243, 255, 243, 255, 0, 0, 0),
)


def lecture_matrix_missing() -> np.ndarray:
    """Return a boolean mask of the lecture matrix: True where the slide has no value."""
    return np.array([[v is None for v in row] for row in _LECTURE_ROWS])


def lecture_matrix(fill: int = 0) -> np.ndarray:
    """Return the lecture's 15 × 14 grey matrix as uint8 (0 = black, 255 = white).

    The slide leaves one cell empty (row 12, column 13, counting from 1). We do not know
    what was meant, so the cell is a *missing value*: it gets ``fill`` (default 0, the
    background value) and :func:`lecture_matrix_missing` says where it is, so a figure
    can mark it.
    """
    if isinstance(fill, bool) or not isinstance(fill, (int, np.integer)) or not 0 <= fill <= 255:
        raise ValueError(f"fill must be an integer from 0 to 255, got {fill!r}")
    rows = [[int(fill) if v is None else v for v in row] for row in _LECTURE_ROWS]
    return np.array(rows, dtype=np.uint8)


# --- A simulated opacity (chapter "Motivation") ----------------------------------------

# Where the opacity goes by default, as fractions of the image height and width: the
# lower zone of the lung on the image's left, which is the patient's right lung in this
# PA (back-to-front) view.
OPACITY_CENTER: tuple[float, float] = (0.60, 0.25)


def opacity_mask(shape: tuple[int, int], center: tuple[float, float] = OPACITY_CENTER,
                 size: float = 0.09, seed: int = 7) -> np.ndarray:
    """Return a smooth, patchy blob in 0–1 of the given ``shape`` (float64).

    The blob is a sum of a few Gaussian "puffs" scattered around ``center`` (fractions of
    height and width), ``size`` being their typical spread as a fraction of the image
    height. The same ``seed`` always gives the same blob.
    """
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"shape must be (height, width) with both >= 1, got {shape!r}")
    if not 0 < size <= 1:
        raise ValueError(f"size must be a fraction of the height in (0, 1], got {size!r}")
    if not all(0 <= c <= 1 for c in center):
        raise ValueError(f"center must be fractions (row, column) in [0, 1], got {center!r}")
    height, width = shape
    rng = np.random.default_rng(seed)
    rows = np.arange(height)[:, None]
    cols = np.arange(width)[None, :]
    sigma = size * height
    mask = np.zeros(shape)
    for _ in range(7):
        dr, dc = rng.normal(0, 0.6 * sigma, 2)
        spread = sigma * rng.uniform(0.5, 0.9)
        weight = rng.uniform(0.6, 1.0)
        r0, c0 = center[0] * height + dr, center[1] * width + dc
        mask += weight * np.exp(-((rows - r0) ** 2 + (cols - c0) ** 2) / (2 * spread**2))
    return np.clip(mask / 1.5, 0, 1)


def with_simulated_opacity(image: np.ndarray | None = None, *,
                           center: tuple[float, float] = OPACITY_CENTER, size: float = 0.09,
                           strength: float = 0.65, seed: int = 7) -> np.ndarray:
    """Return a copy of a grey radiograph with a simulated consolidation-like opacity.

    Inside the blob from :func:`opacity_mask` the pixels are blended towards the
    brightness of soft tissue (the image's 90th percentile): the region turns hazy and
    brighter and the lung markings behind it fade, which is how fluid-filled air spaces
    look on a chest X-ray. ``strength`` (0–1) is the blend at the blob's core. By default
    the image is the real radiograph from :func:`chest_radiograph` (bright = dense).

    The result has the input's dtype and shape. The opacity is *simulated*: no patient had
    it.
    """
    pixels = chest_radiograph() if image is None else np.asarray(image)
    if pixels.ndim != 2:
        raise ValueError(f"expected a grey image of shape (H, W), got shape {pixels.shape}")
    if not (np.issubdtype(pixels.dtype, np.integer) or np.issubdtype(pixels.dtype, np.floating)):
        raise TypeError(f"expected integer or float pixel values, got dtype {pixels.dtype}")
    if not 0 <= strength <= 1:
        raise ValueError(f"strength must be in [0, 1], got {strength!r}")
    alpha = strength * opacity_mask(pixels.shape, center, size, seed)
    values = pixels.astype(np.float64)
    tissue = np.percentile(values, 90)
    blended = values * (1 - alpha) + np.maximum(values, tissue) * alpha
    if np.issubdtype(pixels.dtype, np.integer):
        limits = np.iinfo(pixels.dtype)
        blended = np.clip(np.rint(blended), limits.min, limits.max)
    return blended.astype(pixels.dtype)


# --- The guessing game (chapter "Motivation") ------------------------------------------

@dataclass(frozen=True)
class QuizPair:
    """Two chest X-rays for the game "which one shows pneumonia?".

    ``images`` are 8-bit grey arrays shown as A and B; ``answer`` is the index (0 for A,
    1 for B) of the one with pneumonia; ``labels`` say what each image is; ``simulated``
    is True when the "pneumonia" is an opacity painted in by :func:`with_simulated_opacity`
    rather than a real patient's; ``sources`` name where each image came from.
    """

    images: tuple[np.ndarray, np.ndarray]
    labels: tuple[str, str]
    answer: int
    simulated: bool
    sources: tuple[str, str]


def dataset_images(label: str, root: Path | None = None) -> list[Path]:
    """Return the sorted JPEG files of one class (``NORMAL`` or ``PNEUMONIA``) in the dataset.

    The dataset's layout is ``train|test|val/NORMAL|PNEUMONIA/*.jpeg`` under ``root``
    (default :func:`medimg.paths.dataset_dir`), found by :func:`medimg.dataset.find_root`.
    No dataset gives an empty list.
    """
    if label not in ("NORMAL", "PNEUMONIA"):
        raise ValueError(f"label must be 'NORMAL' or 'PNEUMONIA', got {label!r}")
    try:
        root = find_root(paths.dataset_dir() if root is None else Path(root))
    except DatasetNotFoundError:
        return []
    found: list[Path] = []
    for split in ("train", "test", "val"):
        folder = root / split / label
        if folder.is_dir():
            found.extend(p for p in folder.iterdir()
                         if p.suffix.lower() in (".jpeg", ".jpg") and not p.name.startswith("."))
    return sorted(found)


def quiz_pair(seed: int = 2, use_dataset: bool | None = None) -> QuizPair:
    """Return two chest X-rays, one normal and one with pneumonia, in a shuffled order.

    With the full dataset present (see :func:`dataset_images`), one real NORMAL and one
    real PNEUMONIA image are drawn. Otherwise, and whenever ``use_dataset`` is False, the
    pair is the real radiograph and a copy of it with a *simulated* opacity. The same
    ``seed`` always gives the same pair and order. ``use_dataset=True`` without the
    dataset raises FileNotFoundError naming the folder searched.
    """
    rng = np.random.default_rng(seed)
    normal_files, pneumonia_files = dataset_images("NORMAL"), dataset_images("PNEUMONIA")
    have_dataset = bool(normal_files and pneumonia_files)
    if use_dataset and not have_dataset:
        raise FileNotFoundError(
            f"{paths.dataset_dir()}: no NORMAL and PNEUMONIA JPEGs found in "
            "train|test|val/NORMAL|PNEUMONIA/"
        )
    if have_dataset and use_dataset is not False:
        normal_path = normal_files[rng.integers(len(normal_files))]
        sick_path = pneumonia_files[rng.integers(len(pneumonia_files))]
        normal, sick = images.load_grey(normal_path), images.load_grey(sick_path)
        sources = (normal_path.name, sick_path.name)
        labels, simulated = ("NORMAL", "PNEUMONIA"), False
    else:
        pixels = chest_radiograph()
        low, high = np.percentile(pixels, [1, 99.5])
        normal = images.to_uint8(pixels, low, high)
        sick = images.to_uint8(with_simulated_opacity(pixels), low, high)
        sources = (data.RADIOGRAPH, f"{data.RADIOGRAPH} + simulated opacity")
        labels, simulated = ("normal (as far as we know)", "simulated opacity"), True
    answer = int(rng.integers(2))
    order = (0, 1) if answer == 1 else (1, 0)
    pair_images, pair_labels, pair_sources = (normal, sick), labels, sources
    return QuizPair(
        images=(pair_images[order[0]], pair_images[order[1]]),
        labels=(pair_labels[order[0]], pair_labels[order[1]]),
        answer=answer,
        simulated=simulated,
        sources=(pair_sources[order[0]], pair_sources[order[1]]),
    )


# --- Colour (chapter "Images as numbers") ----------------------------------------------

def rgb_circles(size: int = 120) -> np.ndarray:
    """Return a small colour image (size × size × 3, uint8): red, green, blue discs.

    The discs overlap, and where they do the channels add up: red + green = yellow,
    green + blue = cyan, red + blue = magenta, all three = white.
    """
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"size must be an integer of at least 8 pixels, got {size!r}")
    rows, cols = np.mgrid[0:size, 0:size] / size
    radius = 0.3
    centres = [(0.38, 0.35), (0.38, 0.65), (0.64, 0.50)]  # red, green, blue
    image = np.zeros((size, size, 3), dtype=np.uint8)
    for channel, (r0, c0) in enumerate(centres):
        inside = (rows - r0) ** 2 + (cols - c0) ** 2 <= radius**2
        image[inside, channel] = 255
    return image



def grey_rgb_jpeg() -> Path:
    """Return the path of an "RGB" JPEG whose three channels are equal: a grey picture.

    Some files in the chest X-ray dataset are stored like this. Ours is the radiograph,
    at a quarter of its size, written in RGB mode. Made on first use, atomically.
    """
    target = paths.generated_dir() / "grey-as-rgb.jpeg"
    if not target.is_file():
        grey = Image.fromarray(radiograph_uint8(), mode="L")
        small = grey.resize((grey.width // 4, grey.height // 4), Image.Resampling.LANCZOS)
        rgb = small.convert("RGB")
        paths.write_atomically(target, lambda tmp: rgb.save(tmp, format="JPEG", quality=95))
    return target
