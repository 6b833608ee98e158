"""medimg.images: loading any image file, conversions, crop, invert, stretch, histogram."""

import struct
import types
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from medimg import errors, images, samples


def test_to_uint8_stretches_full_range():
    out = images.to_uint8(np.array([[100, 200], [300, 1100]], dtype=np.uint16))
    assert out.dtype == np.uint8
    assert out.tolist() == [[0, 26], [51, 255]]


def test_to_uint8_clips_outside_low_high():
    out = images.to_uint8(np.array([[-5.0, 0.0, 5.0, 10.0, 20.0]]), low=0, high=10)
    assert out.tolist() == [[0, 0, 128, 255, 255]]


def test_window_is_centre_plus_minus_half_width():
    ramp = np.arange(0, 1001, 250).reshape(1, -1)  # 0 250 500 750 1000
    assert images.window(ramp, center=500, width=500).tolist() == [[0, 0, 128, 255, 255]]


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 2)), np.zeros(5), np.zeros((2, 2, 3, 1))])
def test_wrong_shape_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="shape"):
        images.to_uint8(bad)


def test_wrong_dtype_and_flat_image_are_clear_errors():
    with pytest.raises(TypeError, match="dtype"):
        images.to_uint8(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="high > low"):
        images.to_uint8(np.full((3, 3), 7))
    with pytest.raises(ValueError, match="positive"):
        images.window(np.zeros((2, 2)), 0, 0)


# --- loading any image file ------------------------------------------------------------

RAMP = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5  # 6 rows × 8 columns, 0..235


def save(tmp_path, name, image, **options):
    path = tmp_path / name
    image.save(path, **options)
    return path


def test_grey_jpeg_loads_as_uint8_rows_by_columns(tmp_path):
    path = save(tmp_path, "grey.jpeg", Image.fromarray(RAMP), quality=100)
    out = images.load_image(path)
    assert out.dtype == np.uint8 and out.shape == (6, 8)
    assert np.abs(out.astype(int) - RAMP).max() <= 3  # JPEG is lossy, but barely at q=100


def test_the_books_test_jpeg_loads():
    out = images.load_grey(samples.test_jpeg())
    assert out.shape == (1955, 1841) and out.dtype == np.uint8


def test_16_bit_png_keeps_its_16_bits(tmp_path):
    deep = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000)
    path = save(tmp_path, "deep.png", Image.fromarray(deep))
    out = images.load_image(path)
    assert out.dtype == np.uint16 and out.tolist() == deep.tolist()


def test_32_bit_integer_and_float_tiffs(tmp_path):
    small = save(tmp_path, "small.tif", Image.fromarray(np.array([[0, 70000]], dtype=np.int32)))
    assert images.load_image(small).dtype == np.int32
    fits = save(tmp_path, "fits.tif", Image.fromarray(np.array([[0, 60000]], dtype=np.int32)))
    assert images.load_image(fits).dtype == np.uint16
    real = np.array([[0.25, 0.5]], dtype=np.float32)
    out = images.load_image(save(tmp_path, "real.tif", Image.fromarray(real)))
    assert out.dtype == np.float32 and out.tolist() == real.tolist()


def test_palette_image_becomes_rgb(tmp_path):
    palette = Image.fromarray(RAMP).convert("P")
    assert palette.mode == "P"
    out = images.load_image(save(tmp_path, "palette.png", palette))
    assert out.shape == (6, 8, 3)
    assert images.to_grey(out).tolist() == RAMP.tolist()


