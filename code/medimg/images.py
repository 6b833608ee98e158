"""Images as numpy arrays: convert, window and (later) crop, invert, histogram.

Every function takes and returns plain numpy arrays, so what a cell shows is what the
function computed.
"""

from __future__ import annotations

import numpy as np


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
