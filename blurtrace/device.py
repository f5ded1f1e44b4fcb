"""Choosing a torch device: ``auto`` picks CUDA, then MPS, then CPU; a named device that is
not available is an error, never a silent fallback."""
from __future__ import annotations

import torch

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")


class DeviceUnavailable(RuntimeError):
    """The device asked for by name cannot be used on this machine."""


def resolve_device(name: str = "auto") -> torch.device:
    if name not in DEVICES and not name.startswith("cuda:"):
        raise ValueError(f"device must be one of {', '.join(DEVICES)} (or cuda:N), not {name!r}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceUnavailable(f"device {name!r} was asked for, but PyTorch sees no CUDA GPU here")
    if name == "mps" and not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
        raise DeviceUnavailable("device 'mps' was asked for, but Apple's Metal backend is not available here")
    return torch.device(name)
