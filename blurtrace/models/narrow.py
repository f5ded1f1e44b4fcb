"""Narrowing a trained U-Net deblurring network to fewer channels (structured pruning).

A narrower network costs ≈ (new/old width)² of the multiply–adds at every resolution; trained from
scratch it needs the full recipe again. Started from the wide network's most important channels
instead (filter L1 norms, Li et al. 2017, "Pruning filters for efficient ConvNets"), it begins
close to the wide network's output and a short fine-tuning recovers most of what was cut.

The U-Net (``models/unet.py``) has additive skips, so each resolution carries one residual
*stream* shared by every layer there (stem, encoder and decoder blocks, the down- and
up-convolutions, the output convolution): its channels are kept or dropped together. The hidden
channels of each residual block (``conv1``'s output, ``conv2``'s input) are chosen per block.
"""
from __future__ import annotations

import re

import torch

# which channel group each U-Net tensor's output (dim 0) and input (dim 1) belong to:
# ("s", i) is the stream of level i, ("h", block, i) the hidden channels of a residual block at
# level i, None the photo's 3 channels (left alone)
_Group = tuple | None


def _groups(name: str, levels: int) -> tuple[_Group, _Group]:
    """``(out_group, in_group)`` of a parameter of ``UNetBody`` (name without the ``unet.`` prefix)."""
    module = name.rsplit(".", 1)[0]
    if module == "stem":
        return ("s", 0), None
    if module == "out":
        return None, ("s", 0)
    if m := re.fullmatch(r"downs\.(\d+)", module):
        i = int(m[1])
        return ("s", i + 1), ("s", i)
    if m := re.fullmatch(r"ups\.(\d+)", module):
        i = int(m[1])
        return ("s", i), ("s", i + 1)
    if m := re.fullmatch(r"(encoders\.(\d+)|decoders\.(\d+)|middle|finest)\.(\d+)\.conv([12])", module):
        level = (int(m[2]) if m[2] is not None else int(m[3]) + 1 if m[3] is not None
                 else levels - 1 if m[1] == "middle" else 0)
        block = module.rsplit(".", 1)[0]
        stream, hidden = ("s", level), ("h", block, level)
        return (hidden, stream) if m[5] == "1" else (stream, hidden)
    raise ValueError(f"not a U-Net deblurring parameter: {name!r}")


def _filters(name: str, tensor: torch.Tensor) -> torch.Tensor:
    """The tensor as ``(out_channels, …)`` (a transposed convolution stores ``(in, out, kh, kw)``)."""
    return tensor.transpose(0, 1) if name.startswith("ups.") and name.endswith(".weight") else tensor


def narrow_unet(state_dict: dict[str, torch.Tensor], *, levels: int, width: int) -> dict[str, torch.Tensor]:
    """Keep the ``width·2**i`` most important channels of every group of a U-Net's weights.

    Args:
        state_dict: ``DeblurNet`` weights of the ``unet`` backbone (keys ``unet.…``), width ``W``.
        levels: the network's ``levels``.
        width: the new full-resolution width, ``1 … W``.

    Returns:
        Weights of the same network at ``width``: every tensor is the old one restricted to the kept
        channels, so channels the old network never used (all-zero filters in and out) can be dropped
        without changing its output. A channel's importance is the L1 norm of the filters that write
        it, each writer normalised by its mean filter norm so that every layer counts alike.
    """
    prefix = "unet."
    params = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not params or len(params) != len(state_dict):
        raise ValueError("narrow_unet takes the weights of a U-Net deblurring network (keys 'unet.…')")
    old = params["stem.weight"].shape[0]
    if not 1 <= width <= old:
        raise ValueError(f"width must be 1 … {old} (the network's own width), not {width}")
    score: dict[tuple, torch.Tensor] = {}
    groups = {}
    for name, tensor in params.items():
        if name.endswith(".alpha"):
            continue
        out_group, in_group = _groups(name, levels)
        groups[name] = out_group, in_group
        if name.endswith(".weight") and out_group is not None:
            norms = _filters(name, tensor).detach().abs().flatten(1).sum(1).double()
            score[out_group] = score.get(out_group, 0) + norms / norms.mean().clamp_min(1e-12)
    keep = {}
    for group, s in score.items():
        keep[group] = s.topk(width * 2 ** group[-1]).indices.sort().values
    out = {}
    for name, tensor in params.items():
        if name.endswith(".alpha"):
            out[prefix + name] = tensor.clone()
            continue
        out_group, in_group = groups[name]
        t = _filters(name, tensor)
        if out_group is not None:
            t = t.index_select(0, keep[out_group])
        if in_group is not None and t.dim() > 1:
            t = t.index_select(1, keep[in_group])
        out[prefix + name] = _filters(name, t).contiguous()
    return out

