"""Figures of the chapter "Python pixel operations": colour maps, crops, histograms, gamma,
and a live window control.
"""

from __future__ import annotations

import io
import os

import numpy as np
from matplotlib import patheffects
from matplotlib.patches import Rectangle
from PIL import Image

from .. import images
from .style import BookFigure, book_figure, grey_limits, legible, new_figure


@book_figure
def colormap_strips(names=("viridis", "gray")) -> BookFigure:
    """Draw how each named colour map turns the values 0–255 into colours; return the Figure."""
    fig = new_figure(7, 0.55 * len(names) + 0.9)
    axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
    ramp = np.arange(256).reshape(1, -1)
    for ax, name in zip(axes, names):
        ax.imshow(ramp, cmap=name, vmin=0, vmax=255, aspect="auto", extent=(-0.5, 255.5, 0, 1))
        ax.set_yticks([])
        ax.set_ylabel(f"cmap='{name}'", rotation=0, ha="right", va="center")
        ax.set_xticks([0, 64, 128, 192, 255])
    axes[-1].set_xlabel("pixel value")
    return legible(fig)


@book_figure
def crop_outline(image, rows: tuple[int, int], cols: tuple[int, int],
                 point: tuple[int, int] | None = None) -> BookFigure:
    """Show ``image`` with the crop ``image[rows[0]:rows[1], cols[0]:cols[1]]`` outlined.

    The axes are labelled as numpy counts them: rows down the side (y), columns along the
    bottom (x). matplotlib places shapes by (x, y), that is (column, row): the outline and
    the optional ``point`` (given as (row, column)) are drawn that way. Returns the Figure.
    """
    picture = np.asarray(image)
    (r0, r1), (c0, c1) = rows, cols
    height, width = picture.shape[:2]
    fig = new_figure(6, 6 * height / width + 0.4)
    ax = fig.subplots()
    low, high = grey_limits(picture)
    ax.imshow(picture, cmap="gray", vmin=low, vmax=high)
    # Red with a white halo: visible on any pixels, and in a black-and-white copy.
    halo = [patheffects.withStroke(linewidth=4.5, foreground="white")]
    ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0,
                           fill=False, edgecolor="red", linewidth=2, path_effects=halo))
    ax.set_title(f"X[{r0}:{r1}, {c0}:{c1}]: rows {r0}–{r1 - 1}, columns {c0}–{c1 - 1}")
    ax.set_xlabel("column index = x  →")
    ax.set_ylabel("row index = y  ↓")
    if point is not None:
        r, c = point
        ax.plot([c], [r], marker="o", markersize=9, color="orange", markeredgecolor="black")
        ax.annotate(f"X[{r}, {c}]: row {r}, column {c}\nmatplotlib: x={c}, y={r}", (c, r),
                    xytext=(12, 12), textcoords="offset points", color="orange",
                    fontsize=10, backgroundcolor="black")
    return fig


@book_figure
def pixel_histogram(image, title: str = "", *, bins: int | None = None, log: bool = False) -> BookFigure:
    """Draw the histogram of a grey image (how many pixels have each value); return the Figure."""
    counts, edges = images.histogram(image, bins)
    fig = new_figure(7, 3)
    ax = fig.subplots()
    ax.stairs(counts, edges, fill=True, color="0.3")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("grey level")
    ax.set_ylabel("number of pixels (log scale)" if log else "number of pixels")
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    return legible(fig)


@book_figure
def gamma_curves(gammas=(0.5, 1.0, 2.0)) -> BookFigure:
    """Draw output level against input level for each gamma (8-bit); return the Figure.

    Each curve has its own line style and marker as well as its own colour, so that the
    curves stay apart in a black-and-white copy.
    """
    levels = np.arange(256, dtype=np.uint8)
    fig = new_figure(4.2, 4)
    ax = fig.subplots()
    styles = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D"]
    for k, g in enumerate(gammas):
        ax.plot(levels, images.gamma(levels, g), label=f"gamma = {g:g}",
                linestyle=styles[k % len(styles)], marker=markers[k % len(markers)],
                markevery=32, markersize=5, linewidth=1.6)
    ax.set_xlabel("input level x")
    ax.set_ylabel("output level")
    ax.set_xlim(0, 255)
    ax.set_ylim(0, 255)
    ax.set_aspect("equal")
    ax.legend()
    return legible(fig)


#: The variable a Jupyter server sets for the kernels of its notebook sessions (the
#: notebook's path). A book build runs its kernels without a server, and so without it.
SESSION_ENV = "JPY_SESSION_NAME"


def in_live_session() -> bool:
    """True when this kernel was started by a Jupyter server for a notebook session.

    That is the case in JupyterLab, Jupyter Notebook and on Binder; it is not the case
    while the book is built, where no reader could move a slider.
    """
    return SESSION_ENV in os.environ


def window_widget(image: np.ndarray, center: float | None = None, width: float | None = None,
                  *, step: int = 2, live: bool | None = None):
    """Return a live window control: two ipywidgets sliders (center, width) above the picture.

    Moving a slider redraws :func:`medimg.images.window` of ``image`` (every ``step``-th
    pixel). Sliders need a running kernel behind them, so by default (``live=None``) the
    control is made only in a live session (:func:`in_live_session`), and None is returned
    otherwise: a built page or the PDF shows :func:`medimg.plots.style.window_grid`
    instead. ``live=True`` makes the control anyway, for a live session that the check
    does not recognise; ``live=False`` never makes it.
    """
    if not (in_live_session() if live is None else live):
        return None
    import ipywidgets as widgets  # only a live session needs it

    picture = np.asarray(image)[::step, ::step]
    low, high = float(picture.min()), float(picture.max())
    span = high - low
    center_slider = widgets.FloatSlider(value=(low + high) / 2 if center is None else center,
                                        min=low, max=high, step=span / 200,
                                        description="center")
    width_slider = widgets.FloatSlider(value=span if width is None else width, min=span / 100,
                                       max=2 * span, step=span / 200, description="width")
    shown = widgets.Image(format="png")

    def redraw(change=None) -> None:
        windowed = images.window(picture, center_slider.value, width_slider.value)
        buffer = io.BytesIO()
        Image.fromarray(windowed).save(buffer, format="PNG")
        shown.value = buffer.getvalue()

    center_slider.observe(redraw, names="value")
    width_slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([center_slider, width_slider, shown])
