"""Figures of the chapter "Images as numbers": pixel values, regions, channels, bit depth."""

from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.patches import Rectangle

from .. import images
from .style import PRINT_WIDTH, BookFigure, book_figure, legible, new_figure, show_grey

# An outline drawn in red with a white halo: it shows on dark and light pixels, and in a
# black-and-white copy (where red alone turns into a grey like the image's).
_HALO = [patheffects.withStroke(linewidth=3.5, foreground="white")]


@book_figure
def pixel_grid(matrix, *, missing=None, ax=None, title: str = "", fontsize: float | None = None) -> BookFigure:
    """Draw a small grey matrix as an image with every value printed in its cell.

    ``missing`` (a boolean array of the same shape) marks cells whose value is unknown:
    they are white, hatched, with a bold "?" (told apart by shape, not colour). Row and column numbers start at 0, as Python counts. Draws into
    ``ax`` when given, else makes a Figure; returns the Figure.
    """
    values = np.asarray(matrix)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got shape {values.shape}")
    if not np.issubdtype(values.dtype, np.integer):
        raise TypeError(f"expected integer pixel values, got dtype {values.dtype}")
    if max(values.shape) > 40:
        raise ValueError(f"{values.shape} is too many cells to print; crop to at most 40 × 40")
    unknown = np.zeros(values.shape, bool) if missing is None else np.asarray(missing, bool)
    if unknown.shape != values.shape:
        raise ValueError(f"missing has shape {unknown.shape}, matrix has shape {values.shape}")
    rows, cols = values.shape
    if ax is None:
        # Cells of 0.38 inch hold three digits of 8.5 points, which print at 7 points or more.
        fig = new_figure(max(2.0, 0.38 * cols + 0.7), max(1.4, 0.38 * rows + 0.6))
        ax = fig.subplots()
    else:
        fig = ax.figure
    low, high = (0, 255) if values.dtype == np.uint8 else (values.min(), max(values.max(), values.min() + 1))
    ax.imshow(values, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
    size = fontsize or 9
    for r in range(rows):
        for c in range(cols):
            if unknown[r, c]:
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="white",
                                       edgecolor="0.4", hatch="////", linewidth=0))
                ax.text(c, r, "?", ha="center", va="center", color="#b00000", fontsize=size + 3,
                        fontweight="bold", path_effects=_HALO)
                continue
            bright = (values[r, c] - low) / (high - low) > 0.5
            ax.text(c, r, str(values[r, c]), ha="center", va="center", fontsize=size,
                    color="black" if bright else "white")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.tick_params(labelsize=8, length=0)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="#888888", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    if title:
        ax.set_title(title)
    return fig