def test_transparent_pixels_are_laid_on_black(tmp_path):
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[...] = (200, 100, 50, 255)
    rgba[0, 0, 3] = 0            # fully transparent
    rgba[0, 1, 3] = 128          # half transparent
    out = images.load_image(save(tmp_path, "rgba.png", Image.fromarray(rgba, "RGBA")))
    assert out.shape == (2, 2, 3)
    assert out[0, 0].tolist() == [0, 0, 0]
    assert out[1, 1].tolist() == [200, 100, 50]
    assert abs(int(out[0, 1, 0]) - 100) <= 1
    la = Image.fromarray(RAMP).convert("LA")
    la.putalpha(0)
    assert images.load_image(save(tmp_path, "la.png", la)).tolist() == np.zeros((6, 8)).tolist()
    palette = Image.fromarray(RAMP).convert("P")
    palette.info["transparency"] = int(palette.getpixel((0, 0)))
    out = images.load_image(save(tmp_path, "ptrans.png", palette, transparency=palette.info["transparency"]))
    assert out.shape == (6, 8, 3)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    cmyk = Image.new("CMYK", (5, 4), (0, 255, 255, 0))  # pure red in print colours
    out = images.load_image(save(tmp_path, "cmyk.jpeg", cmyk, quality=100))
    assert out.shape == (4, 5, 3) and out.dtype == np.uint8
    red, green, blue = out[2, 2].astype(int)
    assert red > 200 and green < 60 and blue < 60


def test_black_and_white_image_becomes_0_and_255(tmp_path):
    bits = Image.fromarray(np.array([[True, False]]))
    assert bits.mode == "1"
    assert images.load_image(save(tmp_path, "bits.png", bits)).tolist() == [[255, 0]]


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8) * 40
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    out = images.load_image(save(tmp_path, "phone.png", image, exif=exif))
    assert out.tolist() == np.rot90(pixels, k=-1).tolist()


def test_missing_file_and_folder_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.jpeg: no such file"):
        images.load_image(tmp_path / "nothing.jpeg")
    with pytest.raises(IsADirectoryError, match="folder"):
        images.load_image(tmp_path)


@pytest.mark.parametrize("content", [b"", b"hello, I am text", b"\x89PNG\r\n\x1a\nrubbish"])
def test_not_an_image_is_a_clear_error(tmp_path, content):
    path = tmp_path / "fake.jpeg"
    path.write_bytes(content)
    with pytest.raises(errors.NotAnImageError, match="fake.jpeg: not an image"):
        images.load_image(path)
    assert issubclass(errors.NotAnImageError, ValueError)


@pytest.mark.parametrize("name", ["cut.jpeg", "cut.png"])
def test_truncated_file_is_a_clear_error(tmp_path, name):
    noise = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    path = save(tmp_path, name, Image.fromarray(noise))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(errors.DamagedImageError, match=f"{name}: the .* truncated or damaged"):
        images.load_image(path)


def png_claiming_size(path, width, height):
    """A tiny valid-looking PNG whose header claims width × height pixels."""
    Image.new("L", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    start = data.index(b"IHDR")
    data[start + 4:start + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[start:start + 17])) & 0xFFFFFFFF
    data[start + 17:start + 21] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("side", [10_000, 20_000])  # Pillow warns above 89 M, refuses above 179 M
def test_decompression_bomb_is_refused_before_decoding(tmp_path, side):
    path = png_claiming_size(tmp_path / "bomb.png", side, side)
    with pytest.raises(errors.ImageTooLargeError, match="bomb.png: more pixels than Pillow"):
        images.load_image(path)


def test_stated_pixel_limit(tmp_path):
    path = png_claiming_size(tmp_path / "big.png", 8000, 7000)  # 56 M > 50 M
    with pytest.raises(errors.ImageTooLargeError, match="7000 rows × 8000 columns = 56,000,000"):
        images.load_image(path)
    small = save(tmp_path, "small.png", Image.fromarray(RAMP))
    with pytest.raises(errors.ImageTooLargeError, match="limit of 40"):
        images.load_image(small, max_pixels=40)
    assert images.load_image(small, max_pixels=48).shape == (6, 8)


