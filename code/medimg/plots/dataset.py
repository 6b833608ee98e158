"""Figures of the chapter "The chest X-ray dataset": the workflow, classes, sizes.

(Grids of thumbnails are drawn by :func:`medimg.plots.style.grey_panels`.)

The figures are drawn at most :data:`PRINT_WIDTH` inches wide, the width of the printed
page's text, with no text smaller than 7 pt, so that they print at their own size; the
two labels are told apart by shape and hatching as well as by colour, so that they
survive a greyscale printer.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyBboxPatch

from .style import BookFigure, book_figure, new_figure

#: The width of the printed page's text (A4 with one-inch margins), in inches.
PRINT_WIDTH = 6.2

#: How each label is drawn: fill colour, edge, hatching (bars) and marker (points).
LABEL_STYLE = {
    "NORMAL": {"color": "#a6c8e6", "edge": "#1f3d5c", "hatch": "", "marker": "o"},
    "PNEUMONIA": {"color": "#c0504d", "edge": "#3d1514", "hatch": "///", "marker": "^"},
}

WORKFLOW_STEPS = (
    ("Data", "資料", "chest X-rays\nwith labels"),
    ("Preprocessing", "前處理", "resize, scale,\nsplit by patient"),
    ("Model", "模型", "a CNN, e.g.\nDenseNet, ResNet"),
    ("Evaluation", "評估", "sensitivity and\nspecificity on test"),
)


@book_figure
def workflow_diagram(steps=WORKFLOW_STEPS) -> BookFigure:
    """The book's reconstruction of the lecture's workflow slide (作業流程), whose picture
    is lost: boxes joined by arrows, left to right.

    ``steps`` holds (English, 中文, note) for each box.
    """
    steps = list(steps)
    if not steps:
        raise ValueError("need at least one step")

    fig = new_figure(min(PRINT_WIDTH, 1.55 * len(steps)), 1.7)
    ax = fig.subplots()
    ax.set_xlim(0, len(steps))
    ax.set_ylim(0.1, 0.95)
    ax.axis("off")
    for i, (english, chinese, note) in enumerate(steps):
        ax.add_patch(FancyBboxPatch((i + 0.08, 0.45), 0.84, 0.45,
                                    boxstyle="round,pad=0,rounding_size=0.06",
                                    facecolor="#e8f0fa", edgecolor="#2b5c8a", linewidth=1.5))
        ax.text(i + 0.5, 0.675, f"{english}\n{chinese}", ha="center", va="center", fontsize=10)
        ax.text(i + 0.5, 0.25, note, ha="center", va="center", fontsize=8, color="#222222")
        if i:
            ax.annotate("", xy=(i + 0.07, 0.675), xytext=(i - 0.07, 0.675),
                        arrowprops={"arrowstyle": "-|>", "color": "#2b5c8a", "lw": 1.5,
                                    "shrinkA": 0, "shrinkB": 0, "mutation_scale": 12})
    return fig


@book_figure
def class_balance(table) -> BookFigure:
    """Bars of normal and pneumonia images per split, each bar labelled with its count.

    ``table`` is :func:`medimg.dataset.counts` (rows train/test/val[/total]).
    """
    rows = [r for r in table.index if r != "total"]
    labels = [c for c in ("NORMAL", "PNEUMONIA") if c in table.columns]
    if not rows or not labels:
        raise ValueError("need a counts table with splits as rows and NORMAL/PNEUMONIA columns")
    fig = new_figure(PRINT_WIDTH, 3.0)
    ax = fig.subplots()
    x = np.arange(len(rows))
    width = 0.38
    for k, label in enumerate(labels):
        style = LABEL_STYLE[label]
        values = [int(table.at[r, label]) for r in rows]
        bars = ax.bar(x + (k - 0.5) * width, values, width, label=label.lower(),
                      color=style["color"], edgecolor=style["edge"], hatch=style["hatch"],
                      linewidth=0.8)
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=2, fontsize=9)
    ax.set_xticks(x, rows)
    ax.set_ylabel("images")
    ax.margins(y=0.15)
    ax.legend(frameon=False)
    ax.set_title("Images per split and label")
    return fig


@book_figure
def image_sizes(images) -> BookFigure:
    """Width against height of every image with a readable size, one marker per label."""
    readable = images.dropna(subset=["width", "height"])
    if readable.empty:
        raise ValueError("no image with a readable size")
    fig = new_figure(4.8, 3.6)
    ax = fig.subplots()
    size = 36 if len(readable) <= 200 else 8
    for label, style in LABEL_STYLE.items():
        part = readable[readable["label"] == label]
        ax.scatter(part["width"].astype(float), part["height"].astype(float), s=size,
                   alpha=0.8, marker=style["marker"], color=style["color"],
                   edgecolors=style["edge"], linewidths=0.6,
                   label=f"{label.lower()} ({len(part):,})")
    ax.set_xlabel("width (pixels)")
    ax.set_ylabel("height (pixels)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(frameon=False)
    ax.set_title("Image sizes")
    return fig
