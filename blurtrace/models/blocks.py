"""Residual blocks shared by the deblurring backbones (DMPHN and U-Net): plain 3×3 ones and the
motion-aware one whose filters follow each pixel's exposure trajectory (paper Eq. 16)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..ops.deform import MotionAwareConv2d


def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1)


class ResBlock(nn.Module):
    """DMPHN's residual block: conv → ReLU → conv, plus the input."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv1, self.conv2 = conv3x3(ch, ch), conv3x3(ch, ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # in place: no fresh full-resolution maps for the ReLU and the sum
        return self.conv2(F.relu(self.conv1(x), inplace=True)).add_(x)


class MotionAwareResBlock(nn.Module):
    """The residual block with its first ``bent`` (1 or 2) filters following the exposure
    trajectory (Eq. 16); ``forward(x, taps)`` takes the unscaled ``Δp(t_k)``."""

    def __init__(self, ch: int, *, bent: int, alpha: float, learn_alpha: bool) -> None:
        super().__init__()
        self.conv1 = MotionAwareConv2d(ch, ch, alpha=alpha, learn_alpha=learn_alpha)
        self.conv2 = MotionAwareConv2d(ch, ch, alpha=alpha, learn_alpha=learn_alpha) if bent > 1 else conv3x3(ch, ch)

    def forward(self, x: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.conv1(x, taps), inplace=True)
        return (self.conv2(y, taps) if isinstance(self.conv2, MotionAwareConv2d) else self.conv2(y)).add_(x)


class FinestStage(nn.ModuleList):
    """The two residual blocks of a decoder's full-resolution stage, the first ``motion_aware``
    (0 … 4) of their four convolutions bent (the paper puts them in the last decoder stage).
    A list of the two blocks, so that their parameters keep the names ``0.…`` and ``1.…``."""

    def __init__(self, ch: int, *, motion_aware: int, alpha: float, learn_alpha: bool) -> None:
        bent = [min(2, max(0, motion_aware - 2 * i)) for i in range(2)]  # convolutions bent per block
        super().__init__([MotionAwareResBlock(ch, bent=b, alpha=alpha, learn_alpha=learn_alpha) if b else ResBlock(ch) for b in bent])

    def forward(self, x: torch.Tensor, taps: torch.Tensor | None) -> torch.Tensor:
        for block in self:
            x = block(x, taps) if isinstance(block, MotionAwareResBlock) else block(x)
        return x
