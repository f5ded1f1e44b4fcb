"""Motion-offset estimation network (paper §4, Table 1).

An encoder–decoder over a space-to-depth input: three levels of 5×5 residual blocks,
bottlenecks, transposed convolutions and skip concatenations. The output is *linear*
(raw trajectory parameters in pixels of the input image, see ``ops.trajectory``).

``head="transposed"`` is Table 1 verbatim (Dconv3 + Conv4 at full resolution, ≈ 40 % of the
FLOPs); ``head="bilinear"`` predicts at H/2 and upsamples bilinearly — trajectories are smooth,
so the full-resolution convolutions buy little and cost most of the CPU time.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..ops.trajectory import check_constraint, num_channels

HEADS: tuple[str, ...] = ("transposed", "bilinear")


@dataclass(frozen=True)
class OffsetNetConfig:
    """Named hyper-parameters of the offset network.

    Attributes:
        constraint: trajectory constraint (``none``, ``linear``, ``bilinear``, ``quadratic``).
        n_offsets: N, number of offsets the blur model averages (used by ``none`` for its
            channel count, and by training for the reblur loss).
        width: channels of the first level (Table 1: 16; levels use 1×, 2×, 4×).
        blocks: residual blocks per level (Table 1: 3).
        kernel: convolution size of the residual blocks (Table 1: 5).
        head: ``transposed`` (Table 1) or ``bilinear`` (cheap upsampling, see module doc).
        input_scale: 1 reads the photo as is; 2 reads it at half resolution (area-averaged) and
            returns offsets upsampled and doubled to input pixels — blur trajectories are smooth,
            so a quarter of the compute buys the same receptive field over twice the blur length.
        guided: the network reads a sharp estimate of the photo (e.g. the deblurring network's
            output) beside the blurry photo, 6 input channels: with both, the trajectory is what
            blurs one into the other (Eq. 3), a matching problem rather than a blind one.
    """

    constraint: str = "quadratic"
    n_offsets: int = 15
    width: int = 16
    blocks: int = 3
    kernel: int = 5
    head: str = "transposed"
    input_scale: int = 1
    guided: bool = False

    def __post_init__(self) -> None:
        if self.input_scale not in (1, 2, 4):
            raise ValueError(f"input_scale must be 1, 2 or 4, not {self.input_scale!r}")
        check_constraint(self.constraint)
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {', '.join(HEADS)}, not {self.head!r}")
        if self.n_offsets < 2 or self.width < 1 or self.blocks < 0 or self.kernel % 2 == 0:
            raise ValueError("n_offsets ≥ 2, width ≥ 1, blocks ≥ 0 and an odd kernel are required")

    @property
    def in_channels(self) -> int:
        return 6 if self.guided else 3

    @property
    def out_channels(self) -> int:
        return num_channels(self.constraint, self.n_offsets)

    def to_dict(self) -> dict:
        return asdict(self)


def _conv(cin: int, cout: int, k: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)


def _up(cin: int, cout: int, k: int = 5) -> nn.ConvTranspose2d:
    # padding/output_padding make a stride-2 transposed conv exactly double H and W
    return nn.ConvTranspose2d(cin, cout, k, stride=2, padding=k // 2, output_padding=1)


class ResBlock(nn.Module):
    """``x + conv(relu(conv(x)))`` (Table 1, ResBlock rows)."""

    def __init__(self, channels: int, kernel: int) -> None:
        super().__init__()
        self.conv1 = _conv(channels, channels, kernel)
        self.conv2 = _conv(channels, channels, kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(x)))


class Bottleneck(nn.Sequential):
    """1×1 expansion then 3×3 projection (Table 1, Bottleneck rows)."""

    def __init__(self, cin: int, mid: int, cout: int) -> None:
        super().__init__(nn.Conv2d(cin, mid, 1), nn.ReLU(inplace=True), _conv(mid, cout, 3), nn.ReLU(inplace=True))


class Level(nn.Sequential):
    """Strided entry convolution followed by residual blocks: one encoder level."""

    def __init__(self, cin: int, cout: int, *, stride: int, blocks: int, kernel: int) -> None:
        super().__init__(_conv(cin, cout, 5, stride), nn.ReLU(inplace=True), *[ResBlock(cout, kernel) for _ in range(blocks)])


class OffsetNet(nn.Module):
    """Blurry image ``(B, 3, H, W)`` in [0, 1] → raw trajectory parameters ``(B, C, H, W)``.

    A guided network (``config.guided``) reads ``(B, 6, H, W)``: the blurry photo, then a sharp
    estimate of it. Any ``H, W``: the input is padded to a multiple of 16 by reflection and the
    output cropped.
    """

    def __init__(self, config: OffsetNetConfig = OffsetNetConfig()) -> None:
        super().__init__()
        self.config = config
        w, b, k = config.width, config.blocks, config.kernel
        self.level1 = Level(4 * config.in_channels, w, stride=1, blocks=b, kernel=k)
        self.level2 = Level(w, 2 * w, stride=2, blocks=b, kernel=k)
        self.level3 = Level(2 * w, 4 * w, stride=2, blocks=b, kernel=k)
        self.bottleneck1 = Bottleneck(4 * w, 8 * w, 4 * w)
        self.up1 = _up(4 * w, 2 * w)
        self.bottleneck2 = Bottleneck(4 * w, 8 * w, 4 * w)
        self.up2 = _up(4 * w, w)
        self.bottleneck3 = Bottleneck(2 * w, 4 * w, 2 * w)
        if config.head == "transposed":
            self.up3 = _up(2 * w, 2 * w)
            self.out = _conv(2 * w, config.out_channels, 5)
        else:
            self.out = _conv(2 * w, config.out_channels, 3)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Xavier weights, zero biases (paper §6.1)."""
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, blurry: torch.Tensor) -> torch.Tensor:
        if blurry.shape[1] != self.config.in_channels:
            what = "the blurry photo and a sharp estimate" if self.config.guided else "an RGB photo"
            raise ValueError(f"the offset network reads {what} ({self.config.in_channels} channels), got {blurry.shape[1]}")
        k = self.config.input_scale
        if k == 1:
            return self._forward(blurry)
        h, w = blurry.shape[-2:]
        small = F.avg_pool2d(blurry, k, ceil_mode=True) if min(h, w) >= k else blurry
        out = self._forward(small)
        # offsets are in pixels of the map they act on: resize the field, then scale its values
        scale = torch.tensor([w / small.shape[-1], h / small.shape[-2]], dtype=out.dtype, device=out.device)
        out = F.interpolate(out, size=(h, w), mode="bilinear", align_corners=False)
        return out * scale.repeat(out.shape[1] // 2).view(1, -1, 1, 1)

    def _forward(self, blurry: torch.Tensor) -> torch.Tensor:
        h, w = blurry.shape[-2:]
        ph, pw = (-h) % 16, (-w) % 16
        x = blurry - 0.5
        if ph or pw:
            mode = "reflect" if h > ph and w > pw else "replicate"
            x = F.pad(x, (0, pw, 0, ph), mode=mode)
        x = F.pixel_unshuffle(x, 2)  # space to depth: (B, 4·in_channels, H/2, W/2), the photo's 12 first
        e1 = self.level1(x)
        e2 = self.level2(e1)
        e3 = self.level3(e2)
        d = self.up1(self.bottleneck1(e3))
        d = self.up2(self.bottleneck2(torch.cat((d, e2), 1)))
        d = self.bottleneck3(torch.cat((d, e1), 1))
        if self.config.head == "transposed":
            out = self.out(F.relu(self.up3(d)))
        else:
            out = F.interpolate(self.out(d), scale_factor=2, mode="bilinear", align_corners=False)
        return out[..., :h, :w]
