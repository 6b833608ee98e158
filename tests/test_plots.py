"""medimg.plots: each figure draws what it says (titles, data, sizes)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from medimg import plots  # noqa: E402

# === Fonts and print (issue 7) ===

# === Motivation and images as numbers (issue 3) ===

# === Medical image formats (issue 4) ===


def test_windows_figure_draws_one_windowed_panel_per_window():
    from medimg import images

    hu = np.linspace(-1000, 1000, 64 * 64).reshape(64, 64)
    windows = {"lung": (-600, 1500), "bone": (400, 1800)}
    fig = plots.windows_figure(hu, windows)
    axes = fig.get_axes()
    assert len(axes) == 2
    assert axes[0].get_title() == "lung\ncentre -600 HU, width 1500 HU"
    drawn = axes[1].get_images()[0].get_array()
    assert np.array_equal(drawn, images.window(hu, 400, 1800))


def test_windows_figure_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        plots.windows_figure(np.zeros((2, 2, 2)), {"a": (0, 1)})
    with pytest.raises(ValueError, match="window"):
        plots.windows_figure(np.zeros((2, 2)), {})


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


# === The chest X-ray dataset (issue 8) ===

# === Python pixel operations (issue 5) ===


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


def test_pixel_panels_never_stretch_uint8_and_can_add_histograms():
    dull = np.full((4, 4), 100, dtype=np.uint8)
    dull[0, 0] = 150
    fig = plots.pixel_panels([dull, dull.astype(float)], ["a", "b"], histograms=True)
    axes = fig.get_axes()
    assert len(axes) == 4
    assert axes[0].images[0].get_clim() == (0.0, 255.0)
    assert axes[1].images[0].get_clim() == (100.0, 150.0)
    assert [axes[0].get_title(), axes[1].get_title()] == ["a", "b"]
    counts = axes[2].patches[0].get_data().values
    assert counts.sum() == 16 and counts[100] == 15
    assert len(plots.pixel_panels([dull], ["only"]).get_axes()) == 1
    with pytest.raises(ValueError, match="titles"):
        plots.pixel_panels([dull, dull], ["one"])


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


def test_window_level_grid_has_one_panel_per_pair():
    ramp = np.arange(0, 1000, dtype=np.uint16).reshape(10, 100)
    fig = plots.window_level_grid(ramp, levels=[250, 750], widths=[100, 500, 1000], step=2)
    axes = fig.get_axes()
    assert len(axes) == 6
    assert axes[1].get_title() == "level 750, width 100"
    assert axes[0].images[0].get_array().shape == (5, 50)
    picture = axes[0].images[0].get_array()  # level 250, width 100: 200 black, 300 white
    assert picture[0, 0] == 0 and picture[-1, -1] == 255


def test_window_level_widget_redraws_when_a_slider_moves():
    import io

    from PIL import Image

    ramp = np.tile(np.arange(0, 4000, 10, dtype=np.uint16), (20, 1))
    box = plots.window_level_widget(ramp, step=1)
    level, width, shown = box.children

    def picture():
        return np.array(Image.open(io.BytesIO(shown.value)))

    assert picture().shape == (20, 400)
    level.value = 500
    width.value = 100
    narrow = picture()
    assert narrow[0, 44] == 0 and narrow[0, 56] == 255  # 440 black, 560 white