def test_image_files_skips_hidden_and_mac_copies(tmp_path):
    (tmp_path / "train" / "NORMAL").mkdir(parents=True)
    (tmp_path / "__MACOSX" / "train").mkdir(parents=True)
    for name in ["train/NORMAL/b.jpeg", "train/NORMAL/a.JPG", "train/.DS_Store",
                 "train/._c.jpeg", "__MACOSX/train/a.jpeg", "notes.txt"]:
        (tmp_path / name).write_bytes(b"x")
    found = images.image_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "train/NORMAL/a.JPG", "train/NORMAL/b.jpeg"]
    with pytest.raises(NotADirectoryError, match="not a folder"):
        images.image_files(tmp_path / "notes.txt")


# --- grey, crop ---------------------------------------------------------------------------


def test_to_grey_matches_pillow_within_one_level():
    rgb = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    ours = images.to_grey(rgb).astype(int)
    pillows = np.array(Image.fromarray(rgb).convert("L")).astype(int)
    assert ours.shape == (20, 30) and np.abs(ours - pillows).max() <= 1


def test_to_grey_keeps_grey_and_dtype_and_handles_alpha_and_floats():
    assert images.to_grey(RAMP) is RAMP
    rgba = np.zeros((1, 2, 4), dtype=np.uint16)
    rgba[0, :, :3] = 1000
    rgba[0, :, 3] = [65535, 0]
    assert images.to_grey(rgba).tolist() == [[1000, 0]]
    floats = np.ones((2, 2, 3), dtype=np.float32) * 0.5
    out = images.to_grey(floats)
    assert out.dtype == np.float32 and np.allclose(out, 0.5)
    with pytest.raises(TypeError, match="dtype"):
        images.to_grey(np.zeros((2, 2, 3), dtype=complex))


def test_crop_is_the_slice_and_a_copy():
    image = np.arange(100).reshape(10, 10)
    part = images.crop(image, rows=(2, 5), cols=(6, 10))
    assert part.tolist() == image[2:5, 6:10].tolist()
    assert not np.shares_memory(part, image)
    assert np.shares_memory(image[2:5, 6:10], image)  # what plain slicing gives: a view


@pytest.mark.parametrize("rows, cols, word", [
    ((0, 11), (0, 5), "rows 0:11"), ((-1, 5), (0, 5), "rows -1:5"),
    ((0, 5), (8, 12), "columns 8:12"), ((3, 3), (0, 5), "rows 3:3"), ((0, 5), (5, 2), "columns 5:2"),
])
def test_crop_outside_the_image_is_an_error(rows, cols, word):
    image = np.zeros((10, 10, 3))
    with pytest.raises(errors.CropOutsideImageError, match=word):
        images.crop(image, rows, cols)
    assert issubclass(errors.CropOutsideImageError, IndexError)


def test_crop_needs_integers_and_an_image():
    with pytest.raises(TypeError):
        images.crop(np.zeros((4, 4)), (0.5, 2), (0, 2))
    with pytest.raises(ValueError, match="shape"):
        images.crop(np.zeros(4), (0, 2), (0, 2))


# --- invert --------------------------------------------------------------------------------


def test_invert_uint8_is_255_minus_x():
    assert images.invert(np.array([[0, 1, 128, 255]], dtype=np.uint8)).tolist() == [[255, 254, 127, 0]]


def test_invert_other_dtypes():
    assert images.invert(np.array([0, 4095], dtype=np.uint16), high=4095).tolist() == [4095, 0]
    assert images.invert(np.array([-32768, 0, 32767], dtype=np.int16)).tolist() == [32767, -1, -32768]
    assert images.invert(np.array([0.0, 0.25, 1.0])).tolist() == [1.0, 0.75, 0.0]
    assert images.invert(np.array([True, False])).tolist() == [False, True]
    assert images.invert(np.array([-100, 100], dtype=np.int8), low=-100, high=100).tolist() == [100, -100]


