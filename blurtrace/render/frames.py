"""Slow-motion frames from one photo: the deblurred image warped along the exposure (Eq. 17).

Frame k of K shows exposure time ``s_k = −1 + 2k/(K−1)`` (``K = 1`` → ``s = 0``): the
deblurred image warped by the trajectory offsets ``Δp(s_k)``. Frames are ``H×W×3`` uint8
RGB numpy arrays, made one at a time so that long videos of big photos fit in memory;
``blurtrace.io.video`` writes them.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from ..ops.blur import warp
from ..ops.trajectory import check_constraint, trajectory, uniform_times


def frame_times(count: int) -> list[float]:
    """Exposure times of ``count`` video frames: ``s_k = −1 + 2k/(K−1)``; ``[0.0]`` for K = 1."""
    return uniform_times(count, dtype=torch.float64).tolist()


def trajectory_frames(
    sharp: torch.Tensor,
    params: torch.Tensor,
    constraint: str,
    count: int,
    *,
    reverse: bool = False,
) -> Iterator[np.ndarray]:
    """Frames along the exposure: ``warp(sharp, trajectory(params, constraint, [s_k]))`` (Eq. 17).

    Args:
        sharp: ``(1, 3, H, W)`` deblurred image in [0, 1].
        params: ``(1, C, H, W)`` raw trajectory parameters for ``constraint``.
        constraint: ``none``, ``linear``, ``bilinear`` or ``quadratic``.
        count: number of frames K ≥ 1; frame k shows ``s_k = −1 + 2k/(K−1)`` (K = 1: s = 0).
        reverse: run time backwards (frame k shows ``s_{K−1−k}``).

    Yields:
        ``H×W×3`` uint8 RGB numpy arrays, one at a time (computed lazily, without autograd).
    """
    check_constraint(constraint)
    if sharp.dim() != 4 or sharp.shape[0] != 1:
        raise ValueError(f"sharp must be (1, C, H, W), got {tuple(sharp.shape)}")
    if params.dim() != 4 or params.shape[0] != 1 or params.shape[-2:] != sharp.shape[-2:]:
        raise ValueError(f"params {tuple(params.shape)} do not fit image {tuple(sharp.shape)}")
    times = frame_times(count)
    if reverse:
        times = times[::-1]
    for s in times:
        # no_grad only around the computation: a generator suspended inside the context
        # manager would leave autograd switched off in the caller's code between frames
        with torch.no_grad():
            offsets = trajectory(params, constraint, [s])[:, 0]
            frame = warp(sharp, offsets)[0]
            pixels = frame.clamp(0, 1).mul(255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
        yield pixels
