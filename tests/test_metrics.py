import math

import pytest
import torch

from blurtrace.evaluation.metrics import local_texture, ms_ssim, psnr, ssim, trajectory_epe, video_psnr


def test_psnr_known_value_and_mask():
    x = torch.zeros(1, 3, 4, 4)
    y = torch.full((1, 3, 4, 4), 0.1)
    assert math.isclose(float(psnr(x, y)), 20.0, rel_tol=1e-6)
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., :2, :] = 1
    y2 = y.clone()
    y2[..., 2:, :] = 1.0  # ignored by the mask
    assert math.isclose(float(psnr(x, y2, mask=mask)), 20.0, rel_tol=1e-6)


def test_ssim_identity_and_order():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, 200, 200, generator=g)
    noisy1 = (x + 0.02 * torch.randn(x.shape, generator=g)).clamp(0, 1)
    noisy2 = (x + 0.2 * torch.randn(x.shape, generator=g)).clamp(0, 1)
    assert float(ssim(x, x)) == pytest.approx(1.0, abs=1e-6)
    assert float(ms_ssim(x, x)) == pytest.approx(1.0, abs=1e-5)
    assert float(ssim(x, noisy1)) > float(ssim(x, noisy2))
    assert float(ms_ssim(x[..., :128, :128], noisy1[..., :128, :128])) > float(ms_ssim(x[..., :128, :128], noisy2[..., :128, :128]))


def test_epe_up_to_time_reversal():
    true = torch.zeros(1, 5, 2, 3, 3)
    true[:, :, 0] = torch.linspace(-2, 2, 5).view(1, 5, 1, 1)
    assert float(trajectory_epe(true.flip(1), true)) == 0  # reversed path: no error
    assert float(trajectory_epe(true.flip(1), true, per_pixel=False)) == 0
    assert float(trajectory_epe(torch.zeros_like(true), true)) == pytest.approx(1.2)  # mean |s|·2
    half = true.clone()
    half[..., :, 0] = true.flip(1)[..., :, 0]  # one column runs backwards
    assert float(trajectory_epe(half, true)) == 0 and float(trajectory_epe(half, true, per_pixel=False)) > 0


def test_video_psnr_forgives_reversal():
    frames = torch.rand(4, 3, 8, 8)
    assert video_psnr(frames.flip(0), frames) > 100


def test_local_texture_flat_ramp_and_window():
    flat = torch.full((1, 3, 20, 20), 0.4)
    assert local_texture(flat).abs().max() == 0
    # a horizontal ramp of slope 0.01 per pixel: 0.01 everywhere but the padded last column
    ramp = torch.arange(20.0).mul(0.01).expand(1, 3, 20, 20)
    tex = local_texture(ramp, window=1)
    assert tex.shape == (1, 20, 20)
    torch.testing.assert_close(tex[..., :-1], torch.full((1, 20, 19), 0.01))
    assert tex[..., -1].abs().max() == 0
    # one step edge: the window spreads it over its width and no farther
    step = torch.zeros(1, 1, 21, 21)
    step[..., 11:] = 1.0
    wide = local_texture(step, window=5)[0, 10]
    assert (wide[8:13] > 0).all() and (wide[:8] == 0).all() and (wide[13:] == 0).all()
