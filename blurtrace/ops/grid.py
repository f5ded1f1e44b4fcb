"""The one place where pixel offsets become ``grid_sample`` coordinates.

blurtrace's offset convention (DESIGN §2): offsets are in pixels of the image they act on,
channel 0 is Δx (columns, +right), channel 1 is Δy (rows, +down), and output pixel p reads
the source at ``p + offset(p)``. Pixel centres sit at integer coordinates.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def base_grid(height: int, width: int, *, device=None, dtype=None) -> torch.Tensor:
    """Pixel-centre coordinates ``(2, H, W)``: channel 0 is x (column), 1 is y (row)."""
    ys = torch.arange(height, device=device, dtype=dtype)
    xs = torch.arange(width, device=device, dtype=dtype)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack((gx, gy))


def offsets_to_grid(offsets: torch.Tensor) -> torch.Tensor:
    """Convert pixel offsets to a normalised sampling grid.

    Args:
        offsets: ``(B, 2, H, W)`` pixel offsets ``(dx, dy)``.

    Returns:
        ``(B, H, W, 2)`` grid for ``F.grid_sample(..., align_corners=False)``.
    """
    _, _, h, w = offsets.shape
    pos = base_grid(h, w, device=offsets.device, dtype=offsets.dtype) + offsets
    # align_corners=False: pixel i spans [i, i+1) in a [0, size) frame -> centre at (i+0.5)
    scale = torch.tensor([2.0 / w, 2.0 / h], device=offsets.device, dtype=offsets.dtype)
    grid = (pos + 0.5) * scale.view(1, 2, 1, 1) - 1.0
    return grid.permute(0, 2, 3, 1)


def sample(image: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Bilinearly sample ``image`` at ``p + offsets(p)``, zeros outside (Eq. 4).

    Args:
        image: ``(B, C, H, W)``.
        offsets: ``(B, 2, H, W)`` pixel offsets, same ``H, W`` as ``image``.

    Returns:
        ``(B, C, H, W)``.
    """
    if offsets.shape[-2:] != image.shape[-2:]:
        raise ValueError(f"offsets {tuple(offsets.shape)} do not match image {tuple(image.shape)}")
    # positions in at least float32, also for a bfloat16 image or under autocast: bfloat16 keeps
    # 8 significant bits, so pixel 1279 of a row would be read as 1280 and a normalised
    # coordinate of a 1280-pixel row would be up to ±2.5 px off
    dtype = torch.promote_types(torch.promote_types(image.dtype, offsets.dtype), torch.float32)
    with torch.autocast(device_type=image.device.type, enabled=False):
        grid = offsets_to_grid(offsets.to(dtype))
        out = F.grid_sample(image.to(dtype), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.to(image.dtype)
