"""The offset network feeding the deblurring network, as one module: fine-tuning the
trajectories through the deblurring loss (paper §5.1 leaves frozen vs fine-tuned open; the
deblurring issue asks for both)."""
from __future__ import annotations

import torch
from torch import nn

from .deblur_net import DeblurNet
from .offset_net import OffsetNet


class TrajectoryDeblurNet(nn.Module):
    """``forward(blurry)`` → ``(restored, params)``.

    ``blurry`` ``(B, 3, H, W)`` in [0, 1]; ``params`` ``(B, C, H, W)`` the trajectory
    parameters the offset network estimated from it (kept for the trajectory loss that keeps
    them physical), ``restored`` ``(B, 3, H, W)``. The two submodules keep their own state-dict
    prefixes (``offsets.``, ``deblur.``) so each exports to its own weights file.
    """

    def __init__(self, *, offsets: OffsetNet, deblur: DeblurNet) -> None:
        super().__init__()
        oc, dc = offsets.config, deblur.config
        if deblur.config.reads_trajectory and (oc.constraint, oc.out_channels) != (dc.constraint, dc.trajectory_channels):
            raise ValueError(f"the offset network gives {oc.constraint} ({oc.out_channels} channels); "
                             f"the deblurring network reads {dc.constraint} ({dc.trajectory_channels} channels)")
        self.offsets = offsets
        self.deblur = deblur

    def forward(self, blurry: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # float32 whatever the autocast (under bf16 the values are bfloat16-rounded): the deblurring
        # network's taps and motion features and the caller's trajectory loss are computed in float32
        params = self.offsets(blurry).float()
        return self.deblur(blurry, params), params
