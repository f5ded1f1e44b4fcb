"""Where the trajectory error lives: EPE by local texture and by true blur length.

    python benchmarks/epe_by_texture.py [DATA] [--weights W] [--ensemble K] [--limit N]

DATA is a `blurtrace synth` folder with true trajectories (default: the 40 held-out scenes of
`scripts/heldout_set.sh`). A blurry photo shows its motion only where the sharp picture has
texture across it: in flat regions any trajectory reblurs the same, so no estimator can read it
there. This prints the per-pixel EPE (up to time reversal, as `blurtrace eval trajectory`) and
the zero-motion EPE pooled over all pixels (16 px border left out), split by texture quartile of
the sharp frame (gradient magnitude averaged over 9×9), by true trajectory length and by
distance to a flip of the estimate's running direction (where the estimate turns round between
neighbouring pixels: either direction reblurs alike, so a smooth network must pass through zero
motion between the two).

Each row also gives the estimate's path length over the true one (``length_ratio``: < 1 means
motion cut short) and two oracle errors that split the EPE into its parts: the estimate rescaled
to the true path length (``epe_true_length``: what is left is shape and direction) and the true
trajectory rescaled to the estimate's length (``epe_length_only``: the length error alone),
and the angle between the estimated and true chords (start to end point, time reversal forgiven:
0–90°) where both move at least 1 px (``chord_angle_deg``: the direction error alone).
``epe_best_quadratic`` is the error of the least-squares quadratic (Eq. 14) through each true
trajectory: the floor of the model's form.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch
import torch.nn.functional as F

from blurtrace.data.datasets import find_pairs
from blurtrace.evaluation.metrics import local_texture
from blurtrace.evaluation.scoring import border_mask
from blurtrace.inference.predictors import TrajectoryPredictor, image_to_tensor
from blurtrace.io import load_offsets, read_image
from blurtrace.ops.trajectory import trajectory

LENGTH_BINS = (0.0, 2.0, 4.0, 8.0, float("inf"))


def pixel_error(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``(1, T, 2, H, W)`` twice → ``(H, W)``: mean distance over the T times (no reversal)."""
    return (a - b).norm(dim=2).mean(1)[0]


def scale_to(num: torch.Tensor, den: torch.Tensor, traj: torch.Tensor) -> torch.Tensor:
    """``traj`` scaled per pixel by ``num / den`` (``(H, W)`` each; to zero where ``den`` is ~0)."""
    ratio = (num / den.clamp(min=1e-3)).where(den > 1e-3, torch.zeros_like(num))
    return traj * ratio


def path_length(traj: torch.Tensor) -> torch.Tensor:
    """``(1, T, 2, H, W)`` → ``(H, W)``: the path from the first time to the last."""
    return (traj[:, 1:] - traj[:, :-1]).norm(dim=2).sum(1)[0]


def direction_flips(traj: torch.Tensor, *, min_length: float = 1.0, radius: int = 2) -> torch.Tensor:
    """``(1, T, 2, H, W)`` → ``(H, W)`` bool: within ``radius`` px of two neighbouring pixels
    (both moving at least ``min_length`` px) whose running directions point apart."""
    d = traj[:, -1] - traj[:, 0]
    moving = d.norm(dim=1) >= min_length
    flip = torch.zeros_like(moving)
    right = ((d[..., :, 1:] * d[..., :, :-1]).sum(1) < 0) & moving[..., :, 1:] & moving[..., :, :-1]
    down = ((d[..., 1:, :] * d[..., :-1, :]).sum(1) < 0) & moving[..., 1:, :] & moving[..., :-1, :]
    flip[..., :, 1:] |= right
    flip[..., 1:, :] |= down
    k = 2 * radius + 1
    return F.max_pool2d(flip.float().unsqueeze(1), k, stride=1, padding=radius)[0, 0] > 0


def chord_angle(est: torch.Tensor, true: torch.Tensor, *, min_length: float = 1.0) -> torch.Tensor:
    """``(1, T, 2, H, W)`` twice → ``(H, W)`` degrees in [0, 90] between the two chords (first to
    last time; either direction), NaN where either is shorter than ``min_length`` px."""
    a, b = est[0, -1] - est[0, 0], true[0, -1] - true[0, 0]
    na, nb = a.norm(dim=0), b.norm(dim=0)
    cos = ((a * b).sum(0).abs() / (na * nb).clamp(min=1e-9)).clamp(max=1.0)
    return torch.rad2deg(torch.acos(cos)).where((na >= min_length) & (nb >= min_length), torch.tensor(float("nan")))


