"""A U-Net body for the deblurring network: the cheaper-per-CPU-second alternative to DMPHN.

DMPHN(1-2-4) runs three full encoder–decoders over the whole photo, each reaching only 1/4
resolution, and its decoders have no skip connections: every level pays full-resolution
convolutions, and the finest detail must cross the 1/4-resolution bottleneck. This body runs
once, halves the resolution ``levels − 1`` times (width doubling each time, so most parameters
sit where convolutions are cheap) and adds each encoder stage to the decoder stage of the same
resolution (additive skips, as NAFNet: no wider convolutions after the join). At the same width
it costs about a third of DMPHN(1-2-4) per pixel; the receptive field at 1/8 resolution spans
the longest blur.

The paper's idea is kept where DMPHN has it: the full-resolution decoder stage is
``FinestStage`` with its first ``motion_aware`` convolutions following the exposure trajectory
(Eq. 16).
"""
from __future__ import annotations

import torch
import torch.nn as nn

from .blocks import FinestStage, ResBlock, conv3x3


class UNetBody(nn.Module):
    """``forward(x, taps)``: photo ``(B, in_channels, H, W)`` (``H, W`` multiples of
    ``2**(levels-1)``; the first 3 channels the photo, any further ones per-pixel motion features)
    and the motion-aware taps (or ``None``) → residual ``(B, 3, H, W)``.

    Stage ``i`` has ``width·2**i`` channels at ``1/2**i`` resolution and two residual blocks in
    the encoder and two in the decoder; the lowest resolution has ``middle_blocks``.
    """

    def __init__(self, *, width: int, levels: int, motion_aware: int, alpha: float, learn_alpha: bool, in_channels: int = 3, middle_blocks: int = 2) -> None:
        super().__init__()
        ch = [width * 2**i for i in range(levels)]
        self.stem = conv3x3(in_channels, width)
        self.encoders = nn.ModuleList([nn.Sequential(ResBlock(c), ResBlock(c)) for c in ch[:-1]])
        self.downs = nn.ModuleList([conv3x3(ch[i], ch[i + 1], stride=2) for i in range(levels - 1)])
        self.middle = nn.Sequential(*(ResBlock(ch[-1]) for _ in range(middle_blocks)))
        self.ups = nn.ModuleList([nn.ConvTranspose2d(ch[i + 1], ch[i], 2, stride=2) for i in range(levels - 1)])
        # decoder stages below full resolution; the full-resolution one is ``finest``
        self.decoders = nn.ModuleList([nn.Sequential(ResBlock(c), ResBlock(c)) for c in ch[1:-1]])
        self.finest = FinestStage(width, motion_aware=motion_aware, alpha=alpha, learn_alpha=learn_alpha)
        self.out = conv3x3(width, 3)

    def forward(self, x: torch.Tensor, taps: torch.Tensor | None) -> torch.Tensor:
        x = self.stem(x)
        skips = []
        for encoder, down in zip(self.encoders, self.downs):
            x = encoder(x)
            skips.append(x)
            x = down(x)
        x = self.middle(x)
        for i in reversed(range(len(self.ups))):
            x = self.ups[i](x) + skips[i]
            x = self.finest(x, taps) if i == 0 else self.decoders[i - 1](x)
        if not self.ups:  # one level: no resolution change
            x = self.finest(x, taps)
        return self.out(x)
