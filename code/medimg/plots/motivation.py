"""Figures of the chapter "Motivation": the quiz, judging colours, hearing ranges."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Ellipse
from matplotlib.ticker import FuncFormatter

from .. import hearing
from .style import BookFigure, book_figure, legible, new_figure, show_grey


@book_figure
def quiz_figure(pair, *, reveal: bool = False) -> BookFigure:
    """Draw a :class:`medimg.samples.QuizPair` as films A and B, side by side.

    Both films get panels of the same size, whatever their pixel sizes. With ``reveal``
    the titles say what each film is, and each finding of ``pair.findings`` is marked:
    a region with a dashed outline, a point with an arrow, each with its label.
    """
    fig = new_figure(10, 4.8)
    axes = fig.subplots(1, 2)
    for index, (ax, picture) in enumerate(zip(axes, pair.images)):
        letter = "AB"[index]
        title = f"{letter}: {pair.labels[index]}" if reveal else letter
        show_grey(ax, picture, title)
        if reveal:
            for finding in pair.findings[index]:
                _mark(ax, finding, picture.shape)
    return legible(fig)


@book_figure
def findings_figure(image, findings, title: str = "", *, height: float = 6.0) -> BookFigure:
    """Draw one grey film with its findings (:class:`medimg.samples.Finding`) marked."""
    picture = np.asarray(image)
    if picture.ndim != 2:
        raise ValueError(f"expected a grey image of shape (H, W), got shape {picture.shape}")
    fig = new_figure(height * picture.shape[1] / picture.shape[0], height + 0.4)
    ax = fig.subplots()
    show_grey(ax, picture, title)
    for finding in findings:
        _mark(ax, finding, picture.shape)
    return legible(fig)


def _mark(ax, finding, shape) -> None:
    """Mark one :class:`medimg.samples.Finding` on a film drawn on ``ax``."""
    label = dict(color="white", fontsize=9, ha="center",
                 bbox=dict(boxstyle="round,pad=0.25", facecolor="black", alpha=0.75,
                           edgecolor="none"))
    if finding.is_region:
        ax.add_patch(Ellipse((finding.col, finding.row), 2 * finding.width, 2 * finding.height,
                             fill=False, edgecolor="#ff3030", linewidth=2, linestyle="--"))
        if finding.text:
            ax.text(finding.col, finding.row - finding.height - 0.03 * shape[0], finding.text,
                    va="bottom", **label)
    else:
        # The label sits below the point, towards the nearer side edge of the film.
        towards = -1 if finding.col < shape[1] / 2 else 1
        target = (finding.col + towards * 0.12 * shape[1], finding.row + 0.2 * shape[0])
        ax.annotate(finding.text, (finding.col, finding.row), xytext=target,
                    arrowprops=dict(arrowstyle="->", color="#ffb000", linewidth=2),
                    va="top", **label)


@book_figure
def colour_judgement(colour=(0, 150, 140)) -> BookFigure:
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

    fig = new_figure(7, 2.1)
    axes = fig.subplots(1, 3, width_ratios=[1, 2, 2])
    pictures = [np.broadcast_to(patch, (10, 10, 3)), strip(blue, patch), strip(patch, green)]
    titles = ["alone: blue or green?", "beside blue: greener", "beside green: bluer"]
    for ax, picture, title in zip(axes, pictures, titles):
        ax.imshow(picture, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    return legible(fig)


@book_figure
def hearing_chart(ranges=None, *, highlight: str = "Human", tone_hz: float | None = None) -> BookFigure:
    """Draw hearing ranges as horizontal bars on a logarithmic frequency axis.

    ``ranges`` defaults to the lecture's table (:data:`medimg.hearing.HEARING_RANGES`);
    the ``highlight`` animal gets its own colour, darker than the others' and hatched, so
    that it stands out in a black-and-white copy too; ``tone_hz`` adds a dashed vertical
    line.
    """
    ranges = list(hearing.HEARING_RANGES if ranges is None else ranges)
    if not ranges:
        raise ValueError("need at least one hearing range to draw")
    names = [r.animal for r in ranges]
    if highlight not in names:
        raise ValueError(f"highlight {highlight!r} is not among the animals: {', '.join(names)}")
    fig = new_figure(6.4, 0.36 * len(ranges) + 1.3)
    ax = fig.subplots()
    y = np.arange(len(ranges))
    # Orange against light purple: apart in colour and in grey (luminance 0.42 vs 0.70).
    colours = ["#d95f02" if n == highlight else "#b2abd2" for n in names]
    bars = ax.barh(y, [r.high_hz - r.low_hz for r in ranges], left=[r.low_hz for r in ranges],
                   color=colours, edgecolor="#333333", linewidth=0.6, height=0.6)
    for bar, name in zip(bars, names):
        if name == highlight:
            bar.set_hatch("///")
    ax.set_xscale("log")
    ax.set_xlim(10, 100_000)
    ax.set_yticks(y, names)
    ax.invert_yaxis()  # first animal on top, as in the lecture

    def hz(value, _pos=None) -> str:
        return f"{value / 1000:g} kHz" if value >= 1000 else f"{value:g} Hz"

    ax.xaxis.set_major_formatter(FuncFormatter(hz))
    for yi, r in zip(y, ranges):
        ax.text(r.high_hz * 1.12, yi, f"{hz(r.low_hz)} – {hz(r.high_hz)}", va="center",
                fontsize=8.5, fontweight="bold" if r.animal == highlight else "normal")
    if tone_hz is not None:
        ax.axvline(tone_hz, color="black", linestyle="--", linewidth=1)
        ax.text(tone_hz, -0.9, f"tone: {hz(tone_hz)}", ha="center", fontsize=8.5)
    ax.set_xlabel("frequency (logarithmic scale)")
    ax.set_title("Hearing range of various animals")
    ax.grid(axis="x", which="major", alpha=0.3)
    return legible(fig)
