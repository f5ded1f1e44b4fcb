"""Image, trajectory and video quality metrics.

Images are ``(B, C, H, W)`` tensors in [0, 1] unless a ``data_range`` says otherwise.
The direction of time cannot be recovered from one blurry photo, so every trajectory and
video metric here is taken up to time reversal.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from pytorch_msssim import ms_ssim as _ms_ssim
from pytorch_msssim import ssim as _ssim

from blurtrace.ops.deconv import forward_differences


def psnr(x: torch.Tensor, y: torch.Tensor, *, data_range: float = 1.0, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Peak signal-to-noise ratio per image, ``(B,)`` in dB.

    Args:
        x, y: ``(B, C, H, W)``.
        mask: optional ``(B, 1, H, W)`` or ``(H, W)`` weights; only pixels with mask > 0 count.
    """
    err = (x.double() - y.double()) ** 2
    if mask is None:
        mse = err.flatten(1).mean(1)
    else:
        m = torch.broadcast_to(mask.to(err.dtype), err.shape)
        mse = (err * m).flatten(1).sum(1) / m.flatten(1).sum(1).clamp(min=1)
    return (10 * torch.log10(data_range**2 / mse.clamp(min=1e-20))).to(x.dtype)


def ssim(x: torch.Tensor, y: torch.Tensor, *, data_range: float = 1.0) -> torch.Tensor:
    """Structural similarity (Wang et al. 2004; 11×11 Gaussian window, σ 1.5), ``(B,)``."""
    return _ssim(x, y, data_range=data_range, size_average=False)


def ms_ssim_window(height: int, width: int) -> int:
    """Largest odd Gaussian window (≤ 11) that 5-scale MS-SSIM allows for this size; 0 if none.

    pytorch-msssim downsamples 4 times and needs ``min(H, W) > (win − 1)·16``; small
    training crops (128²) therefore use a 7×7 window instead of failing.
    """
    side = min(height, width)
    win = 11
    while win >= 3 and side <= (win - 1) * 16:
        win -= 2
    return win if win >= 3 else 0


def ms_ssim(x: torch.Tensor, y: torch.Tensor, *, data_range: float = 1.0) -> torch.Tensor:
    """Multi-scale SSIM (Wang et al. 2003), ``(B,)``; below 5 usable scales it falls back to SSIM."""
    win = ms_ssim_window(*x.shape[-2:])
    if win == 0:
        side = min(x.shape[-2:])
        return _ssim(x, y, data_range=data_range, size_average=False, win_size=max(1, min(11, side - (1 - side % 2))))
    return _ms_ssim(x, y, data_range=data_range, size_average=False, win_size=win)


def trajectory_epe(pred: torch.Tensor, true: torch.Tensor, *, mask: torch.Tensor | None = None, per_pixel: bool = True) -> torch.Tensor:
    """Mean end-point error of two trajectories sampled at the same symmetric times, ``(B,)`` px.

    The error at a pixel is the mean over the N times of ``‖pred_n − true_n‖₂``. Time reversal
    (``n → N−1−n``; the times must be symmetric about 0) is forgiven per pixel
    (``per_pixel=True``: each pixel may run either way) or once per image.

    Args:
        pred, true: ``(B, N, 2, H, W)`` offsets in pixels.
        mask: optional ``(B, 1, H, W)`` or ``(H, W)``: pixels with mask > 0 count.
    """
    if pred.shape != true.shape:
        raise ValueError(f"trajectory shapes differ: {tuple(pred.shape)} vs {tuple(true.shape)}")
    fwd = (pred - true).norm(dim=2).mean(1, keepdim=True)
    bwd = (pred.flip(1) - true).norm(dim=2).mean(1, keepdim=True)
    m = torch.ones_like(fwd) if mask is None else torch.broadcast_to(mask.to(fwd.dtype), fwd.shape)

    def _mean(e: torch.Tensor) -> torch.Tensor:
        return (e * m).flatten(1).sum(1) / m.flatten(1).sum(1).clamp(min=1)

    if per_pixel:
        return _mean(torch.minimum(fwd, bwd))
    return torch.minimum(_mean(fwd), _mean(bwd))


def video_psnr(pred: torch.Tensor, true: torch.Tensor, *, data_range: float = 1.0) -> float:
    """Mean per-frame PSNR of a frame sequence, forgiving time reversal.

    Args:
        pred, true: ``(T, C, H, W)`` frames at the same times.
    """
    fwd = psnr(pred, true, data_range=data_range).mean().item()
    bwd = psnr(pred.flip(0), true, data_range=data_range).mean().item()
    return max(fwd, bwd)


def zero_motion_epe(true: torch.Tensor) -> torch.Tensor:
    """EPE of predicting no motion at all, ``(B,)``: the baseline any estimator must beat."""
    return true.norm(dim=2).mean(dim=(1, 2, 3))


def psnr_from_mse(mse: float, *, data_range: float = 1.0) -> float:
    return 10 * math.log10(data_range**2 / max(mse, 1e-20))


def local_texture(image: torch.Tensor, *, window: int = 9) -> torch.Tensor:
    """``(B, C, H, W)`` → ``(B, H, W)``: the grey image's gradient magnitude (forward differences)
    averaged over a ``window``×``window`` neighbourhood.

    Blur shows only where the sharp picture has texture across it; in flat regions every
    trajectory reblurs alike (Eq. 3), so trajectory scores are split by this measure.
    """
    gx, gy = forward_differences(image.mean(1, keepdim=True))
    return F.avg_pool2d((gx.square() + gy.square()).sqrt(), window, stride=1, padding=window // 2, count_include_pad=False)[:, 0]
