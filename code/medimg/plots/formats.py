"""Figures of the chapter "Medical image formats": MONOCHROME1, volumes and their axes.

(Windows on a CT slice are drawn by :func:`medimg.plots.style.window_grid`.)
"""

from __future__ import annotations

import numpy as np

from .style import BookFigure, book_figure, legible, new_figure


@book_figure
def monochrome_figure(stored, *, height: float = 4.0) -> BookFigure:
    """Draw a MONOCHROME1 image twice: read wrongly (high = white) and rightly (high = dark).

    ``stored`` holds the file's stored values. Returns the Figure.
    """
    stored = np.asarray(stored)
    if stored.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {stored.shape}")
    low, high = (float(v) for v in np.percentile(stored, [0.5, 99.5]))
    fig = new_figure(2 * height, height + 0.4)
    axes = fig.subplots(1, 2)
    panels = (("read as MONOCHROME2: high values white", "gray"),
              ("as the file says, MONOCHROME1: high values dark", "gray_r"))
    for ax, (title, cmap) in zip(axes, panels):
        ax.imshow(stored, cmap=cmap, vmin=low, vmax=high)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    return legible(fig)


@book_figure
def middle_slices(volume, codes: str, *, height: float = 3.0) -> BookFigure:
    """Draw the middle slice across each axis of a 3-D volume; return the Figure.

    ``codes`` says where each array axis points (e.g. "LAS", from
    ``formats.axis_codes``); each panel's labels name the two axes it shows.
    """
    volume = np.asarray(volume)
    if volume.ndim != 3 or len(codes) != 3:
        raise ValueError(f"need a 3-D volume and 3 axis codes, got {volume.shape}, {codes!r}")
    fig = new_figure(3 * height, height + 0.6)
    axes = fig.subplots(1, 3)
    for k, ax in enumerate(axes):
        rows_axis, cols_axis = [a for a in range(3) if a != k]
        ax.imshow(volume.take(volume.shape[k] // 2, axis=k), cmap="gray",
                  interpolation="nearest")
        ax.set_title(f"middle of axis {k} (towards {codes[k]})", fontsize=10)
        ax.set_ylabel(f"axis {rows_axis}: down = {codes[rows_axis]}")
        ax.set_xlabel(f"axis {cols_axis}: right = {codes[cols_axis]}")
        ax.set_xticks([])
        ax.set_yticks([])
    return legible(fig)
