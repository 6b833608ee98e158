"""The book's figures. Each function draws one figure and returns it (never shows it).

Returning the Figure lets a chapter display it and a test check what was drawn: titles,
data, sizes. Sections below follow the chapters.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

# === Fonts and print (issue 7) ===

# === Motivation and images as numbers (issue 3) ===

# === Medical image formats (issue 4) ===
# One CT slice under several windows, a MONOCHROME1 radiograph drawn both ways, and the
# middle slices of a volume labelled with where each array axis points.


def windows_figure(hu, windows, *, height: float = 3.2):
    """Draw one image, in Hounsfield units, under several windows; return the Figure.

    ``windows`` maps a name to ``(centre, width)``. Each panel is
    ``images.window(hu, centre, width)``: values below the window black, above it white.
    """
    from . import images

    hu = np.asarray(hu)
    if hu.ndim != 2:
        raise ValueError(f"expected one 2-D slice, got shape {hu.shape}")
    if not windows:
        raise ValueError("need at least one window")
    fig = plt.Figure(figsize=(height * len(windows), height + 0.5), layout="constrained")
    axes = fig.subplots(1, len(windows), squeeze=False)[0]
    for ax, (name, (centre, width)) in zip(axes, windows.items()):
        ax.imshow(images.window(hu, centre, width), cmap="gray", vmin=0, vmax=255,
                  interpolation="nearest")
        ax.set_title(f"{name}\ncentre {centre:g} HU, width {width:g} HU")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def monochrome_figure(stored, *, height: float = 4.0):
    """Draw a MONOCHROME1 image twice: read wrongly (high = white) and rightly (high = dark).

    ``stored`` holds the file's stored values. Returns the Figure.
    """
    stored = np.asarray(stored)
    if stored.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {stored.shape}")
    low, high = (float(v) for v in np.percentile(stored, [0.5, 99.5]))
    fig = plt.Figure(figsize=(2 * height, height + 0.4), layout="constrained")
    axes = fig.subplots(1, 2)
    panels = (("read as MONOCHROME2: high values white", "gray"),
              ("as the file says, MONOCHROME1: high values dark", "gray_r"))
    for ax, (title, cmap) in zip(axes, panels):
        ax.imshow(stored, cmap=cmap, vmin=low, vmax=high)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def middle_slices(volume, codes: str, *, height: float = 3.0):
    """Draw the middle slice across each axis of a 3-D volume; return the Figure.

    ``codes`` says where each array axis points (e.g. "LAS", from
    ``formats.axis_codes``); each panel's labels name the two axes it shows.
    """
    volume = np.asarray(volume)
    if volume.ndim != 3 or len(codes) != 3:
        raise ValueError(f"need a 3-D volume and 3 axis codes, got {volume.shape}, {codes!r}")
    fig = plt.Figure(figsize=(3 * height, height + 0.6), layout="constrained")
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
    return fig


# === The chest X-ray dataset (issue 8) ===

# === Python pixel operations (issue 5) ===
# Figures for the pixel-operations chapter, made with plt.Figure so that pyplot does not
# keep them and a notebook shows each one once.


def _px_limits(picture: np.ndarray) -> tuple[float, float]:
    """0–255 for uint8 (so that a stretch or an inversion is seen as it is), else min–max."""
    if picture.dtype == np.uint8:
        return 0.0, 255.0
    return float(np.min(picture)), float(np.max(picture))


def colormap_strips(names=("viridis", "gray")):
    """Draw how each named colour map turns the values 0–255 into colours; return the Figure."""
    fig = plt.Figure(figsize=(7, 0.55 * len(names) + 0.9), layout="constrained")
    axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
    ramp = np.arange(256).reshape(1, -1)
    for ax, name in zip(axes, names):
        ax.imshow(ramp, cmap=name, vmin=0, vmax=255, aspect="auto", extent=(-0.5, 255.5, 0, 1))
        ax.set_yticks([])
        ax.set_ylabel(f"cmap='{name}'", rotation=0, ha="right", va="center")
        ax.set_xticks([0, 64, 128, 192, 255])
    axes[-1].set_xlabel("pixel value")
    return fig


def crop_outline(image, rows: tuple[int, int], cols: tuple[int, int],
                 point: tuple[int, int] | None = None):
    """Show ``image`` with the crop ``image[rows[0]:rows[1], cols[0]:cols[1]]`` outlined.

    The axes are labelled as numpy counts them: rows down the side (y), columns along the
    bottom (x). matplotlib places shapes by (x, y), that is (column, row): the outline and
    the optional ``point`` (given as (row, column)) are drawn that way. Returns the Figure.
    """
    from matplotlib.patches import Rectangle

    picture = np.asarray(image)
    (r0, r1), (c0, c1) = rows, cols
    height, width = picture.shape[:2]
    fig = plt.Figure(figsize=(6, 6 * height / width + 0.4), layout="constrained")
    ax = fig.subplots()
    low, high = _px_limits(picture)
    ax.imshow(picture, cmap="gray", vmin=low, vmax=high)
    ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0,
                           fill=False, edgecolor="red", linewidth=2))
    ax.set_title(f"X[{r0}:{r1}, {c0}:{c1}]: rows {r0}–{r1 - 1}, columns {c0}–{c1 - 1}")
    ax.set_xlabel("column index = x  →")
    ax.set_ylabel("row index = y  ↓")
    if point is not None:
        r, c = point
        ax.plot([c], [r], marker="o", markersize=9, color="orange")
        ax.annotate(f"X[{r}, {c}]: row {r}, column {c}\nmatplotlib: x={c}, y={r}", (c, r),
                    xytext=(12, 12), textcoords="offset points", color="orange",
                    fontsize=10, backgroundcolor="black")
    return fig


def pixel_panels(pictures, titles, *, histograms: bool = False, height: float = 3.4):
    """Draw grey images side by side (optionally with each one's histogram underneath).

    uint8 images are drawn with 0 black and 255 white, never stretched by matplotlib, so a
    contrast change shows as it is. Returns the Figure.
    """
    from . import images

    if len(pictures) != len(titles):
        raise ValueError(f"got {len(pictures)} pictures but {len(titles)} titles")
    rows = 2 if histograms else 1
    fig = plt.Figure(figsize=(height * len(pictures), height * (1.45 if histograms else 1.0)),
                     layout="constrained")
    axes = fig.subplots(rows, len(pictures), squeeze=False,
                        height_ratios=[3, 1.3] if histograms else None)
    for i, (picture, title) in enumerate(zip(pictures, titles)):
        picture = np.asarray(picture)
        low, high = _px_limits(picture)
        axes[0, i].imshow(picture, cmap="gray", vmin=low, vmax=high)
        axes[0, i].set_title(title)
        axes[0, i].set_xticks([])
        axes[0, i].set_yticks([])
        if histograms:
            counts, edges = images.histogram(picture)
            axes[1, i].stairs(counts, edges, fill=True, color="0.3")
            axes[1, i].set_xlim(edges[0], edges[-1])
            axes[1, i].set_yticks([])
            axes[1, i].set_xlabel("grey level")
    return fig


def pixel_histogram(image, title: str = "", *, bins: int | None = None, log: bool = False):
    """Draw the histogram of a grey image (how many pixels have each value); return the Figure."""
    from . import images

    counts, edges = images.histogram(image, bins)
    fig = plt.Figure(figsize=(7, 3), layout="constrained")
    ax = fig.subplots()
    ax.stairs(counts, edges, fill=True, color="0.3")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("grey level")
    ax.set_ylabel("number of pixels (log scale)" if log else "number of pixels")
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    return fig


def gamma_curves(gammas=(0.5, 1.0, 2.0)):
    """Draw output level against input level for each gamma (8-bit); return the Figure."""
    from . import images

    levels = np.arange(256, dtype=np.uint8)
    fig = plt.Figure(figsize=(4.2, 4), layout="constrained")
    ax = fig.subplots()
    for g in gammas:
        ax.plot(levels, images.gamma(levels, g), label=f"gamma = {g:g}")
    ax.set_xlabel("input level x")
    ax.set_ylabel("output level")
    ax.set_xlim(0, 255)
    ax.set_ylim(0, 255)
    ax.set_aspect("equal")
    ax.legend()
    return fig


def window_level_grid(image, levels, widths, *, step: int = 1):
    """Show ``image`` through several windows: one row per width, one column per level.

    Each panel is :func:`medimg.images.window` of the image (every ``step``-th pixel, to
    keep the figure light). Returns the Figure.
    """
    from . import images

    picture = np.asarray(image)[::step, ::step]
    fig = plt.Figure(figsize=(2.6 * len(levels), 2.8 * len(widths)), layout="constrained")
    axes = fig.subplots(len(widths), len(levels), squeeze=False)
    for row, width in enumerate(widths):
        for col, level in enumerate(levels):
            ax = axes[row, col]
            ax.imshow(images.window(picture, level, width), cmap="gray", vmin=0, vmax=255)
            ax.set_title(f"level {level:g}, width {width:g}", fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
    return fig


def window_level_widget(image, level: float | None = None, width: float | None = None,
                        *, step: int = 2):
    """Return a live window/level control (two ipywidgets sliders above the picture).

    Moving a slider redraws ``medimg.images.window(image, level, width)`` (every ``step``-th
    pixel). It needs a running kernel; a static page shows :func:`window_level_grid` instead.
    """
    import io

    import ipywidgets as widgets
    from PIL import Image

    from . import images

    picture = np.asarray(image)[::step, ::step]
    low, high = float(picture.min()), float(picture.max())
    span = high - low
    level_slider = widgets.FloatSlider(value=(low + high) / 2 if level is None else level,
                                       min=low, max=high, step=span / 200, description="level")
    width_slider = widgets.FloatSlider(value=span if width is None else width, min=span / 100,
                                       max=2 * span, step=span / 200, description="width")
    shown = widgets.Image(format="png")

    def redraw(change=None) -> None:
        windowed = images.window(picture, level_slider.value, width_slider.value)
        buffer = io.BytesIO()
        Image.fromarray(windowed).save(buffer, format="PNG")
        shown.value = buffer.getvalue()

    level_slider.observe(redraw, names="value")
    width_slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([level_slider, width_slider, shown])
