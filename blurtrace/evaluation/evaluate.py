"""Evaluation as functions: the paper's tables and our benchmarks read from these."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..data.datasets import find_pairs
from ..inference.predictors import Trajectories, TrajectoryPredictor, image_to_tensor
from ..io import load_offsets, read_image
from .scoring import score_trajectory


def _load_pair(pair):
    b = read_image(pair.blur).to_float()
    if pair.sharp is None:
        half = b.shape[1] // 2
        b, s = b[:, :half], b[:, half : 2 * half]
    else:
        s = read_image(pair.sharp).to_float()
    return b, s


def load_truth(path: Path) -> dict[str, torch.Tensor | None]:
    """A synth pair's true trajectory file as ``score_trajectory``'s keywords: ``true``
    ``(1, T, 2, H, W)``, ``true_times`` ``(T,)`` and ``valid`` ``(1, 1, H, W)`` (pixels where
    Eq. 3 holds; ``None`` in files written before it existed)."""
    with np.load(path, allow_pickle=False) as z:
        valid = torch.from_numpy(z["valid"]).view(1, 1, *z["valid"].shape) if "valid" in z.files else None
    of = load_offsets(path)
    return {"true": torch.from_numpy(of.offsets).unsqueeze(0), "true_times": torch.from_numpy(of.times), "valid": valid}


def means(rows: list[dict]) -> dict:
    """Mean of every figure over the rows (the ``name`` column aside), plus their count."""
    keys = [k for k in rows[0] if k != "name"] if rows else []
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in keys}
    mean["count"] = len(rows)
    return mean


def evaluate_trajectory(data: Path, *, weights=None, light: str | None = None, limit: int | None = None, device: str = "auto",
                        predictor: TrajectoryPredictor | None = None, ensemble: int = 1, precision: str = "auto") -> tuple[list[dict], dict]:
    """Score the trajectory model on every pair of ``data``.

    Returns one row per pair (name, reblur PSNR/SSIM, and with truth EPE, the zero-motion EPE and
    the reblur PSNR of the true offsets) and the means (with the network's resolved precision).
    """
    pairs = find_pairs(Path(data))[:limit]
    pred = predictor or TrajectoryPredictor(weights=weights, device=device, ensemble=ensemble, precision=precision)
    rows = []
    for pair in pairs:
        b, s = _load_pair(pair)
        traj = pred(b)
        truth = load_truth(pair.gt) if pair.gt is not None else {}
        scores = score_trajectory(traj.params, constraint=traj.constraint, n_offsets=traj.n_offsets, blurry=image_to_tensor(b), sharp=image_to_tensor(s),
                                  light=light or traj.light, **truth)
        rows.append({"name": str(pair.blur.relative_to(data)), **scores})
    return rows, {**means(rows), "precision": pred.precision}


def _true_trajectories(of, like: Trajectories, method: str) -> Trajectories:
    """A synth pair's true trajectory as the deblurrer's input: all N offsets for ``deconv``;
    for the network, which reads the model's constraint, the true start and end points."""
    if method == "deconv" or like.constraint == "none":
        params = torch.from_numpy(of.offsets).flatten(0, 1).unsqueeze(0)
        return Trajectories(params=params, constraint="none", n_offsets=of.offsets.shape[0], light=like.light)
    if like.constraint == "linear":
        params = torch.from_numpy(of.offsets[0]).unsqueeze(0)
    else:
        params = torch.from_numpy(np.concatenate([of.offsets[0], of.offsets[-1]])).unsqueeze(0)
    return Trajectories(params=params, constraint=like.constraint, n_offsets=like.n_offsets, light=like.light)


def evaluate_deblur(data: Path, *, method: str = "net", weights=None, deblur_weights=None, iterations: int = 30, limit: int | None = None,
                    device: str = "auto", true_trajectory: bool = False, border: int = 16, ensemble: int = 1,
                    precision: str = "auto") -> tuple[list[dict], dict]:
    """PSNR/SSIM of ``deblur --method METHOD`` against the sharp frame, and seconds per image.

    ``true_trajectory`` feeds the dataset's true trajectory instead of the estimated one (synth
    data only): what a perfect trajectory estimate would give. PSNR leaves out a ``border``-pixel
    frame, where the blur gathered light from outside the picture.
    """
    import time

    from ..inference.predictors import DeblurPredictor
    from .metrics import psnr, ssim
    from .scoring import border_mask

    pairs = find_pairs(Path(data))[:limit]
    deblurrer = DeblurPredictor(method=method, weights=deblur_weights, device=device, iterations=iterations, ensemble=ensemble, precision=precision)
    pred = deblurrer.trajectory_predictor(weights)
    rows = []
    for pair in pairs:
        b, s = _load_pair(pair)
        t0 = time.perf_counter()
        traj = pred(b)
        if true_trajectory:
            if pair.gt is None:
                raise ValueError(f"{pair.blur}: no true trajectory (gt/) for --true-trajectory")
            traj = _true_trajectories(load_offsets(pair.gt), traj, method)
        out = deblurrer(b, traj)
        secs = time.perf_counter() - t0
        x, y, ref = image_to_tensor(out), image_to_tensor(b), image_to_tensor(s)
        mask = border_mask(*ref.shape[-2:], border)
        rows.append({"name": str(pair.blur.relative_to(data)), "psnr": float(psnr(x, ref, mask=mask)), "ssim": float(ssim(x, ref)),
                     "blurry_psnr": float(psnr(y, ref, mask=mask)), "blurry_ssim": float(ssim(y, ref)), "seconds": secs})
    return rows, {**means(rows), "precision": deblurrer.precision, "trajectory_precision": pred.precision}
