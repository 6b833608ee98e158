"""The real and generated images the book uses, found from any working directory.

The book's "real test image" is the chest radiograph ``RG1_UNCR.dcm`` that the
``pydicom-data`` package ships (a computed radiography (CR) image, PA view, 1955 × 1841,
MONOCHROME1, 15 bits stored): an adult's film (born 1940, says its header) with several
round opacities in both lungs, so never a normal chest. Files made from it are written
once into :func:`medimg.paths.generated_dir` and reused. The guessing game uses two real
children's films of the chest X-ray dataset instead (:func:`quiz_pair`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from . import data, dicom, images, paths


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


# --- The guessing game (chapter "Motivation") ------------------------------------------

#: The game's two films, chosen by looking at all 16 originals of the Kaggle ``val``
#: folder (Kermany et al. 2018; children aged one to five): a NORMAL film with clear
#: lungs and sharp borders, and a bacterial PNEUMONIA film whose consolidation can be seen.
QUIZ_FILMS: dict[str, str] = {
    "NORMAL": "val/NORMAL/NORMAL2-IM-1431-0001.jpeg",
    "PNEUMONIA": "val/PNEUMONIA/person1954_bacteria_4886.jpeg",
}


@dataclass(frozen=True)
class Finding:
    """One thing a reader should notice on a film, and where it is (in pixels).

    ``row`` and ``col`` give the centre. A finding with ``height`` and ``width`` (the
    half-sizes of an ellipse) is a region; without them it is a point that an arrow
    shows.
    """

    text: str
    row: int
    col: int
    height: int = 0
    width: int = 0

    @property
    def is_region(self) -> bool:
        return self.height > 0 and self.width > 0


#: What a reader should look for on each quiz film, placed by eye on the originals
#: (pixel rows and columns of the JPEG; the patient's right is on the image's left).
QUIZ_FINDINGS: dict[str, tuple[Finding, ...]] = {
    "NORMAL": (),
    "PNEUMONIA": (
        Finding("consolidation, right lung", 665, 505, height=160, width=210),
        Finding("right heart border lost\n(silhouette sign)", 700, 715),
        Finding("left heart border sharp", 700, 1188),
    ),
}


#: Round opacities on the book's radiograph ``RG1_UNCR.dcm`` (an adult's film), placed by
#: eye on :func:`radiograph_uint8` (rows and columns; the patient's right on the image's
#: left): three in each lung. The film may hold more; these are the clear ones.
RADIOGRAPH_FINDINGS: tuple[Finding, ...] = (
    Finding("", 700, 325, height=105, width=105),
    Finding("", 1150, 495, height=135, width=135),
    Finding("", 1330, 265, height=100, width=100),
    Finding("", 700, 1345, height=110, width=115),
    Finding("", 850, 1462, height=100, width=100),
    Finding("", 1163, 1450, height=105, width=110),
)


@dataclass(frozen=True)
class QuizPair:
    """Two chest X-rays for the game "which one shows pneumonia?".

    ``images`` are 8-bit grey arrays shown as A and B; ``answer`` is the index (0 for A,
    1 for B) of the one with pneumonia; ``labels`` say what each image is (NORMAL or
    PNEUMONIA); ``sources`` name each file (``split/LABEL/name`` in the dataset);
    ``findings`` list, per image, what a reader should notice on it.
    """

    images: tuple[np.ndarray, np.ndarray]
    labels: tuple[str, str]
    answer: int
    sources: tuple[str, str]
    findings: tuple[tuple[Finding, ...], tuple[Finding, ...]] = ((), ())


def quiz_pair(seed: int = 2) -> QuizPair:
    """Return the game's two real films, one NORMAL and one PNEUMONIA, in a shuffled order.

    The films are :data:`QUIZ_FILMS`, two of the 16 originals that the book ships
    (:func:`medimg.data.kermany_val_images`, each checked against its SHA-256); the same
    ``seed`` always gives the same order.
    """
    rng = np.random.default_rng(seed)
    labels = ("NORMAL", "PNEUMONIA")
    films = [images.load_grey(data.kermany_file(QUIZ_FILMS[label])) for label in labels]
    answer = int(rng.integers(2))
    order = (0, 1) if answer == 1 else (1, 0)
    return QuizPair(
        images=(films[order[0]], films[order[1]]),
        labels=(labels[order[0]], labels[order[1]]),
        answer=answer,
        sources=(QUIZ_FILMS[labels[order[0]]], QUIZ_FILMS[labels[order[1]]]),
        findings=(QUIZ_FINDINGS[labels[order[0]]], QUIZ_FINDINGS[labels[order[1]]]),
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
