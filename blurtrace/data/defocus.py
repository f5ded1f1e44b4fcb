"""Out-of-focus backgrounds for synthetic scenes (``blurtrace synth --defocus``).

Why: many photos (and the reserved held-out scenes, DESIGN §5) keep a subject in focus in front of
a lens-blurred background. A deblurring network trained only on in-focus sharp targets learns to
sharpen every soft region, bokeh included, which costs it several dB there. Defocusing part of the
background *before* the motion is rendered keeps the defocus in the sharp target too, so the
network learns to undo the motion and leave the lens blur alone.

Lens blur is a uniform disc (a thin lens, aperture fully open) applied in linear light, blended
with the in-focus layer through a smooth random focus map: a cheap stand-in for depth-dependent
blur, whose exact shape at depth edges matters little next to the motion blur on top.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def disc_kernel(radius: float, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """An anti-aliased uniform disc of ``radius`` pixels, summing to 1.

    Returns:
        ``(K, K)`` with ``K = 2·ceil(radius) + 1``; ``radius ≤ 0`` gives the ``(1, 1)`` identity.
    """
    if radius <= 0:
        return torch.ones(1, 1, dtype=dtype)
    half = int(np.ceil(radius))
    ax = torch.arange(-half, half + 1, dtype=torch.float64)
    dist = torch.sqrt(ax[:, None] ** 2 + ax[None, :] ** 2)
    # coverage of each pixel by the disc's edge, linear over one pixel
    k = (radius + 0.5 - dist).clamp(0, 1)
    return (k / k.sum()).to(dtype)


def lens_blur(image: torch.Tensor, radius: float) -> torch.Tensor:
    """Blur ``(C, H, W)`` (linear light) with a disc of ``radius`` pixels, edges reflected."""
    k = disc_kernel(radius, dtype=image.dtype).to(image.device)
    if k.numel() == 1:
        return image.clone()
    c = image.shape[0]
    pad = k.shape[-1] // 2
    x = F.pad(image.unsqueeze(0), (pad, pad, pad, pad), mode="reflect")
    return F.conv2d(x, k.expand(c, 1, -1, -1), groups=c)[0]


def focus_map(rng: np.random.Generator, height: int, width: int, *, cells: int = 3) -> torch.Tensor:
    """A smooth random map ``(H, W)`` in [0, 1]: 0 in focus, 1 fully out of focus.

    A ``cells × cells`` field of uniform values, upsampled bicubically, is cut at a random level
    so anything from all-in-focus to all-out-of-focus can come out, with soft transitions.
    """
    field = torch.from_numpy(rng.random((1, 1, cells, cells))).float()
    field = F.interpolate(field, size=(height, width), mode="bicubic", align_corners=True)[0, 0]
    level = float(rng.uniform(0.0, 1.0))
    return ((field - level) * 4 + 0.5).clamp(0, 1)


def defocus_background(background: torch.Tensor, rng: np.random.Generator, *, max_radius: float) -> torch.Tensor:
    """Lens-blur part of a ``(3, H, W)`` linear-light background.

    Half the calls leave it in focus; the others draw a radius uniformly in
    ``[1, max_radius]`` and a :func:`focus_map` saying where it applies.
    """
    if max_radius <= 0 or rng.random() < 0.5:
        return background
    radius = float(rng.uniform(min(1.0, max_radius), max_radius))
    amount = focus_map(rng, *background.shape[-2:])
    return background + amount * (lens_blur(background, radius) - background)
