"""The book's figures. Each function draws one figure and returns it (never shows it).

Returning the Figure lets a chapter display it and a test check what was drawn: titles,
data, sizes. Sections below follow the chapters.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

# === Fonts and print (issue 7) ===
# Figure text mixes English and 繁體中文. matplotlib looks each character up in the fonts
# of `font.family` in turn, so Latin text keeps matplotlib's own DejaVu Sans and
# Chinese falls back to Noto Sans CJK TC (Debian package fonts-noto-cjk), whose glyph
# shapes are the Traditional ones. A character that no font has would be drawn as an
# empty box with only a warning; here it is an error, so a broken figure fails the build.

import io  # noqa: E402
import os  # noqa: E402
import warnings  # noqa: E402

import matplotlib  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

#: Fonts for figure text, tried character by character in this order.
FONT_FAMILY = ["DejaVu Sans", "Noto Sans CJK TC"]

#: What matplotlib's warning about a character without a glyph says.
MISSING_GLYPH = r"Glyph .* missing from font"


class MissingGlyphError(ValueError):
    """A figure has text with a character that none of the fonts can draw."""


def use_book_fonts() -> None:
    """Draw figure text in the book's fonts, and make a missing glyph an error.

    Runs when `medimg.plots` is imported. Sets matplotlib's font list to `FONT_FAMILY`,
    turns the "Glyph … missing from font" warning into
    an exception, and, inside a notebook, checks every figure before it is shown: the
    notebook would otherwise drop a figure whose drawing fails without saying why.
    """
    # Fallback goes along the families of `font.family` (a generic name such as
    # "sans-serif" would stand for one font only), so the list is set there.
    matplotlib.rcParams["font.family"] = FONT_FAMILY
    warnings.filterwarnings("error", message=MISSING_GLYPH, category=UserWarning)
    _check_figures_before_display()


def check_glyphs(fig: Figure) -> Figure:
    """Draw `fig` once off-screen; raise MissingGlyphError if a character has no glyph.

    Returns the figure unchanged, so that ``return check_glyphs(fig)`` reads naturally.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH, category=UserWarning)
        try:
            fig.savefig(io.BytesIO(), format="png", dpi=20)
        except UserWarning as err:
            raise MissingGlyphError(
                f"{err} Fonts tried: {', '.join(matplotlib.rcParams['font.family'])}. "
                "For Chinese text install the Noto CJK fonts (Debian: fonts-noto-cjk)."
            ) from None
    return fig


