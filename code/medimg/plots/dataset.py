"""Figures of the chapter "The chest X-ray dataset": the workflow, classes, sizes.

(Grids of thumbnails are drawn by :func:`medimg.plots.style.grey_panels`.)
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyBboxPatch

from .style import BookFigure, book_figure, new_figure

WORKFLOW_STEPS = (
    ("Data", "資料", "chest X-rays\nwith labels"),
    ("Preprocessing", "前處理", "resize, scale,\nsplit by patient"),
    ("Model", "模型", "a CNN, e.g.\nDenseNet, ResNet"),
    ("Evaluation", "評估", "sensitivity and\nspecificity on test"),
)


@book_figure
def workflow_diagram(steps=WORKFLOW_STEPS) -> BookFigure:
    """The lecture's workflow (作業流程): boxes joined by arrows, left to right.

    ``steps`` holds (English, 中文, note) for each box.
    """
    steps = list(steps)
    if not steps:
        raise ValueError("need at least one step")

    fig = new_figure(2.3 * len(steps), 2.2)
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


@book_figure
def class_balance(table) -> BookFigure:
    """Bars of normal and pneumonia images per split, each bar labelled with its count.

    ``table`` is :func:`medimg.dataset.counts` (rows train/test/val[/total]).
    """
    rows = [r for r in table.index if r != "total"]
    labels = [c for c in ("NORMAL", "PNEUMONIA") if c in table.columns]
    if not rows or not labels:
        raise ValueError("need a counts table with splits as rows and NORMAL/PNEUMONIA columns")
    fig = new_figure(6.4, 3.2)
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


@book_figure
def image_sizes(images) -> BookFigure:
    """Width against height of every image, one colour per label (from the index)."""
    readable = images.dropna(subset=["width", "height"])
    if readable.empty:
        raise ValueError("no image with a readable size")
    fig = new_figure(5.6, 4.0)
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
