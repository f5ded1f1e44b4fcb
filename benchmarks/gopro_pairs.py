"""Reblur PSNR on the two real GoPro pairs in ../shared/realworld/gopro_pairs (evaluation only).

    python benchmarks/gopro_pairs.py [--weights W] [--root ../shared/realworld/gopro_pairs]

The sharp frame is re-blurred with the offsets estimated from the blurry one and compared with
the blurry one (the paper's Table 2 metric, 34.68 dB on GoPro for its quadratic model); with
``--deblur METHOD`` (net or deconv, repeatable) also the PSNR of ``deblur --method METHOD``
against the sharp frame. GoPro
blur was averaged in the camera's gamma space, so both light spaces are reported. Prints one
JSON line per pair; skips cleanly when the folder is absent.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from blurtrace.evaluation.metrics import psnr
from blurtrace.evaluation.scoring import score_trajectory
from blurtrace.inference.predictors import (
    DeblurPredictor,
    TrajectoryPredictor,
    image_to_tensor,
)
from blurtrace.io import read_image

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "gopro_pairs"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default=None)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--deblur", choices=("net", "deconv"), action="append", default=[], help="also deblur with this method and score against the sharp frame")
    ap.add_argument("--iterations", type=int, default=30, help="deconv iterations")
    ap.add_argument("--deblur-weights", default=None, help="deblurring network weights for --deblur net (default: the shipped ones)")
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
        for method, deblurrer in deblurrers.items():
            t = time.perf_counter()
            out = deblurrer(blurry, traj)
            row[f"{method}_seconds"] = round(time.perf_counter() - t, 2)
            row[f"{method}_psnr"] = round(float(psnr(image_to_tensor(out), image_to_tensor(sharp))), 2)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
