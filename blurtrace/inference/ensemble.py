"""Test-time ensembling: average a network's answers over mirrors of the photo.

The blur model is symmetric under the grid's flips and transposes (``ops.symmetry``), but a
trained network is only approximately so; averaging its answers for ``k`` mirrored copies,
each mapped back, removes part of its error at ``k`` times the work.
"""
from __future__ import annotations

from typing import Callable

import torch

from ..ops.symmetry import (
    MIRRORS,
    align_time,
    mirror_image,
    mirror_params,
    unmirror_image,
    unmirror_params,
)

#: Ensemble sizes: the first k of ``ops.symmetry.MIRRORS`` (1: none, 2: + horizontal flip,
#: 4: all flips, 8: flips and transposes).
ENSEMBLES: tuple[int, ...] = (1, 2, 4, 8)


def check_ensemble(size: int) -> int:
    if size not in ENSEMBLES:
        raise ValueError(f"ensemble size must be one of {', '.join(map(str, ENSEMBLES))}, not {size!r}")
    return size


def ensemble_trajectory(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, *, constraint: str, size: int) -> torch.Tensor:
    """Mean trajectory parameters of ``fn`` (``(1, 3, h, w) → (1, C, h, w)``) over ``size``
    mirrors of ``x``; each answer is mapped back and run in the identity answer's direction of
    time first (a blurry photo does not say which way time ran, Eq. 3)."""
    check_ensemble(size)
    reference = fn(x).float()
    total = reference  # sums out of place: no copy when size is 1 (the default, a hot path)
    for mirror in MIRRORS[1:size]:
        total = total + align_time(unmirror_params(fn(mirror_image(x, mirror)).float(), mirror), reference, constraint)
    return total / size if size > 1 else total


def ensemble_deblur(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x: torch.Tensor, params: torch.Tensor, *, size: int) -> torch.Tensor:
    """Mean sharp image of ``fn`` (``(1, 3, h, w), (1, C, h, w) → (1, 3, h, w)``) over ``size``
    mirrors of the photo ``x`` and of its trajectory parameters ``params``."""
    check_ensemble(size)
    total = fn(x, params).float()
    for mirror in MIRRORS[1:size]:
        total = total + unmirror_image(fn(mirror_image(x, mirror), mirror_params(params, mirror)).float(), mirror)
    return total / size if size > 1 else total
