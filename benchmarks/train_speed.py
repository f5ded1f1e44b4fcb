"""Seconds per training step of the deblurring network, float32 against bfloat16 autocast: what
`train deblur --precision bf16` buys on this CPU. Random batches of the recipe's shape (batch 8,
96×96 crops, quadratic trajectory parameters of up to ±8 px), forward, Charbonnier loss, backward,
clipping and an Adam step, the same as one step of ``train_deblur`` without the data loading.

    python benchmarks/train_speed.py [--steps 20] [--threads 2] [--backbone unet --width 24 --levels 4]

Prints one JSON line per precision: seconds per step (median of ``--steps`` after 3 warm-up steps).
Run it on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from blurtrace.inference.precision import autocast
from blurtrace.models.deblur_net import BACKBONES, DeblurNet, DeblurNetConfig
from blurtrace.train.deblur import charbonnier


def seconds_per_step(config: DeblurNetConfig, *, precision: str, steps: int, batch: int, crop: int) -> float:
    torch.manual_seed(0)
    model = DeblurNet(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    device = torch.device("cpu")
    blurry = torch.rand(batch, 3, crop, crop)
    sharp = torch.rand(batch, 3, crop, crop)
    params = (torch.rand(batch, config.trajectory_channels, crop, crop) - 0.5) * 16
    times = []
    for i in range(steps + 3):
        start = time.perf_counter()
        with autocast(precision, device):
            restored = model(blurry, params if config.reads_trajectory else None)
            loss = charbonnier(restored.float(), sharp)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if i >= 3:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--backbone", choices=BACKBONES, default="unet")
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--levels", type=int, default=4)
    ap.add_argument("--motion-aware", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    config = DeblurNetConfig(backbone=args.backbone, width=args.width, levels=args.levels, motion_aware=args.motion_aware)
    for precision in ("fp32", "bf16"):
        s = seconds_per_step(config, precision=precision, steps=args.steps, batch=args.batch_size, crop=args.crop)
        print(json.dumps({"precision": precision, "seconds_per_step": round(s, 4), "threads": args.threads,
                          "batch_size": args.batch_size, "crop": args.crop, "model": config.__dict__}), flush=True)


if __name__ == "__main__":
    main()
