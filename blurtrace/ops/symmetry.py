"""Exact symmetries of the blur model: mirroring a photo mirrors its trajectories.

Eq. 3 commutes with the eight flips/transposes of the pixel grid provided every ``(Δx, Δy)``
offset is mirrored with its image (a horizontal flip negates Δx; a transpose swaps Δx and Δy).
Training uses them as augmentation; inference averages a network's answers over them
(test-time ensembling). This file is the one place the offset convention meets a mirror.
A mirror is ``(flip_x, flip_y, transpose)``, applied in that order.
"""
from __future__ import annotations

import torch

from .trajectory import reverse_time

Mirror = tuple[bool, bool, bool]

#: The dihedral group of the pixel grid, identity first; an ensemble of ``k`` uses the first
#: ``k`` (2: horizontal flip, 4: all flips, 8: flips and transposes; transposes need a square
#: or are applied to the whole, non-square, image, which is fine for a network).
MIRRORS: tuple[Mirror, ...] = (
    (False, False, False),
    (True, False, False),
    (False, True, False),
    (True, True, False),
    (False, False, True),
    (True, False, True),
    (False, True, True),
    (True, True, True),
)


def mirror_image(x: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    """Image-like ``(..., H, W)`` under ``mirror``."""
    flip_x, flip_y, transpose = mirror
    if flip_x:
        x = x.flip(-1)
    if flip_y:
        x = x.flip(-2)
    if transpose:
        x = x.transpose(-1, -2)
    return x


def unmirror_image(x: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    """Inverse of ``mirror_image`` (each step is its own inverse: undo them in reverse order)."""
    flip_x, flip_y, transpose = mirror
    if transpose:
        x = x.transpose(-1, -2)
    if flip_y:
        x = x.flip(-2)
    if flip_x:
        x = x.flip(-1)
    return x


def _mirror_components(v: torch.Tensor, flip_x: bool, flip_y: bool, transpose: bool) -> torch.Tensor:
    """The vector components alone, steps in the order flip_x, flip_y, transpose."""
    if flip_x:
        v = torch.cat((-v[..., 0:1, :, :], v[..., 1:2, :, :]), dim=-3)
    if flip_y:
        v = torch.cat((v[..., 0:1, :, :], -v[..., 1:2, :, :]), dim=-3)
    if transpose:
        v = v.flip(-3)
    return v


def mirror_vectors(v: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    """A field of ``(Δx, Δy)`` vectors ``(..., 2, H, W)`` under the mirror of its image."""
    # the vectors turn with the grid: a flip negates one component, a transpose swaps them
    return _mirror_components(mirror_image(v, mirror), *mirror)


def unmirror_vectors(v: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    """Inverse of ``mirror_vectors``."""
    flip_x, flip_y, transpose = mirror
    v = unmirror_image(v, mirror)
    for step in ((False, False, transpose), (False, flip_y, False), (flip_x, False, False)):
        v = _mirror_components(v, *step)
    return v


def _as_params(vector_op, params: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    # every constraint's parameters are stacks of (Δx, Δy) offsets (end points or samples),
    # so they turn like any vector field
    b, c, h, w = params.shape
    return vector_op(params.reshape(b, c // 2, 2, h, w), mirror).flatten(1, 2)


def mirror_params(params: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    """Trajectory parameters ``(B, C, H, W)`` of a photo, for the mirrored photo."""
    return _as_params(mirror_vectors, params, mirror)


def unmirror_params(params: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    """Trajectory parameters ``(B, C, H, W)`` predicted for a mirrored photo, mapped back."""
    return _as_params(unmirror_vectors, params, mirror)


def align_time(params: torch.Tensor, reference: torch.Tensor, constraint: str) -> torch.Tensor:
    """``params`` with time reversed at the pixels where that brings them closer to ``reference``.

    A blurry photo fixes each trajectory only up to its direction in time (Eq. 3 averages over
    time), so two estimates of one pixel may run in opposite directions; averaging them as they
    are would cancel the motion. Shapes ``(B, C, H, W)``."""
    reversed_ = reverse_time(params, constraint)
    keep = (params - reference).square().sum(1, keepdim=True) <= (reversed_ - reference).square().sum(1, keepdim=True)
    return torch.where(keep, params, reversed_)