def _check_figures_before_display() -> None:
    """In IPython, show figures as images and run `check_glyphs` before showing each.

    IPython swallows errors raised while a figure is turned into an image (the figure just
    vanishes from the output); an error raised before that fails the cell, and so the build.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the book's requirements
        return
    shell = get_ipython()
    if shell is None or getattr(shell.display_formatter.format, "checks_glyphs", False):
        return
    # A kernel shows figures as images only once pyplot's backend has been loaded, which
    # `plt.Figure(...)` alone never does: load it now when it is the inline one.
    if "inline" in os.environ.get("MPLBACKEND", ""):
        shell.enable_matplotlib("inline")
    show = shell.display_formatter.format

    def format_checked(obj, include=None, exclude=None):
        if isinstance(obj, Figure):
            check_glyphs(obj)
        return show(obj, include=include, exclude=exclude)

    format_checked.checks_glyphs = True
    shell.display_formatter.format = format_checked


use_book_fonts()


# === Motivation and images as numbers (issue 3) ===
# Figures here are made with plt.Figure (not plt.figure), so pyplot does not keep them
# and a notebook shows each one once: where the cell returns it.

_GREY = "gray"


def _grey_limits(image: np.ndarray) -> tuple[float, float]:
    """Display limits: 0–255 for 8-bit images (so that 255 - x looks inverted), else min–max."""
    if image.dtype == np.uint8:
        return 0.0, 255.0
    return float(np.min(image)), float(np.max(image))


def _show_grey(ax, image: np.ndarray, title: str = "") -> None:
    low, high = _grey_limits(image)
    ax.imshow(image, cmap=_GREY, vmin=low, vmax=high, interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])


def image_row(pictures, titles, *, height: float = 3.6):
    """Draw grey images side by side, each with its title; return the Figure.

    8-bit images are drawn with 0 as black and 255 as white; others from their minimum
    (black) to maximum (white).
    """
    pictures = [np.asarray(p) for p in pictures]
    titles = list(titles)
    if not pictures or len(pictures) != len(titles):
        raise ValueError(f"need one title per image, got {len(pictures)} images, {len(titles)} titles")
    for p in pictures:
        if p.ndim != 2:
            raise ValueError(f"expected grey images of shape (H, W), got shape {p.shape}")
    fig = plt.Figure(figsize=(height * len(pictures), height), layout="constrained")
    axes = fig.subplots(1, len(pictures), squeeze=False)[0]
    for ax, picture, title in zip(axes, pictures, titles):
        _show_grey(ax, picture, title)
    return fig


def hearing_chart(ranges=None, *, highlight: str = "Human", tone_hz: float | None = None):
    """Draw hearing ranges as horizontal bars on a logarithmic frequency axis.

    ``ranges`` defaults to the lecture's table (:data:`medimg.hearing.HEARING_RANGES`);
    the ``highlight`` animal gets its own colour; ``tone_hz`` adds a dashed vertical line.
    """
    from matplotlib.ticker import FuncFormatter

    from . import hearing

    ranges = list(hearing.HEARING_RANGES if ranges is None else ranges)
    if not ranges:
        raise ValueError("need at least one hearing range to draw")
    names = [r.animal for r in ranges]
    if highlight not in names:
        raise ValueError(f"highlight {highlight!r} is not among the animals: {', '.join(names)}")
    fig = plt.Figure(figsize=(8, 0.42 * len(ranges) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(ranges))
    colours = ["#d95f02" if n == highlight else "#7570b3" for n in names]
    ax.barh(y, [r.high_hz - r.low_hz for r in ranges], left=[r.low_hz for r in ranges],
            color=colours, height=0.6)
    ax.set_xscale("log")
    ax.set_xlim(10, 100_000)
    ax.set_yticks(y, names)
    ax.invert_yaxis()  # first animal on top, as in the lecture

    def hz(value, _pos=None) -> str:
        return f"{value / 1000:g} kHz" if value >= 1000 else f"{value:g} Hz"

    ax.xaxis.set_major_formatter(FuncFormatter(hz))
    for yi, r in zip(y, ranges):
        ax.text(r.high_hz * 1.12, yi, f"{hz(r.low_hz)} – {hz(r.high_hz)}", va="center",
                fontsize=8, fontweight="bold" if r.animal == highlight else "normal")
    if tone_hz is not None:
        ax.axvline(tone_hz, color="black", linestyle="--", linewidth=1)
        ax.text(tone_hz, -0.9, f"tone: {hz(tone_hz)}", ha="center", fontsize=8)
    ax.set_xlabel("frequency (logarithmic scale)")
    ax.set_title("Hearing range of various animals")
    ax.grid(axis="x", which="major", alpha=0.3)
    return fig


def pixel_grid(matrix, *, missing=None, ax=None, title: str = "", fontsize: float | None = None):
    """Draw a small grey matrix as an image with every value printed in its cell.

    ``missing`` (a boolean array of the same shape) marks cells whose value is unknown:
    they show a "?". Row and column numbers start at 0, as Python counts. Draws into
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
        fig = plt.Figure(figsize=(max(2.0, 0.5 * cols + 1), max(1.6, 0.5 * rows + 0.8)),
                         layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    low, high = (0, 255) if values.dtype == np.uint8 else (values.min(), max(values.max(), values.min() + 1))
    ax.imshow(values, cmap=_GREY, vmin=low, vmax=high, interpolation="nearest")
    size = fontsize or (9 if cols <= 10 else 7)
    for r in range(rows):
        for c in range(cols):
            if unknown[r, c]:
                ax.text(c, r, "?", ha="center", va="center", color="red", fontsize=size + 3,
                        fontweight="bold")
                continue
            bright = (values[r, c] - low) / (high - low) > 0.5
            ax.text(c, r, str(values[r, c]), ha="center", va="center", fontsize=size,
                    color="black" if bright else "white")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.tick_params(labelsize=7, length=0)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="#888888", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    if title:
        ax.set_title(title)
    return fig


def region_as_numbers(image, row: int, col: int, size: int = 8, zoom: int = 10):
    """Show a grey image, a zoomed neighbourhood, and a size × size region as numbers.

    The region starts at (``row``, ``col``). The middle panel shows ``size * zoom`` pixels
    around it with the region outlined; the right panel prints its values.
    """
    from matplotlib.patches import Rectangle

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
    fig = plt.Figure(figsize=(12, 4.2), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[1, 1, 1.25])
    _show_grey(axes[0], picture, "whole image")
    _show_grey(axes[1], near, f"zoom: {near.shape[0]} × {near.shape[1]} pixels")
    axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), near.shape[1], near.shape[0],
                                fill=False, edgecolor="red", linewidth=1.5))
    axes[1].add_patch(Rectangle((col - left - 0.5, row - top - 0.5), size, size,
                                fill=False, edgecolor="red", linewidth=1.5))
    region = picture[row: row + size, col: col + size]
    pixel_grid(region, ax=axes[2], title=f"rows {row}–{row + size - 1}, columns {col}–{col + size - 1}")
    axes[2].set_xticklabels(range(col, col + size))
    axes[2].set_yticklabels(range(row, row + size))
    return fig


