"""Blur creation module (paper §3.1, Eq. 3–4) and frame warping (Eq. 17)."""
from __future__ import annotations

import torch

from .color import check_light, linear_to_srgb, srgb_to_linear
from .grid import sample


def warp(image: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """One instant frame ``L(p + Δp)`` (Eq. 2, Eq. 17): bilinear, zeros outside.

    Args:
        image: ``(B, C, H, W)`` sharp image.
        offsets: ``(B, 2, H, W)`` pixel offsets ``(dx, dy)``.

    Returns:
        ``(B, C, H, W)``.
    """
    return sample(image, offsets)


def reblur(sharp: torch.Tensor, offsets: torch.Tensor, *, light: str = "gamma", chunk: int = 16) -> torch.Tensor:
    """Average the sharp frame along each pixel's trajectory (Eq. 3).

    Args:
        sharp: ``(B, C, H, W)`` sharp middle frame, sRGB values in [0, 1].
        offsets: ``(B, N, 2, H, W)`` offsets at N exposure times.
        light: ``gamma`` averages the pixel values as stored (the paper, the GoPro ``blur``
            folder); ``linear`` averages decoded linear light and re-encodes (real photons).
        chunk: how many of the N warps run at once (memory vs. speed; result unchanged).

    Returns:
        ``(B, C, H, W)`` blurry image in the same value space as ``sharp``.
    """
    check_light(light)
    b, n, two, h, w = offsets.shape
    if two != 2 or sharp.shape[0] != b or sharp.shape[-2:] != (h, w):
        raise ValueError(f"offsets {tuple(offsets.shape)} do not fit image {tuple(sharp.shape)}")
    src = srgb_to_linear(sharp) if light == "linear" else sharp
    c = src.shape[1]
    total = None
    for i in range(0, n, chunk):
        part = offsets[:, i : i + chunk]
        k = part.shape[1]
        frames = warp(src.unsqueeze(1).expand(b, k, c, h, w).reshape(b * k, c, h, w), part.reshape(b * k, 2, h, w))
        s = frames.view(b, k, c, h, w).sum(1)
        total = s if total is None else total + s
    mean = total / n
    return linear_to_srgb(mean) if light == "linear" else mean
