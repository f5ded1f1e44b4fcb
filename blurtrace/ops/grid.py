"""The one place where pixel offsets become ``grid_sample`` coordinates.

blurtrace's offset convention (DESIGN §2): offsets are in pixels of the image they act on,
channel 0 is Δx (columns, +right), channel 1 is Δy (rows, +down), and output pixel p reads
the source at ``p + offset(p)``. Pixel centres sit at integer coordinates.
"""
from __future__ import annotations

from typing import Iterator

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


def sample_taps(image: torch.Tensor, offsets: torch.Tensor, *, bags: int = 2**20) -> Iterator[tuple[slice, torch.Tensor]]:
    """Bilinearly sample ``image`` at ``K`` offsets per pixel, zeros outside (Eq. 4, as :func:`sample`),
    a block of rows at a time.

    The im2col step of a convolution whose taps move per pixel (Eq. 16): each block, viewed with
    ``permute(0, 3, 1, 2)``, is a channels-last ``(B, K·C, rows, W)`` map that a 1×1 convolution
    turns into those rows of the output without another copy, so the K·C samples never exist for
    the whole image at once (a 1024² tile of a 24 MP photo: 0.9 GB of samples for K·C = 216).

    Args:
        image: ``(B, C, H, W)``.
        offsets: ``(B, K, 2, H, W)`` pixel offsets ``(dx, dy)`` of the K samples.
        bags: about how many samples a block holds (CPU inference; elsewhere one block).

    Yields:
        ``(rows, samples)``: a ``slice`` of output rows and ``(B, len(rows), W, K·C)`` samples,
        sample k of a pixel in ``[..., k·C : (k+1)·C]``, in at least float32 (the positions'
        precision, as :func:`sample`); the blocks cover ``0 … H`` in order.
    """
    b, c, h, w = image.shape
    if offsets.dim() != 5 or offsets.shape[0] != b or offsets.shape[2] != 2 or offsets.shape[-2:] != (h, w):
        raise ValueError(f"offsets must be ({b}, K, 2, {h}, {w}), got {tuple(offsets.shape)}")
    dtype = torch.promote_types(torch.promote_types(image.dtype, offsets.dtype), torch.float32)
    image, offsets = image.to(dtype), offsets.to(dtype)
    # the gather's backward (a sort and scatter of 4·K rows per pixel) is slower than
    # grid_sample's: a training step of the default deblurring network took 1.21–1.31 s with it
    # against 1.01–1.27 s (benchmarks/train_speed.py's step with the gather forced in, alternated;
    # a one-off comparison, docs/experiments.md), so it serves inference only
    needs_grad = torch.is_grad_enabled() and (image.requires_grad or offsets.requires_grad)
    if image.device.type == "cpu" and not needs_grad:
        yield from _sample_taps_gather(image, offsets, bags=bags)
    else:
        yield slice(0, h), _sample_taps_grid_sample(image, offsets)  # sample() runs outside autocast


def _sample_taps_grid_sample(image: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """:func:`sample_taps` by ``grid_sample`` on K copies of the image, in one block (GPUs, and training)."""
    b, c, h, w = image.shape
    k = offsets.shape[1]
    frames = sample(image.unsqueeze(1).expand(b, k, c, h, w).reshape(b * k, c, h, w), offsets.reshape(b * k, 2, h, w))
    return frames.view(b, k, c, h, w).permute(0, 3, 4, 1, 2).reshape(b, h, w, k * c)


def _sample_taps_gather(image: torch.Tensor, offsets: torch.Tensor, *, bags: int) -> Iterator[tuple[slice, torch.Tensor]]:
    """:func:`sample_taps` as weighted gathers of channels-last rows (CPU inference).

    On a CPU ``grid_sample`` reads each channel plane separately and needs K copies of the image;
    here every sample is the weighted sum of 4 contiguous pixel rows of a zero-bordered
    channels-last copy, which ``embedding_bag`` computes in one pass (the motion-aware convolution of
    a 24-channel 1280×720 map: 0.9–1.0 s instead of 1.3–1.4, ``benchmarks/motion_aware_conv.py``;
    the default deblurring network 0.4–0.9 s faster, ``benchmarks/speed.py``, alternated runs).
    Positions are clamped into the border, where the zeros make a sample outside the image 0
    exactly as ``grid_sample`` does.
    """
    b, c, h, w = image.shape
    k = offsets.shape[1]
    # one zero row/column before the image, two after: every corner of a clamped position exists
    table = image.new_zeros(b, h + 3, w + 3, c)
    table[:, 1 : h + 1, 1 : w + 1] = image.permute(0, 2, 3, 1)
    step = max(1, bags // (b * w * k))
    for top in range(0, h, step):
        rows = slice(top, min(h, top + step))
        yield rows, _gather_rows(table, offsets[..., rows, :], top)


def _gather_rows(table: torch.Tensor, offsets: torch.Tensor, top: int) -> torch.Tensor:
    """Samples ``(B, rows, W, K·C)`` of the output rows ``top …`` that ``offsets``
    ``(B, K, 2, rows, W)`` move, from a zero-bordered channels-last ``table`` ``(B, H+3, W+3, C)``."""
    b, hp, wp, c = table.shape
    h, w = hp - 3, wp - 3
    k, rows = offsets.shape[1], offsets.shape[-2]
    index_type = torch.int32 if table.numel() // c < 2**31 else torch.int64  # int32: 20 % faster here
    # pixel-major (b, rows, w, k) positions: the bags come out in the order the 1×1 convolution reads
    pos = offsets.permute(0, 3, 4, 1, 2).contiguous()
    columns = torch.arange(w, device=table.device, dtype=table.dtype).view(1, 1, w, 1)
    lines = torch.arange(top, top + rows, device=table.device, dtype=table.dtype).view(1, rows, 1, 1)
    px, py = (pos[..., 0] + columns).clamp(-1, w), (pos[..., 1] + lines).clamp(-1, h)
    del pos
    x0, y0 = px.floor(), py.floor()
    fx, fy = px - x0, py - y0
    ex, ey = 1 - fx, 1 - fy
    first = ((y0 + 1) * wp + (x0 + 1)).to(index_type)
    if b > 1:
        first += (torch.arange(b, device=table.device, dtype=index_type) * (hp * wp)).view(b, 1, 1, 1)
    corners = first.unsqueeze(-1) + torch.tensor([0, 1, wp, wp + 1], device=table.device, dtype=index_type)
    # the bilinear weights of those corners: (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1)
    weights = torch.stack((ex * ey, fx * ey, ex * fy, fx * fy), dim=-1)
    with torch.autocast(device_type=table.device.type, enabled=False):
        samples = F.embedding_bag(corners.view(-1, 4), table.view(-1, c), mode="sum", per_sample_weights=weights.view(-1, 4))
    return samples.view(b, rows, w, k * c)
