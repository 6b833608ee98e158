"""medimg.features: pixels as vectors, the hand-written 3 × 3 convolution, pooling, borders."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.ndimage import correlate

from medimg import features, samples


def test_as_vectors_reads_each_image_row_by_row_and_scales_to_one():
    images = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3) * 10
    rows = features.as_vectors(images)
    assert rows.shape == (2, 6) and rows.dtype == np.float32
    assert np.allclose(rows[1], np.array([60, 70, 80, 90, 100, 110]) / 255)
    with pytest.raises(ValueError, match="n, H, W"):
        features.as_vectors(np.zeros((4, 4)))


def test_convolution_of_the_lecture_matrix_by_hand():
    """The chapter's worked example: window rows 8-10, columns 4-6, Sobel's kernel."""
    matrix = samples.lecture_matrix()
    kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    out = features.convolve3x3(matrix, kernel)
    assert out.shape == (13, 12)
    # (-78 + 250) + 2 * (-254 + 222) + (-250 + 231) = 89
    assert out[8, 4] == 89
    assert out[0, 0] == 0                                   # an empty corner


def test_a_kernel_with_a_single_one_shifts_the_image():
    image = np.arange(25.0).reshape(5, 5)
    kernel = np.zeros((3, 3))
    kernel[0, 0] = 1
    assert np.array_equal(features.convolve3x3(image, kernel), image[:3, :3])
    kernel = np.zeros((3, 3))
    kernel[1, 1] = 1
    assert np.array_equal(features.convolve3x3(image, kernel, pad=True), image)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(3, 12), st.integers(3, 12)),
              elements=st.floats(-100, 100)),
       arrays(np.float64, (3, 3), elements=st.floats(-3, 3)))
def test_convolution_agrees_with_scipy(image, kernel):
    """Neural-network "convolution" is SciPy's correlate (no flip of the kernel)."""
    ours = features.convolve3x3(image, kernel)
    theirs = correlate(image, kernel, mode="constant")[1:-1, 1:-1]
    assert np.allclose(ours, theirs, atol=1e-9)
    padded = features.convolve3x3(image, kernel, pad=True)
    assert np.allclose(padded, correlate(image, kernel, mode="nearest"), atol=1e-9)


def test_a_stack_is_filtered_image_by_image_and_float32_stays_float32():
    stack = np.random.default_rng(0).random((4, 8, 8)).astype(np.float32)
    kernel = features.KERNELS["spots (Laplacian)"]
    together = features.convolve3x3(stack, kernel, pad=True)
    assert together.dtype == np.float32
    for image, out in zip(stack, together):
        assert np.allclose(out, features.convolve3x3(image, kernel, pad=True), atol=1e-6)


def test_convolution_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="3 × 3 kernel"):
        features.convolve3x3(np.zeros((5, 5)), np.ones((5, 5)))
    with pytest.raises(ValueError, match="at least 3 × 3"):
        features.convolve3x3(np.zeros((2, 5)), np.ones((3, 3)))


def test_edge_kernels_give_one_for_a_unit_step():
    step = np.zeros((5, 6))
    step[:, 3:] = 1                                         # dark left, bright right
    vertical = features.convolve3x3(step, features.KERNELS["vertical edges"])
    assert vertical.max() == pytest.approx(1)
    assert np.allclose(features.convolve3x3(step, features.KERNELS["horizontal edges"]), 0)
    assert np.allclose(features.convolve3x3(np.ones((5, 5)), features.KERNELS["blur"]), 1)


def test_pool_blocks_averages_tiles():
    image = np.arange(16.0).reshape(4, 4)
    assert np.array_equal(features.pool_blocks(image, 2), [[2.5, 4.5], [10.5, 12.5]])
    with pytest.raises(ValueError, match="does not divide"):
        features.pool_blocks(image, 3)


def test_filter_features_are_pooled_absolute_responses():
    images = np.random.default_rng(1).integers(0, 256, (300, 16, 16), dtype=np.uint8)
    table = features.filter_features(images, block=4)      # crosses the chunk boundary
    assert table.shape == (300, 4 * 4 * 4)
    scaled = images.astype(np.float32) / 255
    for k, kernel in enumerate(features.KERNELS.values()):
        expected = features.pool_blocks(
            np.abs(features.convolve3x3(scaled[257], kernel, pad=True)), 4).ravel()
        assert np.allclose(table[257, 16 * k:16 * (k + 1)], expected, atol=1e-6)


def test_border_pixels_keep_only_the_frame():
    mask = features.border_mask((64, 64), 2)
    assert mask.sum() == 64 * 64 - 60 * 60 == 496
    assert mask[0, 30] and mask[1, 30] and not mask[2, 30]
    images = np.zeros((3, 64, 64), np.uint8)
    images[:, 2:-2, 2:-2] = 255                             # the inside is bright
    assert features.border_pixels(images).shape == (3, 496)
    assert features.border_pixels(images).max() == 0
    with pytest.raises(ValueError, match="does not fit"):
        features.border_mask((4, 4), 2)