def quiz_figure(pair, *, reveal: bool = False):
    """Draw a :class:`medimg.samples.QuizPair` as images A and B.

    With ``reveal`` the titles say what each image is, and a simulated opacity is
    outlined in red.
    """
    from . import samples

    fig = plt.Figure(figsize=(9, 4.8), layout="constrained")
    axes = fig.subplots(1, 2)
    for index, (ax, picture) in enumerate(zip(axes, pair.images)):
        letter = "AB"[index]
        title = f"{letter}: {pair.labels[index]}" if reveal else letter
        _show_grey(ax, picture, title)
        if reveal and pair.simulated and index == pair.answer:
            ax.contour(samples.opacity_mask(picture.shape), levels=[0.3], colors="red",
                       linewidths=1.2)
    return fig


def rgb_channels(image):
    """Draw a colour image (H, W, 3) and, beside it, its red, green and blue channels in grey."""
    picture = np.asarray(image)
    if picture.ndim != 3 or picture.shape[2] != 3:
        raise ValueError(f"expected a colour image of shape (H, W, 3), got shape {picture.shape}")
    if picture.dtype != np.uint8:
        raise TypeError(f"expected uint8 colour values (0–255), got dtype {picture.dtype}")
    fig = plt.Figure(figsize=(12, 3.4), layout="constrained")
    axes = fig.subplots(1, 4)
    axes[0].imshow(picture, interpolation="nearest")
    axes[0].set_title("the colour image")
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    for channel, name in enumerate(["red", "green", "blue"]):
        _show_grey(axes[channel + 1], picture[..., channel], f"[..., {channel}]: {name} channel")
    return fig


