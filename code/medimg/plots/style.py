"""What every figure of the book shares: its fonts, its way of showing itself, grey panels.

Figure text mixes English and 繁體中文. matplotlib looks each character up in the fonts
of ``font.family`` in turn, so Latin text keeps matplotlib's own DejaVu Sans and Chinese
falls back to Noto Sans CJK TC (Debian package fonts-noto-cjk), whose glyph shapes are
the Traditional ones. Importing this module changes nothing in the process: the fonts
are set only while a figure function runs (:func:`book_figure`), and a character that no
font can draw is an error (:class:`MissingGlyphError`) in the cell that drew it, so a
broken figure fails the build instead of showing empty boxes.

Each figure is a :class:`BookFigure`, which shows itself in a notebook as a PNG image
without any matplotlib backend being switched on, and is never kept by pyplot.
"""

from __future__ import annotations

import functools
import io
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import images
from ..errors import MissingGlyphError

#: Fonts for figure text, tried character by character in this order.
FONT_FAMILY = ["DejaVu Sans", "Noto Sans CJK TC"]

#: matplotlib settings while a figure is drawn: the fonts, and fonts embedded as TrueType
#: (not Type 3) in PDF and PostScript, as print shops ask.
STYLE: dict[str, Any] = {"font.family": FONT_FAMILY, "pdf.fonttype": 42, "ps.fonttype": 42}

#: What matplotlib's warning about a character without a glyph says.
MISSING_GLYPH = r"Glyph .* missing from font"

#: Resolution of the PNG a figure shows in a notebook (dots per inch), and of the pixels
#: of images inside a vector (PDF, SVG) figure, which is print resolution at print size.
PNG_DPI = 100
PRINT_DPI = 200

#: The environment variable that asks figures for more formats than PNG, e.g. "png,pdf"
#: (the PDF edition asks for vector figures this way).
FORMATS_ENV = "MEDIMG_FIGURE_FORMATS"

#: The widest a figure is printed in the PDF edition, in inches: the wide measure of the
#: page (15.6 cm, book/_latex/medimgbook.sty) less the indent of a cell's output. A wider
#: figure is scaled down to it, and its text with it.
PRINT_WIDTH = 5.9

#: The smallest text a figure may have on paper, in points: below it, print becomes hard
#: to read (7 pt is the usual lower limit of journals' figure guidelines).
MIN_PRINT_PT = 7.0

_MIME = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml"}


class BookFigure(Figure):
    """A matplotlib Figure that shows itself in a notebook as an image.

    ``alt`` is a short text description of the figure, carried with the image in the
    notebook's output (as the image's ``alt`` metadata), for readers who cannot see it.
    """
    alt: str = ""

    def _render(self, fmt: str) -> bytes:
        buffer = io.BytesIO()
        with matplotlib.rc_context(STYLE):
            self.savefig(buffer, format=fmt, dpi=PNG_DPI if fmt == "png" else PRINT_DPI,
                         bbox_inches="tight",
                         facecolor="white")
        return buffer.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        wanted = os.environ.get(FORMATS_ENV, "png").replace(" ", "").split(",")
        data: dict[str, Any] = {}
        for fmt in wanted:
            if fmt not in _MIME:
                raise ValueError(f"{FORMATS_ENV}={os.environ[FORMATS_ENV]!r}: unknown "
                                 f"figure format {fmt!r}; choose from {', '.join(_MIME)}")
            content = self._render(fmt)
            data[_MIME[fmt]] = content.decode() if fmt == "svg" else content
        data["text/plain"] = f"<figure: {self.alt}>" if self.alt else repr(self)
        metadata = {"image/png": {"alt": self.alt}} if self.alt and "image/png" in data else {}
        return data, metadata


