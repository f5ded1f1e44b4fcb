"""Reblur PSNR on the two real GoPro pairs in ../shared/realworld/gopro_pairs (evaluation only).

    python benchmarks/gopro_pairs.py [--weights W] [--root ../shared/realworld/gopro_pairs] [--deblur net|deconv] [--blocks N]

The sharp frame is re-blurred with the offsets estimated from the blurry one and compared with
the blurry one (the paper's Table 2 metric, 34.68 dB on GoPro for its quadratic model); with
``--deblur METHOD`` (net or deconv, repeatable) also the PSNR of ``deblur --method METHOD``
against the sharp frame. GoPro
blur was averaged in the camera's gamma space, so both light spaces are reported. Prints one
JSON line per pair; skips cleanly when the folder is absent.

``--blocks N`` also says where a deblurring method wins and loses: the frame is cut into N×N
blocks, each block's gain (dB, the method's error against the blurry one's, both against the
sharp frame) is grouped by how blurred the block is (quartiles of the blurry block's own PSNR
against the sharp one: the first quartile is the heaviest blur) beside the block's median
estimated blur length (px, ``Trajectories.magnitude``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from blurtrace.evaluation.metrics import psnr
from blurtrace.evaluation.scoring import score_trajectory
from blurtrace.inference.predictors import (
    DeblurPredictor,
    TrajectoryPredictor,
    image_to_tensor,
)
from blurtrace.io import read_image

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "gopro_pairs"


def block_gains(blurry: np.ndarray, out: np.ndarray, sharp: np.ndarray, length: np.ndarray, n: int) -> list[dict]:
    """Per-block gains of ``out`` over ``blurry`` (dB), grouped by the quartile of the blurry
    block's PSNR against ``sharp`` (heaviest blur first); ``length`` is ``(H, W)`` blur length."""
    h, w = (sharp.shape[0] // n) * n, (sharp.shape[1] // n) * n

    def blocks(x: np.ndarray) -> torch.Tensor:
        """``(H, W)`` → ``(blocks, n·n)``, the whole n×n blocks row-major."""
        return torch.from_numpy(np.ascontiguousarray(x[:h, :w])).reshape(h // n, n, w // n, n).permute(0, 2, 1, 3).flatten(2).flatten(0, 1)

    def block_mse(x: np.ndarray) -> torch.Tensor:
        return blocks(((x.astype(np.float64) - sharp.astype(np.float64)) ** 2).mean(-1)).mean(-1).clamp(min=1e-12)

    mse_b, mse_o = block_mse(blurry), block_mse(out)
    lengths = blocks(length).median(-1).values
    blur_db = -10 * torch.log10(mse_b)
    gain = 10 * torch.log10(mse_b / mse_o)
    groups = []
    for q, idx in enumerate(torch.tensor_split(torch.argsort(blur_db), 4), start=1):
        groups.append({"quartile": q, "blocks": int(idx.numel()), "blurry_psnr": round(float(blur_db[idx].mean()), 2),
                       "blur_length_px": round(float(lengths[idx].median()), 1), "mean_gain_db": round(float(gain[idx].mean()), 2),
                       "worst_gain_db": round(float(gain[idx].min()), 2), "best_gain_db": round(float(gain[idx].max()), 2)})
    return groups


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default=None)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--deblur", choices=("net", "deconv"), action="append", default=[], help="also deblur with this method and score against the sharp frame")
    ap.add_argument("--iterations", type=int, default=30, help="deconv iterations")
    ap.add_argument("--deblur-weights", default=None, help="deblurring network weights for --deblur net (default: the shipped ones)")
    ap.add_argument("--blocks", type=int, default=0, help="with --deblur: gains per N×N block, by blur quartile")
    args = ap.parse_args()
    if not args.root.is_dir():
        print(f"skipped: {args.root} not found", file=sys.stderr)
        return 0
    pred = TrajectoryPredictor(weights=args.weights, device="cpu")
    deblurrers = {m: DeblurPredictor(method=m, weights=args.deblur_weights if m == "net" else None, device="cpu", iterations=args.iterations) for m in args.deblur}
    for blur_path in sorted(args.root.glob("*_blur.png")):
        name = blur_path.name[: -len("_blur.png")]
        blurry = read_image(blur_path).to_float()
        sharp = read_image(args.root / f"{name}_sharp.png").to_float()
        t = time.perf_counter()
        traj = pred(blurry)
        secs = time.perf_counter() - t
        row = {"pair": name, "seconds": round(secs, 3)}
        for light in ("gamma", "linear"):
            s = score_trajectory(traj.params, constraint=traj.constraint, n_offsets=traj.n_offsets, blurry=image_to_tensor(blurry), sharp=image_to_tensor(sharp), light=light)
            row[f"reblur_psnr_{light}"] = round(s["reblur_psnr"], 2)
            row[f"reblur_ssim_{light}"] = round(s["reblur_ssim"], 4)
        row["blurry_vs_sharp_psnr"] = round(s["blurry_vs_sharp_psnr"], 2)
        if deblurrers:
            row["blurry_psnr"] = round(float(psnr(image_to_tensor(blurry), image_to_tensor(sharp))), 2)
        length = traj.magnitude() if args.blocks else None  # once per pair, for every method
        for method, deblurrer in deblurrers.items():
            t = time.perf_counter()
            out = deblurrer(blurry, traj)
            row[f"{method}_seconds"] = round(time.perf_counter() - t, 2)
            row[f"{method}_psnr"] = round(float(psnr(image_to_tensor(out), image_to_tensor(sharp))), 2)
            if args.blocks:
                row[f"{method}_blocks"] = block_gains(blurry, out, sharp, length, args.blocks)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
