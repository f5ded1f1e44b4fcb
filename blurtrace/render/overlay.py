"""Pictures of the recovered motion: trajectories drawn over the photo, blur-length maps.

Everything here works on numpy arrays: images are ``H×W×3`` RGB (``uint8``, or float in
[0, 1]), offsets are ``(N, 2, H, W)`` pixel offsets ``(dx, dy)`` in time order (DESIGN §2),
so pixel p's exposure trajectory is the curve ``p + offsets[:, :, p]``. A torch tensor
(or a batch of one, ``(1, N, 2, H, W)``) is accepted too and converted.

Drawing uses OpenCV with anti-aliasing (``cv2.LINE_AA``) and sub-pixel coordinates;
there is no per-pixel Python loop, so the functions scale to full-size photos.
"""
from __future__ import annotations

import math
from typing import Sequence

import cv2
import numpy as np

from ..io.images import as_rgb_uint8

# Sub-pixel precision for OpenCV drawing: coordinates are passed as integers × 2**_SHIFT.
_SHIFT = 4
_ONE = 1 << _SHIFT
# Auto-magnification aims the typical trajectory at this fraction of the grid spacing:
# long enough to read, short enough that neighbouring trajectories rarely touch.
_FILL = 0.6
_MAX_AUTO_MAGNIFY = 100.0
# A colour runs along each trajectory; with few time samples the curve is cut into at
# least this many pieces so the colour still changes smoothly.
_MIN_PIECES = 16
_FONT = cv2.FONT_HERSHEY_SIMPLEX


# ----------------------------------------------------------------------------- inputs


def _as_offsets(offsets) -> np.ndarray:
    """``(N, 2, H, W)`` float32 numpy offsets from numpy or torch, batch of one allowed."""
    if hasattr(offsets, "detach"):  # torch tensor, without importing torch here
        offsets = offsets.detach().cpu().numpy()
    off = np.asarray(offsets)
    if off.ndim == 5 and off.shape[0] == 1:
        off = off[0]
    if off.ndim != 4 or off.shape[1] != 2 or off.shape[0] < 1:
        raise ValueError(f"offsets must be (N, 2, H, W), got shape {off.shape}")
    return off.astype(np.float32, copy=False)


def _as_times(times, n: int) -> np.ndarray:
    """Exposure times ``(N,)``; default equally spaced in [−1, 1] (``[0]`` for N = 1)."""
    if times is None:
        return np.zeros(1) if n == 1 else np.linspace(-1.0, 1.0, n)
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    if t.shape[0] != n:
        raise ValueError(f"got {t.shape[0]} times for {n} offsets")
    if n > 1 and np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly ascending")
    return t


# ------------------------------------------------------------------------- measuring


def blur_magnitude(offsets) -> np.ndarray:
    """Length of each pixel's exposure trajectory, in pixels.

    Args:
        offsets: ``(N, 2, H, W)`` pixel offsets in time order.

    Returns:
        ``H×W`` float32: the sum of the ``N − 1`` segment lengths (0 for N = 1).
    """
    off = _as_offsets(offsets)
    total = np.zeros(off.shape[2:], dtype=np.float32)
    # one segment at a time: a full (N−1, 2, H, W) difference would not fit for big photos
    for a, b in zip(off[:-1], off[1:]):
        total += np.hypot(b[0] - a[0], b[1] - a[1])
    return total


def _path_lengths(curves: np.ndarray) -> np.ndarray:
    """``(N, 2, P)`` polylines → ``(P,)`` lengths."""
    if curves.shape[0] < 2:
        return np.zeros(curves.shape[2], dtype=np.float64)
    d = np.diff(curves.astype(np.float64), axis=0)
    return np.hypot(d[:, 0], d[:, 1]).sum(0)


def _nice_floor(x: float) -> float:
    """Largest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is ≤ x (x > 0)."""
    exp = math.floor(math.log10(x))
    for m in (8, 6, 5, 4, 3, 2.5, 2, 1.5, 1):
        v = m * 10.0**exp
        if v <= x * (1 + 1e-9):
            return float(v)
    return float(10.0**exp)


def _nice_125(x: float) -> float:
    """Largest of 1, 2, 5 × 10^k that is ≤ x (x > 0) — scale-bar lengths."""
    exp = math.floor(math.log10(x))
    for m in (5, 2, 1):
        v = m * 10.0**exp
        if v <= x * (1 + 1e-9):
            return float(v)
    return float(10.0**exp)


