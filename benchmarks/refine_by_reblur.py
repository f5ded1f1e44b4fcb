"""How much of the trajectory can reblurring pin down, and does it correct the network?

Start from the network's estimate and descend the reblur loss (Eq. 6–8) with respect to a smooth
correction of the trajectory parameters (a field at 1/SCALE resolution, upsampled bilinearly), given
a sharp frame: ``--source true`` (an oracle: the best self-supervision can determine, aperture
problem included) or ``--source deblurred`` (the shipped network's deblurred photo, which exists at
run time: test-time refinement; ``--rounds R`` alternates deblurring and refining R times). Prints
EPE and reblur PSNR (against the blurry input, with the *true* sharp frame, where Eq. 3 holds)
before and after, on the held-out scenes, and with ``deblurred`` the deblurring PSNR (16 px border
left out) with the network's and with the refined trajectories.

    python benchmarks/refine_by_reblur.py [--source true|deblurred] [--rounds 1] [--limit 40] [--iterations 30] [--scale 8]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import torch
import torch.nn.functional as F

from blurtrace.data.datasets import find_pairs
from blurtrace.evaluation.evaluate import load_truth, means
from blurtrace.evaluation.metrics import psnr
from blurtrace.evaluation.scoring import border_mask, score_trajectory
from blurtrace.inference.predictors import (
    DeblurPredictor,
    TrajectoryPredictor,
    image_to_tensor,
)
from blurtrace.io import read_image
from blurtrace.ops.blur import reblur
from blurtrace.ops.trajectory import trajectory, uniform_times
from blurtrace.train.losses import reblur_loss

SOURCES = ("true", "deblurred")


def refine(params: torch.Tensor, *, blurry: torch.Tensor, sharp: torch.Tensor, constraint: str, n_offsets: int, light: str,
           iterations: int, scale: int, lr: float, border: int = 16) -> torch.Tensor:
    """``params`` ``(1, C, H, W)`` plus the coarse correction that best reblurs ``sharp`` into ``blurry``."""
    h, w = params.shape[-2:]
    delta = torch.zeros(1, params.shape[1], -(-h // scale), -(-w // scale), requires_grad=True)
    opt = torch.optim.Adam([delta], lr=lr)
    times = uniform_times(n_offsets)
    keep = border_mask(h, w, border)

    def corrected() -> torch.Tensor:
        return params + F.interpolate(delta, size=(h, w), mode="bilinear", align_corners=False)

    for _ in range(iterations):
        rb = reblur(sharp, trajectory(corrected(), constraint, times), light=light)
        loss = reblur_loss(blurry * keep, rb * keep, ssim_weight=0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return corrected().detach()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/eval/dynamic-640x360")
    ap.add_argument("--source", choices=SOURCES, default="true")
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=1, help="with deblurred: deblur, refine, deblur again, … this many times")
    ap.add_argument("--scale", type=int, default=8, help="the correction's resolution is 1/SCALE of the photo's")
    ap.add_argument("--lr", type=float, default=0.2, help="Adam step, in pixels of the trajectory end points")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tp = TrajectoryPredictor(precision="fp32")
    dp = DeblurPredictor(precision="fp32") if args.source == "deblurred" else None
    rows, start = [], time.perf_counter()
    keep = lambda image: border_mask(*image.shape[:2], 16)  # noqa: E731
    for pair in find_pairs(args.data)[: args.limit]:
        b, s = read_image(pair.blur).to_float(), read_image(pair.sharp).to_float()
        traj = tp(b)
        truth = load_truth(pair.gt)
        blurry, sharp = image_to_tensor(b), image_to_tensor(s)
        kw = dict(constraint=traj.constraint, n_offsets=traj.n_offsets, light=traj.light)
        before = score_trajectory(traj.params, blurry=blurry, sharp=sharp, **kw, **truth)
        refined, extra = traj, {}
        for _ in range(args.rounds if dp is not None else 1):
            source = sharp if dp is None else image_to_tensor(dp(b, refined))
            if dp is not None and not extra:
                extra["deblur_before"] = float(psnr(source, sharp, mask=keep(b)))
            params = refine(refined.params, blurry=blurry, sharp=source, iterations=args.iterations, scale=args.scale, lr=args.lr, **kw)
            refined = dataclasses.replace(traj, params=params)
        if dp is not None:
            extra["deblur_after"] = float(psnr(image_to_tensor(dp(b, refined)), sharp, mask=keep(b)))
        after = score_trajectory(refined.params, blurry=blurry, sharp=sharp, **kw, **truth)
        rows.append({"epe_before": before["epe"], "epe_after": after["epe"], "epe_zero_motion": before["epe_zero_motion"],
                     "reblur_before": before["reblur_psnr_valid"], "reblur_after": after["reblur_psnr_valid"],
                     "true_reblur": before["true_reblur_psnr"], **extra})
        print(json.dumps({"name": pair.blur.name, **{k: round(v, 3) for k, v in rows[-1].items()}}), flush=True)
    m = {k: round(v, 3) for k, v in means(rows).items()}
    print(json.dumps({"mean": m, "source": args.source, "rounds": args.rounds, "iterations": args.iterations, "scale": args.scale, "lr": args.lr,
                      "seconds_per_image": round((time.perf_counter() - start) / max(1, len(rows)), 1)}))


if __name__ == "__main__":
    main()
