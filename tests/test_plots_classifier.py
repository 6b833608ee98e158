"""medimg.plots for the chapter "A first classifier": what each figure draws, and that it
reads on paper (text at least 7 pt at print size, series told apart without colour)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from medimg import evaluate, features, plots, samples  # noqa: E402

#: The widest a figure may be and still print at full size on the page (inches).
PRINT_WIDTH = 6.5

RNG = np.random.default_rng(0)
TRUTH = RNG.integers(0, 2, 200)
SCORES = np.clip(0.4 * TRUTH + RNG.random(200) * 0.6, 0, 1)


def every_figure():
    matrix = samples.lecture_matrix()
    kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    curve = evaluate.roc(TRUTH, SCORES)
    table = pd.DataFrame({"patients": [10, 100, 1000], "AUC validation": [0.9, 0.95, 0.99],
                          "AUC test": [0.85, 0.9, 0.92]})
    return {
        "coefficient_map": plots.coefficient_map(RNG.normal(size=(8, 8)),
                                                 RNG.random((8, 8)) * 255, RNG.random((8, 8)) * 255),
        "convolution_demo": plots.convolution_demo(
            matrix, kernel, features.convolve3x3(matrix, kernel).astype(int), at=(8, 4)),
        "roc_curves": plots.roc_curves({"a (AUC 0.80)": (curve["fpr"], curve["sensitivity"]),
                                        "b": ([0, 0.5, 1], [0, 0.7, 1])}),
        "score_histograms": plots.score_histograms({"validation": (TRUTH, SCORES),
                                                    "test": (TRUTH, SCORES[::-1])},
                                                   {"screening": 0.3, "confirming": 0.8}),
        "interval_plot": plots.interval_plot([("one", 0.7, 0.6, 0.8), ("two", 0.75, 0.5, 0.9)],
                                             xlabel="accuracy", reference=0.5,
                                             reference_label="guessing"),
        "predictive_values_plot": plots.predictive_values_plot(
            0.94, 0.7, marks={"test set, 62.5 %": 0.625, "clinic (illustrative), 10 %": 0.1}),
        "reliability_diagram": plots.reliability_diagram(
            {"validation": evaluate.calibration_table(TRUTH, SCORES),
             "test": evaluate.calibration_table(TRUTH, SCORES[::-1])}),
        "learning_curve_plot": plots.learning_curve_plot(table, ["AUC validation", "AUC test"]),
    }


@pytest.fixture(scope="module")
def figures():
    return every_figure()


def test_every_chapter_figure_is_exported(figures):
    for name in figures:
        assert name in plots.__all__


def test_every_figure_fits_the_page_and_its_text_is_at_least_7_points(figures):
    for name, fig in figures.items():
        width, _ = fig.get_size_inches()
        assert width <= PRINT_WIDTH, name
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert texts, name
        small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 7]
        assert small == [], name


def test_series_differ_by_line_style_not_only_colour(figures):
    for name in ("roc_curves", "reliability_diagram", "learning_curve_plot"):
        series = [line for line in figures[name].axes[0].get_lines()
                  if len(line.get_xdata()) > 2]            # not the 2-point diagonal
        styles = {(line.get_linestyle(), line.get_marker()) for line in series}
        assert len(series) == 2 and len(styles) == 2, name


def test_the_coefficient_map_uses_a_map_that_reads_in_greyscale(figures):
    ax = figures["coefficient_map"].axes[2]
    image = ax.get_images()[0]
    assert image.get_cmap().name == "cividis"
    low, high = image.get_clim()
    assert low == -high                                     # 0 is the middle tone


def test_the_convolution_demo_prints_every_value(figures):
    fig = figures["convolution_demo"]
    printed = [t.get_text() for t in fig.findobj(Text)]
    assert printed.count("89") >= 1                          # the outlined output
    assert len([t for t in printed if t.lstrip("−").isdigit()]) >= 15 * 14 + 9 + 13 * 12


def test_the_convolution_demo_refuses_mismatched_shapes():
    matrix = samples.lecture_matrix()
    with pytest.raises(ValueError, match="valid"):
        plots.convolution_demo(matrix, np.ones((3, 3)), np.zeros((5, 5)), at=(0, 0))
    with pytest.raises(ValueError, match="outside"):
        plots.convolution_demo(matrix, np.ones((3, 3)), np.zeros((13, 12)), at=(20, 0))


def test_the_prevalence_figure_writes_bayes_values_at_its_marks(figures):
    fig = figures["predictive_values_plot"]
    printed = " ".join(t.get_text() for t in fig.findobj(Text))
    ppv, npv = evaluate.predictive_values(0.94, 0.7, 0.1)
    assert f"PPV {ppv:.2f}, NPV {npv:.2f}" in printed
    assert "illustrative" in printed


def test_the_histograms_name_their_thresholds(figures):
    fig = figures["score_histograms"]
    printed = [t.get_text() for t in fig.findobj(Text)]
    assert printed.count("screening") == 2 and printed.count("confirming") == 2
    assert any(text.startswith("normal (") for text in printed)


def test_the_interval_plot_writes_each_interval(figures):
    printed = [t.get_text() for t in figures["interval_plot"].findobj(Text)]
    assert "0.75 (0.50 to 0.90)" in printed and "guessing" in printed


def test_figures_refuse_empty_input():
    with pytest.raises(ValueError):
        plots.roc_curves({})
    with pytest.raises(ValueError):
        plots.interval_plot([], xlabel="x")
    with pytest.raises(ValueError):
        plots.reliability_diagram({})
    with pytest.raises(ValueError):
        plots.score_histograms({}, {})
    with pytest.raises(ValueError):
        plots.learning_curve_plot(pd.DataFrame(), [])
    with pytest.raises(ValueError, match="one shape"):
        plots.coefficient_map(np.zeros((4, 4)), np.zeros((4, 4)), np.zeros((5, 5)))
