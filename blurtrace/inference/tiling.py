"""Run a dense per-pixel network over a large image in overlapping tiles.

Each tile's output is weighted by a ramp that is exactly 0 in the outer quarter of the overlap
at tile edges interior to the image (where zero padding corrupts a convolution's output) and
rises linearly to 1, so neighbouring tiles cross-fade and no seam shows; peak memory depends on
the tile size only. Outputs accumulate on the CPU in float32.
"""
from __future__ import annotations

from typing import Callable

import torch


def _starts(size: int, tile: int, overlap: int) -> list[int]:
    if size <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, size - tile, step)) + [size - tile]
    return sorted(set(starts))


def _ramp(length: int, overlap: int, at_start: bool, at_end: bool) -> torch.Tensor:
    w = torch.ones(length)
    dead = overlap // 4  # ignored band: the neighbouring tile sees these pixels from its inside
    ramp = ((torch.arange(overlap, dtype=torch.float32) + 0.5 - dead) / max(1, overlap - 2 * dead)).clamp(0, 1)
    if not at_start and overlap:
        w[:overlap] = torch.minimum(w[:overlap], ramp)
    if not at_end and overlap:
        w[-overlap:] = torch.minimum(w[-overlap:], ramp.flip(0))
    return w


def tiled_apply(
    fn: Callable[..., torch.Tensor],
    image: torch.Tensor,
    *others: torch.Tensor,
    out_channels: int,
    tile: int = 1024,
    overlap: int = 128,
    progress: Callable[[int, int], None] | None = None,
) -> torch.Tensor:
    """Apply ``fn`` (``(1, C, h, w), … → (1, out_channels, h, w)``) tile by tile.

    Args:
        image: ``(1, C, H, W)`` on any device; ``fn`` gets one tile of it at a time.
        others: more ``(1, C', H, W)`` inputs (e.g. trajectory parameters), cut into the same
            tiles and passed after ``image``: no concatenated copy of a large photo.
        tile, overlap: tile side and overlap in pixels (``overlap < tile``); an image of at
            most ``tile²`` pixels, whatever its shape, is processed whole.

    Returns:
        ``(1, out_channels, H, W)`` float32 on the CPU.
    """
    _, _, h, w = image.shape
    if any(o.shape[-2:] != image.shape[-2:] for o in others):
        raise ValueError("all inputs of tiled_apply must share the image's height and width")
    if h * w <= tile * tile:  # memory goes with the pixel count: a 1280×720 photo fits a 1024² budget whole
        return fn(image, *others).float().cpu()
    if not 0 <= overlap < tile:
        raise ValueError("overlap must be smaller than the tile")
    out = torch.zeros(1, out_channels, h, w)
    norm = torch.zeros(1, 1, h, w)
    ys, xs = _starts(h, tile, overlap), _starts(w, tile, overlap)
    done, total = 0, len(ys) * len(xs)
    for y in ys:
        th = min(tile, h - y)
        wy = _ramp(th, overlap, y == 0, y + th >= h)
        for x in xs:
            tw = min(tile, w - x)
            wx = _ramp(tw, overlap, x == 0, x + tw >= w)
            weight = (wy.view(-1, 1) * wx.view(1, -1)).view(1, 1, th, tw)
            pred = fn(*(t[..., y : y + th, x : x + tw] for t in (image, *others))).float().cpu()
            out[..., y : y + th, x : x + tw] += pred * weight
            norm[..., y : y + th, x : x + tw] += weight
            done += 1
            if progress is not None:
                progress(done, total)
    return out.div_(norm)
