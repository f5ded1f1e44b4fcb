"""Exposure trajectories from a network's raw output (paper §4.2, Eq. 12–14).

Time ``s`` runs over the exposure in [−1, 1]; the sharp reference frame is ``s = 0``
where the offset is 0. Eq. 12–14 index time by ``n = 0 … N−1``; with
``s_n = 2n/(N−1) − 1`` they become functions of ``s``, so a trajectory can be read at any time:

- ``linear``    (Eq. 12): ``Δp(s) = −s·Δp``               (2 channels: Δp, the offset at s = −1)
- ``bilinear``  (Eq. 13): ``Δp(s) = −s·Δp1`` for s ≤ 0, ``s·Δp2`` for s > 0        (4 channels)
- ``quadratic`` (Eq. 14): ``Δp(s) = s²(Δp1+Δp2)/2 + s(Δp2−Δp1)/2``                 (4 channels)
- ``none`` (zero constraint): ``2N`` channels, the offsets at ``linspace(−1, 1, N)`` themselves;
  other times are linearly interpolated between them.

Channel layout of the raw parameters ``(B, C, H, W)``: constrained models put
``[Δp1x, Δp1y, Δp2x, Δp2y]`` (start at s = −1, end at s = +1); ``none`` puts
``[x0, y0, x1, y1, …]`` in time order.
"""
from __future__ import annotations

from typing import Literal, Sequence

import torch

Constraint = Literal["none", "linear", "bilinear", "quadratic"]
CONSTRAINTS: tuple[str, ...] = ("none", "linear", "bilinear", "quadratic")


def check_constraint(constraint: str) -> str:
    """Return ``constraint`` if known, else raise ``ValueError``."""
    if constraint not in CONSTRAINTS:
        raise ValueError(f"constraint must be one of {', '.join(CONSTRAINTS)}, not {constraint!r}")
    return constraint


def num_channels(constraint: str, n: int) -> int:
    """Raw output channels a network needs for ``constraint`` (``n`` matters only for ``none``)."""
    check_constraint(constraint)
    return {"none": 2 * n, "linear": 2, "bilinear": 4, "quadratic": 4}[constraint]


def uniform_times(n: int, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """``n`` equally spaced exposure times ``s_k = −1 + 2k/(n−1)``; ``(n,)``. ``n = 1`` gives ``[0]``."""
    if n < 1:
        raise ValueError(f"need at least one time, got {n}")
    if n == 1:
        return torch.zeros(1, device=device, dtype=dtype)
    # (2k − (n−1)) / (n−1): exactly symmetric, exactly 0 in the middle (linspace is not)
    k = torch.arange(n, device=device, dtype=torch.float64)
    return ((2 * k - (n - 1)) / (n - 1)).to(dtype)


def _as_times(times: torch.Tensor | Sequence[float], like: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(times, device=like.device, dtype=like.dtype).reshape(-1)
    if t.numel() and (t.min() < -1 - 1e-6 or t.max() > 1 + 1e-6):
        raise ValueError("exposure times must lie in [-1, 1]")
    return t


def endpoints(params: torch.Tensor, constraint: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Offsets at ``s = −1`` and ``s = +1``, each ``(B, 2, H, W)``."""
    check_constraint(constraint)
    if constraint == "linear":
        return params[:, 0:2], -params[:, 0:2]
    if constraint in ("bilinear", "quadratic"):
        return params[:, 0:2], params[:, 2:4]
    return params[:, 0:2], params[:, -2:]


def trajectory(params: torch.Tensor, constraint: str, times: torch.Tensor | Sequence[float]) -> torch.Tensor:
    """Evaluate the exposure trajectory at ``times``.

    Args:
        params: ``(B, C, H, W)`` raw network output, ``C = num_channels(constraint, N)``.
        constraint: ``none``, ``linear``, ``bilinear`` or ``quadratic``.
        times: ``(T,)`` exposure times in [−1, 1].

    Returns:
        ``(B, T, 2, H, W)`` pixel offsets (DESIGN §2 convention).
    """
    check_constraint(constraint)
    s = _as_times(times, params).view(1, -1, 1, 1, 1)
    if constraint == "none":
        return _interpolate_samples(params, s.view(-1))
    start, end = (e.unsqueeze(1) for e in endpoints(params, constraint))
    if constraint == "linear":
        return -s * start  # Eq. 12
    if constraint == "bilinear":
        return torch.where(s <= 0, -s * start, s * end)  # Eq. 13
    return s * s * (start + end) / 2 + s * (end - start) / 2  # Eq. 14


def _interpolate_samples(params: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    b, c, h, w = params.shape
    n = c // 2
    samples = params.view(b, n, 2, h, w)
    if n == 1:
        return samples.expand(b, s.numel(), 2, h, w)
    pos = (s + 1) * (n - 1) / 2  # fractional index into the N native times
    lo = pos.floor().clamp(0, n - 2).long()
    frac = (pos - lo.to(pos.dtype)).view(1, -1, 1, 1, 1)
    return samples[:, lo] * (1 - frac) + samples[:, lo + 1] * frac


def reverse_time(params: torch.Tensor, constraint: str) -> torch.Tensor:
    """Raw parameters of the same trajectory run backwards (``s → −s``); same shape."""
    check_constraint(constraint)
    if constraint == "linear":
        return -params
    if constraint in ("bilinear", "quadratic"):
        return torch.cat((params[:, 2:4], params[:, 0:2]), dim=1)
    b, c, h, w = params.shape
    return params.view(b, c // 2, 2, h, w).flip(1).reshape(b, c, h, w)
