"""Figures of the chapter "A first classifier, judged honestly".

Every figure reads in greyscale: series differ by line style and marker and are named
on the figure itself, not by colour alone. (Grids of X-rays are drawn by
:func:`medimg.plots.style.grey_panels`.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.patches import Rectangle

from .style import (PRINT_WIDTH, BookFigure, book_figure, legible, new_figure, plain_numbers,
                    show_grey)

#: Line styles and markers that stay distinct in greyscale, in the order series use them.
STYLES = (
    {"color": "black", "linestyle": "-", "marker": "o"},
    {"color": "0.35", "linestyle": "--", "marker": "s"},
    {"color": "0.55", "linestyle": ":", "marker": "^"},
    {"color": "0.2", "linestyle": "-.", "marker": "D"},
)


def _style(i: int, markers: bool = True) -> dict:
    style = dict(STYLES[i % len(STYLES)])
    if not markers:
        style.pop("marker")
    return style


@book_figure
def coefficient_map(coefficients: np.ndarray, mean_normal: np.ndarray,
                    mean_pneumonia: np.ndarray) -> BookFigure:
    """The average training image of each class beside a pixel model's coefficients.

    The coefficients use a colour map whose lightness rises steadily (cividis), so the
    picture reads the same in greyscale: dark pixels push the answer towards normal,
    light ones towards pneumonia, the middle tone is "no effect".
    """
    weights = np.asarray(coefficients, dtype=float)
    if weights.ndim != 2 or np.shape(mean_normal) != weights.shape \
            or np.shape(mean_pneumonia) != weights.shape:
        raise ValueError("need three 2-D arrays of one shape")
    fig = new_figure(6.4, 2.6)
    axes = fig.subplots(1, 3)
    show_grey(axes[0], mean_normal, "average normal\n(training images)", fontsize=9,
              limits=(0, 255))
    show_grey(axes[1], mean_pneumonia, "average pneumonia\n(training images)", fontsize=9,
              limits=(0, 255))
    limit = float(np.abs(weights).max()) or 1.0
    shown = axes[2].imshow(weights, cmap="cividis", vmin=-limit, vmax=limit)
    axes[2].set_title("coefficient of each pixel", fontsize=9)
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    bar = fig.colorbar(shown, ax=axes[2], fraction=0.046, pad=0.04, ticks=[-limit, 0, limit])
    bar.ax.set_yticklabels(["towards\nnormal", "0", "towards\npneumonia"], fontsize=8)
    return legible(fig)


@book_figure
def convolution_demo(matrix: np.ndarray, kernel: np.ndarray, output: np.ndarray,
                     at: tuple[int, int]) -> BookFigure:
    """A matrix, a 3 × 3 kernel and the convolution's output, every value printed.

    The 3 × 3 window whose top-left corner is ``at`` (row, column) is outlined in the
    matrix, and the output cell it produces is outlined in the output.
    """
    values, weights, result = (np.asarray(a) for a in (matrix, kernel, output))
    if weights.shape != (3, 3) or result.shape != (values.shape[0] - 2, values.shape[1] - 2):
        raise ValueError("expected a 3 × 3 kernel and a 'valid' output 2 smaller than the matrix")
    row, col = at
    if not (0 <= row < result.shape[0] and 0 <= col < result.shape[1]):
        raise ValueError(f"position {at} is outside the output of shape {result.shape}")
    fig = new_figure(PRINT_WIDTH, 7.0)   # printed at its own size: its numbers stay >= 7 pt
    # Hundreds of numbers: a fixed layout is much faster to draw than a constrained one.
    fig.set_layout_engine("none")
    grid = fig.add_gridspec(2, 2, width_ratios=[4, 1], height_ratios=[1.05, 1],
                            left=0.05, right=0.99, top=0.93, bottom=0.01, hspace=0.16,
                            wspace=0.12)
    left = fig.add_subplot(grid[0, 0])
    middle = fig.add_gridspec(3, 1, height_ratios=[1, 1.2, 1], left=0.83, right=0.99,
                              top=0.93, bottom=0.53).subplots()[1]
    bottom = fig.add_subplot(grid[1, :])
    _number_grid(left, values, "input: the lecture's matrix", fontsize=7)
    _number_grid(middle, weights, "kernel", fontsize=9)
    _number_grid(bottom, result, "output: one weighted sum per position", fontsize=7.5)
    for ax in fig.axes:
        if ax not in (left, middle, bottom):
            ax.remove()
    left.add_patch(Rectangle((col - 0.5, row - 0.5), 3, 3, fill=False, linewidth=2.5,
                             edgecolor="black"))
    bottom.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, linewidth=2.5,
                               edgecolor="black"))
    return fig


def _number_grid(ax, values: np.ndarray, title: str, fontsize: float) -> None:
    """Draw ``values`` as light grey cells with each number printed (no colour needed)."""
    rows, cols = values.shape
    ax.imshow(np.zeros(values.shape), cmap="gray", vmin=-1, vmax=0.15, aspect="auto")
    for r in range(rows):
        for c in range(cols):
            ax.text(c, r, f"{values[r, c]:g}".replace("-", "−"), ha="center", va="center",
                    fontsize=fontsize, color="black")
    ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.5)
    ax.tick_params(which="both", length=0, labelsize=7)
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.xaxis.tick_top()
    ax.set_title(title, fontsize=9)


@book_figure
def roc_curves(curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
               points: Mapping[str, tuple[float, float]] | None = None) -> BookFigure:
    """ROC curves, one per model: sensitivity against 1 − specificity.

    ``curves`` maps a label (e.g. "filters, AUC 0.94") to (false positive rates,
    sensitivities); ``points`` marks chosen thresholds, label → (fpr, sensitivity). The
    diagonal is the score of guessing.
    """
    if not curves:
        raise ValueError("need at least one curve")
    fig = new_figure(4.8, 4.4)
    ax = fig.subplots()
    _unit_square(ax, "guessing", (0.62, 0.55), margin=0.01)
    for i, (label, (fpr, tpr)) in enumerate(curves.items()):
        ax.plot(fpr, tpr, label=label, linewidth=1.6, **_style(i, markers=False))
    for i, (label, (x, yv)) in enumerate((points or {}).items()):
        ax.plot([x], [yv], marker="os^D"[i % 4], markersize=8, color="black",
                markerfacecolor="white", linestyle="none", label=label)
    ax.set_xlabel("1 − specificity (false positive rate)")
    ax.set_ylabel("sensitivity (true positive rate)")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return legible(fig)


def _unit_square(ax, diagonal: str, at: tuple[float, float], margin: float) -> None:
    """A square 0–1 by 0–1 plot with its diagonal drawn and named (e.g. "guessing")."""
    ax.plot([0, 1], [0, 1], color="0.6", linewidth=1)
    ax.text(*at, diagonal, rotation=45, fontsize=8, color="0.4")
    ax.set_xlim(-margin, 1 + margin)
    ax.set_ylim(-margin, 1 + margin)
    ax.set_aspect("equal")


@book_figure
def score_histograms(panels: Mapping[str, tuple[np.ndarray, np.ndarray]],
                     thresholds: Mapping[str, float]) -> BookFigure:
    """The scores of normal and pneumonia images, one panel per set, with thresholds.

    ``panels`` maps a title (e.g. "validation") to (labels 0/1, scores); ``thresholds``
    maps a name to a threshold, drawn as a vertical line named at its top.
    """
    if not panels:
        raise ValueError("need at least one panel")
    fig = new_figure(6.4, 2.2 * len(panels) + 0.4)
    axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True))
    bins = np.linspace(0, 1, 41)
    for ax, (title, (labels, scores)) in zip(axes, panels.items()):
        labels, scores = np.asarray(labels), np.asarray(scores)
        for value, name, style in ((0, "normal", {"color": "0.45", "fill": True, "alpha": 0.5}),
                                   (1, "pneumonia", {"color": "black", "fill": False,
                                                     "linewidth": 1.5})):
            part = scores[labels == value]
            counts, _ = np.histogram(part, bins)
            ax.stairs(counts, bins, label=f"{name} ({len(part)})", **style)
        ax.set_yscale("symlog", linthresh=10)
        plain_numbers(ax.yaxis)
        ax.set_ylabel("images")
        ax.set_title(title, fontsize=9, loc="left")
        for k, (name, value) in enumerate(thresholds.items()):
            ax.axvline(value, color="black", linestyle=("--", ":", "-.")[k % 3], linewidth=1.2)
            ax.annotate(name, (value, 1), xycoords=("data", "axes fraction"), fontsize=8,
                        ha="center", va="bottom", xytext=(0, 1), textcoords="offset points")
        ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.6, 1))
    axes[-1].set_xlabel("score (the model's probability of pneumonia)")
    return legible(fig)


@book_figure
def interval_plot(rows: Sequence[tuple[str, float, float, float]], *, xlabel: str,
                  reference: float | None = None, reference_label: str = "",
                  xlim: tuple[float, float] | None = None) -> BookFigure:
    """Estimates with their intervals, one row each (a "forest plot").

    ``rows`` holds (label, estimate, low, high), drawn top to bottom; ``reference`` draws
    a dashed vertical line (e.g. the score of guessing, or no difference).
    """
    rows = list(rows)
    if not rows:
        raise ValueError("need at least one row")
    fig = new_figure(6.4, 0.45 * len(rows) + 1.0)
    ax = fig.subplots()
    for k, (label, estimate, low, high) in enumerate(rows):
        y = len(rows) - 1 - k
        ax.plot([low, high], [y, y], color="black", linewidth=2)
        ax.plot([estimate], [y], marker="o", color="black", markerfacecolor="white",
                markersize=7)
        ax.annotate(f"{estimate:.2f} ({low:.2f} to {high:.2f})", (high, y), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)], fontsize=8)
    if reference is not None:
        ax.axvline(reference, color="0.4", linestyle="--", linewidth=1)
        if reference_label:
            ax.annotate(reference_label, (reference, len(rows) - 0.5), fontsize=8,
                        ha="center", va="bottom", color="0.3", annotation_clip=False)
    if xlim:
        ax.set_xlim(*xlim)
    ax.set_ylim(-0.6, len(rows) - 0.2)
    ax.set_xlabel(xlabel)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return legible(fig)


@book_figure
def predictive_values_plot(sensitivity: float, specificity: float, *,
                           marks: Mapping[str, float] | None = None) -> BookFigure:
    """PPV and NPV of one test (fixed sensitivity and specificity) at every prevalence.

    ``marks`` draws vertical lines at named prevalences (e.g. the test set's, and an
    illustrative clinic's) with the PPV and NPV written there.
    """
    from ..evaluate import predictive_values

    prevalence = np.linspace(0.005, 0.995, 199)
    ppv, npv = predictive_values(sensitivity, specificity, prevalence)
    fig = new_figure(6.4, 3.6)
    ax = fig.subplots()
    ax.plot(prevalence, ppv, color="black", linestyle="-", linewidth=1.8)
    ax.plot(prevalence, npv, color="0.35", linestyle="--", linewidth=1.8)
    ax.annotate("PPV", (prevalence[150], ppv[150]), xytext=(0, -14), textcoords="offset points",
                fontsize=9)
    ax.annotate("NPV", (prevalence[150], npv[150]), xytext=(0, -14), textcoords="offset points",
                fontsize=9, color="0.3")
    for k, (name, p) in enumerate((marks or {}).items()):
        at_ppv, at_npv = predictive_values(sensitivity, specificity, p)
        ax.axvline(p, color="0.5", linestyle=":", linewidth=1)
        ax.plot([p, p], [at_ppv, at_npv], linestyle="none", marker="o", color="black",
                markerfacecolor="white")
        ax.annotate(f"{name}\nPPV {at_ppv:.2f}, NPV {at_npv:.2f}", (p, 0.02 + 0.16 * k),
                    xytext=(4, 0), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("prevalence (share of children with pneumonia)")
    ax.set_ylabel("predictive value")
    ax.set_title(f"sensitivity {sensitivity:.2f}, specificity {specificity:.2f}", fontsize=9)
    return legible(fig)


@book_figure
def reliability_diagram(tables: Mapping[str, object]) -> BookFigure:
    """Calibration: the share of pneumonia against the mean score, bin by bin.

    ``tables`` maps a label to :func:`medimg.evaluate.calibration_table`; each series has
    its own marker and line style, with the marker area growing with the bin's count.
    A calibrated model lies on the diagonal.
    """
    if not tables:
        raise ValueError("need at least one calibration table")
    fig = new_figure(4.8, 4.4)
    ax = fig.subplots()
    _unit_square(ax, "calibrated", (0.55, 0.62), margin=0.02)
    for i, (label, table) in enumerate(tables.items()):
        style = _style(i)
        marker = style.pop("marker")
        ax.plot(table["mean score"], table["observed"], label=label, linewidth=1.2, **style)
        ax.scatter(table["mean score"], table["observed"], s=12 + 2 * np.sqrt(table["cases"]) * 4,
                   marker=marker, facecolors="white", edgecolors=style["color"], zorder=3)
    ax.set_xlabel("mean score in the bin (what the model said)")
    ax.set_ylabel("share with pneumonia (what was true)")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return legible(fig)


@book_figure
def learning_curve_plot(table, columns: Sequence[str]) -> BookFigure:
    """AUC against the number of training patients (log scale), one line per scored set.

    ``table`` is :func:`medimg.classify.learning_curve`; ``columns`` the AUC columns to draw,
    each named at the end of its line.
    """
    if not columns:
        raise ValueError("name at least one AUC column")
    fig = new_figure(6.4, 3.4)
    ax = fig.subplots()
    for i, column in enumerate(columns):
        ax.plot(table["patients"], table[column], linewidth=1.6, **_style(i))
        ax.annotate(column.replace("AUC ", ""), (table["patients"].iloc[-1], table[column].iloc[-1]),
                    xytext=(6, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_xscale("log")
    plain_numbers(ax.xaxis)
    ax.set_xlabel("training patients (log scale)")
    ax.set_ylabel("AUC")
    ax.margins(x=0.12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return legible(fig)
