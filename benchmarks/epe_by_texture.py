"""Where the trajectory error lives: EPE by local texture and by true blur length.

    python benchmarks/epe_by_texture.py [DATA] [--weights W] [--ensemble K] [--limit N]

DATA is a `blurtrace synth` folder with true trajectories (default: the 40 held-out scenes of
`scripts/heldout_set.sh`). A blurry photo shows its motion only where the sharp picture has
texture across it: in flat regions any trajectory reblurs the same, so no estimator can read it
there. This prints the per-pixel EPE (up to time reversal, as `blurtrace eval trajectory`) and
the zero-motion EPE pooled over all pixels (16 px border left out), split by texture quartile of
the sharp frame (gradient magnitude averaged over 9×9) and by true trajectory length.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch
import torch.nn.functional as F

from blurtrace.data.datasets import find_pairs
from blurtrace.inference import TrajectoryPredictor, image_to_tensor
from blurtrace.io import load_offsets, read_image
from blurtrace.ops.trajectory import trajectory
from blurtrace.scoring import border_mask

LENGTH_BINS = (0.0, 2.0, 4.0, 8.0, float("inf"))


def texture(sharp: torch.Tensor) -> torch.Tensor:
    """``(1, 3, H, W)`` → ``(H, W)`` mean gradient magnitude over a 9×9 window."""
    g = sharp.mean(1, keepdim=True)
    gx = F.pad(g[..., :, 1:] - g[..., :, :-1], (0, 1, 0, 0))
    gy = F.pad(g[..., 1:, :] - g[..., :-1, :], (0, 0, 0, 1))
    return F.avg_pool2d((gx.square() + gy.square()).sqrt(), 9, stride=1, padding=4, count_include_pad=False)[0, 0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default="data/eval/dynamic-640x360")
    ap.add_argument("--weights", default=None)
    ap.add_argument("--ensemble", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    pred = TrajectoryPredictor(weights=args.weights, ensemble=args.ensemble)
    epe, zero, tex, length = [], [], [], []
    for pair in find_pairs(args.data)[: args.limit]:
        if pair.gt is None:
            raise SystemExit(f"{pair.blur}: no true trajectory (a `blurtrace synth` folder is needed)")
        blurry = read_image(pair.blur).to_float()
        sharp = image_to_tensor(read_image(pair.sharp).to_float())
        of = load_offsets(pair.gt)
        true = torch.from_numpy(of.offsets).unsqueeze(0)
        est = trajectory(pred(blurry).params, pred.config.constraint, torch.from_numpy(of.times))
        err = torch.minimum((est - true).norm(dim=2).mean(1), (est.flip(1) - true).norm(dim=2).mean(1))[0]
        keep = border_mask(*err.shape, 16).bool().view(err.shape)
        epe.append(err[keep])
        zero.append(true.norm(dim=2).mean(1)[0][keep])
        tex.append(texture(sharp)[keep])
        # the trajectory's length: the path from s = −1 to s = +1
        length.append((true[:, 1:] - true[:, :-1]).norm(dim=2).sum(1)[0][keep])
    epe, zero, tex, length = (torch.cat(v).numpy() for v in (epe, zero, tex, length))
    rows = [{"pixels": "all", "share": 1.0, "epe": float(epe.mean()), "zero_motion_epe": float(zero.mean())}]
    edges = np.quantile(tex, [0.25, 0.5, 0.75])
    quart = np.digitize(tex, edges)
    for q in range(4):
        m = quart == q
        rows.append({"pixels": f"texture quartile {q + 1} (gradient {'<' if q == 0 else '≥'} {edges[max(q - 1, 0)]:.4f})",
                     "share": float(m.mean()), "epe": float(epe[m].mean()), "zero_motion_epe": float(zero[m].mean())})
    for lo, hi in zip(LENGTH_BINS[:-1], LENGTH_BINS[1:]):
        m = (length >= lo) & (length < hi)
        if m.any():
            rows.append({"pixels": f"true length {lo:g}–{hi:g} px", "share": float(m.mean()), "epe": float(epe[m].mean()), "zero_motion_epe": float(zero[m].mean())})
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
