"""The networks' arithmetic (blurtrace/inference/precision.py) and the sampling positions that
must stay float32 under it."""
from __future__ import annotations

import pytest
import torch

from blurtrace.inference.precision import (
    PRECISIONS,
    autocast,
    native_bf16_cpu,
    resolve_precision,
)
from blurtrace.ops.deform import motion_aware_conv2d
from blurtrace.ops.grid import sample

CPU = torch.device("cpu")


def test_resolve_precision():
    assert PRECISIONS == ("auto", "fp32", "bf16")
    assert resolve_precision("fp32", CPU) == "fp32" and resolve_precision("bf16", CPU) == "bf16"
    assert resolve_precision("auto", CPU) == ("bf16" if native_bf16_cpu() else "fp32")
    assert resolve_precision("auto", torch.device("cuda")) == "fp32"  # never measured on a GPU: no guess
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("fp16", CPU)


def test_autocast_context():
    with autocast("fp32", CPU):
        assert not torch.is_autocast_enabled("cpu")
    with autocast("bf16", CPU):
        assert torch.is_autocast_enabled("cpu")
        assert torch.nn.functional.conv2d(torch.rand(1, 2, 5, 5), torch.rand(3, 2, 3, 3)).dtype == torch.bfloat16
    with pytest.raises(ValueError, match="resolve"):
        autocast("auto", CPU)


def _noise_and_offsets(width: int):
    g = torch.Generator().manual_seed(0)
    image = torch.rand(1, 2, 4, width, generator=g)
    offsets = (torch.rand(1, 2, 4, width, generator=g) - 0.5) * 3
    return image, offsets


def test_sampling_positions_stay_float32_under_autocast():
    # on a row of 1100 pixels bfloat16 cannot even name pixel 1099 (it keeps 8 significant bits):
    # sampled in bfloat16, noise would be read up to several pixels off
    image, offsets = _noise_and_offsets(1100)
    ref = sample(image, offsets)
    with autocast("bf16", CPU):
        out = sample(image, offsets)
    assert out.dtype == torch.float32 and torch.equal(out, ref)
    # a bfloat16 image: only its values are rounded, not where they are read
    out = sample(image.bfloat16(), offsets)
    assert out.dtype == torch.bfloat16 and (out.float() - ref).abs().max() < 0.01


def test_motion_aware_conv_under_autocast_matches_float32():
    image, _ = _noise_and_offsets(700)
    g = torch.Generator().manual_seed(1)
    taps = (torch.rand(1, 9, 2, 4, 700, generator=g) - 0.5) * 6
    weight = torch.rand(3, 2, 3, 3, generator=g) * 0.2
    ref = motion_aware_conv2d(image, weight, None, taps)
    with autocast("bf16", CPU):  # as inside the network: the features arrive in bfloat16
        out = motion_aware_conv2d(image.bfloat16(), weight, None, taps)
    # sampled and multiplied in float32 (no bfloat16 copy of the 9 samples); only x was rounded
    assert out.dtype == torch.float32 and (out - ref).abs().max() < 0.03
