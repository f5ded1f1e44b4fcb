"""Random motion families for ``blurtrace synth``: the true exposure trajectories.

Every motion here is a backward map: at exposure time ``s`` the output pixel ``p`` shows the
layer's sharp (``s = 0``) content found at ``p + D(s, p)``, with ``D(0, p) = 0`` — the same
convention as the offsets contract (DESIGN §2), so the truth can be scored directly.

Families (issue "Foundations", item 5):
- ``flow``: per-pixel *linear* motion, ``D(s, p) = s·m(p)`` with a smooth random field ``m``
  (the protocol of Gong et al. 2017 that the paper's synthetic set follows);
- ``camera``: a smooth non-linear camera path — polynomial translation up to cubic plus a
  slow wobble, small in-plane rotation and zoom about a random centre;
- ``dynamic``: ``camera`` plus independently moving foreground sprites (see ``synth.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..ops.grid import base_grid

MOTIONS: tuple[str, ...] = ("flow", "camera", "dynamic")


def check_motion(motion: str) -> str:
    if motion not in MOTIONS:
        raise ValueError(f"motion must be one of {', '.join(MOTIONS)}, not {motion!r}")
    return motion


@dataclass(frozen=True)
class RigidMotion:
    """Similarity motion over the exposure: ``q(s) = (1+z(s))·R(θ(s))·(p − c) + c + b(s)``.

    ``translation`` holds the coefficients of ``b(s) = Σ_k translation[k-1]·s^k`` (pixels),
    ``wobble`` = (amplitude_x, amplitude_y, frequency, phase) adds ``a·(sin(f·s+φ) − sin φ)``,
    ``rotation`` and ``zoom`` the coefficients of ``θ(s) = r1·s + r2·s²`` (radians) and
    ``z(s) = z1·s + z2·s²``. Every term vanishes at ``s = 0``.
    """

    translation: tuple[tuple[float, float], ...]
    rotation: tuple[float, float] = (0.0, 0.0)
    zoom: tuple[float, float] = (0.0, 0.0)
    wobble: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    center: tuple[float, float] = (0.0, 0.0)

    def offsets(self, times: torch.Tensor, height: int, width: int, *, stride: int = 1) -> torch.Tensor:
        """``D(s, p)`` at ``times`` ``(T,)`` → ``(T, 2, ⌈H/stride⌉, ⌈W/stride⌉)`` float32 pixels."""
        s = times.double().view(-1, 1)
        b = torch.zeros(s.shape[0], 2, dtype=torch.float64)
        for k, coeff in enumerate(self.translation, start=1):
            b = b + s**k * torch.tensor(coeff, dtype=torch.float64)
        ax, ay, freq, phase = self.wobble
        b = b + (torch.sin(freq * s + phase) - math.sin(phase)) * torch.tensor([ax, ay], dtype=torch.float64)
        theta = (self.rotation[0] * s + self.rotation[1] * s**2).view(-1)
        scale = (1 + self.zoom[0] * s + self.zoom[1] * s**2).view(-1)
        # D = (A(s) − I)(p − c) + b(s): per-time scalars in float64, the big maps in float32
        a11 = (torch.cos(theta) * scale - 1).float().view(-1, 1, 1)
        a21 = (torch.sin(theta) * scale).float().view(-1, 1, 1)
        bx, by = (b[:, i].float().view(-1, 1, 1) for i in (0, 1))
        ys = torch.arange(0, height, stride, dtype=torch.float32) - self.center[1]
        xs = torch.arange(0, width, stride, dtype=torch.float32) - self.center[0]
        rx, ry = xs.view(1, 1, -1), ys.view(1, -1, 1)
        dx = a11 * rx - a21 * ry + bx
        dy = a21 * rx + a11 * ry + by
        return torch.stack((dx, dy), 1)


@dataclass(frozen=True)
class FlowMotion:
    """Per-pixel linear motion ``D(s, p) = s·field(p)``; ``field`` is ``(2, H, W)`` pixels."""

    field: torch.Tensor

    def offsets(self, times: torch.Tensor, height: int, width: int, *, stride: int = 1) -> torch.Tensor:
        if self.field.shape[-2:] != (height, width):
            raise ValueError("flow field does not match the requested size")
        return times.float().view(-1, 1, 1, 1) * self.field[:, ::stride, ::stride].unsqueeze(0)


def _random_direction(rng: np.random.Generator) -> np.ndarray:
    a = rng.uniform(0, 2 * np.pi)
    return np.array([np.cos(a), np.sin(a)])


def sample_camera(rng: np.random.Generator, height: int, width: int, *, max_extent: float) -> RigidMotion:
    """A random smooth camera path whose endpoints move at most about ``max_extent`` px.

    Mixes straight, curved (quadratic, constant acceleration) and cubic paths, because real
    shake is rarely a straight line (Köhler et al. 2012 recordings).
    """
    extent = max_extent * rng.uniform(0.05, 1.0) ** 0.7  # favour visible blur, keep some small ones
    d1 = _random_direction(rng) * extent * rng.uniform(0.5, 1.0)
    kind = rng.choice(["linear", "quadratic", "cubic"], p=[0.25, 0.45, 0.30])
    coeffs = [tuple(d1)]
    if kind in ("quadratic", "cubic"):
        coeffs.append(tuple(_random_direction(rng) * extent * rng.uniform(0.1, 0.5)))
    if kind == "cubic":
        coeffs.append(tuple(_random_direction(rng) * extent * rng.uniform(0.1, 0.4)))
    wobble = (0.0, 0.0, 0.0, 0.0)
    if rng.random() < 0.3:
        amp = _random_direction(rng) * extent * rng.uniform(0.05, 0.2)
        wobble = (float(amp[0]), float(amp[1]), float(rng.uniform(2, 6)), float(rng.uniform(0, 2 * np.pi)))
    diag = math.hypot(height, width)
    # rotation / zoom that move the far corners by a fraction of the translation blur
    rot = rng.normal(0, 0.25) * extent / diag
    zoom = rng.normal(0, 0.2) * extent / diag
    center = (float(rng.uniform(0, width - 1)), float(rng.uniform(0, height - 1)))
    return RigidMotion(
        translation=tuple((float(x), float(y)) for x, y in coeffs),
        rotation=(float(rot), float(rng.normal(0, abs(rot) / 3 + 1e-9))),
        zoom=(float(zoom), 0.0),
        wobble=wobble,
        center=center,
    )


def sample_object_motion(rng: np.random.Generator, center: tuple[float, float], *, max_extent: float) -> RigidMotion:
    """Independent motion of a foreground object: faster, often accelerating, slight spin."""
    extent = max_extent * rng.uniform(0.3, 1.0)
    d1 = _random_direction(rng) * extent
    d2 = _random_direction(rng) * extent * rng.uniform(0.0, 0.4)
    return RigidMotion(
        translation=((float(d1[0]), float(d1[1])), (float(d2[0]), float(d2[1]))),
        rotation=(float(rng.normal(0, 0.03)), 0.0),
        center=center,
    )


def sample_flow(rng: np.random.Generator, height: int, width: int, *, max_extent: float) -> FlowMotion:
    """A smooth per-pixel linear motion field (global + affine + low-frequency parts)."""
    extent = max_extent * rng.uniform(0.05, 1.0) ** 0.7
    glob = _random_direction(rng) * extent * rng.uniform(0.3, 1.0)
    p = base_grid(height, width, dtype=torch.float64)
    c = torch.tensor([(width - 1) / 2, (height - 1) / 2], dtype=torch.float64).view(2, 1, 1)
    rel = (p - c) / max(height, width)
    a = torch.tensor(rng.normal(0, 0.5, size=(2, 2)) * extent, dtype=torch.float64)
    affine = torch.einsum("ij,jhw->ihw", a, rel)
    coarse = torch.tensor(rng.normal(0, 0.35 * extent, size=(1, 2, 3, 4)), dtype=torch.float64)
    smooth = F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)[0]
    field = torch.tensor(glob, dtype=torch.float64).view(2, 1, 1) + affine + smooth
    # keep the longest vector within the budget
    peak = field.norm(dim=0).max().clamp(min=1e-6)
    field = field * min(1.0, max_extent / float(peak))
    return FlowMotion(field=field.float())
