"""The book's figures. Each function draws one figure and returns it (never shows it).

Returning the figure lets a chapter display it and a test check what was drawn: titles,
data, sizes. The figures shared by several chapters, and what every figure has in common
(fonts, glyph check, how it shows itself), are in :mod:`medimg.plots.style`; the others
are in one module per chapter. Everything is available as ``plots.NAME``.
"""

from .classifier import (
                               coefficient_map,
                               convolution_demo,
                               interval_plot,
                               learning_curve_plot,
                               predictive_values_plot,
                               reliability_diagram,
                               roc_curves,
                               score_histograms,
)
from .dataset import WORKFLOW_STEPS, class_balance, image_sizes, workflow_diagram
from .formats import middle_slices, monochrome_figure
from .images_as_numbers import (
                               eight_bit_loss,
                               pixel_grid,
                               region_as_numbers,
                               rgb_channels,
)
from .motivation import colour_judgement, findings_figure, hearing_chart, quiz_figure
from .pixel_operations import (
                               colormap_strips,
                               crop_outline,
                               gamma_curves,
                               pixel_histogram,
                               window_widget,
)
from .style import (
                               FONT_FAMILY,
                               BookFigure,
                               MissingGlyphError,
                               book_figure,
                               check_glyphs,
                               grey_limits,
                               grey_panels,
                               new_figure,
                               show_grey,
                               window_grid,
)

__all__ = [
    "BookFigure", "FONT_FAMILY", "MissingGlyphError", "WORKFLOW_STEPS", "book_figure",
    "check_glyphs", "class_balance", "colormap_strips", "colour_judgement", "crop_outline",
    "eight_bit_loss", "findings_figure", "gamma_curves", "grey_limits", "grey_panels", "hearing_chart",
    "image_sizes", "middle_slices", "monochrome_figure", "new_figure", "pixel_grid",
    "pixel_histogram", "quiz_figure", "region_as_numbers", "rgb_channels", "show_grey",
    "window_grid", "window_widget", "workflow_diagram",
    # chapter "A first classifier"
    "coefficient_map", "convolution_demo", "interval_plot", "learning_curve_plot",
    "predictive_values_plot", "reliability_diagram", "roc_curves", "score_histograms",
]
