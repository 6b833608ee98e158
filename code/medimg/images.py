"""Images as numpy arrays: load, convert, crop, invert, window, stretch, histogram.

Every function takes and returns plain numpy arrays, so what a cell shows is what the
function computed.
"""

from __future__ import annotations

import operator
import struct
import time
import warnings
import zlib
from collections.abc import Callable
from os import PathLike
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import (
    CropOutsideImageError,
    DamagedImageError,
    ImageTooLargeError,
    NotAnImageError,
    TooLargeError,
)
from .formats import LIMITS, Limits, check_budget, check_file


def _check_2d_or_rgb(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4)):
        return array
    raise ValueError(f"expected a grey (H, W) or colour (H, W, 3|4) image, got shape {array.shape}")


def to_uint8(image: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Map values linearly so that ``low`` becomes 0 and ``high`` becomes 255, as uint8.

    Values below ``low`` or above ``high`` are clipped. By default ``low`` and ``high`` are
    the image's own minimum and maximum, so the whole range is kept, at 256 levels.
    """
    array = _check_2d_or_rgb(image)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"expected integer or float pixel values, got dtype {array.dtype}")
    low = float(array.min()) if low is None else float(low)
    high = float(array.max()) if high is None else float(high)
    if not high > low:
        raise ValueError(f"need high > low to stretch, got low={low}, high={high}")
    scaled = (array.astype(np.float64) - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def window(image: np.ndarray, center: float, width: float) -> np.ndarray:
    """Show only the values in ``center ± width / 2`` (a window), spread over 0–255.

    This is what a radiology viewer's window/level control does: values below the window
    are black, values above are white.
    """
    if not width > 0:
        raise ValueError(f"window width must be positive, got {width}")
    return to_uint8(image, center - width / 2, center + width / 2)


# --- Loading any image file -------------------------------------------------------------

#: The largest image :func:`load_image` opens unless told otherwise: 50 million pixels,
#: about seven times the largest chest X-ray of the Kermany dataset (2890 × 2570). A file
#: that claims more is refused before its pixels are decoded, so a tiny malicious file
#: cannot fill the memory (a "decompression bomb"). It is the default of
#: ``medimg.formats.LIMITS.pixels``, which is the budget in force. Pillow's own limit
#: (``PIL.Image.MAX_IMAGE_PIXELS``, about 89 million) also applies.
MAX_PIXELS = Limits.pixels

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png", ".tif", ".tiff", ".bmp", ".gif")

# What Pillow raises when the bytes inside a recognised file are cut short or broken.
_DAMAGE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


def open_image(path: str | PathLike, max_pixels: int | None = None) -> Image.Image:
    """Open an image file with Pillow, reading only its header; check it first.

    The path must be a regular file (a named pipe would make Pillow wait forever), the
    format one Pillow knows, and the size within ``max_pixels`` (default
    ``medimg.formats.LIMITS.pixels``) and the byte budget: all before any pixel is
    decoded. Raises medimg's named errors, each naming the file. Close the image after
    use (``with open_image(path) as image: ...``).
    """
    path = check_file(path)
    max_pixels = LIMITS.pixels if max_pixels is None else max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooLargeError(
                f"{path}: more pixels than Pillow's safety limit "
                f"({Image.MAX_IMAGE_PIXELS:,}); refused before decoding"
            ) from None
        except UnidentifiedImageError:
            raise NotAnImageError(f"{path}: not an image file (format not recognised)") from None
        except _DAMAGE as err:
            raise DamagedImageError(f"{path}: the image header is truncated or damaged "
                                    f"({err})") from None
    width, height = image.size
    try:
        if width * height > max_pixels:
            raise ImageTooLargeError(
                f"{path}: {height} rows × {width} columns = {width * height:,} pixels, "
                f"more than the limit of {max_pixels:,}; refused before decoding"
            )
        depth = 4 if image.mode in ("I", "F") else 2 if image.mode.startswith("I;16") else 1
        check_budget(path, (height, width, len(image.getbands())), depth, "the image")
    except ImageTooLargeError:
        image.close()
        raise
    except TooLargeError as err:
        image.close()
        raise ImageTooLargeError(str(err)) from None
    return image


def load_image(path: str | PathLike, max_pixels: int | None = None) -> np.ndarray:
    """Read an image file into a numpy array, with a clear error when that is impossible.

    What you get back:

    - grey images (JPEG, PNG, …) → ``(rows, columns)``, uint8;
    - 16-bit grey images (PNG, TIFF) → ``(rows, columns)``, uint16; 32-bit float → float32;
    - colour images → ``(rows, columns, 3)``, uint8, in RGB order. Palette, CMYK and YCbCr
      images are converted to RGB; transparent parts (RGBA, LA) are laid on black.

    The EXIF orientation that phones and some scanners store is applied, so the array is
    the right way up. Only the first frame of a multi-frame file (GIF, TIFF) is read.

    Raises MissingFileError (no such file), IsAFolderError (a folder), NotAFileError (a
    pipe or device), NotAnImageError (not an image), DamagedImageError (truncated or
    corrupt) and ImageTooLargeError (more than ``max_pixels`` pixels, by default
    ``medimg.formats.LIMITS.pixels``). Each message starts with the path.
    """
    with open_image(path, max_pixels) as image:
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
            return _pillow_to_array(upright)
        except _DAMAGE as err:
            raise DamagedImageError(
                f"{path}: the {image.format} file is truncated or damaged ({err})"
            ) from None


def _pillow_to_array(image: Image.Image) -> np.ndarray:
    """Turn a loaded Pillow image into one of the arrays :func:`load_image` promises."""
    mode = image.mode
    if mode == "1":
        image = image.convert("L")
    elif mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif mode not in ("L", "LA", "RGB", "RGBA", "I", "F") and not mode.startswith("I;16"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, …
    if image.mode in ("LA", "RGBA"):
        grey = image.mode == "LA"
        black = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(black, image.convert("RGBA")).convert("L" if grey else "RGB")
    array = np.array(image)
    if image.mode.startswith("I;16"):
        return array.astype(np.uint16)  # native byte order
    if image.mode == "I" and array.size and array.min() >= 0 and array.max() <= 65535:
        return array.astype(np.uint16)
    return array


# --- JPEG headers, read by hand (no decoding) ------------------------------------------

_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}   # not DHT, JPG, DAC
_JPEG_MODES = {1: "L", 3: "RGB", 4: "CMYK"}


def _segments(head: bytes):
    """Walk the chain of JPEG segments in ``head``: yield (offset, marker) of each.

    A JPEG is a chain of segments, each ``FF``, a marker byte and (mostly) a two-byte
    length, up to the first start-of-scan (``FF DA``), after which the image data run.
    Walking the chain, rather than searching for marker bytes, skips what lies inside a
    segment, such as the small JPEG thumbnail many cameras store in their EXIF (APP1)
    segment, with its own markers.
    """
    if head[:2] != b"\xff\xd8":
        return
    i = 2
    while i + 4 <= len(head):
        if head[i] != 0xFF:
            return
        marker = head[i + 1]
        if marker == 0xFF:                          # fill byte before a marker
            i += 1
            continue
        yield i, marker
        if marker == 0xDA:                          # the image data follow
            return
        i += 2 + int.from_bytes(head[i + 2:i + 4], "big")


def jpeg_header(head: bytes) -> tuple[int, int, str] | None:
    """Width, height and Pillow mode of a JPEG, read from the first bytes of the file.

    The start-of-frame segment (``FF C0`` for baseline, ``FF C2`` progressive, ...) holds
    the height, the width and the number of colour components. Returns None when
    ``head`` is not a JPEG or the frame header is not in it (the caller then asks Pillow,
    which reads further and explains what is wrong).
    """
    for i, marker in _segments(head):
        if marker in _SOF_MARKERS:
            if i + 10 > len(head):
                return None
            height = int.from_bytes(head[i + 5:i + 7], "big")
            width = int.from_bytes(head[i + 7:i + 9], "big")
            mode = _JPEG_MODES.get(head[i + 9])
            return (width, height, mode) if mode and width and height else None
        if marker == 0xDA:                          # image data began before any frame header
            return None
    return None


def end_marker_inside(file, head: bytes) -> bool:
    """Whether FF D9 (end of image) follows the image data, with other bytes after it.

    Some tools append bytes after a complete JPEG (padding, a second file); only a file
    with no end marker after the start of its image data is cut short. Inside the
    entropy-coded data FF is always followed by 00 or a restart marker, so FF D9 there
    is the end marker. The search starts at the first start-of-scan found by walking the
    segments (an EXIF thumbnail before it has its own FF D9). Read only for the rare file
    that does not end with FF D9.
    """
    start = next((i for i, marker in _segments(head) if marker == 0xDA), -1)
    if start < 0:
        return False
    file.seek(start)
    previous = b""
    while chunk := file.read(1024 * 1024):
        if b"\xff\xd9" in previous[-1:] + chunk:
            return True
        previous = chunk
    return False


def to_grey(image: np.ndarray) -> np.ndarray:
    """Return a grey ``(rows, columns)`` image; grey input comes back unchanged.

    Colour is mixed with the ITU-R BT.601 weights 0.299 R + 0.587 G + 0.114 B (the same as
    Pillow's ``convert("L")``): green looks brightest to the eye. A fourth (alpha) channel
    lays the colour on black first. The dtype is kept.
    """
    array = _check_2d_or_rgb(image)
    if array.ndim == 2:
        return array
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"expected integer or float pixel values, got dtype {array.dtype}")
    rgb = array[..., :3].astype(np.float64)
    if array.shape[2] == 4:
        top = np.iinfo(array.dtype).max if np.issubdtype(array.dtype, np.integer) else 1.0
        rgb *= array[..., 3:4] / top
    grey = rgb @ np.array([0.299, 0.587, 0.114])
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        return np.clip(np.rint(grey), info.min, info.max).astype(array.dtype)
    return grey.astype(array.dtype)


def is_grey_rgb(image: np.ndarray) -> bool:
    """Return True when a colour image (H, W, 3) has three equal channels, i.e. is grey."""
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"expected a colour image of shape (H, W, 3), got shape {array.shape}")
    return bool(np.array_equal(array[..., 0], array[..., 1])
                and np.array_equal(array[..., 1], array[..., 2]))


def load_grey(path: str | PathLike, max_pixels: int | None = None) -> np.ndarray:
    """Read any image file as a grey ``(rows, columns)`` array: :func:`load_image` + :func:`to_grey`."""
    return to_grey(load_image(path, max_pixels))


def image_files(folder: str | PathLike) -> list[Path]:
    """Return the image files under ``folder`` (any depth), sorted by path.

    Hidden files (``.DS_Store``) and the ``__MACOSX`` copies that zip files made on a Mac
    carry are skipped. Raises NotADirectoryError when ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") or part == "__MACOSX" for part in parts):
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found)


# --- Cropping ----------------------------------------------------------------------------


def crop(image: np.ndarray, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    """Return a copy of ``image[rows[0]:rows[1], cols[0]:cols[1]]``, checking the bounds.

    ``rows`` are the vertical positions (y), ``cols`` the horizontal ones (x); as in Python
    slices, the start is included and the stop is not. Plain slicing quietly shortens or
    empties a crop that runs off the image; here that is a CropOutsideImageError. The result
    is a copy, so changing it never changes ``image``.
    """
    array = np.asarray(image)
    if array.ndim < 2:
        raise ValueError(f"expected an image with rows and columns, got shape {array.shape}")
    checked = []
    for name, bounds, size in (("rows", rows, array.shape[0]), ("columns", cols, array.shape[1])):
        start, stop = (operator.index(value) for value in bounds)
        if not 0 <= start < stop <= size:
            raise CropOutsideImageError(
                f"{name} {start}:{stop} do not fit an image of {array.shape[0]} rows × "
                f"{array.shape[1]} columns: need 0 <= start < stop <= {size}"
            )
        checked.append(slice(start, stop))
    return array[checked[0], checked[1]].copy()


# --- Point operations: invert, stretch, gamma ---------------------------------------------


def invert(image: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Return the negative ``low + high - x`` of every pixel, in the image's own dtype.

    For uint8 this is the lecture's d = 255 − x. By default ``low`` and ``high`` are the
    whole range of an integer dtype (0 and 65535 for uint16; −32768 and 32767 for int16,
    where the rule becomes −1 − x) and the image's own minimum and maximum for floats.
    Pass them to invert, say, a 12-bit image stored as uint16 (``high=4095``).
    Inverting twice gives the image back. Booleans are negated.
    """
    array = np.asarray(image)
    if array.dtype == np.bool_:
        return ~array
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        low = info.min if low is None else int(low)
        high = info.max if high is None else int(high)
        if not info.min <= low <= high <= info.max:
            raise ValueError(f"need {info.min} <= low <= high <= {info.max} for {array.dtype}, "
                             f"got low={low}, high={high}")
    elif np.issubdtype(array.dtype, np.floating):
        if array.size and not np.isfinite(array).all():
            raise ValueError("cannot invert an image that contains NaN or infinity")
        low = float(array.min()) if low is None else float(low)
        high = float(array.max()) if high is None else float(high)
    else:
        raise TypeError(f"expected integer, float or bool pixel values, got dtype {array.dtype}")
    if array.size and (array.min() < low or array.max() > high):
        raise ValueError(f"pixel values {array.min()}–{array.max()} lie outside low={low}, "
                         f"high={high}")
    if np.issubdtype(array.dtype, np.floating):
        return ((low + high) - array).astype(array.dtype)
    if low == 0 and high == info.max:  # the common case, e.g. 255 - x for uint8
        return (high - array).astype(array.dtype)
    # The true result lies in low..high, so wrap-around arithmetic in an unsigned integer
    # of the same width gives exactly its bits, whatever the width (no overflow possible).
    unsigned = np.dtype(f"u{array.dtype.itemsize}")
    total = np.array((low + high) % 2 ** (8 * array.dtype.itemsize), dtype=unsigned)
    return (total - array.astype(unsigned)).astype(array.dtype)


def invert_with_loop(image: np.ndarray) -> np.ndarray:
    """Invert an unsigned-integer grey image one pixel at a time, in plain Python.

    Slow on purpose: it is the loop a beginner would write, kept to be timed against the
    one-line :func:`invert`. The result is identical.
    """
    array = np.asarray(image)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.unsignedinteger):
        raise TypeError(f"expected a grey unsigned-integer image, got {array.dtype} {array.shape}")
    top = np.iinfo(array.dtype).max
    out = np.empty_like(array)
    rows, cols = array.shape
    for r in range(rows):
        for c in range(cols):
            out[r, c] = top - array[r, c]
    return out


def contrast_stretch(image: np.ndarray, low_percentile: float = 1.0,
                     high_percentile: float = 99.0) -> np.ndarray:
    """Spread the values between two percentiles over the full 0–255 range (uint8).

    The darkest ``low_percentile`` % of pixels become 0 and the brightest
    ``100 - high_percentile`` % become 255; the rest are spread evenly between.
    """
    if not 0 <= low_percentile < high_percentile <= 100:
        raise ValueError("need 0 <= low_percentile < high_percentile <= 100, got "
                         f"{low_percentile} and {high_percentile}")
    array = np.asarray(image)
    low, high = np.percentile(array, [low_percentile, high_percentile])
    if not high > low:
        raise ValueError(f"the {low_percentile}th and {high_percentile}th percentiles are both "
                         f"{low}: nothing to stretch")
    return to_uint8(array, low, high)


def gamma(image: np.ndarray, g: float) -> np.ndarray:
    """Apply the gamma curve ``top * (x / top) ** g``, keeping the dtype.

    ``top`` is the dtype's maximum for unsigned integers (255 for uint8); float images must
    lie in 0–1 (``top`` = 1). ``g`` < 1 brightens the dark values, ``g`` > 1 darkens the
    bright ones; black and white stay where they are.
    """
    if not (np.isfinite(g) and g > 0):
        raise ValueError(f"gamma must be a positive number, got {g}")
    array = np.asarray(image)
    if np.issubdtype(array.dtype, np.unsignedinteger):
        top = np.iinfo(array.dtype).max
        if array.dtype == np.uint8:  # a 256-entry lookup table: one calculation per level
            table = np.rint(top * (np.arange(256) / top) ** g).astype(np.uint8)
            return table[array]
        return np.rint(top * (array / top) ** g).astype(array.dtype)
    if np.issubdtype(array.dtype, np.floating):
        if array.size and not (array.min() >= 0 and array.max() <= 1):
            raise ValueError("a float image must lie in 0–1 for gamma; scale it first")
        return (array ** g).astype(array.dtype)
    raise TypeError(f"gamma needs unsigned integers or floats in 0–1, got dtype {array.dtype}")


# --- Looking at values: histogram, timing ---------------------------------------------------


def histogram(image: np.ndarray, bins: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Count how many pixels fall at each grey level: returns ``(counts, edges)``.

    For uint8 and no ``bins`` there is one bin per level 0–255 (``edges`` 0, 1, …, 256).
    Otherwise ``bins`` (default 256) equal bins span the image's minimum to maximum.
    ``counts.sum()`` is always the number of pixels.
    """
    array = np.asarray(image)
    if array.ndim != 2:
        raise ValueError(f"expected a grey (rows, columns) image, got shape {array.shape}; "
                         "convert it with to_grey first")
    if array.dtype == np.uint8 and bins is None:
        return np.bincount(array.ravel(), minlength=256), np.arange(257.0)
    if array.size == 0:
        raise ValueError("cannot take the histogram of an empty image")
    values = array.astype(np.float64)  # bin edges in float64, whatever the dtype
    if not np.isfinite(values).all():
        raise ValueError("cannot take the histogram of an image with NaN or infinity")
    low, high = float(values.min()), float(values.max())
    bins = 256 if bins is None else bins
    if (high - low) < 1e-9 * max(1.0, abs(low), abs(high)):  # (nearly) flat: widen the range
        pad = 0.5 * max(1.0, abs(low))
        low, high = low - pad, high + pad
    return np.histogram(values, bins=bins, range=(low, high))


def best_time(func: Callable, *args, repeat: int = 3) -> float:
    """Run ``func(*args)`` ``repeat`` times and return the fastest run, in seconds.

    The fastest run is the fairest measure: slower runs were slowed by something else.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)
