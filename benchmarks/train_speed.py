"""Seconds per training step, float32 against bfloat16 autocast: what `train deblur|trajectory
--precision bf16` buys on this CPU. Random batches of the recipes' shapes, one step as in
``train_deblur`` / ``train_trajectory`` without the data loading: for the deblurring network
(batch 8, 96×96 crops, quadratic trajectory parameters of up to ±8 px) forward, Charbonnier loss,
backward, clipping, Adam; for the trajectory network (batch 8, 128×128, the shipped layout) forward,
the reblur + true-trajectory loss (Eq. 6–11), backward, Adam.

    python benchmarks/train_speed.py [--network deblur|trajectory] [--steps 20] [--threads 2] [--precision P] [--system-malloc]

Prints one JSON line per precision: seconds per step (median of ``--steps`` after 3 warm-up steps).
Run it on an otherwise idle machine. Like ``blurtrace train``, it lets the allocator keep freed
memory (``blurtrace/allocator.py``) unless ``--system-malloc``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from blurtrace.allocator import keep_freed_memory
from blurtrace.inference.precision import autocast
from blurtrace.models.deblur_net import BACKBONES, DeblurNet, DeblurNetConfig
from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig
from blurtrace.ops.trajectory import trajectory, uniform_times
from blurtrace.train.deblur import charbonnier
from blurtrace.train.losses import LossWeights, trajectory_training_loss


def deblur_step(config: DeblurNetConfig, *, batch: int, crop: int):
    model = DeblurNet(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    blurry, sharp = torch.rand(batch, 3, crop, crop), torch.rand(batch, 3, crop, crop)
    params = (torch.rand(batch, config.trajectory_channels, crop, crop) - 0.5) * 16

    def step(precision: str, device: torch.device) -> None:
        with autocast(precision, device):
            restored = model(blurry, params if config.reads_trajectory else None)
        loss = charbonnier(restored.float(), sharp)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return step


def trajectory_step(config: OffsetNetConfig, *, batch: int, crop: int):
    model = OffsetNet(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    blurry, sharp = torch.rand(batch, 3, crop, crop), torch.rand(batch, 3, crop, crop)
    times = uniform_times(config.n_offsets)
    true = (torch.rand(batch, config.n_offsets, 2, crop, crop) - 0.5) * 16

    def step(precision: str, device: torch.device) -> None:
        with autocast(precision, device):
            params = model(blurry)
        params = params.float()
        offsets = trajectory(params, config.constraint, times)
        terms = trajectory_training_loss(blurry=blurry, sharp=sharp, offsets=offsets, weights=LossWeights(), light="linear",
                                         true_offsets=true, pred_at_true_times=offsets)
        optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        optimizer.step()
    return step


def seconds_per_step(make_step, *, precision: str, steps: int) -> float:
    torch.manual_seed(0)
    step = make_step()
    times = []
    for i in range(steps + 3):
        start = time.perf_counter()
        step(precision, torch.device("cpu"))
        if i >= 3:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--network", choices=("deblur", "trajectory"), default="deblur")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--crop", type=int, help="square crop side (default: 96 deblur, 128 trajectory, as the recipes)")
    ap.add_argument("--backbone", choices=BACKBONES, default="unet", help="deblurring network (default: the shipped U-Net)")
    ap.add_argument("--width", type=int, default=24, help="deblurring network width")
    ap.add_argument("--levels", type=int, default=4, help="deblurring network levels")
    ap.add_argument("--motion-aware", type=int, default=1)
    ap.add_argument("--precision", choices=("fp32", "bf16"), action="append", help="time only this precision (repeatable; default both)")
    ap.add_argument("--system-malloc", action="store_true", help="leave glibc's allocator as it is (blurtrace train tunes it)")
    args = ap.parse_args()
    if not args.system_malloc:
        keep_freed_memory()
    torch.set_num_threads(args.threads)
    if args.network == "deblur":
        config = DeblurNetConfig(backbone=args.backbone, width=args.width, levels=args.levels, motion_aware=args.motion_aware)
        crop = args.crop or 96
        make = lambda: deblur_step(config, batch=args.batch_size, crop=crop)  # noqa: E731
    else:
        config = OffsetNetConfig(head="bilinear")
        crop = args.crop or 128
        make = lambda: trajectory_step(config, batch=args.batch_size, crop=crop)  # noqa: E731
    for precision in args.precision or ("fp32", "bf16"):
        s = seconds_per_step(make, precision=precision, steps=args.steps)
        print(json.dumps({"network": args.network, "precision": precision, "seconds_per_step": round(s, 4), "threads": args.threads,
                          "batch_size": args.batch_size, "crop": crop, "model": config.__dict__}), flush=True)


if __name__ == "__main__":
    main()