def auto_magnify(lengths: np.ndarray, spacing: float) -> float:
    """Magnification that makes the typical trajectory ≈ 0.6·spacing long, never below 1.

    ``lengths`` are path lengths in pixels; "typical" is their 90th percentile (the longest
    one if most are zero, e.g. one moving object on a still background). The factor is
    rounded down to a readable value (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) and capped at 100
    so that numerical noise on a still photo is not blown up into wild curves.
    """
    lengths = np.asarray(lengths, dtype=np.float64).reshape(-1)
    if lengths.size == 0:
        return 1.0
    typical = float(np.percentile(lengths, 90))
    if typical <= 1e-6:
        typical = float(lengths.max())
    if typical <= 1e-6:
        return 1.0
    factor = min(_FILL * spacing / typical, _MAX_AUTO_MAGNIFY)
    return 1.0 if factor <= 1.0 else _nice_floor(factor)


# -------------------------------------------------------------------------- drawing


def _colormap(name: int) -> np.ndarray:
    """An OpenCV colormap as a ``256×3`` uint8 RGB table."""
    ramp = np.arange(256, dtype=np.uint8).reshape(256, 1)
    return cv2.applyColorMap(ramp, name).reshape(256, 3)[:, ::-1].copy()


def _ui_scale(height: int, width: int) -> float:
    """Line and text scale: 1 up to ~720 px on the short side, then proportional."""
    return max(1.0, min(height, width) / 720.0)


