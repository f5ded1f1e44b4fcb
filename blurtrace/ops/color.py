"""sRGB transfer curve: gamma-encoded pixel values <-> linear light.

Photons add up in linear light; the GoPro ``blur`` folder (and the paper) average in
gamma space instead. Both are offered everywhere a blur is formed, as ``light``.
"""
from __future__ import annotations

from typing import Literal

import torch

Light = Literal["gamma", "linear"]
LIGHTS: tuple[str, ...] = ("gamma", "linear")

_A = 0.055
_THRESH_GAMMA = 0.04045
_THRESH_LINEAR = 0.0031308


def check_light(light: str) -> str:
    """Return ``light`` if it names a known light space, else raise ``ValueError``."""
    if light not in LIGHTS:
        raise ValueError(f"light must be one of {', '.join(LIGHTS)}, not {light!r}")
    return light


def srgb_to_linear(x: torch.Tensor) -> torch.Tensor:
    """Decode sRGB values in [0, 1] to linear light (IEC 61966-2-1). Any shape."""
    # clamp inside the power only, so that the gradient stays finite at 0
    high = ((x.clamp(min=_THRESH_GAMMA) + _A) / (1 + _A)) ** 2.4
    return torch.where(x <= _THRESH_GAMMA, x / 12.92, high)


def linear_to_srgb(x: torch.Tensor) -> torch.Tensor:
    """Encode linear light in [0, 1] to sRGB values. Any shape."""
    high = (1 + _A) * x.clamp(min=_THRESH_LINEAR) ** (1 / 2.4) - _A
    return torch.where(x <= _THRESH_LINEAR, x * 12.92, high)
