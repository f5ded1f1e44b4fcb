"""The deblurring network: a DMPHN multi-patch hierarchy with motion-aware convolutions
(paper §5.1, Table 6).

DMPHN (Zhang et al. 2019) stacks ``levels`` encoder–decoders. The coarsest level cuts the photo
into the most patches (1-2-4: 4 patches, then 2, then the whole photo); each finer level reads the
photo plus the residual of the level below and adds that level's features to its own, so
context flows up while every level keeps full resolution. Each encoder–decoder is the DMPHN
one: a 3×3 stem, stride-2 convolutions to 2× and 4× width, two residual blocks per stage, and
transposed convolutions back up.

The paper's idea (Eq. 16): in the *last decoder stage* of the finest level, 3×3 filters are
bent along each pixel's exposure trajectory, so the filter that undoes a blur reads the pixels
the blur mixed. A motion-aware convolution costs ≈ 8× a plain one at inference on a CPU (nine
bilinear samples of the feature map, then a 1×1 convolution over them; ``python
benchmarks/motion_aware_conv.py``), so ``motion_aware`` says how many of that stage's four
convolutions are bent, first ones first; ``0`` is the same network with plain 3×3 convolutions
(the ablation of Table 6), which ignores the trajectory.

``motion_input`` (U-Net only) also hands the network each pixel's trajectory as input channels
(``ops.motion_features``: length, orientation and bow, the same for a path and its reversal), so
every layer, not only the bent ones, can condition its filters on the blur it is undoing. Not in
the paper: its motion-aware layer reads the trajectory only through where the taps land.

Deviations from DMPHN, for a network that must learn on two CPU cores: the output is the blurry
photo plus a predicted residual (identity at initialisation), width is a parameter (DMPHN: 32),
and α of each motion-aware layer is learned, starting at the paper's 0.1. ``backbone="unet"``
swaps the hierarchy for one U-Net (``models/unet.py``) with the same motion-aware stage.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..ops.deform import MotionAwareConv2d
from ..ops.motion_features import MOTION_FEATURES, motion_features
from ..ops.trajectory import check_constraint, num_channels
from .blocks import FinestStage, ResBlock
from .blocks import conv3x3 as _conv
from .unet import UNetBody

# (rows, cols) of patches per level, coarsest last: DMPHN(1-2-4) uses the first three
PATCH_GRIDS: tuple[tuple[int, int], ...] = ((1, 1), (2, 1), (2, 2), (4, 2))
# dmphn: the paper's backbone; unet: one encoder–decoder with skips (models/unet.py)
BACKBONES: tuple[str, ...] = ("dmphn", "unet")


@dataclass(frozen=True)
class DeblurNetConfig:
    """Named hyper-parameters of the deblurring network.

    Attributes:
        width: channels at full resolution (doubling at each lower stage); DMPHN uses 32.
        levels: ``dmphn``: 1 … 4 multi-patch levels, 3 is DMPHN(1-2-4); ``unet``: 1 … 4
            resolutions (4 reaches 1/8).
        motion_aware: how many of the last decoder stage's four 3×3 convolutions follow the
            trajectory (Eq. 16), 0 … 4; 0 is the plain backbone.
        alpha: initial α of the motion-aware layers (paper 0.1).
        learn_alpha: train α with the weights.
        constraint: trajectory parameterisation of the offset network that feeds this one.
        n_offsets: that network's N (matters only for ``none``).
        backbone: ``dmphn`` (the paper's) or ``unet`` (``models/unet.py``).
        motion_input: feed ``ops.motion_features`` of the trajectory to the U-Net's first
            convolution beside the photo.
        middle_blocks: U-Net only: residual blocks at its lowest resolution (the stage that sees
            the longest blur whole), where a block costs the same multiply–adds per photo pixel as
            one at full resolution (6 instead of 2: 18 % more training CPU time per step,
            ``scripts/continue_default.sh``).
    """

    width: int = 16
    levels: int = 3
    motion_aware: int = 1
    alpha: float = 0.1
    learn_alpha: bool = True
    constraint: str = "quadratic"
    n_offsets: int = 15
    backbone: str = "dmphn"
    motion_input: bool = False
    middle_blocks: int = 2

    def __post_init__(self) -> None:
        check_constraint(self.constraint)
        if self.backbone not in BACKBONES:
            raise ValueError(f"backbone must be one of {', '.join(BACKBONES)}, not {self.backbone!r}")
        if not 1 <= self.levels <= len(PATCH_GRIDS):
            raise ValueError(f"levels must be 1 … {len(PATCH_GRIDS)}, not {self.levels}")
        if not 0 <= self.motion_aware <= 4:
            raise ValueError(f"motion_aware must be 0 … 4 (convolutions of the last stage), not {self.motion_aware}")
        if self.width < 1:
            raise ValueError("width must be positive")
        if self.motion_input and self.backbone != "unet":
            raise ValueError("motion_input is implemented for the unet backbone only")
        if self.middle_blocks < 1:
            raise ValueError(f"middle_blocks must be ≥ 1, not {self.middle_blocks}")
        if self.middle_blocks != 2 and self.backbone != "unet":
            raise ValueError("middle_blocks is a unet setting (DMPHN's stages have two blocks each)")

    @property
    def reads_trajectory(self) -> bool:
        """Whether the network needs the trajectory parameters (the plain backbone does not)."""
        return bool(self.motion_aware) or self.motion_input

    @property
    def trajectory_channels(self) -> int:
        return num_channels(self.constraint, self.n_offsets)

    @property
    def multiple(self) -> int:
        """Input sides are padded to a multiple of this (DMPHN: patch grid × two stride-2
        stages; U-Net: its ``levels − 1`` halvings)."""
        if self.backbone == "unet":
            return 2 ** (self.levels - 1)
        rows, cols = PATCH_GRIDS[self.levels - 1]
        return 4 * max(rows, cols)

    def to_dict(self) -> dict:
        return asdict(self)


class Encoder(nn.Module):
    """``(B, 3, h, w)`` → ``(B, 4·width, h/4, w/4)``."""

    def __init__(self, width: int) -> None:
        super().__init__()
        w = width
        self.stages = nn.Sequential(
            _conv(3, w), ResBlock(w), ResBlock(w),
            _conv(w, 2 * w, stride=2), ResBlock(2 * w), ResBlock(2 * w),
            _conv(2 * w, 4 * w, stride=2), ResBlock(4 * w), ResBlock(4 * w),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(x)


class Decoder(nn.Module):
    """``(B, 4·width, h/4, w/4)`` → ``(B, 3, h, w)``; the last stage optionally motion-aware."""

    def __init__(self, width: int, *, motion_aware: int = 0, alpha: float = 0.1, learn_alpha: bool = True) -> None:
        super().__init__()
        w = width
        self.low = nn.Sequential(
            ResBlock(4 * w), ResBlock(4 * w), nn.ConvTranspose2d(4 * w, 2 * w, 4, stride=2, padding=1),
            ResBlock(2 * w), ResBlock(2 * w), nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1),
        )
        self.last = FinestStage(w, motion_aware=motion_aware, alpha=alpha, learn_alpha=learn_alpha)
        self.out = _conv(w, 3)

    def forward(self, f: torch.Tensor, taps: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(self.last(self.low(f), taps))


def to_patches(x: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
    """``(B, C, H, W)`` → ``(B·rows·cols, C, H/rows, W/cols)``, patches row-major per image."""
    b, c, h, w = x.shape
    x = x.view(b, c, rows, h // rows, cols, w // cols).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(b * rows * cols, c, h // rows, w // cols)


def from_patches(x: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
    """Inverse of :func:`to_patches`."""
    n, c, ph, pw = x.shape
    b = n // (rows * cols)
    x = x.view(b, rows, cols, c, ph, pw).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(b, c, rows * ph, cols * pw)


def _regroup(x: torch.Tensor, src: tuple[int, int], dst: tuple[int, int]) -> torch.Tensor:
    """Patches of one grid → patches of a coarser grid (``dst`` divides ``src``)."""
    return to_patches(from_patches(x, *src), *dst)


class DeblurNet(nn.Module):
    """Blurry photo (and its trajectory parameters) → sharp photo.

    ``forward(blurry, params)``: ``blurry`` ``(B, 3, H, W)`` in [0, 1], ``params`` ``(B, C, H, W)``
    the offset network's raw output for the same photo (ignored unless ``config.reads_trajectory``).
    Any size: padded inside to ``config.multiple``, cropped back. Returns ``(B, 3, H, W)``.
    The backbone (``config.backbone``) predicts a residual added to the blurry photo.
    """

    def __init__(self, config: DeblurNetConfig = DeblurNetConfig()) -> None:
        super().__init__()
        self.config = config
        w, ma = config.width, dict(alpha=config.alpha, learn_alpha=config.learn_alpha)
        if config.backbone == "unet":
            self.unet = UNetBody(width=w, levels=config.levels, motion_aware=config.motion_aware,
                                 in_channels=3 + MOTION_FEATURES * config.motion_input, middle_blocks=config.middle_blocks, **ma)
        else:
            self.encoders = nn.ModuleList([Encoder(w) for _ in range(config.levels)])
            self.decoders = nn.ModuleList([
                Decoder(w, motion_aware=config.motion_aware if i == 0 else 0, **ma) for i in range(config.levels)
            ])
        # the residual starts at zero: an untrained network returns its input, not noise
        nn.init.zeros_(self.output_conv.weight)
        nn.init.zeros_(self.output_conv.bias)

    @property
    def output_conv(self) -> nn.Conv2d:
        """The convolution that writes the residual (zero at initialisation)."""
        return self.unet.out if self.config.backbone == "unet" else self.decoders[0].out

    def forward(self, blurry: torch.Tensor, params: torch.Tensor | None = None) -> torch.Tensor:
        cfg = self.config
        if cfg.reads_trajectory:
            if params is None:
                raise ValueError("this network reads the trajectory (motion-aware layers or motion input): pass its parameters")
            if params.shape[0] != blurry.shape[0] or params.shape[1] != cfg.trajectory_channels or params.shape[-2:] != blurry.shape[-2:]:
                raise ValueError(f"params must be (B, {cfg.trajectory_channels}, H, W) like the image, got {tuple(params.shape)}")
        h, w = blurry.shape[-2:]
        m = cfg.multiple
        ph, pw = -h % m, -w % m
        x = F.pad(blurry, (0, pw, 0, ph), mode="replicate") if ph or pw else blurry
        taps = p = None
        if cfg.reads_trajectory:
            p = F.pad(params, (0, pw, 0, ph), mode="replicate") if ph or pw else params
        if cfg.motion_aware:
            taps = MotionAwareConv2d.tap_offsets(p.to(x.dtype), cfg.constraint)
        if cfg.backbone == "unet":
            inp = torch.cat((x, motion_features(p, cfg.constraint).to(x.dtype)), dim=1) if cfg.motion_input else x
            residual = self.unet(inp, taps)
        else:
            residual = self._dmphn(x, taps)
        return (x + residual)[..., :h, :w]

    def _dmphn(self, x: torch.Tensor, taps: torch.Tensor | None) -> torch.Tensor:
        """DMPHN's multi-patch hierarchy over a padded photo → the finest level's residual."""
        residual = feats = grid_below = None
        for level in reversed(range(self.config.levels)):  # coarsest (most patches) first
            grid = PATCH_GRIDS[level]
            inp = to_patches(x, *grid)
            if residual is not None:
                inp = inp + _regroup(residual, grid_below, grid)
            f = self.encoders[level](inp)
            if feats is not None:
                f = f + _regroup(feats, grid_below, grid)
            residual, feats, grid_below = self.decoders[level](f, taps if level == 0 else None), f, grid
        return residual
