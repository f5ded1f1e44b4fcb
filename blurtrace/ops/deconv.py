"""Model-based deblurring along the exposure trajectory (no learned weights).

The blur creation module (paper §3.1, Eq. 3–4) is a linear operator on the sharp frame::

    A(L)(p) = 1/N Σ_n L(p + Δp^{t_n})         (bilinear, zeros outside)

Given a blurry photo ``B`` and its offsets, ``deconvolve`` inverts ``A`` iteratively. It works in
**linear light** (photons add up there): ``B`` is decoded from sRGB, ``A`` is applied to linear
values (``reblur(..., light="gamma")`` on already-linear data, i.e. no further transfer curve) and
the estimate is re-encoded at the end. The adjoint ``Aᵀ`` is never written by hand: it is the
vector–Jacobian product of ``A`` from autograd (``torch.autograd.grad``), so it always matches the
forward model, whatever ``reblur``/``grid`` do.

Two solvers:

- ``rl`` (default): Richardson–Lucy with total-variation regularisation (Dey et al. 2006)::

      L ← L · Aᵀ(M·B / A L) / (AᵀM − λ·div(∇L / |∇L|))

  multiplicative, so positivity is kept; accelerated by Biggs & Andrews' (1997) extrapolation.
  Dividing by ``AᵀM`` (not 1) keeps pixels that few observed trajectories reach from blowing up.
- ``gd``: accelerated projected gradient (Nesterov/FISTA) on
  ``½‖M(A L − B)‖² + λ·TV_ε(L)``, ``TV_ε = Σ sqrt(|∇L|² + ε²)``, projected onto [0, 1].

Borders: a photo's border pixels saw scene outside the frame. The image is padded by replicate
by the largest offset (so ``A``'s zeros-outside fall on the padding instead of darkening the
border), the padding is estimated like the rest, but only the original pixels are compared with
data (the mask ``M``; Bertero & Boccacci 2005). Without the mask, the replicated padding is a
wrong observation whose error rings back into the image as RL iterates (measured: PSNR fell with
iterations even on noise-free data); with it, PSNR rises monotonically.

Trajectory samples: the operator evaluates the trajectory at about one time per pixel of the
longest path (``auto_samples``), never more than given; each sample costs two warps per iteration.
"""
from __future__ import annotations

import math
from typing import Callable, Literal

import torch
import torch.nn.functional as F

from .blur import reblur
from .color import linear_to_srgb, srgb_to_linear
from .trajectory import trajectory, uniform_times

Method = Literal["rl", "gd"]
METHODS: tuple[str, ...] = ("rl", "gd")

# Defaults chosen by measurement (see ``deconvolve``'s docstring).
DEFAULT_ITERATIONS = 30
DEFAULT_TV_WEIGHT = {"rl": 0.002, "gd": 0.001}
DEFAULT_TV_EPS = {"rl": 1e-3, "gd": 1e-2}
_EPS = 1e-6


def check_method(method: str) -> str:
    """Return ``method`` if known, else raise ``ValueError``."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    return method


def _check_shapes(blurry: torch.Tensor, offsets: torch.Tensor) -> None:
    if blurry.dim() != 4:
        raise ValueError(f"blurry must be (B, C, H, W), got {tuple(blurry.shape)}")
    b, _, h, w = blurry.shape
    if (
        offsets.dim() != 5
        or offsets.shape[0] != b
        or offsets.shape[1] < 1
        or offsets.shape[2] != 2
        or offsets.shape[-2:] != (h, w)
    ):
        raise ValueError(f"offsets must be ({b}, N, 2, {h}, {w}), got {tuple(offsets.shape)}")


def forward_differences(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward differences with a zero last row/column (Neumann border)."""
    gx = F.pad(x[..., :, 1:] - x[..., :, :-1], (0, 1, 0, 0))
    gy = F.pad(x[..., 1:, :] - x[..., :-1, :], (0, 0, 0, 1))
    return gx, gy