def test_invert_errors():
    with pytest.raises(ValueError, match="outside"):
        images.invert(np.array([5000], dtype=np.uint16), high=4095)
    with pytest.raises(ValueError, match="low <= high"):
        images.invert(np.array([1], dtype=np.uint8), low=10, high=5)
    with pytest.raises(ValueError, match="NaN"):
        images.invert(np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="dtype"):
        images.invert(np.array(["a"]))


INTEGER_DTYPES = hnp.integer_dtypes() | hnp.unsigned_integer_dtypes()


@given(hnp.arrays(INTEGER_DTYPES, hnp.array_shapes(max_dims=3, max_side=6)))
def test_invert_twice_is_identity_for_every_integer_dtype(array):
    once = images.invert(array)
    assert once.dtype == array.dtype
    assert np.array_equal(images.invert(once), array)


@given(hnp.arrays(np.uint8, hnp.array_shapes(max_dims=2, max_side=8)))
def test_invert_uint8_stays_in_range_and_matches_the_rule(array):
    out = images.invert(array)
    assert out.dtype == np.uint8
    assert np.array_equal(out.astype(int), 255 - array.astype(int))


@given(st.data())
def test_invert_with_a_range_stays_in_that_range(data):
    dtype = data.draw(INTEGER_DTYPES)
    info = np.iinfo(dtype)
    low = data.draw(st.integers(info.min, info.max))
    high = data.draw(st.integers(low, info.max))
    array = data.draw(hnp.arrays(dtype, (5,), elements=st.integers(low, high)))
    out = images.invert(array, low, high)
    assert out.min() >= low and out.max() <= high
    assert [int(v) for v in out] == [low + high - int(v) for v in array]


@given(hnp.arrays(np.float64, (4, 4), elements=st.floats(-1e6, 1e6)))
def test_invert_floats_twice_is_identity(array):
    assert np.allclose(images.invert(images.invert(array)), array, atol=1e-6)


def test_loop_and_vectorised_inversion_agree():
    patch = np.random.default_rng(2).integers(0, 256, (7, 9), dtype=np.uint8)
    assert np.array_equal(images.invert_with_loop(patch), images.invert(patch))
    with pytest.raises(TypeError, match="unsigned"):
        images.invert_with_loop(np.zeros((2, 2), dtype=float))


# --- stretch, gamma, histogram, timing --------------------------------------------------------


def test_contrast_stretch_spreads_percentiles_to_0_255():
    dull = np.arange(100, 151, dtype=np.uint8).reshape(1, -1)  # only 100..150 used
    out = images.contrast_stretch(dull, 0, 100)
    assert out.min() == 0 and out.max() == 255 and out.dtype == np.uint8
    with pytest.raises(ValueError, match="low_percentile < high_percentile"):
        images.contrast_stretch(dull, 50, 50)
    with pytest.raises(ValueError, match="nothing to stretch"):
        images.contrast_stretch(np.full((3, 3), 7), 1, 99)


@given(hnp.arrays(np.uint8, (6, 6)))
def test_contrast_stretch_keeps_order(array):
    if np.percentile(array, 1) == np.percentile(array, 99):
        return
    out = images.contrast_stretch(array).astype(int).ravel()
    order = np.argsort(array.ravel(), kind="stable")
    assert np.all(np.diff(out[order]) >= 0)


def test_gamma_examples():
    levels = np.array([0, 64, 128, 255], dtype=np.uint8)
    assert images.gamma(levels, 1.0).tolist() == levels.tolist()
    assert images.gamma(levels, 0.5).tolist() == [0, 128, 181, 255]
    assert images.gamma(levels, 2.0).tolist() == [0, 16, 64, 255]
    deep = np.array([0, 32768, 65535], dtype=np.uint16)
    assert images.gamma(deep, 2.0).tolist() == [0, 16384, 65535]
    assert images.gamma(np.array([0.0, 0.25, 1.0]), 0.5).tolist() == [0.0, 0.5, 1.0]


