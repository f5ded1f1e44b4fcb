"""Trajectory overlay and blur-magnitude pictures (blurtrace.render.overlay)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from blurtrace.render.overlay import (
    auto_magnify,
    blur_magnitude,
    draw_trajectories,
    grid_points,
    magnitude_map,
)

N = 9
S = np.linspace(-1.0, 1.0, N)


def _grey(h, w, value=160):
    return np.full((h, w, 3), value, np.uint8)


def _linear(h, w, dx, dy=0.0, n=N):
    """Offsets of a straight constant-speed trajectory ``Δp(s) = (dx·s, dy·s)``; ``(N, 2, H, W)``."""
    s = np.linspace(-1.0, 1.0, n).reshape(n, 1, 1)
    off = np.zeros((n, 2, h, w), np.float32)
    off[:, 0] = dx * s
    off[:, 1] = dy * s
    return off


def _dimmed(img, dim=0.5):
    return (img.astype(np.float32) * (1 - dim)).round().astype(np.uint8)


def _changed(out, ref):
    return np.any(out != ref, axis=2)


def _distance_to(points, h, w):
    """``H×W`` Chebyshev distance from each pixel to the nearest of ``points`` (x, y)."""
    yy, xx = np.mgrid[0:h, 0:w]
    return np.min([np.maximum(abs(xx - x), abs(yy - y)) for x, y in points], axis=0)


def test_grid_is_centred():
    assert grid_points(96, 32).tolist() == [15, 47, 79]
    assert grid_points(33, 32).tolist() == [16]
    assert grid_points(1, 32).tolist() == [0]


def test_overlay_changes_only_around_moving_grid_points():
    h, w = 64, 96
    img = _grey(h, w)
    off = _linear(h, w, 5.0)
    off[:, :, :, 32:] = 0  # only the left column of grid points (x = 15) moves
    out = draw_trajectories(img, off, spacing=32, magnify=1, legend=False)
    assert out.shape == img.shape and out.dtype == np.uint8

    changed = _changed(out, _dimmed(img))
    moving = [(15, 15), (15, 47)]
    still = [(47, 15), (47, 47), (79, 15), (79, 47)]
    # every change is near a grid point: the trajectory reaches ±5 px, the line is 2 px wide
    assert not changed[_distance_to(moving + still, h, w) > 7].any()
    # the moving points draw a line well beyond their dot ...
    for x, y in moving:
        assert changed[y, x - 4] and changed[y, x + 4]
    # ... the still ones only their dot
    assert not (changed & (_distance_to(still, h, w) > 3) & (_distance_to(moving, h, w) > 7)).any()
    for x, y in still:
        assert changed[y, x]


def test_zero_offsets_draw_only_dots():
    h, w = 21, 33
    img = _grey(h, w)
    out = draw_trajectories(img, np.zeros((N, 2, h, w), np.float32), spacing=8, legend=False)
    centres = [(x, y) for y in grid_points(h, 8) for x in grid_points(w, 8)]
    changed = _changed(out, _dimmed(img))
    assert not changed[_distance_to(centres, h, w) > 3].any()
    # the dots themselves are white/grey, not coloured
    for x, y in centres:
        r, g, b = out[y, x].astype(int)
        assert changed[y, x] and max(r, g, b) - min(r, g, b) < 30


def test_colour_runs_along_exposure_time():
    h, w = 32, 64
    off = _linear(h, w, 12.0)  # from x − 12 at s = −1 to x + 12 at s = +1
    out = draw_trajectories(_grey(h, w, 40), off, spacing=64, magnify=1, legend=False).astype(int)
    x, y = grid_points(w, 64)[0], grid_points(h, 64)[0]
    start, end = out[y, x - 10], out[y, x + 10]
    assert start[2] > start[0] + 50  # turbo: blue at the start of the exposure
    assert end[0] > end[2] + 50  # ... red at its end
    # time flows the other way when the trajectory is reversed
    back = draw_trajectories(_grey(h, w, 40), off[::-1], spacing=64, magnify=1, legend=False).astype(int)
    assert back[y, x - 10][0] > back[y, x - 10][2] + 50


def test_auto_magnify_scales_short_trajectories_only():
    assert auto_magnify(np.full(10, 1.0), 32) == 15  # 0.6·32 / 1 = 19.2, rounded down to a nice 15
    assert auto_magnify(np.full(10, 40.0), 32) == 1  # long motion is never shrunk
    assert auto_magnify(np.zeros(10), 32) == 1
    assert auto_magnify(np.r_[np.zeros(20), 2.0], 32) == 8  # mostly still: the mover counts

    h, w = 32, 64
    off = _linear(h, w, 0.5)  # 1 px long: invisible at ×1
    img = _grey(h, w)
    plain = _changed(draw_trajectories(img, off, spacing=32, magnify=1, legend=False), _dimmed(img))
    auto = _changed(draw_trajectories(img, off, spacing=32, legend=False), _dimmed(img))
    assert auto.sum() > 2 * plain.sum()
    x, y = grid_points(w, 32)[0], grid_points(h, 32)[0]
    assert auto[y, x + 6] and not plain[y, x + 6]


def test_blur_magnitude_of_linear_trajectory():
    off = _linear(5, 7, 3.0)  # Δp(s) = (3s, 0) at 9 times: 6 px
    mag = blur_magnitude(off)
    assert mag.shape == (5, 7) and mag.dtype == np.float32
    np.testing.assert_allclose(mag, 6.0, rtol=1e-6)
    np.testing.assert_allclose(blur_magnitude(_linear(2, 3, 3.0, 4.0)), 10.0, rtol=1e-6)
    # a trajectory that goes out and back counts both ways; one sample has no length
    out_back = np.zeros((5, 2, 1, 1), np.float32)
    out_back[:, 0, 0, 0] = [0, 2, 4, 2, 0]
    np.testing.assert_allclose(blur_magnitude(out_back), 8.0, rtol=1e-6)
    assert blur_magnitude(np.ones((1, 2, 3, 3), np.float32)).max() == 0
    # torch input, batch of one, is accepted
    np.testing.assert_allclose(blur_magnitude(torch.from_numpy(off)[None]), 6.0, rtol=1e-6)


def test_legend_is_drawn_in_the_corner():
    h, w = 160, 240
    img = _grey(h, w)
    off = _linear(h, w, 2.0)
    with_legend = draw_trajectories(img, off)
    without = draw_trajectories(img, off, legend=False)
    diff = _changed(with_legend, without)
    assert diff[h // 2 :, : w // 2].any()  # bottom-left
    assert not diff[: h // 2].any() and not diff[:, w // 2 + 20 :].any()

    mag = magnitude_map(off)
    mag_plain = magnitude_map(off, legend=False)
    diff = _changed(mag, mag_plain)
    assert diff[h // 2 :, : w // 2].any() and not diff[: h // 2].any()


@pytest.mark.parametrize("size", [(8, 8), (1, 1), (21, 33)])
def test_any_image_size(size):
    h, w = size
    off = np.random.default_rng(0).normal(size=(N, 2, h, w)).astype(np.float32)
    out = draw_trajectories(_grey(h, w), off)
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    mag = magnitude_map(off)
    assert mag.shape == (h, w, 3) and mag.dtype == np.uint8


def test_float_image_and_validation():
    h, w = 21, 33
    img = _grey(h, w)
    off = _linear(h, w, 3.0)
    np.testing.assert_array_equal(draw_trajectories(img / 255.0, off), draw_trajectories(img, off))
    np.testing.assert_array_equal(draw_trajectories(img, off, dim=0, magnify=1, spacing=100)[0, 0], img[0, 0])
    with pytest.raises(ValueError, match="dim"):
        draw_trajectories(img, off, dim=1.5)
    with pytest.raises(ValueError, match="match"):
        draw_trajectories(_grey(20, 33), off)
    with pytest.raises(ValueError, match="spacing"):
        draw_trajectories(img, off, spacing=0)
    with pytest.raises(ValueError, match="vmax"):
        magnitude_map(off, vmax=0)


def test_magnitude_map_colours_follow_length():
    h, w = 21, 33
    off = _linear(h, w, 1.0)
    off[:, :, :, 16:] *= 4  # right half blurs 4× longer
    out = magnitude_map(off, vmax=8.0, legend=False).astype(int)
    left, right = out[10, 5], out[10, 28]
    assert not np.array_equal(left, right)
    assert right.sum() > left.sum()  # viridis brightens with the value
    # still photo: everything the bottom colour
    still = magnitude_map(np.zeros((N, 2, h, w), np.float32), legend=False)
    assert (still == still[0, 0]).all()
