"""medimg.images: conversions between pixel ranges."""

import numpy as np
import pytest

from medimg import images


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
