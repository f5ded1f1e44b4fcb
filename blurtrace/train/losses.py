"""Training losses of the trajectory network (paper §4.1, Eq. 6–11) and a supervised term.

All functions take ``(B, …)`` tensors and return a scalar mean over the batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..evaluation.metrics import ms_ssim
from ..ops.blur import reblur


@dataclass(frozen=True)
class LossWeights:
    """Weights of Eq. 11 (paper values) plus the synthetic-truth trajectory term.

    ``trajectory`` weights the end-point error against the true trajectory (taken up to time
    reversal per pixel); it only applies where the data carries truth (``synth`` output).
    Setting a weight to 0 switches its term off (the Table-4 ablations).
    """

    ssim: float = 0.1
    reg: float = 2e-5
    tv: float = 5e-4
    trajectory: float = 0.02


def reblur_loss(blurry: torch.Tensor, reblurred: torch.Tensor, *, ssim_weight: float) -> torch.Tensor:
    """``L_circle = ‖B − B̂‖² + λ_SSIM·(1 − MS-SSIM(B, B̂))`` (Eq. 6–8)."""
    loss = ((blurry - reblurred) ** 2).mean()
    if ssim_weight:
        loss = loss + ssim_weight * (1 - ms_ssim(reblurred.clamp(0, 1), blurry)).mean()
    return loss


def offset_regularizer(offsets: torch.Tensor) -> torch.Tensor:
    """Eq. 9: mean squared offset, ``offsets`` ``(B, N, 2, H, W)``; keeps flat areas still."""
    return (offsets**2).mean()


def total_variation(offsets: torch.Tensor) -> torch.Tensor:
    """Eq. 10: mean absolute horizontal + vertical difference of each offset map."""
    dx = (offsets[..., :, 1:] - offsets[..., :, :-1]).abs().mean()
    dy = (offsets[..., 1:, :] - offsets[..., :-1, :]).abs().mean()
    return dx + dy


def trajectory_error(pred: torch.Tensor, true: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean end-point error to the true trajectory, each pixel free to run either way in time.

    Args:
        pred, true: ``(B, T, 2, H, W)`` at the same symmetric times.
        mask: optional ``(B, 1, H, W)`` pixel weights.
    """
    # a small epsilon keeps the norm's gradient finite where the error is exactly 0
    fwd = ((pred - true).pow(2).sum(2) + 1e-6).sqrt().mean(1, keepdim=True)
    bwd = ((pred.flip(1) - true).pow(2).sum(2) + 1e-6).sqrt().mean(1, keepdim=True)
    err = torch.minimum(fwd, bwd)
    if mask is None:
        return err.mean()
    return (err * mask).sum() / mask.sum().clamp(min=1)


def trajectory_training_loss(
    *,
    blurry: torch.Tensor,
    sharp: torch.Tensor,
    offsets: torch.Tensor,
    weights: LossWeights,
    light: str,
    true_offsets: torch.Tensor | None = None,
    pred_at_true_times: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Eq. 11 (+ the supervised term when truth is given); returns every term and ``total``.

    Args:
        blurry, sharp: ``(B, 3, H, W)``.
        offsets: ``(B, N, 2, H, W)`` predicted offsets at the N blur-model times.
        true_offsets, pred_at_true_times: ``(B, T, 2, H, W)`` truth and prediction at the
            truth's times (only for synthetic data).
    """
    reblurred = reblur(sharp, offsets, light=light)
    terms = {"reblur": reblur_loss(blurry, reblurred, ssim_weight=weights.ssim)}
    terms["reg"] = offset_regularizer(offsets)
    terms["tv"] = total_variation(offsets)
    total = terms["reblur"] + weights.reg * terms["reg"] + weights.tv * terms["tv"]
    if true_offsets is not None and pred_at_true_times is not None and weights.trajectory:
        terms["epe"] = trajectory_error(pred_at_true_times, true_offsets)
        total = total + weights.trajectory * terms["epe"]
    terms["total"] = total
    return terms
