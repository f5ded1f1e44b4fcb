"""Per-pixel motion features for a network's input: what the blur did at a pixel, in a form
that does not depend on which way the trajectory runs in time.

A blurry photo cannot say which end of the exposure came first (Eq. 3 sums over the whole
trajectory), so the offset network's sign of time is arbitrary pixel by pixel. Features a
deblurring network reads must therefore be the same for a trajectory and its reversal
(``ops.trajectory.reverse_time``). With the end points ``Δp(−1)``, ``Δp(+1)`` write the path as
its chord ``a = (Δp(+1) − Δp(−1)) / 2`` (flips sign under reversal) and its bow
``c = (Δp(+1) + Δp(−1)) / 2`` (Eq. 14's ``s²`` term; unchanged). The chord enters through its
length and its *doubled* angle (an orientation, not a direction), the bow as it is:

    [|a|, (a_x² − a_y²)/|a|, 2·a_x·a_y/|a|, c_x, c_y] / scale

All five are linear in the motion's size (pixels / ``scale``) and continuous through ``a = 0``.
"""
from __future__ import annotations

import torch

from .trajectory import endpoints

MOTION_FEATURES = 5


def motion_features(params: torch.Tensor, constraint: str, *, scale: float = 8.0) -> torch.Tensor:
    """Time-reversal-invariant features of each pixel's exposure trajectory.

    Args:
        params: ``(B, C, H, W)`` raw trajectory parameters (``ops.trajectory`` layout).
        constraint: their parameterisation.
        scale: pixels that map to 1.0 (the training blur reaches ≈ 12 px).

    Returns:
        ``(B, 5, H, W)``: chord length, chord orientation (doubled angle, 2 channels), bow (2).
    """
    start, end = endpoints(params, constraint)
    a = (end - start) / 2
    c = (end + start) / 2
    ax, ay = a[:, 0:1], a[:, 1:2]
    sq = ax * ax + ay * ay
    length = sq.add(1e-12).sqrt()
    # (ax² − ay², 2·ax·ay) / |a| has length |a| and angle 2θ; dividing by |a| + ε (not √(sq+ε))
    # keeps it exactly 0 at a = 0 and its gradient bounded
    inv = 1.0 / (length + 1e-6)
    return torch.cat((length, (ax * ax - ay * ay) * inv, 2 * ax * ay * inv, c), dim=1) / scale
