"""medimg.plots: each figure draws what it says (titles, data, sizes)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from medimg import plots  # noqa: E402

# --- Fonts, glyphs and how a figure shows itself ---

import io  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# A private-use code point: no font has a glyph for it.
NO_GLYPH = "\U0010fffd"


def _titled(text: str) -> Figure:
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().set_title(text)
    return fig


def test_importing_plots_changes_nothing_in_the_process():
    """No rcParams, warning filters or IPython formatters are touched by the import."""
    import subprocess
    import sys
    code = ("import matplotlib, warnings; rc = dict(matplotlib.rcParams); "
            "filters = list(warnings.filters); import medimg.plots; "
            "assert dict(matplotlib.rcParams) == rc, 'rcParams changed'; "
            "assert list(warnings.filters) == filters, 'warning filters changed'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_figures_are_drawn_in_the_book_fonts():
    fig = plots.grey_panels([np.zeros((4, 4), np.uint8)], ["像素 pixel"])
    title = fig.axes[0].title
    assert list(title.get_fontfamily())[:2] == plots.FONT_FAMILY


def test_the_cjk_font_is_the_traditional_noto_face():
    path = font_manager.findfont(font_manager.FontProperties(family="Noto Sans CJK TC"),
                                 fallback_to_default=False)
    assert Path(path).name.startswith("NotoSansCJK")


def test_chinese_figure_text_has_every_glyph():
    fig = plots.new_figure(3, 2)
    with matplotlib.rc_context(plots.style.STYLE):
        fig.add_subplot().set_title("Pixel 像素 · 矩陣 · 肺炎 · 胸部X光")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert plots.check_glyphs(fig) is fig
        fig._repr_mimebundle_()
    assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []


def test_a_glyph_no_font_has_is_an_error():
    with pytest.raises(plots.MissingGlyphError, match="missing from font.*fonts-noto-cjk"):
        plots.check_glyphs(_titled(f"x {NO_GLYPH}"))


def test_a_figure_function_with_a_missing_glyph_fails_where_it_is_called():
    with pytest.raises(plots.MissingGlyphError):
        plots.grey_panels([np.zeros((4, 4), np.uint8)], [f"x {NO_GLYPH}"])


def test_a_figure_shows_itself_as_png_with_its_alt_text(monkeypatch):
    """A notebook shows a BookFigure as an image without any matplotlib backend."""
    from IPython.core.formatters import DisplayFormatter

    fig = plots.grey_panels([np.zeros((4, 4), np.uint8)], ["a"])
    fig.alt = "A black square."
    data, metadata = DisplayFormatter().format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata["image/png"]["alt"] == "A black square."
    monkeypatch.setenv(plots.style.FORMATS_ENV, "png,pdf")
    data, _ = fig._repr_mimebundle_()
    assert data["application/pdf"][:5] == b"%PDF-"
    monkeypatch.setenv(plots.style.FORMATS_ENV, "png,gif")
    with pytest.raises(ValueError, match="gif"):
        fig._repr_mimebundle_()


def test_pdf_figures_embed_truetype_fonts_not_type3(monkeypatch):
    monkeypatch.setenv(plots.style.FORMATS_ENV, "pdf")
    fig = plots.grey_panels([np.zeros((4, 4), np.uint8)], ["像素 pixel"])
    pdf = fig._repr_mimebundle_()[0]["application/pdf"]
    assert b"/Subtype /Type3" not in pdf and b"/FontFile2" in pdf


# --- Motivation and images as numbers ---

from medimg import hearing, samples  # noqa: E402


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_grey_panels_draw_each_image_with_its_title():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    fig = plots.grey_panels([grey, grey.astype(np.uint16) * 1000], ["a", "b"])
    a, b = fig.axes
    assert (a.get_title(), b.get_title()) == ("a", "b")
    assert a.images[0].get_clim() == (0, 255)  # 8-bit: 0 black, 255 white, not stretched
    assert b.images[0].get_clim() == (0, 11000)
    assert np.array_equal(a.images[0].get_array(), grey)


@pytest.mark.parametrize("pictures, titles", [
    ([], []), ([np.zeros((2, 2))], ["a", "b"]), ([np.zeros((2, 2, 3))], ["rgb"]),
])
def test_grey_panels_reject_bad_input(pictures, titles):
    with pytest.raises(ValueError):
        plots.grey_panels(pictures, titles)


def test_hearing_chart_draws_the_lecture_ranges_on_a_log_axis():
    fig = plots.hearing_chart(tone_hz=9_000)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    bars = ax.patches
    assert len(bars) == len(hearing.HEARING_RANGES) == 12
    for bar, r in zip(bars, hearing.HEARING_RANGES):
        assert bar.get_x() == pytest.approx(r.low_hz)
        assert bar.get_x() + bar.get_width() == pytest.approx(r.high_hz)
    human = bars[hearing.animals().index("Human")]
    colours = {tuple(b.get_facecolor()) for b in bars}
    assert len(colours) == 2 and sum(b.get_facecolor() == human.get_facecolor() for b in bars) == 1
    assert [t.get_text() for t in ax.get_yticklabels()] == hearing.animals()
    assert "31 Hz – 19 kHz" in _texts(ax) and "tone: 9 kHz" in _texts(ax)
    assert ax.lines[0].get_xdata()[0] == 9_000
    assert "Hearing range" in ax.get_title()


def test_hearing_chart_rejects_an_unknown_highlight_or_no_data():
    with pytest.raises(ValueError, match="Unicorn"):
        plots.hearing_chart(highlight="Unicorn")
    with pytest.raises(ValueError, match="at least one"):
        plots.hearing_chart([])


def test_pixel_grid_prints_every_value_and_marks_missing_ones():
    m = samples.lecture_matrix()
    fig = plots.pixel_grid(m, missing=samples.lecture_matrix_missing(), title="lecture")
    ax = fig.axes[0]
    texts = ax.texts
    assert len(texts) == 15 * 14
    by_place = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in texts}
    assert by_place[(9, 4)].get_text() == "254"
    assert by_place[(11, 12)].get_text() == "?"
    assert by_place[(0, 0)].get_color() == "white" and by_place[(9, 4)].get_color() == "black"
    assert np.array_equal(ax.images[0].get_array(), m)
    assert ax.images[0].get_clim() == (0, 255)
    assert ax.get_title() == "lecture"


def test_pixel_grid_scales_other_integers_to_their_range():
    fig = plots.pixel_grid(np.array([[1000, 3000]], dtype=np.uint16))
    assert fig.axes[0].images[0].get_clim() == (1000, 3000)
    assert [t.get_text() for t in fig.axes[0].texts] == ["1000", "3000"]


@pytest.mark.parametrize("matrix, kwargs, error", [
    (np.zeros(5, np.uint8), {}, ValueError),
    (np.zeros((2, 2)), {}, TypeError),
    (np.zeros((41, 3), np.uint8), {}, ValueError),
    (np.zeros((2, 2), np.uint8), {"missing": np.zeros((3, 3), bool)}, ValueError),
])
def test_pixel_grid_rejects_bad_input(matrix, kwargs, error):
    with pytest.raises(error):
        plots.pixel_grid(matrix, **kwargs)


def test_region_as_numbers_prints_the_region_of_the_image():
    image = (np.arange(100 * 120) % 251).astype(np.uint8).reshape(100, 120)
    fig = plots.region_as_numbers(image, 40, 50, size=4, zoom=5)
    whole, near, numbers = fig.axes[:3]
    assert np.array_equal(whole.images[0].get_array(), image)
    assert near.images[0].get_array().shape == (20, 20)
    assert [t.get_text() for t in numbers.texts] == [str(v) for v in image[40:44, 50:54].ravel()]
    assert [t.get_text() for t in numbers.get_yticklabels()] == ["40", "41", "42", "43"]
    box = near.patches[0]
    assert (box.get_width(), box.get_height()) == (4, 4)
    assert numbers.get_title() == "rows 40–43, columns 50–53"


@pytest.mark.parametrize("row, col", [(-1, 0), (98, 0), (0, 118)])
def test_region_as_numbers_rejects_a_region_outside(row, col):
    with pytest.raises(ValueError, match="does not fit"):
        plots.region_as_numbers(np.zeros((100, 120), np.uint8), row, col, size=4)


def test_region_as_numbers_needs_a_grey_image():
    with pytest.raises(ValueError, match="grey"):
        plots.region_as_numbers(np.zeros((10, 10, 3), np.uint8), 0, 0)


def _small_pair():
    normal = np.full((60, 50), 80, np.uint8)
    sick = np.tile(np.arange(40, dtype=np.uint8) * 6, (30, 1))
    findings = ((), (samples.Finding("patch", 15, 10, height=5, width=8),
                     samples.Finding("edge", 20, 30)))
    return samples.QuizPair(images=(normal, sick), labels=("NORMAL", "PNEUMONIA"), answer=1,
                            sources=("n.jpeg", "s.jpeg"), findings=findings)


def test_quiz_figure_hides_the_answer_until_revealed():
    from matplotlib.patches import Ellipse
    from matplotlib.text import Annotation

    pair = _small_pair()
    hidden = plots.quiz_figure(pair)
    assert [ax.get_title() for ax in hidden.axes] == ["A", "B"]
    assert not any(ax.patches or ax.texts for ax in hidden.axes)
    assert [ax.images[0].get_array().shape for ax in hidden.axes] == [(60, 50), (30, 40)]
    shown = plots.quiz_figure(pair, reveal=True)
    assert [ax.get_title() for ax in shown.axes] == ["A: NORMAL", "B: PNEUMONIA"]
    assert not shown.axes[0].patches and not shown.axes[0].texts  # nothing on the normal film
    ellipse, = shown.axes[1].patches
    assert isinstance(ellipse, Ellipse) and tuple(ellipse.center) == (10, 15)
    assert (ellipse.width, ellipse.height) == (16, 10)
    texts = {t.get_text(): t for t in shown.axes[1].texts}
    assert set(texts) == {"patch", "edge"}
    assert isinstance(texts["edge"], Annotation) and texts["edge"].xy == (30, 20)


def test_the_real_quiz_figure_draws_both_films():
    pair = samples.quiz_pair()
    fig = plots.quiz_figure(pair, reveal=True)
    for ax, image in zip(fig.axes, pair.images):
        assert ax.images[0].get_array().shape == image.shape
    assert len(fig.axes[pair.answer].texts) == 3 and not fig.axes[1 - pair.answer].texts


def test_findings_figure_outlines_each_region_without_a_label():
    film = np.zeros((100, 80), np.uint8)
    circles = [samples.Finding("", 30, 20, height=5, width=5),
               samples.Finding("", 70, 60, height=8, width=6)]
    fig = plots.findings_figure(film, circles, "film")
    ax, = fig.axes
    assert ax.get_title() == "film" and len(ax.patches) == 2 and not ax.texts
    assert [tuple(p.center) for p in ax.patches] == [(20, 30), (60, 70)]
    assert not plots.findings_figure(film, []).axes[0].patches
    with pytest.raises(ValueError, match="grey"):
        plots.findings_figure(np.zeros((4, 4, 3), np.uint8), [])


def test_rgb_channels_shows_each_channel_in_grey():
    rgb = samples.rgb_circles(40)
    fig = plots.rgb_channels(rgb)
    assert len(fig.axes) == 4
    assert np.array_equal(fig.axes[0].images[0].get_array(), rgb)
    for channel, ax in enumerate(fig.axes[1:]):
        assert np.array_equal(ax.images[0].get_array(), rgb[..., channel])
        assert ax.images[0].get_cmap().name == "gray"
    assert "red" in fig.axes[1].get_title() and "blue" in fig.axes[3].get_title()


@pytest.mark.parametrize("image, error", [
    (np.zeros((4, 4), np.uint8), ValueError), (np.zeros((4, 4, 3)), TypeError),
])
def test_rgb_channels_rejects_bad_input(image, error):
    with pytest.raises(error):
        plots.rgb_channels(image)


def test_colour_judgement_uses_one_patch_three_times():
    fig = plots.colour_judgement((10, 20, 30))
    alone, blue, green = (ax.images[0].get_array() for ax in fig.axes)
    assert alone[0, 0].tolist() == [10, 20, 30]
    assert blue[0, -1].tolist() == green[0, 0].tolist() == [10, 20, 30]
    assert blue[0, 0, 2] == 255 and green[0, -1, 1] > green[0, -1, 2]
    with pytest.raises(ValueError, match="colour"):
        plots.colour_judgement((0, 300, 0))
    with pytest.raises(ValueError, match="colour"):
        plots.colour_judgement((0, 0))


def test_eight_bit_loss_counts_levels_before_and_after():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 2**15, size=(80, 80)).astype(np.uint16)
    pixels[20:40, 20:40] = rng.integers(10_000, 10_600, size=(20, 20))
    fig = plots.eight_bit_loss(pixels, slice(20, 40), slice(20, 40))
    before, after = fig.axes[0].get_title(), fig.axes[1].get_title()
    region = pixels[20:40, 20:40]
    assert before == f"original: {len(np.unique(region))} distinct values"
    # 600 original units squeezed at 255 / 32767 per unit leave at most 6 levels.
    assert int(after.split(": ")[1].split()[0]) <= 6
    assert len(fig.axes) == 4


@pytest.mark.parametrize("pixels, rows", [
    (np.zeros((10, 10)), slice(0, 5)),
    (np.zeros((10, 10, 3), np.uint16), slice(0, 5)),
    (np.arange(100, dtype=np.uint16).reshape(10, 10), slice(5, 5)),
])
def test_eight_bit_loss_rejects_bad_input(pixels, rows):
    with pytest.raises(ValueError):
        plots.eight_bit_loss(pixels, rows, slice(0, 5))


# --- Medical image formats ---


def test_window_grid_draws_one_windowed_panel_per_window():
    from medimg import images

    hu = np.linspace(-1000, 1000, 64 * 64).reshape(64, 64)
    windows = {"lung": (-600, 1500), "bone": (400, 1800), "soft": (40, 400)}
    fig = plots.window_grid(hu, windows, unit="HU")
    axes = fig.get_axes()
    assert len(axes) == 4 and not axes[3].axison  # two rows of two, the last one empty
    assert axes[0].get_title() == "lung\ncenter -600 HU, width 1500 HU"
    drawn = axes[1].get_images()[0].get_array()
    assert np.array_equal(drawn, images.window(hu, 400, 1800))
    other = plots.window_grid(hu, {"raw": (0, 10)}, unit="stored")
    assert other.get_axes()[0].get_title() == "raw\ncenter 0 stored, width 10 stored"


def test_window_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        plots.window_grid(np.zeros((2, 2, 2)), {"a": (0, 1)})
    with pytest.raises(ValueError, match="window"):
        plots.window_grid(np.zeros((2, 2)), {})


def test_monochrome_figure_draws_the_same_values_with_opposite_maps():
    stored = np.arange(100, dtype=np.uint16).reshape(10, 10)
    fig = plots.monochrome_figure(stored)
    left, right = (ax.get_images()[0] for ax in fig.get_axes())
    assert np.array_equal(left.get_array(), stored) and np.array_equal(right.get_array(), stored)
    assert left.get_cmap().name == "gray" and right.get_cmap().name == "gray_r"
    assert "MONOCHROME1" in fig.get_axes()[1].get_title()
    with pytest.raises(ValueError, match="2-D"):
        plots.monochrome_figure(np.zeros(5))


def test_middle_slices_labels_axes_with_their_directions():
    volume = np.arange(4 * 6 * 8).reshape(4, 6, 8)
    fig = plots.middle_slices(volume, "LAS")
    axes = fig.get_axes()
    assert [ax.get_images()[0].get_array().shape for ax in axes] == [(6, 8), (4, 8), (4, 6)]
    assert np.array_equal(axes[0].get_images()[0].get_array(), volume[2])
    assert axes[0].get_ylabel() == "axis 1: down = A" and axes[0].get_xlabel() == "axis 2: right = S"
    assert axes[2].get_title() == "middle of axis 2 (towards S)"
    with pytest.raises(ValueError, match="3-D"):
        plots.middle_slices(volume[0], "LA")


# --- The chest X-ray dataset ---

def _dataset_counts():
    import pandas as pd
    return pd.DataFrame({"NORMAL": [1341, 234, 8, 1583], "PNEUMONIA": [3875, 390, 8, 4273]},
                        index=["train", "test", "val", "total"])


def test_workflow_diagram_has_the_four_steps_in_order():
    fig = plots.workflow_diagram()
    texts = [t.get_text() for t in fig.axes[0].texts]
    boxes = [t for t in texts if "\n" in t and t.split("\n")[0] in
             ("Data", "Preprocessing", "Model", "Evaluation")]
    assert [b.split("\n")[0] for b in boxes] == ["Data", "Preprocessing", "Model", "Evaluation"]
    assert "資料" in boxes[0] and "評估" in boxes[3]
    arrows = [c for c in fig.axes[0].get_children()
              if type(c).__name__ == "Annotation" and c.arrow_patch is not None]
    assert len(arrows) == 3
    plots.check_glyphs(fig)
    with pytest.raises(ValueError, match="at least one"):
        plots.workflow_diagram([])


def test_class_balance_bars_show_the_counts():
    fig = plots.class_balance(_dataset_counts())
    ax = fig.axes[0]
    heights = [int(p.get_height()) for p in ax.patches]
    assert heights == [1341, 234, 8, 3875, 390, 8]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["train", "test", "val"]
    assert {"1,341", "3,875", "8"} <= {t.get_text() for t in ax.texts}
    hatches = [p.get_hatch() or "" for p in ax.patches]
    assert hatches[:3] == ["", "", ""] and all(hatches[3:])   # pneumonia hatched, for print
    with pytest.raises(ValueError, match="counts table"):
        plots.class_balance(_dataset_counts()[["NORMAL"]].rename(columns={"NORMAL": "x"}))


def test_image_sizes_plots_every_readable_image():
    import pandas as pd
    images = pd.DataFrame({"label": ["NORMAL", "PNEUMONIA", "PNEUMONIA"],
                           "width": [1654, 1176, None], "height": [1357, 784, None]})
    fig = plots.image_sizes(images)
    offsets = [c.get_offsets() for c in fig.axes[0].collections]
    assert [len(o) for o in offsets] == [1, 1]
    assert tuple(offsets[0][0]) == (1654, 1357)
    markers = [c.get_paths()[0].vertices.shape for c in fig.axes[0].collections]
    assert markers[0] != markers[1]                     # circles and triangles, not colour alone
    with pytest.raises(ValueError, match="readable"):
        plots.image_sizes(images.iloc[2:])


def test_dataset_figures_print_at_their_size_with_readable_text():
    """Each figure fits the printed text width, so it is not shrunk, and no text in it is
    smaller than 7 pt."""
    import pandas as pd
    from matplotlib.text import Text
    from medimg.plots import dataset as figures
    images = pd.DataFrame({"label": ["NORMAL", "PNEUMONIA"], "width": [1654, 1176],
                           "height": [1357, 784]})
    for fig in (plots.workflow_diagram(), plots.class_balance(_dataset_counts()),
                plots.image_sizes(images)):
        fig.canvas.draw()
        assert fig.get_figwidth() <= figures.PRINT_WIDTH
        sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
        assert sizes and min(sizes) >= 7, fig


def test_grey_panels_in_columns_leave_blank_cells():
    thumbs = [np.full((8, 10), 50, np.uint8)] * 5
    fig = plots.grey_panels(thumbs, [f"t{i}" for i in range(5)], columns=3)
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes] == ["t0", "t1", "t2", "t3", "t4", ""]
    assert len(fig.axes[5].images) == 0
    with pytest.raises(ValueError, match="one title per image"):
        plots.grey_panels(thumbs, ["a"])


# --- Python pixel operations ---


def test_colormap_strips_draw_each_map_over_0_255():
    fig = plots.colormap_strips(("viridis", "gray"))
    axes = fig.get_axes()
    assert [ax.images[0].get_cmap().name for ax in axes] == ["viridis", "gray"]
    assert axes[0].images[0].get_array().tolist() == [list(range(256))]
    assert axes[-1].get_xlabel() == "pixel value"


def test_crop_outline_places_the_box_by_column_then_row():
    image = np.zeros((100, 200), dtype=np.uint8)
    fig = plots.crop_outline(image, rows=(10, 40), cols=(50, 150), point=(20, 60))
    ax = fig.get_axes()[0]
    box = ax.patches[0]
    assert box.get_xy() == (49.5, 9.5)  # (x, y) = (column, row)
    assert (box.get_width(), box.get_height()) == (100, 30)
    assert ax.lines[0].get_xdata().tolist() == [60] and ax.lines[0].get_ydata().tolist() == [20]
    assert "rows 10–39, columns 50–149" in ax.get_title()
    assert "x" in ax.get_xlabel() and "y" in ax.get_ylabel()


def test_grey_panels_never_stretch_uint8_and_can_add_histograms():
    dull = np.full((4, 4), 100, dtype=np.uint8)
    dull[0, 0] = 150
    fig = plots.grey_panels([dull, dull.astype(float)], ["a", "b"], histograms=True)
    axes = fig.get_axes()
    assert len(axes) == 4
    assert axes[0].images[0].get_clim() == (0.0, 255.0)
    assert axes[1].images[0].get_clim() == (100.0, 150.0)
    assert [axes[0].get_title(), axes[1].get_title()] == ["a", "b"]
    counts = axes[2].patches[0].get_data().values
    assert counts.sum() == 16 and counts[100] == 15
    assert len(plots.grey_panels([dull], ["only"]).get_axes()) == 1
    with pytest.raises(ValueError, match="titles"):
        plots.grey_panels([dull, dull], ["one"])


def test_pixel_histogram_counts_every_pixel():
    image = np.array([[0, 0, 255]], dtype=np.uint8)
    fig = plots.pixel_histogram(image, "t", log=True)
    ax = fig.get_axes()[0]
    values = ax.patches[0].get_data().values
    assert values.sum() == 3 and values[0] == 2
    assert ax.get_yscale() == "log" and ax.get_title() == "t"


def test_gamma_curves_are_the_gamma_function():
    fig = plots.gamma_curves((0.5, 2.0))
    ax = fig.get_axes()[0]
    assert [line.get_label() for line in ax.lines] == ["gamma = 0.5", "gamma = 2"]
    assert ax.lines[1].get_ydata()[128] == 64


def test_window_grid_has_one_panel_per_window_and_can_skip_pixels():
    ramp = np.arange(0, 1000, dtype=np.uint16).reshape(10, 100)
    windows = [(c, w) for w in (100, 500, 1000) for c in (250, 750)]
    fig = plots.window_grid(ramp, windows, columns=4, step=2)
    axes = fig.get_axes()
    assert len(axes) == 8 and not axes[-1].axison and not axes[-2].axison
    assert axes[0].get_title() == "center 250, width 100"
    assert axes[1].get_title() == "center 750, width 100"
    assert axes[0].images[0].get_array().shape == (5, 50)
    picture = axes[0].images[0].get_array()  # center 250, width 100: 200 black, 300 white
    assert picture[0, 0] == 0 and picture[-1, -1] == 255


def test_window_widget_redraws_when_a_slider_moves():

    from PIL import Image

    ramp = np.tile(np.arange(0, 4000, 10, dtype=np.uint16), (20, 1))
    box = plots.window_widget(ramp, step=1, live=True)
    center, width, shown = box.children

    def picture():
        return np.array(Image.open(io.BytesIO(shown.value)))

    assert picture().shape == (20, 400)
    center.value = 500
    width.value = 100
    narrow = picture()
    assert narrow[0, 44] == 0 and narrow[0, 56] == 255  # 440 black, 560 white


def test_window_widget_is_made_only_in_a_live_session(monkeypatch):
    from medimg.plots import pixel_operations

    ramp = np.tile(np.arange(0, 4000, 10, dtype=np.uint16), (20, 1))
    monkeypatch.delenv(pixel_operations.SESSION_ENV, raising=False)
    assert not pixel_operations.in_live_session()
    assert plots.window_widget(ramp) is None                 # a book build: nothing to show
    assert plots.window_widget(ramp, live=True) is not None  # forced by the reader
    monkeypatch.setenv(pixel_operations.SESSION_ENV, "book/pixel-operations.ipynb")
    assert pixel_operations.in_live_session()
    assert len(plots.window_widget(ramp).children) == 3      # sliders and picture
    assert plots.window_widget(ramp, live=False) is None
