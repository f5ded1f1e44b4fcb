"""Scoring one trajectory estimate: the figures ``eval`` reports and training logs.

Reblur PSNR/SSIM against the blurry input (the paper's Table 2 metric) and, where the truth
exists, trajectory end-point error up to time reversal, each beside what the true offsets and
zero motion score through the same blur module.
"""
from __future__ import annotations

import torch

from ..ops.blur import reblur
from ..ops.trajectory import trajectory, uniform_times
from .metrics import psnr, ssim, trajectory_epe, zero_motion_epe


def border_mask(height: int, width: int, border: int, *, device=None) -> torch.Tensor:
    """``(1, 1, H, W)`` ones except a ``border``-pixel frame (where zeros-outside sampling
    darkens any reblur, true offsets included)."""
    m = torch.zeros(1, 1, height, width, device=device)
    b = min(border, (height - 1) // 2, (width - 1) // 2)
    m[..., b : height - b, b : width - b] = 1
    return m


@torch.no_grad()
def score_trajectory(
    params: torch.Tensor,
    *,
    constraint: str,
    n_offsets: int,
    blurry: torch.Tensor,
    sharp: torch.Tensor,
    light: str,
    true: torch.Tensor | None = None,
    true_times: torch.Tensor | None = None,
    valid: torch.Tensor | None = None,
    border: int = 16,
) -> dict[str, float]:
    """Figures for one image (batch of 1).

    Args:
        params: ``(1, C, H, W)`` raw network output.
        blurry, sharp: ``(1, 3, H, W)`` in [0, 1].
        true: ``(1, T, 2, H, W)`` true offsets at ``true_times`` (optional).
        valid: ``(1, 1, H, W)`` pixels where Eq. 3 holds exactly (optional).
    """
    h, w = blurry.shape[-2:]
    mask = border_mask(h, w, border, device=blurry.device)
    offsets = trajectory(params, constraint, uniform_times(n_offsets, device=params.device))
    rb = reblur(sharp, offsets, light=light)
    out = {
        "reblur_psnr": float(psnr(rb, blurry, mask=mask)),
        "reblur_ssim": float(ssim(rb, blurry)),
        "blurry_vs_sharp_psnr": float(psnr(sharp, blurry, mask=mask)),
    }
    if true is not None and true_times is not None:
        t = true.float()
        pred = trajectory(params, constraint, true_times)
        m = mask if valid is None else mask * valid.float()
        out["epe"] = float(trajectory_epe(pred, t, mask=mask))
        out["epe_global_reversal"] = float(trajectory_epe(pred, t, mask=mask, per_pixel=False))
        out["epe_zero_motion"] = float(zero_motion_epe(t * mask.unsqueeze(1)).mean() * mask.numel() / mask.sum())
        dense = true_times.numel() >= n_offsets
        true_dense = _resample_truth(t, true_times, n_offsets) if not dense else t
        out["true_reblur_psnr"] = float(psnr(reblur(sharp, true_dense, light=light), blurry, mask=m))
        out["reblur_psnr_valid"] = float(psnr(rb, blurry, mask=m))
    return out


def _resample_truth(true: torch.Tensor, times: torch.Tensor, n: int) -> torch.Tensor:
    """Truth at ``n`` uniform times by linear interpolation between its stored times."""
    b, t, two, h, w = true.shape
    flat = true.reshape(b, t * two, h, w)
    return trajectory(flat, "none", uniform_times(n, device=true.device, dtype=true.dtype))