def printed_width(fig: Figure) -> float:
    """The width in inches of ``fig`` as saved (cropped to its contents, as the book saves)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        # A character without a glyph is check_glyphs' to report, as an error.
        warnings.filterwarnings("ignore", message=MISSING_GLYPH, category=UserWarning)
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        return float(fig.get_tightbbox(renderer).width)


def print_scale(fig: Figure) -> float:
    """How much the PDF edition scales ``fig`` down: 1 up to :data:`PRINT_WIDTH` wide."""
    return min(1.0, PRINT_WIDTH / printed_width(fig))


def visible_texts(fig: Figure) -> list:
    """Every piece of text drawn in ``fig``: titles, labels, tick labels, annotations."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and t.get_figure() is not None]


def smallest_printed_pt(fig: Figure) -> float:
    """The size in points of the smallest text of ``fig`` once printed (see :func:`print_scale`)."""
    scale = print_scale(fig)
    return min((t.get_fontsize() * scale for t in visible_texts(fig)), default=float("inf"))


def legible(fig: Figure, smallest: float = MIN_PRINT_PT + 0.3) -> Figure:
    """Enlarge each text of ``fig`` that would print smaller than ``smallest`` points.

    The figure keeps its size; only text too small on paper grows (to ``smallest`` at
    print size), and the layout makes room for it when the figure is drawn. Returns
    ``fig``. Use it last in a figure function; a figure of small cells with numbers in
    them (a pixel grid) must instead be drawn small enough that its numbers fit.
    """
    scale = print_scale(fig)
    needed = smallest / scale
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for which in ("major", "minor"):
                labels = [t for t in axis.get_ticklabels(which=which)
                          if t.get_visible() and t.get_text().strip()]
                if labels and min(t.get_fontsize() for t in labels) < needed:
                    axis.set_tick_params(which=which, labelsize=needed)
    for text in visible_texts(fig):
        if text.get_fontsize() < needed:
            text.set_fontsize(needed)
    return fig


