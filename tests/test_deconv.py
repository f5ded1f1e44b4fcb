"""Model-based deblurring along the trajectory: blurtrace.ops.deconv."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from blurtrace.evaluation.metrics import psnr
from blurtrace.ops.blur import reblur
from blurtrace.ops.deconv import auto_samples, deconvolve, path_length, resample_time
from blurtrace.ops.trajectory import trajectory, uniform_times

SIZE, MARGIN = 48, 8


def _texture(size: int, seed: int) -> torch.Tensor:
    """Smoothed colour noise with hard-edged rectangles, (1, 3, size, size) in [0, 1]."""
    rng = np.random.default_rng(seed)
    noise = torch.from_numpy(rng.random((1, 3, size, size))).float()
    img = F.conv2d(F.pad(noise, (2, 2, 2, 2), mode="reflect"), torch.ones(3, 1, 5, 5) / 25, groups=3)
    for _ in range(6):
        y0, x0 = rng.integers(0, size - 8, 2)
        h, w = rng.integers(4, size // 2, 2)
        img[..., y0 : y0 + h, x0 : x0 + w] = torch.from_numpy(rng.random((3, 1, 1))).float()
    return img.clamp(0, 1)


def _linear(dx: float, dy: float, n: int, h: int, w: int) -> torch.Tensor:
    """Uniform linear motion from +(dx, dy) to −(dx, dy) (Eq. 12); (1, n, 2, h, w)."""
    params = torch.tensor([dx, dy]).view(1, 2, 1, 1).expand(1, 2, h, w).contiguous()
    return trajectory(params, "linear", uniform_times(n))


@pytest.fixture(scope="module")
def scene():
    """A sharp image, its 9-px horizontal blur in linear light, σ = 0.005 noise, 8-bit."""
    big = _texture(SIZE + 2 * MARGIN, 0)
    full = SIZE + 2 * MARGIN
    # blur a larger scene and crop: a photo's border pixels saw content outside the frame
    blurry = reblur(big, _linear(4.5, 0, 11, full, full), light="linear")[..., MARGIN:-MARGIN, MARGIN:-MARGIN]
    gen = torch.Generator().manual_seed(1)
    blurry = ((blurry + 0.005 * torch.randn(blurry.shape, generator=gen)).clamp(0, 1) * 255).round() / 255
    sharp = big[..., MARGIN:-MARGIN, MARGIN:-MARGIN]
    return sharp, blurry, _linear(4.5, 0, 11, SIZE, SIZE)


def test_zero_offsets_return_input():
    img = _texture(32, 3)
    out = deconvolve(img, torch.zeros(1, 9, 2, 32, 32))
    assert out.shape == img.shape and out.dtype == img.dtype
    # only the TV term changes anything: small, and nowhere large
    assert (out - img).abs().mean() < 2e-3
    assert (out - img).abs().max() < 0.01
    plain = deconvolve(img, torch.zeros(1, 9, 2, 32, 32), tv_weight=0.0)
    assert torch.allclose(plain, img, atol=1e-4)


@pytest.mark.parametrize("method", ["rl", "gd"])
def test_known_blur_is_removed(scene, method):
    sharp, blurry, offsets = scene
    before = float(psnr(blurry, sharp))
    right = float(psnr(deconvolve(blurry, offsets, method=method), sharp))
    # perpendicular motion of the same length: the model no longer explains the blur
    wrong = float(psnr(deconvolve(blurry, offsets.flip(2), method=method), sharp))
    margin = 3.0  # measured: rl +3.9 dB, gd +4.0 dB on this scene
    assert right > before + margin, (before, right)
    assert wrong < before, (before, wrong)
    assert right > wrong + 6.0, (right, wrong)


def test_result_in_range_and_border_not_dark():
    # flat grey with a 20-px motion: every border trajectory leaves the image
    grey = torch.full((1, 3, 24, 24), 0.6)
    offsets = _linear(10.0, 3.0, 15, 24, 24)
    for method in ("rl", "gd"):
        out = deconvolve(grey, offsets, method=method, iterations=10)
        assert out.min() >= 0 and out.max() <= 1
        assert (out - 0.6).abs().max() < 0.02, method


def test_result_stays_in_unit_range(scene):
    sharp, blurry, offsets = scene
    noisy = (blurry + 0.2 * torch.randn(blurry.shape, generator=torch.Generator().manual_seed(2))).clamp(0, 1)
    for method in ("rl", "gd"):
        out = deconvolve(noisy, offsets * 2, method=method, iterations=15, tv_weight=0.0)
        assert torch.isfinite(out).all()
        assert out.min() >= 0 and out.max() <= 1


def test_batch_with_different_motions():
    img = _texture(32, 4)
    offsets = torch.cat((_linear(3.0, 0, 9, 32, 32), torch.zeros(1, 9, 2, 32, 32)))
    imgs = img.expand(2, -1, -1, -1)
    blurry = reblur(imgs, offsets, light="linear")
    out = deconvolve(blurry, offsets, iterations=5)
    assert out.shape == (2, 3, 32, 32)
    # each image is solved with its own offsets: the unblurred one must stay as it is
    assert (out[1] - img[0]).abs().mean() < 3e-3
    single = deconvolve(blurry[:1], offsets[:1], iterations=5)
    assert torch.allclose(out[:1], single, atol=1e-5)


def test_progress_is_reported():
    calls = []
    deconvolve(_texture(16, 5), _linear(2.0, 0, 5, 16, 16), iterations=4, progress=lambda i, n: calls.append((i, n)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_bad_method_and_shapes_raise():
    img = torch.rand(1, 3, 16, 16)
    offsets = torch.zeros(1, 5, 2, 16, 16)
    with pytest.raises(ValueError, match="method"):
        deconvolve(img, offsets, method="wiener")
    with pytest.raises(ValueError):
        deconvolve(img, torch.zeros(1, 5, 2, 16, 15))
    with pytest.raises(ValueError):
        deconvolve(img, torch.zeros(2, 5, 2, 16, 16))
    with pytest.raises(ValueError):
        deconvolve(img, torch.zeros(1, 5, 3, 16, 16))
    with pytest.raises(ValueError):
        deconvolve(img[0], offsets)
    with pytest.raises(ValueError):
        deconvolve(img, offsets, iterations=-1)


def test_time_resampling():
    offsets = _linear(6.0, -2.0, 15, 4, 4)  # straight path of length 2·sqrt(40) ≈ 12.6 px
    assert torch.allclose(path_length(offsets), torch.full((1, 4, 4), 2 * 40**0.5))
    assert auto_samples(offsets) == 14
    assert auto_samples(_linear(30.0, 0, 15, 4, 4)) == 15  # never more than given
    thin = resample_time(offsets, 7)
    # a linear trajectory resampled is the same trajectory read at the new times
    assert torch.allclose(thin, _linear(6.0, -2.0, 7, 4, 4), atol=1e-5)
    assert resample_time(offsets, 15) is offsets