def colour_judgement(colour=(0, 150, 140)):
    """Show one colour patch alone, beside pure blue, and beside pure green.

    Alone, naming the patch "blue" or "green" is an absolute judgement; beside a
    reference it becomes a relative one ("greener than that", "bluer than that").
    """
    patch = np.asarray(colour)
    if patch.shape != (3,) or not np.all((0 <= patch) & (patch <= 255)):
        raise ValueError(f"colour must be three values (red, green, blue) in 0–255, got {colour!r}")
    patch = patch.astype(np.uint8)
    blue, green = np.array([0, 60, 255], np.uint8), np.array([0, 180, 60], np.uint8)

    def strip(left, right):
        image = np.empty((10, 20, 3), np.uint8)
        image[:, :10], image[:, 10:] = left, right
        return image

    fig = plt.Figure(figsize=(10, 2.8), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[1, 2, 2])
    pictures = [np.broadcast_to(patch, (10, 10, 3)), strip(blue, patch), strip(patch, green)]
    titles = ["alone: blue or green?", "beside blue: greener", "beside green: bluer"]
    for ax, picture, title in zip(axes, pictures, titles):
        ax.imshow(picture, interpolation="nearest")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def eight_bit_loss(pixels, rows: slice, cols: slice, width: float | None = None):
    """Show what squeezing many grey levels into 256 loses, in one small region.

    ``pixels`` (integers, e.g. the 15-bit radiograph) are squeezed into 0–255 over their
    whole range, as saving an 8-bit file does. Top: the region under a narrow window
    (``width`` original units around the region's median; default the span of its 2nd to
    98th percentile), before and after. Bottom: how often each value occurs, in original
    units, before and after. Titles give the number of distinct values in the region.
    """
    from . import images

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
    fig = plt.Figure(figsize=(9, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, height_ratios=[1.3, 1])
    _show_grey(axes[0, 0], images.window(crop, center, width),
               f"original: {len(np.unique(crop))} distinct values")
    _show_grey(axes[0, 1], images.window(crop8, (center - low) * scale, width * scale),
               f"after 8 bits: {len(np.unique(crop8))} distinct values")
    for ax, region, to_original in ((axes[1, 0], crop, 0.0), (axes[1, 1], crop8, 1.0)):
        levels, counts = np.unique(region, return_counts=True)
        shown = levels / scale + low if to_original else levels
        ax.vlines(shown, 0, counts, color="#1b9e77", linewidth=1)
        ax.set_xlim(center - width, center + width)
        ax.set_xlabel("value, in the original units")
        ax.set_ylabel("number of pixels")
    return fig


# === Medical image formats (issue 4) ===
# One CT slice under several windows, a MONOCHROME1 radiograph drawn both ways, and the
# middle slices of a volume labelled with where each array axis points.


def windows_figure(hu, windows, *, unit: str = "HU", height: float = 3.2):
    """Draw one image, in Hounsfield units, under several windows; return the Figure.

    ``windows`` maps a name to ``(centre, width)``; panels go two to a row. Each panel is
    ``images.window(hu, centre, width)``: values below the window black, above it white.
    ``unit`` names the unit of the values in the panel titles.
    """
    from . import images

    hu = np.asarray(hu)
    if hu.ndim != 2:
        raise ValueError(f"expected one 2-D slice, got shape {hu.shape}")
    if not windows:
        raise ValueError("need at least one window")
    ncols = min(len(windows), 2)
    nrows = -(-len(windows) // ncols)
    fig = plt.Figure(figsize=(height * ncols, (height + 0.5) * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(windows):]:
        ax.set_axis_off()
    for ax, (name, (centre, width)) in zip(axes, windows.items()):
        ax.imshow(images.window(hu, centre, width), cmap="gray", vmin=0, vmax=255,
                  interpolation="nearest")
        ax.set_title(f"{name}\ncentre {centre:g} {unit}, width {width:g} {unit}")
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
# Figures for the dataset chapter: the lecture's workflow, the class balance, image sizes
# and a grid of thumbnails. Made with plt.Figure so that pyplot does not keep them.

WORKFLOW_STEPS = (
    ("Data", "資料", "chest X-rays\nwith labels"),
    ("Preprocessing", "前處理", "resize, scale,\nsplit by patient"),
    ("Model", "模型", "a CNN, e.g.\nDenseNet, ResNet"),
    ("Evaluation", "評估", "sensitivity and\nspecificity on test"),
)


def workflow_diagram(steps=WORKFLOW_STEPS):
    """The lecture's workflow (作業流程): boxes joined by arrows, left to right.

    ``steps`` holds (English, 中文, note) for each box.
    """
    steps = list(steps)
    if not steps:
        raise ValueError("need at least one step")
    from matplotlib.patches import FancyBboxPatch

    fig = plt.Figure(figsize=(2.3 * len(steps), 2.2), layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(0, len(steps))
    ax.set_ylim(0, 1)
    ax.axis("off")
    for i, (english, chinese, note) in enumerate(steps):
        ax.add_patch(FancyBboxPatch((i + 0.12, 0.45), 0.76, 0.45,
                                    boxstyle="round,pad=0,rounding_size=0.06",
                                    facecolor="#e8f0fa", edgecolor="#2b5c8a", linewidth=1.5))
        ax.text(i + 0.5, 0.675, f"{english}\n{chinese}", ha="center", va="center", fontsize=12)
        ax.text(i + 0.5, 0.27, note, ha="center", va="center", fontsize=9, color="#333333")
        if i:
            ax.annotate("", xy=(i + 0.11, 0.675), xytext=(i - 0.11, 0.675),
                        arrowprops={"arrowstyle": "-|>", "color": "#2b5c8a", "lw": 2,
                                    "shrinkA": 0, "shrinkB": 0})
    return fig


def class_balance(table):
    """Bars of normal and pneumonia images per split, each bar labelled with its count.

    ``table`` is :func:`medimg.dataset.counts` (rows train/test/val[/total]).
    """
    rows = [r for r in table.index if r != "total"]
    labels = [c for c in ("NORMAL", "PNEUMONIA") if c in table.columns]
    if not rows or not labels:
        raise ValueError("need a counts table with splits as rows and NORMAL/PNEUMONIA columns")
    fig = plt.Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(rows))
    width = 0.38
    for k, (label, colour) in enumerate(zip(labels, ("#4c72b0", "#dd8452"))):
        values = [int(table.at[r, label]) for r in rows]
        bars = ax.bar(x + (k - 0.5) * width, values, width, label=label.lower(), color=colour)
        ax.bar_label(bars, padding=2, fontsize=9)
    ax.set_xticks(x, rows)
    ax.set_ylabel("images")
    ax.margins(y=0.15)
    ax.legend(frameon=False)
    ax.set_title("Images per split and label")
    return fig


def image_sizes(images):
    """Width against height of every image, one colour per label (from the index)."""
    readable = images.dropna(subset=["width", "height"])
    if readable.empty:
        raise ValueError("no image with a readable size")
    fig = plt.Figure(figsize=(5.6, 4.0), layout="constrained")
    ax = fig.subplots()
    for label, colour in (("NORMAL", "#4c72b0"), ("PNEUMONIA", "#dd8452")):
        part = readable[readable["label"] == label]
        ax.scatter(part["width"], part["height"], s=8, alpha=0.6, color=colour,
                   label=f"{label.lower()} ({len(part)})")
    ax.set_xlabel("width (pixels)")
    ax.set_ylabel("height (pixels)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(frameon=False)
    ax.set_title("Image sizes")
    return fig


def thumbnail_grid(thumbs, titles, columns: int = 4):
    """Small grey images in a grid, each with a title (e.g. its label and file name)."""
    thumbs, titles = list(thumbs), list(titles)
    if not thumbs or len(thumbs) != len(titles):
        raise ValueError(f"need one title per image, got {len(thumbs)} images, {len(titles)} titles")
    columns = min(columns, len(thumbs))
    rows = -(-len(thumbs) // columns)
    fig = plt.Figure(figsize=(2.3 * columns, 2.3 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, thumb, title in zip(axes, thumbs, titles):
        ax.imshow(np.asarray(thumb), cmap="gray", vmin=0, vmax=255)
        ax.set_title(title, fontsize=8)
    return fig

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
