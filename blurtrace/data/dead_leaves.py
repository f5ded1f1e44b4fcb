"""Dead-leaves images: procedural "photos" with natural images' scale statistics.

Why: the photos we may train on are few (≈ 50, DESIGN §5) and a deblurring network memorises
them. Dead leaves — opaque discs of random colour dropped on top of one another, radii drawn from
``p(r) ∝ r^-power`` (``power`` ≈ 3 makes the image statistics scale-invariant, like natural
images') — are an unlimited supply of sharp edges at every scale and orientation, a known stand-in
for natural images when training restoration networks (Achddou et al., "Synthetic images as a
regularity prior for image restoration neural networks", SSVM 2021). Colours are drawn from real
photos so the palette is natural; a disc is flat, shaded by a gentle gradient, or striped (texture
at its own scale), so the set is not all flat regions and step edges.

Discs are laid front to back on a supersampled canvas (each one fills only what is still
uncovered: the same picture as back-to-front painting, drawn in finite time) and area-averaged
down, so edges are anti-aliased like a real sensor's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from ..io import read_image, to_float, write_image


def sample_radii(rng: np.random.Generator, count: int, *, radius: tuple[float, float], power: float) -> np.ndarray:
    """``count`` radii in ``[radius[0], radius[1]]`` with density ``∝ r^-power`` (inverse CDF)."""
    lo, hi = radius
    if not 0 < lo <= hi:
        raise ValueError("radius must be an increasing pair of positive numbers")
    u = rng.random(count)
    if abs(power - 1) < 1e-9:
        return lo * (hi / lo) ** u
    a = 1 - power
    return (lo**a + u * (hi**a - lo**a)) ** (1 / a)


def _fill(rng: np.random.Generator, colour: np.ndarray, h: int, w: int) -> np.ndarray:
    """A disc's ``(h, w, 3)`` float fill: flat, a gentle gradient, or stripes."""
    kind = rng.integers(3)
    base = np.broadcast_to(colour.astype(np.float32), (h, w, 3))
    if kind == 0:
        return base
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = rng.uniform(0, np.pi)
    along = (xx - w / 2) * np.cos(theta) + (yy - h / 2) * np.sin(theta)
    if kind == 1:
        gain = 1 + rng.uniform(-0.25, 0.25) * along / max(h, w)
    else:
        period = rng.uniform(3.0, max(4.0, min(h, w) / 2))
        gain = 1 + rng.uniform(0.1, 0.4) * np.sin(2 * np.pi * along / period + rng.uniform(0, 2 * np.pi))
    return base * gain[..., None]


def dead_leaves(
    rng: np.random.Generator,
    height: int,
    width: int,
    *,
    colours: np.ndarray,
    radius: tuple[float, float] = (1.0, 100.0),
    power: float = 3.0,
    supersample: int = 2,
    coverage: float = 0.999,
    max_discs: int = 200_000,
) -> np.ndarray:
    """One dead-leaves image.

    Args:
        rng: the only source of randomness (same state, same image).
        height, width: output size, pixels.
        colours: ``(K, 3)`` uint8 palette the discs' colours are drawn from.
        radius: smallest and largest disc radius, output pixels.
        power: exponent of the radius density ``r^-power``.
        supersample: canvas oversampling for anti-aliased edges.
        coverage: stop once this fraction of the canvas is covered (the rest takes the last colour).
        max_discs: a bound on the work for extreme settings.

    Returns:
        ``(height, width, 3)`` uint8 sRGB.
    """
    if height < 1 or width < 1:
        raise ValueError("the image must be at least 1×1")
    colours = np.asarray(colours)
    if colours.ndim != 2 or colours.shape[1] != 3 or len(colours) == 0:
        raise ValueError("colours must be a non-empty (K, 3) array")
    s = supersample
    h, w = height * s, width * s
    canvas = np.zeros((h, w, 3), np.float32)
    covered = np.zeros((h, w), bool)
    left = h * w
    drawn = 0
    batch = 1024
    while left > (1 - coverage) * h * w and drawn < max_discs:
        radii = sample_radii(rng, batch, radius=radius, power=power) * s
        for r in radii:
            drawn += 1
            cx, cy = rng.uniform(-r, w + r), rng.uniform(-r, h + r)
            x0, x1 = max(0, int(cx - r)), min(w, int(np.ceil(cx + r)) + 1)
            y0, y1 = max(0, int(cy - r)), min(h, int(np.ceil(cy + r)) + 1)
            colour = colours[rng.integers(len(colours))]
            if x0 >= x1 or y0 >= y1:
                continue
            yy, xx = np.ogrid[y0:y1, x0:x1]
            new = ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r) & ~covered[y0:y1, x0:x1]
            if not new.any():
                continue
            fill = _fill(rng, colour, y1 - y0, x1 - x0)
            canvas[y0:y1, x0:x1][new] = fill[new]
            covered[y0:y1, x0:x1] |= new
            left -= int(new.sum())
            if left <= (1 - coverage) * h * w or drawn >= max_discs:
                break
    canvas[~covered] = colours[rng.integers(len(colours))]
    if s > 1:
        canvas = cv2.resize(canvas, (width, height), interpolation=cv2.INTER_AREA)
    return np.clip(canvas + 0.5, 0, 255).astype(np.uint8)


def palette_from_photos(paths: Sequence[Path], rng: np.random.Generator, *, count: int = 4096) -> np.ndarray:
    """``(count, 3)`` uint8 colours: pixels picked at random from random photos."""
    if not paths:
        raise FileNotFoundError("no photos to take colours from")
    per = max(1, count // len(paths) + 1)
    picks = []
    for p in paths:
        flat = (to_float(read_image(p)) * 255 + 0.5).astype(np.uint8).reshape(-1, 3)
        picks.append(flat[rng.integers(len(flat), size=per)])
    out = np.concatenate(picks)
    return out[rng.permutation(len(out))[:count]]


def write_dead_leaves(
    out_dir: Path,
    *,
    count: int,
    size: tuple[int, int],
    colours_from: Path,
    seed: int = 0,
    radius: tuple[float, float] = (1.0, 100.0),
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``count`` dead-leaves PNGs ``OUT/dead-leaves-NNNNN.png`` of ``size = (width, height)``
    and return how many were written now.

    Image ``i`` depends only on ``(seed, i)`` and the photos the palette comes from, so an
    interrupted run resumes (present images are kept; each write is atomic).
    """
    from .synth import list_photos

    width, height = size
    paths = list_photos(colours_from)
    palette = palette_from_photos(paths, np.random.default_rng([seed, 2**31]))
    out_dir.mkdir(parents=True, exist_ok=True)
    made = 0
    for i in range(count):
        path = out_dir / f"dead-leaves-{i:05d}.png"
        if not path.exists():
            rng = np.random.default_rng([seed, i])
            write_image(path, dead_leaves(rng, height, width, colours=palette, radius=radius))
            made += 1
        if progress is not None:
            progress(i + 1)
    return made