@book_figure
def region_as_numbers(image, row: int, col: int, size: int = 8, zoom: int = 10) -> BookFigure:
    """Show a grey image, a zoomed neighbourhood, and a size × size region as numbers.

    The region starts at (``row``, ``col``). The middle panel shows ``size * zoom`` pixels
    around it with the region outlined; the right panel prints its values.
    """
    picture = np.asarray(image)
    if picture.ndim != 2:
        raise ValueError(f"expected a grey image of shape (H, W), got shape {picture.shape}")
    height, width = picture.shape
    if not (0 <= row and 0 <= col and row + size <= height and col + size <= width):
        raise ValueError(f"region {size} × {size} at ({row}, {col}) does not fit in {picture.shape}")
    span = size * zoom
    top = int(np.clip(row + size // 2 - span // 2, 0, max(height - span, 0)))
    left = int(np.clip(col + size // 2 - span // 2, 0, max(width - span, 0)))
    near = picture[top: top + span, left: left + span]
    # Drawn at print size: the numbers of the region must fit their cells.
    fig = new_figure(PRINT_WIDTH, 2.6)
    axes = fig.subplots(1, 3, width_ratios=[1, 1, 1.25])
    show_grey(axes[0], picture, "whole image", fontsize=8.5)
    show_grey(axes[1], near, f"zoom: {near.shape[0]} × {near.shape[1]} pixels", fontsize=8.5)
    axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), near.shape[1], near.shape[0],
                                fill=False, edgecolor="red", linewidth=1.5, path_effects=_HALO))
    axes[1].add_patch(Rectangle((col - left - 0.5, row - top - 0.5), size, size,
                                fill=False, edgecolor="red", linewidth=1.5, path_effects=_HALO))
    region = picture[row: row + size, col: col + size]
    pixel_grid(region, ax=axes[2], title=f"rows {row}–{row + size - 1}, columns {col}–{col + size - 1}",
               fontsize=7.5)
    axes[2].title.set_fontsize(8.5)
    axes[2].set_xticklabels(range(col, col + size))
    axes[2].set_yticklabels(range(row, row + size))
    axes[2].tick_params(labelsize=7.5)
    return fig


@book_figure
def rgb_channels(image) -> BookFigure:
    """Draw a colour image (H, W, 3) and, beside it, its red, green and blue channels in grey."""
    picture = np.asarray(image)
    if picture.ndim != 3 or picture.shape[2] != 3:
        raise ValueError(f"expected a colour image of shape (H, W, 3), got shape {picture.shape}")
    if picture.dtype != np.uint8:
        raise TypeError(f"expected uint8 colour values (0–255), got dtype {picture.dtype}")
    fig = new_figure(7, 2.2)
    axes = fig.subplots(1, 4)
    axes[0].imshow(picture, interpolation="nearest")
    axes[0].set_title("the colour image", fontsize=9)
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    for channel, name in enumerate(["red", "green", "blue"]):
        show_grey(axes[channel + 1], picture[..., channel], f"[..., {channel}]: {name} channel",
                  fontsize=9)
    return legible(fig)


@book_figure
def eight_bit_loss(pixels, rows: slice, cols: slice, width: float | None = None) -> BookFigure:
    """Show what squeezing many grey levels into 256 loses, in one small region.

    ``pixels`` (integers, e.g. the 15-bit radiograph) are squeezed into 0–255 over their
    whole range, as saving an 8-bit file does. Top: the region under a narrow window
    (``width`` original units around the region's median; default the span of its 2nd to
    98th percentile), before and after. Bottom: how often each value occurs, in original
    units, before and after. Titles give the number of distinct values in the region.
    """
    values = np.asarray(pixels)
    if values.ndim != 2 or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"expected a 2-D integer image, got shape {values.shape}, dtype {values.dtype}")
    low, high = float(values.min()), float(values.max())
    eight = images.to_uint8(values)
    crop, crop8 = values[rows, cols], eight[rows, cols]
    if crop.size == 0:
        raise ValueError("the region is empty")
    center = float(np.median(crop))
    if width is None:
        p2, p98 = np.percentile(crop, [2, 98])
        width = max(float(p98 - p2), 1.0)
    scale = 255 / (high - low)
    fig = new_figure(6.6, 5.6)
    axes = fig.subplots(2, 2, height_ratios=[1.3, 1])
    show_grey(axes[0, 0], images.window(crop, center, width),
               f"original: {len(np.unique(crop))} distinct values")
    show_grey(axes[0, 1], images.window(crop8, (center - low) * scale, width * scale),
               f"after 8 bits: {len(np.unique(crop8))} distinct values")
    for ax, region, to_original in ((axes[1, 0], crop, 0.0), (axes[1, 1], crop8, 1.0)):
        levels, counts = np.unique(region, return_counts=True)
        shown = levels / scale + low if to_original else levels
        ax.vlines(shown, 0, counts, color="#1b9e77", linewidth=1)
        ax.set_xlim(center - width, center + width)
        ax.set_xlabel("value, in the original units")
        ax.set_ylabel("number of pixels")
    return legible(fig)