def plain_numbers(axis) -> None:
    """Label a logarithmic axis with plain numbers (100, 1,000), not powers of ten.

    Powers of ten set their exponent in small type, too small on paper; and 1,000 reads
    more easily than 10³ for most readers. Minor ticks keep their marks, without labels.
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    axis.set_minor_formatter(NullFormatter())


def new_figure(width: float, height: float) -> BookFigure:
    """Return an empty :class:`BookFigure` of ``width`` × ``height`` inches (constrained layout)."""
    return BookFigure(figsize=(width, height), layout="constrained")


def check_glyphs(fig: Figure) -> Figure:
    """Draw ``fig`` once off-screen; raise MissingGlyphError if a character has no glyph.

    Returns the figure unchanged, so that ``return check_glyphs(fig)`` reads naturally.
    """
    with warnings.catch_warnings(), matplotlib.rc_context(STYLE):
        warnings.filterwarnings("error", message=MISSING_GLYPH, category=UserWarning)
        try:
            fig.savefig(io.BytesIO(), format="png", dpi=20)
        except UserWarning as err:
            raise MissingGlyphError(
                f"{err} Fonts tried: {', '.join(FONT_FAMILY)}. "
                "For Chinese text install the Noto CJK fonts (Debian: fonts-noto-cjk)."
            ) from None
    return fig


def book_figure(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Decorate a function that draws a figure: book fonts while it runs, glyphs checked.

    The decorated function returns the same figure, after :func:`check_glyphs`.
    """
    @functools.wraps(draw)
    def drawn(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            fig = draw(*args, **kwargs)
        return check_glyphs(fig)

    return drawn


# --- Grey images -----------------------------------------------------------------------

def grey_limits(image: np.ndarray) -> tuple[float, float]:
    """Display limits: 0–255 for 8-bit images (so that 255 − x looks inverted), else min–max."""
    picture = np.asarray(image)
    if picture.dtype == np.uint8:
        return 0.0, 255.0
    low, high = float(np.min(picture)), float(np.max(picture))
    return low, max(high, low + 1)


def show_grey(ax: Axes, image: np.ndarray, title: str = "", *, fontsize: float | None = None,
              limits: tuple[float, float] | None = None) -> None:
    """Draw a grey image on ``ax`` with :func:`grey_limits` (or ``limits``), no ticks."""
    low, high = grey_limits(image) if limits is None else limits
    ax.imshow(image, cmap="gray", vmin=low, vmax=high)
    ax.set_title(title, fontsize=fontsize)
    ax.set_xticks([])
    ax.set_yticks([])


@book_figure
def grey_panels(pictures: Sequence[np.ndarray], titles: Sequence[str], *,
                columns: int | None = None, histograms: bool = False,
                height: float = 2.6, title_size: float | None = None) -> BookFigure:
    """Draw grey images in a grid (one row unless ``columns`` is given), each with its title.

    8-bit images are drawn with 0 as black and 255 as white, never stretched by
    matplotlib, so a contrast change shows as it is; others from their minimum (black) to
    maximum (white). With ``histograms`` each image has its histogram underneath.
    """
    pictures = [np.asarray(p) for p in pictures]
    titles = list(titles)
    if not pictures or len(pictures) != len(titles):
        raise ValueError(f"need one title per image, got {len(pictures)} images, "
                         f"{len(titles)} titles")
    for picture in pictures:
        if picture.ndim != 2:
            raise ValueError(f"expected grey images of shape (H, W), got shape {picture.shape}")
    columns = len(pictures) if columns is None else max(1, min(columns, len(pictures)))
    rows = -(-len(pictures) // columns)
    per_row = [3, 1.3] if histograms else [1]
    fig = new_figure(height * columns, height * rows * (1.45 if histograms else 1.0))
    axes = fig.subplots(rows * len(per_row), columns, squeeze=False,
                        height_ratios=per_row * rows)
    for ax in axes.ravel():
        ax.set_axis_off()
    for i, (picture, title) in enumerate(zip(pictures, titles)):
        row, column = divmod(i, columns)
        ax = axes[row * len(per_row), column]
        ax.set_axis_on()
        show_grey(ax, picture, title, fontsize=title_size)
        if histograms:
            below = axes[row * len(per_row) + 1, column]
            below.set_axis_on()
            counts, edges = images.histogram(picture)
            below.stairs(counts, edges, fill=True, color="0.3")
            below.set_xlim(edges[0], edges[-1])
            below.set_yticks([])
            below.set_xlabel("grey level")
    return legible(fig)


@book_figure
def window_grid(image: np.ndarray,
                windows: dict[str, tuple[float, float]] | Sequence[tuple[float, float]], *,
                unit: str = "", columns: int = 2, step: int = 1,
                height: float = 3.2) -> BookFigure:
    """Show one image through several windows, one panel each; return the Figure.

    ``windows`` maps a panel's name to ``(center, width)``, as DICOM's WindowCenter and
    WindowWidth give them, or is a list of ``(center, width)`` for panels without names. Each panel is :func:`medimg.images.window` of the image
    (every ``step``-th pixel, to keep the figure light): values below the window black,
    above it white. ``unit`` names the unit of the values in the titles (e.g. "HU").
    """
    picture = np.asarray(image)
    if picture.ndim != 2:
        raise ValueError(f"expected one 2-D image, got shape {picture.shape}")
    if not windows:
        raise ValueError("need at least one window")
    if not isinstance(windows, dict):
        windows = dict(enumerate(windows))            # numbered panels, shown without names
    picture = picture[::step, ::step]
    columns = min(len(windows), columns)
    rows = -(-len(windows) // columns)
    fig = new_figure(height * columns, (height + 0.5) * rows)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[len(windows):]:
        ax.set_axis_off()
    units = f" {unit}" if unit else ""
    for ax, (name, (center, width)) in zip(axes, windows.items()):
        title = f"center {center:g}{units}, width {width:g}{units}"
        named = isinstance(name, str) and name
        show_grey(ax, images.window(picture, center, width), f"{name}\n{title}" if named else title,
                  limits=(0, 255))
    return legible(fig)
