"""Blur creation module (Eq. 3–4): exactness against references and gradients."""
import math

import pytest
import torch

from blurtrace.ops.blur import reblur, warp
from blurtrace.ops.color import linear_to_srgb, srgb_to_linear


def bilinear_loop(image, offsets):
    """Slow per-pixel reference of Eq. 4 with zeros outside."""
    c, h, w = image.shape
    out = torch.zeros_like(image)
    for y in range(h):
        for x in range(w):
            sx, sy = x + float(offsets[0, y, x]), y + float(offsets[1, y, x])
            x0, y0 = math.floor(sx), math.floor(sy)
            for yy, xx, wgt in ((y0, x0, (1 - (sx - x0)) * (1 - (sy - y0))), (y0, x0 + 1, (sx - x0) * (1 - (sy - y0))),
                                (y0 + 1, x0, (1 - (sx - x0)) * (sy - y0)), (y0 + 1, x0 + 1, (sx - x0) * (sy - y0))):
                if 0 <= yy < h and 0 <= xx < w:
                    out[:, y, x] += wgt * image[:, yy, xx]
    return out


def test_zero_offsets_return_input():
    x = torch.rand(2, 3, 9, 11)
    assert torch.allclose(reblur(x, torch.zeros(2, 7, 2, 9, 11)), x, atol=1e-6)
    assert torch.allclose(reblur(x, torch.zeros(2, 7, 2, 9, 11), light="linear"), x, atol=1e-5)


def test_constant_offset_is_integer_shift():
    x = torch.rand(1, 3, 10, 12, dtype=torch.float64)
    off = torch.zeros(1, 2, 10, 12, dtype=torch.float64)
    off[:, 0], off[:, 1] = 3, -2  # read 3 px to the right and 2 px up
    y = warp(x, off)
    assert torch.allclose(y[..., 2:, :9], x[..., :-2, 3:], atol=1e-12)
    assert y[..., :2, :].abs().max() < 1e-12 and y[..., :, 9:].abs().max() < 1e-12  # zeros outside


def test_uniform_horizontal_motion_is_box_filter():
    n = 5
    x = torch.rand(1, 3, 8, 30, dtype=torch.float64)
    steps = torch.arange(n, dtype=torch.float64) - n // 2  # -2 … 2 px
    off = torch.zeros(1, n, 2, 8, 30, dtype=torch.float64)
    off[:, :, 0] = steps.view(1, n, 1, 1)
    box = torch.nn.functional.conv2d(x, torch.full((3, 1, 1, n), 1 / n, dtype=torch.float64), padding=(0, n // 2), groups=3)
    assert torch.allclose(reblur(x, off), box, atol=1e-12)


def test_matches_slow_loop_reference():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3, 7, 9, generator=g, dtype=torch.float64)
    off = (torch.rand(2, 7, 9, generator=g, dtype=torch.float64) - 0.5) * 6
    assert torch.allclose(warp(x[None], off[None])[0], bilinear_loop(x, off), atol=1e-12)
    offs = (torch.rand(1, 4, 2, 7, 9, generator=g, dtype=torch.float64) - 0.5) * 6
    ref = sum(bilinear_loop(x, offs[0, n]) for n in range(4)) / 4
    assert torch.allclose(reblur(x[None], offs)[0], ref, atol=1e-12)
    assert torch.allclose(reblur(x[None], offs, chunk=3)[0], ref, atol=1e-12)


@pytest.mark.parametrize("light", ["gamma", "linear"])
def test_gradcheck_image_and_offsets(light):
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(1, 2, 5, 6, generator=g, dtype=torch.float64) * 0.8 + 0.1).requires_grad_()
    # keep sampling points away from integer positions, where bilinear has kinks
    off = (torch.randint(-2, 3, (1, 3, 2, 5, 6), generator=g).double() + 0.2 + 0.6 * torch.rand(1, 3, 2, 5, 6, generator=g, dtype=torch.float64)).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: reblur(a, b, light=light), (x, off))


def test_linear_light_averages_photons():
    x = torch.zeros(1, 1, 1, 4)
    x[..., 2] = 1.0
    off = torch.zeros(1, 2, 2, 1, 4)
    off[:, 1, 0] = 1  # second instant reads one pixel to the right
    gamma = reblur(x, off)[0, 0, 0, 1]
    linear = reblur(x, off, light="linear")[0, 0, 0, 1]
    assert torch.isclose(gamma, torch.tensor(0.5))
    assert torch.isclose(linear, linear_to_srgb(torch.tensor(0.5)))  # ≈ 0.735, brighter than 0.5


def test_srgb_round_trip_and_bad_light():
    v = torch.linspace(0, 1, 101, dtype=torch.float64)
    assert torch.allclose(linear_to_srgb(srgb_to_linear(v)), v, atol=1e-12)
    with pytest.raises(ValueError, match="light"):
        reblur(torch.rand(1, 3, 4, 4), torch.zeros(1, 2, 2, 4, 4), light="log")


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        reblur(torch.rand(1, 3, 4, 4), torch.zeros(1, 2, 2, 5, 4))