def _div(px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Backward differences: the negative adjoint of ``forward_differences`` (so ``div = −∇ᵀ``)."""
    dx = torch.cat((px[..., :, :1], px[..., :, 1:-1] - px[..., :, :-2], -px[..., :, -2:-1]), dim=-1)
    dy = torch.cat((py[..., :1, :], py[..., 1:-1, :] - py[..., :-2, :], -py[..., -2:-1, :]), dim=-2)
    return dx + dy


def _tv_direction(x: torch.Tensor, eps: float) -> torch.Tensor:
    """``div(∇x / sqrt(|∇x|² + ε²))``: minus the gradient of smooth TV (per channel)."""
    gx, gy = forward_differences(x)
    norm = torch.sqrt(gx * gx + gy * gy + eps * eps)
    return _div(gx / norm, gy / norm)


def blur_operator(offsets: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """The linear blur operator ``A`` of Eq. 3 for fixed offsets ``(B, N, 2, H, W)``.

    ``A`` maps ``(B, C, H, W)`` to ``(B, C, H, W)``; it is ``reblur`` without any transfer
    curve, so on linear-light values it averages linear light.
    """
    return lambda image: reblur(image, offsets, light="gamma")


def path_length(offsets: torch.Tensor) -> torch.Tensor:
    """Length in pixels of each pixel's polyline trajectory; ``(B, N, 2, H, W)`` → ``(B, H, W)``."""
    if offsets.shape[1] < 2:
        return offsets.new_zeros(offsets.shape[0], *offsets.shape[-2:])
    step = offsets.diff(dim=1)
    # explicit sqrt: linalg.vector_norm over the strided 2-vector axis is ~10× slower on CPU
    return torch.sqrt(step[:, :, 0] ** 2 + step[:, :, 1] ** 2).sum(1)


def auto_samples(offsets: torch.Tensor) -> int:
    """How many trajectory samples the deconvolution needs: about one per pixel of path.

    Samples closer than a pixel add almost nothing to a bilinear blur model but cost a warp
    each, so dense trajectories are thinned to ``ceil(longest path) + 1`` (never more than N).
    """
    n = offsets.shape[1]
    if n <= 2:
        return n
    longest = float(path_length(offsets).amax())
    return int(min(n, max(2, math.ceil(longest) + 1)))


def resample_time(offsets: torch.Tensor, samples: int) -> torch.Tensor:
    """Re-read a trajectory, given at N equally spaced times, at ``samples`` equally spaced times.

    Linear interpolation between the given samples (the ``none`` constraint of Eq. 12–14).

    Args:
        offsets: ``(B, N, 2, H, W)``.
        samples: new number of times (≥ 1).

    Returns:
        ``(B, samples, 2, H, W)``.
    """
    b, n, _, h, w = offsets.shape
    if samples == n:
        return offsets
    times = uniform_times(samples, device=offsets.device, dtype=offsets.dtype)
    return trajectory(offsets.reshape(b, n * 2, h, w), "none", times)


def _pad_width(offsets: torch.Tensor) -> int:
    # +1: bilinear sampling also reads the next pixel over
    return int(math.ceil(float(offsets.abs().amax()))) + 1 if offsets.numel() else 0


def deconvolve(
    blurry: torch.Tensor,
    offsets: torch.Tensor,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    method: str = "rl",
    tv_weight: float | None = None,
    tv_eps: float | None = None,
    samples: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> torch.Tensor:
    """Estimate the sharp middle frame ``L`` with ``reblur(L, offsets) ≈ blurry`` (in linear light).

    Args:
        blurry: ``(B, C, H, W)`` blurry image, sRGB values in [0, 1].
        offsets: ``(B, N, 2, H, W)`` exposure-trajectory offsets (DESIGN §2 convention).
        iterations: solver iterations (each costs one ``A`` and one ``Aᵀ``, i.e. 2N warps).
        method: ``rl`` (Richardson–Lucy + TV) or ``gd`` (accelerated gradient on ℓ2 + TV).
        tv_weight: λ of the TV term (in linear-light units); ``None`` picks the measured default.
        tv_eps: ε smoothing |∇L| in the TV term; ``None`` picks the method's default.
        samples: how many trajectory times the blur operator evaluates (each costs two warps per
            iteration); ``None`` = ``auto_samples`` (≈ one per pixel of the longest path, ≤ N).
        progress: called as ``progress(done, iterations)`` after every iteration.

    Returns:
        ``(B, C, H, W)`` sharp estimate, sRGB in [0, 1], same dtype and device as ``blurry``.

    Defaults were measured on 9 crops of 128² (skimage astronaut, camera, coffee) blurred in
    linear light by linear motions of 9, 13 and 15 px, σ = 0.01 noise, 8-bit: blurry 19.3 dB →
    ``rl`` 30 it. 24.7 dB (gd 24.3 dB); PSNR still rises with more iterations (rl 100 it.
    25.8 dB), λ matters little (0.001–0.005 within 0.1 dB). 30 iterations keep a 640×360 image
    with N = 15 at a few seconds on 2 CPU cores; raise ``iterations`` for quality.
    """
    check_method(method)
    _check_shapes(blurry, offsets)
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    lam = DEFAULT_TV_WEIGHT[method] if tv_weight is None else float(tv_weight)
    eps = DEFAULT_TV_EPS[method] if tv_eps is None else float(tv_eps)
    b, c, h, w = blurry.shape

    with torch.no_grad():
        offsets = offsets.to(blurry.dtype)
        if samples is None:
            samples = auto_samples(offsets)
        if samples < 1:
            raise ValueError(f"samples must be >= 1, got {samples}")
        offsets = resample_time(offsets, samples)
        n = offsets.shape[1]
        obs = srgb_to_linear(blurry.clamp(0, 1))
        pad = _pad_width(offsets)
        if pad:
            # replicate the border so that trajectories leaving the image read plausible values
            # instead of zeros; the padded offsets continue the border pixels' motion
            obs = F.pad(obs, (pad, pad, pad, pad), mode="replicate")
            offsets = F.pad(offsets.reshape(b, n * 2, h, w), (pad, pad, pad, pad), mode="replicate")
            offsets = offsets.view(b, n, 2, h + 2 * pad, w + 2 * pad)
        # only the original pixels were observed: the padding is unknown scene that the
        # trajectories of border pixels reach into, estimated but never compared with data
        # (Bertero & Boccacci 2005's fix of RL's boundary artefacts)
        mask = torch.zeros_like(obs[:, :1])
        mask[..., pad : pad + h, pad : pad + w] = 1
        forward = blur_operator(offsets)
        solver = _richardson_lucy if method == "rl" else _accelerated_gradient
        est = solver(forward, obs, mask, iterations, lam, eps, progress)
        if pad:
            est = est[..., pad : pad + h, pad : pad + w]
        return linear_to_srgb(est.clamp(0, 1)).clamp(0, 1)


def _adjoint(forward: Callable[[torch.Tensor], torch.Tensor], at: torch.Tensor):
    """``(A x, v ↦ Aᵀ v)`` at ``x = at``, the adjoint from autograd (never written by hand).

    ``A`` is linear, so its vector–Jacobian product at any point is ``Aᵀ``. The returned
    adjoint may be called once (the graph is freed after it).
    """
    with torch.enable_grad():
        x = at.detach().requires_grad_(True)
        value = forward(x)
    return value.detach(), lambda v: torch.autograd.grad(value, x, v)[0]


def _per_image_sum(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(1).sum(1).view(-1, 1, 1, 1)


def _richardson_lucy(forward, obs, mask, iterations, lam, eps, progress, accelerate=True):
    est = obs.clone()
    # Aᵀ(mask): how much observed data each sharp pixel feeds. Normalising by it (instead of
    # assuming 1) keeps pixels that few trajectories reach from blowing up; pixels no observed
    # trajectory reaches keep their initial value
    _, adjoint = _adjoint(forward, est)
    weight = adjoint(mask.expand_as(obs))
    reached = weight > 1e-3
    weight = weight.clamp(min=1e-3)
    obs = obs * mask
    prev = est
    g_prev = g_prev2 = None
    for i in range(iterations):
        y = est
        if accelerate and g_prev2 is not None:
            # Biggs & Andrews 1997: extrapolate along the last step, by how well the last two
            # RL corrections agree; positivity survives through the clamp
            # (per image, so that images of a batch do not influence each other)
            a = _per_image_sum(g_prev * g_prev2) / _per_image_sum(g_prev2 * g_prev2).clamp(min=1e-20)
            a = a.clamp(0.0, 0.95)
            y = (est + a * (est - prev)).clamp(0, 1)
        blurred, adjoint = _adjoint(forward, y)
        update = adjoint(obs / blurred.clamp(min=_EPS))  # obs is 0 off the mask: no data there
        denom = weight
        if lam > 0:
            # Dey et al. 2006: the TV term enters the RL fixed point as 1 − λ·div(∇L/|∇L|);
            # clamp so a strong local curvature can neither flip its sign nor explode the step
            denom = (weight - lam * _tv_direction(y, eps)).clamp(min=0.5 * weight)
        new = torch.where(reached, y * update / denom, y).clamp(0, 1)
        g_prev2, g_prev = g_prev, new - y
        prev, est = est, new
        if progress is not None:
            progress(i + 1, iterations)
    return est


def _accelerated_gradient(forward, obs, mask, iterations, lam, eps, progress):
    est = obs.clone()
    _, adjoint = _adjoint(forward, est)
    # Lipschitz bound of the gradient of ½‖M(A L − B)‖²: ‖MA‖² ≤ max(A1)·max(AᵀM) ≤ max(AᵀM)
    # (rows of A average to ≤ 1), plus 8λ/ε for the smooth TV term
    lipschitz = adjoint(mask.expand_as(obs)).flatten(1).amax(1).view(-1, 1, 1, 1) + 8 * lam / eps
    step = 1.0 / lipschitz  # per image
    prev = est
    t = 1.0
    for i in range(iterations):
        t_next = (1 + math.sqrt(1 + 4 * t * t)) / 2
        y = est + ((t - 1) / t_next) * (est - prev)  # Nesterov extrapolation (FISTA)
        blurred, adjoint = _adjoint(forward, y)
        grad = adjoint((blurred - obs) * mask)
        if lam > 0:
            grad = grad - lam * _tv_direction(y, eps)
        prev, est = est, (y - step * grad).clamp(0, 1)  # project onto the valid range
        t = t_next
        if progress is not None:
            progress(i + 1, iterations)
    return est
