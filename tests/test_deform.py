"""Motion-aware convolution (Eq. 16): blurtrace.ops.deform."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from blurtrace.ops.deform import (
    MotionAwareConv2d,
    motion_aware_conv2d,
    tap_grid,
    tap_times,
    to_deform_conv2d_offsets,
    trajectory_tap_offsets,
)


def _bilinear_zero(img: torch.Tensor, x: float, y: float) -> torch.Tensor:
    """Reference bilinear read of ``img`` (C, H, W) at pixel coords (x, y), zeros outside."""
    _, h, w = img.shape
    x0, y0 = math.floor(x), math.floor(y)
    fx, fy = x - x0, y - y0
    out = torch.zeros(img.shape[0], dtype=img.dtype)
    for yy, wy in ((y0, 1 - fy), (y0 + 1, fy)):
        for xx, wx in ((x0, 1 - fx), (x0 + 1, fx)):
            if 0 <= yy < h and 0 <= xx < w:
                out += wy * wx * img[:, yy, xx]
    return out


def _reference(x, weight, bias, taps):
    """Slow per-pixel loop: y(p) = Σ_k w_k x(p + g_k + off_k(p)) + b."""
    b, cin, h, w = x.shape
    cout = weight.shape[0]
    y = torch.zeros(b, cout, h, w, dtype=x.dtype)
    for n in range(b):
        for i in range(h):
            for j in range(w):
                acc = torch.zeros(cout, dtype=x.dtype) if bias is None else bias.clone()
                for k in range(9):
                    r, s = divmod(k, 3)
                    px = j + (s - 1) + float(taps[n, k, 0, i, j])
                    py = i + (r - 1) + float(taps[n, k, 1, i, j])
                    acc += weight[:, :, r, s] @ _bilinear_zero(x[n], px, py)
                y[n, :, i, j] = acc
    return y


def test_tap_layout():
    g = tap_grid()
    assert g[0].tolist() == [-1, -1] and g[1].tolist() == [0, -1] and g[4].tolist() == [0, 0]
    assert g[5].tolist() == [1, 0] and g[8].tolist() == [1, 1]
    t = tap_times(dtype=torch.float64)
    assert t[0] == -1 and t[4] == 0 and t[8] == 1
    assert torch.allclose(t, torch.tensor([-1 + 2 * k / 8 for k in range(9)], dtype=torch.float64))


def test_zero_offsets_equal_conv2d():
    torch.manual_seed(0)
    x = torch.randn(2, 5, 11, 13)
    w = torch.randn(7, 5, 3, 3)
    b = torch.randn(7)
    taps = torch.zeros(2, 9, 2, 11, 13)
    y = motion_aware_conv2d(x, w, b, taps)
    # float32: the same sums in another order (|y| ~ 10, so ~1e-5 of rounding)
    assert torch.allclose(y, F.conv2d(x, w, b, padding=1), rtol=1e-5, atol=1e-4)
    y64 = motion_aware_conv2d(x.double(), w.double(), None, taps.double())
    assert torch.allclose(y64, F.conv2d(x.double(), w.double(), None, padding=1), atol=1e-12)


def test_matches_explicit_loop_on_random_offsets():
    torch.manual_seed(1)
    x = torch.randn(2, 2, 5, 6, dtype=torch.float64)
    w = torch.randn(3, 2, 3, 3, dtype=torch.float64)
    b = torch.randn(3, dtype=torch.float64)
    taps = torch.randn(2, 9, 2, 5, 6, dtype=torch.float64) * 2.5  # many taps land outside
    y = motion_aware_conv2d(x, w, b, taps)
    assert torch.allclose(y, _reference(x, w, b, taps), atol=1e-10)


def test_integer_offsets_equal_shifted_conv():
    torch.manual_seed(2)
    x = torch.randn(1, 3, 12, 12, dtype=torch.float64)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    dx, dy = 2, -1  # every tap reads x(p + g_k + (2, -1))
    taps = torch.zeros(1, 9, 2, 12, 12, dtype=torch.float64)
    taps[:, :, 0], taps[:, :, 1] = dx, dy
    y = motion_aware_conv2d(x, w, None, taps)
    # reference: the ordinary convolution over an infinite zero plane, read at p + (dx, dy)
    pad = 4
    full = F.conv2d(F.pad(x, (pad, pad, pad, pad)), w, None, padding=1)
    ref = full[..., pad + dy : pad + dy + 12, pad + dx : pad + dx + 12]
    assert torch.allclose(y, ref, atol=1e-10)
    # in the interior this is the plain conv of the shifted image
    shifted = torch.roll(x, shifts=(-dy, -dx), dims=(-2, -1))
    inner = F.conv2d(shifted, w, None, padding=1)[..., 3:-3, 3:-3]
    assert torch.allclose(y[..., 3:-3, 3:-3], inner, atol=1e-10)


def test_gradcheck_x_weight_offsets():
    torch.manual_seed(3)
    x = torch.randn(1, 2, 4, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, dtype=torch.float64, requires_grad=True)
    # fractional parts in [0.2, 0.8]: away from the kinks of bilinear interpolation
    taps = (torch.randint(-2, 2, (1, 9, 2, 4, 5)) + 0.2 + 0.6 * torch.rand(1, 9, 2, 4, 5)).double()
    taps.requires_grad_(True)
    assert torch.autograd.gradcheck(motion_aware_conv2d, (x, w, b, taps), eps=1e-6, atol=1e-6)


def test_tap_offsets_resize_scales_pixels():
    params = torch.zeros(1, 2, 16, 16)
    params[:, 0] = 4.0 / 0.5  # linear: Δp(t) = −t·Δp, so tap 0 (t = −1) sits at +Δp
    taps = trajectory_tap_offsets(params, "linear", alpha=0.5, size=(16, 16))
    assert taps.shape == (1, 9, 2, 16, 16)
    assert torch.allclose(taps[:, 0, 0], torch.full((1, 16, 16), 4.0))
    small = trajectory_tap_offsets(params, "linear", alpha=0.5, size=(8, 8))
    assert small.shape == (1, 9, 2, 8, 8)
    assert torch.allclose(small[:, 0, 0], torch.full((1, 8, 8), 2.0))
    assert torch.allclose(small[:, 8, 0], torch.full((1, 8, 8), -2.0))
    assert torch.all(small[:, :, 1] == 0)
    # anisotropic resize scales each axis by its own factor
    params[:, 1] = 6.0 / 0.5
    aniso = trajectory_tap_offsets(params, "linear", alpha=0.5, size=(4, 8))
    assert torch.allclose(aniso[:, 0, 0], torch.full((1, 4, 8), 2.0))
    assert torch.allclose(aniso[:, 0, 1], torch.full((1, 4, 8), 1.5))


@pytest.mark.parametrize("constraint", ["quadratic", "bilinear", "linear"])
def test_middle_tap_is_zero(constraint):
    torch.manual_seed(4)
    c = 2 if constraint == "linear" else 4
    params = torch.randn(2, c, 6, 7) * 10
    taps = trajectory_tap_offsets(params, constraint, alpha=0.1)
    assert torch.all(taps[:, 4] == 0)
    assert taps[:, 0].abs().max() > 0
    # α scales linearly and tap 0 / tap 8 are the trajectory's endpoints
    start = params[:, 0:2]
    assert torch.allclose(taps[:, 0], 0.1 * start, atol=1e-6)


def test_tap_offsets_keep_dtype_and_are_differentiable():
    params = torch.randn(1, 4, 8, 8, dtype=torch.float64, requires_grad=True)
    taps = trajectory_tap_offsets(params, "quadratic", alpha=0.1, size=(4, 4))
    assert taps.dtype == torch.float64
    taps.sum().backward()
    assert params.grad is not None


def test_bad_shapes_raise():
    x = torch.randn(1, 3, 8, 8)
    w = torch.randn(4, 3, 3, 3)
    with pytest.raises(ValueError):
        motion_aware_conv2d(x, w, None, torch.zeros(1, 9, 2, 4, 4))
    with pytest.raises(ValueError):
        motion_aware_conv2d(x, torch.randn(4, 2, 3, 3), None, torch.zeros(1, 9, 2, 8, 8))
    with pytest.raises(ValueError):
        to_deform_conv2d_offsets(torch.zeros(1, 8, 2, 4, 4))


def test_deform_conv2d_layout():
    taps = torch.zeros(1, 9, 2, 1, 1)
    taps[0, 3, 0] = 5.0  # Δx of tap 3
    taps[0, 3, 1] = -7.0  # Δy of tap 3
    out = to_deform_conv2d_offsets(taps)
    assert out.shape == (1, 18, 1, 1)
    assert out[0, 6, 0, 0] == -7.0 and out[0, 7, 0, 0] == 5.0
    assert out.abs().sum() == 12.0


def test_agrees_with_torchvision_deform_conv2d():
    tvops = pytest.importorskip("torchvision.ops")
    torch.manual_seed(5)
    x = torch.randn(2, 3, 9, 10, dtype=torch.float64)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    b = torch.randn(4, dtype=torch.float64)
    taps = torch.randn(2, 9, 2, 9, 10, dtype=torch.float64) * 3
    ref = tvops.deform_conv2d(x, to_deform_conv2d_offsets(taps), w, b, padding=1)
    assert torch.allclose(motion_aware_conv2d(x, w, b, taps), ref, atol=1e-8)


def test_module_forward_backward():
    torch.manual_seed(6)
    layer = MotionAwareConv2d(3, 5, alpha=0.1, learn_alpha=True)
    assert layer.weight.shape == (5, 3, 3, 3) and layer.bias.shape == (5,)
    assert "alpha=0.1, learned" in repr(layer)
    params = (torch.randn(2, 4, 16, 16) * 8).requires_grad_(True)
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    taps = layer.tap_offsets(params, "quadratic", size=(8, 8))
    y = layer(x, taps)
    assert y.shape == (2, 5, 8, 8)
    y.square().mean().backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert x.grad.abs().sum() > 0 and params.grad.abs().sum() > 0
    assert MotionAwareConv2d(3, 5, bias=False).bias is None
    assert [n for n, _ in MotionAwareConv2d(3, 5).named_parameters()] == ["weight", "bias"]  # α fixed by default


def test_module_applies_its_alpha():
    """The layer scales the unscaled trajectory by its own α: equal to the functional op with α·Δp."""
    torch.manual_seed(7)
    layer = MotionAwareConv2d(3, 4, alpha=0.3)
    params = torch.randn(1, 4, 8, 8) * 5
    x = torch.randn(1, 3, 8, 8)
    unit = layer.tap_offsets(params, "quadratic")
    ref = motion_aware_conv2d(x, layer.weight, layer.bias, trajectory_tap_offsets(params, "quadratic", alpha=0.3))
    assert torch.allclose(layer(x, unit), ref, atol=1e-5)


def test_row_blocks_and_training_path_give_the_same_output(monkeypatch):
    """Inference samples a few rows at a time by a gather, training in one grid_sample block:
    the same convolution either way."""
    import blurtrace.ops.grid as grid

    torch.manual_seed(5)
    x = torch.randn(2, 3, 9, 7, dtype=torch.float64)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    b = torch.randn(4, dtype=torch.float64)
    taps = torch.randn(2, 9, 2, 9, 7, dtype=torch.float64) * 2
    with torch.no_grad():
        whole = motion_aware_conv2d(x, w, b, taps)
    trained = motion_aware_conv2d(x.requires_grad_(True), w, b, taps)
    blocks = grid.sample_taps
    monkeypatch.setattr(grid, "sample_taps", lambda image, offsets: blocks(image, offsets, bags=2 * 9 * 7 * 2))
    with torch.no_grad():
        in_blocks = motion_aware_conv2d(x, w, b, taps)
    assert torch.allclose(whole, trained, atol=1e-10) and torch.allclose(whole, in_blocks, atol=1e-10)
    assert torch.allclose(whole, _reference(x.detach(), w, b, taps), atol=1e-10)
