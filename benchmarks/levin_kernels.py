"""Real camera shake with a known kernel: Levin et al.'s 32 photos (evaluation only).

    python benchmarks/levin_kernels.py [--weights W] [--deblur net|deconv ...] [--root DIR]

Levin et al. (CVPR 2009) photographed 4 printed images under 8 real hand shakes and measured each
shake's kernel; the blur is spatially uniform, so every pixel's exposure trajectory should trace the
same kernel. For each photo this prints one JSON line:

- ``kernel_ncc``: normalised cross-correlation (best shift) between the true kernel and the one the
  estimated trajectories draw (each interior pixel splats its trajectory, 64 times, bilinearly;
  the mean over pixels is the estimated kernel). Time reversal draws the same kernel, so it is
  forgiven for free. 1 is a perfect match.
- ``size_ratio``: spread of the estimated kernel over the true one's (root of the traces of their
  covariances): below 1 the trajectories are too short.
- ``reblur_psnr``: the sharp image re-blurred by Eq. 3 with the estimated offsets against the real
  blurry photo, averaging the files' values (where the measured kernel reproduces the photo), beside ``true_kernel_psnr`` (the same with the true kernel) and
  ``zero_motion_psnr`` (the sharp image itself). Levin's sharp image is not the middle of the
  exposure, so every comparison takes the best integer shift within ±``--search`` px.
- with ``--deblur``: PSNR of the result against the sharp image (best shift), beside the blurry
  photo's.

Levin's kernels are 7–22 px across; the shipped networks were trained on blur up to ≈ 12 px.
Skips cleanly when the folder is absent. ``--summary`` then prints the means per kernel and, last,
over all photos.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from blurtrace.evaluation.metrics import psnr
from blurtrace.inference.predictors import (
    DeblurPredictor,
    TrajectoryPredictor,
    image_to_tensor,
)
from blurtrace.io import read_image
from blurtrace.ops.blur import reblur

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "levin"
KERNEL_RADIUS = 20


def gray_rgb(path: Path) -> np.ndarray:
    """A Levin image (grey) as ``(H, W, 3)`` float in [0, 1]."""
    img = read_image(path).to_float()
    return np.repeat(img[..., :1], 3, axis=2) if img.ndim == 3 else np.repeat(img[..., None], 3, axis=2)


def read_kernel(path: Path) -> torch.Tensor:
    k = torch.from_numpy(np.asarray(read_image(path).to_float(), dtype=np.float64))
    k = k.mean(-1) if k.ndim == 3 else k
    return (k / k.sum()).float()


def shifted_psnr(x: torch.Tensor, y: torch.Tensor, *, search: int, margin: int) -> float:
    """Best PSNR of ``x`` against ``y`` shifted by up to ``search`` px, on the interior
    ``margin`` px from the border (``margin ≥ search``)."""
    h, w = x.shape[-2:]
    core = x[..., margin : h - margin, margin : w - margin]
    return max(float(psnr(core, y[..., margin + dy : h - margin + dy, margin + dx : w - margin + dx]))
               for dy in range(-search, search + 1) for dx in range(-search, search + 1))


def convolve(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """``image ⊛ kernel`` (true convolution, replicate padding), per channel."""
    kh, kw = kernel.shape
    c = image.shape[1]
    weight = kernel.flip(0, 1).expand(c, 1, kh, kw).contiguous()
    padded = F.pad(image, (kw // 2, kw - 1 - kw // 2, kh // 2, kh - 1 - kh // 2), mode="replicate")
    return F.conv2d(padded, weight, groups=c)


def trajectory_kernel(offsets: torch.Tensor, *, border: int, radius: int = KERNEL_RADIUS) -> torch.Tensor:
    """The mean over interior pixels of each pixel's trajectory splatted into a
    ``(2r+1)²`` grid: ``B(p) = mean_t L(p + Δp(t))`` is convolution with this grid flipped.

    Args:
        offsets: ``(1, T, 2, H, W)``.
    """
    o = offsets[0, :, :, border:-border, border:-border]
    dx, dy = o[:, 0].reshape(-1).double(), o[:, 1].reshape(-1).double()
    size = 2 * radius + 1
    grid = torch.zeros(size * size, dtype=torch.float64)
    x, y = dx.clamp(-radius, radius - 1e-6) + radius, dy.clamp(-radius, radius - 1e-6) + radius
    x0, y0 = x.floor(), y.floor()
    fx, fy = x - x0, y - y0
    for ox, oy, wgt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        idx = ((y0 + oy).clamp(max=size - 1) * size + (x0 + ox).clamp(max=size - 1)).long()
        grid.index_add_(0, idx, wgt)
    grid = grid.view(size, size)
    return (grid / grid.sum()).flip(0, 1).float()


def centred(kernel: torch.Tensor, size: int) -> torch.Tensor:
    """``kernel`` zero-padded (centred) to ``size × size``."""
    kh, kw = kernel.shape
    out = torch.zeros(size, size)
    y, x = (size - kh) // 2, (size - kw) // 2
    out[y : y + kh, x : x + kw] = kernel
    return out


def kernel_ncc(a: torch.Tensor, b: torch.Tensor) -> float:
    """Best normalised cross-correlation of two same-size kernels over all shifts."""
    a, b = a - a.mean(), b - b.mean()
    size = a.shape[-1]
    corr = F.conv2d(F.pad(a[None, None], (size - 1,) * 4), b[None, None])
    return float(corr.max() / (a.norm() * b.norm()))


def spread(kernel: torch.Tensor) -> float:
    """Root of the trace of the kernel's covariance (px)."""
    size = kernel.shape[-1]
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64), indexing="ij")
    k = kernel.double() / kernel.sum()
    mx, my = (k * xx).sum(), (k * yy).sum()
    return float(((k * ((xx - mx) ** 2 + (yy - my) ** 2)).sum()).sqrt())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", default=None, help="trajectory weights (default: the shipped ones)")
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--deblur", choices=("net", "deconv"), action="append", default=[], help="also deblur with this method and score against the sharp image")
    ap.add_argument("--deblur-weights", default=None, help="deblurring network weights for --deblur net")
    ap.add_argument("--iterations", type=int, default=30, help="deconv iterations")
    ap.add_argument("--search", type=int, default=8, help="largest shift (px) tried when comparing with the sharp image")
    ap.add_argument("--limit", type=int, default=None, help="only the first N photos")
    ap.add_argument("--summary", action="store_true", help="also print the means per kernel, then over all photos")
    args = ap.parse_args()
    if not args.root.is_dir():
        print(f"skipped: {args.root} not found", file=sys.stderr)
        return 0
    torch.set_grad_enabled(False)
    pred = TrajectoryPredictor(weights=args.weights, device="cpu")
    deblurrers = {m: DeblurPredictor(method=m, weights=args.deblur_weights if m == "net" else None, device="cpu", iterations=args.iterations) for m in args.deblur}
    margin = args.search + 16
    rows = []
    for blur_path in sorted(args.root.glob("im*_kernel*_img.png"))[: args.limit]:
        image, kernel_name = blur_path.name.split("_")[:2]
        blurry_np = gray_rgb(blur_path)
        blurry, sharp = image_to_tensor(blurry_np), image_to_tensor(gray_rgb(args.root / "gt" / f"{image}.png"))
        kernel = read_kernel(args.root / "gt" / f"{kernel_name}.png")
        # the kernels are stored in either orientation (the folder's README): take the one that
        # reproduces the photo
        psnr_k = shifted_psnr(convolve(sharp, kernel), blurry, search=args.search, margin=margin)
        psnr_flip = shifted_psnr(convolve(sharp, kernel.flip(0, 1)), blurry, search=args.search, margin=margin)
        if psnr_flip > psnr_k:
            kernel, psnr_k = kernel.flip(0, 1), psnr_flip
        t0 = time.perf_counter()
        traj = pred(blurry_np)
        seconds = time.perf_counter() - t0
        est = trajectory_kernel(traj.offsets(torch.linspace(-1, 1, 64)), border=16)
        size = max(est.shape[-1], kernel.shape[-1])
        true_k = centred(kernel, size)
        est_k = centred(est, size)
        row = {
            "photo": blur_path.stem,
            "kernel_ncc": round(kernel_ncc(est_k, true_k), 3),
            "size_ratio": round(spread(est_k) / spread(true_k), 3),
            "true_spread_px": round(spread(true_k), 2),
            "reblur_psnr": round(shifted_psnr(reblur(sharp, traj.offsets()), blurry, search=args.search, margin=margin), 2),
            "true_kernel_psnr": round(psnr_k, 2),
            "zero_motion_psnr": round(shifted_psnr(sharp, blurry, search=args.search, margin=margin), 2),
            "trajectory_seconds": round(seconds, 3),
        }
        if deblurrers:
            row["blurry_psnr"] = round(shifted_psnr(blurry, sharp, search=args.search, margin=margin), 2)
        for method, deblurrer in deblurrers.items():
            t0 = time.perf_counter()
            out = image_to_tensor(deblurrer(blurry_np, traj))
            row[f"{method}_seconds"] = round(time.perf_counter() - t0, 2)
            row[f"{method}_psnr"] = round(shifted_psnr(out, sharp, search=args.search, margin=margin), 2)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.summary and rows:
        keys = [k for k in rows[0] if k != "photo"]
        means = lambda group: {k: round(float(np.mean([r[k] for r in group])), 3) for k in keys}  # noqa: E731
        for kernel in sorted({r["photo"].split("_")[1] for r in rows}):
            group = [r for r in rows if r["photo"].split("_")[1] == kernel]
            print(json.dumps({"kernel": kernel, "photos": len(group), **means(group)}), flush=True)
        print(json.dumps({"photos": len(rows), **means(rows)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
