"""Cost of one motion-aware 3x3 convolution (Eq. 16) against a plain one at inference (channels-last
feature maps, as the predictors run the networks), the deblurring network's size, and the learned α
of the shipped deblurring weights and of any training checkpoints given.

    python benchmarks/motion_aware_conv.py [--threads 2] [--channels 24] [--checkpoint last.pt ...]"""
from __future__ import annotations

import argparse
import json

import torch
import torch.nn.functional as F
from timing import best_of  # benchmarks/timing.py (the script's folder is on the path)

from blurtrace.models.deblur_net import DeblurNet, DeblurNetConfig
from blurtrace.ops.deform import motion_aware_conv2d, trajectory_tap_offsets
from blurtrace.train.common import load_checkpoint
from blurtrace.weights import resolve


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels", type=int, default=24, help="feature channels (the default network's full-resolution width: 24)")
    ap.add_argument("--checkpoint", action="append", default=[], help="training checkpoint whose α to report")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    c = args.channels
    x = torch.rand(1, c, 720, 1280).contiguous(memory_format=torch.channels_last)
    w, b = torch.randn(c, c, 3, 3), torch.zeros(c)
    taps = trajectory_tap_offsets(torch.randn(1, 4, 720, 1280) * 3, "quadratic", alpha=0.1)
    with torch.no_grad():
        plain = best_of(lambda: F.conv2d(x, w, b, padding=1))
        bent = best_of(lambda: motion_aware_conv2d(x, w, b, taps))
    params = {ma: sum(p.numel() for p in DeblurNet(DeblurNetConfig(motion_aware=ma)).parameters()) for ma in (0, 1)}
    print(json.dumps({"what": f"3x3 conv, {c} channels, 1280x720, channels-last", "plain_s": round(plain, 3), "motion_aware_s": round(bent, 3),
                      "ratio": round(bent / plain, 1), "threads": args.threads, "deblur_net_parameters": params}))
    alpha = lambda tensors: {k: round(float(v), 3) for k, v in tensors.items() if k.endswith("alpha")}  # noqa: E731
    tensors, _, path = resolve("deblur")
    print(json.dumps({"what": "learned alpha", str(path.name): alpha(tensors),
                      **{c: alpha(load_checkpoint(c)["model"]) for c in args.checkpoint}}))


if __name__ == "__main__":
    main()
