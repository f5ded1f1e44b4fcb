"""Arithmetic precision of the networks (trajectory and deblurring).

``fp32`` runs everything in float32. ``bf16`` runs a network under autocast, so its
convolutions take bfloat16 inputs (accumulating in float32): on a CPU with
native bfloat16 instructions (AVX512-BF16 or AMX) oneDNN does them much faster. Measured on a
2-core AVX512-BF16 machine (docs/experiments.md, "bfloat16"; ``python benchmarks/speed.py
--precision fp32|bf16``) on a 1280×720 photo: the trajectory network 1.9× faster (held-out EPE
unchanged to 0.001 px, ``blurtrace eval trajectory --precision fp32|bf16``), the deblurring
network 1.4–1.7× faster (held-out PSNR 0.01 dB lower, ``blurtrace eval deblur --precision
fp32|bf16``). Outputs come out in float32. Sampling positions and the motion-aware
convolution's 9-tap product stay float32 (``ops/grid.py``, ``ops/deform.py``): bfloat16 cannot
even name pixel 1279 of a row.
Training autocasts only when told (``train deblur|trajectory --precision bf16``, forward pass only);
the frozen trajectories a deblurring run trains on are estimated in float32.

``auto`` picks ``bf16`` on such CPUs and ``fp32`` everywhere else: without native instructions
bfloat16 is emulated and slower, and on GPUs it was never measured here.
"""
from __future__ import annotations

import contextlib

import torch

PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16")


def native_bf16_cpu() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX tiles)."""
    probes = (getattr(torch.cpu, "_is_avx512_bf16_supported", None), getattr(torch.cpu, "_is_amx_tile_supported", None))
    return any(bool(probe()) for probe in probes if probe is not None)


def resolve_precision(name: str, device: torch.device) -> str:
    """``auto``, ``fp32`` or ``bf16`` on ``device`` → ``fp32`` or ``bf16``."""
    if name not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {name!r}")
    if name == "auto":
        return "bf16" if device.type == "cpu" and native_bf16_cpu() else "fp32"
    return name


def autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    """The context a network runs in at a resolved ``precision`` (``fp32``: no autocast)."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    if precision == "fp32":
        return contextlib.nullcontext()
    raise ValueError(f"resolve the precision first (fp32 or bf16), not {precision!r}")