def test_gamma_errors():
    with pytest.raises(ValueError, match="positive"):
        images.gamma(RAMP, 0)
    with pytest.raises(ValueError, match="0–1"):
        images.gamma(np.array([2.0]), 2)
    with pytest.raises(TypeError, match="unsigned"):
        images.gamma(np.array([1], dtype=np.int16), 2)


@settings(max_examples=50)
@given(hnp.arrays(np.uint8, (5, 5)), st.floats(0.1, 10))
def test_gamma_stays_in_range_keeps_order_and_ends(array, g):
    out = images.gamma(array, g)
    assert out.dtype == np.uint8
    order = np.argsort(array.ravel(), kind="stable")
    assert np.all(np.diff(out.ravel()[order].astype(int)) >= 0)
    assert images.gamma(np.array([0, 255], dtype=np.uint8), g).tolist() == [0, 255]


def test_histogram_of_uint8_has_one_bin_per_level():
    counts, edges = images.histogram(np.array([[0, 0, 7], [255, 7, 7]], dtype=np.uint8))
    assert len(counts) == 256 and edges[0] == 0 and edges[-1] == 256
    assert counts[0] == 2 and counts[7] == 3 and counts[255] == 1 and counts.sum() == 6


def test_histogram_of_other_images():
    counts, edges = images.histogram(np.array([[0, 1000], [2000, 4000]], dtype=np.uint16), bins=4)
    assert counts.tolist() == [1, 1, 1, 1] and edges.tolist() == [0, 1000, 2000, 3000, 4000]
    counts, _ = images.histogram(np.full((2, 3), 0.5))
    assert counts.sum() == 6
    with pytest.raises(ValueError, match="to_grey"):
        images.histogram(np.zeros((2, 2, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="empty"):
        images.histogram(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="NaN"):
        images.histogram(np.array([[0.0, np.inf]]))


@given(hnp.arrays(st.sampled_from([np.uint8, np.uint16, np.float32]), (4, 5)))
def test_histogram_counts_every_pixel(array):
    if not np.isfinite(array).all():
        return
    counts, edges = images.histogram(array)
    assert counts.sum() == array.size and len(edges) == len(counts) + 1


def test_best_time_is_the_fastest_of_the_runs(monkeypatch):
    """Runs that take 5, 2, 7 and 3 seconds on a clock the test controls: 2 is the answer."""
    clock = [0.0]
    durations = iter([5.0, 2.0, 7.0, 3.0])
    monkeypatch.setattr(images, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    calls = []

    def run(value):
        calls.append(value)
        clock[0] += next(durations)

    assert images.best_time(run, 1, repeat=4) == 2.0
    assert calls == [1, 1, 1, 1]
    with pytest.raises(ValueError, match="at least 1"):
        images.best_time(print, repeat=0)


def test_is_grey_rgb():
    grey = np.stack([np.arange(12, dtype=np.uint8).reshape(3, 4)] * 3, axis=2)
    assert images.is_grey_rgb(grey)
    grey[1, 1, 2] += 1
    assert not images.is_grey_rgb(grey)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        images.is_grey_rgb(np.zeros((3, 4)))


def test_a_real_jpeg_cut_in_half_has_no_end_marker_despite_its_exif_thumbnail(tmp_path):
    """The dataset's JPEGs carry an EXIF thumbnail (APP1) with its own FF DA ... FF D9:
    the end marker must be looked for after the image's own start of scan."""
    from medimg import data
    original = data.kermany_file("val/NORMAL/NORMAL2-IM-1430-0001.jpeg").read_bytes()
    assert original.find(b"\xff\xd9") < len(original) - 2          # the thumbnail's end
    cut = tmp_path / "cut.jpeg"
    cut.write_bytes(original[: len(original) // 2])
    with open(cut, "rb") as file:
        head = file.read(32 * 1024)
        assert not images.end_marker_inside(file, head)
    padded = tmp_path / "padded.jpeg"
    padded.write_bytes(original + b"\x00" * 100)
    with open(padded, "rb") as file:
        assert images.end_marker_inside(file, file.read(32 * 1024))
