"""Motion-aware convolution (paper §5.1, Eq. 16).

A 3×3 convolution whose taps are moved along the pixel's exposure trajectory::

    y(p) = Σ_k w_k · x(p + g_k + α·Δp(t_k)) + b,        k = 0 … 8

Tap ``k`` is row-major over the 3×3 grid, ``g_k = (k % 3 − 1, k // 3 − 1)`` as ``(dx, dy)``,
and reads the trajectory at the symmetric time ``t_k = −1 + 2k/8``; the middle tap (k = 4)
sits at ``t = 0`` where ``Δp = 0``. So the filter keeps its 3×3 layout but is stretched along
the motion: the upper-left taps follow the start of the exposure, the lower-right ones its end.
(The reference implementation scrambled this order; here tap k and time t_k go together.)

It is a deformable convolution (Dai et al. 2017) whose offsets come from the trajectory instead
of a learned branch. The implementation is pure PyTorch (9 bilinear samples by
``ops.grid.sample_taps``, then one 1×1 convolution), differentiable in the input, the weights and
the offsets. ``to_deform_conv2d_offsets`` converts to torchvision's ``deform_conv2d`` layout for
anyone who wants its kernel.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import grid
from .trajectory import trajectory, uniform_times

TAPS = 9


def tap_grid(*, device=None, dtype=None) -> torch.Tensor:
    """Regular 3×3 positions ``g_k`` as ``(dx, dy)`` in tap order (row-major); ``(9, 2)``."""
    k = torch.arange(TAPS, device=device)
    return torch.stack((k % 3 - 1, k // 3 - 1), dim=1).to(dtype if dtype is not None else torch.float32)


def tap_times(*, device=None, dtype=torch.float32) -> torch.Tensor:
    """Exposure time of each tap, ``t_k = −1 + 2k/8``; ``(9,)``, ``t_4 = 0``."""
    return uniform_times(TAPS, device=device, dtype=dtype)


def trajectory_tap_offsets(
    params: torch.Tensor, constraint: str, *, alpha: float, size: tuple[int, int] | None = None
) -> torch.Tensor:
    """Per-tap offsets ``α·Δp(t_k)`` for Eq. 16, at a feature map's resolution.

    Args:
        params: ``(B, C, H, W)`` raw trajectory parameters at the image resolution.
        constraint: ``none``, ``linear``, ``bilinear`` or ``quadratic``.
        alpha: modulation scale α (paper: 0.1).
        size: ``(h, w)`` of the feature map the convolution acts on; ``None`` keeps ``(H, W)``.

    Returns:
        ``(B, 9, 2, h, w)`` pixel offsets of the feature map, channel 0 = Δx, 1 = Δy.
    """
    offsets = trajectory(params, constraint, tap_times(device=params.device, dtype=params.dtype)) * alpha
    b, _, _, height, width = offsets.shape
    if size is None or tuple(size) == (height, width):
        return offsets
    h, w = int(size[0]), int(size[1])
    resized = F.interpolate(
        offsets.reshape(b, TAPS * 2, height, width), size=(h, w), mode="bilinear", align_corners=False
    ).view(b, TAPS, 2, h, w)
    # offsets are in pixels of the map they act on: a shift of 4 image pixels is 2 pixels
    # of a half-resolution feature map
    scale = torch.tensor([w / width, h / height], device=offsets.device, dtype=offsets.dtype)
    return resized * scale.view(1, 1, 2, 1, 1)


def _check(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, tap_offsets: torch.Tensor) -> None:
    if x.dim() != 4:
        raise ValueError(f"x must be (B, C, h, w), got {tuple(x.shape)}")
    b, cin, h, w = x.shape
    if weight.dim() != 4 or weight.shape[1:] != (cin, 3, 3):
        raise ValueError(f"weight must be (Cout, {cin}, 3, 3), got {tuple(weight.shape)}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"bias must be ({weight.shape[0]},), got {tuple(bias.shape)}")
    if tap_offsets.shape != (b, TAPS, 2, h, w):
        raise ValueError(f"tap_offsets must be ({b}, 9, 2, {h}, {w}), got {tuple(tap_offsets.shape)}")


def motion_aware_conv2d(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, tap_offsets: torch.Tensor
) -> torch.Tensor:
    """Eq. 16: a 3×3 convolution whose tap k samples ``x(p + g_k + tap_offsets_k(p))``.

    With zero offsets this is ``F.conv2d(x, weight, bias, padding=1)`` (zeros outside).

    Args:
        x: ``(B, Cin, h, w)`` input feature map.
        weight: ``(Cout, Cin, 3, 3)``.
        bias: ``(Cout,)`` or ``None``.
        tap_offsets: ``(B, 9, 2, h, w)`` pixel offsets per tap (e.g. ``trajectory_tap_offsets``),
            relative to the regular grid position of the tap.

    Returns:
        ``(B, Cout, h, w)``.
    """
    _check(x, weight, bias, tap_offsets)
    cout, cin = weight.shape[:2]
    # absolute displacement of every tap from the output pixel: regular grid + trajectory,
    # in the offsets' precision: under autocast x is bfloat16, the positions must not be
    disp = tap_offsets + tap_grid(device=x.device, dtype=tap_offsets.dtype).view(1, TAPS, 2, 1, 1)
    # weight[o, c, r, s] is tap k = 3r + s; reorder to (o, k, c) to match the samples' (k, c) channels
    wmat = weight.permute(0, 2, 3, 1).reshape(cout, TAPS * cin, 1, 1)
    out = None
    # im2col by bilinear sampling (Eq. 4; zeros outside, like conv2d's zero padding) in at least
    # float32 (ops/grid.py), a block of rows at a time (the 9 samples are 9× the input's memory),
    # each block then one 1×1 convolution over its channels-last view; in float32 also under
    # autocast: a bfloat16 copy of the samples would add half their memory
    for rows, cols in grid.sample_taps(x, disp):
        with torch.autocast(device_type=x.device.type, enabled=False):
            y = F.conv2d(cols.permute(0, 3, 1, 2), wmat.to(cols.dtype), None if bias is None else bias.to(cols.dtype))
        if rows.start == 0 and rows.stop == x.shape[-2]:
            return y
        if out is None:
            out = torch.empty(x.shape[0], cout, *x.shape[-2:], dtype=y.dtype, device=y.device, memory_format=torch.channels_last)
        out[..., rows, :] = y
    return out


def to_deform_conv2d_offsets(tap_offsets: torch.Tensor) -> torch.Tensor:
    """Convert per-tap offsets to ``torchvision.ops.deform_conv2d``'s layout.

    torchvision wants, for each kernel position in row-major order, the pair ``(dy, dx)``
    relative to the regular grid, with one offset group: channel ``2k`` is Δy of tap k,
    ``2k + 1`` its Δx.

    Args:
        tap_offsets: ``(B, 9, 2, h, w)`` with channel 0 = Δx, 1 = Δy.

    Returns:
        ``(B, 18, h, w)``.
    """
    if tap_offsets.dim() != 5 or tap_offsets.shape[1:3] != (TAPS, 2):
        raise ValueError(f"tap_offsets must be (B, 9, 2, h, w), got {tuple(tap_offsets.shape)}")
    b, _, _, h, w = tap_offsets.shape
    return tap_offsets.flip(2).reshape(b, TAPS * 2, h, w)


class MotionAwareConv2d(nn.Module):
    """Motion-aware 3×3 convolution (Eq. 16), a thin wrapper of ``motion_aware_conv2d``.

    The layer owns α: ``forward`` takes the *unscaled* trajectory at the tap times, ``Δp(t_k)``
    sized to ``x`` (``tap_offsets(params, constraint, size)``), so several layers can share one
    computation of it. With ``learn_alpha`` α is a trained parameter starting at ``alpha``.
    """

    def __init__(self, in_channels: int, out_channels: int, *, alpha: float = 0.1, learn_alpha: bool = False, bias: bool = True) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        a = torch.tensor(float(alpha))
        if learn_alpha:
            self.alpha = nn.Parameter(a)
        else:
            self.register_buffer("alpha", a)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, 3, 3))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # the same initialisation as nn.Conv2d, so swapping a conv for this layer changes nothing else
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_channels * 9)
            nn.init.uniform_(self.bias, -bound, bound)

    @staticmethod
    def tap_offsets(params: torch.Tensor, constraint: str, size: tuple[int, int] | None = None) -> torch.Tensor:
        """The unscaled trajectory ``Δp(t_k)`` at the 9 tap times, ``(B, 9, 2, h, w)``."""
        return trajectory_tap_offsets(params, constraint, alpha=1.0, size=size)

    def forward(self, x: torch.Tensor, tap_offsets: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, Cin, h, w)``, unscaled ``tap_offsets`` ``(B, 9, 2, h, w)`` → ``(B, Cout, h, w)``."""
        return motion_aware_conv2d(x, self.weight, self.bias, tap_offsets * self.alpha.to(tap_offsets.dtype))

    def extra_repr(self) -> str:
        learn = isinstance(self.alpha, nn.Parameter)
        return f"{self.in_channels}, {self.out_channels}, alpha={float(self.alpha.detach()):g}{', learned' if learn else ''}, bias={self.bias is not None}"
