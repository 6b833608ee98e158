"""From pixels to features: what a first classifier is given to look at.

The chapter "A first classifier" builds three kinds of input for a model, from the same
64 × 64 grey chest X-rays:

- :func:`as_vectors`: every image as one row of 4,096 numbers (its pixels, scaled to
  0–1), the simplest possible input;
- :func:`convolve3x3` and :func:`filter_features`: the image passed through a few small
  filters (*convolution*, written out by hand because the chapter teaches it), the
  filter responses averaged over blocks (*pooling*): a hand-made version of what the
  first layers of a convolutional neural network learn by themselves;
- :func:`border_pixels`: only the pixels near the image's edge, where there is no lung,
  to test whether a model can score without looking at the lungs (a *shortcut*).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: Small filters, each a 3 × 3 kernel. The edge kernels are Sobel's (weights 1, 2, 1
#: across, −1 … +1 along), divided by 4 so that a step from 0 to 1 gives a response of 1.
KERNELS: dict[str, np.ndarray] = {
    "blur": np.full((3, 3), 1 / 9),
    "vertical edges": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / 4,
    "horizontal edges": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]) / 4,
    "spots (Laplacian)": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]) / 4,
}


def as_vectors(images: np.ndarray) -> np.ndarray:
    """Return images of shape (n, H, W) as rows of shape (n, H·W), scaled from 0–255 to 0–1.

    Row ``i`` is image ``i`` read row by row, left to right (numpy's ``reshape``): a
    64 × 64 image becomes 4,096 numbers. float32 halves the memory of float64 and is
    plenty for values that started as 8-bit integers.
    """
    stack = np.asarray(images)
    if stack.ndim != 3:
        raise ValueError(f"expected a stack of grey images of shape (n, H, W), got {stack.shape}")
    return stack.reshape(len(stack), -1).astype(np.float32) / np.float32(255)


def convolve3x3(image: np.ndarray, kernel: np.ndarray, *,
                pad: bool = False) -> np.ndarray:
    """Slide a 3 × 3 ``kernel`` over ``image``: each output is a weighted sum.

    ``out[r, c]`` is the sum of ``kernel[i, j] * image[r + i, c + j]`` for
    i, j = 0, 1, 2. Without ``pad`` the kernel must fit inside the image, so
    the output is 2 rows and 2 columns smaller ("valid"); with ``pad`` the
    image is first widened by repeating its edge pixels, and the output keeps
    its size. ``image`` may be a stack (n, H, W): each image is filtered.
    """
    picture, weights = _image_and_kernel(image, kernel, pad)
    rows, cols = picture.shape[-2] - 2, picture.shape[-1] - 2
    out = np.zeros(picture.shape[:-2] + (rows, cols), dtype=picture.dtype)
    # Loop over the 9 weights, not over the pixels: each step adds a whole
    # shifted copy of the image times one weight, which numpy does fast.
    for i in range(3):
        for j in range(3):
            if weights[i, j]:                  # a zero weight adds nothing
                shifted = picture[..., i:i + rows, j:j + cols]
                out += weights[i, j] * shifted
    return out


def _image_and_kernel(image, kernel, pad: bool) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert the arguments of :func:`convolve3x3` (padding if asked).

    float32 images stay float32 (half the memory); anything else becomes float64.
    """
    picture = np.asarray(image)
    picture = picture.astype(np.float32 if picture.dtype == np.float32 else np.float64)
    weights = np.asarray(kernel, dtype=float)
    if weights.shape != (3, 3):
        raise ValueError(f"expected a 3 × 3 kernel, got shape {weights.shape}")
    if picture.ndim not in (2, 3) or min(picture.shape[-2:]) < (1 if pad else 3):
        raise ValueError(f"expected an image (H, W) or a stack (n, H, W) at least 3 × 3, "
                         f"got shape {picture.shape}")
    if pad:
        widths = [(0, 0)] * (picture.ndim - 2) + [(1, 1), (1, 1)]
        picture = np.pad(picture, widths, mode="edge")
    return picture, weights.astype(picture.dtype)


def pool_blocks(responses: np.ndarray, block: int) -> np.ndarray:
    """Average each ``block`` × ``block`` tile of the last two axes (average pooling).

    A 64 × 64 response pooled with block 8 becomes 8 × 8: the model then knows *how much*
    of a pattern there is in each region of the image, not exactly where.
    """
    stack = np.asarray(responses)
    height, width = stack.shape[-2:]
    if block < 1 or height % block or width % block:
        raise ValueError(f"block {block} does not divide the image size {height} × {width}")
    shape = stack.shape[:-2] + (height // block, block, width // block, block)
    return stack.reshape(shape).mean(axis=(-3, -1))


def filter_features(images: np.ndarray,
                    kernels: Mapping[str, np.ndarray] = KERNELS,
                    block: int = 8) -> np.ndarray:
    """Filter each image with each kernel, keep the size, pool by blocks.

    Returns one row per image: for each kernel, the block averages of the
    absolute response (an edge is an edge, dark to bright or bright to dark):
    4 kernels × 8 × 8 blocks = 256 numbers per 64 × 64 image. This is the
    first layer of a convolutional network, made by hand: filters, a
    non-linearity (the absolute value), pooling.
    """
    stack = np.asarray(images)
    if stack.ndim != 3:
        raise ValueError(f"expected images (n, H, W), got {stack.shape}")
    rows = []
    # A few hundred images at a time keep the work in the processor's cache.
    for start in range(0, len(stack), _CHUNK):
        part = as_vectors(stack[start:start + _CHUNK])
        part = part.reshape(-1, *stack.shape[1:])
        columns = []
        for kernel in kernels.values():
            response = np.abs(convolve3x3(part, kernel, pad=True))
            pooled = pool_blocks(response, block)
            columns.append(pooled.reshape(len(part), -1))
        rows.append(np.concatenate(columns, axis=1))
    return np.concatenate(rows, axis=0)


_CHUNK = 256


def border_mask(shape: tuple[int, int], width: int) -> np.ndarray:
    """A boolean image of ``shape`` that is True on the outer ``width`` pixels of each side."""
    height, columns = shape
    if not 0 < 2 * width < min(height, columns):
        raise ValueError(f"a border {width} pixels wide does not fit in {height} × {columns}")
    mask = np.ones(shape, dtype=bool)
    mask[width:height - width, width:columns - width] = False
    return mask


def border_pixels(images: np.ndarray, width: int = 2) -> np.ndarray:
    """Only the outer ``width`` pixels of each image, as rows scaled to 0–1.

    On a chest X-ray the outer rim shows the edge of the film or detector, labels and
    markers, the shoulders or the arms: no lung. A model that scores well on these
    numbers alone has found a difference between the classes that is not pneumonia.
    """
    stack = np.asarray(images)
    mask = border_mask(stack.shape[-2:], width)
    return stack[:, mask].astype(np.float32) / np.float32(255)