def grid_points(size: int, spacing: int) -> np.ndarray:
    """Pixel indices every ``spacing`` px along an axis of ``size``, centred; at least one."""
    count = max(1, size // spacing)
    first = (size - 1 - (count - 1) * spacing) // 2
    return first + spacing * np.arange(count)


def _fixed(xy: np.ndarray) -> np.ndarray:
    """Float pixel coordinates → OpenCV's fixed-point int32 (``shift=_SHIFT``)."""
    return np.round(xy * _ONE).astype(np.int32)


def _at_time_zero(samples: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``(N, 2, P)`` samples at times ``t`` → ``(2, P)`` linearly interpolated at s = 0.

    Constrained trajectories are exactly 0 there, but free (``none``) ones need not be.
    """
    if len(t) == 1:
        return samples[0]
    k = int(np.clip(np.searchsorted(t, 0.0) - 1, 0, len(t) - 2))
    f = float(np.clip((0.0 - t[k]) / (t[k + 1] - t[k]), 0.0, 1.0))
    return samples[k] * (1 - f) + samples[k + 1] * f


def _time_colour_index(t: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """Exposure time → colormap row; the ends of turbo are cut since they vanish on a dark photo."""
    u = (t - t0) / (t1 - t0) if t1 > t0 else np.full_like(t, 0.5)
    return np.round(255 * (0.1 + 0.8 * np.clip(u, 0, 1))).astype(int)


def draw_trajectories(
    image,
    offsets,
    *,
    spacing: int = 32,
    magnify: float | None = None,
    line_width: float = 2,
    dim: float = 0.5,
    legend: bool = True,
    times: Sequence[float] | None = None,
) -> np.ndarray:
    """Draw exposure trajectories on a darkened copy of the photo.

    At a centred grid of pixels ``p`` (every ``spacing`` px) the curve
    ``p + magnify·Δp(s)`` is drawn as an anti-aliased polyline coloured by exposure time
    (turbo colormap, blue at s = −1 to red at s = +1), with a white dot at s = 0, the
    position in the sharp frame.

    Args:
        image: ``H×W×3`` uint8 RGB, or float in [0, 1].
        offsets: ``(N, 2, H, W)`` float pixel offsets in time order, or a function
            ``(rows, cols) → (N, 2, P)`` giving them at the ``P`` drawn pixels only (a large
            photo's full offsets need not exist).
        spacing: grid step in pixels (≥ 1).
        magnify: scale factor for the drawn offsets; ``None`` picks one so that the typical
            (90th percentile) trajectory is about ``0.6·spacing`` long — short motion is
            scaled up, long motion is never shrunk (see :func:`auto_magnify`).
        line_width: line thickness in pixels for images up to ~720 px on the short side;
            thicker in proportion above that, but never more than ``spacing / 6``.
        dim: how much to darken the photo first: 0 keeps it, 1 makes it black.
        legend: draw a legend box in the bottom-left corner (exposure colour bar, the
            magnification ``xM``, a scale bar); left out when the image is too small for it.
        times: ``(N,)`` ascending exposure times of ``offsets``; default equally spaced in
            [−1, 1]. Only colours and the s = 0 dot depend on them.

    Returns:
        ``H×W×3`` uint8 RGB.
    """
    rgb = as_rgb_uint8(image)
    if callable(offsets):
        h, w = rgb.shape[:2]
        off = None
    else:
        off = _as_offsets(offsets)
        if rgb.shape[:2] != off.shape[2:]:
            raise ValueError(f"offsets {off.shape} do not match image {rgb.shape}")
        h, w = off.shape[2:]
    if int(spacing) != spacing or spacing < 1:
        raise ValueError(f"spacing must be a positive integer, got {spacing!r}")
    if not 0.0 <= dim <= 1.0:
        raise ValueError(f"dim must lie in [0, 1], got {dim!r}")
    if line_width <= 0:
        raise ValueError(f"line_width must be positive, got {line_width!r}")
    if magnify is not None and not magnify > 0:
        raise ValueError(f"magnify must be positive or None, got {magnify!r}")
    spacing = int(spacing)
    ys, xs = grid_points(h, spacing), grid_points(w, spacing)
    gy, gx = (a.reshape(-1) for a in np.meshgrid(ys, xs, indexing="ij"))
    # (N, 2, P): only the drawn trajectories
    local = (np.asarray(offsets(gy, gx)) if off is None else off[:, :, gy, gx]).astype(np.float64)
    n = local.shape[0]
    t = _as_times(times, n)
    if magnify is None:
        magnify = auto_magnify(_path_lengths(local), spacing)
    magnify = float(magnify)

    u = _ui_scale(h, w)
    thickness = int(max(1, min(round(line_width * u), max(1, spacing // 6))))
    canvas = np.ascontiguousarray((rgb.astype(np.float32) * (1.0 - dim)).round().astype(np.uint8))
    base = np.stack((gx, gy)).astype(np.float64)  # (2, P)
    curves = base[None] + magnify * local

    # Cut each segment into pieces so that even 2-sample (linear) trajectories show a
    # colour gradient; the native vertices are kept, so the drawn shape is unchanged.
    lut = _colormap(cv2.COLORMAP_TURBO)
    if n >= 2:
        pieces = max(1, math.ceil(_MIN_PIECES / (n - 1)))
        frac = np.arange(pieces + 1) / pieces
        for i in range(n - 1):
            a, b = curves[i], curves[i + 1]
            for j in range(pieces):
                p0 = a + (b - a) * frac[j]
                p1 = a + (b - a) * frac[j + 1]
                # skip degenerate pieces: OpenCV would draw them as coloured blobs
                moving = np.hypot(*(p1 - p0)) > 1e-3
                if not moving.any():
                    continue
                t_mid = t[i] + (t[i + 1] - t[i]) * (frac[j] + frac[j + 1]) / 2
                colour = lut[_time_colour_index(np.array([t_mid]), t[0], t[-1])[0]]
                segs = np.stack((p0[:, moving].T, p1[:, moving].T), axis=1)  # (M, 2, 2)
                cv2.polylines(canvas, list(_fixed(segs)), False, tuple(int(c) for c in colour),
                              thickness, cv2.LINE_AA, _SHIFT)

    # Dot at s = 0: where the pixel sits in the sharp (deblurred) frame.
    centres = base + magnify * _at_time_zero(local, t)
    radius = max(1.0, 0.8 * thickness)
    for x, y in _fixed(centres.T):
        cv2.circle(canvas, (int(x), int(y)), int(round((radius + 0.75) * _ONE)), (0, 0, 0), -1, cv2.LINE_AA, _SHIFT)
        cv2.circle(canvas, (int(x), int(y)), int(round(radius * _ONE)), (255, 255, 255), -1, cv2.LINE_AA, _SHIFT)

    if legend:
        lo, hi = t[0], t[-1]
        bar = lut[_time_colour_index(np.linspace(lo, hi, 256), lo, hi)]
        scale_px = _nice_125(50 * u / magnify)
        _draw_legend(
            canvas,
            title="exposure time",
            note=f"x{magnify:.3g}" if magnify < 10 else f"x{magnify:.0f}",
            bar=bar,
            left=f"{lo:+g}",
            right=f"{hi:+g}",
            scale=(scale_px * magnify, f"{scale_px:g} px"),
            u=u,
        )
    return canvas


def magnitude_map(offsets=None, *, magnitude: np.ndarray | None = None, vmax: float | None = None, legend: bool = True) -> np.ndarray:
    """Colour picture of the blur length (:func:`blur_magnitude`) of every pixel.

    Args:
        offsets: ``(N, 2, H, W)`` float pixel offsets in time order, or ``None`` and
        magnitude: the ``H×W`` blur lengths already computed (for photos whose full
            offsets would not fit in memory).
        vmax: length in pixels mapped to the top colour (longer ones saturate); ``None``
            uses the 99th percentile (1 px if the photo is still).
        legend: draw a labelled colour bar ``0 … vmax`` (pixels) in the bottom-left corner;
            left out when the image is too small for it.

    Returns:
        ``H×W×3`` uint8 RGB (viridis colormap: dark purple = no blur, yellow = ``vmax``).
    """
    mag = blur_magnitude(offsets) if offsets is not None else np.asarray(magnitude, dtype=np.float32)
    if vmax is None:
        vmax = float(np.percentile(mag, 99)) if mag.size else 0.0
        if vmax <= 1e-6:
            vmax = 1.0
    elif not vmax > 0:
        raise ValueError(f"vmax must be positive or None, got {vmax!r}")
    vmax = float(vmax)
    lut = _colormap(cv2.COLORMAP_VIRIDIS)
    idx = np.clip(mag * (255.0 / vmax), 0, 255).round().astype(np.uint8)
    out = np.ascontiguousarray(lut[idx])
    if legend:
        h, w = mag.shape
        saturated = bool((mag > vmax * (1 + 1e-6)).any())
        _draw_legend(
            out,
            title="blur length",
            note="px",
            bar=lut,
            left="0",
            right=f"{vmax:.3g}" + ("+" if saturated else ""),
            scale=None,
            u=_ui_scale(h, w),
        )
    return out


def _draw_legend(canvas, *, title, note, bar, left, right, scale, u) -> bool:
    """Legend box in the bottom-left corner of ``canvas`` (modified in place).

    Rows: ``title`` with ``note`` right-aligned; colour ``bar`` (``K×3`` RGB) between the
    ``left`` and ``right`` labels; optional ``scale = (length_px, label)`` bar.
    Returns False (and draws nothing) if the box does not fit.
    """
    h, w = canvas.shape[:2]
    fs = 0.4 * u
    th = max(1, round(u))
    pad = max(2, round(5 * u))
    gap = max(2, round(4 * u))

    def size(text):
        (tw, tht), base = cv2.getTextSize(text, _FONT, fs, th)
        return tw, tht, base

    tw_title, t_h, t_base = size(title)
    tw_note = size(note)[0]
    tw_l, tw_r = size(left)[0], size(right)[0]
    row = t_h + t_base
    bar_w = round(80 * u)
    bar_h = max(4, round(8 * u))
    inner_w = max(tw_title + gap * 2 + tw_note, tw_l + bar_w + tw_r + 2 * gap)
    scale_len = 0
    if scale is not None:
        scale_len = int(round(scale[0]))
        inner_w = max(inner_w, scale_len + gap + size(scale[1])[0])
    rows_h = row + gap + max(bar_h, row) + (gap + row if scale is not None else 0)
    box_w, box_h = inner_w + 2 * pad, rows_h + 2 * pad
    margin = pad
    if box_w + 2 * margin > w or box_h + 2 * margin > h:
        return False

    x0, y0 = margin, h - margin - box_h
    # translucent dark box: the photo stays faintly visible underneath
    region = canvas[y0 : y0 + box_h, x0 : x0 + box_w]
    region[:] = (region.astype(np.float32) * 0.3).astype(np.uint8)
    white = (255, 255, 255)

    x, y = x0 + pad, y0 + pad
    cv2.putText(canvas, title, (x, y + t_h), _FONT, fs, white, th, cv2.LINE_AA)
    cv2.putText(canvas, note, (x0 + box_w - pad - tw_note, y + t_h), _FONT, fs, white, th, cv2.LINE_AA)
    y += row + gap

    row2 = max(bar_h, row)
    cv2.putText(canvas, left, (x, y + (row2 + t_h) // 2), _FONT, fs, white, th, cv2.LINE_AA)
    bx = x + tw_l + gap
    by = y + (row2 - bar_h) // 2
    idx = np.linspace(0, len(bar) - 1, bar_w).round().astype(int)
    canvas[by : by + bar_h, bx : bx + bar_w] = bar[idx][None]
    cv2.putText(canvas, right, (bx + bar_w + gap, y + (row2 + t_h) // 2), _FONT, fs, white, th, cv2.LINE_AA)
    y += row2 + gap

    if scale is not None:
        ym = y + row // 2
        tick = max(2, round(3 * u))
        cv2.line(canvas, (x, ym), (x + scale_len, ym), white, th, cv2.LINE_AA)
        cv2.line(canvas, (x, ym - tick), (x, ym + tick), white, th, cv2.LINE_AA)
        cv2.line(canvas, (x + scale_len, ym - tick), (x + scale_len, ym + tick), white, th, cv2.LINE_AA)
        cv2.putText(canvas, scale[1], (x + scale_len + gap, y + t_h), _FONT, fs, white, th, cv2.LINE_AA)
    return True