def best_quadratic(true: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
    """``(1, T, 2, H, W)`` at ``times`` → the least-squares ``a·s + b·s²`` per pixel (Eq. 14's
    form: no motion at ``s = 0``), same shape."""
    t = times.to(true.dtype)
    basis = torch.stack((t, t * t), 1)  # (T, 2)
    coef = torch.linalg.lstsq(basis, true[0].flatten(1)).solution
    return (basis @ coef).view_as(true)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default="data/eval/dynamic-640x360")
    ap.add_argument("--weights", default=None)
    ap.add_argument("--ensemble", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    pred = TrajectoryPredictor(weights=args.weights, ensemble=args.ensemble)
    epe, zero, tex, length, est_length, epe_true_length, epe_length_only, flips, angle, floor = [], [], [], [], [], [], [], [], [], []
    for pair in find_pairs(args.data)[: args.limit]:
        if pair.gt is None:
            raise SystemExit(f"{pair.blur}: no true trajectory (a `blurtrace synth` folder is needed)")
        blurry = read_image(pair.blur).to_float()
        sharp = image_to_tensor(read_image(pair.sharp).to_float())
        of = load_offsets(pair.gt)
        true = torch.from_numpy(of.offsets).unsqueeze(0)
        est = trajectory(pred(blurry).params, pred.config.constraint, torch.from_numpy(of.times))
        fwd, bwd = pixel_error(est, true), pixel_error(est.flip(1), true)
        err = torch.minimum(fwd, bwd)
        aligned = torch.where((fwd <= bwd).view(1, 1, 1, *err.shape), est, est.flip(1))
        keep = border_mask(*err.shape, 16).bool().view(err.shape)
        lt, lp = path_length(true), path_length(aligned)
        epe.append(err[keep])
        zero.append(pixel_error(true, torch.zeros_like(true))[keep])
        tex.append(local_texture(sharp)[0][keep])
        length.append(lt[keep])
        est_length.append(lp[keep])
        epe_true_length.append(pixel_error(scale_to(lt, lp, aligned), true)[keep])
        epe_length_only.append(pixel_error(scale_to(lp, lt, true), true)[keep])
        flips.append(direction_flips(est)[keep])
        angle.append(chord_angle(est, true)[keep])
        floor.append(pixel_error(best_quadratic(true, torch.from_numpy(of.times)), true)[keep])
    epe, zero, tex, length, est_length, epe_true_length, epe_length_only, flips, angle, floor = (
        torch.cat(v).numpy() for v in (epe, zero, tex, length, est_length, epe_true_length, epe_length_only, flips, angle, floor))

    def row(name: str, m: np.ndarray) -> dict:
        a = angle[m]
        a = a[np.isfinite(a)]
        return {"pixels": name, "share": float(m.mean()), "epe": float(epe[m].mean()), "zero_motion_epe": float(zero[m].mean()),
                "length_ratio": float(est_length[m].sum() / max(length[m].sum(), 1e-9)),
                "epe_true_length": float(epe_true_length[m].mean()), "epe_length_only": float(epe_length_only[m].mean()),
                "chord_angle_deg": float(a.mean()) if a.size else None, "epe_best_quadratic": float(floor[m].mean())}

    rows = [row("all", np.ones_like(epe, dtype=bool))]
    edges = np.quantile(tex, [0.25, 0.5, 0.75])
    quart = np.digitize(tex, edges)
    for q in range(4):
        rows.append(row(f"texture quartile {q + 1} (gradient {'<' if q == 0 else '≥'} {edges[max(q - 1, 0)]:.4f})", quart == q))
    for lo, hi in zip(LENGTH_BINS[:-1], LENGTH_BINS[1:]):
        m = (length >= lo) & (length < hi)
        if m.any():
            rows.append(row(f"true length {lo:g}–{hi:g} px", m))
    for name, m in (("within 2 px of a direction flip in the estimate", flips), ("away from direction flips", ~flips)):
        if m.any():
            rows.append(row(name, m))
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
