"""Evaluation as functions: the paper's tables and our benchmarks read from these."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .data.datasets import find_pairs
from .inference import TrajectoryPredictor, image_to_tensor
from .io import load_offsets, read_image
from .scoring import score_trajectory


def _load_pair(pair):
    b = read_image(pair.blur).to_float()
    if pair.sharp is None:
        half = b.shape[1] // 2
        b, s = b[:, :half], b[:, half : 2 * half]
    else:
        s = read_image(pair.sharp).to_float()
    return b, s


def evaluate_trajectory(data: Path, *, weights=None, light: str | None = None, limit: int | None = None, device: str = "auto", predictor: TrajectoryPredictor | None = None) -> tuple[list[dict], dict]:
    """Score the trajectory model on every pair of ``data``.

    Returns one row per pair (name, reblur PSNR/SSIM, and with truth EPE, the zero-motion EPE and
    the reblur PSNR of the true offsets) and the means.
    """
    pairs = find_pairs(Path(data))[:limit]
    pred = predictor or TrajectoryPredictor(weights=weights, device=device)
    rows = []
    for pair in pairs:
        b, s = _load_pair(pair)
        traj = pred(b)
        true = times = valid = None
        if pair.gt is not None:
            with np.load(pair.gt, allow_pickle=False) as z:
                valid = torch.from_numpy(z["valid"]).view(1, 1, *z["valid"].shape) if "valid" in z.files else None
            of = load_offsets(pair.gt)
            true, times = torch.from_numpy(of.offsets).unsqueeze(0), torch.from_numpy(of.times)
        scores = score_trajectory(traj.params, constraint=traj.constraint, n_offsets=traj.n_offsets, blurry=image_to_tensor(b), sharp=image_to_tensor(s),
                                  light=light or traj.light, true=true, true_times=times, valid=valid)
        rows.append({"name": str(pair.blur.relative_to(data)), **scores})
    keys = [k for k in rows[0] if k != "name"] if rows else []
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in keys}
    mean["count"] = len(rows)
    return rows, mean
